//! What the catalogue shows of stock: inventory owns the levels; the catalogue keeps a copy fed by
//! `inventory.events` so a product page and a product list can say "in stock", "low" or "sold
//! out" without asking another domain on every request.

use smartseller_kernel::validation::Invalid;

/// A product's stock state, as lists filter by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockState {
    /// At least one variant can be sold now somewhere.
    InStock,
    /// Some variant is at or below a reorder point in some warehouse (it may still sell).
    LowStock,
    /// No variant can be sold anywhere.
    OutOfStock,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStockState;

impl Invalid for UnknownStockState {
    fn code(&self) -> &'static str {
        "unknown_stock_state"
    }
    fn message(&self) -> String {
        "Use `in_stock`, `low_stock` or `out_of_stock`.".into()
    }
}

impl StockState {
    pub fn parse(text: &str) -> Result<Self, UnknownStockState> {
        match text {
            "in_stock" => Ok(Self::InStock),
            "low_stock" => Ok(Self::LowStock),
            "out_of_stock" => Ok(Self::OutOfStock),
            _ => Err(UnknownStockState),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InStock => "in_stock",
            Self::LowStock => "low_stock",
            Self::OutOfStock => "out_of_stock",
        }
    }
}

/// One variant in one warehouse, as last heard from inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelCopy {
    pub on_hand: i64,
    pub reserved: i64,
    pub incoming: i64,
    pub available: i64,
    pub reorder_point: Option<i64>,
}

impl LevelCopy {
    pub fn is_low(&self) -> bool {
        self.reorder_point.is_some_and(|p| self.available <= p)
    }
}

/// Totals over warehouses (and, for a product, over its variants).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StockTotals {
    pub on_hand: i64,
    pub reserved: i64,
    pub incoming: i64,
    /// What can be sold now: never counted below zero per level, so one warehouse's oversold
    /// negative does not hide another warehouse's stock.
    pub available: i64,
    /// Levels at or below their reorder point.
    pub low_levels: u32,
}

impl StockTotals {
    pub fn of<'a>(levels: impl IntoIterator<Item = &'a LevelCopy>) -> Self {
        levels.into_iter().fold(Self::default(), |t, l| Self {
            on_hand: t.on_hand.saturating_add(l.on_hand),
            reserved: t.reserved.saturating_add(l.reserved),
            incoming: t.incoming.saturating_add(l.incoming),
            available: t.available.saturating_add(l.available.max(0)),
            low_levels: t.low_levels + u32::from(l.is_low()),
        })
    }

    pub fn plus(self, other: Self) -> Self {
        Self {
            on_hand: self.on_hand.saturating_add(other.on_hand),
            reserved: self.reserved.saturating_add(other.reserved),
            incoming: self.incoming.saturating_add(other.incoming),
            available: self.available.saturating_add(other.available),
            low_levels: self.low_levels + other.low_levels,
        }
    }

    /// The state a shopper-facing badge shows: sold out wins over low.
    pub fn state(&self) -> StockState {
        if self.available <= 0 {
            StockState::OutOfStock
        } else if self.low_levels > 0 {
            StockState::LowStock
        } else {
            StockState::InStock
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(available: i64, reorder_point: Option<i64>) -> LevelCopy {
        LevelCopy {
            on_hand: available.max(0) + 2,
            reserved: 2,
            incoming: 1,
            available,
            reorder_point,
        }
    }

    #[test]
    fn totals_never_let_an_oversold_warehouse_hide_another() {
        let t = StockTotals::of(&[level(-3, None), level(5, None)]);
        assert_eq!(t.available, 5);
        assert_eq!(t.state(), StockState::InStock);
    }

    #[test]
    fn sold_out_wins_over_low() {
        assert_eq!(
            StockTotals::of(&[level(0, Some(3))]).state(),
            StockState::OutOfStock
        );
        assert_eq!(
            StockTotals::of(&[level(2, Some(3))]).state(),
            StockState::LowStock
        );
        assert_eq!(
            StockTotals::of(&[level(4, Some(3))]).state(),
            StockState::InStock
        );
        assert_eq!(StockTotals::default().state(), StockState::OutOfStock);
    }

    #[test]
    fn states_parse_from_their_names() {
        for state in [
            StockState::InStock,
            StockState::LowStock,
            StockState::OutOfStock,
        ] {
            assert_eq!(StockState::parse(state.as_str()), Ok(state));
        }
        assert!(StockState::parse("some").is_err());
    }
}
