//! `inventory.events` and the reservation contract: what inventory tells the rest of SmartSeller,
//! and what the orders domain will send it to hold, sell or give back stock.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use smartseller_kernel::TenantId;
use smartseller_kernel::event::DomainEvent;
use uuid::Uuid;

pub const SUBJECT: &str = "inventory.events";

/// One variant in one warehouse, and how many units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLine {
    pub variant_id: Uuid,
    pub warehouse_id: Uuid,
    pub quantity: i64,
}

/// What a stock movement or a hold is for, e.g. `order` `SO-2024-0001`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockReference {
    /// `order`, `transfer`, `stock_count`, `purchase_order`, `channel`, `reservation` or `manual`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

/// The buckets of one variant in one warehouse after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelSnapshot {
    pub variant_id: Uuid,
    pub warehouse_id: Uuid,
    pub on_hand: i64,
    pub reserved: i64,
    pub campaign_locked: i64,
    pub incoming: i64,
    pub available: i64,
    /// At or below this, the level counts as low; `None` when no point is set. Absent in
    /// events written before reorder points travelled with snapshots.
    #[serde(default)]
    pub reorder_point: Option<i64>,
}

/// Ask inventory to hold stock: every line is held, or none is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationRequest {
    pub lines: Vec<StockLine>,
    /// When the hold lapses if it is neither committed nor released.
    pub expires_at: DateTime<Utc>,
    pub reference: Option<StockReference>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservationStatus {
    /// Stock is set aside, not yet sold.
    Held,
    /// Turned into a sale: the units left the warehouse's on-hand count.
    Committed,
    /// Given back before its expiry.
    Released,
    /// Given back by the sweeper when its time ran out.
    Expired,
}

impl ReservationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReservationStatus::Held => "held",
            ReservationStatus::Committed => "committed",
            ReservationStatus::Released => "released",
            ReservationStatus::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "held" => ReservationStatus::Held,
            "committed" => ReservationStatus::Committed,
            "released" => ReservationStatus::Released,
            "expired" => ReservationStatus::Expired,
            _ => return None,
        })
    }
}

/// A reservation as inventory answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationResponse {
    pub reservation_id: Uuid,
    pub status: ReservationStatus,
    pub lines: Vec<StockLine>,
    pub expires_at: DateTime<Utc>,
    pub reference: Option<StockReference>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InventoryEvent {
    /// On-hand stock was changed by hand or by another process (count, receipt, channel sync).
    Adjusted {
        ledger_entry_id: Uuid,
        reason: String,
        before: LevelSnapshot,
        after: LevelSnapshot,
    },
    Reserved {
        reservation_id: Uuid,
        lines: Vec<StockLine>,
        expires_at: DateTime<Utc>,
        reference: Option<StockReference>,
        /// Each touched level after the change, so readers can mirror stock without summing.
        #[serde(default)]
        levels: Vec<LevelSnapshot>,
    },
    /// A hold was given back; `expired` when the sweeper did it.
    Released {
        reservation_id: Uuid,
        lines: Vec<StockLine>,
        expired: bool,
        /// Each touched level after the change, so readers can mirror stock without summing.
        #[serde(default)]
        levels: Vec<LevelSnapshot>,
    },
    Committed {
        reservation_id: Uuid,
        lines: Vec<StockLine>,
        /// Each touched level after the change, so readers can mirror stock without summing.
        #[serde(default)]
        levels: Vec<LevelSnapshot>,
    },
    /// Available stock dropped to or below the reorder point.
    LowStock {
        variant_id: Uuid,
        warehouse_id: Uuid,
        available: i64,
        reorder_point: i64,
    },
    /// A level's reorder point was set or cleared; `level.reorder_point` is the new one.
    ReorderPointChanged { level: LevelSnapshot },
}

impl DomainEvent for InventoryEvent {
    const SUBJECT: &'static str = SUBJECT;

    fn event_type(&self) -> &'static str {
        match self {
            InventoryEvent::Adjusted { .. } => "inventory.adjusted",
            InventoryEvent::Reserved { .. } => "inventory.reserved",
            InventoryEvent::Released { .. } => "inventory.released",
            InventoryEvent::Committed { .. } => "inventory.committed",
            InventoryEvent::LowStock { .. } => "inventory.low_stock",
            InventoryEvent::ReorderPointChanged { .. } => "inventory.reorder_point_changed",
        }
    }

    fn aggregate_id(&self) -> Uuid {
        match self {
            InventoryEvent::Adjusted { after, .. } => after.variant_id,
            InventoryEvent::LowStock { variant_id, .. } => *variant_id,
            InventoryEvent::ReorderPointChanged { level } => level.variant_id,
            InventoryEvent::Reserved { reservation_id, .. }
            | InventoryEvent::Released { reservation_id, .. }
            | InventoryEvent::Committed { reservation_id, .. } => *reservation_id,
        }
    }
}

/// Why inventory refused a reservation request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReservationError {
    #[error("only {available} available of variant {variant_id} in warehouse {warehouse_id}")]
    InsufficientStock {
        variant_id: Uuid,
        warehouse_id: Uuid,
        available: i64,
    },
    /// The variant is unknown to this store's inventory, or archived.
    #[error("variant {variant_id} cannot be held")]
    UnknownVariant { variant_id: Uuid },
    /// The warehouse is unknown to this store, or inactive.
    #[error("warehouse {warehouse_id} cannot hold stock")]
    UnknownWarehouse { warehouse_id: Uuid },
    #[error("no such reservation")]
    NotFound,
    #[error("the reservation is already {}", .0.as_str())]
    NotHeld(ReservationStatus),
    #[error("the reservation has expired")]
    Expired,
    /// The request itself is wrong (no lines, a quantity below 1, an expiry in the past...).
    #[error("invalid reservation request: {0}")]
    Invalid(String),
    #[error("inventory is unavailable: {0}")]
    Unavailable(String),
}

/// What the orders domain will use to hold, sell and give back stock, in-process or remotely.
#[async_trait::async_trait]
pub trait StockReservations: Send + Sync + 'static {
    async fn reserve(
        &self,
        tenant: TenantId,
        request: ReservationRequest,
    ) -> Result<ReservationResponse, ReservationError>;
    async fn commit(
        &self,
        tenant: TenantId,
        reservation_id: Uuid,
    ) -> Result<ReservationResponse, ReservationError>;
    async fn release(
        &self,
        tenant: TenantId,
        reservation_id: Uuid,
    ) -> Result<ReservationResponse, ReservationError>;
}
