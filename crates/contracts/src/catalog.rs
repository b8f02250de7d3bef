//! `product.events`: what the catalogue tells the rest of SmartSeller. Inventory learns which
//! variants exist from these; search, channels and pricing will too. And [`Pricing`]: how the
//! orders domain asks the catalogue's pricing engine what a line costs, and why.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use smartseller_kernel::TenantId;
use smartseller_kernel::event::DomainEvent;
use smartseller_kernel::money::{Currency, Money};
use uuid::Uuid;

pub const SUBJECT: &str = "product.events";

/// A variant as other domains need to know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantSnapshot {
    pub variant_id: Uuid,
    pub sku: String,
    pub name: String,
    /// `draft`, `active` or `archived`.
    pub status: String,
    pub price: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProductEvent {
    Created {
        product_id: Uuid,
        name: String,
        variants: Vec<VariantSnapshot>,
    },
    /// The product or any of its variants changed; `variants` is the full current list.
    Updated {
        product_id: Uuid,
        name: String,
        variants: Vec<VariantSnapshot>,
    },
    Archived {
        product_id: Uuid,
        variant_ids: Vec<Uuid>,
    },
    PriceChanged {
        product_id: Uuid,
        variant_id: Uuid,
        before: Money,
        after: Money,
    },
}

impl DomainEvent for ProductEvent {
    const SUBJECT: &'static str = SUBJECT;

    fn event_type(&self) -> &'static str {
        match self {
            ProductEvent::Created { .. } => "product.created",
            ProductEvent::Updated { .. } => "product.updated",
            ProductEvent::Archived { .. } => "product.archived",
            ProductEvent::PriceChanged { .. } => "product.price_changed",
        }
    }

    fn aggregate_id(&self) -> Uuid {
        match self {
            ProductEvent::Created { product_id, .. }
            | ProductEvent::Updated { product_id, .. }
            | ProductEvent::Archived { product_id, .. }
            | ProductEvent::PriceChanged { product_id, .. } => *product_id,
        }
    }
}

/// Ask the catalogue what a line costs: the orders domain prices its lines through this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceQuoteRequest {
    pub variant_id: Uuid,
    /// `own_store`, `shopee`, `tokopedia`, `lazada` or `tiktok`.
    pub channel: String,
    pub customer_group: Option<String>,
    pub quantity: i64,
    /// When the sale happens (promotions run by the clock); now when absent.
    pub at: Option<DateTime<Utc>>,
}

/// One source that set or changed the unit price: why the price is what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceStep {
    /// `base`, `cost_plus`, `channel`, `price_list`, `quantity_tier`, `promotion`, `rounding`
    /// or `floor`.
    pub source: String,
    pub description: String,
    pub unit_price_before: Money,
    pub unit_price_after: Money,
}

/// A priced line: `line_price` is `unit_price` times `quantity`, exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceQuote {
    pub variant_id: Uuid,
    /// What an order line shows: the variant's SKU, and the product's name with the variant's
    /// options (`Kaos Polos - Merah / L`).
    #[serde(default)]
    pub sku: String,
    #[serde(default)]
    pub name: String,
    /// `draft`, `active` or `archived`: only active variants are sold.
    #[serde(default)]
    pub status: String,
    /// Shipping weight of one unit.
    #[serde(default)]
    pub weight_grams: i64,
    pub channel: String,
    pub customer_group: Option<String>,
    pub quantity: i64,
    pub at: DateTime<Utc>,
    pub unit_price: Money,
    pub line_price: Money,
    pub currency: Currency,
    pub steps: Vec<PriceStep>,
}

/// Why the catalogue could not price a line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    /// No such variant in this store.
    #[error("variant {variant_id} is unknown")]
    UnknownVariant { variant_id: Uuid },
    /// The request itself is wrong (unknown channel, quantity below 1, ...), or the price overflows.
    #[error("invalid price quote request: {0}")]
    Invalid(String),
    #[error("pricing is unavailable: {0}")]
    Unavailable(String),
}

/// What other domains use to price a line, in-process or remotely.
#[async_trait::async_trait]
pub trait Pricing: Send + Sync + 'static {
    async fn quote(
        &self,
        tenant: TenantId,
        request: PriceQuoteRequest,
    ) -> Result<PriceQuote, PricingError>;

    /// Prices several lines (a cart at checkout), answering one result per request in the
    /// same order. An implementation that can should read what the lines share once; this
    /// default asks for each line in turn.
    async fn quote_many(
        &self,
        tenant: TenantId,
        requests: Vec<PriceQuoteRequest>,
    ) -> Vec<Result<PriceQuote, PricingError>> {
        let mut quotes = Vec::with_capacity(requests.len());
        for request in requests {
            quotes.push(self.quote(tenant, request).await);
        }
        quotes
    }
}
