//! Keeping the search index in step with the catalogue, and searching it.
//!
//! The index is a copy: every document is built from the database (product, variants, category
//! path, attributes, stock), so reindexing a product is idempotent and the whole index can be
//! thrown away and rebuilt. Reindexing is serialised by one lock held across read and write, so
//! a read that started earlier can never overwrite what a later read wrote.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sea_orm::ConnectionTrait;
use smartseller_kernel::TenantId;
use smartseller_search::{ProductIndex, SearchDocument, SearchRequest, SearchResults};
use uuid::Uuid;

use super::{CatalogCtx, CatalogError, CatalogResult};
use crate::domain::Status;
use crate::domain::tree::CategoryPath;
use crate::store::search as store;
use crate::store::variants as variant_store;
use crate::store::{product, variant};

/// How many products one rebuild step reads and commits.
const REBUILD_PAGE: u64 = 500;

/// The index with the lock that orders writes to it.
#[derive(Clone)]
pub struct SearchIndex {
    index: Arc<ProductIndex>,
    writing: Arc<tokio::sync::Mutex<()>>,
}

impl SearchIndex {
    pub fn new(index: Arc<ProductIndex>) -> Self {
        Self {
            index,
            writing: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    pub fn index(&self) -> &Arc<ProductIndex> {
        &self.index
    }
}

/// Runs index work off the async threads: a commit syncs files, a search is pure CPU.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, smartseller_search::SearchError> + Send + 'static,
) -> CatalogResult<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => Ok(result?),
        Err(join) => Err(CatalogError::Db(sea_orm::DbErr::Custom(format!(
            "search task failed: {join}"
        )))),
    }
}

/// One store's products matching `request`.
pub async fn search(
    ctx: &CatalogCtx,
    tenant: TenantId,
    request: SearchRequest,
) -> CatalogResult<SearchResults> {
    let index = ctx.search.index.clone();
    blocking(move || index.search(tenant, &request)).await
}

/// Brings the index up to date for `products`: current ones are replaced, ones no longer in
/// the database are taken out.
pub async fn reindex(ctx: &CatalogCtx, tenant: TenantId, products: &[Uuid]) -> CatalogResult<()> {
    reindex_on(ctx.db.conn(), ctx, tenant, products).await
}

/// [`reindex`], reading through `conn` (a consumer's transaction).
pub async fn reindex_on(
    conn: &impl ConnectionTrait,
    ctx: &CatalogCtx,
    tenant: TenantId,
    products: &[Uuid],
) -> CatalogResult<()> {
    if products.is_empty() {
        return Ok(());
    }
    let _turn = ctx.search.writing.lock().await;
    let docs = documents(conn, tenant, products).await?;
    let found: HashSet<Uuid> = docs.iter().map(|d| d.product_id).collect();
    let gone: Vec<Uuid> = products
        .iter()
        .copied()
        .filter(|id| !found.contains(id))
        .collect();
    let index = ctx.search.index.clone();
    blocking(move || {
        index.upsert(&docs)?;
        for id in gone {
            index.remove(tenant, id)?;
        }
        Ok(())
    })
    .await
}

/// After the catalogue's copy of stock changed for `products`: reindexes those whose "in stock"
/// now differs from what the index says (or that the index lacks). Stock moves on every
/// reservation; most moves change no product's "in stock", and those cost no index commit.
pub async fn reindex_stock_on(
    conn: &impl ConnectionTrait,
    ctx: &CatalogCtx,
    tenant: TenantId,
    products: &[Uuid],
) -> CatalogResult<()> {
    if products.is_empty() {
        return Ok(());
    }
    let sellable = store::sellable(conn, tenant, products).await?;
    let mut changed = Vec::new();
    for id in products {
        let indexed = ctx.search.index.in_stock(tenant, *id)?;
        if indexed != Some(sellable.contains(id)) {
            changed.push(*id);
        }
    }
    reindex_on(conn, ctx, tenant, &changed).await
}

/// Products filed under `category` or beneath it, reindexed after the category was renamed or
/// moved (their category path changed).
pub async fn reindex_category(
    ctx: &CatalogCtx,
    tenant: TenantId,
    category_path: &str,
) -> CatalogResult<()> {
    let ids = store::product_ids_under(ctx.db.conn(), tenant, category_path).await?;
    for page in ids.chunks(REBUILD_PAGE as usize) {
        reindex(ctx, tenant, page).await?;
    }
    Ok(())
}

/// Products with a value for `attribute`, reindexed after the attribute was renamed.
pub async fn reindex_attribute(
    ctx: &CatalogCtx,
    tenant: TenantId,
    attribute: Uuid,
) -> CatalogResult<()> {
    let ids = store::product_ids_with_attribute(ctx.db.conn(), tenant, attribute).await?;
    for page in ids.chunks(REBUILD_PAGE as usize) {
        reindex(ctx, tenant, page).await?;
    }
    Ok(())
}

/// What a rebuild did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Rebuilt {
    pub stores: usize,
    pub products: usize,
}

/// Rebuilds one store's part of the index, or (`None`) the whole index, from the database.
/// Searches see the store's products come back page by page while it runs.
pub async fn rebuild(ctx: &CatalogCtx, tenant: Option<TenantId>) -> CatalogResult<Rebuilt> {
    let index = ctx.search.index.clone();
    let stores = match tenant {
        Some(tenant) => {
            blocking(move || index.clear_tenant(tenant)).await?;
            vec![tenant]
        }
        None => {
            blocking(move || index.clear_all()).await?;
            store::stores_with_products(ctx.db.conn()).await?
        }
    };
    let mut report = Rebuilt::default();
    for store in stores {
        report.stores += 1;
        let mut after = None;
        loop {
            let page = store::product_ids(ctx.db.conn(), store, after, REBUILD_PAGE).await?;
            let Some(last) = page.last().copied() else {
                break;
            };
            reindex(ctx, store, &page).await?;
            report.products += page.len();
            after = Some(last);
        }
    }
    Ok(report)
}

/// Rebuilds the whole index when it is empty but the database has products (a fresh node, or
/// a deleted index directory). Meant to run in the background at start-up.
pub async fn rebuild_if_empty(ctx: &CatalogCtx) -> CatalogResult<Option<Rebuilt>> {
    if !ctx.search.index.is_empty() {
        return Ok(None);
    }
    if store::stores_with_products(ctx.db.conn()).await?.is_empty() {
        return Ok(None);
    }
    tracing::info!("the search index is empty but products exist; rebuilding it in the background");
    rebuild(ctx, None).await.map(Some)
}

/// The search documents of the store's `ids` that exist, in a fixed number of queries.
pub async fn documents(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[Uuid],
) -> CatalogResult<Vec<SearchDocument>> {
    let products = store::products(conn, tenant, ids).await?;
    let product_ids: Vec<Uuid> = products.iter().map(|p| p.id).collect();
    let mut variants = variant_store::of_products(conn, tenant, &product_ids).await?;

    // Each product's category path, root first, and the names along it.
    let leaves: Vec<Uuid> = products
        .iter()
        .filter_map(|p| p.category_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let paths: HashMap<Uuid, Vec<Uuid>> = store::categories(conn, tenant, &leaves)
        .await?
        .into_iter()
        .map(|c| {
            let path = CategoryPath::decode(&c.path)
                .map(|p| p.ids().to_vec())
                .unwrap_or_else(|| vec![c.id]);
            (c.id, path)
        })
        .collect();
    let along: Vec<Uuid> = paths
        .values()
        .flatten()
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let names: HashMap<Uuid, String> = store::categories(conn, tenant, &along)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let mut attributes = store::attribute_values(conn, tenant, &product_ids).await?;
    let sellable = store::sellable(conn, tenant, &product_ids).await?;

    Ok(products
        .into_iter()
        .map(|p| {
            let variants = variants.remove(&p.id).unwrap_or_default();
            let path = p
                .category_id
                .and_then(|c| paths.get(&c))
                .cloned()
                .unwrap_or_default();
            let facts = Facts {
                in_stock: sellable.contains(&p.id),
                attributes: attributes.remove(&p.id).unwrap_or_default(),
            };
            document(tenant, p, &variants, &path, &names, facts)
        })
        .collect())
}

/// What a product's document takes from outside its own rows.
struct Facts {
    in_stock: bool,
    attributes: Vec<(String, String)>,
}

/// One product's search document from its rows.
fn document(
    tenant: TenantId,
    p: product::Model,
    variants: &[variant::Model],
    path: &[Uuid],
    names: &HashMap<Uuid, String>,
    facts: Facts,
) -> SearchDocument {
    // Prices of the variants on sale; an archived product shows what it last sold at.
    let selling: Vec<&variant::Model> = variants
        .iter()
        .filter(|v| v.status != Status::Archived.as_str())
        .collect();
    let priced: Vec<&variant::Model> = if selling.is_empty() {
        variants.iter().collect()
    } else {
        selling
    };
    let min = priced.iter().map(|v| v.price_minor).min().unwrap_or(0);
    let max = priced.iter().map(|v| v.price_minor).max().unwrap_or(0);
    let currency = priced
        .first()
        .map(|v| v.currency.clone())
        .unwrap_or_else(|| "IDR".to_owned());
    SearchDocument {
        tenant,
        product_id: p.id,
        name: p.name,
        description: p.description,
        skus: variants.iter().map(|v| v.sku.clone()).collect(),
        barcodes: variants.iter().filter_map(|v| v.barcode.clone()).collect(),
        category_id: p.category_id,
        category_ids: path.to_vec(),
        category_path: path
            .iter()
            .filter_map(|id| names.get(id).cloned())
            .collect(),
        attributes: facts.attributes,
        status: p.status,
        min_price_minor: min,
        max_price_minor: max,
        currency,
        in_stock: facts.in_stock,
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}
