//! Fake Xendit Invoices: `POST /v2/invoices`, `GET /v2/invoices/{id}`,
//! `POST /invoices/{id}/expire!` and `POST /refunds`, with `Basic base64(secret_key + ":")`
//! checked exactly, `idempotency-key` replays, and callbacks carrying `x-callback-token`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use chrono::{SecondsFormat, Utc};
use serde_json::{Value, json};

use super::{
    FakeNotification, Faults, ServerTask, basic, bind, deliver_with, header, lock, random_hex,
    serve,
};

pub const SECRET_KEY: &str = "xnd_development_fake_secret";
pub const CALLBACK_TOKEN: &str = "fake-callback-verification-token";

/// An invoice as the fake holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct XenditInvoice {
    pub id: String,
    pub external_id: String,
    /// Whole rupiah.
    pub amount: i64,
    /// `PENDING`, `PAID`, `SETTLED`, `EXPIRED`.
    pub status: String,
    pub paid_amount: Option<i64>,
    pub refunded: i64,
    /// The create request body as received.
    pub request: Value,
}

#[derive(Clone)]
pub struct FakeXendit {
    shared: Arc<Shared>,
    _server: Arc<ServerTask>,
}

#[derive(Default)]
struct Ledger {
    invoices: HashMap<String, XenditInvoice>,
    /// Answers by `idempotency-key`.
    replays: HashMap<String, (StatusCode, Value)>,
}

struct Shared {
    base_url: String,
    faults: Arc<Faults>,
    ledger: Mutex<Ledger>,
}

type Ctx = State<Arc<Shared>>;

impl FakeXendit {
    /// # Panics
    ///
    /// If no local port can be bound, or outside a tokio runtime.
    pub async fn start() -> FakeXendit {
        let (listener, base_url) = bind().await;
        let shared = Arc::new(Shared {
            base_url,
            faults: Arc::new(Faults::default()),
            ledger: Mutex::new(Ledger::default()),
        });
        let router = Router::new()
            .route("/v2/invoices", post(create_invoice))
            .route("/v2/invoices/{id}", get(get_invoice))
            .route("/invoices/{id}/expire!", post(expire_invoice))
            .route("/refunds", post(create_refund))
            .with_state(shared.clone());
        let server = serve(listener, router, shared.faults.clone());
        FakeXendit {
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

    /// The invoice with Xendit id `id`.
    pub fn invoice(&self, id: &str) -> Option<XenditInvoice> {
        lock(&self.shared.ledger).invoices.get(id).cloned()
    }

    /// The invoice whose `external_id` is `reference`.
    pub fn invoice_for(&self, reference: &str) -> Option<XenditInvoice> {
        lock(&self.shared.ledger)
            .invoices
            .values()
            .find(|invoice| invoice.external_id == reference)
            .cloned()
    }

    /// The buyer paid the invoice in full: `PAID`, and its callback.
    ///
    /// # Panics
    ///
    /// If no invoice has `external_id` = `reference`.
    pub fn pay(&self, reference: &str) -> FakeNotification {
        self.change(reference, "PAID")
    }

    /// The funds became available: `SETTLED`, and its callback.
    ///
    /// # Panics
    ///
    /// If no invoice has `external_id` = `reference`.
    pub fn settle(&self, reference: &str) -> FakeNotification {
        self.change(reference, "SETTLED")
    }

    /// The invoice lapsed unpaid: `EXPIRED`, and its callback.
    ///
    /// # Panics
    ///
    /// If no invoice has `external_id` = `reference`.
    pub fn expire(&self, reference: &str) -> FakeNotification {
        self.change(reference, "EXPIRED")
    }

    /// POSTs `notification` to `url`, retrying a non-2xx up to six times (Xendit's schedule
    /// compressed to milliseconds). Answers the final status (0 when unreachable).
    pub async fn deliver(&self, url: &str, notification: &FakeNotification) -> u16 {
        deliver_with(
            url,
            notification,
            |_, done| done < 6,
            Duration::from_millis(2),
        )
        .await
    }

    fn change(&self, reference: &str, status: &str) -> FakeNotification {
        let mut ledger = lock(&self.shared.ledger);
        let invoice = ledger
            .invoices
            .values_mut()
            .find(|invoice| invoice.external_id == reference)
            .expect("fake Xendit: no invoice for this reference");
        invoice.status = status.to_owned();
        if status == "PAID" || status == "SETTLED" {
            invoice.paid_amount = Some(invoice.amount);
        }
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        let mut body = json!({
            "id": invoice.id,
            "external_id": invoice.external_id,
            "user_id": "fake-user",
            "is_high": false,
            "status": status,
            "merchant_name": "Toko Fake",
            "amount": invoice.amount,
            "currency": "IDR",
            "created": now,
            "updated": now,
        });
        if let Some(paid) = invoice.paid_amount {
            body["paid_amount"] = json!(paid);
            body["paid_at"] = json!(now);
            body["payment_method"] = json!("BANK_TRANSFER");
            body["payment_channel"] = json!("BCA");
            body["bank_code"] = json!("BCA");
            body["payment_id"] = json!(format!("pay_{}", random_hex(8)));
        }
        FakeNotification {
            headers: vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("x-callback-token".to_owned(), CALLBACK_TOKEN.to_owned()),
            ],
            body: serde_json::to_vec(&body).expect("JSON"),
        }
    }
}

fn xendit_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error_code": code, "message": message})),
    )
        .into_response()
}

fn authorized(headers: &HeaderMap) -> bool {
    header(headers, "authorization") == Some(basic(SECRET_KEY, "").as_str())
}

fn unauthorized() -> Response {
    xendit_error(
        StatusCode::UNAUTHORIZED,
        "INVALID_API_KEY",
        "API key is not authorized for this API service",
    )
}

fn invoice_json(shared: &Shared, invoice: &XenditInvoice) -> Value {
    let mut body = invoice.request.clone();
    body["id"] = json!(invoice.id);
    body["status"] = json!(invoice.status);
    body["user_id"] = json!("fake-user");
    body["merchant_name"] = json!("Toko Fake");
    body["invoice_url"] = json!(format!("{}/web/invoices/{}", shared.base_url, invoice.id));
    if let Some(paid) = invoice.paid_amount {
        body["paid_amount"] = json!(paid);
    }
    body
}

fn replay(ledger: &Ledger, headers: &HeaderMap) -> Option<Response> {
    let key = header(headers, "idempotency-key")?;
    let (status, body) = ledger.replays.get(key)?;
    Some((*status, Json(body.clone())).into_response())
}

async fn create_invoice(ctx: Ctx, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let State(shared) = ctx;
    if !authorized(&headers) {
        return unauthorized();
    }
    let mut ledger = lock(&shared.ledger);
    if let Some(answer) = replay(&ledger, &headers) {
        return answer;
    }
    let Some(external_id) = body.get("external_id").and_then(Value::as_str) else {
        return xendit_error(
            StatusCode::BAD_REQUEST,
            "API_VALIDATION_ERROR",
            "external_id is required",
        );
    };
    let Some(amount) = body
        .get("amount")
        .and_then(Value::as_i64)
        .filter(|a| *a >= 1)
    else {
        return xendit_error(
            StatusCode::BAD_REQUEST,
            "API_VALIDATION_ERROR",
            "amount must be a positive number",
        );
    };
    let invoice = XenditInvoice {
        id: random_hex(12),
        external_id: external_id.to_owned(),
        amount,
        status: "PENDING".to_owned(),
        paid_amount: None,
        refunded: 0,
        request: body.clone(),
    };
    let answer = invoice_json(&shared, &invoice);
    if let Some(key) = header(&headers, "idempotency-key") {
        ledger
            .replays
            .insert(key.to_owned(), (StatusCode::OK, answer.clone()));
    }
    ledger.invoices.insert(invoice.id.clone(), invoice);
    Json(answer).into_response()
}

fn invoice_not_found() -> Response {
    xendit_error(
        StatusCode::NOT_FOUND,
        "INVOICE_NOT_FOUND_ERROR",
        "Could not find invoice",
    )
}

async fn get_invoice(ctx: Ctx, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let State(shared) = ctx;
    if !authorized(&headers) {
        return unauthorized();
    }
    let ledger = lock(&shared.ledger);
    match ledger.invoices.get(&id) {
        Some(invoice) => Json(invoice_json(&shared, invoice)).into_response(),
        None => invoice_not_found(),
    }
}

async fn expire_invoice(ctx: Ctx, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let State(shared) = ctx;
    if !authorized(&headers) {
        return unauthorized();
    }
    let mut ledger = lock(&shared.ledger);
    let Some(invoice) = ledger.invoices.get_mut(&id) else {
        return invoice_not_found();
    };
    if invoice.status != "PENDING" {
        return invoice_not_found();
    }
    invoice.status = "EXPIRED".to_owned();
    let invoice = invoice.clone();
    Json(invoice_json(&shared, &invoice)).into_response()
}

async fn create_refund(ctx: Ctx, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let State(shared) = ctx;
    if !authorized(&headers) {
        return unauthorized();
    }
    let mut ledger = lock(&shared.ledger);
    if let Some(answer) = replay(&ledger, &headers) {
        return answer;
    }
    let Some(key) = header(&headers, "idempotency-key").map(str::to_owned) else {
        return xendit_error(
            StatusCode::BAD_REQUEST,
            "API_VALIDATION_ERROR",
            "idempotency-key is required",
        );
    };
    let invoice_id = body
        .get("invoice_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(invoice) = ledger.invoices.get_mut(invoice_id) else {
        return xendit_error(StatusCode::NOT_FOUND, "DATA_NOT_FOUND", "invoice not found");
    };
    let paid = match invoice.status.as_str() {
        "PAID" | "SETTLED" => invoice.paid_amount.unwrap_or(invoice.amount),
        _ => {
            return xendit_error(
                StatusCode::BAD_REQUEST,
                "INELIGIBLE_TRANSACTION",
                "the invoice is not paid",
            );
        }
    };
    let Some(amount) = body
        .get("amount")
        .and_then(Value::as_i64)
        .filter(|a| *a >= 1)
    else {
        return xendit_error(
            StatusCode::BAD_REQUEST,
            "API_VALIDATION_ERROR",
            "amount is invalid",
        );
    };
    if invoice.refunded + amount > paid {
        return xendit_error(
            StatusCode::BAD_REQUEST,
            "REFUND_AMOUNT_EXCEEDED",
            "the refund exceeds the paid amount",
        );
    }
    invoice.refunded += amount;
    let answer = json!({
        "id": format!("rfd-{}", random_hex(8)),
        "invoice_id": invoice.id,
        "amount": amount,
        "currency": "IDR",
        "status": "SUCCEEDED",
        "reason": body.get("reason"),
        "created": Utc::now().to_rfc3339(),
    });
    ledger.replays.insert(key, (StatusCode::OK, answer.clone()));
    Json(answer).into_response()
}
