//! Where a product or variant is in its life: being prepared, on sale, or retired.

use super::text::TextError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Being prepared; not offered on any channel yet.
    Draft,
    /// On sale.
    Active,
    /// Retired: kept for order history, SKU still reserved.
    Archived,
}

/// A status change the rules refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IllegalTransition {
    pub from: Status,
    pub to: Status,
}

impl Status {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        match text.trim() {
            "draft" => Ok(Status::Draft),
            "active" => Ok(Status::Active),
            "archived" => Ok(Status::Archived),
            _ => Err(TextError::new(
                "invalid_status",
                "Use draft, active or archived.",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Active => "active",
            Status::Archived => "archived",
        }
    }

    /// An archived product comes back as a draft first: its prices, stock and channel listings
    /// are likely stale, so it is checked before it sells again.
    pub fn change_to(self, to: Status) -> Result<Status, IllegalTransition> {
        match (self, to) {
            (Status::Archived, Status::Active) => Err(IllegalTransition { from: self, to }),
            _ => Ok(to),
        }
    }

    /// A status read back from the database. Unknown texts (a status retired since) read as
    /// archived, the state that sells nothing.
    pub fn from_stored(text: &str) -> Status {
        Status::parse(text).unwrap_or(Status::Archived)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archived_comes_back_through_draft() {
        assert!(Status::Archived.change_to(Status::Active).is_err());
        assert_eq!(
            Status::Archived.change_to(Status::Draft).unwrap(),
            Status::Draft
        );
        assert_eq!(
            Status::Draft.change_to(Status::Active).unwrap(),
            Status::Active
        );
        assert_eq!(
            Status::Active.change_to(Status::Archived).unwrap(),
            Status::Archived
        );
        assert_eq!(Status::parse("gone").unwrap_err().code, "invalid_status");
    }
}
