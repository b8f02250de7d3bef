//! The transactional outbox: events are rows written in the same transaction as the state change
//! they describe, so an event exists if and only if its change was committed.

use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use smartseller_kernel::TenantId;
use smartseller_kernel::event::EventEnvelope;

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub subject: String,
        pub event_type: String,
        pub tenant_id: Uuid,
        pub aggregate_id: Uuid,
        pub version: i32,
        pub occurred_at: DateTimeUtc,
        pub payload: Json,
        pub published_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{ActiveModel, Column, Entity, Model};

/// Writes `envelope` to the outbox inside `tx`.
pub async fn append(tx: &DatabaseTransaction, envelope: &EventEnvelope) -> Result<(), DbErr> {
    ActiveModel {
        id: Set(envelope.id),
        subject: Set(envelope.subject.clone()),
        event_type: Set(envelope.event_type.clone()),
        tenant_id: Set(envelope.tenant_id.as_uuid()),
        aggregate_id: Set(envelope.aggregate_id),
        version: Set(envelope.version),
        occurred_at: Set(envelope.occurred_at),
        payload: Set(envelope.payload.clone()),
        published_at: Set(None),
    }
    .insert(tx)
    .await
    .map(|_| ())
}

/// The oldest unpublished events, locked for this relay. On PostgreSQL other relays skip the
/// locked rows (`FOR UPDATE SKIP LOCKED`); on SQLite the `BEGIN IMMEDIATE` write lock already
/// makes this relay the only one.
pub async fn claim_unpublished(
    tx: &DatabaseTransaction,
    limit: u64,
) -> Result<Vec<EventEnvelope>, DbErr> {
    let mut query = Entity::find()
        .filter(Column::PublishedAt.is_null())
        .order_by_asc(Column::Id)
        .limit(limit);
    if tx.get_database_backend() == DbBackend::Postgres {
        query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    Ok(query.all(tx).await?.into_iter().map(to_envelope).collect())
}

/// Marks events as handed to the bus.
pub async fn mark_published(tx: &DatabaseTransaction, ids: &[uuid::Uuid]) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    Entity::update_many()
        .col_expr(
            Column::PublishedAt,
            sea_orm::sea_query::Expr::value(smartseller_kernel::clock::now()),
        )
        .filter(Column::Id.is_in(ids.iter().copied()))
        .exec(tx)
        .await
        .map(|_| ())
}

/// How many events are waiting for the relay (for metrics and tests).
pub async fn unpublished_count(conn: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    Entity::find()
        .filter(Column::PublishedAt.is_null())
        .count(conn)
        .await
}

fn to_envelope(row: Model) -> EventEnvelope {
    EventEnvelope {
        id: row.id,
        subject: row.subject,
        event_type: row.event_type,
        tenant_id: TenantId(row.tenant_id),
        aggregate_id: row.aggregate_id,
        version: row.version,
        occurred_at: row.occurred_at,
        payload: row.payload,
    }
}
