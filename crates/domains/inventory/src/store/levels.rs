//! Stock levels and their ledger. A level changes only through [`move_guarded`]: one `UPDATE`
//! whose `WHERE` holds the rule, so two racing writers can never both take the last unit
//! (ARCHITECTURE.md §3). PostgreSQL re-checks the `WHERE` against the winner's row once its lock
//! is released; SQLite has one writer at a time.

use sea_orm::sea_query::{Expr, ExprTrait, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use smartseller_kernel::{TenantId, clock};
use uuid::Uuid;

use super::{ledger_entry, stock_level};
use crate::domain::{Buckets, Movement};

use stock_level::Column as L;

fn key_filter(tenant: TenantId, variant: Uuid, warehouse: Uuid) -> Condition {
    Condition::all()
        .add(L::TenantId.eq(tenant.as_uuid()))
        .add(L::VariantId.eq(variant))
        .add(L::WarehouseId.eq(warehouse))
}

/// Creates the level at zero if it does not exist yet; a racing creator is not an error.
pub async fn ensure(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    variant: Uuid,
    warehouse: Uuid,
) -> Result<(), DbErr> {
    stock_level::Entity::insert(stock_level::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant.as_uuid()),
        variant_id: Set(variant),
        warehouse_id: Set(warehouse),
        on_hand: Set(0),
        reserved: Set(0),
        campaign_locked: Set(0),
        incoming: Set(0),
        reorder_point: Set(None),
        updated_at: Set(clock::now()),
    })
    .on_conflict_do_nothing_on([L::TenantId, L::VariantId, L::WarehouseId])
    .exec(conn)
    .await
    .map(|_| ())
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    variant: Uuid,
    warehouse: Uuid,
) -> Result<Option<stock_level::Model>, DbErr> {
    stock_level::Entity::find()
        .filter(key_filter(tenant, variant, warehouse))
        .one(conn)
        .await
}

/// Reads a level and, on PostgreSQL, locks its row until the transaction ends. SQLite drops
/// `FOR UPDATE`; there the `BEGIN IMMEDIATE` write lock already excludes other writers.
pub async fn lock(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    variant: Uuid,
    warehouse: Uuid,
) -> Result<Option<stock_level::Model>, DbErr> {
    let mut query = stock_level::Entity::find().filter(key_filter(tenant, variant, warehouse));
    if conn.get_database_backend() == DbBackend::Postgres {
        query = query.lock(LockType::Update);
    }
    query.one(conn).await
}

/// Adds `m` to a level if, afterwards, no bucket is negative and, when `guard_available`,
/// available stock is not negative either. Returns the level after the move, or `None` when
/// the rule refused it (or the level does not exist), having changed nothing.
pub async fn move_guarded(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    variant: Uuid,
    warehouse: Uuid,
    m: Movement,
    guard_available: bool,
) -> Result<Option<stock_level::Model>, DbErr> {
    let mut update = stock_level::Entity::update_many()
        .col_expr(L::OnHand, Expr::col(L::OnHand).add(m.on_hand))
        .col_expr(L::Reserved, Expr::col(L::Reserved).add(m.reserved))
        .col_expr(
            L::CampaignLocked,
            Expr::col(L::CampaignLocked).add(m.campaign_locked),
        )
        .col_expr(L::Incoming, Expr::col(L::Incoming).add(m.incoming))
        .col_expr(L::UpdatedAt, Expr::value(clock::now()))
        .filter(key_filter(tenant, variant, warehouse));
    for (column, change) in [
        (L::Reserved, m.reserved),
        (L::CampaignLocked, m.campaign_locked),
        (L::Incoming, m.incoming),
    ] {
        if change < 0 {
            update = update.filter(Expr::col(column).gte(-change));
        }
    }
    if guard_available {
        // available_after = available_before + (Δon_hand − Δreserved − Δcampaign_locked) ≥ 0
        let drop = m.reserved + m.campaign_locked - m.on_hand;
        update = update.filter(
            Expr::col(L::OnHand)
                .sub(Expr::col(L::Reserved))
                .sub(Expr::col(L::CampaignLocked))
                .gte(drop),
        );
    }
    // Where the engine can, the level as it is after the move comes back from the same
    // statement: no second read per line.
    if conn.support_returning() {
        return Ok(update.exec_with_returning(conn).await?.into_iter().next());
    }
    if update.exec(conn).await?.rows_affected != 1 {
        return Ok(None);
    }
    find(conn, tenant, variant, warehouse).await
}

pub async fn set_reorder_point(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    variant: Uuid,
    warehouse: Uuid,
    point: Option<i64>,
) -> Result<(), DbErr> {
    stock_level::Entity::update_many()
        .col_expr(L::ReorderPoint, Expr::value(point))
        .col_expr(L::UpdatedAt, Expr::value(clock::now()))
        .filter(key_filter(tenant, variant, warehouse))
        .exec(conn)
        .await
        .map(|_| ())
}

#[derive(Debug, Clone, Default)]
pub struct LevelFilter {
    pub warehouse: Option<Uuid>,
    pub variant: Option<Uuid>,
    /// Only levels at or below their reorder point.
    pub low_stock: bool,
}

/// Oldest first, one page.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    filter: &LevelFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<stock_level::Model>, DbErr> {
    let mut query = stock_level::Entity::find()
        .filter(L::TenantId.eq(tenant.as_uuid()))
        .order_by_asc(L::Id)
        .limit(limit);
    if let Some(after) = after {
        query = query.filter(L::Id.gt(after));
    }
    if let Some(warehouse) = filter.warehouse {
        query = query.filter(L::WarehouseId.eq(warehouse));
    }
    if let Some(variant) = filter.variant {
        query = query.filter(L::VariantId.eq(variant));
    }
    if filter.low_stock {
        query = query.filter(L::ReorderPoint.is_not_null()).filter(
            Expr::col(L::OnHand)
                .sub(Expr::col(L::Reserved))
                .sub(Expr::col(L::CampaignLocked))
                .lte(Expr::col(L::ReorderPoint)),
        );
    }
    query.all(conn).await
}

/// One ledger line: who changed which level, why, and every bucket before and after.
pub struct LedgerLine<'a> {
    pub variant: Uuid,
    pub warehouse: Uuid,
    pub reason: &'static str,
    pub before: Buckets,
    pub after: Buckets,
    pub actor: (&'static str, Option<Uuid>),
    pub reference: Option<(&'static str, &'a str)>,
    pub reservation: Option<Uuid>,
    pub note: Option<&'a str>,
}

pub async fn append_ledger(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    line: LedgerLine<'_>,
) -> Result<ledger_entry::Model, DbErr> {
    ledger_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant.as_uuid()),
        variant_id: Set(line.variant),
        warehouse_id: Set(line.warehouse),
        reason: Set(line.reason.to_owned()),
        on_hand_before: Set(line.before.on_hand),
        on_hand_after: Set(line.after.on_hand),
        reserved_before: Set(line.before.reserved),
        reserved_after: Set(line.after.reserved),
        campaign_locked_before: Set(line.before.campaign_locked),
        campaign_locked_after: Set(line.after.campaign_locked),
        incoming_before: Set(line.before.incoming),
        incoming_after: Set(line.after.incoming),
        actor_type: Set(line.actor.0.to_owned()),
        actor_id: Set(line.actor.1),
        reference_type: Set(line.reference.map(|r| r.0.to_owned())),
        reference_id: Set(line.reference.map(|r| r.1.to_owned())),
        reservation_id: Set(line.reservation),
        note: Set(line.note.map(str::to_owned)),
        occurred_at: Set(clock::now()),
    }
    .insert(conn)
    .await
}

#[derive(Debug, Clone, Default)]
pub struct LedgerFilter {
    pub variant: Option<Uuid>,
    pub warehouse: Option<Uuid>,
}

/// Newest first, one page.
pub async fn ledger(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    filter: &LedgerFilter,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<ledger_entry::Model>, DbErr> {
    use ledger_entry::Column as E;
    let mut query = ledger_entry::Entity::find()
        .filter(E::TenantId.eq(tenant.as_uuid()))
        .order_by_desc(E::Id)
        .limit(limit);
    if let Some(before) = before {
        query = query.filter(E::Id.lt(before));
    }
    if let Some(variant) = filter.variant {
        query = query.filter(E::VariantId.eq(variant));
    }
    if let Some(warehouse) = filter.warehouse {
        query = query.filter(E::WarehouseId.eq(warehouse));
    }
    query.all(conn).await
}
