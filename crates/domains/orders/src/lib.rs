//! Orders: carts, checkout as a saga over pricing, stock, shipping and payments, the order
//! state machine with its append-only history, manual orders for WhatsApp and social sales,
//! and returns.

pub mod domain;
