//! `/api/v1/products/import`, `/api/v1/prices/import`, `/api/v1/products/export`: bulk CSV as
//! background jobs. Each answers 202 with the job; follow it at `/api/v1/jobs/{id}`.

use axum::extract::State;
use axum::response::Response;
use smartseller_web::auth::{Actor, perm};
use smartseller_web::jobs::{CsvUpload, ImportQuery, JobView, accepted};
use smartseller_web::{ApiResult, Query};

use crate::app::CatalogCtx;
use crate::app::import::{self, PRICES_IMPORT, PRODUCTS_IMPORT};

/// Imports products and variants from CSV (one row per variant, upserted by SKU). The header is
/// checked now: unknown or missing columns are a 422 and no job. See docs/api.md for columns.
#[utoipa::path(post, path = "/api/v1/products/import", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(ImportQuery), request_body(content = String, content_type = "text/csv"),
    responses((status = 202, body = JobView, headers(("Location" = String, description = "The job"))),
        (status = 413, body = smartseller_web::Problem), (status = 415, body = smartseller_web::Problem),
        (status = 422, body = smartseller_web::Problem)))]
pub async fn import_products(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Query(query): Query<ImportQuery>,
    CsvUpload(file): CsvUpload,
) -> ApiResult<Response> {
    let job = import::queue_import(&ctx, &actor, PRODUCTS_IMPORT, file, query.dry_run).await?;
    Ok(accepted(job))
}

/// Imports base prices from CSV with columns `sku, price`.
#[utoipa::path(post, path = "/api/v1/prices/import", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(ImportQuery), request_body(content = String, content_type = "text/csv"),
    responses((status = 202, body = JobView, headers(("Location" = String, description = "The job"))),
        (status = 413, body = smartseller_web::Problem), (status = 415, body = smartseller_web::Problem),
        (status = 422, body = smartseller_web::Problem)))]
pub async fn import_prices(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Query(query): Query<ImportQuery>,
    CsvUpload(file): CsvUpload,
) -> ApiResult<Response> {
    let job = import::queue_import(&ctx, &actor, PRICES_IMPORT, file, query.dry_run).await?;
    Ok(accepted(job))
}

/// Exports every product and variant as CSV in the import's columns; the file is the job's
/// result (`/api/v1/jobs/{id}/result`).
#[utoipa::path(post, path = "/api/v1/products/export", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    responses((status = 202, body = JobView, headers(("Location" = String, description = "The job")))))]
pub async fn export_products(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsRead>,
) -> ApiResult<Response> {
    Ok(accepted(import::queue_export(&ctx, &actor).await?))
}
