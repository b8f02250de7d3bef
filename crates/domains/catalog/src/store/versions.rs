//! Each store's change counters: a product list cached under the counters it was read at is
//! still right as long as they have not moved. They move inside the writing transaction, so a
//! reader on any node sees the new counter exactly when it could see the new rows.

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use smartseller_kernel::TenantId;

use super::version;

/// Which counter a write moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    Products,
    Stock,
}

pub async fn bump(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    counter: Counter,
) -> Result<(), DbErr> {
    let column = match counter {
        Counter::Products => version::Column::Products,
        Counter::Stock => version::Column::Stock,
    };
    let updated = version::Entity::update_many()
        .col_expr(column, Expr::col(column).add(1))
        .filter(version::Column::TenantId.eq(tenant.as_uuid()))
        .exec(conn)
        .await?
        .rows_affected;
    if updated == 0 {
        // First write of the store: a concurrent first write may insert too; either row is fine
        // because both start above zero, which no cached read can have seen.
        version::Entity::insert(version::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            products: Set(1),
            stock: Set(1),
        })
        .on_conflict(
            OnConflict::column(version::Column::TenantId)
                .value(column, Expr::col((version::Entity, column)).add(1))
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// The store's (products, stock) counters; (0, 0) before its first write.
pub async fn current(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<(i64, i64), DbErr> {
    Ok(version::Entity::find_by_id(tenant.as_uuid())
        .one(conn)
        .await?
        .map(|v| (v.products, v.stock))
        .unwrap_or((0, 0)))
}
