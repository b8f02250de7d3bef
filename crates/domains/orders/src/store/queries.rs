//! Queries the orders use cases share. Every one takes the tenant.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use smartseller_kernel::TenantId;
use smartseller_kernel::page::PageRequest;
use smartseller_platform::db::db_backend;
use uuid::Uuid;

use super::{history, line, order, sequence};
use crate::domain::fraud::RecentOrders;

/// The next order number of the day, e.g. `SO-20261125-0042`: one upsert that bumps the day's
/// counter and reads it back, so two checkouts never share a number.
pub async fn next_number(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let day = now.format("%Y%m%d").to_string();
    let statement = Query::insert()
        .into_table(sequence::Entity)
        .columns([
            sequence::Column::TenantId,
            sequence::Column::Day,
            sequence::Column::LastNumber,
        ])
        .values_panic([tenant.as_uuid().into(), day.clone().into(), 1i64.into()])
        .on_conflict(
            OnConflict::columns([sequence::Column::TenantId, sequence::Column::Day])
                .value(
                    sequence::Column::LastNumber,
                    Expr::col((sequence::Entity, sequence::Column::LastNumber)).add(1),
                )
                .to_owned(),
        )
        .returning_col(sequence::Column::LastNumber)
        .to_owned();
    let row = conn
        .query_one_raw(db_backend(conn).build(&statement))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("order sequence".to_owned()))?;
    let number: i64 = row.try_get("", "last_number")?;
    Ok(format!("SO-{day}-{number:04}"))
}

pub async fn find_order(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<order::Model>, DbErr> {
    order::Entity::find_by_id(id)
        .filter(order::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

pub async fn find_order_by(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    column: order::Column,
    value: impl Into<sea_orm::Value>,
) -> Result<Option<order::Model>, DbErr> {
    order::Entity::find()
        .filter(order::Column::TenantId.eq(tenant.as_uuid()))
        .filter(column.eq(value))
        .one(conn)
        .await
}

pub async fn lines(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    order_id: Uuid,
) -> Result<Vec<line::Model>, DbErr> {
    line::Entity::find()
        .filter(line::Column::TenantId.eq(tenant.as_uuid()))
        .filter(line::Column::OrderId.eq(order_id))
        .order_by_asc(line::Column::LineNo)
        .all(conn)
        .await
}

/// The lines of several orders in one query, in order, for a page of orders.
pub async fn lines_of_orders(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    order_ids: &[Uuid],
) -> Result<Vec<line::Model>, DbErr> {
    if order_ids.is_empty() {
        return Ok(Vec::new());
    }
    line::Entity::find()
        .filter(line::Column::TenantId.eq(tenant.as_uuid()))
        .filter(line::Column::OrderId.is_in(order_ids.iter().copied()))
        .order_by_asc(line::Column::OrderId)
        .order_by_asc(line::Column::LineNo)
        .all(conn)
        .await
}

pub async fn history_of(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    order_id: Uuid,
) -> Result<Vec<history::Model>, DbErr> {
    history::Entity::find()
        .filter(history::Column::TenantId.eq(tenant.as_uuid()))
        .filter(history::Column::OrderId.eq(order_id))
        .order_by_asc(history::Column::Seq)
        .all(conn)
        .await
}

/// Appends `entry` as the order's next history entry: its `seq` is one past the last, taken in
/// the same statement (`INSERT … SELECT MAX(seq) + 1`), so an append is one round trip. The
/// caller holds the order's row lock, which keeps two appends from taking the same number.
pub async fn append_history(
    conn: &impl ConnectionTrait,
    entry: history::Model,
) -> Result<(), DbErr> {
    use history::Column as H;
    let next_seq = Expr::expr(sea_orm::sea_query::Func::coalesce([
        Expr::col(H::Seq).max(),
        Expr::val(0i64),
    ]))
    .add(1i64);
    let values = Query::select()
        .expr(Expr::val(entry.id))
        .expr(Expr::val(entry.tenant_id))
        .expr(Expr::val(entry.order_id))
        .expr(next_seq)
        .expr(Expr::val(entry.action))
        .expr(Expr::val(entry.status_before))
        .expr(Expr::val(entry.status_after))
        .expr(Expr::val(entry.actor_type))
        .expr(Expr::val(entry.actor_id))
        .expr(Expr::val(entry.detail))
        .expr(Expr::val(entry.occurred_at))
        .from(history::Entity)
        .and_where(Expr::col(H::OrderId).eq(entry.order_id))
        .to_owned();
    let statement = Query::insert()
        .into_table(history::Entity)
        .columns([
            H::Id,
            H::TenantId,
            H::OrderId,
            H::Seq,
            H::Action,
            H::StatusBefore,
            H::StatusAfter,
            H::ActorType,
            H::ActorId,
            H::Detail,
            H::OccurredAt,
        ])
        .select_from(values)
        .map_err(|e| DbErr::Custom(e.to_string()))?
        .to_owned();
    conn.execute_raw(db_backend(conn).build(&statement)).await?;
    Ok(())
}

/// Other orders of the store placed since `since` that a payment with `card` paid.
pub async fn orders_paid_with_card(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    card: &str,
    since: DateTime<Utc>,
    except: Uuid,
) -> Result<i64, DbErr> {
    let count = order::Entity::find()
        .filter(order::Column::TenantId.eq(tenant.as_uuid()))
        .filter(order::Column::CardKey.eq(card))
        .filter(order::Column::PlacedAt.gte(since))
        .filter(order::Column::Id.ne(except))
        .count(conn)
        .await?;
    Ok(i64::try_from(count).unwrap_or(i64::MAX))
}

/// Orders the same buyer, and the same address, placed since `since`.
pub async fn recent_orders(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    customer_key: Option<&str>,
    address_key: Option<&str>,
    since: DateTime<Utc>,
) -> Result<RecentOrders, DbErr> {
    let count = |column: order::Column, key: &str| {
        order::Entity::find()
            .filter(order::Column::TenantId.eq(tenant.as_uuid()))
            .filter(column.eq(key))
            .filter(order::Column::PlacedAt.gte(since))
            .count(conn)
    };
    let by_customer = match customer_key {
        Some(key) => count(order::Column::CustomerKey, key).await?,
        None => 0,
    };
    let by_address = match address_key {
        Some(key) => count(order::Column::AddressKey, key).await?,
        None => 0,
    };
    Ok(RecentOrders {
        by_customer: i64::try_from(by_customer).unwrap_or(i64::MAX),
        by_address: i64::try_from(by_address).unwrap_or(i64::MAX),
    })
}

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<String>,
    pub channel: Option<String>,
    pub number: Option<String>,
    pub customer: Option<String>,
    pub held_for_review: Option<bool>,
}

/// Newest first.
pub async fn list_orders(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    filter: &OrderFilter,
    page: PageRequest,
) -> Result<Vec<order::Model>, DbErr> {
    let mut query = order::Entity::find().filter(order::Column::TenantId.eq(tenant.as_uuid()));
    if let Some(status) = &filter.status {
        query = query.filter(order::Column::Status.eq(status.as_str()));
    }
    if let Some(channel) = &filter.channel {
        query = query.filter(order::Column::Channel.eq(channel.as_str()));
    }
    if let Some(number) = &filter.number {
        query = query.filter(order::Column::Number.eq(number.as_str()));
    }
    if let Some(customer) = &filter.customer {
        query = query.filter(
            Condition::any()
                .add(order::Column::CustomerEmail.eq(customer.as_str()))
                .add(order::Column::CustomerPhone.eq(customer.as_str())),
        );
    }
    if let Some(held) = filter.held_for_review {
        query = if held {
            query.filter(order::Column::ReviewStatus.eq("held"))
        } else {
            query.filter(order::Column::ReviewStatus.ne("held"))
        };
    }
    if let Some(after) = page.after {
        query = query.filter(order::Column::Id.lt(after));
    }
    query
        .order_by_desc(order::Column::Id)
        .limit(page.fetch_limit())
        .all(conn)
        .await
}
