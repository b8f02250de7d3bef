//! The catalogue's pure rules: what a valid name, SKU, barcode, weight, size and price is; how
//! options multiply into variants; how the category tree may change; how lists are sorted and
//! resumed. No I/O, no async.

pub mod attributes;
pub mod import;
pub mod listing;
pub mod media;
pub mod options;
pub mod pricing;
pub mod product;
pub mod shipping;
pub mod sku;
pub mod status;
pub mod stock;
pub mod text;
pub mod tree;

pub use options::{OptionsMismatch, ProductOptions};
pub use shipping::{Dimensions, Millimetres, Weight};
pub use sku::{Barcode, Sku};
pub use status::{IllegalTransition, Status};
pub use text::{CategoryName, Description, ProductName, TextError};
pub use tree::{CategoryPath, Cycle};

use smartseller_kernel::money::{Currency, Money};
use smartseller_kernel::typed_id;

typed_id!(
    /// A node of a store's category tree, e.g. "Fashion Muslim > Gamis".
    CategoryId
);

typed_id!(
    /// A product as the seller lists it, e.g. "Kemeja Batik Parang".
    ProductId
);

typed_id!(
    /// One sellable combination of a product's options, with its own SKU and price.
    VariantId
);

/// What a variant sells for: never negative, in one currency (IDR unless said otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price(Money);

impl Price {
    /// The largest price we accept: Rp 10 billion, far above any one item a seller lists, and far
    /// enough below `i64::MAX` that line totals (price x quantity) cannot overflow.
    pub const MAX_MINOR: i64 = 1_000_000_000_000;

    pub fn new(minor: i64, currency: Currency) -> Result<Self, TextError> {
        if minor < 0 {
            return Err(TextError::new(
                "negative_price",
                "A price cannot be negative.",
            ));
        }
        if minor > Self::MAX_MINOR {
            return Err(TextError::new("too_large", "This price is too large."));
        }
        Ok(Self(Money::new(minor, currency)))
    }

    pub fn money(&self) -> Money {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_never_negative() {
        assert!(Price::new(-1, Currency::Idr).is_err());
        assert_eq!(
            Price::new(15_000_000, Currency::Idr).unwrap().money(),
            Money::new(15_000_000, Currency::Idr)
        );
        assert!(Price::new(Price::MAX_MINOR + 1, Currency::Idr).is_err());
    }
}
