//! Bulk reads for stock imports and exports: a batch in a few statements.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use smartseller_kernel::TenantId;
use uuid::Uuid;

use super::{known_variant, stock_level, warehouse};

const CHUNK: usize = 500;

/// The store's known variants with any of `skus`.
pub async fn variants_by_skus(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    skus: &[String],
) -> Result<Vec<known_variant::Model>, DbErr> {
    let mut found = Vec::new();
    for chunk in skus.chunks(CHUNK) {
        found.extend(
            known_variant::Entity::find()
                .filter(known_variant::Column::TenantId.eq(tenant.as_uuid()))
                .filter(known_variant::Column::Sku.is_in(chunk.iter().cloned()))
                .all(conn)
                .await?,
        );
    }
    Ok(found)
}

/// Every warehouse of the store: a handful, read once per job.
pub async fn all_warehouses(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Vec<warehouse::Model>, DbErr> {
    warehouse::Entity::find()
        .filter(warehouse::Column::TenantId.eq(tenant.as_uuid()))
        .all(conn)
        .await
}

/// The levels of `variants` in every warehouse.
pub async fn levels_of(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    variants: &[Uuid],
) -> Result<Vec<stock_level::Model>, DbErr> {
    let mut found = Vec::new();
    for chunk in variants.chunks(CHUNK) {
        found.extend(
            stock_level::Entity::find()
                .filter(stock_level::Column::TenantId.eq(tenant.as_uuid()))
                .filter(stock_level::Column::VariantId.is_in(chunk.iter().copied()))
                .all(conn)
                .await?,
        );
    }
    Ok(found)
}

/// One page of the store's levels, oldest first, after `after`.
pub async fn levels_after(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<stock_level::Model>, DbErr> {
    let mut query = stock_level::Entity::find()
        .filter(stock_level::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_asc(stock_level::Column::Id)
        .limit(limit);
    if let Some(after) = after {
        query = query.filter(stock_level::Column::Id.gt(after));
    }
    query.all(conn).await
}
