//! Payments: one payment per checkout attempt, carried by a gateway (Midtrans, Xendit, Stripe,
//! PayPal), a virtual account, a manual bank transfer the seller confirms, or cash on delivery.
//! Webhooks are verified over the raw body and move a payment only forward; refunds go back
//! through the gateway that took the money.
//!
//! What the app wires in: [`router`], [`PaymentsMigrator`], [`consumers`],
//! [`app::reconcile::run_reconciler`] as a background task, and one [`PaymentsService`] that
//! other domains use as `Arc<dyn smartseller_contracts::payments::Payments>`.

pub mod api;
pub mod app;
pub mod consumers;
pub mod domain;
pub mod gateways;
mod migrations;
mod store;

pub use api::router;
pub use app::{
    Caller, GatewayFactory, HttpGateways, PaymentsCtx, PaymentsError, PaymentsService,
    PaymentsSettings,
};
pub use migrations::PaymentsMigrator;

/// Payments' reactions to events.
pub fn consumers(
    _ctx: &PaymentsCtx,
) -> Vec<std::sync::Arc<dyn smartseller_platform::consumer::EventHandler>> {
    vec![
        std::sync::Arc::new(consumers::CashCollectedOnDelivery),
        std::sync::Arc::new(consumers::CancelledOrderPayments),
    ]
}
