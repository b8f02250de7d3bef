//! SeaORM entities of shipping's tables. Private to the crate.

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

entity!(origin, "shipping_origins", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub warehouse_id: Option<Uuid>,
    pub name: String,
    pub contact_name: String,
    pub phone: String,
    pub address: String,
    pub city: String,
    pub postal_code: String,
    pub area_ids: Json,
    pub is_default: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(provider_account, "shipping_providers", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub provider: String,
    pub config: Json,
    pub enabled: bool,
    pub webhook_secret: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(flat_rate, "shipping_flat_rates", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    pub courier_code: String,
    pub service_code: String,
    pub price_minor: i64,
    pub currency: String,
    pub etd: Option<String>,
    pub cod_allowed: bool,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(quote, "shipping_quotes", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub provider: String,
    pub courier_code: String,
    pub courier_name: String,
    pub service_code: String,
    pub service_name: String,
    pub price_minor: i64,
    pub currency: String,
    pub etd: Option<String>,
    pub cash_on_delivery: bool,
    pub destination: Json,
    pub weight_grams: i64,
    pub expires_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
});

entity!(shipment, "shipments", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub order_id: Uuid,
    pub order_number: String,
    pub provider: String,
    pub courier_code: String,
    pub courier_name: String,
    pub service_code: String,
    pub service_name: String,
    pub awb: Option<String>,
    pub provider_reference: Option<String>,
    pub status: String,
    pub price_minor: i64,
    pub currency: String,
    pub sender: Json,
    pub receiver: Json,
    pub lines: Json,
    pub weight_grams: i64,
    pub goods_value_minor: i64,
    pub cod_minor: Option<i64>,
    pub note: Option<String>,
    pub last_polled_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(tracking, "shipment_tracking", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub shipment_id: Uuid,
    pub status: String,
    pub raw_status: String,
    pub description: String,
    pub location: Option<String>,
    pub at: DateTimeUtc,
    pub source: String,
    pub created_at: DateTimeUtc,
});

entity!(webhook_receipt, "shipment_webhooks", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub provider: String,
    pub event_id: String,
    pub shipment_id: Option<Uuid>,
    pub outcome: String,
    pub raw_body: String,
    pub received_at: DateTimeUtc,
});
