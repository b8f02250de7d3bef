//! `/api/v1/inventory`: levels, adjustments, the ledger, reorder points and settings.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use smartseller_kernel::page::{Page, PageRequest};
use smartseller_kernel::validation::FieldErrors;
use smartseller_web::auth::{Actor, perm};
use smartseller_web::idempotency::RequireIdempotencyKey;
use smartseller_web::pagination::{PageOf, PageQuery};
use smartseller_web::{ApiResult, Json, Query};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::stock::{self, Adjustment, LevelRow};
use crate::app::{Caller, InventoryCtx};
use crate::domain::stock::MAX_QUANTITY;
use crate::domain::{Change, Note, Reason, Reference};
use crate::store::levels::{LedgerFilter, LevelFilter};
use crate::store::{ledger_entry, stock_level};

#[derive(Debug, Serialize, ToSchema)]
pub struct LevelView {
    pub id: Uuid,
    pub variant_id: Uuid,
    /// The variant's SKU, as the catalogue last announced it.
    pub sku: Option<String>,
    pub warehouse_id: Uuid,
    pub on_hand: i64,
    pub reserved: i64,
    /// Held for a marketplace campaign.
    pub campaign_locked: i64,
    /// Ordered, not yet received.
    pub incoming: i64,
    /// `on_hand − reserved − campaign_locked`, never below zero.
    pub available: i64,
    pub reorder_point: Option<i64>,
    /// Available is at or below the reorder point.
    pub low_stock: bool,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl LevelView {
    fn new(level: stock_level::Model, sku: Option<String>) -> Self {
        let available = level.buckets().available();
        Self {
            id: level.id,
            variant_id: level.variant_id,
            sku,
            warehouse_id: level.warehouse_id,
            on_hand: level.on_hand,
            reserved: level.reserved,
            campaign_locked: level.campaign_locked,
            incoming: level.incoming,
            available,
            reorder_point: level.reorder_point,
            low_stock: level.reorder_point.is_some_and(|p| available <= p),
            updated_at: level.updated_at,
        }
    }
}

impl From<LevelRow> for LevelView {
    fn from(row: LevelRow) -> Self {
        LevelView::new(row.level, row.sku)
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LevelsQuery {
    pub limit: Option<u64>,
    pub cursor: Option<String>,
    pub warehouse_id: Option<Uuid>,
    pub variant_id: Option<Uuid>,
    /// Only levels at or below their reorder point.
    pub low_stock: Option<bool>,
}

/// Stock per variant per warehouse, oldest level first.
#[utoipa::path(get, path = "/api/v1/inventory", tag = "inventory", security(("bearer" = []), ("api_key" = [])), params(LevelsQuery),
    responses((status = 200, body = PageOf<LevelView>), (status = 404, body = smartseller_web::Problem)))]
pub async fn list_levels(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryRead>,
    Query(query): Query<LevelsQuery>,
) -> ApiResult<Json<PageOf<LevelView>>> {
    let request = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    let filter = LevelFilter {
        warehouse: query.warehouse_id,
        variant: query.variant_id,
        low_stock: query.low_stock.unwrap_or(false),
    };
    let rows = stock::list(
        &ctx,
        actor.tenant,
        &filter,
        request.after,
        request.fetch_limit(),
    )
    .await?;
    Ok(Json(
        Page::from_rows(rows, request, |r| r.level.id)
            .map(LevelView::from)
            .into(),
    ))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferenceBody {
    /// `order`, `transfer`, `stock_count`, `purchase_order`, `channel`, `reservation` or `manual`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

/// Give either `delta` or `set_on_hand`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustStock {
    pub variant_id: Uuid,
    pub warehouse_id: Uuid,
    /// Units to add (positive) or remove (negative).
    #[serde(default)]
    pub delta: Option<i64>,
    /// The units on hand are now exactly this many, e.g. after a count.
    #[serde(default)]
    pub set_on_hand: Option<i64>,
    /// `sale`, `return`, `adjustment`, `transfer`, `stock_count`, `channel_sync`, `damage` or
    /// `purchase_receipt`.
    pub reason: String,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub reference: Option<ReferenceBody>,
}

/// Validates an optional reference under `field`.
pub(crate) fn parse_reference(
    errors: &mut FieldErrors,
    field: &str,
    body: Option<&ReferenceBody>,
) -> Option<Reference> {
    body.and_then(|b| Reference::collect(errors, field, &b.kind, &b.id))
}

impl TryFrom<AdjustStock> for Adjustment {
    type Error = FieldErrors;

    fn try_from(req: AdjustStock) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let change = match (req.delta, req.set_on_hand) {
            (Some(0), None) => {
                errors.add("delta", "zero", "A delta of 0 changes nothing.");
                None
            }
            (Some(delta), None) if delta.abs() > MAX_QUANTITY => {
                errors.add(
                    "delta",
                    "too_large",
                    format!("At most {MAX_QUANTITY} units at once."),
                );
                None
            }
            (Some(delta), None) => Some(Change::Delta(delta)),
            (None, Some(target)) if !(0..=MAX_QUANTITY).contains(&target) => {
                errors.add(
                    "set_on_hand",
                    "out_of_range",
                    format!("Give a count from 0 to {MAX_QUANTITY}."),
                );
                None
            }
            (None, Some(target)) => Some(Change::SetOnHand(target)),
            (Some(_), Some(_)) => {
                errors.add(
                    "set_on_hand",
                    "conflict",
                    "Give either `delta` or `set_on_hand`, not both.",
                );
                None
            }
            (None, None) => {
                errors.add("delta", "required", "Give either `delta` or `set_on_hand`.");
                None
            }
        };
        let reason = errors.check("reason", Reason::parse_adjustable(&req.reason));
        let note = match req.note.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(text) => errors.check("note", Note::parse(text)).map(Some),
        };
        let reference = parse_reference(&mut errors, "reference", req.reference.as_ref());
        errors.finish()?;
        match (change, reason, note) {
            (Some(change), Some(reason), Some(note)) => Ok(Adjustment {
                variant: req.variant_id,
                warehouse: req.warehouse_id,
                change,
                reason,
                note,
                reference,
            }),
            _ => Err(FieldErrors::single(
                "delta",
                "invalid",
                "Check the adjustment.",
            )),
        }
    }
}

/// Changes stock on hand of one variant in one warehouse. Needs `Idempotency-Key`: a retry
/// gets the first answer and never moves stock twice.
#[utoipa::path(put, path = "/api/v1/inventory/adjust", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    params(("Idempotency-Key" = String, Header, description = "Required: a unique key per adjustment")),
    request_body = AdjustStock,
    responses((status = 200, body = LevelView), (status = 400, body = smartseller_web::Problem),
        (status = 409, description = "`inventory.insufficient_stock`, with `available`", body = smartseller_web::Problem),
        (status = 422, body = smartseller_web::Problem)))]
pub async fn adjust(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    _key: RequireIdempotencyKey,
    Json(req): Json<AdjustStock>,
) -> ApiResult<Json<LevelView>> {
    let level = stock::adjust(&ctx, &Caller::from(&actor.principal), req.try_into()?).await?;
    Ok(Json(level.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BucketsView {
    pub on_hand: i64,
    pub reserved: i64,
    pub campaign_locked: i64,
    pub incoming: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntryView {
    pub id: Uuid,
    pub variant_id: Uuid,
    pub warehouse_id: Uuid,
    /// Why: an adjustment reason, or `reservation`, `reservation_released`, `reservation_expired`,
    /// `campaign_lock`, `campaign_release`, `campaign_ended`.
    pub reason: String,
    pub before: BucketsView,
    pub after: BucketsView,
    /// `user`, `api_key` or `system`.
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub reference: Option<ReferenceBody>,
    pub reservation_id: Option<Uuid>,
    pub note: Option<String>,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
}

impl From<ledger_entry::Model> for LedgerEntryView {
    fn from(e: ledger_entry::Model) -> Self {
        Self {
            id: e.id,
            variant_id: e.variant_id,
            warehouse_id: e.warehouse_id,
            reason: e.reason,
            before: BucketsView {
                on_hand: e.on_hand_before,
                reserved: e.reserved_before,
                campaign_locked: e.campaign_locked_before,
                incoming: e.incoming_before,
            },
            after: BucketsView {
                on_hand: e.on_hand_after,
                reserved: e.reserved_after,
                campaign_locked: e.campaign_locked_after,
                incoming: e.incoming_after,
            },
            actor_type: e.actor_type,
            actor_id: e.actor_id,
            reference: match (e.reference_type, e.reference_id) {
                (Some(kind), Some(id)) => Some(ReferenceBody { kind, id }),
                _ => None,
            },
            reservation_id: e.reservation_id,
            note: e.note,
            occurred_at: e.occurred_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LedgerQuery {
    pub limit: Option<u64>,
    pub cursor: Option<String>,
    pub variant_id: Option<Uuid>,
    pub warehouse_id: Option<Uuid>,
}

/// Every stock change, newest first.
#[utoipa::path(get, path = "/api/v1/inventory/ledger", tag = "inventory", security(("bearer" = []), ("api_key" = [])), params(LedgerQuery),
    responses((status = 200, body = PageOf<LedgerEntryView>), (status = 404, body = smartseller_web::Problem)))]
pub async fn ledger(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryRead>,
    Query(query): Query<LedgerQuery>,
) -> ApiResult<Json<PageOf<LedgerEntryView>>> {
    let request = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    }
    .to_request()?;
    let filter = LedgerFilter {
        variant: query.variant_id,
        warehouse: query.warehouse_id,
    };
    let rows = stock::ledger(
        &ctx,
        actor.tenant,
        &filter,
        request.after,
        request.fetch_limit(),
    )
    .await?;
    Ok(Json(
        Page::from_rows(rows, request, |e| e.id)
            .map(LedgerEntryView::from)
            .into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReorderPointRequest {
    pub variant_id: Uuid,
    pub warehouse_id: Uuid,
    /// Available at or below this is low stock; `null` clears it.
    pub reorder_point: Option<i64>,
}

/// Sets the reorder point of one variant in one warehouse.
#[utoipa::path(put, path = "/api/v1/inventory/reorder-points", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    request_body = ReorderPointRequest,
    responses((status = 200, body = LevelView), (status = 422, body = smartseller_web::Problem)))]
pub async fn set_reorder_point(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    Json(req): Json<ReorderPointRequest>,
) -> ApiResult<Json<LevelView>> {
    if req
        .reorder_point
        .is_some_and(|p| !(0..=MAX_QUANTITY).contains(&p))
    {
        return Err(FieldErrors::single(
            "reorder_point",
            "out_of_range",
            format!("Give a reorder point from 0 to {MAX_QUANTITY}."),
        )
        .into());
    }
    let caller = Caller::from(&actor.principal);
    let level = stock::set_reorder_point(
        &ctx,
        &caller,
        req.variant_id,
        req.warehouse_id,
        req.reorder_point,
    )
    .await?;
    Ok(Json(level.into()))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InventorySettingsView {
    /// Let stock on hand go below zero (a sale recorded before the goods are counted in).
    /// Reservations never take more than is available, whatever this says.
    pub allow_negative_stock: bool,
}

#[utoipa::path(get, path = "/api/v1/inventory/settings", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = InventorySettingsView)))]
pub async fn get_settings(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryRead>,
) -> ApiResult<Json<InventorySettingsView>> {
    let allow_negative_stock = stock::allows_negative_stock(&ctx, actor.tenant).await?;
    Ok(Json(InventorySettingsView {
        allow_negative_stock,
    }))
}

#[utoipa::path(put, path = "/api/v1/inventory/settings", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    request_body = InventorySettingsView, responses((status = 200, body = InventorySettingsView)))]
pub async fn update_settings(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::SettingsManage>,
    Json(req): Json<InventorySettingsView>,
) -> ApiResult<Json<InventorySettingsView>> {
    let allow_negative_stock =
        stock::set_allow_negative_stock(&ctx, actor.tenant, req.allow_negative_stock).await?;
    Ok(Json(InventorySettingsView {
        allow_negative_stock,
    }))
}
