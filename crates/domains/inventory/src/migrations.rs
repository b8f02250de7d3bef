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
        vec![
            Box::new(CreateInventoryTables),
            Box::new(CreatePurchasingTables),
        ]
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

#[derive(DeriveIden)]
enum PurchaseOrders {
    Table,
    Id,
    TenantId,
    SupplierName,
    WarehouseId,
    Status,
    Currency,
    ExpectedOn,
    Note,
    ActorType,
    ActorId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PurchaseOrderLines {
    Table,
    PurchaseOrderId,
    LineNo,
    TenantId,
    VariantId,
    Quantity,
    Received,
    UnitCostMinor,
}

#[derive(DeriveIden)]
enum StockCounts {
    Table,
    Id,
    TenantId,
    WarehouseId,
    Status,
    Note,
    ActorType,
    ActorId,
    AppliedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StockCountLines {
    Table,
    CountId,
    LineNo,
    TenantId,
    VariantId,
    Counted,
    Expected,
    Difference,
}

#[derive(DeriveIden)]
enum StockBuffers {
    Table,
    TenantId,
    VariantId,
    Channel,
    Quantity,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReorderSettings {
    Table,
    TenantId,
    VariantId,
    WarehouseId,
    LeadTimeDays,
    SafetyDays,
    UpdatedAt,
}

/// Purchase orders and their receipts, stock counts, per-channel buffers and the lead and
/// safety days reorder suggestions use.
struct CreatePurchasingTables;

impl MigrationName for CreatePurchasingTables {
    fn name(&self) -> &str {
        "m0002_create_purchasing_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreatePurchasingTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PurchaseOrders::Table)
                .if_not_exists()
                .col(uuid(PurchaseOrders::Id).primary_key())
                .col(uuid(PurchaseOrders::TenantId))
                .col(string(PurchaseOrders::SupplierName))
                .col(uuid(PurchaseOrders::WarehouseId))
                .col(string(PurchaseOrders::Status))
                .col(string(PurchaseOrders::Currency))
                .col(date_null(PurchaseOrders::ExpectedOn))
                .col(text_null(PurchaseOrders::Note))
                .col(string(PurchaseOrders::ActorType))
                .col(uuid_null(PurchaseOrders::ActorId))
                .col(timestamp_with_time_zone(PurchaseOrders::CreatedAt))
                .col(timestamp_with_time_zone(PurchaseOrders::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PurchaseOrderLines::Table)
                .if_not_exists()
                .col(uuid(PurchaseOrderLines::PurchaseOrderId))
                .col(integer(PurchaseOrderLines::LineNo))
                .col(uuid(PurchaseOrderLines::TenantId))
                .col(uuid(PurchaseOrderLines::VariantId))
                .col(big_integer(PurchaseOrderLines::Quantity))
                .col(big_integer(PurchaseOrderLines::Received))
                .col(big_integer(PurchaseOrderLines::UnitCostMinor))
                .primary_key(
                    Index::create()
                        .col(PurchaseOrderLines::PurchaseOrderId)
                        .col(PurchaseOrderLines::LineNo),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("purchase_order_lines_order")
                        .from(
                            PurchaseOrderLines::Table,
                            PurchaseOrderLines::PurchaseOrderId,
                        )
                        .to(PurchaseOrders::Table, PurchaseOrders::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StockCounts::Table)
                .if_not_exists()
                .col(uuid(StockCounts::Id).primary_key())
                .col(uuid(StockCounts::TenantId))
                .col(uuid(StockCounts::WarehouseId))
                .col(string(StockCounts::Status))
                .col(text_null(StockCounts::Note))
                .col(string(StockCounts::ActorType))
                .col(uuid_null(StockCounts::ActorId))
                .col(timestamp_with_time_zone_null(StockCounts::AppliedAt))
                .col(timestamp_with_time_zone(StockCounts::CreatedAt))
                .col(timestamp_with_time_zone(StockCounts::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StockCountLines::Table)
                .if_not_exists()
                .col(uuid(StockCountLines::CountId))
                .col(integer(StockCountLines::LineNo))
                .col(uuid(StockCountLines::TenantId))
                .col(uuid(StockCountLines::VariantId))
                .col(big_integer(StockCountLines::Counted))
                .col(big_integer_null(StockCountLines::Expected))
                .col(big_integer_null(StockCountLines::Difference))
                .primary_key(
                    Index::create()
                        .col(StockCountLines::CountId)
                        .col(StockCountLines::LineNo),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("stock_count_lines_count")
                        .from(StockCountLines::Table, StockCountLines::CountId)
                        .to(StockCounts::Table, StockCounts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StockBuffers::Table)
                .if_not_exists()
                .col(uuid(StockBuffers::TenantId))
                .col(uuid(StockBuffers::VariantId))
                .col(string(StockBuffers::Channel))
                .col(big_integer(StockBuffers::Quantity))
                .col(timestamp_with_time_zone(StockBuffers::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(StockBuffers::TenantId)
                        .col(StockBuffers::VariantId)
                        .col(StockBuffers::Channel),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ReorderSettings::Table)
                .if_not_exists()
                .col(uuid(ReorderSettings::TenantId))
                .col(uuid(ReorderSettings::VariantId))
                .col(uuid(ReorderSettings::WarehouseId))
                .col(big_integer(ReorderSettings::LeadTimeDays))
                .col(big_integer(ReorderSettings::SafetyDays))
                .col(timestamp_with_time_zone(ReorderSettings::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(ReorderSettings::TenantId)
                        .col(ReorderSettings::VariantId)
                        .col(ReorderSettings::WarehouseId),
                )
                .to_owned(),
        )
        .await?;
        // Reorder suggestions ask for recent sales of a store.
        m.create_index(
            Index::create()
                .name("stock_ledger_by_reason_and_time")
                .table(StockLedger::Table)
                .col(StockLedger::TenantId)
                .col(StockLedger::Reason)
                .col(StockLedger::OccurredAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("stock_ledger_by_reason_and_time")
                .table(StockLedger::Table)
                .to_owned(),
        )
        .await?;
        for table in [
            ReorderSettings::Table.into_iden(),
            StockBuffers::Table.into_iden(),
            StockCountLines::Table.into_iden(),
            StockCounts::Table.into_iden(),
            PurchaseOrderLines::Table.into_iden(),
            PurchaseOrders::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
