//! `/api/v1/inventory/buffers`, `channel-availability`, `reorder-settings` and
//! `reorder-suggestions`: safety stock per channel, and what to buy again.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use smartseller_kernel::clock;
use smartseller_kernel::validation::FieldErrors;
use smartseller_web::auth::{Actor, perm};
use smartseller_web::{ApiResult, Json, Query};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::replenishment::{self, ChannelAvailability, ReorderSuggestion};
use crate::app::{Caller, InventoryCtx};
use crate::domain::SalesChannel;
use crate::domain::replenishment::MAX_DAYS;
use crate::domain::stock::MAX_QUANTITY;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetBuffer {
    pub variant_id: Uuid,
    /// `shopee`, `tokopedia`, `lazada`, `tiktok` or `own_store`; `null` or left out for every
    /// channel without its own buffer.
    #[serde(default)]
    pub channel: Option<String>,
    /// Units kept back from the channel; 0 removes the buffer.
    pub quantity: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelShareView {
    pub channel: String,
    pub buffer: i64,
    /// `available − buffer`, never below zero.
    pub available: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelAvailabilityView {
    pub variant_id: Uuid,
    /// Available across the store's active warehouses; campaign-locked stock is not included.
    pub available: i64,
    /// The buffer for every channel without its own.
    pub default_buffer: Option<i64>,
    pub channels: Vec<ChannelShareView>,
}

impl From<ChannelAvailability> for ChannelAvailabilityView {
    fn from(a: ChannelAvailability) -> Self {
        Self {
            variant_id: a.variant,
            available: a.available,
            default_buffer: a.default_buffer,
            channels: a
                .channels
                .into_iter()
                .map(|c| ChannelShareView {
                    channel: c.channel.as_str().to_owned(),
                    buffer: c.buffer,
                    available: c.available,
                })
                .collect(),
        }
    }
}

/// Sets the buffer (safety stock) of a variant for one channel, or for every channel.
#[utoipa::path(put, path = "/api/v1/inventory/buffers", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    request_body = SetBuffer,
    responses((status = 200, body = ChannelAvailabilityView), (status = 422, body = smartseller_web::Problem)))]
pub async fn set_buffer(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    Json(req): Json<SetBuffer>,
) -> ApiResult<Json<ChannelAvailabilityView>> {
    let mut errors = FieldErrors::new();
    let channel = match req.channel.as_deref() {
        None => None,
        Some(text) => errors.check("channel", SalesChannel::parse_named(text)),
    };
    if !(0..=MAX_QUANTITY).contains(&req.quantity) {
        errors.add(
            "quantity",
            "out_of_range",
            format!("Give a buffer from 0 to {MAX_QUANTITY}."),
        );
    }
    errors.finish()?;
    let caller = Caller::from(&actor.principal);
    let answer =
        replenishment::set_buffer(&ctx, &caller, req.variant_id, channel, req.quantity).await?;
    Ok(Json(answer.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChannelAvailabilityQuery {
    pub variant_id: Uuid,
}

/// What each sales channel may sell of a variant: available less that channel's buffer.
#[utoipa::path(get, path = "/api/v1/inventory/channel-availability", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    params(ChannelAvailabilityQuery),
    responses((status = 200, body = ChannelAvailabilityView), (status = 404, body = smartseller_web::Problem)))]
pub async fn channel_availability(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryRead>,
    Query(query): Query<ChannelAvailabilityQuery>,
) -> ApiResult<Json<ChannelAvailabilityView>> {
    let answer = replenishment::channel_availability(&ctx, actor.tenant, query.variant_id).await?;
    Ok(Json(answer.into()))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReorderSettingBody {
    pub variant_id: Uuid,
    pub warehouse_id: Uuid,
    /// Days from ordering to goods on the shelf (default 7).
    pub lead_time_days: i64,
    /// Extra days of stock to keep (default 3).
    pub safety_days: i64,
}

/// Sets the lead time and safety days reorder suggestions use for one variant in one warehouse.
#[utoipa::path(put, path = "/api/v1/inventory/reorder-settings", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    request_body = ReorderSettingBody,
    responses((status = 200, body = ReorderSettingBody), (status = 422, body = smartseller_web::Problem)))]
pub async fn set_reorder_setting(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    Json(req): Json<ReorderSettingBody>,
) -> ApiResult<Json<ReorderSettingBody>> {
    let mut errors = FieldErrors::new();
    for (field, days) in [
        ("lead_time_days", req.lead_time_days),
        ("safety_days", req.safety_days),
    ] {
        if !(0..=MAX_DAYS).contains(&days) {
            errors.add(
                field,
                "out_of_range",
                format!("Give a number of days from 0 to {MAX_DAYS}."),
            );
        }
    }
    errors.finish()?;
    let caller = Caller::from(&actor.principal);
    let (lead_time_days, safety_days) = replenishment::set_reorder_setting(
        &ctx,
        &caller,
        (req.variant_id, req.warehouse_id),
        req.lead_time_days,
        req.safety_days,
    )
    .await?;
    Ok(Json(ReorderSettingBody {
        lead_time_days,
        safety_days,
        ..req
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SuggestionsQuery {
    /// Days of sales the velocity is measured over (1 to 365, default 30).
    pub days: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReorderSuggestionView {
    pub variant_id: Uuid,
    pub sku: Option<String>,
    pub warehouse_id: Uuid,
    pub reorder_point: Option<i64>,
    pub on_hand: i64,
    pub available: i64,
    pub incoming: i64,
    /// Units sold over the window (reason `sale`, committed holds included).
    pub sold: i64,
    pub window_days: i64,
    /// `sold / window_days`.
    pub velocity_per_day: f64,
    pub lead_time_days: i64,
    pub safety_days: i64,
    /// `velocity × (lead_time_days + safety_days)`, rounded up.
    pub needed: i64,
    /// `max(0, velocity × (lead + safety) − (available + incoming))`, rounded up.
    pub suggested_quantity: i64,
    /// How many days available stock lasts at this velocity; `null` when nothing sold.
    pub days_of_cover: Option<f64>,
    /// The sum, in words.
    pub explanation: String,
}

impl From<ReorderSuggestion> for ReorderSuggestionView {
    fn from(r: ReorderSuggestion) -> Self {
        let i = r.inputs;
        let s = r.suggestion;
        let explanation = format!(
            "{} sold in {} days is {:.2} a day; {} lead + {} safety days need {}; {} available and {} incoming leave {} to order.",
            i.sold,
            i.window_days,
            s.velocity_per_day,
            i.lead_time_days,
            i.safety_days,
            s.needed,
            i.available,
            i.incoming,
            s.quantity
        );
        Self {
            variant_id: r.variant,
            sku: r.sku,
            warehouse_id: r.warehouse,
            reorder_point: r.reorder_point,
            on_hand: r.on_hand,
            available: i.available,
            incoming: i.incoming,
            sold: i.sold,
            window_days: i.window_days,
            velocity_per_day: s.velocity_per_day,
            lead_time_days: i.lead_time_days,
            safety_days: i.safety_days,
            needed: s.needed,
            suggested_quantity: s.quantity,
            days_of_cover: s.days_of_cover,
            explanation,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReorderSuggestionsView {
    /// Most urgent (fewest days of cover) first.
    pub items: Vec<ReorderSuggestionView>,
}

/// What to buy again, per variant per warehouse with a reorder point or recent sales: the
/// quantity that covers lead time and safety days at the recent sales pace, with its inputs.
#[utoipa::path(get, path = "/api/v1/inventory/reorder-suggestions", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    params(SuggestionsQuery),
    responses((status = 200, body = ReorderSuggestionsView), (status = 422, body = smartseller_web::Problem)))]
pub async fn reorder_suggestions(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryRead>,
    Query(query): Query<SuggestionsQuery>,
) -> ApiResult<Json<ReorderSuggestionsView>> {
    let days = query.days.unwrap_or(30);
    if !(1..=365).contains(&days) {
        return Err(FieldErrors::single(
            "days",
            "out_of_range",
            "Give a number of days from 1 to 365.",
        )
        .into());
    }
    let rows = replenishment::suggestions(&ctx, actor.tenant, days, clock::now()).await?;
    Ok(Json(ReorderSuggestionsView {
        items: rows.into_iter().map(ReorderSuggestionView::from).collect(),
    }))
}
