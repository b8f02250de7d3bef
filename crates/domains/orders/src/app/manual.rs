//! Manual orders: sales made outside the store (WhatsApp, Instagram, a phone call) and
//! marketplace orders recorded as already paid.

use chrono::Duration;
use serde::Deserialize;
use smartseller_contracts::orders::OrderEvent;
use smartseller_contracts::payments::PaymentMethod;
use smartseller_contracts::shipping::ShippingAddress;
use smartseller_kernel::clock;
use smartseller_kernel::money::Money;
use smartseller_kernel::validation::FieldErrors;
use uuid::Uuid;

use super::history::{self, Changes};
use super::orders::get;
use super::placing::*;
use super::settings::{self};
use super::{Caller, OrdersCtx, OrdersError, OrdersResult, is_unique_violation};
use crate::domain::totals::{self, LineInput};
use crate::domain::{OrderAction, OrderStatus};
use crate::store::order;
use crate::store::queries::{self};

// ---- manual orders ----

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualLine {
    pub variant_id: Uuid,
    pub quantity: i64,
    /// A price agreed with the buyer; the catalogue's price when absent.
    pub unit_price: Option<Money>,
    /// Where the units come from; the store's fulfilment warehouse when absent.
    pub warehouse_id: Option<Uuid>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualOrder {
    /// `manual`, `whatsapp`, `instagram`, `facebook`, or a marketplace for imported orders.
    pub channel: String,
    /// The marketplace's own order id, for imported orders; unique per channel.
    pub channel_order_id: Option<String>,
    pub customer: Customer,
    #[schema(value_type = Option<Object>)]
    pub shipping_address: Option<ShippingAddress>,
    pub lines: Vec<ManualLine>,
    /// An order-level discount, spread over the lines.
    pub discount: Option<Money>,
    /// A shipping rate quoted earlier, or a delivery charge agreed with the buyer.
    pub shipping_rate_id: Option<Uuid>,
    pub shipping_charge: Option<Money>,
    /// `bank_transfer` unless set; any payment method the store has enabled.
    pub payment_method: Option<String>,
    /// True when the money was already collected elsewhere (a marketplace, cash at a counter):
    /// the order starts paid and no payment is opened.
    #[serde(default)]
    pub paid_elsewhere: bool,
    pub note: Option<String>,
}

/// A seller's order for a sale made outside the store (WhatsApp, Instagram, a marketplace):
/// priced, stock held for the payment window, and a payment opened with a link to send.
pub async fn create_manual(
    ctx: &OrdersCtx,
    caller: &Caller,
    request: ManualOrder,
    idempotency_key: Option<String>,
) -> OrdersResult<PlacedOrder> {
    let tenant = caller.tenant;
    let settings = settings::load(ctx.db.conn(), tenant).await?;
    let mut errors = FieldErrors::new();
    if !CHANNELS.contains(&request.channel.as_str()) || request.channel == "own_store" {
        errors.add(
            "channel",
            "unknown_channel",
            "Use manual, whatsapp, instagram, facebook, shopee, tokopedia, lazada or tiktok.",
        );
    }
    if let Some(id) = &request.channel_order_id
        && (id.trim().is_empty() || id.len() > 100)
    {
        errors.add("channel_order_id", "invalid", "1 to 100 characters.");
    }
    request.customer.check("customer", &mut errors);
    if let Some(address) = &request.shipping_address {
        check_address(address, "shipping_address", &mut errors);
    }
    if request.lines.is_empty() || request.lines.len() > 200 {
        errors.add("lines", "invalid", "An order has 1 to 200 lines.");
    }
    let mut requested = Vec::new();
    for (index, line) in request.lines.iter().enumerate() {
        if !(1..=100_000).contains(&line.quantity) {
            errors.add(
                &format!("lines[{index}].quantity"),
                "out_of_range",
                "Between 1 and 100000.",
            );
        }
        if line.unit_price.is_some_and(|p| p.minor < 0) {
            errors.add(
                &format!("lines[{index}].unit_price"),
                "negative",
                "A price cannot be negative.",
            );
        }
        match line.warehouse_id.or(settings.fulfilment_warehouse_id) {
            Some(warehouse) => {
                requested.push((line.variant_id, line.quantity, line.unit_price, warehouse))
            }
            None => errors.add(
                &format!("lines[{index}].warehouse_id"),
                "required",
                "Name the warehouse, or set the store's fulfilment warehouse.",
            ),
        }
    }
    let method = match request.payment_method.as_deref() {
        None => Some(PaymentMethod::BankTransfer),
        Some(text) => {
            let parsed = PaymentMethod::parse(text);
            if parsed.is_none() {
                errors.add("payment_method", "unknown_method", "Not a payment method.");
            }
            parsed
        }
    };
    if request.shipping_rate_id.is_some() && request.shipping_charge.is_some() {
        errors.add(
            "shipping_charge",
            "conflict",
            "Give a shipping rate or a charge, not both.",
        );
    }
    if request.shipping_charge.is_some_and(|c| c.minor < 0) {
        errors.add(
            "shipping_charge",
            "negative",
            "A charge cannot be negative.",
        );
    }
    if let Some(note) = &request.note
        && note.chars().count() > 2000
    {
        errors.add("note", "too_long", "At most 2000 characters.");
    }
    errors.finish()?;
    let method = method.unwrap_or(PaymentMethod::BankTransfer);

    if let Some(key) = &idempotency_key
        && let Some(existing) = queries::find_order_by(
            ctx.db.conn(),
            tenant,
            order::Column::CheckoutKey,
            key.clone(),
        )
        .await?
    {
        return replay_placed(ctx, tenant, existing).await;
    }

    let priced = price_lines(ctx, tenant, &request.channel, &requested, settings.currency).await?;
    let (shipping, shipping_service) = match (request.shipping_rate_id, request.shipping_charge) {
        (Some(rate_id), _) => {
            let rate = ctx
                .shipping
                .rate(tenant, rate_id)
                .await
                .map_err(shipping_error)?;
            (
                rate.price,
                Some(format!("{} {}", rate.courier_name, rate.service_name)),
            )
        }
        (None, Some(charge)) => (charge, None),
        (None, None) => (Money::zero(settings.currency), None),
    };
    let discount = request.discount.unwrap_or(Money::zero(settings.currency));
    let totals = totals::compute(
        &priced
            .iter()
            .map(|l| LineInput {
                unit_price: l.unit_price,
                quantity: l.quantity,
            })
            .collect::<Vec<_>>(),
        discount,
        shipping,
        settings.tax_rule(),
    )
    .map_err(|error| FieldErrors::single("lines", "invalid_totals", error.to_string()))?;

    let order_id = Uuid::now_v7();
    let now = clock::now();
    let expires_at = now + Duration::minutes(settings.payment_window_minutes);
    let reservation = hold_stock(ctx, tenant, order_id, &priced, expires_at).await?;
    let number = take_number_or_release(ctx, tenant, now, reservation).await?;
    let new = NewOrder {
        id: order_id,
        number,
        channel: request.channel.clone(),
        channel_order_id: request.channel_order_id.clone(),
        source: if request.paid_elsewhere {
            "import"
        } else {
            "manual"
        },
        status: OrderStatus::PendingPayment,
        customer: request.customer.clone(),
        address: request.shipping_address.clone(),
        totals: totals.clone(),
        lines: priced.clone(),
        settings: settings.clone(),
        payment_method: (!request.paid_elsewhere).then_some(method),
        reservation_id: Some(reservation),
        shipping_rate_id: request.shipping_rate_id,
        shipping_service,
        review_reasons: Vec::new(),
        note: request.note.clone(),
        checkout_key: idempotency_key.clone(),
        cart_id: None,
        placed_at: now,
    };
    let placed = {
        let mut tx = ctx.db.begin_write().await?;
        let inserted = match insert(&mut tx, caller, new).await {
            Ok((inserted, _lines)) => inserted,
            Err(error) => {
                drop(tx);
                release_quietly(ctx, tenant, reservation).await;
                return Err(match error {
                    OrdersError::Db(db) if is_unique_violation(&db) => FieldErrors::single(
                        "channel_order_id",
                        "duplicate",
                        "An order with this channel order id already exists.",
                    )
                    .into(),
                    other => other,
                });
            }
        };
        let placed = if request.paid_elsewhere {
            let paid = history::transition(
                &tx,
                caller,
                &inserted,
                OrderAction::Pay,
                Changes {
                    paid_minor: Some(inserted.total_minor),
                    ..Changes::default()
                },
                serde_json::json!({ "paid_elsewhere": true }),
            )
            .await?;
            tx.publish(
                tenant,
                &OrderEvent::Paid {
                    order_id,
                    number: paid.number.clone(),
                    payment_id: None,
                    reservation_id: Some(reservation),
                    total: totals.total,
                },
            )
            .await?;
            paid
        } else {
            inserted
        };
        tx.commit().await?;
        placed
    };
    if request.paid_elsewhere {
        return Ok(PlacedOrder {
            order: get(ctx, tenant, order_id).await?,
            payment: None,
        });
    }
    let payment = match start_payment(
        ctx,
        caller,
        &placed,
        PaymentPlan {
            method,
            items: payment_items(&priced, &totals),
            customer: &request.customer,
            return_url: None,
            expires_at,
            idempotency_key: format!("order:{order_id}"),
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
    attach_payment(ctx, caller, &placed, &payment).await?;
    Ok(PlacedOrder {
        order: get(ctx, tenant, order_id).await?,
        payment: Some(payment),
    })
}
