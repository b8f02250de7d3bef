//! Stock levels: adjusting them by hand, reading them, their ledger, reorder points, and the
//! store's rule on negative stock.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use smartseller_contracts::inventory::{InventoryEvent, LevelSnapshot};
use smartseller_kernel::TenantId;
use smartseller_platform::WriteTx;
use uuid::Uuid;

use super::{Caller, InventoryCtx, InventoryError, InventoryResult};
use crate::domain::stock::crossed_reorder_point;
use crate::domain::{Buckets, Change, Movement, Note, Reason, Reference, StockRuleError};
use crate::store::levels::{self, LedgerLine};
pub use crate::store::levels::{LedgerFilter, LevelFilter};
use crate::store::{known_variant, ledger_entry, stock_level, variants, warehouse, warehouses};

/// An operator's change to one variant in one warehouse.
#[derive(Debug, Clone)]
pub struct Adjustment {
    pub variant: Uuid,
    pub warehouse: Uuid,
    pub change: Change,
    pub reason: Reason,
    pub note: Option<Note>,
    pub reference: Option<Reference>,
}

/// The variant, if this store's inventory knows it; `field` names it in the request.
pub(crate) async fn known_variant(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    variant: Uuid,
    field: &str,
) -> InventoryResult<known_variant::Model> {
    variants::find(conn, tenant, variant)
        .await?
        .ok_or_else(|| InventoryError::UnknownVariant {
            variant_id: variant,
            field: field.to_owned(),
        })
}

pub(crate) async fn known_warehouse(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    warehouse: Uuid,
    field: &str,
) -> InventoryResult<warehouse::Model> {
    warehouses::find(conn, tenant, warehouse)
        .await?
        .ok_or_else(|| InventoryError::UnknownWarehouse {
            warehouse_id: warehouse,
            field: field.to_owned(),
        })
}

pub(crate) fn snapshot(level: &stock_level::Model) -> LevelSnapshot {
    LevelSnapshot {
        reorder_point: level.reorder_point,
        ..snapshot_of(level.variant_id, level.warehouse_id, &level.buckets())
    }
}

pub(crate) fn snapshot_of(variant: Uuid, warehouse: Uuid, b: &Buckets) -> LevelSnapshot {
    LevelSnapshot {
        variant_id: variant,
        warehouse_id: warehouse,
        on_hand: b.on_hand,
        reserved: b.reserved,
        campaign_locked: b.campaign_locked,
        incoming: b.incoming,
        available: b.available(),
        reorder_point: None,
    }
}

/// Publishes `low_stock` when this change took the level to or below its reorder point.
pub(crate) async fn alert_if_low(
    tx: &mut WriteTx,
    tenant: TenantId,
    before: &Buckets,
    after: &stock_level::Model,
) -> InventoryResult<()> {
    if crossed_reorder_point(before, &after.buckets(), after.reorder_point) {
        tx.publish(
            tenant,
            &InventoryEvent::LowStock {
                variant_id: after.variant_id,
                warehouse_id: after.warehouse_id,
                available: after.buckets().available(),
                reorder_point: after.reorder_point.unwrap_or_default(),
            },
        )
        .await?;
    }
    Ok(())
}

pub(crate) fn insufficient(e: StockRuleError, variant: Uuid, warehouse: Uuid) -> InventoryError {
    match e {
        StockRuleError::Insufficient { available } => InventoryError::InsufficientStock {
            variant_id: variant,
            warehouse_id: warehouse,
            available,
        },
        StockRuleError::NotHeld { held } => InventoryError::Inconsistent(format!(
            "variant {variant} in warehouse {warehouse} holds only {held}"
        )),
    }
}

/// Why and on whose behalf a level moves, for the ledger.
pub(crate) struct Booking<'a> {
    pub reason: Reason,
    pub reference: Option<(&'static str, &'a str)>,
    pub note: Option<&'a str>,
}

/// Moves one level with its guarded update, writes the ledger line and the `adjusted` event,
/// and raises the low-stock alert if the move crossed the reorder point. Only a move that makes
/// less stock available is checked against what is available.
pub(crate) async fn move_and_book(
    tx: &mut WriteTx,
    caller: &Caller,
    (variant, warehouse): (Uuid, Uuid),
    movement: Movement,
    booking: &Booking<'_>,
) -> InventoryResult<stock_level::Model> {
    let tenant = caller.tenant;
    levels::ensure(&**tx, tenant, variant, warehouse).await?;
    let guard = movement.lowers_available();
    let Some(level) =
        levels::move_guarded(&**tx, tenant, variant, warehouse, movement, guard).await?
    else {
        let available = levels::find(&**tx, tenant, variant, warehouse)
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
    let entry = levels::append_ledger(
        &**tx,
        tenant,
        LedgerLine {
            variant,
            warehouse,
            reason: booking.reason.as_str(),
            before,
            after: level.buckets(),
            actor: caller.label(),
            reference: booking.reference,
            reservation: None,
            note: booking.note,
        },
    )
    .await?;
    tx.publish(
        tenant,
        &InventoryEvent::Adjusted {
            ledger_entry_id: entry.id,
            reason: booking.reason.as_str().to_owned(),
            before: snapshot_of(variant, warehouse, &before),
            after: snapshot(&level),
        },
    )
    .await?;
    alert_if_low(tx, tenant, &before, &level).await?;
    Ok(level)
}

/// Changes stock on hand; every bucket's before and after goes to the ledger.
pub async fn adjust(
    ctx: &InventoryCtx,
    caller: &Caller,
    cmd: Adjustment,
) -> InventoryResult<LevelRow> {
    let tenant = caller.tenant;
    let mut tx = ctx.db.begin_write().await?;
    let variant = known_variant(&*tx, tenant, cmd.variant, "variant_id").await?;
    known_warehouse(&*tx, tenant, cmd.warehouse, "warehouse_id").await?;
    let allow_negative = variants::allows_negative_stock(&*tx, tenant).await?;
    let (_, level) = adjust_in(&mut tx, caller, &cmd, allow_negative).await?;
    tx.commit().await?;
    Ok(LevelRow {
        level,
        sku: Some(variant.sku),
    })
}

/// An operator's change inside the caller's transaction: locks the level, applies the rule,
/// moves it with the guarded update and books the ledger line, the `adjusted` event and any
/// low-stock alert. Returns the level before and after.
pub(crate) async fn adjust_in(
    tx: &mut WriteTx,
    caller: &Caller,
    cmd: &Adjustment,
    allow_negative: bool,
) -> InventoryResult<(Buckets, stock_level::Model)> {
    let tenant = caller.tenant;
    levels::ensure(&**tx, tenant, cmd.variant, cmd.warehouse).await?;
    let before = levels::lock(&**tx, tenant, cmd.variant, cmd.warehouse)
        .await?
        .ok_or(InventoryError::NotFound("stock level"))?
        .buckets();
    let after = before
        .adjust(cmd.change, allow_negative)
        .map_err(|e| insufficient(e, cmd.variant, cmd.warehouse))?;
    let movement = before.movement_to(&after);
    let guard = !allow_negative && movement.lowers_available();
    let level = levels::move_guarded(&**tx, tenant, cmd.variant, cmd.warehouse, movement, guard)
        .await?
        .ok_or(InventoryError::InsufficientStock {
            variant_id: cmd.variant,
            warehouse_id: cmd.warehouse,
            available: before.available(),
        })?;
    // The row is locked since the read, so the level really moved from `before`.
    let saved = level.buckets();
    let entry = levels::append_ledger(
        &**tx,
        tenant,
        LedgerLine {
            variant: cmd.variant,
            warehouse: cmd.warehouse,
            reason: cmd.reason.as_str(),
            before,
            after: saved,
            actor: caller.label(),
            reference: cmd
                .reference
                .as_ref()
                .map(|r| (r.kind.as_str(), r.id.as_str())),
            reservation: None,
            note: cmd.note.as_ref().map(Note::as_str),
        },
    )
    .await?;
    tx.publish(
        tenant,
        &InventoryEvent::Adjusted {
            ledger_entry_id: entry.id,
            reason: cmd.reason.as_str().to_owned(),
            before: snapshot_of(cmd.variant, cmd.warehouse, &before),
            after: snapshot(&level),
        },
    )
    .await?;
    alert_if_low(tx, tenant, &before, &level).await?;
    Ok((before, level))
}

/// A level with the SKU of its variant.
pub struct LevelRow {
    pub level: stock_level::Model,
    pub sku: Option<String>,
}

/// One page of levels. A filter naming a warehouse or variant this store does not have is a
/// 404, as another store's id must look exactly like one that never existed.
pub async fn list(
    ctx: &InventoryCtx,
    tenant: TenantId,
    filter: &LevelFilter,
    after: Option<Uuid>,
    limit: u64,
) -> InventoryResult<Vec<LevelRow>> {
    let conn = ctx.db.conn();
    check_filters(conn, tenant, filter.variant, filter.warehouse).await?;
    let rows = levels::list(conn, tenant, filter, after, limit).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.variant_id).collect();
    let skus: HashMap<Uuid, String> = variants::find_many(conn, tenant, &ids)
        .await?
        .into_iter()
        .map(|v| (v.variant_id, v.sku))
        .collect();
    Ok(rows
        .into_iter()
        .map(|level| LevelRow {
            sku: skus.get(&level.variant_id).cloned(),
            level,
        })
        .collect())
}

async fn check_filters(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    variant: Option<Uuid>,
    warehouse: Option<Uuid>,
) -> InventoryResult<()> {
    if let Some(variant) = variant
        && variants::find(conn, tenant, variant).await?.is_none()
    {
        return Err(InventoryError::NotFound("variant"));
    }
    if let Some(warehouse) = warehouse
        && warehouses::find(conn, tenant, warehouse).await?.is_none()
    {
        return Err(InventoryError::NotFound("warehouse"));
    }
    Ok(())
}

/// One page of the ledger, newest first.
pub async fn ledger(
    ctx: &InventoryCtx,
    tenant: TenantId,
    filter: &LedgerFilter,
    before: Option<Uuid>,
    limit: u64,
) -> InventoryResult<Vec<ledger_entry::Model>> {
    let conn = ctx.db.conn();
    check_filters(conn, tenant, filter.variant, filter.warehouse).await?;
    Ok(levels::ledger(conn, tenant, filter, before, limit).await?)
}

/// Sets (or, with `None`, clears) the point at or below which a level counts as low. Setting
/// it above what is available raises the alert at once.
pub async fn set_reorder_point(
    ctx: &InventoryCtx,
    caller: &Caller,
    variant: Uuid,
    warehouse: Uuid,
    point: Option<i64>,
) -> InventoryResult<LevelRow> {
    let tenant = caller.tenant;
    let mut tx = ctx.db.begin_write().await?;
    let known = known_variant(&*tx, tenant, variant, "variant_id").await?;
    known_warehouse(&*tx, tenant, warehouse, "warehouse_id").await?;
    levels::ensure(&*tx, tenant, variant, warehouse).await?;
    let before = levels::lock(&*tx, tenant, variant, warehouse)
        .await?
        .ok_or(InventoryError::NotFound("stock level"))?;
    levels::set_reorder_point(&*tx, tenant, variant, warehouse, point).await?;
    let after = levels::find(&*tx, tenant, variant, warehouse)
        .await?
        .ok_or(InventoryError::NotFound("stock level"))?;
    tx.publish(
        tenant,
        &InventoryEvent::ReorderPointChanged {
            level: snapshot(&after),
        },
    )
    .await?;
    let available = after.buckets().available();
    let was_low = before.reorder_point.is_some_and(|p| available <= p);
    let is_low = point.is_some_and(|p| available <= p);
    if is_low && !was_low {
        tx.publish(
            tenant,
            &InventoryEvent::LowStock {
                variant_id: variant,
                warehouse_id: warehouse,
                available,
                reorder_point: point.unwrap_or_default(),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(LevelRow {
        level: after,
        sku: Some(known.sku),
    })
}

/// Whether the store lets stock on hand go below zero (default: no).
pub async fn allows_negative_stock(ctx: &InventoryCtx, tenant: TenantId) -> InventoryResult<bool> {
    Ok(variants::allows_negative_stock(ctx.db.conn(), tenant).await?)
}

pub async fn set_allow_negative_stock(
    ctx: &InventoryCtx,
    tenant: TenantId,
    allow: bool,
) -> InventoryResult<bool> {
    let tx = ctx.db.begin_write().await?;
    variants::set_allow_negative_stock(&*tx, tenant, allow).await?;
    tx.commit().await?;
    Ok(allow)
}
