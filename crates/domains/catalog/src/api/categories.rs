//! `/api/v1/categories`: the store's category tree.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use smartseller_kernel::page::{Page, PageRequest};
use smartseller_kernel::validation::FieldErrors;
use smartseller_web::auth::{Actor, perm};
use smartseller_web::pagination::PageOf;
use smartseller_web::{ApiResult, Json, Path, Query};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::CatalogCtx;
use crate::app::categories::{self, CategoryDraft, Level};
use crate::domain::{CategoryId, CategoryName, CategoryPath};
use crate::store::category;

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    pub id: Uuid,
    pub name: String,
    /// Absent for a top-level category.
    pub parent_id: Option<Uuid>,
    /// Place among its siblings, from 0.
    pub position: i32,
    /// Ids from the top-level category down to this one, itself last.
    pub path: Vec<Uuid>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<category::Model> for CategoryView {
    fn from(c: category::Model) -> Self {
        let path = CategoryPath::decode(&c.path)
            .map(|p| p.ids().to_vec())
            .unwrap_or_else(|| vec![c.id]);
        Self {
            id: c.id,
            name: c.name,
            parent_id: c.parent_id,
            position: c.position,
            path,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryRequest {
    pub name: String,
    /// The category to file it under; absent or null for a top-level category.
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    /// Place among its siblings, from 0. Absent: last for a new or moved category, unchanged
    /// for a renamed one.
    #[serde(default)]
    pub position: Option<u32>,
}

impl TryFrom<CategoryRequest> for CategoryDraft {
    type Error = FieldErrors;

    fn try_from(req: CategoryRequest) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", CategoryName::parse(&req.name));
        match name {
            Some(name) if errors.is_empty() => Ok(CategoryDraft {
                name,
                parent: req.parent_id.map(CategoryId::from),
                position: req.position,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CategoryListQuery {
    /// How many items to return (1 to 200, default 50).
    pub limit: Option<u64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
    /// `root` for top-level categories, or a category id for its children; absent for all.
    pub parent_id: Option<String>,
}

/// The store's categories, oldest first; `parent_id` narrows to one level of the tree.
#[utoipa::path(get, path = "/api/v1/categories", tag = "catalog", security(("bearer" = []), ("api_key" = [])), params(CategoryListQuery),
    responses((status = 200, body = PageOf<CategoryView>), (status = 422, body = smartseller_web::Problem)))]
pub async fn list_categories(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsRead>,
    Query(query): Query<CategoryListQuery>,
) -> ApiResult<Json<PageOf<CategoryView>>> {
    let request = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    let level = match query.parent_id.as_deref() {
        None | Some("") => Level::All,
        Some("root") => Level::Roots,
        Some(text) => Level::ChildrenOf(text.parse().map_err(|_| {
            FieldErrors::single("parent_id", "invalid", "Use `root` or a category id.")
        })?),
    };
    let rows = categories::list(
        &ctx,
        actor.tenant,
        level,
        request.after,
        request.fetch_limit(),
    )
    .await?;
    Ok(Json(
        Page::from_rows(rows, request, |c| c.id)
            .map(CategoryView::from)
            .into(),
    ))
}

/// Creates a category, at the top level or under another.
#[utoipa::path(post, path = "/api/v1/categories", tag = "catalog", security(("bearer" = []), ("api_key" = [])), request_body = CategoryRequest,
    responses((status = 201, body = CategoryView), (status = 422, body = smartseller_web::Problem)))]
pub async fn create_category(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Json(req): Json<CategoryRequest>,
) -> ApiResult<Response> {
    let category = categories::create(&ctx, &actor, req.try_into()?).await?;
    let location = format!("/api/v1/categories/{}", category.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(CategoryView::from(category)),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/categories/{id}", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = CategoryView), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_category(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<CategoryView>> {
    Ok(Json(
        categories::get(&ctx, actor.tenant, id.into()).await?.into(),
    ))
}

/// Renames, moves (with everything beneath it) or reorders a category. Moving it under itself
/// or one of its sub-categories is refused with `categories.cycle`.
#[utoipa::path(put, path = "/api/v1/categories/{id}", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = CategoryRequest,
    responses((status = 200, body = CategoryView), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn update_category(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Path(id): Path<Uuid>,
    Json(req): Json<CategoryRequest>,
) -> ApiResult<Json<CategoryView>> {
    Ok(Json(
        categories::update(&ctx, &actor, id.into(), req.try_into()?)
            .await?
            .into(),
    ))
}

/// Deletes an empty category; one with sub-categories or products is refused (409).
#[utoipa::path(delete, path = "/api/v1/categories/{id}", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem)))]
pub async fn delete_category(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    categories::delete(&ctx, &actor, id.into()).await?;
    Ok(StatusCode::NO_CONTENT)
}
