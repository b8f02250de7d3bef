//! Labels, pick lists and packing lists of a store's shipments, as PDFs.

use std::collections::HashMap;

use smartseller_kernel::TenantId;
use smartseller_kernel::validation::FieldErrors;
use uuid::Uuid;

use super::{AppError, AppResult, ShippingCtx, stored_address, stored_lines, stored_money};
use crate::labels::{self, Parcel};
use crate::store::{self, shipment};

/// The most shipments one document covers.
pub const MAX_SHIPMENTS_PER_DOCUMENT: usize = 500;

fn parcel_of(row: shipment::Model) -> Parcel {
    Parcel {
        order_number: row.order_number,
        courier_name: row.courier_name,
        service_name: row.service_name,
        awb: row.awb,
        sender: stored_address(&row.sender),
        receiver: stored_address(&row.receiver),
        cash_on_delivery: row
            .cod_minor
            .map(|minor| stored_money(minor, &row.currency)),
        weight_grams: row.weight_grams,
        lines: stored_lines(&row.lines),
    }
}

/// The store's shipments `ids`, in the order asked; any id the store does not have is
/// `NotFound`, whoever else may have it.
async fn parcels(ctx: &ShippingCtx, tenant: TenantId, ids: &[Uuid]) -> AppResult<Vec<Parcel>> {
    if ids.is_empty() || ids.len() > MAX_SHIPMENTS_PER_DOCUMENT {
        return Err(FieldErrors::single(
            "shipment_ids",
            "count",
            format!("Give 1 to {MAX_SHIPMENTS_PER_DOCUMENT} shipments."),
        )
        .into());
    }
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<Uuid> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    let mut rows: HashMap<Uuid, shipment::Model> =
        store::shipments_by_id(ctx.db.conn(), tenant, &ids)
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
    let mut parcels = Vec::with_capacity(ids.len());
    for id in &ids {
        let row = rows.remove(id).ok_or(AppError::NotFound("shipment"))?;
        parcels.push(parcel_of(row));
    }
    Ok(parcels)
}

pub async fn label(ctx: &ShippingCtx, tenant: TenantId, shipment_id: Uuid) -> AppResult<Vec<u8>> {
    let parcels = parcels(ctx, tenant, &[shipment_id]).await?;
    Ok(labels::labels(&parcels))
}

pub async fn bulk_labels(ctx: &ShippingCtx, tenant: TenantId, ids: &[Uuid]) -> AppResult<Vec<u8>> {
    Ok(labels::labels(&parcels(ctx, tenant, ids).await?))
}

pub async fn pick_list(ctx: &ShippingCtx, tenant: TenantId, ids: &[Uuid]) -> AppResult<Vec<u8>> {
    let parcels = parcels(ctx, tenant, ids).await?;
    let names: HashMap<Uuid, String> = store::origins(ctx.db.conn(), tenant)
        .await?
        .into_iter()
        .filter_map(|origin| {
            origin
                .warehouse_id
                .map(|warehouse| (warehouse, origin.name))
        })
        .collect();
    Ok(labels::pick_list(&parcels, &names))
}

pub async fn packing_list(ctx: &ShippingCtx, tenant: TenantId, ids: &[Uuid]) -> AppResult<Vec<u8>> {
    Ok(labels::packing_list(&parcels(ctx, tenant, ids).await?))
}
