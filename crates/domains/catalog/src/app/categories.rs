//! The category tree: create, rename, move, reorder, delete.

use smartseller_kernel::TenantId;
use smartseller_kernel::validation::FieldErrors;
use smartseller_web::auth::Principal;
use uuid::Uuid;

use super::{CatalogCtx, CatalogError, CatalogResult};
use crate::domain::tree::place;
use crate::domain::{CategoryId, CategoryName, CategoryPath};
pub use crate::store::categories::Level;
use crate::store::categories::{self as store, NewCategory};
use crate::store::category;

/// A category as the seller describes it. `position` counts from 0 among its siblings; left out,
/// a new or moved category goes last and a renamed one stays where it is.
pub struct CategoryDraft {
    pub name: CategoryName,
    pub parent: Option<CategoryId>,
    pub position: Option<u32>,
}

pub async fn list(
    ctx: &CatalogCtx,
    tenant: TenantId,
    level: Level,
    after: Option<Uuid>,
    limit: u64,
) -> CatalogResult<Vec<category::Model>> {
    Ok(store::list(ctx.db.conn(), tenant, level, after, limit).await?)
}

pub async fn get(
    ctx: &CatalogCtx,
    tenant: TenantId,
    id: CategoryId,
) -> CatalogResult<category::Model> {
    store::find(ctx.db.conn(), tenant, id.as_uuid())
        .await?
        .ok_or(CatalogError::NotFound("category"))
}

/// A stored path; a row we wrote ourselves always has one.
fn path_of(model: &category::Model) -> CategoryPath {
    CategoryPath::decode(&model.path).unwrap_or_else(|| CategoryPath::root(model.id))
}

/// The parent a draft names, which must be a category of this store.
async fn parent_of(
    conn: &impl sea_orm::ConnectionTrait,
    tenant: TenantId,
    parent: Option<CategoryId>,
) -> CatalogResult<Option<category::Model>> {
    let Some(parent) = parent else {
        return Ok(None);
    };
    store::find(conn, tenant, parent.as_uuid())
        .await?
        .map(Some)
        .ok_or_else(|| {
            FieldErrors::single(
                "parent_id",
                "unknown_category",
                "No such category in this store.",
            )
            .into()
        })
}

pub async fn create(
    ctx: &CatalogCtx,
    actor: &Principal,
    draft: CategoryDraft,
) -> CatalogResult<category::Model> {
    let tenant = actor.tenant;
    let tx = ctx.begin_write(tenant).await?;
    let parent = parent_of(&*tx, tenant, draft.parent).await?;
    let id = CategoryId::new().as_uuid();
    let path = match &parent {
        Some(parent) => path_of(parent).child(id),
        None => CategoryPath::root(id),
    };
    let parent_id = parent.as_ref().map(|p| p.id);
    let siblings = store::sibling_ids(&*tx, tenant, parent_id).await?;
    let order = place(&siblings, id, draft.position.map(|p| p as usize));
    store::insert(
        &*tx,
        tenant,
        NewCategory {
            id,
            parent_id,
            name: draft.name.as_str(),
            position: 0,
            path: &path.encode(),
        },
    )
    .await?;
    store::renumber(&*tx, tenant, &order).await?;
    let created = store::find(&*tx, tenant, id)
        .await?
        .ok_or(CatalogError::NotFound("category"))?;
    tx.commit().await?;
    Ok(created)
}

/// Renames, moves (with everything beneath it) and reorders a category.
pub async fn update(
    ctx: &CatalogCtx,
    actor: &Principal,
    id: CategoryId,
    draft: CategoryDraft,
) -> CatalogResult<category::Model> {
    let tenant = actor.tenant;
    let tx = ctx.begin_write(tenant).await?;
    let current = store::find(&*tx, tenant, id.as_uuid())
        .await?
        .ok_or(CatalogError::NotFound("category"))?;
    let parent = parent_of(&*tx, tenant, draft.parent).await?;
    let parent_id = parent.as_ref().map(|p| p.id);
    let old_path = path_of(&current);
    let new_path = old_path
        .moved_under(parent.as_ref().map(path_of).as_ref())
        .map_err(|_| CatalogError::CategoryCycle)?;
    let moved = parent_id != current.parent_id;
    if moved {
        for descendant in store::descendants(&*tx, tenant, &current.path).await? {
            if let Some(path) = path_of(&descendant).rebased(&old_path, &new_path) {
                store::set_path(&*tx, tenant, descendant.id, &path.encode()).await?;
            }
        }
    }
    store::set_place(
        &*tx,
        tenant,
        current.id,
        draft.name.as_str(),
        parent_id,
        &new_path.encode(),
    )
    .await?;
    if moved {
        let left_behind = store::sibling_ids(&*tx, tenant, current.parent_id).await?;
        store::renumber(&*tx, tenant, &left_behind).await?;
    }
    let siblings = store::sibling_ids(&*tx, tenant, parent_id).await?;
    let position = match draft.position {
        Some(position) => Some(position as usize),
        None if moved => None,
        None => siblings.iter().position(|s| *s == current.id),
    };
    store::renumber(&*tx, tenant, &place(&siblings, current.id, position)).await?;
    let updated = store::find(&*tx, tenant, current.id)
        .await?
        .ok_or(CatalogError::NotFound("category"))?;
    tx.commit().await?;
    if moved || updated.name != current.name {
        // No product event follows a category change, yet the category path of every product
        // beneath it changed: reindex them, in the background so a big subtree does not hold
        // up the answer.
        let (ctx, path) = (ctx.clone(), updated.path.clone());
        tokio::spawn(async move {
            if let Err(error) = super::search::reindex_category(&ctx, tenant, &path).await {
                tracing::warn!(%error, "reindexing a category's products failed; `smartseller search rebuild` repairs it");
            }
        });
    }
    Ok(updated)
}

/// Deletes an empty category: one with sub-categories or products is refused, so nothing is
/// orphaned silently.
pub async fn delete(ctx: &CatalogCtx, actor: &Principal, id: CategoryId) -> CatalogResult<()> {
    let tenant = actor.tenant;
    let tx = ctx.begin_write(tenant).await?;
    let current = store::find(&*tx, tenant, id.as_uuid())
        .await?
        .ok_or(CatalogError::NotFound("category"))?;
    let children = store::child_count(&*tx, tenant, current.id).await?;
    if children > 0 {
        return Err(CatalogError::CategoryHasChildren { children });
    }
    let products = store::product_count(&*tx, tenant, current.id).await?;
    if products > 0 {
        return Err(CatalogError::CategoryInUse { products });
    }
    store::delete(&*tx, tenant, current.id).await?;
    let siblings = store::sibling_ids(&*tx, tenant, current.parent_id).await?;
    store::renumber(&*tx, tenant, &siblings).await?;
    tx.commit().await?;
    Ok(())
}
