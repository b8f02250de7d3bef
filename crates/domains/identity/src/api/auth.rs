//! `/api/v1/auth/*`: sign-up, sign-in, tokens, profile, and OpenID Connect.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use smartseller_kernel::id::parse_id;
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, UserId};
use smartseller_web::auth::SignedInUser;
use smartseller_web::extract::uncacheable;
use smartseller_web::{ApiResult, Json, Path, Query};
use utoipa::{IntoParams, ToSchema};

use super::Meta;
use crate::app::access::Tokens;
use crate::app::accounts::{self, ProfileChanges, Registration};
use crate::app::{IdentityCtx, oidc};
use crate::domain::{EmailAddress, FullName, Password, StoreName};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// The store's name, e.g. "Toko Batik Sari".
    pub store_name: String,
    pub full_name: String,
    pub email: String,
    /// At least 10 characters; common passwords are refused.
    pub password: String,
}

impl TryFrom<RegisterRequest> for Registration {
    type Error = FieldErrors;

    fn try_from(req: RegisterRequest) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let store_name = errors.check("store_name", StoreName::parse(&req.store_name));
        let full_name = errors.check("full_name", FullName::parse(&req.full_name));
        let email = errors.check("email", EmailAddress::parse(&req.email));
        let password = errors.check("password", Password::parse(&req.password, email.as_ref()));
        match (store_name, full_name, email, password) {
            (Some(store_name), Some(full_name), Some(email), Some(password))
                if errors.is_empty() =>
            {
                Ok(Registration {
                    store_name,
                    full_name,
                    email,
                    password,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Tokens for a signed-in person.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Single-use; trade it at `/auth/refresh` for a new pair.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub tenant_id: TenantId,
    pub user_id: UserId,
}

impl From<Tokens> for TokenResponse {
    fn from(t: Tokens) -> Self {
        Self {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            token_type: "Bearer",
            expires_in: t.expires_in,
            tenant_id: t.tenant_id,
            user_id: t.user_id,
        }
    }
}

fn no_store(status: StatusCode, tokens: Tokens) -> Response {
    uncacheable(status, TokenResponse::from(tokens))
}

/// Creates a store and its owner, and signs the owner in.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = TokenResponse), (status = 409, body = smartseller_web::Problem, description = "email taken"),
              (status = 422, body = smartseller_web::Problem)))]
pub async fn register(
    State(ctx): State<IdentityCtx>,
    Meta(meta): Meta,
    Json(req): Json<RegisterRequest>,
) -> ApiResult<Response> {
    let tokens = accounts::register(&ctx, req.try_into()?, &meta).await?;
    Ok(no_store(StatusCode::CREATED, tokens))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// The store to sign in to, for people in several; their first store otherwise.
    #[serde(default)]
    pub tenant_id: Option<String>,
}

/// Signs in with email and password. Repeated failures answer 429 with `Retry-After`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = smartseller_web::Problem), (status = 429, body = smartseller_web::Problem)))]
pub async fn login(
    State(ctx): State<IdentityCtx>,
    Meta(meta): Meta,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let mut errors = FieldErrors::new();
    if req.email.trim().is_empty() {
        errors.add("email", "required", "Enter your email address.");
    }
    if req.password.is_empty() {
        errors.add("password", "required", "Enter your password.");
    }
    let tenant = req
        .tenant_id
        .as_deref()
        .and_then(|t| errors.check("tenant_id", parse_id::<TenantId>(t).map_err(InvalidTenant)));
    errors.finish()?;
    let tokens = accounts::login(&ctx, &req.email, &req.password, tenant, &meta).await?;
    Ok(no_store(StatusCode::OK, tokens))
}

struct InvalidTenant(smartseller_kernel::id::InvalidId);

impl smartseller_kernel::validation::Invalid for InvalidTenant {
    fn code(&self) -> &'static str {
        "invalid_id"
    }
    fn message(&self) -> String {
        self.0.to_string()
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Trades a refresh token for a new pair. Each refresh token works once; presenting a used one
/// ends the whole session.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = smartseller_web::Problem)))]
pub async fn refresh(
    State(ctx): State<IdentityCtx>,
    Meta(meta): Meta,
    Json(req): Json<RefreshRequest>,
) -> ApiResult<Response> {
    if req.refresh_token.is_empty() || req.refresh_token.len() > 512 {
        return Err(FieldErrors::single(
            "refresh_token",
            "invalid",
            "Send the refresh token you were given.",
        )
        .into());
    }
    let tokens = accounts::refresh(&ctx, &req.refresh_token, &meta).await?;
    Ok(no_store(StatusCode::OK, tokens))
}

/// Ends the current session: its access and refresh tokens stop working.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = smartseller_web::Problem)))]
pub async fn logout(
    State(ctx): State<IdentityCtx>,
    user: SignedInUser,
    Meta(meta): Meta,
) -> ApiResult<StatusCode> {
    accounts::logout(
        &ctx,
        user.principal.tenant,
        user.user_id,
        user.session_id,
        &meta,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileView {
    pub id: UserId,
    pub email: String,
    pub full_name: String,
    pub phone: Option<String>,
    pub locale: String,
    pub tenant: TenantView,
    pub roles: Vec<String>,
    pub permissions: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantView {
    pub id: TenantId,
    pub name: String,
    pub slug: String,
}

impl From<accounts::Profile> for ProfileView {
    fn from(p: accounts::Profile) -> Self {
        Self {
            id: UserId(p.user.id),
            email: p.user.email,
            full_name: p.user.full_name,
            phone: p.user.phone,
            locale: p.user.locale,
            tenant: TenantView {
                id: TenantId(p.tenant.id),
                name: p.tenant.name,
                slug: p.tenant.slug,
            },
            roles: p.access.roles,
            permissions: p.access.permissions.to_strings(),
            created_at: p.user.created_at,
        }
    }
}

/// The signed-in person, their store, roles and permissions.
#[utoipa::path(get, path = "/api/v1/auth/profile", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = ProfileView), (status = 401, body = smartseller_web::Problem)))]
pub async fn profile(
    State(ctx): State<IdentityCtx>,
    user: SignedInUser,
) -> ApiResult<Json<ProfileView>> {
    Ok(Json(
        accounts::profile(&ctx, user.principal.tenant, user.user_id)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfileRequest {
    pub full_name: Option<String>,
    /// Digits with an optional leading `+`; an empty string clears it.
    pub phone: Option<String>,
    /// `id-ID` or `en-US`.
    pub locale: Option<String>,
}

impl TryFrom<UpdateProfileRequest> for ProfileChanges {
    type Error = FieldErrors;

    fn try_from(req: UpdateProfileRequest) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let full_name = req
            .full_name
            .as_deref()
            .and_then(|n| errors.check("full_name", FullName::parse(n)));
        let phone = match req.phone.as_deref().map(str::trim) {
            None => None,
            Some("") => Some(None),
            Some(p) => {
                let digits = p.strip_prefix('+').unwrap_or(p);
                if (6..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
                    Some(Some(p.to_owned()))
                } else {
                    errors.add(
                        "phone",
                        "invalid_phone",
                        "Use 6 to 15 digits, optionally starting with +.",
                    );
                    None
                }
            }
        };
        let locale = match req.locale.as_deref() {
            None => None,
            Some(l @ ("id-ID" | "en-US")) => Some(l.to_owned()),
            Some(_) => {
                errors.add("locale", "unsupported_locale", "Choose id-ID or en-US.");
                None
            }
        };
        errors.finish()?;
        Ok(ProfileChanges {
            full_name,
            phone,
            locale,
        })
    }
}

/// Changes the signed-in person's name, phone or language.
#[utoipa::path(put, path = "/api/v1/auth/profile", tag = "auth", security(("bearer" = [])), request_body = UpdateProfileRequest,
    responses((status = 200, body = ProfileView), (status = 422, body = smartseller_web::Problem)))]
pub async fn update_profile(
    State(ctx): State<IdentityCtx>,
    user: SignedInUser,
    Meta(meta): Meta,
    Json(req): Json<UpdateProfileRequest>,
) -> ApiResult<Json<ProfileView>> {
    let profile = accounts::update_profile(
        &ctx,
        user.principal.tenant,
        user.user_id,
        req.try_into()?,
        &meta,
    )
    .await?;
    Ok(Json(profile.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProvidersView {
    pub providers: Vec<String>,
}

/// The OpenID Connect providers people can sign in with.
#[utoipa::path(get, path = "/api/v1/auth/oidc/providers", tag = "auth", responses((status = 200, body = ProvidersView)))]
pub async fn oidc_providers(State(ctx): State<IdentityCtx>) -> Json<ProvidersView> {
    Json(ProvidersView {
        providers: ctx.oidc.names(),
    })
}

/// Starts sign-in with a provider: redirects the browser to it (authorization code + PKCE).
#[utoipa::path(get, path = "/api/v1/auth/oidc/{provider}/authorize", tag = "auth",
    params(("provider" = String, Path, description = "e.g. google")),
    responses((status = 302, description = "to the provider"), (status = 404, body = smartseller_web::Problem)))]
pub async fn oidc_authorize(
    State(ctx): State<IdentityCtx>,
    Path(provider): Path<String>,
) -> ApiResult<Response> {
    let url = oidc::begin(&ctx, &provider).await?;
    Ok((
        StatusCode::FOUND,
        [
            (header::LOCATION, url),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Where the provider sends the browser back; answers tokens like `/auth/login`.
#[utoipa::path(get, path = "/api/v1/auth/oidc/{provider}/callback", tag = "auth",
    params(("provider" = String, Path), CallbackQuery),
    responses((status = 200, body = TokenResponse), (status = 502, body = smartseller_web::Problem)))]
pub async fn oidc_callback(
    State(ctx): State<IdentityCtx>,
    Path(provider): Path<String>,
    Meta(meta): Meta,
    Query(query): Query<CallbackQuery>,
) -> ApiResult<Response> {
    if let Some(error) = query.error {
        return Err(crate::app::IdentityError::Oidc(format!(
            "{error}: {}",
            query.error_description.unwrap_or_default()
        ))
        .into());
    }
    let mut errors = FieldErrors::new();
    if query.code.as_deref().unwrap_or_default().is_empty() {
        errors.add("code", "required", "The provider sent no code.");
    }
    if query.state.as_deref().unwrap_or_default().is_empty() {
        errors.add("state", "required", "The provider sent no state.");
    }
    errors.finish()?;
    let tokens = oidc::finish(
        &ctx,
        &provider,
        &query.code.unwrap_or_default(),
        &query.state.unwrap_or_default(),
        &meta,
    )
    .await?;
    Ok(no_store(StatusCode::OK, tokens))
}
