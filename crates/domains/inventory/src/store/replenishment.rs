//! Per-channel buffers, lead and safety days, and the recent sales reorder suggestions read.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use smartseller_kernel::{TenantId, clock};
use uuid::Uuid;

use super::{ledger_entry, reorder_setting, stock_buffer, stock_level};

/// The channel key of a buffer that applies to every channel without its own.
pub const EVERY_CHANNEL: &str = "*";

pub async fn set_buffer(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    variant: Uuid,
    channel: &str,
    quantity: i64,
) -> Result<(), DbErr> {
    use stock_buffer::Column as C;
    stock_buffer::Entity::insert(stock_buffer::ActiveModel {
        tenant_id: sea_orm::Set(tenant.as_uuid()),
        variant_id: sea_orm::Set(variant),
        channel: sea_orm::Set(channel.to_owned()),
        quantity: sea_orm::Set(quantity),
        updated_at: sea_orm::Set(clock::now()),
    })
    .on_conflict(
        OnConflict::columns([C::TenantId, C::VariantId, C::Channel])
            .update_columns([C::Quantity, C::UpdatedAt])
            .to_owned(),
    )
    .exec(conn)
    .await
    .map(|_| ())
}

pub async fn buffers(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    variant: Uuid,
) -> Result<Vec<stock_buffer::Model>, DbErr> {
    stock_buffer::Entity::find()
        .filter(stock_buffer::Column::TenantId.eq(tenant.as_uuid()))
        .filter(stock_buffer::Column::VariantId.eq(variant))
        .all(conn)
        .await
}

pub async fn levels_of_variant(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    variant: Uuid,
) -> Result<Vec<stock_level::Model>, DbErr> {
    stock_level::Entity::find()
        .filter(stock_level::Column::TenantId.eq(tenant.as_uuid()))
        .filter(stock_level::Column::VariantId.eq(variant))
        .all(conn)
        .await
}

pub async fn set_reorder_setting(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    (variant, warehouse): (Uuid, Uuid),
    lead_time_days: i64,
    safety_days: i64,
) -> Result<(), DbErr> {
    use reorder_setting::Column as C;
    reorder_setting::Entity::insert(reorder_setting::ActiveModel {
        tenant_id: sea_orm::Set(tenant.as_uuid()),
        variant_id: sea_orm::Set(variant),
        warehouse_id: sea_orm::Set(warehouse),
        lead_time_days: sea_orm::Set(lead_time_days),
        safety_days: sea_orm::Set(safety_days),
        updated_at: sea_orm::Set(clock::now()),
    })
    .on_conflict(
        OnConflict::columns([C::TenantId, C::VariantId, C::WarehouseId])
            .update_columns([C::LeadTimeDays, C::SafetyDays, C::UpdatedAt])
            .to_owned(),
    )
    .exec(conn)
    .await
    .map(|_| ())
}

pub async fn reorder_settings(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Vec<reorder_setting::Model>, DbErr> {
    reorder_setting::Entity::find()
        .filter(reorder_setting::Column::TenantId.eq(tenant.as_uuid()))
        .all(conn)
        .await
}

/// Levels of the store with a reorder point set.
pub async fn levels_with_reorder_point(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Vec<stock_level::Model>, DbErr> {
    stock_level::Entity::find()
        .filter(stock_level::Column::TenantId.eq(tenant.as_uuid()))
        .filter(stock_level::Column::ReorderPoint.is_not_null())
        .all(conn)
        .await
}

pub async fn levels_of(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    keys: &[(Uuid, Uuid)],
) -> Result<Vec<stock_level::Model>, DbErr> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let variants: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
    let rows = stock_level::Entity::find()
        .filter(stock_level::Column::TenantId.eq(tenant.as_uuid()))
        .filter(stock_level::Column::VariantId.is_in(variants))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|l| keys.contains(&(l.variant_id, l.warehouse_id)))
        .collect())
}

/// Units sold per (variant, warehouse) since `since`: what ledger entries with reason `sale`
/// took off the shelf, committed holds and campaign orders included. PostgreSQL sums BIGINT
/// into NUMERIC, hence the cast back.
pub async fn sold_since(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    since: DateTime<Utc>,
) -> Result<Vec<(Uuid, Uuid, i64)>, DbErr> {
    use ledger_entry::Column as E;
    ledger_entry::Entity::find()
        .select_only()
        .column(E::VariantId)
        .column(E::WarehouseId)
        .column_as(
            Expr::cust("CAST(SUM(on_hand_before - on_hand_after) AS BIGINT)"),
            "sold",
        )
        .filter(E::TenantId.eq(tenant.as_uuid()))
        .filter(E::Reason.eq("sale"))
        .filter(E::OccurredAt.gte(since))
        .group_by(E::VariantId)
        .group_by(E::WarehouseId)
        .into_tuple::<(Uuid, Uuid, i64)>()
        .all(conn)
        .await
}
