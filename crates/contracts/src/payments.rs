//! `payment.events` and the [`Payments`] contract: how checkout starts, voids and refunds a
//! payment without knowing which gateway carries it, and what payments tells the rest of
//! SmartSeller when money moves.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use smartseller_kernel::TenantId;
use smartseller_kernel::event::DomainEvent;
use smartseller_kernel::money::Money;
use uuid::Uuid;

pub const SUBJECT: &str = "payment.events";

/// The ways a buyer can pay. The first four are card/e-wallet/hosted-checkout gateways spoken
/// over HTTP; `virtual_account` is a bank VA opened through a gateway; `bank_transfer` is a
/// manual transfer the seller confirms from a proof; `cod` is settled when the parcel is
/// delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Midtrans,
    Xendit,
    Stripe,
    Paypal,
    VirtualAccount,
    BankTransfer,
    Cod,
}

impl PaymentMethod {
    pub const ALL: &'static [PaymentMethod] = &[
        PaymentMethod::Midtrans,
        PaymentMethod::Xendit,
        PaymentMethod::Stripe,
        PaymentMethod::Paypal,
        PaymentMethod::VirtualAccount,
        PaymentMethod::BankTransfer,
        PaymentMethod::Cod,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Midtrans => "midtrans",
            PaymentMethod::Xendit => "xendit",
            PaymentMethod::Stripe => "stripe",
            PaymentMethod::Paypal => "paypal",
            PaymentMethod::VirtualAccount => "virtual_account",
            PaymentMethod::BankTransfer => "bank_transfer",
            PaymentMethod::Cod => "cod",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        PaymentMethod::ALL
            .iter()
            .copied()
            .find(|method| method.as_str() == text)
    }
}

/// Where a payment stands. Moves only forward: see [`PaymentStatus::rank`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Recorded, not yet accepted by the gateway.
    Created,
    /// The buyer has somewhere to pay (a redirect, a VA number, bank details).
    AwaitingPayment,
    /// The gateway holds the payment for a fraud review.
    Review,
    /// Card pre-authorised; capture moves the money.
    Authorized,
    /// Money received (in full, or captured in part and the rest released).
    Paid,
    PartiallyRefunded,
    Refunded,
    Chargeback,
    Failed,
    Expired,
    Cancelled,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Created => "created",
            PaymentStatus::AwaitingPayment => "awaiting_payment",
            PaymentStatus::Review => "review",
            PaymentStatus::Authorized => "authorized",
            PaymentStatus::Paid => "paid",
            PaymentStatus::PartiallyRefunded => "partially_refunded",
            PaymentStatus::Refunded => "refunded",
            PaymentStatus::Chargeback => "chargeback",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Expired => "expired",
            PaymentStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        use PaymentStatus::*;
        [
            Created,
            AwaitingPayment,
            Review,
            Authorized,
            Paid,
            PartiallyRefunded,
            Refunded,
            Chargeback,
            Failed,
            Expired,
            Cancelled,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }

    /// True once nothing but refunds and chargebacks can follow.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            PaymentStatus::Failed | PaymentStatus::Expired | PaymentStatus::Cancelled
        )
    }

    /// True when the money arrived (whatever happened to it since).
    pub fn is_settled(self) -> bool {
        matches!(
            self,
            PaymentStatus::Paid
                | PaymentStatus::PartiallyRefunded
                | PaymentStatus::Refunded
                | PaymentStatus::Chargeback
        )
    }
}

/// A line the gateway shows the buyer; gateways such as Midtrans insist the lines sum to the
/// amount, so the orders domain sends them already allocated (discounts, shipping, tax in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentItem {
    pub sku: String,
    pub name: String,
    pub unit_price: Money,
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PaymentCustomer {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Ask payments to collect `amount` for an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartPayment {
    pub order_id: Uuid,
    /// The seller-facing order number, e.g. `SO-20261125-0001`; gateways show it to the buyer.
    pub order_number: String,
    pub method: PaymentMethod,
    pub amount: Money,
    pub items: Vec<PaymentItem>,
    pub customer: PaymentCustomer,
    /// Where the gateway sends the buyer back after paying.
    pub return_url: Option<String>,
    /// When an unpaid payment lapses.
    pub expires_at: DateTime<Utc>,
    /// Same key, same payment: a retried checkout never opens a second payment.
    pub idempotency_key: String,
}

/// A payment as the payments domain answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub payment_id: Uuid,
    pub order_id: Uuid,
    pub method: PaymentMethod,
    pub status: PaymentStatus,
    pub amount: Money,
    pub captured: Money,
    pub refunded: Money,
    /// The gateway's own id for the payment (Snap order id, invoice id, PaymentIntent id...).
    pub gateway_reference: Option<String>,
    /// Where to send the buyer to pay, when the gateway hosts the payment page.
    pub redirect_url: Option<String>,
    /// What the buyer needs to pay outside a redirect: a VA number, bank account details, a
    /// Stripe client secret. Shape depends on the method.
    pub instructions: Option<serde_json::Value>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The buyer-facing payment link (`/api/v1/pay/{token}`), to send over WhatsApp or chat.
    pub payment_link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequest {
    pub payment_id: Uuid,
    pub amount: Money,
    pub reason: String,
    /// Same key, same refund: a retried return never refunds twice.
    pub idempotency_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundView {
    pub refund_id: Uuid,
    pub payment_id: Uuid,
    pub amount: Money,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    pub gateway_reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error("no such payment")]
    NotFound,
    /// The request itself is wrong: an amount below 1, a method not enabled for the store,
    /// a refund above what is left.
    #[error("invalid payment request: {0}")]
    Invalid(String),
    /// The payment is in a state that does not allow this (e.g. refunding an unpaid payment).
    #[error("the payment is {}", .0.as_str())]
    WrongState(PaymentStatus),
    /// The gateway said no (declined, rejected the request); the message is the gateway's.
    #[error("the gateway refused: {0}")]
    Declined(String),
    /// The gateway could not be reached or kept failing; safe to retry later.
    #[error("the gateway is unavailable: {0}")]
    Unavailable(String),
}

/// What checkout and returns use to move money, in-process or remotely.
#[async_trait::async_trait]
pub trait Payments: Send + Sync + 'static {
    /// Opens a payment with the chosen method. Idempotent on `idempotency_key`.
    async fn start(
        &self,
        tenant: TenantId,
        request: StartPayment,
    ) -> Result<PaymentView, PaymentError>;
    /// Gives up a payment that has not been paid (a later checkout step failed): cancels it at
    /// the gateway where the gateway allows. Voiding a voided payment is a no-op.
    async fn void(&self, tenant: TenantId, payment_id: Uuid) -> Result<PaymentView, PaymentError>;
    /// Refunds part or all of a settled payment through the gateway that took it.
    async fn refund(
        &self,
        tenant: TenantId,
        request: RefundRequest,
    ) -> Result<RefundView, PaymentError>;
    async fn get(&self, tenant: TenantId, payment_id: Uuid) -> Result<PaymentView, PaymentError>;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PaymentEvent {
    /// The payment moved to `status`; emitted once per real change, never for a duplicate or a
    /// backwards notification.
    StatusChanged {
        payment_id: Uuid,
        order_id: Uuid,
        method: PaymentMethod,
        before: PaymentStatus,
        after: PaymentStatus,
        amount: Money,
        captured: Money,
        refunded: Money,
        /// The card behind the payment as its gateway identifies it (`midtrans:481111-1114`,
        /// `stripe:<fingerprint>`), when the notification named one: for fraud velocity.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        card: Option<String>,
    },
    Refunded {
        payment_id: Uuid,
        order_id: Uuid,
        refund_id: Uuid,
        amount: Money,
        /// Everything refunded on this payment so far, this refund included.
        total_refunded: Money,
    },
}

impl DomainEvent for PaymentEvent {
    const SUBJECT: &'static str = SUBJECT;

    fn event_type(&self) -> &'static str {
        match self {
            PaymentEvent::StatusChanged { after, .. } => match after {
                PaymentStatus::Paid => "payment.paid",
                PaymentStatus::Authorized => "payment.authorized",
                PaymentStatus::Failed => "payment.failed",
                PaymentStatus::Expired => "payment.expired",
                PaymentStatus::Cancelled => "payment.cancelled",
                PaymentStatus::Review => "payment.review",
                PaymentStatus::Chargeback => "payment.chargeback",
                _ => "payment.status_changed",
            },
            PaymentEvent::Refunded { .. } => "payment.refunded",
        }
    }

    fn aggregate_id(&self) -> Uuid {
        match self {
            PaymentEvent::StatusChanged { payment_id, .. }
            | PaymentEvent::Refunded { payment_id, .. } => *payment_id,
        }
    }
}
