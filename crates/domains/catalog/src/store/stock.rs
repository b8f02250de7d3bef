//! The catalogue's copy of stock per variant per warehouse (inventory owns the real levels).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use smartseller_kernel::TenantId;
use uuid::Uuid;

use super::variant_stock;
use crate::domain::stock::LevelCopy;

/// Writes `row` unless the copy already holds a newer change of the same level. Returns whether
/// it was written.
pub async fn record(conn: &impl ConnectionTrait, row: variant_stock::Model) -> Result<bool, DbErr> {
    use variant_stock::Column as C;
    let updated = variant_stock::Entity::update_many()
        .col_expr(C::ProductId, Expr::value(row.product_id))
        .col_expr(C::OnHand, Expr::value(row.on_hand))
        .col_expr(C::Reserved, Expr::value(row.reserved))
        .col_expr(C::Incoming, Expr::value(row.incoming))
        .col_expr(C::Available, Expr::value(row.available))
        .col_expr(C::ReorderPoint, Expr::value(row.reorder_point))
        .col_expr(C::AsOf, Expr::value(row.as_of))
        .filter(C::TenantId.eq(row.tenant_id))
        .filter(C::VariantId.eq(row.variant_id))
        .filter(C::WarehouseId.eq(row.warehouse_id))
        .filter(C::AsOf.lte(row.as_of))
        .exec(conn)
        .await?
        .rows_affected;
    if updated > 0 {
        return Ok(true);
    }
    let exists = variant_stock::Entity::find()
        .filter(C::TenantId.eq(row.tenant_id))
        .filter(C::VariantId.eq(row.variant_id))
        .filter(C::WarehouseId.eq(row.warehouse_id))
        .one(conn)
        .await?
        .is_some();
    if exists {
        return Ok(false);
    }
    row.into_active_model().reset_all().insert(conn).await?;
    Ok(true)
}

/// The reorder point alone changed; stock buckets stay as they are.
pub async fn set_reorder_point(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    (variant, warehouse): (Uuid, Uuid),
    point: Option<i64>,
    as_of: DateTime<Utc>,
) -> Result<u64, DbErr> {
    use variant_stock::Column as C;
    Ok(variant_stock::Entity::update_many()
        .col_expr(C::ReorderPoint, Expr::value(point))
        .filter(C::TenantId.eq(tenant.as_uuid()))
        .filter(C::VariantId.eq(variant))
        .filter(C::WarehouseId.eq(warehouse))
        .filter(C::AsOf.lte(as_of))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Every known level of the products' variants, by variant.
pub async fn of_products(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    products: &[Uuid],
) -> Result<HashMap<Uuid, Vec<LevelCopy>>, DbErr> {
    if products.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = variant_stock::Entity::find()
        .filter(variant_stock::Column::TenantId.eq(tenant.as_uuid()))
        .filter(variant_stock::Column::ProductId.is_in(products.iter().copied()))
        .all(conn)
        .await?;
    let mut by_variant: HashMap<Uuid, Vec<LevelCopy>> = HashMap::new();
    for row in rows {
        by_variant
            .entry(row.variant_id)
            .or_default()
            .push(LevelCopy {
                on_hand: row.on_hand,
                reserved: row.reserved,
                incoming: row.incoming,
                available: row.available,
                reorder_point: row.reorder_point,
            });
    }
    Ok(by_variant)
}
