//! Orders as the seller sees and moves them: reading and listing, the history, edits, and the
//! moves made by hand (process, complete, cancel, review).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use smartseller_contracts::orders::OrderEvent;
use smartseller_contracts::payments::RefundRequest;
use smartseller_contracts::shipping::ShippingAddress;
use smartseller_kernel::money::{Currency, Money};
use smartseller_kernel::page::{Page, PageRequest};
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, clock};
use uuid::Uuid;

use super::history::{self, Changes};
use super::{Caller, OrdersCtx, OrdersError, OrdersResult};
use crate::domain::fraud::address_key;
use crate::domain::{OrderAction, OrderStatus};
use crate::store::queries::{self, OrderFilter};
use crate::store::{line, order};

pub use super::manual::{ManualLine, ManualOrder, create_manual};
pub use super::placing::{CHANNELS, Customer, PlacedOrder, check_address};
pub(crate) use super::placing::{
    NewOrder, PaymentPlan, assess_fraud, attach_payment, cancel_after_failure, cancel_in,
    hold_stock, insert, payment_error, payment_items, price_lines, release_quietly, replay_placed,
    shipping_error, start_payment, take_number_or_release,
};

// ---- reading ----

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderLineView {
    pub id: Uuid,
    pub variant_id: Uuid,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    pub returned_quantity: i64,
    pub unit_price: Money,
    pub subtotal: Money,
    pub discount: Money,
    pub shipping: Money,
    pub tax: Money,
    pub total: Money,
    pub warehouse_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderView {
    pub id: Uuid,
    pub number: String,
    pub channel: String,
    pub channel_order_id: Option<String>,
    /// `checkout`, `manual`, `import` or `exchange`.
    pub source: String,
    pub status: OrderStatus,
    pub customer: Customer,
    #[schema(value_type = Option<Object>)]
    pub shipping_address: Option<ShippingAddress>,
    pub subtotal: Money,
    pub discount: Money,
    pub shipping: Money,
    pub tax: Money,
    pub total: Money,
    pub paid: Money,
    pub tax_rate_bp: i32,
    pub prices_include_tax: bool,
    pub payment_method: Option<String>,
    pub payment_id: Option<Uuid>,
    pub reservation_id: Option<Uuid>,
    pub shipping_rate_id: Option<Uuid>,
    pub shipping_service: Option<String>,
    pub shipment_id: Option<Uuid>,
    pub awb: Option<String>,
    /// `none`, `held` (fraud rules stopped it) or `approved`.
    pub review_status: String,
    pub review_reasons: Vec<String>,
    pub note: Option<String>,
    pub cancel_reason: Option<String>,
    pub version: i64,
    pub placed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub lines: Vec<OrderLineView>,
}

pub fn view(model: order::Model, lines: Vec<line::Model>) -> OrderView {
    let currency = Currency::parse(&model.currency).unwrap_or(Currency::Idr);
    let money = |minor| Money::new(minor, currency);
    OrderView {
        id: model.id,
        number: model.number,
        channel: model.channel,
        channel_order_id: model.channel_order_id,
        source: model.source,
        status: OrderStatus::parse(&model.status).unwrap_or(OrderStatus::PendingPayment),
        customer: Customer {
            name: model.customer_name,
            email: model.customer_email,
            phone: model.customer_phone,
        },
        shipping_address: model
            .shipping_address
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok()),
        subtotal: money(model.subtotal_minor),
        discount: money(model.discount_minor),
        shipping: money(model.shipping_minor),
        tax: money(model.tax_minor),
        total: money(model.total_minor),
        paid: money(model.paid_minor),
        tax_rate_bp: model.tax_rate_bp,
        prices_include_tax: model.prices_include_tax,
        payment_method: model.payment_method,
        payment_id: model.payment_id,
        reservation_id: model.reservation_id,
        shipping_rate_id: model.shipping_rate_id,
        shipping_service: model.shipping_service,
        shipment_id: model.shipment_id,
        awb: model.awb,
        review_status: model.review_status,
        review_reasons: model
            .review_reasons
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default(),
        note: model.note,
        cancel_reason: model.cancel_reason,
        version: model.version,
        placed_at: model.placed_at,
        updated_at: model.updated_at,
        lines: lines
            .into_iter()
            .map(|l| OrderLineView {
                id: l.id,
                variant_id: l.variant_id,
                sku: l.sku,
                name: l.name,
                quantity: l.quantity,
                returned_quantity: l.returned_quantity,
                unit_price: money(l.unit_price_minor),
                subtotal: money(l.subtotal_minor),
                discount: money(l.discount_minor),
                shipping: money(l.shipping_minor),
                tax: money(l.tax_minor),
                total: money(l.total_minor),
                warehouse_id: l.warehouse_id,
            })
            .collect(),
    }
}

pub async fn get(ctx: &OrdersCtx, tenant: TenantId, id: Uuid) -> OrdersResult<OrderView> {
    let conn = ctx.db.conn();
    let model = queries::find_order(conn, tenant, id)
        .await?
        .ok_or(OrdersError::NotFound("order"))?;
    let lines = queries::lines(conn, tenant, id).await?;
    Ok(view(model, lines))
}

pub async fn list(
    ctx: &OrdersCtx,
    tenant: TenantId,
    filter: &OrderFilter,
    page: PageRequest,
) -> OrdersResult<Page<OrderView>> {
    if let Some(status) = &filter.status
        && OrderStatus::parse(status).is_none()
    {
        return Err(FieldErrors::single("status", "unknown_status", "Not an order status.").into());
    }
    let conn = ctx.db.conn();
    let rows = queries::list_orders(conn, tenant, filter, page).await?;
    let page = Page::from_rows(rows, page, |row| row.id);
    // One query for every line of the page, not one per order.
    let ids: Vec<Uuid> = page.items.iter().map(|row| row.id).collect();
    let mut lines_by_order: std::collections::HashMap<Uuid, Vec<line::Model>> =
        std::collections::HashMap::new();
    for line in queries::lines_of_orders(conn, tenant, &ids).await? {
        lines_by_order.entry(line.order_id).or_default().push(line);
    }
    let items = page
        .items
        .into_iter()
        .map(|row| {
            let lines = lines_by_order.remove(&row.id).unwrap_or_default();
            view(row, lines)
        })
        .collect();
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub seq: i64,
    pub action: String,
    pub status_before: Option<String>,
    pub status_after: String,
    /// `user`, `api_key`, `customer` or `system`.
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
}

pub async fn history_of(
    ctx: &OrdersCtx,
    tenant: TenantId,
    id: Uuid,
) -> OrdersResult<Vec<HistoryEntry>> {
    let conn = ctx.db.conn();
    queries::find_order(conn, tenant, id)
        .await?
        .ok_or(OrdersError::NotFound("order"))?;
    Ok(queries::history_of(conn, tenant, id)
        .await?
        .into_iter()
        .map(|h| HistoryEntry {
            seq: h.seq,
            action: h.action,
            status_before: h.status_before,
            status_after: h.status_after,
            actor_type: h.actor_type,
            actor_id: h.actor_id,
            detail: serde_json::from_str(&h.detail).unwrap_or(serde_json::Value::Null),
            occurred_at: h.occurred_at,
        })
        .collect())
}

// ---- the seller's edits and moves ----

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderChanges {
    /// The version read; the update is refused with 409 when the order changed since.
    pub version: Option<i64>,
    pub customer: Option<Customer>,
    #[schema(value_type = Option<Object>)]
    pub shipping_address: Option<ShippingAddress>,
    pub note: Option<String>,
}

/// Edits the buyer's details, the address (until the parcel is booked) and the note; the
/// history keeps the before and after of each field changed.
pub async fn update(
    ctx: &OrdersCtx,
    caller: &Caller,
    id: Uuid,
    changes: OrderChanges,
) -> OrdersResult<OrderView> {
    let mut errors = FieldErrors::new();
    if let Some(customer) = &changes.customer {
        customer.check("customer", &mut errors);
    }
    if let Some(address) = &changes.shipping_address {
        check_address(address, "shipping_address", &mut errors);
    }
    if let Some(note) = &changes.note
        && note.chars().count() > 2000
    {
        errors.add("note", "too_long", "At most 2000 characters.");
    }
    errors.finish()?;
    let tx = ctx.db.begin_write().await?;
    let current = queries::find_order(&*tx, caller.tenant, id)
        .await?
        .ok_or(OrdersError::NotFound("order"))?;
    if changes.version.is_some_and(|v| v != current.version) {
        return Err(OrdersError::Concurrent);
    }
    let status = history::parse_status(&current.status)?;
    let mut before = serde_json::Map::new();
    let mut after = serde_json::Map::new();
    let mut update = order::Entity::update_many()
        .col_expr(order::Column::Version, Expr::value(current.version + 1))
        .col_expr(order::Column::UpdatedAt, Expr::value(clock::now()));
    if let Some(customer) = &changes.customer {
        before.insert("customer".into(), serde_json::json!({"name": current.customer_name, "email": current.customer_email, "phone": current.customer_phone}));
        after.insert(
            "customer".into(),
            serde_json::to_value(customer).unwrap_or_default(),
        );
        update = update
            .col_expr(
                order::Column::CustomerName,
                Expr::value(customer.name.trim().to_owned()),
            )
            .col_expr(
                order::Column::CustomerEmail,
                Expr::value(customer.email.clone()),
            )
            .col_expr(
                order::Column::CustomerPhone,
                Expr::value(customer.phone.clone()),
            )
            .col_expr(order::Column::CustomerKey, Expr::value(customer.key()));
    }
    if let Some(address) = &changes.shipping_address {
        if !matches!(
            status,
            OrderStatus::PendingPayment | OrderStatus::Paid | OrderStatus::Processing
        ) {
            return Err(OrdersError::IllegalTransition {
                current: status,
                action: "change_address",
            });
        }
        before.insert(
            "shipping_address".into(),
            current
                .shipping_address
                .as_deref()
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or_default(),
        );
        after.insert(
            "shipping_address".into(),
            serde_json::to_value(address).unwrap_or_default(),
        );
        update = update
            .col_expr(
                order::Column::ShippingAddress,
                Expr::value(serde_json::to_string(address).unwrap_or_default()),
            )
            .col_expr(
                order::Column::AddressKey,
                Expr::value(address_key(&address.address, &address.postal_code)),
            );
    }
    if let Some(note) = &changes.note {
        before.insert("note".into(), serde_json::json!(current.note));
        after.insert("note".into(), serde_json::json!(note));
        update = update.col_expr(order::Column::Note, Expr::value(note.clone()));
    }
    if after.is_empty() {
        drop(tx);
        return get(ctx, caller.tenant, id).await;
    }
    let result = update
        .filter(order::Column::Id.eq(current.id))
        .filter(order::Column::Version.eq(current.version))
        .exec(&*tx)
        .await?;
    if result.rows_affected != 1 {
        return Err(OrdersError::Concurrent);
    }
    history::append(
        &tx,
        caller,
        id,
        "updated",
        Some(status),
        status,
        serde_json::json!({ "before": before, "after": after }),
    )
    .await?;
    tx.commit().await?;
    get(ctx, caller.tenant, id).await
}

/// A move the seller makes by hand that needs nothing but the state machine.
pub async fn advance(
    ctx: &OrdersCtx,
    caller: &Caller,
    id: Uuid,
    action: OrderAction,
) -> OrdersResult<OrderView> {
    let mut tx = ctx.db.begin_write().await?;
    let current = queries::find_order(&*tx, caller.tenant, id)
        .await?
        .ok_or(OrdersError::NotFound("order"))?;
    if action == OrderAction::Process && current.review_status == "held" {
        return Err(OrdersError::HeldForReview);
    }
    let moved = history::transition(
        &tx,
        caller,
        &current,
        action,
        Changes::default(),
        serde_json::json!({}),
    )
    .await?;
    if action == OrderAction::Complete {
        tx.publish(
            caller.tenant,
            &OrderEvent::Completed {
                order_id: id,
                number: moved.number.clone(),
            },
        )
        .await?;
    }
    tx.commit().await?;
    get(ctx, caller.tenant, id).await
}

/// Cancels an order: the hold goes back (through `order.cancelled`), an unpaid payment is
/// voided, and a paid one is refunded in full through its gateway.
pub async fn cancel(
    ctx: &OrdersCtx,
    caller: &Caller,
    id: Uuid,
    reason: &str,
) -> OrdersResult<OrderView> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(
            FieldErrors::single("reason", "invalid", "Say why, in 1 to 500 characters.").into(),
        );
    }
    let mut tx = ctx.db.begin_write().await?;
    let current = queries::find_order(&*tx, caller.tenant, id)
        .await?
        .ok_or(OrdersError::NotFound("order"))?;
    let cancelled = cancel_in(&mut tx, caller, &current, reason).await?;
    tx.commit().await?;
    if let Some(payment_id) = cancelled.payment_id {
        settle_cancelled_payment(ctx, caller, &cancelled, payment_id).await;
    }
    get(ctx, caller.tenant, id).await
}

/// After a cancellation: void what was not paid, refund what was. Failures are recorded in the
/// history for the seller to act on; the cancellation itself stands.
async fn settle_cancelled_payment(
    ctx: &OrdersCtx,
    caller: &Caller,
    cancelled: &order::Model,
    payment_id: Uuid,
) {
    let tenant = caller.tenant;
    let outcome = match ctx.payments.get(tenant, payment_id).await {
        Ok(payment) if payment.status.is_settled() => {
            let left = payment
                .captured
                .checked_sub(payment.refunded)
                .unwrap_or(payment.captured);
            if left.minor > 0 {
                ctx.payments
                    .refund(tenant, RefundRequest {
                        payment_id,
                        amount: left,
                        reason: "order cancelled".to_owned(),
                        idempotency_key: format!("cancel:{}", cancelled.id),
                    })
                    .await
                    .map(|refund| serde_json::json!({ "refunded": refund.amount, "refund_id": refund.refund_id }))
            } else {
                Ok(serde_json::json!({ "refunded": null }))
            }
        }
        Ok(payment) if payment.status.is_final() => {
            Ok(serde_json::json!({ "payment": payment.status.as_str() }))
        }
        Ok(_) => ctx
            .payments
            .void(tenant, payment_id)
            .await
            .map(|payment| serde_json::json!({ "payment": payment.status.as_str() })),
        Err(error) => Err(error),
    };
    let detail = match outcome {
        Ok(detail) => detail,
        Err(error) => serde_json::json!({ "error": error.to_string() }),
    };
    let recorded: OrdersResult<()> = async {
        let tx = ctx.db.begin_write().await?;
        if let Some(current) = queries::find_order(&*tx, tenant, cancelled.id).await? {
            history::note(
                &tx,
                caller,
                &current,
                "payment_settled_after_cancel",
                detail,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
    .await;
    if let Err(error) = recorded {
        tracing::error!(%error, order_id = %cancelled.id, "could not record a cancelled order's payment");
    }
}

/// The seller's decision on an order the fraud rules held: approve lets it go on, reject
/// cancels it.
pub async fn review(
    ctx: &OrdersCtx,
    caller: &Caller,
    id: Uuid,
    approve: bool,
) -> OrdersResult<OrderView> {
    if !approve {
        return cancel(ctx, caller, id, "rejected in fraud review").await;
    }
    let tx = ctx.db.begin_write().await?;
    let current = queries::find_order(&*tx, caller.tenant, id)
        .await?
        .ok_or(OrdersError::NotFound("order"))?;
    if current.review_status != "held" {
        return Err(OrdersError::IllegalTransition {
            current: history::parse_status(&current.status)?,
            action: "approve_review",
        });
    }
    let result = order::Entity::update_many()
        .col_expr(order::Column::ReviewStatus, Expr::value("approved"))
        .filter(order::Column::Id.eq(id))
        .filter(order::Column::ReviewStatus.eq("held"))
        .exec(&*tx)
        .await?;
    if result.rows_affected != 1 {
        return Err(OrdersError::Concurrent);
    }
    history::note(
        &tx,
        caller,
        &current,
        "review_approved",
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    get(ctx, caller.tenant, id).await
}
