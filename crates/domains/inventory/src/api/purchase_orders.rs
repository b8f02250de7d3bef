//! `/api/v1/purchase-orders`: buying stock from suppliers and receiving it.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use smartseller_kernel::money::{Currency, Money};
use smartseller_kernel::page::{Page, PageRequest};
use smartseller_kernel::validation::FieldErrors;
use smartseller_web::auth::{Actor, perm};
use smartseller_web::idempotency::RequireIdempotencyKey;
use smartseller_web::pagination::PageOf;
use smartseller_web::problem::ApiError;
use smartseller_web::{ApiResult, Json, Path, Query};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::purchasing::{self, DraftLine, PurchaseOrder, PurchaseOrderDraft, Receipt};
use crate::app::{Caller, InventoryCtx};
use crate::domain::purchasing::PurchaseStatus;

/// A unit cost in minor units: IDR has two minor digits, so Rp 45.000 is `4500000`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitCostBody {
    pub minor: i64,
    /// ISO 4217; IDR when left out.
    #[serde(default)]
    pub currency: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderLineBody {
    pub variant_id: Uuid,
    pub quantity: i64,
    pub unit_cost: UnitCostBody,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePurchaseOrder {
    pub supplier_name: String,
    /// Where the goods will be received.
    pub warehouse_id: Uuid,
    /// When the supplier promised delivery, e.g. `2026-12-01`.
    #[serde(default)]
    pub expected_date: Option<NaiveDate>,
    /// One line per variant, all in one currency.
    pub lines: Vec<PurchaseOrderLineBody>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptLineBody {
    pub variant_id: Uuid,
    pub quantity: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveGoods {
    /// What arrived; a receipt may cover part of the order.
    pub lines: Vec<ReceiptLineBody>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseOrderLineView {
    pub variant_id: Uuid,
    pub quantity: i64,
    pub received: i64,
    /// Still expected from the supplier: 0 unless the order is `ordered` or `partially_received`.
    pub remaining: i64,
    pub unit_cost: Money,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseOrderView {
    pub id: Uuid,
    pub supplier_name: String,
    pub warehouse_id: Uuid,
    /// `draft`, `ordered`, `partially_received`, `received` or `cancelled`.
    pub status: String,
    pub expected_date: Option<NaiveDate>,
    pub lines: Vec<PurchaseOrderLineView>,
    /// Σ quantity × unit cost.
    pub total: Option<Money>,
    pub note: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<PurchaseOrder> for PurchaseOrderView {
    fn from(o: PurchaseOrder) -> Self {
        let currency = o.currency();
        let total = o.total().ok();
        let open = o.status().accepts_receipts();
        Self {
            id: o.record.id,
            supplier_name: o.record.supplier_name,
            warehouse_id: o.record.warehouse_id,
            status: o.record.status,
            expected_date: o.record.expected_on,
            lines: o
                .lines
                .into_iter()
                .map(|l| PurchaseOrderLineView {
                    variant_id: l.variant_id,
                    quantity: l.quantity,
                    received: l.received,
                    remaining: if open { l.quantity - l.received } else { 0 },
                    unit_cost: Money::new(l.unit_cost_minor, currency),
                })
                .collect(),
            total,
            note: o.record.note,
            created_at: o.record.created_at,
            updated_at: o.record.updated_at,
        }
    }
}

impl TryFrom<CreatePurchaseOrder> for PurchaseOrderDraft {
    type Error = FieldErrors;

    fn try_from(req: CreatePurchaseOrder) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut lines = Vec::with_capacity(req.lines.len());
        for (index, line) in req.lines.iter().enumerate() {
            let currency = match line.unit_cost.currency.as_deref() {
                None => Currency::Idr,
                Some(code) => match Currency::parse(code) {
                    Ok(currency) => currency,
                    Err(_) => {
                        errors.add(
                            &format!("lines[{index}].unit_cost.currency"),
                            "unknown_currency",
                            "Use IDR, USD, SGD or MYR.",
                        );
                        Currency::Idr
                    }
                },
            };
            lines.push(DraftLine {
                variant: line.variant_id,
                quantity: line.quantity,
                unit_cost: Money::new(line.unit_cost.minor, currency),
            });
        }
        let parsed = PurchaseOrderDraft::parse(
            &req.supplier_name,
            req.warehouse_id,
            req.expected_date,
            &lines,
            req.note.as_deref(),
        );
        match parsed {
            Err(more) => {
                errors.0.extend(more.0);
                Err(errors)
            }
            Ok(draft) => errors.finish().map(|()| draft),
        }
    }
}

fn created(order: PurchaseOrder) -> Response {
    let location = format!("/api/v1/purchase-orders/{}", order.record.id);
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(PurchaseOrderView::from(order)),
    )
        .into_response()
}

/// Writes a draft purchase order. Nothing is expected until it is ordered.
#[utoipa::path(post, path = "/api/v1/purchase-orders", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    request_body = CreatePurchaseOrder,
    responses((status = 201, body = PurchaseOrderView), (status = 422, body = smartseller_web::Problem)))]
pub async fn create_purchase_order(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    Json(req): Json<CreatePurchaseOrder>,
) -> ApiResult<Response> {
    let draft = PurchaseOrderDraft::try_from(req).map_err(ApiError::validation)?;
    let order = purchasing::create(&ctx, &Caller::from(&actor.principal), draft).await?;
    Ok(created(order))
}

/// A purchase order with what was received on each line.
#[utoipa::path(get, path = "/api/v1/purchase-orders/{id}", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = PurchaseOrderView), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_purchase_order(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<PurchaseOrderView>> {
    Ok(Json(purchasing::get(&ctx, actor.tenant, id).await?.into()))
}

/// Sends a draft to the supplier: its quantities show as `incoming` at the warehouse.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{id}/order", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PurchaseOrderView), (status = 404, body = smartseller_web::Problem),
        (status = 409, description = "`inventory.illegal_transition`, with `current_status`", body = smartseller_web::Problem)))]
pub async fn order_purchase_order(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<PurchaseOrderView>> {
    let ordered = purchasing::order(&ctx, &Caller::from(&actor.principal), id).await?;
    Ok(Json(ordered.into()))
}

/// Books goods that arrived: they move from `incoming` to `on_hand` with reason
/// `purchase_receipt`. Needs `Idempotency-Key`: a retried receipt is booked once.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{id}/receipts", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = String, Header, description = "Required: a unique key per receipt")),
    request_body = ReceiveGoods,
    responses((status = 200, body = PurchaseOrderView), (status = 404, body = smartseller_web::Problem),
        (status = 409, description = "`inventory.over_receipt` with `remaining`, or `inventory.illegal_transition`", body = smartseller_web::Problem),
        (status = 422, body = smartseller_web::Problem)))]
pub async fn receive_goods(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    _key: RequireIdempotencyKey,
    Path(id): Path<Uuid>,
    Json(req): Json<ReceiveGoods>,
) -> ApiResult<Json<PurchaseOrderView>> {
    let lines: Vec<(Uuid, i64)> = req
        .lines
        .iter()
        .map(|l| (l.variant_id, l.quantity))
        .collect();
    let receipt = Receipt::parse(&lines, req.note.as_deref())?;
    let received = purchasing::receive(&ctx, &Caller::from(&actor.principal), id, receipt).await?;
    Ok(Json(received.into()))
}

/// Calls the order off: what has not arrived is no longer `incoming`; received goods stay.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{id}/cancel", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PurchaseOrderView), (status = 404, body = smartseller_web::Problem),
        (status = 409, description = "`inventory.illegal_transition`, with `current_status`", body = smartseller_web::Problem)))]
pub async fn cancel_purchase_order(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<PurchaseOrderView>> {
    let cancelled = purchasing::cancel(&ctx, &Caller::from(&actor.principal), id).await?;
    Ok(Json(cancelled.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrdersQuery {
    pub limit: Option<u64>,
    pub cursor: Option<String>,
    /// `draft`, `ordered`, `partially_received`, `received` or `cancelled`.
    pub status: Option<String>,
}

/// The store's purchase orders, oldest first.
#[utoipa::path(get, path = "/api/v1/purchase-orders", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    params(PurchaseOrdersQuery),
    responses((status = 200, body = PageOf<PurchaseOrderView>), (status = 422, body = smartseller_web::Problem)))]
pub async fn list_purchase_orders(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryRead>,
    Query(query): Query<PurchaseOrdersQuery>,
) -> ApiResult<Json<PageOf<PurchaseOrderView>>> {
    let request = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    let status = match query.status.as_deref() {
        None => None,
        Some(text) => Some(PurchaseStatus::parse(text).ok_or_else(|| {
            FieldErrors::single(
                "status",
                "unknown_status",
                "Use draft, ordered, partially_received, received or cancelled.",
            )
        })?),
    };
    let rows = purchasing::list(
        &ctx,
        actor.tenant,
        status,
        request.after,
        request.fetch_limit(),
    )
    .await?;
    Ok(Json(
        Page::from_rows(rows, request, |o| o.record.id)
            .map(PurchaseOrderView::from)
            .into(),
    ))
}
