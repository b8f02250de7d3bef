//! `/api/v1/orders`: the order inbox, manual orders, and the moves of an order's life.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use smartseller_contracts::shipping::ShipmentView;
use smartseller_web::auth::{Actor, perm};
use smartseller_web::pagination::{PageOf, PageQuery};
use smartseller_web::{ApiResult, Json, Path, Query};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::fulfilment::{self, ShipRequest};
use crate::app::history;
use crate::app::orders::{self, HistoryEntry, ManualOrder, OrderChanges, OrderView, PlacedOrder};
use crate::app::settings::{self, OrderSettings};
use crate::app::{Caller, OrdersCtx};
use crate::domain::{OrderAction, OrderStatus};
use crate::store::queries::OrderFilter;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrdersQuery {
    /// One status, e.g. `paid`.
    pub status: Option<String>,
    /// One channel, e.g. `whatsapp`.
    pub channel: Option<String>,
    /// An exact order number.
    pub number: Option<String>,
    /// The buyer's e-mail or phone, exactly.
    pub customer: Option<String>,
    /// Only orders the fraud rules hold (true) or only the others (false).
    pub held_for_review: Option<bool>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// Every channel's orders in one inbox, newest first.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", security(("bearer" = []), ("api_key" = [])), params(OrdersQuery),
    responses((status = 200, body = PageOf<OrderView>), (status = 422, body = smartseller_web::Problem)))]
pub async fn list_orders(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersRead>,
    Query(query): Query<OrdersQuery>,
) -> ApiResult<Json<PageOf<OrderView>>> {
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    }
    .to_request()?;
    let filter = OrderFilter {
        status: query.status,
        channel: query.channel,
        number: query.number,
        customer: query.customer,
        held_for_review: query.held_for_review,
    };
    Ok(Json(
        orders::list(&ctx, actor.tenant, &filter, page)
            .await?
            .into(),
    ))
}

/// A manual order (WhatsApp, Instagram, a phone call) or a marketplace import. Opens a payment
/// (bank transfer unless set) whose link can be sent to the buyer; `paid_elsewhere` records an
/// order already paid. An `Idempotency-Key` makes a retry answer the same order.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", security(("bearer" = []), ("api_key" = [])),
    request_body = ManualOrder,
    responses((status = 201, body = PlacedOrder), (status = 409, description = "`orders.out_of_stock`", body = smartseller_web::Problem),
        (status = 422, body = smartseller_web::Problem)))]
pub async fn create_order(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersWrite>,
    headers: HeaderMap,
    Json(body): Json<ManualOrder>,
) -> ApiResult<(StatusCode, Json<PlacedOrder>)> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|k| format!("manual:{k}"));
    let placed = orders::create_manual(&ctx, &Caller::from(&actor.principal), body, key).await?;
    Ok((StatusCode::CREATED, Json(placed)))
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = OrderView), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_order(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<OrderView>> {
    Ok(Json(orders::get(&ctx, actor.tenant, id).await?))
}

/// Edits the buyer's details, the delivery address (until the parcel is booked) and the note.
#[utoipa::path(put, path = "/api/v1/orders/{id}", tag = "orders", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = OrderChanges,
    responses((status = 200, body = OrderView), (status = 404, body = smartseller_web::Problem),
        (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn update_order(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersWrite>,
    Path(id): Path<Uuid>,
    Json(body): Json<OrderChanges>,
) -> ApiResult<Json<OrderView>> {
    Ok(Json(
        orders::update(&ctx, &Caller::from(&actor.principal), id, body).await?,
    ))
}

/// Every change to the order: who, when, what, and the status before and after.
#[utoipa::path(get, path = "/api/v1/orders/{id}/history", tag = "orders", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = Vec<HistoryEntry>), (status = 404, body = smartseller_web::Problem)))]
pub async fn order_history(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    Ok(Json(orders::history_of(&ctx, actor.tenant, id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Rebuilt {
    pub status: OrderStatus,
    /// The status replayed from the history; absent when the history is not a legal path.
    pub rebuilt: Option<OrderStatus>,
    pub consistent: bool,
}

/// Replays the order's history through the state machine and compares it with the order.
#[utoipa::path(get, path = "/api/v1/orders/{id}/history/rebuild", tag = "orders", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = Rebuilt), (status = 404, body = smartseller_web::Problem)))]
pub async fn rebuild_order(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Rebuilt>> {
    let order = orders::get(&ctx, actor.tenant, id).await?;
    let rebuilt = history::rebuild(&ctx, actor.tenant, id).await?;
    Ok(Json(Rebuilt {
        status: order.status,
        rebuilt,
        consistent: rebuilt == Some(order.status),
    }))
}

/// Books the courier at the chosen rate (the order is ready to ship and its label printable),
/// or records the airway bill of a parcel booked elsewhere (the order is shipped).
#[utoipa::path(post, path = "/api/v1/orders/{id}/ship", tag = "orders", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = ShipRequest,
    responses((status = 200, body = OrderView), (status = 404, body = smartseller_web::Problem),
        (status = 409, description = "`orders.illegal_transition`, `orders.held_for_review`", body = smartseller_web::Problem),
        (status = 422, body = smartseller_web::Problem)))]
pub async fn ship_order(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersWrite>,
    Path(id): Path<Uuid>,
    Json(body): Json<ShipRequest>,
) -> ApiResult<Json<OrderView>> {
    Ok(Json(
        fulfilment::ship(&ctx, &Caller::from(&actor.principal), id, body).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    pub reason: String,
}

/// Cancels the order: its stock goes back, an unpaid payment is voided and a paid one refunded.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = CancelBody,
    responses((status = 200, body = OrderView), (status = 404, body = smartseller_web::Problem),
        (status = 409, description = "`orders.illegal_transition`, with `current_status`", body = smartseller_web::Problem)))]
pub async fn cancel_order(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersWrite>,
    Path(id): Path<Uuid>,
    Json(body): Json<CancelBody>,
) -> ApiResult<Json<OrderView>> {
    Ok(Json(
        orders::cancel(&ctx, &Caller::from(&actor.principal), id, &body.reason).await?,
    ))
}

/// Starts preparing a paid order.
#[utoipa::path(post, path = "/api/v1/orders/{id}/process", tag = "orders", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = OrderView), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem)))]
pub async fn process_order(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersWrite>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<OrderView>> {
    Ok(Json(
        orders::advance(
            &ctx,
            &Caller::from(&actor.principal),
            id,
            OrderAction::Process,
        )
        .await?,
    ))
}

/// Closes a delivered order.
#[utoipa::path(post, path = "/api/v1/orders/{id}/complete", tag = "orders", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = OrderView), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem)))]
pub async fn complete_order(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersWrite>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<OrderView>> {
    Ok(Json(
        orders::advance(
            &ctx,
            &Caller::from(&actor.principal),
            id,
            OrderAction::Complete,
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// `approve` lets the order go on; `reject` cancels it.
    pub decision: String,
}

/// The seller's decision on an order the fraud rules held.
#[utoipa::path(post, path = "/api/v1/orders/{id}/review", tag = "orders", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = ReviewBody,
    responses((status = 200, body = OrderView), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn review_order(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersWrite>,
    Path(id): Path<Uuid>,
    Json(body): Json<ReviewBody>,
) -> ApiResult<Json<OrderView>> {
    let approve = match body.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            return Err(smartseller_kernel::validation::FieldErrors::single(
                "decision",
                "invalid",
                "approve or reject.",
            )
            .into());
        }
    };
    Ok(Json(
        orders::review(&ctx, &Caller::from(&actor.principal), id, approve).await?,
    ))
}

/// The order's shipment and where the parcel is.
#[utoipa::path(get, path = "/api/v1/orders/{id}/tracking", tag = "orders", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = Object), (status = 404, body = smartseller_web::Problem)))]
pub async fn order_tracking(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ShipmentView>> {
    Ok(Json(fulfilment::tracking(&ctx, actor.tenant, id).await?))
}

#[utoipa::path(get, path = "/api/v1/orders/settings", tag = "orders", security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = OrderSettings)))]
pub async fn get_settings(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::OrdersRead>,
) -> ApiResult<Json<OrderSettings>> {
    Ok(Json(settings::load(ctx.db.conn(), actor.tenant).await?))
}

/// PPN, the fulfilment warehouse, how long stock is held, and the fraud limits.
#[utoipa::path(put, path = "/api/v1/orders/settings", tag = "orders", security(("bearer" = []), ("api_key" = [])),
    request_body = OrderSettings, responses((status = 200, body = OrderSettings), (status = 422, body = smartseller_web::Problem)))]
pub async fn update_settings(
    State(ctx): State<OrdersCtx>,
    actor: Actor<perm::SettingsManage>,
    Json(body): Json<OrderSettings>,
) -> ApiResult<Json<OrderSettings>> {
    Ok(Json(settings::save(&ctx, actor.tenant, body).await?))
}
