//! Stores (tenants), people, memberships, sessions and refresh tokens.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use smartseller_kernel::{TenantId, UserId, clock};
use uuid::Uuid;

use super::{membership, refresh_token, session, tenant, user};

pub const ACTIVE: &str = "active";
pub const USED: &str = "used";
pub const REVOKED: &str = "revoked";

pub async fn insert_tenant(
    conn: &impl ConnectionTrait,
    id: TenantId,
    name: &str,
    slug: &str,
) -> Result<(), DbErr> {
    tenant::ActiveModel {
        id: Set(id.as_uuid()),
        name: Set(name.to_owned()),
        slug: Set(slug.to_owned()),
        created_at: Set(clock::now()),
    }
    .insert(conn)
    .await
    .map(|_| ())
}

pub async fn slug_taken(conn: &impl ConnectionTrait, slug: &str) -> Result<bool, DbErr> {
    Ok(tenant::Entity::find()
        .filter(tenant::Column::Slug.eq(slug))
        .count(conn)
        .await?
        > 0)
}

pub async fn find_tenant(
    conn: &impl ConnectionTrait,
    id: TenantId,
) -> Result<Option<tenant::Model>, DbErr> {
    tenant::Entity::find_by_id(id.as_uuid()).one(conn).await
}

pub async fn list_tenants(
    conn: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<tenant::Model>, DbErr> {
    use sea_orm::QuerySelect;
    let mut query = tenant::Entity::find()
        .order_by_asc(tenant::Column::Id)
        .limit(limit);
    if let Some(after) = after {
        query = query.filter(tenant::Column::Id.gt(after));
    }
    query.all(conn).await
}

pub struct NewUser<'a> {
    pub id: UserId,
    pub email: &'a str,
    pub password_hash: Option<String>,
    pub full_name: &'a str,
    pub is_platform_operator: bool,
}

pub async fn insert_user(
    conn: &impl ConnectionTrait,
    new: NewUser<'_>,
) -> Result<user::Model, DbErr> {
    let now = clock::now();
    user::ActiveModel {
        id: Set(new.id.as_uuid()),
        email: Set(new.email.to_owned()),
        password_hash: Set(new.password_hash),
        full_name: Set(new.full_name.to_owned()),
        phone: Set(None),
        locale: Set("id-ID".to_owned()),
        is_platform_operator: Set(new.is_platform_operator),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
}

pub async fn find_user_by_email(
    conn: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(conn)
        .await
}

pub async fn find_user(
    conn: &impl ConnectionTrait,
    id: UserId,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id.as_uuid()).one(conn).await
}

pub async fn update_user(
    conn: &impl ConnectionTrait,
    model: user::ActiveModel,
) -> Result<user::Model, DbErr> {
    model.update(conn).await
}

pub async fn insert_membership(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<(), DbErr> {
    membership::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        user_id: Set(user.as_uuid()),
        status: Set(ACTIVE.to_owned()),
        created_at: Set(clock::now()),
    }
    .insert(conn)
    .await
    .map(|_| ())
}

pub async fn find_membership(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<Option<membership::Model>, DbErr> {
    membership::Entity::find_by_id((tenant.as_uuid(), user.as_uuid()))
        .one(conn)
        .await
        .map(|m| m.filter(|m| m.status == ACTIVE))
}

/// A person's stores, oldest membership first.
pub async fn memberships_of(
    conn: &impl ConnectionTrait,
    user: UserId,
) -> Result<Vec<membership::Model>, DbErr> {
    membership::Entity::find()
        .filter(membership::Column::UserId.eq(user.as_uuid()))
        .filter(membership::Column::Status.eq(ACTIVE))
        .order_by_asc(membership::Column::CreatedAt)
        .all(conn)
        .await
}

pub async fn insert_session(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    expires_at: DateTime<Utc>,
    ip: Option<String>,
    user_agent: Option<String>,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    let now = clock::now();
    session::ActiveModel {
        id: Set(id),
        tenant_id: Set(tenant.as_uuid()),
        user_id: Set(user.as_uuid()),
        created_at: Set(now),
        last_used_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        ip: Set(ip),
        user_agent: Set(user_agent),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

pub async fn find_session(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<session::Model>, DbErr> {
    session::Entity::find_by_id(id).one(conn).await
}

pub async fn touch_session(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::LastUsedAt, Expr::value(clock::now()))
        .filter(session::Column::Id.eq(id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Ends a session and every refresh token in its family. Returns whether it was still live.
pub async fn revoke_session(
    conn: &impl ConnectionTrait,
    id: Uuid,
    reason: &str,
) -> Result<bool, DbErr> {
    let result = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(clock::now()))
        .col_expr(session::Column::RevokedReason, Expr::value(reason))
        .filter(session::Column::Id.eq(id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::Status, Expr::value(REVOKED))
        .filter(refresh_token::Column::SessionId.eq(id))
        .filter(refresh_token::Column::Status.eq(ACTIVE))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Live sessions of a person in a store (to end them when they leave the store).
pub async fn live_sessions(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<Uuid>, DbErr> {
    Ok(session::Entity::find()
        .filter(session::Column::TenantId.eq(tenant.as_uuid()))
        .filter(session::Column::UserId.eq(user.as_uuid()))
        .filter(session::Column::RevokedAt.is_null())
        .all(conn)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect())
}

pub async fn insert_refresh_token(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    session: Uuid,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        session_id: Set(session),
        tenant_id: Set(tenant.as_uuid()),
        token_hash: Set(token_hash.to_owned()),
        status: Set(ACTIVE.to_owned()),
        created_at: Set(clock::now()),
        expires_at: Set(expires_at),
        used_at: Set(None),
    }
    .insert(conn)
    .await
    .map(|_| ())
}

pub async fn find_refresh_token(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<refresh_token::Model>, DbErr> {
    refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await
}

/// Spends a refresh token: only one caller can move it from active to used.
pub async fn spend_refresh_token(conn: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    let result = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::Status, Expr::value(USED))
        .col_expr(refresh_token::Column::UsedAt, Expr::value(clock::now()))
        .filter(refresh_token::Column::Id.eq(id))
        .filter(refresh_token::Column::Status.eq(ACTIVE))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}
