//! Shipping's tables, written once for SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct ShippingMigrator;

#[async_trait::async_trait]
impl MigratorTrait for ShippingMigrator {
    fn migration_table_name() -> DynIden {
        "seaql_migrations_shipping".into_iden()
    }

    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateShippingTables)]
    }
}

#[derive(DeriveIden)]
enum ShippingOrigins {
    Table,
    Id,
    TenantId,
    WarehouseId,
    Name,
    ContactName,
    Phone,
    Address,
    City,
    PostalCode,
    AreaIds,
    IsDefault,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ShippingProviders {
    Table,
    Id,
    TenantId,
    Provider,
    Config,
    Enabled,
    WebhookSecret,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ShippingFlatRates {
    Table,
    Id,
    TenantId,
    Name,
    CourierCode,
    ServiceCode,
    PriceMinor,
    Currency,
    Etd,
    CodAllowed,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ShippingQuotes {
    Table,
    Id,
    TenantId,
    Provider,
    CourierCode,
    CourierName,
    ServiceCode,
    ServiceName,
    PriceMinor,
    Currency,
    Etd,
    CashOnDelivery,
    Destination,
    WeightGrams,
    ExpiresAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Shipments {
    Table,
    Id,
    TenantId,
    OrderId,
    OrderNumber,
    Provider,
    CourierCode,
    CourierName,
    ServiceCode,
    ServiceName,
    Awb,
    ProviderReference,
    Status,
    PriceMinor,
    Currency,
    Sender,
    Receiver,
    Lines,
    WeightGrams,
    GoodsValueMinor,
    CodMinor,
    Note,
    LastPolledAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ShipmentTracking {
    Table,
    Id,
    TenantId,
    ShipmentId,
    Status,
    RawStatus,
    Description,
    Location,
    At,
    Source,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ShipmentWebhooks {
    Table,
    Id,
    TenantId,
    Provider,
    EventId,
    ShipmentId,
    Outcome,
    RawBody,
    ReceivedAt,
}

struct CreateShippingTables;

impl MigrationName for CreateShippingTables {
    fn name(&self) -> &str {
        "m0001_create_shipping_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateShippingTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ShippingOrigins::Table)
                .if_not_exists()
                .col(uuid(ShippingOrigins::Id).primary_key())
                .col(uuid(ShippingOrigins::TenantId))
                .col(uuid_null(ShippingOrigins::WarehouseId))
                .col(string(ShippingOrigins::Name))
                .col(string(ShippingOrigins::ContactName))
                .col(string(ShippingOrigins::Phone))
                .col(text(ShippingOrigins::Address))
                .col(string(ShippingOrigins::City))
                .col(string(ShippingOrigins::PostalCode))
                .col(json_binary(ShippingOrigins::AreaIds))
                .col(boolean(ShippingOrigins::IsDefault))
                .col(timestamp_with_time_zone(ShippingOrigins::CreatedAt))
                .col(timestamp_with_time_zone(ShippingOrigins::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("shipping_origins_by_tenant")
                .table(ShippingOrigins::Table)
                .col(ShippingOrigins::TenantId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ShippingProviders::Table)
                .if_not_exists()
                .col(uuid(ShippingProviders::Id).primary_key())
                .col(uuid(ShippingProviders::TenantId))
                .col(string(ShippingProviders::Provider))
                .col(json_binary(ShippingProviders::Config))
                .col(boolean(ShippingProviders::Enabled))
                .col(string(ShippingProviders::WebhookSecret))
                .col(timestamp_with_time_zone(ShippingProviders::CreatedAt))
                .col(timestamp_with_time_zone(ShippingProviders::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("shipping_providers_one_per_tenant")
                .table(ShippingProviders::Table)
                .col(ShippingProviders::TenantId)
                .col(ShippingProviders::Provider)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ShippingFlatRates::Table)
                .if_not_exists()
                .col(uuid(ShippingFlatRates::Id).primary_key())
                .col(uuid(ShippingFlatRates::TenantId))
                .col(string(ShippingFlatRates::Name))
                .col(string(ShippingFlatRates::CourierCode))
                .col(string(ShippingFlatRates::ServiceCode))
                .col(big_integer(ShippingFlatRates::PriceMinor))
                .col(string(ShippingFlatRates::Currency))
                .col(string_null(ShippingFlatRates::Etd))
                .col(boolean(ShippingFlatRates::CodAllowed))
                .col(boolean(ShippingFlatRates::Active))
                .col(timestamp_with_time_zone(ShippingFlatRates::CreatedAt))
                .col(timestamp_with_time_zone(ShippingFlatRates::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("shipping_flat_rates_by_tenant")
                .table(ShippingFlatRates::Table)
                .col(ShippingFlatRates::TenantId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ShippingQuotes::Table)
                .if_not_exists()
                .col(uuid(ShippingQuotes::Id).primary_key())
                .col(uuid(ShippingQuotes::TenantId))
                .col(string(ShippingQuotes::Provider))
                .col(string(ShippingQuotes::CourierCode))
                .col(string(ShippingQuotes::CourierName))
                .col(string(ShippingQuotes::ServiceCode))
                .col(string(ShippingQuotes::ServiceName))
                .col(big_integer(ShippingQuotes::PriceMinor))
                .col(string(ShippingQuotes::Currency))
                .col(string_null(ShippingQuotes::Etd))
                .col(boolean(ShippingQuotes::CashOnDelivery))
                .col(json_binary(ShippingQuotes::Destination))
                .col(big_integer(ShippingQuotes::WeightGrams))
                .col(timestamp_with_time_zone(ShippingQuotes::ExpiresAt))
                .col(timestamp_with_time_zone(ShippingQuotes::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Shipments::Table)
                .if_not_exists()
                .col(uuid(Shipments::Id).primary_key())
                .col(uuid(Shipments::TenantId))
                .col(uuid(Shipments::OrderId))
                .col(string(Shipments::OrderNumber))
                .col(string(Shipments::Provider))
                .col(string(Shipments::CourierCode))
                .col(string(Shipments::CourierName))
                .col(string(Shipments::ServiceCode))
                .col(string(Shipments::ServiceName))
                .col(string_null(Shipments::Awb))
                .col(string_null(Shipments::ProviderReference))
                .col(string(Shipments::Status))
                .col(big_integer(Shipments::PriceMinor))
                .col(string(Shipments::Currency))
                .col(json_binary(Shipments::Sender))
                .col(json_binary(Shipments::Receiver))
                .col(json_binary(Shipments::Lines))
                .col(big_integer(Shipments::WeightGrams))
                .col(big_integer(Shipments::GoodsValueMinor))
                .col(big_integer_null(Shipments::CodMinor))
                .col(text_null(Shipments::Note))
                .col(timestamp_with_time_zone_null(Shipments::LastPolledAt))
                .col(integer(Shipments::Version))
                .col(timestamp_with_time_zone(Shipments::CreatedAt))
                .col(timestamp_with_time_zone(Shipments::UpdatedAt))
                .to_owned(),
        )
        .await?;
        // One live shipment per order: a cancelled one may be followed by a new booking. The
        // partial index reads the same on both engines.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS shipments_one_live_per_order \
                 ON shipments (tenant_id, order_id) WHERE status <> 'cancelled'",
            )
            .await?;
        m.create_index(
            Index::create()
                .name("shipments_by_awb")
                .table(Shipments::Table)
                .col(Shipments::TenantId)
                .col(Shipments::Awb)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("shipments_by_provider_reference")
                .table(Shipments::Table)
                .col(Shipments::TenantId)
                .col(Shipments::Provider)
                .col(Shipments::ProviderReference)
                .to_owned(),
        )
        .await?;
        // The poller's question: which shipments in flight have not been asked about lately?
        m.create_index(
            Index::create()
                .name("shipments_due_for_polling")
                .table(Shipments::Table)
                .col(Shipments::Status)
                .col(Shipments::LastPolledAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ShipmentTracking::Table)
                .if_not_exists()
                .col(uuid(ShipmentTracking::Id).primary_key())
                .col(uuid(ShipmentTracking::TenantId))
                .col(uuid(ShipmentTracking::ShipmentId))
                .col(string(ShipmentTracking::Status))
                .col(string(ShipmentTracking::RawStatus))
                .col(text(ShipmentTracking::Description))
                .col(string_null(ShipmentTracking::Location))
                .col(timestamp_with_time_zone(ShipmentTracking::At))
                .col(string(ShipmentTracking::Source))
                .col(timestamp_with_time_zone(ShipmentTracking::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("shipment_tracking_by_shipment")
                .table(ShipmentTracking::Table)
                .col(ShipmentTracking::TenantId)
                .col(ShipmentTracking::ShipmentId)
                .col(ShipmentTracking::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ShipmentWebhooks::Table)
                .if_not_exists()
                .col(uuid(ShipmentWebhooks::Id).primary_key())
                .col(uuid(ShipmentWebhooks::TenantId))
                .col(string(ShipmentWebhooks::Provider))
                .col(string(ShipmentWebhooks::EventId))
                .col(uuid_null(ShipmentWebhooks::ShipmentId))
                .col(string(ShipmentWebhooks::Outcome))
                .col(text(ShipmentWebhooks::RawBody))
                .col(timestamp_with_time_zone(ShipmentWebhooks::ReceivedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("shipment_webhooks_once_per_event")
                .table(ShipmentWebhooks::Table)
                .col(ShipmentWebhooks::TenantId)
                .col(ShipmentWebhooks::Provider)
                .col(ShipmentWebhooks::EventId)
                .unique()
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
