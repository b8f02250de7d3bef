//! Attribute definitions of one store, their assignment to categories, and products' values.

use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use smartseller_kernel::TenantId;
use uuid::Uuid;

use super::{attribute, category_attribute, product_attribute};

pub async fn insert(
    conn: &impl ConnectionTrait,
    model: attribute::Model,
) -> Result<attribute::Model, DbErr> {
    model.into_active_model().reset_all().insert(conn).await
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<attribute::Model>, DbErr> {
    attribute::Entity::find_by_id(id)
        .filter(attribute::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

/// The store's attributes among `ids`, by id; ids of other stores are simply absent.
pub async fn find_many(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, attribute::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(attribute::Entity::find()
        .filter(attribute::Column::TenantId.eq(tenant.as_uuid()))
        .filter(attribute::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}

pub async fn name_taken(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    name_key: &str,
    except: Option<Uuid>,
) -> Result<bool, DbErr> {
    let mut query = attribute::Entity::find()
        .filter(attribute::Column::TenantId.eq(tenant.as_uuid()))
        .filter(attribute::Column::NameKey.eq(name_key));
    if let Some(id) = except {
        query = query.filter(attribute::Column::Id.ne(id));
    }
    Ok(query.count(conn).await? > 0)
}

/// One page of the store's attributes in creation order, after `after`.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<attribute::Model>, DbErr> {
    let mut query = attribute::Entity::find()
        .filter(attribute::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_asc(attribute::Column::Id);
    if let Some(after) = after {
        query = query.filter(attribute::Column::Id.gt(after));
    }
    query.limit(limit).all(conn).await
}

/// Writes every column of `model`, which was read with this tenant.
pub async fn save(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    model: attribute::Model,
) -> Result<(), DbErr> {
    attribute::Entity::update_many()
        .col_expr(attribute::Column::Name, Expr::value(model.name))
        .col_expr(attribute::Column::NameKey, Expr::value(model.name_key))
        .col_expr(attribute::Column::Kind, Expr::value(model.kind))
        .col_expr(attribute::Column::Choices, Expr::value(model.choices))
        .col_expr(attribute::Column::Unit, Expr::value(model.unit))
        .col_expr(attribute::Column::UpdatedAt, Expr::value(model.updated_at))
        .filter(attribute::Column::TenantId.eq(tenant.as_uuid()))
        .filter(attribute::Column::Id.eq(model.id))
        .exec(conn)
        .await
        .map(|_| ())
}

pub async fn delete(conn: &impl ConnectionTrait, tenant: TenantId, id: Uuid) -> Result<(), DbErr> {
    category_attribute::Entity::delete_many()
        .filter(category_attribute::Column::TenantId.eq(tenant.as_uuid()))
        .filter(category_attribute::Column::AttributeId.eq(id))
        .exec(conn)
        .await?;
    attribute::Entity::delete_many()
        .filter(attribute::Column::TenantId.eq(tenant.as_uuid()))
        .filter(attribute::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// How many products have a value for the attribute, and how many of those values are each of
/// `values` (to refuse removing a choice still in use).
pub async fn values_in_use(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    attribute_id: Uuid,
    values: Option<&[String]>,
) -> Result<u64, DbErr> {
    let mut query = product_attribute::Entity::find()
        .filter(product_attribute::Column::TenantId.eq(tenant.as_uuid()))
        .filter(product_attribute::Column::AttributeId.eq(attribute_id));
    if let Some(values) = values {
        query = query.filter(product_attribute::Column::Value.is_in(values.iter().cloned()));
    }
    query.count(conn).await
}

/// The assignments of every category in `categories`, in their order.
pub async fn assigned_to(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    categories: &[Uuid],
) -> Result<Vec<category_attribute::Model>, DbErr> {
    if categories.is_empty() {
        return Ok(Vec::new());
    }
    category_attribute::Entity::find()
        .filter(category_attribute::Column::TenantId.eq(tenant.as_uuid()))
        .filter(category_attribute::Column::CategoryId.is_in(categories.iter().copied()))
        .order_by_asc(category_attribute::Column::Position)
        .all(conn)
        .await
}

/// Replaces a category's own assignments.
pub async fn assign(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    category: Uuid,
    rows: Vec<category_attribute::Model>,
) -> Result<(), DbErr> {
    category_attribute::Entity::delete_many()
        .filter(category_attribute::Column::TenantId.eq(tenant.as_uuid()))
        .filter(category_attribute::Column::CategoryId.eq(category))
        .exec(conn)
        .await?;
    if !rows.is_empty() {
        category_attribute::Entity::insert_many(
            rows.into_iter().map(|r| r.into_active_model().reset_all()),
        )
        .exec(conn)
        .await?;
    }
    Ok(())
}

/// A product's values, by attribute.
pub async fn values_of(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: Uuid,
) -> Result<Vec<product_attribute::Model>, DbErr> {
    product_attribute::Entity::find()
        .filter(product_attribute::Column::TenantId.eq(tenant.as_uuid()))
        .filter(product_attribute::Column::ProductId.eq(product))
        .all(conn)
        .await
}

/// Replaces a product's values.
pub async fn set_values(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: Uuid,
    rows: Vec<product_attribute::Model>,
) -> Result<(), DbErr> {
    product_attribute::Entity::delete_many()
        .filter(product_attribute::Column::TenantId.eq(tenant.as_uuid()))
        .filter(product_attribute::Column::ProductId.eq(product))
        .exec(conn)
        .await?;
    if !rows.is_empty() {
        product_attribute::Entity::insert_many(
            rows.into_iter().map(|r| r.into_active_model().reset_all()),
        )
        .exec(conn)
        .await?;
    }
    Ok(())
}

/// Removes a product's values for these attributes.
pub async fn remove_values(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: Uuid,
    attributes: &[Uuid],
) -> Result<(), DbErr> {
    if attributes.is_empty() {
        return Ok(());
    }
    product_attribute::Entity::delete_many()
        .filter(product_attribute::Column::TenantId.eq(tenant.as_uuid()))
        .filter(product_attribute::Column::ProductId.eq(product))
        .filter(product_attribute::Column::AttributeId.is_in(attributes.iter().copied()))
        .exec(conn)
        .await
        .map(|_| ())
}
