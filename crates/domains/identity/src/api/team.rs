//! `/api/v1/roles`, `/api/v1/users`, `/api/v1/invitations`, `/api/v1/permissions`.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use smartseller_kernel::UserId;
use smartseller_kernel::page::Page;
use smartseller_kernel::permission::{Permission, PermissionSet};
use smartseller_kernel::validation::FieldErrors;
use smartseller_web::auth::{Actor, perm};
use smartseller_web::extract::uncacheable;
use smartseller_web::pagination::{PageOf, PageQuery};
use smartseller_web::{ApiResult, Json, Path, Query};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Meta;
use super::auth::TokenResponse;
use crate::app::IdentityCtx;
use crate::app::team::{self, Acceptance, RoleDraft};
use crate::domain::{EmailAddress, FullName, RoleDescription, RoleKey, RoleName};
use crate::store::{invitation, permissions_from_json, role};

#[derive(Debug, Serialize, ToSchema)]
pub struct PermissionView {
    pub permission: String,
    pub description: String,
}

/// Every permission a role can grant.
#[utoipa::path(get, path = "/api/v1/permissions", tag = "roles", security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = [PermissionView])))]
pub async fn permissions(_actor: Actor<perm::RolesManage>) -> Json<Vec<PermissionView>> {
    Json(
        Permission::ALL
            .iter()
            .map(|p| PermissionView {
                permission: p.as_str().to_owned(),
                description: p.describe().to_owned(),
            })
            .collect(),
    )
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleView {
    pub id: Uuid,
    pub key: String,
    pub name: String,
    pub description: String,
    pub permissions: Vec<String>,
    /// Built-in roles cannot be changed or deleted.
    pub built_in: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<role::Model> for RoleView {
    fn from(r: role::Model) -> Self {
        Self {
            id: r.id,
            permissions: permissions_from_json(&r.permissions).to_strings(),
            key: r.key,
            name: r.name,
            description: r.description,
            built_in: r.built_in,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleRef {
    pub id: Uuid,
    pub key: String,
    pub name: String,
}

impl From<&role::Model> for RoleRef {
    fn from(r: &role::Model) -> Self {
        Self {
            id: r.id,
            key: r.key.clone(),
            name: r.name.clone(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    /// Machine key, unique in the store; derived from the name when left out. Ignored on update.
    #[serde(default)]
    pub key: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// e.g. `["orders:read", "orders:write"]`; see `/api/v1/permissions`.
    pub permissions: Vec<String>,
}

impl TryFrom<RoleRequest> for RoleDraft {
    type Error = FieldErrors;

    fn try_from(req: RoleRequest) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let key = req
            .key
            .as_deref()
            .and_then(|k| errors.check("key", RoleKey::parse(k)));
        let name = errors.check("name", RoleName::parse(&req.name));
        let description = errors.check(
            "description",
            RoleDescription::parse(req.description.as_deref().unwrap_or_default()),
        );
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
        match (name, description) {
            (Some(name), Some(description)) if errors.is_empty() => Ok(RoleDraft {
                key,
                name,
                description,
                permissions,
            }),
            _ => Err(errors),
        }
    }
}

/// The store's roles, built-in first.
#[utoipa::path(get, path = "/api/v1/roles", tag = "roles", security(("bearer" = []), ("api_key" = [])), params(PageQuery),
    responses((status = 200, body = PageOf<RoleView>), (status = 403, body = smartseller_web::Problem)))]
pub async fn list_roles(
    State(ctx): State<IdentityCtx>,
    actor: Actor<perm::RolesManage>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<PageOf<RoleView>>> {
    let request = page.to_request()?;
    let roles = team::list_roles(&ctx, actor.tenant, request.after, request.fetch_limit()).await?;
    Ok(Json(
        Page::from_rows(roles, request, |r| r.id)
            .map(RoleView::from)
            .into(),
    ))
}

/// Creates a custom role. You can only grant permissions you hold.
#[utoipa::path(post, path = "/api/v1/roles", tag = "roles", security(("bearer" = []), ("api_key" = [])), request_body = RoleRequest,
    responses((status = 201, body = RoleView), (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn create_role(
    State(ctx): State<IdentityCtx>,
    actor: Actor<perm::RolesManage>,
    Meta(meta): Meta,
    Json(req): Json<RoleRequest>,
) -> ApiResult<Response> {
    let role = team::create_role(&ctx, &actor, req.try_into()?, &meta).await?;
    let location = format!("/api/v1/roles/{}", role.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(RoleView::from(role)),
    )
        .into_response())
}

/// One role of the store.
#[utoipa::path(get, path = "/api/v1/roles/{id}", tag = "roles", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = RoleView), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_role(
    State(ctx): State<IdentityCtx>,
    actor: Actor<perm::RolesManage>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<RoleView>> {
    Ok(Json(team::get_role(&ctx, actor.tenant, id).await?.into()))
}

/// Changes a custom role's name, description and permissions. Members holding it get the new
/// permissions on their next token refresh.
#[utoipa::path(put, path = "/api/v1/roles/{id}", tag = "roles", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = RoleRequest,
    responses((status = 200, body = RoleView), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem)))]
pub async fn update_role(
    State(ctx): State<IdentityCtx>,
    actor: Actor<perm::RolesManage>,
    Meta(meta): Meta,
    Path(id): Path<Uuid>,
    Json(req): Json<RoleRequest>,
) -> ApiResult<Json<RoleView>> {
    Ok(Json(
        team::update_role(&ctx, &actor, id, req.try_into()?, &meta)
            .await?
            .into(),
    ))
}

/// Deletes a custom role nobody holds.
#[utoipa::path(delete, path = "/api/v1/roles/{id}", tag = "roles", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem)))]
pub async fn delete_role(
    State(ctx): State<IdentityCtx>,
    actor: Actor<perm::RolesManage>,
    Meta(meta): Meta,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    team::delete_role(&ctx, &actor, id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub id: UserId,
    pub email: String,
    pub full_name: String,
    pub roles: Vec<RoleRef>,
    pub joined_at: chrono::DateTime<chrono::Utc>,
}

impl From<team::Member> for MemberView {
    fn from(m: team::Member) -> Self {
        Self {
            id: UserId(m.user.id),
            email: m.user.email,
            full_name: m.user.full_name,
            roles: m.roles.iter().map(RoleRef::from).collect(),
            joined_at: m.joined_at,
        }
    }
}

/// The store's members and their roles.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = []), ("api_key" = [])), params(PageQuery),
    responses((status = 200, body = PageOf<MemberView>)))]
pub async fn list_users(
    State(ctx): State<IdentityCtx>,
    actor: Actor<perm::UsersRead>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<PageOf<MemberView>>> {
    let request = page.to_request()?;
    let members =
        team::list_members(&ctx, actor.tenant, request.after, request.fetch_limit()).await?;
    Ok(Json(
        Page::from_rows(members, request, |m| m.user.id)
            .map(MemberView::from)
            .into(),
    ))
}

/// One member of the store, with their roles.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = MemberView), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_user(
    State(ctx): State<IdentityCtx>,
    actor: Actor<perm::UsersRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<MemberView>> {
    Ok(Json(
        team::get_member(&ctx, actor.tenant, UserId(id))
            .await?
            .into(),
    ))
}

/// Removes a member from the store and ends their sessions.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem)))]
pub async fn remove_user(
    State(ctx): State<IdentityCtx>,
    actor: Actor<perm::UsersManage>,
    Meta(meta): Meta,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    team::remove_member(&ctx, &actor, UserId(id), &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRolesRequest {
    pub role_ids: Vec<Uuid>,
}

/// Replaces a member's roles; their sessions end so the change applies at once.
#[utoipa::path(put, path = "/api/v1/users/{id}/roles", tag = "users", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = SetRolesRequest,
    responses((status = 200, body = MemberView), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem)))]
pub async fn set_user_roles(
    State(ctx): State<IdentityCtx>,
    actor: Actor<perm::UsersManage>,
    Meta(meta): Meta,
    Path(id): Path<Uuid>,
    Json(req): Json<SetRolesRequest>,
) -> ApiResult<Json<MemberView>> {
    Ok(Json(
        team::set_member_roles(&ctx, &actor, UserId(id), req.role_ids, &meta)
            .await?
            .into(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationView {
    pub id: Uuid,
    pub email: String,
    pub roles: Vec<RoleRef>,
    pub status: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

fn invitation_view(invitation: invitation::Model, roles: &[role::Model]) -> InvitationView {
    InvitationView {
        id: invitation.id,
        email: invitation.email,
        roles: roles.iter().map(RoleRef::from).collect(),
        status: invitation.status,
        expires_at: invitation.expires_at,
        created_at: invitation.created_at,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedInvitationView {
    #[serde(flatten)]
    pub invitation: InvitationView,
    /// Shown once. Also emailed; share it another way if the mail does not arrive.
    pub accept_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    pub email: String,
    pub role_ids: Vec<Uuid>,
}

/// Invites someone by email to join the store with the given roles.
#[utoipa::path(post, path = "/api/v1/invitations", tag = "users", security(("bearer" = []), ("api_key" = [])), request_body = InviteRequest,
    responses((status = 201, body = IssuedInvitationView), (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn invite(
    State(ctx): State<IdentityCtx>,
    actor: Actor<perm::UsersManage>,
    Meta(meta): Meta,
    Json(req): Json<InviteRequest>,
) -> ApiResult<Response> {
    let mut errors = FieldErrors::new();
    let email = errors.check("email", EmailAddress::parse(&req.email));
    if req.role_ids.is_empty() {
        errors.add(
            "role_ids",
            "required",
            "Give the new member at least one role.",
        );
    }
    errors.finish()?;
    let Some(email) = email else {
        return Err(FieldErrors::single("email", "invalid_email", "Invalid email.").into());
    };
    let issued = team::invite(&ctx, &actor, email, req.role_ids, &meta).await?;
    let view = IssuedInvitationView {
        invitation: invitation_view(issued.invitation, &issued.roles),
        accept_token: issued.token,
    };
    Ok(uncacheable(StatusCode::CREATED, view))
}

/// Pending invitations.
#[utoipa::path(get, path = "/api/v1/invitations", tag = "users", security(("bearer" = []), ("api_key" = [])), params(PageQuery),
    responses((status = 200, body = PageOf<InvitationView>)))]
pub async fn list_invitations(
    State(ctx): State<IdentityCtx>,
    actor: Actor<perm::UsersManage>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<PageOf<InvitationView>>> {
    let request = page.to_request()?;
    let rows =
        team::list_invitations(&ctx, actor.tenant, request.after, request.fetch_limit()).await?;
    Ok(Json(
        Page::from_rows(rows, request, |(i, _)| i.id)
            .map(|(i, roles)| invitation_view(i, &roles))
            .into(),
    ))
}

/// Cancels a pending invitation; its link stops working.
#[utoipa::path(delete, path = "/api/v1/invitations/{id}", tag = "users", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = smartseller_web::Problem)))]
pub async fn cancel_invitation(
    State(ctx): State<IdentityCtx>,
    actor: Actor<perm::UsersManage>,
    Meta(meta): Meta,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    team::cancel_invitation(&ctx, &actor, id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitationRequest {
    pub token: String,
    /// Required when the invited email has no account yet.
    #[serde(default)]
    pub full_name: Option<String>,
    /// A new password, or the existing account's password.
    pub password: String,
}

/// Accepts an invitation and signs the new member in.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "users", request_body = AcceptInvitationRequest,
    responses((status = 200, body = TokenResponse), (status = 410, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn accept_invitation(
    State(ctx): State<IdentityCtx>,
    Meta(meta): Meta,
    Json(req): Json<AcceptInvitationRequest>,
) -> ApiResult<Response> {
    let mut errors = FieldErrors::new();
    if req.token.is_empty() || req.token.len() > 200 {
        errors.add(
            "token",
            "invalid",
            "Send the invitation token you were given.",
        );
    }
    let full_name = req
        .full_name
        .as_deref()
        .and_then(|n| errors.check("full_name", FullName::parse(n)));
    errors.finish()?;
    let tokens = team::accept_invitation(
        &ctx,
        Acceptance {
            token: req.token,
            full_name,
            password: req.password,
        },
        &meta,
    )
    .await?;
    Ok(uncacheable(StatusCode::OK, TokenResponse::from(tokens)))
}
