//! `/api/v1/variants`: one sellable SKU at a time.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use smartseller_kernel::page::{Page, PageRequest};
use smartseller_kernel::validation::FieldErrors;
use smartseller_web::auth::{Actor, perm};
use smartseller_web::pagination::PageOf;
use smartseller_web::{ApiResult, Json, Path, Query};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::products::{DimensionsBody, PriceBody, VariantFields, VariantView, parse_parts};
use crate::app::CatalogCtx;
use crate::app::variants::{self, VariantChanges, VariantFilter};
use crate::domain::product::VariantSpec;
use crate::domain::{ProductId, Sku, Status};

/// A variant added to an existing product.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVariantRequest {
    pub product_id: Uuid,
    pub sku: String,
    #[serde(default)]
    pub barcode: Option<String>,
    /// One value per product option, in the options' order; a combination no variant has yet.
    #[serde(default)]
    pub option_values: Vec<String>,
    pub weight_grams: i64,
    #[serde(default)]
    pub dimensions_mm: Option<DimensionsBody>,
    pub price: PriceBody,
    #[serde(default)]
    pub status: Option<String>,
}

impl TryFrom<NewVariantRequest> for (ProductId, VariantSpec) {
    type Error = FieldErrors;

    fn try_from(req: NewVariantRequest) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let spec = parse_parts(
            &mut errors,
            "",
            VariantFields {
                sku: &req.sku,
                barcode: req.barcode.as_deref(),
                weight_grams: req.weight_grams,
                dimensions: req.dimensions_mm.as_ref(),
                price: &req.price,
                status: req.status.as_deref(),
            },
        )
        .into_spec(req.option_values);
        match spec {
            Some(spec) if errors.is_empty() => Ok((req.product_id.into(), spec)),
            _ => Err(errors),
        }
    }
}

/// Everything about a variant but its option values, which are what it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantUpdateRequest {
    pub sku: String,
    #[serde(default)]
    pub barcode: Option<String>,
    pub weight_grams: i64,
    #[serde(default)]
    pub dimensions_mm: Option<DimensionsBody>,
    pub price: PriceBody,
    /// `draft`, `active` or `archived`; an archived variant comes back as a draft first.
    pub status: String,
}

impl TryFrom<VariantUpdateRequest> for VariantChanges {
    type Error = FieldErrors;

    fn try_from(req: VariantUpdateRequest) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let spec = parse_parts(
            &mut errors,
            "",
            VariantFields {
                sku: &req.sku,
                barcode: req.barcode.as_deref(),
                weight_grams: req.weight_grams,
                dimensions: req.dimensions_mm.as_ref(),
                price: &req.price,
                status: Some(&req.status),
            },
        )
        .into_spec(Vec::new());
        match spec {
            Some(spec) if errors.is_empty() => Ok(VariantChanges {
                sku: spec.sku,
                barcode: spec.barcode,
                weight: spec.weight,
                dimensions: spec.dimensions,
                price: spec.price,
                status: spec.status,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VariantListQuery {
    /// How many items to return (1 to 200, default 50).
    pub limit: Option<u64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
    pub product_id: Option<Uuid>,
    /// `draft`, `active` or `archived`.
    pub status: Option<String>,
    /// Exactly this SKU (case does not matter).
    pub sku: Option<String>,
}

/// The store's variants, oldest first.
#[utoipa::path(get, path = "/api/v1/variants", tag = "catalog", security(("bearer" = []), ("api_key" = [])), params(VariantListQuery),
    responses((status = 200, body = PageOf<VariantView>), (status = 422, body = smartseller_web::Problem)))]
pub async fn list_variants(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsRead>,
    Query(query): Query<VariantListQuery>,
) -> ApiResult<Json<PageOf<VariantView>>> {
    let request = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    let mut errors = FieldErrors::new();
    let filter = VariantFilter {
        product: query.product_id.map(ProductId::from),
        status: query
            .status
            .as_deref()
            .and_then(|s| errors.check("status", Status::parse(s))),
        sku: query
            .sku
            .as_deref()
            .and_then(|s| errors.check("sku", Sku::parse(s))),
    };
    errors.finish()?;
    let rows = variants::list(
        &ctx,
        actor.tenant,
        &filter,
        request.after,
        request.fetch_limit(),
    )
    .await?;
    Ok(Json(
        Page::from_rows(rows, request, |v| v.id)
            .map(VariantView::from)
            .into(),
    ))
}

/// Adds a variant to a product; announces `product.updated`.
#[utoipa::path(post, path = "/api/v1/variants", tag = "catalog", security(("bearer" = []), ("api_key" = [])), request_body = NewVariantRequest,
    responses((status = 201, body = VariantView), (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn create_variant(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Json(req): Json<NewVariantRequest>,
) -> ApiResult<Response> {
    let (product, spec) = req.try_into()?;
    let variant = variants::create(&ctx, &actor, product, spec).await?;
    let location = format!("/api/v1/variants/{}", variant.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(VariantView::from(variant)),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/variants/{id}", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = VariantView), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_variant(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<VariantView>> {
    Ok(Json(
        variants::get(&ctx, actor.tenant, id.into()).await?.into(),
    ))
}

/// Changes a variant's SKU, barcode, weight, size, price or status; announces `product.updated`,
/// and `product.price_changed` when the price moved.
#[utoipa::path(put, path = "/api/v1/variants/{id}", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = VariantUpdateRequest,
    responses((status = 200, body = VariantView), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn update_variant(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Path(id): Path<Uuid>,
    Json(req): Json<VariantUpdateRequest>,
) -> ApiResult<Json<VariantView>> {
    Ok(Json(
        variants::update(&ctx, &actor, id.into(), req.try_into()?)
            .await?
            .into(),
    ))
}

/// Archives a variant (kept for order history, SKU stays reserved); announces `product.updated`.
#[utoipa::path(delete, path = "/api/v1/variants/{id}", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = smartseller_web::Problem)))]
pub async fn archive_variant(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    variants::archive(&ctx, &actor, id.into()).await?;
    Ok(StatusCode::NO_CONTENT)
}
