//! The paperwork of a parcel as PDFs: shipping labels (one 100×150 mm page each, with the
//! airway bill as a Code 128 barcode), pick lists and packing lists (A4).

pub mod code128;
pub mod label;
pub mod lists;
pub mod pdf;

use smartseller_contracts::shipping::{ShipmentLine, ShippingAddress};
use smartseller_kernel::money::Money;

pub use label::{label, labels};
pub use lists::{packing_list, pick_list};

/// What the paperwork prints about one shipment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parcel {
    pub order_number: String,
    pub courier_name: String,
    pub service_name: String,
    pub awb: Option<String>,
    pub sender: ShippingAddress,
    pub receiver: ShippingAddress,
    pub cash_on_delivery: Option<Money>,
    pub weight_grams: i64,
    pub lines: Vec<ShipmentLine>,
}

/// `Rp 150.000` for IDR (whole rupiah, dots between thousands; cents only when there are
/// any), `USD 12.50`-style for the rest.
pub fn format_money(money: Money) -> String {
    let negative = money.minor < 0;
    let minor = money.minor.unsigned_abs();
    let whole = minor / 100;
    let cents = minor % 100;
    let digits = whole.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    let sign = if negative { "-" } else { "" };
    let prefix = match money.currency {
        smartseller_kernel::money::Currency::Idr => "Rp ".to_owned(),
        other => format!("{} ", other.code()),
    };
    if cents == 0 {
        format!("{sign}{prefix}{grouped}")
    } else {
        format!("{sign}{prefix}{grouped},{cents:02}")
    }
}

/// `1,25 kg` for parcels of a kilo or more, `850 g` below.
pub fn format_weight(grams: i64) -> String {
    if grams >= 1000 {
        let kilos = grams / 1000;
        let rest = (grams % 1000) / 10;
        if rest == 0 {
            format!("{kilos} kg")
        } else {
            format!("{kilos},{rest:02} kg")
        }
    } else {
        format!("{grams} g")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smartseller_kernel::money::Currency;

    #[test]
    fn rupiah_amounts_read_as_sellers_write_them() {
        assert_eq!(
            format_money(Money::new(15_000_000, Currency::Idr)),
            "Rp 150.000"
        );
        assert_eq!(
            format_money(Money::new(12_345_678_900, Currency::Idr)),
            "Rp 123.456.789"
        );
        assert_eq!(format_money(Money::new(1_050, Currency::Idr)), "Rp 10,50");
        assert_eq!(format_money(Money::new(99, Currency::Usd)), "USD 0,99");
    }

    #[test]
    fn weights_switch_to_kilos_at_a_thousand_grams() {
        assert_eq!(format_weight(850), "850 g");
        assert_eq!(format_weight(1000), "1 kg");
        assert_eq!(format_weight(1250), "1,25 kg");
    }
}
