//! The pricing engine's sources of one store: variant pricing, price lists and their entries,
//! rounding and floor settings.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use smartseller_kernel::TenantId;
use uuid::Uuid;

use super::{price_list, price_list_entry, pricing_settings, variant, variant_pricing};

/// How a tier, a promotion or a price list entry changes the price, as stored: one of the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAdjustment {
    pub unit_price_minor: Option<i64>,
    pub percent_off_bps: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredTier {
    pub min_quantity: u32,
    #[serde(flatten)]
    pub adjustment: StoredAdjustment,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredPromotion {
    pub name: String,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: chrono::DateTime<chrono::Utc>,
    pub channels: Vec<String>,
    #[serde(flatten)]
    pub adjustment: StoredAdjustment,
}

pub async fn variant_pricing(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    variant: Uuid,
) -> Result<Option<variant_pricing::Model>, DbErr> {
    variant_pricing::Entity::find_by_id(variant)
        .filter(variant_pricing::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

/// Replaces the variant's pricing row (its variant was read with this tenant).
pub async fn save_variant_pricing(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    model: variant_pricing::Model,
) -> Result<(), DbErr> {
    variant_pricing::Entity::delete_many()
        .filter(variant_pricing::Column::TenantId.eq(tenant.as_uuid()))
        .filter(variant_pricing::Column::VariantId.eq(model.variant_id))
        .exec(conn)
        .await?;
    model.into_active_model().reset_all().insert(conn).await?;
    Ok(())
}

/// Which of `ids` are variants of this store.
pub async fn known_variants(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    variant::Entity::find()
        .select_only()
        .column(variant::Column::Id)
        .filter(variant::Column::TenantId.eq(tenant.as_uuid()))
        .filter(variant::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await
}

pub async fn price_lists(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<price_list::Model>, DbErr> {
    let mut query = price_list::Entity::find()
        .filter(price_list::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_asc(price_list::Column::Id)
        .limit(limit);
    if let Some(after) = after {
        query = query.filter(price_list::Column::Id.gt(after));
    }
    query.all(conn).await
}

pub async fn price_list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<price_list::Model>, DbErr> {
    price_list::Entity::find_by_id(id)
        .filter(price_list::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

pub async fn price_list_of_group(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    customer_group: &str,
) -> Result<Option<price_list::Model>, DbErr> {
    price_list::Entity::find()
        .filter(price_list::Column::TenantId.eq(tenant.as_uuid()))
        .filter(price_list::Column::CustomerGroup.eq(customer_group))
        .one(conn)
        .await
}

pub async fn insert_price_list(
    conn: &impl ConnectionTrait,
    model: price_list::Model,
) -> Result<price_list::Model, DbErr> {
    model.into_active_model().reset_all().insert(conn).await
}

/// Writes the name and group of a list read with this tenant.
pub async fn save_price_list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    model: &price_list::Model,
) -> Result<(), DbErr> {
    use price_list::Column as L;
    price_list::Entity::update_many()
        .col_expr(L::Name, Expr::value(model.name.clone()))
        .col_expr(L::CustomerGroup, Expr::value(model.customer_group.clone()))
        .col_expr(L::UpdatedAt, Expr::value(model.updated_at))
        .filter(L::TenantId.eq(tenant.as_uuid()))
        .filter(L::Id.eq(model.id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Deletes a list and its entries; false when the store has no such list.
pub async fn delete_price_list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<bool, DbErr> {
    price_list_entry::Entity::delete_many()
        .filter(price_list_entry::Column::TenantId.eq(tenant.as_uuid()))
        .filter(price_list_entry::Column::PriceListId.eq(id))
        .exec(conn)
        .await?;
    let deleted = price_list::Entity::delete_many()
        .filter(price_list::Column::TenantId.eq(tenant.as_uuid()))
        .filter(price_list::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(deleted.rows_affected > 0)
}

/// A list's entries in the order the seller gave them.
pub async fn entries(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    list: Uuid,
) -> Result<Vec<price_list_entry::Model>, DbErr> {
    price_list_entry::Entity::find()
        .filter(price_list_entry::Column::TenantId.eq(tenant.as_uuid()))
        .filter(price_list_entry::Column::PriceListId.eq(list))
        .order_by_asc(price_list_entry::Column::Position)
        .all(conn)
        .await
}

pub async fn entry(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    list: Uuid,
    variant: Uuid,
) -> Result<Option<price_list_entry::Model>, DbErr> {
    price_list_entry::Entity::find()
        .filter(price_list_entry::Column::TenantId.eq(tenant.as_uuid()))
        .filter(price_list_entry::Column::PriceListId.eq(list))
        .filter(price_list_entry::Column::VariantId.eq(variant))
        .one(conn)
        .await
}

pub async fn replace_entries(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    list: Uuid,
    rows: Vec<price_list_entry::Model>,
) -> Result<(), DbErr> {
    price_list_entry::Entity::delete_many()
        .filter(price_list_entry::Column::TenantId.eq(tenant.as_uuid()))
        .filter(price_list_entry::Column::PriceListId.eq(list))
        .exec(conn)
        .await?;
    // Chunks keep each statement under SQLite's bound-parameter limit.
    for chunk in rows.chunks(500) {
        price_list_entry::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(|r| r.into_active_model().reset_all()),
        )
        .exec(conn)
        .await?;
    }
    Ok(())
}

pub async fn settings(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Option<pricing_settings::Model>, DbErr> {
    pricing_settings::Entity::find_by_id(tenant.as_uuid())
        .one(conn)
        .await
}

pub async fn save_settings(
    conn: &impl ConnectionTrait,
    model: pricing_settings::Model,
) -> Result<(), DbErr> {
    pricing_settings::Entity::delete_by_id(model.tenant_id)
        .exec(conn)
        .await?;
    model.into_active_model().reset_all().insert(conn).await?;
    Ok(())
}
