//! What the search index is built from: products by id, a store's products a page at a time,
//! and category names along a path.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use smartseller_kernel::TenantId;
use uuid::Uuid;

use std::collections::{HashMap, HashSet};

use super::{attribute, category, product, product_attribute, variant_stock};

/// The store's products among `ids`, in no particular order.
pub async fn products(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[Uuid],
) -> Result<Vec<product::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    product::Entity::find()
        .filter(product::Column::TenantId.eq(tenant.as_uuid()))
        .filter(product::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await
}

/// One page of the store's product ids, oldest first, after `after`.
pub async fn product_ids(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    let mut query = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .filter(product::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_asc(product::Column::Id)
        .limit(limit);
    if let Some(after) = after {
        query = query.filter(product::Column::Id.gt(after));
    }
    query.into_tuple().all(conn).await
}

/// Every store that has products: the one read across stores, for rebuilding the whole index
/// from the command line. Each store is then read with its own tenant.
pub async fn stores_with_products(conn: &impl ConnectionTrait) -> Result<Vec<TenantId>, DbErr> {
    let ids: Vec<Uuid> = product::Entity::find()
        .select_only()
        .column(product::Column::TenantId)
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    Ok(ids.into_iter().map(TenantId::from).collect())
}

/// The store's categories among `ids`.
pub async fn categories(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[Uuid],
) -> Result<Vec<category::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    category::Entity::find()
        .filter(category::Column::TenantId.eq(tenant.as_uuid()))
        .filter(category::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await
}

/// Products filed under the category at `path` or beneath it (after a rename or a move).
pub async fn product_ids_under(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    path: &str,
) -> Result<Vec<Uuid>, DbErr> {
    use sea_orm::sea_query::Query;
    product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .filter(product::Column::TenantId.eq(tenant.as_uuid()))
        .filter(
            product::Column::CategoryId.in_subquery(
                Query::select()
                    .column(category::Column::Id)
                    .from(category::Entity)
                    .and_where(category::Column::TenantId.eq(tenant.as_uuid()))
                    .and_where(category::Column::Path.starts_with(path))
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(conn)
        .await
}

/// Each product's attribute values with the attribute's name: `("Bahan", "Katun")`.
pub async fn attribute_values(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    products: &[Uuid],
) -> Result<HashMap<Uuid, Vec<(String, String)>>, DbErr> {
    if products.is_empty() {
        return Ok(HashMap::new());
    }
    let values = product_attribute::Entity::find()
        .filter(product_attribute::Column::TenantId.eq(tenant.as_uuid()))
        .filter(product_attribute::Column::ProductId.is_in(products.iter().copied()))
        .all(conn)
        .await?;
    let ids: HashSet<Uuid> = values.iter().map(|v| v.attribute_id).collect();
    let names: HashMap<Uuid, String> = attribute::Entity::find()
        .filter(attribute::Column::TenantId.eq(tenant.as_uuid()))
        .filter(attribute::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let mut by_product: HashMap<Uuid, Vec<(String, String)>> = HashMap::new();
    for value in values {
        if let Some(name) = names.get(&value.attribute_id) {
            by_product
                .entry(value.product_id)
                .or_default()
                .push((name.clone(), value.value));
        }
    }
    for pairs in by_product.values_mut() {
        pairs.sort();
    }
    Ok(by_product)
}

/// Which of `products` can be sold now: a variant with stock available somewhere, by the
/// catalogue's copy of stock (the same rule as the product list's `in_stock`).
pub async fn sellable(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    products: &[Uuid],
) -> Result<HashSet<Uuid>, DbErr> {
    if products.is_empty() {
        return Ok(HashSet::new());
    }
    let ids: Vec<Uuid> = variant_stock::Entity::find()
        .select_only()
        .column(variant_stock::Column::ProductId)
        .filter(variant_stock::Column::TenantId.eq(tenant.as_uuid()))
        .filter(variant_stock::Column::ProductId.is_in(products.iter().copied()))
        .filter(variant_stock::Column::Available.gt(0))
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    Ok(ids.into_iter().collect())
}

/// Products with a value for `attribute`.
pub async fn product_ids_with_attribute(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    attribute: Uuid,
) -> Result<Vec<Uuid>, DbErr> {
    product_attribute::Entity::find()
        .select_only()
        .column(product_attribute::Column::ProductId)
        .filter(product_attribute::Column::TenantId.eq(tenant.as_uuid()))
        .filter(product_attribute::Column::AttributeId.eq(attribute))
        .into_tuple()
        .all(conn)
        .await
}
