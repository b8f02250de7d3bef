//! Payments' pure rules: how a payment's status may move, and how much may be captured and
//! refunded. No I/O, no async.

pub mod amounts;
pub mod status;

pub use amounts::{AmountRuleError, check_capture, check_refund};
pub use status::{IgnoreReason, Transition, decide, rank};
