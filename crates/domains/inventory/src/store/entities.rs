//! SeaORM entities of inventory's tables. Private to the crate: other domains see inventory only
//! through its API and `contracts`.

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

entity!(known_variant, "inventory_variants", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub variant_id: Uuid,
    pub product_id: Uuid,
    pub sku: String,
    pub status: String,
    pub last_event_id: Uuid,
    pub updated_at: DateTimeUtc,
});

entity!(warehouse, "warehouses", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub code: String,
    pub name: String,
    pub address: Option<String>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(stock_level, "stock_levels", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub variant_id: Uuid,
    pub warehouse_id: Uuid,
    pub on_hand: i64,
    pub reserved: i64,
    pub campaign_locked: i64,
    pub incoming: i64,
    pub reorder_point: Option<i64>,
    pub updated_at: DateTimeUtc,
});

entity!(ledger_entry, "stock_ledger", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub variant_id: Uuid,
    pub warehouse_id: Uuid,
    pub reason: String,
    pub on_hand_before: i64,
    pub on_hand_after: i64,
    pub reserved_before: i64,
    pub reserved_after: i64,
    pub campaign_locked_before: i64,
    pub campaign_locked_after: i64,
    pub incoming_before: i64,
    pub incoming_after: i64,
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub reference_type: Option<String>,
    pub reference_id: Option<String>,
    pub reservation_id: Option<Uuid>,
    pub note: Option<String>,
    pub occurred_at: DateTimeUtc,
});

entity!(reservation, "stock_reservations", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub status: String,
    pub reference_type: Option<String>,
    pub reference_id: Option<String>,
    pub expires_at: DateTimeUtc,
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(reservation_line, "stock_reservation_lines", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub reservation_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i32,
    pub tenant_id: Uuid,
    pub variant_id: Uuid,
    pub warehouse_id: Uuid,
    pub quantity: i64,
});

entity!(tenant_settings, "inventory_settings", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    pub allow_negative_stock: bool,
    pub updated_at: DateTimeUtc,
});

entity!(transfer, "stock_transfers", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub from_warehouse_id: Uuid,
    pub to_warehouse_id: Uuid,
    pub status: String,
    pub note: Option<String>,
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(transfer_line, "stock_transfer_lines", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub transfer_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i32,
    pub tenant_id: Uuid,
    pub variant_id: Uuid,
    pub quantity: i64,
});

entity!(campaign_lock, "campaign_locks", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub variant_id: Uuid,
    pub warehouse_id: Uuid,
    pub channel: String,
    pub campaign: String,
    pub locked: i64,
    pub remaining: i64,
    pub status: String,
    pub ends_at: DateTimeUtc,
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(purchase_order, "purchase_orders", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub supplier_name: String,
    pub warehouse_id: Uuid,
    pub status: String,
    pub currency: String,
    pub expected_on: Option<Date>,
    pub note: Option<String>,
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(purchase_order_line, "purchase_order_lines", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub purchase_order_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i32,
    pub tenant_id: Uuid,
    pub variant_id: Uuid,
    pub quantity: i64,
    pub received: i64,
    pub unit_cost_minor: i64,
});

entity!(stock_count, "stock_counts", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub warehouse_id: Uuid,
    pub status: String,
    pub note: Option<String>,
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub applied_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(stock_count_line, "stock_count_lines", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub count_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i32,
    pub tenant_id: Uuid,
    pub variant_id: Uuid,
    pub counted: i64,
    pub expected: Option<i64>,
    pub difference: Option<i64>,
});

entity!(stock_buffer, "stock_buffers", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub variant_id: Uuid,
    /// A sales channel, or `*` for every channel without its own buffer.
    #[sea_orm(primary_key, auto_increment = false)]
    pub channel: String,
    pub quantity: i64,
    pub updated_at: DateTimeUtc,
});

entity!(reorder_setting, "reorder_settings", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub variant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub warehouse_id: Uuid,
    pub lead_time_days: i64,
    pub safety_days: i64,
    pub updated_at: DateTimeUtc,
});
