//! Payments' storage. Every function takes the store's `TenantId`, except the reconciler's and
//! the payment link's look-ups, which find rows across stores and hand back their tenant.

mod entities;

pub(crate) use entities::*;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use smartseller_kernel::TenantId;
use uuid::Uuid;

// ---- gateway settings ----------------------------------------------------------------------

pub async fn gateway(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    method: &str,
) -> Result<Option<gateway::Model>, DbErr> {
    gateway::Entity::find_by_id((tenant.as_uuid(), method.to_owned()))
        .one(conn)
        .await
}

pub async fn gateways(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Vec<gateway::Model>, DbErr> {
    gateway::Entity::find()
        .filter(gateway::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_asc(gateway::Column::Method)
        .all(conn)
        .await
}

pub async fn save_gateway(conn: &impl ConnectionTrait, model: gateway::Model) -> Result<(), DbErr> {
    gateway::Entity::insert(gateway::ActiveModel::from(model).reset_all())
        .on_conflict(
            OnConflict::columns([gateway::Column::TenantId, gateway::Column::Method])
                .update_columns([
                    gateway::Column::Config,
                    gateway::Column::Options,
                    gateway::Column::Enabled,
                    gateway::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

// ---- payments ------------------------------------------------------------------------------

pub async fn insert_payment(
    conn: &impl ConnectionTrait,
    model: payment::Model,
) -> Result<payment::Model, DbErr> {
    payment::ActiveModel::from(model)
        .reset_all()
        .insert(conn)
        .await
}

pub async fn payment(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<payment::Model>, DbErr> {
    payment::Entity::find_by_id(id)
        .filter(payment::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

pub async fn payment_by_key(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    idempotency_key: &str,
) -> Result<Option<payment::Model>, DbErr> {
    payment::Entity::find()
        .filter(payment::Column::TenantId.eq(tenant.as_uuid()))
        .filter(payment::Column::IdempotencyKey.eq(idempotency_key))
        .one(conn)
        .await
}

/// The payment behind a buyer's link, whichever store it belongs to.
pub async fn payment_by_link(
    conn: &impl ConnectionTrait,
    link_token: &str,
) -> Result<Option<payment::Model>, DbErr> {
    payment::Entity::find()
        .filter(payment::Column::LinkToken.eq(link_token))
        .one(conn)
        .await
}

/// The payment a gateway notification speaks of: by our reference first, else by the gateway's.
pub async fn payment_by_reference(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    methods: &[&str],
    reference: Option<&str>,
    gateway_reference: Option<&str>,
) -> Result<Option<payment::Model>, DbErr> {
    let mut any = Condition::any();
    if let Some(reference) = reference {
        any = any.add(payment::Column::Reference.eq(reference));
    }
    if let Some(gateway_reference) = gateway_reference {
        any = any.add(payment::Column::GatewayReference.eq(gateway_reference));
    }
    if reference.is_none() && gateway_reference.is_none() {
        return Ok(None);
    }
    payment::Entity::find()
        .filter(payment::Column::TenantId.eq(tenant.as_uuid()))
        .filter(payment::Column::Method.is_in(methods.iter().copied()))
        .filter(any)
        .one(conn)
        .await
}

#[derive(Debug, Clone, Default)]
pub struct PaymentFilter {
    pub status: Option<String>,
    pub method: Option<String>,
    pub order_id: Option<Uuid>,
}

/// Oldest first (UUIDv7 ids sort by creation), one page.
pub async fn payments(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    filter: &PaymentFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<payment::Model>, DbErr> {
    let mut query = payment::Entity::find().filter(payment::Column::TenantId.eq(tenant.as_uuid()));
    if let Some(status) = &filter.status {
        query = query.filter(payment::Column::Status.eq(status.as_str()));
    }
    if let Some(method) = &filter.method {
        query = query.filter(payment::Column::Method.eq(method.as_str()));
    }
    if let Some(order_id) = filter.order_id {
        query = query.filter(payment::Column::OrderId.eq(order_id));
    }
    if let Some(after) = after {
        query = query.filter(payment::Column::Id.gt(after));
    }
    query
        .order_by_asc(payment::Column::Id)
        .limit(limit)
        .all(conn)
        .await
}

/// A payment's new figures, written only over the exact row they were decided from.
#[derive(Debug, Clone)]
pub struct PaymentChange {
    pub status: String,
    pub captured_minor: i64,
    pub refunded_minor: i64,
    /// What the gateway answered when it opened the payment: reference, redirect, instructions.
    pub opened: Option<(Option<String>, Option<String>, Option<serde_json::Value>)>,
    pub at: DateTime<Utc>,
}

/// `UPDATE payments ... WHERE id = ? AND status = ? AND version = ?`, answering the payment as
/// written, or `None` when another writer changed it since `before` was read (a lost race;
/// re-read and decide again).
pub async fn update_payment_guarded(
    conn: &impl ConnectionTrait,
    before: &payment::Model,
    change: &PaymentChange,
) -> Result<Option<payment::Model>, DbErr> {
    let mut update = payment::Entity::update_many()
        .col_expr(payment::Column::Status, Expr::value(change.status.clone()))
        .col_expr(
            payment::Column::CapturedMinor,
            Expr::value(change.captured_minor),
        )
        .col_expr(
            payment::Column::RefundedMinor,
            Expr::value(change.refunded_minor),
        )
        .col_expr(payment::Column::Version, Expr::value(before.version + 1))
        .col_expr(payment::Column::UpdatedAt, Expr::value(change.at));
    if let Some((gateway_reference, redirect_url, instructions)) = &change.opened {
        update = update
            .col_expr(
                payment::Column::GatewayReference,
                Expr::value(gateway_reference.clone()),
            )
            .col_expr(
                payment::Column::RedirectUrl,
                Expr::value(redirect_url.clone()),
            )
            .col_expr(
                payment::Column::Instructions,
                Expr::value(instructions.clone()),
            );
    }
    let update = update
        .filter(payment::Column::TenantId.eq(before.tenant_id))
        .filter(payment::Column::Id.eq(before.id))
        .filter(payment::Column::Status.eq(before.status.as_str()))
        .filter(payment::Column::Version.eq(before.version));
    // Where the engine can, the payment as written comes back from the update itself.
    if conn.support_returning() {
        return Ok(update.exec_with_returning(conn).await?.into_iter().next());
    }
    if update.exec(conn).await?.rows_affected != 1 {
        return Ok(None);
    }
    payment(conn, TenantId(before.tenant_id), before.id).await
}

/// Payments of every store in `status` for `methods`, untouched since `before`, oldest first:
/// the reconciler's work list.
pub async fn stale_payments(
    conn: &impl ConnectionTrait,
    status: &str,
    methods: &[&str],
    before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<payment::Model>, DbErr> {
    payment::Entity::find()
        .filter(payment::Column::Status.eq(status))
        .filter(payment::Column::Method.is_in(methods.iter().copied()))
        .filter(payment::Column::UpdatedAt.lt(before))
        .order_by_asc(payment::Column::UpdatedAt)
        .limit(limit)
        .all(conn)
        .await
}

/// Unpaid payments of every store for `methods` whose time ran out by `now`.
pub async fn lapsed_payments(
    conn: &impl ConnectionTrait,
    statuses: &[&str],
    methods: &[&str],
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<payment::Model>, DbErr> {
    payment::Entity::find()
        .filter(payment::Column::Status.is_in(statuses.iter().copied()))
        .filter(payment::Column::Method.is_in(methods.iter().copied()))
        .filter(payment::Column::ExpiresAt.lte(now))
        .order_by_asc(payment::Column::ExpiresAt)
        .limit(limit)
        .all(conn)
        .await
}

pub async fn payments_of_order(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    order_id: Uuid,
    method: &str,
) -> Result<Vec<payment::Model>, DbErr> {
    payment::Entity::find()
        .filter(payment::Column::TenantId.eq(tenant.as_uuid()))
        .filter(payment::Column::OrderId.eq(order_id))
        .filter(payment::Column::Method.eq(method))
        .order_by_asc(payment::Column::Id)
        .all(conn)
        .await
}

/// Every payment of an order, whatever its method.
pub async fn all_payments_of_order(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    order_id: Uuid,
) -> Result<Vec<payment::Model>, DbErr> {
    payment::Entity::find()
        .filter(payment::Column::TenantId.eq(tenant.as_uuid()))
        .filter(payment::Column::OrderId.eq(order_id))
        .order_by_asc(payment::Column::Id)
        .all(conn)
        .await
}

// ---- history -------------------------------------------------------------------------------

/// The next sequence number of a payment's history. Callers hold the payment's row (they have
/// just updated it, guarded), so two writers never take the same number.
pub async fn next_history_seq(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    payment_id: Uuid,
) -> Result<i32, DbErr> {
    let last = history::Entity::find()
        .filter(history::Column::TenantId.eq(tenant.as_uuid()))
        .filter(history::Column::PaymentId.eq(payment_id))
        .order_by_desc(history::Column::Seq)
        .one(conn)
        .await?;
    Ok(last.map_or(1, |h| h.seq + 1))
}

pub async fn append_history(
    conn: &impl ConnectionTrait,
    entry: history::Model,
) -> Result<(), DbErr> {
    history::ActiveModel::from(entry)
        .reset_all()
        .insert(conn)
        .await?;
    Ok(())
}

pub async fn history(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    payment_id: Uuid,
) -> Result<Vec<history::Model>, DbErr> {
    history::Entity::find()
        .filter(history::Column::TenantId.eq(tenant.as_uuid()))
        .filter(history::Column::PaymentId.eq(payment_id))
        .order_by_asc(history::Column::Seq)
        .all(conn)
        .await
}

// ---- refunds -------------------------------------------------------------------------------

pub async fn refund_by_key(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    idempotency_key: &str,
) -> Result<Option<refund::Model>, DbErr> {
    refund::Entity::find()
        .filter(refund::Column::TenantId.eq(tenant.as_uuid()))
        .filter(refund::Column::IdempotencyKey.eq(idempotency_key))
        .one(conn)
        .await
}

pub async fn insert_refund(
    conn: &impl ConnectionTrait,
    model: refund::Model,
) -> Result<refund::Model, DbErr> {
    refund::ActiveModel::from(model)
        .reset_all()
        .insert(conn)
        .await
}

pub async fn update_refund(
    conn: &impl ConnectionTrait,
    id: Uuid,
    status: &str,
    gateway_reference: Option<&str>,
) -> Result<(), DbErr> {
    refund::Entity::update_many()
        .col_expr(refund::Column::Status, Expr::value(status))
        .col_expr(
            refund::Column::GatewayReference,
            Expr::value(gateway_reference.map(str::to_owned)),
        )
        .filter(refund::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn refunds(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    payment_id: Uuid,
) -> Result<Vec<refund::Model>, DbErr> {
    refund::Entity::find()
        .filter(refund::Column::TenantId.eq(tenant.as_uuid()))
        .filter(refund::Column::PaymentId.eq(payment_id))
        .order_by_asc(refund::Column::Id)
        .all(conn)
        .await
}

// ---- webhooks ------------------------------------------------------------------------------

/// Records a delivery once: `false` when this (store, method, event id) was received before.
/// `ON CONFLICT DO NOTHING` rather than catching the violation, so a PostgreSQL transaction is
/// not left aborted.
pub async fn insert_receipt(
    conn: &impl ConnectionTrait,
    model: webhook::Model,
) -> Result<bool, DbErr> {
    let inserted = webhook::Entity::insert(webhook::ActiveModel::from(model).reset_all())
        .on_conflict(
            OnConflict::columns([
                webhook::Column::TenantId,
                webhook::Column::Method,
                webhook::Column::EventId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(inserted == 1)
}

pub async fn set_receipt_outcome(
    conn: &impl ConnectionTrait,
    id: Uuid,
    payment_id: Option<Uuid>,
    outcome: &str,
) -> Result<(), DbErr> {
    webhook::Entity::update_many()
        .col_expr(webhook::Column::PaymentId, Expr::value(payment_id))
        .col_expr(webhook::Column::Outcome, Expr::value(outcome))
        .filter(webhook::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn receipts(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    method: &str,
) -> Result<Vec<webhook::Model>, DbErr> {
    webhook::Entity::find()
        .filter(webhook::Column::TenantId.eq(tenant.as_uuid()))
        .filter(webhook::Column::Method.eq(method))
        .order_by_asc(webhook::Column::Id)
        .all(conn)
        .await
}

// ---- proofs --------------------------------------------------------------------------------

pub async fn insert_proof(
    conn: &impl ConnectionTrait,
    model: proof::Model,
) -> Result<proof::Model, DbErr> {
    proof::ActiveModel::from(model)
        .reset_all()
        .insert(conn)
        .await
}

pub async fn proofs(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    payment_id: Uuid,
) -> Result<Vec<proof::Model>, DbErr> {
    proof::Entity::find()
        .filter(proof::Column::TenantId.eq(tenant.as_uuid()))
        .filter(proof::Column::PaymentId.eq(payment_id))
        .order_by_asc(proof::Column::Id)
        .all(conn)
        .await
}
