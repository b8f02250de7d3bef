//! JNE direct (community protocol): tariff, CNote generation and tracking.

use std::sync::Arc;

use smartseller_contracts::shipping::ShipmentStatus;
use smartseller_shipping::providers::{ProviderConfig, ProviderError, ShippingProvider};
use smartseller_testkit::fake_shipping::{FakeJne, TrackEvent};

use super::support::{at, booking, buyer, idr, provider, rate_request, store};

fn client_with_key(fake: &FakeJne, api_key: &str) -> Arc<dyn ShippingProvider> {
    provider(ProviderConfig::Jne {
        username: FakeJne::USERNAME.to_owned(),
        api_key: api_key.to_owned(),
        branch: "CGK000".to_owned(),
        customer: "80563100".to_owned(),
        origin_code: "CGK10000".to_owned(),
        base_url: Some(fake.base_url()),
    })
}

fn client(fake: &FakeJne) -> Arc<dyn ShippingProvider> {
    client_with_key(fake, FakeJne::API_KEY)
}

#[tokio::test]
async fn tariff_posts_codes_and_whole_kilograms_and_reads_string_prices_exactly() {
    let fake = FakeJne::start().await;
    let rates = client(&fake)
        .quote(&rate_request(store(None), buyer(Some("BDO10000")), &[]))
        .await
        .expect("rates");

    let form = fake
        .last_request_to("/tracing/api/pricedev")
        .expect("a tariff call")
        .form();
    assert_eq!(form["username"], FakeJne::USERNAME);
    assert_eq!(form["api_key"], FakeJne::API_KEY);
    assert_eq!(form["from"], "CGK10000");
    assert_eq!(form["thru"], "BDO10000");
    assert_eq!(form["weight"], "2");

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
        vec![("jne", "REG", 1_800_000), ("jne", "YES", 3_600_000)]
    );
    assert_eq!(rates[0].price, idr(18_000));
    assert_eq!(rates[0].etd.as_deref(), Some("2-3 days"));
    assert_eq!(rates[1].etd.as_deref(), Some("1 day"));
}

#[tokio::test]
async fn tariffs_need_the_jne_destination_code_and_skip_other_couriers() {
    let fake = FakeJne::start().await;
    let jne = client(&fake);
    assert!(matches!(
        jne.quote(&rate_request(store(None), buyer(None), &[])).await,
        Err(ProviderError::Rejected(message)) if message.contains("area_id")
    ));
    assert_eq!(
        jne.quote(&rate_request(
            store(None),
            buyer(Some("BDO10000")),
            &["sicepat"]
        ))
        .await,
        Ok(Vec::new())
    );
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn cnote_generation_sends_the_olshop_fields_and_returns_the_airway_bill() {
    let fake = FakeJne::start().await;
    let mut order = booking(
        "0193ffee0001",
        store(None),
        buyer(Some("BDO10000")),
        "jne",
        "reg",
    );
    order.cash_on_delivery = Some(idr(318_000));
    let shipment = client(&fake).book(&order).await.expect("booked");

    assert_eq!(shipment.awb.as_deref(), Some("JNE000000000001"));
    assert_eq!(shipment.provider_reference, "JNE000000000001");
    assert_eq!(shipment.status, ShipmentStatus::AwbAssigned);

    let booked = fake.booking("JNE000000000001").expect("kept by the fake");
    let expected = [
        ("OLSHOP_BRANCH", "CGK000"),
        ("OLSHOP_CUST", "80563100"),
        ("OLSHOP_ORDERID", "0193ffee0001"),
        ("OLSHOP_SHIPPER_NAME", "Toko Batik Sari"),
        ("OLSHOP_SHIPPER_ADDR1", "Jl. Kebon Sirih No. 12, Menten"),
        ("OLSHOP_SHIPPER_ADDR2", "g, Jakarta Pusat"),
        ("OLSHOP_RECEIVER_NAME", "Rina Kartika"),
        ("OLSHOP_RECEIVER_CITY", "Bandung"),
        ("OLSHOP_RECEIVER_REGION", "Jawa Barat"),
        ("OLSHOP_RECEIVER_ZIP", "40135"),
        ("OLSHOP_QTY", "3"),
        ("OLSHOP_WEIGHT", "2"),
        ("OLSHOP_GOODSDESC", "Kemeja Batik, Selendang"),
        ("OLSHOP_GOODSVALUE", "300000"),
        ("OLSHOP_GOODSTYPE", "2"),
        ("OLSHOP_INST", "Fragile: batik"),
        ("OLSHOP_ORIG", "CGK10000"),
        ("OLSHOP_DEST", "BDO10000"),
        ("OLSHOP_SERVICE", "REG"),
        ("OLSHOP_COD_FLAG", "YES"),
        ("OLSHOP_COD_AMOUNT", "318000"),
    ];
    for (field, value) in expected {
        assert_eq!(
            booked.get(field).map(String::as_str),
            Some(value),
            "{field}"
        );
    }
}

#[tokio::test]
async fn a_refused_cnote_is_rejected_with_jnes_reason() {
    let fake = FakeJne::start().await;
    let jne = client(&fake);
    let order = booking(
        "dup-ref",
        store(None),
        buyer(Some("BDO10000")),
        "jne",
        "reg",
    );
    jne.book(&order).await.expect("first booking");
    assert_eq!(
        jne.book(&order).await,
        Err(ProviderError::Rejected(
            "OLSHOP_ORDERID already exists".to_owned()
        ))
    );
    let unknown_service = booking(
        "other-ref",
        store(None),
        buyer(Some("BDO10000")),
        "jne",
        "teleport",
    );
    assert!(matches!(
        jne.book(&unknown_service).await,
        Err(ProviderError::Rejected(message)) if message.contains("OLSHOP_SERVICE")
    ));
}

#[tokio::test]
async fn tracking_reads_the_history_in_local_time_onto_statuses() {
    let fake = FakeJne::start().await;
    let jne = client(&fake);
    let shipment = jne
        .book(&booking(
            "ref-track",
            store(None),
            buyer(Some("BDO10000")),
            "jne",
            "reg",
        ))
        .await
        .expect("booked");
    let awb = shipment.awb.expect("an airway bill");

    let fresh = jne.track(&awb, "jne", None).await.expect("tracking");
    assert_eq!(fresh.status, ShipmentStatus::AwbAssigned);
    assert!(fresh.entries.is_empty());

    fake.set_tracking(
        &awb,
        vec![
            TrackEvent::new(
                "MANIFESTED",
                "SHIPMENT RECEIVED BY JNE COUNTER OFFICER AT [JAKARTA]",
                None,
                at("2026-11-25T03:00:00Z"),
            ),
            TrackEvent::new(
                "ON PROCESS",
                "RECEIVED AT WAREHOUSE [BANDUNG]",
                None,
                at("2026-11-25T20:00:00Z"),
            ),
            TrackEvent::new(
                "ON PROCESS",
                "WITH DELIVERY COURIER [BANDUNG]",
                None,
                at("2026-11-26T01:00:00Z"),
            ),
            TrackEvent::new(
                "DELIVERED",
                "DELIVERED TO [RINA | 26-11-2026 15:20 | BANDUNG]",
                None,
                at("2026-11-26T08:20:00Z"),
            ),
        ],
    );
    let tracking = jne.track(&awb, "jne", None).await.expect("tracking");
    assert_eq!(
        fake.last_request_to(&format!("/tracing/api/list/v1/cnote/{awb}"))
            .expect("a tracking call")
            .form()["api_key"],
        FakeJne::API_KEY
    );
    assert_eq!(tracking.awb, awb);
    assert_eq!(tracking.status, ShipmentStatus::Delivered);
    let statuses: Vec<ShipmentStatus> = tracking.entries.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        vec![
            ShipmentStatus::PickedUp,
            ShipmentStatus::InTransit,
            ShipmentStatus::OutForDelivery,
            ShipmentStatus::Delivered,
        ]
    );
    // JNE writes `26-11-2026 15:20` in Jakarta time.
    assert_eq!(tracking.entries[3].at, at("2026-11-26T08:20:00Z"));
}

#[tokio::test]
async fn unknown_cnotes_wrong_keys_cancellation_and_retries() {
    let fake = FakeJne::start().await;
    let jne = client(&fake);
    assert_eq!(
        jne.track("JNE999", "jne", None).await,
        Err(ProviderError::NotFound)
    );
    assert_eq!(
        client_with_key(&fake, "wrong")
            .quote(&rate_request(store(None), buyer(Some("BDO10000")), &[]))
            .await,
        Err(ProviderError::Unauthorized)
    );
    assert!(matches!(
        jne.cancel("JNE000000000001", "reason").await,
        Err(ProviderError::Unsupported(_))
    ));

    fake.fail_next(2, 502);
    let rates = jne
        .quote(&rate_request(store(None), buyer(Some("BDO10000")), &[]))
        .await
        .expect("third attempt");
    assert_eq!(rates.len(), 2);
    assert_eq!(fake.requests_to("/tracing/api/pricedev").len(), 4);
}
