//! `/api/v1/inventory/counts`: count sheets turned into `stock_count` adjustments.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use smartseller_web::auth::{Actor, perm};
use smartseller_web::{ApiResult, Json, Path};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::counts::{self, CountSheet, StockCount};
use crate::app::{Caller, InventoryCtx};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountLineBody {
    pub variant_id: Uuid,
    /// Units found on the shelf.
    pub counted: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStockCount {
    pub warehouse_id: Uuid,
    /// One line per variant counted.
    pub lines: Vec<CountLineBody>,
    /// Counting is finished (`submitted`); otherwise the sheet is a `draft`. Either may be applied.
    #[serde(default)]
    pub submit: bool,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountLineView {
    pub variant_id: Uuid,
    pub counted: i64,
    /// What was on hand when the sheet was applied; `null` before.
    pub expected: Option<i64>,
    /// `counted − expected`, booked as a `stock_count` ledger entry when not 0.
    pub difference: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StockCountView {
    pub id: Uuid,
    pub warehouse_id: Uuid,
    /// `draft`, `submitted` or `applied`.
    pub status: String,
    pub lines: Vec<CountLineView>,
    pub note: Option<String>,
    pub applied_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<StockCount> for StockCountView {
    fn from(c: StockCount) -> Self {
        Self {
            id: c.record.id,
            warehouse_id: c.record.warehouse_id,
            status: c.record.status,
            lines: c
                .lines
                .into_iter()
                .map(|l| CountLineView {
                    variant_id: l.variant_id,
                    counted: l.counted,
                    expected: l.expected,
                    difference: l.difference,
                })
                .collect(),
            note: c.record.note,
            applied_at: c.record.applied_at,
            created_at: c.record.created_at,
        }
    }
}

/// Files a count sheet; stock changes only when it is applied.
#[utoipa::path(post, path = "/api/v1/inventory/counts", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    request_body = CreateStockCount,
    responses((status = 201, body = StockCountView), (status = 422, body = smartseller_web::Problem)))]
pub async fn create_count(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    Json(req): Json<CreateStockCount>,
) -> ApiResult<Response> {
    let lines: Vec<(Uuid, i64)> = req
        .lines
        .iter()
        .map(|l| (l.variant_id, l.counted))
        .collect();
    let sheet = CountSheet::parse(req.warehouse_id, &lines, req.note.as_deref(), req.submit)?;
    let count = counts::create(&ctx, &Caller::from(&actor.principal), sheet).await?;
    let location = format!("/api/v1/inventory/counts/{}", count.record.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(StockCountView::from(count)),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/inventory/counts/{id}", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = StockCountView), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_count(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<StockCountView>> {
    Ok(Json(counts::get(&ctx, actor.tenant, id).await?.into()))
}

/// Applies the sheet: every line whose count differs from what is on hand now becomes one
/// `stock_count` ledger entry, all in one transaction. A count below what is held for orders or
/// campaigns is refused (409) unless the store allows negative stock.
#[utoipa::path(post, path = "/api/v1/inventory/counts/{id}/apply", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = StockCountView), (status = 404, body = smartseller_web::Problem),
        (status = 409, description = "`inventory.illegal_transition` once applied, or `inventory.insufficient_stock`", body = smartseller_web::Problem)))]
pub async fn apply_count(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<StockCountView>> {
    let applied = counts::apply(&ctx, &Caller::from(&actor.principal), id).await?;
    Ok(Json(applied.into()))
}
