//! Basic fraud rules: an order that is unusually large, or one of too many from the same buyer
//! or to the same address in a short while, is held for the seller to review before it ships.
//! The rules only hold; they never cancel, because most flagged orders are genuine.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FraudRules {
    /// Hold orders above this total, in minor units; none when absent.
    pub max_order_total_minor: Option<i64>,
    /// The window the velocity counts look back over.
    pub window_minutes: i64,
    /// Hold the order when the buyer (same e-mail or phone) already placed this many in the window.
    pub max_orders_per_customer: Option<i64>,
    /// Hold the order when this many already go to the same address in the window.
    pub max_orders_per_address: Option<i64>,
    /// Hold a paid order when this many were already paid with the same card in the window.
    /// Checked when the payment names its card, which is after checkout.
    pub max_orders_per_card: Option<i64>,
}

impl Default for FraudRules {
    fn default() -> Self {
        Self {
            max_order_total_minor: None,
            window_minutes: 60,
            max_orders_per_customer: Some(5),
            max_orders_per_address: Some(8),
            max_orders_per_card: Some(3),
        }
    }
}

/// Orders already placed in the window, not counting the one being checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecentOrders {
    pub by_customer: i64,
    pub by_address: i64,
}

/// The reasons to hold an order for review; empty when it may proceed.
pub fn assess(rules: &FraudRules, total_minor: i64, recent: RecentOrders) -> Vec<String> {
    let mut reasons = Vec::new();
    if let Some(limit) = rules.max_order_total_minor
        && total_minor > limit
    {
        reasons.push(format!("amount_limit: total {total_minor} above {limit}"));
    }
    if let Some(limit) = rules.max_orders_per_customer
        && recent.by_customer >= limit
    {
        reasons.push(format!(
            "customer_velocity: {} orders in {} minutes",
            recent.by_customer + 1,
            rules.window_minutes
        ));
    }
    if let Some(limit) = rules.max_orders_per_address
        && recent.by_address >= limit
    {
        reasons.push(format!(
            "address_velocity: {} orders in {} minutes",
            recent.by_address + 1,
            rules.window_minutes
        ));
    }
    reasons
}

/// The reason to hold an order paid with a card that `earlier` other orders of the window were
/// already paid with; `None` when it may proceed.
pub fn card_velocity(rules: &FraudRules, earlier: i64) -> Option<String> {
    let limit = rules.max_orders_per_card?;
    (earlier >= limit).then(|| {
        format!(
            "card_velocity: {} orders in {} minutes",
            earlier + 1,
            rules.window_minutes
        )
    })
}

/// The key two addresses share when they are the same place, however they were typed.
pub fn address_key(address: &str, postal_code: &str) -> String {
    let words: Vec<String> = address
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    format!("{}|{}", postal_code.trim(), words.join(" "))
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_card_used_for_too_many_orders_holds_the_next() {
        let rules = FraudRules::default();
        assert_eq!(rules.max_orders_per_card, Some(3));
        assert_eq!(card_velocity(&rules, 2), None);
        assert_eq!(
            card_velocity(&rules, 3).as_deref(),
            Some("card_velocity: 4 orders in 60 minutes")
        );
        let off = FraudRules {
            max_orders_per_card: None,
            ..rules
        };
        assert_eq!(card_velocity(&off, 100), None);
    }
    use super::*;

    #[test]
    fn an_order_within_every_limit_passes() {
        let rules = FraudRules {
            max_order_total_minor: Some(1_000),
            ..FraudRules::default()
        };
        assert!(assess(&rules, 1_000, RecentOrders::default()).is_empty());
    }

    #[test]
    fn each_rule_names_itself() {
        let rules = FraudRules {
            max_order_total_minor: Some(1_000),
            window_minutes: 60,
            max_orders_per_customer: Some(2),
            max_orders_per_address: Some(3),
            max_orders_per_card: None,
        };
        let reasons = assess(
            &rules,
            1_001,
            RecentOrders {
                by_customer: 2,
                by_address: 3,
            },
        );
        assert_eq!(reasons.len(), 3);
        assert!(reasons[0].starts_with("amount_limit"));
        assert!(reasons[1].starts_with("customer_velocity"));
        assert!(reasons[2].starts_with("address_velocity"));
    }

    #[test]
    fn the_same_address_typed_twice_is_one_key() {
        assert_eq!(
            address_key("Jl. Sudirman No. 5, RT 01", "10210"),
            address_key("jl sudirman no 5 rt 01 ", " 10210")
        );
    }
}
