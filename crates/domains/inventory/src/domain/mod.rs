//! Inventory's pure rules: what a stock level is and how each kind of change moves its buckets,
//! which reasons and references a change may carry, what a valid warehouse is. No I/O, no async.

pub mod stock;
pub mod text;

pub use stock::{Buckets, Change, Movement, StockRuleError, merge_lines};
pub use text::{
    CampaignName, Channel, Note, Reason, Reference, ReferenceKind, WarehouseAddress, WarehouseCode,
    WarehouseName,
};
