//! The payment state machine (`integrations/payments.md`, "Suggested internal payment state
//! machine"): `created → awaiting_payment → (review | authorized) → paid → partially_refunded →
//! refunded`, chargeback after that, and the three endings `failed`, `expired`, `cancelled`.
//!
//! Gateways retry notifications and deliver them out of order, so a status never moves
//! backwards: every status has a rank and a payment only moves to a higher one. The endings rank
//! above every unsettled status (an ending is never undone by a late `pending`) and below `paid`
//! (money that did arrive, even after an expiry, is recorded: the seller must see it to refund
//! it). Because the outcome is the highest rank seen, any order of the same notifications ends
//! in the same status, and a duplicate is a no-op.

use smartseller_contracts::payments::PaymentStatus;

/// Where `status` stands in the one order payments move in.
pub fn rank(status: PaymentStatus) -> u8 {
    use PaymentStatus::*;
    match status {
        Created => 0,
        AwaitingPayment => 1,
        Review => 2,
        Authorized => 3,
        // Endings of an unpaid payment, in a fixed order so two different endings never depend
        // on which arrived first.
        Expired => 4,
        Failed => 5,
        Cancelled => 6,
        Paid => 7,
        PartiallyRefunded => 8,
        Refunded => 9,
        Chargeback => 10,
    }
}

/// Why a notification changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IgnoreReason {
    /// The payment already is in that status (a retried delivery).
    AlreadyThere,
    /// The notification speaks of an earlier stage than the payment has reached.
    Backwards,
}

impl IgnoreReason {
    pub fn as_str(self) -> &'static str {
        match self {
            IgnoreReason::AlreadyThere => "already_there",
            IgnoreReason::Backwards => "backwards",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Move(PaymentStatus),
    Ignore(IgnoreReason),
}

/// What a payment in `current` does on hearing `incoming`.
pub fn decide(current: PaymentStatus, incoming: PaymentStatus) -> Transition {
    if current == incoming {
        Transition::Ignore(IgnoreReason::AlreadyThere)
    } else if rank(incoming) > rank(current) {
        Transition::Move(incoming)
    } else {
        Transition::Ignore(IgnoreReason::Backwards)
    }
}

/// True when `status` still waits for the buyer's money.
pub fn is_unsettled(status: PaymentStatus) -> bool {
    rank(status) < rank(PaymentStatus::Expired)
}

#[cfg(test)]
mod tests {
    use super::*;
    use PaymentStatus::*;
    use proptest::prelude::*;

    const ALL: [PaymentStatus; 11] = [
        Created,
        AwaitingPayment,
        Review,
        Authorized,
        Paid,
        PartiallyRefunded,
        Refunded,
        Chargeback,
        Failed,
        Expired,
        Cancelled,
    ];

    fn apply_all(start: PaymentStatus, incoming: &[PaymentStatus]) -> PaymentStatus {
        incoming
            .iter()
            .fold(start, |current, next| match decide(current, *next) {
                Transition::Move(to) => to,
                Transition::Ignore(_) => current,
            })
    }

    #[test]
    fn a_settlement_after_pending_pays_and_a_late_pending_is_ignored() {
        assert_eq!(decide(AwaitingPayment, Paid), Transition::Move(Paid));
        assert_eq!(
            decide(Paid, AwaitingPayment),
            Transition::Ignore(IgnoreReason::Backwards)
        );
    }

    #[test]
    fn a_paid_payment_never_fails_expires_or_is_cancelled() {
        for settled in [Paid, PartiallyRefunded, Refunded, Chargeback] {
            for ending in [Failed, Expired, Cancelled] {
                assert_eq!(
                    decide(settled, ending),
                    Transition::Ignore(IgnoreReason::Backwards)
                );
            }
        }
    }

    #[test]
    fn endings_come_only_from_unsettled_payments_and_pending_never_reopens_them() {
        for unsettled in [Created, AwaitingPayment, Review, Authorized] {
            assert!(is_unsettled(unsettled));
            for ending in [Failed, Expired, Cancelled] {
                assert_eq!(decide(unsettled, ending), Transition::Move(ending));
                assert_eq!(
                    decide(ending, unsettled),
                    Transition::Ignore(IgnoreReason::Backwards)
                );
            }
        }
    }

    #[test]
    fn refunds_and_chargebacks_follow_payment() {
        assert_eq!(
            decide(Paid, PartiallyRefunded),
            Transition::Move(PartiallyRefunded)
        );
        assert_eq!(
            decide(PartiallyRefunded, Refunded),
            Transition::Move(Refunded)
        );
        assert_eq!(decide(Paid, Chargeback), Transition::Move(Chargeback));
        assert_eq!(
            decide(Refunded, PartiallyRefunded),
            Transition::Ignore(IgnoreReason::Backwards)
        );
    }

    #[test]
    fn a_duplicate_is_a_no_op_in_every_status() {
        for status in ALL {
            assert_eq!(
                decide(status, status),
                Transition::Ignore(IgnoreReason::AlreadyThere)
            );
        }
    }

    #[test]
    fn ranks_are_distinct() {
        let mut ranks: Vec<u8> = ALL.iter().map(|s| rank(*s)).collect();
        ranks.sort_unstable();
        ranks.dedup();
        assert_eq!(ranks.len(), ALL.len());
    }

    fn any_status() -> impl Strategy<Value = PaymentStatus> {
        proptest::sample::select(ALL.to_vec())
    }

    proptest! {
        #[test]
        fn any_delivery_order_ends_where_rank_order_ends(
            notifications in proptest::collection::vec(any_status(), 0..12),
            seed in any::<u64>(),
        ) {
            let mut in_rank_order = notifications.clone();
            in_rank_order.sort_by_key(|s| rank(*s));
            let mut shuffled = notifications.clone();
            // A cheap deterministic shuffle driven by the seed.
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let j = usize::try_from(state % (i as u64 + 1)).unwrap_or(0);
                shuffled.swap(i, j);
            }
            prop_assert_eq!(
                apply_all(AwaitingPayment, &shuffled),
                apply_all(AwaitingPayment, &in_rank_order)
            );
        }

        #[test]
        fn delivering_every_notification_twice_changes_nothing(
            notifications in proptest::collection::vec(any_status(), 0..12),
        ) {
            let doubled: Vec<PaymentStatus> =
                notifications.iter().flat_map(|s| [*s, *s]).collect();
            prop_assert_eq!(
                apply_all(Created, &doubled),
                apply_all(Created, &notifications)
            );
        }

        #[test]
        fn a_status_never_moves_to_a_lower_rank(
            current in any_status(),
            incoming in any_status(),
        ) {
            let after = match decide(current, incoming) {
                Transition::Move(to) => to,
                Transition::Ignore(_) => current,
            };
            prop_assert!(rank(after) >= rank(current));
        }
    }
}
