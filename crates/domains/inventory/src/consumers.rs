//! Reactions to `product.events`.

use smartseller_contracts::catalog::{self, ProductEvent};
use smartseller_kernel::event::EventEnvelope;
use smartseller_platform::consumer::EventHandler;
use smartseller_platform::db::WriteTx;

use crate::app::variants::record_product_event;

/// Records each store's variants (id, SKU, status), so inventory can refuse stock for a variant
/// that does not exist without reading the catalogue. Idempotent: a redelivered or older event
/// changes nothing.
pub struct KnownVariants;

#[async_trait::async_trait]
impl EventHandler for KnownVariants {
    fn name(&self) -> &'static str {
        "inventory.variants"
    }

    fn subjects(&self) -> &'static [&'static str] {
        &[catalog::SUBJECT]
    }

    async fn handle(&self, tx: &mut WriteTx, event: &EventEnvelope) -> anyhow::Result<()> {
        // An event type this build does not know yet is someone else's news, not a failure.
        let Ok(product) = serde_json::from_value::<ProductEvent>(event.payload.clone()) else {
            tracing::debug!(event_type = %event.event_type, "product event ignored");
            return Ok(());
        };
        record_product_event(tx, event.tenant_id, event.id, &product).await?;
        Ok(())
    }
}
