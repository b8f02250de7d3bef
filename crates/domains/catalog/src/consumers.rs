//! The catalogue's reactions to other domains' events.

use smartseller_contracts::inventory::{self, InventoryEvent};
use smartseller_kernel::event::EventEnvelope;
use smartseller_platform::consumer::EventHandler;
use smartseller_platform::db::WriteTx;

use crate::app::stock::record_inventory_event;

/// Keeps the catalogue's copy of stock per variant per warehouse, so product pages show stock
/// and lists filter by it without calling inventory. Idempotent: each event carries the levels
/// after the change, and an older event never overwrites a newer one.
pub struct StockCopy;

#[async_trait::async_trait]
impl EventHandler for StockCopy {
    fn name(&self) -> &'static str {
        "catalog.stock"
    }

    fn subjects(&self) -> &'static [&'static str] {
        &[inventory::SUBJECT]
    }

    async fn handle(&self, tx: &mut WriteTx, event: &EventEnvelope) -> anyhow::Result<()> {
        // An event type this build does not know yet is someone else's news, not a failure.
        let Ok(stock) = serde_json::from_value::<InventoryEvent>(event.payload.clone()) else {
            tracing::debug!(event_type = %event.event_type, "inventory event ignored");
            return Ok(());
        };
        record_inventory_event(&**tx, event.tenant_id, event.occurred_at, &stock).await?;
        Ok(())
    }
}
