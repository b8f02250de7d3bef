//! Products of one store, and the filtered, sorted lists of them.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use smartseller_kernel::TenantId;
use uuid::Uuid;

use super::{category, price_list_entry, product, variant, variant_pricing, variant_stock};
use crate::domain::listing::{Keyset, ProductFilter, ProductSort, SortValue};
use crate::domain::stock::StockState;

pub async fn insert(
    conn: &impl ConnectionTrait,
    model: product::Model,
) -> Result<product::Model, DbErr> {
    model.into_active_model().reset_all().insert(conn).await
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<product::Model>, DbErr> {
    product::Entity::find_by_id(id)
        .filter(product::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

/// Writes every column of `model`, which was read with this tenant.
pub async fn save(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    model: product::Model,
) -> Result<(), DbErr> {
    product::Entity::update_many()
        .col_expr(product::Column::CategoryId, Expr::value(model.category_id))
        .col_expr(product::Column::Name, Expr::value(model.name))
        .col_expr(product::Column::Description, Expr::value(model.description))
        .col_expr(product::Column::Status, Expr::value(model.status))
        .col_expr(product::Column::UpdatedAt, Expr::value(model.updated_at))
        .filter(product::Column::TenantId.eq(tenant.as_uuid()))
        .filter(product::Column::Id.eq(model.id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// One page of products: filtered, sorted, starting after `after`; one query.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    filter: &ProductFilter,
    sort: ProductSort,
    after: Option<&Keyset>,
    limit: u64,
) -> Result<Vec<product::Model>, DbErr> {
    use product::Column as P;
    let mut query = product::Entity::find().filter(P::TenantId.eq(tenant.as_uuid()));
    if let Some(id) = filter.category {
        query = query.filter(P::CategoryId.eq(id));
    }
    if let Some(root) = filter.category_tree {
        // A category's path holds the id of every ancestor, so "under `root`" is a substring
        // match, and an unknown id simply matches nothing.
        query = query.filter(
            P::CategoryId.in_subquery(
                Query::select()
                    .column(category::Column::Id)
                    .from(category::Entity)
                    .and_where(category::Column::TenantId.eq(tenant.as_uuid()))
                    .and_where(category::Column::Path.contains(format!("/{root}/")))
                    .to_owned(),
            ),
        );
    }
    if let Some(status) = &filter.status {
        query = query.filter(P::Status.eq(status.as_str()));
    }
    if filter.min_price.is_some() || filter.max_price.is_some() {
        let mut priced = Query::select();
        priced
            .column(variant::Column::ProductId)
            .from(variant::Entity)
            .and_where(variant::Column::TenantId.eq(tenant.as_uuid()))
            .and_where(variant::Column::Currency.eq(filter.currency.as_str()))
            .and_where(variant::Column::Status.ne("archived"));
        if let Some(min) = filter.min_price {
            priced.and_where(variant::Column::PriceMinor.gte(min));
        }
        if let Some(max) = filter.max_price {
            priced.and_where(variant::Column::PriceMinor.lte(max));
        }
        query = query.filter(P::Id.in_subquery(priced.to_owned()));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(P::UpdatedAt.gte(since));
    }
    if let Some(state) = filter.stock_state {
        // The catalogue's copy of stock (see `app::stock`): one indexed subquery per condition.
        let levels = |condition: sea_orm::sea_query::SimpleExpr| {
            Query::select()
                .column(variant_stock::Column::ProductId)
                .from(variant_stock::Entity)
                .and_where(variant_stock::Column::TenantId.eq(tenant.as_uuid()))
                .and_where(condition)
                .to_owned()
        };
        let sellable = || levels(variant_stock::Column::Available.gt(0));
        query = match state {
            StockState::InStock => query.filter(P::Id.in_subquery(sellable())),
            StockState::OutOfStock => query.filter(P::Id.not_in_subquery(sellable())),
            StockState::LowStock => query.filter(P::Id.in_subquery(sellable())).filter(
                P::Id.in_subquery(levels(
                    Expr::col(variant_stock::Column::ReorderPoint)
                        .is_not_null()
                        .and(
                            Expr::col(variant_stock::Column::Available)
                                .lte(Expr::col(variant_stock::Column::ReorderPoint)),
                        ),
                )),
            ),
        };
    }
    let descending = sort.descending();
    let after_id = |id: Uuid| {
        if descending {
            P::Id.lt(id)
        } else {
            P::Id.gt(id)
        }
    };
    if let Some(after) = after {
        let condition = match &after.value {
            SortValue::None => Condition::all().add(after_id(after.id)),
            SortValue::Name(name) => {
                let beyond = if descending {
                    P::Name.lt(name.as_str())
                } else {
                    P::Name.gt(name.as_str())
                };
                Condition::any().add(beyond).add(
                    Condition::all()
                        .add(P::Name.eq(name.as_str()))
                        .add(after_id(after.id)),
                )
            }
            SortValue::Time(time) => {
                let beyond = if descending {
                    P::UpdatedAt.lt(*time)
                } else {
                    P::UpdatedAt.gt(*time)
                };
                Condition::any().add(beyond).add(
                    Condition::all()
                        .add(P::UpdatedAt.eq(*time))
                        .add(after_id(after.id)),
                )
            }
        };
        query = query.filter(condition);
    }
    query = match sort {
        ProductSort::CreatedAt => query.order_by_asc(P::Id),
        ProductSort::NewestFirst => query.order_by_desc(P::Id),
        ProductSort::Name => query.order_by_asc(P::Name).order_by_asc(P::Id),
        ProductSort::NameDesc => query.order_by_desc(P::Name).order_by_desc(P::Id),
        ProductSort::UpdatedAt => query.order_by_asc(P::UpdatedAt).order_by_asc(P::Id),
        ProductSort::UpdatedAtDesc => query.order_by_desc(P::UpdatedAt).order_by_desc(P::Id),
    };
    query.limit(limit).all(conn).await
}

/// Archives a product's variants with it.
pub async fn archive_variants(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: Uuid,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    variant::Entity::update_many()
        .col_expr(variant::Column::Status, Expr::value("archived"))
        .col_expr(variant::Column::UpdatedAt, Expr::value(at))
        .filter(variant::Column::TenantId.eq(tenant.as_uuid()))
        .filter(variant::Column::ProductId.eq(product))
        .filter(variant::Column::Status.ne("archived"))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Marks a product changed (a variant of it changed), so `updated_since` finds it.
pub async fn touch(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: Uuid,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    product::Entity::update_many()
        .col_expr(product::Column::UpdatedAt, Expr::value(at))
        .filter(product::Column::TenantId.eq(tenant.as_uuid()))
        .filter(product::Column::Id.eq(product))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Deletes a product for good with everything of it the catalogue holds: variants, their pricing
/// and price-list entries, and its media rows. The caller removes the media files after commit.
pub async fn delete_for_good(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: Uuid,
    variants: &[Uuid],
) -> Result<(), DbErr> {
    let tenant = tenant.as_uuid();
    if !variants.is_empty() {
        // Price-list entries name variants without a foreign key (a list outlives its
        // variants' archiving), so nothing cascades to them.
        price_list_entry::Entity::delete_many()
            .filter(price_list_entry::Column::TenantId.eq(tenant))
            .filter(price_list_entry::Column::VariantId.is_in(variants.iter().copied()))
            .exec(conn)
            .await?;
        variant_pricing::Entity::delete_many()
            .filter(variant_pricing::Column::TenantId.eq(tenant))
            .filter(variant_pricing::Column::VariantId.is_in(variants.iter().copied()))
            .exec(conn)
            .await?;
    }
    variant::Entity::delete_many()
        .filter(variant::Column::TenantId.eq(tenant))
        .filter(variant::Column::ProductId.eq(product))
        .exec(conn)
        .await?;
    super::media::Entity::delete_many()
        .filter(super::media::Column::TenantId.eq(tenant))
        .filter(super::media::Column::ProductId.eq(product))
        .exec(conn)
        .await?;
    // The stock copy has no foreign key (it may hear of a level first); attribute values
    // cascade with the product.
    variant_stock::Entity::delete_many()
        .filter(variant_stock::Column::TenantId.eq(tenant))
        .filter(variant_stock::Column::ProductId.eq(product))
        .exec(conn)
        .await?;
    product::Entity::delete_many()
        .filter(product::Column::TenantId.eq(tenant))
        .filter(product::Column::Id.eq(product))
        .exec(conn)
        .await
        .map(|_| ())
}
