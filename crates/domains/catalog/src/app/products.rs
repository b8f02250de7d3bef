//! Products with their variants: list, show, create, change, archive.

use sea_orm::ConnectionTrait;
use smartseller_contracts::catalog::{ProductEvent, VariantSnapshot};
use smartseller_kernel::money::{Currency, Money};
use smartseller_kernel::page::{Page, PageRequest};
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, clock};
use smartseller_web::auth::Principal;
use uuid::Uuid;

use bytes::Bytes;

use super::attributes::{self, AttributeInput, ProductAttribute};
use super::list_cache::PageKey;
use super::stock::{self, ProductStock};
use super::{CatalogCtx, CatalogError, CatalogResult, is_unique_violation, media};
use crate::domain::listing::{Keyset, ProductFilter, ProductSort, SortValue};
use crate::domain::options::variant_title;
use crate::domain::product::{VariantPlan, VariantSpec, plan_variants};
use crate::domain::{
    CategoryId, Description, ProductId, ProductName, ProductOptions, Status, VariantId,
};
use crate::store::product_media as media_store;
use crate::store::products as store;
use crate::store::variants as variant_store;
use crate::store::versions;
use crate::store::{product, variant};

/// A product with its variants in their shown order.
#[derive(Debug, Clone)]
pub struct ProductWithVariants {
    pub product: product::Model,
    pub variants: Vec<variant::Model>,
}

/// A product page: the product, its variants, its images and documents, its attribute values
/// and its stock.
pub struct ProductDetail {
    pub product: ProductWithVariants,
    pub media: Vec<media::MediaItem>,
    pub attributes: Vec<ProductAttribute>,
    pub stock: ProductStock,
}

/// A new product as the seller describes it.
pub struct ProductDraft {
    pub name: ProductName,
    pub description: Description,
    pub category: Option<CategoryId>,
    pub status: Status,
    pub options: ProductOptions,
    pub variants: VariantPlan,
    /// Values for the attributes of its category; checked against their definitions.
    pub attributes: Vec<AttributeInput>,
}

/// What `PUT /products/{id}` changes. Options are fixed once variants exist; variants change
/// through `/variants`.
pub struct ProductChanges {
    pub name: ProductName,
    pub description: Description,
    pub category: Option<CategoryId>,
    pub status: Status,
    /// `None` keeps the values that still apply to the (possibly new) category.
    pub attributes: Option<Vec<AttributeInput>>,
}

/// A product list request, checked.
#[derive(Debug)]
pub struct ProductListing {
    pub filter: ProductFilter,
    pub sort: ProductSort,
    pub after: Option<Keyset>,
    pub page: PageRequest,
}

/// A list page rendered by `render` (to JSON, say), straight from the list cache when the
/// store's catalogue has not changed since the page was last rendered.
pub async fn list_rendered(
    ctx: &CatalogCtx,
    tenant: TenantId,
    listing: &ProductListing,
    render: impl FnOnce(Page<ProductWithVariants>) -> Result<Bytes, String>,
) -> CatalogResult<Bytes> {
    if !ctx.list_cache.enabled() {
        return render(list(ctx, tenant, listing).await?).map_err(CatalogError::Render);
    }
    // Read before the rows: a write committing in between leaves newer rows under the older
    // counter, which nobody asks for again once the new counter is visible.
    let (products, stock) = versions::current(ctx.db.conn(), tenant).await?;
    let key = PageKey {
        tenant: tenant.as_uuid(),
        products,
        stock: if listing.filter.stock_state.is_some() {
            stock
        } else {
            0
        },
        request: format!("{listing:?}"),
    };
    if let Some(page) = ctx.list_cache.get(&key).await {
        metrics::counter!("catalog_list_cache_total", "outcome" => "hit").increment(1);
        return Ok(page);
    }
    metrics::counter!("catalog_list_cache_total", "outcome" => "miss").increment(1);
    let page = render(list(ctx, tenant, listing).await?).map_err(CatalogError::Render)?;
    ctx.list_cache.put(key, page.clone()).await;
    Ok(page)
}

pub async fn list(
    ctx: &CatalogCtx,
    tenant: TenantId,
    listing: &ProductListing,
) -> CatalogResult<Page<ProductWithVariants>> {
    list_on(ctx.db.conn(), tenant, listing).await
}

/// The product list on any connection: two statements whatever the page size (the page, then
/// every variant of every product on it). Public so a test can count them on its own
/// connection.
pub async fn list_on(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    listing: &ProductListing,
) -> CatalogResult<Page<ProductWithVariants>> {
    let mut rows = store::list(
        conn,
        tenant,
        &listing.filter,
        listing.sort,
        listing.after.as_ref(),
        listing.page.fetch_limit(),
    )
    .await?;
    let limit = usize::try_from(listing.page.limit).unwrap_or(usize::MAX);
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|last| {
            let value = match listing.sort {
                ProductSort::CreatedAt | ProductSort::NewestFirst => SortValue::None,
                ProductSort::Name | ProductSort::NameDesc => SortValue::Name(last.name.clone()),
                ProductSort::UpdatedAt | ProductSort::UpdatedAtDesc => {
                    SortValue::Time(last.updated_at)
                }
            };
            Keyset { value, id: last.id }.encode(listing.sort)
        })
    } else {
        None
    };
    let ids: Vec<Uuid> = rows.iter().map(|p| p.id).collect();
    let mut variants = variant_store::of_products(conn, tenant, &ids).await?;
    Ok(Page {
        items: rows
            .into_iter()
            .map(|product| ProductWithVariants {
                variants: variants.remove(&product.id).unwrap_or_default(),
                product,
            })
            .collect(),
        next_cursor,
    })
}

pub async fn get(
    ctx: &CatalogCtx,
    tenant: TenantId,
    id: ProductId,
) -> CatalogResult<ProductDetail> {
    let conn = ctx.db.conn();
    let product = with_variants(conn, tenant, id.as_uuid()).await?;
    detail_of(conn, tenant, product).await
}

/// Adds attribute values and stock to a product read on `conn`.
async fn detail_of(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: ProductWithVariants,
) -> CatalogResult<ProductDetail> {
    let id = product.product.id;
    let media = media::items(media_store::of_product(conn, tenant, id).await?);
    let attributes = attributes::of_product(conn, tenant, id).await?;
    let stock = stock::of_product(conn, tenant, id).await?;
    Ok(ProductDetail {
        product,
        media,
        attributes,
        stock,
    })
}

pub(crate) async fn with_variants(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> CatalogResult<ProductWithVariants> {
    let product = store::find(conn, tenant, id)
        .await?
        .ok_or(CatalogError::NotFound("product"))?;
    let variants = variant_store::of_products(conn, tenant, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(ProductWithVariants { product, variants })
}

/// A category the product is filed under, which must be this store's.
async fn check_category(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    category: Option<CategoryId>,
) -> CatalogResult<()> {
    if let Some(id) = category
        && crate::store::categories::find(conn, tenant, id.as_uuid())
            .await?
            .is_none()
    {
        return Err(FieldErrors::single(
            "category_id",
            "unknown_category",
            "No such category in this store.",
        )
        .into());
    }
    Ok(())
}

/// Refuses SKUs another variant of the store already uses.
pub(crate) async fn check_skus_free(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    skus: &[String],
) -> CatalogResult<()> {
    let taken = variant_store::taken_skus(conn, tenant, skus).await?;
    if taken.is_empty() {
        Ok(())
    } else {
        Err(CatalogError::SkuTaken(taken))
    }
}

/// A unique violation on insert means a concurrent writer took the SKU first.
pub(crate) fn sku_race(error: sea_orm::DbErr, sku: &str) -> CatalogError {
    if is_unique_violation(&error) {
        CatalogError::SkuTaken(vec![sku.to_owned()])
    } else {
        error.into()
    }
}

pub(crate) fn new_variant_row(
    tenant: TenantId,
    product: Uuid,
    position: i32,
    spec: &VariantSpec,
    at: chrono::DateTime<chrono::Utc>,
) -> variant::Model {
    let price = spec.price.money();
    variant::Model {
        id: VariantId::new().as_uuid(),
        tenant_id: tenant.as_uuid(),
        product_id: product,
        sku: spec.sku.as_str().to_owned(),
        barcode: spec.barcode.as_ref().map(|b| b.as_str().to_owned()),
        option_values: serde_json::json!(spec.option_values),
        weight_grams: spec.weight.as_grams() as i32,
        length_mm: spec.dimensions.map(|d| d.length.get() as i32),
        width_mm: spec.dimensions.map(|d| d.width.get() as i32),
        height_mm: spec.dimensions.map(|d| d.height.get() as i32),
        price_minor: price.minor,
        currency: price.currency.code().to_owned(),
        status: spec.status.as_str().to_owned(),
        position,
        created_at: at,
        updated_at: at,
    }
}

pub async fn create(
    ctx: &CatalogCtx,
    actor: &Principal,
    draft: ProductDraft,
) -> CatalogResult<ProductDetail> {
    let tenant = actor.tenant;
    let specs = plan_variants(&draft.options, draft.variants)?;
    let mut tx = ctx.begin_write(tenant).await?;
    check_category(&*tx, tenant, draft.category).await?;
    let skus: Vec<String> = specs.iter().map(|s| s.sku.as_str().to_owned()).collect();
    check_skus_free(&*tx, tenant, &skus).await?;
    let now = clock::now();
    let product = store::insert(
        &*tx,
        product::Model {
            id: ProductId::new().as_uuid(),
            tenant_id: tenant.as_uuid(),
            category_id: draft.category.map(|c| c.as_uuid()),
            name: draft.name.as_str().to_owned(),
            description: draft.description.as_str().to_owned(),
            status: draft.status.as_str().to_owned(),
            options: serde_json::to_value(&draft.options).unwrap_or_default(),
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    let mut variants = Vec::with_capacity(specs.len());
    for (position, spec) in specs.iter().enumerate() {
        let row = new_variant_row(tenant, product.id, position as i32, spec, now);
        let saved = variant_store::insert(&*tx, row)
            .await
            .map_err(|e| sku_race(e, spec.sku.as_str()))?;
        variants.push(saved);
    }
    attributes::write_values(
        &*tx,
        tenant,
        product.id,
        draft.category.map(|c| c.as_uuid()),
        draft.status,
        Some(&draft.attributes),
    )
    .await?;
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
    let created = detail_of(&*tx, tenant, created).await?;
    tx.commit().await?;
    Ok(created)
}

pub async fn update(
    ctx: &CatalogCtx,
    actor: &Principal,
    id: ProductId,
    changes: ProductChanges,
) -> CatalogResult<ProductDetail> {
    let tenant = actor.tenant;
    let mut tx = ctx.begin_write(tenant).await?;
    let mut current = with_variants(&*tx, tenant, id.as_uuid()).await?;
    let before = Status::from_stored(&current.product.status);
    let status = before.change_to(changes.status)?;
    check_category(&*tx, tenant, changes.category).await?;
    let now = clock::now();
    let product = &mut current.product;
    product.name = changes.name.as_str().to_owned();
    product.description = changes.description.as_str().to_owned();
    product.category_id = changes.category.map(|c| c.as_uuid());
    product.status = status.as_str().to_owned();
    product.updated_at = now;
    store::save(&*tx, tenant, product.clone()).await?;
    attributes::write_values(
        &*tx,
        tenant,
        product.id,
        product.category_id,
        status,
        changes.attributes.as_deref(),
    )
    .await?;
    // Archiving through PUT means what DELETE means: the variants stop selling too, and the
    // rest of SmartSeller hears `product.archived`.
    let event = if status == Status::Archived && before != Status::Archived {
        store::archive_variants(&*tx, tenant, current.product.id, now).await?;
        current = with_variants(&*tx, tenant, current.product.id).await?;
        ProductEvent::Archived {
            product_id: current.product.id,
            variant_ids: current.variants.iter().map(|v| v.id).collect(),
        }
    } else {
        ProductEvent::Updated {
            product_id: current.product.id,
            name: current.product.name.clone(),
            variants: snapshots(&current),
        }
    };
    tx.publish(tenant, &event).await?;
    let current = detail_of(&*tx, tenant, current).await?;
    tx.commit().await?;
    Ok(current)
}

/// Archives a product and its variants: they stop selling but stay for order history, and their
/// SKUs stay reserved. Archiving an archived product changes nothing and tells no one.
pub async fn archive(ctx: &CatalogCtx, actor: &Principal, id: ProductId) -> CatalogResult<()> {
    let tenant = actor.tenant;
    let mut tx = ctx.begin_write(tenant).await?;
    let mut current = with_variants(&*tx, tenant, id.as_uuid()).await?;
    if Status::from_stored(&current.product.status) == Status::Archived
        && current
            .variants
            .iter()
            .all(|v| v.status == Status::Archived.as_str())
    {
        return Ok(());
    }
    let now = clock::now();
    current.product.status = Status::Archived.as_str().to_owned();
    current.product.updated_at = now;
    store::save(&*tx, tenant, current.product.clone()).await?;
    store::archive_variants(&*tx, tenant, current.product.id, now).await?;
    tx.publish(
        tenant,
        &ProductEvent::Archived {
            product_id: current.product.id,
            variant_ids: current.variants.iter().map(|v| v.id).collect(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes an archived product for good: its variants, their pricing, its media rows, and then
/// its files. Only an archived product can go, so the rest of SmartSeller has already heard
/// `product.archived` and stopped selling it; nothing new is announced.
pub async fn delete_for_good(
    ctx: &CatalogCtx,
    actor: &Principal,
    id: ProductId,
) -> CatalogResult<()> {
    let tenant = actor.tenant;
    let tx = ctx.begin_write(tenant).await?;
    let current = with_variants(&*tx, tenant, id.as_uuid()).await?;
    if Status::from_stored(&current.product.status) != Status::Archived {
        return Err(CatalogError::NotArchived);
    }
    let media = media::items(media_store::of_product(&*tx, tenant, id.as_uuid()).await?);
    let variants: Vec<Uuid> = current.variants.iter().map(|v| v.id).collect();
    store::delete_for_good(&*tx, tenant, id.as_uuid(), &variants).await?;
    tx.commit().await?;
    media::delete_files_of(ctx, &media).await;
    Ok(())
}

/// A stored variant's price; a row we wrote ourselves always has a known currency.
pub(crate) fn price_of(row: &variant::Model) -> Money {
    Money::new(
        row.price_minor,
        Currency::parse(&row.currency).unwrap_or(Currency::Idr),
    )
}

/// The variants as other domains learn them from `product.events`.
pub(crate) fn snapshots(product: &ProductWithVariants) -> Vec<VariantSnapshot> {
    product
        .variants
        .iter()
        .map(|v| VariantSnapshot {
            variant_id: v.id,
            sku: v.sku.clone(),
            name: variant_title(&product.product.name, &option_values(v)),
            status: v.status.clone(),
            price: price_of(v),
        })
        .collect()
}

pub(crate) fn option_values(row: &variant::Model) -> Vec<String> {
    serde_json::from_value(row.option_values.clone()).unwrap_or_default()
}

pub(crate) fn options_of(row: &product::Model) -> ProductOptions {
    serde_json::from_value(row.options.clone()).unwrap_or_default()
}
