//! Pending OpenID Connect sign-ins and the external identities linked to people.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use smartseller_kernel::{UserId, clock};

use super::{oidc_login, user_identity};

pub async fn insert_login(
    conn: &impl ConnectionTrait,
    state: &str,
    provider: &str,
    code_verifier: &str,
    nonce: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    oidc_login::ActiveModel {
        state: Set(state.to_owned()),
        provider: Set(provider.to_owned()),
        code_verifier: Set(code_verifier.to_owned()),
        nonce: Set(nonce.to_owned()),
        created_at: Set(clock::now()),
        expires_at: Set(expires_at),
    }
    .insert(conn)
    .await
    .map(|_| ())
}

/// Takes a pending sign-in: it can be used once.
pub async fn take_login(
    conn: &impl ConnectionTrait,
    state: &str,
) -> Result<Option<oidc_login::Model>, DbErr> {
    let Some(login) = oidc_login::Entity::find_by_id(state.to_owned())
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let deleted = oidc_login::Entity::delete_many()
        .filter(oidc_login::Column::State.eq(state))
        .exec(conn)
        .await?;
    Ok((deleted.rows_affected == 1).then_some(login))
}

pub async fn find_identity(
    conn: &impl ConnectionTrait,
    provider: &str,
    subject: &str,
) -> Result<Option<user_identity::Model>, DbErr> {
    user_identity::Entity::find_by_id((provider.to_owned(), subject.to_owned()))
        .one(conn)
        .await
}

pub async fn link_identity(
    conn: &impl ConnectionTrait,
    provider: &str,
    subject: &str,
    user: UserId,
    email: &str,
) -> Result<(), DbErr> {
    user_identity::ActiveModel {
        provider: Set(provider.to_owned()),
        subject: Set(subject.to_owned()),
        user_id: Set(user.as_uuid()),
        email: Set(email.to_owned()),
        created_at: Set(clock::now()),
    }
    .insert(conn)
    .await
    .map(|_| ())
}
