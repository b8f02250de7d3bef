//! Direct couriers (JNE, J&T, SiCepat) and RajaOngkir tracking describe progress in words, not
//! in a documented status enum. This reads those words onto [`ShipmentStatus`], most specific
//! phrase first, and defaults to in transit: a scan we cannot place still means the parcel is
//! moving through the network.

use smartseller_contracts::shipping::ShipmentStatus;

/// SiCepat's short status codes as community clients show them.
const EXACT_CODES: [(&str, ShipmentStatus); 8] = [
    ("PICKREQ", ShipmentStatus::PickupScheduled),
    ("PICK", ShipmentStatus::PickedUp),
    ("IN", ShipmentStatus::InTransit),
    ("OUT", ShipmentStatus::InTransit),
    ("ANT", ShipmentStatus::OutForDelivery),
    ("DELIVERED", ShipmentStatus::Delivered),
    ("RETUR", ShipmentStatus::Returning),
    ("CANCEL", ShipmentStatus::Cancelled),
];

/// Checked in order: "RETUR DITERIMA OLEH PENGIRIM" is a return, "UNDELIVERED" a failure.
const PHRASES: [(&str, ShipmentStatus); 24] = [
    ("RETURNED TO SHIPPER", ShipmentStatus::Returned),
    ("RETUR DITERIMA", ShipmentStatus::Returned),
    ("RETURNED", ShipmentStatus::Returned),
    ("RETUR", ShipmentStatus::Returning),
    ("CANCEL", ShipmentStatus::Cancelled),
    ("BATAL", ShipmentStatus::Cancelled),
    ("UNDELIVERED", ShipmentStatus::DeliveryFailed),
    ("FAILED", ShipmentStatus::DeliveryFailed),
    ("GAGAL", ShipmentStatus::DeliveryFailed),
    ("BAD ADDRESS", ShipmentStatus::DeliveryFailed),
    ("DELIVERED", ShipmentStatus::Delivered),
    ("DITERIMA OLEH", ShipmentStatus::Delivered),
    ("TERKIRIM", ShipmentStatus::Delivered),
    ("WITH DELIVERY COURIER", ShipmentStatus::OutForDelivery),
    ("OUT FOR DELIVERY", ShipmentStatus::OutForDelivery),
    ("ON DELIVERY", ShipmentStatus::OutForDelivery),
    ("SEDANG DIANTAR", ShipmentStatus::OutForDelivery),
    ("DIBAWA KURIR", ShipmentStatus::OutForDelivery),
    ("PICKUP REQUEST", ShipmentStatus::PickupScheduled),
    ("PICKED UP", ShipmentStatus::PickedUp),
    ("PICKUP", ShipmentStatus::PickedUp),
    ("RECEIVED BY", ShipmentStatus::PickedUp),
    ("MANIFEST", ShipmentStatus::PickedUp),
    ("DITERIMA DI COUNTER", ShipmentStatus::PickedUp),
];

/// The status a courier's words describe.
pub fn status_from_words(words: &str) -> ShipmentStatus {
    let upper = words.trim().to_uppercase();
    if let Some((_, status)) = EXACT_CODES.iter().find(|(code, _)| *code == upper) {
        return *status;
    }
    PHRASES
        .iter()
        .find(|(phrase, _)| upper.contains(phrase))
        .map(|(_, status)| *status)
        .unwrap_or(ShipmentStatus::InTransit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn courier_words_map_onto_statuses() {
        use ShipmentStatus::*;
        let cases = [
            (
                "SHIPMENT RECEIVED BY JNE COUNTER OFFICER AT [JAKARTA]",
                PickedUp,
            ),
            (
                "DELIVERED TO [BUDI | 25-11-2026 10:00 | BANDUNG]",
                Delivered,
            ),
            ("WITH DELIVERY COURIER [BANDUNG]", OutForDelivery),
            ("Paket diterima oleh YBS", Delivered),
            ("Retur diterima oleh pengirim", Returned),
            ("UNDELIVERED - BAD ADDRESS", DeliveryFailed),
            ("Departed from sorting center", InTransit),
            ("ANT", OutForDelivery),
            ("PICKREQ", PickupScheduled),
            ("ON PROCESS", InTransit),
            ("Manifested", PickedUp),
        ];
        for (words, expected) in cases {
            assert_eq!(status_from_words(words), expected, "{words}");
        }
    }
}
