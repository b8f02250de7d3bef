//! Stored responses for `Idempotency-Key`. The first request with a key runs and its response is
//! kept; a retry with the same key and body gets that response again, byte for byte; the same key
//! with a different body is refused; a duplicate that arrives while the first is still running
//! waits for it instead of running twice.

use chrono::Duration;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use smartseller_kernel::clock;

use crate::db::Db;

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "idempotency_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub scope: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub request_hash: String,
        pub status: String,
        pub response_status: Option<i32>,
        pub response_headers: Option<Json>,
        pub response_body: Option<Vec<u8>>,
        pub created_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{Column, Entity};

const IN_PROGRESS: &str = "in_progress";
const COMPLETED: &str = "completed";

/// A response as it was first sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What to do with a request that carries a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First time: run it, then [`complete`] or [`release`].
    Run,
    /// Seen and finished: send this again.
    Replay(StoredResponse),
    /// Seen with a different request.
    Mismatch,
    /// The first is still running.
    InProgress,
}

/// Claims `key` within `scope` (the tenant and caller) for a request whose method, path and body
/// hash to `request_hash`.
pub async fn claim(
    db: &Db,
    scope: &str,
    key: &str,
    request_hash: &str,
    keep_for: Duration,
) -> Result<Claim, DbErr> {
    let now = clock::now();
    // The usual case, a key never seen: one insert that takes it, and nothing else.
    let first = Query::insert()
        .into_table(Entity)
        .columns([
            Column::Scope,
            Column::Key,
            Column::RequestHash,
            Column::Status,
            Column::CreatedAt,
            Column::ExpiresAt,
        ])
        .values_panic([
            scope.into(),
            key.into(),
            request_hash.into(),
            IN_PROGRESS.into(),
            now.into(),
            (now + keep_for).into(),
        ])
        .on_conflict(
            OnConflict::columns([Column::Scope, Column::Key])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    let backend = db.conn().get_database_backend();
    if db
        .execute_write(backend.build(&first))
        .await?
        .rows_affected()
        == 1
    {
        return Ok(Claim::Run);
    }
    // The key is known: answer from it, or take it over if it has expired.
    let tx = db.begin_write().await?;
    let existing = Entity::find_by_id((scope.to_owned(), key.to_owned()))
        .one(&*tx)
        .await?;
    if let Some(row) = existing {
        if row.expires_at > now {
            return Ok(if row.request_hash != request_hash {
                Claim::Mismatch
            } else if row.status == COMPLETED {
                Claim::Replay(StoredResponse {
                    status: row
                        .response_status
                        .and_then(|s| u16::try_from(s).ok())
                        .unwrap_or(200),
                    headers: row
                        .response_headers
                        .and_then(|h| serde_json::from_value(h).ok())
                        .unwrap_or_default(),
                    body: row.response_body.unwrap_or_default(),
                })
            } else {
                Claim::InProgress
            });
        }
        Entity::delete_by_id((scope.to_owned(), key.to_owned()))
            .exec(&*tx)
            .await?;
    }
    let inserted = tx.execute_raw(backend.build(&first)).await?.rows_affected();
    tx.commit().await?;
    // Two requests can both find the key expired (or just released); the loser's insert does
    // nothing, and it waits like any other duplicate.
    Ok(if inserted == 1 {
        Claim::Run
    } else {
        Claim::InProgress
    })
}

/// Stores the response of a claimed request.
pub async fn complete(
    db: &Db,
    scope: &str,
    key: &str,
    response: &StoredResponse,
) -> Result<(), DbErr> {
    let update = Query::update()
        .table(Entity)
        .value(Column::Status, COMPLETED)
        .value(Column::ResponseStatus, i32::from(response.status))
        .value(
            Column::ResponseHeaders,
            serde_json::to_value(&response.headers).unwrap_or_default(),
        )
        .value(Column::ResponseBody, response.body.clone())
        .and_where(Expr::col(Column::Scope).eq(scope))
        .and_where(Expr::col(Column::Key).eq(key))
        .to_owned();
    let backend = db.conn().get_database_backend();
    db.execute_write(backend.build(&update)).await?;
    Ok(())
}

/// Forgets a claim whose request failed on our side, so the client may retry with the same key.
pub async fn release(db: &Db, scope: &str, key: &str) -> Result<(), DbErr> {
    let tx = db.begin_write().await?;
    Entity::delete_by_id((scope.to_owned(), key.to_owned()))
        .exec(&*tx)
        .await?;
    tx.commit().await
}
