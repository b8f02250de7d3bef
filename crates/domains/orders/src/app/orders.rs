//! Orders: placing one (shared by checkout and manual orders), reading and listing them, the
//! seller's edits, and the moves a seller makes by hand (process, complete, cancel, review).

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use smartseller_contracts::catalog::PriceQuoteRequest;
use smartseller_contracts::inventory::{
    ReservationError, ReservationRequest, StockLine, StockReference,
};
use smartseller_contracts::orders::{OrderEvent, OrderLineSnapshot};
use smartseller_contracts::payments::{
    PaymentCustomer, PaymentError, PaymentItem, PaymentMethod, PaymentView, RefundRequest,
    StartPayment,
};
use smartseller_contracts::shipping::{ShippingAddress, ShippingError};
use smartseller_kernel::money::{Currency, Money};
use smartseller_kernel::page::{Page, PageRequest};
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, clock};
use smartseller_platform::db::WriteTx;
use uuid::Uuid;

use super::history::{self, Changes};
use super::settings::{self, OrderSettings};
use super::{Caller, OrdersCtx, OrdersError, OrdersResult, is_unique_violation};
use crate::domain::fraud::{self, address_key};
use crate::domain::totals::{self, LineInput, OrderTotals};
use crate::domain::{OrderAction, OrderStatus};
use crate::store::queries::{self, OrderFilter};
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

/// Writes a new order, its lines, the first history entry and `order.created`.
pub(crate) async fn insert(
    tx: &mut WriteTx,
    caller: &Caller,
    new: NewOrder,
) -> OrdersResult<order::Model> {
    let tenant = caller.tenant;
    let number = queries::next_number(&**tx, tenant, new.placed_at).await?;
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
    let mut snapshots = Vec::with_capacity(new.lines.len());
    for (index, (priced, money)) in new.lines.iter().zip(&new.totals.lines).enumerate() {
        let id = Uuid::now_v7();
        line::ActiveModel {
            id: Set(id),
            tenant_id: Set(tenant.as_uuid()),
            order_id: Set(new.id),
            line_no: Set(i32::try_from(index).unwrap_or(i32::MAX)),
            variant_id: Set(priced.variant_id),
            sku: Set(priced.sku.clone()),
            name: Set(priced.name.clone()),
            quantity: Set(priced.quantity),
            unit_price_minor: Set(priced.unit_price.minor),
            subtotal_minor: Set(money.subtotal.minor),
            discount_minor: Set(money.discount.minor),
            shipping_minor: Set(money.shipping.minor),
            tax_minor: Set(money.tax.minor),
            total_minor: Set(money.total.minor),
            warehouse_id: Set(Some(priced.warehouse_id)),
            returned_quantity: Set(0),
        }
        .insert(&**tx)
        .await?;
        snapshots.push(OrderLineSnapshot {
            line_id: id,
            variant_id: priced.variant_id,
            sku: priced.sku.clone(),
            quantity: priced.quantity,
            warehouse_id: Some(priced.warehouse_id),
            total: money.total,
        });
    }
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
    Ok(model)
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
    for (index, (variant_id, quantity, manual_price, warehouse_id)) in requested.iter().enumerate()
    {
        let quote = ctx
            .pricing
            .quote(
                tenant,
                PriceQuoteRequest {
                    variant_id: *variant_id,
                    channel: pricing_channel.to_owned(),
                    customer_group: None,
                    quantity: *quantity,
                    at: None,
                },
            )
            .await;
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
    let current = queries::find_order(&*tx, caller.tenant, placed.id)
        .await?
        .ok_or(OrdersError::NotFound("order"))?;
    order::Entity::update_many()
        .col_expr(order::Column::PaymentId, Expr::value(payment.payment_id))
        .filter(order::Column::Id.eq(current.id))
        .filter(order::Column::TenantId.eq(current.tenant_id))
        .exec(&*tx)
        .await?;
    let mut current = history::note(
        &tx,
        caller,
        &current,
        "payment_started",
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
    let mut items = Vec::with_capacity(page.items.len());
    for row in page.items {
        let lines = queries::lines(conn, tenant, row.id).await?;
        items.push(view(row, lines));
    }
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

/// What placing an order answers: the order and, when one was opened, its payment (with the
/// link to send the buyer).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlacedOrder {
    pub order: OrderView,
    #[schema(value_type = Option<Object>)]
    pub payment: Option<PaymentView>,
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
    let new = NewOrder {
        id: order_id,
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
            Ok(inserted) => inserted,
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
    let since = now - Duration::minutes(rules.window_minutes);
    let address = address.map(|a| address_key(&a.address, &a.postal_code));
    let recent = queries::recent_orders(
        ctx.db.conn(),
        tenant,
        customer.key().as_deref(),
        address.as_deref(),
        since,
    )
    .await?;
    Ok(fraud::assess(&rules, total_minor, recent))
}
