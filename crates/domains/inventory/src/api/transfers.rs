//! `/api/v1/inventory/transfers`: goods moving between two warehouses.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use smartseller_web::auth::{Actor, perm};
use smartseller_web::idempotency::RequireIdempotencyKey;
use smartseller_web::{ApiResult, Json, Path};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::transfers::{self, Shipment, Transfer};
use crate::app::{Caller, InventoryCtx};

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferLineBody {
    pub variant_id: Uuid,
    pub quantity: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipTransfer {
    pub from_warehouse_id: Uuid,
    pub to_warehouse_id: Uuid,
    /// Every line ships, or none does.
    pub lines: Vec<TransferLineBody>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransferView {
    pub id: Uuid,
    pub from_warehouse_id: Uuid,
    pub to_warehouse_id: Uuid,
    /// `in_transit`, `received` or `cancelled`.
    pub status: String,
    pub lines: Vec<TransferLineBody>,
    pub note: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<Transfer> for TransferView {
    fn from(t: Transfer) -> Self {
        Self {
            id: t.record.id,
            from_warehouse_id: t.record.from_warehouse_id,
            to_warehouse_id: t.record.to_warehouse_id,
            status: t.record.status,
            lines: t
                .lines
                .into_iter()
                .map(|l| TransferLineBody {
                    variant_id: l.variant_id,
                    quantity: l.quantity,
                })
                .collect(),
            note: t.record.note,
            created_at: t.record.created_at,
            updated_at: t.record.updated_at,
        }
    }
}

/// Ships goods from one warehouse to another. Needs `Idempotency-Key`: a retry never ships twice.
#[utoipa::path(post, path = "/api/v1/inventory/transfers", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    params(("Idempotency-Key" = String, Header, description = "Required: a unique key per transfer")),
    request_body = ShipTransfer,
    responses((status = 201, body = TransferView),
        (status = 409, description = "`inventory.insufficient_stock`, with `available`", body = smartseller_web::Problem),
        (status = 422, body = smartseller_web::Problem)))]
pub async fn ship(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    _key: RequireIdempotencyKey,
    Json(req): Json<ShipTransfer>,
) -> ApiResult<Response> {
    let lines: Vec<(Uuid, i64)> = req
        .lines
        .iter()
        .map(|l| (l.variant_id, l.quantity))
        .collect();
    let shipment = Shipment::parse(
        req.from_warehouse_id,
        req.to_warehouse_id,
        &lines,
        req.note.as_deref(),
    )?;
    let shipped = transfers::ship(&ctx, &Caller::from(&actor.principal), shipment).await?;
    let location = format!("/api/v1/inventory/transfers/{}", shipped.record.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(TransferView::from(shipped)),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/inventory/transfers/{id}", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = TransferView), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_transfer(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<TransferView>> {
    Ok(Json(transfers::get(&ctx, actor.tenant, id).await?.into()))
}

/// The goods arrived: they go on the destination's shelf.
#[utoipa::path(post, path = "/api/v1/inventory/transfers/{id}/receive", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TransferView), (status = 404, body = smartseller_web::Problem),
        (status = 409, description = "`inventory.transfer_not_in_transit`", body = smartseller_web::Problem)))]
pub async fn receive(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<TransferView>> {
    let received = transfers::receive(&ctx, &Caller::from(&actor.principal), id).await?;
    Ok(Json(received.into()))
}

/// Calls the shipment back: the goods return to the source's shelf.
#[utoipa::path(post, path = "/api/v1/inventory/transfers/{id}/cancel", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TransferView), (status = 404, body = smartseller_web::Problem),
        (status = 409, description = "`inventory.transfer_not_in_transit`", body = smartseller_web::Problem)))]
pub async fn cancel(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<TransferView>> {
    let cancelled = transfers::cancel(&ctx, &Caller::from(&actor.principal), id).await?;
    Ok(Json(cancelled.into()))
}
