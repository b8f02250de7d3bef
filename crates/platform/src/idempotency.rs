//! Stored responses for `Idempotency-Key`. The first request with a key runs and its response is
//! kept; a retry with the same key and body gets that response again, byte for byte; the same key
//! with a different body is refused; a duplicate that arrives while the first is still running
//! waits for it instead of running twice.

use chrono::Duration;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};
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
    let tx = db.begin_write().await?;
    let now = clock::now();
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
    let inserted = Entity::insert(entity::ActiveModel {
        scope: Set(scope.to_owned()),
        key: Set(key.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        status: Set(IN_PROGRESS.to_owned()),
        response_status: Set(None),
        response_headers: Set(None),
        response_body: Set(None),
        created_at: Set(now),
        expires_at: Set(now + keep_for),
    })
    .on_conflict_do_nothing_on([Column::Scope, Column::Key])
    .exec(&*tx)
    .await?;
    tx.commit().await?;
    // On PostgreSQL two first requests can race past the read above; the loser's insert does
    // nothing, and it waits like any other duplicate.
    Ok(match inserted {
        sea_orm::TryInsertResult::Inserted(_) => Claim::Run,
        _ => Claim::InProgress,
    })
}

/// Stores the response of a claimed request.
pub async fn complete(
    db: &Db,
    scope: &str,
    key: &str,
    response: &StoredResponse,
) -> Result<(), DbErr> {
    let tx = db.begin_write().await?;
    Entity::update_many()
        .col_expr(Column::Status, sea_orm::sea_query::Expr::value(COMPLETED))
        .col_expr(
            Column::ResponseStatus,
            sea_orm::sea_query::Expr::value(i32::from(response.status)),
        )
        .col_expr(
            Column::ResponseHeaders,
            sea_orm::sea_query::Expr::value(
                serde_json::to_value(&response.headers).unwrap_or_default(),
            ),
        )
        .col_expr(
            Column::ResponseBody,
            sea_orm::sea_query::Expr::value(response.body.clone()),
        )
        .filter(Column::Scope.eq(scope))
        .filter(Column::Key.eq(key))
        .exec(&*tx)
        .await?;
    tx.commit().await
}

/// Forgets a claim whose request failed on our side, so the client may retry with the same key.
pub async fn release(db: &Db, scope: &str, key: &str) -> Result<(), DbErr> {
    let tx = db.begin_write().await?;
    Entity::delete_by_id((scope.to_owned(), key.to_owned()))
        .exec(&*tx)
        .await?;
    tx.commit().await
}
