//! What to buy again and what each channel may sell: reorder suggestions from recent sales, the
//! lead and safety days behind them, and per-channel buffers (safety stock).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use smartseller_kernel::TenantId;
use uuid::Uuid;

use super::stock::{known_variant, known_warehouse};
use super::{Caller, InventoryCtx, InventoryError, InventoryResult};
use crate::domain::SalesChannel;
use crate::domain::replenishment::{
    DEFAULT_LEAD_TIME_DAYS, DEFAULT_SAFETY_DAYS, ReorderInputs, Suggestion, channel_available,
};
use crate::store::replenishment::{self as store, EVERY_CHANNEL};
use crate::store::{variants, warehouses};

/// What one channel may sell of a variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelShare {
    pub channel: SalesChannel,
    /// The buffer that applies: the channel's own, else the one for every channel, else 0.
    pub buffer: i64,
    /// `available − buffer`, never below zero.
    pub available: i64,
}

/// A variant's availability as each channel sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelAvailability {
    pub variant: Uuid,
    /// Available across the store's active warehouses (campaign-locked stock excluded).
    pub available: i64,
    /// The buffer for every channel without its own.
    pub default_buffer: Option<i64>,
    pub channels: Vec<ChannelShare>,
}

/// Sets the buffer of a variant for one channel, or with `None` for every channel without its
/// own. A buffer of 0 removes the safety stock.
pub async fn set_buffer(
    ctx: &InventoryCtx,
    caller: &Caller,
    variant: Uuid,
    channel: Option<SalesChannel>,
    quantity: i64,
) -> InventoryResult<ChannelAvailability> {
    let tenant = caller.tenant;
    let tx = ctx.db.begin_write().await?;
    known_variant(&*tx, tenant, variant, "variant_id").await?;
    let key = channel.map_or(EVERY_CHANNEL, SalesChannel::as_str);
    store::set_buffer(&*tx, tenant, variant, key, quantity).await?;
    let answer = availability_in(&*tx, tenant, variant).await?;
    tx.commit().await?;
    Ok(answer)
}

/// What each channel may sell of a variant: what is available less that channel's buffer.
pub async fn channel_availability(
    ctx: &InventoryCtx,
    tenant: TenantId,
    variant: Uuid,
) -> InventoryResult<ChannelAvailability> {
    let conn = ctx.db.conn();
    if variants::find(conn, tenant, variant).await?.is_none() {
        return Err(InventoryError::NotFound("variant"));
    }
    availability_in(conn, tenant, variant).await
}

async fn availability_in(
    conn: &impl sea_orm::ConnectionTrait,
    tenant: TenantId,
    variant: Uuid,
) -> InventoryResult<ChannelAvailability> {
    let levels = store::levels_of_variant(conn, tenant, variant).await?;
    let ids: Vec<Uuid> = levels.iter().map(|l| l.warehouse_id).collect();
    let active: Vec<Uuid> = warehouses::find_many(conn, tenant, &ids)
        .await?
        .into_iter()
        .filter(|w| w.active)
        .map(|w| w.id)
        .collect();
    // An inactive warehouse keeps its stock but sells none of it.
    let available: i64 = levels
        .iter()
        .filter(|l| active.contains(&l.warehouse_id))
        .map(|l| l.buckets().available())
        .sum();
    let buffers: HashMap<String, i64> = store::buffers(conn, tenant, variant)
        .await?
        .into_iter()
        .map(|b| (b.channel, b.quantity))
        .collect();
    let default_buffer = buffers.get(EVERY_CHANNEL).copied();
    let channels = SalesChannel::ALL
        .iter()
        .map(|channel| {
            let buffer = buffers
                .get(channel.as_str())
                .copied()
                .or(default_buffer)
                .unwrap_or(0);
            ChannelShare {
                channel: *channel,
                buffer,
                available: channel_available(available, buffer),
            }
        })
        .collect();
    Ok(ChannelAvailability {
        variant,
        available,
        default_buffer,
        channels,
    })
}

/// Sets the days a supplier takes to deliver and the extra days of stock to keep, for one
/// variant in one warehouse.
pub async fn set_reorder_setting(
    ctx: &InventoryCtx,
    caller: &Caller,
    (variant, warehouse): (Uuid, Uuid),
    lead_time_days: i64,
    safety_days: i64,
) -> InventoryResult<(i64, i64)> {
    let tenant = caller.tenant;
    let tx = ctx.db.begin_write().await?;
    known_variant(&*tx, tenant, variant, "variant_id").await?;
    known_warehouse(&*tx, tenant, warehouse, "warehouse_id").await?;
    store::set_reorder_setting(
        &*tx,
        tenant,
        (variant, warehouse),
        lead_time_days,
        safety_days,
    )
    .await?;
    tx.commit().await?;
    Ok((lead_time_days, safety_days))
}

/// One row of the reorder list, with every input that made it.
#[derive(Debug, Clone)]
pub struct ReorderSuggestion {
    pub variant: Uuid,
    pub sku: Option<String>,
    pub warehouse: Uuid,
    pub reorder_point: Option<i64>,
    pub on_hand: i64,
    pub inputs: ReorderInputs,
    pub suggestion: Suggestion,
}

/// Every level with a reorder point or with sales in the last `window_days` days, most urgent
/// (fewest days of cover) first.
pub async fn suggestions(
    ctx: &InventoryCtx,
    tenant: TenantId,
    window_days: i64,
    now: DateTime<Utc>,
) -> InventoryResult<Vec<ReorderSuggestion>> {
    let conn = ctx.db.conn();
    let since = now - chrono::Duration::days(window_days);
    let sold: BTreeMap<(Uuid, Uuid), i64> = store::sold_since(conn, tenant, since)
        .await?
        .into_iter()
        .map(|(v, w, n)| ((v, w), n))
        .filter(|(_, n)| *n > 0)
        .collect();
    let mut levels = store::levels_with_reorder_point(conn, tenant).await?;
    let missing: Vec<(Uuid, Uuid)> = sold
        .keys()
        .filter(|k| !levels.iter().any(|l| (l.variant_id, l.warehouse_id) == **k))
        .copied()
        .collect();
    levels.extend(store::levels_of(conn, tenant, &missing).await?);
    let settings: HashMap<(Uuid, Uuid), (i64, i64)> = store::reorder_settings(conn, tenant)
        .await?
        .into_iter()
        .map(|s| {
            (
                (s.variant_id, s.warehouse_id),
                (s.lead_time_days, s.safety_days),
            )
        })
        .collect();
    let ids: Vec<Uuid> = levels.iter().map(|l| l.variant_id).collect();
    let skus: HashMap<Uuid, String> = variants::find_many(conn, tenant, &ids)
        .await?
        .into_iter()
        .map(|v| (v.variant_id, v.sku))
        .collect();
    let mut rows: Vec<ReorderSuggestion> = levels
        .into_iter()
        .map(|level| {
            let key = (level.variant_id, level.warehouse_id);
            let (lead_time_days, safety_days) = settings
                .get(&key)
                .copied()
                .unwrap_or((DEFAULT_LEAD_TIME_DAYS, DEFAULT_SAFETY_DAYS));
            let buckets = level.buckets();
            let inputs = ReorderInputs {
                sold: sold.get(&key).copied().unwrap_or(0),
                window_days,
                lead_time_days,
                safety_days,
                available: buckets.available(),
                incoming: buckets.incoming,
            };
            ReorderSuggestion {
                variant: level.variant_id,
                sku: skus.get(&level.variant_id).cloned(),
                warehouse: level.warehouse_id,
                reorder_point: level.reorder_point,
                on_hand: level.on_hand,
                suggestion: inputs.suggest(),
                inputs,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        a.inputs
            .urgency_cmp(&b.inputs)
            .then(a.variant.cmp(&b.variant))
            .then(a.warehouse.cmp(&b.warehouse))
    });
    Ok(rows)
}
