//! Getting the order to the buyer: booking the courier, and following payments and the courier
//! as they report back (`payment.events`, `shipment.events`, lapsed stock holds).

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use smartseller_contracts::orders::OrderEvent;
use smartseller_contracts::payments::{PaymentEvent, PaymentMethod, PaymentStatus};
use smartseller_contracts::shipping::{
    BookShipment, ShipmentLine, ShipmentStatus, ShipmentView, ShippingAddress,
};
use smartseller_kernel::money::{Currency, Money};
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, clock};
use smartseller_platform::db::WriteTx;
use uuid::Uuid;

use super::history::{self, Changes};
use super::orders::{self, OrderView, cancel_in, shipping_error};
use super::{Caller, OrdersCtx, OrdersError, OrdersResult, settings};
use crate::domain::{OrderAction, OrderStatus, fraud};
use crate::store::{order, queries};

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipRequest {
    /// Book with this rate instead of the one chosen at checkout.
    pub shipping_rate_id: Option<Uuid>,
    /// The parcel was booked outside SmartSeller (at a courier's counter): record its airway
    /// bill and mark the order shipped.
    pub awb: Option<String>,
    pub courier: Option<String>,
    /// Weight of the packed parcel; the catalogue's weights when absent.
    pub weight_grams: Option<i64>,
}

/// Ships an order: books the courier at the chosen rate (the order becomes ready to ship, the
/// label can be printed) or records an airway bill booked elsewhere (the order is shipped).
pub async fn ship(
    ctx: &OrdersCtx,
    caller: &Caller,
    id: Uuid,
    request: ShipRequest,
) -> OrdersResult<OrderView> {
    let tenant = caller.tenant;
    let current = queries::find_order(ctx.db.conn(), tenant, id)
        .await?
        .ok_or(OrdersError::NotFound("order"))?;
    let status = history::parse_status(&current.status)?;
    if !status.is_fulfillable() {
        return Err(OrdersError::IllegalTransition {
            current: status,
            action: "ship",
        });
    }
    if current.review_status == "held" {
        return Err(OrdersError::HeldForReview);
    }
    if let Some(awb) = request.awb {
        let awb = awb.trim().to_owned();
        if awb.is_empty() || awb.len() > 64 {
            return Err(FieldErrors::single(
                "awb",
                "invalid",
                "An airway bill of 1 to 64 characters.",
            )
            .into());
        }
        let mut tx = ctx.db.begin_write().await?;
        let current = queries::find_order(&*tx, tenant, id)
            .await?
            .ok_or(OrdersError::NotFound("order"))?;
        let shipped = history::transition(
            &tx,
            caller,
            &current,
            OrderAction::Ship,
            Changes {
                awb: Some(awb.clone()),
                ..Changes::default()
            },
            serde_json::json!({ "courier": request.courier }),
        )
        .await?;
        publish_shipped(&mut tx, tenant, &shipped, None).await?;
        tx.commit().await?;
        return orders::get(ctx, tenant, id).await;
    }
    let rate_id = request
        .shipping_rate_id
        .or(current.shipping_rate_id)
        .ok_or_else(|| {
            FieldErrors::single(
                "shipping_rate_id",
                "required",
                "Choose a shipping rate, or give the airway bill of a parcel booked elsewhere.",
            )
        })?;
    let receiver: ShippingAddress = current
        .shipping_address
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .ok_or_else(|| {
            FieldErrors::single(
                "shipping_address",
                "required",
                "The order has no delivery address.",
            )
        })?;
    let lines = queries::lines(ctx.db.conn(), tenant, id).await?;
    let settings = settings::load(ctx.db.conn(), tenant).await?;
    let weight = match request.weight_grams {
        Some(weight) => weight,
        None => {
            let mut total = 0i64;
            for l in &lines {
                let unit = ctx
                    .pricing
                    .quote(
                        tenant,
                        smartseller_contracts::catalog::PriceQuoteRequest {
                            variant_id: l.variant_id,
                            channel: "own_store".to_owned(),
                            customer_group: None,
                            quantity: 1,
                            at: None,
                        },
                    )
                    .await
                    .ok()
                    .map(|q| q.weight_grams)
                    .filter(|w| *w > 0)
                    .unwrap_or(settings.default_item_weight_grams);
                total = total.saturating_add(unit.saturating_mul(l.quantity));
            }
            total
        }
    };
    if !(1..=1_000_000).contains(&weight) {
        return Err(FieldErrors::single(
            "weight_grams",
            "out_of_range",
            "Between 1 g and 1,000 kg.",
        )
        .into());
    }
    let currency = Currency::parse(&current.currency).unwrap_or(Currency::Idr);
    let cod = (current.payment_method.as_deref() == Some(PaymentMethod::Cod.as_str()))
        .then(|| Money::new(current.total_minor - current.paid_minor, currency));
    let shipment = ctx
        .shipping
        .book(
            tenant,
            BookShipment {
                order_id: id,
                order_number: current.number.clone(),
                rate_id,
                receiver,
                lines: lines
                    .iter()
                    .map(|l| ShipmentLine {
                        variant_id: l.variant_id,
                        sku: l.sku.clone(),
                        name: l.name.clone(),
                        quantity: l.quantity,
                        warehouse_id: l.warehouse_id,
                    })
                    .collect(),
                weight_grams: weight,
                goods_value: Money::new(current.subtotal_minor - current.discount_minor, currency),
                cash_on_delivery: cod,
                note: current.note.clone(),
            },
        )
        .await
        .map_err(shipping_error)?;
    let tx = ctx.db.begin_write().await?;
    let current = queries::find_order(&*tx, tenant, id)
        .await?
        .ok_or(OrdersError::NotFound("order"))?;
    history::transition(
        &tx,
        caller,
        &current,
        OrderAction::BookShipment,
        Changes { shipment_id: Some(shipment.shipment_id), awb: shipment.awb.clone(), ..Changes::default() },
        serde_json::json!({ "provider": shipment.provider, "courier": shipment.courier_code, "service": shipment.service_code }),
    )
    .await?;
    tx.commit().await?;
    orders::get(ctx, tenant, id).await
}

async fn publish_shipped(
    tx: &mut WriteTx,
    tenant: TenantId,
    shipped: &order::Model,
    shipment_id: Option<Uuid>,
) -> OrdersResult<()> {
    tx.publish(
        tenant,
        &OrderEvent::Shipped {
            order_id: shipped.id,
            number: shipped.number.clone(),
            shipment_id: shipment_id.or(shipped.shipment_id),
            awb: shipped.awb.clone(),
        },
    )
    .await?;
    Ok(())
}

/// The order's shipment and where the parcel is.
pub async fn tracking(ctx: &OrdersCtx, tenant: TenantId, id: Uuid) -> OrdersResult<ShipmentView> {
    queries::find_order(ctx.db.conn(), tenant, id)
        .await?
        .ok_or(OrdersError::NotFound("order"))?;
    ctx.shipping
        .for_order(tenant, id)
        .await
        .map_err(|error| match error {
            smartseller_contracts::shipping::ShippingError::NotFound => {
                OrdersError::NotFound("shipment")
            }
            other => shipping_error(other),
        })
}

/// A payment moved (`payment.events`). Paid: the order is paid and its hold becomes a sale.
/// Expired or cancelled before payment: the order is cancelled. Anything else is recorded.
pub async fn on_payment(
    tx: &mut WriteTx,
    tenant: TenantId,
    moved: PaymentEvent,
) -> OrdersResult<()> {
    // Only status changes move an order; a refund is recorded by the return that asked for it.
    let PaymentEvent::StatusChanged {
        payment_id,
        order_id,
        method,
        after,
        captured,
        card,
        ..
    } = moved
    else {
        return Ok(());
    };
    let caller = Caller::system(tenant);
    let Some(current) = queries::find_order(&**tx, tenant, order_id).await? else {
        return Ok(());
    };
    // A payment the order has since replaced says nothing about the order.
    if current.payment_id.is_some_and(|p| p != payment_id) {
        return Ok(());
    }
    let status = history::parse_status(&current.status)?;
    match after {
        PaymentStatus::Paid if status == OrderStatus::PendingPayment => {
            let paid = history::transition(
                tx,
                &caller,
                &current,
                OrderAction::Pay,
                Changes {
                    paid_minor: Some(captured.minor),
                    ..Changes::default()
                },
                serde_json::json!({ "payment_id": payment_id, "method": method.as_str() }),
            )
            .await?;
            tx.publish(
                tenant,
                &OrderEvent::Paid {
                    order_id,
                    number: paid.number.clone(),
                    payment_id: Some(payment_id),
                    reservation_id: paid.reservation_id,
                    total: Money::new(paid.total_minor, captured.currency),
                },
            )
            .await?;
        }
        PaymentStatus::Paid => {
            // Cash collected at the door, or money for an order already cancelled: record it
            // so the seller sees it (and refunds a cancelled order's money).
            set_paid(tx, &current, captured.minor).await?;
            let action = if status == OrderStatus::Cancelled {
                "paid_after_cancel"
            } else {
                "payment_collected"
            };
            history::note(
                tx,
                &caller,
                &current,
                action,
                serde_json::json!({ "payment_id": payment_id, "captured": captured }),
            )
            .await?;
        }
        PaymentStatus::Expired | PaymentStatus::Cancelled
            if status == OrderStatus::PendingPayment =>
        {
            cancel_in(
                tx,
                &caller,
                &current,
                &format!("payment {}", after.as_str()),
            )
            .await?;
        }
        PaymentStatus::Review => {
            hold_for_review(
                tx,
                &caller,
                &current,
                "the payment gateway flagged the payment",
            )
            .await?;
        }
        // Opening the payment was recorded when checkout attached it.
        PaymentStatus::Created | PaymentStatus::AwaitingPayment => {}
        other => {
            history::note(
                tx,
                &caller,
                &current,
                "payment_update",
                serde_json::json!({ "payment_id": payment_id, "status": other.as_str() }),
            )
            .await?;
        }
    }
    if let Some(card) = card
        && matches!(after, PaymentStatus::Paid | PaymentStatus::Authorized)
    {
        check_card(tx, &caller, order_id, &card).await?;
    }
    Ok(())
}

/// Card velocity, once a payment names its card: the card is kept on the order, and an order
/// paid with a card that already paid the store's limit of orders in the window is held for
/// review. Checked once per order and card, however many notifications name it.
async fn check_card(
    tx: &mut WriteTx,
    caller: &Caller,
    order_id: Uuid,
    card: &str,
) -> OrdersResult<()> {
    let tenant = caller.tenant;
    let Some(current) = queries::find_order(&**tx, tenant, order_id).await? else {
        return Ok(());
    };
    if current.card_key.as_deref() == Some(card) {
        return Ok(());
    }
    let rules = settings::load(&**tx, tenant).await?.fraud_rules();
    let since = clock::now() - chrono::Duration::minutes(rules.window_minutes);
    let earlier = queries::orders_paid_with_card(&**tx, tenant, card, since, order_id).await?;
    order::Entity::update_many()
        .col_expr(order::Column::CardKey, Expr::value(card))
        .filter(order::Column::Id.eq(order_id))
        .filter(order::Column::TenantId.eq(tenant.as_uuid()))
        .exec(&**tx)
        .await?;
    if let Some(reason) = fraud::card_velocity(&rules, earlier) {
        hold_for_review(tx, caller, &current, &reason).await?;
    }
    Ok(())
}

async fn set_paid(tx: &WriteTx, current: &order::Model, paid_minor: i64) -> OrdersResult<()> {
    order::Entity::update_many()
        .col_expr(order::Column::PaidMinor, Expr::value(paid_minor))
        .filter(order::Column::Id.eq(current.id))
        .filter(order::Column::TenantId.eq(current.tenant_id))
        .exec(&**tx)
        .await?;
    Ok(())
}

async fn hold_for_review(
    tx: &WriteTx,
    caller: &Caller,
    current: &order::Model,
    reason: &str,
) -> OrdersResult<()> {
    let mut reasons: Vec<String> = current
        .review_reasons
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    reasons.push(reason.to_owned());
    order::Entity::update_many()
        .col_expr(order::Column::ReviewStatus, Expr::value("held"))
        .col_expr(
            order::Column::ReviewReasons,
            Expr::value(serde_json::to_string(&reasons).unwrap_or_default()),
        )
        .filter(order::Column::Id.eq(current.id))
        .filter(order::Column::TenantId.eq(current.tenant_id))
        .exec(&**tx)
        .await?;
    history::note(
        tx,
        caller,
        current,
        "review_held",
        serde_json::json!({ "reasons": [reason] }),
    )
    .await?;
    Ok(())
}

/// The courier reported (`shipment.events`). Picked up or on its way: shipped. Delivered:
/// delivered (through shipped, if the pick-up was never reported). Returned to the sender:
/// returned.
pub async fn on_shipment(
    tx: &mut WriteTx,
    tenant: TenantId,
    order_id: Uuid,
    shipment_id: Uuid,
    awb: Option<String>,
    after: ShipmentStatus,
) -> OrdersResult<()> {
    let caller = Caller::system(tenant);
    let Some(mut current) = queries::find_order(&**tx, tenant, order_id).await? else {
        return Ok(());
    };
    let status = history::parse_status(&current.status)?;
    let moving = matches!(
        after,
        ShipmentStatus::PickedUp
            | ShipmentStatus::InTransit
            | ShipmentStatus::OutForDelivery
            | ShipmentStatus::Delivered
    );
    if moving && status.transition(OrderAction::Ship).is_some() {
        current = history::transition(
            tx,
            &caller,
            &current,
            OrderAction::Ship,
            Changes {
                shipment_id: Some(shipment_id),
                awb: awb.clone().or(current.awb.clone()),
                ..Changes::default()
            },
            serde_json::json!({ "courier_status": after.as_str() }),
        )
        .await?;
        publish_shipped(tx, tenant, &current, Some(shipment_id)).await?;
    }
    let status = history::parse_status(&current.status)?;
    match after {
        ShipmentStatus::Delivered if status == OrderStatus::Shipped => {
            let delivered = history::transition(
                tx,
                &caller,
                &current,
                OrderAction::Deliver,
                Changes::default(),
                serde_json::json!({ "shipment_id": shipment_id }),
            )
            .await?;
            tx.publish(
                tenant,
                &OrderEvent::Delivered {
                    order_id,
                    number: delivered.number.clone(),
                },
            )
            .await?;
        }
        ShipmentStatus::Returned if status.is_returnable() => {
            let returned = history::transition(
                tx,
                &caller,
                &current,
                OrderAction::ReturnAll,
                Changes::default(),
                serde_json::json!({ "returned_to_sender": true, "shipment_id": shipment_id }),
            )
            .await?;
            tx.publish(
                tenant,
                &OrderEvent::Returned {
                    order_id,
                    number: returned.number.clone(),
                    return_id: shipment_id,
                    refunded: Money::zero(
                        Currency::parse(&returned.currency).unwrap_or(Currency::Idr),
                    ),
                    fully: true,
                },
            )
            .await?;
        }
        ShipmentStatus::Exception | ShipmentStatus::DeliveryFailed | ShipmentStatus::Cancelled => {
            history::note(
                tx,
                &caller,
                &current,
                "shipment_update",
                serde_json::json!({ "shipment_id": shipment_id, "status": after.as_str() }),
            )
            .await?;
        }
        _ => {}
    }
    Ok(())
}

/// A stock hold ran out before the order was paid: the buyer did not pay in time.
pub async fn on_hold_lapsed(
    tx: &mut WriteTx,
    tenant: TenantId,
    reservation_id: Uuid,
) -> OrdersResult<()> {
    let Some(current) =
        queries::find_order_by(&**tx, tenant, order::Column::ReservationId, reservation_id).await?
    else {
        return Ok(());
    };
    if current.status == OrderStatus::PendingPayment.as_str() {
        cancel_in(
            tx,
            &Caller::system(tenant),
            &current,
            "the payment window closed",
        )
        .await?;
    }
    Ok(())
}
