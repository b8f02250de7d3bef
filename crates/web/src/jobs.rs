//! `/api/v1/jobs`: background jobs (imports, exports) as their callers follow them, and the CSV
//! upload extractor the import routes share. Seeing a job needs the permission its kind needs;
//! another store's job answers like one that never existed.

use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};
use smartseller_kernel::page::PageRequest;
use smartseller_kernel::permission::Permission;
use smartseller_kernel::validation::FieldErrors;
use smartseller_platform::Db;
use smartseller_platform::jobs::{self, JobFilter, RowError};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::{Authenticated, Principal};
use crate::pagination::PageOf;
use crate::problem::{ApiError, ApiResult};
use crate::{Json, Path, Query};

/// Every job route with its OpenAPI description, bound to the database.
pub fn router(db: Db) -> OpenApiRouter {
    routes().with_state(db)
}

pub fn routes() -> OpenApiRouter<Db> {
    OpenApiRouter::new()
        .routes(routes!(list_jobs))
        .routes(routes!(get_job))
        .routes(routes!(job_errors))
        .routes(routes!(job_result))
}

/// How far a job has got.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobProgress {
    /// Data rows in the file (0 until the worker has read it).
    pub total: i64,
    pub processed: i64,
    pub succeeded: i64,
    pub failed: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobLinks {
    #[serde(rename = "self")]
    pub this: String,
    /// Every bad row with its problems, as CSV; present once the job has finished with errors.
    pub errors_csv: Option<String>,
    /// An export's file; present once it has succeeded.
    pub result: Option<String>,
}

/// A background job.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    pub id: Uuid,
    /// e.g. `catalog.products.import`, `inventory.stock.export`.
    pub kind: String,
    /// `queued`, `running`, `succeeded`, `failed` or `cancelled`.
    pub status: String,
    /// A dry run checks everything and writes nothing.
    pub dry_run: bool,
    pub progress: JobProgress,
    /// How many row errors there are in all; `errors` lists the first 1,000.
    pub error_count: i64,
    pub errors: Vec<RowError>,
    /// What the job did, by kind (e.g. `products_created`).
    #[schema(value_type = Option<Object>)]
    pub summary: Option<serde_json::Value>,
    /// Why the job failed as a whole (a bad header, too many attempts).
    pub failure: Option<String>,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub links: JobLinks,
}

impl From<jobs::entity::Model> for JobView {
    fn from(job: jobs::entity::Model) -> Self {
        let this = format!("/api/v1/jobs/{}", job.id);
        let finished = job.status == jobs::SUCCEEDED || job.status == jobs::FAILED;
        let failure =
            (job.status == jobs::FAILED).then(|| job.last_error.clone().unwrap_or_default());
        JobView {
            id: job.id,
            errors: serde_json::from_value(job.errors).unwrap_or_default(),
            links: JobLinks {
                errors_csv: (finished && job.error_count > 0).then(|| format!("{this}/errors.csv")),
                result: (job.status == jobs::SUCCEEDED && job.kind.ends_with(".export"))
                    .then(|| format!("{this}/result")),
                this,
            },
            kind: job.kind,
            status: job.status,
            dry_run: job.dry_run,
            progress: JobProgress {
                total: job.total,
                processed: job.processed,
                succeeded: job.succeeded,
                failed: job.failed,
            },
            error_count: job.error_count,
            summary: job.summary,
            failure,
            attempts: job.attempts,
            created_at: job.created_at,
            started_at: job.started_at,
            finished_at: job.finished_at,
        }
    }
}

/// The answer to a request that queued a job: 202 with the job and where to follow it.
pub fn accepted(job: jobs::entity::Model) -> Response {
    let location = format!("/api/v1/jobs/{}", job.id);
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(JobView::from(job)),
    )
        .into_response()
}

/// The job, if it is this store's and the caller may see its kind.
async fn visible_job(db: &Db, principal: &Principal, id: Uuid) -> ApiResult<jobs::entity::Model> {
    let job = jobs::find(db.conn(), principal.tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found("job"))?;
    let allowed = Permission::parse(&job.permission).is_some_and(|p| principal.can(p));
    if !allowed {
        return Err(ApiError::forbidden(format!(
            "This job needs the `{}` permission.",
            job.permission
        ))
        .with("required_permission", job.permission.as_str()));
    }
    Ok(job)
}

/// One job: status, progress, counts and the first row errors.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = JobView), (status = 403, body = crate::Problem), (status = 404, body = crate::Problem)))]
pub async fn get_job(
    State(db): State<Db>,
    Authenticated(principal): Authenticated,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<JobView>> {
    Ok(Json(visible_job(&db, &principal, id).await?.into()))
}

/// Every bad row of a finished job: `row, column, code, message`, then the row as uploaded.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/errors.csv", tag = "jobs", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = crate::Problem)))]
pub async fn job_errors(
    State(db): State<Db>,
    Authenticated(principal): Authenticated,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    let job = visible_job(&db, &principal, id).await?;
    let file = jobs::file_of(db.conn(), principal.tenant, job.id, jobs::ERRORS)
        .await?
        .ok_or_else(|| {
            ApiError::not_found("error report (the job has no row errors, or has not finished)")
        })?;
    Ok(csv_file(
        file.content,
        &format!("job-{}-errors.csv", job.id),
    ))
}

/// What an export produced, as CSV in the import's columns.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/result", tag = "jobs", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = crate::Problem)))]
pub async fn job_result(
    State(db): State<Db>,
    Authenticated(principal): Authenticated,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    let job = visible_job(&db, &principal, id).await?;
    let file = jobs::file_of(db.conn(), principal.tenant, job.id, jobs::RESULT)
        .await?
        .ok_or_else(|| ApiError::not_found("result (the job has none, or has not finished)"))?;
    let name = format!("{}-{}.csv", job.kind.replace('.', "-"), job.id);
    Ok(csv_file(file.content, &name))
}

fn csv_file(content: Vec<u8>, name: &str) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        content,
    )
        .into_response()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct JobListQuery {
    /// Only jobs of this kind, e.g. `catalog.products.import`.
    pub kind: Option<String>,
    /// Only jobs in this status.
    pub status: Option<String>,
    /// How many items to return (1 to 200, default 50).
    pub limit: Option<u64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// The store's jobs that the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs", security(("bearer" = []), ("api_key" = [])),
    params(JobListQuery),
    responses((status = 200, body = PageOf<JobView>), (status = 422, body = crate::Problem)))]
pub async fn list_jobs(
    State(db): State<Db>,
    Authenticated(principal): Authenticated,
    Query(query): Query<JobListQuery>,
) -> ApiResult<Json<PageOf<JobView>>> {
    let page = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    if let Some(status) = &query.status
        && ![
            jobs::QUEUED,
            jobs::RUNNING,
            jobs::SUCCEEDED,
            jobs::FAILED,
            jobs::CANCELLED,
        ]
        .contains(&status.as_str())
    {
        return Err(FieldErrors::single(
            "status",
            "invalid",
            "Use queued, running, succeeded, failed or cancelled.",
        )
        .into());
    }
    let filter = JobFilter {
        kind: query.kind,
        status: query.status,
        permissions: principal.permissions.to_strings(),
    };
    let mut rows = jobs::list(
        db.conn(),
        principal.tenant,
        &filter,
        page.after,
        page.fetch_limit(),
    )
    .await?;
    let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last()
            .map(|last| smartseller_kernel::page::encode_cursor(last.id))
    } else {
        None
    };
    Ok(Json(PageOf {
        items: rows.into_iter().map(JobView::from).collect(),
        next_cursor,
    }))
}

/// The largest CSV upload an import accepts, set by the app (`jobs.max_upload_bytes`).
#[derive(Debug, Clone, Copy)]
pub struct UploadLimit(pub usize);

/// 20 MB: a 10,000-row catalogue is about 1.5 MB, so this leaves room for long descriptions.
pub const DEFAULT_UPLOAD_LIMIT: usize = 20 * 1024 * 1024;

/// A CSV file sent as the request body (`Content-Type: text/csv`). It is read up to the
/// upload limit, which is larger than the JSON body limit, so it bypasses that one.
pub struct CsvUpload(pub Vec<u8>);

impl<S: Send + Sync> FromRequest<S> for CsvUpload {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let mime = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        if mime != "text/csv" {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
            )
            .detail("Send the file as the body with `Content-Type: text/csv`."));
        }
        let limit = req
            .extensions()
            .get::<UploadLimit>()
            .map(|l| l.0)
            .unwrap_or(DEFAULT_UPLOAD_LIMIT);
        let too_large = || {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "Request body too large",
            )
            .detail(format!(
                "A CSV upload is at most {limit} bytes; split the file."
            ))
            .with("max_bytes", limit)
        };
        let body = http_body_util::Limited::new(req.into_body(), limit);
        match body.collect().await {
            Ok(collected) => Ok(CsvUpload(collected.to_bytes().to_vec())),
            Err(error) if error.is::<http_body_util::LengthLimitError>() => Err(too_large()),
            Err(error) => {
                // axum's own limit (from an outer layer) reports itself as its own error type.
                if error.to_string().contains("length limit") {
                    Err(too_large())
                } else {
                    Err(ApiError::bad_request("unreadable_body", error.to_string()))
                }
            }
        }
    }
}

/// `?dry_run=true` on an import.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Check every row, write nothing, report the same errors.
    #[serde(default)]
    pub dry_run: bool,
}
