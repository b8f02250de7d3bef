//! Purchase orders with their lines, and stock count sheets with theirs.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use smartseller_kernel::{TenantId, clock};
use uuid::Uuid;

use super::{purchase_order, purchase_order_line, stock_count, stock_count_line};

pub struct NewPurchaseOrder<'a> {
    pub id: Uuid,
    pub supplier: &'a str,
    pub warehouse: Uuid,
    pub currency: &'a str,
    pub expected_on: Option<chrono::NaiveDate>,
    pub note: Option<&'a str>,
    pub actor: (&'static str, Option<Uuid>),
    /// (variant, quantity, unit cost in minor units), as given.
    pub lines: &'a [(Uuid, i64, i64)],
}

fn line_no(index: usize) -> i32 {
    i32::try_from(index).unwrap_or(i32::MAX)
}

pub async fn insert_order(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    new: NewPurchaseOrder<'_>,
) -> Result<purchase_order::Model, DbErr> {
    let now = clock::now();
    let model = purchase_order::ActiveModel {
        id: Set(new.id),
        tenant_id: Set(tenant.as_uuid()),
        supplier_name: Set(new.supplier.to_owned()),
        warehouse_id: Set(new.warehouse),
        status: Set("draft".to_owned()),
        currency: Set(new.currency.to_owned()),
        expected_on: Set(new.expected_on),
        note: Set(new.note.map(str::to_owned)),
        actor_type: Set(new.actor.0.to_owned()),
        actor_id: Set(new.actor.1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    purchase_order_line::Entity::insert_many(new.lines.iter().enumerate().map(
        |(index, (variant, quantity, cost))| purchase_order_line::ActiveModel {
            purchase_order_id: Set(new.id),
            line_no: Set(line_no(index)),
            tenant_id: Set(tenant.as_uuid()),
            variant_id: Set(*variant),
            quantity: Set(*quantity),
            received: Set(0),
            unit_cost_minor: Set(*cost),
        },
    ))
    .exec(conn)
    .await?;
    Ok(model)
}

pub async fn find_order(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<purchase_order::Model>, DbErr> {
    purchase_order::Entity::find_by_id(id)
        .filter(purchase_order::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

pub async fn order_lines(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Vec<purchase_order_line::Model>, DbErr> {
    use purchase_order_line::Column as C;
    purchase_order_line::Entity::find()
        .filter(C::TenantId.eq(tenant.as_uuid()))
        .filter(C::PurchaseOrderId.eq(id))
        .order_by_asc(C::LineNo)
        .all(conn)
        .await
}

/// Moves an order to `to`, only from one of `from`: of two racing requests, one wins and the
/// other sees `false` having changed nothing.
pub async fn transition_order(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
    from: &[&str],
    to: &str,
) -> Result<bool, DbErr> {
    use purchase_order::Column as C;
    let result = purchase_order::Entity::update_many()
        .col_expr(C::Status, Expr::value(to))
        .col_expr(C::UpdatedAt, Expr::value(clock::now()))
        .filter(C::TenantId.eq(tenant.as_uuid()))
        .filter(C::Id.eq(id))
        .filter(C::Status.is_in(from.iter().copied()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Books `quantity` more received units on a line, only if that stays within what was
/// ordered: the guard that makes an over-receipt impossible even for racing receipts.
pub async fn receive_on_line(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
    line_no: i32,
    quantity: i64,
) -> Result<bool, DbErr> {
    use purchase_order_line::Column as C;
    let result = purchase_order_line::Entity::update_many()
        .col_expr(C::Received, Expr::col(C::Received).add(quantity))
        .filter(C::TenantId.eq(tenant.as_uuid()))
        .filter(C::PurchaseOrderId.eq(id))
        .filter(C::LineNo.eq(line_no))
        .filter(
            Expr::col(C::Quantity)
                .sub(Expr::col(C::Received))
                .gte(quantity),
        )
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

pub struct NewCount<'a> {
    pub id: Uuid,
    pub warehouse: Uuid,
    pub status: &'a str,
    pub note: Option<&'a str>,
    pub actor: (&'static str, Option<Uuid>),
    /// (variant, counted), as given.
    pub lines: &'a [(Uuid, i64)],
}

pub async fn insert_count(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    new: NewCount<'_>,
) -> Result<stock_count::Model, DbErr> {
    let now = clock::now();
    let model = stock_count::ActiveModel {
        id: Set(new.id),
        tenant_id: Set(tenant.as_uuid()),
        warehouse_id: Set(new.warehouse),
        status: Set(new.status.to_owned()),
        note: Set(new.note.map(str::to_owned)),
        actor_type: Set(new.actor.0.to_owned()),
        actor_id: Set(new.actor.1),
        applied_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    stock_count_line::Entity::insert_many(new.lines.iter().enumerate().map(
        |(index, (variant, counted))| stock_count_line::ActiveModel {
            count_id: Set(new.id),
            line_no: Set(line_no(index)),
            tenant_id: Set(tenant.as_uuid()),
            variant_id: Set(*variant),
            counted: Set(*counted),
            expected: Set(None),
            difference: Set(None),
        },
    ))
    .exec(conn)
    .await?;
    Ok(model)
}

pub async fn find_count(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<stock_count::Model>, DbErr> {
    stock_count::Entity::find_by_id(id)
        .filter(stock_count::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

pub async fn count_lines(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Vec<stock_count_line::Model>, DbErr> {
    use stock_count_line::Column as C;
    stock_count_line::Entity::find()
        .filter(C::TenantId.eq(tenant.as_uuid()))
        .filter(C::CountId.eq(id))
        .order_by_asc(C::LineNo)
        .all(conn)
        .await
}

/// Marks a sheet applied, only if it was not already: a double-clicked "apply" counts once.
pub async fn mark_count_applied(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
    from: &[&str],
) -> Result<bool, DbErr> {
    use stock_count::Column as C;
    let now = clock::now();
    let result = stock_count::Entity::update_many()
        .col_expr(C::Status, Expr::value("applied"))
        .col_expr(C::AppliedAt, Expr::value(Some(now)))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::TenantId.eq(tenant.as_uuid()))
        .filter(C::Id.eq(id))
        .filter(C::Status.is_in(from.iter().copied()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Records what was on hand when the line was applied, and the difference booked.
pub async fn record_count_result(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
    line_no: i32,
    expected: i64,
    difference: i64,
) -> Result<(), DbErr> {
    use stock_count_line::Column as C;
    stock_count_line::Entity::update_many()
        .col_expr(C::Expected, Expr::value(Some(expected)))
        .col_expr(C::Difference, Expr::value(Some(difference)))
        .filter(C::TenantId.eq(tenant.as_uuid()))
        .filter(C::CountId.eq(id))
        .filter(C::LineNo.eq(line_no))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Touches an order that still waits for goods, taking its row lock on PostgreSQL (SQLite has
/// one writer at a time): `false` when it is not open for receipts (or does not exist).
pub async fn claim_open_order(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<bool, DbErr> {
    use purchase_order::Column as C;
    let result = purchase_order::Entity::update_many()
        .col_expr(C::UpdatedAt, Expr::value(clock::now()))
        .filter(C::TenantId.eq(tenant.as_uuid()))
        .filter(C::Id.eq(id))
        .filter(C::Status.is_in(["ordered", "partially_received"]))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Oldest first, one page; `status` narrows it to orders in that status.
pub async fn list_orders(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    status: Option<&str>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<purchase_order::Model>, DbErr> {
    use purchase_order::Column as C;
    use sea_orm::QuerySelect;
    let mut query = purchase_order::Entity::find()
        .filter(C::TenantId.eq(tenant.as_uuid()))
        .order_by_asc(C::Id)
        .limit(limit);
    if let Some(after) = after {
        query = query.filter(C::Id.gt(after));
    }
    if let Some(status) = status {
        query = query.filter(C::Status.eq(status));
    }
    query.all(conn).await
}

/// The lines of several orders, in one query.
pub async fn lines_of_orders(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[Uuid],
) -> Result<Vec<purchase_order_line::Model>, DbErr> {
    use purchase_order_line::Column as C;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    purchase_order_line::Entity::find()
        .filter(C::TenantId.eq(tenant.as_uuid()))
        .filter(C::PurchaseOrderId.is_in(ids.iter().copied()))
        .order_by_asc(C::PurchaseOrderId)
        .order_by_asc(C::LineNo)
        .all(conn)
        .await
}
