//! Placing an order, the part checkout and manual orders share: the buyer and address checks,
//! pricing lines, holding stock, writing the order with its first history entry, opening and
//! recording the payment, and undoing each step when a later one fails.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use smartseller_contracts::catalog::PriceQuoteRequest;
use smartseller_contracts::inventory::{
    ReservationError, ReservationRequest, StockLine, StockReference,
};
use smartseller_contracts::orders::{OrderEvent, OrderLineSnapshot};
use smartseller_contracts::payments::{
    PaymentCustomer, PaymentError, PaymentItem, PaymentMethod, PaymentView, StartPayment,
};
use smartseller_contracts::shipping::{ShippingAddress, ShippingError};
use smartseller_kernel::TenantId;
use smartseller_kernel::money::{Currency, Money};
use smartseller_kernel::validation::FieldErrors;
use smartseller_platform::Backend;
use smartseller_platform::db::WriteTx;
use uuid::Uuid;

use super::history::{self, Changes};
use super::orders::{OrderView, get};
use super::settings::OrderSettings;
use super::{Caller, OrdersCtx, OrdersError, OrdersResult};
use crate::domain::fraud::{self, address_key};
use crate::domain::totals::OrderTotals;
use crate::domain::{OrderAction, OrderStatus};
use crate::store::queries::{self};
use crate::store::{line, order};

/// The channels an order can come from. Marketplace orders keep the marketplace's order id.
pub const CHANNELS: &[&str] = &[
    "own_store",
    "manual",
    "whatsapp",
    "instagram",
    "facebook",
    "shopee",
    "tokopedia",
    "lazada",
    "tiktok",
];

/// The buyer, as the order records them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Customer {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl Customer {
    /// Checks a buyer's details field by field under `prefix`.
    pub fn check(&self, prefix: &str, errors: &mut FieldErrors) {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            errors.add(
                &format!("{prefix}.name"),
                "invalid",
                "A name of 1 to 200 characters.",
            );
        }
        if let Some(email) = &self.email
            && (email.len() > 254 || !email.contains('@') || email.trim() != email)
        {
            errors.add(
                &format!("{prefix}.email"),
                "invalid",
                "An e-mail address like budi@example.id.",
            );
        }
        if let Some(phone) = &self.phone
            && !valid_phone(phone)
        {
            errors.add(
                &format!("{prefix}.phone"),
                "invalid",
                "A phone number of 7 to 20 digits, e.g. 081234567890.",
            );
        }
    }

    /// What recognises the same buyer across orders: the e-mail, else the phone's digits.
    pub fn key(&self) -> Option<String> {
        self.email
            .as_deref()
            .map(str::to_lowercase)
            .or_else(|| self.phone.as_deref().map(digits))
    }
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

fn valid_phone(phone: &str) -> bool {
    let count = digits(phone).len();
    (7..=20).contains(&count)
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'))
}

/// Checks a delivery address field by field under `prefix`.
pub fn check_address(address: &ShippingAddress, prefix: &str, errors: &mut FieldErrors) {
    for (field, value, max) in [
        ("name", &address.name, 200),
        ("address", &address.address, 500),
        ("city", &address.city, 100),
    ] {
        let value = value.trim();
        if value.is_empty() || value.chars().count() > max {
            errors.add(
                &format!("{prefix}.{field}"),
                "invalid",
                format!("1 to {max} characters."),
            );
        }
    }
    if !valid_phone(&address.phone) {
        errors.add(
            &format!("{prefix}.phone"),
            "invalid",
            "A phone number of 7 to 20 digits.",
        );
    }
    if address.postal_code.len() != 5 || !address.postal_code.chars().all(|c| c.is_ascii_digit()) {
        errors.add(
            &format!("{prefix}.postal_code"),
            "invalid",
            "An Indonesian postal code of 5 digits.",
        );
    }
}

/// A line priced and ready to be written.
#[derive(Debug, Clone)]
pub(crate) struct PricedLine {
    pub variant_id: Uuid,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    pub unit_price: Money,
    pub warehouse_id: Uuid,
}

/// Everything needed to write a new order.
pub(crate) struct NewOrder {
    pub id: Uuid,
    /// From [`take_number`], before the order's transaction starts.
    pub number: String,
    pub channel: String,
    pub channel_order_id: Option<String>,
    pub source: &'static str,
    pub status: OrderStatus,
    pub customer: Customer,
    pub address: Option<ShippingAddress>,
    pub totals: OrderTotals,
    pub lines: Vec<PricedLine>,
    pub settings: OrderSettings,
    pub payment_method: Option<PaymentMethod>,
    pub reservation_id: Option<Uuid>,
    pub shipping_rate_id: Option<Uuid>,
    pub shipping_service: Option<String>,
    pub review_reasons: Vec<String>,
    pub note: Option<String>,
    pub checkout_key: Option<String>,
    pub cart_id: Option<Uuid>,
    pub placed_at: DateTime<Utc>,
}

/// Writes a new order, its lines, the first history entry and `order.created`; answers the
/// order and its lines as written.
pub(crate) async fn insert(
    tx: &mut WriteTx,
    caller: &Caller,
    new: NewOrder,
) -> OrdersResult<(order::Model, Vec<line::Model>)> {
    let tenant = caller.tenant;
    let number = new.number.clone();
    let held = !new.review_reasons.is_empty();
    let model = order::ActiveModel {
        id: Set(new.id),
        tenant_id: Set(tenant.as_uuid()),
        number: Set(number.clone()),
        channel: Set(new.channel.clone()),
        channel_order_id: Set(new.channel_order_id.clone()),
        source: Set(new.source.to_owned()),
        status: Set(new.status.as_str().to_owned()),
        customer_id: Set(None),
        customer_name: Set(new.customer.name.trim().to_owned()),
        customer_email: Set(new.customer.email.clone()),
        customer_phone: Set(new.customer.phone.clone()),
        customer_key: Set(new.customer.key()),
        address_key: Set(new
            .address
            .as_ref()
            .map(|a| address_key(&a.address, &a.postal_code))),
        card_key: Set(None),
        shipping_address: Set(new
            .address
            .as_ref()
            .map(|a| serde_json::to_string(a).unwrap_or_default())),
        currency: Set(new.totals.currency.code().to_owned()),
        subtotal_minor: Set(new.totals.subtotal.minor),
        discount_minor: Set(new.totals.discount.minor),
        shipping_minor: Set(new.totals.shipping.minor),
        tax_minor: Set(new.totals.tax.minor),
        total_minor: Set(new.totals.total.minor),
        tax_rate_bp: Set(i32::try_from(new.settings.tax_rate_bp).unwrap_or(0)),
        prices_include_tax: Set(new.settings.prices_include_tax),
        payment_method: Set(new.payment_method.map(|m| m.as_str().to_owned())),
        payment_id: Set(None),
        paid_minor: Set(0),
        reservation_id: Set(new.reservation_id),
        shipping_rate_id: Set(new.shipping_rate_id),
        shipping_service: Set(new.shipping_service.clone()),
        shipment_id: Set(None),
        awb: Set(None),
        review_status: Set(if held { "held" } else { "none" }.to_owned()),
        review_reasons: Set(
            held.then(|| serde_json::to_string(&new.review_reasons).unwrap_or_default())
        ),
        note: Set(new.note.clone()),
        cancel_reason: Set(None),
        checkout_key: Set(new.checkout_key.clone()),
        cart_id: Set(new.cart_id),
        version: Set(1),
        placed_at: Set(new.placed_at),
        updated_at: Set(new.placed_at),
    }
    .insert(&**tx)
    .await?;
    let mut model = model;
    let lines: Vec<line::Model> = new
        .lines
        .iter()
        .zip(&new.totals.lines)
        .enumerate()
        .map(|(index, (priced, money))| line::Model {
            id: Uuid::now_v7(),
            tenant_id: tenant.as_uuid(),
            order_id: new.id,
            line_no: i32::try_from(index).unwrap_or(i32::MAX),
            variant_id: priced.variant_id,
            sku: priced.sku.clone(),
            name: priced.name.clone(),
            quantity: priced.quantity,
            unit_price_minor: priced.unit_price.minor,
            subtotal_minor: money.subtotal.minor,
            discount_minor: money.discount.minor,
            shipping_minor: money.shipping.minor,
            tax_minor: money.tax.minor,
            total_minor: money.total.minor,
            warehouse_id: Some(priced.warehouse_id),
            returned_quantity: 0,
        })
        .collect();
    // All the lines in one statement; the order view is built from these rows, not read back.
    line::Entity::insert_many(lines.iter().cloned().map(line::ActiveModel::from))
        .exec_without_returning(&**tx)
        .await?;
    let snapshots: Vec<OrderLineSnapshot> = lines
        .iter()
        .zip(&new.totals.lines)
        .map(|(line, money)| OrderLineSnapshot {
            line_id: line.id,
            variant_id: line.variant_id,
            sku: line.sku.clone(),
            quantity: line.quantity,
            warehouse_id: line.warehouse_id,
            total: money.total,
        })
        .collect();
    history::append(
        tx,
        caller,
        new.id,
        "created",
        None,
        new.status,
        serde_json::json!({
            "number": number,
            "channel": new.channel,
            "source": new.source,
            "total_minor": new.totals.total.minor,
            "currency": new.totals.currency.code(),
            "reservation_id": new.reservation_id,
        }),
    )
    .await?;
    if held {
        model = history::note(
            tx,
            caller,
            &model,
            "review_held",
            serde_json::json!({ "reasons": new.review_reasons }),
        )
        .await?;
    }
    tx.publish(
        tenant,
        &OrderEvent::Created {
            order_id: new.id,
            number,
            channel: new.channel,
            customer_id: None,
            total: new.totals.total,
            lines: snapshots,
        },
    )
    .await?;
    Ok((model, lines))
}

/// Takes the store's next order number of the day, in a statement of its own.
///
/// Every order of a store bumps the same counter row, so whoever bumps it holds that row's lock
/// until their transaction ends. Bumping it inside the order's transaction made every checkout
/// of a store wait for the previous one's whole write on PostgreSQL; here the lock lasts one
/// statement. The price is that an order whose placement fails after this leaves a gap in the
/// day's numbers. On SQLite, whose writers queue for one lock anyway, the bump is its own short
/// write transaction so that it waits in that queue rather than on the busy timeout.
pub(crate) async fn take_number(
    ctx: &OrdersCtx,
    tenant: TenantId,
    at: DateTime<Utc>,
) -> OrdersResult<String> {
    match ctx.db.backend() {
        Backend::Postgres => Ok(queries::next_number(ctx.db.conn(), tenant, at).await?),
        Backend::Sqlite => {
            let tx = ctx.db.begin_write().await?;
            let number = queries::next_number(&*tx, tenant, at).await?;
            tx.commit().await?;
            Ok(number)
        }
    }
}

/// [`take_number`] for an order whose stock is already held: if no number can be taken, the
/// hold is given back before the error is answered.
pub(crate) async fn take_number_or_release(
    ctx: &OrdersCtx,
    tenant: TenantId,
    at: DateTime<Utc>,
    reservation: Uuid,
) -> OrdersResult<String> {
    let taken = take_number(ctx, tenant, at).await;
    if taken.is_err() {
        release_quietly(ctx, tenant, reservation).await;
    }
    taken
}

/// Prices each requested line with the catalogue (unless the seller set the price by hand).
pub(crate) async fn price_lines(
    ctx: &OrdersCtx,
    tenant: TenantId,
    channel: &str,
    requested: &[(Uuid, i64, Option<Money>, Uuid)],
    currency: Currency,
) -> OrdersResult<Vec<PricedLine>> {
    let pricing_channel = match channel {
        "shopee" | "tokopedia" | "lazada" | "tiktok" => channel,
        _ => "own_store",
    };
    let mut errors = FieldErrors::new();
    let mut priced = Vec::with_capacity(requested.len());
    // One call for all the lines: the catalogue reads what they share once.
    let quotes = ctx
        .pricing
        .quote_many(
            tenant,
            requested
                .iter()
                .map(|(variant_id, quantity, _, _)| PriceQuoteRequest {
                    variant_id: *variant_id,
                    channel: pricing_channel.to_owned(),
                    customer_group: None,
                    quantity: *quantity,
                    at: None,
                })
                .collect(),
        )
        .await;
    if quotes.len() != requested.len() {
        return Err(OrdersError::Unavailable {
            service: "pricing",
            message: format!("{} quotes for {} lines", quotes.len(), requested.len()),
        });
    }
    for (index, ((variant_id, quantity, manual_price, warehouse_id), quote)) in
        requested.iter().zip(quotes).enumerate()
    {
        let quote = match quote {
            Ok(quote) => quote,
            Err(smartseller_contracts::catalog::PricingError::UnknownVariant { .. }) => {
                errors.add(
                    &format!("lines[{index}].variant_id"),
                    "unknown_variant",
                    "No such variant in this store.",
                );
                continue;
            }
            Err(smartseller_contracts::catalog::PricingError::Invalid(message)) => {
                errors.add(&format!("lines[{index}]"), "invalid", message);
                continue;
            }
            Err(smartseller_contracts::catalog::PricingError::Unavailable(message)) => {
                return Err(OrdersError::Unavailable {
                    service: "pricing",
                    message,
                });
            }
        };
        if !quote.status.is_empty() && quote.status != "active" {
            errors.add(
                &format!("lines[{index}].variant_id"),
                "not_for_sale",
                format!(
                    "This variant is {}; only active variants are sold.",
                    quote.status
                ),
            );
            continue;
        }
        let unit_price = manual_price.unwrap_or(quote.unit_price);
        if unit_price.currency != currency {
            errors.add(
                &format!("lines[{index}]"),
                "currency_mismatch",
                format!("Prices must be in {currency}."),
            );
            continue;
        }
        priced.push(PricedLine {
            variant_id: *variant_id,
            sku: quote.sku,
            name: quote.name,
            quantity: *quantity,
            unit_price,
            warehouse_id: *warehouse_id,
        });
    }
    errors.finish()?;
    Ok(priced)
}

/// Holds the lines' stock until `expires_at`, or explains which line ran out.
pub(crate) async fn hold_stock(
    ctx: &OrdersCtx,
    tenant: TenantId,
    order_id: Uuid,
    lines: &[PricedLine],
    expires_at: DateTime<Utc>,
) -> OrdersResult<Uuid> {
    let held = ctx
        .stock
        .reserve(
            tenant,
            ReservationRequest {
                lines: lines
                    .iter()
                    .map(|l| StockLine {
                        variant_id: l.variant_id,
                        warehouse_id: l.warehouse_id,
                        quantity: l.quantity,
                    })
                    .collect(),
                expires_at,
                reference: Some(StockReference {
                    kind: "order".to_owned(),
                    id: order_id.to_string(),
                }),
            },
        )
        .await
        .map_err(|error| match error {
            ReservationError::InsufficientStock {
                variant_id,
                available,
                ..
            } => OrdersError::OutOfStock {
                variant_id,
                available,
            },
            ReservationError::UnknownVariant { variant_id } => {
                OrdersError::Invalid(FieldErrors::single(
                    "lines",
                    "unknown_variant",
                    format!("Variant {variant_id} cannot be sold from stock."),
                ))
            }
            ReservationError::UnknownWarehouse { warehouse_id } => {
                OrdersError::Invalid(FieldErrors::single(
                    "warehouse_id",
                    "unknown_warehouse",
                    format!("Warehouse {warehouse_id} cannot ship stock."),
                ))
            }
            ReservationError::Invalid(message) => {
                OrdersError::Invalid(FieldErrors::single("lines", "invalid", message))
            }
            other => OrdersError::Unavailable {
                service: "inventory",
                message: other.to_string(),
            },
        })?;
    Ok(held.reservation_id)
}

/// Gives a hold back after a later step failed. Failing to is logged, not raised: the hold
/// lapses on its own at its expiry, so no stock stays locked for long.
pub(crate) async fn release_quietly(ctx: &OrdersCtx, tenant: TenantId, reservation: Uuid) {
    if let Err(error) = ctx.stock.release(tenant, reservation).await {
        tracing::warn!(%error, %reservation, "could not give back a stock hold; it will lapse");
    }
}

/// Items as a gateway shows them; their prices sum exactly to the order total because each is
/// the line's allocated total spread over its units (a remainder goes on an extra line).
pub(crate) fn payment_items(lines: &[PricedLine], totals: &OrderTotals) -> Vec<PaymentItem> {
    let mut items = Vec::new();
    for (priced, money) in lines.iter().zip(&totals.lines) {
        let unit = money.total.minor / priced.quantity;
        let remainder = money.total.minor - unit * priced.quantity;
        items.push(PaymentItem {
            sku: priced.sku.clone(),
            name: priced.name.clone(),
            unit_price: Money::new(unit, totals.currency),
            quantity: priced.quantity,
        });
        if remainder != 0 {
            items.push(PaymentItem {
                sku: priced.sku.clone(),
                name: format!("{} (rounding)", priced.name),
                unit_price: Money::new(remainder, totals.currency),
                quantity: 1,
            });
        }
    }
    items
}

/// How the buyer will pay for an order about to be placed.
pub(crate) struct PaymentPlan<'a> {
    pub method: PaymentMethod,
    pub items: Vec<PaymentItem>,
    pub customer: &'a Customer,
    pub return_url: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub idempotency_key: String,
}

/// Opens the order's payment. A payment that cannot start leaves the error to the caller,
/// which compensates.
pub(crate) async fn start_payment(
    ctx: &OrdersCtx,
    caller: &Caller,
    placed: &order::Model,
    plan: PaymentPlan<'_>,
) -> OrdersResult<PaymentView> {
    let currency = Currency::parse(&placed.currency).unwrap_or(Currency::Idr);
    ctx.payments
        .start(
            caller.tenant,
            StartPayment {
                order_id: placed.id,
                order_number: placed.number.clone(),
                method: plan.method,
                amount: Money::new(placed.total_minor, currency),
                items: plan.items,
                customer: PaymentCustomer {
                    name: plan.customer.name.clone(),
                    email: plan.customer.email.clone(),
                    phone: plan.customer.phone.clone(),
                },
                return_url: plan.return_url,
                expires_at: plan.expires_at,
                idempotency_key: plan.idempotency_key,
            },
        )
        .await
        .map_err(payment_error)
}

pub(crate) fn payment_error(error: PaymentError) -> OrdersError {
    match error {
        PaymentError::Invalid(message) => {
            OrdersError::Invalid(FieldErrors::single("payment_method", "invalid", message))
        }
        PaymentError::Unavailable(message) => OrdersError::Unavailable {
            service: "payments",
            message,
        },
        other => OrdersError::Refused {
            service: "payments",
            message: other.to_string(),
        },
    }
}

pub(crate) fn shipping_error(error: ShippingError) -> OrdersError {
    match error {
        ShippingError::RateExpired => OrdersError::RateExpired,
        ShippingError::Invalid(message) => {
            OrdersError::Invalid(FieldErrors::single("shipping", "invalid", message))
        }
        ShippingError::Unavailable(message) => OrdersError::Unavailable {
            service: "shipping",
            message,
        },
        other => OrdersError::Refused {
            service: "shipping",
            message: other.to_string(),
        },
    }
}

/// Writes the started payment onto the order (and confirms a cash-on-delivery order).
pub(crate) async fn attach_payment(
    ctx: &OrdersCtx,
    caller: &Caller,
    placed: &order::Model,
    payment: &PaymentView,
) -> OrdersResult<order::Model> {
    let mut tx = ctx.db.begin_write().await?;
    // Recording the payment bumps the version, which takes the order's row lock before the
    // history entry is numbered (see `history::note`).
    let update = order::Entity::update_many()
        .col_expr(order::Column::PaymentId, Expr::value(payment.payment_id))
        .col_expr(
            order::Column::Version,
            Expr::col(order::Column::Version).add(1),
        )
        .filter(order::Column::Id.eq(placed.id))
        .filter(order::Column::TenantId.eq(placed.tenant_id));
    let mut current = if (*tx).support_returning() {
        update.exec_with_returning(&*tx).await?.into_iter().next()
    } else {
        update.exec(&*tx).await?;
        queries::find_order(&*tx, caller.tenant, placed.id).await?
    }
    .ok_or(OrdersError::NotFound("order"))?;
    let status = history::parse_status(&current.status)?;
    history::append(
        &tx,
        caller,
        current.id,
        "payment_started",
        Some(status),
        status,
        serde_json::json!({
            "payment_id": payment.payment_id,
            "method": payment.method.as_str(),
            "status": payment.status.as_str(),
        }),
    )
    .await?;
    if payment.method == PaymentMethod::Cod {
        current = history::transition(
            &tx,
            caller,
            &current,
            OrderAction::ConfirmCod,
            Changes::default(),
            serde_json::json!({}),
        )
        .await?;
        tx.publish(
            caller.tenant,
            &OrderEvent::CodConfirmed {
                order_id: current.id,
                number: current.number.clone(),
                reservation_id: current.reservation_id,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(current)
}

/// Cancels an order a later step failed for, in its own transaction; the hold goes back
/// through `order.cancelled`.
pub(crate) async fn cancel_after_failure(
    ctx: &OrdersCtx,
    caller: &Caller,
    order_id: Uuid,
    reason: &str,
) {
    let result: OrdersResult<()> = async {
        let mut tx = ctx.db.begin_write().await?;
        let current = queries::find_order(&*tx, caller.tenant, order_id)
            .await?
            .ok_or(OrdersError::NotFound("order"))?;
        cancel_in(&mut tx, caller, &current, reason).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if let Err(error) = result {
        tracing::error!(%error, %order_id, "could not cancel an order after a failed checkout step");
    }
}

/// The cancellation itself, inside the caller's transaction.
pub(crate) async fn cancel_in(
    tx: &mut WriteTx,
    caller: &Caller,
    current: &order::Model,
    reason: &str,
) -> OrdersResult<order::Model> {
    let cancelled = history::transition(
        tx,
        caller,
        current,
        OrderAction::Cancel,
        Changes {
            cancel_reason: Some(reason.to_owned()),
            ..Changes::default()
        },
        serde_json::json!({}),
    )
    .await?;
    tx.publish(
        caller.tenant,
        &OrderEvent::Cancelled {
            order_id: current.id,
            number: current.number.clone(),
            reservation_id: current.reservation_id,
            reason: reason.to_owned(),
        },
    )
    .await?;
    Ok(cancelled)
}

/// What placing an order answers: the order and, when one was opened, its payment (with the
/// link to send the buyer).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlacedOrder {
    pub order: OrderView,
    #[schema(value_type = Option<Object>)]
    pub payment: Option<PaymentView>,
}

/// The answer to a repeated request: the order it placed the first time, with its payment.
pub(crate) async fn replay_placed(
    ctx: &OrdersCtx,
    tenant: TenantId,
    existing: order::Model,
) -> OrdersResult<PlacedOrder> {
    let payment = match existing.payment_id {
        Some(payment_id) => ctx.payments.get(tenant, payment_id).await.ok(),
        None => None,
    };
    Ok(PlacedOrder {
        order: get(ctx, tenant, existing.id).await?,
        payment,
    })
}

/// The fraud rules' verdict on an order about to be placed.
pub(crate) async fn assess_fraud(
    ctx: &OrdersCtx,
    tenant: TenantId,
    settings: &OrderSettings,
    customer: &Customer,
    address: Option<&ShippingAddress>,
    total_minor: i64,
    now: DateTime<Utc>,
) -> OrdersResult<Vec<String>> {
    let rules = settings.fraud_rules();
    // Velocity needs two counts over recent orders; a store that set no velocity limit pays
    // for neither.
    let recent =
        if rules.max_orders_per_customer.is_none() && rules.max_orders_per_address.is_none() {
            fraud::RecentOrders::default()
        } else {
            let since = now - Duration::minutes(rules.window_minutes);
            let customer = rules.max_orders_per_customer.and(customer.key());
            let address = rules
                .max_orders_per_address
                .and(address.map(|a| address_key(&a.address, &a.postal_code)));
            queries::recent_orders(
                ctx.db.conn(),
                tenant,
                customer.as_deref(),
                address.as_deref(),
                since,
            )
            .await?
        };
    Ok(fraud::assess(&rules, total_minor, recent))
}
