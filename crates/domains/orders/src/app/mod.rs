//! The orders domain's use cases. Each one that writes starts its transactions here, appends
//! the order's history and its events in the same transaction, and commits. Calls to other
//! domains (pricing, stock, payments, shipping) happen between transactions, never inside one,
//! and every step that follows such a call knows how to undo it.

pub mod carts;
pub mod checkout;
pub mod fulfilment;
pub mod history;
pub mod manual;
pub mod orders;
pub mod placing;
pub mod returns;
pub mod settings;

use std::sync::Arc;

use sea_orm::{DbErr, SqlErr};
use smartseller_contracts::catalog::Pricing;
use smartseller_contracts::inventory::StockReservations;
use smartseller_contracts::payments::Payments;
use smartseller_contracts::shipping::Shipping;
use smartseller_kernel::TenantId;
use smartseller_kernel::validation::FieldErrors;
use smartseller_platform::Db;
use smartseller_web::Principal;
use uuid::Uuid;

use crate::domain::OrderStatus;

/// What the orders domain's use cases and handlers share: its database and the contracts of the
/// domains it works with, in-process or remote.
#[derive(Clone)]
pub struct OrdersCtx {
    pub db: Db,
    pub pricing: Arc<dyn Pricing>,
    pub stock: Arc<dyn StockReservations>,
    pub payments: Arc<dyn Payments>,
    pub shipping: Arc<dyn Shipping>,
}

/// Who changed an order, as its history records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub tenant: TenantId,
    /// `user`, `api_key`, `customer` or `system`.
    pub kind: &'static str,
    pub id: Option<Uuid>,
}

impl Caller {
    /// SmartSeller itself: a payment notification, a courier update, a lapsed hold.
    pub fn system(tenant: TenantId) -> Self {
        Self {
            tenant,
            kind: "system",
            id: None,
        }
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

/// Everything that can go wrong with an order, named for what happened to the seller.
#[derive(Debug, thiserror::Error)]
pub enum OrdersError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("no such {0}")]
    NotFound(&'static str),
    /// The state machine refuses the move; the problem carries the current state.
    #[error("the order is {}; it cannot {action}", current.as_str())]
    IllegalTransition {
        current: OrderStatus,
        action: &'static str,
    },
    /// Someone else changed the order between our read and our write; try again.
    #[error("the order changed meanwhile")]
    Concurrent,
    #[error("only {available} available of variant {variant_id}")]
    OutOfStock { variant_id: Uuid, available: i64 },
    #[error("the cart is {status}")]
    CartClosed { status: String },
    #[error("the shipping rate has expired")]
    RateExpired,
    #[error("the order is held for review")]
    HeldForReview,
    #[error("the return is {status}; it cannot {action}")]
    ReturnState {
        status: String,
        action: &'static str,
    },
    /// Another domain refused or failed: payments, shipping, pricing or inventory.
    #[error("{service} refused: {message}")]
    Refused {
        service: &'static str,
        message: String,
    },
    #[error("{service} is unavailable: {message}")]
    Unavailable {
        service: &'static str,
        message: String,
    },
    #[error(transparent)]
    Db(DbErr),
}

impl From<DbErr> for OrdersError {
    fn from(error: DbErr) -> Self {
        OrdersError::Db(error)
    }
}

impl From<FieldErrors> for OrdersError {
    fn from(errors: FieldErrors) -> Self {
        OrdersError::Invalid(errors)
    }
}

pub type OrdersResult<T> = Result<T, OrdersError>;

/// True when `error` is a unique-constraint violation (a lost race on an insert).
pub(crate) fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}
