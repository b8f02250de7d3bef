//! Checkout, as a saga over four domains. Each step that reaches another domain is undone if a
//! later one fails:
//!
//! 1. price the lines (catalogue) and the chosen delivery (shipping): nothing to undo;
//! 2. hold the stock (inventory), with an expiry: undone by releasing the hold;
//! 3. write the order and close the cart (one transaction here): undone by cancelling the
//!    order, which gives the hold back through `order.cancelled`;
//! 4. open the payment (payments): if writing it onto the order fails, it is voided.
//!
//! A crash between steps leaves at worst a hold that lapses at its expiry and an unpaid order
//! that is cancelled when it does (the `inventory.released` consumer), so no stock stays held.

use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use smartseller_contracts::payments::PaymentMethod;
use smartseller_contracts::shipping::ShippingAddress;
use smartseller_kernel::clock;
use smartseller_kernel::money::Money;
use smartseller_kernel::validation::FieldErrors;
use uuid::Uuid;

use super::orders::{
    self, Customer, NewOrder, PaymentPlan, PlacedOrder, attach_payment, cancel_after_failure,
    check_address, hold_stock, insert, payment_items, price_lines, release_quietly, replay_placed,
    shipping_error, start_payment, take_number_or_release,
};
use super::{Caller, OrdersCtx, OrdersError, OrdersResult, carts, is_unique_violation, settings};
use crate::domain::OrderStatus;
use crate::domain::totals::{self, LineInput};
use crate::store::{cart, line, order, queries};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    pub customer: Customer,
    #[schema(value_type = Object)]
    pub shipping_address: ShippingAddress,
    /// A rate from `POST /carts/{id}/shipping-rates`.
    pub shipping_rate_id: Uuid,
    /// `midtrans`, `xendit`, `stripe`, `paypal`, `virtual_account`, `bank_transfer` or `cod`.
    pub payment_method: String,
    /// Where the gateway sends the buyer back.
    pub return_url: Option<String>,
    pub note: Option<String>,
}

/// Turns an open cart into an order with its stock held and its payment opened. Repeating it
/// with the same `idempotency_key` answers the same order; a different key for a cart already
/// checked out is a 409.
pub async fn checkout(
    ctx: &OrdersCtx,
    caller: &Caller,
    cart_id: Uuid,
    request: CheckoutRequest,
    idempotency_key: String,
) -> OrdersResult<PlacedOrder> {
    let tenant = caller.tenant;
    let mut errors = FieldErrors::new();
    request.customer.check("customer", &mut errors);
    check_address(&request.shipping_address, "shipping_address", &mut errors);
    let method = PaymentMethod::parse(&request.payment_method);
    if method.is_none() {
        errors.add(
            "payment_method",
            "unknown_method",
            "Use midtrans, xendit, stripe, paypal, virtual_account, bank_transfer or cod.",
        );
    }
    if let Some(url) = &request.return_url
        && !(url.starts_with("https://") || url.starts_with("http://")) | (url.len() > 500)
    {
        errors.add(
            "return_url",
            "invalid",
            "An http(s) URL of at most 500 characters.",
        );
    }
    if let Some(note) = &request.note
        && note.chars().count() > 2000
    {
        errors.add("note", "too_long", "At most 2000 characters.");
    }
    errors.finish()?;
    let method = method.unwrap_or(PaymentMethod::BankTransfer);

    // A retried checkout answers the order the first attempt placed.
    if let Some(existing) = queries::find_order_by(
        ctx.db.conn(),
        tenant,
        order::Column::CheckoutKey,
        idempotency_key.clone(),
    )
    .await?
    {
        return replay_placed(ctx, tenant, existing).await;
    }
    let settings = settings::load(ctx.db.conn(), tenant).await?;
    let warehouse = settings.fulfilment_warehouse_id.ok_or_else(|| {
        FieldErrors::single(
            "fulfilment_warehouse_id",
            "not_configured",
            "Set the store's fulfilment warehouse in the order settings before taking orders.",
        )
    })?;
    let (found, items) = carts::find(ctx.db.conn(), tenant, cart_id).await?;
    if found.status != "open" {
        return Err(OrdersError::CartClosed {
            status: found.status,
        });
    }
    if items.is_empty() {
        return Err(FieldErrors::single("items", "empty", "The cart is empty.").into());
    }

    // 1. Prices and delivery.
    let requested: Vec<_> = items
        .iter()
        .map(|i| {
            (
                i.variant_id,
                i.quantity,
                None,
                i.warehouse_id.unwrap_or(warehouse),
            )
        })
        .collect();
    let priced = price_lines(ctx, tenant, &found.channel, &requested, settings.currency).await?;
    let rate = ctx
        .shipping
        .rate(tenant, request.shipping_rate_id)
        .await
        .map_err(shipping_error)?;
    if method == PaymentMethod::Cod && !rate.cash_on_delivery {
        return Err(FieldErrors::single(
            "payment_method",
            "cod_not_available",
            "The chosen delivery does not collect cash on delivery.",
        )
        .into());
    }
    let totals = totals::compute(
        &priced
            .iter()
            .map(|l| LineInput {
                unit_price: l.unit_price,
                quantity: l.quantity,
            })
            .collect::<Vec<_>>(),
        Money::zero(settings.currency),
        rate.price,
        settings.tax_rule(),
    )
    .map_err(|error| FieldErrors::single("items", "invalid_totals", error.to_string()))?;
    let now = clock::now();
    let review_reasons = orders::assess_fraud(
        ctx,
        tenant,
        &settings,
        &request.customer,
        Some(&request.shipping_address),
        totals.total.minor,
        now,
    )
    .await?;

    // 2. Stock.
    let order_id = Uuid::now_v7();
    let hold_minutes = match method {
        PaymentMethod::BankTransfer | PaymentMethod::VirtualAccount => {
            settings.payment_window_minutes
        }
        _ => settings.reservation_minutes,
    };
    let expires_at = now + Duration::minutes(hold_minutes);
    let reservation = hold_stock(ctx, tenant, order_id, &priced, expires_at).await?;

    // 3. The order, and the cart closed in the same transaction.
    let number = take_number_or_release(ctx, tenant, now, reservation).await?;
    let new = NewOrder {
        id: order_id,
        number,
        channel: found.channel.clone(),
        channel_order_id: None,
        source: "checkout",
        status: OrderStatus::PendingPayment,
        customer: request.customer.clone(),
        address: Some(request.shipping_address.clone()),
        totals: totals.clone(),
        lines: priced.clone(),
        settings: settings.clone(),
        payment_method: Some(method),
        reservation_id: Some(reservation),
        shipping_rate_id: Some(rate.rate_id),
        shipping_service: Some(format!("{} {}", rate.courier_name, rate.service_name)),
        review_reasons,
        note: request.note.clone(),
        checkout_key: Some(idempotency_key.clone()),
        cart_id: Some(cart_id),
        placed_at: now,
    };
    let written: OrdersResult<(order::Model, Vec<line::Model>)> = async {
        let mut tx = ctx.db.begin_write().await?;
        let placed = insert(&mut tx, caller, new).await?;
        let closed = cart::Entity::update_many()
            .col_expr(cart::Column::Status, Expr::value("checked_out"))
            .col_expr(cart::Column::OrderId, Expr::value(order_id))
            .col_expr(cart::Column::UpdatedAt, Expr::value(now))
            .filter(cart::Column::Id.eq(cart_id))
            .filter(cart::Column::Status.eq("open"))
            .exec(&*tx)
            .await?;
        if closed.rows_affected != 1 {
            return Err(OrdersError::CartClosed {
                status: "checked_out".to_owned(),
            });
        }
        tx.commit().await?;
        Ok(placed)
    }
    .await;
    let (placed, lines) = match written {
        Ok(placed) => placed,
        Err(error) => {
            release_quietly(ctx, tenant, reservation).await;
            // The same key raced us and won: answer its order.
            if let OrdersError::Db(db) = &error
                && is_unique_violation(db)
                && let Some(existing) = queries::find_order_by(
                    ctx.db.conn(),
                    tenant,
                    order::Column::CheckoutKey,
                    idempotency_key.clone(),
                )
                .await?
            {
                return replay_placed(ctx, tenant, existing).await;
            }
            return Err(error);
        }
    };

    // 4. The payment.
    let payment = match start_payment(
        ctx,
        caller,
        &placed,
        PaymentPlan {
            method,
            items: payment_items(&priced, &totals),
            customer: &request.customer,
            return_url: request.return_url.clone(),
            expires_at,
            idempotency_key: format!("checkout:{idempotency_key}"),
        },
    )
    .await
    {
        Ok(payment) => payment,
        Err(error) => {
            cancel_after_failure(ctx, caller, order_id, "the payment could not be opened").await;
            return Err(error);
        }
    };
    let attached = match attach_payment(ctx, caller, &placed, &payment).await {
        Ok(attached) => attached,
        Err(error) => {
            if let Err(void_error) = ctx.payments.void(tenant, payment.payment_id).await {
                tracing::error!(%void_error, payment_id = %payment.payment_id, "could not void the payment of a failed checkout");
            }
            cancel_after_failure(ctx, caller, order_id, "the payment could not be recorded").await;
            return Err(error);
        }
    };
    Ok(PlacedOrder {
        order: orders::view(attached, lines),
        payment: Some(payment),
    })
}
