//! The orders domain's tables, written once for SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct OrdersMigrator;

#[async_trait::async_trait]
impl MigratorTrait for OrdersMigrator {
    fn migration_table_name() -> DynIden {
        "seaql_migrations_orders".into_iden()
    }

    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateOrderTables), Box::new(AddCardVelocity)]
    }
}

#[derive(DeriveIden)]
enum OrderSettings {
    Table,
    TenantId,
    Currency,
    TaxRateBp,
    PricesIncludeTax,
    FulfilmentWarehouseId,
    ReservationMinutes,
    PaymentWindowMinutes,
    DefaultItemWeightGrams,
    FraudMaxTotalMinor,
    FraudWindowMinutes,
    FraudMaxPerCustomer,
    FraudMaxPerAddress,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrderSequences {
    Table,
    TenantId,
    Day,
    LastNumber,
}

#[derive(DeriveIden)]
enum Carts {
    Table,
    Id,
    TenantId,
    Status,
    Channel,
    CustomerName,
    CustomerEmail,
    CustomerPhone,
    OrderId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CartItems {
    Table,
    Id,
    TenantId,
    CartId,
    VariantId,
    Quantity,
    WarehouseId,
    AddedAt,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    TenantId,
    Number,
    Channel,
    ChannelOrderId,
    Source,
    Status,
    CustomerId,
    CustomerName,
    CustomerEmail,
    CustomerPhone,
    CustomerKey,
    AddressKey,
    ShippingAddress,
    Currency,
    SubtotalMinor,
    DiscountMinor,
    ShippingMinor,
    TaxMinor,
    TotalMinor,
    TaxRateBp,
    PricesIncludeTax,
    PaymentMethod,
    PaymentId,
    PaidMinor,
    ReservationId,
    ShippingRateId,
    ShippingService,
    ShipmentId,
    Awb,
    ReviewStatus,
    ReviewReasons,
    Note,
    CancelReason,
    CheckoutKey,
    CartId,
    Version,
    PlacedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrderLines {
    Table,
    Id,
    TenantId,
    OrderId,
    LineNo,
    VariantId,
    Sku,
    Name,
    Quantity,
    UnitPriceMinor,
    SubtotalMinor,
    DiscountMinor,
    ShippingMinor,
    TaxMinor,
    TotalMinor,
    WarehouseId,
    ReturnedQuantity,
}

#[derive(DeriveIden)]
enum OrderHistory {
    Table,
    Id,
    TenantId,
    OrderId,
    Seq,
    Action,
    StatusBefore,
    StatusAfter,
    ActorType,
    ActorId,
    Detail,
    OccurredAt,
}

#[derive(DeriveIden)]
enum OrderReturns {
    Table,
    Id,
    TenantId,
    OrderId,
    Status,
    RequestedBy,
    Reason,
    Resolution,
    RefundMinor,
    RefundId,
    ExchangeOrderId,
    Note,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrderReturnLines {
    Table,
    Id,
    TenantId,
    ReturnId,
    OrderLineId,
    VariantId,
    Quantity,
    ReceivedQuantity,
    Condition,
    ExchangeVariantId,
}

struct CreateOrderTables;

impl MigrationName for CreateOrderTables {
    fn name(&self) -> &str {
        "m0001_create_order_tables"
    }
}

fn index(
    name: &str,
    table: impl IntoIden,
    cols: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for col in cols {
        statement.col(Alias::new(*col));
    }
    if unique {
        statement.unique();
    }
    statement.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for CreateOrderTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(OrderSettings::Table)
                .if_not_exists()
                .col(uuid(OrderSettings::TenantId).primary_key())
                .col(string(OrderSettings::Currency))
                .col(integer(OrderSettings::TaxRateBp))
                .col(boolean(OrderSettings::PricesIncludeTax))
                .col(uuid_null(OrderSettings::FulfilmentWarehouseId))
                .col(big_integer(OrderSettings::ReservationMinutes))
                .col(big_integer(OrderSettings::PaymentWindowMinutes))
                .col(big_integer(OrderSettings::DefaultItemWeightGrams))
                .col(big_integer_null(OrderSettings::FraudMaxTotalMinor))
                .col(big_integer(OrderSettings::FraudWindowMinutes))
                .col(big_integer_null(OrderSettings::FraudMaxPerCustomer))
                .col(big_integer_null(OrderSettings::FraudMaxPerAddress))
                .col(timestamp_with_time_zone(OrderSettings::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OrderSequences::Table)
                .if_not_exists()
                .col(uuid(OrderSequences::TenantId))
                .col(string(OrderSequences::Day))
                .col(big_integer(OrderSequences::LastNumber))
                .primary_key(
                    Index::create()
                        .col(OrderSequences::TenantId)
                        .col(OrderSequences::Day),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Carts::Table)
                .if_not_exists()
                .col(uuid(Carts::Id).primary_key())
                .col(uuid(Carts::TenantId))
                .col(string(Carts::Status))
                .col(string(Carts::Channel))
                .col(string_null(Carts::CustomerName))
                .col(string_null(Carts::CustomerEmail))
                .col(string_null(Carts::CustomerPhone))
                .col(uuid_null(Carts::OrderId))
                .col(big_integer(Carts::Version))
                .col(timestamp_with_time_zone(Carts::CreatedAt))
                .col(timestamp_with_time_zone(Carts::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CartItems::Table)
                .if_not_exists()
                .col(uuid(CartItems::Id).primary_key())
                .col(uuid(CartItems::TenantId))
                .col(uuid(CartItems::CartId))
                .col(uuid(CartItems::VariantId))
                .col(big_integer(CartItems::Quantity))
                .col(uuid_null(CartItems::WarehouseId))
                .col(timestamp_with_time_zone(CartItems::AddedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "cart_items_one_per_variant",
            CartItems::Table,
            &["cart_id", "variant_id"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(Orders::Table)
                .if_not_exists()
                .col(uuid(Orders::Id).primary_key())
                .col(uuid(Orders::TenantId))
                .col(string(Orders::Number))
                .col(string(Orders::Channel))
                .col(string_null(Orders::ChannelOrderId))
                .col(string(Orders::Source))
                .col(string(Orders::Status))
                .col(uuid_null(Orders::CustomerId))
                .col(string(Orders::CustomerName))
                .col(string_null(Orders::CustomerEmail))
                .col(string_null(Orders::CustomerPhone))
                .col(string_null(Orders::CustomerKey))
                .col(string_null(Orders::AddressKey))
                .col(text_null(Orders::ShippingAddress))
                .col(string(Orders::Currency))
                .col(big_integer(Orders::SubtotalMinor))
                .col(big_integer(Orders::DiscountMinor))
                .col(big_integer(Orders::ShippingMinor))
                .col(big_integer(Orders::TaxMinor))
                .col(big_integer(Orders::TotalMinor))
                .col(integer(Orders::TaxRateBp))
                .col(boolean(Orders::PricesIncludeTax))
                .col(string_null(Orders::PaymentMethod))
                .col(uuid_null(Orders::PaymentId))
                .col(big_integer(Orders::PaidMinor))
                .col(uuid_null(Orders::ReservationId))
                .col(uuid_null(Orders::ShippingRateId))
                .col(string_null(Orders::ShippingService))
                .col(uuid_null(Orders::ShipmentId))
                .col(string_null(Orders::Awb))
                .col(string(Orders::ReviewStatus))
                .col(text_null(Orders::ReviewReasons))
                .col(text_null(Orders::Note))
                .col(text_null(Orders::CancelReason))
                .col(string_null(Orders::CheckoutKey))
                .col(uuid_null(Orders::CartId))
                .col(big_integer(Orders::Version))
                .col(timestamp_with_time_zone(Orders::PlacedAt))
                .col(timestamp_with_time_zone(Orders::UpdatedAt))
                .to_owned(),
        )
        .await?;
        for (name, cols, unique) in [
            (
                "orders_number_per_tenant",
                &["tenant_id", "number"][..],
                true,
            ),
            (
                "orders_channel_order_per_tenant",
                &["tenant_id", "channel", "channel_order_id"][..],
                true,
            ),
            (
                "orders_checkout_key_per_tenant",
                &["tenant_id", "checkout_key"][..],
                true,
            ),
            (
                "orders_by_placed",
                &["tenant_id", "placed_at", "id"][..],
                false,
            ),
            (
                "orders_by_status",
                &["tenant_id", "status", "placed_at"][..],
                false,
            ),
            (
                "orders_by_customer",
                &["tenant_id", "customer_key", "placed_at"][..],
                false,
            ),
            (
                "orders_by_address",
                &["tenant_id", "address_key", "placed_at"][..],
                false,
            ),
            ("orders_by_payment", &["tenant_id", "payment_id"][..], false),
            (
                "orders_by_reservation",
                &["tenant_id", "reservation_id"][..],
                false,
            ),
            (
                "orders_by_shipment",
                &["tenant_id", "shipment_id"][..],
                false,
            ),
        ] {
            m.create_index(index(name, Orders::Table, cols, unique))
                .await?;
        }
        m.create_table(
            Table::create()
                .table(OrderLines::Table)
                .if_not_exists()
                .col(uuid(OrderLines::Id).primary_key())
                .col(uuid(OrderLines::TenantId))
                .col(uuid(OrderLines::OrderId))
                .col(integer(OrderLines::LineNo))
                .col(uuid(OrderLines::VariantId))
                .col(string(OrderLines::Sku))
                .col(string(OrderLines::Name))
                .col(big_integer(OrderLines::Quantity))
                .col(big_integer(OrderLines::UnitPriceMinor))
                .col(big_integer(OrderLines::SubtotalMinor))
                .col(big_integer(OrderLines::DiscountMinor))
                .col(big_integer(OrderLines::ShippingMinor))
                .col(big_integer(OrderLines::TaxMinor))
                .col(big_integer(OrderLines::TotalMinor))
                .col(uuid_null(OrderLines::WarehouseId))
                .col(big_integer(OrderLines::ReturnedQuantity))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "order_lines_by_order",
            OrderLines::Table,
            &["order_id", "line_no"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(OrderHistory::Table)
                .if_not_exists()
                .col(uuid(OrderHistory::Id).primary_key())
                .col(uuid(OrderHistory::TenantId))
                .col(uuid(OrderHistory::OrderId))
                .col(big_integer(OrderHistory::Seq))
                .col(string(OrderHistory::Action))
                .col(string_null(OrderHistory::StatusBefore))
                .col(string(OrderHistory::StatusAfter))
                .col(string(OrderHistory::ActorType))
                .col(uuid_null(OrderHistory::ActorId))
                .col(text(OrderHistory::Detail))
                .col(timestamp_with_time_zone(OrderHistory::OccurredAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "order_history_sequence",
            OrderHistory::Table,
            &["order_id", "seq"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(OrderReturns::Table)
                .if_not_exists()
                .col(uuid(OrderReturns::Id).primary_key())
                .col(uuid(OrderReturns::TenantId))
                .col(uuid(OrderReturns::OrderId))
                .col(string(OrderReturns::Status))
                .col(string(OrderReturns::RequestedBy))
                .col(text(OrderReturns::Reason))
                .col(string(OrderReturns::Resolution))
                .col(big_integer(OrderReturns::RefundMinor))
                .col(uuid_null(OrderReturns::RefundId))
                .col(uuid_null(OrderReturns::ExchangeOrderId))
                .col(text_null(OrderReturns::Note))
                .col(big_integer(OrderReturns::Version))
                .col(timestamp_with_time_zone(OrderReturns::CreatedAt))
                .col(timestamp_with_time_zone(OrderReturns::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "order_returns_by_order",
            OrderReturns::Table,
            &["tenant_id", "order_id"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(OrderReturnLines::Table)
                .if_not_exists()
                .col(uuid(OrderReturnLines::Id).primary_key())
                .col(uuid(OrderReturnLines::TenantId))
                .col(uuid(OrderReturnLines::ReturnId))
                .col(uuid(OrderReturnLines::OrderLineId))
                .col(uuid(OrderReturnLines::VariantId))
                .col(big_integer(OrderReturnLines::Quantity))
                .col(big_integer(OrderReturnLines::ReceivedQuantity))
                .col(string_null(OrderReturnLines::Condition))
                .col(uuid_null(OrderReturnLines::ExchangeVariantId))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "order_return_lines_by_return",
            OrderReturnLines::Table,
            &["return_id"],
            false,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OrderReturnLines::Table.into_iden(),
            OrderReturns::Table.into_iden(),
            OrderHistory::Table.into_iden(),
            OrderLines::Table.into_iden(),
            Orders::Table.into_iden(),
            CartItems::Table.into_iden(),
            Carts::Table.into_iden(),
            OrderSequences::Table.into_iden(),
            OrderSettings::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Fraud velocity per card: the card a payment's gateway named, kept on the order, and the
/// store's limit of orders per card in the window.
struct AddCardVelocity;

impl MigrationName for AddCardVelocity {
    fn name(&self) -> &str {
        "m0002_add_card_velocity"
    }
}

#[derive(DeriveIden)]
enum CardVelocity {
    CardKey,
    FraudMaxPerCard,
}

#[async_trait::async_trait]
impl MigrationTrait for AddCardVelocity {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        m.alter_table(
            Table::alter()
                .table(Orders::Table)
                .add_column(string_null(CardVelocity::CardKey))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "orders_by_card",
            Orders::Table,
            &["tenant_id", "card_key", "placed_at"],
            false,
        ))
        .await?;
        m.alter_table(
            Table::alter()
                .table(OrderSettings::Table)
                .add_column(big_integer_null(CardVelocity::FraudMaxPerCard))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("orders_by_card")
                .table(Orders::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Orders::Table)
                .drop_column(CardVelocity::CardKey)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(OrderSettings::Table)
                .drop_column(CardVelocity::FraudMaxPerCard)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
