//! SiCepat direct (community protocol): tariff and waybill tracking; no bookings.

use std::sync::Arc;

use smartseller_contracts::shipping::ShipmentStatus;
use smartseller_shipping::providers::{ProviderConfig, ProviderError, ShippingProvider};
use smartseller_testkit::fake_shipping::{FakeSicepat, TrackEvent};

use super::support::{at, booking, buyer, idr, provider, rate_request, store};

fn client_with_key(fake: &FakeSicepat, api_key: &str) -> Arc<dyn ShippingProvider> {
    provider(ProviderConfig::Sicepat {
        api_key: api_key.to_owned(),
        origin_code: "CGK".to_owned(),
        base_url: Some(fake.base_url()),
    })
}

fn client(fake: &FakeSicepat) -> Arc<dyn ShippingProvider> {
    client_with_key(fake, FakeSicepat::API_KEY)
}

#[tokio::test]
async fn tariff_asks_with_the_api_key_header_and_maps_prices_exactly() {
    let fake = FakeSicepat::start().await;
    let rates = client(&fake)
        .quote(&rate_request(
            store(None),
            buyer(Some("BDO10000")),
            &["sicepat"],
        ))
        .await
        .expect("rates");

    let sent = fake
        .last_request_to("/customer/tariff")
        .expect("a tariff call");
    assert_eq!(
        sent.header("api-key").as_deref(),
        Some(FakeSicepat::API_KEY)
    );
    let query = sent.query_pairs();
    assert_eq!(query["origin"], "CGK");
    assert_eq!(query["destination"], "BDO10000");
    assert_eq!(query["weight"], "2");

    assert_eq!(rates.len(), 1);
    assert_eq!(rates[0].courier_code, "sicepat");
    assert_eq!(rates[0].service_code, "REG");
    assert_eq!(rates[0].service_name, "Reguler");
    assert_eq!(rates[0].price, idr(17_000));
    assert_eq!(rates[0].etd.as_deref(), Some("1 - 2 hari"));
}

#[tokio::test]
async fn tracking_maps_sicepat_codes_and_an_unknown_waybill_is_not_found() {
    let fake = FakeSicepat::start().await;
    fake.set_tracking(
        "002345678901",
        vec![
            TrackEvent::new(
                "PICKREQ",
                "Pickup requested",
                Some("JAKARTA"),
                at("2026-11-25T02:00:00Z"),
            ),
            TrackEvent::new(
                "PICK",
                "Picked up",
                Some("JAKARTA"),
                at("2026-11-25T04:00:00Z"),
            ),
            TrackEvent::new(
                "OUT",
                "Left the hub",
                Some("JAKARTA"),
                at("2026-11-25T10:00:00Z"),
            ),
            TrackEvent::new(
                "ANT",
                "Out with courier",
                Some("BANDUNG"),
                at("2026-11-26T01:00:00Z"),
            ),
            TrackEvent::new(
                "DELIVERED",
                "RINA",
                Some("BANDUNG"),
                at("2026-11-26T05:00:00Z"),
            ),
        ],
    );
    let sicepat = client(&fake);
    let tracking = sicepat
        .track("002345678901", "sicepat", None)
        .await
        .expect("tracking");
    assert_eq!(
        fake.last_request_to("/customer/waybill")
            .expect("a call")
            .query_pairs()["waybill"],
        "002345678901"
    );
    assert_eq!(tracking.awb, "002345678901");
    assert_eq!(tracking.status, ShipmentStatus::Delivered);
    let statuses: Vec<ShipmentStatus> = tracking.entries.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        vec![
            ShipmentStatus::PickupScheduled,
            ShipmentStatus::PickedUp,
            ShipmentStatus::InTransit,
            ShipmentStatus::OutForDelivery,
            ShipmentStatus::Delivered,
        ]
    );
    assert_eq!(tracking.entries[4].description, "DELIVERED (RINA)");
    assert_eq!(tracking.entries[4].at, at("2026-11-26T05:00:00Z"));

    // SiCepat answers an unknown waybill with HTTP 200 and code 400 inside.
    assert_eq!(
        sicepat.track("000000000000", "sicepat", None).await,
        Err(ProviderError::NotFound)
    );
}

#[tokio::test]
async fn wrong_keys_retries_and_unsupported_bookings() {
    let fake = FakeSicepat::start().await;
    assert_eq!(
        client_with_key(&fake, "nope")
            .track("1", "sicepat", None)
            .await,
        Err(ProviderError::Unauthorized)
    );

    let sicepat = client(&fake);
    fake.fail_next(1, 429);
    let rates = sicepat
        .quote(&rate_request(store(None), buyer(Some("BDO10000")), &[]))
        .await
        .expect("second attempt");
    assert_eq!(rates[0].price, idr(17_000));
    assert_eq!(fake.requests_to("/customer/tariff").len(), 2);

    assert!(matches!(
        sicepat
            .book(&booking(
                "ref",
                store(None),
                buyer(Some("BDO10000")),
                "sicepat",
                "REG"
            ))
            .await,
        Err(ProviderError::Unsupported(_))
    ));
    assert!(matches!(
        sicepat.cancel("ref", "reason").await,
        Err(ProviderError::Unsupported(_))
    ));
    assert!(matches!(
        sicepat
            .quote(&rate_request(store(None), buyer(None), &[]))
            .await,
        Err(ProviderError::Rejected(_))
    ));
}
