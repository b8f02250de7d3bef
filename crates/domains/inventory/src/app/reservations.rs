//! Holds on stock for orders: reserve every line or none, commit into a sale, release, and the
//! sweeper that gives back holds whose time ran out.

use std::time::Duration;

use chrono::{DateTime, Utc};
use smartseller_contracts::inventory::{
    InventoryEvent, ReservationError, ReservationRequest, ReservationResponse, ReservationStatus,
    StockLine, StockReference, StockReservations,
};
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, clock};
use smartseller_platform::WriteTx;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::stock::{alert_if_low, insufficient, snapshot};
use super::{Caller, InventoryCtx, InventoryError, InventoryResult};
use crate::domain::stock::MAX_QUANTITY;
use crate::domain::{Buckets, Movement, Reason, Reference, StockRuleError, merge_lines};
use crate::store::levels::{self, LedgerLine};
use crate::store::variants::ARCHIVED;
use crate::store::{
    reservation, reservation_line, reservations, stock_level, variants, warehouses,
};

/// A request to hold stock, already validated field by field.
#[derive(Debug, Clone)]
pub struct Hold {
    /// (variant, warehouse, quantity > 0), as given.
    pub lines: Vec<(Uuid, Uuid, i64)>,
    pub expires_at: DateTime<Utc>,
    pub reference: Option<Reference>,
}

/// The most lines one hold may carry.
const MAX_LINES: usize = 200;

impl Hold {
    /// Checks a request field by field, naming each line at fault: the one validation behind
    /// both the HTTP endpoint and the [`StockReservations`] contract.
    pub fn parse(request: &ReservationRequest, max_hold: Duration) -> Result<Hold, FieldErrors> {
        let mut errors = FieldErrors::new();
        if request.lines.is_empty() {
            errors.add("lines", "required", "Give at least one line.");
        }
        if request.lines.len() > MAX_LINES {
            errors.add(
                "lines",
                "too_many",
                format!("At most {MAX_LINES} lines per reservation."),
            );
        }
        for (index, line) in request.lines.iter().enumerate() {
            if !(1..=MAX_QUANTITY).contains(&line.quantity) {
                errors.add(
                    &format!("lines[{index}].quantity"),
                    "out_of_range",
                    format!("Give a quantity from 1 to {MAX_QUANTITY}."),
                );
            }
        }
        let now = clock::now();
        if request.expires_at <= now {
            errors.add("expires_at", "in_the_past", "Choose a time in the future.");
        } else if request.expires_at - now
            > chrono::Duration::from_std(max_hold).unwrap_or_default()
        {
            errors.add(
                "expires_at",
                "too_far",
                format!("A hold lasts at most {} days.", max_hold.as_secs() / 86_400),
            );
        }
        let reference = request
            .reference
            .as_ref()
            .and_then(|r| Reference::collect(&mut errors, "reference", &r.kind, &r.id));
        errors.finish()?;
        Ok(Hold {
            lines: request
                .lines
                .iter()
                .map(|l| (l.variant_id, l.warehouse_id, l.quantity))
                .collect(),
            expires_at: request.expires_at,
            reference,
        })
    }
}

/// A reservation and its lines.
pub struct Reservation {
    pub record: reservation::Model,
    pub lines: Vec<reservation_line::Model>,
}

impl Reservation {
    pub fn status(&self) -> ReservationStatus {
        ReservationStatus::parse(&self.record.status).unwrap_or(ReservationStatus::Held)
    }

    /// The contract's view, as the orders domain will receive it.
    pub fn to_response(&self) -> ReservationResponse {
        ReservationResponse {
            reservation_id: self.record.id,
            status: self.status(),
            lines: stock_lines(&self.lines),
            expires_at: self.record.expires_at,
            reference: reference_of(&self.record),
        }
    }
}

fn stock_lines(lines: &[reservation_line::Model]) -> Vec<StockLine> {
    lines
        .iter()
        .map(|l| StockLine {
            variant_id: l.variant_id,
            warehouse_id: l.warehouse_id,
            quantity: l.quantity,
        })
        .collect()
}

fn reference_of(r: &reservation::Model) -> Option<StockReference> {
    match (&r.reference_type, &r.reference_id) {
        (Some(kind), Some(id)) => Some(StockReference {
            kind: kind.clone(),
            id: id.clone(),
        }),
        _ => None,
    }
}

/// Holds every line or none. Lines for the same variant and warehouse count against the same
/// stock; rows are moved in (variant, warehouse) order so concurrent holds never deadlock.
pub async fn reserve(
    ctx: &InventoryCtx,
    caller: &Caller,
    hold: Hold,
) -> InventoryResult<Reservation> {
    let tenant = caller.tenant;
    let mut tx = ctx.db.begin_write().await?;
    check_lines(&tx, tenant, &hold.lines).await?;
    let id = Uuid::now_v7();
    let (record, lines) = reservations::insert(
        &*tx,
        tenant,
        reservations::NewReservation {
            id,
            reference: hold
                .reference
                .as_ref()
                .map(|r| (r.kind.as_str(), r.id.as_str())),
            expires_at: hold.expires_at,
            actor: caller.label(),
            lines: &hold.lines,
        },
    )
    .await?;
    let mut after = Vec::new();
    for ((variant, warehouse), quantity) in merge_lines(&hold.lines) {
        let movement = Movement::reserve(quantity);
        let Some(level) =
            levels::move_guarded(&*tx, tenant, variant, warehouse, movement, true).await?
        else {
            // Dropping `tx` rolls back the lines already held: all or nothing.
            let available = levels::find(&*tx, tenant, variant, warehouse)
                .await?
                .map(|l| l.buckets().available())
                .unwrap_or(0);
            return Err(InventoryError::InsufficientStock {
                variant_id: variant,
                warehouse_id: warehouse,
                available,
            });
        };
        let before = level.buckets().before(movement);
        record_move(&tx, caller, &record, &level, before, Reason::Reservation).await?;
        alert_if_low(&mut tx, tenant, &before, &level).await?;
        after.push(snapshot(&level));
    }
    tx.publish(
        tenant,
        &InventoryEvent::Reserved {
            reservation_id: id,
            lines: stock_lines(&lines),
            expires_at: record.expires_at,
            reference: reference_of(&record),
            levels: after,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Reservation { record, lines })
}

/// Refuses lines naming a variant or warehouse this store's inventory does not know, an
/// archived variant, or an inactive warehouse, naming the line at fault.
async fn check_lines(
    tx: &WriteTx,
    tenant: TenantId,
    lines: &[(Uuid, Uuid, i64)],
) -> InventoryResult<()> {
    let variant_ids: Vec<Uuid> = lines.iter().map(|l| l.0).collect();
    let warehouse_ids: Vec<Uuid> = lines.iter().map(|l| l.1).collect();
    let known = variants::find_many(&**tx, tenant, &variant_ids).await?;
    let places = warehouses::find_many(&**tx, tenant, &warehouse_ids).await?;
    for (index, (variant, warehouse, _)) in lines.iter().enumerate() {
        match known.iter().find(|v| v.variant_id == *variant) {
            None => {
                return Err(InventoryError::UnknownVariant {
                    variant_id: *variant,
                    field: format!("lines[{index}].variant_id"),
                });
            }
            Some(v) if v.status == ARCHIVED => {
                return Err(InventoryError::VariantArchived {
                    variant_id: *variant,
                    field: format!("lines[{index}].variant_id"),
                });
            }
            Some(_) => {}
        }
        match places.iter().find(|w| w.id == *warehouse) {
            None => {
                return Err(InventoryError::UnknownWarehouse {
                    warehouse_id: *warehouse,
                    field: format!("lines[{index}].warehouse_id"),
                });
            }
            Some(w) if !w.active => {
                return Err(InventoryError::WarehouseInactive {
                    warehouse_id: *warehouse,
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

async fn record_move(
    tx: &WriteTx,
    caller: &Caller,
    record: &reservation::Model,
    level: &stock_level::Model,
    before: Buckets,
    reason: Reason,
) -> InventoryResult<()> {
    // The ledger points at the order behind the hold when there is one; `reservation_id`
    // still links every line to the hold itself.
    let reservation_id = record.id.to_string();
    let reference = match (&record.reference_type, &record.reference_id) {
        (Some(kind), Some(id)) => Some((kind_str(kind), id.as_str())),
        _ => Some(("reservation", reservation_id.as_str())),
    };
    levels::append_ledger(
        &**tx,
        caller.tenant,
        LedgerLine {
            variant: level.variant_id,
            warehouse: level.warehouse_id,
            reason: reason.as_str(),
            before,
            after: level.buckets(),
            actor: caller.label(),
            reference,
            reservation: Some(record.id),
            note: None,
        },
    )
    .await?;
    Ok(())
}

/// Stored reference kinds are always ones `ReferenceKind` wrote.
fn kind_str(kind: &str) -> &'static str {
    crate::domain::ReferenceKind::parse(kind)
        .map(|k| k.as_str())
        .unwrap_or("reservation")
}

pub async fn get(ctx: &InventoryCtx, tenant: TenantId, id: Uuid) -> InventoryResult<Reservation> {
    let conn = ctx.db.conn();
    let record = reservations::find(conn, tenant, id)
        .await?
        .ok_or(InventoryError::NotFound("reservation"))?;
    let lines = reservations::lines(conn, tenant, id).await?;
    Ok(Reservation { record, lines })
}

/// Turns a hold into a sale: the units leave both the shelf and the hold.
pub async fn commit(ctx: &InventoryCtx, caller: &Caller, id: Uuid) -> InventoryResult<Reservation> {
    let mut tx = ctx.db.begin_write().await?;
    let committed = commit_in(&mut tx, caller, id).await?;
    tx.commit().await?;
    Ok(committed)
}

/// [`commit`] inside the caller's transaction (an event handler's).
pub(crate) async fn commit_in(
    tx: &mut WriteTx,
    caller: &Caller,
    id: Uuid,
) -> InventoryResult<Reservation> {
    let tenant = caller.tenant;
    let now = clock::now();
    if !reservations::leave_held(&**tx, tenant, id, "committed", Some(now)).await? {
        return Err(why_not_held(tx, tenant, id).await);
    }
    let record = reservations::find(&**tx, tenant, id)
        .await?
        .ok_or(InventoryError::NotFound("reservation"))?;
    let lines = reservations::lines(&**tx, tenant, id).await?;
    let as_tuples: Vec<_> = lines
        .iter()
        .map(|l| (l.variant_id, l.warehouse_id, l.quantity))
        .collect();
    let mut after = Vec::new();
    for ((variant, warehouse), quantity) in merge_lines(&as_tuples) {
        let movement = Movement::commit(quantity);
        let level = levels::move_guarded(&**tx, tenant, variant, warehouse, movement, false)
            .await?
            .ok_or_else(|| insufficient(StockRuleError::NotHeld { held: 0 }, variant, warehouse))?;
        let before = level.buckets().before(movement);
        record_move(tx, caller, &record, &level, before, Reason::Sale).await?;
        after.push(snapshot(&level));
    }
    tx.publish(
        tenant,
        &InventoryEvent::Committed {
            reservation_id: id,
            lines: stock_lines(&lines),
            levels: after,
        },
    )
    .await?;
    Ok(Reservation { record, lines })
}

/// Gives a hold back before it runs out.
pub async fn release(
    ctx: &InventoryCtx,
    caller: &Caller,
    id: Uuid,
) -> InventoryResult<Reservation> {
    let mut tx = ctx.db.begin_write().await?;
    let released = give_back(&mut tx, caller, id, false).await?;
    tx.commit().await?;
    Ok(released)
}

/// Moves a held reservation to released (or expired) and its units back to available.
pub(crate) async fn give_back(
    tx: &mut WriteTx,
    caller: &Caller,
    id: Uuid,
    expired: bool,
) -> InventoryResult<Reservation> {
    let tenant = caller.tenant;
    let (to, reason) = if expired {
        (ReservationStatus::Expired, Reason::ReservationExpired)
    } else {
        (ReservationStatus::Released, Reason::ReservationReleased)
    };
    if !reservations::leave_held(&**tx, tenant, id, to.as_str(), None).await? {
        return Err(why_not_held(tx, tenant, id).await);
    }
    let record = reservations::find(&**tx, tenant, id)
        .await?
        .ok_or(InventoryError::NotFound("reservation"))?;
    let lines = reservations::lines(&**tx, tenant, id).await?;
    let as_tuples: Vec<_> = lines
        .iter()
        .map(|l| (l.variant_id, l.warehouse_id, l.quantity))
        .collect();
    let mut after = Vec::new();
    for ((variant, warehouse), quantity) in merge_lines(&as_tuples) {
        let movement = Movement::release(quantity);
        let level = levels::move_guarded(&**tx, tenant, variant, warehouse, movement, false)
            .await?
            .ok_or_else(|| insufficient(StockRuleError::NotHeld { held: 0 }, variant, warehouse))?;
        let before = level.buckets().before(movement);
        record_move(tx, caller, &record, &level, before, reason).await?;
        after.push(snapshot(&level));
    }
    tx.publish(
        tenant,
        &InventoryEvent::Released {
            reservation_id: id,
            lines: stock_lines(&lines),
            expired,
            levels: after,
        },
    )
    .await?;
    Ok(Reservation { record, lines })
}

/// Why a reservation could not leave `held`: absent, already settled, or run out.
async fn why_not_held(tx: &WriteTx, tenant: TenantId, id: Uuid) -> InventoryError {
    match reservations::find(&**tx, tenant, id).await {
        Err(error) => error.into(),
        Ok(None) => InventoryError::NotFound("reservation"),
        Ok(Some(r)) => match ReservationStatus::parse(&r.status) {
            Some(ReservationStatus::Held) => InventoryError::ReservationExpired,
            Some(status) => InventoryError::ReservationNotHeld { status },
            None => {
                InventoryError::Inconsistent(format!("reservation {id} has status {}", r.status))
            }
        },
    }
}

/// Releases up to `limit` holds that ran out by `now`, one transaction each; a hold committed or
/// released meanwhile is skipped, one that fails is logged and left for the next sweep. Returns
/// how many were released.
pub async fn release_expired(
    ctx: &InventoryCtx,
    now: DateTime<Utc>,
    limit: u64,
) -> InventoryResult<usize> {
    let due = reservations::lapsed(ctx.db.conn(), now, limit).await?;
    let mut released = 0;
    for (tenant, id) in due {
        let mut tx = ctx.db.begin_write().await?;
        match give_back(&mut tx, &Caller::system(tenant), id, true).await {
            Ok(_) => {
                tx.commit().await?;
                released += 1;
            }
            // Committed or released since the search: nothing left to give back.
            Err(InventoryError::ReservationNotHeld { .. } | InventoryError::NotFound(_)) => {}
            // One broken hold must not keep every other store's stock locked.
            Err(error) => {
                tracing::error!(%error, reservation_id = %id, "cannot release a lapsed hold");
            }
        }
    }
    Ok(released)
}

/// How many lapsed holds one sweep takes on before looking again.
const SWEEP_BATCH: u64 = 100;

/// The sweeper: every `sweep_every`, releases lapsed holds and ends the locks of campaigns that
/// are over (batch after batch while batches come back full), until `shutdown`.
pub async fn run_sweeper(ctx: InventoryCtx, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(ctx.settings.sweep_every) => {}
        }
        loop {
            match release_expired(&ctx, clock::now(), SWEEP_BATCH).await {
                Ok(released) if released as u64 == SWEEP_BATCH => continue,
                Ok(_) => break,
                Err(error) => {
                    tracing::warn!(%error, "cannot release expired stock reservations");
                    break;
                }
            }
        }
        loop {
            match super::campaigns::end_lapsed(&ctx, clock::now(), SWEEP_BATCH).await {
                Ok(ended) if ended as u64 == SWEEP_BATCH => continue,
                Ok(_) => break,
                Err(error) => {
                    tracing::warn!(%error, "cannot end lapsed campaign locks");
                    break;
                }
            }
        }
    }
}

/// Inventory's side of the reservation contract, for the orders domain in this process. Calls
/// act as SmartSeller itself (`system` in the ledger); the order is named by the reference.
#[derive(Clone)]
pub struct InventoryReservations(pub InventoryCtx);

impl From<InventoryError> for ReservationError {
    fn from(error: InventoryError) -> Self {
        use InventoryError::*;
        match error {
            InsufficientStock {
                variant_id,
                warehouse_id,
                available,
            } => ReservationError::InsufficientStock {
                variant_id,
                warehouse_id,
                available,
            },
            UnknownVariant { variant_id, .. } | VariantArchived { variant_id, .. } => {
                ReservationError::UnknownVariant { variant_id }
            }
            UnknownWarehouse { warehouse_id, .. } | WarehouseInactive { warehouse_id } => {
                ReservationError::UnknownWarehouse { warehouse_id }
            }
            NotFound(_) => ReservationError::NotFound,
            ReservationNotHeld { status } => ReservationError::NotHeld(status),
            ReservationExpired => ReservationError::Expired,
            Invalid(errors) => ReservationError::Invalid(
                errors
                    .0
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            other @ (WarehouseCodeTaken
            | TransferNotInTransit { .. }
            | CampaignLockNotActive { .. }
            | OverReceipt { .. }
            | IllegalTransition { .. }
            | Inconsistent(_)
            | Db(_)) => {
                tracing::error!(error = %other, "stock reservation failed");
                ReservationError::Unavailable(other.to_string())
            }
        }
    }
}

#[async_trait::async_trait]
impl StockReservations for InventoryReservations {
    async fn reserve(
        &self,
        tenant: TenantId,
        request: ReservationRequest,
    ) -> Result<ReservationResponse, ReservationError> {
        let hold = Hold::parse(&request, self.0.settings.max_hold).map_err(InventoryError::from)?;
        Ok(reserve(&self.0, &Caller::system(tenant), hold)
            .await?
            .to_response())
    }

    async fn commit(
        &self,
        tenant: TenantId,
        reservation_id: Uuid,
    ) -> Result<ReservationResponse, ReservationError> {
        Ok(commit(&self.0, &Caller::system(tenant), reservation_id)
            .await?
            .to_response())
    }

    async fn release(
        &self,
        tenant: TenantId,
        reservation_id: Uuid,
    ) -> Result<ReservationResponse, ReservationError> {
        Ok(release(&self.0, &Caller::system(tenant), reservation_id)
            .await?
            .to_response())
    }
}
