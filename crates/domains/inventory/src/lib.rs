//! Inventory: warehouses, stock per variant per warehouse (on hand, reserved, campaign-locked,
//! incoming, available), the stock ledger, reservations for orders with their sweeper, transfers
//! between warehouses, campaign stock, reorder points and low-stock alerts, purchase orders and
//! goods receipt, stock counts, per-channel buffers and reorder suggestions. Oversell is
//! impossible by construction: stock moves only through guarded updates (ARCHITECTURE.md §3).
//!
//! What the app wires in: [`router`], [`InventoryMigrator`], [`consumers`], and
//! [`app::reservations::run_sweeper`] as a background task.

pub mod api;
pub mod app;
pub mod consumers;
pub mod domain;
mod migrations;
mod store;

pub use api::router;
pub use app::import::job_handlers;
pub use app::{InventoryCtx, InventorySettings};
pub use migrations::InventoryMigrator;

/// Inventory's reactions to events.
pub fn consumers(
    _ctx: &InventoryCtx,
) -> Vec<std::sync::Arc<dyn smartseller_platform::consumer::EventHandler>> {
    vec![
        std::sync::Arc::new(consumers::KnownVariants),
        std::sync::Arc::new(consumers::OrderStock),
    ]
}
