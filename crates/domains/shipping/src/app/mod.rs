//! Shipping's use cases. Provider calls never run inside a database transaction: a slow courier
//! must not hold the write lock. Each write starts one transaction that stores state, tracking
//! and events together.

pub mod documents;
pub mod service;
pub mod setup;
pub mod tracking;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{ConnectionTrait, DbErr, SqlErr};
use smartseller_contracts::shipping::{
    ShipmentLine, ShipmentStatus, ShipmentView, ShippingAddress, ShippingError, TrackingEntry,
};
use smartseller_kernel::TenantId;
use smartseller_kernel::money::{Currency, Money};
use smartseller_kernel::validation::FieldErrors;
use smartseller_platform::Db;

use crate::providers::{self, ProviderConfig, ProviderError, ShippingProvider};
use crate::store::{self, shipment};

pub use service::ShippingService;

/// Tunables of the shipping domain, with production defaults.
#[derive(Debug, Clone)]
pub struct ShippingSettings {
    /// How long a quoted rate may be booked at the price shown.
    pub quote_ttl: Duration,
    /// How long a shipment in flight goes without asking its courier.
    pub poll_every: Duration,
    /// How long one provider may take to answer before it is skipped or the call fails.
    pub provider_timeout: Duration,
    /// Shipments asked about per poller round.
    pub poll_batch: u64,
    /// How sellers' couriers reach us, for the webhook URLs we show them.
    pub public_url: String,
}

impl Default for ShippingSettings {
    fn default() -> Self {
        Self {
            quote_ttl: Duration::from_secs(30 * 60),
            poll_every: Duration::from_secs(30 * 60),
            provider_timeout: Duration::from_secs(10),
            poll_batch: 100,
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

/// Builds the client for a store's provider account. The app uses [`HttpProviders`]; tests
/// script their own couriers.
pub trait ProviderFactory: Send + Sync + 'static {
    fn build(&self, config: &ProviderConfig) -> Result<Arc<dyn ShippingProvider>, ProviderError>;
}

/// The real HTTP clients of `providers::build`, sharing one connection pool.
pub struct HttpProviders {
    http: reqwest::Client,
}

impl HttpProviders {
    pub fn new() -> Self {
        Self {
            http: reqwest::Client::new(),
        }
    }
}

impl Default for HttpProviders {
    fn default() -> Self {
        Self::new()
    }
}

impl ProviderFactory for HttpProviders {
    fn build(&self, config: &ProviderConfig) -> Result<Arc<dyn ShippingProvider>, ProviderError> {
        providers::build(config, self.http.clone())
    }
}

/// What shipping's use cases and handlers share.
#[derive(Clone)]
pub struct ShippingCtx {
    pub db: Db,
    pub settings: Arc<ShippingSettings>,
    pub providers: Arc<dyn ProviderFactory>,
}

impl ShippingCtx {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            settings: Arc::new(ShippingSettings::default()),
            providers: Arc::new(HttpProviders::new()),
        }
    }
}

/// Everything that can go wrong in shipping, named for what happened to the seller.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Shipping(#[from] ShippingError),
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("no such {0}")]
    NotFound(&'static str),
    /// A courier's push whose signature or token does not verify.
    #[error("the push does not verify")]
    WebhookRefused,
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        AppError::Invalid(errors)
    }
}

impl From<AppError> for ShippingError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Shipping(error) => error,
            AppError::Invalid(errors) => ShippingError::Invalid(
                errors
                    .0
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            AppError::NotFound(_) => ShippingError::NotFound,
            AppError::WebhookRefused => ShippingError::Rejected("the push does not verify".into()),
            AppError::Db(error) => {
                tracing::error!(%error, "shipping storage failed");
                ShippingError::Unavailable("shipping storage is unavailable".into())
            }
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// True when `error` is a unique-constraint violation (a lost race on an insert).
pub(crate) fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// A provider failure, as the seller should read it.
pub(crate) fn provider_failure(error: ProviderError) -> ShippingError {
    match error {
        ProviderError::Rejected(reason) => ShippingError::Rejected(reason),
        ProviderError::NotFound => ShippingError::Rejected("the courier does not know it".into()),
        ProviderError::Unsupported(what) => {
            ShippingError::Rejected(format!("not supported: {what}"))
        }
        ProviderError::Unauthorized => {
            ShippingError::Unavailable("the courier refused our credentials".into())
        }
        ProviderError::Unavailable(reason) => ShippingError::Unavailable(reason),
    }
}

/// Money read back from a row; an unknown currency there is a bug, logged and read as IDR.
pub(crate) fn stored_money(minor: i64, currency: &str) -> Money {
    let currency = Currency::parse(currency).unwrap_or_else(|error| {
        tracing::error!(%error, "unknown currency in shipping storage");
        Currency::Idr
    });
    Money::new(minor, currency)
}

pub(crate) fn stored_status(text: &str) -> ShipmentStatus {
    ShipmentStatus::parse(text).unwrap_or_else(|| {
        tracing::error!(status = text, "unknown shipment status in storage");
        ShipmentStatus::Exception
    })
}

pub(crate) fn stored_address(value: &serde_json::Value) -> ShippingAddress {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

pub(crate) fn stored_lines(value: &serde_json::Value) -> Vec<ShipmentLine> {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

/// The contract's view of a shipment, with its tracking history.
pub(crate) async fn view(
    conn: &impl ConnectionTrait,
    row: &shipment::Model,
) -> AppResult<ShipmentView> {
    let tenant = TenantId(row.tenant_id);
    let tracking = store::tracking(conn, tenant, row.id)
        .await?
        .into_iter()
        .map(|t| TrackingEntry {
            status: stored_status(&t.status),
            description: t.description,
            location: t.location,
            at: t.at,
        })
        .collect();
    Ok(ShipmentView {
        shipment_id: row.id,
        order_id: row.order_id,
        provider: row.provider.clone(),
        courier_code: row.courier_code.clone(),
        service_code: row.service_code.clone(),
        awb: row.awb.clone(),
        status: stored_status(&row.status),
        price: stored_money(row.price_minor, &row.currency),
        tracking,
    })
}
