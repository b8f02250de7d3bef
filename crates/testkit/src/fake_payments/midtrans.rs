//! Fake Midtrans: Snap `POST /snap/v1/transactions` and the Core API (`/v2/charge`,
//! `/v2/{id}/status|cancel|expire|refund`, `/v2/capture`) on one host, with
//! `Basic base64(server_key + ":")` checked exactly and notifications signed with
//! `SHA512(order_id + status_code + gross_amount + server_key)`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use chrono::{FixedOffset, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha512};

use super::{
    FakeNotification, Faults, ServerTask, basic, bind, deliver_with, header, lock, random_hex,
    serve, two_decimals,
};

/// The server key the fake accepts.
pub const SERVER_KEY: &str = "SB-Mid-server-FAKEKEY";
const VA_BANKS: &[&str] = &["bca", "bni", "bri", "cimb", "permata"];

/// A transaction as the fake holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct MidtransTransaction {
    pub order_id: String,
    pub transaction_id: String,
    /// Set for Snap transactions.
    pub snap_token: Option<String>,
    /// Whole rupiah.
    pub gross_amount: i64,
    /// `None` while a Snap buyer has not picked a method.
    pub payment_type: Option<String>,
    /// `None` while a Snap buyer has not picked a method (status answers 404 then).
    pub transaction_status: Option<String>,
    pub fraud_status: Option<String>,
    pub bank: Option<String>,
    pub va_number: Option<String>,
    /// The card's masked number (`481111-1114`) once a card paid.
    pub masked_card: Option<String>,
    /// Whole rupiah refunded so far.
    pub refunded: i64,
    /// Refund answers by `refund_key`, replayed for a repeated key.
    pub refunds: HashMap<String, Value>,
    /// The create request body as received.
    pub request: Value,
}

/// A running fake Midtrans. Clones share the server; it stops with the last clone.
#[derive(Clone)]
pub struct FakeMidtrans {
    shared: Arc<Shared>,
    _server: Arc<ServerTask>,
}

struct Shared {
    base_url: String,
    faults: Arc<Faults>,
    transactions: Mutex<HashMap<String, MidtransTransaction>>,
}

type Ctx = State<Arc<Shared>>;

impl FakeMidtrans {
    /// # Panics
    ///
    /// If no local port can be bound, or outside a tokio runtime.
    pub async fn start() -> FakeMidtrans {
        let (listener, base_url) = bind().await;
        let shared = Arc::new(Shared {
            base_url,
            faults: Arc::new(Faults::default()),
            transactions: Mutex::new(HashMap::new()),
        });
        let router = Router::new()
            .route("/snap/v1/transactions", post(create_snap))
            .route("/v2/charge", post(charge))
            .route("/v2/capture", post(capture))
            .route("/v2/{id}/status", get(status))
            .route("/v2/{id}/cancel", post(cancel))
            .route("/v2/{id}/expire", post(expire_call))
            .route("/v2/{id}/refund", post(refund))
            .with_state(shared.clone());
        let server = serve(listener, router, shared.faults.clone());
        FakeMidtrans {
            shared,
            _server: Arc::new(server),
        }
    }

    /// `http://127.0.0.1:PORT`: both the Snap and the Core API base URL.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The next `count` requests answer `status` (429 with `Retry-After: 1`).
    pub fn fail_next(&self, count: u32, status: u16) {
        self.shared.faults.fail_next(count, status);
    }

    /// Requests received so far.
    pub fn requests(&self) -> usize {
        self.shared.faults.requests()
    }

    /// The transaction for `order_id`.
    pub fn transaction(&self, order_id: &str) -> Option<MidtransTransaction> {
        lock(&self.shared.transactions).get(order_id).cloned()
    }

    /// The buyer paid (a VA transfer for a Snap payment that had no method yet): the
    /// transaction settles, and the `settlement` notification is returned.
    ///
    /// # Panics
    ///
    /// If the fake has no transaction `order_id`.
    pub fn settle(&self, order_id: &str) -> FakeNotification {
        self.change(order_id, |transaction| {
            transaction
                .payment_type
                .get_or_insert_with(|| "bank_transfer".to_owned());
            transaction.transaction_status = Some("settlement".to_owned());
            transaction.fraud_status = Some("accept".to_owned());
        })
    }

    /// The payment window lapsed.
    ///
    /// # Panics
    ///
    /// If the fake has no transaction `order_id`.
    pub fn expire(&self, order_id: &str) -> FakeNotification {
        self.change(order_id, |transaction| {
            transaction
                .payment_type
                .get_or_insert_with(|| "bank_transfer".to_owned());
            transaction.transaction_status = Some("expire".to_owned());
        })
    }

    /// The buyer paid by card with a pre-authorisation: the transaction is `authorize`.
    ///
    /// # Panics
    ///
    /// If the fake has no transaction `order_id`.
    pub fn authorize_card(&self, order_id: &str) -> FakeNotification {
        self.change(order_id, |transaction| {
            transaction.payment_type = Some("credit_card".to_owned());
            transaction.transaction_status = Some("authorize".to_owned());
            transaction.fraud_status = Some("accept".to_owned());
        })
    }

    /// The buyer paid by card (`masked_card`, e.g. `481111-1114`) and it was captured at once:
    /// the transaction is `capture`, accepted by the fraud screen.
    ///
    /// # Panics
    ///
    /// If the fake has no transaction `order_id`.
    pub fn capture_card(&self, order_id: &str, masked_card: &str) -> FakeNotification {
        self.change(order_id, |transaction| {
            transaction.payment_type = Some("credit_card".to_owned());
            transaction.transaction_status = Some("capture".to_owned());
            transaction.fraud_status = Some("accept".to_owned());
            transaction.masked_card = Some(masked_card.to_owned());
        })
    }

    /// The buyer picked a method in Snap and the payment is now `pending`.
    ///
    /// # Panics
    ///
    /// If the fake has no transaction `order_id`.
    pub fn pick_bank_transfer(&self, order_id: &str) -> FakeNotification {
        self.change(order_id, |transaction| {
            transaction.payment_type = Some("bank_transfer".to_owned());
            transaction.transaction_status = Some("pending".to_owned());
        })
    }

    /// The notification Midtrans would send for the transaction as it stands.
    ///
    /// # Panics
    ///
    /// If the fake has no transaction `order_id`.
    pub fn notification(&self, order_id: &str) -> FakeNotification {
        let transactions = lock(&self.shared.transactions);
        let transaction = transactions
            .get(order_id)
            .expect("fake Midtrans: unknown order_id");
        notification_for(transaction)
    }

    /// POSTs `notification` to `url` the way Midtrans retries: by the answer, 500 once, 503
    /// four times, 400/404 twice, 301–303 never, anything else five times. Answers the final
    /// status (0 when unreachable).
    pub async fn deliver(&self, url: &str, notification: &FakeNotification) -> u16 {
        deliver_with(
            url,
            notification,
            |status, done| {
                let allowed = match status {
                    500 => 1,
                    503 => 4,
                    400 | 404 => 2,
                    301..=303 => 0,
                    _ => 5,
                };
                done < allowed
            },
            Duration::from_millis(2),
        )
        .await
    }

    fn change(
        &self,
        order_id: &str,
        apply: impl FnOnce(&mut MidtransTransaction),
    ) -> FakeNotification {
        let mut transactions = lock(&self.shared.transactions);
        let transaction = transactions
            .get_mut(order_id)
            .expect("fake Midtrans: unknown order_id");
        apply(transaction);
        notification_for(transaction)
    }
}

/// Midtrans: `status_code` 200 success, 201 pending/challenge, 202 denied/expired/cancelled.
fn status_code_of(transaction: &MidtransTransaction) -> &'static str {
    match (
        transaction.transaction_status.as_deref(),
        transaction.fraud_status.as_deref(),
    ) {
        (Some("pending"), _) | (Some("capture"), Some("challenge")) => "201",
        (Some("deny" | "cancel" | "expire" | "failure"), _) => "202",
        _ => "200",
    }
}

/// `hex(SHA512(order_id + status_code + gross_amount + server_key))`.
pub fn signature(
    order_id: &str,
    status_code: &str,
    gross_amount: &str,
    server_key: &str,
) -> String {
    hex::encode(Sha512::digest(
        format!("{order_id}{status_code}{gross_amount}{server_key}").as_bytes(),
    ))
}

fn wib_now() -> String {
    let wib = FixedOffset::east_opt(7 * 3600).expect("UTC+7");
    Utc::now()
        .with_timezone(&wib)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn transaction_json(transaction: &MidtransTransaction) -> Value {
    let mut body = json!({
        "status_code": status_code_of(transaction),
        "status_message": "Success, transaction is found",
        "transaction_id": transaction.transaction_id,
        "order_id": transaction.order_id,
        "gross_amount": two_decimals(transaction.gross_amount),
        "currency": "IDR",
        "payment_type": transaction.payment_type,
        "transaction_time": wib_now(),
        "transaction_status": transaction.transaction_status,
        "fraud_status": transaction.fraud_status,
        "merchant_id": "G000000000",
    });
    if let (Some(bank), Some(va_number)) = (&transaction.bank, &transaction.va_number) {
        if bank == "permata" {
            body["permata_va_number"] = json!(va_number);
        } else {
            body["va_numbers"] = json!([{"bank": bank, "va_number": va_number}]);
        }
    }
    if let Some(masked_card) = &transaction.masked_card {
        body["masked_card"] = json!(masked_card);
        body["card_type"] = json!("credit");
    }
    if transaction.refunded > 0 {
        body["refund_amount"] = json!(two_decimals(transaction.refunded));
    }
    body
}

fn notification_for(transaction: &MidtransTransaction) -> FakeNotification {
    let mut body = transaction_json(transaction);
    let status_code = status_code_of(transaction);
    let gross_amount = two_decimals(transaction.gross_amount);
    body["status_message"] = json!("midtrans payment notification");
    body["signature_key"] = json!(signature(
        &transaction.order_id,
        status_code,
        &gross_amount,
        SERVER_KEY
    ));
    if transaction.transaction_status.as_deref() == Some("settlement") {
        body["settlement_time"] = json!(wib_now());
    }
    FakeNotification {
        headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
        body: serde_json::to_vec(&body).expect("JSON"),
    }
}

fn authorized(headers: &HeaderMap) -> bool {
    header(headers, "authorization") == Some(basic(SERVER_KEY, "").as_str())
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({
            "status_code": "401",
            "status_message": "Access denied due to unauthorized transaction, please check client or server key",
            "error_messages": ["Access denied due to unauthorized transaction, please check client or server key"],
        })),
    )
        .into_response()
}

fn core_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"status_code": status.as_str(), "status_message": message})),
    )
        .into_response()
}

fn snap_error(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error_messages": [message]})),
    )
        .into_response()
}

/// Checks what Snap and the Core charge both check: a valid unique `order_id`, an integer
/// `gross_amount`, and items that sum to it. Answers `(order_id, gross_amount)`.
fn validate(shared: &Shared, body: &Value) -> Result<(String, i64), String> {
    let order_id = body
        .pointer("/transaction_details/order_id")
        .and_then(Value::as_str)
        .ok_or("transaction_details.order_id is required")?;
    let valid_chars = order_id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '~' | '.'));
    if order_id.is_empty() || order_id.len() > 50 || !valid_chars {
        return Err("transaction_details.order_id format is invalid".to_owned());
    }
    let gross_amount = body
        .pointer("/transaction_details/gross_amount")
        .and_then(Value::as_i64)
        .filter(|amount| *amount > 0)
        .ok_or("transaction_details.gross_amount must be a positive integer")?;
    if let Some(items) = body.get("item_details") {
        let items = items.as_array().ok_or("item_details must be an array")?;
        let mut sum: i64 = 0;
        for item in items {
            let price = item.get("price").and_then(Value::as_i64);
            let quantity = item.get("quantity").and_then(Value::as_i64);
            let (Some(price), Some(quantity)) = (price, quantity) else {
                return Err("item_details price and quantity must be integers".to_owned());
            };
            if quantity < 1 {
                return Err("item_details quantity must be at least 1".to_owned());
            }
            sum += price * quantity;
        }
        if sum != gross_amount {
            return Err(
                "transaction_details.gross_amount is not equal to the sum of item_details"
                    .to_owned(),
            );
        }
    }
    if lock(&shared.transactions).contains_key(order_id) {
        return Err("transaction_details.order_id sudah digunakan".to_owned());
    }
    Ok((order_id.to_owned(), gross_amount))
}

async fn create_snap(ctx: Ctx, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let State(shared) = ctx;
    if !authorized(&headers) {
        return unauthorized();
    }
    let (order_id, gross_amount) = match validate(&shared, &body) {
        Ok(valid) => valid,
        Err(message) => return snap_error(&message),
    };
    let token = format!("{}-{}", random_hex(8), random_hex(4));
    let transaction = MidtransTransaction {
        masked_card: None,
        order_id: order_id.clone(),
        transaction_id: uuid::Uuid::now_v7().to_string(),
        snap_token: Some(token.clone()),
        gross_amount,
        payment_type: None,
        transaction_status: None,
        fraud_status: None,
        bank: None,
        va_number: None,
        refunded: 0,
        refunds: HashMap::new(),
        request: body,
    };
    lock(&shared.transactions).insert(order_id, transaction);
    (
        StatusCode::CREATED,
        Json(json!({
            "token": token,
            "redirect_url": format!("{}/snap/v4/redirection/{token}", shared.base_url),
        })),
    )
        .into_response()
}

async fn charge(ctx: Ctx, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let State(shared) = ctx;
    if !authorized(&headers) {
        return unauthorized();
    }
    let (order_id, gross_amount) = match validate(&shared, &body) {
        Ok(valid) => valid,
        Err(message) if message.contains("sudah digunakan") => {
            return core_error(StatusCode::NOT_ACCEPTABLE, &message);
        }
        Err(message) => return core_error(StatusCode::BAD_REQUEST, &message),
    };
    let bank = match body.get("payment_type").and_then(Value::as_str) {
        Some("permata") => "permata".to_owned(),
        Some("bank_transfer") => {
            match body.pointer("/bank_transfer/bank").and_then(Value::as_str) {
                Some(bank) if VA_BANKS.contains(&bank) && bank != "permata" => bank.to_owned(),
                Some("permata") => "permata".to_owned(),
                _ => return core_error(StatusCode::BAD_REQUEST, "bank_transfer.bank is invalid"),
            }
        }
        _ => return core_error(StatusCode::BAD_REQUEST, "payment_type is not supported"),
    };
    let va_number = format!(
        "{}{:010}",
        match bank.as_str() {
            "bca" => "12345",
            "bni" => "98881",
            "bri" => "77777",
            "cimb" => "42424",
            _ => "87654",
        },
        rand::random::<u32>()
    );
    let transaction = MidtransTransaction {
        masked_card: None,
        order_id: order_id.clone(),
        transaction_id: uuid::Uuid::now_v7().to_string(),
        snap_token: None,
        gross_amount,
        payment_type: Some(if bank == "permata" {
            "permata".to_owned()
        } else {
            "bank_transfer".to_owned()
        }),
        transaction_status: Some("pending".to_owned()),
        fraud_status: Some("accept".to_owned()),
        bank: Some(bank),
        va_number: Some(va_number),
        refunded: 0,
        refunds: HashMap::new(),
        request: body,
    };
    let mut answer = transaction_json(&transaction);
    answer["status_message"] = json!("Success, Bank Transfer transaction is created");
    lock(&shared.transactions).insert(order_id, transaction);
    Json(answer).into_response()
}

fn find<'a>(
    transactions: &'a mut HashMap<String, MidtransTransaction>,
    id: &str,
) -> Option<&'a mut MidtransTransaction> {
    if transactions.contains_key(id) {
        return transactions.get_mut(id);
    }
    transactions
        .values_mut()
        .find(|transaction| transaction.transaction_id == id)
}

fn not_found() -> Response {
    core_error(StatusCode::NOT_FOUND, "Transaction doesn't exist.")
}

async fn status(ctx: Ctx, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let State(shared) = ctx;
    if !authorized(&headers) {
        return unauthorized();
    }
    let mut transactions = lock(&shared.transactions);
    match find(&mut transactions, &id) {
        Some(transaction) if transaction.transaction_status.is_some() => {
            let mut body = transaction_json(transaction);
            // Midtrans answers an expired transaction's status with status_code 407.
            if transaction.transaction_status.as_deref() == Some("expire") {
                body["status_code"] = json!("407");
                body["status_message"] = json!("Success, transaction is found");
            }
            Json(body).into_response()
        }
        _ => not_found(),
    }
}

fn modify(shared: &Shared, id: &str, allowed: &[&str], new_status: &str) -> Response {
    let mut transactions = lock(&shared.transactions);
    let Some(transaction) = find(&mut transactions, id) else {
        return not_found();
    };
    let current = transaction.transaction_status.as_deref().unwrap_or("none");
    if !allowed.contains(&current) {
        return core_error(
            StatusCode::PRECONDITION_FAILED,
            "Merchant cannot modify the status of the transaction",
        );
    }
    transaction.transaction_status = Some(new_status.to_owned());
    let mut body = transaction_json(transaction);
    body["status_code"] = json!("200");
    Json(body).into_response()
}

async fn cancel(ctx: Ctx, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let State(shared) = ctx;
    if !authorized(&headers) {
        return unauthorized();
    }
    // Card authorisations and challenged captures can be cancelled; a pending VA is expired.
    modify(&shared, &id, &["authorize", "capture"], "cancel")
}

async fn expire_call(ctx: Ctx, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let State(shared) = ctx;
    if !authorized(&headers) {
        return unauthorized();
    }
    modify(&shared, &id, &["pending", "none"], "expire")
}

async fn refund(
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let State(shared) = ctx;
    if !authorized(&headers) {
        return unauthorized();
    }
    let Some(amount) = body
        .get("amount")
        .and_then(Value::as_i64)
        .filter(|a| *a > 0)
    else {
        return core_error(StatusCode::BAD_REQUEST, "amount must be a positive integer");
    };
    let key = body
        .get("refund_key")
        .and_then(Value::as_str)
        .map_or_else(|| random_hex(8), str::to_owned);
    let mut transactions = lock(&shared.transactions);
    let Some(transaction) = find(&mut transactions, &id) else {
        return not_found();
    };
    if let Some(previous) = transaction.refunds.get(&key) {
        return Json(previous.clone()).into_response();
    }
    let refundable = matches!(
        transaction.transaction_status.as_deref(),
        Some("settlement" | "capture" | "partial_refund")
    );
    if !refundable {
        return core_error(
            StatusCode::PRECONDITION_FAILED,
            "Transaction status cannot be updated",
        );
    }
    if transaction.refunded + amount > transaction.gross_amount {
        return core_error(
            StatusCode::PRECONDITION_FAILED,
            "Refund amount exceeds the remaining amount",
        );
    }
    transaction.refunded += amount;
    let new_status = if transaction.refunded == transaction.gross_amount {
        "refund"
    } else {
        "partial_refund"
    };
    transaction.transaction_status = Some(new_status.to_owned());
    let answer = json!({
        "status_code": "200",
        "status_message": "Success, refund request is approved",
        "transaction_id": transaction.transaction_id,
        "order_id": transaction.order_id,
        "gross_amount": two_decimals(transaction.gross_amount),
        "currency": "IDR",
        "payment_type": transaction.payment_type,
        "transaction_status": new_status,
        "refund_chargeback_id": rand::random::<u32>(),
        "refund_amount": two_decimals(amount),
        "refund_key": key,
    });
    transaction.refunds.insert(key, answer.clone());
    Json(answer).into_response()
}

async fn capture(ctx: Ctx, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let State(shared) = ctx;
    if !authorized(&headers) {
        return unauthorized();
    }
    let (Some(transaction_id), Some(amount)) = (
        body.get("transaction_id").and_then(Value::as_str),
        body.get("gross_amount").and_then(Value::as_i64),
    ) else {
        return core_error(
            StatusCode::BAD_REQUEST,
            "transaction_id and gross_amount are required",
        );
    };
    let mut transactions = lock(&shared.transactions);
    let Some(transaction) = find(&mut transactions, transaction_id) else {
        return not_found();
    };
    if transaction.transaction_status.as_deref() != Some("authorize") {
        return core_error(
            StatusCode::PRECONDITION_FAILED,
            "Transaction status cannot be updated",
        );
    }
    if amount < 1 || amount > transaction.gross_amount {
        return core_error(StatusCode::BAD_REQUEST, "gross_amount is invalid");
    }
    transaction.gross_amount = amount;
    transaction.transaction_status = Some("capture".to_owned());
    transaction.fraud_status = Some("accept".to_owned());
    let mut answer = transaction_json(transaction);
    answer["status_message"] = json!("Success, Credit Card capture transaction is successful");
    Json(answer).into_response()
}
