//! API keys for integrations: shown once, stored as a hash, limited to a subset of their
//! creator's permissions (then and now), revocable, with the time they were last used.

use chrono::{DateTime, Utc};
use smartseller_kernel::permission::PermissionSet;
use smartseller_kernel::{TenantId, UserId, clock};
use smartseller_web::auth::{ApiKeyVerifier, Principal, Subject};
use smartseller_web::problem::ApiError;
use uuid::Uuid;

use super::access::member_access;
use super::accounts::{actor_record, grantable};
use super::{IdentityCtx, IdentityError, IdentityResult, RequestMeta};
use crate::domain::{ApiKeyName, secrets};
use crate::store::access::{self as access_store, NewApiKey};
use crate::store::{accounts, api_key, audit, permissions_from_json};

pub struct KeyDraft {
    pub name: ApiKeyName,
    pub permissions: PermissionSet,
    pub expires_at: Option<DateTime<Utc>>,
}

pub struct IssuedKey {
    pub key: api_key::Model,
    pub secret: String,
}

pub async fn create(
    ctx: &IdentityCtx,
    actor: &Principal,
    draft: KeyDraft,
    meta: &RequestMeta,
) -> IdentityResult<IssuedKey> {
    grantable(&actor.permissions, &draft.permissions)?;
    let issued = secrets::new_api_key();
    let tx = ctx.db.begin_write().await?;
    let key = access_store::insert_api_key(
        &*tx,
        actor.tenant,
        NewApiKey {
            name: draft.name.as_str(),
            prefix: &issued.lookup,
            secret_hash: &secrets::sha256_hex(&issued.full),
            permissions: &draft.permissions,
            created_by: actor.user_id(),
            expires_at: draft.expires_at,
        },
    )
    .await?;
    let mut entry = actor_record(
        actor,
        "api_key.created",
        ("api_key", key.id.to_string()),
        meta,
    );
    entry.details = serde_json::json!({ "name": key.name, "permissions": draft.permissions });
    audit::append(&*tx, entry).await?;
    tx.commit().await?;
    Ok(IssuedKey {
        key,
        secret: issued.full,
    })
}

pub async fn list(
    ctx: &IdentityCtx,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u64,
) -> IdentityResult<Vec<api_key::Model>> {
    Ok(access_store::list_api_keys(ctx.db.conn(), tenant, after, limit).await?)
}

pub async fn revoke(
    ctx: &IdentityCtx,
    actor: &Principal,
    id: Uuid,
    meta: &RequestMeta,
) -> IdentityResult<()> {
    let tx = ctx.db.begin_write().await?;
    if !access_store::revoke_api_key(&*tx, actor.tenant, id).await? {
        return Err(IdentityError::NotFound("API key"));
    }
    let entry = actor_record(actor, "api_key.revoked", ("api_key", id.to_string()), meta);
    audit::append(&*tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks a presented key: it must exist, match, be neither revoked nor expired, and its creator
/// must still belong to the store.
pub async fn verify(ctx: &IdentityCtx, presented: &str) -> IdentityResult<Option<Principal>> {
    let Some(lookup) = secrets::api_key_lookup(presented) else {
        return Ok(None);
    };
    let conn = ctx.db.conn();
    let Some(key) = access_store::find_api_key_by_prefix(conn, lookup).await? else {
        return Ok(None);
    };
    let live = key.revoked_at.is_none() && key.expires_at.is_none_or(|at| at > clock::now());
    if !live || !secrets::same_hash(&key.secret_hash, &secrets::sha256_hex(presented)) {
        return Ok(None);
    }
    let tenant = TenantId(key.tenant_id);
    let creator = UserId(key.created_by);
    if accounts::find_membership(conn, tenant, creator)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    // The subset rule holds for the key's whole life: when its creator is given fewer rights,
    // the key loses them too, just as the creator's own sessions do.
    let creator_may = member_access(conn, tenant, creator).await?.permissions;
    let permissions: PermissionSet = permissions_from_json(&key.permissions)
        .iter()
        .filter(|p| creator_may.contains(*p))
        .collect();
    if let Err(error) = access_store::mark_api_key_used(conn, key.id).await {
        tracing::warn!(%error, "cannot record API key use");
    }
    Ok(Some(Principal {
        tenant,
        subject: Subject::ApiKey {
            key_id: key.id,
            created_by: creator,
        },
        roles: Vec::new(),
        permissions,
    }))
}

/// The web layer's view of API keys.
pub struct ApiKeys(pub IdentityCtx);

#[async_trait::async_trait]
impl ApiKeyVerifier for ApiKeys {
    async fn verify(&self, raw_key: &str) -> Result<Option<Principal>, ApiError> {
        verify(&self.0, raw_key).await.map_err(ApiError::from)
    }
}
