//! Variants one at a time: add one to a product, change its SKU, barcode, size or price, retire it.

use smartseller_contracts::catalog::ProductEvent;
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, clock};
use smartseller_platform::WriteTx;
use smartseller_web::auth::Principal;
use uuid::Uuid;

use super::products::{
    check_skus_free, new_variant_row, option_values, options_of, price_of, sku_race, snapshots,
    with_variants,
};
use super::{CatalogCtx, CatalogError, CatalogResult};
use crate::domain::product::{VariantSpec, mismatch_message};
use crate::domain::{Barcode, Dimensions, Price, ProductId, Sku, Status, VariantId, Weight};
use crate::store::variant;
use crate::store::{products as product_store, variants as store};

/// Which variants a list shows.
#[derive(Debug, Clone, Default)]
pub struct VariantFilter {
    pub product: Option<ProductId>,
    pub status: Option<Status>,
    pub sku: Option<Sku>,
}

/// What `PUT /variants/{id}` sets. Option values are fixed at creation: they are what the
/// variant *is*; a different combination is a different variant.
pub struct VariantChanges {
    pub sku: Sku,
    pub barcode: Option<Barcode>,
    pub weight: Weight,
    pub dimensions: Option<Dimensions>,
    pub price: Price,
    pub status: Status,
}

pub async fn list(
    ctx: &CatalogCtx,
    tenant: TenantId,
    filter: &VariantFilter,
    after: Option<Uuid>,
    limit: u64,
) -> CatalogResult<Vec<variant::Model>> {
    Ok(store::list(
        ctx.db.conn(),
        tenant,
        filter.product.map(|p| p.as_uuid()),
        filter.status.map(Status::as_str),
        filter.sku.as_ref().map(Sku::as_str),
        after,
        limit,
    )
    .await?)
}

pub async fn get(
    ctx: &CatalogCtx,
    tenant: TenantId,
    id: VariantId,
) -> CatalogResult<variant::Model> {
    store::find(ctx.db.conn(), tenant, id.as_uuid())
        .await?
        .ok_or(CatalogError::NotFound("variant"))
}

/// Tells the rest of SmartSeller the product's current variants, in the write's transaction.
async fn publish_updated(tx: &mut WriteTx, tenant: TenantId, product: Uuid) -> CatalogResult<()> {
    let current = with_variants(&**tx, tenant, product).await?;
    tx.publish(
        tenant,
        &ProductEvent::Updated {
            product_id: current.product.id,
            name: current.product.name.clone(),
            variants: snapshots(&current),
        },
    )
    .await?;
    Ok(())
}

/// Adds a variant to `product`: its values must be one of the product's option combinations
/// that has no variant yet.
pub async fn create(
    ctx: &CatalogCtx,
    actor: &Principal,
    product: ProductId,
    mut spec: VariantSpec,
) -> CatalogResult<variant::Model> {
    let tenant = actor.tenant;
    let mut tx = ctx.begin_write(tenant).await?;
    let owner = with_variants(&*tx, tenant, product.as_uuid())
        .await
        .map_err(|e| match e {
            CatalogError::NotFound(_) => FieldErrors::single(
                "product_id",
                "unknown_product",
                "No such product in this store.",
            )
            .into(),
            other => other,
        })?;
    if Status::from_stored(&owner.product.status) == Status::Archived {
        return Err(CatalogError::ProductArchived);
    }
    spec.option_values = options_of(&owner.product)
        .resolve(&spec.option_values)
        .map_err(|mismatch| {
            let (suffix, message) = mismatch_message(&mismatch);
            FieldErrors::single(
                &format!("option_values{suffix}"),
                "unknown_option_value",
                message,
            )
        })?;
    if owner
        .variants
        .iter()
        .any(|v| option_values(v) == spec.option_values)
    {
        return Err(CatalogError::CombinationTaken);
    }
    check_skus_free(&*tx, tenant, &[spec.sku.as_str().to_owned()]).await?;
    let now = clock::now();
    let position = owner
        .variants
        .iter()
        .map(|v| v.position + 1)
        .max()
        .unwrap_or(0);
    let row = new_variant_row(tenant, owner.product.id, position, &spec, now);
    let created = store::insert(&*tx, row)
        .await
        .map_err(|e| sku_race(e, spec.sku.as_str()))?;
    product_store::touch(&*tx, tenant, owner.product.id, now).await?;
    publish_updated(&mut tx, tenant, owner.product.id).await?;
    tx.commit().await?;
    Ok(created)
}

/// Changes a variant; a new price is also announced as `product.price_changed`.
pub async fn update(
    ctx: &CatalogCtx,
    actor: &Principal,
    id: VariantId,
    changes: VariantChanges,
) -> CatalogResult<variant::Model> {
    let tenant = actor.tenant;
    let mut tx = ctx.begin_write(tenant).await?;
    let current = store::find(&*tx, tenant, id.as_uuid())
        .await?
        .ok_or(CatalogError::NotFound("variant"))?;
    let status = Status::from_stored(&current.status).change_to(changes.status)?;
    if changes.sku.as_str() != current.sku {
        check_skus_free(&*tx, tenant, &[changes.sku.as_str().to_owned()]).await?;
    }
    let before = price_of(&current);
    let after = changes.price.money();
    let now = clock::now();
    let mut row = current.clone();
    row.sku = changes.sku.as_str().to_owned();
    row.barcode = changes.barcode.as_ref().map(|b| b.as_str().to_owned());
    row.weight_grams = changes.weight.as_grams() as i32;
    row.length_mm = changes.dimensions.map(|d| d.length.get() as i32);
    row.width_mm = changes.dimensions.map(|d| d.width.get() as i32);
    row.height_mm = changes.dimensions.map(|d| d.height.get() as i32);
    row.price_minor = after.minor;
    row.currency = after.currency.code().to_owned();
    row.status = status.as_str().to_owned();
    row.updated_at = now;
    store::save(&*tx, tenant, row.clone())
        .await
        .map_err(|e| sku_race(e, changes.sku.as_str()))?;
    product_store::touch(&*tx, tenant, row.product_id, now).await?;
    if before != after {
        tx.publish(
            tenant,
            &ProductEvent::PriceChanged {
                product_id: row.product_id,
                variant_id: row.id,
                before,
                after,
            },
        )
        .await?;
    }
    publish_updated(&mut tx, tenant, row.product_id).await?;
    tx.commit().await?;
    Ok(row)
}

/// Retires a variant: it stops selling, stays for order history, and keeps its SKU reserved.
pub async fn archive(ctx: &CatalogCtx, actor: &Principal, id: VariantId) -> CatalogResult<()> {
    let tenant = actor.tenant;
    let mut tx = ctx.begin_write(tenant).await?;
    let mut row = store::find(&*tx, tenant, id.as_uuid())
        .await?
        .ok_or(CatalogError::NotFound("variant"))?;
    if row.status == Status::Archived.as_str() {
        return Ok(());
    }
    let now = clock::now();
    row.status = Status::Archived.as_str().to_owned();
    row.updated_at = now;
    let product = row.product_id;
    store::save(&*tx, tenant, row).await?;
    product_store::touch(&*tx, tenant, product, now).await?;
    publish_updated(&mut tx, tenant, product).await?;
    tx.commit().await?;
    Ok(())
}
