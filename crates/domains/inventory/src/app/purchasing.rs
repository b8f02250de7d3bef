//! Purchase orders and goods receipt: ordering raises `incoming` at the receiving warehouse,
//! each receipt moves what arrived from incoming to on hand, and cancelling stops expecting what
//! has not arrived. Every stock change goes through the guarded update and the ledger, with the
//! purchase order as its reference.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use smartseller_kernel::TenantId;
use smartseller_kernel::money::{Currency, Money, MoneyError};
use smartseller_kernel::validation::FieldErrors;
use smartseller_platform::WriteTx;
use uuid::Uuid;

use super::stock::{Booking, known_variant, known_warehouse, move_and_book};
use super::{Caller, InventoryCtx, InventoryError, InventoryResult};
use crate::domain::purchasing::{PurchaseLine, PurchaseStatus, status_after_receipt};
use crate::domain::stock::MAX_QUANTITY;
use crate::domain::{Movement, Note, Reason, SupplierName};
use crate::store::purchasing::{self, NewPurchaseOrder};
use crate::store::{purchase_order, purchase_order_line};

/// The most lines one purchase order or receipt may carry.
const MAX_LINES: usize = 500;

/// The most a single unit may cost, in minor units: far above any real price, far below overflow
/// once multiplied by a line's quantity.
const MAX_UNIT_COST_MINOR: i64 = 1_000_000_000;

/// A purchase order as the buyer writes it, already validated.
#[derive(Debug, Clone)]
pub struct PurchaseOrderDraft {
    pub supplier: SupplierName,
    pub warehouse: Uuid,
    pub currency: Currency,
    pub expected_on: Option<NaiveDate>,
    pub note: Option<Note>,
    /// (variant, quantity, unit cost in minor units of `currency`), one line per variant.
    pub lines: Vec<(Uuid, i64, i64)>,
}

/// One line as given: variant, quantity, and the unit cost.
#[derive(Debug, Clone, Copy)]
pub struct DraftLine {
    pub variant: Uuid,
    pub quantity: i64,
    pub unit_cost: Money,
}

fn parse_note(errors: &mut FieldErrors, note: Option<&str>) -> Option<Note> {
    match note.map(str::trim) {
        None | Some("") => None,
        Some(text) => errors.check("note", Note::parse(text)),
    }
}

fn check_line_count(errors: &mut FieldErrors, count: usize) {
    if count == 0 {
        errors.add("lines", "required", "Give at least one line.");
    }
    if count > MAX_LINES {
        errors.add(
            "lines",
            "too_many",
            format!("At most {MAX_LINES} lines at once."),
        );
    }
}

fn check_quantity(errors: &mut FieldErrors, index: usize, quantity: i64) {
    if !(1..=MAX_QUANTITY).contains(&quantity) {
        errors.add(
            &format!("lines[{index}].quantity"),
            "out_of_range",
            format!("Give a quantity from 1 to {MAX_QUANTITY}."),
        );
    }
}

impl PurchaseOrderDraft {
    pub fn parse(
        supplier: &str,
        warehouse: Uuid,
        expected_on: Option<NaiveDate>,
        lines: &[DraftLine],
        note: Option<&str>,
    ) -> Result<PurchaseOrderDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let supplier = errors.check("supplier_name", SupplierName::parse(supplier));
        check_line_count(&mut errors, lines.len());
        let currency = lines
            .first()
            .map_or(Currency::Idr, |l| l.unit_cost.currency);
        let mut seen = Vec::new();
        for (index, line) in lines.iter().enumerate() {
            check_quantity(&mut errors, index, line.quantity);
            if seen.contains(&line.variant) {
                errors.add(
                    &format!("lines[{index}].variant_id"),
                    "duplicate_variant",
                    "Give each variant one line; add the quantities together.",
                );
            }
            seen.push(line.variant);
            if !(0..=MAX_UNIT_COST_MINOR).contains(&line.unit_cost.minor) {
                errors.add(
                    &format!("lines[{index}].unit_cost.minor"),
                    "out_of_range",
                    format!("Give a unit cost from 0 to {MAX_UNIT_COST_MINOR} minor units."),
                );
            }
            if line.unit_cost.currency != currency {
                errors.add(
                    &format!("lines[{index}].unit_cost.currency"),
                    "currency_mismatch",
                    format!("Every line of one order is in the same currency ({currency})."),
                );
            }
        }
        let note = parse_note(&mut errors, note);
        errors.finish()?;
        let Some(supplier) = supplier else {
            return Err(FieldErrors::single(
                "supplier_name",
                "required",
                "Enter a supplier name.",
            ));
        };
        Ok(PurchaseOrderDraft {
            supplier,
            warehouse,
            currency,
            expected_on,
            note,
            lines: lines
                .iter()
                .map(|l| (l.variant, l.quantity, l.unit_cost.minor))
                .collect(),
        })
    }
}

/// Goods that arrived for a purchase order, already validated.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// (variant, quantity > 0), as given.
    pub lines: Vec<(Uuid, i64)>,
    pub note: Option<Note>,
}

impl Receipt {
    pub fn parse(lines: &[(Uuid, i64)], note: Option<&str>) -> Result<Receipt, FieldErrors> {
        let mut errors = FieldErrors::new();
        check_line_count(&mut errors, lines.len());
        for (index, (_, quantity)) in lines.iter().enumerate() {
            check_quantity(&mut errors, index, *quantity);
        }
        let note = parse_note(&mut errors, note);
        errors.finish()?;
        Ok(Receipt {
            lines: lines.to_vec(),
            note,
        })
    }
}

/// A purchase order and its lines.
pub struct PurchaseOrder {
    pub record: purchase_order::Model,
    pub lines: Vec<purchase_order_line::Model>,
}

impl PurchaseOrder {
    pub fn status(&self) -> PurchaseStatus {
        PurchaseStatus::parse(&self.record.status).unwrap_or(PurchaseStatus::Draft)
    }

    pub fn currency(&self) -> Currency {
        Currency::parse(&self.record.currency).unwrap_or(Currency::Idr)
    }

    /// What the order costs: Σ quantity × unit cost, with checked arithmetic.
    pub fn total(&self) -> Result<Money, MoneyError> {
        let currency = self.currency();
        self.lines.iter().try_fold(Money::zero(currency), |sum, l| {
            sum.checked_add(Money::new(l.unit_cost_minor, currency).checked_mul(l.quantity)?)
        })
    }
}

async fn load(
    conn: &impl sea_orm::ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> InventoryResult<PurchaseOrder> {
    let record = purchasing::find_order(conn, tenant, id)
        .await?
        .ok_or(InventoryError::NotFound("purchase order"))?;
    let lines = purchasing::order_lines(conn, tenant, id).await?;
    Ok(PurchaseOrder { record, lines })
}

/// Writes a draft purchase order; nothing is expected until it is ordered.
pub async fn create(
    ctx: &InventoryCtx,
    caller: &Caller,
    draft: PurchaseOrderDraft,
) -> InventoryResult<PurchaseOrder> {
    let tenant = caller.tenant;
    let tx = ctx.db.begin_write().await?;
    known_warehouse(&*tx, tenant, draft.warehouse, "warehouse_id").await?;
    for (index, (variant, _, _)) in draft.lines.iter().enumerate() {
        known_variant(
            &*tx,
            tenant,
            *variant,
            &format!("lines[{index}].variant_id"),
        )
        .await?;
    }
    let id = Uuid::now_v7();
    purchasing::insert_order(
        &*tx,
        tenant,
        NewPurchaseOrder {
            id,
            supplier: draft.supplier.as_str(),
            warehouse: draft.warehouse,
            currency: draft.currency.code(),
            expected_on: draft.expected_on,
            note: draft.note.as_ref().map(Note::as_str),
            actor: caller.label(),
            lines: &draft.lines,
        },
    )
    .await?;
    let order = load(&*tx, tenant, id).await?;
    tx.commit().await?;
    Ok(order)
}

/// Moves the order from the status it was read in to `to`; if another request moved it first,
/// says where it now stands.
async fn transition(
    tx: &WriteTx,
    tenant: TenantId,
    order: &PurchaseOrder,
    to: PurchaseStatus,
) -> InventoryResult<()> {
    let from = order.status();
    let refused = |status: String| InventoryError::IllegalTransition {
        what: "purchase order",
        status,
        to: to.as_str(),
    };
    if !PurchaseStatus::sources_of(to).contains(&from) {
        return Err(refused(from.as_str().to_owned()));
    }
    if !purchasing::transition_order(
        &**tx,
        tenant,
        order.record.id,
        &[from.as_str()],
        to.as_str(),
    )
    .await?
    {
        let now = purchasing::find_order(&**tx, tenant, order.record.id)
            .await?
            .map(|o| o.status)
            .unwrap_or_default();
        return Err(refused(now));
    }
    Ok(())
}

/// Books one movement per variant of the order, in variant order (the lock order every
/// stock-moving use case follows).
async fn book(
    tx: &mut WriteTx,
    caller: &Caller,
    order: &purchase_order::Model,
    reason: Reason,
    note: Option<&str>,
    moves: BTreeMap<Uuid, Movement>,
) -> InventoryResult<()> {
    let reference = order.id.to_string();
    let booking = Booking {
        reason,
        reference: Some(("purchase_order", reference.as_str())),
        note,
    };
    for (variant, movement) in moves {
        move_and_book(
            tx,
            caller,
            (variant, order.warehouse_id),
            movement,
            &booking,
        )
        .await?;
    }
    Ok(())
}

/// Sends the order to the supplier: its quantities show as incoming at the warehouse.
pub async fn order(
    ctx: &InventoryCtx,
    caller: &Caller,
    id: Uuid,
) -> InventoryResult<PurchaseOrder> {
    let tenant = caller.tenant;
    let mut tx = ctx.db.begin_write().await?;
    let current = load(&*tx, tenant, id).await?;
    transition(&tx, tenant, &current, PurchaseStatus::Ordered).await?;
    let moves = current
        .lines
        .iter()
        .map(|l| (l.variant_id, Movement::expect(l.quantity)))
        .collect();
    book(
        &mut tx,
        caller,
        &current.record,
        Reason::PurchaseOrdered,
        current.record.note.as_deref(),
        moves,
    )
    .await?;
    let ordered = load(&*tx, tenant, id).await?;
    tx.commit().await?;
    Ok(ordered)
}

/// Goods arrived: each line moves from incoming to on hand, never more than is still expected.
/// A receipt may cover part of the order; several receipts complete it.
pub async fn receive(
    ctx: &InventoryCtx,
    caller: &Caller,
    id: Uuid,
    receipt: Receipt,
) -> InventoryResult<PurchaseOrder> {
    let tenant = caller.tenant;
    let mut tx = ctx.db.begin_write().await?;
    // Claims the order row first: receipts and a cancel of one order take turns, so none of
    // them books against lines another is changing.
    if !purchasing::claim_open_order(&*tx, tenant, id).await? {
        let current = load(&*tx, tenant, id).await?;
        return Err(InventoryError::IllegalTransition {
            what: "purchase order",
            status: current.record.status,
            to: PurchaseStatus::Received.as_str(),
        });
    }
    let current = load(&*tx, tenant, id).await?;
    let mut arrived: BTreeMap<Uuid, i64> = BTreeMap::new();
    let mut errors = FieldErrors::new();
    for (index, (variant, quantity)) in receipt.lines.iter().enumerate() {
        if current.lines.iter().any(|l| l.variant_id == *variant) {
            *arrived.entry(*variant).or_default() += quantity;
        } else {
            errors.add(
                &format!("lines[{index}].variant_id"),
                "not_on_order",
                "This variant is not on the purchase order.",
            );
        }
    }
    errors.finish()?;
    let mut moves = BTreeMap::new();
    for (variant, quantity) in arrived {
        let Some(line) = current.lines.iter().find(|l| l.variant_id == variant) else {
            continue;
        };
        let booked = PurchaseLine {
            ordered: line.quantity,
            received: line.received,
        };
        let over = |remaining| InventoryError::OverReceipt {
            variant_id: variant,
            remaining,
        };
        booked.receive(quantity).map_err(|e| over(e.remaining))?;
        if !purchasing::receive_on_line(&*tx, tenant, id, line.line_no, quantity).await? {
            return Err(over(booked.remaining()));
        }
        moves.insert(variant, Movement::receive(quantity));
    }
    let note = receipt.note.as_ref().map(Note::as_str);
    book(
        &mut tx,
        caller,
        &current.record,
        Reason::PurchaseReceipt,
        note,
        moves,
    )
    .await?;
    let lines = purchasing::order_lines(&*tx, tenant, id).await?;
    let status = status_after_receipt(
        &lines
            .iter()
            .map(|l| PurchaseLine {
                ordered: l.quantity,
                received: l.received,
            })
            .collect::<Vec<_>>(),
    );
    purchasing::transition_order(
        &*tx,
        tenant,
        id,
        &[
            PurchaseStatus::Ordered.as_str(),
            PurchaseStatus::PartiallyReceived.as_str(),
        ],
        status.as_str(),
    )
    .await?;
    let received = load(&*tx, tenant, id).await?;
    tx.commit().await?;
    Ok(received)
}

/// Calls the order off: what has not arrived is no longer expected. Goods already received stay.
pub async fn cancel(
    ctx: &InventoryCtx,
    caller: &Caller,
    id: Uuid,
) -> InventoryResult<PurchaseOrder> {
    let tenant = caller.tenant;
    let mut tx = ctx.db.begin_write().await?;
    let current = load(&*tx, tenant, id).await?;
    transition(&tx, tenant, &current, PurchaseStatus::Cancelled).await?;
    if current.status() != PurchaseStatus::Draft {
        // Read again now the order row is ours: a receipt that committed meanwhile counts.
        let lines = purchasing::order_lines(&*tx, tenant, id).await?;
        let moves = lines
            .iter()
            .filter(|l| l.quantity > l.received)
            .map(|l| {
                (
                    l.variant_id,
                    Movement::expect(l.quantity - l.received).reversed(),
                )
            })
            .collect();
        book(
            &mut tx,
            caller,
            &current.record,
            Reason::PurchaseCancelled,
            current.record.note.as_deref(),
            moves,
        )
        .await?;
    }
    let cancelled = load(&*tx, tenant, id).await?;
    tx.commit().await?;
    Ok(cancelled)
}

pub async fn get(ctx: &InventoryCtx, tenant: TenantId, id: Uuid) -> InventoryResult<PurchaseOrder> {
    load(ctx.db.conn(), tenant, id).await
}

/// One page of the store's purchase orders, oldest first, in two queries whatever its size.
pub async fn list(
    ctx: &InventoryCtx,
    tenant: TenantId,
    status: Option<PurchaseStatus>,
    after: Option<Uuid>,
    limit: u64,
) -> InventoryResult<Vec<PurchaseOrder>> {
    let conn = ctx.db.conn();
    let records = purchasing::list_orders(
        conn,
        tenant,
        status.map(PurchaseStatus::as_str),
        after,
        limit,
    )
    .await?;
    let ids: Vec<Uuid> = records.iter().map(|r| r.id).collect();
    let mut lines = purchasing::lines_of_orders(conn, tenant, &ids).await?;
    Ok(records
        .into_iter()
        .map(|record| {
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut lines)
                .into_iter()
                .partition(|l| l.purchase_order_id == record.id);
            lines = rest;
            PurchaseOrder {
                record,
                lines: mine,
            }
        })
        .collect())
}
