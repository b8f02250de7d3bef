//! Who is calling, and may they. Authentication happens once per request in [`authenticate`]:
//! a bearer JWT for people, `X-Api-Key` for integrations. Handlers then ask for an
//! [`Actor<P>`], which answers 401 without credentials and 403 without permission `P`.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr};
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use smartseller_kernel::permission::{Permission, PermissionSet};
use smartseller_kernel::{TenantId, UserId};
use smartseller_platform::revocation::RevocationList;
use uuid::Uuid;

use crate::problem::ApiError;

/// The audience every SmartSeller access token is minted for.
pub const AUDIENCE: &str = "smartseller-api";

/// What an access token says. Kept small: it travels on every request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// The user.
    pub sub: Uuid,
    /// The tenant (store) the token acts in.
    pub tid: Uuid,
    /// The session (refresh-token family) it came from; revoking the session revokes the token.
    pub sid: Uuid,
    pub roles: Vec<String>,
    pub perms: PermissionSet,
    pub iat: i64,
    pub exp: i64,
}

/// Signing keys for access tokens, each with a key id (`kid`). The active key signs; every key
/// verifies, so a new key can be introduced and an old one retired without logging anyone out.
pub struct TokenKeys {
    issuer: String,
    active_kid: String,
    keys: HashMap<String, (EncodingKey, DecodingKey)>,
    access_ttl: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid")]
    Invalid,
}

impl TokenKeys {
    /// `keys` are `(kid, secret)` pairs of HMAC-SHA256 secrets, at least 32 bytes each.
    pub fn new(
        issuer: &str,
        keys: &[(String, Vec<u8>)],
        active_kid: &str,
        access_ttl: Duration,
    ) -> Result<Self, String> {
        if !keys.iter().any(|(kid, _)| kid == active_kid) {
            return Err(format!(
                "the active signing key `{active_kid}` is not among the configured keys"
            ));
        }
        if let Some((kid, _)) = keys.iter().find(|(_, secret)| secret.len() < 32) {
            return Err(format!("signing key `{kid}` is shorter than 32 bytes"));
        }
        Ok(Self {
            issuer: issuer.to_owned(),
            active_kid: active_kid.to_owned(),
            keys: keys
                .iter()
                .map(|(kid, secret)| {
                    (
                        kid.clone(),
                        (
                            EncodingKey::from_secret(secret),
                            DecodingKey::from_secret(secret),
                        ),
                    )
                })
                .collect(),
            access_ttl,
        })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn access_ttl(&self) -> Duration {
        self.access_ttl
    }

    pub fn sign(&self, claims: &AccessClaims) -> String {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.active_kid.clone());
        let (encoding, _) = &self.keys[&self.active_kid];
        jsonwebtoken::encode(&header, claims, encoding).unwrap_or_default()
    }

    pub fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        let kid = header.kid.ok_or(TokenError::Invalid)?;
        let (_, decoding) = self.keys.get(&kid).ok_or(TokenError::Invalid)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[&self.issuer]);
        validation.leeway = 5;
        jsonwebtoken::decode::<AccessClaims>(token, decoding, &validation)
            .map(|data| data.claims)
            .map_err(|error| match error.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })
    }
}

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    User { user_id: UserId, session_id: Uuid },
    ApiKey { key_id: Uuid, created_by: UserId },
}

/// An authenticated caller, bound to one tenant.
#[derive(Debug, Clone)]
pub struct Principal {
    pub tenant: TenantId,
    pub subject: Subject,
    pub roles: Vec<String>,
    pub permissions: PermissionSet,
}

impl Principal {
    /// The user behind the call: the person, or the one who created the API key.
    pub fn user_id(&self) -> UserId {
        match &self.subject {
            Subject::User { user_id, .. } => *user_id,
            Subject::ApiKey { created_by, .. } => *created_by,
        }
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(permission)
    }

    /// A short label for logs and the audit trail: `user:<id>` or `api_key:<id>`.
    pub fn label(&self) -> (&'static str, Uuid) {
        match &self.subject {
            Subject::User { user_id, .. } => ("user", user_id.as_uuid()),
            Subject::ApiKey { key_id, .. } => ("api_key", *key_id),
        }
    }
}

/// Looks up an API key from its raw text. Implemented by the identity domain.
#[async_trait::async_trait]
pub trait ApiKeyVerifier: Send + Sync + 'static {
    async fn verify(&self, raw_key: &str) -> Result<Option<Principal>, ApiError>;
}

/// Everything [`authenticate`] needs.
#[derive(Clone)]
pub struct Authenticator {
    pub keys: Arc<TokenKeys>,
    pub api_keys: Arc<dyn ApiKeyVerifier>,
    pub revocations: Arc<dyn RevocationList>,
}

pub const API_KEY_HEADER: &str = "x-api-key";

/// Reads the credentials, if any, and puts the [`Principal`] in the request. Credentials that
/// are present but wrong are refused here, whatever the route.
pub async fn authenticate(
    State(auth): State<Authenticator>,
    mut request: Request,
    next: Next,
) -> Response {
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned());
    let api_key = request
        .headers()
        .get(API_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let principal = match (bearer, api_key) {
        (Some(value), _) => {
            let Some(token) = value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
            else {
                return ApiError::unauthenticated("Use `Authorization: Bearer <access token>`.")
                    .into_response();
            };
            match principal_from_token(&auth, token.trim()).await {
                Ok(principal) => Some(principal),
                Err(error) => return error.into_response(),
            }
        }
        (None, Some(raw)) => match auth.api_keys.verify(&raw).await {
            Ok(Some(principal)) => Some(principal),
            Ok(None) => {
                return ApiError::unauthenticated("The API key is unknown or revoked.")
                    .into_response();
            }
            Err(error) => return error.into_response(),
        },
        (None, None) => None,
    };
    if let Some(principal) = principal {
        request.extensions_mut().insert(principal);
    }
    next.run(request).await
}

async fn principal_from_token(auth: &Authenticator, token: &str) -> Result<Principal, ApiError> {
    let claims = auth.keys.verify(token).map_err(|error| match error {
        TokenError::Expired => {
            let mut problem =
                ApiError::unauthenticated("The access token has expired; refresh it.");
            problem.code = "auth.token_expired";
            problem
        }
        TokenError::Invalid => ApiError::unauthenticated("The access token is not valid."),
    })?;
    let revoked = auth
        .revocations
        .is_revoked(claims.sid)
        .await
        .map_err(|e| ApiError::unavailable(format!("cannot check revocations: {e}")))?;
    if revoked {
        let mut problem = ApiError::unauthenticated("This session has ended; sign in again.");
        problem.code = "auth.session_revoked";
        return Err(problem);
    }
    Ok(Principal {
        tenant: TenantId(claims.tid),
        subject: Subject::User {
            user_id: UserId(claims.sub),
            session_id: claims.sid,
        },
        roles: claims.roles,
        permissions: claims.perms,
    })
}

/// A permission a route requires, as a type.
pub trait RequiredPermission: Send + Sync + 'static {
    const PERMISSION: Permission;
}

/// Marker types for [`Actor`], one per permission.
pub mod perm {
    use super::{Permission, RequiredPermission};

    macro_rules! markers {
        ($($name:ident),* $(,)?) => {$(
            #[doc = concat!("Requires `", stringify!($name), "`.")]
            pub struct $name;
            impl RequiredPermission for $name {
                const PERMISSION: Permission = Permission::$name;
            }
        )*};
    }

    markers!(
        ProductsRead,
        ProductsWrite,
        InventoryRead,
        InventoryAdjust,
        OrdersRead,
        OrdersWrite,
        PaymentsRead,
        PaymentsRefund,
        PaymentsManage,
        ShippingManage,
        CustomersRead,
        CustomersWrite,
        ChannelsManage,
        MarketingManage,
        AnalyticsRead,
        UsersRead,
        UsersManage,
        RolesManage,
        ApiKeysManage,
        AuditRead,
        SettingsManage,
    );
}

/// An authenticated caller holding permission `P`.
pub struct Actor<P> {
    pub principal: Principal,
    _permission: PhantomData<P>,
}

impl<P> Deref for Actor<P> {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.principal
    }
}

impl<S: Send + Sync, P: RequiredPermission> FromRequestParts<S> for Actor<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let principal = parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or_else(|| ApiError::unauthenticated("Sign in, or send an API key."))?;
        if !principal.can(P::PERMISSION) {
            return Err(ApiError::forbidden(format!(
                "This needs the `{}` permission.",
                P::PERMISSION
            ))
            .with("required_permission", P::PERMISSION.as_str()));
        }
        Ok(Actor {
            principal,
            _permission: PhantomData,
        })
    }
}

/// Any authenticated caller, whatever its permissions.
pub struct Authenticated(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .map(Authenticated)
            .ok_or_else(|| ApiError::unauthenticated("Sign in, or send an API key."))
    }
}

/// A signed-in person (not an API key): for routes about one's own account.
pub struct SignedInUser {
    pub principal: Principal,
    pub user_id: UserId,
    pub session_id: Uuid,
}

impl<S: Send + Sync> FromRequestParts<S> for SignedInUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Authenticated(principal) = Authenticated::from_request_parts(parts, state).await?;
        match principal.subject {
            Subject::User {
                user_id,
                session_id,
            } => Ok(SignedInUser {
                principal,
                user_id,
                session_id,
            }),
            Subject::ApiKey { .. } => Err(ApiError::forbidden(
                "This is for signed-in people, not API keys.",
            )),
        }
    }
}

/// Where a request came from, for rate limits and the audit log.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(256).collect());
        Ok(ClientInfo { ip, user_agent })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(active: &str) -> TokenKeys {
        TokenKeys::new(
            "test",
            &[("k1".into(), vec![1; 32]), ("k2".into(), vec![2; 32])],
            active,
            Duration::from_secs(900),
        )
        .unwrap()
    }

    fn claims(exp_offset: i64) -> AccessClaims {
        let now = chrono::Utc::now().timestamp();
        AccessClaims {
            iss: "test".into(),
            aud: AUDIENCE.into(),
            sub: Uuid::now_v7(),
            tid: Uuid::now_v7(),
            sid: Uuid::now_v7(),
            roles: vec!["owner".into()],
            perms: PermissionSet::all(),
            iat: now,
            exp: now + exp_offset,
        }
    }

    #[test]
    fn a_token_signed_with_an_older_key_still_verifies_after_rotation() {
        let token = keys("k1").sign(&claims(60));
        assert_eq!(
            keys("k2").verify(&token).unwrap().roles,
            vec!["owner".to_string()]
        );
    }

    #[test]
    fn expired_and_tampered_tokens_are_refused() {
        let keys = keys("k1");
        assert!(matches!(
            keys.verify(&keys.sign(&claims(-60))),
            Err(TokenError::Expired)
        ));
        let mut token = keys.sign(&claims(60));
        token.push('x');
        assert!(matches!(keys.verify(&token), Err(TokenError::Invalid)));
    }

    #[test]
    fn short_secrets_and_unknown_active_keys_are_refused() {
        assert!(
            TokenKeys::new(
                "t",
                &[("k".into(), vec![0; 8])],
                "k",
                Duration::from_secs(1)
            )
            .is_err()
        );
        assert!(
            TokenKeys::new(
                "t",
                &[("k".into(), vec![0; 32])],
                "other",
                Duration::from_secs(1)
            )
            .is_err()
        );
    }
}
