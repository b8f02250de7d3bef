//! SeaORM entities of the catalogue's tables. Private to the crate: other domains see the
//! catalogue only through its API and `contracts`.

macro_rules! entity {
    ($module:ident, $table:literal, { $($body:tt)* }) => {
        pub mod $module {
            use sea_orm::entity::prelude::*;

            #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
            #[sea_orm(table_name = $table)]
            pub struct Model { $($body)* }

            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {}

            impl ActiveModelBehavior for ActiveModel {}
        }
    };
}

entity!(category, "catalog_categories", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub position: i32,
    /// Ids from the root down to this category: `/a/b/`.
    pub path: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(product, "catalog_products", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub category_id: Option<Uuid>,
    pub name: String,
    pub description: String,
    pub status: String,
    /// `[{"name": "Ukuran", "values": ["S", "M"]}, ...]`
    pub options: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(variant, "catalog_variants", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub product_id: Uuid,
    pub sku: String,
    pub barcode: Option<String>,
    /// One value per product option, in the options' order: `["S", "Merah"]`.
    pub option_values: Json,
    pub weight_grams: i32,
    pub length_mm: Option<i32>,
    pub width_mm: Option<i32>,
    pub height_mm: Option<i32>,
    pub price_minor: i64,
    pub currency: String,
    pub status: String,
    pub position: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(variant_pricing, "catalog_variant_pricing", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub variant_id: Uuid,
    pub tenant_id: Uuid,
    pub cost_minor: Option<i64>,
    pub cost_plus_margin_bps: Option<i32>,
    /// `{"shopee": 1900000}`: minor units in the variant's currency.
    pub channel_prices: Json,
    /// `[{"min_quantity": 10, "unit_price_minor": null, "percent_off_bps": 1000}]`
    pub tiers: Json,
    /// `[{"name": "11.11", "starts_at": ..., "ends_at": ..., "channels": [], ...}]`
    pub promotions: Json,
    pub updated_at: DateTimeUtc,
});

entity!(price_list, "catalog_price_lists", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    pub customer_group: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(price_list_entry, "catalog_price_list_entries", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub price_list_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub variant_id: Uuid,
    pub tenant_id: Uuid,
    pub position: i32,
    pub fixed_minor: Option<i64>,
    pub percent_off_bps: Option<i32>,
});

entity!(pricing_settings, "catalog_pricing_settings", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    pub rounding_currency: Option<String>,
    pub rounding_step: Option<i64>,
    pub rounding_ending: Option<i64>,
    pub rounding_mode: Option<String>,
    /// `none`, `cost` or `min_margin`.
    pub floor: String,
    pub floor_margin_bps: Option<i32>,
    pub updated_at: DateTimeUtc,
});

entity!(attribute, "catalog_attributes", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    /// The name lowercased: unique per store.
    pub name_key: String,
    /// `text`, `number` or `choice`.
    pub kind: String,
    /// `["S", "M", "L"]` for a choice attribute, `[]` otherwise.
    pub choices: Json,
    pub unit: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(category_attribute, "catalog_category_attributes", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub category_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub attribute_id: Uuid,
    pub tenant_id: Uuid,
    pub required: bool,
    pub position: i32,
});

entity!(product_attribute, "catalog_product_attributes", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub attribute_id: Uuid,
    pub tenant_id: Uuid,
    /// Canonical text: see `domain::attributes::AttributeValue`.
    pub value: String,
});

entity!(variant_stock, "catalog_variant_stock", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub variant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub warehouse_id: Uuid,
    pub tenant_id: Uuid,
    pub product_id: Uuid,
    pub on_hand: i64,
    pub reserved: i64,
    pub incoming: i64,
    pub available: i64,
    pub reorder_point: Option<i64>,
    /// When inventory made the change this row shows; an older event never overwrites it.
    pub as_of: DateTimeUtc,
});

entity!(version, "catalog_versions", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    /// Moves with every catalogue write of the store.
    pub products: i64,
    /// Moves with every stock change the catalogue mirrors.
    pub stock: i64,
});
entity!(media, "catalog_product_media", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub product_id: Uuid,
    /// `image` or `document`.
    pub kind: String,
    /// Of the original, as its first bytes say.
    pub content_type: String,
    pub byte_size: i64,
    /// Hex SHA-256 of the original; its first 16 digits are the version in URLs and keys.
    pub sha256: String,
    pub filename: String,
    pub alt: String,
    pub position: i32,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// `[{"name": "original", "key": "t/.../original", "content_type": "image/png",
    /// "width": 800, "height": 600, "byte_size": 1234}, {"name": "160", ...}]`
    pub renditions: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});
