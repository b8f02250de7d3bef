//! The category tree of one store.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use smartseller_kernel::{TenantId, clock};
use uuid::Uuid;

use super::{category, product};

pub struct NewCategory<'a> {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: &'a str,
    pub position: i32,
    pub path: &'a str,
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    new: NewCategory<'_>,
) -> Result<category::Model, DbErr> {
    let now = clock::now();
    category::ActiveModel {
        id: Set(new.id),
        tenant_id: Set(tenant.as_uuid()),
        parent_id: Set(new.parent_id),
        name: Set(new.name.to_owned()),
        position: Set(new.position),
        path: Set(new.path.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<category::Model>, DbErr> {
    category::Entity::find_by_id(id)
        .filter(category::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

/// Which categories a list shows.
#[derive(Debug, Clone, Copy)]
pub enum Level {
    All,
    Roots,
    ChildrenOf(Uuid),
}

/// One page of a store's categories, oldest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    level: Level,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<category::Model>, DbErr> {
    let mut query = category::Entity::find()
        .filter(category::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_asc(category::Column::Id)
        .limit(limit);
    query = match level {
        Level::All => query,
        Level::Roots => query.filter(category::Column::ParentId.is_null()),
        Level::ChildrenOf(parent) => query.filter(category::Column::ParentId.eq(parent)),
    };
    if let Some(after) = after {
        query = query.filter(category::Column::Id.gt(after));
    }
    query.all(conn).await
}

/// The ids of a parent's children (or of the roots), in their shown order.
pub async fn sibling_ids(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    parent: Option<Uuid>,
) -> Result<Vec<Uuid>, DbErr> {
    let query = category::Entity::find()
        .select_only()
        .column(category::Column::Id)
        .filter(category::Column::TenantId.eq(tenant.as_uuid()));
    let query = match parent {
        Some(parent) => query.filter(category::Column::ParentId.eq(parent)),
        None => query.filter(category::Column::ParentId.is_null()),
    };
    query
        .order_by_asc(category::Column::Position)
        .order_by_asc(category::Column::Id)
        .into_tuple()
        .all(conn)
        .await
}

/// Numbers siblings 0, 1, 2, ... in `order`.
pub async fn renumber(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    order: &[Uuid],
) -> Result<(), DbErr> {
    for (position, id) in order.iter().enumerate() {
        category::Entity::update_many()
            .col_expr(category::Column::Position, Expr::value(position as i32))
            .filter(category::Column::TenantId.eq(tenant.as_uuid()))
            .filter(category::Column::Id.eq(*id))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Every category strictly beneath the one at `path`.
pub async fn descendants(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    path: &str,
) -> Result<Vec<category::Model>, DbErr> {
    category::Entity::find()
        .filter(category::Column::TenantId.eq(tenant.as_uuid()))
        .filter(category::Column::Path.starts_with(path))
        .filter(category::Column::Path.ne(path))
        .all(conn)
        .await
}

pub async fn set_place(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
    name: &str,
    parent_id: Option<Uuid>,
    path: &str,
) -> Result<(), DbErr> {
    category::Entity::update_many()
        .col_expr(category::Column::Name, Expr::value(name))
        .col_expr(category::Column::ParentId, Expr::value(parent_id))
        .col_expr(category::Column::Path, Expr::value(path))
        .col_expr(category::Column::UpdatedAt, Expr::value(clock::now()))
        .filter(category::Column::TenantId.eq(tenant.as_uuid()))
        .filter(category::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

pub async fn set_path(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
    path: &str,
) -> Result<(), DbErr> {
    category::Entity::update_many()
        .col_expr(category::Column::Path, Expr::value(path))
        .filter(category::Column::TenantId.eq(tenant.as_uuid()))
        .filter(category::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

pub async fn child_count(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<u64, DbErr> {
    category::Entity::find()
        .filter(category::Column::TenantId.eq(tenant.as_uuid()))
        .filter(category::Column::ParentId.eq(id))
        .count(conn)
        .await
}

/// Products filed under the category, archived ones included: they still point at it.
pub async fn product_count(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<u64, DbErr> {
    product::Entity::find()
        .filter(product::Column::TenantId.eq(tenant.as_uuid()))
        .filter(product::Column::CategoryId.eq(id))
        .count(conn)
        .await
}

pub async fn delete(conn: &impl ConnectionTrait, tenant: TenantId, id: Uuid) -> Result<(), DbErr> {
    category::Entity::delete_many()
        .filter(category::Column::TenantId.eq(tenant.as_uuid()))
        .filter(category::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}
