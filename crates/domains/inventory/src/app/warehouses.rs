//! A store's warehouses: where stock lives.

use smartseller_kernel::TenantId;
use uuid::Uuid;

use super::{InventoryCtx, InventoryError, InventoryResult, is_unique_violation};
use crate::domain::{WarehouseAddress, WarehouseCode, WarehouseName};
use crate::store::warehouse;
use crate::store::warehouses::{self, WarehouseRow};

/// A warehouse as an operator describes it.
pub struct WarehouseDraft {
    pub code: WarehouseCode,
    pub name: WarehouseName,
    pub address: Option<WarehouseAddress>,
    pub active: bool,
}

impl WarehouseDraft {
    fn row(&self) -> WarehouseRow<'_> {
        WarehouseRow {
            code: self.code.as_str(),
            name: self.name.as_str(),
            address: self.address.as_ref().map(|a| a.as_str()),
            active: self.active,
        }
    }
}

fn code_taken(error: sea_orm::DbErr) -> InventoryError {
    if is_unique_violation(&error) {
        InventoryError::WarehouseCodeTaken
    } else {
        error.into()
    }
}

pub async fn create(
    ctx: &InventoryCtx,
    tenant: TenantId,
    draft: WarehouseDraft,
) -> InventoryResult<warehouse::Model> {
    let tx = ctx.db.begin_write().await?;
    let created = warehouses::insert(&*tx, tenant, draft.row())
        .await
        .map_err(code_taken)?;
    tx.commit().await?;
    Ok(created)
}

pub async fn update(
    ctx: &InventoryCtx,
    tenant: TenantId,
    id: Uuid,
    draft: WarehouseDraft,
) -> InventoryResult<warehouse::Model> {
    let tx = ctx.db.begin_write().await?;
    let existing = warehouses::find(&*tx, tenant, id)
        .await?
        .ok_or(InventoryError::NotFound("warehouse"))?;
    let updated = warehouses::update(&*tx, existing, draft.row())
        .await
        .map_err(code_taken)?;
    tx.commit().await?;
    Ok(updated)
}

pub async fn get(
    ctx: &InventoryCtx,
    tenant: TenantId,
    id: Uuid,
) -> InventoryResult<warehouse::Model> {
    warehouses::find(ctx.db.conn(), tenant, id)
        .await?
        .ok_or(InventoryError::NotFound("warehouse"))
}

pub async fn list(
    ctx: &InventoryCtx,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u64,
) -> InventoryResult<Vec<warehouse::Model>> {
    Ok(warehouses::list(ctx.db.conn(), tenant, after, limit).await?)
}
