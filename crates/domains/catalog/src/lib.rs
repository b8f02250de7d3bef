//! Catalogue: a store's category tree, its products with their options (Size, Warna, ...) and
//! variants (one sellable SKU each, with barcode, shipping weight and dimensions, and price).
//! The seed's product-service, catalogue half.
//!
//! What the app wires in: [`router`] with a [`CatalogCtx`], and [`CatalogMigrator`]. Other domains
//! learn about products from `product.events` (see `smartseller_contracts::catalog`).

pub mod api;
pub mod app;
pub mod domain;
mod migrations;
mod store;

pub use api::router;
pub use app::CatalogCtx;
pub use migrations::CatalogMigrator;
