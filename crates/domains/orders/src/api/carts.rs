//! `/api/v1/carts`: a buyer's cart, its delivery options, and checkout.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use smartseller_contracts::shipping::ShippingRate;
use smartseller_web::auth::{Actor, perm};
use smartseller_web::idempotency::RequireIdempotencyKey;
use smartseller_web::{ApiResult, Json, Path};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::carts::{self, CartDraft, CartRatesRequest, CartView};
use crate::app::checkout::{self, CheckoutRequest};
use crate::app::orders::PlacedOrder;
use crate::app::{Caller, OrdersCtx};

/// Starts a cart.
#[utoipa::path(post, path = "/api/v1/carts", tag = "carts", security(("bearer" = []), ("api_key" = [])),
    request_body = CartDraft, responses((status = 201, body = CartView), (status = 422, body = smartseller_web::Problem)))]
pub async fn create_cart(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersWrite>,
    Json(draft): Json<CartDraft>,
) -> ApiResult<(StatusCode, Json<CartView>)> {
    let cart = carts::create(&ctx, &Caller::from(&actor.principal), draft).await?;
    Ok((StatusCode::CREATED, Json(cart)))
}

/// The cart with today's prices.
#[utoipa::path(get, path = "/api/v1/carts/{id}", tag = "carts", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = CartView), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_cart(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<CartView>> {
    Ok(Json(carts::get(&ctx, actor.tenant, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetQuantity {
    /// 0 takes the item out.
    pub quantity: i64,
}

/// Sets how many of a variant the cart holds.
#[utoipa::path(put, path = "/api/v1/carts/{id}/items/{variant_id}", tag = "carts", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path), ("variant_id" = Uuid, Path)), request_body = SetQuantity,
    responses((status = 200, body = CartView), (status = 404, body = smartseller_web::Problem),
        (status = 409, description = "`orders.cart_closed`", body = smartseller_web::Problem)))]
pub async fn set_item(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersWrite>,
    Path((id, variant_id)): Path<(Uuid, Uuid)>,
    Json(body): Json<SetQuantity>,
) -> ApiResult<Json<CartView>> {
    let cart = carts::set_item(
        &ctx,
        &Caller::from(&actor.principal),
        id,
        variant_id,
        body.quantity,
    )
    .await?;
    Ok(Json(cart))
}

/// Delivery options for the cart's parcel, each under a `rate_id` checkout accepts.
#[utoipa::path(post, path = "/api/v1/carts/{id}/shipping-rates", tag = "carts", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = CartRatesRequest,
    responses((status = 200, body = Vec<Object>), (status = 404, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn shipping_rates(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersWrite>,
    Path(id): Path<Uuid>,
    Json(body): Json<CartRatesRequest>,
) -> ApiResult<Json<Vec<ShippingRate>>> {
    Ok(Json(
        carts::shipping_rates(&ctx, actor.tenant, id, body).await?,
    ))
}

/// Places the order: prices, stock held, tax, delivery and the payment opened. Needs an
/// `Idempotency-Key`; a retry answers the same order.
#[utoipa::path(post, path = "/api/v1/carts/{id}/checkout", tag = "carts", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = CheckoutRequest,
    responses((status = 201, body = PlacedOrder),
        (status = 409, description = "`orders.out_of_stock`, `orders.cart_closed`, `orders.shipping_rate_expired`", body = smartseller_web::Problem),
        (status = 422, body = smartseller_web::Problem), (status = 503, body = smartseller_web::Problem)))]
pub async fn checkout(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersWrite>,
    RequireIdempotencyKey(key): RequireIdempotencyKey,
    Path(id): Path<Uuid>,
    Json(body): Json<CheckoutRequest>,
) -> ApiResult<(StatusCode, Json<PlacedOrder>)> {
    let placed = checkout::checkout(
        &ctx,
        &Caller::from(&actor.principal),
        id,
        body,
        format!("{id}:{key}"),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(placed)))
}
