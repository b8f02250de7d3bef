//! The JSON shapes of shipping's API, with their OpenAPI descriptions.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use smartseller_contracts::shipping::{
    BookShipment, RateRequest, ShipmentLine, ShippingAddress, ShippingRate,
};
use smartseller_kernel::money::Money;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::{stored_address, stored_lines, stored_money};
use crate::store::{flat_rate, origin, shipment, tracking};

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Address {
    pub name: String,
    pub phone: String,
    #[serde(default)]
    pub email: Option<String>,
    pub address: String,
    pub city: String,
    #[serde(default)]
    pub province: Option<String>,
    pub postal_code: String,
    /// The provider's own location id, when known.
    #[serde(default)]
    pub area_id: Option<String>,
}

impl From<Address> for ShippingAddress {
    fn from(a: Address) -> Self {
        ShippingAddress {
            name: a.name,
            phone: a.phone,
            email: a.email,
            address: a.address,
            city: a.city,
            province: a.province,
            postal_code: a.postal_code,
            area_id: a.area_id,
        }
    }
}

impl From<ShippingAddress> for Address {
    fn from(a: ShippingAddress) -> Self {
        Address {
            name: a.name,
            phone: a.phone,
            email: a.email,
            address: a.address,
            city: a.city,
            province: a.province,
            postal_code: a.postal_code,
            area_id: a.area_id,
        }
    }
}

/// Ask for delivery prices to a destination.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateRequestBody {
    pub destination: Address,
    pub weight_grams: i64,
    pub goods_value: Money,
    /// Only these courier codes; all when empty.
    #[serde(default)]
    pub couriers: Vec<String>,
    #[serde(default)]
    pub cash_on_delivery: bool,
}

impl From<RateRequestBody> for RateRequest {
    fn from(b: RateRequestBody) -> Self {
        RateRequest {
            destination: b.destination.into(),
            weight_grams: b.weight_grams,
            goods_value: b.goods_value,
            couriers: b.couriers,
            cash_on_delivery: b.cash_on_delivery,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RateView {
    /// Book with this id while it lasts.
    pub rate_id: Uuid,
    /// `flat` for the store's own options.
    pub provider: String,
    pub courier_code: String,
    pub courier_name: String,
    pub service_code: String,
    pub service_name: String,
    pub price: Money,
    pub etd: Option<String>,
    pub cash_on_delivery: bool,
    pub expires_at: DateTime<Utc>,
}

impl From<ShippingRate> for RateView {
    fn from(r: ShippingRate) -> Self {
        RateView {
            rate_id: r.rate_id,
            provider: r.provider,
            courier_code: r.courier_code,
            courier_name: r.courier_name,
            service_code: r.service_code,
            service_name: r.service_name,
            price: r.price,
            etd: r.etd,
            cash_on_delivery: r.cash_on_delivery,
            expires_at: r.expires_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatesView {
    pub rates: Vec<RateView>,
}

/// A place parcels leave from.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OriginBody {
    /// The warehouse whose parcels leave from here; none for the store's general origin.
    #[serde(default)]
    pub warehouse_id: Option<Uuid>,
    pub name: String,
    pub contact_name: String,
    pub phone: String,
    pub address: String,
    pub city: String,
    pub postal_code: String,
    /// Location ids per provider code, e.g. `{"biteship": "IDNP6IDNC148..."}`.
    #[serde(default)]
    pub area_ids: BTreeMap<String, String>,
    #[serde(default)]
    pub is_default: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OriginsBody {
    pub origins: Vec<OriginBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OriginView {
    pub id: Uuid,
    pub warehouse_id: Option<Uuid>,
    pub name: String,
    pub contact_name: String,
    pub phone: String,
    pub address: String,
    pub city: String,
    pub postal_code: String,
    pub area_ids: BTreeMap<String, String>,
    pub is_default: bool,
}

impl From<origin::Model> for OriginView {
    fn from(o: origin::Model) -> Self {
        OriginView {
            id: o.id,
            warehouse_id: o.warehouse_id,
            name: o.name,
            contact_name: o.contact_name,
            phone: o.phone,
            address: o.address,
            city: o.city,
            postal_code: o.postal_code,
            area_ids: serde_json::from_value(o.area_ids).unwrap_or_default(),
            is_default: o.is_default,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OriginsView {
    pub origins: Vec<OriginView>,
}

/// A store's account with a provider; secrets come back redacted.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderView {
    pub provider: String,
    pub enabled: bool,
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
    /// Register this URL with the provider for status pushes.
    pub webhook_url: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProvidersView {
    pub providers: Vec<ProviderView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderBody {
    /// The provider's credentials and options; secrets sent back redacted keep their value.
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlatRateBody {
    pub name: String,
    /// `kurir_toko`, `pickup`, or the seller's own code.
    pub courier_code: String,
    pub service_code: String,
    pub price: Money,
    #[serde(default)]
    pub etd: Option<String>,
    #[serde(default)]
    pub cod_allowed: bool,
    #[serde(default = "yes")]
    pub active: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FlatRateView {
    pub id: Uuid,
    pub name: String,
    pub courier_code: String,
    pub service_code: String,
    pub price: Money,
    pub etd: Option<String>,
    pub cod_allowed: bool,
    pub active: bool,
}

impl From<flat_rate::Model> for FlatRateView {
    fn from(f: flat_rate::Model) -> Self {
        FlatRateView {
            id: f.id,
            price: stored_money(f.price_minor, &f.currency),
            name: f.name,
            courier_code: f.courier_code,
            service_code: f.service_code,
            etd: f.etd,
            cod_allowed: f.cod_allowed,
            active: f.active,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FlatRatesView {
    pub flat_rates: Vec<FlatRateView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Line {
    pub variant_id: Uuid,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    #[serde(default)]
    pub warehouse_id: Option<Uuid>,
}

impl From<Line> for ShipmentLine {
    fn from(l: Line) -> Self {
        ShipmentLine {
            variant_id: l.variant_id,
            sku: l.sku,
            name: l.name,
            quantity: l.quantity,
            warehouse_id: l.warehouse_id,
        }
    }
}

impl From<ShipmentLine> for Line {
    fn from(l: ShipmentLine) -> Self {
        Line {
            variant_id: l.variant_id,
            sku: l.sku,
            name: l.name,
            quantity: l.quantity,
            warehouse_id: l.warehouse_id,
        }
    }
}

/// Book delivery of an order at a quoted rate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookShipmentBody {
    pub order_id: Uuid,
    pub order_number: String,
    pub rate_id: Uuid,
    pub receiver: Address,
    pub lines: Vec<Line>,
    pub weight_grams: i64,
    pub goods_value: Money,
    #[serde(default)]
    pub cash_on_delivery: Option<Money>,
    #[serde(default)]
    pub note: Option<String>,
}

impl From<BookShipmentBody> for BookShipment {
    fn from(b: BookShipmentBody) -> Self {
        BookShipment {
            order_id: b.order_id,
            order_number: b.order_number,
            rate_id: b.rate_id,
            receiver: b.receiver.into(),
            lines: b.lines.into_iter().map(Into::into).collect(),
            weight_grams: b.weight_grams,
            goods_value: b.goods_value,
            cash_on_delivery: b.cash_on_delivery,
            note: b.note,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackingView {
    pub status: String,
    pub raw_status: String,
    pub description: String,
    pub location: Option<String>,
    pub at: DateTime<Utc>,
    /// `booking`, `webhook`, `poll` or `manual`.
    pub source: String,
}

impl From<tracking::Model> for TrackingView {
    fn from(t: tracking::Model) -> Self {
        TrackingView {
            status: t.status,
            raw_status: t.raw_status,
            description: t.description,
            location: t.location,
            at: t.at,
            source: t.source,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShipmentView {
    pub id: Uuid,
    pub order_id: Uuid,
    pub order_number: String,
    pub provider: String,
    pub courier_code: String,
    pub courier_name: String,
    pub service_code: String,
    pub service_name: String,
    /// The airway bill, once issued.
    pub awb: Option<String>,
    pub status: String,
    pub price: Money,
    pub sender: Address,
    pub receiver: Address,
    pub lines: Vec<Line>,
    pub weight_grams: i64,
    pub goods_value: Money,
    pub cash_on_delivery: Option<Money>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Oldest first; only on a single shipment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking: Option<Vec<TrackingView>>,
}

impl ShipmentView {
    pub fn of(row: shipment::Model, tracking: Option<Vec<tracking::Model>>) -> Self {
        ShipmentView {
            id: row.id,
            order_id: row.order_id,
            price: stored_money(row.price_minor, &row.currency),
            goods_value: stored_money(row.goods_value_minor, &row.currency),
            cash_on_delivery: row.cod_minor.map(|m| stored_money(m, &row.currency)),
            sender: stored_address(&row.sender).into(),
            receiver: stored_address(&row.receiver).into(),
            lines: stored_lines(&row.lines)
                .into_iter()
                .map(Into::into)
                .collect(),
            order_number: row.order_number,
            provider: row.provider,
            courier_code: row.courier_code,
            courier_name: row.courier_name,
            service_code: row.service_code,
            service_name: row.service_name,
            awb: row.awb,
            status: row.status,
            weight_grams: row.weight_grams,
            created_at: row.created_at,
            updated_at: row.updated_at,
            tracking: tracking.map(|t| t.into_iter().map(Into::into).collect()),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackingBody {
    /// A shipment status, e.g. `in_transit`, `delivered`.
    pub status: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentIdsBody {
    /// 1 to 500 shipments, printed in this order.
    pub shipment_ids: Vec<Uuid>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShipmentListQuery {
    pub status: Option<String>,
    pub order_id: Option<Uuid>,
    pub awb: Option<String>,
    /// How many items to return (1 to 200, default 50).
    pub limit: Option<u64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}
