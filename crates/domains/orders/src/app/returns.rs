//! Returns (RMA): the buyer or the seller asks, the seller approves or rejects, the parcel comes
//! back and each unit is inspected (back to stock, or written off as damaged, through the
//! inventory ledger via `order.return_received`), then the buyer gets money back through the
//! payment that took it, or another variant in exchange.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use smartseller_contracts::orders::{OrderEvent, ReturnCondition, ReturnedUnit};
use smartseller_contracts::payments::RefundRequest;
use smartseller_kernel::money::{Currency, Money};
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, clock};
use uuid::Uuid;

use super::history::{self, Changes};
use super::orders::{self, ManualLine, ManualOrder, PlacedOrder, payment_error};
use super::{Caller, OrdersCtx, OrdersError, OrdersResult};
use crate::domain::OrderAction;
use crate::store::{line, order, order_return, queries, return_line};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineRequest {
    pub line_id: Uuid,
    pub quantity: i64,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    pub lines: Vec<ReturnLineRequest>,
    pub reason: String,
    /// `customer` or `seller`.
    pub requested_by: Option<String>,
    /// `refund` (default) or `exchange`.
    pub resolution: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReturnLineView {
    pub id: Uuid,
    pub order_line_id: Uuid,
    pub variant_id: Uuid,
    pub quantity: i64,
    pub received_quantity: i64,
    /// `restock` or `damaged`, once received.
    pub condition: Option<String>,
    pub exchange_variant_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReturnView {
    pub id: Uuid,
    pub order_id: Uuid,
    /// `requested`, `approved`, `rejected`, `received`, `refunded` or `exchanged`.
    pub status: String,
    pub requested_by: String,
    pub reason: String,
    pub resolution: String,
    pub refunded: Money,
    pub refund_id: Option<Uuid>,
    pub exchange_order_id: Option<Uuid>,
    pub note: Option<String>,
    pub lines: Vec<ReturnLineView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

async fn load(
    ctx: &OrdersCtx,
    tenant: TenantId,
    id: Uuid,
) -> OrdersResult<(order_return::Model, Vec<return_line::Model>)> {
    load_in(ctx.db.conn(), tenant, id).await
}

async fn load_in(
    conn: &impl sea_orm::ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> OrdersResult<(order_return::Model, Vec<return_line::Model>)> {
    let found = order_return::Entity::find_by_id(id)
        .filter(order_return::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await?
        .ok_or(OrdersError::NotFound("return"))?;
    let lines = return_line::Entity::find()
        .filter(return_line::Column::TenantId.eq(tenant.as_uuid()))
        .filter(return_line::Column::ReturnId.eq(id))
        .order_by_asc(return_line::Column::Id)
        .all(conn)
        .await?;
    Ok((found, lines))
}

fn view(
    found: order_return::Model,
    lines: Vec<return_line::Model>,
    currency: Currency,
) -> ReturnView {
    ReturnView {
        id: found.id,
        order_id: found.order_id,
        status: found.status,
        requested_by: found.requested_by,
        reason: found.reason,
        resolution: found.resolution,
        refunded: Money::new(found.refund_minor, currency),
        refund_id: found.refund_id,
        exchange_order_id: found.exchange_order_id,
        note: found.note,
        lines: lines
            .into_iter()
            .map(|l| ReturnLineView {
                id: l.id,
                order_line_id: l.order_line_id,
                variant_id: l.variant_id,
                quantity: l.quantity,
                received_quantity: l.received_quantity,
                condition: l.condition,
                exchange_variant_id: l.exchange_variant_id,
            })
            .collect(),
        created_at: found.created_at,
        updated_at: found.updated_at,
    }
}

async fn currency_of(
    conn: &impl sea_orm::ConnectionTrait,
    tenant: TenantId,
    order_id: Uuid,
) -> OrdersResult<Currency> {
    Ok(queries::find_order(conn, tenant, order_id)
        .await?
        .and_then(|o| Currency::parse(&o.currency).ok())
        .unwrap_or(Currency::Idr))
}

pub async fn get(ctx: &OrdersCtx, tenant: TenantId, id: Uuid) -> OrdersResult<ReturnView> {
    let (found, lines) = load(ctx, tenant, id).await?;
    let currency = currency_of(ctx.db.conn(), tenant, found.order_id).await?;
    Ok(view(found, lines, currency))
}

pub async fn list_for_order(
    ctx: &OrdersCtx,
    tenant: TenantId,
    order_id: Uuid,
) -> OrdersResult<Vec<ReturnView>> {
    let conn = ctx.db.conn();
    let currency = currency_of(conn, tenant, order_id).await?;
    let found = order_return::Entity::find()
        .filter(order_return::Column::TenantId.eq(tenant.as_uuid()))
        .filter(order_return::Column::OrderId.eq(order_id))
        .order_by_asc(order_return::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = found.iter().map(|r| r.id).collect();
    let mut lines_by_return: std::collections::HashMap<Uuid, Vec<return_line::Model>> =
        std::collections::HashMap::new();
    if !ids.is_empty() {
        for l in return_line::Entity::find()
            .filter(return_line::Column::TenantId.eq(tenant.as_uuid()))
            .filter(return_line::Column::ReturnId.is_in(ids))
            .order_by_asc(return_line::Column::Id)
            .all(conn)
            .await?
        {
            lines_by_return.entry(l.return_id).or_default().push(l);
        }
    }
    Ok(found
        .into_iter()
        .map(|r| {
            let lines = lines_by_return.remove(&r.id).unwrap_or_default();
            view(r, lines, currency)
        })
        .collect())
}

/// Units of each order line already in a return that was not rejected.
async fn in_returns(
    conn: &impl sea_orm::ConnectionTrait,
    tenant: TenantId,
    order_id: Uuid,
) -> OrdersResult<std::collections::HashMap<Uuid, i64>> {
    let open: Vec<Uuid> = order_return::Entity::find()
        .filter(order_return::Column::TenantId.eq(tenant.as_uuid()))
        .filter(order_return::Column::OrderId.eq(order_id))
        .filter(order_return::Column::Status.ne("rejected"))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let mut taken = std::collections::HashMap::new();
    if open.is_empty() {
        return Ok(taken);
    }
    for l in return_line::Entity::find()
        .filter(return_line::Column::ReturnId.is_in(open))
        .all(conn)
        .await?
    {
        *taken.entry(l.order_line_id).or_insert(0) += l.quantity;
    }
    Ok(taken)
}

/// Opens a return for some units of a shipped order.
pub async fn request(
    ctx: &OrdersCtx,
    caller: &Caller,
    order_id: Uuid,
    request: ReturnRequest,
) -> OrdersResult<ReturnView> {
    let tenant = caller.tenant;
    let mut errors = FieldErrors::new();
    let reason = request.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 1000 {
        errors.add("reason", "invalid", "Say why, in 1 to 1000 characters.");
    }
    let requested_by = request.requested_by.unwrap_or_else(|| "seller".to_owned());
    if !matches!(requested_by.as_str(), "customer" | "seller") {
        errors.add("requested_by", "invalid", "customer or seller.");
    }
    let resolution = request.resolution.unwrap_or_else(|| "refund".to_owned());
    if !matches!(resolution.as_str(), "refund" | "exchange") {
        errors.add("resolution", "invalid", "refund or exchange.");
    }
    if request.lines.is_empty() {
        errors.add("lines", "empty", "Return at least one unit.");
    }
    errors.finish()?;
    let tx = ctx.db.begin_write().await?;
    let current = queries::find_order(&*tx, tenant, order_id)
        .await?
        .ok_or(OrdersError::NotFound("order"))?;
    let status = history::parse_status(&current.status)?;
    if !status.is_returnable() {
        return Err(OrdersError::IllegalTransition {
            current: status,
            action: "return",
        });
    }
    let order_lines = queries::lines(&*tx, tenant, order_id).await?;
    let taken = in_returns(&*tx, tenant, order_id).await?;
    let mut errors = FieldErrors::new();
    let mut chosen: Vec<(&line::Model, i64)> = Vec::new();
    for (index, wanted) in request.lines.iter().enumerate() {
        let Some(found) = order_lines.iter().find(|l| l.id == wanted.line_id) else {
            errors.add(
                &format!("lines[{index}].line_id"),
                "unknown_line",
                "Not a line of this order.",
            );
            continue;
        };
        let left = found.quantity
            - taken.get(&found.id).copied().unwrap_or(0)
            - chosen
                .iter()
                .filter(|(l, _)| l.id == found.id)
                .map(|(_, q)| q)
                .sum::<i64>();
        if wanted.quantity < 1 || wanted.quantity > left {
            errors.add(
                &format!("lines[{index}].quantity"),
                "out_of_range",
                format!("Between 1 and {left}, the units not yet returned."),
            );
            continue;
        }
        chosen.push((found, wanted.quantity));
    }
    errors.finish()?;
    let now = clock::now();
    let id = Uuid::now_v7();
    order_return::ActiveModel {
        id: Set(id),
        tenant_id: Set(tenant.as_uuid()),
        order_id: Set(order_id),
        status: Set("requested".to_owned()),
        requested_by: Set(requested_by.clone()),
        reason: Set(reason.clone()),
        resolution: Set(resolution.clone()),
        refund_minor: Set(0),
        refund_id: Set(None),
        exchange_order_id: Set(None),
        note: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*tx)
    .await?;
    for (found, quantity) in &chosen {
        return_line::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(tenant.as_uuid()),
            return_id: Set(id),
            order_line_id: Set(found.id),
            variant_id: Set(found.variant_id),
            quantity: Set(*quantity),
            received_quantity: Set(0),
            condition: Set(None),
            exchange_variant_id: Set(None),
        }
        .insert(&*tx)
        .await?;
    }
    history::note(&tx, caller, &current, "return_requested", serde_json::json!({
        "return_id": id,
        "requested_by": requested_by,
        "resolution": resolution,
        "reason": reason,
        "lines": chosen.iter().map(|(l, q)| serde_json::json!({"line_id": l.id, "quantity": q})).collect::<Vec<_>>(),
    }))
    .await?;
    tx.commit().await?;
    get(ctx, tenant, id).await
}

/// Moves a return from one of `from` to `to`, guarded by its version; records it on the order.
async fn step(
    tx: &sea_orm::DatabaseTransaction,
    found: &order_return::Model,
    from: &[&str],
    to: &str,
    action: &'static str,
) -> OrdersResult<()> {
    if !from.contains(&found.status.as_str()) {
        return Err(OrdersError::ReturnState {
            status: found.status.clone(),
            action,
        });
    }
    let result = order_return::Entity::update_many()
        .col_expr(order_return::Column::Status, Expr::value(to))
        .col_expr(
            order_return::Column::Version,
            Expr::value(found.version + 1),
        )
        .col_expr(order_return::Column::UpdatedAt, Expr::value(clock::now()))
        .filter(order_return::Column::Id.eq(found.id))
        .filter(order_return::Column::Version.eq(found.version))
        .exec(tx)
        .await?;
    if result.rows_affected != 1 {
        return Err(OrdersError::Concurrent);
    }
    Ok(())
}

/// Approves (or rejects) a requested return.
pub async fn decide(
    ctx: &OrdersCtx,
    caller: &Caller,
    id: Uuid,
    approve: bool,
    note: Option<String>,
) -> OrdersResult<ReturnView> {
    let tenant = caller.tenant;
    let tx = ctx.db.begin_write().await?;
    let (found, _) = load_in(&*tx, tenant, id).await?;
    let (to, action) = if approve {
        ("approved", "approve")
    } else {
        ("rejected", "reject")
    };
    step(&tx, &found, &["requested"], to, action).await?;
    if let Some(note) = &note {
        order_return::Entity::update_many()
            .col_expr(order_return::Column::Note, Expr::value(note.clone()))
            .filter(order_return::Column::Id.eq(id))
            .exec(&*tx)
            .await?;
    }
    let current = queries::find_order(&*tx, tenant, found.order_id)
        .await?
        .ok_or(OrdersError::NotFound("order"))?;
    history::note(
        &tx,
        caller,
        &current,
        if approve {
            "return_approved"
        } else {
            "return_rejected"
        },
        serde_json::json!({ "return_id": id, "note": note }),
    )
    .await?;
    tx.commit().await?;
    get(ctx, tenant, id).await
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceivedLine {
    /// The return line.
    pub line_id: Uuid,
    pub quantity: i64,
    /// `restock` or `damaged`.
    pub condition: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveRequest {
    pub lines: Vec<ReceivedLine>,
}

/// Records the returned units as inspected: sellable ones go back on hand, damaged ones are
/// written off (inventory does both from `order.return_received`), and the order becomes
/// partially returned or returned.
pub async fn receive(
    ctx: &OrdersCtx,
    caller: &Caller,
    id: Uuid,
    request: ReceiveRequest,
) -> OrdersResult<ReturnView> {
    let tenant = caller.tenant;
    let mut tx = ctx.db.begin_write().await?;
    let (found, lines) = load_in(&*tx, tenant, id).await?;
    step(&tx, &found, &["approved"], "received", "receive").await?;
    let current = queries::find_order(&*tx, tenant, found.order_id)
        .await?
        .ok_or(OrdersError::NotFound("order"))?;
    let order_lines = queries::lines(&*tx, tenant, found.order_id).await?;
    let mut errors = FieldErrors::new();
    let mut units = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (index, received) in request.lines.iter().enumerate() {
        let Some(rl) = lines.iter().find(|l| l.id == received.line_id) else {
            errors.add(
                &format!("lines[{index}].line_id"),
                "unknown_line",
                "Not a line of this return.",
            );
            continue;
        };
        if !seen.insert(rl.id) {
            errors.add(
                &format!("lines[{index}].line_id"),
                "duplicate",
                "Each return line once.",
            );
            continue;
        }
        let condition = match received.condition.as_str() {
            "restock" => ReturnCondition::Restock,
            "damaged" => ReturnCondition::Damaged,
            _ => {
                errors.add(
                    &format!("lines[{index}].condition"),
                    "invalid",
                    "restock or damaged.",
                );
                continue;
            }
        };
        if received.quantity < 0 || received.quantity > rl.quantity {
            errors.add(
                &format!("lines[{index}].quantity"),
                "out_of_range",
                format!("Between 0 and {}.", rl.quantity),
            );
            continue;
        }
        let Some(order_line) = order_lines.iter().find(|l| l.id == rl.order_line_id) else {
            continue;
        };
        let Some(warehouse_id) = order_line.warehouse_id else {
            errors.add(
                &format!("lines[{index}]"),
                "no_warehouse",
                "The order line names no warehouse.",
            );
            continue;
        };
        units.push((
            rl.clone(),
            order_line.clone(),
            received.quantity,
            condition,
            warehouse_id,
        ));
    }
    if request.lines.is_empty() {
        errors.add("lines", "empty", "Say what came back.");
    }
    errors.finish()?;
    for (rl, order_line, quantity, condition, _) in &units {
        return_line::Entity::update_many()
            .col_expr(
                return_line::Column::ReceivedQuantity,
                Expr::value(*quantity),
            )
            .col_expr(
                return_line::Column::Condition,
                Expr::value(match condition {
                    ReturnCondition::Restock => "restock",
                    ReturnCondition::Damaged => "damaged",
                }),
            )
            .filter(return_line::Column::Id.eq(rl.id))
            .exec(&*tx)
            .await?;
        line::Entity::update_many()
            .col_expr(
                line::Column::ReturnedQuantity,
                Expr::col(line::Column::ReturnedQuantity).add(*quantity),
            )
            .filter(line::Column::Id.eq(order_line.id))
            .exec(&*tx)
            .await?;
    }
    let returned: std::collections::HashMap<Uuid, i64> =
        units.iter().map(|(_, ol, q, _, _)| (ol.id, *q)).collect();
    let everything_back = order_lines
        .iter()
        .all(|l| l.returned_quantity + returned.get(&l.id).copied().unwrap_or(0) >= l.quantity);
    let action = if everything_back {
        OrderAction::ReturnAll
    } else {
        OrderAction::ReturnPart
    };
    let detail = serde_json::json!({
        "return_id": id,
        "units": units.iter().map(|(rl, _, q, c, _)| serde_json::json!({"line_id": rl.id, "quantity": q, "condition": c})).collect::<Vec<_>>(),
    });
    history::transition(&tx, caller, &current, action, Changes::default(), detail).await?;
    tx.publish(
        tenant,
        &OrderEvent::ReturnReceived {
            order_id: current.id,
            return_id: id,
            units: units
                .iter()
                .filter(|(_, _, q, _, _)| *q > 0)
                .map(|(rl, _, q, c, w)| ReturnedUnit {
                    variant_id: rl.variant_id,
                    warehouse_id: *w,
                    quantity: *q,
                    condition: *c,
                })
                .collect(),
        },
    )
    .await?;
    tx.commit().await?;
    get(ctx, tenant, id).await
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundReturn {
    /// The amount to give back; what the received units were paid for when absent.
    pub amount: Option<Money>,
}

/// Gives money back for a received return through the order's payment.
pub async fn refund(
    ctx: &OrdersCtx,
    caller: &Caller,
    id: Uuid,
    request: RefundReturn,
) -> OrdersResult<ReturnView> {
    let tenant = caller.tenant;
    let (found, lines) = load(ctx, tenant, id).await?;
    if found.status != "received" {
        return Err(OrdersError::ReturnState {
            status: found.status,
            action: "refund",
        });
    }
    let current = queries::find_order(ctx.db.conn(), tenant, found.order_id)
        .await?
        .ok_or(OrdersError::NotFound("order"))?;
    let currency = Currency::parse(&current.currency).unwrap_or(Currency::Idr);
    let payment_id = current.payment_id.ok_or_else(|| {
        FieldErrors::single(
            "amount",
            "no_payment",
            "This order was not paid through SmartSeller; refund the buyer where they paid.",
        )
    })?;
    let order_lines = queries::lines(ctx.db.conn(), tenant, found.order_id).await?;
    // What the received units were paid for: each line's total, pro rata by units.
    let worth: i64 = lines
        .iter()
        .filter_map(|rl| {
            order_lines
                .iter()
                .find(|l| l.id == rl.order_line_id)
                .map(|ol| ol.total_minor * rl.received_quantity / std::cmp::max(ol.quantity, 1))
        })
        .sum();
    let amount = request.amount.unwrap_or(Money::new(worth, currency));
    if amount.currency != currency
        || amount.minor < 1
        || amount.minor > std::cmp::max(current.paid_minor, current.total_minor)
    {
        return Err(FieldErrors::single(
            "amount",
            "out_of_range",
            format!(
                "Between 1 and what the order was paid ({}).",
                current.paid_minor
            ),
        )
        .into());
    }
    let refund = ctx
        .payments
        .refund(
            tenant,
            RefundRequest {
                payment_id,
                amount,
                reason: format!("return: {}", found.reason),
                idempotency_key: format!("return:{id}"),
            },
        )
        .await
        .map_err(payment_error)?;
    let mut tx = ctx.db.begin_write().await?;
    let (found, _) = load_in(&*tx, tenant, id).await?;
    step(&tx, &found, &["received"], "refunded", "refund").await?;
    order_return::Entity::update_many()
        .col_expr(
            order_return::Column::RefundMinor,
            Expr::value(refund.amount.minor),
        )
        .col_expr(
            order_return::Column::RefundId,
            Expr::value(refund.refund_id),
        )
        .filter(order_return::Column::Id.eq(id))
        .exec(&*tx)
        .await?;
    let current = queries::find_order(&*tx, tenant, found.order_id)
        .await?
        .ok_or(OrdersError::NotFound("order"))?;
    history::note(&tx, caller, &current, "return_refunded", serde_json::json!({ "return_id": id, "refund_id": refund.refund_id, "amount": refund.amount })).await?;
    tx.publish(
        tenant,
        &OrderEvent::Returned {
            order_id: current.id,
            number: current.number.clone(),
            return_id: id,
            refunded: refund.amount,
            fully: current.status == "returned",
        },
    )
    .await?;
    tx.commit().await?;
    get(ctx, tenant, id).await
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeLine {
    /// The return line.
    pub line_id: Uuid,
    /// The variant sent instead.
    pub variant_id: Uuid,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeRequest {
    pub lines: Vec<ExchangeLine>,
}

/// Sends other variants for a received return: a new order at no charge, already paid by the
/// returned goods, with its stock held and sold like any other.
pub async fn exchange(
    ctx: &OrdersCtx,
    caller: &Caller,
    id: Uuid,
    request: ExchangeRequest,
) -> OrdersResult<(ReturnView, PlacedOrder)> {
    let tenant = caller.tenant;
    let (found, lines) = load(ctx, tenant, id).await?;
    if found.status != "received" {
        return Err(OrdersError::ReturnState {
            status: found.status,
            action: "exchange",
        });
    }
    let original = queries::find_order(ctx.db.conn(), tenant, found.order_id)
        .await?
        .ok_or(OrdersError::NotFound("order"))?;
    let order_lines = queries::lines(ctx.db.conn(), tenant, found.order_id).await?;
    let currency = Currency::parse(&original.currency).unwrap_or(Currency::Idr);
    let mut errors = FieldErrors::new();
    let mut manual_lines = Vec::new();
    for (index, wanted) in request.lines.iter().enumerate() {
        match lines.iter().find(|l| l.id == wanted.line_id) {
            Some(rl) if rl.received_quantity > 0 => {
                let warehouse_id = order_lines
                    .iter()
                    .find(|l| l.id == rl.order_line_id)
                    .and_then(|l| l.warehouse_id);
                manual_lines.push(ManualLine {
                    variant_id: wanted.variant_id,
                    quantity: rl.received_quantity,
                    unit_price: Some(Money::zero(currency)),
                    warehouse_id,
                });
            }
            Some(_) => errors.add(
                &format!("lines[{index}].line_id"),
                "nothing_received",
                "No unit of this line came back.",
            ),
            None => errors.add(
                &format!("lines[{index}].line_id"),
                "unknown_line",
                "Not a line of this return.",
            ),
        }
    }
    if request.lines.is_empty() {
        errors.add("lines", "empty", "Name what is sent instead.");
    }
    errors.finish()?;
    let customer = orders::Customer {
        name: original.customer_name.clone(),
        email: original.customer_email.clone(),
        phone: original.customer_phone.clone(),
    };
    let placed = orders::create_manual(
        ctx,
        caller,
        ManualOrder {
            channel: if original.channel == "own_store" {
                "manual".to_owned()
            } else {
                original.channel.clone()
            },
            channel_order_id: None,
            customer,
            shipping_address: original
                .shipping_address
                .as_deref()
                .and_then(|t| serde_json::from_str(t).ok()),
            lines: manual_lines,
            discount: None,
            shipping_rate_id: None,
            shipping_charge: None,
            payment_method: None,
            paid_elsewhere: true,
            note: Some(format!(
                "Exchange for return {id} of order {}",
                original.number
            )),
        },
        Some(format!("exchange:{id}")),
    )
    .await?;
    let mut tx = ctx.db.begin_write().await?;
    let (found, _) = load_in(&*tx, tenant, id).await?;
    step(&tx, &found, &["received"], "exchanged", "exchange").await?;
    order_return::Entity::update_many()
        .col_expr(
            order_return::Column::ExchangeOrderId,
            Expr::value(placed.order.id),
        )
        .filter(order_return::Column::Id.eq(id))
        .exec(&*tx)
        .await?;
    for wanted in &request.lines {
        return_line::Entity::update_many()
            .col_expr(
                return_line::Column::ExchangeVariantId,
                Expr::value(wanted.variant_id),
            )
            .filter(return_line::Column::Id.eq(wanted.line_id))
            .exec(&*tx)
            .await?;
    }
    let current = queries::find_order(&*tx, tenant, found.order_id)
        .await?
        .ok_or(OrdersError::NotFound("order"))?;
    history::note(
        &tx,
        caller,
        &current,
        "return_exchanged",
        serde_json::json!({ "return_id": id, "exchange_order_id": placed.order.id }),
    )
    .await?;
    tx.publish(
        tenant,
        &OrderEvent::Returned {
            order_id: current.id,
            number: current.number.clone(),
            return_id: id,
            refunded: Money::zero(currency),
            fully: current.status == "returned",
        },
    )
    .await?;
    tx.commit().await?;
    let _ = order::Column::Id;
    Ok((get(ctx, tenant, id).await?, placed))
}
