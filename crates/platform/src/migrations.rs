//! The platform's own tables: outbox, event deliveries (the consumer inbox) and stored
//! idempotent responses. Each domain has its own migrator and migration table, so a domain can be
//! deployed on its own; this one runs first.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct PlatformMigrator;

#[async_trait::async_trait]
impl MigratorTrait for PlatformMigrator {
    fn migration_table_name() -> DynIden {
        "seaql_migrations_platform".into_iden()
    }

    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateEventTables), Box::new(CreateIdempotencyKeys)]
    }
}

#[derive(DeriveIden)]
pub enum Outbox {
    Table,
    Id,
    Subject,
    EventType,
    TenantId,
    AggregateId,
    Version,
    OccurredAt,
    Payload,
    PublishedAt,
}

#[derive(DeriveIden)]
pub enum EventDeliveries {
    Table,
    Consumer,
    EventId,
    Subject,
    EventType,
    Envelope,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    HandledAt,
}

#[derive(DeriveIden)]
pub enum IdempotencyKeys {
    Table,
    Scope,
    Key,
    RequestHash,
    Status,
    ResponseStatus,
    ResponseHeaders,
    ResponseBody,
    CreatedAt,
    ExpiresAt,
}

struct CreateEventTables;

impl MigrationName for CreateEventTables {
    fn name(&self) -> &str {
        "m0001_create_event_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateEventTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .if_not_exists()
                    .col(uuid(Outbox::Id).primary_key())
                    .col(string(Outbox::Subject))
                    .col(string(Outbox::EventType))
                    .col(uuid(Outbox::TenantId))
                    .col(uuid(Outbox::AggregateId))
                    .col(integer(Outbox::Version))
                    .col(timestamp_with_time_zone(Outbox::OccurredAt))
                    .col(json_binary(Outbox::Payload))
                    .col(timestamp_with_time_zone_null(Outbox::PublishedAt))
                    .to_owned(),
            )
            .await?;
        // The relay scans only unpublished rows; a partial index keeps that scan small forever.
        manager
            .create_index(
                Index::create()
                    .name("outbox_unpublished")
                    .table(Outbox::Table)
                    .col(Outbox::Id)
                    .and_where(Expr::col(Outbox::PublishedAt).is_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EventDeliveries::Table)
                    .if_not_exists()
                    .col(string(EventDeliveries::Consumer))
                    .col(uuid(EventDeliveries::EventId))
                    .col(string(EventDeliveries::Subject))
                    .col(string(EventDeliveries::EventType))
                    .col(json_binary(EventDeliveries::Envelope))
                    .col(string(EventDeliveries::Status))
                    .col(integer(EventDeliveries::Attempts))
                    .col(timestamp_with_time_zone(EventDeliveries::NextAttemptAt))
                    .col(text_null(EventDeliveries::LastError))
                    .col(timestamp_with_time_zone_null(EventDeliveries::HandledAt))
                    .primary_key(
                        Index::create()
                            .col(EventDeliveries::Consumer)
                            .col(EventDeliveries::EventId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("event_deliveries_due")
                    .table(EventDeliveries::Table)
                    .col(EventDeliveries::Consumer)
                    .col(EventDeliveries::Status)
                    .col(EventDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EventDeliveries::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Outbox::Table).to_owned())
            .await
    }
}

struct CreateIdempotencyKeys;

impl MigrationName for CreateIdempotencyKeys {
    fn name(&self) -> &str {
        "m0002_create_idempotency_keys"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateIdempotencyKeys {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .if_not_exists()
                    .col(string(IdempotencyKeys::Scope))
                    .col(string(IdempotencyKeys::Key))
                    .col(string(IdempotencyKeys::RequestHash))
                    .col(string(IdempotencyKeys::Status))
                    .col(integer_null(IdempotencyKeys::ResponseStatus))
                    .col(json_binary_null(IdempotencyKeys::ResponseHeaders))
                    .col(blob_null(IdempotencyKeys::ResponseBody))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .col(timestamp_with_time_zone(IdempotencyKeys::ExpiresAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::Scope)
                            .col(IdempotencyKeys::Key),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned())
            .await
    }
}
