//! Xendit Invoices: a hosted checkout (VA, e-wallet, QRIS, retail outlets, cards) opened with
//! `POST /v2/invoices` and `Basic base64(secret_key + ":")`. Callbacks carry the static
//! `x-callback-token` from the dashboard.

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use smartseller_contracts::payments::{PaymentMethod, PaymentStatus};
use smartseller_kernel::money::{Currency, Money};

use super::amounts::{self, rupiah_lines};
use super::http::{self, basic_auth};
use super::{
    CreatePayment, Gateway, GatewayError, GatewayPayment, GatewayRefund, GatewayStatus,
    VerifiedNotification, WebhookError,
};

pub const DEFAULT_BASE_URL: &str = "https://api.xendit.co";
/// Item names are cut to keep invoices readable; Xendit documents no hard limit.
const XENDIT_ITEM_NAME_LIMIT: usize = 255;

pub struct XenditInvoice {
    secret_key: String,
    callback_token: String,
    base_url: String,
    http: reqwest::Client,
}

impl XenditInvoice {
    pub fn new(
        secret_key: &str,
        callback_token: &str,
        base_url: Option<&str>,
        http: reqwest::Client,
    ) -> Self {
        Self {
            secret_key: secret_key.to_owned(),
            callback_token: callback_token.to_owned(),
            base_url: base_url
                .unwrap_or(DEFAULT_BASE_URL)
                .trim_end_matches('/')
                .to_owned(),
            http,
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base_url))
            .header("Authorization", basic_auth(&self.secret_key, ""))
    }
}

#[async_trait::async_trait]
impl Gateway for XenditInvoice {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Xendit
    }

    async fn create(&self, request: &CreatePayment) -> Result<GatewayPayment, GatewayError> {
        let amount = rupiah(request.amount)?;
        let duration = (request.expires_at - Utc::now()).num_seconds().max(1);
        let mut customer = json!({"given_names": request.customer.name});
        if let Some(email) = &request.customer.email {
            customer["email"] = json!(email);
        }
        if let Some(phone) = &request.customer.phone {
            customer["mobile_number"] = json!(phone);
        }
        let items: Vec<Value> = rupiah_lines(&request.items, amount, XENDIT_ITEM_NAME_LIMIT)
            .into_iter()
            .map(|line| json!({"name": line.name, "quantity": line.quantity, "price": line.price}))
            .collect();
        let mut body = json!({
            "external_id": request.reference,
            "amount": amount,
            "currency": "IDR",
            "description": format!("Order {}", request.order_number),
            "invoice_duration": duration,
            "customer": customer,
        });
        if !request.items.is_empty() {
            body["items"] = Value::Array(items);
        }
        if let Some(email) = &request.customer.email {
            body["payer_email"] = json!(email);
        }
        if let Some(url) = &request.return_url {
            body["success_redirect_url"] = json!(url);
            body["failure_redirect_url"] = json!(url);
        }
        let reply = http::send(|| {
            self.request(reqwest::Method::POST, "/v2/invoices")
                .header("idempotency-key", &request.idempotency_key)
                .json(&body)
        })
        .await?;
        let invoice = reply.body;
        let id = string(&invoice, "id")
            .ok_or_else(|| GatewayError::Declined("invoice without an id".to_owned()))?;
        Ok(GatewayPayment {
            gateway_reference: id,
            status: invoice_status(&invoice).unwrap_or(PaymentStatus::AwaitingPayment),
            redirect_url: string(&invoice, "invoice_url"),
            instructions: None,
        })
    }

    async fn status(
        &self,
        _: &str,
        gateway_reference: &str,
    ) -> Result<GatewayStatus, GatewayError> {
        let path = format!("/v2/invoices/{}", http::id_segment(gateway_reference)?);
        let invoice = http::send(|| self.request(reqwest::Method::GET, &path))
            .await?
            .body;
        let status = invoice_status(&invoice).ok_or_else(|| {
            GatewayError::Declined(format!(
                "unknown invoice status {}",
                invoice.get("status").unwrap_or(&Value::Null)
            ))
        })?;
        let captured = if status.is_settled() {
            invoice
                .get("paid_amount")
                .or_else(|| invoice.get("amount"))
                .and_then(|value| amounts::parse_json_amount(value, Currency::Idr).ok())
        } else {
            None
        };
        Ok(GatewayStatus {
            status,
            captured,
            refunded: None,
            raw: invoice,
        })
    }

    async fn cancel(&self, _: &str, gateway_reference: &str) -> Result<(), GatewayError> {
        // Xendit: the path really ends in `expire!`.
        let path = format!("/invoices/{}/expire!", http::id_segment(gateway_reference)?);
        http::send(|| self.request(reqwest::Method::POST, &path))
            .await
            .map(|_| ())
    }

    async fn capture(&self, _: &str, _: &str, _: Money) -> Result<GatewayStatus, GatewayError> {
        Err(GatewayError::Unsupported(
            "a Xendit invoice is paid in full by the buyer; there is nothing to capture",
        ))
    }

    /// `POST /refunds {invoice_id, amount, reason}` with `idempotency-key` — the shape for
    /// invoice refunds is unconfirmed (see docs/payments-gateways.md).
    async fn refund(
        &self,
        _: &str,
        gateway_reference: &str,
        amount: Money,
        reason: &str,
        idempotency_key: &str,
    ) -> Result<GatewayRefund, GatewayError> {
        let body =
            json!({"invoice_id": gateway_reference, "amount": rupiah(amount)?, "reason": reason});
        let refund = http::send(|| {
            self.request(reqwest::Method::POST, "/refunds")
                .header("idempotency-key", idempotency_key)
                .json(&body)
        })
        .await?
        .body;
        let refund_reference = string(&refund, "id")
            .ok_or_else(|| GatewayError::Declined("refund without an id".to_owned()))?;
        let status = match refund.get("status").and_then(Value::as_str) {
            Some("SUCCEEDED") => "succeeded",
            _ => "pending",
        };
        Ok(GatewayRefund {
            refund_reference,
            status: status.to_owned(),
        })
    }

    async fn verify_webhook(
        &self,
        headers: &HeaderMap,
        raw_body: &[u8],
        _: DateTime<Utc>,
    ) -> Result<Option<VerifiedNotification>, WebhookError> {
        let token = http::header(headers, "x-callback-token").ok_or(WebhookError::BadSignature)?;
        // An empty configured token would accept an empty header.
        if self.callback_token.is_empty()
            || !http::secrets_match(token.as_bytes(), self.callback_token.as_bytes())
        {
            return Err(WebhookError::BadSignature);
        }
        let body: Value = serde_json::from_slice(raw_body)
            .map_err(|error| WebhookError::Malformed(error.to_string()))?;
        map_callback(body)
    }
}

/// Invoice callbacks (`{id, external_id, status, paid_amount, ...}`) and Payments API v3 events
/// (`{event, data: {payment_request_id, reference_id, ...}}`). `None` for events we do not act on.
pub fn map_callback(body: Value) -> Result<Option<VerifiedNotification>, WebhookError> {
    let malformed = |what: &str| WebhookError::Malformed(what.to_owned());
    if let Some(event) = body.get("event").and_then(Value::as_str) {
        let status = match event {
            "payment.capture" => PaymentStatus::Paid,
            "payment.authorization" => PaymentStatus::Authorized,
            "payment.failure" => PaymentStatus::Failed,
            "payment_request.expiry" => PaymentStatus::Expired,
            _ => return Ok(None),
        };
        let data = body
            .get("data")
            .ok_or_else(|| malformed("event without data"))?;
        let id = string(data, "payment_id")
            .or_else(|| string(data, "payment_request_id"))
            .ok_or_else(|| malformed("event without a payment id"))?;
        let currency = data
            .get("currency")
            .and_then(Value::as_str)
            .and_then(|code| Currency::parse(code).ok())
            .unwrap_or(Currency::Idr);
        let amount = data
            .get("request_amount")
            .map(|value| amounts::parse_json_amount(value, currency))
            .transpose()
            .map_err(|error| WebhookError::Malformed(error.to_string()))?;
        return Ok(Some(VerifiedNotification {
            event_id: format!("{id}:{event}"),
            reference: string(data, "reference_id"),
            gateway_reference: string(data, "payment_request_id"),
            status,
            amount,
            occurred_at: timestamp(&body, "created"),
            raw: body,
        }));
    }

    let id = string(&body, "id").ok_or_else(|| malformed("callback without id"))?;
    let status_text =
        string(&body, "status").ok_or_else(|| malformed("callback without status"))?;
    let Some(status) = map_invoice_status(&status_text) else {
        return Ok(None);
    };
    let amount = body
        .get("paid_amount")
        .or_else(|| body.get("amount"))
        .map(|value| amounts::parse_json_amount(value, Currency::Idr))
        .transpose()
        .map_err(|error| WebhookError::Malformed(error.to_string()))?;
    Ok(Some(VerifiedNotification {
        event_id: format!("{id}:{status_text}"),
        reference: string(&body, "external_id"),
        gateway_reference: Some(id),
        status,
        amount,
        occurred_at: timestamp(&body, "paid_at").or_else(|| timestamp(&body, "updated")),
        raw: body,
    }))
}

/// Invoice statuses: `PENDING` → awaiting, `PAID`/`SETTLED` → paid (`SETTLED` = funds
/// available), `EXPIRED` → expired.
pub fn map_invoice_status(status: &str) -> Option<PaymentStatus> {
    Some(match status {
        "PENDING" => PaymentStatus::AwaitingPayment,
        "PAID" | "SETTLED" => PaymentStatus::Paid,
        "EXPIRED" => PaymentStatus::Expired,
        _ => return None,
    })
}

fn invoice_status(invoice: &Value) -> Option<PaymentStatus> {
    map_invoice_status(invoice.get("status")?.as_str()?)
}

fn rupiah(amount: Money) -> Result<i64, GatewayError> {
    if amount.currency != Currency::Idr {
        return Err(GatewayError::Unsupported("Xendit invoices are in IDR only"));
    }
    amounts::whole_rupiah(amount)
        .map_err(|_| GatewayError::Unsupported("Xendit takes whole rupiah amounts only"))
}

fn timestamp(body: &Value, name: &str) -> Option<DateTime<Utc>> {
    let text = body.get(name)?.as_str()?;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|time| time.with_timezone(&Utc))
}

fn string(body: &Value, name: &str) -> Option<String> {
    body.get(name).and_then(Value::as_str).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoice_callbacks_map_per_status() {
        let paid = map_callback(json!({"id": "inv_1", "external_id": "p1", "status": "PAID",
            "amount": 150000, "paid_amount": 150000, "paid_at": "2024-05-01T03:00:00.000Z"}))
        .unwrap()
        .unwrap();
        assert_eq!(paid.status, PaymentStatus::Paid);
        assert_eq!(paid.event_id, "inv_1:PAID");
        assert_eq!(paid.reference.as_deref(), Some("p1"));
        assert_eq!(paid.amount, Some(Money::new(15_000_000, Currency::Idr)));
        assert!(paid.occurred_at.is_some());
        let expired = map_callback(
            json!({"id": "inv_1", "external_id": "p1", "status": "EXPIRED", "amount": 150000}),
        )
        .unwrap()
        .unwrap();
        assert_eq!(expired.status, PaymentStatus::Expired);
    }

    #[test]
    fn payments_v3_events_are_read_too() {
        let captured = map_callback(json!({"event": "payment.capture", "business_id": "b",
            "created": "2024-05-01T03:00:00Z",
            "data": {"payment_id": "py_1", "payment_request_id": "pr_1", "reference_id": "p9",
                     "status": "SUCCEEDED", "request_amount": 150000, "currency": "IDR"}}))
        .unwrap()
        .unwrap();
        assert_eq!(captured.status, PaymentStatus::Paid);
        assert_eq!(captured.event_id, "py_1:payment.capture");
        assert_eq!(captured.reference.as_deref(), Some("p9"));
        assert_eq!(captured.gateway_reference.as_deref(), Some("pr_1"));
        assert_eq!(
            map_callback(json!({"event": "payment_token.activation", "data": {}})),
            Ok(None)
        );
    }
}
