//! `/api/v1/inventory/reservations`: holds on stock, for checkouts and the orders domain.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use smartseller_contracts::inventory::{ReservationRequest, StockLine, StockReference};
use smartseller_web::auth::{Actor, perm};
use smartseller_web::{ApiResult, Json, Path};
use utoipa::ToSchema;
use uuid::Uuid;

use super::levels::ReferenceBody;
use crate::app::reservations::{self, Hold, Reservation};
use crate::app::{Caller, InventoryCtx};

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockLineBody {
    pub variant_id: Uuid,
    pub warehouse_id: Uuid,
    pub quantity: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReserveStock {
    /// Every line is held, or none is.
    pub lines: Vec<StockLineBody>,
    /// When the hold lapses unless committed or released.
    pub expires_at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub reference: Option<ReferenceBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReservationView {
    pub id: Uuid,
    /// `held`, `committed`, `released` or `expired`.
    pub status: String,
    pub lines: Vec<StockLineBody>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub reference: Option<ReferenceBody>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<Reservation> for ReservationView {
    fn from(r: Reservation) -> Self {
        let response = r.to_response();
        Self {
            id: r.record.id,
            status: response.status.as_str().to_owned(),
            lines: response
                .lines
                .iter()
                .map(|l| StockLineBody {
                    variant_id: l.variant_id,
                    warehouse_id: l.warehouse_id,
                    quantity: l.quantity,
                })
                .collect(),
            expires_at: r.record.expires_at,
            reference: response.reference.map(|r| ReferenceBody {
                kind: r.kind,
                id: r.id,
            }),
            created_at: r.record.created_at,
            updated_at: r.record.updated_at,
        }
    }
}

impl From<ReserveStock> for ReservationRequest {
    fn from(req: ReserveStock) -> Self {
        ReservationRequest {
            lines: req
                .lines
                .iter()
                .map(|l| StockLine {
                    variant_id: l.variant_id,
                    warehouse_id: l.warehouse_id,
                    quantity: l.quantity,
                })
                .collect(),
            expires_at: req.expires_at,
            reference: req.reference.map(|r| StockReference {
                kind: r.kind,
                id: r.id,
            }),
        }
    }
}

/// Holds stock for an order: every line or none.
#[utoipa::path(post, path = "/api/v1/inventory/reservations", tag = "reservations", security(("bearer" = []), ("api_key" = [])),
    request_body = ReserveStock,
    responses((status = 201, body = ReservationView),
        (status = 409, description = "`inventory.insufficient_stock`, with `available`", body = smartseller_web::Problem),
        (status = 422, body = smartseller_web::Problem)))]
pub async fn reserve(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    Json(req): Json<ReserveStock>,
) -> ApiResult<Response> {
    let hold = Hold::parse(&req.into(), ctx.settings.max_hold)?;
    let held = reservations::reserve(&ctx, &Caller::from(&actor.principal), hold).await?;
    let location = format!("/api/v1/inventory/reservations/{}", held.record.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(ReservationView::from(held)),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/inventory/reservations/{id}", tag = "reservations", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = ReservationView), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_reservation(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ReservationView>> {
    Ok(Json(
        reservations::get(&ctx, actor.tenant, id).await?.into(),
    ))
}

/// Turns the hold into a sale: units leave on hand and reserved together.
#[utoipa::path(post, path = "/api/v1/inventory/reservations/{id}/commit", tag = "reservations", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ReservationView), (status = 404, body = smartseller_web::Problem),
        (status = 409, description = "`inventory.reservation_not_held`", body = smartseller_web::Problem),
        (status = 410, description = "`inventory.reservation_expired`", body = smartseller_web::Problem)))]
pub async fn commit(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ReservationView>> {
    let committed = reservations::commit(&ctx, &Caller::from(&actor.principal), id).await?;
    Ok(Json(committed.into()))
}

/// Gives the held units back.
#[utoipa::path(post, path = "/api/v1/inventory/reservations/{id}/release", tag = "reservations", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ReservationView), (status = 404, body = smartseller_web::Problem),
        (status = 409, description = "`inventory.reservation_not_held`", body = smartseller_web::Problem)))]
pub async fn release(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ReservationView>> {
    let released = reservations::release(&ctx, &Caller::from(&actor.principal), id).await?;
    Ok(Json(released.into()))
}
