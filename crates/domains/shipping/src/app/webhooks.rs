//! Status pushes from couriers: the URL's secret proves the sender, the provider checks and
//! reads the body, each delivery is stored once, and the status goes through the one rule.

use axum::http::HeaderMap;
use sea_orm::Set;
use smartseller_contracts::shipping::ShippingError;
use smartseller_kernel::{TenantId, clock};
use uuid::Uuid;

use super::service::client_for;
use super::setup::secret_matches;
use super::tracking::{Applied, Source, StatusReport, apply_in_tx};
use super::{AppError, AppResult, ShippingCtx, is_unique_violation};
use crate::providers::WebhookError;
use crate::store::{self, webhook_receipt};

/// What became of a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// An empty delivery, as sent when the URL is saved.
    Ping,
    /// This delivery was handled before.
    Duplicate,
    /// Valid, but nothing to act on.
    Nothing,
    /// Stored; no shipment of ours matches (yet).
    UnknownShipment,
    Applied(Applied),
}

impl WebhookOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            WebhookOutcome::Ping => "ping",
            WebhookOutcome::Duplicate => "duplicate",
            WebhookOutcome::Nothing => "nothing",
            WebhookOutcome::UnknownShipment => "unknown_shipment",
            WebhookOutcome::Applied(Applied::Changed { .. }) => "applied",
            WebhookOutcome::Applied(Applied::Unchanged { .. }) => "unchanged",
        }
    }
}

const MAX_ATTEMPTS: usize = 16;

/// Handles one push to `/webhooks/shipping/{provider}/{tenant}/{secret}`. A wrong provider,
/// tenant or secret all read as `NotFound`, so the URL gives nothing away.
pub async fn receive(
    ctx: &ShippingCtx,
    provider: &str,
    tenant: TenantId,
    secret: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> AppResult<WebhookOutcome> {
    let account = store::provider_account(ctx.db.conn(), tenant, provider)
        .await?
        .filter(|account| secret_matches(account, secret))
        .ok_or(AppError::NotFound("webhook"))?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(WebhookOutcome::Ping);
    }
    let client = client_for(ctx, &account)?;
    let update = match client.parse_webhook(headers, body) {
        Ok(Some(update)) => update,
        Ok(None) => return Ok(WebhookOutcome::Nothing),
        Err(WebhookError::BadSignature) => return Err(AppError::WebhookRefused),
        Err(WebhookError::Malformed(reason)) => return Err(ShippingError::Invalid(reason).into()),
    };
    let raw_body = String::from_utf8_lossy(body).into_owned();
    for _ in 0..MAX_ATTEMPTS {
        let mut tx = ctx.db.begin_write().await?;
        // The receipt first: a second copy of this delivery waits here for the first to finish,
        // then finds it and stops.
        let receipt_id = Uuid::now_v7();
        let receipt = webhook_receipt::ActiveModel {
            id: Set(receipt_id),
            tenant_id: Set(tenant.as_uuid()),
            provider: Set(provider.to_owned()),
            event_id: Set(update.event_id.clone()),
            shipment_id: Set(None),
            outcome: Set("received".into()),
            raw_body: Set(raw_body.clone()),
            received_at: Set(clock::now()),
        };
        match store::insert_receipt(&*tx, receipt).await {
            Ok(()) => {}
            Err(error) if is_unique_violation(&error) => return Ok(WebhookOutcome::Duplicate),
            Err(error) => return Err(error.into()),
        }
        let shipment = store::shipment_by_provider_ids(
            &*tx,
            tenant,
            provider,
            update.provider_reference.as_deref(),
            update.awb.as_deref(),
        )
        .await?;
        let (outcome, shipment_id) = match shipment {
            None => (WebhookOutcome::UnknownShipment, None),
            Some(row) => {
                let report = StatusReport {
                    status: update.status,
                    raw_status: update.raw_status.clone(),
                    description: update.raw_status.clone(),
                    location: None,
                    at: update.at.unwrap_or_else(clock::now),
                    awb: update.awb.clone(),
                    source: Source::Webhook,
                };
                match apply_in_tx(&mut tx, &row, &report).await? {
                    Some(applied) => (WebhookOutcome::Applied(applied), Some(row.id)),
                    // Changed under us: undo the receipt too and start again.
                    None => continue,
                }
            }
        };
        store::set_receipt_outcome(&*tx, receipt_id, outcome.as_str(), shipment_id).await?;
        tx.commit().await?;
        return Ok(outcome);
    }
    Err(ShippingError::Unavailable("the shipment is changing too fast; try again".into()).into())
}

/// The pushes received from `provider` for the store, oldest first: `(event_id, outcome)`.
pub async fn receipts(
    ctx: &ShippingCtx,
    tenant: TenantId,
    provider: &str,
) -> AppResult<Vec<(String, String)>> {
    Ok(store::receipts(ctx.db.conn(), tenant, provider)
        .await?
        .into_iter()
        .map(|r| (r.event_id, r.outcome))
        .collect())
}
