//! Roles, members and invitations of a store.

use smartseller_contracts::identity::UserEvent;
use smartseller_kernel::permission::PermissionSet;
use smartseller_kernel::{TenantId, UserId, clock};
use smartseller_platform::mail::Email;
use smartseller_web::auth::Principal;
use uuid::Uuid;

use super::access::{Tokens, start_session};
use super::accounts::{
    actor_record as record, audit_record, grantable, hash_password, revoke_access, verify_password,
};
use super::{IdentityCtx, IdentityError, IdentityResult, RequestMeta, is_unique_violation};
use crate::domain::roles::OWNER;
use crate::domain::{
    EmailAddress, FullName, Password, RoleDescription, RoleKey, RoleName, secrets,
};
use crate::store::access::{
    self as access_store, ACCEPTED, CANCELLED, NewInvitation, NewRole, PENDING,
};
use crate::store::accounts::{self, NewUser};
use crate::store::audit;
use crate::store::{invitation, permissions_from_json, role, user};

/// A role as the seller describes it.
pub struct RoleDraft {
    pub key: Option<RoleKey>,
    pub name: RoleName,
    pub description: RoleDescription,
    pub permissions: PermissionSet,
}

pub async fn list_roles(
    ctx: &IdentityCtx,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u64,
) -> IdentityResult<Vec<role::Model>> {
    Ok(access_store::list_roles(ctx.db.conn(), tenant, after, limit).await?)
}

pub async fn get_role(
    ctx: &IdentityCtx,
    tenant: TenantId,
    id: Uuid,
) -> IdentityResult<role::Model> {
    access_store::find_role(ctx.db.conn(), tenant, id)
        .await?
        .ok_or(IdentityError::NotFound("role"))
}

pub async fn create_role(
    ctx: &IdentityCtx,
    actor: &Principal,
    draft: RoleDraft,
    meta: &RequestMeta,
) -> IdentityResult<role::Model> {
    grantable(&actor.permissions, &draft.permissions)?;
    let key = match draft.key {
        Some(key) => key,
        None => RoleKey::from_name(&draft.name).map_err(|e| {
            IdentityError::Invalid(smartseller_kernel::validation::FieldErrors::single(
                "key", e.code, e.message,
            ))
        })?,
    };
    let tx = ctx.db.begin_write().await?;
    if access_store::find_role_by_key(&*tx, actor.tenant, key.as_str())
        .await?
        .is_some()
    {
        return Err(IdentityError::RoleKeyTaken);
    }
    let role = access_store::insert_role(
        &*tx,
        actor.tenant,
        NewRole {
            key: key.as_str(),
            name: draft.name.as_str(),
            description: draft.description.as_str(),
            permissions: &draft.permissions,
            built_in: false,
        },
    )
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            IdentityError::RoleKeyTaken
        } else {
            e.into()
        }
    })?;
    let mut entry = record(actor, "role.created", ("role", role.id.to_string()), meta);
    entry.details = serde_json::json!({ "key": role.key, "permissions": draft.permissions });
    audit::append(&*tx, entry).await?;
    tx.commit().await?;
    Ok(role)
}

pub async fn update_role(
    ctx: &IdentityCtx,
    actor: &Principal,
    id: Uuid,
    draft: RoleDraft,
    meta: &RequestMeta,
) -> IdentityResult<role::Model> {
    use sea_orm::{IntoActiveModel, Set};
    let tx = ctx.db.begin_write().await?;
    let existing = access_store::find_role(&*tx, actor.tenant, id)
        .await?
        .ok_or(IdentityError::NotFound("role"))?;
    if existing.built_in {
        return Err(IdentityError::BuiltInRole);
    }
    // Removing a permission you do not hold is as much an escalation question as adding one:
    // only someone who holds everything involved may change the role.
    grantable(
        &actor.permissions,
        &draft
            .permissions
            .union(&permissions_from_json(&existing.permissions)),
    )?;
    let before = existing.permissions.clone();
    let mut model = existing.into_active_model();
    model.name = Set(draft.name.as_str().to_owned());
    model.description = Set(draft.description.as_str().to_owned());
    model.permissions = Set(crate::store::permissions_to_json(&draft.permissions));
    model.updated_at = Set(clock::now());
    let role = access_store::update_role(&*tx, model).await?;
    let mut entry = record(actor, "role.updated", ("role", role.id.to_string()), meta);
    entry.details = serde_json::json!({ "before": before, "after": role.permissions });
    audit::append(&*tx, entry).await?;
    tx.commit().await?;
    Ok(role)
}

pub async fn delete_role(
    ctx: &IdentityCtx,
    actor: &Principal,
    id: Uuid,
    meta: &RequestMeta,
) -> IdentityResult<()> {
    let tx = ctx.db.begin_write().await?;
    let existing = access_store::find_role(&*tx, actor.tenant, id)
        .await?
        .ok_or(IdentityError::NotFound("role"))?;
    if existing.built_in {
        return Err(IdentityError::BuiltInRole);
    }
    let holders = access_store::role_holders(&*tx, actor.tenant, id).await?;
    // A pending invitation promises the role too: deleting it would silently shrink what the
    // invited person gets.
    let invited = access_store::list_pending_invitations(&*tx, actor.tenant)
        .await?
        .iter()
        .filter(|invitation| role_ids_of(invitation).contains(&id))
        .count() as u64;
    if holders + invited > 0 {
        return Err(IdentityError::RoleInUse {
            holders: holders + invited,
        });
    }
    access_store::delete_role(&*tx, actor.tenant, id).await?;
    let mut entry = record(actor, "role.deleted", ("role", id.to_string()), meta);
    entry.details = serde_json::json!({ "key": existing.key });
    audit::append(&*tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// A member with their roles.
pub struct Member {
    pub user: user::Model,
    pub joined_at: chrono::DateTime<chrono::Utc>,
    pub roles: Vec<role::Model>,
}

pub async fn list_members(
    ctx: &IdentityCtx,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u64,
) -> IdentityResult<Vec<Member>> {
    let conn = ctx.db.conn();
    let rows = access_store::members(conn, tenant, after, limit).await?;
    let ids: Vec<Uuid> = rows.iter().map(|(_, u)| u.id).collect();
    let mut roles = access_store::roles_of_members(conn, tenant, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|(membership, user)| Member {
            roles: roles.remove(&user.id).unwrap_or_default(),
            joined_at: membership.created_at,
            user,
        })
        .collect())
}

pub async fn get_member(
    ctx: &IdentityCtx,
    tenant: TenantId,
    user: UserId,
) -> IdentityResult<Member> {
    let conn = ctx.db.conn();
    let membership = accounts::find_membership(conn, tenant, user)
        .await?
        .ok_or(IdentityError::NotFound("user"))?;
    let account = accounts::find_user(conn, user)
        .await?
        .ok_or(IdentityError::NotFound("user"))?;
    let roles = access_store::roles_of_members(conn, tenant, &[user.as_uuid()])
        .await?
        .remove(&user.as_uuid())
        .unwrap_or_default();
    Ok(Member {
        user: account,
        joined_at: membership.created_at,
        roles,
    })
}

/// Checks that `ids` are roles of this store that `actor` may hand out, and not the owner role.
async fn assignable_roles(
    conn: &impl sea_orm::ConnectionTrait,
    actor: &Principal,
    ids: &[Uuid],
    field: &str,
) -> IdentityResult<Vec<role::Model>> {
    let roles = access_store::roles_by_ids(conn, actor.tenant, ids).await?;
    let mut errors = smartseller_kernel::validation::FieldErrors::new();
    for (index, id) in ids.iter().enumerate() {
        if !roles.iter().any(|r| r.id == *id) {
            errors.add(
                &format!("{field}[{index}]"),
                "unknown_role",
                "No such role in this store.",
            );
        }
    }
    errors.finish()?;
    if roles.iter().any(|r| r.key == OWNER) {
        return Err(IdentityError::OwnerProtected);
    }
    let granted = roles.iter().fold(PermissionSet::default(), |all, r| {
        all.union(&permissions_from_json(&r.permissions))
    });
    grantable(&actor.permissions, &granted)?;
    Ok(roles)
}

/// A member's current roles, if `actor` may change them: never the owner's, and never those of
/// someone holding permissions the actor lacks (a staff manager cannot demote an admin).
async fn changeable_member_roles(
    conn: &impl sea_orm::ConnectionTrait,
    actor: &Principal,
    member: UserId,
) -> IdentityResult<Vec<role::Model>> {
    let current = access_store::roles_of_members(conn, actor.tenant, &[member.as_uuid()])
        .await?
        .remove(&member.as_uuid())
        .unwrap_or_default();
    if current.iter().any(|r| r.key == OWNER) {
        return Err(IdentityError::OwnerProtected);
    }
    let held = current.iter().fold(PermissionSet::default(), |all, r| {
        all.union(&permissions_from_json(&r.permissions))
    });
    grantable(&actor.permissions, &held)?;
    Ok(current)
}

pub async fn set_member_roles(
    ctx: &IdentityCtx,
    actor: &Principal,
    member: UserId,
    role_ids: Vec<Uuid>,
    meta: &RequestMeta,
) -> IdentityResult<Member> {
    let mut tx = ctx.db.begin_write().await?;
    accounts::find_membership(&*tx, actor.tenant, member)
        .await?
        .ok_or(IdentityError::NotFound("user"))?;
    let current = changeable_member_roles(&*tx, actor, member).await?;
    let roles = assignable_roles(&*tx, actor, &role_ids, "role_ids").await?;
    let ids: Vec<Uuid> = roles.iter().map(|r| r.id).collect();
    access_store::set_member_roles(&*tx, actor.tenant, member, &ids).await?;
    let keys: Vec<String> = roles.iter().map(|r| r.key.clone()).collect();
    let mut entry = record(
        actor,
        "member.roles_changed",
        ("user", member.to_string()),
        meta,
    );
    entry.details = serde_json::json!({ "before": current.iter().map(|r| &r.key).collect::<Vec<_>>(), "after": keys });
    audit::append(&*tx, entry).await?;
    tx.publish(
        actor.tenant,
        &UserEvent::RoleChanged {
            user_id: member,
            roles: keys,
        },
    )
    .await?;
    // Access tokens carry permissions; end the member's sessions so new rights apply now.
    let sessions = accounts::live_sessions(&*tx, actor.tenant, member).await?;
    for session in &sessions {
        accounts::revoke_session(&*tx, *session, "roles_changed").await?;
    }
    tx.commit().await?;
    for session in sessions {
        revoke_access(ctx, session).await?;
    }
    get_member(ctx, actor.tenant, member).await
}

pub async fn remove_member(
    ctx: &IdentityCtx,
    actor: &Principal,
    member: UserId,
    meta: &RequestMeta,
) -> IdentityResult<()> {
    let tx = ctx.db.begin_write().await?;
    accounts::find_membership(&*tx, actor.tenant, member)
        .await?
        .ok_or(IdentityError::NotFound("user"))?;
    changeable_member_roles(&*tx, actor, member).await?;
    access_store::remove_membership(&*tx, actor.tenant, member).await?;
    let sessions = accounts::live_sessions(&*tx, actor.tenant, member).await?;
    for session in &sessions {
        accounts::revoke_session(&*tx, *session, "removed_from_store").await?;
    }
    audit::append(
        &*tx,
        record(actor, "member.removed", ("user", member.to_string()), meta),
    )
    .await?;
    tx.commit().await?;
    for session in sessions {
        revoke_access(ctx, session).await?;
    }
    Ok(())
}

/// A new invitation and the token that accepts it (shown once).
pub struct IssuedInvitation {
    pub invitation: invitation::Model,
    pub token: String,
    pub roles: Vec<role::Model>,
}

pub async fn invite(
    ctx: &IdentityCtx,
    actor: &Principal,
    email: EmailAddress,
    role_ids: Vec<Uuid>,
    meta: &RequestMeta,
) -> IdentityResult<IssuedInvitation> {
    let tx = ctx.db.begin_write().await?;
    let roles = assignable_roles(&*tx, actor, &role_ids, "role_ids").await?;
    if let Some(existing) = accounts::find_user_by_email(&*tx, email.as_str()).await?
        && accounts::find_membership(&*tx, actor.tenant, UserId(existing.id))
            .await?
            .is_some()
    {
        return Err(IdentityError::AlreadyMember);
    }
    let token = secrets::random_token("inv_");
    let expires_at =
        clock::now() + chrono::Duration::from_std(ctx.settings.invitation_ttl).unwrap_or_default();
    let ids: Vec<Uuid> = roles.iter().map(|r| r.id).collect();
    let invitation = access_store::insert_invitation(
        &*tx,
        actor.tenant,
        NewInvitation {
            email: email.as_str(),
            role_ids: &ids,
            token_hash: &secrets::sha256_hex(&token),
            invited_by: actor.user_id(),
            expires_at,
        },
    )
    .await?;
    let mut entry = record(
        actor,
        "invitation.created",
        ("invitation", invitation.id.to_string()),
        meta,
    );
    entry.details = serde_json::json!({ "email": email.as_str(), "roles": roles.iter().map(|r| &r.key).collect::<Vec<_>>() });
    audit::append(&*tx, entry).await?;
    let store = accounts::find_tenant(&*tx, actor.tenant)
        .await?
        .map(|t| t.name)
        .unwrap_or_default();
    tx.commit().await?;
    // The invitation stands even if the mail fails: the inviter also gets the link to share.
    let link = format!(
        "{}/accept-invitation?token={token}",
        ctx.settings.public_url.trim_end_matches('/')
    );
    let mail = Email {
        id: invitation.id,
        to: email.as_str().to_owned(),
        subject: format!("You are invited to join {store} on SmartSeller"),
        text: format!(
            "Hello,\n\nYou have been invited to help run {store} on SmartSeller.\nAccept the invitation here (valid for {} days):\n\n{link}\n",
            ctx.settings.invitation_ttl.as_secs() / 86_400
        ),
    };
    if let Err(error) = ctx.mailer.send(&mail).await {
        tracing::warn!(%error, invitation = %invitation.id, "invitation email not sent");
    }
    Ok(IssuedInvitation {
        invitation,
        token,
        roles,
    })
}

pub async fn list_invitations(
    ctx: &IdentityCtx,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u64,
) -> IdentityResult<Vec<(invitation::Model, Vec<role::Model>)>> {
    let conn = ctx.db.conn();
    let invitations = access_store::list_invitations(conn, tenant, after, limit).await?;
    let all_ids: Vec<Uuid> = invitations.iter().flat_map(role_ids_of).collect();
    let roles = access_store::roles_by_ids(conn, tenant, &all_ids).await?;
    Ok(invitations
        .into_iter()
        .map(|inv| {
            let ids = role_ids_of(&inv);
            let held = roles
                .iter()
                .filter(|r| ids.contains(&r.id))
                .cloned()
                .collect();
            (inv, held)
        })
        .collect())
}

pub(crate) fn role_ids_of(invitation: &invitation::Model) -> Vec<Uuid> {
    serde_json::from_value(invitation.role_ids.clone()).unwrap_or_default()
}

pub async fn cancel_invitation(
    ctx: &IdentityCtx,
    actor: &Principal,
    id: Uuid,
    meta: &RequestMeta,
) -> IdentityResult<()> {
    let tx = ctx.db.begin_write().await?;
    if !access_store::close_invitation(&*tx, actor.tenant, id, CANCELLED).await? {
        return Err(IdentityError::NotFound("invitation"));
    }
    audit::append(
        &*tx,
        record(
            actor,
            "invitation.cancelled",
            ("invitation", id.to_string()),
            meta,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Accepting an invitation: a new person sets their name and password; someone who already has
/// an account proves it with their password.
pub struct Acceptance {
    pub token: String,
    pub full_name: Option<FullName>,
    pub password: String,
}

pub async fn accept_invitation(
    ctx: &IdentityCtx,
    acceptance: Acceptance,
    meta: &RequestMeta,
) -> IdentityResult<Tokens> {
    let hash = secrets::sha256_hex(&acceptance.token);
    let found = access_store::find_invitation_by_token(ctx.db.conn(), &hash).await?;
    let Some(invitation) = found.filter(|i| i.status == PENDING && i.expires_at > clock::now())
    else {
        return Err(IdentityError::InvitationInvalid);
    };
    let tenant = TenantId(invitation.tenant_id);
    let email =
        EmailAddress::parse(&invitation.email).map_err(|_| IdentityError::InvitationInvalid)?;
    let existing = accounts::find_user_by_email(ctx.db.conn(), email.as_str()).await?;
    let new_password_hash = match &existing {
        Some(account) => {
            if !verify_password(&acceptance.password, account.password_hash.clone()).await {
                return Err(IdentityError::InvalidCredentials);
            }
            None
        }
        None => {
            let mut errors = smartseller_kernel::validation::FieldErrors::new();
            let password = errors.check(
                "password",
                Password::parse(&acceptance.password, Some(&email)),
            );
            if acceptance.full_name.is_none() {
                errors.add("full_name", "required", "Enter your name.");
            }
            errors.finish()?;
            Some(hash_password(&password.ok_or(IdentityError::InvitationInvalid)?).await?)
        }
    };

    let mut tx = ctx.db.begin_write().await?;
    if !access_store::close_invitation(&*tx, tenant, invitation.id, ACCEPTED).await? {
        return Err(IdentityError::InvitationInvalid);
    }
    let user_id = match existing {
        Some(account) => UserId(account.id),
        None => {
            let id = UserId::new();
            let name = acceptance
                .full_name
                .as_ref()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default();
            accounts::insert_user(
                &*tx,
                NewUser {
                    id,
                    email: email.as_str(),
                    password_hash: new_password_hash,
                    full_name: &name,
                    is_platform_operator: false,
                },
            )
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    IdentityError::InvitationInvalid
                } else {
                    e.into()
                }
            })?;
            id
        }
    };
    if accounts::find_membership(&*tx, tenant, user_id)
        .await?
        .is_some()
    {
        return Err(IdentityError::AlreadyMember);
    }
    accounts::insert_membership(&*tx, tenant, user_id).await?;
    let roles = access_store::roles_by_ids(&*tx, tenant, &role_ids_of(&invitation)).await?;
    access_store::set_member_roles(
        &*tx,
        tenant,
        user_id,
        &roles.iter().map(|r| r.id).collect::<Vec<_>>(),
    )
    .await?;
    let mut entry = audit_record(tenant, Some(user_id), "invitation.accepted", meta);
    entry.target_type = Some("invitation");
    entry.target_id = Some(invitation.id.to_string());
    audit::append(&*tx, entry).await?;
    tx.publish(
        tenant,
        &UserEvent::JoinedStore {
            user_id,
            tenant_id: tenant,
            email: email.as_str().to_owned(),
            roles: roles.iter().map(|r| r.key.clone()).collect(),
        },
    )
    .await?;
    let tokens = start_session(ctx, &*tx, tenant, user_id, meta).await?;
    tx.commit().await?;
    Ok(tokens)
}
