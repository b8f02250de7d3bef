//! Fake PayPal: OAuth client credentials (`/v1/oauth2/token`), Orders v2 (create, get,
//! capture), capture refunds, and `verify-webhook-signature`, which answers `SUCCESS` only for
//! transmissions this fake issued, with our webhook id and the event body unmodified.
//! `PayPal-Request-Id` replays the first answer.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use base64::Engine;
use chrono::{SecondsFormat, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{
    FakeNotification, Faults, ServerTask, basic, bind, deliver_with, header, lock, random_hex,
    serve,
};

pub const CLIENT_ID: &str = "fake-paypal-client-id";
pub const CLIENT_SECRET: &str = "fake-paypal-client-secret";
pub const WEBHOOK_ID: &str = "WH-FAKE-0000000001";
/// Seconds an access token lives (PayPal issues about nine hours).
pub const TOKEN_LIFETIME: u64 = 32_400;

/// An order as the fake holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct PaypalOrder {
    pub id: String,
    pub intent: String,
    /// `CREATED`, `PAYER_ACTION_REQUIRED`, `APPROVED`, `COMPLETED`, `VOIDED`.
    pub status: String,
    pub custom_id: Option<String>,
    pub currency_code: String,
    /// The `value` as sent, e.g. `"10.00"`.
    pub value: String,
    pub capture: Option<PaypalCapture>,
    /// Set once an `AUTHORIZE` order is authorised.
    pub authorization: Option<PaypalAuthorization>,
    /// The create request body as received.
    pub request: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaypalCapture {
    pub id: String,
    /// `COMPLETED`, `PARTIALLY_REFUNDED`, `REFUNDED`.
    pub status: String,
    /// In cents of the order currency.
    pub amount_cents: i64,
    pub refunds: Vec<(String, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaypalAuthorization {
    pub id: String,
    /// `CREATED`, `CAPTURED`, `PARTIALLY_CAPTURED`.
    pub status: String,
    pub amount_cents: i64,
}

#[derive(Clone)]
pub struct FakePaypal {
    shared: Arc<Shared>,
    _server: Arc<ServerTask>,
}

/// A webhook transmission the fake issued.
struct Transmission {
    signature: String,
    event: Value,
}

#[derive(Default)]
struct Ledger {
    tokens: HashSet<String>,
    token_requests: usize,
    orders: HashMap<String, PaypalOrder>,
    /// Answers by `PayPal-Request-Id`.
    replays: HashMap<String, (StatusCode, Value)>,
    transmissions: HashMap<String, Transmission>,
    verification_requests: Vec<String>,
}

struct Shared {
    base_url: String,
    faults: Arc<Faults>,
    ledger: Mutex<Ledger>,
}

type Ctx = State<Arc<Shared>>;

impl FakePaypal {
    /// # Panics
    ///
    /// If no local port can be bound, or outside a tokio runtime.
    pub async fn start() -> FakePaypal {
        let (listener, base_url) = bind().await;
        let shared = Arc::new(Shared {
            base_url,
            faults: Arc::new(Faults::default()),
            ledger: Mutex::new(Ledger::default()),
        });
        let router = Router::new()
            .route("/v1/oauth2/token", post(issue_token))
            .route("/v2/checkout/orders", post(create_order))
            .route("/v2/checkout/orders/{id}", get(get_order))
            .route("/v2/checkout/orders/{id}/capture", post(capture_order))
            .route("/v2/checkout/orders/{id}/authorize", post(authorize_order))
            .route(
                "/v2/payments/authorizations/{id}/capture",
                post(capture_authorization),
            )
            .route("/v2/payments/captures/{id}/refund", post(refund_capture))
            .route(
                "/v1/notifications/verify-webhook-signature",
                post(verify_signature),
            )
            .with_state(shared.clone());
        let server = serve(listener, router, shared.faults.clone());
        FakePaypal {
            shared,
            _server: Arc::new(server),
        }
    }

    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The next `count` requests answer `status` (429 with `Retry-After: 1`).
    pub fn fail_next(&self, count: u32, status: u16) {
        self.shared.faults.fail_next(count, status);
    }

    pub fn requests(&self) -> usize {
        self.shared.faults.requests()
    }

    /// Access tokens issued so far.
    pub fn token_requests(&self) -> usize {
        lock(&self.shared.ledger).token_requests
    }

    /// Every token issued so far stops working (as when PayPal expires them early).
    pub fn revoke_tokens(&self) {
        lock(&self.shared.ledger).tokens.clear();
    }

    /// The `verify-webhook-signature` request bodies received, verbatim.
    pub fn verification_requests(&self) -> Vec<String> {
        lock(&self.shared.ledger).verification_requests.clone()
    }

    /// The order with PayPal id `id`.
    pub fn order(&self, id: &str) -> Option<PaypalOrder> {
        lock(&self.shared.ledger).orders.get(id).cloned()
    }

    /// The order whose `purchase_units[0].custom_id` is `reference`.
    pub fn order_for(&self, reference: &str) -> Option<PaypalOrder> {
        lock(&self.shared.ledger)
            .orders
            .values()
            .find(|order| order.custom_id.as_deref() == Some(reference))
            .cloned()
    }

    /// The buyer approved the order: `APPROVED`, and `CHECKOUT.ORDER.APPROVED`.
    ///
    /// # Panics
    ///
    /// If no order carries `custom_id` = `reference`.
    pub fn approve(&self, reference: &str) -> FakeNotification {
        let mut ledger = lock(&self.shared.ledger);
        let order = find_by_reference(&mut ledger, reference);
        order.status = "APPROVED".to_owned();
        let resource = order_json(&self.shared.base_url, order);
        self.issue(&mut ledger, "CHECKOUT.ORDER.APPROVED", resource)
    }

    /// The buyer approved and the order was captured (as after our capture call, or PayPal's
    /// own completion): `PAYMENT.CAPTURE.COMPLETED` with the capture as resource.
    ///
    /// # Panics
    ///
    /// If no order carries `custom_id` = `reference`.
    pub fn settle(&self, reference: &str) -> FakeNotification {
        let mut ledger = lock(&self.shared.ledger);
        let order = find_by_reference(&mut ledger, reference);
        complete(order);
        let resource = capture_resource(order);
        self.issue(&mut ledger, "PAYMENT.CAPTURE.COMPLETED", resource)
    }

    /// A signed delivery of an event with `resource`, as PayPal sends it.
    fn issue(&self, ledger: &mut Ledger, event_type: &str, resource: Value) -> FakeNotification {
        let event = json!({
            "id": format!("WH-{}", random_hex(10).to_uppercase()),
            "event_version": "1.0",
            "create_time": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
            "resource_type": if event_type.starts_with("CHECKOUT") { "checkout-order" } else { "capture" },
            "event_type": event_type,
            "summary": format!("{event_type} (fake)"),
            "resource": resource,
        });
        let body = serde_json::to_vec(&event).expect("JSON");
        let transmission_id = uuid::Uuid::now_v7().to_string();
        let time = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
        let message = format!(
            "{transmission_id}|{time}|{WEBHOOK_ID}|{}",
            crc32fast::hash(&body)
        );
        // A stand-in for the SHA256withRSA signature: only this fake checks it.
        let signature =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(message.as_bytes()));
        ledger.transmissions.insert(
            transmission_id.clone(),
            Transmission {
                signature: signature.clone(),
                event,
            },
        );
        FakeNotification {
            headers: vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("PAYPAL-AUTH-ALGO".to_owned(), "SHA256withRSA".to_owned()),
                (
                    "PAYPAL-CERT-URL".to_owned(),
                    format!("{}/v1/notifications/certs/CERT-FAKE", self.shared.base_url),
                ),
                ("PAYPAL-TRANSMISSION-ID".to_owned(), transmission_id),
                ("PAYPAL-TRANSMISSION-SIG".to_owned(), signature),
                ("PAYPAL-TRANSMISSION-TIME".to_owned(), time),
            ],
            body,
        }
    }

    /// POSTs `notification` to `url`, retrying a non-2xx up to 25 times (PayPal's three days
    /// compressed to milliseconds). Answers the final status (0 when unreachable).
    pub async fn deliver(&self, url: &str, notification: &FakeNotification) -> u16 {
        deliver_with(
            url,
            notification,
            |_, done| done < 25,
            Duration::from_millis(1),
        )
        .await
    }
}

fn find_by_reference<'a>(ledger: &'a mut Ledger, reference: &str) -> &'a mut PaypalOrder {
    ledger
        .orders
        .values_mut()
        .find(|order| order.custom_id.as_deref() == Some(reference))
        .expect("fake PayPal: no order for this reference")
}

fn cents(value: &str) -> Option<i64> {
    let (whole, fraction) = value.split_once('.')?;
    if fraction.len() != 2
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    Some(whole.parse::<i64>().ok()? * 100 + fraction.parse::<i64>().ok()?)
}

fn money(currency_code: &str, cents: i64) -> Value {
    json!({"currency_code": currency_code, "value": format!("{}.{:02}", cents / 100, cents % 100)})
}

fn complete(order: &mut PaypalOrder) {
    order.status = "COMPLETED".to_owned();
    if order.capture.is_none() {
        order.capture = Some(PaypalCapture {
            id: random_hex(8).to_uppercase(),
            status: "COMPLETED".to_owned(),
            amount_cents: cents(&order.value).unwrap_or_default(),
            refunds: Vec::new(),
        });
    }
}

fn capture_resource(order: &PaypalOrder) -> Value {
    let Some(capture) = &order.capture else {
        return Value::Null;
    };
    json!({
        "id": capture.id,
        "status": capture.status,
        "amount": money(&order.currency_code, capture.amount_cents),
        "final_capture": true,
        "custom_id": order.custom_id,
        "supplementary_data": {"related_ids": {"order_id": order.id}},
    })
}

fn order_json(base_url: &str, order: &PaypalOrder) -> Value {
    let mut unit = order
        .request
        .pointer("/purchase_units/0")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if let Some(capture) = &order.capture {
        let refunds: Vec<Value> = capture
            .refunds
            .iter()
            .map(|(id, cents)| json!({"id": id, "status": "COMPLETED", "amount": money(&order.currency_code, *cents)}))
            .collect();
        unit["payments"] = json!({
            "captures": [{
                "id": capture.id,
                "status": capture.status,
                "amount": money(&order.currency_code, capture.amount_cents),
                "final_capture": true,
            }],
            "refunds": refunds,
        });
    }
    if let Some(authorization) = &order.authorization {
        unit["payments"]["authorizations"] = json!([{
            "id": authorization.id,
            "status": authorization.status,
            "amount": money(&order.currency_code, authorization.amount_cents),
        }]);
    }
    let approve_rel = if order.request.get("payment_source").is_some() {
        "payer-action"
    } else {
        "approve"
    };
    json!({
        "id": order.id,
        "intent": order.intent,
        "status": order.status,
        "purchase_units": [unit],
        "links": [
            {"href": format!("{base_url}/v2/checkout/orders/{}", order.id), "rel": "self", "method": "GET"},
            {"href": format!("{base_url}/checkoutnow?token={}", order.id), "rel": approve_rel, "method": "GET"},
        ],
    })
}

fn paypal_error(status: StatusCode, name: &str, issue: &str, description: &str) -> Response {
    (
        status,
        Json(json!({
            "name": name,
            "message": description,
            "details": [{"issue": issue, "description": description}],
        })),
    )
        .into_response()
}

fn bearer_ok(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some(token) =
        header(headers, "authorization").and_then(|value| value.strip_prefix("Bearer "))
    else {
        return false;
    };
    lock(&shared.ledger).tokens.contains(token)
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({
            "name": "AUTHENTICATION_FAILURE",
            "message": "Authentication failed due to invalid authentication credentials or a missing Authorization header.",
        })),
    )
        .into_response()
}

async fn issue_token(ctx: Ctx, headers: HeaderMap, body: Bytes) -> Response {
    let State(shared) = ctx;
    let credentials_ok =
        header(&headers, "authorization") == Some(basic(CLIENT_ID, CLIENT_SECRET).as_str());
    let grant_ok = url::form_urlencoded::parse(&body)
        .any(|(key, value)| key == "grant_type" && value == "client_credentials");
    if !credentials_ok || !grant_ok {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client", "error_description": "Client Authentication failed"})),
        )
            .into_response();
    }
    let token = format!("A21AA{}", random_hex(16));
    let mut ledger = lock(&shared.ledger);
    ledger.tokens.insert(token.clone());
    ledger.token_requests += 1;
    Json(json!({
        "scope": "https://uri.paypal.com/services/payments/payment",
        "access_token": token,
        "token_type": "Bearer",
        "app_id": "APP-FAKE",
        "expires_in": TOKEN_LIFETIME,
        "nonce": random_hex(8),
    }))
    .into_response()
}

fn replayed(shared: &Shared, headers: &HeaderMap, scope: &str) -> Option<Response> {
    let key = format!("{scope}:{}", header(headers, "paypal-request-id")?);
    let ledger = lock(&shared.ledger);
    let (status, body) = ledger.replays.get(&key)?;
    Some((*status, Json(body.clone())).into_response())
}

fn remember(shared: &Shared, headers: &HeaderMap, scope: &str, status: StatusCode, body: &Value) {
    if let Some(request_id) = header(headers, "paypal-request-id") {
        lock(&shared.ledger)
            .replays
            .insert(format!("{scope}:{request_id}"), (status, body.clone()));
    }
}

async fn create_order(ctx: Ctx, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let State(shared) = ctx;
    if !bearer_ok(&shared, &headers) {
        return unauthorized();
    }
    if let Some(answer) = replayed(&shared, &headers, "create") {
        return answer;
    }
    let intent = body
        .get("intent")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !matches!(intent, "CAPTURE" | "AUTHORIZE") {
        return paypal_error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "INVALID_PARAMETER_VALUE",
            "intent must be CAPTURE or AUTHORIZE",
        );
    }
    let amount = body.pointer("/purchase_units/0/amount");
    let currency_code = amount
        .and_then(|a| a.get("currency_code"))
        .and_then(Value::as_str);
    let value = amount.and_then(|a| a.get("value")).and_then(Value::as_str);
    let (Some(currency_code), Some(value)) = (currency_code, value) else {
        return paypal_error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "MISSING_REQUIRED_PARAMETER",
            "purchase_units[0].amount is required",
        );
    };
    if currency_code == "IDR" {
        return paypal_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "UNPROCESSABLE_ENTITY",
            "CURRENCY_NOT_SUPPORTED",
            "Currency code is not currently supported",
        );
    }
    if cents(value).is_none_or(|cents| cents < 1) {
        return paypal_error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "DECIMAL_PRECISION",
            "value must have two decimals and be positive",
        );
    }
    let order = PaypalOrder {
        id: random_hex(8).to_uppercase(),
        intent: intent.to_owned(),
        status: if body.get("payment_source").is_some() {
            "PAYER_ACTION_REQUIRED"
        } else {
            "CREATED"
        }
        .to_owned(),
        custom_id: body
            .pointer("/purchase_units/0/custom_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
        currency_code: currency_code.to_owned(),
        value: value.to_owned(),
        capture: None,
        authorization: None,
        request: body.clone(),
    };
    let answer = order_json(&shared.base_url, &order);
    lock(&shared.ledger).orders.insert(order.id.clone(), order);
    remember(&shared, &headers, "create", StatusCode::CREATED, &answer);
    (StatusCode::CREATED, Json(answer)).into_response()
}

fn order_not_found() -> Response {
    paypal_error(
        StatusCode::NOT_FOUND,
        "RESOURCE_NOT_FOUND",
        "INVALID_RESOURCE_ID",
        "Specified resource ID does not exist.",
    )
}

async fn get_order(ctx: Ctx, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let State(shared) = ctx;
    if !bearer_ok(&shared, &headers) {
        return unauthorized();
    }
    let ledger = lock(&shared.ledger);
    match ledger.orders.get(&id) {
        Some(order) => Json(order_json(&shared.base_url, order)).into_response(),
        None => order_not_found(),
    }
}

async fn capture_order(
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let State(shared) = ctx;
    if !bearer_ok(&shared, &headers) {
        return unauthorized();
    }
    if serde_json::from_slice::<Value>(&body).is_err() {
        return paypal_error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "MALFORMED_REQUEST_JSON",
            "the body must be JSON (an empty object)",
        );
    }
    if let Some(answer) = replayed(&shared, &headers, "capture") {
        return answer;
    }
    let answer = {
        let mut ledger = lock(&shared.ledger);
        let Some(order) = ledger.orders.get_mut(&id) else {
            return order_not_found();
        };
        if order.status != "APPROVED" {
            return paypal_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "UNPROCESSABLE_ENTITY",
                "ORDER_NOT_APPROVED",
                "Payer has not yet approved the Order for payment.",
            );
        }
        complete(order);
        order_json(&shared.base_url, order)
    };
    remember(&shared, &headers, "capture", StatusCode::CREATED, &answer);
    (StatusCode::CREATED, Json(answer)).into_response()
}

async fn refund_capture(
    ctx: Ctx,
    headers: HeaderMap,
    Path(capture_id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let State(shared) = ctx;
    if !bearer_ok(&shared, &headers) {
        return unauthorized();
    }
    if let Some(answer) = replayed(&shared, &headers, "refund") {
        return answer;
    }
    let answer = {
        let mut ledger = lock(&shared.ledger);
        let Some(order) = ledger.orders.values_mut().find(|order| {
            order
                .capture
                .as_ref()
                .is_some_and(|capture| capture.id == capture_id)
        }) else {
            return order_not_found();
        };
        let currency_code = order.currency_code.clone();
        let Some(capture) = order.capture.as_mut() else {
            return order_not_found();
        };
        let refunded: i64 = capture.refunds.iter().map(|(_, cents)| cents).sum();
        let remaining = capture.amount_cents - refunded;
        let requested = match body.pointer("/amount/value").and_then(Value::as_str) {
            Some(value) => cents(value),
            None => Some(remaining),
        };
        let currency_ok = body
            .pointer("/amount/currency_code")
            .and_then(Value::as_str)
            .is_none_or(|code| code == currency_code);
        let Some(amount) =
            requested.filter(|cents| *cents >= 1 && *cents <= remaining && currency_ok)
        else {
            return paypal_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "UNPROCESSABLE_ENTITY",
                "REFUND_AMOUNT_EXCEEDED",
                "The refund amount must be less than or equal to the capture amount that has not yet been refunded.",
            );
        };
        let refund_id = random_hex(8).to_uppercase();
        capture.refunds.push((refund_id.clone(), amount));
        capture.status = if refunded + amount == capture.amount_cents {
            "REFUNDED"
        } else {
            "PARTIALLY_REFUNDED"
        }
        .to_owned();
        json!({"id": refund_id, "status": "COMPLETED", "amount": money(&currency_code, amount)})
    };
    remember(&shared, &headers, "refund", StatusCode::CREATED, &answer);
    (StatusCode::CREATED, Json(answer)).into_response()
}

async fn verify_signature(ctx: Ctx, headers: HeaderMap, body: Bytes) -> Response {
    let State(shared) = ctx;
    if !bearer_ok(&shared, &headers) {
        return unauthorized();
    }
    let text = String::from_utf8_lossy(&body).into_owned();
    let mut ledger = lock(&shared.ledger);
    ledger.verification_requests.push(text);
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return paypal_error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "MALFORMED_REQUEST_JSON",
            "the body must be JSON",
        );
    };
    let field = |name: &str| {
        request
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    let verified = ledger
        .transmissions
        .get(field("transmission_id"))
        .is_some_and(|transmission| {
            transmission.signature == field("transmission_sig")
                && field("webhook_id") == WEBHOOK_ID
                && field("auth_algo") == "SHA256withRSA"
                && request.get("webhook_event") == Some(&transmission.event)
        });
    Json(json!({"verification_status": if verified { "SUCCESS" } else { "FAILURE" }}))
        .into_response()
}

async fn authorize_order(
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let State(shared) = ctx;
    if !bearer_ok(&shared, &headers) {
        return unauthorized();
    }
    if serde_json::from_slice::<Value>(&body).is_err() {
        return paypal_error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "MALFORMED_REQUEST_JSON",
            "the body must be JSON (an empty object)",
        );
    }
    if let Some(answer) = replayed(&shared, &headers, "authorize") {
        return answer;
    }
    let answer = {
        let mut ledger = lock(&shared.ledger);
        let Some(order) = ledger.orders.get_mut(&id) else {
            return order_not_found();
        };
        if order.status != "APPROVED" {
            return paypal_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "UNPROCESSABLE_ENTITY",
                "ORDER_NOT_APPROVED",
                "Payer has not yet approved the Order for payment.",
            );
        }
        if order.intent != "AUTHORIZE" {
            return paypal_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "UNPROCESSABLE_ENTITY",
                "ACTION_DOES_NOT_MATCH_INTENT",
                "Order was created with an intent to 'CAPTURE'. Please use /capture.",
            );
        }
        order.status = "COMPLETED".to_owned();
        order.authorization = Some(PaypalAuthorization {
            id: random_hex(8).to_uppercase(),
            status: "CREATED".to_owned(),
            amount_cents: cents(&order.value).unwrap_or_default(),
        });
        order_json(&shared.base_url, order)
    };
    remember(&shared, &headers, "authorize", StatusCode::CREATED, &answer);
    (StatusCode::CREATED, Json(answer)).into_response()
}

async fn capture_authorization(
    ctx: Ctx,
    headers: HeaderMap,
    Path(authorization_id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let State(shared) = ctx;
    if !bearer_ok(&shared, &headers) {
        return unauthorized();
    }
    if let Some(answer) = replayed(&shared, &headers, "authorization-capture") {
        return answer;
    }
    let answer = {
        let mut ledger = lock(&shared.ledger);
        let Some(order) = ledger.orders.values_mut().find(|order| {
            order
                .authorization
                .as_ref()
                .is_some_and(|authorization| authorization.id == authorization_id)
        }) else {
            return order_not_found();
        };
        let currency_code = order.currency_code.clone();
        let Some(authorization) = order.authorization.as_mut() else {
            return order_not_found();
        };
        if authorization.status != "CREATED" {
            return paypal_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "UNPROCESSABLE_ENTITY",
                "AUTHORIZATION_ALREADY_CAPTURED",
                "Authorization has been previously captured and hence cannot be captured again.",
            );
        }
        let requested = match body.pointer("/amount/value").and_then(Value::as_str) {
            Some(value) => cents(value),
            None => Some(authorization.amount_cents),
        };
        let Some(amount) =
            requested.filter(|cents| *cents >= 1 && *cents <= authorization.amount_cents)
        else {
            return paypal_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "UNPROCESSABLE_ENTITY",
                "MAX_CAPTURE_AMOUNT_EXCEEDED",
                "Capture amount exceeds allowable limit.",
            );
        };
        authorization.status = if amount == authorization.amount_cents {
            "CAPTURED"
        } else {
            "PARTIALLY_CAPTURED"
        }
        .to_owned();
        let capture = PaypalCapture {
            id: random_hex(8).to_uppercase(),
            status: "COMPLETED".to_owned(),
            amount_cents: amount,
            refunds: Vec::new(),
        };
        let answer = json!({"id": capture.id, "status": capture.status, "amount": money(&currency_code, amount), "final_capture": true});
        order.capture = Some(capture);
        answer
    };
    remember(
        &shared,
        &headers,
        "authorization-capture",
        StatusCode::CREATED,
        &answer,
    );
    (StatusCode::CREATED, Json(answer)).into_response()
}
