//! A fake J&T Express Indonesia (`integrations/shipping.md` §6, community plugin code only):
//! order creation and cancellation signed with `data_sign`, tariff signed with `sign`, and
//! tracking behind HTTP Basic. Every path sits under one host, as with the sandbox.
//!
//! Signatures are checked the way the plugin computes them: Base64 of the lowercase MD5 hex
//! text of the payload followed by the key.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Mutex;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use md5::{Digest, Md5};
use serde_json::{Map, Value, json};

use super::{
    FakeServer, Protocol, RecordedRequest, TrackEvent, json, lock, services_of, start_server,
};

pub const USERNAME: &str = "SMARTSELLER";
pub const API_KEY: &str = "jnt-fake-api-key";
pub const ORDER_KEY: &str = "jnt-fake-order-key";
pub const TARIFF_KEY: &str = "jnt-fake-tariff-key";
pub const COMPANY_ID: &str = "SMARTSELLERID";
pub const COMPANY_PASSWORD: &str = "jnt-fake-company-password";

pub const CREATE_PATH: &str = "/jts-idn-ecommerce-api/api/order/create";
pub const CANCEL_PATH: &str = "/jts-idn-ecommerce-api/api/order/cancel";
pub const TARIFF_PATH: &str = "/jandt_track/inquiry.action";
pub const TRACKING_PATH: &str = "/jandt_track/track/trackAction!tracking.action";

const REQUIRED_ORDER_FIELDS: [&str; 16] = [
    "orderid",
    "shipper_name",
    "shipper_phone",
    "shipper_addr",
    "origin_code",
    "receiver_name",
    "receiver_phone",
    "receiver_addr",
    "receiver_zip",
    "destination_code",
    "qty",
    "weight",
    "goodsdesc",
    "servicetype",
    "orderdate",
    "expresstype",
];

/// `base64(md5_hex(payload + key))`, the plugin's signature.
pub fn plugin_sign(payload: &str, key: &str) -> String {
    let digest = Md5::new()
        .chain_update(payload.as_bytes())
        .chain_update(key.as_bytes())
        .finalize();
    BASE64.encode(hex::encode(digest))
}

/// A running fake J&T; dereferences to its [`FakeServer`].
#[derive(Clone)]
pub struct FakeJnt {
    server: FakeServer<JntState>,
}

impl Deref for FakeJnt {
    type Target = FakeServer<JntState>;

    fn deref(&self) -> &Self::Target {
        &self.server
    }
}

impl FakeJnt {
    pub const USERNAME: &'static str = USERNAME;
    pub const API_KEY: &'static str = API_KEY;
    pub const ORDER_KEY: &'static str = ORDER_KEY;
    pub const TARIFF_KEY: &'static str = TARIFF_KEY;
    pub const COMPANY_ID: &'static str = COMPANY_ID;
    pub const COMPANY_PASSWORD: &'static str = COMPANY_PASSWORD;

    pub async fn start() -> Self {
        Self {
            server: start_server(JntState::default(), "").await,
        }
    }

    /// The scans tracking answers for `awb`, oldest first.
    pub fn set_tracking(&self, awb: &str, history: Vec<TrackEvent>) {
        lock(&self.protocol.orders)
            .tracking
            .insert(awb.to_owned(), history);
    }

    /// The `detail` of a booked order, with `cancelled` and `remark` once cancelled.
    pub fn order(&self, orderid: &str) -> Option<Value> {
        lock(&self.protocol.orders).by_orderid.get(orderid).cloned()
    }
}

/// What the fake keeps between requests.
#[derive(Default)]
pub struct JntState {
    orders: Mutex<Orders>,
}

#[derive(Default)]
struct Orders {
    issued: u64,
    by_orderid: HashMap<String, Value>,
    tracking: HashMap<String, Vec<TrackEvent>>,
}

fn order_refused(orderid: &str, reason: &str) -> Response {
    json(
        StatusCode::OK,
        json!({
            "success": false,
            "desc": "Request gagal",
            "detail": [{ "orderid": orderid, "status": "Error", "reason": reason }],
        }),
    )
}

fn unauthorized(reason: &str) -> Response {
    json(
        StatusCode::UNAUTHORIZED,
        json!({ "success": false, "desc": reason, "detail": [] }),
    )
}

/// The first `detail` of a `data_param` signed with the order key, or the refusal to send.
fn signed_detail(request: &RecordedRequest) -> Result<Map<String, Value>, Response> {
    let form = request.form();
    let (Some(data_param), Some(data_sign)) = (form.get("data_param"), form.get("data_sign"))
    else {
        return Err(json(
            StatusCode::BAD_REQUEST,
            json!({ "success": false, "desc": "data_param and data_sign are required" }),
        ));
    };
    if *data_sign != plugin_sign(data_param, ORDER_KEY) {
        return Err(unauthorized("data_sign is invalid"));
    }
    let detail = serde_json::from_str::<Value>(data_param)
        .ok()
        .and_then(|param| param.get("detail")?.get(0)?.as_object().cloned());
    let Some(detail) = detail else {
        return Err(json(
            StatusCode::BAD_REQUEST,
            json!({ "success": false, "desc": "data_param must hold detail[0]" }),
        ));
    };
    let field = |name: &str| detail.get(name).and_then(Value::as_str);
    if field("username") != Some(USERNAME) || field("api_key") != Some(API_KEY) {
        return Err(unauthorized("username or api_key is invalid"));
    }
    Ok(detail)
}

impl JntState {
    fn create(&self, request: &RecordedRequest) -> Response {
        let detail = match signed_detail(request) {
            Ok(detail) => detail,
            Err(refusal) => return refusal,
        };
        let field = |name: &str| {
            detail
                .get(name)
                .and_then(Value::as_str)
                .filter(|value| !value.trim().is_empty())
        };
        let orderid = field("orderid").unwrap_or_default().to_owned();
        if let Some(missing) = REQUIRED_ORDER_FIELDS
            .iter()
            .find(|name| field(name).is_none())
        {
            return order_refused(&orderid, &format!("{missing} is required"));
        }
        if field("weight")
            .and_then(|kg| kg.parse::<i64>().ok())
            .is_none_or(|kg| kg < 1)
        {
            return order_refused(&orderid, "weight must be whole kilograms, at least 1");
        }
        let mut orders = lock(&self.orders);
        if orders.by_orderid.contains_key(&orderid) {
            return order_refused(&orderid, "orderid already exists");
        }
        orders.issued += 1;
        let awb = format!("JP{:010}", orders.issued);
        let mut stored = detail.clone();
        stored.insert("awb_no".to_owned(), json!(awb));
        stored.insert("cancelled".to_owned(), json!(false));
        orders
            .by_orderid
            .insert(orderid.clone(), Value::Object(stored));
        json(
            StatusCode::OK,
            json!({
                "success": true,
                "desc": "Request berhasil",
                "detail": [{ "orderid": orderid, "status": "Sukses", "awb_no": awb, "etd": "2-3" }],
            }),
        )
    }

    fn cancel(&self, request: &RecordedRequest) -> Response {
        let detail = match signed_detail(request) {
            Ok(detail) => detail,
            Err(refusal) => return refusal,
        };
        let orderid = detail
            .get("orderid")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let remark = detail
            .get("remark")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if remark.trim().is_empty() {
            return order_refused(&orderid, "remark is required");
        }
        if remark.chars().count() > 30 {
            return order_refused(&orderid, "remark must be at most 30 characters");
        }
        let mut orders = lock(&self.orders);
        let Some(order) = orders.by_orderid.get_mut(&orderid) else {
            return order_refused(&orderid, "orderid not found");
        };
        if order.get("cancelled") == Some(&json!(true)) {
            return order_refused(&orderid, "order is already cancelled");
        }
        if let Some(fields) = order.as_object_mut() {
            fields.insert("cancelled".to_owned(), json!(true));
            fields.insert("remark".to_owned(), json!(remark));
        }
        json(
            StatusCode::OK,
            json!({
                "success": true,
                "desc": "Request berhasil",
                "detail": [{ "orderid": orderid, "status": "Sukses" }],
            }),
        )
    }

    fn tariff(request: &RecordedRequest) -> Response {
        let form = request.form();
        let (Some(data), Some(sign)) = (form.get("data"), form.get("sign")) else {
            return json(
                StatusCode::BAD_REQUEST,
                json!({ "is_success": "false", "message": "data and sign are required" }),
            );
        };
        if *sign != plugin_sign(data, TARIFF_KEY) {
            return json(
                StatusCode::UNAUTHORIZED,
                json!({ "is_success": "false", "message": "sign is invalid" }),
            );
        }
        let data: Value = serde_json::from_str(data).unwrap_or(Value::Null);
        let text = |name: &str| {
            data.get(name)
                .and_then(Value::as_str)
                .filter(|value| !value.is_empty())
        };
        let kilograms = text("weight").and_then(|kg| kg.parse::<i64>().ok());
        let complete = ["sendSiteCode", "destAreaCode", "cusName", "productType"]
            .iter()
            .all(|name| text(name).is_some());
        let Some(kilograms) = kilograms.filter(|kg| *kg >= 1 && complete) else {
            return json(
                StatusCode::OK,
                json!({ "is_success": "false", "message": "weight, sendSiteCode, destAreaCode, cusName and productType are required" }),
            );
        };
        let rows: Vec<Value> = services_of(["jnt"])
            .iter()
            .map(|service| {
                json!({
                    "name": service.service_code.to_uppercase(),
                    "cost": (service.rupiah_per_kg * kilograms).to_string(),
                })
            })
            .collect();
        // The plugin's sample carries the rows as a JSON string inside the JSON answer.
        json(
            StatusCode::OK,
            json!({ "is_success": "true", "content": Value::Array(rows).to_string() }),
        )
    }

    fn track(&self, request: &RecordedRequest) -> Response {
        let expected = format!(
            "Basic {}",
            BASE64.encode(format!("{COMPANY_ID}:{COMPANY_PASSWORD}"))
        );
        if request.header("authorization").as_deref() != Some(expected.as_str()) {
            return json(
                StatusCode::UNAUTHORIZED,
                json!({ "error_id": "401", "error_message": "Unauthorized" }),
            );
        }
        let body = request.json();
        if body.get("eccompanyid").and_then(Value::as_str) != Some(COMPANY_ID) {
            return json(
                StatusCode::BAD_REQUEST,
                json!({ "error_id": "400", "error_message": "eccompanyid is invalid" }),
            );
        }
        let Some(awb) = body.get("awb").and_then(Value::as_str) else {
            return json(
                StatusCode::BAD_REQUEST,
                json!({ "error_id": "400", "error_message": "awb is required" }),
            );
        };
        let orders = lock(&self.orders);
        let booked = orders
            .by_orderid
            .values()
            .any(|order| order.get("awb_no").and_then(Value::as_str) == Some(awb));
        let history = orders.tracking.get(awb);
        if history.is_none() && !booked {
            return json(
                StatusCode::NOT_FOUND,
                json!({ "error_id": "404", "error_message": "AWB not found" }),
            );
        }
        let history: Vec<Value> = history
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(index, event)| {
                json!({
                    "date_time": (event.at + chrono::Duration::hours(7)).format("%Y-%m-%d %H:%M:%S").to_string(),
                    "city_name": event.city,
                    "status": event.status,
                    "status_code": 100 + index,
                    "note": event.description,
                })
            })
            .collect();
        json(
            StatusCode::OK,
            json!({ "awb": awb, "detail": { "services_code": "EZ" }, "history": history }),
        )
    }
}

impl Protocol for JntState {
    fn handle(&self, request: &RecordedRequest) -> Response {
        if request.method != Method::POST {
            return json(
                StatusCode::METHOD_NOT_ALLOWED,
                json!({ "success": false, "desc": "POST only" }),
            );
        }
        match request.path.as_str() {
            CREATE_PATH => self.create(request),
            CANCEL_PATH => self.cancel(request),
            TARIFF_PATH => Self::tariff(request),
            TRACKING_PATH => self.track(request),
            _ => json(
                StatusCode::NOT_FOUND,
                json!({ "success": false, "desc": "Not found" }),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of `integrations/shipping.md` §6.
    #[test]
    fn plugin_sign_matches_the_worked_example() {
        let data_param =
            r#"{"detail":[{"username":"TESTUSER","api_key":"ABC123","orderid":"ORD-1"}]}"#;
        assert_eq!(
            plugin_sign(data_param, "order_key_example"),
            "MjU4OTliMTY0ZjY0ZTMzMmZiZjI4MGQ3YWViMzk2ZTI="
        );
    }
}
