//! The variants inventory knows of, and the store's inventory settings.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use smartseller_kernel::{TenantId, clock};
use uuid::Uuid;

use super::{known_variant, tenant_settings};

pub const ARCHIVED: &str = "archived";

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    variant: Uuid,
) -> Result<Option<known_variant::Model>, DbErr> {
    known_variant::Entity::find_by_id((tenant.as_uuid(), variant))
        .one(conn)
        .await
}

/// The known variants among `ids`, in one query.
pub async fn find_many(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[Uuid],
) -> Result<Vec<known_variant::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    known_variant::Entity::find()
        .filter(known_variant::Column::TenantId.eq(tenant.as_uuid()))
        .filter(known_variant::Column::VariantId.is_in(ids.iter().copied()))
        .all(conn)
        .await
}

pub async fn of_product(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: Uuid,
) -> Result<Vec<known_variant::Model>, DbErr> {
    known_variant::Entity::find()
        .filter(known_variant::Column::TenantId.eq(tenant.as_uuid()))
        .filter(known_variant::Column::ProductId.eq(product))
        .all(conn)
        .await
}

pub struct VariantFacts<'a> {
    pub variant: Uuid,
    pub product: Uuid,
    pub sku: &'a str,
    pub status: &'a str,
}

/// Records what an event says of a variant, unless a later event already spoke: events may be
/// redelivered or retried out of order, and UUIDv7 event ids order them by time.
pub async fn record(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    event_id: Uuid,
    facts: VariantFacts<'_>,
) -> Result<(), DbErr> {
    match find(conn, tenant, facts.variant).await? {
        Some(existing) if existing.last_event_id >= event_id => Ok(()),
        Some(existing) => {
            let mut row: known_variant::ActiveModel = existing.into();
            row.product_id = Set(facts.product);
            row.sku = Set(facts.sku.to_owned());
            row.status = Set(facts.status.to_owned());
            row.last_event_id = Set(event_id);
            row.updated_at = Set(clock::now());
            row.update(conn).await.map(|_| ())
        }
        None => known_variant::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            variant_id: Set(facts.variant),
            product_id: Set(facts.product),
            sku: Set(facts.sku.to_owned()),
            status: Set(facts.status.to_owned()),
            last_event_id: Set(event_id),
            updated_at: Set(clock::now()),
        }
        .insert(conn)
        .await
        .map(|_| ()),
    }
}

/// Whether this store lets stock on hand go below zero.
pub async fn allows_negative_stock(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<bool, DbErr> {
    Ok(tenant_settings::Entity::find_by_id(tenant.as_uuid())
        .one(conn)
        .await?
        .is_some_and(|s| s.allow_negative_stock))
}

pub async fn set_allow_negative_stock(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    allow: bool,
) -> Result<(), DbErr> {
    tenant_settings::Entity::insert(tenant_settings::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        allow_negative_stock: Set(allow),
        updated_at: Set(clock::now()),
    })
    .on_conflict(
        OnConflict::column(tenant_settings::Column::TenantId)
            .update_columns([
                tenant_settings::Column::AllowNegativeStock,
                tenant_settings::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(conn)
    .await
    .map(|_| ())
}
