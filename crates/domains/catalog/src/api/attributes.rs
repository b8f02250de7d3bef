//! `/api/v1/attributes` and `/api/v1/categories/{id}/attributes`: typed product attributes and
//! the categories that ask for them.

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

use crate::app::CatalogCtx;
use crate::app::attributes::{self, Assignment, CategoryAttribute, choices_of};
use crate::domain::attributes::AttributeSpec;
use crate::store::attribute;

#[derive(Debug, Serialize, ToSchema)]
pub struct AttributeView {
    pub id: Uuid,
    pub name: String,
    /// `text`, `number` or `choice`.
    pub kind: String,
    /// The values a `choice` attribute offers, in order; empty for other kinds.
    pub choices: Vec<String>,
    /// Shown after a `number` value, e.g. `cm`.
    pub unit: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<attribute::Model> for AttributeView {
    fn from(a: attribute::Model) -> Self {
        Self {
            choices: choices_of(&a),
            id: a.id,
            name: a.name,
            kind: a.kind,
            unit: a.unit,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributeRequest {
    /// e.g. `Bahan`; unique in the store regardless of case.
    pub name: String,
    /// `text`, `number` or `choice`. Fixed once a product has a value.
    pub kind: String,
    /// Required for `choice`; a choice a product uses cannot be removed.
    #[serde(default)]
    pub choices: Vec<String>,
    /// Only for `number`.
    #[serde(default)]
    pub unit: Option<String>,
}

impl TryFrom<AttributeRequest> for AttributeSpec {
    type Error = FieldErrors;

    fn try_from(req: AttributeRequest) -> Result<Self, FieldErrors> {
        AttributeSpec::parse(&req.name, &req.kind, &req.choices, req.unit.as_deref()).map_err(
            |bad| {
                let mut errors = FieldErrors::new();
                for (field, error) in bad {
                    errors.add(&field, error.code, error.message);
                }
                errors
            },
        )
    }
}

/// The store's attributes, oldest first.
#[utoipa::path(get, path = "/api/v1/attributes", tag = "catalog", security(("bearer" = []), ("api_key" = [])), params(PageQuery),
    responses((status = 200, body = PageOf<AttributeView>), (status = 422, body = smartseller_web::Problem)))]
pub async fn list_attributes(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsRead>,
    Query(query): Query<PageQuery>,
) -> ApiResult<Json<PageOf<AttributeView>>> {
    let request = query.to_request()?;
    let rows = attributes::list(&ctx, actor.tenant, request.after, request.fetch_limit()).await?;
    Ok(Json(
        Page::from_rows(rows, request, |a| a.id)
            .map(AttributeView::from)
            .into(),
    ))
}

/// Defines an attribute products can be described by.
#[utoipa::path(post, path = "/api/v1/attributes", tag = "catalog", security(("bearer" = []), ("api_key" = [])), request_body = AttributeRequest,
    responses((status = 201, body = AttributeView), (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn create_attribute(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Json(req): Json<AttributeRequest>,
) -> ApiResult<Response> {
    let created = attributes::create(&ctx, &actor, req.try_into()?).await?;
    let location = format!("/api/v1/attributes/{}", created.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(AttributeView::from(created)),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/attributes/{id}", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = AttributeView), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_attribute(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<AttributeView>> {
    Ok(Json(attributes::get(&ctx, actor.tenant, id).await?.into()))
}

/// Renames an attribute or changes its choices or unit. Its kind is fixed once a product has a
/// value, and a choice in use cannot be removed (409); respelling a choice carries its products.
#[utoipa::path(put, path = "/api/v1/attributes/{id}", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = AttributeRequest,
    responses((status = 200, body = AttributeView), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn update_attribute(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Path(id): Path<Uuid>,
    Json(req): Json<AttributeRequest>,
) -> ApiResult<Json<AttributeView>> {
    Ok(Json(
        attributes::update(&ctx, &actor, id, req.try_into()?)
            .await?
            .into(),
    ))
}

/// Deletes an attribute no product has a value for (409 otherwise); categories stop asking
/// for it.
#[utoipa::path(delete, path = "/api/v1/attributes/{id}", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem)))]
pub async fn delete_attribute(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    attributes::delete(&ctx, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An attribute as a category asks for it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryAttributeView {
    pub attribute: AttributeView,
    /// An active product in this category must have a value.
    pub required: bool,
    /// The category above that assigned it; absent when this category did.
    pub inherited_from: Option<Uuid>,
}

impl From<CategoryAttribute> for CategoryAttributeView {
    fn from(a: CategoryAttribute) -> Self {
        Self {
            attribute: a.attribute.into(),
            required: a.required,
            inherited_from: a.inherited_from,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryAttributesView {
    /// Every attribute that applies: the categories' above first, then this one's own.
    pub attributes: Vec<CategoryAttributeView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentBody {
    pub attribute_id: Uuid,
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryAttributesRequest {
    /// The category's own attributes, in the order sellers fill them in; sub-categories
    /// inherit them.
    pub attributes: Vec<AssignmentBody>,
}

/// The attributes products in this category are described by, inherited ones included.
#[utoipa::path(get, path = "/api/v1/categories/{id}/attributes", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = CategoryAttributesView), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_category_attributes(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<CategoryAttributesView>> {
    let list = attributes::of_category(&ctx, actor.tenant, id).await?;
    Ok(Json(CategoryAttributesView {
        attributes: list.into_iter().map(Into::into).collect(),
    }))
}

/// Replaces the attributes this category assigns itself. Products already filed here keep
/// their values; a newly required attribute is enforced when such a product is next saved active.
#[utoipa::path(put, path = "/api/v1/categories/{id}/attributes", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = CategoryAttributesRequest,
    responses((status = 200, body = CategoryAttributesView), (status = 404, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn set_category_attributes(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Path(id): Path<Uuid>,
    Json(req): Json<CategoryAttributesRequest>,
) -> ApiResult<Json<CategoryAttributesView>> {
    let assignments = req
        .attributes
        .into_iter()
        .map(|a| Assignment {
            attribute_id: a.attribute_id,
            required: a.required,
        })
        .collect();
    let list = attributes::assign(&ctx, &actor, id, assignments).await?;
    Ok(Json(CategoryAttributesView {
        attributes: list.into_iter().map(Into::into).collect(),
    }))
}
