//! A store's order settings: currency, PPN, where orders ship from, how long stock is held, and
//! the fraud limits. A store that never saved any gets the defaults.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde::{Deserialize, Serialize};
use smartseller_kernel::money::Currency;
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, clock};
use uuid::Uuid;

use super::{OrdersCtx, OrdersResult};
use crate::domain::fraud::FraudRules;
use crate::domain::totals::TaxRule;
use crate::store::settings;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderSettings {
    #[schema(value_type = String, example = "IDR")]
    pub currency: Currency,
    /// PPN in basis points: 11% is 1100.
    pub tax_rate_bp: u32,
    /// Shelf prices include PPN (the usual case for consumer sales).
    pub prices_include_tax: bool,
    /// The warehouse storefront orders are held and shipped from; checkout needs one.
    pub fulfilment_warehouse_id: Option<Uuid>,
    /// How long checkout holds stock while the buyer pays at a gateway.
    pub reservation_minutes: i64,
    /// How long a manual order (bank transfer, payment link) waits for its money.
    pub payment_window_minutes: i64,
    /// Weight used for rates when a variant's weight is unknown.
    pub default_item_weight_grams: i64,
    /// Hold orders above this total (minor units) for review.
    pub fraud_max_total_minor: Option<i64>,
    pub fraud_window_minutes: i64,
    pub fraud_max_per_customer: Option<i64>,
    pub fraud_max_per_address: Option<i64>,
    /// Hold a paid order when this many orders were already paid with the same card in the
    /// window (the card as the gateway names it; bank transfers and cash name none).
    pub fraud_max_per_card: Option<i64>,
}

impl Default for OrderSettings {
    fn default() -> Self {
        let fraud = FraudRules::default();
        Self {
            currency: Currency::Idr,
            tax_rate_bp: 1100,
            prices_include_tax: true,
            fulfilment_warehouse_id: None,
            reservation_minutes: 30,
            payment_window_minutes: 24 * 60,
            default_item_weight_grams: 500,
            fraud_max_total_minor: fraud.max_order_total_minor,
            fraud_window_minutes: fraud.window_minutes,
            fraud_max_per_customer: fraud.max_orders_per_customer,
            fraud_max_per_address: fraud.max_orders_per_address,
            fraud_max_per_card: fraud.max_orders_per_card,
        }
    }
}

impl OrderSettings {
    pub fn tax_rule(&self) -> TaxRule {
        TaxRule {
            rate_bp: self.tax_rate_bp,
            inclusive: self.prices_include_tax,
        }
    }

    pub fn fraud_rules(&self) -> FraudRules {
        FraudRules {
            max_order_total_minor: self.fraud_max_total_minor,
            window_minutes: self.fraud_window_minutes,
            max_orders_per_customer: self.fraud_max_per_customer,
            max_orders_per_address: self.fraud_max_per_address,
            max_orders_per_card: self.fraud_max_per_card,
        }
    }

    fn check(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.tax_rate_bp > 10_000 {
            errors.add(
                "tax_rate_bp",
                "out_of_range",
                "PPN is between 0 and 10000 basis points.",
            );
        }
        if !(1..=7 * 24 * 60).contains(&self.reservation_minutes) {
            errors.add(
                "reservation_minutes",
                "out_of_range",
                "Between 1 minute and 7 days.",
            );
        }
        if !(1..=30 * 24 * 60).contains(&self.payment_window_minutes) {
            errors.add(
                "payment_window_minutes",
                "out_of_range",
                "Between 1 minute and 30 days.",
            );
        }
        if !(1..=1_000_000).contains(&self.default_item_weight_grams) {
            errors.add(
                "default_item_weight_grams",
                "out_of_range",
                "Between 1 g and 1,000 kg.",
            );
        }
        if self.fraud_max_total_minor.is_some_and(|v| v < 1) {
            errors.add(
                "fraud_max_total_minor",
                "out_of_range",
                "At least 1, or leave it out.",
            );
        }
        if !(1..=30 * 24 * 60).contains(&self.fraud_window_minutes) {
            errors.add(
                "fraud_window_minutes",
                "out_of_range",
                "Between 1 minute and 30 days.",
            );
        }
        for (field, value) in [
            ("fraud_max_per_customer", self.fraud_max_per_customer),
            ("fraud_max_per_address", self.fraud_max_per_address),
            ("fraud_max_per_card", self.fraud_max_per_card),
        ] {
            if value.is_some_and(|v| v < 1) {
                errors.add(field, "out_of_range", "At least 1, or leave it out.");
            }
        }
        errors.finish()
    }
}

pub async fn load(conn: &impl ConnectionTrait, tenant: TenantId) -> OrdersResult<OrderSettings> {
    let Some(row) = settings::Entity::find_by_id(tenant.as_uuid())
        .one(conn)
        .await?
    else {
        return Ok(OrderSettings::default());
    };
    Ok(OrderSettings {
        currency: Currency::parse(&row.currency).unwrap_or(Currency::Idr),
        tax_rate_bp: u32::try_from(row.tax_rate_bp).unwrap_or(0),
        prices_include_tax: row.prices_include_tax,
        fulfilment_warehouse_id: row.fulfilment_warehouse_id,
        reservation_minutes: row.reservation_minutes,
        payment_window_minutes: row.payment_window_minutes,
        default_item_weight_grams: row.default_item_weight_grams,
        fraud_max_total_minor: row.fraud_max_total_minor,
        fraud_window_minutes: row.fraud_window_minutes,
        fraud_max_per_customer: row.fraud_max_per_customer,
        fraud_max_per_address: row.fraud_max_per_address,
        fraud_max_per_card: row.fraud_max_per_card,
    })
}

pub async fn save(
    ctx: &OrdersCtx,
    tenant: TenantId,
    new: OrderSettings,
) -> OrdersResult<OrderSettings> {
    new.check()?;
    let row = settings::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        currency: Set(new.currency.code().to_owned()),
        tax_rate_bp: Set(i32::try_from(new.tax_rate_bp).unwrap_or(i32::MAX)),
        prices_include_tax: Set(new.prices_include_tax),
        fulfilment_warehouse_id: Set(new.fulfilment_warehouse_id),
        reservation_minutes: Set(new.reservation_minutes),
        payment_window_minutes: Set(new.payment_window_minutes),
        default_item_weight_grams: Set(new.default_item_weight_grams),
        fraud_max_total_minor: Set(new.fraud_max_total_minor),
        fraud_window_minutes: Set(new.fraud_window_minutes),
        fraud_max_per_customer: Set(new.fraud_max_per_customer),
        fraud_max_per_address: Set(new.fraud_max_per_address),
        fraud_max_per_card: Set(new.fraud_max_per_card),
        updated_at: Set(clock::now()),
    };
    let tx = ctx.db.begin_write().await?;
    settings::Entity::insert(row)
        .on_conflict(
            OnConflict::column(settings::Column::TenantId)
                .update_columns([
                    settings::Column::Currency,
                    settings::Column::TaxRateBp,
                    settings::Column::PricesIncludeTax,
                    settings::Column::FulfilmentWarehouseId,
                    settings::Column::ReservationMinutes,
                    settings::Column::PaymentWindowMinutes,
                    settings::Column::DefaultItemWeightGrams,
                    settings::Column::FraudMaxTotalMinor,
                    settings::Column::FraudWindowMinutes,
                    settings::Column::FraudMaxPerCustomer,
                    settings::Column::FraudMaxPerAddress,
                    settings::Column::FraudMaxPerCard,
                    settings::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(&*tx)
        .await?;
    tx.commit().await?;
    Ok(new)
}
