//! Sign-up, sign-in, refresh, sign-out and one's own profile.

use smartseller_contracts::identity::UserEvent;
use smartseller_kernel::permission::PermissionSet;
use smartseller_kernel::{TenantId, UserId, clock};
use smartseller_platform::db::WriteTx;
use smartseller_web::auth::Principal;
use uuid::Uuid;

use super::access::{MemberAccess, Tokens, access_token, member_access, start_session};
use super::{IdentityCtx, IdentityError, IdentityResult, RequestMeta, is_unique_violation};
use crate::domain::roles::{BUILT_IN, OWNER};
use crate::domain::{EmailAddress, FullName, Password, StoreName, password, secrets};
use crate::store::access::{self as access_store, NewRole};
use crate::store::accounts::{self, ACTIVE, NewUser};
use crate::store::audit::{self, AuditRecord};
use crate::store::{tenant, user};

/// A new store and its owner, already validated.
pub struct Registration {
    pub store_name: StoreName,
    pub full_name: FullName,
    pub email: EmailAddress,
    pub password: Password,
}

/// Hashing is deliberately slow; keep it off the async workers.
pub(crate) async fn hash_password(password: &Password) -> IdentityResult<String> {
    let text = password.expose().to_owned();
    tokio::task::spawn_blocking(move || password::hash(&text))
        .await
        .map_err(|e| IdentityError::Unavailable(format!("password hashing failed: {e}")))
}

pub(crate) async fn verify_password(candidate: &str, stored: Option<String>) -> bool {
    let candidate = candidate.to_owned();
    let stored = stored.unwrap_or_else(|| password::decoy_hash().to_owned());
    tokio::task::spawn_blocking(move || password::verify(&candidate, &stored))
        .await
        .unwrap_or(false)
}

pub(crate) fn audit_record(
    tenant: TenantId,
    actor: Option<UserId>,
    action: &'static str,
    meta: &RequestMeta,
) -> AuditRecord {
    AuditRecord {
        tenant,
        actor_type: if actor.is_some() { "user" } else { "anonymous" },
        actor_id: actor.map(|a| a.as_uuid()),
        action,
        target_type: None,
        target_id: None,
        ip: meta.ip.clone(),
        user_agent: meta.user_agent.clone(),
        request_id: meta.request_id.clone(),
        details: serde_json::json!({}),
    }
}

/// An audit record of something `actor` did to a target.
pub(crate) fn actor_record(
    actor: &Principal,
    action: &'static str,
    target: (&'static str, String),
    meta: &RequestMeta,
) -> AuditRecord {
    let (actor_type, actor_id) = actor.label();
    AuditRecord {
        actor_type,
        actor_id: Some(actor_id),
        target_type: Some(target.0),
        target_id: Some(target.1),
        ..audit_record(actor.tenant, None, action, meta)
    }
}

/// Creates a store with its built-in roles and its owner, inside `tx`.
pub(crate) async fn create_store(
    tx: &mut WriteTx,
    store_name: &StoreName,
    owner: UserId,
) -> IdentityResult<TenantId> {
    let tenant = TenantId::new();
    let base = store_name.slug();
    let mut slug = base.clone();
    let mut attempt = 1;
    while accounts::slug_taken(&**tx, &slug).await? {
        attempt += 1;
        slug = if attempt < 5 {
            format!("{base}-{attempt}")
        } else {
            format!("{base}-{}", &Uuid::now_v7().simple().to_string()[24..])
        };
    }
    accounts::insert_tenant(&**tx, tenant, store_name.as_str(), &slug).await?;
    let mut owner_role = None;
    for built_in in BUILT_IN {
        let role = access_store::insert_role(
            &**tx,
            tenant,
            NewRole {
                key: built_in.key,
                name: built_in.name,
                description: built_in.description,
                permissions: &(built_in.permissions)(),
                built_in: true,
            },
        )
        .await?;
        if built_in.key == OWNER {
            owner_role = Some(role.id);
        }
    }
    accounts::insert_membership(&**tx, tenant, owner).await?;
    access_store::set_member_roles(
        &**tx,
        tenant,
        owner,
        &owner_role.into_iter().collect::<Vec<_>>(),
    )
    .await?;
    Ok(tenant)
}

pub async fn register(
    ctx: &IdentityCtx,
    registration: Registration,
    meta: &RequestMeta,
) -> IdentityResult<Tokens> {
    register_with(ctx, registration, false, meta).await
}

/// Registration, optionally of a platform operator (from the command line).
pub async fn register_with(
    ctx: &IdentityCtx,
    registration: Registration,
    operator: bool,
    meta: &RequestMeta,
) -> IdentityResult<Tokens> {
    let password_hash = hash_password(&registration.password).await?;
    let mut tx = ctx.db.begin_write().await?;
    if accounts::find_user_by_email(&*tx, registration.email.as_str())
        .await?
        .is_some()
    {
        return Err(IdentityError::EmailTaken);
    }
    let user_id = UserId::new();
    accounts::insert_user(
        &*tx,
        NewUser {
            id: user_id,
            email: registration.email.as_str(),
            password_hash: Some(password_hash),
            full_name: registration.full_name.as_str(),
            is_platform_operator: operator,
        },
    )
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            IdentityError::EmailTaken
        } else {
            e.into()
        }
    })?;
    let tenant = create_store(&mut tx, &registration.store_name, user_id).await?;
    audit::append(
        &*tx,
        audit_record(tenant, Some(user_id), "auth.registered", meta),
    )
    .await?;
    tx.publish(
        tenant,
        &UserEvent::Registered {
            user_id,
            tenant_id: tenant,
            email: registration.email.as_str().to_owned(),
            full_name: registration.full_name.as_str().to_owned(),
            store_name: registration.store_name.as_str().to_owned(),
        },
    )
    .await?;
    let tokens = start_session(ctx, &*tx, tenant, user_id, meta).await?;
    tx.commit().await.map_err(|e| {
        if is_unique_violation(&e) {
            IdentityError::EmailTaken
        } else {
            e.into()
        }
    })?;
    Ok(tokens)
}

/// Signs a person in with email and password, into `tenant` or their first store.
pub async fn login(
    ctx: &IdentityCtx,
    email: &str,
    password: &str,
    tenant: Option<TenantId>,
    meta: &RequestMeta,
) -> IdentityResult<Tokens> {
    let email = email.trim().to_lowercase();
    let account_key = format!("login:account:{email}");
    let address_key = format!("login:address:{}", meta.ip.as_deref().unwrap_or("unknown"));
    let limits = [
        (&account_key, ctx.settings.login_failures_per_account),
        (&address_key, ctx.settings.login_failures_per_address),
    ];
    for (key, limit) in limits {
        let usage = ctx
            .limiter
            .peek(key)
            .await
            .map_err(|e| IdentityError::Unavailable(format!("rate limiter: {e}")))?;
        if usage.exceeds(limit) {
            return Err(IdentityError::TooManyAttempts {
                retry_after: usage.resets_in,
            });
        }
    }

    // Text that is not an email address belongs to no account; it never reaches the database,
    // which may refuse it outright (PostgreSQL text cannot hold NUL).
    let found = match EmailAddress::parse(&email) {
        Ok(address) => accounts::find_user_by_email(ctx.db.conn(), address.as_str()).await?,
        Err(_) => None,
    };
    let verified = verify_password(
        password,
        found.as_ref().and_then(|u| u.password_hash.clone()),
    )
    .await;
    let membership = match (&found, verified) {
        (Some(user), true) => {
            let memberships = accounts::memberships_of(ctx.db.conn(), UserId(user.id)).await?;
            match tenant {
                Some(wanted) => memberships
                    .into_iter()
                    .find(|m| m.tenant_id == wanted.as_uuid()),
                None => memberships.into_iter().next(),
            }
        }
        _ => None,
    };
    let (Some(user), Some(membership)) = (found.clone(), membership) else {
        for (key, _) in limits {
            ctx.limiter
                .hit(key, ctx.settings.login_window)
                .await
                .map_err(|e| IdentityError::Unavailable(format!("rate limiter: {e}")))?;
        }
        if let Some(user) = found
            && let Some(first) = accounts::memberships_of(ctx.db.conn(), UserId(user.id))
                .await?
                .first()
        {
            let tx = ctx.db.begin_write().await?;
            let mut record = audit_record(
                TenantId(first.tenant_id),
                Some(UserId(user.id)),
                "auth.login_failed",
                meta,
            );
            record.details = serde_json::json!({ "reason": "wrong password" });
            audit::append(&*tx, record).await?;
            tx.commit().await?;
        }
        return Err(IdentityError::InvalidCredentials);
    };

    let tenant = TenantId(membership.tenant_id);
    let user_id = UserId(user.id);
    let mut tx = ctx.db.begin_write().await?;
    let tokens = start_session(ctx, &*tx, tenant, user_id, meta).await?;
    audit::append(
        &*tx,
        audit_record(tenant, Some(user_id), "auth.login", meta),
    )
    .await?;
    tx.publish(
        tenant,
        &UserEvent::LoggedIn {
            user_id,
            method: "password".into(),
        },
    )
    .await?;
    tx.commit().await?;
    let _ = ctx.limiter.reset(&account_key).await;
    Ok(tokens)
}

/// Trades a refresh token for a new pair. A token that was already used means it leaked: the
/// whole session is revoked (RFC 9700 §4.14.2).
pub async fn refresh(
    ctx: &IdentityCtx,
    presented: &str,
    meta: &RequestMeta,
) -> IdentityResult<Tokens> {
    let hash = secrets::sha256_hex(presented);
    let tx = ctx.db.begin_write().await?;
    let Some(token) = accounts::find_refresh_token(&*tx, &hash).await? else {
        return Err(IdentityError::InvalidRefreshToken);
    };
    let tenant = TenantId(token.tenant_id);
    let Some(session) = accounts::find_session(&*tx, token.session_id).await? else {
        return Err(IdentityError::InvalidRefreshToken);
    };
    let user_id = UserId(session.user_id);
    let now = clock::now();
    if token.status != ACTIVE || !accounts::spend_refresh_token(&*tx, token.id).await? {
        if session.revoked_at.is_none() {
            accounts::revoke_session(&*tx, session.id, "refresh_token_reused").await?;
            let mut record = audit_record(tenant, Some(user_id), "auth.refresh_token_reused", meta);
            record.details = serde_json::json!({ "session_id": session.id });
            audit::append(&*tx, record).await?;
            tx.commit().await?;
            revoke_access(ctx, session.id).await?;
        }
        return Err(IdentityError::RefreshTokenReused);
    }
    if session.revoked_at.is_some() || session.expires_at <= now || token.expires_at <= now {
        return Err(IdentityError::InvalidRefreshToken);
    }
    if accounts::find_membership(&*tx, tenant, user_id)
        .await?
        .is_none()
    {
        accounts::revoke_session(&*tx, session.id, "membership_ended").await?;
        tx.commit().await?;
        return Err(IdentityError::InvalidRefreshToken);
    }
    let access = member_access(&*tx, tenant, user_id).await?;
    let refresh_token = secrets::random_token("rt_");
    let expires_at = now + chrono::Duration::from_std(ctx.settings.refresh_ttl).unwrap_or_default();
    accounts::insert_refresh_token(
        &*tx,
        tenant,
        session.id,
        &secrets::sha256_hex(&refresh_token),
        expires_at,
    )
    .await?;
    accounts::touch_session(&*tx, session.id).await?;
    tx.commit().await?;
    Ok(Tokens {
        access_token: access_token(ctx, tenant, user_id, session.id, &access),
        refresh_token,
        expires_in: ctx.keys.access_ttl().as_secs(),
        tenant_id: tenant,
        user_id,
    })
}

/// Keeps access tokens of a revoked session from working until they expire by themselves.
pub(crate) async fn revoke_access(ctx: &IdentityCtx, session: Uuid) -> IdentityResult<()> {
    ctx.revocations
        .revoke(
            session,
            ctx.keys.access_ttl() + std::time::Duration::from_secs(60),
        )
        .await
        .map_err(|e| IdentityError::Unavailable(format!("cannot record the revocation: {e}")))
}

/// Ends the caller's session: its refresh tokens stop working now, and so does its access token.
pub async fn logout(
    ctx: &IdentityCtx,
    tenant: TenantId,
    user: UserId,
    session: Uuid,
    meta: &RequestMeta,
) -> IdentityResult<()> {
    let tx = ctx.db.begin_write().await?;
    accounts::revoke_session(&*tx, session, "logout").await?;
    audit::append(&*tx, audit_record(tenant, Some(user), "auth.logout", meta)).await?;
    tx.commit().await?;
    revoke_access(ctx, session).await
}

/// One's own account as seen in the current store.
pub struct Profile {
    pub user: user::Model,
    pub tenant: tenant::Model,
    pub access: MemberAccess,
}

pub async fn profile(ctx: &IdentityCtx, tenant: TenantId, user: UserId) -> IdentityResult<Profile> {
    let conn = ctx.db.conn();
    let account = accounts::find_user(conn, user)
        .await?
        .ok_or(IdentityError::NotFound("user"))?;
    let store = accounts::find_tenant(conn, tenant)
        .await?
        .ok_or(IdentityError::NotFound("store"))?;
    let access = member_access(conn, tenant, user).await?;
    Ok(Profile {
        user: account,
        tenant: store,
        access,
    })
}

/// Changes to one's own profile; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct ProfileChanges {
    pub full_name: Option<FullName>,
    /// `Some(None)` clears the phone number.
    pub phone: Option<Option<String>>,
    pub locale: Option<String>,
}

pub async fn update_profile(
    ctx: &IdentityCtx,
    tenant: TenantId,
    user: UserId,
    changes: ProfileChanges,
    meta: &RequestMeta,
) -> IdentityResult<Profile> {
    use sea_orm::{IntoActiveModel, Set};
    let mut tx = ctx.db.begin_write().await?;
    let account = accounts::find_user(&*tx, user)
        .await?
        .ok_or(IdentityError::NotFound("user"))?;
    let mut changed = Vec::new();
    let mut model = account.into_active_model();
    if let Some(name) = changes.full_name {
        model.full_name = Set(name.as_str().to_owned());
        changed.push("full_name".to_owned());
    }
    if let Some(phone) = changes.phone {
        model.phone = Set(phone);
        changed.push("phone".to_owned());
    }
    if let Some(locale) = changes.locale {
        model.locale = Set(locale);
        changed.push("locale".to_owned());
    }
    if !changed.is_empty() {
        model.updated_at = Set(clock::now());
        accounts::update_user(&*tx, model).await?;
        let mut record = audit_record(tenant, Some(user), "profile.updated", meta);
        record.details = serde_json::json!({ "changed": changed });
        audit::append(&*tx, record).await?;
        tx.publish(
            tenant,
            &UserEvent::ProfileUpdated {
                user_id: user,
                changed,
            },
        )
        .await?;
    }
    tx.commit().await?;
    profile(ctx, tenant, user).await
}

/// For API-key creation and role grants: what the caller could grant.
pub fn grantable(held: &PermissionSet, wanted: &PermissionSet) -> IdentityResult<()> {
    let missing: Vec<String> = wanted
        .iter()
        .filter(|p| !held.contains(*p))
        .map(|p| p.as_str().to_owned())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(IdentityError::PermissionNotHeld(missing))
    }
}
