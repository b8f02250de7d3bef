//! A stock level and the ways it may move. Every rule here is also enforced by the guarded
//! `UPDATE` that saves it (ARCHITECTURE.md §3); this is where the rule is named and tested.

use std::collections::BTreeMap;

use uuid::Uuid;

/// The largest quantity one request may move: far above any real shelf, far below overflow.
pub const MAX_QUANTITY: i64 = 1_000_000_000;

/// The buckets of one variant in one warehouse.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Buckets {
    /// Physically in the warehouse.
    pub on_hand: i64,
    /// Held for orders (checkout, marketplace orders not yet shipped).
    pub reserved: i64,
    /// Held for a marketplace campaign, not available to other channels until released.
    pub campaign_locked: i64,
    /// Ordered from a supplier, not yet received.
    pub incoming: i64,
}

/// A change to each bucket, as the guarded update adds it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Movement {
    pub on_hand: i64,
    pub reserved: i64,
    pub campaign_locked: i64,
    pub incoming: i64,
}

/// A change an operator asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Add (or, negative, remove) units on hand.
    Delta(i64),
    /// The units on hand are now exactly this many (a count).
    SetOnHand(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StockRuleError {
    /// The change would take more than is available.
    #[error("only {available} available")]
    Insufficient { available: i64 },
    /// More would be given back or sold than is held: the books disagree with the request.
    #[error("only {held} held")]
    NotHeld { held: i64 },
}

impl Buckets {
    /// What can still be promised to a buyer; never shown below zero, even when a store that
    /// allows negative stock has sold more than it holds.
    pub fn available(&self) -> i64 {
        self.raw_available().max(0)
    }

    /// `on_hand − reserved − campaign_locked`, possibly negative.
    pub fn raw_available(&self) -> i64 {
        self.on_hand - self.reserved - self.campaign_locked
    }

    pub fn moved(&self, m: Movement) -> Buckets {
        Buckets {
            on_hand: self.on_hand + m.on_hand,
            reserved: self.reserved + m.reserved,
            campaign_locked: self.campaign_locked + m.campaign_locked,
            incoming: self.incoming + m.incoming,
        }
    }

    /// The movement that takes `self` to `after`.
    pub fn movement_to(&self, after: &Buckets) -> Movement {
        Movement {
            on_hand: after.on_hand - self.on_hand,
            reserved: after.reserved - self.reserved,
            campaign_locked: after.campaign_locked - self.campaign_locked,
            incoming: after.incoming - self.incoming,
        }
    }

    /// The level `before` a known movement produced `self`.
    pub fn before(&self, m: Movement) -> Buckets {
        Buckets {
            on_hand: self.on_hand - m.on_hand,
            reserved: self.reserved - m.reserved,
            campaign_locked: self.campaign_locked - m.campaign_locked,
            incoming: self.incoming - m.incoming,
        }
    }

    /// An operator's change. Unless the store allows negative stock, nothing already promised
    /// (reserved, campaign-locked) may be taken away: available must stay at or above zero.
    pub fn adjust(&self, change: Change, allow_negative: bool) -> Result<Buckets, StockRuleError> {
        let on_hand = match change {
            Change::Delta(delta) => self.on_hand + delta,
            Change::SetOnHand(target) => target,
        };
        let after = Buckets { on_hand, ..*self };
        let lowers = after.raw_available() < self.raw_available();
        if lowers && !allow_negative && after.raw_available() < 0 {
            return Err(StockRuleError::Insufficient {
                available: self.available(),
            });
        }
        Ok(after)
    }

    /// Holds `quantity` units for an order.
    pub fn reserve(&self, quantity: i64) -> Result<Buckets, StockRuleError> {
        if self.raw_available() < quantity {
            return Err(StockRuleError::Insufficient {
                available: self.available(),
            });
        }
        Ok(self.moved(Movement::reserve(quantity)))
    }

    /// Gives back `quantity` held units.
    pub fn release(&self, quantity: i64) -> Result<Buckets, StockRuleError> {
        if self.reserved < quantity {
            return Err(StockRuleError::NotHeld {
                held: self.reserved,
            });
        }
        Ok(self.moved(Movement::release(quantity)))
    }

    /// Turns `quantity` held units into a sale: they leave the shelf and the hold.
    pub fn commit(&self, quantity: i64) -> Result<Buckets, StockRuleError> {
        if self.reserved < quantity || self.on_hand < quantity {
            return Err(StockRuleError::NotHeld {
                held: self.reserved.min(self.on_hand),
            });
        }
        Ok(self.moved(Movement::commit(quantity)))
    }
}

impl Movement {
    pub fn reserve(quantity: i64) -> Movement {
        Movement {
            reserved: quantity,
            ..Movement::default()
        }
    }

    pub fn release(quantity: i64) -> Movement {
        Movement {
            reserved: -quantity,
            ..Movement::default()
        }
    }

    pub fn commit(quantity: i64) -> Movement {
        Movement {
            on_hand: -quantity,
            reserved: -quantity,
            ..Movement::default()
        }
    }

    /// Units set aside for a marketplace campaign: no other channel may sell them.
    pub fn lock_for_campaign(quantity: i64) -> Movement {
        Movement {
            campaign_locked: quantity,
            ..Movement::default()
        }
    }

    /// A campaign order sells units from the campaign's own bucket.
    pub fn sell_from_campaign(quantity: i64) -> Movement {
        Movement {
            on_hand: -quantity,
            campaign_locked: -quantity,
            ..Movement::default()
        }
    }

    /// Goods leave the source warehouse of a transfer.
    pub fn ship(quantity: i64) -> Movement {
        Movement {
            on_hand: -quantity,
            ..Movement::default()
        }
    }

    /// Goods are on their way to the destination of a transfer.
    pub fn expect(quantity: i64) -> Movement {
        Movement {
            incoming: quantity,
            ..Movement::default()
        }
    }

    /// Goods on their way arrive and go on the shelf.
    pub fn receive(quantity: i64) -> Movement {
        Movement {
            incoming: -quantity,
            on_hand: quantity,
            ..Movement::default()
        }
    }

    /// The opposite movement, to undo this one.
    pub fn reversed(self) -> Movement {
        Movement {
            on_hand: -self.on_hand,
            reserved: -self.reserved,
            campaign_locked: -self.campaign_locked,
            incoming: -self.incoming,
        }
    }

    /// Whether this movement makes less stock available: only then does the availability
    /// guard apply (giving back or counting more must work even from a negative level).
    pub fn lowers_available(&self) -> bool {
        self.on_hand - self.reserved - self.campaign_locked < 0
    }
}

/// True when a change takes available stock from above the reorder point to at or below it:
/// one alert per crossing, not one per sale while stock stays low.
pub fn crossed_reorder_point(
    before: &Buckets,
    after: &Buckets,
    reorder_point: Option<i64>,
) -> bool {
    reorder_point.is_some_and(|point| before.available() > point && after.available() <= point)
}

/// Lines of one request summed per (variant, warehouse), in that order: two lines for the same
/// variant count against the same stock, and rows are always locked in the same order, so two
/// concurrent reservations cannot deadlock on PostgreSQL.
pub fn merge_lines(lines: &[(Uuid, Uuid, i64)]) -> Vec<((Uuid, Uuid), i64)> {
    let mut totals: BTreeMap<(Uuid, Uuid), i64> = BTreeMap::new();
    for (variant, warehouse, quantity) in lines {
        *totals.entry((*variant, *warehouse)).or_default() += quantity;
    }
    totals.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn level(on_hand: i64, reserved: i64) -> Buckets {
        Buckets {
            on_hand,
            reserved,
            ..Buckets::default()
        }
    }

    #[test]
    fn available_is_on_hand_less_what_is_promised() {
        let b = Buckets {
            on_hand: 10,
            reserved: 3,
            campaign_locked: 2,
            incoming: 50,
        };
        assert_eq!(b.available(), 5);
        assert_eq!(level(1, 4).available(), 0, "never shown negative");
    }

    #[test]
    fn removing_more_than_is_available_is_refused() {
        assert_eq!(
            level(10, 8).adjust(Change::Delta(-3), false),
            Err(StockRuleError::Insufficient { available: 2 })
        );
        assert_eq!(
            level(10, 8).adjust(Change::SetOnHand(7), false),
            Err(StockRuleError::Insufficient { available: 2 })
        );
        assert_eq!(
            level(10, 8).adjust(Change::Delta(-2), false),
            Ok(level(8, 8))
        );
    }

    #[test]
    fn a_store_that_allows_it_may_go_below_zero() {
        assert_eq!(
            level(1, 0).adjust(Change::Delta(-3), true),
            Ok(level(-2, 0))
        );
    }

    #[test]
    fn adding_stock_works_even_from_a_negative_level() {
        assert_eq!(
            level(-2, 0).adjust(Change::Delta(1), false),
            Ok(level(-1, 0))
        );
    }

    #[test]
    fn a_hold_is_all_or_nothing_and_sells_from_both_buckets() {
        assert_eq!(
            level(3, 0).reserve(4),
            Err(StockRuleError::Insufficient { available: 3 })
        );
        let held = level(3, 0).reserve(2).unwrap();
        assert_eq!(held, level(3, 2));
        assert_eq!(held.commit(2), Ok(level(1, 0)));
        assert_eq!(held.release(2), Ok(level(3, 0)));
        assert_eq!(held.release(3), Err(StockRuleError::NotHeld { held: 2 }));
    }

    #[test]
    fn a_transfer_moves_stock_through_incoming_and_back_when_cancelled() {
        let (source, destination) = (level(5, 1), Buckets::default());
        let shipped = source.moved(Movement::ship(3));
        let expected = destination.moved(Movement::expect(3));
        assert_eq!(
            (shipped.on_hand, expected.incoming, expected.available()),
            (2, 3, 0)
        );
        let received = expected.moved(Movement::receive(3));
        assert_eq!((received.on_hand, received.incoming), (3, 0));
        assert_eq!(shipped.moved(Movement::ship(3).reversed()), source);
        assert!(Movement::ship(1).lowers_available());
        assert!(!Movement::receive(1).lowers_available());
    }

    #[test]
    fn campaign_stock_is_not_available_and_sells_from_its_own_bucket() {
        let locked = level(10, 2).moved(Movement::lock_for_campaign(3));
        assert_eq!(locked.available(), 5);
        assert!(Movement::lock_for_campaign(1).lowers_available());
        let sold = locked.moved(Movement::sell_from_campaign(2));
        assert_eq!(
            (sold.on_hand, sold.campaign_locked, sold.available()),
            (8, 1, 5)
        );
        assert!(!Movement::sell_from_campaign(1).lowers_available());
    }

    #[test]
    fn low_stock_fires_once_per_crossing() {
        assert!(crossed_reorder_point(&level(6, 0), &level(5, 0), Some(5)));
        assert!(!crossed_reorder_point(&level(5, 0), &level(4, 0), Some(5)));
        assert!(!crossed_reorder_point(&level(9, 0), &level(8, 0), Some(5)));
        assert!(!crossed_reorder_point(&level(9, 0), &level(0, 0), None));
    }

    #[test]
    fn lines_for_the_same_stock_are_summed_and_sorted() {
        let (v1, v2, w) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let merged = merge_lines(&[(v2, w, 1), (v1, w, 2), (v1, w, 2)]);
        assert_eq!(merged, vec![((v1, w), 4), ((v2, w), 1)]);
    }

    proptest! {
        /// Whatever operators do, a store that does not allow negative stock never sees a
        /// negative bucket, and the level is the sum of the movements that built it.
        #[test]
        fn adjustments_never_yield_a_negative_bucket(
            steps in proptest::collection::vec((0u8..4, -50i64..50, 0i64..60), 1..60)
        ) {
            let mut b = Buckets::default();
            let mut sum = Movement::default();
            for (kind, delta, qty) in steps {
                let next = match kind {
                    0 => b.adjust(Change::Delta(delta), false),
                    1 => b.adjust(Change::SetOnHand(qty), false),
                    2 => b.reserve(qty),
                    _ => if qty % 2 == 0 { b.release(qty.min(b.reserved)) } else { b.commit(qty.min(b.reserved)) },
                };
                if let Ok(after) = next {
                    let m = b.movement_to(&after);
                    sum.on_hand += m.on_hand;
                    sum.reserved += m.reserved;
                    b = after;
                }
                prop_assert!(b.on_hand >= 0 && b.reserved >= 0 && b.raw_available() >= 0, "{b:?}");
            }
            prop_assert_eq!(Buckets::default().moved(sum), b);
        }

        #[test]
        fn a_released_hold_gives_back_exactly_what_it_took(on_hand in 0i64..1000, qty in 1i64..1000) {
            let b = level(on_hand, 0);
            match b.reserve(qty) {
                Ok(held) => prop_assert_eq!(held.release(qty), Ok(b)),
                Err(StockRuleError::Insufficient { available }) => prop_assert_eq!(available, on_hand),
                Err(other) => prop_assert!(false, "{other:?}"),
            }
        }

        #[test]
        fn merging_keeps_every_unit(lines in proptest::collection::vec((0u8..3, 0u8..2, 1i64..100), 0..20)) {
            let v = [Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()];
            let w = [Uuid::now_v7(), Uuid::now_v7()];
            let lines: Vec<_> = lines.iter().map(|(a, b, q)| (v[*a as usize], w[*b as usize], *q)).collect();
            let merged = merge_lines(&lines);
            prop_assert_eq!(merged.iter().map(|(_, q)| q).sum::<i64>(), lines.iter().map(|l| l.2).sum::<i64>());
            prop_assert!(merged.windows(2).all(|p| p[0].0 < p[1].0));
        }
    }
}
