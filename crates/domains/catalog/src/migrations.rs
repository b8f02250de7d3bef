//! The catalogue's tables, written once for SQLite and PostgreSQL. No foreign key to identity's
//! `tenants`: a domain may be deployed on its own database.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct CatalogMigrator;

#[async_trait::async_trait]
impl MigratorTrait for CatalogMigrator {
    fn migration_table_name() -> DynIden {
        "seaql_migrations_catalog".into_iden()
    }

    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(CreateCatalogTables),
            Box::new(CreatePricingTables),
            Box::new(CreateAttributeAndStockTables),
            Box::new(CreateMediaTables),
        ]
    }
}

#[derive(DeriveIden)]
enum CatalogCategories {
    Table,
    Id,
    TenantId,
    ParentId,
    Name,
    Position,
    Path,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CatalogProducts {
    Table,
    Id,
    TenantId,
    CategoryId,
    Name,
    Description,
    Status,
    Options,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CatalogVariants {
    Table,
    Id,
    TenantId,
    ProductId,
    Sku,
    Barcode,
    OptionValues,
    WeightGrams,
    LengthMm,
    WidthMm,
    HeightMm,
    PriceMinor,
    Currency,
    Status,
    Position,
    CreatedAt,
    UpdatedAt,
}

struct CreateCatalogTables;

impl MigrationName for CreateCatalogTables {
    fn name(&self) -> &str {
        "m0001_create_catalog_tables"
    }
}

fn index(name: &str, table: impl IntoIden, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col);
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for CreateCatalogTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use CatalogCategories as C;
        use CatalogProducts as P;
        use CatalogVariants as V;
        m.create_table(
            Table::create()
                .table(C::Table)
                .if_not_exists()
                .col(uuid(C::Id).primary_key())
                .col(uuid(C::TenantId))
                .col(uuid_null(C::ParentId))
                .col(string(C::Name))
                .col(integer(C::Position))
                .col(text(C::Path))
                .col(timestamp_with_time_zone(C::CreatedAt))
                .col(timestamp_with_time_zone(C::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "catalog_categories_siblings",
            C::Table,
            vec![
                C::TenantId.into_iden(),
                C::ParentId.into_iden(),
                C::Position.into_iden(),
            ],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(P::Table)
                .if_not_exists()
                .col(uuid(P::Id).primary_key())
                .col(uuid(P::TenantId))
                .col(uuid_null(P::CategoryId))
                .col(string(P::Name))
                .col(text(P::Description))
                .col(string(P::Status))
                .col(json_binary(P::Options))
                .col(timestamp_with_time_zone(P::CreatedAt))
                .col(timestamp_with_time_zone(P::UpdatedAt))
                .to_owned(),
        )
        .await?;
        // One index per list order, each ending in the id the keyset cursor breaks ties with.
        for (name, col) in [
            ("catalog_products_by_id", P::Id.into_iden()),
            ("catalog_products_by_name", P::Name.into_iden()),
            ("catalog_products_by_updated", P::UpdatedAt.into_iden()),
            ("catalog_products_by_category", P::CategoryId.into_iden()),
        ] {
            m.create_index(index(
                name,
                P::Table,
                vec![P::TenantId.into_iden(), col, P::Id.into_iden()],
            ))
            .await?;
        }
        m.create_table(
            Table::create()
                .table(V::Table)
                .if_not_exists()
                .col(uuid(V::Id).primary_key())
                .col(uuid(V::TenantId))
                .col(uuid(V::ProductId))
                .col(string(V::Sku))
                .col(string_null(V::Barcode))
                .col(json_binary(V::OptionValues))
                .col(integer(V::WeightGrams))
                .col(integer_null(V::LengthMm))
                .col(integer_null(V::WidthMm))
                .col(integer_null(V::HeightMm))
                .col(big_integer(V::PriceMinor))
                .col(string(V::Currency))
                .col(string(V::Status))
                .col(integer(V::Position))
                .col(timestamp_with_time_zone(V::CreatedAt))
                .col(timestamp_with_time_zone(V::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("catalog_variants_product")
                        .from(V::Table, V::ProductId)
                        .to(P::Table, P::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // The SKU rule lives here too, so two concurrent writers cannot both win.
        m.create_index(
            index(
                "catalog_variants_sku_per_tenant",
                V::Table,
                vec![V::TenantId.into_iden(), V::Sku.into_iden()],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_index(index(
            "catalog_variants_by_product",
            V::Table,
            vec![
                V::TenantId.into_iden(),
                V::ProductId.into_iden(),
                V::Position.into_iden(),
            ],
        ))
        .await?;
        m.create_index(index(
            "catalog_variants_by_price",
            V::Table,
            vec![V::TenantId.into_iden(), V::PriceMinor.into_iden()],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CatalogVariants::Table.into_iden(),
            CatalogProducts::Table.into_iden(),
            CatalogCategories::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum CatalogVariantPricing {
    Table,
    VariantId,
    TenantId,
    CostMinor,
    CostPlusMarginBps,
    ChannelPrices,
    Tiers,
    Promotions,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CatalogPriceLists {
    Table,
    Id,
    TenantId,
    Name,
    CustomerGroup,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CatalogPriceListEntries {
    Table,
    PriceListId,
    VariantId,
    TenantId,
    Position,
    FixedMinor,
    PercentOffBps,
}

#[derive(DeriveIden)]
enum CatalogPricingSettings {
    Table,
    TenantId,
    RoundingCurrency,
    RoundingStep,
    RoundingEnding,
    RoundingMode,
    Floor,
    FloorMarginBps,
    UpdatedAt,
}

/// The pricing engine's sources: a variant's cost, channel prices, tiers and promotions (one row
/// per variant, the lists as JSON: they are read and written whole), customer groups' price
/// lists, and each store's rounding and floor.
struct CreatePricingTables;

impl MigrationName for CreatePricingTables {
    fn name(&self) -> &str {
        "m0002_create_pricing_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreatePricingTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use CatalogPriceListEntries as E;
        use CatalogPriceLists as L;
        use CatalogPricingSettings as S;
        use CatalogVariantPricing as VP;
        m.create_table(
            Table::create()
                .table(VP::Table)
                .if_not_exists()
                .col(uuid(VP::VariantId).primary_key())
                .col(uuid(VP::TenantId))
                .col(big_integer_null(VP::CostMinor))
                .col(integer_null(VP::CostPlusMarginBps))
                .col(json_binary(VP::ChannelPrices))
                .col(json_binary(VP::Tiers))
                .col(json_binary(VP::Promotions))
                .col(timestamp_with_time_zone(VP::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("catalog_variant_pricing_variant")
                        .from(VP::Table, VP::VariantId)
                        .to(CatalogVariants::Table, CatalogVariants::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "catalog_variant_pricing_by_tenant",
            VP::Table,
            vec![VP::TenantId.into_iden(), VP::VariantId.into_iden()],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(L::Table)
                .if_not_exists()
                .col(uuid(L::Id).primary_key())
                .col(uuid(L::TenantId))
                .col(string(L::Name))
                .col(string(L::CustomerGroup))
                .col(timestamp_with_time_zone(L::CreatedAt))
                .col(timestamp_with_time_zone(L::UpdatedAt))
                .to_owned(),
        )
        .await?;
        // One price list per customer group, so a quote never has to choose between two.
        m.create_index(
            index(
                "catalog_price_lists_group_per_tenant",
                L::Table,
                vec![L::TenantId.into_iden(), L::CustomerGroup.into_iden()],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(E::Table)
                .if_not_exists()
                .col(uuid(E::PriceListId))
                .col(uuid(E::VariantId))
                .col(uuid(E::TenantId))
                .col(integer(E::Position))
                .col(big_integer_null(E::FixedMinor))
                .col(integer_null(E::PercentOffBps))
                .primary_key(Index::create().col(E::PriceListId).col(E::VariantId))
                .foreign_key(
                    ForeignKey::create()
                        .name("catalog_price_list_entries_list")
                        .from(E::Table, E::PriceListId)
                        .to(L::Table, L::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(S::Table)
                .if_not_exists()
                .col(uuid(S::TenantId).primary_key())
                .col(string_null(S::RoundingCurrency))
                .col(big_integer_null(S::RoundingStep))
                .col(big_integer_null(S::RoundingEnding))
                .col(string_null(S::RoundingMode))
                .col(string(S::Floor))
                .col(integer_null(S::FloorMarginBps))
                .col(timestamp_with_time_zone(S::UpdatedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CatalogPricingSettings::Table.into_iden(),
            CatalogPriceListEntries::Table.into_iden(),
            CatalogPriceLists::Table.into_iden(),
            CatalogVariantPricing::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum CatalogAttributes {
    Table,
    Id,
    TenantId,
    Name,
    NameKey,
    Kind,
    Choices,
    Unit,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CatalogCategoryAttributes {
    Table,
    CategoryId,
    AttributeId,
    TenantId,
    Required,
    Position,
}

#[derive(DeriveIden)]
enum CatalogProductAttributes {
    Table,
    ProductId,
    AttributeId,
    TenantId,
    Value,
}

#[derive(DeriveIden)]
enum CatalogVersions {
    Table,
    TenantId,
    Products,
    Stock,
}

#[derive(DeriveIden)]
enum CatalogVariantStock {
    Table,
    VariantId,
    WarehouseId,
    TenantId,
    ProductId,
    OnHand,
    Reserved,
    Incoming,
    Available,
    ReorderPoint,
    AsOf,
}

/// Typed attributes (defined per store, assigned to categories, valued per product), the
/// catalogue's copy of stock per variant per warehouse, fed by `inventory.events`, and each
/// store's change counters that key the product-list cache.
struct CreateAttributeAndStockTables;

impl MigrationName for CreateAttributeAndStockTables {
    fn name(&self) -> &str {
        "m0003_create_attribute_and_stock_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateAttributeAndStockTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use CatalogAttributes as A;
        use CatalogCategoryAttributes as CA;
        use CatalogProductAttributes as PA;
        use CatalogVariantStock as VS;
        m.create_table(
            Table::create()
                .table(A::Table)
                .if_not_exists()
                .col(uuid(A::Id).primary_key())
                .col(uuid(A::TenantId))
                .col(string(A::Name))
                .col(string(A::NameKey))
                .col(string(A::Kind))
                .col(json_binary(A::Choices))
                .col(string_null(A::Unit))
                .col(timestamp_with_time_zone(A::CreatedAt))
                .col(timestamp_with_time_zone(A::UpdatedAt))
                .to_owned(),
        )
        .await?;
        // The index settles a race between two creates of "Bahan" and "bahan".
        m.create_index(
            index(
                "catalog_attributes_name_per_tenant",
                A::Table,
                vec![A::TenantId.into_iden(), A::NameKey.into_iden()],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CA::Table)
                .if_not_exists()
                .col(uuid(CA::CategoryId))
                .col(uuid(CA::AttributeId))
                .col(uuid(CA::TenantId))
                .col(boolean(CA::Required))
                .col(integer(CA::Position))
                .primary_key(Index::create().col(CA::CategoryId).col(CA::AttributeId))
                .foreign_key(
                    ForeignKey::create()
                        .name("catalog_category_attributes_category")
                        .from(CA::Table, CA::CategoryId)
                        .to(CatalogCategories::Table, CatalogCategories::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("catalog_category_attributes_attribute")
                        .from(CA::Table, CA::AttributeId)
                        .to(A::Table, A::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "catalog_category_attributes_by_attribute",
            CA::Table,
            vec![CA::TenantId.into_iden(), CA::AttributeId.into_iden()],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(PA::Table)
                .if_not_exists()
                .col(uuid(PA::ProductId))
                .col(uuid(PA::AttributeId))
                .col(uuid(PA::TenantId))
                .col(text(PA::Value))
                .primary_key(Index::create().col(PA::ProductId).col(PA::AttributeId))
                .foreign_key(
                    ForeignKey::create()
                        .name("catalog_product_attributes_product")
                        .from(PA::Table, PA::ProductId)
                        .to(CatalogProducts::Table, CatalogProducts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("catalog_product_attributes_attribute")
                        .from(PA::Table, PA::AttributeId)
                        .to(A::Table, A::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "catalog_product_attributes_by_attribute",
            PA::Table,
            vec![
                PA::TenantId.into_iden(),
                PA::AttributeId.into_iden(),
                PA::Value.into_iden(),
            ],
        ))
        .await?;
        // No foreign key to variants: inventory may speak of a variant before this copy of
        // the catalogue has committed it, and the copy must not refuse the news.
        m.create_table(
            Table::create()
                .table(VS::Table)
                .if_not_exists()
                .col(uuid(VS::VariantId))
                .col(uuid(VS::WarehouseId))
                .col(uuid(VS::TenantId))
                .col(uuid(VS::ProductId))
                .col(big_integer(VS::OnHand))
                .col(big_integer(VS::Reserved))
                .col(big_integer(VS::Incoming))
                .col(big_integer(VS::Available))
                .col(big_integer_null(VS::ReorderPoint))
                .col(timestamp_with_time_zone(VS::AsOf))
                .primary_key(Index::create().col(VS::VariantId).col(VS::WarehouseId))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "catalog_variant_stock_by_product",
            VS::Table,
            vec![
                VS::TenantId.into_iden(),
                VS::ProductId.into_iden(),
                VS::Available.into_iden(),
            ],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(CatalogVersions::Table)
                .if_not_exists()
                .col(uuid(CatalogVersions::TenantId).primary_key())
                .col(big_integer(CatalogVersions::Products))
                .col(big_integer(CatalogVersions::Stock))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CatalogVersions::Table.into_iden(),
            CatalogVariantStock::Table.into_iden(),
            CatalogProductAttributes::Table.into_iden(),
            CatalogCategoryAttributes::Table.into_iden(),
            CatalogAttributes::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum CatalogProductMedia {
    Table,
    Id,
    TenantId,
    ProductId,
    Kind,
    ContentType,
    ByteSize,
    Sha256,
    Filename,
    Alt,
    Position,
    Width,
    Height,
    Renditions,
    CreatedAt,
    UpdatedAt,
}

/// A product's images and documents. The files live in object storage; a row names every
/// object of its item (`renditions`), so whatever no row names is an orphan to sweep.
struct CreateMediaTables;

impl MigrationName for CreateMediaTables {
    fn name(&self) -> &str {
        "m0004_create_media_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateMediaTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use CatalogProductMedia as M;
        m.create_table(
            Table::create()
                .table(M::Table)
                .if_not_exists()
                .col(uuid(M::Id).primary_key())
                .col(uuid(M::TenantId))
                .col(uuid(M::ProductId))
                .col(string(M::Kind))
                .col(string(M::ContentType))
                .col(big_integer(M::ByteSize))
                .col(string(M::Sha256))
                .col(string(M::Filename))
                .col(text(M::Alt))
                .col(integer(M::Position))
                .col(integer_null(M::Width))
                .col(integer_null(M::Height))
                .col(json_binary(M::Renditions))
                .col(timestamp_with_time_zone(M::CreatedAt))
                .col(timestamp_with_time_zone(M::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("catalog_product_media_product")
                        .from(M::Table, M::ProductId)
                        .to(CatalogProducts::Table, CatalogProducts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "catalog_product_media_by_product",
            M::Table,
            vec![
                M::TenantId.into_iden(),
                M::ProductId.into_iden(),
                M::Position.into_iden(),
            ],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(CatalogProductMedia::Table)
                .if_exists()
                .to_owned(),
        )
        .await
    }
}
