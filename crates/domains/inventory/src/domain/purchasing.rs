//! Purchase orders and stock counts as pure rules: which status may follow which, how much of a
//! line may still be received, what a count changes.

/// Where a purchase order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurchaseStatus {
    /// Being written; nothing is expected yet.
    Draft,
    /// Sent to the supplier: its quantities show as incoming.
    Ordered,
    /// Some goods arrived, more are expected.
    PartiallyReceived,
    /// Everything ordered arrived.
    Received,
    /// Called off; what had not arrived is no longer expected.
    Cancelled,
}

impl PurchaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PurchaseStatus::Draft => "draft",
            PurchaseStatus::Ordered => "ordered",
            PurchaseStatus::PartiallyReceived => "partially_received",
            PurchaseStatus::Received => "received",
            PurchaseStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "draft" => PurchaseStatus::Draft,
            "ordered" => PurchaseStatus::Ordered,
            "partially_received" => PurchaseStatus::PartiallyReceived,
            "received" => PurchaseStatus::Received,
            "cancelled" => PurchaseStatus::Cancelled,
            _ => return None,
        })
    }

    /// Goods may arrive only while the order is open at the supplier.
    pub fn accepts_receipts(self) -> bool {
        matches!(
            self,
            PurchaseStatus::Ordered | PurchaseStatus::PartiallyReceived
        )
    }

    /// A draft, or an order still waiting for goods, may be called off.
    pub fn may_cancel(self) -> bool {
        matches!(
            self,
            PurchaseStatus::Draft | PurchaseStatus::Ordered | PurchaseStatus::PartiallyReceived
        )
    }

    /// The statuses from which `to` may be reached.
    pub fn sources_of(to: PurchaseStatus) -> &'static [PurchaseStatus] {
        use PurchaseStatus::*;
        match to {
            Draft => &[],
            Ordered => &[Draft],
            PartiallyReceived | Received => &[Ordered, PartiallyReceived],
            Cancelled => &[Draft, Ordered, PartiallyReceived],
        }
    }
}

/// One line of a purchase order: how many were ordered and how many arrived so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurchaseLine {
    pub ordered: i64,
    pub received: i64,
}

/// More was delivered than is still expected on the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("only {remaining} still expected")]
pub struct OverReceipt {
    pub remaining: i64,
}

impl PurchaseLine {
    /// Units still expected from the supplier.
    pub fn remaining(&self) -> i64 {
        self.ordered - self.received
    }

    /// Books `quantity` arrived units; an over-delivery is refused whole, not capped.
    pub fn receive(&self, quantity: i64) -> Result<PurchaseLine, OverReceipt> {
        if quantity > self.remaining() {
            return Err(OverReceipt {
                remaining: self.remaining(),
            });
        }
        Ok(PurchaseLine {
            received: self.received + quantity,
            ..*self
        })
    }
}

/// The status once a receipt has been booked on `lines`.
pub fn status_after_receipt(lines: &[PurchaseLine]) -> PurchaseStatus {
    if lines.iter().all(|l| l.remaining() == 0) {
        PurchaseStatus::Received
    } else {
        PurchaseStatus::PartiallyReceived
    }
}

/// Where a count sheet stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountStatus {
    /// Being counted; nothing has changed in stock.
    Draft,
    /// Counting is done and waits to be applied.
    Submitted,
    /// Its differences are in stock and in the ledger.
    Applied,
}

impl CountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CountStatus::Draft => "draft",
            CountStatus::Submitted => "submitted",
            CountStatus::Applied => "applied",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "draft" => CountStatus::Draft,
            "submitted" => CountStatus::Submitted,
            "applied" => CountStatus::Applied,
            _ => return None,
        })
    }
}

/// What a counted line changes when applied: stock moves while a count is under way, so the
/// difference is taken against what is on hand at the moment of applying, not when counting
/// began.
pub fn count_difference(on_hand_now: i64, counted: i64) -> i64 {
    counted - on_hand_now
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn goods_arrive_only_while_the_order_is_open() {
        assert!(!PurchaseStatus::Draft.accepts_receipts());
        assert!(PurchaseStatus::Ordered.accepts_receipts());
        assert!(PurchaseStatus::PartiallyReceived.accepts_receipts());
        assert!(!PurchaseStatus::Received.accepts_receipts());
        assert!(!PurchaseStatus::Cancelled.accepts_receipts());
        assert!(!PurchaseStatus::Received.may_cancel());
        for s in [
            PurchaseStatus::Draft,
            PurchaseStatus::Ordered,
            PurchaseStatus::PartiallyReceived,
            PurchaseStatus::Received,
            PurchaseStatus::Cancelled,
        ] {
            assert_eq!(PurchaseStatus::parse(s.as_str()), Some(s));
            let sources = PurchaseStatus::sources_of(s);
            assert!(
                !sources.contains(&PurchaseStatus::Received)
                    && !sources.contains(&PurchaseStatus::Cancelled),
                "a received or cancelled order is settled"
            );
        }
    }

    #[test]
    fn an_over_delivery_is_refused_whole() {
        let line = PurchaseLine {
            ordered: 10,
            received: 7,
        };
        assert_eq!(line.receive(4), Err(OverReceipt { remaining: 3 }));
        assert_eq!(line.receive(3).map(|l| l.remaining()), Ok(0));
    }

    #[test]
    fn an_order_is_received_when_every_line_is() {
        let done = PurchaseLine {
            ordered: 2,
            received: 2,
        };
        let open = PurchaseLine {
            ordered: 2,
            received: 1,
        };
        assert_eq!(
            status_after_receipt(&[done, done]),
            PurchaseStatus::Received
        );
        assert_eq!(
            status_after_receipt(&[done, open]),
            PurchaseStatus::PartiallyReceived
        );
    }

    #[test]
    fn a_count_is_compared_with_stock_at_the_moment_it_is_applied() {
        assert_eq!(count_difference(10, 8), -2);
        assert_eq!(count_difference(3, 5), 2);
        assert_eq!(CountStatus::parse("applied"), Some(CountStatus::Applied));
    }

    proptest! {
        /// Whatever deliveries arrive, in whatever sizes, a line never holds more received
        /// units than were ordered, and every accepted unit is counted once.
        #[test]
        fn receiving_never_exceeds_what_was_ordered(
            ordered in 1i64..500,
            deliveries in proptest::collection::vec(1i64..200, 0..30),
        ) {
            let mut line = PurchaseLine { ordered, received: 0 };
            let mut accepted = 0;
            for quantity in deliveries {
                match line.receive(quantity) {
                    Ok(next) => { accepted += quantity; line = next; }
                    Err(OverReceipt { remaining }) => prop_assert!(quantity > remaining),
                }
                prop_assert!(line.received <= line.ordered && line.remaining() >= 0);
            }
            prop_assert_eq!(line.received, accepted);
        }
    }
}
