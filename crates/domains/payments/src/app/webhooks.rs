//! Gateway notifications. Each is verified over the raw body before anything is parsed, stored
//! once per (store, method, event id), and moves its payment only forward: a duplicate, a retry
//! or a late `pending` changes nothing, and the answer is 200 so the gateway stops retrying.

use axum::http::HeaderMap;
use serde_json::json;
use smartseller_contracts::payments::{PaymentMethod, PaymentStatus};
use smartseller_kernel::{TenantId, clock};
use uuid::Uuid;

use super::gateway_settings::{self, MethodConfig};
use super::{Caller, Note, PaymentsCtx, PaymentsError, PaymentsResult, Source, Target, transition};
use crate::domain::{self, Transition};
use crate::gateways::{VerifiedNotification, WebhookError};
use crate::store::{self, webhook};

/// What became of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebhookOutcome {
    /// The payment moved.
    Applied,
    /// This event was received before; nothing changed.
    Duplicate,
    /// Genuine, but changes nothing (an earlier stage, a ping).
    Ignored,
    /// No payment of this store has the notification's reference; kept for an operator.
    UnknownPayment,
}

impl WebhookOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookOutcome::Applied => "applied",
            WebhookOutcome::Duplicate => "duplicate",
            WebhookOutcome::Ignored => "ignored",
            WebhookOutcome::UnknownPayment => "unknown_payment",
        }
    }
}

/// Receives one delivery for `tenant`'s `method`, whose URL carried `secret`.
pub async fn receive(
    ctx: &PaymentsCtx,
    tenant: TenantId,
    method: PaymentMethod,
    secret: &str,
    headers: &HeaderMap,
    raw_body: &[u8],
) -> PaymentsResult<WebhookOutcome> {
    // Unknown store, unknown method, a method without a gateway and a wrong secret all look the
    // same from outside: there is no such webhook.
    let configured = gateway_settings::load(ctx.db.conn(), tenant, method)
        .await?
        .filter(|m| gateway_settings::secret_matches(&m.row, secret))
        .ok_or(PaymentsError::NotFound("webhook"))?;
    let MethodConfig::Gateway(config) = &configured.config else {
        return Err(PaymentsError::NotFound("webhook"));
    };
    let gateway = ctx.gateways.gateway(config, method)?;
    let notification = gateway
        .verify_webhook(headers, raw_body, clock::now())
        .await
        .map_err(|error| match error {
            WebhookError::BadSignature => PaymentsError::BadSignature,
            WebhookError::Malformed(message) => PaymentsError::Malformed(message),
        })?;
    let Some(notification) = notification else {
        return Ok(WebhookOutcome::Ignored);
    };
    apply(ctx, tenant, method, &notification, raw_body).await
}

/// Records a verified notification and applies it, in one transaction.
pub async fn apply(
    ctx: &PaymentsCtx,
    tenant: TenantId,
    method: PaymentMethod,
    notification: &VerifiedNotification,
    raw_body: &[u8],
) -> PaymentsResult<WebhookOutcome> {
    let mut tx = ctx.db.begin_write().await?;
    let receipt_id = Uuid::now_v7();
    let first_time = store::insert_receipt(
        &*tx,
        webhook::Model {
            id: receipt_id,
            tenant_id: tenant.as_uuid(),
            method: method.as_str().to_owned(),
            event_id: notification.event_id.clone(),
            payment_id: None,
            outcome: WebhookOutcome::Applied.as_str().to_owned(),
            raw_body: String::from_utf8_lossy(raw_body).into_owned(),
            received_at: clock::now(),
        },
    )
    .await?;
    if !first_time {
        return Ok(WebhookOutcome::Duplicate);
    }
    let methods: Vec<&str> = sharing_notifications(method)
        .iter()
        .map(|m| m.as_str())
        .collect();
    let Some(payment) = store::payment_by_reference(
        &*tx,
        tenant,
        &methods,
        notification.reference.as_deref(),
        notification.gateway_reference.as_deref(),
    )
    .await?
    else {
        store::set_receipt_outcome(
            &*tx,
            receipt_id,
            None,
            WebhookOutcome::UnknownPayment.as_str(),
        )
        .await?;
        tx.commit().await?;
        tracing::warn!(method = method.as_str(), event_id = %notification.event_id, "payment notification for an unknown payment");
        return Ok(WebhookOutcome::UnknownPayment);
    };
    let note = Note {
        source: Source::Webhook,
        caller: Caller::gateway(tenant),
        action: "notified",
        detail: json!({
            "event_id": notification.event_id,
            "status": notification.status.as_str(),
            "amount": notification.amount,
        }),
    };
    let card = card_identity(method, &notification.raw);
    let (_, changed) = transition(&mut tx, tenant, payment.id, &note, |before| {
        Ok(
            target_for(before, notification.status, notification.amount).map(|target| Target {
                card: card.clone(),
                ..target
            }),
        )
    })
    .await?;
    let outcome = if changed {
        WebhookOutcome::Applied
    } else {
        WebhookOutcome::Ignored
    };
    store::set_receipt_outcome(&*tx, receipt_id, Some(payment.id), outcome.as_str()).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// The methods whose payments one notification URL may speak of. Midtrans sends every
/// notification of a merchant account (Snap and Core API virtual accounts alike) to the one URL
/// set in its dashboard, so either Midtrans URL finds payments of both methods.
pub fn sharing_notifications(method: PaymentMethod) -> &'static [PaymentMethod] {
    match method {
        PaymentMethod::Midtrans | PaymentMethod::VirtualAccount => {
            &[PaymentMethod::Midtrans, PaymentMethod::VirtualAccount]
        }
        PaymentMethod::Xendit => &[PaymentMethod::Xendit],
        PaymentMethod::Stripe => &[PaymentMethod::Stripe],
        PaymentMethod::Paypal => &[PaymentMethod::Paypal],
        PaymentMethod::BankTransfer => &[PaymentMethod::BankTransfer],
        PaymentMethod::Cod => &[PaymentMethod::Cod],
    }
}

/// The card behind a notification, as its gateway identifies it across payments, for the
/// orders domain's velocity rule: Midtrans names the masked number (`masked_card`), Stripe a
/// fingerprint of the card (`payment_method_details.card.fingerprint` on a charge, or on the
/// payment intent's expanded `latest_charge`). Xendit's and PayPal's notifications name none.
pub(crate) fn card_identity(method: PaymentMethod, raw: &serde_json::Value) -> Option<String> {
    let text = |value: &serde_json::Value| {
        value
            .as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.len() <= 100)
            .map(str::to_owned)
    };
    match method {
        PaymentMethod::Midtrans | PaymentMethod::VirtualAccount => {
            text(&raw["masked_card"]).map(|card| format!("midtrans:{card}"))
        }
        PaymentMethod::Stripe => {
            let object = &raw["data"]["object"];
            [
                &object["payment_method_details"]["card"]["fingerprint"],
                &object["latest_charge"]["payment_method_details"]["card"]["fingerprint"],
            ]
            .into_iter()
            .find_map(text)
            .map(|fingerprint| format!("stripe:{fingerprint}"))
        }
        _ => None,
    }
}

/// What a payment becomes on hearing that the gateway has it in `incoming`, with `amount` when
/// the gateway said how much; `None` when it does not move.
pub(crate) fn target_for(
    before: &crate::store::payment::Model,
    incoming: PaymentStatus,
    amount: Option<smartseller_kernel::money::Money>,
) -> Option<Target> {
    let Transition::Move(to) = domain::decide(before.status(), incoming) else {
        return None;
    };
    // An amount in another currency, or above the payment, is not trusted.
    let amount_minor = amount
        .filter(|a| a.currency == before.currency() && a.minor >= 1)
        .map(|a| a.minor);
    let mut target = Target::status(before, to);
    match to {
        PaymentStatus::Paid => {
            target.captured_minor = amount_minor
                .filter(|a| *a <= before.amount_minor)
                .unwrap_or(before.amount_minor);
        }
        PaymentStatus::PartiallyRefunded | PaymentStatus::Refunded | PaymentStatus::Chargeback => {
            if before.captured_minor == 0 {
                // Paid and refunded before we heard of the payment.
                target.captured_minor = before.amount_minor;
            }
            target.refunded_minor = match to {
                PaymentStatus::Refunded => target.captured_minor,
                PaymentStatus::PartiallyRefunded => amount_minor
                    .filter(|a| *a <= target.captured_minor)
                    .unwrap_or(before.refunded_minor)
                    .max(before.refunded_minor),
                _ => before.refunded_minor,
            };
        }
        _ => {}
    }
    Some(target)
}

/// A delivery as stored, for operators and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub event_id: String,
    pub payment_id: Option<Uuid>,
    pub outcome: String,
    pub raw_body: String,
}

/// The deliveries a store received for `method`, oldest first.
pub async fn receipts(
    ctx: &PaymentsCtx,
    tenant: TenantId,
    method: PaymentMethod,
) -> PaymentsResult<Vec<Receipt>> {
    Ok(store::receipts(ctx.db.conn(), tenant, method.as_str())
        .await?
        .into_iter()
        .map(|r| Receipt {
            event_id: r.event_id,
            payment_id: r.payment_id,
            outcome: r.outcome,
            raw_body: r.raw_body,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use smartseller_kernel::money::{Currency, Money};

    #[test]
    fn a_notification_names_its_card_where_the_gateway_does() {
        let midtrans =
            serde_json::json!({ "masked_card": "481111-1114", "payment_type": "credit_card" });
        assert_eq!(
            card_identity(PaymentMethod::Midtrans, &midtrans).as_deref(),
            Some("midtrans:481111-1114")
        );
        let charge = serde_json::json!({ "data": { "object": {
            "payment_method_details": { "card": { "fingerprint": "Xt5EWLLDS7FJjR1c" } } } } });
        assert_eq!(
            card_identity(PaymentMethod::Stripe, &charge).as_deref(),
            Some("stripe:Xt5EWLLDS7FJjR1c")
        );
        let intent = serde_json::json!({ "data": { "object": { "latest_charge": {
            "payment_method_details": { "card": { "fingerprint": "Xt5EWLLDS7FJjR1c" } } } } } });
        assert_eq!(
            card_identity(PaymentMethod::Stripe, &intent).as_deref(),
            Some("stripe:Xt5EWLLDS7FJjR1c")
        );
        let transfer = serde_json::json!({ "payment_type": "bank_transfer" });
        assert_eq!(card_identity(PaymentMethod::Midtrans, &transfer), None);
        assert_eq!(card_identity(PaymentMethod::Xendit, &midtrans), None);
        assert_eq!(
            card_identity(
                PaymentMethod::Midtrans,
                &serde_json::json!({ "masked_card": "  " })
            ),
            None
        );
    }

    fn payment(
        status: PaymentStatus,
        captured: i64,
        refunded: i64,
    ) -> crate::store::payment::Model {
        let now = clock::now();
        crate::store::payment::Model {
            id: Uuid::now_v7(),
            tenant_id: Uuid::now_v7(),
            order_id: Uuid::now_v7(),
            order_number: "SO-1".into(),
            method: "midtrans".into(),
            status: status.as_str().into(),
            currency: "IDR".into(),
            amount_minor: 15_000_000,
            captured_minor: captured,
            refunded_minor: refunded,
            reference: "r".into(),
            gateway_reference: None,
            redirect_url: None,
            instructions: None,
            link_token: "t".into(),
            expires_at: None,
            idempotency_key: "k".into(),
            request: serde_json::Value::Null,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    fn idr(minor: i64) -> Option<Money> {
        Some(Money::new(minor, Currency::Idr))
    }

    #[test]
    fn a_settlement_captures_what_the_gateway_received_never_more_than_the_amount() {
        let awaiting = payment(PaymentStatus::AwaitingPayment, 0, 0);
        let whole = target_for(&awaiting, PaymentStatus::Paid, None).expect("moves");
        assert_eq!(whole.captured_minor, 15_000_000);
        let part = target_for(&awaiting, PaymentStatus::Paid, idr(10_000_000)).expect("moves");
        assert_eq!(part.captured_minor, 10_000_000);
        let too_much = target_for(&awaiting, PaymentStatus::Paid, idr(99_000_000)).expect("moves");
        assert_eq!(too_much.captured_minor, 15_000_000);
        let dollars = Some(Money::new(100, Currency::Usd));
        let foreign = target_for(&awaiting, PaymentStatus::Paid, dollars).expect("moves");
        assert_eq!(foreign.captured_minor, 15_000_000);
    }

    #[test]
    fn refunds_told_by_the_gateway_stay_within_the_capture_and_never_shrink() {
        let paid = payment(PaymentStatus::Paid, 15_000_000, 0);
        let partial =
            target_for(&paid, PaymentStatus::PartiallyRefunded, idr(5_000_000)).expect("moves");
        assert_eq!(partial.refunded_minor, 5_000_000);
        let full = target_for(&paid, PaymentStatus::Refunded, None).expect("moves");
        assert_eq!(full.refunded_minor, 15_000_000);
        let partly = payment(PaymentStatus::PartiallyRefunded, 15_000_000, 5_000_000);
        assert!(target_for(&partly, PaymentStatus::Paid, None).is_none());
        // Refunded before we heard it was paid: the capture is the whole amount.
        let unheard = payment(PaymentStatus::AwaitingPayment, 0, 0);
        let refunded = target_for(&unheard, PaymentStatus::Refunded, None).expect("moves");
        assert_eq!(
            (refunded.captured_minor, refunded.refunded_minor),
            (15_000_000, 15_000_000)
        );
    }

    #[test]
    fn one_midtrans_url_serves_snap_and_virtual_accounts() {
        assert_eq!(
            sharing_notifications(PaymentMethod::VirtualAccount),
            sharing_notifications(PaymentMethod::Midtrans)
        );
        assert_eq!(
            sharing_notifications(PaymentMethod::Stripe),
            [PaymentMethod::Stripe]
        );
    }
}
