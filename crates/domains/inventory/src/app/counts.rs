//! Stock counts: a sheet of what was counted on the shelves of one warehouse, turned into
//! adjustments with reason `stock_count` when applied. Stock keeps moving while people count, so
//! each line's difference is taken against what is on hand at the moment of applying, and the
//! sheet records both what the books expected and what was counted.

use smartseller_kernel::TenantId;
use smartseller_kernel::validation::FieldErrors;
use uuid::Uuid;

use super::stock::{Adjustment, adjust_in, known_variant, known_warehouse};
use super::{Caller, InventoryCtx, InventoryError, InventoryResult};
use crate::domain::purchasing::{CountStatus, count_difference};
use crate::domain::stock::MAX_QUANTITY;
use crate::domain::{Change, Note, Reason, Reference, ReferenceKind};
use crate::store::purchasing::{self, NewCount};
use crate::store::{levels, stock_count, stock_count_line, variants};

/// The most lines one count sheet may carry.
const MAX_LINES: usize = 2_000;

/// A count sheet as the counters hand it in, already validated.
#[derive(Debug, Clone)]
pub struct CountSheet {
    pub warehouse: Uuid,
    /// (variant, counted ≥ 0), one line per variant.
    pub lines: Vec<(Uuid, i64)>,
    pub note: Option<Note>,
    /// Counting is done (`submitted`), or still going on (`draft`).
    pub submitted: bool,
}

impl CountSheet {
    pub fn parse(
        warehouse: Uuid,
        lines: &[(Uuid, i64)],
        note: Option<&str>,
        submitted: bool,
    ) -> Result<CountSheet, FieldErrors> {
        let mut errors = FieldErrors::new();
        if lines.is_empty() {
            errors.add("lines", "required", "Give at least one counted line.");
        }
        if lines.len() > MAX_LINES {
            errors.add(
                "lines",
                "too_many",
                format!("At most {MAX_LINES} lines per count sheet."),
            );
        }
        for (index, (variant, counted)) in lines.iter().enumerate() {
            if !(0..=MAX_QUANTITY).contains(counted) {
                errors.add(
                    &format!("lines[{index}].counted"),
                    "out_of_range",
                    format!("Give a count from 0 to {MAX_QUANTITY}."),
                );
            }
            if lines[..index].iter().any(|(v, _)| v == variant) {
                errors.add(
                    &format!("lines[{index}].variant_id"),
                    "duplicate_variant",
                    "Count each variant on one line.",
                );
            }
        }
        let note = match note.map(str::trim) {
            None | Some("") => None,
            Some(text) => errors.check("note", Note::parse(text)),
        };
        errors.finish()?;
        Ok(CountSheet {
            warehouse,
            lines: lines.to_vec(),
            note,
            submitted,
        })
    }
}

/// A count sheet and its lines.
pub struct StockCount {
    pub record: stock_count::Model,
    pub lines: Vec<stock_count_line::Model>,
}

async fn load(
    conn: &impl sea_orm::ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> InventoryResult<StockCount> {
    let record = purchasing::find_count(conn, tenant, id)
        .await?
        .ok_or(InventoryError::NotFound("stock count"))?;
    let lines = purchasing::count_lines(conn, tenant, id).await?;
    Ok(StockCount { record, lines })
}

/// Files a count sheet; stock does not change until it is applied.
pub async fn create(
    ctx: &InventoryCtx,
    caller: &Caller,
    sheet: CountSheet,
) -> InventoryResult<StockCount> {
    let tenant = caller.tenant;
    let tx = ctx.db.begin_write().await?;
    known_warehouse(&*tx, tenant, sheet.warehouse, "warehouse_id").await?;
    for (index, (variant, _)) in sheet.lines.iter().enumerate() {
        known_variant(
            &*tx,
            tenant,
            *variant,
            &format!("lines[{index}].variant_id"),
        )
        .await?;
    }
    let id = Uuid::now_v7();
    let status = if sheet.submitted {
        CountStatus::Submitted
    } else {
        CountStatus::Draft
    };
    purchasing::insert_count(
        &*tx,
        tenant,
        NewCount {
            id,
            warehouse: sheet.warehouse,
            status: status.as_str(),
            note: sheet.note.as_ref().map(Note::as_str),
            actor: caller.label(),
            lines: &sheet.lines,
        },
    )
    .await?;
    let count = load(&*tx, tenant, id).await?;
    tx.commit().await?;
    Ok(count)
}

/// Applies the sheet in one transaction: each line whose count differs from what is on hand now
/// becomes one `stock_count` ledger entry; all lines apply, or none. A count below what is
/// already promised (held, campaign-locked) is refused like any adjustment, unless the store
/// allows negative stock.
pub async fn apply(ctx: &InventoryCtx, caller: &Caller, id: Uuid) -> InventoryResult<StockCount> {
    let tenant = caller.tenant;
    let mut tx = ctx.db.begin_write().await?;
    let current = load(&*tx, tenant, id).await?;
    let open = [CountStatus::Draft.as_str(), CountStatus::Submitted.as_str()];
    if !purchasing::mark_count_applied(&*tx, tenant, id, &open).await? {
        let now = purchasing::find_count(&*tx, tenant, id)
            .await?
            .map(|c| c.status)
            .unwrap_or(current.record.status);
        return Err(InventoryError::IllegalTransition {
            what: "stock count",
            status: now,
            to: CountStatus::Applied.as_str(),
        });
    }
    let allow_negative = variants::allows_negative_stock(&*tx, tenant).await?;
    let warehouse = current.record.warehouse_id;
    let mut lines = current.lines.clone();
    // Lock order: (variant, warehouse), as every stock-moving use case.
    lines.sort_by_key(|l| l.variant_id);
    let note = current.record.note.as_deref().map(Note::parse).transpose();
    let note = note.map_err(|e| InventoryError::Inconsistent(e.message))?;
    for line in lines {
        levels::ensure(&*tx, tenant, line.variant_id, warehouse).await?;
        let on_hand = levels::lock(&*tx, tenant, line.variant_id, warehouse)
            .await?
            .ok_or(InventoryError::NotFound("stock level"))?
            .on_hand;
        let difference = count_difference(on_hand, line.counted);
        if difference != 0 {
            let adjustment = Adjustment {
                variant: line.variant_id,
                warehouse,
                change: Change::SetOnHand(line.counted),
                reason: Reason::StockCount,
                note: note.clone(),
                reference: Some(Reference {
                    kind: ReferenceKind::StockCount,
                    id: id.to_string(),
                }),
            };
            adjust_in(&mut tx, caller, &adjustment, allow_negative).await?;
        }
        purchasing::record_count_result(&*tx, tenant, id, line.line_no, on_hand, difference)
            .await?;
    }
    let applied = load(&*tx, tenant, id).await?;
    tx.commit().await?;
    Ok(applied)
}

pub async fn get(ctx: &InventoryCtx, tenant: TenantId, id: Uuid) -> InventoryResult<StockCount> {
    load(ctx.db.conn(), tenant, id).await
}
