//! `order.events`: what the orders domain tells the rest of SmartSeller. Payments settles cash
//! on delivery from `delivered`; inventory puts returned units back on the shelf from
//! `return_received`; analytics, customers and channels will read the rest.

use serde::{Deserialize, Serialize};
use smartseller_kernel::event::DomainEvent;
use smartseller_kernel::money::Money;
use uuid::Uuid;

pub const SUBJECT: &str = "order.events";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineSnapshot {
    pub line_id: Uuid,
    pub variant_id: Uuid,
    pub sku: String,
    pub quantity: i64,
    pub warehouse_id: Option<Uuid>,
    /// What the buyer paid for the line after discounts, shipping share and tax.
    pub total: Money,
}

/// What happens to a returned unit when it comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnCondition {
    /// Sellable: back to on-hand stock through the inventory ledger.
    Restock,
    /// Written off: recorded, never sold again.
    Damaged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnedUnit {
    pub variant_id: Uuid,
    pub warehouse_id: Uuid,
    pub quantity: i64,
    pub condition: ReturnCondition,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OrderEvent {
    Created {
        order_id: Uuid,
        number: String,
        /// `own_store`, `manual`, `shopee`, `tokopedia`, `lazada` or `tiktok`.
        channel: String,
        customer_id: Option<Uuid>,
        total: Money,
        lines: Vec<OrderLineSnapshot>,
    },
    /// Paid in full: inventory turns the order's hold into a sale.
    Paid {
        order_id: Uuid,
        number: String,
        payment_id: Option<Uuid>,
        reservation_id: Option<Uuid>,
        total: Money,
    },
    /// A cash-on-delivery order goes to the warehouse unpaid: inventory turns its hold into a
    /// sale, payments collects at the door.
    CodConfirmed {
        order_id: Uuid,
        number: String,
        reservation_id: Option<Uuid>,
    },
    Shipped {
        order_id: Uuid,
        number: String,
        shipment_id: Option<Uuid>,
        awb: Option<String>,
    },
    Delivered {
        order_id: Uuid,
        number: String,
    },
    Completed {
        order_id: Uuid,
        number: String,
    },
    /// Inventory gives back the order's hold, if it still has one.
    Cancelled {
        order_id: Uuid,
        number: String,
        reservation_id: Option<Uuid>,
        reason: String,
    },
    /// Units of a return arrived at the warehouse and were inspected.
    ReturnReceived {
        order_id: Uuid,
        return_id: Uuid,
        units: Vec<ReturnedUnit>,
    },
    /// The return is settled (refunded or exchanged); `fully` when every unit came back.
    Returned {
        order_id: Uuid,
        number: String,
        return_id: Uuid,
        refunded: Money,
        fully: bool,
    },
}

impl DomainEvent for OrderEvent {
    const SUBJECT: &'static str = SUBJECT;

    fn event_type(&self) -> &'static str {
        match self {
            OrderEvent::Created { .. } => "order.created",
            OrderEvent::Paid { .. } => "order.paid",
            OrderEvent::CodConfirmed { .. } => "order.cod_confirmed",
            OrderEvent::Shipped { .. } => "order.shipped",
            OrderEvent::Delivered { .. } => "order.delivered",
            OrderEvent::Completed { .. } => "order.completed",
            OrderEvent::Cancelled { .. } => "order.cancelled",
            OrderEvent::ReturnReceived { .. } => "order.return_received",
            OrderEvent::Returned { .. } => "order.returned",
        }
    }

    fn aggregate_id(&self) -> Uuid {
        match self {
            OrderEvent::Created { order_id, .. }
            | OrderEvent::Paid { order_id, .. }
            | OrderEvent::CodConfirmed { order_id, .. }
            | OrderEvent::Shipped { order_id, .. }
            | OrderEvent::Delivered { order_id, .. }
            | OrderEvent::Completed { order_id, .. }
            | OrderEvent::Cancelled { order_id, .. }
            | OrderEvent::ReturnReceived { order_id, .. }
            | OrderEvent::Returned { order_id, .. } => *order_id,
        }
    }
}
