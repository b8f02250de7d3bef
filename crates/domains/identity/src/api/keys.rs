//! `/api/v1/api-keys`, `/api/v1/audit-log` and the operators' `/api/v1/admin/tenants`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use smartseller_kernel::page::{Page, PageRequest};
use smartseller_kernel::permission::{Permission, PermissionSet};
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, UserId};
use smartseller_web::auth::{Actor, Authenticated, perm};
use smartseller_web::extract::uncacheable;
use smartseller_web::pagination::{PageOf, PageQuery};
use smartseller_web::{ApiResult, Json, Path, Query};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::Meta;
use crate::app::api_keys::{self, KeyDraft};
use crate::app::{IdentityCtx, IdentityError, audit};
use crate::domain::ApiKeyName;
use crate::store::audit::AuditFilter;
use crate::store::{accounts, api_key, audit_entry, permissions_from_json};

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: Uuid,
    pub name: String,
    /// The public part of the key, to tell keys apart.
    pub prefix: String,
    pub permissions: Vec<String>,
    pub created_by: UserId,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<api_key::Model> for ApiKeyView {
    fn from(k: api_key::Model) -> Self {
        Self {
            id: k.id,
            prefix: format!("ssk_{}", k.prefix),
            permissions: permissions_from_json(&k.permissions).to_strings(),
            name: k.name,
            created_by: UserId(k.created_by),
            created_at: k.created_at,
            expires_at: k.expires_at,
            last_used_at: k.last_used_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedApiKeyView {
    #[serde(flatten)]
    pub key: ApiKeyView,
    /// The key itself, shown only now. Send it as `X-Api-Key`.
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    pub name: String,
    /// A subset of your own permissions.
    pub permissions: Vec<String>,
    #[serde(default)]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl TryFrom<CreateApiKeyRequest> for KeyDraft {
    type Error = FieldErrors;

    fn try_from(req: CreateApiKeyRequest) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", ApiKeyName::parse(&req.name));
        let mut permissions = PermissionSet::default();
        for (index, text) in req.permissions.iter().enumerate() {
            match Permission::parse(text) {
                Some(p) => permissions = permissions.union(&[p].into_iter().collect()),
                None => errors.add(
                    &format!("permissions[{index}]"),
                    "unknown_permission",
                    format!("`{text}` is not a permission."),
                ),
            }
        }
        if req.permissions.is_empty() {
            errors.add(
                "permissions",
                "required",
                "Give the key at least one permission.",
            );
        }
        if req
            .expires_at
            .is_some_and(|at| at <= smartseller_kernel::clock::now())
        {
            errors.add("expires_at", "in_the_past", "Choose a time in the future.");
        }
        errors.finish()?;
        let Some(name) = name else {
            return Err(FieldErrors::single(
                "name",
                "invalid_length",
                "Give the key a name of 1 to 100 characters.",
            ));
        };
        Ok(KeyDraft {
            name,
            permissions,
            expires_at: req.expires_at,
        })
    }
}

/// Creates an API key for an integration. The secret is in this response only.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "api-keys", security(("bearer" = []), ("api_key" = [])), request_body = CreateApiKeyRequest,
    responses((status = 201, body = IssuedApiKeyView), (status = 403, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn create_api_key(
    State(ctx): State<IdentityCtx>,
    actor: Actor<perm::ApiKeysManage>,
    Meta(meta): Meta,
    Json(req): Json<CreateApiKeyRequest>,
) -> ApiResult<Response> {
    let issued = api_keys::create(&ctx, &actor, req.try_into()?, &meta).await?;
    let view = IssuedApiKeyView {
        key: issued.key.into(),
        secret: issued.secret,
    };
    Ok(uncacheable(StatusCode::CREATED, view))
}

/// The store's live API keys (never their secrets).
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "api-keys", security(("bearer" = []), ("api_key" = [])), params(PageQuery),
    responses((status = 200, body = PageOf<ApiKeyView>)))]
pub async fn list_api_keys(
    State(ctx): State<IdentityCtx>,
    actor: Actor<perm::ApiKeysManage>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<PageOf<ApiKeyView>>> {
    let request = page.to_request()?;
    let keys = api_keys::list(&ctx, actor.tenant, request.after, request.fetch_limit()).await?;
    Ok(Json(
        Page::from_rows(keys, request, |k| k.id)
            .map(ApiKeyView::from)
            .into(),
    ))
}

/// Revokes a key: it stops working at once.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "api-keys", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = smartseller_web::Problem)))]
pub async fn revoke_api_key(
    State(ctx): State<IdentityCtx>,
    actor: Actor<perm::ApiKeysManage>,
    Meta(meta): Meta,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    api_keys::revoke(&ctx, &actor, id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: Uuid,
    /// e.g. `auth.login`, `role.created`, `api_key.revoked`.
    pub action: String,
    /// `user`, `api_key` or `anonymous`.
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
}

impl From<audit_entry::Model> for AuditEntryView {
    fn from(e: audit_entry::Model) -> Self {
        Self {
            id: e.id,
            action: e.action,
            actor_type: e.actor_type,
            actor_id: e.actor_id,
            target_type: e.target_type,
            target_id: e.target_id,
            ip: e.ip,
            user_agent: e.user_agent,
            request_id: e.request_id,
            details: e.details,
            occurred_at: e.occurred_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub limit: Option<u64>,
    pub cursor: Option<String>,
    /// Only this action, e.g. `auth.login`.
    pub action: Option<String>,
    /// Only actions by this user or API key.
    pub actor_id: Option<Uuid>,
}

/// Security-relevant actions in the store, newest first.
#[utoipa::path(get, path = "/api/v1/audit-log", tag = "audit", security(("bearer" = []), ("api_key" = [])), params(AuditQuery),
    responses((status = 200, body = PageOf<AuditEntryView>)))]
pub async fn audit_log(
    State(ctx): State<IdentityCtx>,
    actor: Actor<perm::AuditRead>,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Json<PageOf<AuditEntryView>>> {
    let request = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    }
    .to_request()?;
    let filter = AuditFilter {
        action: query.action,
        actor_id: query.actor_id,
    };
    let rows = audit::list(
        &ctx,
        actor.tenant,
        &filter,
        request.after,
        request.fetch_limit(),
    )
    .await?;
    Ok(Json(
        Page::from_rows(rows, request, |e| e.id)
            .map(AuditEntryView::from)
            .into(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantSummary {
    pub id: TenantId,
    pub name: String,
    pub slug: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Every store on this installation. For platform operators only.
#[utoipa::path(get, path = "/api/v1/admin/tenants", tag = "admin", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = PageOf<TenantSummary>), (status = 403, body = smartseller_web::Problem)))]
pub async fn list_tenants(
    State(ctx): State<IdentityCtx>,
    Authenticated(principal): Authenticated,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<PageOf<TenantSummary>>> {
    let operator = accounts::find_user(ctx.db.conn(), principal.user_id())
        .await?
        .is_some_and(|u| u.is_platform_operator)
        && matches!(
            principal.subject,
            smartseller_web::auth::Subject::User { .. }
        );
    if !operator {
        return Err(IdentityError::NotOperator.into());
    }
    let request: PageRequest = page.to_request()?;
    let rows = accounts::list_tenants(ctx.db.conn(), request.after, request.fetch_limit()).await?;
    Ok(Json(
        Page::from_rows(rows, request, |t| t.id)
            .map(|t| TenantSummary {
                id: TenantId(t.id),
                name: t.name,
                slug: t.slug,
                created_at: t.created_at,
            })
            .into(),
    ))
}
