//! The catalogue's copy of stock: kept from `inventory.events`, read by product pages and the
//! stock-state filter of product lists.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use smartseller_contracts::inventory::{InventoryEvent, LevelSnapshot};
use smartseller_kernel::TenantId;
use uuid::Uuid;

use super::CatalogResult;
use crate::domain::stock::StockTotals;
use crate::store::stock as store;
use crate::store::versions::{self, Counter};
use crate::store::{variant, variant_stock};

/// A product's stock over every warehouse, in total and per variant.
#[derive(Debug, Clone, Default)]
pub struct ProductStock {
    pub totals: StockTotals,
    pub variants: HashMap<Uuid, StockTotals>,
}

pub(crate) async fn of_product(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: Uuid,
) -> CatalogResult<ProductStock> {
    let levels = store::of_products(conn, tenant, &[product]).await?;
    let variants: HashMap<Uuid, StockTotals> = levels
        .iter()
        .map(|(variant, levels)| (*variant, StockTotals::of(levels)))
        .collect();
    let totals = variants
        .values()
        .fold(StockTotals::default(), |sum, t| sum.plus(*t));
    Ok(ProductStock { totals, variants })
}

/// Mirrors one inventory event; answers the products whose stock it touched. Levels of
/// variants this catalogue does not hold are skipped:
/// there is no product page to show them on.
pub async fn record_inventory_event(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    occurred_at: DateTime<Utc>,
    event: &InventoryEvent,
) -> CatalogResult<Vec<Uuid>> {
    let levels: Vec<LevelSnapshot> = match event {
        InventoryEvent::Adjusted { after, .. } => vec![*after],
        InventoryEvent::Reserved { levels, .. }
        | InventoryEvent::Released { levels, .. }
        | InventoryEvent::Committed { levels, .. } => levels.clone(),
        InventoryEvent::ReorderPointChanged { level } => {
            let key = (level.variant_id, level.warehouse_id);
            if store::set_reorder_point(conn, tenant, key, level.reorder_point, occurred_at).await?
                > 0
            {
                // A reorder point changes no one's "in stock".
                return Ok(Vec::new());
            }
            // No copy of this level yet: the snapshot has every bucket, so start one.
            vec![*level]
        }
        InventoryEvent::LowStock { .. } => Vec::new(),
    };
    if levels.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = levels.iter().map(|l| l.variant_id).collect();
    let products: HashMap<Uuid, Uuid> = variant::Entity::find()
        .filter(variant::Column::TenantId.eq(tenant.as_uuid()))
        .filter(variant::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| (v.id, v.product_id))
        .collect();
    let mut recorded = false;
    let mut touched: Vec<Uuid> = Vec::new();
    for level in levels {
        let Some(&product_id) = products.get(&level.variant_id) else {
            tracing::debug!(variant = %level.variant_id, "stock of a variant the catalogue lacks");
            continue;
        };
        if !touched.contains(&product_id) {
            touched.push(product_id);
        }
        recorded |= store::record(
            conn,
            variant_stock::Model {
                variant_id: level.variant_id,
                warehouse_id: level.warehouse_id,
                tenant_id: tenant.as_uuid(),
                product_id,
                on_hand: level.on_hand,
                reserved: level.reserved,
                incoming: level.incoming,
                available: level.available,
                reorder_point: level.reorder_point,
                as_of: occurred_at,
            },
        )
        .await?;
    }
    if recorded {
        versions::bump(conn, tenant, Counter::Stock).await?;
    }
    Ok(touched)
}
