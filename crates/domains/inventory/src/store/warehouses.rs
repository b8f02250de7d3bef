//! A store's warehouses.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use smartseller_kernel::{TenantId, clock};
use uuid::Uuid;

use super::warehouse;

pub struct WarehouseRow<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub address: Option<&'a str>,
    pub active: bool,
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    row: WarehouseRow<'_>,
) -> Result<warehouse::Model, DbErr> {
    let now = clock::now();
    warehouse::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant.as_uuid()),
        code: Set(row.code.to_owned()),
        name: Set(row.name.to_owned()),
        address: Set(row.address.map(str::to_owned)),
        active: Set(row.active),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
}

pub async fn update(
    conn: &impl ConnectionTrait,
    existing: warehouse::Model,
    row: WarehouseRow<'_>,
) -> Result<warehouse::Model, DbErr> {
    let mut model: warehouse::ActiveModel = existing.into();
    model.code = Set(row.code.to_owned());
    model.name = Set(row.name.to_owned());
    model.address = Set(row.address.map(str::to_owned));
    model.active = Set(row.active);
    model.updated_at = Set(clock::now());
    model.update(conn).await
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<warehouse::Model>, DbErr> {
    warehouse::Entity::find_by_id(id)
        .filter(warehouse::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

pub async fn find_many(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[Uuid],
) -> Result<Vec<warehouse::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    warehouse::Entity::find()
        .filter(warehouse::Column::TenantId.eq(tenant.as_uuid()))
        .filter(warehouse::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await
}

/// Oldest first, one page.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<warehouse::Model>, DbErr> {
    let mut query = warehouse::Entity::find()
        .filter(warehouse::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_asc(warehouse::Column::Id)
        .limit(limit);
    if let Some(after) = after {
        query = query.filter(warehouse::Column::Id.gt(after));
    }
    query.all(conn).await
}
