//! Stock CSV import and export as background jobs. An import sets each SKU's count on hand in
//! a warehouse, booked like a stock count: one `stock_count` ledger entry per changed level
//! through the same guarded path as every adjustment (so the ledger still adds up to the
//! level), referencing the job. Rows whose count already matches change nothing.

use std::collections::HashMap;

use smartseller_kernel::validation::FieldErrors;
use smartseller_platform::jobs::{self, JobError, JobHandler, JobOutput, JobRun, NewJob, RowError};
use smartseller_platform::sheet::{check_header, read_sheet};
use smartseller_web::Principal;
use uuid::Uuid;

use super::stock::{Adjustment, adjust_in};
use super::{Caller, InventoryCtx, InventoryError, InventoryResult};
use crate::domain::import::{STOCK_COLUMNS, parse_stock_row};
use crate::domain::{Change, Reason, Reference, ReferenceKind};
use crate::store::{bulk, variants};

pub const STOCK_IMPORT: &str = "inventory.stock.import";
pub const STOCK_EXPORT: &str = "inventory.stock.export";

/// Rows per write transaction.
const BATCH_ROWS: usize = 500;

/// Checks the header now (a wrong file is a 422 and no job), then queues the import.
pub async fn queue_import(
    ctx: &InventoryCtx,
    actor: &Principal,
    file: Vec<u8>,
    dry_run: bool,
) -> InventoryResult<jobs::entity::Model> {
    check_header(&file, STOCK_COLUMNS, STOCK_COLUMNS)?;
    queue(
        ctx,
        actor,
        STOCK_IMPORT,
        "inventory:adjust",
        Some(file),
        dry_run,
    )
    .await
}

pub async fn queue_export(
    ctx: &InventoryCtx,
    actor: &Principal,
) -> InventoryResult<jobs::entity::Model> {
    queue(ctx, actor, STOCK_EXPORT, "inventory:read", None, false).await
}

async fn queue(
    ctx: &InventoryCtx,
    actor: &Principal,
    kind: &'static str,
    permission: &'static str,
    file: Option<Vec<u8>>,
    dry_run: bool,
) -> InventoryResult<jobs::entity::Model> {
    let (by, id) = actor.label();
    Ok(jobs::enqueue(
        &ctx.db,
        NewJob {
            tenant: actor.tenant,
            kind,
            permission,
            dry_run,
            created_by: (by, Some(id)),
            input: file.map(|f| (f, "text/csv")),
        },
    )
    .await?)
}

fn problem(row: u64, column: &str, code: &str, message: impl Into<String>) -> RowError {
    RowError {
        row,
        column: column.to_owned(),
        code: code.to_owned(),
        message: message.into(),
    }
}

fn caller_of(run: &JobRun) -> Caller {
    let kind = match run.job.created_by_kind.as_str() {
        "user" => "user",
        "api_key" => "api_key",
        _ => "system",
    };
    Caller {
        tenant: run.tenant(),
        kind,
        id: run.job.created_by,
    }
}

/// The stock import job.
pub struct StockImport;

#[async_trait::async_trait]
impl JobHandler for StockImport {
    fn kind(&self) -> &'static str {
        STOCK_IMPORT
    }

    async fn run(&self, run: &mut JobRun, input: Option<Vec<u8>>) -> Result<JobOutput, JobError> {
        let bytes = input.unwrap_or_default();
        let sheet = read_sheet(&bytes, STOCK_COLUMNS, STOCK_COLUMNS)
            .map_err(|e| JobError::Invalid(describe(&e)))?;
        run.set_header(sheet.header.names());
        run.total = sheet.rows.len() as i64;
        let tenant = run.tenant();
        let caller = caller_of(run);
        let db = run.db().clone();
        let warehouses: HashMap<String, (Uuid, bool)> = bulk::all_warehouses(db.conn(), tenant)
            .await?
            .into_iter()
            .map(|w| (w.code.to_lowercase(), (w.id, w.active)))
            .collect();
        let allow_negative = variants::allows_negative_stock(db.conn(), tenant).await?;
        let reference = Reference {
            kind: ReferenceKind::Import,
            id: run.job.id.to_string(),
        };
        let (mut changed, mut unchanged) = (0u64, 0u64);
        let mut seen: HashMap<(String, String), u64> = HashMap::new();
        for chunk in sheet.rows.chunks(BATCH_ROWS) {
            let mut good = Vec::new();
            for (line, record) in chunk {
                match parse_stock_row(&sheet.header, record) {
                    Ok(row) => {
                        let key = (row.sku.clone(), row.warehouse.to_lowercase());
                        if let Some(first) = seen.get(&key) {
                            run.reject_row(
                                *line,
                                &[problem(
                                    *line,
                                    "sku",
                                    "duplicate_row",
                                    format!(
                                        "Row {first} already counts this SKU in this warehouse."
                                    ),
                                )],
                                record,
                            );
                            run.failed += 1;
                        } else {
                            seen.insert(key, *line);
                            good.push((*line, record, row));
                        }
                    }
                    Err(errors) => {
                        let problems: Vec<RowError> = errors
                            .0
                            .into_iter()
                            .map(|e| problem(*line, &e.field, &e.code, e.message))
                            .collect();
                        run.reject_row(*line, &problems, record);
                        run.failed += 1;
                    }
                }
            }
            let skus: Vec<String> = good.iter().map(|(_, _, r)| r.sku.clone()).collect();
            let mut tx = if run.dry_run() {
                None
            } else {
                Some(db.begin_write().await?)
            };
            let known = match &tx {
                Some(tx) => bulk::variants_by_skus(&**tx, tenant, &skus).await?,
                None => bulk::variants_by_skus(db.conn(), tenant, &skus).await?,
            };
            let by_sku: HashMap<String, (Uuid, String)> = known
                .into_iter()
                .map(|v| (v.sku.clone(), (v.variant_id, v.status.clone())))
                .collect();
            let ids: Vec<Uuid> = by_sku.values().map(|(id, _)| *id).collect();
            let levels = match &tx {
                Some(tx) => bulk::levels_of(&**tx, tenant, &ids).await?,
                None => bulk::levels_of(db.conn(), tenant, &ids).await?,
            };
            let mut on_hand: HashMap<(Uuid, Uuid), (i64, i64)> = levels
                .iter()
                .map(|l| {
                    (
                        (l.variant_id, l.warehouse_id),
                        (l.on_hand, l.buckets().available()),
                    )
                })
                .collect();
            // Lock order: (variant, warehouse), as every stock-moving use case.
            let mut planned = Vec::new();
            for (line, record, row) in good {
                let Some((variant, status)) = by_sku.get(&row.sku) else {
                    run.reject_row(
                        line,
                        &[problem(
                            line,
                            "sku",
                            "unknown_sku",
                            format!("No variant has SKU {} in this store.", row.sku),
                        )],
                        record,
                    );
                    run.failed += 1;
                    continue;
                };
                let Some((warehouse, active)) = warehouses.get(&row.warehouse.to_lowercase())
                else {
                    run.reject_row(
                        line,
                        &[problem(
                            line,
                            "warehouse",
                            "unknown_warehouse",
                            format!("No warehouse has code `{}` in this store.", row.warehouse),
                        )],
                        record,
                    );
                    run.failed += 1;
                    continue;
                };
                if !active || status == "archived" {
                    let (column, message) = if !active {
                        ("warehouse", "The warehouse is inactive.")
                    } else {
                        ("sku", "The variant is archived.")
                    };
                    run.reject_row(line, &[problem(line, column, "inactive", message)], record);
                    run.failed += 1;
                    continue;
                }
                let (current, available) = on_hand
                    .get(&(*variant, *warehouse))
                    .copied()
                    .unwrap_or((0, 0));
                // Promised stock (held, campaign-locked) stays promised: a count below it is
                // refused like any adjustment, unless the store allows negative stock.
                let promised = current - available;
                if row.on_hand < promised && !allow_negative {
                    run.reject_row(line, &[problem(line, "on_hand", "insufficient_stock", format!("{promised} are reserved or campaign-locked here; the count cannot go below that."))], record);
                    run.failed += 1;
                    continue;
                }
                run.succeeded += 1;
                if current == row.on_hand {
                    unchanged += 1;
                    continue;
                }
                changed += 1;
                on_hand.insert(
                    (*variant, *warehouse),
                    (row.on_hand, row.on_hand - promised),
                );
                planned.push((*variant, *warehouse, row.on_hand));
            }
            if let Some(mut tx) = tx.take() {
                planned.sort();
                for (variant, warehouse, count) in planned {
                    let adjustment = Adjustment {
                        variant,
                        warehouse,
                        change: Change::SetOnHand(count),
                        reason: Reason::StockCount,
                        note: None,
                        reference: Some(reference.clone()),
                    };
                    adjust_in(&mut tx, &caller, &adjustment, allow_negative)
                        .await
                        .map_err(|e| match e {
                            InventoryError::Db(e) => JobError::from(e),
                            other => JobError::Other(anyhow::anyhow!("{other}")),
                        })?;
                }
                tx.commit().await?;
            }
            run.processed += chunk.len() as i64;
            run.checkpoint().await?;
        }
        Ok(JobOutput {
            summary: serde_json::json!({
                "dry_run": run.dry_run(),
                "levels_changed": changed,
                "levels_unchanged": unchanged,
            }),
            result: None,
        })
    }
}

fn describe(errors: &FieldErrors) -> String {
    errors
        .0
        .iter()
        .map(|e| e.message.clone())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The stock export job: every level's count on hand, in the import's columns.
pub struct StockExport;

#[async_trait::async_trait]
impl JobHandler for StockExport {
    fn kind(&self) -> &'static str {
        STOCK_EXPORT
    }

    async fn run(&self, run: &mut JobRun, _input: Option<Vec<u8>>) -> Result<JobOutput, JobError> {
        let tenant = run.tenant();
        let db = run.db().clone();
        let conn = db.conn();
        let warehouses: HashMap<Uuid, String> = bulk::all_warehouses(conn, tenant)
            .await?
            .into_iter()
            .map(|w| (w.id, w.code))
            .collect();
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record(STOCK_COLUMNS)
            .map_err(|e| JobError::Other(e.into()))?;
        let mut after = None;
        loop {
            let page = bulk::levels_after(conn, tenant, after, 500).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            let ids: Vec<Uuid> = page.iter().map(|l| l.variant_id).collect();
            let skus: HashMap<Uuid, String> = variants::find_many(conn, tenant, &ids)
                .await?
                .into_iter()
                .map(|v| (v.variant_id, v.sku))
                .collect();
            for level in &page {
                let (Some(sku), Some(code)) = (
                    skus.get(&level.variant_id),
                    warehouses.get(&level.warehouse_id),
                ) else {
                    continue;
                };
                writer
                    .write_record([sku.as_str(), code.as_str(), &level.on_hand.to_string()])
                    .map_err(|e| JobError::Other(e.into()))?;
                run.processed += 1;
                run.succeeded += 1;
            }
            run.total = run.processed;
            run.checkpoint().await?;
        }
        let content = writer
            .into_inner()
            .map_err(|e| JobError::Other(anyhow::anyhow!("{e}")))?;
        Ok(JobOutput {
            summary: serde_json::json!({ "levels": run.processed }),
            result: Some(("text/csv", content)),
        })
    }
}

/// Inventory's job kinds, for the app's worker.
pub fn job_handlers() -> Vec<std::sync::Arc<dyn JobHandler>> {
    vec![
        std::sync::Arc::new(StockImport),
        std::sync::Arc::new(StockExport),
    ]
}
