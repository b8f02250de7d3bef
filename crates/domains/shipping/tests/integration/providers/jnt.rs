//! J&T Express direct (community protocol): signed orders and cancellations, signed tariffs,
//! tracking behind HTTP Basic.

use serde_json::Value;
use smartseller_contracts::shipping::ShipmentStatus;
use smartseller_shipping::providers::jnt::{JntAccount, JntClient, SignVariant, sign};
use smartseller_shipping::providers::{ProviderError, ShippingProvider};
use smartseller_testkit::fake_shipping::jnt::plugin_sign;
use smartseller_testkit::fake_shipping::{FakeJnt, TrackEvent};

use super::support::{at, booking, buyer, idr, rate_request, store};

fn account() -> JntAccount {
    JntAccount {
        username: FakeJnt::USERNAME.to_owned(),
        api_key: FakeJnt::API_KEY.to_owned(),
        order_key: FakeJnt::ORDER_KEY.to_owned(),
        tariff_key: FakeJnt::TARIFF_KEY.to_owned(),
        company_id: FakeJnt::COMPANY_ID.to_owned(),
        company_password: FakeJnt::COMPANY_PASSWORD.to_owned(),
        origin_code: "JKT".to_owned(),
    }
}

fn client_for(fake: &FakeJnt, account: JntAccount) -> JntClient {
    JntClient::new(account, Some(fake.base_url()), reqwest::Client::new())
}

fn client(fake: &FakeJnt) -> JntClient {
    client_for(fake, account())
}

fn data_param_detail(form: &std::collections::HashMap<String, String>) -> Value {
    let param: Value = serde_json::from_str(&form["data_param"]).expect("data_param is JSON");
    param["detail"][0].clone()
}

#[test]
fn the_signature_follows_the_worked_example_and_the_fake_agrees() {
    let data_param = r#"{"detail":[{"username":"TESTUSER","api_key":"ABC123","orderid":"ORD-1"}]}"#;
    let hex_then_base64 = "MjU4OTliMTY0ZjY0ZTMzMmZiZjI4MGQ3YWViMzk2ZTI=";
    assert_eq!(
        sign(data_param, "order_key_example", SignVariant::Hex),
        hex_then_base64
    );
    assert_eq!(
        plugin_sign(data_param, "order_key_example"),
        hex_then_base64
    );
    assert_eq!(
        sign(data_param, "order_key_example", SignVariant::RawDigest),
        "JYmbFk9k4zL78oDXrrOW4g=="
    );
}

#[tokio::test]
async fn an_order_is_signed_with_the_order_key_and_returns_the_airway_bill() {
    let fake = FakeJnt::start().await;
    let mut order = booking(
        "0193jnt00001",
        store(None),
        buyer(Some("BDO10101")),
        "jnt",
        "EZ",
    );
    order.cash_on_delivery = Some(idr(318_000));
    let shipment = client(&fake).book(&order).await.expect("booked");

    assert_eq!(shipment.awb.as_deref(), Some("JP0000000001"));
    assert_eq!(shipment.provider_reference, "0193jnt00001");
    assert_eq!(shipment.status, ShipmentStatus::AwbAssigned);

    let form = fake
        .last_request_to("/api/order/create")
        .expect("a create call")
        .form();
    assert_eq!(
        form["data_sign"],
        plugin_sign(&form["data_param"], FakeJnt::ORDER_KEY)
    );
    let detail = data_param_detail(&form);
    assert_eq!(detail["username"], FakeJnt::USERNAME);
    assert_eq!(detail["orderid"], "0193jnt00001");
    assert_eq!(detail["origin_code"], "JKT");
    assert_eq!(detail["destination_code"], "BDO10101");
    assert_eq!(detail["receiver_zip"], "40135");
    assert_eq!(detail["weight"], "2");
    assert_eq!(detail["qty"], "3");
    assert_eq!(detail["cod"], "318000");
    assert_eq!(detail["goodsvalue"], "300000");
    assert_eq!(detail["servicetype"], "1");
    assert_eq!(detail["expresstype"], "1");
    let order_date = detail["orderdate"].as_str().expect("orderdate");
    assert!(chrono::NaiveDateTime::parse_from_str(order_date, "%Y-%m-%d %H:%M:%S").is_ok());
    assert_eq!(
        fake.order("0193jnt00001").expect("kept")["awb_no"],
        "JP0000000001"
    );
}

#[tokio::test]
async fn the_fake_refuses_a_bad_signature_whichever_way_it_is_wrong() {
    let fake = FakeJnt::start().await;
    let order = booking(
        "ref-sign",
        store(None),
        buyer(Some("BDO10101")),
        "jnt",
        "EZ",
    );

    let wrong_key = JntAccount {
        order_key: "not-the-order-key".to_owned(),
        ..account()
    };
    assert_eq!(
        client_for(&fake, wrong_key).book(&order).await,
        Err(ProviderError::Unauthorized)
    );

    // The raw-digest reading is not what the plugin (and so the fake) computes.
    let raw_digest = client(&fake).with_sign_variant(SignVariant::RawDigest);
    assert_eq!(
        raw_digest.book(&order).await,
        Err(ProviderError::Unauthorized)
    );

    let wrong_api_key = JntAccount {
        api_key: "not-the-api-key".to_owned(),
        ..account()
    };
    assert_eq!(
        client_for(&fake, wrong_api_key).book(&order).await,
        Err(ProviderError::Unauthorized)
    );
    assert!(fake.order("ref-sign").is_none());

    client(&fake)
        .book(&order)
        .await
        .expect("the right signature books");
}

#[tokio::test]
async fn cancelling_truncates_the_remark_to_thirty_characters_and_cannot_repeat() {
    let fake = FakeJnt::start().await;
    let jnt = client(&fake);
    jnt.book(&booking(
        "ref-cancel",
        store(None),
        buyer(Some("BDO10101")),
        "jnt",
        "EZ",
    ))
    .await
    .expect("booked");

    jnt.cancel(
        "ref-cancel",
        "The buyer asked to cancel the whole order by phone",
    )
    .await
    .expect("cancelled");
    let form = fake
        .last_request_to("/api/order/cancel")
        .expect("a cancel call")
        .form();
    assert_eq!(
        form["data_sign"],
        plugin_sign(&form["data_param"], FakeJnt::ORDER_KEY)
    );
    assert_eq!(
        data_param_detail(&form)["remark"],
        "The buyer asked to cancel the "
    );
    let kept = fake.order("ref-cancel").expect("kept");
    assert_eq!(kept["cancelled"], true);

    assert_eq!(
        jnt.cancel("ref-cancel", "again").await,
        Err(ProviderError::Rejected(
            "order is already cancelled".to_owned()
        ))
    );
    assert_eq!(
        jnt.cancel("never-booked", "why").await,
        Err(ProviderError::Rejected("orderid not found".to_owned()))
    );
}

#[tokio::test]
async fn the_tariff_is_signed_with_the_tariff_key_and_its_rows_are_json_inside_json() {
    let fake = FakeJnt::start().await;
    let rates = client(&fake)
        .quote(&rate_request(
            store(None),
            buyer(Some("BDO10101")),
            &["jnt"],
        ))
        .await
        .expect("rates");

    let form = fake
        .last_request_to("/inquiry.action")
        .expect("a tariff call")
        .form();
    assert_eq!(
        form["sign"],
        plugin_sign(&form["data"], FakeJnt::TARIFF_KEY)
    );
    let data: Value = serde_json::from_str(&form["data"]).expect("data is JSON");
    assert_eq!(data["weight"], "2");
    assert_eq!(data["sendSiteCode"], "JKT");
    assert_eq!(data["destAreaCode"], "BDO10101");
    assert_eq!(data["productType"], "EZ");

    assert_eq!(rates.len(), 1);
    assert_eq!(rates[0].courier_code, "jnt");
    assert_eq!(rates[0].service_code, "EZ");
    assert_eq!(rates[0].price, idr(19_000));

    let wrong_tariff_key = JntAccount {
        tariff_key: "nope".to_owned(),
        ..account()
    };
    assert_eq!(
        client_for(&fake, wrong_tariff_key)
            .quote(&rate_request(store(None), buyer(Some("BDO10101")), &[]))
            .await,
        Err(ProviderError::Unauthorized)
    );
}

#[tokio::test]
async fn tracking_uses_basic_auth_and_maps_the_history() {
    let fake = FakeJnt::start().await;
    let jnt = client(&fake);
    fake.set_tracking(
        "JP0000000042",
        vec![
            TrackEvent::new(
                "Manifested",
                "Shipment manifested",
                Some("JAKARTA"),
                at("2026-11-25T03:00:00Z"),
            ),
            TrackEvent::new(
                "Picked Up",
                "Picked up by courier",
                Some("JAKARTA"),
                at("2026-11-25T05:00:00Z"),
            ),
            TrackEvent::new(
                "Departed",
                "Departed from JKT gateway",
                Some("JAKARTA"),
                at("2026-11-25T12:00:00Z"),
            ),
            TrackEvent::new(
                "On Delivery",
                "With courier",
                Some("BANDUNG"),
                at("2026-11-26T02:00:00Z"),
            ),
        ],
    );
    let tracking = jnt
        .track("JP0000000042", "jnt", None)
        .await
        .expect("tracking");

    let sent = fake
        .last_request_to("trackAction!tracking.action")
        .expect("a tracking call");
    assert!(
        sent.header("authorization")
            .expect("basic auth")
            .starts_with("Basic ")
    );
    assert_eq!(sent.json()["awb"], "JP0000000042");
    assert_eq!(sent.json()["eccompanyid"], FakeJnt::COMPANY_ID);

    assert_eq!(tracking.status, ShipmentStatus::OutForDelivery);
    let statuses: Vec<ShipmentStatus> = tracking.entries.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        vec![
            ShipmentStatus::PickedUp,
            ShipmentStatus::PickedUp,
            ShipmentStatus::InTransit,
            ShipmentStatus::OutForDelivery,
        ]
    );
    assert_eq!(tracking.entries[3].location.as_deref(), Some("BANDUNG"));
    assert_eq!(tracking.entries[3].at, at("2026-11-26T02:00:00Z"));

    fake.set_tracking(
        "JP0000000042",
        vec![TrackEvent::new(
            "Delivered",
            "Received by RINA",
            Some("BANDUNG"),
            at("2026-11-26T06:00:00Z"),
        )],
    );
    assert_eq!(
        jnt.track("JP0000000042", "jnt", None)
            .await
            .expect("tracking")
            .status,
        ShipmentStatus::Delivered
    );

    let wrong_password = JntAccount {
        company_password: "guess".to_owned(),
        ..account()
    };
    assert_eq!(
        client_for(&fake, wrong_password)
            .track("JP0000000042", "jnt", None)
            .await,
        Err(ProviderError::Unauthorized)
    );
    assert_eq!(
        jnt.track("JP9999999999", "jnt", None).await,
        Err(ProviderError::NotFound)
    );
}

#[tokio::test]
async fn server_errors_are_retried_and_persistent_ones_are_unavailable() {
    let fake = FakeJnt::start().await;
    let jnt = client(&fake);
    fake.fail_next(1, 500);
    jnt.book(&booking(
        "ref-retry",
        store(None),
        buyer(Some("BDO10101")),
        "jnt",
        "EZ",
    ))
    .await
    .expect("second attempt");
    assert_eq!(fake.requests_to("/api/order/create").len(), 2);

    fake.fail_next(3, 500);
    assert!(matches!(
        jnt.quote(&rate_request(store(None), buyer(Some("BDO10101")), &[]))
            .await,
        Err(ProviderError::Unavailable(_))
    ));
    assert_eq!(fake.requests_to("/inquiry.action").len(), 3);
}
