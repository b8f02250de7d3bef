//! SeaORM entities of the orders domain's tables. Private to the crate: other domains see
//! orders only through its API, `order.events` and `contracts`.

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

entity!(settings, "order_settings", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    pub currency: String,
    pub tax_rate_bp: i32,
    pub prices_include_tax: bool,
    pub fulfilment_warehouse_id: Option<Uuid>,
    pub reservation_minutes: i64,
    pub payment_window_minutes: i64,
    pub default_item_weight_grams: i64,
    pub fraud_max_total_minor: Option<i64>,
    pub fraud_window_minutes: i64,
    pub fraud_max_per_customer: Option<i64>,
    pub fraud_max_per_address: Option<i64>,
    pub fraud_max_per_card: Option<i64>,
    pub updated_at: DateTimeUtc,
});

entity!(sequence, "order_sequences", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: String,
    pub last_number: i64,
});

entity!(cart, "carts", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub status: String,
    pub channel: String,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub order_id: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(cart_item, "cart_items", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub cart_id: Uuid,
    pub variant_id: Uuid,
    pub quantity: i64,
    pub warehouse_id: Option<Uuid>,
    pub added_at: DateTimeUtc,
});

entity!(order, "orders", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub number: String,
    pub channel: String,
    pub channel_order_id: Option<String>,
    pub source: String,
    pub status: String,
    pub customer_id: Option<Uuid>,
    pub customer_name: String,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub customer_key: Option<String>,
    pub address_key: Option<String>,
    /// The card a payment's gateway named (`midtrans:481111-1114`), for card velocity.
    pub card_key: Option<String>,
    pub shipping_address: Option<String>,
    pub currency: String,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub shipping_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    pub tax_rate_bp: i32,
    pub prices_include_tax: bool,
    pub payment_method: Option<String>,
    pub payment_id: Option<Uuid>,
    pub paid_minor: i64,
    pub reservation_id: Option<Uuid>,
    pub shipping_rate_id: Option<Uuid>,
    pub shipping_service: Option<String>,
    pub shipment_id: Option<Uuid>,
    pub awb: Option<String>,
    pub review_status: String,
    pub review_reasons: Option<String>,
    pub note: Option<String>,
    pub cancel_reason: Option<String>,
    pub checkout_key: Option<String>,
    pub cart_id: Option<Uuid>,
    pub version: i64,
    pub placed_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(line, "order_lines", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub order_id: Uuid,
    pub line_no: i32,
    pub variant_id: Uuid,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub shipping_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    pub warehouse_id: Option<Uuid>,
    pub returned_quantity: i64,
});

entity!(history, "order_history", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub order_id: Uuid,
    pub seq: i64,
    pub action: String,
    pub status_before: Option<String>,
    pub status_after: String,
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub detail: String,
    pub occurred_at: DateTimeUtc,
});

entity!(order_return, "order_returns", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub order_id: Uuid,
    pub status: String,
    pub requested_by: String,
    pub reason: String,
    pub resolution: String,
    pub refund_minor: i64,
    pub refund_id: Option<Uuid>,
    pub exchange_order_id: Option<Uuid>,
    pub note: Option<String>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(return_line, "order_return_lines", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub return_id: Uuid,
    pub order_line_id: Uuid,
    pub variant_id: Uuid,
    pub quantity: i64,
    pub received_quantity: i64,
    pub condition: Option<String>,
    pub exchange_variant_id: Option<Uuid>,
});
