//! Roles, who holds them, invitations and API keys: all per store.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use smartseller_kernel::permission::PermissionSet;
use smartseller_kernel::{TenantId, UserId, clock};
use uuid::Uuid;

use super::accounts::ACTIVE;
use super::{api_key, invitation, member_role, membership, permissions_to_json, role, user};

pub struct NewRole<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub permissions: &'a PermissionSet,
    pub built_in: bool,
}

pub async fn insert_role(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    new: NewRole<'_>,
) -> Result<role::Model, DbErr> {
    let now = clock::now();
    role::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant.as_uuid()),
        key: Set(new.key.to_owned()),
        name: Set(new.name.to_owned()),
        description: Set(new.description.to_owned()),
        permissions: Set(permissions_to_json(new.permissions)),
        built_in: Set(new.built_in),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
}

/// One page of a store's roles, oldest (the built-ins) first.
pub async fn list_roles(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<role::Model>, DbErr> {
    let mut query = role::Entity::find()
        .filter(role::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_asc(role::Column::Id)
        .limit(limit);
    if let Some(after) = after {
        query = query.filter(role::Column::Id.gt(after));
    }
    query.all(conn).await
}

pub async fn find_role(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<role::Model>, DbErr> {
    role::Entity::find_by_id(id)
        .filter(role::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

pub async fn find_role_by_key(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    key: &str,
) -> Result<Option<role::Model>, DbErr> {
    role::Entity::find()
        .filter(role::Column::TenantId.eq(tenant.as_uuid()))
        .filter(role::Column::Key.eq(key))
        .one(conn)
        .await
}

/// The roles with these ids that exist in this store; ids from other stores are simply absent.
pub async fn roles_by_ids(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[Uuid],
) -> Result<Vec<role::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    role::Entity::find()
        .filter(role::Column::TenantId.eq(tenant.as_uuid()))
        .filter(role::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(role::Column::Id)
        .all(conn)
        .await
}

pub async fn update_role(
    conn: &impl ConnectionTrait,
    model: role::ActiveModel,
) -> Result<role::Model, DbErr> {
    model.update(conn).await
}

pub async fn delete_role(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<(), DbErr> {
    role::Entity::delete_many()
        .filter(role::Column::TenantId.eq(tenant.as_uuid()))
        .filter(role::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

pub async fn role_holders(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    role: Uuid,
) -> Result<u64, DbErr> {
    member_role::Entity::find()
        .filter(member_role::Column::TenantId.eq(tenant.as_uuid()))
        .filter(member_role::Column::RoleId.eq(role))
        .count(conn)
        .await
}

/// Replaces a member's roles.
pub async fn set_member_roles(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    roles: &[Uuid],
) -> Result<(), DbErr> {
    member_role::Entity::delete_many()
        .filter(member_role::Column::TenantId.eq(tenant.as_uuid()))
        .filter(member_role::Column::UserId.eq(user.as_uuid()))
        .exec(conn)
        .await?;
    if roles.is_empty() {
        return Ok(());
    }
    member_role::Entity::insert_many(roles.iter().map(|role| member_role::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        user_id: Set(user.as_uuid()),
        role_id: Set(*role),
    }))
    .exec(conn)
    .await
    .map(|_| ())
}

/// The roles of several members of one store, in two queries whatever the number of members.
pub async fn roles_of_members(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    users: &[Uuid],
) -> Result<HashMap<Uuid, Vec<role::Model>>, DbErr> {
    if users.is_empty() {
        return Ok(HashMap::new());
    }
    let links = member_role::Entity::find()
        .filter(member_role::Column::TenantId.eq(tenant.as_uuid()))
        .filter(member_role::Column::UserId.is_in(users.iter().copied()))
        .all(conn)
        .await?;
    let role_ids: Vec<Uuid> = links.iter().map(|l| l.role_id).collect();
    let roles: HashMap<Uuid, role::Model> = roles_by_ids(conn, tenant, &role_ids)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let mut by_user: HashMap<Uuid, Vec<role::Model>> = HashMap::new();
    for link in links {
        if let Some(role) = roles.get(&link.role_id) {
            by_user.entry(link.user_id).or_default().push(role.clone());
        }
    }
    for list in by_user.values_mut() {
        list.sort_by_key(|r| r.id);
    }
    Ok(by_user)
}

/// Members of a store with their user rows, oldest first, one page.
pub async fn members(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<(membership::Model, user::Model)>, DbErr> {
    let mut query = membership::Entity::find()
        .filter(membership::Column::TenantId.eq(tenant.as_uuid()))
        .filter(membership::Column::Status.eq(ACTIVE))
        .order_by_asc(membership::Column::UserId)
        .limit(limit);
    if let Some(after) = after {
        query = query.filter(membership::Column::UserId.gt(after));
    }
    let memberships = query.all(conn).await?;
    let ids: Vec<Uuid> = memberships.iter().map(|m| m.user_id).collect();
    let users: HashMap<Uuid, user::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect()
    };
    Ok(memberships
        .into_iter()
        .filter_map(|m| users.get(&m.user_id).cloned().map(|u| (m, u)))
        .collect())
}

pub async fn remove_membership(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<(), DbErr> {
    set_member_roles(conn, tenant, user, &[]).await?;
    membership::Entity::delete_many()
        .filter(membership::Column::TenantId.eq(tenant.as_uuid()))
        .filter(membership::Column::UserId.eq(user.as_uuid()))
        .exec(conn)
        .await
        .map(|_| ())
}

pub const PENDING: &str = "pending";
pub const ACCEPTED: &str = "accepted";
pub const CANCELLED: &str = "cancelled";

pub struct NewInvitation<'a> {
    pub email: &'a str,
    pub role_ids: &'a [Uuid],
    pub token_hash: &'a str,
    pub invited_by: UserId,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_invitation(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    new: NewInvitation<'_>,
) -> Result<invitation::Model, DbErr> {
    invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant.as_uuid()),
        email: Set(new.email.to_owned()),
        role_ids: Set(serde_json::to_value(new.role_ids).unwrap_or_default()),
        token_hash: Set(new.token_hash.to_owned()),
        invited_by: Set(new.invited_by.as_uuid()),
        status: Set(PENDING.to_owned()),
        created_at: Set(clock::now()),
        expires_at: Set(new.expires_at),
        accepted_at: Set(None),
    }
    .insert(conn)
    .await
}

pub async fn list_invitations(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<invitation::Model>, DbErr> {
    let mut query = invitation::Entity::find()
        .filter(invitation::Column::TenantId.eq(tenant.as_uuid()))
        .filter(invitation::Column::Status.eq(PENDING))
        .order_by_asc(invitation::Column::Id)
        .limit(limit);
    if let Some(after) = after {
        query = query.filter(invitation::Column::Id.gt(after));
    }
    query.all(conn).await
}

/// Every pending, unexpired invitation of a store.
pub async fn list_pending_invitations(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Vec<invitation::Model>, DbErr> {
    invitation::Entity::find()
        .filter(invitation::Column::TenantId.eq(tenant.as_uuid()))
        .filter(invitation::Column::Status.eq(PENDING))
        .filter(invitation::Column::ExpiresAt.gt(clock::now()))
        .all(conn)
        .await
}

pub async fn find_invitation_by_token(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<invitation::Model>, DbErr> {
    invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await
}

/// Moves a pending invitation to `status`; false when it was no longer pending.
pub async fn close_invitation(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
    status: &str,
) -> Result<bool, DbErr> {
    let result = invitation::Entity::update_many()
        .col_expr(invitation::Column::Status, Expr::value(status))
        .col_expr(
            invitation::Column::AcceptedAt,
            Expr::value((status == ACCEPTED).then(clock::now)),
        )
        .filter(invitation::Column::TenantId.eq(tenant.as_uuid()))
        .filter(invitation::Column::Id.eq(id))
        .filter(invitation::Column::Status.eq(PENDING))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

pub struct NewApiKey<'a> {
    pub name: &'a str,
    pub prefix: &'a str,
    pub secret_hash: &'a str,
    pub permissions: &'a PermissionSet,
    pub created_by: UserId,
    pub expires_at: Option<DateTime<Utc>>,
}

pub async fn insert_api_key(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    new: NewApiKey<'_>,
) -> Result<api_key::Model, DbErr> {
    api_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant.as_uuid()),
        name: Set(new.name.to_owned()),
        prefix: Set(new.prefix.to_owned()),
        secret_hash: Set(new.secret_hash.to_owned()),
        permissions: Set(permissions_to_json(new.permissions)),
        created_by: Set(new.created_by.as_uuid()),
        created_at: Set(clock::now()),
        expires_at: Set(new.expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await
}

pub async fn list_api_keys(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<api_key::Model>, DbErr> {
    let mut query = api_key::Entity::find()
        .filter(api_key::Column::TenantId.eq(tenant.as_uuid()))
        .filter(api_key::Column::RevokedAt.is_null())
        .order_by_asc(api_key::Column::Id)
        .limit(limit);
    if let Some(after) = after {
        query = query.filter(api_key::Column::Id.gt(after));
    }
    query.all(conn).await
}

/// Looks a key up by its public part, across stores: the key itself says which store it is for.
pub async fn find_api_key_by_prefix(
    conn: &impl ConnectionTrait,
    prefix: &str,
) -> Result<Option<api_key::Model>, DbErr> {
    api_key::Entity::find()
        .filter(api_key::Column::Prefix.eq(prefix))
        .one(conn)
        .await
}

pub async fn revoke_api_key(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<bool, DbErr> {
    let result = api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(clock::now()))
        .filter(api_key::Column::TenantId.eq(tenant.as_uuid()))
        .filter(api_key::Column::Id.eq(id))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Records use, at most once a minute per key, so a busy integration does not write on every call.
pub async fn mark_api_key_used(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    let now = clock::now();
    api_key::Entity::update_many()
        .col_expr(api_key::Column::LastUsedAt, Expr::value(now))
        .filter(api_key::Column::Id.eq(id))
        .filter(
            sea_orm::Condition::any()
                .add(api_key::Column::LastUsedAt.is_null())
                .add(api_key::Column::LastUsedAt.lt(now - chrono::Duration::seconds(60))),
        )
        .exec(conn)
        .await
        .map(|_| ())
}
