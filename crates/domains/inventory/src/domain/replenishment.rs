//! How much to buy again and what each sales channel may be shown: reorder suggestions from
//! recent sales velocity, and per-channel buffers (safety stock).

use std::cmp::Ordering;

/// Default days between ordering from a supplier and the goods being on the shelf.
pub const DEFAULT_LEAD_TIME_DAYS: i64 = 7;
/// Default extra days of stock kept against a slow supplier or a sales spike.
pub const DEFAULT_SAFETY_DAYS: i64 = 3;
/// The longest lead time or safety margin a seller may set.
pub const MAX_DAYS: i64 = 365;

/// What a suggestion is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReorderInputs {
    /// Units sold over the window (ledger entries with reason `sale`, committed holds included).
    pub sold: i64,
    /// Days the window covers, at least 1.
    pub window_days: i64,
    pub lead_time_days: i64,
    pub safety_days: i64,
    pub available: i64,
    pub incoming: i64,
}

/// A suggestion with the figures behind it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Suggestion {
    /// Units sold per day over the window.
    pub velocity_per_day: f64,
    /// Units the coming `lead + safety` days will need at that velocity, rounded up.
    pub needed: i64,
    /// Units to order: `max(0, needed − (available + incoming))`, rounded up.
    pub quantity: i64,
    /// Days available stock lasts at this velocity; `None` when nothing sells.
    pub days_of_cover: Option<f64>,
}

fn ceil_div(numerator: i128, denominator: i128) -> i128 {
    let q = numerator / denominator;
    if numerator % denominator > 0 {
        q + 1
    } else {
        q
    }
}

impl ReorderInputs {
    fn window(&self) -> i128 {
        i128::from(self.window_days.max(1))
    }

    /// `max(0, velocity × (lead + safety) − (available + incoming))`, rounded up, computed in
    /// integers so no unit is lost to floating point.
    pub fn suggest(&self) -> Suggestion {
        let sold = i128::from(self.sold.max(0));
        let days = i128::from(self.lead_time_days + self.safety_days);
        let on_the_way = i128::from(self.available.max(0)) + i128::from(self.incoming.max(0));
        let shortfall = sold * days - on_the_way * self.window();
        let quantity = if shortfall <= 0 {
            0
        } else {
            ceil_div(shortfall, self.window())
        };
        let needed = ceil_div(sold * days, self.window());
        let velocity_per_day = sold as f64 / self.window() as f64;
        Suggestion {
            velocity_per_day,
            needed: i64::try_from(needed).unwrap_or(i64::MAX),
            quantity: i64::try_from(quantity).unwrap_or(i64::MAX),
            days_of_cover: (sold > 0)
                .then(|| self.available.max(0) as f64 * self.window() as f64 / sold as f64),
        }
    }

    /// Most urgent first: fewest days of cover (`available × window / sold`), compared exactly;
    /// what does not sell comes last.
    pub fn urgency_cmp(&self, other: &ReorderInputs) -> Ordering {
        match (self.sold > 0, other.sold > 0) {
            (false, false) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (true, true) => {
                let mine =
                    i128::from(self.available.max(0)) * self.window() * i128::from(other.sold);
                let theirs =
                    i128::from(other.available.max(0)) * other.window() * i128::from(self.sold);
                mine.cmp(&theirs)
            }
        }
    }
}

/// What one channel may sell: available stock less the channel's buffer, never below zero.
pub fn channel_available(available: i64, buffer: i64) -> i64 {
    (available - buffer.max(0)).max(0)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn inputs(sold: i64, available: i64, incoming: i64) -> ReorderInputs {
        ReorderInputs {
            sold,
            window_days: 30,
            lead_time_days: DEFAULT_LEAD_TIME_DAYS,
            safety_days: DEFAULT_SAFETY_DAYS,
            available,
            incoming,
        }
    }

    #[test]
    fn a_suggestion_covers_lead_time_and_safety_days_at_the_recent_pace() {
        // 60 sold in 30 days: 2 a day; 10 days need 20; 5 on the shelf and 3 on the way.
        let s = inputs(60, 5, 3).suggest();
        assert_eq!((s.needed, s.quantity), (20, 12));
        assert_eq!(s.velocity_per_day, 2.0);
        assert_eq!(s.days_of_cover, Some(2.5));
    }

    #[test]
    fn fractions_are_rounded_up() {
        // 1 sold in 30 days: 1/3 unit over 10 days, so 1 to buy.
        assert_eq!(inputs(1, 0, 0).suggest().quantity, 1);
        assert_eq!(inputs(0, 0, 0).suggest().quantity, 0);
        assert_eq!(inputs(0, 0, 0).suggest().days_of_cover, None);
    }

    #[test]
    fn the_least_covered_level_is_the_most_urgent() {
        let slow = inputs(3, 10, 0);
        let fast = inputs(90, 10, 0);
        let idle = inputs(0, 0, 0);
        assert_eq!(fast.urgency_cmp(&slow), Ordering::Less);
        assert_eq!(slow.urgency_cmp(&idle), Ordering::Less);
        assert_eq!(idle.urgency_cmp(&fast), Ordering::Greater);
    }

    #[test]
    fn a_buffer_lowers_what_a_channel_sees_but_never_below_zero() {
        assert_eq!(channel_available(10, 3), 7);
        assert_eq!(channel_available(2, 5), 0);
        assert_eq!(channel_available(4, 0), 4);
    }

    proptest! {
        #[test]
        fn suggestions_are_never_negative_and_cover_the_need(
            sold in 0i64..100_000,
            window in 1i64..120,
            lead in 0i64..=MAX_DAYS,
            safety in 0i64..=MAX_DAYS,
            available in -50i64..100_000,
            incoming in 0i64..100_000,
        ) {
            let i = ReorderInputs { sold, window_days: window, lead_time_days: lead, safety_days: safety, available, incoming };
            let s = i.suggest();
            prop_assert!(s.quantity >= 0);
            // After ordering, what is there and on its way covers what the days ahead need.
            let have = i128::from(available.max(0) + incoming + s.quantity);
            prop_assert!(have * i128::from(window) >= i128::from(sold) * i128::from(lead + safety));
            // And one unit fewer would not, unless nothing was needed.
            if s.quantity > 0 {
                prop_assert!((have - 1) * i128::from(window) < i128::from(sold) * i128::from(lead + safety));
            }
        }

        #[test]
        fn a_channel_never_sees_more_than_is_available(available in -10i64..1000, buffer in 0i64..1000) {
            let seen = channel_available(available, buffer);
            prop_assert!(seen >= 0 && seen <= available.max(0));
        }
    }
}
