//! Payments' tables, written once for SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct PaymentsMigrator;

#[async_trait::async_trait]
impl MigratorTrait for PaymentsMigrator {
    fn migration_table_name() -> DynIden {
        "seaql_migrations_payments".into_iden()
    }

    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreatePaymentsTables)]
    }
}

#[derive(DeriveIden)]
enum PaymentGateways {
    Table,
    TenantId,
    Method,
    Config,
    Options,
    Enabled,
    WebhookSecret,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    TenantId,
    OrderId,
    OrderNumber,
    Method,
    Status,
    Currency,
    AmountMinor,
    CapturedMinor,
    RefundedMinor,
    Reference,
    GatewayReference,
    RedirectUrl,
    Instructions,
    LinkToken,
    ExpiresAt,
    IdempotencyKey,
    Request,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PaymentHistory {
    Table,
    Id,
    TenantId,
    PaymentId,
    Seq,
    Source,
    ActorKind,
    ActorId,
    Action,
    StatusBefore,
    StatusAfter,
    CapturedBefore,
    CapturedAfter,
    RefundedBefore,
    RefundedAfter,
    Detail,
    At,
}

#[derive(DeriveIden)]
enum PaymentRefunds {
    Table,
    Id,
    TenantId,
    PaymentId,
    Currency,
    AmountMinor,
    Reason,
    Status,
    GatewayReference,
    IdempotencyKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PaymentWebhooks {
    Table,
    Id,
    TenantId,
    Method,
    EventId,
    PaymentId,
    Outcome,
    RawBody,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum PaymentProofs {
    Table,
    Id,
    TenantId,
    PaymentId,
    FileKey,
    ContentType,
    Size,
    UploadedBy,
    At,
}

struct CreatePaymentsTables;

impl MigrationName for CreatePaymentsTables {
    fn name(&self) -> &str {
        "m0001_create_payments_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreatePaymentsTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PaymentGateways::Table)
                .if_not_exists()
                .col(uuid(PaymentGateways::TenantId))
                .col(string(PaymentGateways::Method))
                .col(json(PaymentGateways::Config))
                .col(json(PaymentGateways::Options))
                .col(boolean(PaymentGateways::Enabled))
                .col(string(PaymentGateways::WebhookSecret))
                .col(timestamp_with_time_zone(PaymentGateways::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(PaymentGateways::TenantId)
                        .col(PaymentGateways::Method),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Payments::Table)
                .if_not_exists()
                .col(uuid(Payments::Id).primary_key())
                .col(uuid(Payments::TenantId))
                .col(uuid(Payments::OrderId))
                .col(string(Payments::OrderNumber))
                .col(string(Payments::Method))
                .col(string(Payments::Status))
                .col(string(Payments::Currency))
                .col(big_integer(Payments::AmountMinor))
                .col(big_integer(Payments::CapturedMinor))
                .col(big_integer(Payments::RefundedMinor))
                .col(string(Payments::Reference))
                .col(string_null(Payments::GatewayReference))
                .col(text_null(Payments::RedirectUrl))
                .col(json_null(Payments::Instructions))
                .col(string(Payments::LinkToken))
                .col(timestamp_with_time_zone_null(Payments::ExpiresAt))
                .col(string(Payments::IdempotencyKey))
                .col(json(Payments::Request))
                .col(big_integer(Payments::Version))
                .col(timestamp_with_time_zone(Payments::CreatedAt))
                .col(timestamp_with_time_zone(Payments::UpdatedAt))
                .to_owned(),
        )
        .await?;
        for (name, columns, unique) in [
            (
                "ux_payments_idempotency",
                vec![Payments::TenantId, Payments::IdempotencyKey],
                true,
            ),
            ("ux_payments_link_token", vec![Payments::LinkToken], true),
            (
                "ix_payments_reference",
                vec![Payments::TenantId, Payments::Reference],
                false,
            ),
            (
                "ix_payments_gateway_reference",
                vec![Payments::TenantId, Payments::GatewayReference],
                false,
            ),
            (
                "ix_payments_order",
                vec![Payments::TenantId, Payments::OrderId],
                false,
            ),
            (
                "ix_payments_status",
                vec![Payments::Status, Payments::UpdatedAt],
                false,
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Payments::Table).if_not_exists();
            for column in columns {
                index.col(column);
            }
            if unique {
                index.unique();
            }
            m.create_index(index.to_owned()).await?;
        }

        m.create_table(
            Table::create()
                .table(PaymentHistory::Table)
                .if_not_exists()
                .col(uuid(PaymentHistory::Id).primary_key())
                .col(uuid(PaymentHistory::TenantId))
                .col(uuid(PaymentHistory::PaymentId))
                .col(integer(PaymentHistory::Seq))
                .col(string(PaymentHistory::Source))
                .col(string(PaymentHistory::ActorKind))
                .col(uuid_null(PaymentHistory::ActorId))
                .col(string(PaymentHistory::Action))
                .col(string_null(PaymentHistory::StatusBefore))
                .col(string(PaymentHistory::StatusAfter))
                .col(big_integer(PaymentHistory::CapturedBefore))
                .col(big_integer(PaymentHistory::CapturedAfter))
                .col(big_integer(PaymentHistory::RefundedBefore))
                .col(big_integer(PaymentHistory::RefundedAfter))
                .col(json(PaymentHistory::Detail))
                .col(timestamp_with_time_zone(PaymentHistory::At))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_payment_history_seq")
                .table(PaymentHistory::Table)
                .col(PaymentHistory::PaymentId)
                .col(PaymentHistory::Seq)
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PaymentRefunds::Table)
                .if_not_exists()
                .col(uuid(PaymentRefunds::Id).primary_key())
                .col(uuid(PaymentRefunds::TenantId))
                .col(uuid(PaymentRefunds::PaymentId))
                .col(string(PaymentRefunds::Currency))
                .col(big_integer(PaymentRefunds::AmountMinor))
                .col(text(PaymentRefunds::Reason))
                .col(string(PaymentRefunds::Status))
                .col(string_null(PaymentRefunds::GatewayReference))
                .col(string(PaymentRefunds::IdempotencyKey))
                .col(timestamp_with_time_zone(PaymentRefunds::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_payment_refunds_idempotency")
                .table(PaymentRefunds::Table)
                .col(PaymentRefunds::TenantId)
                .col(PaymentRefunds::IdempotencyKey)
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PaymentWebhooks::Table)
                .if_not_exists()
                .col(uuid(PaymentWebhooks::Id).primary_key())
                .col(uuid(PaymentWebhooks::TenantId))
                .col(string(PaymentWebhooks::Method))
                .col(string(PaymentWebhooks::EventId))
                .col(uuid_null(PaymentWebhooks::PaymentId))
                .col(string(PaymentWebhooks::Outcome))
                .col(text(PaymentWebhooks::RawBody))
                .col(timestamp_with_time_zone(PaymentWebhooks::ReceivedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_payment_webhooks_event")
                .table(PaymentWebhooks::Table)
                .col(PaymentWebhooks::TenantId)
                .col(PaymentWebhooks::Method)
                .col(PaymentWebhooks::EventId)
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PaymentProofs::Table)
                .if_not_exists()
                .col(uuid(PaymentProofs::Id).primary_key())
                .col(uuid(PaymentProofs::TenantId))
                .col(uuid(PaymentProofs::PaymentId))
                .col(string(PaymentProofs::FileKey))
                .col(string(PaymentProofs::ContentType))
                .col(big_integer(PaymentProofs::Size))
                .col(uuid_null(PaymentProofs::UploadedBy))
                .col(timestamp_with_time_zone(PaymentProofs::At))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PaymentProofs::Table.into_iden(),
            PaymentWebhooks::Table.into_iden(),
            PaymentRefunds::Table.into_iden(),
            PaymentHistory::Table.into_iden(),
            Payments::Table.into_iden(),
            PaymentGateways::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
