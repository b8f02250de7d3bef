//! `shipment.events` and the [`Shipping`] contract: how checkout prices delivery and how an
//! order is handed to a courier, without the orders domain knowing which carrier or
//! aggregator carries it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use smartseller_kernel::TenantId;
use smartseller_kernel::event::DomainEvent;
use smartseller_kernel::money::Money;
use uuid::Uuid;

pub const SUBJECT: &str = "shipment.events";

/// A postal address as couriers need it. `area_id` is the provider's own location id where one
/// is known (Biteship area, RajaOngkir destination, JNE tariff code); the postal code is enough
/// for most rate requests.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ShippingAddress {
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    pub address: String,
    pub city: String,
    pub province: Option<String>,
    pub postal_code: String,
    pub area_id: Option<String>,
}

/// Ask for delivery prices from the store's origin to a destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateRequest {
    pub destination: ShippingAddress,
    pub weight_grams: i64,
    /// The goods' value, for insurance and COD eligibility.
    pub goods_value: Money,
    /// Restrict to these courier codes (`jne`, `jnt`, `sicepat`, `pos`...); all when empty.
    #[serde(default)]
    pub couriers: Vec<String>,
    #[serde(default)]
    pub cash_on_delivery: bool,
}

/// One priced delivery option. `rate_id` names the quote for a short while, so checkout can
/// charge exactly what the buyer saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingRate {
    pub rate_id: Uuid,
    /// Who we asked: `biteship`, `rajaongkir`, `jne`, `jnt`, `sicepat` or `flat`.
    pub provider: String,
    pub courier_code: String,
    pub courier_name: String,
    pub service_code: String,
    pub service_name: String,
    pub price: Money,
    /// Delivery estimate as the provider states it, e.g. `2-3 days`.
    pub etd: Option<String>,
    pub cash_on_delivery: bool,
    pub expires_at: DateTime<Utc>,
}

/// A line of the parcel, printed on the label and the packing list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentLine {
    pub variant_id: Uuid,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    /// Which warehouse the units come from, for the pick list.
    pub warehouse_id: Option<Uuid>,
}

/// Hand an order to a courier at a quoted rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookShipment {
    pub order_id: Uuid,
    pub order_number: String,
    pub rate_id: Uuid,
    pub receiver: ShippingAddress,
    pub lines: Vec<ShipmentLine>,
    pub weight_grams: i64,
    pub goods_value: Money,
    /// Collected by the courier at the door; `None` when the order is prepaid.
    pub cash_on_delivery: Option<Money>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShipmentStatus {
    /// Booked with the provider; the airway bill may still be on its way.
    Booked,
    AwbAssigned,
    PickupScheduled,
    PickedUp,
    InTransit,
    OutForDelivery,
    Delivered,
    DeliveryFailed,
    Returning,
    Returned,
    Cancelled,
    Exception,
}

impl ShipmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ShipmentStatus::Booked => "booked",
            ShipmentStatus::AwbAssigned => "awb_assigned",
            ShipmentStatus::PickupScheduled => "pickup_scheduled",
            ShipmentStatus::PickedUp => "picked_up",
            ShipmentStatus::InTransit => "in_transit",
            ShipmentStatus::OutForDelivery => "out_for_delivery",
            ShipmentStatus::Delivered => "delivered",
            ShipmentStatus::DeliveryFailed => "delivery_failed",
            ShipmentStatus::Returning => "returning",
            ShipmentStatus::Returned => "returned",
            ShipmentStatus::Cancelled => "cancelled",
            ShipmentStatus::Exception => "exception",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        use ShipmentStatus::*;
        [
            Booked,
            AwbAssigned,
            PickupScheduled,
            PickedUp,
            InTransit,
            OutForDelivery,
            Delivered,
            DeliveryFailed,
            Returning,
            Returned,
            Cancelled,
            Exception,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingEntry {
    pub status: ShipmentStatus,
    /// The courier's own words, e.g. `Paket diterima oleh YBS`.
    pub description: String,
    pub location: Option<String>,
    pub at: DateTime<Utc>,
}

/// A shipment as the shipping domain answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentView {
    pub shipment_id: Uuid,
    pub order_id: Uuid,
    pub provider: String,
    pub courier_code: String,
    pub service_code: String,
    pub awb: Option<String>,
    pub status: ShipmentStatus,
    pub price: Money,
    pub tracking: Vec<TrackingEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShippingError {
    #[error("no such shipment")]
    NotFound,
    /// The quote is unknown to this store or has lapsed: ask for rates again.
    #[error("the shipping rate is unknown or has expired")]
    RateExpired,
    #[error("invalid shipping request: {0}")]
    Invalid(String),
    #[error("the shipment is {}", .0.as_str())]
    WrongState(ShipmentStatus),
    #[error("the courier refused: {0}")]
    Rejected(String),
    #[error("the courier is unavailable: {0}")]
    Unavailable(String),
}

/// What checkout and fulfilment use to price and book delivery, in-process or remotely.
#[async_trait::async_trait]
pub trait Shipping: Send + Sync + 'static {
    /// Prices delivery with every enabled provider; each answer is kept under its `rate_id`.
    async fn quote(
        &self,
        tenant: TenantId,
        request: RateRequest,
    ) -> Result<Vec<ShippingRate>, ShippingError>;
    /// A rate quoted earlier, as long as it has not expired.
    async fn rate(&self, tenant: TenantId, rate_id: Uuid) -> Result<ShippingRate, ShippingError>;
    /// Books the courier and returns the shipment with its airway bill when the provider has
    /// issued one. Idempotent per order: booking a booked order returns its shipment.
    async fn book(
        &self,
        tenant: TenantId,
        request: BookShipment,
    ) -> Result<ShipmentView, ShippingError>;
    async fn cancel(
        &self,
        tenant: TenantId,
        shipment_id: Uuid,
    ) -> Result<ShipmentView, ShippingError>;
    /// The order's shipment with its tracking history; `NotFound` when none was booked.
    async fn for_order(
        &self,
        tenant: TenantId,
        order_id: Uuid,
    ) -> Result<ShipmentView, ShippingError>;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ShipmentEvent {
    Booked {
        shipment_id: Uuid,
        order_id: Uuid,
        provider: String,
        courier_code: String,
        awb: Option<String>,
    },
    /// The courier reported a new status; emitted once per real change, never backwards.
    StatusChanged {
        shipment_id: Uuid,
        order_id: Uuid,
        awb: Option<String>,
        before: ShipmentStatus,
        after: ShipmentStatus,
        at: DateTime<Utc>,
    },
}

impl DomainEvent for ShipmentEvent {
    const SUBJECT: &'static str = SUBJECT;

    fn event_type(&self) -> &'static str {
        match self {
            ShipmentEvent::Booked { .. } => "shipment.booked",
            ShipmentEvent::StatusChanged { after, .. } => match after {
                ShipmentStatus::Delivered => "shipment.delivered",
                ShipmentStatus::Returned => "shipment.returned",
                ShipmentStatus::Cancelled => "shipment.cancelled",
                _ => "shipment.status_changed",
            },
        }
    }

    fn aggregate_id(&self) -> Uuid {
        match self {
            ShipmentEvent::Booked { shipment_id, .. }
            | ShipmentEvent::StatusChanged { shipment_id, .. } => *shipment_id,
        }
    }
}
