//! Inventory's use cases. Each one that writes starts exactly one transaction, moves stock with
//! guarded updates, appends the ledger and its events together, and commits.

pub mod campaigns;
pub mod counts;
pub mod import;
pub mod purchasing;
pub mod replenishment;
pub mod reservations;
pub mod stock;
pub mod transfers;
pub mod variants;
pub mod warehouses;

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{DbErr, SqlErr};
use smartseller_contracts::inventory::ReservationStatus;
use smartseller_kernel::TenantId;
use smartseller_kernel::validation::FieldErrors;
use smartseller_platform::Db;
use smartseller_web::Principal;
use uuid::Uuid;

/// Tunables of the inventory domain, with production defaults.
#[derive(Debug, Clone)]
pub struct InventorySettings {
    /// How often the sweeper looks for holds that ran out.
    pub sweep_every: Duration,
    /// The longest a hold may last: a forgotten checkout must not lock stock for weeks.
    pub max_hold: Duration,
}

impl Default for InventorySettings {
    fn default() -> Self {
        Self {
            sweep_every: Duration::from_secs(2),
            max_hold: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// What inventory's use cases and handlers share.
#[derive(Clone)]
pub struct InventoryCtx {
    pub db: Db,
    pub settings: Arc<InventorySettings>,
}

impl InventoryCtx {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            settings: Arc::new(InventorySettings::default()),
        }
    }
}

/// Who made a change, as the ledger records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub tenant: TenantId,
    /// `user`, `api_key` or `system`.
    pub kind: &'static str,
    pub id: Option<Uuid>,
}

impl Caller {
    /// SmartSeller itself, e.g. the sweeper releasing a lapsed hold.
    pub fn system(tenant: TenantId) -> Self {
        Self {
            tenant,
            kind: "system",
            id: None,
        }
    }

    pub(crate) fn label(&self) -> (&'static str, Option<Uuid>) {
        (self.kind, self.id)
    }
}

impl From<&Principal> for Caller {
    fn from(principal: &Principal) -> Self {
        let (kind, id) = principal.label();
        Self {
            tenant: principal.tenant,
            kind,
            id: Some(id),
        }
    }
}

/// Everything that can go wrong in inventory, named for what happened to the seller.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("only {available} available")]
    InsufficientStock {
        variant_id: Uuid,
        warehouse_id: Uuid,
        available: i64,
    },
    #[error("unknown variant {variant_id}")]
    UnknownVariant { variant_id: Uuid, field: String },
    #[error("variant {variant_id} is archived")]
    VariantArchived { variant_id: Uuid, field: String },
    #[error("unknown warehouse {warehouse_id}")]
    UnknownWarehouse { warehouse_id: Uuid, field: String },
    #[error("warehouse {warehouse_id} is inactive")]
    WarehouseInactive { warehouse_id: Uuid },
    #[error("a warehouse with this code already exists")]
    WarehouseCodeTaken,
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("the reservation is {}", status.as_str())]
    ReservationNotHeld { status: ReservationStatus },
    #[error("the reservation has expired")]
    ReservationExpired,
    #[error("the campaign lock is {status}")]
    CampaignLockNotActive { status: String },
    #[error("the transfer is already {status}")]
    TransferNotInTransit { status: String },
    /// More would be received than is still expected on the purchase order line.
    #[error("only {remaining} still expected")]
    OverReceipt { variant_id: Uuid, remaining: i64 },
    /// A purchase order or count sheet cannot go from its status to the one asked for.
    #[error("the {what} is {status}")]
    IllegalTransition {
        what: &'static str,
        status: String,
        to: &'static str,
    },
    /// The books disagree with themselves; never expected, always logged.
    #[error("stock records are inconsistent: {0}")]
    Inconsistent(String),
    #[error(transparent)]
    Db(DbErr),
}

impl From<DbErr> for InventoryError {
    fn from(error: DbErr) -> Self {
        InventoryError::Db(error)
    }
}

impl From<FieldErrors> for InventoryError {
    fn from(errors: FieldErrors) -> Self {
        InventoryError::Invalid(errors)
    }
}

/// True when `error` is a unique-constraint violation (a lost race on an insert).
pub(crate) fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

pub type InventoryResult<T> = Result<T, InventoryError>;
