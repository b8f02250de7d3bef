//! `/api/v1/inventory/campaign-locks`: stock set aside for a marketplace campaign.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use smartseller_kernel::validation::FieldErrors;
use smartseller_web::auth::{Actor, perm};
use smartseller_web::idempotency::RequireIdempotencyKey;
use smartseller_web::{ApiResult, Json, Path};
use utoipa::ToSchema;
use uuid::Uuid;

use super::levels::{ReferenceBody, parse_reference};
use crate::app::campaigns::{self, CampaignLockDraft};
use crate::app::{Caller, InventoryCtx};
use crate::domain::stock::MAX_QUANTITY;
use crate::store::campaign_lock;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LockForCampaign {
    pub variant_id: Uuid,
    pub warehouse_id: Uuid,
    pub quantity: i64,
    /// The marketplace running the campaign, e.g. `shopee`.
    pub channel: String,
    /// The campaign's id or name, e.g. `12.12 Birthday Sale`.
    pub campaign: String,
    /// When the campaign ends; what is left then goes back on general sale.
    pub ends_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignLockView {
    pub id: Uuid,
    pub variant_id: Uuid,
    pub warehouse_id: Uuid,
    pub channel: String,
    pub campaign: String,
    /// Units locked at the start.
    pub locked: i64,
    /// Units the campaign may still sell.
    pub remaining: i64,
    /// `active`, `released` or `ended`.
    pub status: String,
    pub ends_at: chrono::DateTime<chrono::Utc>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<campaign_lock::Model> for CampaignLockView {
    fn from(l: campaign_lock::Model) -> Self {
        Self {
            id: l.id,
            variant_id: l.variant_id,
            warehouse_id: l.warehouse_id,
            channel: l.channel,
            campaign: l.campaign,
            locked: l.locked,
            remaining: l.remaining,
            status: l.status,
            ends_at: l.ends_at,
            created_at: l.created_at,
            updated_at: l.updated_at,
        }
    }
}

/// Locks available units for a campaign: no other channel can sell them until released.
#[utoipa::path(post, path = "/api/v1/inventory/campaign-locks", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    request_body = LockForCampaign,
    responses((status = 201, body = CampaignLockView),
        (status = 409, description = "`inventory.insufficient_stock`, with `available`", body = smartseller_web::Problem),
        (status = 422, body = smartseller_web::Problem)))]
pub async fn lock(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    Json(req): Json<LockForCampaign>,
) -> ApiResult<Response> {
    let draft = CampaignLockDraft::parse(
        (req.variant_id, req.warehouse_id, req.quantity),
        &req.channel,
        &req.campaign,
        req.ends_at,
    )?;
    let locked = campaigns::lock(&ctx, &Caller::from(&actor.principal), draft).await?;
    let location = format!("/api/v1/inventory/campaign-locks/{}", locked.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(CampaignLockView::from(locked)),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/inventory/campaign-locks/{id}", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = CampaignLockView), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_lock(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<CampaignLockView>> {
    Ok(Json(campaigns::get(&ctx, actor.tenant, id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SellFromCampaign {
    pub quantity: i64,
    /// The marketplace order, e.g. `{"type": "order", "id": "SHP-2412-77"}`.
    #[serde(default)]
    pub reference: Option<ReferenceBody>,
}

/// A campaign order sells from the campaign's lock. Needs `Idempotency-Key`: a retried order
/// never sells twice.
#[utoipa::path(post, path = "/api/v1/inventory/campaign-locks/{id}/sell", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = String, Header, description = "Required: a unique key per sale")),
    request_body = SellFromCampaign,
    responses((status = 200, body = CampaignLockView), (status = 404, body = smartseller_web::Problem),
        (status = 409, description = "`inventory.insufficient_stock` (with `available`: what the lock has left) or `inventory.campaign_lock_not_active`", body = smartseller_web::Problem)))]
pub async fn sell(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    _key: RequireIdempotencyKey,
    Path(id): Path<Uuid>,
    Json(req): Json<SellFromCampaign>,
) -> ApiResult<Json<CampaignLockView>> {
    let mut errors = FieldErrors::new();
    if !(1..=MAX_QUANTITY).contains(&req.quantity) {
        errors.add(
            "quantity",
            "out_of_range",
            format!("Give a quantity from 1 to {MAX_QUANTITY}."),
        );
    }
    let reference = parse_reference(&mut errors, "reference", req.reference.as_ref());
    errors.finish()?;
    let caller = Caller::from(&actor.principal);
    let lock = campaigns::sell(&ctx, &caller, id, req.quantity, reference).await?;
    Ok(Json(lock.into()))
}

/// Gives what is left of the lock back to general sale.
#[utoipa::path(post, path = "/api/v1/inventory/campaign-locks/{id}/release", tag = "inventory", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignLockView), (status = 404, body = smartseller_web::Problem),
        (status = 409, description = "`inventory.campaign_lock_not_active`", body = smartseller_web::Problem)))]
pub async fn release(
    State(ctx): State<InventoryCtx>,
    actor: Actor<perm::InventoryAdjust>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<CampaignLockView>> {
    let released = campaigns::release(&ctx, &Caller::from(&actor.principal), id).await?;
    Ok(Json(released.into()))
}
