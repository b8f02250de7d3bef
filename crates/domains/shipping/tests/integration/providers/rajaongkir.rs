//! RajaOngkir (Komerce): domestic cost and waybill tracking; no bookings.

use std::sync::Arc;

use smartseller_contracts::shipping::ShipmentStatus;
use smartseller_shipping::providers::{ProviderConfig, ProviderError, ShippingProvider};
use smartseller_testkit::fake_shipping::FakeRajaOngkir;
use smartseller_testkit::fake_shipping::TrackEvent;

use super::support::{at, booking, buyer, idr, provider, rate_request, store};

fn client_with_key(fake: &FakeRajaOngkir, api_key: &str) -> Arc<dyn ShippingProvider> {
    provider(ProviderConfig::Rajaongkir {
        api_key: api_key.to_owned(),
        base_url: Some(fake.base_url()),
    })
}

fn client(fake: &FakeRajaOngkir) -> Arc<dyn ShippingProvider> {
    client_with_key(fake, FakeRajaOngkir::API_KEY)
}

#[tokio::test]
async fn domestic_cost_posts_ids_grams_and_a_colon_list_and_maps_costs_exactly() {
    let fake = FakeRajaOngkir::start().await;
    let rates = client(&fake)
        .quote(&rate_request(
            store(Some("17473")),
            buyer(Some("5618")),
            &["jne", "pos"],
        ))
        .await
        .expect("rates");

    let sent = fake
        .last_request_to("/calculate/domestic-cost")
        .expect("a cost call");
    assert_eq!(sent.path, "/api/v1/calculate/domestic-cost");
    assert_eq!(sent.header("key").as_deref(), Some(FakeRajaOngkir::API_KEY));
    assert_eq!(
        sent.header("content-type").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    let form = sent.form();
    assert_eq!(form["origin"], "17473");
    assert_eq!(form["destination"], "5618");
    assert_eq!(form["weight"], "1500");
    assert_eq!(form["courier"], "jne:pos");
    assert_eq!(form["price"], "lowest");

    let prices: Vec<(&str, &str, i64)> = rates
        .iter()
        .map(|r| {
            (
                r.courier_code.as_str(),
                r.service_code.as_str(),
                r.price.minor,
            )
        })
        .collect();
    assert_eq!(
        prices,
        vec![
            ("jne", "REG", 1_800_000),
            ("jne", "YES", 3_600_000),
            ("pos", "REG", 1_400_000)
        ]
    );
    assert_eq!(rates[2].price, idr(14_000));
    assert_eq!(rates[2].courier_name, "POS Indonesia");
    assert_eq!(rates[2].service_name, "Pos Reguler");
    assert_eq!(rates[0].etd.as_deref(), Some("2-3 day"));
}

#[tokio::test]
async fn pricing_without_destination_ids_is_refused_before_any_call() {
    let fake = FakeRajaOngkir::start().await;
    let refused = client(&fake)
        .quote(&rate_request(store(Some("17473")), buyer(None), &["jne"]))
        .await
        .expect_err("needs ids");
    assert!(matches!(refused, ProviderError::Rejected(message) if message.contains("area_id")));
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn tracking_sends_awb_and_courier_both_ways_and_reads_the_manifest_oldest_first() {
    let fake = FakeRajaOngkir::start().await;
    fake.set_tracking(
        "JNE0123456789",
        "jne",
        vec![
            TrackEvent::new(
                "MANIFEST",
                "SHIPMENT RECEIVED BY JNE COUNTER OFFICER AT [JAKARTA]",
                Some("JAKARTA"),
                at("2026-11-25T02:00:00Z"),
            ),
            TrackEvent::new(
                "ON PROCESS",
                "DEPARTED FROM TRANSIT [GATEWAY JAKARTA]",
                Some("JAKARTA"),
                at("2026-11-25T09:00:00Z"),
            ),
            TrackEvent::new(
                "ON PROCESS",
                "WITH DELIVERY COURIER [BANDUNG]",
                Some("BANDUNG"),
                at("2026-11-26T01:30:00Z"),
            ),
            TrackEvent::new(
                "DELIVERED",
                "DELIVERED TO [RINA | 26-11-2026 14:10 | BANDUNG]",
                Some("BANDUNG"),
                at("2026-11-26T07:10:00Z"),
            ),
        ],
    );
    let tracking = client(&fake)
        .track("JNE0123456789", "jne", None)
        .await
        .expect("tracking");

    let sent = fake
        .last_request_to("/track/waybill")
        .expect("a tracking call");
    assert_eq!(sent.query_pairs()["awb"], "JNE0123456789");
    assert_eq!(sent.query_pairs()["courier"], "jne");
    assert_eq!(sent.form()["awb"], "JNE0123456789");
    assert_eq!(sent.form()["courier"], "jne");

    assert_eq!(tracking.awb, "JNE0123456789");
    assert_eq!(tracking.status, ShipmentStatus::Delivered);
    let steps: Vec<(ShipmentStatus, Option<&str>)> = tracking
        .entries
        .iter()
        .map(|e| (e.status, e.location.as_deref()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (ShipmentStatus::PickedUp, Some("JAKARTA")),
            (ShipmentStatus::InTransit, Some("JAKARTA")),
            (ShipmentStatus::OutForDelivery, Some("BANDUNG")),
            (ShipmentStatus::Delivered, Some("BANDUNG")),
        ]
    );
    assert_eq!(tracking.entries[0].at, at("2026-11-25T02:00:00Z"));
    assert_eq!(tracking.entries[3].at, at("2026-11-26T07:10:00Z"));
}

#[tokio::test]
async fn an_unknown_waybill_is_not_found_and_a_wrong_key_is_unauthorized() {
    let fake = FakeRajaOngkir::start().await;
    assert_eq!(
        client(&fake).track("NOPE", "jne", None).await,
        Err(ProviderError::NotFound)
    );
    assert_eq!(
        client_with_key(&fake, "stolen-key")
            .quote(&rate_request(store(Some("1")), buyer(Some("2")), &["jne"]))
            .await,
        Err(ProviderError::Unauthorized)
    );
}

#[tokio::test]
async fn rate_limits_are_retried() {
    let fake = FakeRajaOngkir::start().await;
    fake.fail_next(2, 429);
    let rates = client(&fake)
        .quote(&rate_request(
            store(Some("1")),
            buyer(Some("2")),
            &["sicepat"],
        ))
        .await
        .expect("third attempt");
    assert_eq!(rates.len(), 1);
    assert_eq!(rates[0].price, idr(17_000));
    assert_eq!(fake.requests_to("/calculate/domestic-cost").len(), 3);
}

#[tokio::test]
async fn booking_and_cancelling_are_unsupported_and_send_nothing() {
    let fake = FakeRajaOngkir::start().await;
    let rajaongkir = client(&fake);
    assert_eq!(
        rajaongkir
            .book(&booking(
                "ref",
                store(Some("1")),
                buyer(Some("2")),
                "jne",
                "REG"
            ))
            .await,
        Err(ProviderError::Unsupported(
            "rajaongkir only prices and tracks"
        ))
    );
    assert!(matches!(
        rajaongkir.cancel("ref", "reason").await,
        Err(ProviderError::Unsupported(_))
    ));
    assert!(fake.requests().is_empty());
}
