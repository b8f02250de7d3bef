//! Bulk reads and writes for imports and exports: a batch of rows in a few statements, never
//! one round trip per row.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use smartseller_kernel::TenantId;
use uuid::Uuid;

use super::{category, product, variant};

/// Rows per multi-row INSERT: 500 variants of 16 columns stay far below SQLite's and
/// PostgreSQL's limits on bound parameters.
const INSERT_CHUNK: usize = 500;

/// The store's variants with any of `skus` (already upper-cased).
pub async fn variants_by_skus(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    skus: &[String],
) -> Result<Vec<variant::Model>, DbErr> {
    let mut found = Vec::new();
    for chunk in skus.chunks(INSERT_CHUNK) {
        found.extend(
            variant::Entity::find()
                .filter(variant::Column::TenantId.eq(tenant.as_uuid()))
                .filter(variant::Column::Sku.is_in(chunk.iter().cloned()))
                .all(conn)
                .await?,
        );
    }
    Ok(found)
}

pub async fn products_by_ids(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[Uuid],
) -> Result<Vec<product::Model>, DbErr> {
    let mut found = Vec::new();
    for chunk in ids.chunks(INSERT_CHUNK) {
        found.extend(
            product::Entity::find()
                .filter(product::Column::TenantId.eq(tenant.as_uuid()))
                .filter(product::Column::Id.is_in(chunk.iter().copied()))
                .all(conn)
                .await?,
        );
    }
    Ok(found)
}

/// Every category of the store: a tree of a few hundred nodes at most, read once per job.
pub async fn all_categories(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Vec<category::Model>, DbErr> {
    category::Entity::find()
        .filter(category::Column::TenantId.eq(tenant.as_uuid()))
        .all(conn)
        .await
}

pub async fn insert_products(
    conn: &impl ConnectionTrait,
    rows: Vec<product::Model>,
) -> Result<(), DbErr> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        product::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(sea_orm::IntoActiveModel::into_active_model),
        )
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

pub async fn insert_variants(
    conn: &impl ConnectionTrait,
    rows: Vec<variant::Model>,
) -> Result<(), DbErr> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        variant::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(sea_orm::IntoActiveModel::into_active_model),
        )
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// One page of the store's products, oldest first, after `after`.
pub async fn products_after(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<product::Model>, DbErr> {
    let mut query = product::Entity::find()
        .filter(product::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_asc(product::Column::Id)
        .limit(limit);
    if let Some(after) = after {
        query = query.filter(product::Column::Id.gt(after));
    }
    query.all(conn).await
}
