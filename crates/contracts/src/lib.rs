//! Contracts: what one domain may know of another. Event payloads and, later, client traits
//! (e.g. `CatalogClient::price_snapshot`). A domain depends on this crate, never on another domain.

pub mod catalog;
pub mod identity;
pub mod inventory;
pub mod orders;
pub mod payments;
pub mod shipping;
