//! Returns: `/api/v1/orders/{id}/return` and `/api/v1/returns/{id}/...`.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use smartseller_web::auth::{Actor, perm};
use smartseller_web::idempotency::RequireIdempotencyKey;
use smartseller_web::{ApiResult, Json, Path};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::orders::PlacedOrder;
use crate::app::returns::{
    self, ExchangeRequest, ReceiveRequest, RefundReturn, ReturnRequest, ReturnView,
};
use crate::app::{Caller, OrdersCtx};

/// Opens a return (RMA) for some units of a shipped order.
#[utoipa::path(post, path = "/api/v1/orders/{id}/return", tag = "returns", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = ReturnRequest,
    responses((status = 201, body = ReturnView), (status = 404, body = smartseller_web::Problem),
        (status = 409, description = "`orders.illegal_transition`", body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn request_return(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersWrite>,
    Path(id): Path<Uuid>,
    Json(body): Json<ReturnRequest>,
) -> ApiResult<(StatusCode, Json<ReturnView>)> {
    let opened = returns::request(&ctx, &Caller::from(&actor.principal), id, body).await?;
    Ok((StatusCode::CREATED, Json(opened)))
}

/// The order's returns.
#[utoipa::path(get, path = "/api/v1/orders/{id}/return", tag = "returns", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = Vec<ReturnView>), (status = 404, body = smartseller_web::Problem)))]
pub async fn order_returns(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<ReturnView>>> {
    crate::app::orders::get(&ctx, actor.tenant, id).await?;
    Ok(Json(returns::list_for_order(&ctx, actor.tenant, id).await?))
}

#[utoipa::path(get, path = "/api/v1/returns/{id}", tag = "returns", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = ReturnView), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_return(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ReturnView>> {
    Ok(Json(returns::get(&ctx, actor.tenant, id).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub note: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/returns/{id}/approve", tag = "returns", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = Decision,
    responses((status = 200, body = ReturnView), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem)))]
pub async fn approve_return(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersWrite>,
    Path(id): Path<Uuid>,
    Json(body): Json<Decision>,
) -> ApiResult<Json<ReturnView>> {
    Ok(Json(
        returns::decide(&ctx, &Caller::from(&actor.principal), id, true, body.note).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/returns/{id}/reject", tag = "returns", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = Decision,
    responses((status = 200, body = ReturnView), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem)))]
pub async fn reject_return(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersWrite>,
    Path(id): Path<Uuid>,
    Json(body): Json<Decision>,
) -> ApiResult<Json<ReturnView>> {
    Ok(Json(
        returns::decide(&ctx, &Caller::from(&actor.principal), id, false, body.note).await?,
    ))
}

/// Records what came back and in what condition: `restock` goes back on hand, `damaged` is
/// written off.
#[utoipa::path(post, path = "/api/v1/returns/{id}/receive", tag = "returns", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = ReceiveRequest,
    responses((status = 200, body = ReturnView), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn receive_return(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersWrite>,
    Path(id): Path<Uuid>,
    Json(body): Json<ReceiveRequest>,
) -> ApiResult<Json<ReturnView>> {
    Ok(Json(
        returns::receive(&ctx, &Caller::from(&actor.principal), id, body).await?,
    ))
}

/// Refunds a received return, all or part, through the order's payment. Needs an
/// `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/returns/{id}/refund", tag = "returns", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = RefundReturn,
    responses((status = 200, body = ReturnView), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn refund_return(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::PaymentsRefund>,
    _key: RequireIdempotencyKey,
    Path(id): Path<Uuid>,
    Json(body): Json<RefundReturn>,
) -> ApiResult<Json<ReturnView>> {
    Ok(Json(
        returns::refund(&ctx, &Caller::from(&actor.principal), id, body).await?,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Exchanged {
    #[serde(rename = "return")]
    pub returned: ReturnView,
    pub exchange: PlacedOrder,
}

/// Sends other variants for a received return, as a new order at no charge.
#[utoipa::path(post, path = "/api/v1/returns/{id}/exchange", tag = "returns", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = ExchangeRequest,
    responses((status = 200, body = Exchanged), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn exchange_return(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersWrite>,
    Path(id): Path<Uuid>,
    Json(body): Json<ExchangeRequest>,
) -> ApiResult<Json<Exchanged>> {
    let (returned, exchange) =
        returns::exchange(&ctx, &Caller::from(&actor.principal), id, body).await?;
    Ok(Json(Exchanged { returned, exchange }))
}
