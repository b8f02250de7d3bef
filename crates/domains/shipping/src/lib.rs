//! Shipping: delivery rates, courier bookings with their airway bills, tracking by webhook and
//! by polling, and the paperwork of a parcel: PDF labels with a Code 128 airway bill, pick lists
//! and packing lists.
//!
//! What the app wires in: [`router`], [`ShippingMigrator`], [`ShippingService`] (the
//! [`smartseller_contracts::shipping::Shipping`] contract for other domains), and
//! [`app::tracking::run_poller`] as a background task.

pub mod api;
pub mod app;
pub mod domain;
pub mod labels;
mod migrations;
pub mod providers;
mod store;

pub use api::router;
pub use app::{HttpProviders, ProviderFactory, ShippingCtx, ShippingService, ShippingSettings};
pub use migrations::ShippingMigrator;
