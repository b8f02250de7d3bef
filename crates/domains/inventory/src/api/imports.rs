//! `/api/v1/inventory/import` and `/api/v1/inventory/export`: stock as CSV, as background jobs.
//! Each answers 202 with the job; follow it at `/api/v1/jobs/{id}`.

use axum::extract::State;
use axum::response::Response;
use smartseller_web::auth::{Actor, perm};
use smartseller_web::jobs::{CsvUpload, ImportQuery, JobView, accepted};
use smartseller_web::{ApiResult, Query};

use crate::app::InventoryCtx;
use crate::app::import;

/// Sets counts on hand from CSV (`sku, warehouse, on_hand`), booked as stock counts. The header
/// is checked now: unknown or missing columns are a 422 and no job.
#[utoipa::path(post, path = "/api/v1/inventory/import", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    params(ImportQuery), request_body(content = String, content_type = "text/csv"),
    responses((status = 202, body = JobView, headers(("Location" = String, description = "The job"))),
        (status = 413, body = smartseller_web::Problem), (status = 415, body = smartseller_web::Problem),
        (status = 422, body = smartseller_web::Problem)))]
pub async fn import_stock(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    Query(query): Query<ImportQuery>,
    CsvUpload(file): CsvUpload,
) -> ApiResult<Response> {
    Ok(accepted(
        import::queue_import(&ctx, &actor, file, query.dry_run).await?,
    ))
}

/// Exports every stock level's count on hand as CSV in the import's columns.
#[utoipa::path(post, path = "/api/v1/inventory/export", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    responses((status = 202, body = JobView, headers(("Location" = String, description = "The job")))))]
pub async fn export_stock(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryRead>,
) -> ApiResult<Response> {
    Ok(accepted(import::queue_export(&ctx, &actor).await?))
}
