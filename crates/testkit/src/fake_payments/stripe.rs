//! Fake Stripe PaymentIntents: `Authorization: Bearer <secret key>`, form-encoded bodies only,
//! an `Idempotency-Key` on every POST (the first answer is replayed for the same key; the same
//! key with other parameters is an `idempotency_error`), and events signed with
//! `Stripe-Signature: t=..,v1=hex(HMAC-SHA256(secret, t + "." + body))`.
//!
//! Stricter than Stripe in one way: a POST without `Idempotency-Key` is refused, so a client
//! that forgets it fails its tests.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::{
    FakeNotification, Faults, ServerTask, bind, deliver_with, header, lock, random_hex, serve,
};

pub const SECRET_KEY: &str = "sk_test_fake_secret";
pub const WEBHOOK_SECRET: &str = "whsec_fake_endpoint_secret";

/// A PaymentIntent as the fake holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct StripeIntent {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    pub capture_method: String,
    pub status: String,
    pub amount_capturable: i64,
    pub amount_received: i64,
    pub amount_refunded: i64,
    pub metadata: BTreeMap<String, String>,
    pub client_secret: String,
    pub charge_id: Option<String>,
    /// The create request's form fields, as received.
    pub form: Vec<(String, String)>,
}

#[derive(Clone)]
pub struct FakeStripe {
    shared: Arc<Shared>,
    _server: Arc<ServerTask>,
}

struct StoredAnswer {
    path: String,
    params: Vec<(String, String)>,
    status: StatusCode,
    body: Value,
}

#[derive(Default)]
struct Ledger {
    intents: HashMap<String, StripeIntent>,
    idempotency: HashMap<String, StoredAnswer>,
    next_id: u64,
}

struct Shared {
    base_url: String,
    faults: Arc<Faults>,
    state: Mutex<Ledger>,
}

type Ctx = State<Arc<Shared>>;

impl FakeStripe {
    /// # Panics
    ///
    /// If no local port can be bound, or outside a tokio runtime.
    pub async fn start() -> FakeStripe {
        let (listener, base_url) = bind().await;
        let shared = Arc::new(Shared {
            base_url,
            faults: Arc::new(Faults::default()),
            state: Mutex::new(Ledger::default()),
        });
        let router = Router::new()
            .route("/v1/payment_intents", post(create_intent))
            .route("/v1/payment_intents/{id}", get(get_intent))
            .route("/v1/payment_intents/{id}/cancel", post(cancel_intent))
            .route("/v1/payment_intents/{id}/capture", post(capture_intent))
            .route("/v1/refunds", post(create_refund))
            .with_state(shared.clone());
        let server = serve(listener, router, shared.faults.clone());
        FakeStripe {
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

    pub fn intent(&self, id: &str) -> Option<StripeIntent> {
        lock(&self.shared.state).intents.get(id).cloned()
    }

    /// The PaymentIntent whose `metadata[payment_id]` is `reference`.
    pub fn intent_for(&self, reference: &str) -> Option<StripeIntent> {
        lock(&self.shared.state)
            .intents
            .values()
            .find(|intent| intent.metadata.get("payment_id").map(String::as_str) == Some(reference))
            .cloned()
    }

    /// The buyer confirmed: an automatic-capture intent succeeds (`payment_intent.succeeded`),
    /// a manual one waits for capture (`payment_intent.amount_capturable_updated`).
    ///
    /// # Panics
    ///
    /// If no intent carries `metadata[payment_id]` = `reference`.
    pub fn settle(&self, reference: &str) -> FakeNotification {
        let mut state = lock(&self.shared.state);
        let intent = find_by_reference(&mut state, reference);
        let event_type = if intent.capture_method == "manual" {
            intent.status = "requires_capture".to_owned();
            intent.amount_capturable = intent.amount;
            "payment_intent.amount_capturable_updated"
        } else {
            intent.status = "succeeded".to_owned();
            intent.amount_received = intent.amount;
            intent.charge_id = Some(format!("ch_{}", random_hex(8)));
            "payment_intent.succeeded"
        };
        let object = intent_json(intent, false);
        drop(state);
        self.event(event_type, object)
    }

    /// The card was declined: `payment_intent.payment_failed`, the intent back to
    /// `requires_payment_method`.
    ///
    /// # Panics
    ///
    /// If no intent carries `metadata[payment_id]` = `reference`.
    pub fn fail(&self, reference: &str) -> FakeNotification {
        let mut state = lock(&self.shared.state);
        let intent = find_by_reference(&mut state, reference);
        intent.status = "requires_payment_method".to_owned();
        let object = intent_json(intent, false);
        drop(state);
        self.event("payment_intent.payment_failed", object)
    }

    /// `charge.refunded` for the intent's charge as it stands (after refunds through the API).
    ///
    /// # Panics
    ///
    /// If no intent carries `metadata[payment_id]` = `reference`, or it has no charge.
    pub fn charge_refunded(&self, reference: &str) -> FakeNotification {
        let mut state = lock(&self.shared.state);
        let intent = find_by_reference(&mut state, reference);
        let charge = charge_json(intent).expect("fake Stripe: the intent has no charge");
        drop(state);
        self.event("charge.refunded", charge)
    }

    /// An event of `event_type` about `object`, signed now.
    pub fn event(&self, event_type: &str, object: Value) -> FakeNotification {
        let now = chrono::Utc::now().timestamp();
        let body = json!({
            "id": format!("evt_{}", random_hex(12)),
            "object": "event",
            "api_version": "2024-06-20",
            "created": now,
            "livemode": false,
            "type": event_type,
            "data": {"object": object},
        });
        let body = serde_json::to_vec(&body).expect("JSON");
        FakeNotification {
            headers: vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("Stripe-Signature".to_owned(), signature_header(&body, now)),
            ],
            body,
        }
    }

    /// POSTs `notification` to `url`, retrying any non-2xx a few times (Stripe retries for
    /// days; compressed to milliseconds here). Answers the final status (0 when unreachable).
    pub async fn deliver(&self, url: &str, notification: &FakeNotification) -> u16 {
        deliver_with(
            url,
            notification,
            |_, done| done < 3,
            Duration::from_millis(2),
        )
        .await
    }
}

/// `t=<timestamp>,v1=hex(HMAC-SHA256(WEBHOOK_SECRET, t + "." + body))`.
pub fn signature_header(body: &[u8], timestamp: i64) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(WEBHOOK_SECRET.as_bytes()).expect("HMAC key");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

fn find_by_reference<'a>(state: &'a mut Ledger, reference: &str) -> &'a mut StripeIntent {
    state
        .intents
        .values_mut()
        .find(|intent| intent.metadata.get("payment_id").map(String::as_str) == Some(reference))
        .expect("fake Stripe: no intent for this reference")
}

fn intent_json(intent: &StripeIntent, expand_charge: bool) -> Value {
    let latest_charge = if expand_charge {
        charge_json(intent).unwrap_or(Value::Null)
    } else {
        json!(intent.charge_id)
    };
    json!({
        "id": intent.id,
        "object": "payment_intent",
        "amount": intent.amount,
        "amount_capturable": intent.amount_capturable,
        "amount_received": intent.amount_received,
        "currency": intent.currency,
        "capture_method": intent.capture_method,
        "client_secret": intent.client_secret,
        "status": intent.status,
        "metadata": intent.metadata,
        "latest_charge": latest_charge,
        "livemode": false,
    })
}

fn charge_json(intent: &StripeIntent) -> Option<Value> {
    let id = intent.charge_id.as_ref()?;
    Some(json!({
        "id": id,
        "object": "charge",
        "amount": intent.amount_received,
        "amount_captured": intent.amount_received,
        "amount_refunded": intent.amount_refunded,
        "refunded": intent.amount_refunded >= intent.amount_received,
        "currency": intent.currency,
        "payment_intent": intent.id,
        "metadata": intent.metadata,
    }))
}

fn stripe_error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"type": kind, "message": message}})),
    )
        .into_response()
}

fn authorized(headers: &HeaderMap) -> bool {
    header(headers, "authorization") == Some(format!("Bearer {SECRET_KEY}").as_str())
}

fn unauthorized() -> Response {
    stripe_error(
        StatusCode::UNAUTHORIZED,
        "invalid_request_error",
        "Invalid API Key provided",
    )
}

/// What every POST goes through: auth, form encoding, `Idempotency-Key` replay. `handle` runs
/// only for a new key and its answer is stored for replays.
fn post_with(
    shared: &Shared,
    headers: &HeaderMap,
    path: &str,
    body: &Bytes,
    handle: impl FnOnce(&mut Ledger, &BTreeMap<String, String>) -> (StatusCode, Value),
) -> Response {
    if !authorized(headers) {
        return unauthorized();
    }
    let form_encoded = header(headers, "content-type")
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    if !form_encoded && !body.is_empty() {
        return stripe_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "Stripe takes application/x-www-form-urlencoded bodies",
        );
    }
    let Some(key) = header(headers, "idempotency-key").map(str::to_owned) else {
        return stripe_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "this fake requires an Idempotency-Key on every POST",
        );
    };
    let mut params: Vec<(String, String)> = url::form_urlencoded::parse(body)
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    params.sort();
    let mut state = lock(&shared.state);
    if let Some(stored) = state.idempotency.get(&key) {
        if stored.path == path && stored.params == params {
            return (
                stored.status,
                [("Idempotent-Replayed", "true")],
                Json(stored.body.clone()),
            )
                .into_response();
        }
        return stripe_error(
            StatusCode::BAD_REQUEST,
            "idempotency_error",
            "Keys for idempotent requests can only be used with the same parameters they were first used with.",
        );
    }
    let fields: BTreeMap<String, String> = params.iter().cloned().collect();
    let (status, answer) = handle(&mut state, &fields);
    state.idempotency.insert(
        key,
        StoredAnswer {
            path: path.to_owned(),
            params,
            status,
            body: answer.clone(),
        },
    );
    (status, Json(answer)).into_response()
}

fn invalid(message: &str) -> (StatusCode, Value) {
    (
        StatusCode::BAD_REQUEST,
        json!({"error": {"type": "invalid_request_error", "message": message}}),
    )
}

async fn create_intent(ctx: Ctx, headers: HeaderMap, body: Bytes) -> Response {
    let State(shared) = ctx;
    {
        post_with(
            &shared,
            &headers,
            "/v1/payment_intents",
            &body,
            |state, fields| {
                let Some(amount) = fields
                    .get("amount")
                    .and_then(|amount| amount.parse::<i64>().ok())
                    .filter(|amount| *amount >= 1)
                else {
                    return invalid("amount must be a positive integer");
                };
                let Some(currency) = fields.get("currency").filter(|c| c.len() == 3) else {
                    return invalid("currency is required");
                };
                let capture_method = fields
                    .get("capture_method")
                    .cloned()
                    .unwrap_or_else(|| "automatic".to_owned());
                if !matches!(capture_method.as_str(), "automatic" | "manual") {
                    return invalid("capture_method must be automatic or manual");
                }
                let metadata: BTreeMap<String, String> = fields
                    .iter()
                    .filter_map(|(key, value)| {
                        let name = key.strip_prefix("metadata[")?.strip_suffix(']')?;
                        Some((name.to_owned(), value.clone()))
                    })
                    .collect();
                state.next_id += 1;
                let id = format!("pi_{}{}", state.next_id, random_hex(8));
                let intent = StripeIntent {
                    client_secret: format!("{id}_secret_{}", random_hex(8)),
                    id: id.clone(),
                    amount,
                    currency: currency.clone(),
                    capture_method,
                    status: "requires_payment_method".to_owned(),
                    amount_capturable: 0,
                    amount_received: 0,
                    amount_refunded: 0,
                    metadata,
                    charge_id: None,
                    form: fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                };
                let answer = intent_json(&intent, false);
                state.intents.insert(id, intent);
                (StatusCode::OK, answer)
            },
        )
    }
}

async fn get_intent(
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let State(shared) = ctx;
    if !authorized(&headers) {
        return unauthorized();
    }
    let expand = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .any(|(key, value)| key == "expand[]" && value == "latest_charge");
    let state = lock(&shared.state);
    match state.intents.get(&id) {
        Some(intent) => Json(intent_json(intent, expand)).into_response(),
        None => stripe_error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "No such payment_intent",
        ),
    }
}

async fn cancel_intent(
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let State(shared) = ctx;
    let path = format!("/v1/payment_intents/{id}/cancel");
    post_with(&shared, &headers, &path, &body, |state, _| {
        let Some(intent) = state.intents.get_mut(&id) else {
            return (
                StatusCode::NOT_FOUND,
                json!({"error": {"type": "invalid_request_error", "message": "No such payment_intent"}}),
            );
        };
        if matches!(intent.status.as_str(), "succeeded" | "canceled") {
            return invalid(&format!(
                "You cannot cancel this PaymentIntent because it has a status of {}.",
                intent.status
            ));
        }
        intent.status = "canceled".to_owned();
        intent.amount_capturable = 0;
        (StatusCode::OK, intent_json(intent, false))
    })
}

async fn capture_intent(
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let State(shared) = ctx;
    let path = format!("/v1/payment_intents/{id}/capture");
    post_with(&shared, &headers, &path, &body, |state, fields| {
        let Some(intent) = state.intents.get_mut(&id) else {
            return (
                StatusCode::NOT_FOUND,
                json!({"error": {"type": "invalid_request_error", "message": "No such payment_intent"}}),
            );
        };
        if intent.status != "requires_capture" {
            return invalid(
                "This PaymentIntent could not be captured because it has a status other than requires_capture.",
            );
        }
        let amount = match fields.get("amount_to_capture") {
            Some(text) => match text.parse::<i64>() {
                Ok(amount) if amount >= 1 && amount <= intent.amount_capturable => amount,
                _ => return invalid("amount_to_capture must be between 1 and amount_capturable"),
            },
            None => intent.amount_capturable,
        };
        intent.amount_received = amount;
        intent.amount_capturable = 0;
        intent.status = "succeeded".to_owned();
        intent.charge_id = Some(format!("ch_{}", random_hex(8)));
        (StatusCode::OK, intent_json(intent, false))
    })
}

async fn create_refund(ctx: Ctx, headers: HeaderMap, body: Bytes) -> Response {
    let State(shared) = ctx;
    post_with(&shared, &headers, "/v1/refunds", &body, |state, fields| {
        let Some(intent) = fields
            .get("payment_intent")
            .and_then(|id| state.intents.get_mut(id))
        else {
            return invalid("No such payment_intent");
        };
        if intent.status != "succeeded" {
            return invalid("This PaymentIntent has no successful charge to refund.");
        }
        let remaining = intent.amount_received - intent.amount_refunded;
        let amount = match fields.get("amount") {
            Some(text) => match text.parse::<i64>() {
                Ok(amount) if amount >= 1 && amount <= remaining => amount,
                _ => {
                    return invalid(
                        "Refund amount is greater than the unrefunded amount on the charge.",
                    );
                }
            },
            None => remaining,
        };
        intent.amount_refunded += amount;
        (
            StatusCode::OK,
            json!({
                "id": format!("re_{}", random_hex(8)),
                "object": "refund",
                "amount": amount,
                "currency": intent.currency,
                "payment_intent": intent.id,
                "charge": intent.charge_id,
                "status": "succeeded",
                "metadata": fields.iter()
                    .filter_map(|(k, v)| Some((k.strip_prefix("metadata[")?.strip_suffix(']')?.to_owned(), v.clone())))
                    .collect::<BTreeMap<_, _>>(),
            }),
        )
    })
}
