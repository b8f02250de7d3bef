//! Shipping providers: one real HTTP client per aggregator or courier in
//! `integrations/shipping.md`, each behind the same [`ShippingProvider`] trait so the shipping
//! use cases never branch on the provider.
//!
//! A provider knows its own protocol (auth, units, signatures, retries on 429/5xx) and maps the
//! provider's statuses onto [`ShipmentStatus`]. It keeps no state: the shipping domain stores
//! what it answers.

pub mod biteship;
mod courier_words;
mod http;
pub mod jne;
pub mod jnt;
pub mod rajaongkir;
pub mod shipper_auth;
pub mod sicepat;
pub mod units;

use std::sync::Arc;

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use smartseller_contracts::shipping::{ShipmentStatus, ShippingAddress, TrackingEntry};
use smartseller_kernel::money::Money;

/// An item of the parcel, as rate and booking requests describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParcelItem {
    pub name: String,
    pub sku: String,
    pub value: Money,
    pub weight_grams: i64,
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRateRequest {
    pub origin: ShippingAddress,
    pub destination: ShippingAddress,
    pub weight_grams: i64,
    pub goods_value: Money,
    /// Courier codes to ask for (`jne`, `jnt`, `sicepat`, `pos`...); the provider's own list
    /// when empty.
    pub couriers: Vec<String>,
    pub cash_on_delivery: bool,
    pub items: Vec<ParcelItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRate {
    pub courier_code: String,
    pub courier_name: String,
    pub service_code: String,
    pub service_name: String,
    pub price: Money,
    pub etd: Option<String>,
    pub cash_on_delivery: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderBooking {
    /// Our shipment id in simple hex: sent as the provider's reference/order id.
    pub reference: String,
    pub order_number: String,
    pub origin: ShippingAddress,
    pub destination: ShippingAddress,
    pub courier_code: String,
    pub service_code: String,
    pub items: Vec<ParcelItem>,
    pub weight_grams: i64,
    pub goods_value: Money,
    pub cash_on_delivery: Option<Money>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderShipment {
    /// The provider's id for the booking (Biteship order id, J&T orderid, JNE cnote...).
    pub provider_reference: String,
    /// The airway bill, when already issued.
    pub awb: Option<String>,
    pub status: ShipmentStatus,
    /// The price the provider booked at, when it says.
    pub price: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderTracking {
    pub awb: String,
    pub status: ShipmentStatus,
    /// Oldest first.
    pub entries: Vec<TrackingEntry>,
}

/// A status push that passed the provider's check, reduced to what the shipping domain acts on.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookUpdate {
    /// De-duplication key for the delivery.
    pub event_id: String,
    pub provider_reference: Option<String>,
    pub awb: Option<String>,
    /// `None` when the push carries no status (e.g. Biteship `order.waybill_id`).
    pub status: Option<ShipmentStatus>,
    /// The provider's own status text, kept for the tracking history.
    pub raw_status: String,
    pub at: Option<DateTime<Utc>>,
    pub raw: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("the provider rejected our credentials")]
    Unauthorized,
    #[error("the provider does not know this shipment")]
    NotFound,
    /// The provider refused the request (unserved route, bad address, not cancellable...).
    #[error("the provider refused: {0}")]
    Rejected(String),
    /// This provider cannot do that (e.g. booking through RajaOngkir, which only prices).
    #[error("not supported by this provider: {0}")]
    Unsupported(&'static str),
    /// Network failure, 5xx or 429 that outlasted our retries, or an unreadable answer.
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the push's signature or token does not verify")]
    BadSignature,
    #[error("the push is malformed: {0}")]
    Malformed(String),
}

/// One aggregator or courier.
#[async_trait::async_trait]
pub trait ShippingProvider: Send + Sync + 'static {
    /// `biteship`, `rajaongkir`, `jne`, `jnt` or `sicepat`.
    fn code(&self) -> &'static str;

    async fn quote(
        &self,
        request: &ProviderRateRequest,
    ) -> Result<Vec<ProviderRate>, ProviderError>;

    async fn book(&self, booking: &ProviderBooking) -> Result<ProviderShipment, ProviderError>;

    async fn cancel(&self, provider_reference: &str, reason: &str) -> Result<(), ProviderError>;

    async fn track(
        &self,
        awb: &str,
        courier_code: &str,
        provider_reference: Option<&str>,
    ) -> Result<ProviderTracking, ProviderError>;

    /// Checks and reads a status push. `Ok(None)` for a genuine delivery that carries nothing
    /// to act on (Biteship's empty test ping). Providers without pushes answer `Unsupported`
    /// through [`WebhookError::Malformed`].
    fn parse_webhook(
        &self,
        headers: &HeaderMap,
        raw_body: &[u8],
    ) -> Result<Option<WebhookUpdate>, WebhookError>;
}

/// A store's credentials for one provider, as the seller enters them. Base URLs default to the
/// providers' production hosts; tests and sandboxes point them elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "snake_case")]
pub enum ProviderConfig {
    Biteship {
        api_key: String,
        base_url: Option<String>,
    },
    Rajaongkir {
        api_key: String,
        base_url: Option<String>,
    },
    Jne {
        username: String,
        api_key: String,
        /// Branch and customer account for CNote generation.
        branch: String,
        customer: String,
        /// JNE's origin code for the store, e.g. `CGK10000`.
        origin_code: String,
        base_url: Option<String>,
    },
    Jnt {
        username: String,
        api_key: String,
        order_key: String,
        tariff_key: String,
        company_id: String,
        company_password: String,
        /// J&T's site code for the store's origin.
        origin_code: String,
        base_url: Option<String>,
    },
    Sicepat {
        api_key: String,
        /// SiCepat's origin code for the store.
        origin_code: String,
        base_url: Option<String>,
    },
}

/// The client for a store's provider `config`. Pos Indonesia has no client of its own: it is the
/// courier code `pos` through Biteship or RajaOngkir.
pub fn build(
    config: &ProviderConfig,
    http: reqwest::Client,
) -> Result<Arc<dyn ShippingProvider>, ProviderError> {
    let provider: Arc<dyn ShippingProvider> = match config.clone() {
        ProviderConfig::Biteship { api_key, base_url } => {
            Arc::new(biteship::BiteshipClient::new(api_key, base_url, http))
        }
        ProviderConfig::Rajaongkir { api_key, base_url } => {
            Arc::new(rajaongkir::RajaOngkirClient::new(api_key, base_url, http))
        }
        ProviderConfig::Jne {
            username,
            api_key,
            branch,
            customer,
            origin_code,
            base_url,
        } => Arc::new(jne::JneClient::new(
            jne::JneAccount {
                username,
                api_key,
                branch,
                customer,
                origin_code,
            },
            base_url,
            http,
        )),
        ProviderConfig::Jnt {
            username,
            api_key,
            order_key,
            tariff_key,
            company_id,
            company_password,
            origin_code,
            base_url,
        } => Arc::new(jnt::JntClient::new(
            jnt::JntAccount {
                username,
                api_key,
                order_key,
                tariff_key,
                company_id,
                company_password,
                origin_code,
            },
            base_url,
            http,
        )),
        ProviderConfig::Sicepat {
            api_key,
            origin_code,
            base_url,
        } => Arc::new(sicepat::SicepatClient::new(
            api_key,
            origin_code,
            base_url,
            http,
        )),
    };
    Ok(provider)
}
