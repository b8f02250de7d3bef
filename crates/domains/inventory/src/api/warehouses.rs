//! `/api/v1/warehouses`.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use smartseller_kernel::page::Page;
use smartseller_kernel::validation::FieldErrors;
use smartseller_web::auth::{Actor, perm};
use smartseller_web::pagination::{PageOf, PageQuery};
use smartseller_web::{ApiResult, Json, Path, Query};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::InventoryCtx;
use crate::app::warehouses::{self, WarehouseDraft};
use crate::domain::{WarehouseAddress, WarehouseCode, WarehouseName};
use crate::store::warehouse;

#[derive(Debug, Serialize, ToSchema)]
pub struct WarehouseView {
    pub id: Uuid,
    /// Short and unique in the store, e.g. `JKT-1`.
    pub code: String,
    pub name: String,
    pub address: Option<String>,
    /// Inactive warehouses keep their stock and history but take no new holds.
    pub active: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<warehouse::Model> for WarehouseView {
    fn from(w: warehouse::Model) -> Self {
        Self {
            id: w.id,
            code: w.code,
            name: w.name,
            address: w.address,
            active: w.active,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// A warehouse, to create or to replace.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WarehouseRequest {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub address: Option<String>,
    /// Default: true.
    #[serde(default)]
    pub active: Option<bool>,
}

impl TryFrom<WarehouseRequest> for WarehouseDraft {
    type Error = FieldErrors;

    fn try_from(req: WarehouseRequest) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let code = errors.check("code", WarehouseCode::parse(&req.code));
        let name = errors.check("name", WarehouseName::parse(&req.name));
        let address = match req.address.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(text) => errors
                .check("address", WarehouseAddress::parse(text))
                .map(Some),
        };
        errors.finish()?;
        match (code, name, address) {
            (Some(code), Some(name), Some(address)) => Ok(WarehouseDraft {
                code,
                name,
                address,
                active: req.active.unwrap_or(true),
            }),
            _ => Err(FieldErrors::single(
                "code",
                "invalid",
                "Check the warehouse.",
            )),
        }
    }
}

/// The store's warehouses, oldest first.
#[utoipa::path(get, path = "/api/v1/warehouses", tag = "warehouses", security(("bearer" = []), ("api_key" = [])), params(PageQuery),
    responses((status = 200, body = PageOf<WarehouseView>)))]
pub async fn list_warehouses(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryRead>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<PageOf<WarehouseView>>> {
    let request = page.to_request()?;
    let rows = warehouses::list(&ctx, actor.tenant, request.after, request.fetch_limit()).await?;
    Ok(Json(
        Page::from_rows(rows, request, |w| w.id)
            .map(WarehouseView::from)
            .into(),
    ))
}

/// Adds a warehouse.
#[utoipa::path(post, path = "/api/v1/warehouses", tag = "warehouses", security(("bearer" = []), ("api_key" = [])), request_body = WarehouseRequest,
    responses((status = 201, body = WarehouseView), (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn create_warehouse(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    Json(req): Json<WarehouseRequest>,
) -> ApiResult<Response> {
    let created = warehouses::create(&ctx, actor.tenant, req.try_into()?).await?;
    let location = format!("/api/v1/warehouses/{}", created.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(WarehouseView::from(created)),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/warehouses/{id}", tag = "warehouses", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = WarehouseView), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_warehouse(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<WarehouseView>> {
    Ok(Json(warehouses::get(&ctx, actor.tenant, id).await?.into()))
}

/// Replaces a warehouse's code, name, address and whether it is active.
#[utoipa::path(put, path = "/api/v1/warehouses/{id}", tag = "warehouses", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = WarehouseRequest,
    responses((status = 200, body = WarehouseView), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn update_warehouse(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    Path(id): Path<Uuid>,
    Json(req): Json<WarehouseRequest>,
) -> ApiResult<Json<WarehouseView>> {
    let updated = warehouses::update(&ctx, actor.tenant, id, req.try_into()?).await?;
    Ok(Json(updated.into()))
}
