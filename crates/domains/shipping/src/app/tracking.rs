//! Every status change goes through [`apply`]: the pure rule in `domain` decides, a guarded
//! update on the shipment's version makes the change once however many reports race, and the
//! tracking entry and `ShipmentEvent::StatusChanged` are written in the same transaction.

use std::time::Duration;

use chrono::{DateTime, Utc};
use smartseller_contracts::shipping::{ShipmentEvent, ShipmentStatus, ShipmentView, ShippingError};
use smartseller_kernel::{TenantId, clock};
use smartseller_platform::WriteTx;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::service::{FLAT, client_for};
use super::{AppResult, ShippingCtx, stored_status, view};
use crate::domain::{self, Transition};
use crate::store::{self, shipment};

/// Where a status report came from, as the tracking history records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Webhook,
    Poll,
    Manual,
    Booking,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Webhook => "webhook",
            Source::Poll => "poll",
            Source::Manual => "manual",
            Source::Booking => "booking",
        }
    }
}

/// A courier's (or the seller's) word on where a parcel is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    /// `None` when the report only brings an airway bill.
    pub status: Option<ShipmentStatus>,
    pub raw_status: String,
    pub description: String,
    pub location: Option<String>,
    pub at: DateTime<Utc>,
    /// An airway bill the courier has just issued.
    pub awb: Option<String>,
    pub source: Source,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Changed {
        before: ShipmentStatus,
        after: ShipmentStatus,
    },
    /// Nothing new: the same status, an older one, or the shipment is finished.
    Unchanged { current: ShipmentStatus },
}

/// How often a report is retried when other reports keep changing the shipment under it.
const MAX_ATTEMPTS: usize = 16;

/// Applies `report` to the shipment, once.
pub async fn apply(
    ctx: &ShippingCtx,
    tenant: TenantId,
    shipment_id: Uuid,
    report: StatusReport,
) -> AppResult<Applied> {
    for _ in 0..MAX_ATTEMPTS {
        let mut tx = ctx.db.begin_write().await?;
        let row = store::shipment(&*tx, tenant, shipment_id)
            .await?
            .ok_or(ShippingError::NotFound)?;
        if let Some(applied) = apply_in_tx(&mut tx, &row, &report).await? {
            tx.commit().await?;
            return Ok(applied);
        }
    }
    Err(ShippingError::Unavailable("the shipment is changing too fast; try again".into()).into())
}

/// Applies `report` to `row` inside `tx`. `None` when the shipment changed since `row` was
/// read: roll back and read it again.
pub(crate) async fn apply_in_tx(
    tx: &mut WriteTx,
    row: &shipment::Model,
    report: &StatusReport,
) -> AppResult<Option<Applied>> {
    let tenant = TenantId(row.tenant_id);
    let current = stored_status(&row.status);
    let new_awb = report
        .awb
        .as_deref()
        .filter(|awb| !awb.is_empty() && row.awb.as_deref() != Some(*awb));
    let next = match report.status {
        Some(status) => Some(status),
        // A fresh airway bill on a booked parcel is news in itself.
        None if new_awb.is_some() && current == ShipmentStatus::Booked => {
            Some(ShipmentStatus::AwbAssigned)
        }
        None => None,
    };
    let advance = next.filter(|&next| domain::transition(current, next) == Transition::Advance);
    let Some(after) = advance else {
        if let Some(awb) = new_awb
            && !domain::is_final(current)
            && !store::update_shipment_guarded(&**tx, row, current.as_str(), Some(awb), report.at)
                .await?
        {
            return Ok(None);
        }
        return Ok(Some(Applied::Unchanged { current }));
    };
    if !store::update_shipment_guarded(&**tx, row, after.as_str(), new_awb, report.at).await? {
        return Ok(None);
    }
    let description = if report.description.trim().is_empty() {
        after.as_str().replace('_', " ")
    } else {
        report.description.clone()
    };
    store::append_tracking(
        &**tx,
        tenant,
        row.id,
        after.as_str(),
        &report.raw_status,
        &description,
        report.location.as_deref(),
        report.at,
        report.source.as_str(),
    )
    .await?;
    tx.publish(
        tenant,
        &ShipmentEvent::StatusChanged {
            shipment_id: row.id,
            order_id: row.order_id,
            awb: new_awb.map(str::to_owned).or_else(|| row.awb.clone()),
            before: current,
            after,
            at: report.at,
        },
    )
    .await?;
    Ok(Some(Applied::Changed {
        before: current,
        after,
    }))
}

/// The seller's own courier reports a status by hand. Couriers booked through a provider
/// report their own; going backwards is refused.
pub async fn record_manual(
    ctx: &ShippingCtx,
    tenant: TenantId,
    shipment_id: Uuid,
    status: ShipmentStatus,
    description: Option<String>,
    location: Option<String>,
) -> AppResult<ShipmentView> {
    let conn = ctx.db.conn();
    let row = store::shipment(conn, tenant, shipment_id)
        .await?
        .ok_or(ShippingError::NotFound)?;
    if row.provider != FLAT {
        return Err(ShippingError::Invalid(format!(
            "{} reports this shipment's status itself",
            row.provider
        ))
        .into());
    }
    let report = StatusReport {
        status: Some(status),
        raw_status: status.as_str().to_owned(),
        description: description.unwrap_or_default(),
        location,
        at: clock::now(),
        awb: None,
        source: Source::Manual,
    };
    if let Applied::Unchanged { current } = apply(ctx, tenant, shipment_id, report).await? {
        return Err(ShippingError::WrongState(current).into());
    }
    let row = store::shipment(conn, tenant, shipment_id)
        .await?
        .ok_or(ShippingError::NotFound)?;
    view(conn, &row).await
}

/// One round of polling: asks the courier about each in-flight shipment with an airway bill
/// not asked about for `poll_every`, and applies the latest status it reports. Returns how many
/// shipments were asked about.
pub async fn poll_once(ctx: &ShippingCtx, now: DateTime<Utc>) -> AppResult<usize> {
    let statuses: Vec<&str> = domain::IN_FLIGHT.iter().map(|s| s.as_str()).collect();
    let polled_before = now
        - chrono::Duration::from_std(ctx.settings.poll_every)
            .unwrap_or_else(|_| chrono::Duration::minutes(30));
    let due = store::shipments_due_for_polling(
        ctx.db.conn(),
        &statuses,
        polled_before,
        ctx.settings.poll_batch,
    )
    .await?;
    let count = due.len();
    for row in due {
        let tenant = TenantId(row.tenant_id);
        if let Err(error) = poll_one(ctx, &row).await {
            tracing::warn!(error = %ShippingError::from(error), shipment_id = %row.id, %tenant, "tracking poll failed");
        }
        let tx = ctx.db.begin_write().await?;
        store::mark_polled(&*tx, row.id, now).await?;
        tx.commit().await?;
    }
    Ok(count)
}

async fn poll_one(ctx: &ShippingCtx, row: &shipment::Model) -> AppResult<()> {
    let tenant = TenantId(row.tenant_id);
    let Some(awb) = row.awb.as_deref() else {
        return Ok(());
    };
    let Some(account) = store::provider_account(ctx.db.conn(), tenant, &row.provider)
        .await?
        .filter(|a| a.enabled)
    else {
        return Ok(());
    };
    let client = client_for(ctx, &account)?;
    let tracked = tokio::time::timeout(
        ctx.settings.provider_timeout,
        client.track(awb, &row.courier_code, row.provider_reference.as_deref()),
    )
    .await
    .map_err(|_| ShippingError::Unavailable("the courier did not answer in time".into()))?
    .map_err(super::provider_failure)?;
    let latest = tracked.entries.last();
    let report = StatusReport {
        status: Some(tracked.status),
        raw_status: tracked.status.as_str().to_owned(),
        description: latest.map(|e| e.description.clone()).unwrap_or_default(),
        location: latest.and_then(|e| e.location.clone()),
        at: latest.map(|e| e.at).unwrap_or_else(clock::now),
        awb: None,
        source: Source::Poll,
    };
    apply(ctx, tenant, row.id, report).await?;
    Ok(())
}

/// Polls couriers in the background until `shutdown`.
pub async fn run_poller(ctx: ShippingCtx, shutdown: CancellationToken) {
    let pause =
        (ctx.settings.poll_every / 4).clamp(Duration::from_secs(1), Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(pause) => {}
        }
        match poll_once(&ctx, clock::now()).await {
            Ok(0) => {}
            Ok(count) => tracing::debug!(count, "shipments polled"),
            Err(error) => {
                tracing::warn!(error = %ShippingError::from(error), "tracking poll round failed")
            }
        }
    }
}
