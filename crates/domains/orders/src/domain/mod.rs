//! The orders domain's pure rules: no I/O, no async.

pub mod fraud;
pub mod status;
pub mod totals;

pub use status::{OrderAction, OrderStatus};
