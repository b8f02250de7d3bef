//! Inventory's pure rules: what a stock level is and how each kind of change moves its buckets,
//! which reasons and references a change may carry, what a valid warehouse is, how purchase
//! orders and counts move, and the reorder and channel-buffer maths. No I/O, no async.

pub mod import;
pub mod purchasing;
pub mod replenishment;
pub mod stock;
pub mod text;

pub use stock::{Buckets, Change, Movement, StockRuleError, merge_lines};
pub use text::{
    CampaignName, Channel, Note, Reason, Reference, ReferenceKind, SalesChannel, SupplierName,
    WarehouseAddress, WarehouseCode, WarehouseName,
};
