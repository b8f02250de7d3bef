//! Variants of one store's products.

use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use smartseller_kernel::TenantId;
use uuid::Uuid;

use super::variant;

pub async fn insert(
    conn: &impl ConnectionTrait,
    model: variant::Model,
) -> Result<variant::Model, DbErr> {
    model.into_active_model().reset_all().insert(conn).await
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<variant::Model>, DbErr> {
    variant::Entity::find_by_id(id)
        .filter(variant::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

/// The variants of several products in one query, grouped by product in their shown order:
/// what keeps a page of products at a fixed number of queries whatever its size.
pub async fn of_products(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    products: &[Uuid],
) -> Result<HashMap<Uuid, Vec<variant::Model>>, DbErr> {
    if products.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = variant::Entity::find()
        .filter(variant::Column::TenantId.eq(tenant.as_uuid()))
        .filter(variant::Column::ProductId.is_in(products.iter().copied()))
        .order_by_asc(variant::Column::Position)
        .order_by_asc(variant::Column::Id)
        .all(conn)
        .await?;
    let mut by_product: HashMap<Uuid, Vec<variant::Model>> = HashMap::new();
    for row in rows {
        by_product.entry(row.product_id).or_default().push(row);
    }
    Ok(by_product)
}

/// Which of `skus` are already used in the store.
pub async fn taken_skus(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    skus: &[String],
) -> Result<Vec<String>, DbErr> {
    if skus.is_empty() {
        return Ok(Vec::new());
    }
    variant::Entity::find()
        .select_only()
        .column(variant::Column::Sku)
        .filter(variant::Column::TenantId.eq(tenant.as_uuid()))
        .filter(variant::Column::Sku.is_in(skus.iter().cloned()))
        .into_tuple()
        .all(conn)
        .await
}

/// One page of variants, oldest first, optionally of one product or in one status.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: Option<Uuid>,
    status: Option<&str>,
    sku: Option<&str>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<variant::Model>, DbErr> {
    let mut query = variant::Entity::find()
        .filter(variant::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_asc(variant::Column::Id)
        .limit(limit);
    if let Some(product) = product {
        query = query.filter(variant::Column::ProductId.eq(product));
    }
    if let Some(status) = status {
        query = query.filter(variant::Column::Status.eq(status));
    }
    if let Some(sku) = sku {
        query = query.filter(variant::Column::Sku.eq(sku));
    }
    if let Some(after) = after {
        query = query.filter(variant::Column::Id.gt(after));
    }
    query.all(conn).await
}

/// Writes every changeable column of `model`, which was read with this tenant.
pub async fn save(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    model: variant::Model,
) -> Result<(), DbErr> {
    use variant::Column as V;
    variant::Entity::update_many()
        .col_expr(V::Sku, Expr::value(model.sku))
        .col_expr(V::Barcode, Expr::value(model.barcode))
        .col_expr(V::OptionValues, Expr::value(model.option_values))
        .col_expr(V::WeightGrams, Expr::value(model.weight_grams))
        .col_expr(V::LengthMm, Expr::value(model.length_mm))
        .col_expr(V::WidthMm, Expr::value(model.width_mm))
        .col_expr(V::HeightMm, Expr::value(model.height_mm))
        .col_expr(V::PriceMinor, Expr::value(model.price_minor))
        .col_expr(V::Currency, Expr::value(model.currency))
        .col_expr(V::Status, Expr::value(model.status))
        .col_expr(V::UpdatedAt, Expr::value(model.updated_at))
        .filter(V::TenantId.eq(tenant.as_uuid()))
        .filter(V::Id.eq(model.id))
        .exec(conn)
        .await
        .map(|_| ())
}
