//! Values a seller types: warehouse codes and names, reasons, references and notes.

use smartseller_kernel::validation::{FieldErrors, Invalid};

/// Why a value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError {
    pub code: &'static str,
    pub message: String,
}

impl Invalid for TextError {
    fn code(&self) -> &'static str {
        self.code
    }
    fn message(&self) -> String {
        self.message.clone()
    }
}

fn error(code: &'static str, message: impl Into<String>) -> TextError {
    TextError {
        code,
        message: message.into(),
    }
}

/// Trims and bounds text; line breaks are allowed only where `multiline` (an address).
/// PostgreSQL refuses NUL in text, so control characters never reach the database.
fn bounded(text: &str, what: &str, max: usize, multiline: bool) -> Result<String, TextError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(error("required", format!("Enter a {what}.")));
    }
    if text.chars().count() > max {
        return Err(error(
            "too_long",
            format!("A {what} has at most {max} characters."),
        ));
    }
    let allowed = |c: char| multiline && (c == '\n' || c == '\r' || c == '\t');
    if text.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(error(
            "invalid_characters",
            format!("A {what} cannot contain control characters."),
        ));
    }
    Ok(text.to_owned())
}

/// A warehouse's short code, e.g. `JKT-1`: upper-cased, unique in a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarehouseCode(String);

impl WarehouseCode {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        let code = text.trim().to_uppercase();
        if code.is_empty() {
            return Err(error("required", "Enter a warehouse code."));
        }
        if code.len() > 32
            || !code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(error(
                "invalid_code",
                "A warehouse code has 1 to 32 letters, digits, `-` or `_`, like JKT-1.",
            ));
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A warehouse's name, e.g. "Gudang Cikarang".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarehouseName(String);

impl WarehouseName {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        bounded(text, "warehouse name", 100, false).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A postal address, free text over several lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarehouseAddress(String);

impl WarehouseAddress {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        bounded(text, "address", 500, true).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A sales channel's short name, e.g. `shopee`, `tokopedia`, `tiktok_shop`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel(String);

impl Channel {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        let channel = text.trim().to_lowercase();
        if channel.is_empty()
            || channel.len() > 32
            || !channel
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        {
            return Err(error(
                "invalid_channel",
                "A channel is 1 to 32 letters, digits, `_` or `-`, like shopee.",
            ));
        }
        Ok(Self(channel))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A marketplace campaign's id or name, e.g. "12.12 Birthday Sale".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignName(String);

impl CampaignName {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        bounded(text, "campaign", 100, false).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A free note on a stock change, e.g. "carton crushed in transit".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note(String);

impl Note {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        bounded(text, "note", 500, true).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A supplier's name on a purchase order, e.g. "CV Batik Pekalongan".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierName(String);

impl SupplierName {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        bounded(text, "supplier name", 200, false).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! codes {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)* _ => None }
            }
        }
    };
}

codes!(
    /// Why stock changed, as the ledger records it.
    Reason {
        Sale => "sale",
        Return => "return",
        Adjustment => "adjustment",
        Transfer => "transfer",
        StockCount => "stock_count",
        ChannelSync => "channel_sync",
        Damage => "damage",
        PurchaseReceipt => "purchase_receipt",
        Reservation => "reservation",
        ReservationReleased => "reservation_released",
        ReservationExpired => "reservation_expired",
        CampaignLock => "campaign_lock",
        CampaignRelease => "campaign_release",
        CampaignEnded => "campaign_ended",
        PurchaseOrdered => "purchase_ordered",
        PurchaseCancelled => "purchase_cancelled",
    }
);

impl Reason {
    /// The reasons an operator may give to `PUT /inventory/adjust`; the others are written
    /// only by reservations, so the ledger cannot be made to lie about them.
    pub const ADJUSTABLE: &'static [Reason] = &[
        Reason::Sale,
        Reason::Return,
        Reason::Adjustment,
        Reason::Transfer,
        Reason::StockCount,
        Reason::ChannelSync,
        Reason::Damage,
        Reason::PurchaseReceipt,
    ];

    pub fn parse_adjustable(text: &str) -> Result<Reason, TextError> {
        Reason::parse(text)
            .filter(|r| Reason::ADJUSTABLE.contains(r))
            .ok_or_else(|| {
                let all: Vec<&str> = Reason::ADJUSTABLE.iter().map(|r| r.as_str()).collect();
                error("unknown_reason", format!("Use one of: {}.", all.join(", ")))
            })
    }
}

codes!(
    /// What a stock change points back to.
    ReferenceKind {
        Order => "order",
        Transfer => "transfer",
        StockCount => "stock_count",
        PurchaseOrder => "purchase_order",
        Channel => "channel",
        Reservation => "reservation",
        Campaign => "campaign",
        Manual => "manual",
        Import => "import",
    }
);

codes!(
    /// A sales channel a per-channel buffer (safety stock) may apply to.
    SalesChannel {
        Shopee => "shopee",
        Tokopedia => "tokopedia",
        Lazada => "lazada",
        Tiktok => "tiktok",
        OwnStore => "own_store",
    }
);

impl SalesChannel {
    pub fn parse_named(text: &str) -> Result<SalesChannel, TextError> {
        SalesChannel::parse(text.trim()).ok_or_else(|| {
            let all: Vec<&str> = SalesChannel::ALL.iter().map(|c| c.as_str()).collect();
            error(
                "unknown_channel",
                format!("Use one of: {}.", all.join(", ")),
            )
        })
    }
}

/// A reference to the document behind a change: its kind and its id in that document's system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub kind: ReferenceKind,
    pub id: String,
}

impl Reference {
    pub fn parse(kind: &str, id: &str) -> Result<Reference, (&'static str, TextError)> {
        let kind = ReferenceKind::parse(kind).ok_or_else(|| {
            let all: Vec<&str> = ReferenceKind::ALL.iter().map(|r| r.as_str()).collect();
            (
                "type",
                error(
                    "unknown_reference_type",
                    format!("Use one of: {}.", all.join(", ")),
                ),
            )
        })?;
        let id = bounded(id, "reference id", 100, false).map_err(|e| ("id", e))?;
        Ok(Reference { kind, id })
    }

    /// Parses a reference given under `field`, recording what is wrong as `field.type` or
    /// `field.id`.
    pub fn collect(
        errors: &mut FieldErrors,
        field: &str,
        kind: &str,
        id: &str,
    ) -> Option<Reference> {
        match Reference::parse(kind, id) {
            Ok(reference) => Some(reference),
            Err((part, error)) => {
                errors.check::<(), _>(&format!("{field}.{part}"), Err(error));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warehouse_codes_are_short_and_upper_cased() {
        assert_eq!(WarehouseCode::parse(" jkt-1 ").unwrap().as_str(), "JKT-1");
        assert_eq!(WarehouseCode::parse("").unwrap_err().code, "required");
        assert_eq!(
            WarehouseCode::parse("gudang utama").unwrap_err().code,
            "invalid_code"
        );
        assert_eq!(
            WarehouseCode::parse(&"A".repeat(33)).unwrap_err().code,
            "invalid_code"
        );
    }

    #[test]
    fn an_address_may_span_lines_but_a_name_may_not_hold_control_characters() {
        assert!(WarehouseAddress::parse("Jl. Industri 5\nCikarang").is_ok());
        assert_eq!(
            WarehouseName::parse("Gudang\u{0}").unwrap_err().code,
            "invalid_characters"
        );
    }

    #[test]
    fn operators_cannot_forge_reservation_reasons() {
        assert_eq!(Reason::parse_adjustable("damage"), Ok(Reason::Damage));
        assert!(Reason::parse_adjustable("reservation").is_err());
        assert!(Reason::parse_adjustable("theft").is_err());
        for reason in Reason::ALL {
            assert_eq!(Reason::parse(reason.as_str()), Some(*reason));
        }
    }

    #[test]
    fn buffers_name_a_known_sales_channel_and_suppliers_a_name() {
        assert_eq!(
            SalesChannel::parse_named(" own_store "),
            Ok(SalesChannel::OwnStore)
        );
        assert_eq!(
            SalesChannel::parse_named("blibli").unwrap_err().code,
            "unknown_channel"
        );
        assert_eq!(SupplierName::parse(" ").unwrap_err().code, "required");
        assert!(Reason::parse_adjustable("purchase_ordered").is_err());
    }

    #[test]
    fn references_name_their_kind() {
        let r = Reference::parse("order", "SO-1").unwrap();
        assert_eq!((r.kind, r.id.as_str()), (ReferenceKind::Order, "SO-1"));
        assert_eq!(Reference::parse("invoice", "1").unwrap_err().0, "type");
        assert_eq!(Reference::parse("order", " ").unwrap_err().0, "id");
    }
}
