//! The order state machine. Every change of status goes through [`OrderStatus::transition`], so
//! an illegal move is refused in one place, and the history can be replayed through the same
//! rules to rebuild the current state.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed; the buyer has not paid yet (stock is held until the payment window closes).
    PendingPayment,
    Paid,
    /// The seller is preparing it (cash-on-delivery orders start here).
    Processing,
    /// A courier is booked and the label can be printed.
    ReadyToShip,
    Shipped,
    Delivered,
    Completed,
    Cancelled,
    PartiallyReturned,
    Returned,
}

/// Why an order changes status: the verbs of the order's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderAction {
    Pay,
    /// Cash on delivery: goes to the warehouse without being paid.
    ConfirmCod,
    Process,
    BookShipment,
    Ship,
    Deliver,
    Complete,
    Cancel,
    ReturnPart,
    ReturnAll,
}

impl OrderStatus {
    pub const ALL: &'static [OrderStatus] = &[
        OrderStatus::PendingPayment,
        OrderStatus::Paid,
        OrderStatus::Processing,
        OrderStatus::ReadyToShip,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
        OrderStatus::PartiallyReturned,
        OrderStatus::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::PendingPayment => "pending_payment",
            OrderStatus::Paid => "paid",
            OrderStatus::Processing => "processing",
            OrderStatus::ReadyToShip => "ready_to_ship",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::PartiallyReturned => "partially_returned",
            OrderStatus::Returned => "returned",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        OrderStatus::ALL
            .iter()
            .copied()
            .find(|status| status.as_str() == text)
    }

    /// Where `action` takes an order in this status, or `None` when the move is illegal.
    pub fn transition(self, action: OrderAction) -> Option<OrderStatus> {
        use OrderAction as A;
        use OrderStatus as S;
        Some(match (self, action) {
            (S::PendingPayment, A::Pay) => S::Paid,
            (S::PendingPayment, A::ConfirmCod) => S::Processing,
            (S::Paid, A::Process) => S::Processing,
            (S::Paid | S::Processing, A::BookShipment) => S::ReadyToShip,
            (S::Paid | S::Processing | S::ReadyToShip, A::Ship) => S::Shipped,
            (S::Shipped, A::Deliver) => S::Delivered,
            (S::Delivered, A::Complete) => S::Completed,
            (S::PendingPayment | S::Paid | S::Processing | S::ReadyToShip, A::Cancel) => {
                S::Cancelled
            }
            (S::Shipped | S::Delivered | S::Completed | S::PartiallyReturned, A::ReturnPart) => {
                S::PartiallyReturned
            }
            (S::Shipped | S::Delivered | S::Completed | S::PartiallyReturned, A::ReturnAll) => {
                S::Returned
            }
            _ => return None,
        })
    }

    /// Paid for, or to be paid at the door: the goods may leave the warehouse.
    pub fn is_fulfillable(self) -> bool {
        matches!(
            self,
            OrderStatus::Paid | OrderStatus::Processing | OrderStatus::ReadyToShip
        )
    }

    /// The parcel has left: a return is possible.
    pub fn is_returnable(self) -> bool {
        matches!(
            self,
            OrderStatus::Shipped
                | OrderStatus::Delivered
                | OrderStatus::Completed
                | OrderStatus::PartiallyReturned
        )
    }
}

impl OrderAction {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderAction::Pay => "pay",
            OrderAction::ConfirmCod => "confirm_cod",
            OrderAction::Process => "process",
            OrderAction::BookShipment => "book_shipment",
            OrderAction::Ship => "ship",
            OrderAction::Deliver => "deliver",
            OrderAction::Complete => "complete",
            OrderAction::Cancel => "cancel",
            OrderAction::ReturnPart => "return_part",
            OrderAction::ReturnAll => "return_all",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        use OrderAction::*;
        [
            Pay,
            ConfirmCod,
            Process,
            BookShipment,
            Ship,
            Deliver,
            Complete,
            Cancel,
            ReturnPart,
            ReturnAll,
        ]
        .into_iter()
        .find(|action| action.as_str() == text)
    }
}

/// Replays status changes from the creation status: the state the history says the order is in.
/// `None` when a recorded step is illegal (a tampered or corrupt history).
pub fn replay(
    initial: OrderStatus,
    actions: impl IntoIterator<Item = OrderAction>,
) -> Option<OrderStatus> {
    actions
        .into_iter()
        .try_fold(initial, |status, action| status.transition(action))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_prepaid_order_walks_its_happy_path() {
        let end = replay(
            OrderStatus::PendingPayment,
            [
                OrderAction::Pay,
                OrderAction::Process,
                OrderAction::BookShipment,
                OrderAction::Ship,
                OrderAction::Deliver,
                OrderAction::Complete,
            ],
        );
        assert_eq!(end, Some(OrderStatus::Completed));
    }

    #[test]
    fn a_shipped_order_cannot_be_cancelled_and_a_cancelled_one_cannot_be_paid() {
        assert_eq!(OrderStatus::Shipped.transition(OrderAction::Cancel), None);
        assert_eq!(OrderStatus::Cancelled.transition(OrderAction::Pay), None);
        assert_eq!(
            OrderStatus::PendingPayment.transition(OrderAction::Ship),
            None
        );
    }

    #[test]
    fn partial_returns_can_follow_each_other_until_all_came_back() {
        let end = replay(
            OrderStatus::Delivered,
            [
                OrderAction::ReturnPart,
                OrderAction::ReturnPart,
                OrderAction::ReturnAll,
            ],
        );
        assert_eq!(end, Some(OrderStatus::Returned));
        assert_eq!(
            OrderStatus::Returned.transition(OrderAction::ReturnPart),
            None
        );
    }

    #[test]
    fn names_round_trip() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(*status));
        }
    }

    fn any_action() -> impl Strategy<Value = OrderAction> {
        prop::sample::select(vec![
            OrderAction::Pay,
            OrderAction::ConfirmCod,
            OrderAction::Process,
            OrderAction::BookShipment,
            OrderAction::Ship,
            OrderAction::Deliver,
            OrderAction::Complete,
            OrderAction::Cancel,
            OrderAction::ReturnPart,
            OrderAction::ReturnAll,
        ])
    }

    proptest! {
        /// Final states stay final, whatever is attempted.
        #[test]
        fn nothing_leaves_a_final_state(actions in prop::collection::vec(any_action(), 0..20)) {
            let mut status = OrderStatus::PendingPayment;
            for action in actions {
                let was_final = matches!(status, OrderStatus::Cancelled | OrderStatus::Returned);
                if let Some(next) = status.transition(action) {
                    prop_assert!(!was_final, "{status:?} moved by {action:?}");
                    status = next;
                }
            }
        }
    }
}
