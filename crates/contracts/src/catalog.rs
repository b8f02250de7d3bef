//! `product.events`: what the catalogue tells the rest of SmartSeller. Inventory learns which
//! variants exist from these; search, channels and pricing will too.

use serde::{Deserialize, Serialize};
use smartseller_kernel::event::DomainEvent;
use smartseller_kernel::money::Money;
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
