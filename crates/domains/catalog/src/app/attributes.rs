//! Attribute definitions, their assignment to categories, and the values products give them.

use std::collections::{HashMap, HashSet};

use sea_orm::ConnectionTrait;
use serde_json::Value;
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, clock};
use smartseller_web::auth::Principal;
use uuid::Uuid;

use super::{CatalogCtx, CatalogError, CatalogResult, is_unique_violation};
use crate::domain::attributes::{
    Applicable, AttributeKind, AttributeSpec, AttributeValue, missing_required,
};
use crate::domain::{CategoryPath, Status};
use crate::store::attributes as store;
use crate::store::{attribute, category_attribute, product_attribute};

/// A stored definition's choices; a row we wrote ourselves always has a list.
pub fn choices_of(row: &attribute::Model) -> Vec<String> {
    serde_json::from_value(row.choices.clone()).unwrap_or_default()
}

pub fn kind_of(row: &attribute::Model) -> AttributeKind {
    AttributeKind::from_stored(&row.kind)
}

pub async fn list(
    ctx: &CatalogCtx,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u64,
) -> CatalogResult<Vec<attribute::Model>> {
    Ok(store::list(ctx.db.conn(), tenant, after, limit).await?)
}

pub async fn get(ctx: &CatalogCtx, tenant: TenantId, id: Uuid) -> CatalogResult<attribute::Model> {
    store::find(ctx.db.conn(), tenant, id)
        .await?
        .ok_or(CatalogError::NotFound("attribute"))
}

fn name_race(error: sea_orm::DbErr, name: &str) -> CatalogError {
    if is_unique_violation(&error) {
        CatalogError::AttributeNameTaken(name.to_owned())
    } else {
        error.into()
    }
}

pub async fn create(
    ctx: &CatalogCtx,
    actor: &Principal,
    spec: AttributeSpec,
) -> CatalogResult<attribute::Model> {
    let tenant = actor.tenant;
    let tx = ctx.begin_write(tenant).await?;
    if store::name_taken(&*tx, tenant, &spec.name.key(), None).await? {
        return Err(CatalogError::AttributeNameTaken(spec.name.as_str().into()));
    }
    let now = clock::now();
    let created = store::insert(
        &*tx,
        attribute::Model {
            id: Uuid::now_v7(),
            tenant_id: tenant.as_uuid(),
            name: spec.name.as_str().to_owned(),
            name_key: spec.name.key(),
            kind: spec.kind.as_str().to_owned(),
            choices: serde_json::json!(spec.choices),
            unit: spec.unit.as_ref().map(|u| u.as_str().to_owned()),
            created_at: now,
            updated_at: now,
        },
    )
    .await
    .map_err(|e| name_race(e, spec.name.as_str()))?;
    tx.commit().await?;
    Ok(created)
}

/// Renames, changes choices or unit. The kind is fixed once a product has a value, and a choice
/// a product uses cannot be taken away: either would silently invalidate sellers' data.
pub async fn update(
    ctx: &CatalogCtx,
    actor: &Principal,
    id: Uuid,
    spec: AttributeSpec,
) -> CatalogResult<attribute::Model> {
    let tenant = actor.tenant;
    let tx = ctx.begin_write(tenant).await?;
    let mut current = store::find(&*tx, tenant, id)
        .await?
        .ok_or(CatalogError::NotFound("attribute"))?;
    if store::name_taken(&*tx, tenant, &spec.name.key(), Some(id)).await? {
        return Err(CatalogError::AttributeNameTaken(spec.name.as_str().into()));
    }
    let old_kind = kind_of(&current);
    if old_kind != spec.kind {
        let products = store::values_in_use(&*tx, tenant, id, None).await?;
        if products > 0 {
            return Err(CatalogError::AttributeKindLocked { products });
        }
    } else if old_kind == AttributeKind::Choice {
        let kept: HashSet<String> = spec.choices.iter().map(|c| c.to_lowercase()).collect();
        let removed: Vec<String> = choices_of(&current)
            .into_iter()
            .filter(|c| !kept.contains(&c.to_lowercase()))
            .collect();
        if !removed.is_empty() {
            let products = store::values_in_use(&*tx, tenant, id, Some(&removed)).await?;
            if products > 0 {
                return Err(CatalogError::ChoiceInUse {
                    choices: removed,
                    products,
                });
            }
        }
        // A choice respelt ("katun" → "Katun") keeps its products: rewrite their values.
        rename_choices(&*tx, tenant, id, &choices_of(&current), &spec.choices).await?;
    }
    current.name = spec.name.as_str().to_owned();
    current.name_key = spec.name.key();
    current.kind = spec.kind.as_str().to_owned();
    current.choices = serde_json::json!(spec.choices);
    current.unit = spec.unit.as_ref().map(|u| u.as_str().to_owned());
    current.updated_at = clock::now();
    store::save(&*tx, tenant, current.clone())
        .await
        .map_err(|e| name_race(e, spec.name.as_str()))?;
    tx.commit().await?;
    // No product event follows, yet the name (or a respelt choice) shows in the search
    // documents of every product with a value: reindex them, in the background.
    let ctx = ctx.clone();
    tokio::spawn(async move {
        if let Err(error) = super::search::reindex_attribute(&ctx, tenant, id).await {
            tracing::warn!(%error, "reindexing an attribute's products failed; `smartseller search rebuild` repairs it");
        }
    });
    Ok(current)
}

async fn rename_choices(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    attribute: Uuid,
    before: &[String],
    after: &[String],
) -> CatalogResult<()> {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    for old in before {
        if let Some(new) = after
            .iter()
            .find(|n| n.to_lowercase() == old.to_lowercase() && *n != old)
        {
            product_attribute::Entity::update_many()
                .col_expr(product_attribute::Column::Value, Expr::value(new.clone()))
                .filter(product_attribute::Column::TenantId.eq(tenant.as_uuid()))
                .filter(product_attribute::Column::AttributeId.eq(attribute))
                .filter(product_attribute::Column::Value.eq(old.clone()))
                .exec(conn)
                .await?;
        }
    }
    Ok(())
}

/// Deletes a definition no product has a value for; its category assignments go with it.
pub async fn delete(ctx: &CatalogCtx, actor: &Principal, id: Uuid) -> CatalogResult<()> {
    let tenant = actor.tenant;
    let tx = ctx.begin_write(tenant).await?;
    store::find(&*tx, tenant, id)
        .await?
        .ok_or(CatalogError::NotFound("attribute"))?;
    let products = store::values_in_use(&*tx, tenant, id, None).await?;
    if products > 0 {
        return Err(CatalogError::AttributeInUse { products });
    }
    store::delete(&*tx, tenant, id).await?;
    tx.commit().await?;
    Ok(())
}

/// One attribute a category asks for.
#[derive(Debug, Clone)]
pub struct CategoryAttribute {
    pub attribute: attribute::Model,
    pub required: bool,
    /// The category above that assigned it, when not this one.
    pub inherited_from: Option<Uuid>,
}

/// One line of `PUT /categories/{id}/attributes`.
pub struct Assignment {
    pub attribute_id: Uuid,
    pub required: bool,
}

/// Replaces the attributes a category assigns itself (its sub-categories inherit them).
pub async fn assign(
    ctx: &CatalogCtx,
    actor: &Principal,
    category: Uuid,
    assignments: Vec<Assignment>,
) -> CatalogResult<Vec<CategoryAttribute>> {
    let tenant = actor.tenant;
    let tx = ctx.begin_write(tenant).await?;
    crate::store::categories::find(&*tx, tenant, category)
        .await?
        .ok_or(CatalogError::NotFound("category"))?;
    let ids: Vec<Uuid> = assignments.iter().map(|a| a.attribute_id).collect();
    let known = store::find_many(&*tx, tenant, &ids).await?;
    let mut errors = FieldErrors::new();
    let mut seen = HashSet::new();
    for (i, a) in assignments.iter().enumerate() {
        if !known.contains_key(&a.attribute_id) {
            errors.add(
                &format!("attributes[{i}].attribute_id"),
                "unknown_attribute",
                "No such attribute in this store.",
            );
        } else if !seen.insert(a.attribute_id) {
            errors.add(
                &format!("attributes[{i}].attribute_id"),
                "duplicate",
                "This attribute is listed twice.",
            );
        }
    }
    errors.finish()?;
    let rows = assignments
        .iter()
        .enumerate()
        .map(|(position, a)| category_attribute::Model {
            category_id: category,
            attribute_id: a.attribute_id,
            tenant_id: tenant.as_uuid(),
            required: a.required,
            position: position as i32,
        })
        .collect();
    store::assign(&*tx, tenant, category, rows).await?;
    let effective = for_category(&*tx, tenant, Some(category)).await?;
    tx.commit().await?;
    Ok(effective)
}

pub async fn of_category(
    ctx: &CatalogCtx,
    tenant: TenantId,
    category: Uuid,
) -> CatalogResult<Vec<CategoryAttribute>> {
    let conn = ctx.db.conn();
    crate::store::categories::find(conn, tenant, category)
        .await?
        .ok_or(CatalogError::NotFound("category"))?;
    for_category(conn, tenant, Some(category)).await
}

/// Every attribute that applies to products filed under `category`: those of the categories
/// above it first (root down), then its own. Where two levels assign the same attribute, the
/// nearest one decides whether it is required.
pub(crate) async fn for_category(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    category: Option<Uuid>,
) -> CatalogResult<Vec<CategoryAttribute>> {
    let Some(category) = category else {
        return Ok(Vec::new());
    };
    let Some(row) = crate::store::categories::find(conn, tenant, category).await? else {
        return Ok(Vec::new());
    };
    let path = CategoryPath::decode(&row.path).unwrap_or_else(|| CategoryPath::root(row.id));
    let lineage: Vec<Uuid> = path.ids().to_vec();
    let assigned = store::assigned_to(conn, tenant, &lineage).await?;
    let ids: Vec<Uuid> = assigned.iter().map(|a| a.attribute_id).collect();
    let definitions = store::find_many(conn, tenant, &ids).await?;
    let mut out: Vec<CategoryAttribute> = Vec::new();
    let mut index: HashMap<Uuid, usize> = HashMap::new();
    for level in &lineage {
        for a in assigned.iter().filter(|a| a.category_id == *level) {
            let Some(definition) = definitions.get(&a.attribute_id) else {
                continue;
            };
            let entry = CategoryAttribute {
                attribute: definition.clone(),
                required: a.required,
                inherited_from: (*level != category).then_some(*level),
            };
            match index.get(&a.attribute_id) {
                Some(&at) => out[at] = entry,
                None => {
                    index.insert(a.attribute_id, out.len());
                    out.push(entry);
                }
            }
        }
    }
    Ok(out)
}

/// A value as the request gave it, before it is checked against its definition.
#[derive(Debug, Clone)]
pub struct AttributeInput {
    pub attribute_id: Uuid,
    pub value: Value,
}

/// A product's value with its definition, for answers.
#[derive(Debug, Clone)]
pub struct ProductAttribute {
    pub attribute: attribute::Model,
    pub value: AttributeValue,
}

/// The product's values in the order its category lists them (values of attributes that no
/// longer apply come last).
pub(crate) async fn of_product(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: Uuid,
) -> CatalogResult<Vec<ProductAttribute>> {
    let values = store::values_of(conn, tenant, product).await?;
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = values.iter().map(|v| v.attribute_id).collect();
    let definitions = store::find_many(conn, tenant, &ids).await?;
    let mut out: Vec<ProductAttribute> = values
        .into_iter()
        .filter_map(|v| {
            definitions.get(&v.attribute_id).map(|d| ProductAttribute {
                attribute: d.clone(),
                value: AttributeValue::from_stored(v.value),
            })
        })
        .collect();
    out.sort_by(|a, b| a.attribute.name_key.cmp(&b.attribute.name_key));
    Ok(out)
}

/// Checks and writes a product's values inside the caller's transaction.
///
/// `inputs` of `None` keeps the current values that still apply to the (possibly new)
/// category. An active product must have every required attribute of its category.
pub(crate) async fn write_values(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: Uuid,
    category: Option<Uuid>,
    status: Status,
    inputs: Option<&[AttributeInput]>,
) -> CatalogResult<()> {
    let applicable = for_category(conn, tenant, category).await?;
    let by_id: HashMap<Uuid, &CategoryAttribute> =
        applicable.iter().map(|a| (a.attribute.id, a)).collect();
    let mut errors = FieldErrors::new();
    let mut rows: Vec<product_attribute::Model> = Vec::new();
    // With `inputs` absent, only values that stopped applying are removed; the rest stay as
    // they are instead of being rewritten on every product save.
    let mut stale: Vec<Uuid> = Vec::new();
    match inputs {
        Some(inputs) => {
            let mut seen = HashSet::new();
            for (i, input) in inputs.iter().enumerate() {
                let field = format!("attributes[{i}]");
                let Some(applies) = by_id.get(&input.attribute_id) else {
                    // An unknown id and another store's id read the same: "not for this product".
                    errors.add(
                        &format!("{field}.attribute_id"),
                        "not_applicable",
                        "This attribute does not apply to the product's category.",
                    );
                    continue;
                };
                if !seen.insert(input.attribute_id) {
                    errors.add(
                        &format!("{field}.attribute_id"),
                        "duplicate",
                        "This attribute is given twice.",
                    );
                    continue;
                }
                let definition = &applies.attribute;
                if let Some(value) = errors.check(
                    &format!("{field}.value"),
                    AttributeValue::parse(
                        kind_of(definition),
                        &choices_of(definition),
                        &input.value,
                    ),
                ) {
                    rows.push(product_attribute::Model {
                        product_id: product,
                        attribute_id: definition.id,
                        tenant_id: tenant.as_uuid(),
                        value: value.as_str().to_owned(),
                    });
                }
            }
        }
        None => {
            let (kept, dropped): (Vec<_>, Vec<_>) = store::values_of(conn, tenant, product)
                .await?
                .into_iter()
                .partition(|v| by_id.contains_key(&v.attribute_id));
            rows = kept;
            stale = dropped.into_iter().map(|v| v.attribute_id).collect();
        }
    }
    if status == Status::Active {
        let has: HashSet<Uuid> = rows.iter().map(|r| r.attribute_id).collect();
        let needed: Vec<Applicable> = applicable
            .iter()
            .map(|a| Applicable {
                attribute_id: a.attribute.id,
                name: a.attribute.name.clone(),
                required: a.required,
            })
            .collect();
        let missing = missing_required(&needed, |id| has.contains(&id));
        if !missing.is_empty() {
            errors.add(
                "attributes",
                "missing_required",
                format!(
                    "An active product in this category needs: {}. Fill them in or keep the product a draft.",
                    missing.join(", ")
                ),
            );
        }
    }
    errors.finish()?;
    if inputs.is_some() {
        store::set_values(conn, tenant, product, rows).await?;
    } else {
        store::remove_values(conn, tenant, product, &stale).await?;
    }
    Ok(())
}
