//! The fakes hold the providers' rules on their own: a request missing a required field is
//! refused in the provider's error shape, whoever sends it.

use serde_json::{Value, json};
use smartseller_testkit::fake_shipping::{
    FakeBiteship, FakeJne, FakeJnt, FakeRajaOngkir, FakeSicepat, jnt::plugin_sign,
};

async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("the fake answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON answer"))
}

#[tokio::test]
async fn biteship_refuses_rates_without_couriers_or_items() {
    let fake = FakeBiteship::start().await;
    let http = reqwest::Client::new();
    let url = format!("{}/v1/rates/couriers", fake.base_url());
    let (status, body) = answer(
        http.post(&url)
            .header("authorization", FakeBiteship::API_KEY)
            .json(&json!({ "origin_postal_code": 10110, "destination_postal_code": 40135, "items": [] , "couriers": "jne"})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["success"], json!(false));
    assert_eq!(body["error"], json!("items must not be empty"));
    assert!(body["code"].is_number());

    let (status, body) = answer(
        http.post(&url)
            .header("authorization", FakeBiteship::API_KEY)
            .json(&json!({ "origin_postal_code": 10110, "destination_postal_code": 40135 })),
    )
    .await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("couriers is required"))
    );

    // `Bearer` in front of the key is not what Biteship expects.
    let (status, body) = answer(
        http.post(&url)
            .header("authorization", format!("Bearer {}", FakeBiteship::API_KEY))
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], json!(40_101_001));
}

#[tokio::test]
async fn rajaongkir_refuses_a_cost_request_without_weight_in_its_envelope() {
    let fake = FakeRajaOngkir::start().await;
    let (status, body) = answer(
        reqwest::Client::new()
            .post(format!("{}/calculate/domestic-cost", fake.base_url()))
            .header("key", FakeRajaOngkir::API_KEY)
            .form(&[("origin", "1"), ("destination", "2"), ("courier", "jne")]),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["meta"]["code"], json!(400));
    assert_eq!(body["meta"]["status"], json!("error"));
    assert_eq!(body["meta"]["message"], json!("weight is required"));
    assert_eq!(body["data"], Value::Null);
}

#[tokio::test]
async fn jne_refuses_a_cnote_without_receiver_phone_in_its_detail_shape() {
    let fake = FakeJne::start().await;
    let (status, body) = answer(
        reqwest::Client::new()
            .post(format!("{}/tracing/api/generatecnote", fake.base_url()))
            .form(&[
                ("username", FakeJne::USERNAME),
                ("api_key", FakeJne::API_KEY),
                ("OLSHOP_BRANCH", "CGK000"),
            ]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["detail"][0]["status"], json!("Error"));
    assert_eq!(
        body["detail"][0]["reason"],
        json!("OLSHOP_CUST is required")
    );
}

#[tokio::test]
async fn jnt_refuses_a_correctly_signed_order_that_lacks_fields() {
    let fake = FakeJnt::start().await;
    let data_param = json!({ "detail": [{
        "username": FakeJnt::USERNAME,
        "api_key": FakeJnt::API_KEY,
        "orderid": "ORD-1",
    }]})
    .to_string();
    let data_sign = plugin_sign(&data_param, FakeJnt::ORDER_KEY);
    let (status, body) = answer(
        reqwest::Client::new()
            .post(format!(
                "{}/jts-idn-ecommerce-api/api/order/create",
                fake.base_url()
            ))
            .form(&[("data_param", data_param), ("data_sign", data_sign)]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["success"], json!(false));
    assert_eq!(
        body["detail"][0]["reason"],
        json!("shipper_name is required")
    );
    assert!(fake.order("ORD-1").is_none());
}

#[tokio::test]
async fn sicepat_refuses_a_tariff_without_destination_in_its_wrapper() {
    let fake = FakeSicepat::start().await;
    let (status, body) = answer(
        reqwest::Client::new()
            .get(format!("{}/customer/tariff", fake.base_url()))
            .header("api-key", FakeSicepat::API_KEY)
            .query(&[("origin", "CGK"), ("weight", "1")]),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["sicepat"]["status"]["code"], json!(400));
    assert_eq!(
        body["sicepat"]["status"]["description"],
        json!("destination is required")
    );
}
