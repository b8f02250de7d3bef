//! SeaORM entities of payments' tables. Private to the crate: other domains see payments only
//! through `contracts::payments`.

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

entity!(gateway, "payment_gateways", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub method: String,
    pub config: Json,
    pub options: Json,
    pub enabled: bool,
    pub webhook_secret: String,
    pub updated_at: DateTimeUtc,
});

entity!(payment, "payments", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub order_id: Uuid,
    pub order_number: String,
    pub method: String,
    pub status: String,
    pub currency: String,
    pub amount_minor: i64,
    pub captured_minor: i64,
    pub refunded_minor: i64,
    pub reference: String,
    pub gateway_reference: Option<String>,
    pub redirect_url: Option<String>,
    pub instructions: Option<Json>,
    pub link_token: String,
    pub expires_at: Option<DateTimeUtc>,
    pub idempotency_key: String,
    pub request: Json,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(history, "payment_history", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub payment_id: Uuid,
    pub seq: i32,
    pub source: String,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub status_before: Option<String>,
    pub status_after: String,
    pub captured_before: i64,
    pub captured_after: i64,
    pub refunded_before: i64,
    pub refunded_after: i64,
    pub detail: Json,
    pub at: DateTimeUtc,
});

entity!(refund, "payment_refunds", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub payment_id: Uuid,
    pub currency: String,
    pub amount_minor: i64,
    pub reason: String,
    pub status: String,
    pub gateway_reference: Option<String>,
    pub idempotency_key: String,
    pub created_at: DateTimeUtc,
});

entity!(webhook, "payment_webhooks", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub method: String,
    pub event_id: String,
    pub payment_id: Option<Uuid>,
    pub outcome: String,
    pub raw_body: String,
    pub received_at: DateTimeUtc,
});

entity!(proof, "payment_proofs", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub payment_id: Uuid,
    pub file_key: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_by: Option<Uuid>,
    pub at: DateTimeUtc,
});
