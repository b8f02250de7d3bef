//! Identity's HTTP face: thin handlers that extract, call one use case and answer.

pub mod auth;
pub mod keys;
pub mod team;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use smartseller_web::auth::ClientInfo;
use smartseller_web::problem::ApiError;
use smartseller_web::request::current_request_id;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::{IdentityCtx, IdentityError, RequestMeta};

/// Every identity route, bound to its state.
pub fn router(ctx: IdentityCtx) -> OpenApiRouter {
    routes().with_state(ctx)
}

/// Every identity route with its OpenAPI description, before its state is bound.
pub fn routes() -> OpenApiRouter<IdentityCtx> {
    OpenApiRouter::new()
        .routes(routes!(auth::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::profile, auth::update_profile))
        .routes(routes!(auth::oidc_providers))
        .routes(routes!(auth::oidc_authorize))
        .routes(routes!(auth::oidc_callback))
        .routes(routes!(team::permissions))
        .routes(routes!(team::list_roles, team::create_role))
        .routes(routes!(
            team::get_role,
            team::update_role,
            team::delete_role
        ))
        .routes(routes!(team::list_users))
        .routes(routes!(team::get_user, team::remove_user))
        .routes(routes!(team::set_user_roles))
        .routes(routes!(team::list_invitations, team::invite))
        .routes(routes!(team::cancel_invitation))
        .routes(routes!(team::accept_invitation))
        .routes(routes!(keys::list_api_keys, keys::create_api_key))
        .routes(routes!(keys::revoke_api_key))
        .routes(routes!(keys::audit_log))
        .routes(routes!(keys::list_tenants))
}

/// The request's origin, for sessions and the audit log.
pub struct Meta(pub RequestMeta);

impl<S: Send + Sync> FromRequestParts<S> for Meta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ClientInfo { ip, user_agent } = ClientInfo::from_request_parts(parts, state).await?;
        Ok(Meta(RequestMeta {
            ip: ip.map(|ip| ip.to_string()),
            user_agent,
            request_id: current_request_id(),
        }))
    }
}

impl From<IdentityError> for ApiError {
    fn from(error: IdentityError) -> Self {
        use IdentityError::*;
        match error {
            Invalid(errors) => ApiError::validation(errors),
            EmailTaken => ApiError::conflict(
                "auth.email_taken",
                "An account with this email already exists; sign in instead.",
            ),
            InvalidCredentials => {
                let mut e = ApiError::unauthenticated("The email or password is wrong.");
                e.code = "auth.invalid_credentials";
                e.title = "Invalid credentials";
                e.www_authenticate = false;
                e
            }
            TooManyAttempts { retry_after } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "auth.too_many_attempts",
                "Too many attempts",
            )
            .detail("Too many failed sign-ins. Wait before trying again.")
            .retry_after(retry_after.as_secs() + 1),
            InvalidRefreshToken => {
                let mut e =
                    ApiError::unauthenticated("The refresh token is not valid; sign in again.");
                e.code = "auth.invalid_refresh_token";
                e.www_authenticate = false;
                e
            }
            RefreshTokenReused => {
                let mut e = ApiError::unauthenticated(
                    "This refresh token was already used, so the session has been ended for safety; sign in again.",
                );
                e.code = "auth.refresh_token_reused";
                e.www_authenticate = false;
                e
            }
            NotFound(what) => ApiError::not_found(what),
            BuiltInRole => ApiError::conflict(
                "roles.built_in",
                "Built-in roles cannot be changed or deleted; create a custom role instead.",
            ),
            RoleInUse { holders } => ApiError::conflict(
                "roles.in_use",
                format!("{holders} member(s) or pending invitation(s) still hold this role; give them another role or cancel the invitations first."),
            )
            .with("holders", holders),
            RoleKeyTaken => ApiError::conflict(
                "roles.key_taken",
                "A role with this key already exists in this store.",
            ),
            PermissionNotHeld(missing) => {
                ApiError::forbidden("You cannot grant permissions you do not hold yourself.")
                    .with("missing_permissions", missing)
            }
            OwnerProtected => ApiError::conflict(
                "users.owner_protected",
                "The owner's access cannot be changed here.",
            ),
            InvitationInvalid => ApiError::new(
                StatusCode::GONE,
                "invitations.invalid",
                "Invitation not valid",
            )
            .detail(
                "This invitation was already used, cancelled, or has expired. Ask for a new one.",
            ),
            AlreadyMember => ApiError::conflict(
                "invitations.already_member",
                "This person is already a member of the store.",
            ),
            NotOperator => ApiError::forbidden("This is for platform operators."),
            Oidc(message) => ApiError::new(
                StatusCode::BAD_GATEWAY,
                "auth.oidc_failed",
                "Sign-in with the provider failed",
            )
            .detail(message),
            UnknownProvider => ApiError::not_found("sign-in provider"),
            Db(error) => ApiError::internal(error),
            Unavailable(message) => ApiError::unavailable(message),
        }
    }
}
