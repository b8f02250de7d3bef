//! A product's images and documents: the rows that name their objects in storage.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};
use smartseller_kernel::TenantId;
use uuid::Uuid;

use super::media;

pub async fn insert(
    conn: &impl ConnectionTrait,
    model: media::Model,
) -> Result<media::Model, DbErr> {
    model.into_active_model().reset_all().insert(conn).await
}

/// A product's media in gallery order.
pub async fn of_product(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: Uuid,
) -> Result<Vec<media::Model>, DbErr> {
    media::Entity::find()
        .filter(media::Column::TenantId.eq(tenant.as_uuid()))
        .filter(media::Column::ProductId.eq(product))
        .order_by_asc(media::Column::Position)
        .order_by_asc(media::Column::Id)
        .all(conn)
        .await
}

/// The item with this id, of this product of this store.
pub async fn find(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: Uuid,
    id: Uuid,
) -> Result<Option<media::Model>, DbErr> {
    media::Entity::find_by_id(id)
        .filter(media::Column::TenantId.eq(tenant.as_uuid()))
        .filter(media::Column::ProductId.eq(product))
        .one(conn)
        .await
}

/// The one lookup without a tenant: serving a file by its public URL, which names no store.
/// The URL's version must match the stored file's hash, so the id alone finds nothing, and
/// what it finds is only the file the URL was handed out for.
pub async fn find_published(
    conn: &impl ConnectionTrait,
    id: Uuid,
    sha256_prefix: &str,
) -> Result<Option<media::Model>, DbErr> {
    media::Entity::find_by_id(id)
        .filter(media::Column::Sha256.starts_with(sha256_prefix))
        .one(conn)
        .await
}

/// Of `ids`, the rows this store still has.
pub async fn of_ids(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[Uuid],
) -> Result<Vec<media::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    media::Entity::find()
        .filter(media::Column::TenantId.eq(tenant.as_uuid()))
        .filter(media::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await
}

pub async fn set_position(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
    position: i32,
) -> Result<(), DbErr> {
    media::Entity::update_many()
        .col_expr(media::Column::Position, Expr::value(position))
        .filter(media::Column::TenantId.eq(tenant.as_uuid()))
        .filter(media::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

pub async fn set_alt(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
    alt: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    media::Entity::update_many()
        .col_expr(media::Column::Alt, Expr::value(alt))
        .col_expr(media::Column::UpdatedAt, Expr::value(at))
        .filter(media::Column::TenantId.eq(tenant.as_uuid()))
        .filter(media::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Deletes one item; `false` when there was none.
pub async fn delete(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: Uuid,
    id: Uuid,
) -> Result<bool, DbErr> {
    let result = media::Entity::delete_many()
        .filter(media::Column::TenantId.eq(tenant.as_uuid()))
        .filter(media::Column::ProductId.eq(product))
        .filter(media::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(result.rows_affected > 0)
}
