//! Biteship: rates, orders, cancellation, tracking and the flat webhook pushes.

use std::sync::{Arc, Mutex};

use axum::http::HeaderMap;
use serde_json::json;
use smartseller_contracts::shipping::ShipmentStatus;
use smartseller_shipping::providers::biteship::{self, BiteshipClient};
use smartseller_shipping::providers::{
    ProviderConfig, ProviderError, ShippingProvider, WebhookError,
};
use smartseller_testkit::fake_shipping::{FakeBiteship, deliver};

use super::support::{at, booking, buyer, idr, provider, rate_request, store};

fn client(fake: &FakeBiteship) -> Arc<dyn ShippingProvider> {
    provider(ProviderConfig::Biteship {
        api_key: FakeBiteship::API_KEY.to_owned(),
        base_url: Some(fake.base_url()),
    })
}

/// What the receiving end saw: its content type and body.
type ReceivedPush = (Option<String>, Vec<u8>);

fn no_headers() -> HeaderMap {
    HeaderMap::new()
}

#[tokio::test]
async fn quote_by_postal_code_sends_the_raw_key_and_items_in_rupiah_and_maps_prices_exactly() {
    let fake = FakeBiteship::start().await;
    let rates = client(&fake)
        .quote(&rate_request(store(None), buyer(None), &["jne", "sicepat"]))
        .await
        .expect("rates");

    let sent = fake
        .last_request_to("/v1/rates/couriers")
        .expect("a rates call");
    assert_eq!(
        sent.header("authorization").as_deref(),
        Some(FakeBiteship::API_KEY)
    );
    let body = sent.json();
    assert_eq!(body["origin_postal_code"], json!(10110));
    assert_eq!(body["destination_postal_code"], json!(40135));
    assert!(body.get("origin_area_id").is_none());
    assert_eq!(body["couriers"], json!("jne,sicepat"));
    assert_eq!(body["items"][0]["value"], json!(150_000));
    assert_eq!(body["items"][0]["weight"], json!(700));
    assert_eq!(body["items"][1]["quantity"], json!(2));

    // 1,500 g is charged as 2 kg: JNE REG Rp 9.000/kg, YES Rp 18.000/kg, SiCepat Rp 8.500/kg.
    let prices: Vec<(String, String, i64)> = rates
        .iter()
        .map(|r| {
            (
                r.courier_code.clone(),
                r.service_code.clone(),
                r.price.minor,
            )
        })
        .collect();
    assert_eq!(
        prices,
        vec![
            ("jne".to_owned(), "reg".to_owned(), 1_800_000),
            ("jne".to_owned(), "yes".to_owned(), 3_600_000),
            ("sicepat".to_owned(), "reg".to_owned(), 1_700_000),
        ]
    );
    assert_eq!(rates[0].price, idr(18_000));
    assert_eq!(rates[0].courier_name, "JNE");
    assert_eq!(rates[0].service_name, "Reguler");
    assert_eq!(rates[0].etd.as_deref(), Some("2 - 3 days"));
    assert!(rates[0].cash_on_delivery);
    assert!(!rates[1].cash_on_delivery);
}

#[tokio::test]
async fn quote_uses_area_ids_when_both_ends_have_one_and_cod_keeps_only_cod_services() {
    let fake = FakeBiteship::start().await;
    let mut request = rate_request(
        store(Some("IDNP6IDNC148IDND836")),
        buyer(Some("IDNP9IDNC23IDND246")),
        &["jne", "jnt"],
    );
    request.cash_on_delivery = true;
    let rates = client(&fake).quote(&request).await.expect("rates");

    let body = fake
        .last_request_to("/v1/rates/couriers")
        .expect("a rates call")
        .json();
    assert_eq!(body["origin_area_id"], json!("IDNP6IDNC148IDND836"));
    assert_eq!(body["destination_area_id"], json!("IDNP9IDNC23IDND246"));
    assert!(body.get("origin_postal_code").is_none());
    // Only JNE REG collects cash on delivery among the services asked for.
    assert_eq!(rates.len(), 1);
    assert_eq!(
        (
            rates[0].courier_code.as_str(),
            rates[0].service_code.as_str()
        ),
        ("jne", "reg")
    );
}

#[tokio::test]
async fn booking_returns_the_airway_bill_and_sends_contacts_reference_and_cod_amount() {
    let fake = FakeBiteship::start().await;
    let mut order = booking("0193a1b2c3d4", store(None), buyer(None), "jne", "reg");
    order.cash_on_delivery = Some(idr(318_000));
    let shipment = client(&fake).book(&order).await.expect("booked");

    assert_eq!(shipment.awb.as_deref(), Some("WYB0000000001"));
    assert_eq!(shipment.status, ShipmentStatus::AwbAssigned);
    assert_eq!(shipment.price, Some(idr(18_000)));
    assert_eq!(
        fake.status_of(&shipment.provider_reference).as_deref(),
        Some("confirmed")
    );

    let body = fake
        .last_request_to("/v1/orders")
        .expect("an order call")
        .json();
    assert_eq!(body["reference_id"], json!("0193a1b2c3d4"));
    assert_eq!(body["courier_company"], json!("jne"));
    assert_eq!(body["courier_type"], json!("reg"));
    assert_eq!(body["origin_contact_name"], json!("Toko Batik Sari"));
    assert_eq!(body["destination_contact_phone"], json!("081300000002"));
    assert_eq!(
        body["destination_address"],
        json!("Jl. Dago No. 88, Coblong, Bandung")
    );
    assert_eq!(body["destination_cash_on_delivery"], json!(318_000));
    assert_eq!(body["order_note"], json!("Fragile: batik"));
}

#[tokio::test]
async fn a_booking_whose_waybill_comes_later_is_booked_and_the_waybill_push_carries_it() {
    let fake = FakeBiteship::start().await;
    fake.hold_waybills(true);
    let biteship = client(&fake);
    let shipment = biteship
        .book(&booking(
            "ref-late-awb",
            store(None),
            buyer(None),
            "sicepat",
            "reg",
        ))
        .await
        .expect("booked");
    assert_eq!(shipment.awb, None);
    assert_eq!(shipment.status, ShipmentStatus::Booked);

    let push = fake.assign_waybill(&shipment.provider_reference);
    let update = biteship
        .parse_webhook(&no_headers(), &push)
        .expect("a valid push")
        .expect("something to act on");
    assert_eq!(update.status, None);
    assert_eq!(update.awb.as_deref(), Some("WYB0000000001"));
    assert_eq!(
        update.provider_reference.as_deref(),
        Some(shipment.provider_reference.as_str())
    );
}

#[tokio::test]
async fn cancelling_sends_the_reason_and_is_refused_once_the_parcel_is_picked_up() {
    let fake = FakeBiteship::start().await;
    let biteship = client(&fake);
    let first = biteship
        .book(&booking(
            "ref-cancel-1",
            store(None),
            buyer(None),
            "jne",
            "reg",
        ))
        .await
        .expect("booked");
    biteship
        .cancel(&first.provider_reference, "Buyer changed their mind")
        .await
        .expect("cancelled");
    assert_eq!(
        fake.status_of(&first.provider_reference).as_deref(),
        Some("cancelled")
    );
    let sent = fake.last_request_to("/cancel").expect("a cancel call");
    assert_eq!(
        sent.path,
        format!("/v1/orders/{}/cancel", first.provider_reference)
    );
    assert_eq!(
        sent.json()["cancellation_reason"],
        json!("Buyer changed their mind")
    );

    let second = biteship
        .book(&booking(
            "ref-cancel-2",
            store(None),
            buyer(None),
            "jne",
            "reg",
        ))
        .await
        .expect("booked");
    fake.advance(&second.provider_reference, "picked");
    let refused = biteship
        .cancel(&second.provider_reference, "Too late")
        .await
        .expect_err("a picked-up parcel cannot be cancelled");
    assert!(
        matches!(&refused, ProviderError::Rejected(message) if message.contains("can't be cancelled")),
        "{refused:?}"
    );
    assert_eq!(
        fake.status_of(&second.provider_reference).as_deref(),
        Some("picked")
    );
    assert_eq!(
        biteship.cancel("ord-unknown", "x").await,
        Err(ProviderError::NotFound)
    );
}

#[tokio::test]
async fn tracking_by_order_follows_every_advance_in_order() {
    let fake = FakeBiteship::start().await;
    let biteship = client(&fake);
    let shipment = biteship
        .book(&booking(
            "ref-track",
            store(None),
            buyer(None),
            "jne",
            "reg",
        ))
        .await
        .expect("booked");
    let awb = shipment.awb.clone().expect("an airway bill");
    for status in ["pickingUp", "picked", "dropping_off", "delivered"] {
        fake.advance(&shipment.provider_reference, status);
    }

    let tracking = biteship
        .track(&awb, "jne", Some(&shipment.provider_reference))
        .await
        .expect("tracking");
    assert_eq!(tracking.awb, awb);
    assert_eq!(tracking.status, ShipmentStatus::Delivered);
    let statuses: Vec<ShipmentStatus> = tracking.entries.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        vec![
            ShipmentStatus::AwbAssigned,
            ShipmentStatus::PickupScheduled,
            ShipmentStatus::PickedUp,
            ShipmentStatus::InTransit,
            ShipmentStatus::Delivered,
        ]
    );
    assert!(
        tracking
            .entries
            .windows(2)
            .all(|pair| pair[0].at < pair[1].at)
    );
    assert!(
        fake.last_request_to(&format!("/v1/orders/{}", shipment.provider_reference))
            .is_some()
    );
    let order = fake.order(&shipment.provider_reference).expect("the order");
    let tracking_id = order["courier"]["tracking_id"]
        .as_str()
        .expect("a tracking id");
    assert!(
        fake.last_request_to(&format!("/v1/trackings/{tracking_id}"))
            .is_some()
    );
}

#[tokio::test]
async fn public_tracking_reads_any_airway_bill_and_unknown_ones_are_not_found() {
    let fake = FakeBiteship::start().await;
    let biteship = client(&fake);
    let shipment = biteship
        .book(&booking(
            "ref-public",
            store(None),
            buyer(None),
            "sicepat",
            "reg",
        ))
        .await
        .expect("booked");
    let awb = shipment.awb.expect("an airway bill");
    fake.advance(&shipment.provider_reference, "returnInTransit");

    let tracking = biteship
        .track(&awb, "sicepat", None)
        .await
        .expect("tracking");
    assert_eq!(tracking.status, ShipmentStatus::Returning);
    assert_eq!(tracking.entries.len(), 2);
    assert!(
        fake.last_request_to(&format!("/v1/trackings/{awb}/couriers/sicepat"))
            .is_some()
    );
    assert_eq!(
        biteship.track("WYB9999999999", "jne", None).await,
        Err(ProviderError::NotFound)
    );
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_retried_up_to_three_attempts() {
    let fake = FakeBiteship::start().await;
    let biteship = client(&fake);
    let request = rate_request(store(None), buyer(None), &["jne"]);

    fake.fail_next(2, 500);
    assert_eq!(
        biteship.quote(&request).await.expect("third attempt").len(),
        2
    );
    assert_eq!(fake.requests_to("/v1/rates/couriers").len(), 3);

    fake.fail_next(1, 429);
    assert_eq!(
        biteship
            .quote(&request)
            .await
            .expect("after Retry-After")
            .len(),
        2
    );
    assert_eq!(fake.requests_to("/v1/rates/couriers").len(), 5);

    fake.fail_next(3, 503);
    assert!(matches!(
        biteship.quote(&request).await,
        Err(ProviderError::Unavailable(_))
    ));
    assert_eq!(fake.requests_to("/v1/rates/couriers").len(), 8);
}

#[tokio::test]
async fn an_unreachable_provider_is_unavailable_after_three_connection_attempts() {
    // A port that was free a moment ago: nothing listens there now.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let unreachable = BiteshipClient::new(
        FakeBiteship::API_KEY.to_owned(),
        Some(format!("http://{address}")),
        reqwest::Client::new(),
    );
    assert!(matches!(
        unreachable
            .quote(&rate_request(store(None), buyer(None), &["jne"]))
            .await,
        Err(ProviderError::Unavailable(_))
    ));
}

#[tokio::test]
async fn a_wrong_key_is_unauthorized_and_an_unserved_courier_is_rejected() {
    let fake = FakeBiteship::start().await;
    let wrong = BiteshipClient::new(
        "biteship_test.someone-elses-key".to_owned(),
        Some(fake.base_url()),
        reqwest::Client::new(),
    );
    assert_eq!(
        wrong
            .quote(&rate_request(store(None), buyer(None), &["jne"]))
            .await,
        Err(ProviderError::Unauthorized)
    );
    // No retry on a refusal.
    assert_eq!(fake.requests_to("/v1/rates/couriers").len(), 1);

    let refused = client(&fake)
        .book(&booking(
            "ref-x",
            store(None),
            buyer(None),
            "jne",
            "teleport",
        ))
        .await
        .expect_err("no such service");
    assert!(
        matches!(refused, ProviderError::Rejected(message) if message.contains("not available"))
    );
    assert_eq!(fake.order_count(), 0);
}

#[tokio::test]
async fn status_pushes_map_camel_case_statuses_and_carry_a_stable_event_id() {
    let fake = FakeBiteship::start().await;
    let biteship = client(&fake);
    let shipment = biteship
        .book(&booking("ref-push", store(None), buyer(None), "jne", "reg"))
        .await
        .expect("booked");
    let order_id = shipment.provider_reference.clone();

    let expectations = [
        ("allocated", ShipmentStatus::PickupScheduled),
        ("pickingUp", ShipmentStatus::PickupScheduled),
        ("picked", ShipmentStatus::PickedUp),
        ("droppingOff", ShipmentStatus::InTransit),
        ("onHold", ShipmentStatus::Exception),
        ("returnInTransit", ShipmentStatus::Returning),
        ("returned", ShipmentStatus::Returned),
        ("courierNotFound", ShipmentStatus::Cancelled),
    ];
    let mut event_ids = Vec::new();
    for (raw, expected) in expectations {
        let push = fake.advance(&order_id, raw);
        let update = biteship
            .parse_webhook(&no_headers(), &push)
            .expect("valid")
            .expect("something to act on");
        assert_eq!(update.status, Some(expected), "{raw}");
        assert_eq!(update.raw_status, raw);
        assert_eq!(update.awb.as_deref(), Some("WYB0000000001"));
        assert_eq!(
            update.provider_reference.as_deref(),
            Some(order_id.as_str())
        );
        let updated_at = update.raw["updated_at"]
            .as_str()
            .expect("updated_at")
            .to_owned();
        assert_eq!(
            update.event_id,
            format!("{order_id}:order.status:{raw}:{updated_at}")
        );
        assert_eq!(update.at, Some(at(&updated_at)));
        event_ids.push(update.event_id);
    }
    event_ids.sort();
    event_ids.dedup();
    assert_eq!(event_ids.len(), expectations.len());

    // The same push delivered twice has the same id, so the domain can drop the repeat.
    let push = fake.advance(&order_id, "delivered");
    let once = biteship.parse_webhook(&no_headers(), &push).expect("valid");
    let twice = biteship.parse_webhook(&no_headers(), &push).expect("valid");
    assert_eq!(once, twice);
}

#[tokio::test]
async fn price_pushes_carry_no_status_and_the_new_price() {
    let fake = FakeBiteship::start().await;
    let biteship = client(&fake);
    let shipment = biteship
        .book(&booking(
            "ref-price",
            store(None),
            buyer(None),
            "jne",
            "reg",
        ))
        .await
        .expect("booked");
    let push = fake.reprice(&shipment.provider_reference, 27_000);
    let update = biteship
        .parse_webhook(&no_headers(), &push)
        .expect("valid")
        .expect("something to act on");
    assert_eq!(update.status, None);
    assert_eq!(update.raw["event"], json!("order.price"));
    assert!(
        update
            .event_id
            .starts_with(&format!("{}:order.price:", shipment.provider_reference))
    );
    assert_eq!(biteship::webhook_price(&update), Some(idr(27_000)));
}

#[tokio::test]
async fn the_empty_test_ping_is_accepted_and_malformed_pushes_are_refused() {
    let fake = FakeBiteship::start().await;
    let biteship = client(&fake);
    assert_eq!(
        biteship.parse_webhook(&no_headers(), &fake.empty_ping()),
        Ok(None)
    );
    assert_eq!(biteship.parse_webhook(&no_headers(), b"  \n"), Ok(None));
    assert!(matches!(
        biteship.parse_webhook(&no_headers(), b"{\"event\": \"order.status\","),
        Err(WebhookError::Malformed(_))
    ));
    assert!(matches!(
        biteship.parse_webhook(&no_headers(), b"[1, 2]"),
        Err(WebhookError::Malformed(_))
    ));
    assert!(matches!(
        biteship.parse_webhook(&no_headers(), br#"{"event":"order.status","status":"picked"}"#),
        Err(WebhookError::Malformed(message)) if message.contains("order_id")
    ));
}

#[tokio::test]
async fn pushes_are_delivered_over_http_exactly_as_built() {
    let fake = FakeBiteship::start().await;
    let shipment = client(&fake)
        .book(&booking(
            "ref-deliver",
            store(None),
            buyer(None),
            "jne",
            "reg",
        ))
        .await
        .expect("booked");

    let received: Arc<Mutex<Vec<ReceivedPush>>> = Arc::default();
    let sink = Arc::clone(&received);
    let app = axum::Router::new().route(
        "/webhooks/biteship/secret-token",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let sink = Arc::clone(&sink);
            async move {
                let content_type = headers
                    .get("content-type")
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned);
                sink.lock()
                    .expect("sink")
                    .push((content_type, body.to_vec()));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let url = format!(
        "http://{}/webhooks/biteship/secret-token",
        listener.local_addr().expect("address")
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let push = fake.advance(&shipment.provider_reference, "picked");
    assert_eq!(
        fake.deliver(&url, fake.empty_ping()).await.expect("ping"),
        200
    );
    assert_eq!(deliver(&url, push.clone()).await.expect("push"), 200);
    server.abort();

    let received = received.lock().expect("sink").clone();
    assert_eq!(received.len(), 2);
    assert!(received[0].1.is_empty());
    assert_eq!(received[1].0.as_deref(), Some("application/json"));
    assert_eq!(received[1].1, push);
}

#[tokio::test]
async fn every_provider_config_builds_its_client() {
    let base_url = Some("http://127.0.0.1:9".to_owned());
    let configs = [
        (
            ProviderConfig::Biteship {
                api_key: "k".into(),
                base_url: base_url.clone(),
            },
            "biteship",
        ),
        (
            ProviderConfig::Rajaongkir {
                api_key: "k".into(),
                base_url: base_url.clone(),
            },
            "rajaongkir",
        ),
        (
            ProviderConfig::Jne {
                username: "u".into(),
                api_key: "k".into(),
                branch: "CGK000".into(),
                customer: "80500000".into(),
                origin_code: "CGK10000".into(),
                base_url: base_url.clone(),
            },
            "jne",
        ),
        (
            ProviderConfig::Jnt {
                username: "u".into(),
                api_key: "k".into(),
                order_key: "o".into(),
                tariff_key: "t".into(),
                company_id: "c".into(),
                company_password: "p".into(),
                origin_code: "JKT".into(),
                base_url: base_url.clone(),
            },
            "jnt",
        ),
        (
            ProviderConfig::Sicepat {
                api_key: "k".into(),
                origin_code: "CGK".into(),
                base_url,
            },
            "sicepat",
        ),
    ];
    for (config, code) in configs {
        assert_eq!(provider(config).code(), code);
    }
}
