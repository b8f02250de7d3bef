//! Payments: one payment per checkout attempt, carried by a gateway (Midtrans, Xendit, Stripe,
//! PayPal), a virtual account, a manual bank transfer the seller confirms, or cash on delivery.
//! Webhooks are verified over the raw body and move a payment only forward; refunds go back
//! through the gateway that took the money.

pub mod gateways;
