//! Catalogue: a store's category tree, its products with their options (Size, Warna, ...) and
//! variants (one sellable SKU each, with barcode, shipping weight and dimensions, and price).
//! The seed's product-service, catalogue half. And the pricing engine (`domain::pricing`): what a
//! variant costs on a channel, for a customer group, at a quantity and a moment, and why.
//!
//! What the app wires in: [`router`] with a [`CatalogCtx`], [`CatalogMigrator`] and
//! [`consumers`]. Other domains learn about products from `product.events` and price lines
//! through [`CatalogPricing`] (see `smartseller_contracts::catalog`). Product search
//! (`/products/search`) reads a tantivy index the `catalog.search` consumer keeps up to date.

pub mod api;
pub mod app;
pub mod consumers;
pub mod domain;
mod migrations;
mod store;

pub use api::router;
pub use app::CatalogCtx;
pub use app::import::job_handlers;
pub use app::pricing::CatalogPricing;
pub use migrations::CatalogMigrator;

/// The catalogue's reactions to events.
pub fn consumers(
    ctx: &CatalogCtx,
) -> Vec<std::sync::Arc<dyn smartseller_platform::consumer::EventHandler>> {
    vec![
        std::sync::Arc::new(consumers::StockCopy(ctx.clone())),
        std::sync::Arc::new(consumers::SearchIndexer(ctx.clone())),
    ]
}
