//! Transfers between two warehouses of a store: shipped goods leave the source's shelf and show
//! as incoming at the destination until received there; a cancelled transfer puts them back.

use smartseller_kernel::TenantId;
use smartseller_kernel::validation::FieldErrors;
use smartseller_platform::WriteTx;
use uuid::Uuid;

use super::stock::{Booking, known_variant, known_warehouse, move_and_book};
use super::{Caller, InventoryCtx, InventoryError, InventoryResult};
use crate::domain::stock::MAX_QUANTITY;
use crate::domain::{Movement, Note, Reason};
use crate::store::transfers::{self, NewTransfer};
use crate::store::{transfer, transfer_line};

/// The most lines one transfer may carry.
const MAX_LINES: usize = 500;

/// Goods to send from one warehouse to another, already validated.
#[derive(Debug, Clone)]
pub struct Shipment {
    pub from: Uuid,
    pub to: Uuid,
    /// (variant, quantity > 0), as given.
    pub lines: Vec<(Uuid, i64)>,
    pub note: Option<Note>,
}

impl Shipment {
    pub fn parse(
        from: Uuid,
        to: Uuid,
        lines: &[(Uuid, i64)],
        note: Option<&str>,
    ) -> Result<Shipment, FieldErrors> {
        let mut errors = FieldErrors::new();
        if from == to {
            errors.add(
                "to_warehouse_id",
                "same_warehouse",
                "Send the goods to another warehouse.",
            );
        }
        if lines.is_empty() {
            errors.add("lines", "required", "Give at least one line.");
        }
        if lines.len() > MAX_LINES {
            errors.add(
                "lines",
                "too_many",
                format!("At most {MAX_LINES} lines per transfer."),
            );
        }
        for (index, (_, quantity)) in lines.iter().enumerate() {
            if !(1..=MAX_QUANTITY).contains(quantity) {
                errors.add(
                    &format!("lines[{index}].quantity"),
                    "out_of_range",
                    format!("Give a quantity from 1 to {MAX_QUANTITY}."),
                );
            }
        }
        let note = match note.map(str::trim) {
            None | Some("") => None,
            Some(text) => errors.check("note", Note::parse(text)),
        };
        errors.finish()?;
        Ok(Shipment {
            from,
            to,
            lines: lines.to_vec(),
            note,
        })
    }
}

/// A transfer and its lines.
pub struct Transfer {
    pub record: transfer::Model,
    pub lines: Vec<transfer_line::Model>,
}

/// Every level a set of lines moves, with its movement, in (variant, warehouse) order: the one
/// order every stock-moving use case locks rows in, so none can deadlock another.
fn moves(
    lines: &[(Uuid, i64)],
    mut per_line: impl FnMut(Uuid, i64) -> Vec<(Uuid, Movement)>,
) -> Vec<((Uuid, Uuid), Movement)> {
    let mut moves: Vec<((Uuid, Uuid), Movement)> = Vec::new();
    for (variant, quantity) in lines {
        for (warehouse, m) in per_line(*variant, *quantity) {
            match moves
                .iter_mut()
                .find(|(key, _)| *key == (*variant, warehouse))
            {
                Some((_, total)) => {
                    total.on_hand += m.on_hand;
                    total.incoming += m.incoming;
                }
                None => moves.push(((*variant, warehouse), m)),
            }
        }
    }
    moves.sort_by_key(|(key, _)| *key);
    moves
}

/// Ships goods: all lines or none leave the source, and they show as incoming at the destination.
pub async fn ship(
    ctx: &InventoryCtx,
    caller: &Caller,
    shipment: Shipment,
) -> InventoryResult<Transfer> {
    let tenant = caller.tenant;
    let mut tx = ctx.db.begin_write().await?;
    known_warehouse(&*tx, tenant, shipment.from, "from_warehouse_id").await?;
    let destination = known_warehouse(&*tx, tenant, shipment.to, "to_warehouse_id").await?;
    if !destination.active {
        return Err(InventoryError::WarehouseInactive {
            warehouse_id: shipment.to,
        });
    }
    for (index, (variant, _)) in shipment.lines.iter().enumerate() {
        known_variant(
            &*tx,
            tenant,
            *variant,
            &format!("lines[{index}].variant_id"),
        )
        .await?;
    }
    let id = Uuid::now_v7();
    let record = transfers::insert(
        &*tx,
        tenant,
        NewTransfer {
            id,
            from: shipment.from,
            to: shipment.to,
            note: shipment.note.as_ref().map(Note::as_str),
            actor: caller.label(),
            lines: &shipment.lines,
        },
    )
    .await?;
    let (from, to) = (shipment.from, shipment.to);
    let plan = moves(&shipment.lines, |_, q| {
        vec![(from, Movement::ship(q)), (to, Movement::expect(q))]
    });
    book(&mut tx, caller, &record, plan).await?;
    let lines = transfers::lines(&*tx, tenant, id).await?;
    tx.commit().await?;
    Ok(Transfer { record, lines })
}

/// The goods arrived: incoming at the destination goes on its shelf.
pub async fn receive(ctx: &InventoryCtx, caller: &Caller, id: Uuid) -> InventoryResult<Transfer> {
    settle(ctx, caller, id, "received", |t, _, q| {
        vec![(t.to_warehouse_id, Movement::receive(q))]
    })
    .await
}

/// The shipment is called back: the goods return to the source's shelf.
pub async fn cancel(ctx: &InventoryCtx, caller: &Caller, id: Uuid) -> InventoryResult<Transfer> {
    settle(ctx, caller, id, "cancelled", |t, _, q| {
        vec![
            (t.from_warehouse_id, Movement::ship(q).reversed()),
            (t.to_warehouse_id, Movement::expect(q).reversed()),
        ]
    })
    .await
}

async fn settle(
    ctx: &InventoryCtx,
    caller: &Caller,
    id: Uuid,
    to_status: &str,
    per_line: impl Fn(&transfer::Model, Uuid, i64) -> Vec<(Uuid, Movement)>,
) -> InventoryResult<Transfer> {
    let tenant = caller.tenant;
    let mut tx = ctx.db.begin_write().await?;
    if !transfers::leave_in_transit(&*tx, tenant, id, to_status).await? {
        return Err(match transfers::find(&*tx, tenant, id).await? {
            None => InventoryError::NotFound("transfer"),
            Some(t) => InventoryError::TransferNotInTransit { status: t.status },
        });
    }
    let record = transfers::find(&*tx, tenant, id)
        .await?
        .ok_or(InventoryError::NotFound("transfer"))?;
    let lines = transfers::lines(&*tx, tenant, id).await?;
    let given: Vec<(Uuid, i64)> = lines.iter().map(|l| (l.variant_id, l.quantity)).collect();
    let plan = moves(&given, |v, q| per_line(&record, v, q));
    book(&mut tx, caller, &record, plan).await?;
    tx.commit().await?;
    Ok(Transfer { record, lines })
}

async fn book(
    tx: &mut WriteTx,
    caller: &Caller,
    record: &transfer::Model,
    plan: Vec<((Uuid, Uuid), Movement)>,
) -> InventoryResult<()> {
    let transfer_id = record.id.to_string();
    let booking = Booking {
        reason: Reason::Transfer,
        reference: Some(("transfer", transfer_id.as_str())),
        note: record.note.as_deref(),
    };
    for (key, movement) in plan {
        move_and_book(tx, caller, key, movement, &booking).await?;
    }
    Ok(())
}

pub async fn get(ctx: &InventoryCtx, tenant: TenantId, id: Uuid) -> InventoryResult<Transfer> {
    let conn = ctx.db.conn();
    let record = transfers::find(conn, tenant, id)
        .await?
        .ok_or(InventoryError::NotFound("transfer"))?;
    let lines = transfers::lines(conn, tenant, id).await?;
    Ok(Transfer { record, lines })
}
