//! Stripe PaymentIntents: `Authorization: Bearer <secret key>`, form-encoded bodies with bracket
//! notation, an `Idempotency-Key` on every POST, and `Stripe-Signature` webhooks
//! (HMAC-SHA256 over `t + "." + raw_body`).

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use smartseller_contracts::payments::{PaymentMethod, PaymentStatus};
use smartseller_kernel::money::{Currency, Money};

use super::http;
use super::{
    CreatePayment, Gateway, GatewayError, GatewayPayment, GatewayRefund, GatewayStatus,
    VerifiedNotification, WebhookError,
};

pub const DEFAULT_BASE_URL: &str = "https://api.stripe.com";
/// Seconds a `Stripe-Signature` timestamp may be away from now (Stripe's libraries use 300).
pub const DEFAULT_TOLERANCE_SECONDS: i64 = 300;

pub struct StripePaymentIntents {
    secret_key: String,
    webhook_secret: String,
    base_url: String,
    tolerance_seconds: i64,
    http: reqwest::Client,
}

impl StripePaymentIntents {
    pub fn new(
        secret_key: &str,
        webhook_secret: &str,
        base_url: Option<&str>,
        tolerance_seconds: Option<i64>,
        http: reqwest::Client,
    ) -> Self {
        Self {
            secret_key: secret_key.to_owned(),
            webhook_secret: webhook_secret.to_owned(),
            base_url: base_url
                .unwrap_or(DEFAULT_BASE_URL)
                .trim_end_matches('/')
                .to_owned(),
            tolerance_seconds: tolerance_seconds.unwrap_or(DEFAULT_TOLERANCE_SECONDS),
            http,
        }
    }

    async fn post(
        &self,
        path: &str,
        form: &[(String, String)],
        idempotency_key: &str,
    ) -> Result<Value, GatewayError> {
        let url = format!("{}{path}", self.base_url);
        let reply = http::send(|| {
            self.http
                .post(&url)
                .bearer_auth(&self.secret_key)
                .header("Idempotency-Key", idempotency_key)
                .form(form)
        })
        .await?;
        Ok(reply.body)
    }

    async fn get(&self, path: &str) -> Result<Value, GatewayError> {
        let url = format!("{}{path}", self.base_url);
        let reply = http::send(|| self.http.get(&url).bearer_auth(&self.secret_key)).await?;
        Ok(reply.body)
    }
}

fn pair(key: &str, value: impl ToString) -> (String, String) {
    (key.to_owned(), value.to_string())
}

#[async_trait::async_trait]
impl Gateway for StripePaymentIntents {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Stripe
    }

    async fn create(&self, request: &CreatePayment) -> Result<GatewayPayment, GatewayError> {
        // IDR is not zero-decimal at Stripe: `amount` is rupiah × 100, which is our minor unit.
        let mut form = vec![
            pair("amount", request.amount.minor),
            pair(
                "currency",
                request.amount.currency.code().to_ascii_lowercase(),
            ),
            pair(
                "capture_method",
                if request.manual_capture {
                    "manual"
                } else {
                    "automatic"
                },
            ),
            pair("automatic_payment_methods[enabled]", "true"),
            pair("description", format!("Order {}", request.order_number)),
            pair("metadata[payment_id]", &request.reference),
            pair("metadata[order_number]", &request.order_number),
        ];
        if let Some(email) = &request.customer.email {
            form.push(pair("receipt_email", email));
        }
        let intent = self
            .post("/v1/payment_intents", &form, &request.idempotency_key)
            .await?;
        let id = string(&intent, "id")
            .ok_or_else(|| GatewayError::Declined("PaymentIntent without an id".to_owned()))?;
        let client_secret = string(&intent, "client_secret");
        Ok(GatewayPayment {
            gateway_reference: id,
            status: intent_status(&intent).unwrap_or(PaymentStatus::AwaitingPayment),
            redirect_url: None,
            instructions: Some(json!({"client_secret": client_secret})),
        })
    }

    async fn status(
        &self,
        _: &str,
        gateway_reference: &str,
    ) -> Result<GatewayStatus, GatewayError> {
        let path = format!(
            "/v1/payment_intents/{}?expand[]=latest_charge",
            http::id_segment(gateway_reference)?
        );
        let intent = self.get(&path).await?;
        intent_view(intent)
    }

    async fn cancel(&self, _: &str, gateway_reference: &str) -> Result<(), GatewayError> {
        let path = format!(
            "/v1/payment_intents/{}/cancel",
            http::id_segment(gateway_reference)?
        );
        let form = [pair("cancellation_reason", "abandoned")];
        self.post(&path, &form, &format!("{gateway_reference}:cancel"))
            .await
            .map(|_| ())
    }

    async fn capture(
        &self,
        _: &str,
        gateway_reference: &str,
        amount: Money,
    ) -> Result<GatewayStatus, GatewayError> {
        let path = format!(
            "/v1/payment_intents/{}/capture",
            http::id_segment(gateway_reference)?
        );
        let form = [pair("amount_to_capture", amount.minor)];
        let key = format!("{gateway_reference}:capture:{}", amount.minor);
        let intent = self.post(&path, &form, &key).await?;
        intent_view(intent)
    }

    async fn refund(
        &self,
        _: &str,
        gateway_reference: &str,
        amount: Money,
        reason: &str,
        idempotency_key: &str,
    ) -> Result<GatewayRefund, GatewayError> {
        let form = [
            pair("payment_intent", gateway_reference),
            pair("amount", amount.minor),
            pair("metadata[reason]", reason),
        ];
        let refund = self.post("/v1/refunds", &form, idempotency_key).await?;
        let refund_reference = string(&refund, "id")
            .ok_or_else(|| GatewayError::Declined("refund without an id".to_owned()))?;
        let status = match refund.get("status").and_then(Value::as_str) {
            Some("succeeded") => "succeeded",
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
        now: DateTime<Utc>,
    ) -> Result<Option<VerifiedNotification>, WebhookError> {
        let header = http::header(headers, "stripe-signature").ok_or(WebhookError::BadSignature)?;
        verify_signature(
            header,
            raw_body,
            &self.webhook_secret,
            now,
            self.tolerance_seconds,
        )?;
        let event: Value = serde_json::from_slice(raw_body)
            .map_err(|error| WebhookError::Malformed(error.to_string()))?;
        map_event(event)
    }
}

/// `hex(HMAC-SHA256(endpoint_secret, t + "." + raw_body))`.
pub fn signature(endpoint_secret: &str, timestamp: i64, raw_body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(endpoint_secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(raw_body);
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a `Stripe-Signature: t=..,v1=..[,v1=..][,v0=..]` header: any `v1` may match (several
/// during a secret rotation), `v0` is ignored, and `t` must be within `tolerance_seconds` of now.
pub fn verify_signature(
    header: &str,
    raw_body: &[u8],
    endpoint_secret: &str,
    now: DateTime<Utc>,
    tolerance_seconds: i64,
) -> Result<(), WebhookError> {
    // An empty secret would let anyone compute a valid signature.
    if endpoint_secret.is_empty() {
        return Err(WebhookError::BadSignature);
    }
    let mut timestamp: Option<i64> = None;
    let mut candidates: Vec<&str> = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse().ok(),
            Some(("v1", value)) => candidates.push(value),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(WebhookError::BadSignature)?;
    if (now.timestamp() - timestamp).abs() > tolerance_seconds {
        return Err(WebhookError::BadSignature);
    }
    let expected = signature(endpoint_secret, timestamp, raw_body);
    let matched = candidates.iter().fold(false, |found, candidate| {
        http::secrets_match(candidate.as_bytes(), expected.as_bytes()) | found
    });
    if matched {
        Ok(())
    } else {
        Err(WebhookError::BadSignature)
    }
}

/// Maps a verified event onto a notification; `None` for event types we do not act on.
pub fn map_event(event: Value) -> Result<Option<VerifiedNotification>, WebhookError> {
    let malformed = |what: &str| WebhookError::Malformed(what.to_owned());
    let event_id = string(&event, "id").ok_or_else(|| malformed("event without id"))?;
    let event_type = string(&event, "type").ok_or_else(|| malformed("event without type"))?;
    let object = event
        .pointer("/data/object")
        .cloned()
        .unwrap_or(Value::Null);
    let amount_of = |name: &str| money(&object, name);
    let (status, gateway_reference, amount) = match event_type.as_str() {
        "payment_intent.succeeded" => (
            PaymentStatus::Paid,
            string(&object, "id"),
            amount_of("amount_received").or_else(|| amount_of("amount")),
        ),
        "payment_intent.payment_failed" => (
            PaymentStatus::Failed,
            string(&object, "id"),
            amount_of("amount"),
        ),
        "payment_intent.canceled" => (
            PaymentStatus::Cancelled,
            string(&object, "id"),
            amount_of("amount"),
        ),
        "payment_intent.amount_capturable_updated" => (
            PaymentStatus::Authorized,
            string(&object, "id"),
            amount_of("amount_capturable"),
        ),
        "payment_intent.processing" | "payment_intent.requires_action" => (
            PaymentStatus::AwaitingPayment,
            string(&object, "id"),
            amount_of("amount"),
        ),
        "charge.refunded" => {
            let refunded = object.get("amount_refunded").and_then(Value::as_i64);
            let charged = object.get("amount").and_then(Value::as_i64);
            let status = if refunded.is_some() && refunded >= charged {
                PaymentStatus::Refunded
            } else {
                PaymentStatus::PartiallyRefunded
            };
            (
                status,
                string(&object, "payment_intent"),
                amount_of("amount_refunded"),
            )
        }
        "charge.dispute.created" => (
            PaymentStatus::Chargeback,
            string(&object, "payment_intent"),
            amount_of("amount"),
        ),
        _ => return Ok(None),
    };
    let occurred_at = event
        .get("created")
        .and_then(Value::as_i64)
        .and_then(|seconds| DateTime::from_timestamp(seconds, 0));
    Ok(Some(VerifiedNotification {
        event_id,
        reference: object
            .pointer("/metadata/payment_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
        gateway_reference,
        status,
        amount,
        occurred_at,
        raw: event,
    }))
}

/// PaymentIntent `status` → ours.
pub fn map_intent_status(status: &str) -> Option<PaymentStatus> {
    Some(match status {
        "requires_payment_method" | "requires_confirmation" | "requires_action" | "processing" => {
            PaymentStatus::AwaitingPayment
        }
        "requires_capture" => PaymentStatus::Authorized,
        "succeeded" => PaymentStatus::Paid,
        "canceled" => PaymentStatus::Cancelled,
        _ => return None,
    })
}

fn intent_status(intent: &Value) -> Option<PaymentStatus> {
    map_intent_status(intent.get("status")?.as_str()?)
}

fn intent_view(intent: Value) -> Result<GatewayStatus, GatewayError> {
    let mut status = intent_status(&intent).ok_or_else(|| {
        GatewayError::Declined(format!(
            "unknown PaymentIntent status {}",
            intent.get("status").unwrap_or(&Value::Null)
        ))
    })?;
    let received = money(&intent, "amount_received").filter(|amount| amount.minor > 0);
    // Refunds live on the charge; `expand[]=latest_charge` brings it along.
    let refunded = intent
        .get("latest_charge")
        .filter(|charge| charge.is_object())
        .and_then(|charge| money(charge, "amount_refunded"))
        .filter(|amount| amount.minor > 0);
    if let (Some(refunded), Some(received)) = (refunded, received)
        && status == PaymentStatus::Paid
    {
        status = if refunded.minor >= received.minor {
            PaymentStatus::Refunded
        } else {
            PaymentStatus::PartiallyRefunded
        };
    }
    Ok(GatewayStatus {
        status,
        captured: received,
        refunded,
        raw: intent,
    })
}

/// An integer minor amount field in the object's `currency`.
fn money(object: &Value, field: &str) -> Option<Money> {
    let minor = object.get(field)?.as_i64()?;
    let currency = object
        .get("currency")
        .and_then(Value::as_str)
        .and_then(|code| Currency::parse(code).ok())?;
    Some(Money::new(minor, currency))
}

fn string(body: &Value, name: &str) -> Option<String> {
    body.get(name).and_then(Value::as_str).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] =
        br#"{"id":"evt_test_1","object":"event","type":"payment_intent.succeeded"}"#;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    #[test]
    fn signature_matches_the_documented_example() {
        assert_eq!(
            signature("whsec_example_secret", 1_700_000_000, BODY),
            "391c3b20fecf4d97fe5fd9b9f6c3ddb17682e941b5623ea31f4f61809e1302f4"
        );
        let header =
            "t=1700000000,v1=391c3b20fecf4d97fe5fd9b9f6c3ddb17682e941b5623ea31f4f61809e1302f4";
        assert_eq!(
            verify_signature(header, BODY, "whsec_example_secret", at(1_700_000_100), 300),
            Ok(())
        );
    }

    #[test]
    fn any_v1_may_match_and_v0_is_ignored() {
        let good = "391c3b20fecf4d97fe5fd9b9f6c3ddb17682e941b5623ea31f4f61809e1302f4";
        let rotated = format!("t=1700000000,v1={},v1={good}", "0".repeat(64));
        assert_eq!(
            verify_signature(
                &rotated,
                BODY,
                "whsec_example_secret",
                at(1_700_000_000),
                300
            ),
            Ok(())
        );
        let only_v0 = format!("t=1700000000,v0={good}");
        assert_eq!(
            verify_signature(
                &only_v0,
                BODY,
                "whsec_example_secret",
                at(1_700_000_000),
                300
            ),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn an_empty_endpoint_secret_verifies_nothing() {
        let header = format!("t=1700000000,v1={}", signature("", 1_700_000_000, BODY));
        assert_eq!(
            verify_signature(&header, BODY, "", at(1_700_000_000), 300),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn stale_or_tampered_deliveries_are_refused() {
        let header =
            "t=1700000000,v1=391c3b20fecf4d97fe5fd9b9f6c3ddb17682e941b5623ea31f4f61809e1302f4";
        assert_eq!(
            verify_signature(header, BODY, "whsec_example_secret", at(1_700_000_301), 300),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_signature(header, BODY, "whsec_example_secret", at(1_699_999_699), 300),
            Err(WebhookError::BadSignature)
        );
        let tampered = br#"{"id":"evt_test_1","object":"event","type":"payment_intent.succeedeD"}"#;
        assert_eq!(
            verify_signature(
                header,
                tampered,
                "whsec_example_secret",
                at(1_700_000_000),
                300
            ),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_signature(
                "v1=abc",
                BODY,
                "whsec_example_secret",
                at(1_700_000_000),
                300
            ),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn refund_events_tell_full_from_partial() {
        let event = |refunded: i64| {
            json!({"id": "evt_1", "type": "charge.refunded", "created": 1_700_000_000,
                   "data": {"object": {"id": "ch_1", "object": "charge", "amount": 1_000,
                   "amount_refunded": refunded, "currency": "idr", "payment_intent": "pi_1",
                   "metadata": {"payment_id": "p1"}}}})
        };
        let full = map_event(event(1_000)).unwrap().unwrap();
        assert_eq!(full.status, PaymentStatus::Refunded);
        assert_eq!(full.gateway_reference.as_deref(), Some("pi_1"));
        assert_eq!(full.reference.as_deref(), Some("p1"));
        let partial = map_event(event(400)).unwrap().unwrap();
        assert_eq!(partial.status, PaymentStatus::PartiallyRefunded);
        assert_eq!(partial.amount, Some(Money::new(400, Currency::Idr)));
    }

    #[test]
    fn events_we_do_not_act_on_are_acknowledged_without_a_notification() {
        let event = json!({"id": "evt_2", "type": "customer.created", "data": {"object": {}}});
        assert_eq!(map_event(event), Ok(None));
    }
}
