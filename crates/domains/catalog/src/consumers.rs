//! The catalogue's reactions to events: its own (`product.events`, for search) and other
//! domains' (`inventory.events`, for its copy of stock).

use smartseller_contracts::catalog;
use smartseller_contracts::inventory::{self, InventoryEvent};
use smartseller_kernel::event::EventEnvelope;
use smartseller_platform::consumer::EventHandler;
use smartseller_platform::db::WriteTx;

use crate::app::CatalogCtx;
use crate::app::search::{reindex_on, reindex_stock_on};
use crate::app::stock::record_inventory_event;

/// Keeps the catalogue's copy of stock per variant per warehouse, so product pages show stock
/// and lists filter by it without calling inventory. Idempotent: each event carries the levels
/// after the change, and an older event never overwrites a newer one. Products whose "in stock"
/// changed are reindexed for search.
pub struct StockCopy(pub CatalogCtx);

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
        let products =
            record_inventory_event(&**tx, event.tenant_id, event.occurred_at, &stock).await?;
        // Read through this transaction, so the index sees the copy just written; if the
        // transaction then fails, the redelivery reindexes again.
        reindex_stock_on(&**tx, &self.0, event.tenant_id, &products).await?;
        Ok(())
    }
}

/// Keeps the search index in step with `product.events`: whatever happened to a product, its
/// document is rebuilt from the database (an archived product stays in the index as archived,
/// hidden unless asked for). Idempotent: a redelivered or late event reindexes the current
/// state, never the state the event describes.
pub struct SearchIndexer(pub CatalogCtx);

#[async_trait::async_trait]
impl EventHandler for SearchIndexer {
    fn name(&self) -> &'static str {
        "catalog.search"
    }

    fn subjects(&self) -> &'static [&'static str] {
        &[catalog::SUBJECT]
    }

    async fn handle(&self, tx: &mut WriteTx, event: &EventEnvelope) -> anyhow::Result<()> {
        // Every product event's aggregate is the product, whatever its type.
        reindex_on(&**tx, &self.0, event.tenant_id, &[event.aggregate_id]).await?;
        Ok(())
    }
}
