//! What a member may do in a store, and the tokens that carry it.

use sea_orm::ConnectionTrait;
use smartseller_kernel::permission::PermissionSet;
use smartseller_kernel::{TenantId, UserId, clock};
use smartseller_web::auth::{AUDIENCE, AccessClaims};
use uuid::Uuid;

use super::{IdentityCtx, IdentityResult, RequestMeta};
use crate::domain::secrets;
use crate::store::{access as access_store, accounts, permissions_from_json};

/// A member's roles in a store and the permissions they add up to.
#[derive(Debug, Clone, Default)]
pub struct MemberAccess {
    pub roles: Vec<String>,
    pub permissions: PermissionSet,
}

pub async fn member_access(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> IdentityResult<MemberAccess> {
    let roles = access_store::roles_of_members(conn, tenant, &[user.as_uuid()])
        .await?
        .remove(&user.as_uuid())
        .unwrap_or_default();
    let permissions = roles.iter().fold(PermissionSet::default(), |all, role| {
        all.union(&permissions_from_json(&role.permissions))
    });
    Ok(MemberAccess {
        roles: roles.into_iter().map(|r| r.key).collect(),
        permissions,
    })
}

/// What a client gets when it signs in or refreshes.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
    pub tenant_id: TenantId,
    pub user_id: UserId,
}

/// Mints an access token for a session.
pub fn access_token(
    ctx: &IdentityCtx,
    tenant: TenantId,
    user: UserId,
    session: Uuid,
    access: &MemberAccess,
) -> String {
    let now = clock::now().timestamp();
    let ttl = i64::try_from(ctx.keys.access_ttl().as_secs()).unwrap_or(900);
    ctx.keys.sign(&AccessClaims {
        iss: ctx.keys.issuer().to_owned(),
        aud: AUDIENCE.to_owned(),
        sub: user.as_uuid(),
        tid: tenant.as_uuid(),
        sid: session,
        roles: access.roles.clone(),
        perms: access.permissions.clone(),
        iat: now,
        exp: now + ttl,
    })
}

/// Starts a session (a refresh-token family) inside the caller's transaction.
pub async fn start_session(
    ctx: &IdentityCtx,
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    meta: &RequestMeta,
) -> IdentityResult<Tokens> {
    let access = member_access(conn, tenant, user).await?;
    let expires_at =
        clock::now() + chrono::Duration::from_std(ctx.settings.refresh_ttl).unwrap_or_default();
    let session = accounts::insert_session(
        conn,
        tenant,
        user,
        expires_at,
        meta.ip.clone(),
        meta.user_agent.clone(),
    )
    .await?;
    let refresh_token = secrets::random_token("rt_");
    accounts::insert_refresh_token(
        conn,
        tenant,
        session,
        &secrets::sha256_hex(&refresh_token),
        expires_at,
    )
    .await?;
    Ok(Tokens {
        access_token: access_token(ctx, tenant, user, session, &access),
        refresh_token,
        expires_in: ctx.keys.access_ttl().as_secs(),
        tenant_id: tenant,
        user_id: user,
    })
}
