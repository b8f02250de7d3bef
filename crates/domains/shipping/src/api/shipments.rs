//! `/api/v1/shipments`: booking, reading, cancelling, manual tracking and the paperwork.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use smartseller_contracts::shipping::ShipmentStatus;
use smartseller_kernel::page::{Page, PageRequest};
use smartseller_kernel::validation::FieldErrors;
use smartseller_web::auth::{Actor, perm};
use smartseller_web::pagination::PageOf;
use smartseller_web::{ApiError, ApiResult, Json, Path, Query};
use uuid::Uuid;

use super::dto::*;
use crate::app::{AppError, ShippingCtx, documents, service, tracking};
use crate::store::{self, ShipmentFilter};

async fn detail(
    ctx: &ShippingCtx,
    tenant: smartseller_kernel::TenantId,
    id: Uuid,
) -> ApiResult<ShipmentView> {
    let conn = ctx.db.conn();
    let row = store::shipment(conn, tenant, id)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| ApiError::not_found("shipment"))?;
    let history = store::tracking(conn, tenant, id)
        .await
        .map_err(AppError::from)?;
    Ok(ShipmentView::of(row, Some(history)))
}

/// Books delivery of an order at a quoted rate; booking a booked order answers its shipment.
#[utoipa::path(post, path = "/api/v1/shipments", tag = "shipments", security(("bearer" = []), ("api_key" = [])),
    request_body = BookShipmentBody,
    responses((status = 201, body = ShipmentView), (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem), (status = 503, body = smartseller_web::Problem)))]
pub async fn book(
    State(ctx): State<ShippingCtx>,
    actor: Actor<perm::ShippingManage>,
    Json(body): Json<BookShipmentBody>,
) -> ApiResult<Response> {
    let booked = service::book(&ctx, actor.tenant, body.into()).await?;
    let shipment = detail(&ctx, actor.tenant, booked.shipment_id).await?;
    let location = format!("/api/v1/shipments/{}", shipment.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(shipment),
    )
        .into_response())
}

/// The store's shipments, newest first; filter by status, order or airway bill.
#[utoipa::path(get, path = "/api/v1/shipments", tag = "shipments", security(("bearer" = []), ("api_key" = [])),
    params(ShipmentListQuery), responses((status = 200, body = PageOf<ShipmentView>)))]
pub async fn list_shipments(
    State(ctx): State<ShippingCtx>,
    actor: Actor<perm::OrdersRead>,
    Query(query): Query<ShipmentListQuery>,
) -> ApiResult<Json<PageOf<ShipmentView>>> {
    let request = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    if let Some(status) = query.status.as_deref()
        && ShipmentStatus::parse(status).is_none()
    {
        return Err(ApiError::validation(FieldErrors::single(
            "status",
            "unknown_status",
            "Not a shipment status.",
        )));
    }
    let filter = ShipmentFilter {
        status: query.status,
        order_id: query.order_id,
        awb: query.awb,
    };
    let rows = store::list_shipments(
        ctx.db.conn(),
        actor.tenant,
        &filter,
        request.after,
        request.fetch_limit(),
    )
    .await
    .map_err(AppError::from)?;
    Ok(Json(
        Page::from_rows(rows, request, |s| s.id)
            .map(|row| ShipmentView::of(row, None))
            .into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/shipments/{id}", tag = "shipments", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = ShipmentView), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_shipment(
    State(ctx): State<ShippingCtx>,
    actor: Actor<perm::OrdersRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ShipmentView>> {
    Ok(Json(detail(&ctx, actor.tenant, id).await?))
}

/// Cancels a shipment the courier has not collected yet.
#[utoipa::path(post, path = "/api/v1/shipments/{id}/cancel", tag = "shipments", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ShipmentView), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem)))]
pub async fn cancel(
    State(ctx): State<ShippingCtx>,
    actor: Actor<perm::ShippingManage>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ShipmentView>> {
    service::cancel(&ctx, actor.tenant, id).await?;
    Ok(Json(detail(&ctx, actor.tenant, id).await?))
}

/// Records a status for a parcel the store's own courier carries.
#[utoipa::path(post, path = "/api/v1/shipments/{id}/tracking", tag = "shipments", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = TrackingBody,
    responses((status = 200, body = ShipmentView), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn record_tracking(
    State(ctx): State<ShippingCtx>,
    actor: Actor<perm::ShippingManage>,
    Path(id): Path<Uuid>,
    Json(body): Json<TrackingBody>,
) -> ApiResult<Json<ShipmentView>> {
    let status = ShipmentStatus::parse(&body.status).ok_or_else(|| {
        ApiError::validation(FieldErrors::single(
            "status",
            "unknown_status",
            "Not a shipment status.",
        ))
    })?;
    tracking::record_manual(
        &ctx,
        actor.tenant,
        id,
        status,
        body.description,
        body.location,
    )
    .await?;
    Ok(Json(detail(&ctx, actor.tenant, id).await?))
}

fn pdf(bytes: Vec<u8>, name: &str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}.pdf\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// The shipment's label: one 100×150 mm page.
#[utoipa::path(get, path = "/api/v1/shipments/{id}/label", tag = "shipments", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "application/pdf", body = String), (status = 404, body = smartseller_web::Problem)))]
pub async fn label(
    State(ctx): State<ShippingCtx>,
    actor: Actor<perm::ShippingManage>,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    let bytes = documents::label(&ctx, actor.tenant, id).await?;
    Ok(pdf(bytes, &format!("label-{id}")))
}

/// Labels of many shipments in one PDF, one page each.
#[utoipa::path(post, path = "/api/v1/shipments/labels", tag = "shipments", security(("bearer" = []), ("api_key" = [])),
    request_body = ShipmentIdsBody,
    responses((status = 200, content_type = "application/pdf", body = String), (status = 404, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn bulk_labels(
    State(ctx): State<ShippingCtx>,
    actor: Actor<perm::ShippingManage>,
    Json(body): Json<ShipmentIdsBody>,
) -> ApiResult<Response> {
    let bytes = documents::bulk_labels(&ctx, actor.tenant, &body.shipment_ids).await?;
    Ok(pdf(bytes, "labels"))
}

/// What to pick, summed per warehouse and SKU, with the orders each line is for.
#[utoipa::path(post, path = "/api/v1/shipments/pick-list", tag = "shipments", security(("bearer" = []), ("api_key" = [])),
    request_body = ShipmentIdsBody,
    responses((status = 200, content_type = "application/pdf", body = String), (status = 404, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn pick_list(
    State(ctx): State<ShippingCtx>,
    actor: Actor<perm::ShippingManage>,
    Json(body): Json<ShipmentIdsBody>,
) -> ApiResult<Response> {
    let bytes = documents::pick_list(&ctx, actor.tenant, &body.shipment_ids).await?;
    Ok(pdf(bytes, "pick-list"))
}

/// What goes in each box, one section per order.
#[utoipa::path(post, path = "/api/v1/shipments/packing-list", tag = "shipments", security(("bearer" = []), ("api_key" = [])),
    request_body = ShipmentIdsBody,
    responses((status = 200, content_type = "application/pdf", body = String), (status = 404, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn packing_list(
    State(ctx): State<ShippingCtx>,
    actor: Actor<perm::ShippingManage>,
    Json(body): Json<ShipmentIdsBody>,
) -> ApiResult<Response> {
    let bytes = documents::packing_list(&ctx, actor.tenant, &body.shipment_ids).await?;
    Ok(pdf(bytes, "packing-list"))
}
