//! Orders: carts, checkout as a saga over pricing, stock, shipping and payments, the order
//! state machine with its append-only history, manual orders for WhatsApp and social sales
//! (and marketplace imports), fulfilment, and returns.
//!
//! What the app wires in: [`router`], [`OrdersMigrator`] and [`consumers`].

pub mod api;
pub mod app;
pub mod consumers;
pub mod domain;
mod migrations;
mod store;

pub use api::router;
pub use app::{Caller, OrdersCtx, OrdersError};
pub use migrations::OrdersMigrator;

/// The orders domain's reactions to events.
pub fn consumers() -> Vec<std::sync::Arc<dyn smartseller_platform::consumer::EventHandler>> {
    vec![
        std::sync::Arc::new(consumers::OrderPayments),
        std::sync::Arc::new(consumers::OrderShipments),
        std::sync::Arc::new(consumers::LapsedHolds),
    ]
}
