//! Shipping's pure rules: which status reports move a shipment on, and how our own couriers'
//! tracking numbers look. No async, no SQL.

use smartseller_contracts::shipping::ShipmentStatus;
use uuid::Uuid;

/// What to do with a status report for a shipment in `current`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The report is news: record it and move the shipment.
    Advance,
    /// The same status again, an older one arriving late, or anything after the end: keep the
    /// shipment as it is.
    Ignore,
}

/// Position on the way to the buyer's door; `None` for the side tracks (failure, exception,
/// return, cancellation).
fn forward_rank(status: ShipmentStatus) -> Option<u8> {
    use ShipmentStatus::*;
    Some(match status {
        Booked => 0,
        AwbAssigned => 1,
        PickupScheduled => 2,
        PickedUp => 3,
        InTransit => 4,
        OutForDelivery => 5,
        Delivered => 6,
        DeliveryFailed | Exception | Returning | Returned | Cancelled => return None,
    })
}

/// Delivered, returned and cancelled shipments never change again.
pub fn is_final(status: ShipmentStatus) -> bool {
    matches!(
        status,
        ShipmentStatus::Delivered | ShipmentStatus::Returned | ShipmentStatus::Cancelled
    )
}

/// The courier has not collected the parcel yet: it may still be cancelled.
pub fn before_pickup(status: ShipmentStatus) -> bool {
    matches!(
        status,
        ShipmentStatus::Booked | ShipmentStatus::AwbAssigned | ShipmentStatus::PickupScheduled
    )
}

/// The one rule every status report goes through, so a shipment never moves backwards: the
/// forward statuses only climb; a failed delivery or an exception may interrupt any shipment on
/// its way and be followed by the courier trying again; a return only ends in `returned`;
/// cancelling is possible until pickup; final statuses stay final.
pub fn transition(current: ShipmentStatus, next: ShipmentStatus) -> Transition {
    use ShipmentStatus::*;
    if is_final(current) || current == next {
        return Transition::Ignore;
    }
    let advance = match next {
        Cancelled => before_pickup(current),
        DeliveryFailed | Exception => true,
        Returning => true,
        Returned => true,
        _ => match current {
            // Returning: only `returned` follows.
            Returning => false,
            // After a failure the courier tries again; the parcel is already on its way.
            DeliveryFailed | Exception => {
                matches!(next, PickedUp | InTransit | OutForDelivery | Delivered)
            }
            _ => match (forward_rank(current), forward_rank(next)) {
                (Some(from), Some(to)) => to > from,
                _ => false,
            },
        },
    };
    if advance {
        Transition::Advance
    } else {
        Transition::Ignore
    }
}

/// The tracking number we issue for a parcel our seller carries himself (`kurir_toko`,
/// pickup): `SS` and 14 digits taken from the shipment's UUIDv7, whose low bits are random.
pub fn own_tracking_number(shipment_id: Uuid) -> String {
    let digits = shipment_id.as_u128() % 100_000_000_000_000;
    format!("SS{digits:014}")
}

/// Statuses a shipment may be in while a courier still reports on it.
pub const IN_FLIGHT: &[ShipmentStatus] = &[
    ShipmentStatus::Booked,
    ShipmentStatus::AwbAssigned,
    ShipmentStatus::PickupScheduled,
    ShipmentStatus::PickedUp,
    ShipmentStatus::InTransit,
    ShipmentStatus::OutForDelivery,
    ShipmentStatus::DeliveryFailed,
    ShipmentStatus::Returning,
    ShipmentStatus::Exception,
];

#[cfg(test)]
mod tests {
    use super::*;
    use ShipmentStatus::*;
    use proptest::prelude::*;

    const ALL: [ShipmentStatus; 12] = [
        Booked,
        AwbAssigned,
        PickupScheduled,
        PickedUp,
        InTransit,
        OutForDelivery,
        Delivered,
        DeliveryFailed,
        Returning,
        Returned,
        Cancelled,
        Exception,
    ];

    #[test]
    fn the_happy_path_moves_forward_and_never_back() {
        assert_eq!(transition(Booked, AwbAssigned), Transition::Advance);
        assert_eq!(transition(AwbAssigned, InTransit), Transition::Advance);
        assert_eq!(transition(InTransit, PickedUp), Transition::Ignore);
        assert_eq!(transition(OutForDelivery, Delivered), Transition::Advance);
        assert_eq!(transition(Delivered, InTransit), Transition::Ignore);
    }

    #[test]
    fn a_failed_delivery_is_followed_by_another_attempt() {
        assert_eq!(
            transition(OutForDelivery, DeliveryFailed),
            Transition::Advance
        );
        assert_eq!(
            transition(DeliveryFailed, OutForDelivery),
            Transition::Advance
        );
        assert_eq!(transition(Exception, InTransit), Transition::Advance);
        assert_eq!(transition(DeliveryFailed, AwbAssigned), Transition::Ignore);
    }

    #[test]
    fn cancelling_is_only_possible_before_pickup() {
        assert_eq!(transition(Booked, Cancelled), Transition::Advance);
        assert_eq!(transition(PickupScheduled, Cancelled), Transition::Advance);
        assert_eq!(transition(PickedUp, Cancelled), Transition::Ignore);
        assert_eq!(transition(Returning, Cancelled), Transition::Ignore);
    }

    #[test]
    fn a_return_ends_only_in_returned() {
        assert_eq!(transition(InTransit, Returning), Transition::Advance);
        assert_eq!(transition(Returning, OutForDelivery), Transition::Ignore);
        assert_eq!(transition(Returning, Returned), Transition::Advance);
        assert_eq!(transition(Returned, Returning), Transition::Ignore);
    }

    #[test]
    fn our_tracking_numbers_are_ss_and_fourteen_digits() {
        let number = own_tracking_number(Uuid::now_v7());
        assert_eq!(number.len(), 16);
        assert!(number.starts_with("SS"));
        assert!(number[2..].chars().all(|c| c.is_ascii_digit()));
    }

    fn status() -> impl Strategy<Value = ShipmentStatus> {
        proptest::sample::select(ALL.to_vec())
    }

    proptest! {
        #[test]
        fn final_statuses_never_change(current in status(), next in status()) {
            if is_final(current) {
                prop_assert_eq!(transition(current, next), Transition::Ignore);
            }
        }

        #[test]
        fn the_same_report_twice_is_news_once(current in status(), next in status()) {
            let after = match transition(current, next) {
                Transition::Advance => next,
                Transition::Ignore => current,
            };
            prop_assert_eq!(transition(after, next), Transition::Ignore);
        }

        #[test]
        fn any_order_of_reports_never_walks_the_forward_path_backwards(
            reports in proptest::collection::vec(status(), 0..40)
        ) {
            let mut current = Booked;
            let mut seen_pickup = false;
            for next in reports {
                if transition(current, next) == Transition::Advance {
                    if let (Some(from), Some(to)) = (forward_rank(current), forward_rank(next)) {
                        prop_assert!(to > from, "{:?} -> {:?}", current, next);
                    }
                    if next == Cancelled {
                        prop_assert!(!seen_pickup, "cancelled after pickup");
                    }
                    if current == Returning {
                        prop_assert_eq!(matches!(next, Returned | DeliveryFailed | Exception), true);
                    }
                    current = next;
                    if !before_pickup(current) {
                        seen_pickup = true;
                    }
                }
            }
        }
    }
}
