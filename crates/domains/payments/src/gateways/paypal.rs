//! PayPal Orders v2. OAuth client credentials (token cached until a minute before it expires,
//! refreshed once on a 401), `PayPal-Request-Id` for idempotency, and webhooks verified by
//! PayPal's own `verify-webhook-signature` endpoint.
//!
//! PayPal does not take IDR: amounts are converted into the store's PayPal currency at the rate
//! the seller set (`idr_per_unit` rupiah per unit), two decimals, half up, in integers.

use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use smartseller_contracts::payments::{PaymentMethod, PaymentStatus};
use smartseller_kernel::money::{Currency, Money};
use tokio::sync::Mutex;

use super::amounts;
use super::http::{self, basic_auth};
use super::{
    CreatePayment, Gateway, GatewayError, GatewayPayment, GatewayRefund, GatewayStatus,
    VerifiedNotification, WebhookError,
};

pub const DEFAULT_BASE_URL: &str = "https://api-m.paypal.com";
/// A cached token is dropped this long before PayPal says it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(60);

/// What [`PaypalOrders`] is built from (the `paypal` variant of the store's gateway config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaypalSettings {
    pub client_id: String,
    pub client_secret: String,
    pub webhook_id: String,
    pub base_url: Option<String>,
    /// `USD` unless set.
    pub currency: Option<String>,
    pub idr_per_unit: i64,
}

struct CachedToken {
    access_token: String,
    renew_after: Instant,
}

pub struct PaypalOrders {
    client_id: String,
    client_secret: String,
    webhook_id: String,
    base_url: String,
    currency: Currency,
    idr_per_unit: i64,
    http: reqwest::Client,
    token: Mutex<Option<CachedToken>>,
}

impl PaypalOrders {
    pub fn new(settings: PaypalSettings, http: reqwest::Client) -> Result<Self, GatewayError> {
        let currency = Currency::parse(settings.currency.as_deref().unwrap_or("USD"))
            .map_err(|_| GatewayError::Unsupported("PayPal currency not supported"))?;
        if currency == Currency::Idr {
            return Err(GatewayError::Unsupported("PayPal does not take IDR"));
        }
        if settings.idr_per_unit <= 0 {
            return Err(GatewayError::Unsupported(
                "the PayPal conversion rate must be a positive number of rupiah",
            ));
        }
        Ok(Self {
            client_id: settings.client_id,
            client_secret: settings.client_secret,
            webhook_id: settings.webhook_id,
            base_url: settings
                .base_url
                .as_deref()
                .unwrap_or(DEFAULT_BASE_URL)
                .trim_end_matches('/')
                .to_owned(),
            currency,
            idr_per_unit: settings.idr_per_unit,
            http,
            token: Mutex::new(None),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A valid access token: the cached one, or a new one when `renew` or the cache is stale.
    async fn access_token(&self, renew: bool) -> Result<String, GatewayError> {
        let mut cached = self.token.lock().await;
        if !renew
            && let Some(token) = cached.as_ref()
            && Instant::now() < token.renew_after
        {
            return Ok(token.access_token.clone());
        }
        let url = self.url("/v1/oauth2/token");
        let reply = http::send(|| {
            self.http
                .post(&url)
                .header(
                    "Authorization",
                    basic_auth(&self.client_id, &self.client_secret),
                )
                .form(&[("grant_type", "client_credentials")])
        })
        .await?;
        let access_token = reply
            .body
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| GatewayError::Declined("token answer without access_token".to_owned()))?
            .to_owned();
        let lifetime = reply
            .body
            .get("expires_in")
            .and_then(Value::as_u64)
            .map_or(Duration::ZERO, Duration::from_secs);
        *cached = Some(CachedToken {
            access_token: access_token.clone(),
            renew_after: Instant::now() + lifetime.saturating_sub(TOKEN_MARGIN),
        });
        Ok(access_token)
    }

    /// Sends with the bearer token; on a 401 renews the token once and tries again.
    async fn call(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Value, GatewayError> {
        let token = self.access_token(false).await?;
        match http::send(|| build().bearer_auth(&token)).await {
            Err(GatewayError::Unauthorized) => {
                let token = self.access_token(true).await?;
                Ok(http::send(|| build().bearer_auth(&token)).await?.body)
            }
            other => Ok(other?.body),
        }
    }

    async fn order(&self, order_id: &str) -> Result<Value, GatewayError> {
        let url = self.url(&format!(
            "/v2/checkout/orders/{}",
            http::id_segment(order_id)?
        ));
        self.call(|| self.http.get(&url)).await
    }

    /// Our amount in PayPal's currency.
    fn paypal_amount(&self, amount: Money) -> Result<Money, GatewayError> {
        if amount.currency == self.currency {
            return Ok(amount);
        }
        if amount.currency != Currency::Idr {
            return Err(GatewayError::Unsupported(
                "PayPal amounts must be IDR or the store's PayPal currency",
            ));
        }
        amounts::idr_to_foreign(amount, self.currency, self.idr_per_unit)
            .map_err(|_| GatewayError::Unsupported("the amount cannot be converted for PayPal"))
    }

    fn amount_json(&self, amount: Money) -> Value {
        json!({"currency_code": amount.currency.code(), "value": amounts::to_decimal(amount)})
    }

    /// A PayPal `{currency_code, value}` back in IDR (in the store's PayPal currency converted
    /// at the store's rate; other currencies are answered as they are).
    fn our_amount(&self, amount: &Value) -> Option<Money> {
        let currency = Currency::parse(amount.get("currency_code")?.as_str()?).ok()?;
        let money = amounts::parse_json_amount(amount.get("value")?, currency).ok()?;
        if currency == self.currency {
            amounts::foreign_to_idr(money, self.idr_per_unit).ok()
        } else {
            Some(money)
        }
    }

    fn order_view(&self, order: Value) -> Result<GatewayStatus, GatewayError> {
        let status = order_status(&order).ok_or_else(|| {
            GatewayError::Declined(format!(
                "unknown PayPal order status {}",
                order.get("status").unwrap_or(&Value::Null)
            ))
        })?;
        let payments = order.pointer("/purchase_units/0/payments");
        let sum = |list: &str, counted: &[&str]| -> Option<Money> {
            let entries = payments?.get(list)?.as_array()?;
            let mut total: Option<Money> = None;
            for entry in entries {
                let entry_status = entry.get("status").and_then(Value::as_str).unwrap_or("");
                if !counted.contains(&entry_status) {
                    continue;
                }
                let amount = self.our_amount(entry.get("amount")?)?;
                total = Some(match total {
                    Some(total) => total.checked_add(amount).ok()?,
                    None => amount,
                });
            }
            total
        };
        Ok(GatewayStatus {
            status,
            captured: sum("captures", &["COMPLETED", "PARTIALLY_REFUNDED", "REFUNDED"]),
            refunded: sum("refunds", &["COMPLETED"]),
            raw: order,
        })
    }
}

#[async_trait::async_trait]
impl Gateway for PaypalOrders {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Paypal
    }

    async fn create(&self, request: &CreatePayment) -> Result<GatewayPayment, GatewayError> {
        let amount = self.paypal_amount(request.amount)?;
        let mut body = json!({
            "intent": if request.manual_capture { "AUTHORIZE" } else { "CAPTURE" },
            "purchase_units": [{
                "reference_id": request.order_number,
                "custom_id": request.reference,
                "description": format!("Order {}", request.order_number),
                "amount": self.amount_json(amount),
            }],
        });
        if let Some(url) = &request.return_url {
            body["payment_source"] = json!({"paypal": {"experience_context": {
                "return_url": url, "cancel_url": url,
            }}});
        }
        let url = self.url("/v2/checkout/orders");
        let order = self
            .call(|| {
                self.http
                    .post(&url)
                    .header("PayPal-Request-Id", &request.idempotency_key)
                    .header("Prefer", "return=representation")
                    .json(&body)
            })
            .await?;
        let id = order
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| GatewayError::Declined("order without an id".to_owned()))?
            .to_owned();
        let approve = order
            .get("links")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|link| {
                matches!(
                    link.get("rel").and_then(Value::as_str),
                    Some("approve" | "payer-action")
                )
            })
            .and_then(|link| link.get("href"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(GatewayPayment {
            gateway_reference: id,
            status: order_status(&order).unwrap_or(PaymentStatus::AwaitingPayment),
            redirect_url: approve,
            instructions: Some(json!({
                "currency": amount.currency.code(),
                "value": amounts::to_decimal(amount),
                "idr_per_unit": self.idr_per_unit,
            })),
        })
    }

    async fn status(
        &self,
        _: &str,
        gateway_reference: &str,
    ) -> Result<GatewayStatus, GatewayError> {
        let order = self.order(gateway_reference).await?;
        self.order_view(order)
    }

    /// PayPal has no call to cancel an unapproved order: it simply lapses (after about three
    /// hours, or 72 h once approved), so there is nothing to do here.
    async fn cancel(&self, _: &str, _: &str) -> Result<(), GatewayError> {
        Ok(())
    }

    /// Captures an approved order. A `CAPTURE` order is captured as a whole, so a smaller
    /// amount is refused rather than silently captured in full. An `AUTHORIZE` order is
    /// authorised (if not yet) and then `amount` of the authorisation is captured, as the final
    /// capture; the rest is released.
    async fn capture(
        &self,
        _: &str,
        gateway_reference: &str,
        amount: Money,
    ) -> Result<GatewayStatus, GatewayError> {
        let order = self.order(gateway_reference).await?;
        let wanted = self.paypal_amount(amount)?;
        if order.get("intent").and_then(Value::as_str) == Some("AUTHORIZE") {
            return self
                .capture_authorization(gateway_reference, order, wanted)
                .await;
        }
        let ordered = order.pointer("/purchase_units/0/amount").and_then(|value| {
            let currency = Currency::parse(value.get("currency_code")?.as_str()?).ok()?;
            amounts::parse_json_amount(value.get("value")?, currency).ok()
        });
        if ordered.is_some_and(|ordered| wanted.minor < ordered.minor) {
            return Err(GatewayError::Unsupported(
                "PayPal captures a CAPTURE order in full only",
            ));
        }
        let url = self.url(&format!(
            "/v2/checkout/orders/{}/capture",
            http::id_segment(gateway_reference)?
        ));
        let request_id = format!("{gateway_reference}-capture");
        let captured = self
            .call(|| {
                self.http
                    .post(&url)
                    .header("PayPal-Request-Id", &request_id)
                    .header("Prefer", "return=representation")
                    .json(&json!({}))
            })
            .await?;
        self.order_view(captured)
    }

    async fn refund(
        &self,
        _: &str,
        gateway_reference: &str,
        amount: Money,
        reason: &str,
        idempotency_key: &str,
    ) -> Result<GatewayRefund, GatewayError> {
        let order = self.order(gateway_reference).await?;
        let capture_id = order
            .pointer("/purchase_units/0/payments/captures/0/id")
            .and_then(Value::as_str)
            .ok_or_else(|| GatewayError::Declined("the order has no capture to refund".to_owned()))?
            .to_owned();
        let amount = self.paypal_amount(amount)?;
        let body = json!({
            "amount": self.amount_json(amount),
            "note_to_payer": reason.chars().take(255).collect::<String>(),
        });
        let url = self.url(&format!(
            "/v2/payments/captures/{}/refund",
            http::id_segment(&capture_id)?
        ));
        let refund = self
            .call(|| {
                self.http
                    .post(&url)
                    .header("PayPal-Request-Id", idempotency_key)
                    .json(&body)
            })
            .await?;
        let refund_reference = refund
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| GatewayError::Declined("refund without an id".to_owned()))?
            .to_owned();
        let status = match refund.get("status").and_then(Value::as_str) {
            Some("COMPLETED") => "succeeded",
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
        let header = |name: &str| http::header(headers, name).ok_or(WebhookError::BadSignature);
        let transmission = Transmission {
            auth_algo: header("paypal-auth-algo")?,
            cert_url: header("paypal-cert-url")?,
            transmission_id: header("paypal-transmission-id")?,
            transmission_sig: header("paypal-transmission-sig")?,
            transmission_time: header("paypal-transmission-time")?,
        };
        // The body is spliced into the request text, so it must be one JSON value; a body that
        // is not cannot have come from PayPal.
        let event: Value =
            serde_json::from_slice(raw_body).map_err(|_| WebhookError::BadSignature)?;
        let request_text = verification_request(&transmission, &self.webhook_id, raw_body)
            .ok_or(WebhookError::BadSignature)?;
        let url = self.url("/v1/notifications/verify-webhook-signature");
        // If PayPal cannot be asked, the delivery is refused as unverified; PayPal retries it.
        let answer = self
            .call(|| {
                self.http
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .body(request_text.clone())
            })
            .await
            .map_err(|error| {
                tracing::warn!(%error, "PayPal webhook verification could not be asked");
                WebhookError::BadSignature
            })?;
        if answer.get("verification_status").and_then(Value::as_str) != Some("SUCCESS") {
            return Err(WebhookError::BadSignature);
        }
        self.map_event(event)
    }
}

impl PaypalOrders {
    /// `POST /v2/checkout/orders/{id}/authorize` when the order has no authorisation yet, then
    /// `POST /v2/payments/authorizations/{auth}/capture {amount, final_capture: true}`.
    async fn capture_authorization(
        &self,
        order_id: &str,
        order: Value,
        wanted: Money,
    ) -> Result<GatewayStatus, GatewayError> {
        let existing = order
            .pointer("/purchase_units/0/payments/authorizations/0/id")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let authorization_id = match existing {
            Some(id) => id,
            None => {
                let url = self.url(&format!(
                    "/v2/checkout/orders/{}/authorize",
                    http::id_segment(order_id)?
                ));
                let request_id = format!("{order_id}-authorize");
                let authorized = self
                    .call(|| {
                        self.http
                            .post(&url)
                            .header("PayPal-Request-Id", &request_id)
                            .header("Prefer", "return=representation")
                            .json(&json!({}))
                    })
                    .await?;
                authorized
                    .pointer("/purchase_units/0/payments/authorizations/0/id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        GatewayError::Declined(
                            "PayPal authorised without an authorization id".to_owned(),
                        )
                    })?
                    .to_owned()
            }
        };
        let url = self.url(&format!(
            "/v2/payments/authorizations/{}/capture",
            http::id_segment(&authorization_id)?
        ));
        let request_id = format!("{authorization_id}-capture-{}", wanted.minor);
        let body = json!({"amount": self.amount_json(wanted), "final_capture": true});
        self.call(|| {
            self.http
                .post(&url)
                .header("PayPal-Request-Id", &request_id)
                .json(&body)
        })
        .await?;
        let order = self.order(order_id).await?;
        self.order_view(order)
    }

    /// Maps a verified event; `None` for event types we do not act on.
    pub fn map_event(&self, event: Value) -> Result<Option<VerifiedNotification>, WebhookError> {
        let malformed = |what: &str| WebhookError::Malformed(what.to_owned());
        let event_id = event
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("event without id"))?
            .to_owned();
        let event_type = event
            .get("event_type")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("event without event_type"))?;
        let resource = event.get("resource").cloned().unwrap_or(Value::Null);
        let resource_status = resource.get("status").and_then(Value::as_str);
        let status = match event_type {
            "PAYMENT.CAPTURE.COMPLETED" => PaymentStatus::Paid,
            "PAYMENT.CAPTURE.PENDING" => PaymentStatus::AwaitingPayment,
            "PAYMENT.CAPTURE.DENIED" => PaymentStatus::Failed,
            // The resource is the refund; it does not say whether the capture is now fully
            // refunded unless it is the capture itself. Partial unless told otherwise: a status
            // query (captures and refunds summed) settles it.
            "PAYMENT.CAPTURE.REFUNDED" => match resource_status {
                Some("REFUNDED") => PaymentStatus::Refunded,
                _ => PaymentStatus::PartiallyRefunded,
            },
            "PAYMENT.CAPTURE.REVERSED" => PaymentStatus::Chargeback,
            // The buyer approved; capturing is the payments domain's next step.
            "CHECKOUT.ORDER.APPROVED" => PaymentStatus::AwaitingPayment,
            _ => return Ok(None),
        };
        let is_order = event_type.starts_with("CHECKOUT.ORDER.");
        let reference = resource
            .get("custom_id")
            .or_else(|| resource.pointer("/purchase_units/0/custom_id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let gateway_reference = if is_order {
            resource.get("id")
        } else {
            resource.pointer("/supplementary_data/related_ids/order_id")
        }
        .and_then(Value::as_str)
        .map(str::to_owned);
        let amount = resource
            .get("amount")
            .or_else(|| resource.pointer("/purchase_units/0/amount"))
            .and_then(|amount| self.our_amount(amount));
        let occurred_at = event
            .get("create_time")
            .and_then(Value::as_str)
            .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
            .map(|time| time.with_timezone(&Utc));
        Ok(Some(VerifiedNotification {
            event_id,
            reference,
            gateway_reference,
            status,
            amount,
            occurred_at,
            raw: event,
        }))
    }
}

/// The `PAYPAL-*` transmission headers of one delivery.
struct Transmission<'a> {
    auth_algo: &'a str,
    cert_url: &'a str,
    transmission_id: &'a str,
    transmission_sig: &'a str,
    transmission_time: &'a str,
}

/// The `verify-webhook-signature` request text, with the raw event body spliced in verbatim so
/// PayPal checks the very bytes it signed (re-serialising could reorder or reformat them).
fn verification_request(
    transmission: &Transmission<'_>,
    webhook_id: &str,
    raw_body: &[u8],
) -> Option<String> {
    let quoted = |text: &str| serde_json::to_string(text).ok();
    let raw_event = std::str::from_utf8(raw_body).ok()?;
    Some(format!(
        r#"{{"auth_algo":{},"cert_url":{},"transmission_id":{},"transmission_sig":{},"transmission_time":{},"webhook_id":{},"webhook_event":{}}}"#,
        quoted(transmission.auth_algo)?,
        quoted(transmission.cert_url)?,
        quoted(transmission.transmission_id)?,
        quoted(transmission.transmission_sig)?,
        quoted(transmission.transmission_time)?,
        quoted(webhook_id)?,
        raw_event,
    ))
}

/// The message PayPal signs for offline verification:
/// `transmission_id|transmission_time|webhook_id|crc32(raw_body)` (CRC-32 as unsigned decimal).
pub fn crc32_message(
    transmission_id: &str,
    transmission_time: &str,
    webhook_id: &str,
    raw_body: &[u8],
) -> String {
    format!(
        "{transmission_id}|{transmission_time}|{webhook_id}|{}",
        crc32fast::hash(raw_body)
    )
}

/// Order status, with the first capture as the money truth once there is one.
pub fn order_status(order: &Value) -> Option<PaymentStatus> {
    if let Some(capture) = order
        .pointer("/purchase_units/0/payments/captures/0/status")
        .and_then(Value::as_str)
    {
        return map_capture_status(capture);
    }
    if order
        .pointer("/purchase_units/0/payments/authorizations/0/status")
        .and_then(Value::as_str)
        == Some("CREATED")
    {
        return Some(PaymentStatus::Authorized);
    }
    Some(match order.get("status")?.as_str()? {
        "CREATED" | "SAVED" | "PAYER_ACTION_REQUIRED" | "APPROVED" => {
            PaymentStatus::AwaitingPayment
        }
        "COMPLETED" => PaymentStatus::Paid,
        "VOIDED" => PaymentStatus::Cancelled,
        _ => return None,
    })
}

/// Capture statuses (the money truth).
pub fn map_capture_status(status: &str) -> Option<PaymentStatus> {
    Some(match status {
        "COMPLETED" => PaymentStatus::Paid,
        "PENDING" => PaymentStatus::AwaitingPayment,
        "DECLINED" | "FAILED" => PaymentStatus::Failed,
        "REFUNDED" => PaymentStatus::Refunded,
        "PARTIALLY_REFUNDED" => PaymentStatus::PartiallyRefunded,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_message_matches_the_documented_example() {
        let body = br#"{"id":"WH-TEST","event_type":"PAYMENT.CAPTURE.COMPLETED"}"#;
        assert_eq!(crc32fast::hash(body), 3_391_999_205);
        assert_eq!(
            crc32_message("tid", "2024-05-01T03:00:00Z", "WH-1", body),
            "tid|2024-05-01T03:00:00Z|WH-1|3391999205"
        );
    }

    #[test]
    fn the_verification_request_carries_the_body_byte_for_byte() {
        let body = br#"{ "id" : "WH-1",  "event_type":"X", "n": 1.50 }"#;
        let transmission = Transmission {
            auth_algo: "SHA256withRSA",
            cert_url: "https://api.paypal.com/cert",
            transmission_id: "t\"1",
            transmission_sig: "sig",
            transmission_time: "2024-05-01T03:00:00Z",
        };
        let text = verification_request(&transmission, "WH-ID", body).unwrap();
        assert!(text.ends_with(&format!(
            r#""webhook_event":{}}}"#,
            std::str::from_utf8(body).unwrap()
        )));
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["transmission_id"], "t\"1");
        assert_eq!(parsed["webhook_event"]["n"], json!(1.50));
    }

    #[test]
    fn captures_are_the_money_truth() {
        let order = |order_status: &str, capture: Option<&str>| {
            let mut order = json!({"id": "O1", "status": order_status, "purchase_units": [{}]});
            if let Some(capture) = capture {
                order["purchase_units"][0]["payments"] =
                    json!({"captures": [{"id": "C1", "status": capture}]});
            }
            order
        };
        assert_eq!(
            order_status(&order("CREATED", None)),
            Some(PaymentStatus::AwaitingPayment)
        );
        assert_eq!(
            order_status(&order("APPROVED", None)),
            Some(PaymentStatus::AwaitingPayment)
        );
        assert_eq!(
            order_status(&order("VOIDED", None)),
            Some(PaymentStatus::Cancelled)
        );
        assert_eq!(
            order_status(&order("COMPLETED", Some("PENDING"))),
            Some(PaymentStatus::AwaitingPayment)
        );
        assert_eq!(
            order_status(&order("COMPLETED", Some("DECLINED"))),
            Some(PaymentStatus::Failed)
        );
        assert_eq!(
            order_status(&order("COMPLETED", Some("COMPLETED"))),
            Some(PaymentStatus::Paid)
        );
        assert_eq!(
            order_status(&order("COMPLETED", Some("PARTIALLY_REFUNDED"))),
            Some(PaymentStatus::PartiallyRefunded)
        );
    }

    fn gateway() -> PaypalOrders {
        PaypalOrders::new(
            PaypalSettings {
                client_id: "id".to_owned(),
                client_secret: "secret".to_owned(),
                webhook_id: "WH".to_owned(),
                base_url: None,
                currency: None,
                idr_per_unit: 16_000,
            },
            reqwest::Client::new(),
        )
        .unwrap()
    }

    #[test]
    fn capture_events_map_to_our_reference_and_rupiah() {
        let event = json!({"id": "WH-1", "event_type": "PAYMENT.CAPTURE.COMPLETED",
            "create_time": "2024-05-01T03:00:00Z",
            "resource": {"id": "C1", "status": "COMPLETED", "custom_id": "p1",
                "amount": {"currency_code": "USD", "value": "10.00"},
                "supplementary_data": {"related_ids": {"order_id": "O1"}}}});
        let notification = gateway().map_event(event).unwrap().unwrap();
        assert_eq!(notification.status, PaymentStatus::Paid);
        assert_eq!(notification.reference.as_deref(), Some("p1"));
        assert_eq!(notification.gateway_reference.as_deref(), Some("O1"));
        assert_eq!(
            notification.amount,
            Some(Money::new(16_000_000, Currency::Idr))
        );
        assert_eq!(notification.event_id, "WH-1");
    }

    #[test]
    fn idr_and_bad_rates_are_refused_as_settings() {
        let settings = |currency: &str, rate: i64| PaypalSettings {
            client_id: String::new(),
            client_secret: String::new(),
            webhook_id: String::new(),
            base_url: None,
            currency: Some(currency.to_owned()),
            idr_per_unit: rate,
        };
        assert!(PaypalOrders::new(settings("IDR", 1), reqwest::Client::new()).is_err());
        assert!(PaypalOrders::new(settings("USD", 0), reqwest::Client::new()).is_err());
        assert!(PaypalOrders::new(settings("XYZ", 1), reqwest::Client::new()).is_err());
        assert!(PaypalOrders::new(settings("sgd", 11_800), reqwest::Client::new()).is_ok());
    }
}
