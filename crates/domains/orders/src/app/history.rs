//! The order's append-only history: every change, who made it, when, and what it was before and
//! after. Status changes go through [`transition`], the one place the state machine is applied
//! to a stored order; [`rebuild`] replays the history through the same rules.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use smartseller_kernel::{TenantId, clock};
use smartseller_platform::db::WriteTx;
use uuid::Uuid;

use super::{Caller, OrdersCtx, OrdersError, OrdersResult};
use crate::domain::status::replay;
use crate::domain::{OrderAction, OrderStatus};
use crate::store::{history, order, queries};

/// Appends one entry to an order's history.
pub async fn append(
    tx: &WriteTx,
    caller: &Caller,
    order_id: Uuid,
    action: &str,
    before: Option<OrderStatus>,
    after: OrderStatus,
    detail: serde_json::Value,
) -> OrdersResult<()> {
    queries::append_history(
        &**tx,
        history::Model {
            id: Uuid::now_v7(),
            tenant_id: caller.tenant.as_uuid(),
            order_id,
            seq: 0, // numbered by the insert
            action: action.to_owned(),
            status_before: before.map(|s| s.as_str().to_owned()),
            status_after: after.as_str().to_owned(),
            actor_type: caller.kind.to_owned(),
            actor_id: caller.id,
            detail: detail.to_string(),
            occurred_at: clock::now(),
        },
    )
    .await?;
    Ok(())
}

/// What else changes on the order row with a status change.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Changes {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_minor: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipment_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awb: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
}

/// Moves a stored order by `action`: refuses an illegal move with the current state, writes the
/// new state with a guarded update (so two concurrent moves cannot both win), and records it.
pub async fn transition(
    tx: &WriteTx,
    caller: &Caller,
    current: &order::Model,
    action: OrderAction,
    changes: Changes,
    mut detail: serde_json::Value,
) -> OrdersResult<order::Model> {
    let status = parse_status(&current.status)?;
    let next = status
        .transition(action)
        .ok_or(OrdersError::IllegalTransition {
            current: status,
            action: action.as_str(),
        })?;
    let now = clock::now();
    let mut update = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(next.as_str()))
        .col_expr(order::Column::Version, Expr::value(current.version + 1))
        .col_expr(order::Column::UpdatedAt, Expr::value(now));
    if let Some(paid) = changes.paid_minor {
        update = update.col_expr(order::Column::PaidMinor, Expr::value(paid));
    }
    if let Some(shipment) = changes.shipment_id {
        update = update.col_expr(order::Column::ShipmentId, Expr::value(shipment));
    }
    if let Some(awb) = &changes.awb {
        update = update.col_expr(order::Column::Awb, Expr::value(awb.clone()));
    }
    if let Some(reason) = &changes.cancel_reason {
        update = update.col_expr(order::Column::CancelReason, Expr::value(reason.clone()));
    }
    let result = update
        .filter(order::Column::Id.eq(current.id))
        .filter(order::Column::TenantId.eq(current.tenant_id))
        .filter(order::Column::Version.eq(current.version))
        .exec(&**tx)
        .await?;
    if result.rows_affected != 1 {
        return Err(OrdersError::Concurrent);
    }
    if let serde_json::Value::Object(map) = &mut detail
        && let Ok(serde_json::Value::Object(extra)) = serde_json::to_value(&changes)
    {
        map.extend(extra);
    }
    append(
        tx,
        caller,
        current.id,
        action.as_str(),
        Some(status),
        next,
        detail,
    )
    .await?;
    let mut saved = current.clone();
    saved.status = next.as_str().to_owned();
    saved.version += 1;
    saved.updated_at = now;
    if let Some(paid) = changes.paid_minor {
        saved.paid_minor = paid;
    }
    if changes.shipment_id.is_some() {
        saved.shipment_id = changes.shipment_id;
    }
    if changes.awb.is_some() {
        saved.awb = changes.awb;
    }
    if changes.cancel_reason.is_some() {
        saved.cancel_reason = changes.cancel_reason;
    }
    Ok(saved)
}

/// Records something that happened to the order without changing its status (a note, a review
/// hold, a payment after cancellation). It first bumps the order's version, which also takes the
/// order's row lock, so two writers never number their entries alike; answers the order as it
/// now stands.
pub async fn note(
    tx: &WriteTx,
    caller: &Caller,
    current: &order::Model,
    action: &str,
    detail: serde_json::Value,
) -> OrdersResult<order::Model> {
    order::Entity::update_many()
        .col_expr(
            order::Column::Version,
            Expr::col(order::Column::Version).add(1),
        )
        .col_expr(order::Column::UpdatedAt, Expr::value(clock::now()))
        .filter(order::Column::Id.eq(current.id))
        .filter(order::Column::TenantId.eq(current.tenant_id))
        .exec(&**tx)
        .await?;
    let fresh = queries::find_order(&**tx, caller.tenant, current.id)
        .await?
        .ok_or(OrdersError::NotFound("order"))?;
    let status = parse_status(&fresh.status)?;
    append(tx, caller, current.id, action, Some(status), status, detail).await?;
    Ok(fresh)
}

pub(crate) fn parse_status(text: &str) -> OrdersResult<OrderStatus> {
    OrderStatus::parse(text).ok_or(OrdersError::NotFound("order status"))
}

/// The status the history says the order is in: the creation entry's status, then every
/// recorded move replayed through the state machine. `None` when the history is not a legal
/// path, which would mean it was tampered with.
pub async fn rebuild(
    ctx: &OrdersCtx,
    tenant: TenantId,
    order_id: Uuid,
) -> OrdersResult<Option<OrderStatus>> {
    let entries = queries::history_of(ctx.db.conn(), tenant, order_id).await?;
    let Some(first) = entries.first() else {
        return Err(OrdersError::NotFound("order"));
    };
    let initial = parse_status(&first.status_after)?;
    let moves = entries
        .iter()
        .skip(1)
        .filter_map(|entry| OrderAction::parse(&entry.action));
    Ok(replay(initial, moves))
}
