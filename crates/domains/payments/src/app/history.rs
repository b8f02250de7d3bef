//! A payment's append-only history: who changed what, when, from what to what. The payment's
//! current figures are a fold of it, which [`rebuild`] proves.

use smartseller_contracts::payments::PaymentStatus;
use smartseller_kernel::TenantId;
use uuid::Uuid;

use super::{PaymentsCtx, PaymentsError, PaymentsResult};
use crate::store::{self, history};

/// One line of history as the seller sees it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub seq: i32,
    /// `api`, `webhook`, `reconcile`, `delivery` or `system`.
    pub source: String,
    /// `user`, `api_key`, `gateway` or `system`.
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub status_before: Option<String>,
    pub status_after: String,
    pub captured_before_minor: i64,
    pub captured_after_minor: i64,
    pub refunded_before_minor: i64,
    pub refunded_after_minor: i64,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl From<history::Model> for HistoryEntry {
    fn from(h: history::Model) -> Self {
        Self {
            seq: h.seq,
            source: h.source,
            actor_kind: h.actor_kind,
            actor_id: h.actor_id,
            action: h.action,
            status_before: h.status_before,
            status_after: h.status_after,
            captured_before_minor: h.captured_before,
            captured_after_minor: h.captured_after,
            refunded_before_minor: h.refunded_before,
            refunded_after_minor: h.refunded_after,
            detail: h.detail,
            at: h.at,
        }
    }
}

pub async fn list(
    ctx: &PaymentsCtx,
    tenant: TenantId,
    payment_id: Uuid,
) -> PaymentsResult<Vec<HistoryEntry>> {
    store::payment(ctx.db.conn(), tenant, payment_id)
        .await?
        .ok_or(PaymentsError::NotFound("payment"))?;
    Ok(store::history(ctx.db.conn(), tenant, payment_id)
        .await?
        .into_iter()
        .map(HistoryEntry::from)
        .collect())
}

/// A payment's figures as its history tells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rebuilt {
    pub status: PaymentStatus,
    pub captured_minor: i64,
    pub refunded_minor: i64,
    /// How many changes were applied.
    pub changes: usize,
}

/// Replays a payment's history from its creation. Each line must start where the previous one
/// ended: a gap means a change bypassed the history, and is reported as an inconsistency.
pub async fn rebuild(
    ctx: &PaymentsCtx,
    tenant: TenantId,
    payment_id: Uuid,
) -> PaymentsResult<Rebuilt> {
    let lines = store::history(ctx.db.conn(), tenant, payment_id).await?;
    let mut state: Option<Rebuilt> = None;
    for line in &lines {
        let status_after = PaymentStatus::parse(&line.status_after).ok_or_else(|| {
            PaymentsError::Unavailable(format!("unknown status in history: {}", line.status_after))
        })?;
        if let Some(previous) = &state {
            let continues = line.status_before.as_deref() == Some(previous.status.as_str())
                && line.captured_before == previous.captured_minor
                && line.refunded_before == previous.refunded_minor;
            if !continues {
                return Err(PaymentsError::Unavailable(format!(
                    "history of payment {payment_id} breaks at seq {}",
                    line.seq
                )));
            }
        }
        state = Some(Rebuilt {
            status: status_after,
            captured_minor: line.captured_after,
            refunded_minor: line.refunded_after,
            changes: state.map_or(0, |s| s.changes) + 1,
        });
    }
    state.ok_or(PaymentsError::NotFound("payment"))
}
