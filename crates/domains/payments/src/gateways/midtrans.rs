//! Midtrans: Snap (hosted payment page, [`MidtransSnap`]) and the Core API bank-transfer charge
//! for virtual accounts ([`MidtransVa`]). Both authenticate with `Basic base64(server_key + ":")`
//! and share one notification format, verified by [`verify_notification`].

use axum::http::HeaderMap;
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha512};
use smartseller_contracts::payments::{PaymentMethod, PaymentStatus};
use smartseller_kernel::money::{Currency, Money};

use super::amounts::{self, rupiah_lines};
use super::http::{self, Failure, basic_auth};
use super::{
    CreatePayment, Gateway, GatewayError, GatewayPayment, GatewayRefund, GatewayStatus,
    VerifiedNotification, WebhookError,
};

pub const DEFAULT_SNAP_BASE_URL: &str = "https://app.midtrans.com";
pub const DEFAULT_CORE_BASE_URL: &str = "https://api.midtrans.com";

/// Banks a Midtrans virtual account can be opened at.
pub const VA_BANKS: &[&str] = &["bca", "bni", "bri", "cimb", "permata"];

/// Midtrans item names are cut at 50 characters.
const ITEM_NAME_LIMIT: usize = 50;

/// What the Snap and Core clients share: credentials, hosts and the HTTP client.
#[derive(Clone)]
struct Midtrans {
    server_key: String,
    snap_base_url: String,
    core_base_url: String,
    http: reqwest::Client,
}

impl Midtrans {
    fn new(
        server_key: &str,
        snap_base_url: Option<&str>,
        core_base_url: Option<&str>,
        http: reqwest::Client,
    ) -> Self {
        Self {
            server_key: server_key.to_owned(),
            snap_base_url: trim(snap_base_url.unwrap_or(DEFAULT_SNAP_BASE_URL)),
            core_base_url: trim(core_base_url.unwrap_or(DEFAULT_CORE_BASE_URL)),
            http,
        }
    }

    fn post(&self, url: &str, body: &Value) -> reqwest::RequestBuilder {
        self.http
            .post(url)
            .header("Authorization", basic_auth(&self.server_key, ""))
            .header("Accept", "application/json")
            .json(body)
    }

    fn get(&self, url: &str) -> reqwest::RequestBuilder {
        self.http
            .get(url)
            .header("Authorization", basic_auth(&self.server_key, ""))
            .header("Accept", "application/json")
    }

    fn core(&self, path: &str) -> String {
        format!("{}{path}", self.core_base_url)
    }

    /// Sends to the Core API, which also refuses inside a 200: a body `status_code` of 4xx/5xx
    /// without a `transaction_status` is an error whatever the HTTP status said.
    async fn core_call(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Value, GatewayError> {
        match http::send_raw(build).await {
            Ok(reply) => {
                let code = body_status_code(&reply.body);
                if code >= 400 && reply.body.get("transaction_status").is_none() {
                    return Err(refusal_from_body_code(code, &reply.body));
                }
                Ok(reply.body)
            }
            Err(Failure::Refused(refusal)) => Err(refusal.into_error()),
            Err(Failure::Transport(message)) => Err(GatewayError::Unavailable(message)),
        }
    }

    /// `GET /v2/{order_id}/status`.
    async fn transaction(&self, order_id: &str) -> Result<Value, GatewayError> {
        let url = self.core(&format!("/v2/{}/status", path_segment(order_id)));
        self.core_call(|| self.get(&url)).await
    }

    async fn status(
        &self,
        order_id: &str,
        unknown: PaymentStatus,
    ) -> Result<GatewayStatus, GatewayError> {
        match self.transaction(order_id).await {
            Ok(body) => status_of(body),
            // Snap: nothing exists at Midtrans until the buyer picks a method.
            Err(GatewayError::NotFound) if unknown == PaymentStatus::AwaitingPayment => {
                Ok(GatewayStatus {
                    status: PaymentStatus::AwaitingPayment,
                    captured: None,
                    refunded: None,
                    raw: Value::Null,
                })
            }
            Err(error) => Err(error),
        }
    }

    /// `POST /v2/{id}/cancel`, and `/expire` when Midtrans refuses to cancel (a pending VA or
    /// e-wallet is expired, not cancelled). A Snap payment nobody started is unknown to both:
    /// its token simply lapses at `expires_at`.
    async fn cancel(&self, order_id: &str, snap: bool) -> Result<(), GatewayError> {
        let segment = path_segment(order_id);
        let cancel_url = self.core(&format!("/v2/{segment}/cancel"));
        match self.core_call(|| self.post(&cancel_url, &json!({}))).await {
            Ok(_) => return Ok(()),
            Err(GatewayError::Declined(_) | GatewayError::NotFound) => {}
            Err(error) => return Err(error),
        }
        let expire_url = self.core(&format!("/v2/{segment}/expire"));
        match self.core_call(|| self.post(&expire_url, &json!({}))).await {
            Ok(_) => Ok(()),
            Err(GatewayError::NotFound) if snap => Ok(()),
            Err(error) => Err(error),
        }
    }

    async fn refund(
        &self,
        order_id: &str,
        amount: Money,
        reason: &str,
        idempotency_key: &str,
    ) -> Result<GatewayRefund, GatewayError> {
        let rupiah = rupiah_amount(amount)?;
        let url = self.core(&format!("/v2/{}/refund", path_segment(order_id)));
        let body = json!({"refund_key": idempotency_key, "amount": rupiah, "reason": reason});
        let answer = self.core_call(|| self.post(&url, &body)).await?;
        let refund_reference = answer
            .get("refund_key")
            .and_then(Value::as_str)
            .unwrap_or(idempotency_key)
            .to_owned();
        Ok(GatewayRefund {
            refund_reference,
            status: "succeeded".to_owned(),
        })
    }

    /// Card pre-authorisation capture: `POST /v2/capture {transaction_id, gross_amount}`.
    async fn capture(&self, order_id: &str, amount: Money) -> Result<GatewayStatus, GatewayError> {
        let rupiah = rupiah_amount(amount)?;
        let transaction = self.transaction(order_id).await?;
        let transaction_id = transaction
            .get("transaction_id")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                GatewayError::Declined("Midtrans status without transaction_id".to_owned())
            })?
            .to_owned();
        let url = self.core("/v2/capture");
        let body = json!({"transaction_id": transaction_id, "gross_amount": rupiah});
        let answer = self.core_call(|| self.post(&url, &body)).await?;
        status_of(answer)
    }

    fn verify(&self, raw_body: &[u8]) -> Result<Option<VerifiedNotification>, WebhookError> {
        verify_notification(&self.server_key, raw_body)
    }
}

/// Midtrans Snap: a hosted payment page where the buyer picks VA, e-wallet, QRIS or card.
pub struct MidtransSnap {
    midtrans: Midtrans,
}

impl MidtransSnap {
    pub fn new(
        server_key: &str,
        snap_base_url: Option<&str>,
        core_base_url: Option<&str>,
        http: reqwest::Client,
    ) -> Self {
        Self {
            midtrans: Midtrans::new(server_key, snap_base_url, core_base_url, http),
        }
    }
}

#[async_trait::async_trait]
impl Gateway for MidtransSnap {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Midtrans
    }

    async fn create(&self, request: &CreatePayment) -> Result<GatewayPayment, GatewayError> {
        let mut body = transaction_body(request, Utc::now())?;
        if let Some(url) = &request.return_url {
            body["callbacks"] = json!({"finish": url});
        }
        let url = format!("{}/snap/v1/transactions", self.midtrans.snap_base_url);
        let reply = http::send(|| self.midtrans.post(&url, &body)).await?;
        let token = text(&reply.body, "token")
            .ok_or_else(|| GatewayError::Declined("Snap answered without a token".to_owned()))?;
        let redirect_url = text(&reply.body, "redirect_url");
        Ok(GatewayPayment {
            gateway_reference: token.clone(),
            status: PaymentStatus::AwaitingPayment,
            redirect_url,
            instructions: Some(json!({"snap_token": token})),
        })
    }

    async fn status(&self, reference: &str, _: &str) -> Result<GatewayStatus, GatewayError> {
        self.midtrans
            .status(reference, PaymentStatus::AwaitingPayment)
            .await
    }

    async fn cancel(&self, reference: &str, _: &str) -> Result<(), GatewayError> {
        self.midtrans.cancel(reference, true).await
    }

    async fn capture(
        &self,
        reference: &str,
        _: &str,
        amount: Money,
    ) -> Result<GatewayStatus, GatewayError> {
        self.midtrans.capture(reference, amount).await
    }

    async fn refund(
        &self,
        reference: &str,
        _: &str,
        amount: Money,
        reason: &str,
        idempotency_key: &str,
    ) -> Result<GatewayRefund, GatewayError> {
        self.midtrans
            .refund(reference, amount, reason, idempotency_key)
            .await
    }

    async fn verify_webhook(
        &self,
        _: &HeaderMap,
        raw_body: &[u8],
        _: DateTime<Utc>,
    ) -> Result<Option<VerifiedNotification>, WebhookError> {
        self.midtrans.verify(raw_body)
    }
}

/// A bank virtual account opened through the Midtrans Core API (`bank_transfer` charge).
pub struct MidtransVa {
    midtrans: Midtrans,
}

impl MidtransVa {
    pub fn new(server_key: &str, core_base_url: Option<&str>, http: reqwest::Client) -> Self {
        Self {
            midtrans: Midtrans::new(server_key, None, core_base_url, http),
        }
    }
}

#[async_trait::async_trait]
impl Gateway for MidtransVa {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::VirtualAccount
    }

    async fn create(&self, request: &CreatePayment) -> Result<GatewayPayment, GatewayError> {
        let now = Utc::now();
        let bank = request
            .bank
            .as_deref()
            .map(str::to_ascii_lowercase)
            .ok_or(GatewayError::Unsupported("a virtual account needs a bank"))?;
        if !VA_BANKS.contains(&bank.as_str()) {
            return Err(GatewayError::Unsupported(
                "Midtrans opens virtual accounts at bca, bni, bri, cimb and permata only",
            ));
        }
        let mut body = transaction_body(request, now)?;
        if let Some(object) = body.as_object_mut() {
            object.remove("expiry");
            object.insert(
                "custom_expiry".to_owned(),
                json!({
                    "order_time": midtrans_time(now),
                    "expiry_duration": minutes_until(now, request.expires_at),
                    "unit": "minute",
                }),
            );
            if bank == "permata" {
                object.insert("payment_type".to_owned(), json!("permata"));
            } else {
                object.insert("payment_type".to_owned(), json!("bank_transfer"));
                object.insert("bank_transfer".to_owned(), json!({"bank": bank}));
            }
        }
        let url = self.midtrans.core("/v2/charge");
        let answer = self
            .midtrans
            .core_call(|| self.midtrans.post(&url, &body))
            .await?;
        let transaction_id = text(&answer, "transaction_id").ok_or_else(|| {
            GatewayError::Declined("Midtrans charge without transaction_id".to_owned())
        })?;
        let va_number = answer
            .pointer("/va_numbers/0/va_number")
            .and_then(Value::as_str)
            .or_else(|| answer.get("permata_va_number").and_then(Value::as_str))
            .ok_or_else(|| {
                GatewayError::Declined("Midtrans charge without a VA number".to_owned())
            })?;
        Ok(GatewayPayment {
            gateway_reference: transaction_id,
            status: status_from(&answer).unwrap_or(PaymentStatus::AwaitingPayment),
            redirect_url: None,
            instructions: Some(json!({
                "bank": bank,
                "va_number": va_number,
                "expires_at": request.expires_at.to_rfc3339(),
            })),
        })
    }

    async fn status(&self, reference: &str, _: &str) -> Result<GatewayStatus, GatewayError> {
        self.midtrans
            .status(reference, PaymentStatus::Created)
            .await
    }

    async fn cancel(&self, reference: &str, _: &str) -> Result<(), GatewayError> {
        self.midtrans.cancel(reference, false).await
    }

    async fn capture(&self, _: &str, _: &str, _: Money) -> Result<GatewayStatus, GatewayError> {
        Err(GatewayError::Unsupported(
            "a virtual account is paid in full by the buyer; there is nothing to capture",
        ))
    }

    async fn refund(
        &self,
        reference: &str,
        _: &str,
        amount: Money,
        reason: &str,
        idempotency_key: &str,
    ) -> Result<GatewayRefund, GatewayError> {
        self.midtrans
            .refund(reference, amount, reason, idempotency_key)
            .await
    }

    async fn verify_webhook(
        &self,
        _: &HeaderMap,
        raw_body: &[u8],
        _: DateTime<Utc>,
    ) -> Result<Option<VerifiedNotification>, WebhookError> {
        self.midtrans.verify(raw_body)
    }
}

/// Midtrans: `signature_key = hex(SHA512(order_id + status_code + gross_amount + server_key))`
/// over the exact strings of the notification.
pub fn notification_signature(
    order_id: &str,
    status_code: &str,
    gross_amount: &str,
    server_key: &str,
) -> String {
    let mut digest = Sha512::new();
    digest.update(order_id.as_bytes());
    digest.update(status_code.as_bytes());
    digest.update(gross_amount.as_bytes());
    digest.update(server_key.as_bytes());
    hex::encode(digest.finalize())
}

/// Verifies a Midtrans HTTP notification and maps it (§1.6–1.7 of the integration notes).
pub fn verify_notification(
    server_key: &str,
    raw_body: &[u8],
) -> Result<Option<VerifiedNotification>, WebhookError> {
    // An empty key would let anyone compute a valid signature.
    if server_key.is_empty() {
        return Err(WebhookError::BadSignature);
    }
    // Nothing unsigned is acted on; the JSON is only read to find the signed fields.
    let body: Value = serde_json::from_slice(raw_body).map_err(|_| WebhookError::BadSignature)?;
    let field = |name: &str| body.get(name).and_then(Value::as_str);
    let (Some(order_id), Some(status_code), Some(gross_amount), Some(signature)) = (
        field("order_id"),
        field("status_code"),
        field("gross_amount"),
        field("signature_key"),
    ) else {
        return Err(WebhookError::BadSignature);
    };
    let expected = notification_signature(order_id, status_code, gross_amount, server_key);
    if !http::secrets_match(
        signature.to_ascii_lowercase().as_bytes(),
        expected.as_bytes(),
    ) {
        return Err(WebhookError::BadSignature);
    }

    let Some(status) = status_from(&body) else {
        return Ok(None);
    };
    let currency = field("currency")
        .and_then(|code| Currency::parse(code).ok())
        .unwrap_or(Currency::Idr);
    let amount_text = match status {
        PaymentStatus::Refunded | PaymentStatus::PartiallyRefunded => {
            field("refund_amount").unwrap_or(gross_amount)
        }
        _ => gross_amount,
    };
    let amount = amounts::parse_decimal(amount_text, currency)
        .map_err(|error| WebhookError::Malformed(error.to_string()))?;
    let transaction_id = field("transaction_id")
        .ok_or_else(|| WebhookError::Malformed("no transaction_id".to_owned()))?;
    let transaction_status = field("transaction_status").unwrap_or_default();
    let occurred_at = field("settlement_time")
        .or_else(|| field("transaction_time"))
        .and_then(parse_midtrans_time);
    Ok(Some(VerifiedNotification {
        event_id: format!("{transaction_id}:{transaction_status}:{status_code}"),
        reference: Some(order_id.to_owned()),
        gateway_reference: Some(transaction_id.to_owned()),
        status,
        amount: Some(amount),
        occurred_at,
        raw: body.clone(),
    }))
}

/// The §1.7 table: `transaction_status` with `fraud_status`. `None` for a status we do not know.
pub fn map_status(transaction_status: &str, fraud_status: Option<&str>) -> Option<PaymentStatus> {
    Some(match (transaction_status, fraud_status) {
        ("capture", Some("challenge")) => PaymentStatus::Review,
        ("capture", Some("deny")) => PaymentStatus::Failed,
        ("capture", _) => PaymentStatus::Paid,
        ("settlement", _) => PaymentStatus::Paid,
        ("pending", _) => PaymentStatus::AwaitingPayment,
        ("authorize", _) => PaymentStatus::Authorized,
        ("deny" | "failure", _) => PaymentStatus::Failed,
        ("cancel", _) => PaymentStatus::Cancelled,
        ("expire", _) => PaymentStatus::Expired,
        ("refund", _) => PaymentStatus::Refunded,
        ("partial_refund", _) => PaymentStatus::PartiallyRefunded,
        ("chargeback" | "partial_chargeback", _) => PaymentStatus::Chargeback,
        _ => return None,
    })
}

fn status_from(body: &Value) -> Option<PaymentStatus> {
    let transaction_status = body.get("transaction_status")?.as_str()?;
    map_status(
        transaction_status,
        body.get("fraud_status").and_then(Value::as_str),
    )
}

fn status_of(body: Value) -> Result<GatewayStatus, GatewayError> {
    let status = status_from(&body).ok_or_else(|| {
        GatewayError::Declined(format!(
            "unknown Midtrans transaction_status {}",
            body.get("transaction_status").unwrap_or(&Value::Null)
        ))
    })?;
    let currency = text(&body, "currency")
        .and_then(|code| Currency::parse(&code).ok())
        .unwrap_or(Currency::Idr);
    let money = |name: &str| {
        body.get(name)
            .and_then(|value| amounts::parse_json_amount(value, currency).ok())
    };
    let captured = if status.is_settled() {
        money("gross_amount")
    } else {
        None
    };
    Ok(GatewayStatus {
        status,
        captured,
        refunded: money("refund_amount"),
        raw: body,
    })
}

/// The body both Snap and the Core charge take: transaction, items, customer, expiry.
fn transaction_body(request: &CreatePayment, now: DateTime<Utc>) -> Result<Value, GatewayError> {
    let gross_amount = rupiah_amount(request.amount)?;
    let mut body = json!({
        "transaction_details": {"order_id": request.reference, "gross_amount": gross_amount},
        "customer_details": customer_details(request),
        "expiry": {
            "start_time": midtrans_time(now),
            "unit": "minute",
            "duration": minutes_until(now, request.expires_at),
        },
        "custom_field1": request.order_number,
    });
    if !request.items.is_empty() {
        let lines: Vec<Value> = rupiah_lines(&request.items, gross_amount, ITEM_NAME_LIMIT)
            .into_iter()
            .map(|line| {
                json!({"id": line.id, "name": line.name, "price": line.price, "quantity": line.quantity})
            })
            .collect();
        body["item_details"] = Value::Array(lines);
    }
    Ok(body)
}

fn customer_details(request: &CreatePayment) -> Value {
    let mut customer = json!({"first_name": request.customer.name});
    if let Some(email) = &request.customer.email {
        customer["email"] = json!(email);
    }
    if let Some(phone) = &request.customer.phone {
        customer["phone"] = json!(phone);
    }
    customer
}

fn rupiah_amount(amount: Money) -> Result<i64, GatewayError> {
    if amount.currency != Currency::Idr {
        return Err(GatewayError::Unsupported(
            "this gateway charges in IDR only",
        ));
    }
    amounts::whole_rupiah(amount)
        .map_err(|_| GatewayError::Unsupported("this gateway takes whole rupiah amounts only"))
}

/// Western Indonesia Time, the zone Midtrans writes its times in.
fn wib() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

/// `2024-05-01 10:00:00 +0700`.
fn midtrans_time(time: DateTime<Utc>) -> String {
    time.with_timezone(&wib())
        .format("%Y-%m-%d %H:%M:%S %z")
        .to_string()
}

/// Midtrans notification times (`2024-05-01 10:00:00`) are in WIB.
fn parse_midtrans_time(text: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").ok()?;
    wib()
        .from_local_datetime(&naive)
        .single()
        .map(|time| time.with_timezone(&Utc))
}

/// Whole minutes from `now` to `expires_at`, rounded up, at least one.
fn minutes_until(now: DateTime<Utc>, expires_at: DateTime<Utc>) -> i64 {
    let seconds = (expires_at - now).num_seconds();
    ((seconds + 59) / 60).max(1)
}

fn body_status_code(body: &Value) -> u16 {
    body.get("status_code")
        .and_then(Value::as_str)
        .and_then(|code| code.parse().ok())
        .unwrap_or(200)
}

fn refusal_from_body_code(code: u16, body: &Value) -> GatewayError {
    http::Refusal {
        status: reqwest::StatusCode::from_u16(code).unwrap_or(reqwest::StatusCode::BAD_REQUEST),
        body: body.clone(),
    }
    .into_error()
}

fn text(body: &Value, name: &str) -> Option<String> {
    body.get(name).and_then(Value::as_str).map(str::to_owned)
}

fn trim(url: &str) -> String {
    url.trim_end_matches('/').to_owned()
}

/// Order ids are `[A-Za-z0-9-_~.]`; anything else is percent-encoded so it stays one segment.
fn path_segment(id: &str) -> String {
    id.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'~' | b'.' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use smartseller_contracts::payments::{PaymentCustomer, PaymentItem};

    #[test]
    fn signature_matches_the_documented_example() {
        assert_eq!(
            notification_signature("ORDER-101", "200", "10000.00", "SB-Mid-server-EXAMPLEKEY"),
            "24a47290629ceef087af34377b048743cf5dd0ba2caf0542e6103e8287d75a68454667c5c982d19d70eee63e9fb3fdd8b4e807aac82ebde9ff156e7db8ea24c0"
        );
    }

    #[test]
    fn an_empty_server_key_verifies_nothing() {
        let signature = notification_signature("O-1", "200", "1.00", "");
        let body = json!({"order_id": "O-1", "status_code": "200", "gross_amount": "1.00",
            "signature_key": signature, "transaction_status": "settlement", "transaction_id": "t"});
        assert_eq!(
            verify_notification("", body.to_string().as_bytes()),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn status_table_follows_the_documentation() {
        use PaymentStatus::*;
        let cases = [
            ("capture", Some("accept"), Paid),
            ("capture", Some("challenge"), Review),
            ("capture", None, Paid),
            ("settlement", None, Paid),
            ("settlement", Some("accept"), Paid),
            ("pending", None, AwaitingPayment),
            ("authorize", None, Authorized),
            ("deny", None, Failed),
            ("failure", None, Failed),
            ("cancel", None, Cancelled),
            ("expire", None, Expired),
            ("refund", None, Refunded),
            ("partial_refund", None, PartiallyRefunded),
            ("chargeback", None, Chargeback),
            ("partial_chargeback", None, Chargeback),
        ];
        for (transaction_status, fraud_status, expected) in cases {
            assert_eq!(
                map_status(transaction_status, fraud_status),
                Some(expected),
                "{transaction_status} / {fraud_status:?}"
            );
        }
        assert_eq!(map_status("something_new", None), None);
    }

    fn request(items: Vec<(i64, i64)>, amount: i64) -> CreatePayment {
        CreatePayment {
            reference: "p1".to_owned(),
            order_number: "SO-1".to_owned(),
            amount: Money::new(amount, Currency::Idr),
            items: items
                .into_iter()
                .enumerate()
                .map(|(index, (unit_minor, quantity))| PaymentItem {
                    sku: format!("SKU-{index}"),
                    name: "A name that is much longer than fifty characters, cut by Midtrans"
                        .to_owned(),
                    unit_price: Money::new(unit_minor, Currency::Idr),
                    quantity,
                })
                .collect(),
            customer: PaymentCustomer::default(),
            return_url: None,
            expires_at: Utc::now(),
            idempotency_key: "k".to_owned(),
            bank: None,
            manual_capture: false,
        }
    }

    #[test]
    fn whole_rupiah_items_need_no_adjustment() {
        let lines = rupiah_lines(
            &request(vec![(500_000, 2)], 1_000_000).items,
            10_000,
            ITEM_NAME_LIMIT,
        );
        assert_eq!(lines.len(), 1);
        assert_eq!((lines[0].price, lines[0].quantity), (5_000, 2));
        assert_eq!(lines[0].name.chars().count(), ITEM_NAME_LIMIT);
    }

    #[test]
    fn fractional_rupiah_items_get_an_adjustment_line_that_closes_the_sum() {
        // 3 × Rp 3.333,33 = Rp 9.999,99 listed; gross Rp 10.000.
        let lines = rupiah_lines(
            &request(vec![(333_333, 3)], 1_000_000).items,
            10_000,
            ITEM_NAME_LIMIT,
        );
        let sum: i64 = lines.iter().map(|line| line.price * line.quantity).sum();
        assert_eq!(sum, 10_000);
        let adjustment = lines.last().unwrap();
        assert_eq!(
            (adjustment.name.as_str(), adjustment.price),
            ("Adjustment", 1)
        );
    }

    #[test]
    fn midtrans_times_are_written_and_read_in_wib() {
        let time = Utc.with_ymd_and_hms(2024, 5, 1, 3, 0, 0).unwrap();
        assert_eq!(midtrans_time(time), "2024-05-01 10:00:00 +0700");
        assert_eq!(parse_midtrans_time("2024-05-01 10:00:00"), Some(time));
        assert_eq!(minutes_until(time, time + chrono::Duration::seconds(61)), 2);
        assert_eq!(minutes_until(time, time - chrono::Duration::seconds(61)), 1);
    }

    #[test]
    fn odd_ids_stay_one_path_segment() {
        assert_eq!(path_segment("ORDER-1_a.b~c"), "ORDER-1_a.b~c");
        assert_eq!(path_segment("a/b c"), "a%2Fb%20c");
    }
}
