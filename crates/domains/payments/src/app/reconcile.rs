//! Reconciliation: webhooks get lost. A payment still `awaiting_payment` well after it was
//! opened is checked with its gateway, and moves (only forward) to what the gateway says.
//! Bank transfers whose time ran out expire; cash on delivery never does.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use smartseller_contracts::payments::{PaymentMethod, PaymentStatus};
use smartseller_kernel::TenantId;
use tokio_util::sync::CancellationToken;

use super::gateway_settings::{self, MethodConfig};
use super::service::settle_in;
use super::webhooks::target_for;
use super::{Caller, Note, PaymentsCtx, PaymentsResult, Source, transition};
use crate::store;

/// How many payments one pass looks at, per kind of work.
const BATCH: u64 = 200;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    /// Payments whose gateway was asked.
    pub checked: usize,
    /// Payments that moved on the gateway's answer.
    pub moved: usize,
    /// Bank transfers that lapsed.
    pub expired: usize,
    /// Gateways that could not answer (tried again next pass).
    pub failed: usize,
}

const GATEWAY_METHODS: &[&str] = &["midtrans", "xendit", "stripe", "paypal", "virtual_account"];

/// One pass over every store.
pub async fn run_once(ctx: &PaymentsCtx, now: DateTime<Utc>) -> PaymentsResult<ReconcileReport> {
    let mut report = ReconcileReport::default();
    let quiet_since = now
        - chrono::Duration::from_std(ctx.settings.reconcile_after)
            .unwrap_or_else(|_| chrono::Duration::minutes(15));
    let stale = store::stale_payments(
        ctx.db.conn(),
        PaymentStatus::AwaitingPayment.as_str(),
        GATEWAY_METHODS,
        quiet_since,
        BATCH,
    )
    .await?;
    for payment in stale {
        let tenant = TenantId(payment.tenant_id);
        let Some(gateway_reference) = payment.gateway_reference.clone() else {
            continue;
        };
        let Some(method) = gateway_settings::load(ctx.db.conn(), tenant, payment.method()).await?
        else {
            continue;
        };
        let MethodConfig::Gateway(config) = &method.config else {
            continue;
        };
        report.checked += 1;
        let answer = match ctx.gateways.gateway(config, payment.method()) {
            Ok(gateway) => gateway.status(&payment.reference, &gateway_reference).await,
            Err(error) => Err(error),
        };
        let answer = match answer {
            Ok(answer) => answer,
            Err(error) => {
                report.failed += 1;
                tracing::warn!(payment_id = %payment.id, %error, "reconciliation could not ask the gateway");
                continue;
            }
        };
        let mut tx = ctx.db.begin_write().await?;
        let note = Note {
            source: Source::Reconcile,
            caller: Caller::system(tenant),
            action: "reconciled",
            detail: json!({ "gateway_status": answer.status.as_str(), "captured": answer.captured }),
        };
        let (_, changed) = transition(&mut tx, tenant, payment.id, &note, |before| {
            Ok(target_for(before, answer.status, answer.captured))
        })
        .await?;
        tx.commit().await?;
        if changed {
            report.moved += 1;
        }
    }
    let lapsed = store::lapsed_payments(
        ctx.db.conn(),
        &[
            PaymentStatus::Created.as_str(),
            PaymentStatus::AwaitingPayment.as_str(),
        ],
        &[PaymentMethod::BankTransfer.as_str()],
        now,
        BATCH,
    )
    .await?;
    for payment in lapsed {
        let tenant = TenantId(payment.tenant_id);
        let mut tx = ctx.db.begin_write().await?;
        let outcome = settle_in(
            &mut tx,
            &Caller::system(tenant),
            payment.id,
            PaymentStatus::Expired,
            "expired",
            Source::Reconcile,
        )
        .await;
        // Otherwise confirmed by the seller in the meantime: it stays paid, nothing to write.
        if let Ok((_, true)) = outcome {
            tx.commit().await?;
            report.expired += 1;
        }
    }
    Ok(report)
}

/// Runs [`run_once`] every `every` until `cancel`.
pub async fn run_reconciler(ctx: PaymentsCtx, every: Duration, cancel: CancellationToken) {
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        match run_once(&ctx, smartseller_kernel::clock::now()).await {
            Ok(report) if report != ReconcileReport::default() => {
                tracing::info!(?report, "payments reconciled");
            }
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "payment reconciliation failed"),
        }
    }
}
