//! Inventory's tables, written once for SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct InventoryMigrator;

#[async_trait::async_trait]
impl MigratorTrait for InventoryMigrator {
    fn migration_table_name() -> DynIden {
        "seaql_migrations_inventory".into_iden()
    }

    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateInventoryTables)]
    }
}

/// The variants inventory knows of, learnt from `product.events`: inventory's own copy, so it
/// never reads the catalogue's tables.
#[derive(DeriveIden)]
enum InventoryVariants {
    Table,
    TenantId,
    VariantId,
    ProductId,
    Sku,
    Status,
    LastEventId,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Warehouses {
    Table,
    Id,
    TenantId,
    Code,
    Name,
    Address,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StockLevels {
    Table,
    Id,
    TenantId,
    VariantId,
    WarehouseId,
    OnHand,
    Reserved,
    CampaignLocked,
    Incoming,
    ReorderPoint,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StockLedger {
    Table,
    Id,
    TenantId,
    VariantId,
    WarehouseId,
    Reason,
    OnHandBefore,
    OnHandAfter,
    ReservedBefore,
    ReservedAfter,
    CampaignLockedBefore,
    CampaignLockedAfter,
    IncomingBefore,
    IncomingAfter,
    ActorType,
    ActorId,
    ReferenceType,
    ReferenceId,
    ReservationId,
    Note,
    OccurredAt,
}

#[derive(DeriveIden)]
enum StockReservations {
    Table,
    Id,
    TenantId,
    Status,
    ReferenceType,
    ReferenceId,
    ExpiresAt,
    ActorType,
    ActorId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StockReservationLines {
    Table,
    ReservationId,
    LineNo,
    TenantId,
    VariantId,
    WarehouseId,
    Quantity,
}

#[derive(DeriveIden)]
enum StockTransfers {
    Table,
    Id,
    TenantId,
    FromWarehouseId,
    ToWarehouseId,
    Status,
    Note,
    ActorType,
    ActorId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StockTransferLines {
    Table,
    TransferId,
    LineNo,
    TenantId,
    VariantId,
    Quantity,
}

#[derive(DeriveIden)]
enum CampaignLocks {
    Table,
    Id,
    TenantId,
    VariantId,
    WarehouseId,
    Channel,
    Campaign,
    Locked,
    Remaining,
    Status,
    EndsAt,
    ActorType,
    ActorId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InventorySettings {
    Table,
    TenantId,
    AllowNegativeStock,
    UpdatedAt,
}

struct CreateInventoryTables;

impl MigrationName for CreateInventoryTables {
    fn name(&self) -> &str {
        "m0001_create_inventory_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateInventoryTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(InventoryVariants::Table)
                .if_not_exists()
                .col(uuid(InventoryVariants::TenantId))
                .col(uuid(InventoryVariants::VariantId))
                .col(uuid(InventoryVariants::ProductId))
                .col(string(InventoryVariants::Sku))
                .col(string(InventoryVariants::Status))
                .col(uuid(InventoryVariants::LastEventId))
                .col(timestamp_with_time_zone(InventoryVariants::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(InventoryVariants::TenantId)
                        .col(InventoryVariants::VariantId),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Warehouses::Table)
                .if_not_exists()
                .col(uuid(Warehouses::Id).primary_key())
                .col(uuid(Warehouses::TenantId))
                .col(string(Warehouses::Code))
                .col(string(Warehouses::Name))
                .col(text_null(Warehouses::Address))
                .col(boolean(Warehouses::Active))
                .col(timestamp_with_time_zone(Warehouses::CreatedAt))
                .col(timestamp_with_time_zone(Warehouses::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("warehouses_code_per_tenant")
                .table(Warehouses::Table)
                .col(Warehouses::TenantId)
                .col(Warehouses::Code)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StockLevels::Table)
                .if_not_exists()
                .col(uuid(StockLevels::Id).primary_key())
                .col(uuid(StockLevels::TenantId))
                .col(uuid(StockLevels::VariantId))
                .col(uuid(StockLevels::WarehouseId))
                .col(big_integer(StockLevels::OnHand))
                .col(big_integer(StockLevels::Reserved))
                .col(big_integer(StockLevels::CampaignLocked))
                .col(big_integer(StockLevels::Incoming))
                .col(big_integer_null(StockLevels::ReorderPoint))
                .col(timestamp_with_time_zone(StockLevels::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("stock_levels_one_per_variant_and_warehouse")
                .table(StockLevels::Table)
                .col(StockLevels::TenantId)
                .col(StockLevels::VariantId)
                .col(StockLevels::WarehouseId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("stock_levels_by_warehouse")
                .table(StockLevels::Table)
                .col(StockLevels::TenantId)
                .col(StockLevels::WarehouseId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StockLedger::Table)
                .if_not_exists()
                .col(uuid(StockLedger::Id).primary_key())
                .col(uuid(StockLedger::TenantId))
                .col(uuid(StockLedger::VariantId))
                .col(uuid(StockLedger::WarehouseId))
                .col(string(StockLedger::Reason))
                .col(big_integer(StockLedger::OnHandBefore))
                .col(big_integer(StockLedger::OnHandAfter))
                .col(big_integer(StockLedger::ReservedBefore))
                .col(big_integer(StockLedger::ReservedAfter))
                .col(big_integer(StockLedger::CampaignLockedBefore))
                .col(big_integer(StockLedger::CampaignLockedAfter))
                .col(big_integer(StockLedger::IncomingBefore))
                .col(big_integer(StockLedger::IncomingAfter))
                .col(string(StockLedger::ActorType))
                .col(uuid_null(StockLedger::ActorId))
                .col(string_null(StockLedger::ReferenceType))
                .col(string_null(StockLedger::ReferenceId))
                .col(uuid_null(StockLedger::ReservationId))
                .col(text_null(StockLedger::Note))
                .col(timestamp_with_time_zone(StockLedger::OccurredAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("stock_ledger_by_level")
                .table(StockLedger::Table)
                .col(StockLedger::TenantId)
                .col(StockLedger::VariantId)
                .col(StockLedger::WarehouseId)
                .col(StockLedger::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StockReservations::Table)
                .if_not_exists()
                .col(uuid(StockReservations::Id).primary_key())
                .col(uuid(StockReservations::TenantId))
                .col(string(StockReservations::Status))
                .col(string_null(StockReservations::ReferenceType))
                .col(string_null(StockReservations::ReferenceId))
                .col(timestamp_with_time_zone(StockReservations::ExpiresAt))
                .col(string(StockReservations::ActorType))
                .col(uuid_null(StockReservations::ActorId))
                .col(timestamp_with_time_zone(StockReservations::CreatedAt))
                .col(timestamp_with_time_zone(StockReservations::UpdatedAt))
                .to_owned(),
        )
        .await?;
        // The sweeper's question: which holds have run out?
        m.create_index(
            Index::create()
                .name("stock_reservations_due")
                .table(StockReservations::Table)
                .col(StockReservations::Status)
                .col(StockReservations::ExpiresAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StockReservationLines::Table)
                .if_not_exists()
                .col(uuid(StockReservationLines::ReservationId))
                .col(integer(StockReservationLines::LineNo))
                .col(uuid(StockReservationLines::TenantId))
                .col(uuid(StockReservationLines::VariantId))
                .col(uuid(StockReservationLines::WarehouseId))
                .col(big_integer(StockReservationLines::Quantity))
                .primary_key(
                    Index::create()
                        .col(StockReservationLines::ReservationId)
                        .col(StockReservationLines::LineNo),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("stock_reservation_lines_reservation")
                        .from(
                            StockReservationLines::Table,
                            StockReservationLines::ReservationId,
                        )
                        .to(StockReservations::Table, StockReservations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StockTransfers::Table)
                .if_not_exists()
                .col(uuid(StockTransfers::Id).primary_key())
                .col(uuid(StockTransfers::TenantId))
                .col(uuid(StockTransfers::FromWarehouseId))
                .col(uuid(StockTransfers::ToWarehouseId))
                .col(string(StockTransfers::Status))
                .col(text_null(StockTransfers::Note))
                .col(string(StockTransfers::ActorType))
                .col(uuid_null(StockTransfers::ActorId))
                .col(timestamp_with_time_zone(StockTransfers::CreatedAt))
                .col(timestamp_with_time_zone(StockTransfers::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StockTransferLines::Table)
                .if_not_exists()
                .col(uuid(StockTransferLines::TransferId))
                .col(integer(StockTransferLines::LineNo))
                .col(uuid(StockTransferLines::TenantId))
                .col(uuid(StockTransferLines::VariantId))
                .col(big_integer(StockTransferLines::Quantity))
                .primary_key(
                    Index::create()
                        .col(StockTransferLines::TransferId)
                        .col(StockTransferLines::LineNo),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("stock_transfer_lines_transfer")
                        .from(StockTransferLines::Table, StockTransferLines::TransferId)
                        .to(StockTransfers::Table, StockTransfers::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CampaignLocks::Table)
                .if_not_exists()
                .col(uuid(CampaignLocks::Id).primary_key())
                .col(uuid(CampaignLocks::TenantId))
                .col(uuid(CampaignLocks::VariantId))
                .col(uuid(CampaignLocks::WarehouseId))
                .col(string(CampaignLocks::Channel))
                .col(string(CampaignLocks::Campaign))
                .col(big_integer(CampaignLocks::Locked))
                .col(big_integer(CampaignLocks::Remaining))
                .col(string(CampaignLocks::Status))
                .col(timestamp_with_time_zone(CampaignLocks::EndsAt))
                .col(string(CampaignLocks::ActorType))
                .col(uuid_null(CampaignLocks::ActorId))
                .col(timestamp_with_time_zone(CampaignLocks::CreatedAt))
                .col(timestamp_with_time_zone(CampaignLocks::UpdatedAt))
                .to_owned(),
        )
        .await?;
        // The sweeper's question: which campaigns are over?
        m.create_index(
            Index::create()
                .name("campaign_locks_due")
                .table(CampaignLocks::Table)
                .col(CampaignLocks::Status)
                .col(CampaignLocks::EndsAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(InventorySettings::Table)
                .if_not_exists()
                .col(uuid(InventorySettings::TenantId).primary_key())
                .col(boolean(InventorySettings::AllowNegativeStock))
                .col(timestamp_with_time_zone(InventorySettings::UpdatedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            InventorySettings::Table.into_iden(),
            CampaignLocks::Table.into_iden(),
            StockTransferLines::Table.into_iden(),
            StockTransfers::Table.into_iden(),
            StockReservationLines::Table.into_iden(),
            StockReservations::Table.into_iden(),
            StockLedger::Table.into_iden(),
            StockLevels::Table.into_iden(),
            Warehouses::Table.into_iden(),
            InventoryVariants::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
