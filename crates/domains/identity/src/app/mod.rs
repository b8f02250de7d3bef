//! Identity's use cases. Each one that writes starts exactly one transaction, writes its state,
//! its audit record and its events together, and commits.

pub mod access;
pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod oidc;
pub mod team;

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{DbErr, SqlErr};
use smartseller_kernel::validation::FieldErrors;
use smartseller_platform::Db;
use smartseller_platform::limits::RateLimiter;
use smartseller_platform::mail::Mailer;
use smartseller_platform::revocation::RevocationList;
use smartseller_web::auth::TokenKeys;

/// Tunables of the identity domain, with production defaults.
#[derive(Debug, Clone)]
pub struct IdentitySettings {
    /// How long a session (and so a refresh token) lives without being used.
    pub refresh_ttl: Duration,
    pub invitation_ttl: Duration,
    /// Failed sign-ins allowed per account, and per address, in one window.
    pub login_failures_per_account: u32,
    pub login_failures_per_address: u32,
    pub login_window: Duration,
    /// Where people reach the admin app, for links in email.
    pub public_url: String,
}

impl Default for IdentitySettings {
    fn default() -> Self {
        Self {
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            invitation_ttl: Duration::from_secs(7 * 24 * 3600),
            login_failures_per_account: 5,
            login_failures_per_address: 50,
            login_window: Duration::from_secs(15 * 60),
            public_url: "http://127.0.0.1:8080".to_owned(),
        }
    }
}

/// What identity's use cases and handlers share.
#[derive(Clone)]
pub struct IdentityCtx {
    pub db: Db,
    pub keys: Arc<TokenKeys>,
    pub limiter: Arc<dyn RateLimiter>,
    pub revocations: Arc<dyn RevocationList>,
    pub mailer: Arc<dyn Mailer>,
    pub settings: Arc<IdentitySettings>,
    pub oidc: Arc<oidc::OidcProviders>,
}

/// Where a request came from, for the audit log and sessions.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

/// Everything that can go wrong in identity, named for what happened.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("too many failed attempts")]
    TooManyAttempts { retry_after: Duration },
    #[error("the refresh token is not valid")]
    InvalidRefreshToken,
    #[error("the refresh token was already used")]
    RefreshTokenReused,
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("built-in roles cannot be changed")]
    BuiltInRole,
    #[error("the role is still held or promised to {holders} person(s)")]
    RoleInUse { holders: u64 },
    #[error("a role with this key already exists")]
    RoleKeyTaken,
    #[error("cannot grant permissions you do not hold")]
    PermissionNotHeld(Vec<String>),
    #[error("the owner's access cannot be changed here")]
    OwnerProtected,
    #[error("the invitation is no longer valid")]
    InvitationInvalid,
    #[error("already a member of this store")]
    AlreadyMember,
    #[error("this is for platform operators")]
    NotOperator,
    #[error("sign-in with the provider failed: {0}")]
    Oidc(String),
    #[error("unknown sign-in provider")]
    UnknownProvider,
    #[error(transparent)]
    Db(DbErr),
    #[error("{0}")]
    Unavailable(String),
}

impl From<DbErr> for IdentityError {
    fn from(error: DbErr) -> Self {
        IdentityError::Db(error)
    }
}

impl From<FieldErrors> for IdentityError {
    fn from(errors: FieldErrors) -> Self {
        IdentityError::Invalid(errors)
    }
}

/// True when `error` is a unique-constraint violation (a lost race on an insert).
pub(crate) fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

pub type IdentityResult<T> = Result<T, IdentityError>;
