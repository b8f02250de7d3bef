//! Carts: what a buyer collects before checking out. A cart holds no stock and fixes no price;
//! both are settled at checkout.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use smartseller_contracts::catalog::PriceQuoteRequest;
use smartseller_contracts::shipping::{RateRequest, ShippingAddress, ShippingRate};
use smartseller_kernel::money::Money;
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, clock};
use smartseller_platform::db::WriteTx;
use uuid::Uuid;

use super::orders::{Customer, check_address, shipping_error};
use super::settings;
use super::{Caller, OrdersCtx, OrdersError, OrdersResult};
use crate::store::{cart, cart_item};

pub const MAX_ITEMS: usize = 100;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartDraft {
    /// `own_store` unless set.
    pub channel: Option<String>,
    pub customer: Option<Customer>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CartItemView {
    pub variant_id: Uuid,
    pub quantity: i64,
    pub sku: Option<String>,
    pub name: Option<String>,
    /// Today's price for the quantity; settled again at checkout.
    pub unit_price: Option<Money>,
    pub line_price: Option<Money>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CartView {
    pub id: Uuid,
    /// `open` or `checked_out`.
    pub status: String,
    pub channel: String,
    pub customer: Option<Customer>,
    pub order_id: Option<Uuid>,
    pub items: Vec<CartItemView>,
    pub subtotal: Option<Money>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn create(ctx: &OrdersCtx, caller: &Caller, draft: CartDraft) -> OrdersResult<CartView> {
    let mut errors = FieldErrors::new();
    let channel = draft.channel.unwrap_or_else(|| "own_store".to_owned());
    if !super::orders::CHANNELS.contains(&channel.as_str()) {
        errors.add("channel", "unknown_channel", "Not a sales channel.");
    }
    if let Some(customer) = &draft.customer {
        customer.check("customer", &mut errors);
    }
    errors.finish()?;
    let now = clock::now();
    let id = Uuid::now_v7();
    let tx = ctx.db.begin_write().await?;
    cart::ActiveModel {
        id: Set(id),
        tenant_id: Set(caller.tenant.as_uuid()),
        status: Set("open".to_owned()),
        channel: Set(channel),
        customer_name: Set(draft.customer.as_ref().map(|c| c.name.trim().to_owned())),
        customer_email: Set(draft.customer.as_ref().and_then(|c| c.email.clone())),
        customer_phone: Set(draft.customer.as_ref().and_then(|c| c.phone.clone())),
        order_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*tx)
    .await?;
    tx.commit().await?;
    get(ctx, caller.tenant, id).await
}

pub(crate) async fn find(
    conn: &impl sea_orm::ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> OrdersResult<(cart::Model, Vec<cart_item::Model>)> {
    let found = cart::Entity::find_by_id(id)
        .filter(cart::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await?
        .ok_or(OrdersError::NotFound("cart"))?;
    let items = cart_item::Entity::find()
        .filter(cart_item::Column::TenantId.eq(tenant.as_uuid()))
        .filter(cart_item::Column::CartId.eq(id))
        .order_by_asc(cart_item::Column::AddedAt)
        .order_by_asc(cart_item::Column::Id)
        .all(conn)
        .await?;
    Ok((found, items))
}

/// The cart with today's prices; a line the catalogue cannot price shows without one.
pub async fn get(ctx: &OrdersCtx, tenant: TenantId, id: Uuid) -> OrdersResult<CartView> {
    let (found, items) = find(ctx.db.conn(), tenant, id).await?;
    let mut views = Vec::with_capacity(items.len());
    let mut subtotal: Option<Money> = None;
    for item in items {
        let quote = ctx
            .pricing
            .quote(
                tenant,
                PriceQuoteRequest {
                    variant_id: item.variant_id,
                    channel: "own_store".to_owned(),
                    customer_group: None,
                    quantity: item.quantity,
                    at: None,
                },
            )
            .await
            .ok();
        if let Some(quote) = &quote {
            subtotal = Some(match subtotal {
                None => quote.line_price,
                Some(sum) => sum.checked_add(quote.line_price).unwrap_or(sum),
            });
        }
        views.push(CartItemView {
            variant_id: item.variant_id,
            quantity: item.quantity,
            sku: quote.as_ref().map(|q| q.sku.clone()),
            name: quote.as_ref().map(|q| q.name.clone()),
            unit_price: quote.as_ref().map(|q| q.unit_price),
            line_price: quote.as_ref().map(|q| q.line_price),
        });
    }
    let customer = found.customer_name.clone().map(|name| Customer {
        name,
        email: found.customer_email.clone(),
        phone: found.customer_phone.clone(),
    });
    Ok(CartView {
        id: found.id,
        status: found.status,
        channel: found.channel,
        customer,
        order_id: found.order_id,
        items: views,
        subtotal,
        created_at: found.created_at,
        updated_at: found.updated_at,
    })
}

async fn open_cart(tx: &WriteTx, tenant: TenantId, id: Uuid) -> OrdersResult<cart::Model> {
    let found = cart::Entity::find_by_id(id)
        .filter(cart::Column::TenantId.eq(tenant.as_uuid()))
        .one(&**tx)
        .await?
        .ok_or(OrdersError::NotFound("cart"))?;
    if found.status != "open" {
        return Err(OrdersError::CartClosed {
            status: found.status,
        });
    }
    Ok(found)
}

/// Sets how many of a variant the cart holds; zero takes it out.
pub async fn set_item(
    ctx: &OrdersCtx,
    caller: &Caller,
    cart_id: Uuid,
    variant_id: Uuid,
    quantity: i64,
) -> OrdersResult<CartView> {
    if !(0..=10_000).contains(&quantity) {
        return Err(FieldErrors::single("quantity", "out_of_range", "Between 0 and 10000.").into());
    }
    let tenant = caller.tenant;
    let tx = ctx.db.begin_write().await?;
    let found = open_cart(&tx, tenant, cart_id).await?;
    if quantity == 0 {
        cart_item::Entity::delete_many()
            .filter(cart_item::Column::CartId.eq(cart_id))
            .filter(cart_item::Column::VariantId.eq(variant_id))
            .exec(&*tx)
            .await?;
    } else {
        let count = cart_item::Entity::find()
            .filter(cart_item::Column::CartId.eq(cart_id))
            .filter(cart_item::Column::VariantId.ne(variant_id))
            .count(&*tx)
            .await?;
        if count >= MAX_ITEMS as u64 {
            return Err(FieldErrors::single(
                "variant_id",
                "cart_full",
                format!("A cart holds at most {MAX_ITEMS} different items."),
            )
            .into());
        }
        cart_item::Entity::insert(cart_item::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(tenant.as_uuid()),
            cart_id: Set(cart_id),
            variant_id: Set(variant_id),
            quantity: Set(quantity),
            warehouse_id: Set(None),
            added_at: Set(clock::now()),
        })
        .on_conflict(
            OnConflict::columns([cart_item::Column::CartId, cart_item::Column::VariantId])
                .update_column(cart_item::Column::Quantity)
                .to_owned(),
        )
        .exec(&*tx)
        .await?;
    }
    cart::Entity::update_many()
        .col_expr(cart::Column::Version, Expr::value(found.version + 1))
        .col_expr(cart::Column::UpdatedAt, Expr::value(clock::now()))
        .filter(cart::Column::Id.eq(cart_id))
        .exec(&*tx)
        .await?;
    tx.commit().await?;
    get(ctx, tenant, cart_id).await
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartRatesRequest {
    #[schema(value_type = Object)]
    pub destination: ShippingAddress,
    /// Courier codes to ask (`jne`, `jnt`, `sicepat`, `pos`...); all the store uses when empty.
    #[serde(default)]
    pub couriers: Vec<String>,
    #[serde(default)]
    pub cash_on_delivery: bool,
}

/// Delivery options for the cart's parcel: its weight from the catalogue (or the store's
/// default per item) and its value at today's prices.
pub async fn shipping_rates(
    ctx: &OrdersCtx,
    tenant: TenantId,
    cart_id: Uuid,
    request: CartRatesRequest,
) -> OrdersResult<Vec<ShippingRate>> {
    let mut errors = FieldErrors::new();
    check_address(&request.destination, "destination", &mut errors);
    errors.finish()?;
    let settings = settings::load(ctx.db.conn(), tenant).await?;
    let (_, items) = find(ctx.db.conn(), tenant, cart_id).await?;
    if items.is_empty() {
        return Err(FieldErrors::single("items", "empty", "The cart is empty.").into());
    }
    let mut weight = 0i64;
    let mut value = Money::zero(settings.currency);
    for item in &items {
        let quote = ctx
            .pricing
            .quote(
                tenant,
                PriceQuoteRequest {
                    variant_id: item.variant_id,
                    channel: "own_store".to_owned(),
                    customer_group: None,
                    quantity: item.quantity,
                    at: None,
                },
            )
            .await
            .ok();
        let unit_weight = quote
            .as_ref()
            .map(|q| q.weight_grams)
            .filter(|w| *w > 0)
            .unwrap_or(settings.default_item_weight_grams);
        weight = weight.saturating_add(unit_weight.saturating_mul(item.quantity));
        if let Some(quote) = quote {
            value = value.checked_add(quote.line_price).unwrap_or(value);
        }
    }
    ctx.shipping
        .quote(
            tenant,
            RateRequest {
                destination: request.destination,
                weight_grams: weight.max(1),
                goods_value: value,
                couriers: request.couriers,
                cash_on_delivery: request.cash_on_delivery,
            },
        )
        .await
        .map_err(shipping_error)
}
