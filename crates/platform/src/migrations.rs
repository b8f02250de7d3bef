//! The platform's own tables: outbox, event deliveries (the consumer inbox), stored
//! idempotent responses and background jobs. Each domain has its own migrator and migration table, so a domain can be
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
        vec![
            Box::new(CreateEventTables),
            Box::new(CreateIdempotencyKeys),
            Box::new(CreateJobs),
        ]
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

#[derive(DeriveIden)]
pub enum Jobs {
    Table,
    Id,
    TenantId,
    Kind,
    Status,
    DryRun,
    Permission,
    CreatedByKind,
    CreatedBy,
    Total,
    Processed,
    Succeeded,
    Failed,
    ErrorCount,
    Errors,
    Summary,
    Attempts,
    LastError,
    ClaimedBy,
    LeaseUntil,
    CreatedAt,
    StartedAt,
    FinishedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum JobFiles {
    Table,
    JobId,
    Name,
    TenantId,
    ContentType,
    Content,
}

struct CreateJobs;

impl MigrationName for CreateJobs {
    fn name(&self) -> &str {
        "m0003_create_jobs"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateJobs {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .if_not_exists()
                    .col(uuid(Jobs::Id).primary_key())
                    .col(uuid(Jobs::TenantId))
                    .col(string(Jobs::Kind))
                    .col(string(Jobs::Status))
                    .col(boolean(Jobs::DryRun))
                    .col(string(Jobs::Permission))
                    .col(string(Jobs::CreatedByKind))
                    .col(uuid_null(Jobs::CreatedBy))
                    .col(big_integer(Jobs::Total))
                    .col(big_integer(Jobs::Processed))
                    .col(big_integer(Jobs::Succeeded))
                    .col(big_integer(Jobs::Failed))
                    .col(big_integer(Jobs::ErrorCount))
                    .col(json_binary(Jobs::Errors))
                    .col(json_binary_null(Jobs::Summary))
                    .col(integer(Jobs::Attempts))
                    .col(text_null(Jobs::LastError))
                    .col(string_null(Jobs::ClaimedBy))
                    .col(timestamp_with_time_zone_null(Jobs::LeaseUntil))
                    .col(timestamp_with_time_zone(Jobs::CreatedAt))
                    .col(timestamp_with_time_zone_null(Jobs::StartedAt))
                    .col(timestamp_with_time_zone_null(Jobs::FinishedAt))
                    .col(timestamp_with_time_zone(Jobs::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // Workers look for queued jobs and lapsed leases, oldest first.
        manager
            .create_index(
                Index::create()
                    .name("jobs_claimable")
                    .table(Jobs::Table)
                    .col(Jobs::Status)
                    .col(Jobs::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("jobs_of_tenant")
                    .table(Jobs::Table)
                    .col(Jobs::TenantId)
                    .col(Jobs::Id)
                    .to_owned(),
            )
            .await?;
        // A job's files (the upload, an export's output, the full error report) live apart from
        // the job row, so reading a job's progress never drags megabytes along. A blob is enough
        // for files of a few megabytes; object storage is the next step once uploads grow.
        manager
            .create_table(
                Table::create()
                    .table(JobFiles::Table)
                    .if_not_exists()
                    .col(uuid(JobFiles::JobId))
                    .col(string(JobFiles::Name))
                    .col(uuid(JobFiles::TenantId))
                    .col(string(JobFiles::ContentType))
                    .col(blob(JobFiles::Content))
                    .primary_key(Index::create().col(JobFiles::JobId).col(JobFiles::Name))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(JobFiles::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Jobs::Table).to_owned())
            .await
    }
}
