//! Payment gateways: one real HTTP client per provider in `integrations/payments.md`, each behind
//! the same [`Gateway`] trait so the payments use cases never branch on the provider.
//!
//! A gateway knows its own protocol (auth, amounts in its units, idempotency headers, retries on
//! 429/5xx, signature checks over the raw webhook body) and maps the provider's statuses onto
//! [`PaymentStatus`]. It keeps no state of its own: the payments domain stores what it answers.

pub mod amounts;
mod http;
pub mod midtrans;
pub mod paypal;
pub mod snap_bi;
pub mod stripe;
pub mod xendit;

pub use midtrans::{MidtransSnap, MidtransVa};
pub use paypal::PaypalOrders;
pub use stripe::StripePaymentIntents;
pub use xendit::XenditInvoice;

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use smartseller_contracts::payments::{PaymentCustomer, PaymentItem, PaymentMethod, PaymentStatus};
use smartseller_kernel::money::Money;

/// Open a payment at the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatePayment {
    /// Our reference for this payment attempt, unique per store and gateway (the payment id in
    /// simple hex). Sent as Midtrans `order_id`, Xendit `external_id`, Stripe
    /// `metadata[payment_id]`, PayPal `custom_id`, so notifications find their way back.
    pub reference: String,
    /// The seller-facing order number, shown to the buyer.
    pub order_number: String,
    pub amount: Money,
    /// Already allocated so they sum to `amount` exactly.
    pub items: Vec<PaymentItem>,
    pub customer: PaymentCustomer,
    pub return_url: Option<String>,
    pub expires_at: DateTime<Utc>,
    /// Sent as the provider's idempotency header where it has one.
    pub idempotency_key: String,
    /// For virtual accounts: `bca`, `bni`, `bri`, `permata`, `cimb`.
    pub bank: Option<String>,
    /// Card payments authorised now and captured later (Stripe manual capture, PayPal
    /// AUTHORIZE); false captures at once.
    pub manual_capture: bool,
}

/// What the gateway answered when the payment was opened.
#[derive(Debug, Clone, PartialEq)]
pub struct GatewayPayment {
    /// The provider's id: Snap token / transaction id, invoice id, PaymentIntent id, PayPal
    /// order id.
    pub gateway_reference: String,
    pub status: PaymentStatus,
    pub redirect_url: Option<String>,
    /// VA number, client secret, approve link...: what the buyer needs besides a redirect.
    pub instructions: Option<serde_json::Value>,
}

/// The gateway's current view of a payment, from a status query.
#[derive(Debug, Clone, PartialEq)]
pub struct GatewayStatus {
    pub status: PaymentStatus,
    /// Amount the provider says was received/captured, when it says.
    pub captured: Option<Money>,
    pub refunded: Option<Money>,
    pub raw: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayRefund {
    pub refund_reference: String,
    /// `pending` or `succeeded`.
    pub status: String,
}

/// A webhook that passed its signature check, reduced to what the payments domain acts on.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedNotification {
    /// De-duplication key for the delivery: the provider's event/notification id where it has
    /// one, else a digest of the fields that identify the change.
    pub event_id: String,
    /// Our reference as sent in [`CreatePayment::reference`], when the notification carries it.
    pub reference: Option<String>,
    /// The provider's id for the payment, when the notification carries it.
    pub gateway_reference: Option<String>,
    pub status: PaymentStatus,
    /// The amount the notification speaks of (paid, captured or refunded), when present.
    pub amount: Option<Money>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub raw: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// The provider rejected the credentials.
    #[error("the gateway rejected our credentials")]
    Unauthorized,
    #[error("the gateway does not know this payment")]
    NotFound,
    /// The provider refused the request (declined card, invalid amount, duplicate id...).
    #[error("the gateway refused: {0}")]
    Declined(String),
    /// This gateway cannot do that (e.g. partial capture on a hosted invoice).
    #[error("not supported by this gateway: {0}")]
    Unsupported(&'static str),
    /// Network failure, 5xx or 429 that outlasted our retries.
    #[error("the gateway is unavailable: {0}")]
    Unavailable(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// Missing or wrong signature/token, or a timestamp outside the tolerance: answer 401.
    #[error("the notification's signature does not verify")]
    BadSignature,
    /// Signed correctly but not something we can read: answer 400.
    #[error("the notification is malformed: {0}")]
    Malformed(String),
}

/// One payment provider.
#[async_trait::async_trait]
pub trait Gateway: Send + Sync + 'static {
    fn method(&self) -> PaymentMethod;

    async fn create(&self, request: &CreatePayment) -> Result<GatewayPayment, GatewayError>;

    /// Asks the provider where the payment stands (reconciliation, and re-fetch after a
    /// webhook).
    async fn status(
        &self,
        reference: &str,
        gateway_reference: &str,
    ) -> Result<GatewayStatus, GatewayError>;

    /// Cancels or expires an unpaid payment.
    async fn cancel(&self, reference: &str, gateway_reference: &str) -> Result<(), GatewayError>;

    /// Captures part or all of an authorised payment.
    async fn capture(
        &self,
        reference: &str,
        gateway_reference: &str,
        amount: Money,
    ) -> Result<GatewayStatus, GatewayError>;

    /// Refunds part or all of a settled payment.
    async fn refund(
        &self,
        reference: &str,
        gateway_reference: &str,
        amount: Money,
        reason: &str,
        idempotency_key: &str,
    ) -> Result<GatewayRefund, GatewayError>;

    /// Checks a webhook over its raw body before anything is parsed. `Ok(None)` for a delivery
    /// that is genuine but says nothing about a payment (a test ping, an event type we ignore).
    async fn verify_webhook(
        &self,
        headers: &HeaderMap,
        raw_body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Option<VerifiedNotification>, WebhookError>;
}

/// A store's credentials for one gateway, as the seller enters them. Base URLs default to the
/// providers' production hosts; tests and sandboxes point them elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "gateway", rename_all = "snake_case")]
pub enum GatewayConfig {
    Midtrans {
        server_key: String,
        /// `https://app.midtrans.com` (Snap) unless set.
        snap_base_url: Option<String>,
        /// `https://api.midtrans.com` (Core API) unless set.
        core_base_url: Option<String>,
    },
    Xendit {
        secret_key: String,
        /// The dashboard's callback verification token, compared to `x-callback-token`.
        callback_token: String,
        base_url: Option<String>,
    },
    Stripe {
        secret_key: String,
        /// `whsec_...`
        webhook_secret: String,
        base_url: Option<String>,
        /// Seconds a `Stripe-Signature` timestamp may be off; 300 unless set.
        tolerance_seconds: Option<i64>,
    },
    Paypal {
        client_id: String,
        client_secret: String,
        webhook_id: String,
        base_url: Option<String>,
        /// PayPal does not take IDR: amounts are converted to this currency (`USD` unless set)
        /// at `idr_per_unit` rupiah per unit, as the seller sets it.
        currency: Option<String>,
        idr_per_unit: i64,
    },
}

/// The client for `method` with the store's `config`: `midtrans` (Snap) and `virtual_account`
/// (Core API bank transfer) take a Midtrans config, the others their own. `bank_transfer` and
/// `cod` have no gateway and are refused here.
pub fn build(
    config: &GatewayConfig,
    method: PaymentMethod,
    http: reqwest::Client,
) -> Result<std::sync::Arc<dyn Gateway>, GatewayError> {
    use std::sync::Arc;
    let gateway: Arc<dyn Gateway> = match (method, config) {
        (
            PaymentMethod::Midtrans,
            GatewayConfig::Midtrans {
                server_key,
                snap_base_url,
                core_base_url,
            },
        ) => Arc::new(MidtransSnap::new(
            server_key,
            snap_base_url.as_deref(),
            core_base_url.as_deref(),
            http,
        )),
        (
            PaymentMethod::VirtualAccount,
            GatewayConfig::Midtrans {
                server_key,
                core_base_url,
                ..
            },
        ) => Arc::new(MidtransVa::new(server_key, core_base_url.as_deref(), http)),
        (
            PaymentMethod::Xendit,
            GatewayConfig::Xendit {
                secret_key,
                callback_token,
                base_url,
            },
        ) => Arc::new(XenditInvoice::new(
            secret_key,
            callback_token,
            base_url.as_deref(),
            http,
        )),
        (
            PaymentMethod::Stripe,
            GatewayConfig::Stripe {
                secret_key,
                webhook_secret,
                base_url,
                tolerance_seconds,
            },
        ) => Arc::new(StripePaymentIntents::new(
            secret_key,
            webhook_secret,
            base_url.as_deref(),
            *tolerance_seconds,
            http,
        )),
        (
            PaymentMethod::Paypal,
            GatewayConfig::Paypal {
                client_id,
                client_secret,
                webhook_id,
                base_url,
                currency,
                idr_per_unit,
            },
        ) => Arc::new(PaypalOrders::new(
            paypal::PaypalSettings {
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                webhook_id: webhook_id.clone(),
                base_url: base_url.clone(),
                currency: currency.clone(),
                idr_per_unit: *idr_per_unit,
            },
            http,
        )?),
        (PaymentMethod::BankTransfer | PaymentMethod::Cod, _) => {
            return Err(GatewayError::Unsupported(
                "manual bank transfers and cash on delivery have no gateway",
            ));
        }
        _ => {
            return Err(GatewayError::Unsupported(
                "the store's gateway configuration does not serve this payment method",
            ));
        }
    };
    Ok(gateway)
}
