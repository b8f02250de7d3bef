//! Bulk CSV: importing products with their variants (upserted by SKU), importing base prices,
//! and exporting the catalogue in the import's own columns, as background jobs.
//!
//! An import checks every row with the same domain types as the JSON endpoints. A bad row is
//! reported with its line and column and skipped; a product goes in whole or not at all, so the
//! other rows of a product with a bad row are skipped too, and say why. Good products are
//! written in batches of about [`BATCH_ROWS`] rows, one transaction each, with the same
//! `product.events` the endpoints publish. A dry run does everything but write.

use std::collections::{HashMap, HashSet};

use sea_orm::ConnectionTrait;
use smartseller_contracts::catalog::ProductEvent;
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, clock};
use smartseller_platform::jobs::{self, JobError, JobHandler, JobOutput, JobRun, NewJob, RowError};
use smartseller_platform::sheet::{Sheet, check_header, read_sheet};
use smartseller_platform::{Db, WriteTx};
use smartseller_web::auth::Principal;
use uuid::Uuid;

use super::products::{ProductWithVariants, options_of, snapshots};
use super::{CatalogCtx, CatalogResult};
use crate::domain::import::{
    PRICE_COLUMNS, PRODUCT_COLUMNS, PRODUCT_REQUIRED, ProductRow, category_key, format_rupiah,
    parse_product_row, parse_rupiah,
};
use crate::domain::options::{OptionsMismatch, ProductOptions};
use crate::domain::product::{VariantPlan, VariantSpec, plan_variants};
use crate::domain::{ProductId, Status};
use crate::store::variants as variant_store;
use crate::store::{bulk, category, product, products as product_store, variant};

pub const PRODUCTS_IMPORT: &str = "catalog.products.import";
pub const PRODUCTS_EXPORT: &str = "catalog.products.export";
pub const PRICES_IMPORT: &str = "catalog.prices.import";

/// Rows per write transaction: big enough that 10,000 rows take 20 commits, small enough that
/// other writers wait only milliseconds for SQLite's single write lock.
pub const BATCH_ROWS: usize = 500;

/// Checks the upload's header now, so a wrong file is a 422 and no job; then queues the job.
pub async fn queue_import(
    ctx: &CatalogCtx,
    actor: &Principal,
    kind: &'static str,
    file: Vec<u8>,
    dry_run: bool,
) -> CatalogResult<jobs::entity::Model> {
    let (known, required) = match kind {
        PRICES_IMPORT => (PRICE_COLUMNS, PRICE_COLUMNS),
        _ => (PRODUCT_COLUMNS, PRODUCT_REQUIRED),
    };
    check_header(&file, known, required)?;
    Ok(jobs::enqueue(
        &ctx.db,
        NewJob {
            tenant: actor.tenant,
            kind,
            permission: "products:write",
            dry_run,
            created_by: principal_label(actor),
            input: Some((file, "text/csv")),
        },
    )
    .await?)
}

pub async fn queue_export(
    ctx: &CatalogCtx,
    actor: &Principal,
) -> CatalogResult<jobs::entity::Model> {
    Ok(jobs::enqueue(
        &ctx.db,
        NewJob {
            tenant: actor.tenant,
            kind: PRODUCTS_EXPORT,
            permission: "products:read",
            dry_run: false,
            created_by: principal_label(actor),
            input: None,
        },
    )
    .await?)
}

fn principal_label(actor: &Principal) -> (&'static str, Option<Uuid>) {
    let (kind, id) = actor.label();
    (kind, Some(id))
}

fn problem(column: &str, code: &str, message: impl Into<String>) -> RowError {
    RowError {
        row: 0,
        column: column.to_owned(),
        code: code.to_owned(),
        message: message.into(),
    }
}

fn from_field_errors(errors: FieldErrors) -> Vec<RowError> {
    errors
        .0
        .into_iter()
        .map(|e| problem(&e.field, &e.code, e.message))
        .collect()
}

/// One product of the file: its rows in file order.
struct Group {
    key: String,
    /// (index into the sheet's rows, parsed row)
    rows: Vec<(usize, Option<ProductRow>)>,
}

/// What an import did, for the job's summary.
#[derive(Debug, Default, serde::Serialize)]
struct ImportCounts {
    products_created: u64,
    products_updated: u64,
    products_unchanged: u64,
    variants_created: u64,
    variants_updated: u64,
    variants_unchanged: u64,
}

/// What one product of the file becomes. Plans live only for one batch, so the size
/// difference between the two is not worth a box.
#[allow(clippy::large_enum_variant)]
enum ProductPlan {
    Create {
        product: product::Model,
        variants: Vec<variant::Model>,
    },
    Update {
        before: ProductWithVariants,
        product: product::Model,
        changed_variants: Vec<variant::Model>,
        new_variants: Vec<variant::Model>,
        unchanged_variants: u64,
    },
}

/// The product import job.
pub struct ProductImport;

#[async_trait::async_trait]
impl JobHandler for ProductImport {
    fn kind(&self) -> &'static str {
        PRODUCTS_IMPORT
    }

    async fn run(&self, run: &mut JobRun, input: Option<Vec<u8>>) -> Result<JobOutput, JobError> {
        let bytes = input.unwrap_or_default();
        let sheet = read_sheet(&bytes, PRODUCT_COLUMNS, PRODUCT_REQUIRED)
            .map_err(|e| JobError::Invalid(describe(&e)))?;
        run.set_header(sheet.header.names());
        run.total = sheet.rows.len() as i64;
        let tenant = run.tenant();
        let db = run.db().clone();

        // Pass 1, pure: every row parsed, SKUs repeated in the file found, rows grouped.
        let mut own_errors: HashMap<usize, Vec<RowError>> = HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut group_of_key: HashMap<String, usize> = HashMap::new();
        let mut first_line_of_sku: HashMap<String, u64> = HashMap::new();
        for (index, (line, record)) in sheet.rows.iter().enumerate() {
            let parsed = match parse_product_row(&sheet.header, record, *line) {
                Ok(row) => {
                    if let Some(first) = first_line_of_sku.get(row.sku.as_str()) {
                        own_errors.entry(index).or_default().push(problem(
                            "sku",
                            "duplicate_sku",
                            format!(
                                "Row {first} already has SKU {}; a SKU is one variant.",
                                row.sku.as_str()
                            ),
                        ));
                    } else {
                        first_line_of_sku.insert(row.sku.as_str().to_owned(), *line);
                    }
                    Some(row)
                }
                Err(errors) => {
                    own_errors
                        .entry(index)
                        .or_default()
                        .extend(from_field_errors(errors));
                    None
                }
            };
            let key = sheet.header.cell(record, "product_key").to_owned();
            let at = *group_of_key.entry(key.clone()).or_insert_with(|| {
                groups.push(Group {
                    key: key.clone(),
                    rows: Vec::new(),
                });
                groups.len() - 1
            });
            groups[at].rows.push((index, parsed));
        }

        let categories = category_index(&bulk::all_categories(db.conn(), tenant).await?);
        let mut counts = ImportCounts::default();
        let mut batch: Vec<Group> = Vec::new();
        let mut batch_rows = 0;
        let mut groups = groups.into_iter().peekable();
        while let Some(group) = groups.next() {
            batch_rows += group.rows.len();
            batch.push(group);
            if batch_rows >= BATCH_ROWS || groups.peek().is_none() {
                import_batch(
                    run,
                    &db,
                    &sheet,
                    std::mem::take(&mut batch),
                    &mut own_errors,
                    &categories,
                    &mut counts,
                )
                .await?;
                run.processed += batch_rows as i64;
                batch_rows = 0;
                run.checkpoint().await?;
            }
        }
        Ok(JobOutput {
            summary: serde_json::json!({
                "dry_run": run.dry_run(),
                "products_created": counts.products_created,
                "products_updated": counts.products_updated,
                "products_unchanged": counts.products_unchanged,
                "variants_created": counts.variants_created,
                "variants_updated": counts.variants_updated,
                "variants_unchanged": counts.variants_unchanged,
            }),
            result: None,
        })
    }
}

/// A header problem as one sentence for a failed job.
fn describe(errors: &FieldErrors) -> String {
    errors
        .0
        .iter()
        .map(|e| e.message.clone())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Category paths by their case-blind key, e.g. `pakaian > pria > kemeja`.
fn category_index(rows: &[category::Model]) -> HashMap<String, Uuid> {
    let by_id: HashMap<Uuid, &category::Model> = rows.iter().map(|c| (c.id, c)).collect();
    rows.iter()
        .map(|c| (category_key(&category_names(&by_id, c)), c.id))
        .collect()
}

fn category_names(by_id: &HashMap<Uuid, &category::Model>, leaf: &category::Model) -> Vec<String> {
    let mut names = vec![leaf.name.clone()];
    let mut parent = leaf.parent_id;
    // The tree is acyclic by construction; the bound only guards against a damaged table.
    while let Some(id) = parent.filter(|_| names.len() < 64) {
        match by_id.get(&id) {
            Some(node) => {
                names.push(node.name.clone());
                parent = node.parent_id;
            }
            None => break,
        }
    }
    names.reverse();
    names
}

async fn import_batch(
    run: &mut JobRun,
    db: &Db,
    sheet: &Sheet,
    batch: Vec<Group>,
    own_errors: &mut HashMap<usize, Vec<RowError>>,
    categories: &HashMap<String, Uuid>,
    counts: &mut ImportCounts,
) -> Result<(), JobError> {
    let tenant = run.tenant();
    let dry_run = run.dry_run();
    let mut tx = if dry_run {
        None
    } else {
        Some(super::begin_catalog_write(db, tenant).await?)
    };
    let skus: Vec<String> = batch
        .iter()
        .flat_map(|g| g.rows.iter().filter_map(|(_, r)| r.as_ref()))
        .map(|r| r.sku.as_str().to_owned())
        .collect();
    let (existing, products, variants_of) = match &tx {
        Some(tx) => preload(&**tx, tenant, &skus).await?,
        None => preload(db.conn(), tenant, &skus).await?,
    };
    let now = clock::now();
    let mut plans = Vec::new();
    let mut required_by_category: HashMap<Uuid, Vec<(Uuid, String)>> = HashMap::new();
    for group in batch {
        let planned = if group.rows.iter().any(|(i, _)| own_errors.contains_key(i)) {
            Err(Vec::new())
        } else {
            plan_group(
                tenant,
                &group,
                &existing,
                &products,
                &variants_of,
                categories,
                now,
            )
        };
        let planned = match planned {
            Ok(plan) => {
                let missing = match &tx {
                    Some(tx) => {
                        missing_attributes(&**tx, tenant, &plan, &mut required_by_category).await?
                    }
                    None => {
                        missing_attributes(db.conn(), tenant, &plan, &mut required_by_category)
                            .await?
                    }
                };
                match missing {
                    None => Ok(plan),
                    Some(names) => {
                        let index = group.rows.first().map(|(i, _)| *i).unwrap_or_default();
                        Err(vec![(
                            index,
                            problem(
                                "status",
                                "missing_required_attributes",
                                format!(
                                    "An active product in this category needs: {}. Import it as a draft and fill them in, or set them first.",
                                    names.join(", ")
                                ),
                            ),
                        )])
                    }
                }
            }
            Err(found) => Err(found),
        };
        match planned {
            Ok(plan) => {
                run.succeeded += group.rows.len() as i64;
                plans.push(plan);
            }
            Err(found) => {
                for (index, error) in found {
                    own_errors.entry(index).or_default().push(error);
                }
                reject_group(run, sheet, &group, own_errors);
            }
        }
    }
    for plan in plans {
        match plan {
            ProductPlan::Create { product, variants } => {
                counts.products_created += 1;
                counts.variants_created += variants.len() as u64;
                if let Some(tx) = tx.as_mut() {
                    write_created(tx, tenant, product, variants).await?;
                }
            }
            ProductPlan::Update {
                before,
                product,
                changed_variants,
                new_variants,
                unchanged_variants,
            } => {
                counts.variants_updated += changed_variants.len() as u64;
                counts.variants_created += new_variants.len() as u64;
                counts.variants_unchanged += unchanged_variants;
                let product_changed = product != before.product;
                if !product_changed && changed_variants.is_empty() && new_variants.is_empty() {
                    counts.products_unchanged += 1;
                    continue;
                }
                counts.products_updated += 1;
                if let Some(tx) = tx.as_mut() {
                    write_updated(
                        tx,
                        tenant,
                        before,
                        product,
                        changed_variants,
                        new_variants,
                        now,
                    )
                    .await?;
                }
            }
        }
    }
    if let Some(tx) = tx.take() {
        tx.commit().await?;
    }
    Ok(())
}

type Preloaded = (
    HashMap<String, variant::Model>,
    HashMap<Uuid, product::Model>,
    HashMap<Uuid, Vec<variant::Model>>,
);

/// The batch's existing variants by SKU, their products, and every variant of those products:
/// three statements per batch.
async fn preload(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    skus: &[String],
) -> Result<Preloaded, JobError> {
    let existing: HashMap<String, variant::Model> = bulk::variants_by_skus(conn, tenant, skus)
        .await?
        .into_iter()
        .map(|v| (v.sku.clone(), v))
        .collect();
    let ids: Vec<Uuid> = existing
        .values()
        .map(|v| v.product_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let products = bulk::products_by_ids(conn, tenant, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let variants_of = variant_store::of_products(conn, tenant, &ids).await?;
    Ok((existing, products, variants_of))
}

/// Records every row of a product that will not go in: its own problems, or why it is skipped.
fn reject_group(
    run: &mut JobRun,
    sheet: &Sheet,
    group: &Group,
    own_errors: &HashMap<usize, Vec<RowError>>,
) {
    let bad_lines: Vec<String> = group
        .rows
        .iter()
        .filter(|(i, _)| own_errors.contains_key(i))
        .map(|(i, _)| sheet.rows[*i].0.to_string())
        .collect();
    for (index, _) in &group.rows {
        let (line, record) = &sheet.rows[*index];
        let problems: Vec<RowError> = match own_errors.get(index) {
            Some(errors) => errors
                .iter()
                .map(|e| RowError {
                    row: *line,
                    ..e.clone()
                })
                .collect(),
            None => vec![RowError {
                row: *line,
                column: String::new(),
                code: "product_skipped".into(),
                message: format!(
                    "Not imported: row {} of the same product (product_key `{}`) has errors, and a product goes in whole or not at all.",
                    bad_lines.join(", "),
                    group.key
                ),
            }],
        };
        run.reject_row(*line, &problems, record);
        run.failed += 1;
    }
}

type RowProblems = Vec<(usize, RowError)>;

/// Decides what one product of the file becomes, or every problem that stops it.
/// The required attributes an active product would lack after `plan`, the same rule the API
/// holds (`app::attributes`): the import carries no attribute values, so a new active product in
/// a category that requires some is refused, and an existing one must already have them.
async fn missing_attributes(
    conn: &impl sea_orm::ConnectionTrait,
    tenant: TenantId,
    plan: &ProductPlan,
    required_by_category: &mut HashMap<Uuid, Vec<(Uuid, String)>>,
) -> Result<Option<Vec<String>>, JobError> {
    let (product, existing) = match plan {
        ProductPlan::Create { product, .. } => (product, false),
        ProductPlan::Update { product, .. } => (product, true),
    };
    let (Some(category), true) = (
        product.category_id,
        product.status == crate::domain::Status::Active.as_str(),
    ) else {
        return Ok(None);
    };
    if let std::collections::hash_map::Entry::Vacant(slot) = required_by_category.entry(category) {
        let required = super::attributes::for_category(conn, tenant, Some(category))
            .await
            .map_err(|e| JobError::Other(anyhow::anyhow!("cannot read category attributes: {e}")))?
            .into_iter()
            .filter(|a| a.required)
            .map(|a| (a.attribute.id, a.attribute.name))
            .collect();
        slot.insert(required);
    }
    let required = &required_by_category[&category];
    if required.is_empty() {
        return Ok(None);
    }
    let has: std::collections::HashSet<Uuid> = if existing {
        crate::store::attributes::values_of(conn, tenant, product.id)
            .await?
            .into_iter()
            .map(|v| v.attribute_id)
            .collect()
    } else {
        Default::default()
    };
    let missing: Vec<String> = required
        .iter()
        .filter(|(id, _)| !has.contains(id))
        .map(|(_, name)| name.clone())
        .collect();
    Ok((!missing.is_empty()).then_some(missing))
}

fn plan_group(
    tenant: TenantId,
    group: &Group,
    existing: &HashMap<String, variant::Model>,
    products: &HashMap<Uuid, product::Model>,
    variants_of: &HashMap<Uuid, Vec<variant::Model>>,
    categories: &HashMap<String, Uuid>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ProductPlan, RowProblems> {
    let rows: Vec<(usize, &ProductRow)> = group
        .rows
        .iter()
        .filter_map(|(i, r)| r.as_ref().map(|r| (*i, r)))
        .collect();
    let mut problems: RowProblems = Vec::new();

    // Product fields come from the first row that fills them in.
    let first = |pick: fn(&ProductRow) -> bool| rows.iter().find(|(_, r)| pick(r)).copied();
    let name = first(|r| r.name.is_some());
    let description = first(|r| r.description.is_some());
    let category = first(|r| r.category.is_some());
    let status = first(|r| r.status.is_some());
    let category_id = match category {
        Some((index, row)) => {
            let path = row.category.clone().unwrap_or_default();
            match categories.get(&category_key(&path)) {
                Some(id) => Some(*id),
                None => {
                    problems.push((
                        index,
                        problem(
                            "category",
                            "unknown_category",
                            format!(
                                "No category `{}` in this store; create it first (categories are matched by their full path).",
                                path.join(" > ")
                            ),
                        ),
                    ));
                    None
                }
            }
        }
        None => None,
    };

    // Every row names the same options, in the same order.
    let option_names: Vec<String> = rows
        .first()
        .map(|(_, r)| r.options.iter().map(|(n, _)| n.clone()).collect())
        .unwrap_or_default();
    for (index, row) in &rows {
        let names: Vec<&String> = row.options.iter().map(|(n, _)| n).collect();
        let same = names.len() == option_names.len()
            && names
                .iter()
                .zip(&option_names)
                .all(|(a, b)| a.eq_ignore_ascii_case(b));
        if !same {
            problems.push((
                *index,
                problem(
                    "option1_name",
                    "options_differ",
                    format!(
                        "Rows of one product name the same options in the same order; the first row names: {}.",
                        if option_names.is_empty() { "none".to_owned() } else { option_names.join(", ") }
                    ),
                ),
            ));
        }
    }

    // Existing SKUs decide which product this is: all of them must be one product's.
    let owner = rows
        .iter()
        .find_map(|(_, r)| existing.get(r.sku.as_str()))
        .map(|v| v.product_id);
    for (index, row) in &rows {
        if let Some(found) = existing.get(row.sku.as_str())
            && Some(found.product_id) != owner
        {
            let other = products
                .get(&found.product_id)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            problems.push((
                *index,
                problem(
                    "sku",
                    "sku_of_another_product",
                    format!(
                        "SKU {} belongs to another product (`{other}`) than this product's other rows; give it that product's product_key, or a new SKU.",
                        row.sku.as_str()
                    ),
                ),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    match owner.and_then(|id| products.get(&id)) {
        Some(current) => plan_update(
            group,
            &rows,
            current,
            variants_of.get(&current.id).cloned().unwrap_or_default(),
            existing,
            (name, description, category_id.map(Some), status),
            &option_names,
            now,
        ),
        None => {
            let Some((_, named)) = name else {
                let index = rows.first().map(|(i, _)| *i).unwrap_or_default();
                return Err(vec![(
                    index,
                    problem(
                        "name",
                        "required",
                        "A new product needs a name on one of its rows.",
                    ),
                )]);
            };
            plan_create(
                tenant,
                &rows,
                named,
                description,
                category_id,
                status,
                &option_names,
                now,
            )
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn plan_create(
    tenant: TenantId,
    rows: &[(usize, &ProductRow)],
    named: &ProductRow,
    description: Option<(usize, &ProductRow)>,
    category: Option<Uuid>,
    status: Option<(usize, &ProductRow)>,
    option_names: &[String],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ProductPlan, RowProblems> {
    let first_index = rows.first().map(|(i, _)| *i).unwrap_or_default();
    // The options' values in the order the rows first give them.
    let mut raw: Vec<(String, Vec<String>)> = option_names
        .iter()
        .map(|n| (n.clone(), Vec::new()))
        .collect();
    for (_, row) in rows {
        for (slot, (_, value)) in row.options.iter().enumerate() {
            if let Some((_, values)) = raw.get_mut(slot)
                && !values.iter().any(|v| v.eq_ignore_ascii_case(value))
            {
                values.push(value.clone());
            }
        }
    }
    let options = ProductOptions::parse(&raw, "options").map_err(|errors| {
        errors
            .0
            .into_iter()
            .map(|e| {
                (
                    first_index,
                    problem(&option_column(&e.field), &e.code, e.message),
                )
            })
            .collect::<RowProblems>()
    })?;
    let status = status.and_then(|(_, r)| r.status).unwrap_or(Status::Draft);
    let specs: Vec<VariantSpec> = rows
        .iter()
        .map(|(_, row)| VariantSpec {
            sku: row.sku.clone(),
            barcode: row.barcode.clone(),
            option_values: row.options.iter().map(|(_, v)| v.clone()).collect(),
            weight: row.weight,
            dimensions: row.dimensions,
            price: row.price,
            status,
        })
        .collect();
    let specs = plan_variants(&options, VariantPlan::Explicit(specs)).map_err(|errors| {
        errors
            .0
            .into_iter()
            .map(|e| {
                // `variants[3].option_values[1]` → the fourth row of the product, option2_value.
                let position = e
                    .field
                    .strip_prefix("variants[")
                    .and_then(|rest| rest.split(']').next())
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(0);
                let index = rows.get(position).map(|(i, _)| *i).unwrap_or(first_index);
                let column = match e.code.as_str() {
                    "duplicate" => "option1_value".to_owned(),
                    _ => value_column(&e.field),
                };
                let code = if e.code == "duplicate" {
                    "duplicate_combination"
                } else {
                    e.code.as_str()
                };
                (index, problem(&column, code, e.message))
            })
            .collect::<RowProblems>()
    })?;
    let product = product::Model {
        id: ProductId::new().as_uuid(),
        tenant_id: tenant.as_uuid(),
        category_id: category,
        name: named
            .name
            .as_ref()
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default(),
        description: description
            .and_then(|(_, r)| r.description.as_ref())
            .map(|d| d.as_str().to_owned())
            .unwrap_or_default(),
        status: status.as_str().to_owned(),
        options: serde_json::to_value(&options).unwrap_or_default(),
        created_at: now,
        updated_at: now,
    };
    let variants = specs
        .iter()
        .enumerate()
        .map(|(position, spec)| {
            super::products::new_variant_row(tenant, product.id, position as i32, spec, now)
        })
        .collect();
    Ok(ProductPlan::Create { product, variants })
}

/// `options[1].values[0]` → `option2_value`; `options[0].name` → `option1_name`.
fn option_column(field: &str) -> String {
    let slot = field
        .strip_prefix("options[")
        .and_then(|rest| rest.split(']').next())
        .and_then(|n| n.parse::<usize>().ok());
    match slot {
        Some(slot) if field.contains(".name") => format!("option{}_name", slot + 1),
        Some(slot) => format!("option{}_value", slot + 1),
        None => "option1_name".to_owned(),
    }
}

/// `variants[2].option_values[1]` → `option2_value`.
fn value_column(field: &str) -> String {
    let slot = field
        .rsplit_once("option_values[")
        .and_then(|(_, rest)| rest.split(']').next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    format!("option{}_value", slot + 1)
}

type ProductFields<'a> = (
    Option<(usize, &'a ProductRow)>,
    Option<(usize, &'a ProductRow)>,
    Option<Option<Uuid>>,
    Option<(usize, &'a ProductRow)>,
);

#[allow(clippy::too_many_arguments)]
fn plan_update(
    _group: &Group,
    rows: &[(usize, &ProductRow)],
    current: &product::Model,
    variants: Vec<variant::Model>,
    existing: &HashMap<String, variant::Model>,
    (name, description, category, status): ProductFields<'_>,
    option_names: &[String],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ProductPlan, RowProblems> {
    let mut problems: RowProblems = Vec::new();
    let first_index = rows.first().map(|(i, _)| *i).unwrap_or_default();
    let options = options_of(current);
    let known_names: Vec<&str> = options.as_slice().iter().map(|o| o.name.as_str()).collect();
    let same_options = known_names.len() == option_names.len()
        && known_names
            .iter()
            .zip(option_names)
            .all(|(a, b)| a.eq_ignore_ascii_case(b));
    if !same_options {
        return Err(vec![(
            first_index,
            problem(
                "option1_name",
                "options_differ",
                format!(
                    "This product's options are: {}. Its rows must name those, in that order.",
                    if known_names.is_empty() {
                        "none".to_owned()
                    } else {
                        known_names.join(", ")
                    }
                ),
            ),
        )]);
    }
    let before_status = Status::from_stored(&current.status);
    let mut product = current.clone();
    if let Some((_, row)) = name {
        product.name = row
            .name
            .as_ref()
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default();
    }
    if let Some((_, row)) = description {
        product.description = row
            .description
            .as_ref()
            .map(|d| d.as_str().to_owned())
            .unwrap_or_default();
    }
    if let Some(category) = category {
        product.category_id = category;
    }
    if let Some((index, row)) = status {
        let wanted = row.status.unwrap_or(before_status);
        match before_status.change_to(wanted) {
            Ok(next) => product.status = next.as_str().to_owned(),
            Err(_) => problems.push((
                index,
                problem(
                    "status",
                    "illegal_transition",
                    "An archived product becomes a draft before it is active again.",
                ),
            )),
        }
    }
    let mut combinations: HashSet<Vec<String>> = variants
        .iter()
        .map(super::products::option_values)
        .collect();
    let mut changed_variants = Vec::new();
    let mut new_variants = Vec::new();
    let mut unchanged = 0u64;
    let mut position = variants.iter().map(|v| v.position).max().unwrap_or(-1) + 1;
    let status_now = Status::from_stored(&product.status);
    for (index, row) in rows {
        let price = row.price.money();
        match existing.get(row.sku.as_str()) {
            Some(found) => {
                // A variant's option values stay as they are: its stock and orders refer to them.
                let mut next = found.clone();
                next.barcode = row.barcode.as_ref().map(|b| b.as_str().to_owned());
                next.weight_grams = row.weight.as_grams() as i32;
                next.length_mm = row.dimensions.map(|d| d.length.get() as i32);
                next.width_mm = row.dimensions.map(|d| d.width.get() as i32);
                next.height_mm = row.dimensions.map(|d| d.height.get() as i32);
                next.price_minor = price.minor;
                next.currency = price.currency.code().to_owned();
                if next == *found {
                    unchanged += 1;
                } else {
                    next.updated_at = now;
                    changed_variants.push(next);
                }
            }
            None => {
                if status_now == Status::Archived {
                    problems.push((
                        *index,
                        problem(
                            "sku",
                            "product_archived",
                            "The product is archived; make it a draft before adding variants.",
                        ),
                    ));
                    continue;
                }
                let values: Vec<String> = row.options.iter().map(|(_, v)| v.clone()).collect();
                let resolved = match options.resolve(&values) {
                    Ok(resolved) => resolved,
                    Err(OptionsMismatch::UnknownValue {
                        index: slot,
                        option,
                    }) => {
                        problems.push((
                            *index,
                            problem(
                                &format!("option{}_value", slot + 1),
                                "unknown_option_value",
                                format!("Not one of the values of option `{option}`; add it to the product first."),
                            ),
                        ));
                        continue;
                    }
                    Err(OptionsMismatch::WrongCount { expected }) => {
                        problems.push((
                            *index,
                            problem(
                                "option1_value",
                                "unknown_option_value",
                                format!(
                                    "Give one value for each of the product's {expected} option(s)."
                                ),
                            ),
                        ));
                        continue;
                    }
                };
                if !combinations.insert(resolved.clone()) {
                    problems.push((
                        *index,
                        problem(
                            "option1_value",
                            "duplicate_combination",
                            "This product already has a variant with these option values.",
                        ),
                    ));
                    continue;
                }
                let spec = VariantSpec {
                    sku: row.sku.clone(),
                    barcode: row.barcode.clone(),
                    option_values: resolved,
                    weight: row.weight,
                    dimensions: row.dimensions,
                    price: row.price,
                    status: status_now,
                };
                new_variants.push(super::products::new_variant_row(
                    TenantId(current.tenant_id),
                    current.id,
                    position,
                    &spec,
                    now,
                ));
                position += 1;
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if product != *current {
        product.updated_at = now;
    }
    Ok(ProductPlan::Update {
        before: ProductWithVariants {
            product: current.clone(),
            variants,
        },
        product,
        changed_variants,
        new_variants,
        unchanged_variants: unchanged,
    })
}

async fn write_created(
    tx: &mut WriteTx,
    tenant: TenantId,
    product: product::Model,
    variants: Vec<variant::Model>,
) -> Result<(), JobError> {
    bulk::insert_products(&**tx, vec![product.clone()]).await?;
    bulk::insert_variants(&**tx, variants.clone()).await?;
    let created = ProductWithVariants { product, variants };
    tx.publish(
        tenant,
        &ProductEvent::Created {
            product_id: created.product.id,
            name: created.product.name.clone(),
            variants: snapshots(&created),
        },
    )
    .await?;
    Ok(())
}

async fn write_updated(
    tx: &mut WriteTx,
    tenant: TenantId,
    before: ProductWithVariants,
    product: product::Model,
    changed: Vec<variant::Model>,
    added: Vec<variant::Model>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), JobError> {
    let archiving = product.status == Status::Archived.as_str()
        && before.product.status != Status::Archived.as_str();
    product_store::save(&**tx, tenant, product.clone()).await?;
    for row in &changed {
        variant_store::save(&**tx, tenant, row.clone()).await?;
        if let Some(old) = before.variants.iter().find(|v| v.id == row.id)
            && (old.price_minor, &old.currency) != (row.price_minor, &row.currency)
        {
            tx.publish(
                tenant,
                &ProductEvent::PriceChanged {
                    product_id: row.product_id,
                    variant_id: row.id,
                    before: super::products::price_of(old),
                    after: super::products::price_of(row),
                },
            )
            .await?;
        }
    }
    bulk::insert_variants(&**tx, added.clone()).await?;
    let mut variants: Vec<variant::Model> = before
        .variants
        .iter()
        .map(|v| changed.iter().find(|c| c.id == v.id).unwrap_or(v).clone())
        .collect();
    variants.extend(added);
    if archiving {
        product_store::archive_variants(&**tx, tenant, product.id, now).await?;
        tx.publish(
            tenant,
            &ProductEvent::Archived {
                product_id: product.id,
                variant_ids: variants.iter().map(|v| v.id).collect(),
            },
        )
        .await?;
    } else {
        let current = ProductWithVariants { product, variants };
        tx.publish(
            tenant,
            &ProductEvent::Updated {
                product_id: current.product.id,
                name: current.product.name.clone(),
                variants: snapshots(&current),
            },
        )
        .await?;
    }
    Ok(())
}

/// The catalogue export job: every variant as one row in the import's columns, so the file
/// imports back with no change. `product_key` is the product's id.
pub struct ProductExport;

#[async_trait::async_trait]
impl JobHandler for ProductExport {
    fn kind(&self) -> &'static str {
        PRODUCTS_EXPORT
    }

    async fn run(&self, run: &mut JobRun, _input: Option<Vec<u8>>) -> Result<JobOutput, JobError> {
        let tenant = run.tenant();
        let db = run.db().clone();
        let conn = db.conn();
        let categories = bulk::all_categories(conn, tenant).await?;
        let by_id: HashMap<Uuid, &category::Model> = categories.iter().map(|c| (c.id, c)).collect();
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record(PRODUCT_COLUMNS)
            .map_err(|e| JobError::Other(e.into()))?;
        let mut after = None;
        let mut products = 0u64;
        loop {
            let page = bulk::products_after(conn, tenant, after, 500).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            let ids: Vec<Uuid> = page.iter().map(|p| p.id).collect();
            let mut variants = variant_store::of_products(conn, tenant, &ids).await?;
            for product in &page {
                products += 1;
                let options = options_of(product);
                let category = product
                    .category_id
                    .and_then(|id| by_id.get(&id))
                    .map(|c| category_names(&by_id, c).join(" > "))
                    .unwrap_or_default();
                for v in variants.remove(&product.id).unwrap_or_default() {
                    let values = super::products::option_values(&v);
                    let mut record: Vec<String> = vec![
                        product.id.to_string(),
                        product.name.clone(),
                        product.description.clone(),
                        category.clone(),
                        product.status.clone(),
                    ];
                    for slot in 0..3 {
                        match (options.as_slice().get(slot), values.get(slot)) {
                            (Some(option), Some(value)) => {
                                record.push(option.name.clone());
                                record.push(value.clone());
                            }
                            _ => {
                                record.push(String::new());
                                record.push(String::new());
                            }
                        }
                    }
                    let side = |mm: Option<i32>| mm.map(|m| m.to_string()).unwrap_or_default();
                    record.extend([
                        v.sku.clone(),
                        v.barcode.clone().unwrap_or_default(),
                        format_rupiah(v.price_minor),
                        v.weight_grams.to_string(),
                        side(v.length_mm),
                        side(v.width_mm),
                        side(v.height_mm),
                    ]);
                    writer
                        .write_record(&record)
                        .map_err(|e| JobError::Other(e.into()))?;
                    run.processed += 1;
                    run.succeeded += 1;
                }
            }
            run.total = run.processed;
            run.checkpoint().await?;
        }
        let content = writer
            .into_inner()
            .map_err(|e| JobError::Other(anyhow::anyhow!("{e}")))?;
        Ok(JobOutput {
            summary: serde_json::json!({ "products": products, "variants": run.processed }),
            result: Some(("text/csv", content)),
        })
    }
}

/// The price import job: the base price of each SKU.
pub struct PriceImport;

#[async_trait::async_trait]
impl JobHandler for PriceImport {
    fn kind(&self) -> &'static str {
        PRICES_IMPORT
    }

    async fn run(&self, run: &mut JobRun, input: Option<Vec<u8>>) -> Result<JobOutput, JobError> {
        let bytes = input.unwrap_or_default();
        let sheet = read_sheet(&bytes, PRICE_COLUMNS, PRICE_COLUMNS)
            .map_err(|e| JobError::Invalid(describe(&e)))?;
        run.set_header(sheet.header.names());
        run.total = sheet.rows.len() as i64;
        let tenant = run.tenant();
        let db = run.db().clone();
        let (mut changed_count, mut unchanged_count) = (0u64, 0u64);
        let mut seen: HashMap<String, u64> = HashMap::new();
        for chunk in sheet.rows.chunks(BATCH_ROWS) {
            // Parse the chunk: (line, record, sku, minor) or the row's problems.
            let mut good = Vec::new();
            for (line, record) in chunk {
                let mut problems = Vec::new();
                let sku = crate::domain::Sku::parse(sheet.header.cell(record, "sku"));
                let price = parse_rupiah(sheet.header.cell(record, "price"));
                if let Err(e) = &sku {
                    problems.push(problem("sku", e.code, e.message.clone()));
                }
                if let Err(e) = &price {
                    problems.push(problem("price", e.code, e.message.clone()));
                }
                if let Ok(sku) = &sku {
                    if let Some(first) = seen.get(sku.as_str()) {
                        problems.push(problem(
                            "sku",
                            "duplicate_sku",
                            format!("Row {first} already prices SKU {}.", sku.as_str()),
                        ));
                    } else {
                        seen.insert(sku.as_str().to_owned(), *line);
                    }
                }
                match (sku, price) {
                    (Ok(sku), Ok(price)) if problems.is_empty() => {
                        good.push((*line, record, sku.as_str().to_owned(), price.money()))
                    }
                    _ => {
                        let problems: Vec<RowError> = problems
                            .into_iter()
                            .map(|p| RowError { row: *line, ..p })
                            .collect();
                        run.reject_row(*line, &problems, record);
                        run.failed += 1;
                    }
                }
            }
            let skus: Vec<String> = good.iter().map(|g| g.2.clone()).collect();
            let mut tx = if run.dry_run() {
                None
            } else {
                Some(super::begin_catalog_write(&db, tenant).await?)
            };
            let existing: HashMap<String, variant::Model> = match &tx {
                Some(tx) => bulk::variants_by_skus(&**tx, tenant, &skus).await?,
                None => bulk::variants_by_skus(db.conn(), tenant, &skus).await?,
            }
            .into_iter()
            .map(|v| (v.sku.clone(), v))
            .collect();
            let mut touched: Vec<Uuid> = Vec::new();
            for (line, record, sku, price) in good {
                let Some(found) = existing.get(&sku) else {
                    run.reject_row(
                        line,
                        &[RowError {
                            row: line,
                            column: "sku".into(),
                            code: "unknown_sku".into(),
                            message: format!("No variant has SKU {sku} in this store."),
                        }],
                        record,
                    );
                    run.failed += 1;
                    continue;
                };
                run.succeeded += 1;
                if (found.price_minor, found.currency.as_str())
                    == (price.minor, price.currency.code())
                {
                    unchanged_count += 1;
                    continue;
                }
                changed_count += 1;
                if let Some(tx) = tx.as_mut() {
                    let mut next = found.clone();
                    next.price_minor = price.minor;
                    next.currency = price.currency.code().to_owned();
                    next.updated_at = clock::now();
                    variant_store::save(&**tx, tenant, next.clone()).await?;
                    tx.publish(
                        tenant,
                        &ProductEvent::PriceChanged {
                            product_id: found.product_id,
                            variant_id: found.id,
                            before: super::products::price_of(found),
                            after: price,
                        },
                    )
                    .await?;
                    if !touched.contains(&found.product_id) {
                        touched.push(found.product_id);
                    }
                }
            }
            if let Some(mut tx) = tx.take() {
                // Other domains keep whole variant lists from `product.updated`: one per product.
                for id in touched {
                    let current = super::products::with_variants(&*tx, tenant, id)
                        .await
                        .map_err(|e| JobError::Other(anyhow::anyhow!("{e}")))?;
                    tx.publish(
                        tenant,
                        &ProductEvent::Updated {
                            product_id: id,
                            name: current.product.name.clone(),
                            variants: snapshots(&current),
                        },
                    )
                    .await?;
                }
                tx.commit().await?;
            }
            run.processed += chunk.len() as i64;
            run.checkpoint().await?;
        }
        Ok(JobOutput {
            summary: serde_json::json!({
                "dry_run": run.dry_run(),
                "prices_changed": changed_count,
                "prices_unchanged": unchanged_count,
            }),
            result: None,
        })
    }
}

/// The catalogue's job kinds, for the app's worker.
pub fn job_handlers() -> Vec<std::sync::Arc<dyn JobHandler>> {
    vec![
        std::sync::Arc::new(ProductImport),
        std::sync::Arc::new(ProductExport),
        std::sync::Arc::new(PriceImport),
    ]
}
