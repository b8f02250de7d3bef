//! Campaign stock: units locked for a marketplace campaign (a flash sale, 12.12) are their own
//! bucket, not available to any other channel; campaign orders sell from it piece by piece, and
//! whatever is left goes back on general sale when the campaign is released or ends.

use chrono::{DateTime, Utc};
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, clock};
use uuid::Uuid;

use super::stock::{Booking, known_variant, known_warehouse, move_and_book};
use super::{Caller, InventoryCtx, InventoryError, InventoryResult};
use crate::domain::stock::MAX_QUANTITY;
use crate::domain::{CampaignName, Channel, Movement, Reason, Reference};
use crate::store::campaign_lock;
use crate::store::campaigns::{self, ACTIVE, NewLock};
use crate::store::variants::ARCHIVED;

/// Stock to lock for a campaign, already validated.
#[derive(Debug, Clone)]
pub struct CampaignLockDraft {
    pub variant: Uuid,
    pub warehouse: Uuid,
    pub quantity: i64,
    pub channel: Channel,
    pub campaign: CampaignName,
    pub ends_at: DateTime<Utc>,
}

impl CampaignLockDraft {
    pub fn parse(
        (variant, warehouse, quantity): (Uuid, Uuid, i64),
        channel: &str,
        campaign: &str,
        ends_at: DateTime<Utc>,
    ) -> Result<CampaignLockDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        if !(1..=MAX_QUANTITY).contains(&quantity) {
            errors.add(
                "quantity",
                "out_of_range",
                format!("Give a quantity from 1 to {MAX_QUANTITY}."),
            );
        }
        let channel = errors.check("channel", Channel::parse(channel));
        let campaign = errors.check("campaign", CampaignName::parse(campaign));
        if ends_at <= clock::now() {
            errors.add("ends_at", "in_the_past", "Choose a time in the future.");
        }
        errors.finish()?;
        match (channel, campaign) {
            (Some(channel), Some(campaign)) => Ok(CampaignLockDraft {
                variant,
                warehouse,
                quantity,
                channel,
                campaign,
                ends_at,
            }),
            _ => Err(FieldErrors::single(
                "campaign",
                "invalid",
                "Check the campaign.",
            )),
        }
    }
}

/// Locks units for a campaign; they must be available now.
pub async fn lock(
    ctx: &InventoryCtx,
    caller: &Caller,
    draft: CampaignLockDraft,
) -> InventoryResult<campaign_lock::Model> {
    let tenant = caller.tenant;
    let mut tx = ctx.db.begin_write().await?;
    let variant = known_variant(&*tx, tenant, draft.variant, "variant_id").await?;
    if variant.status == ARCHIVED {
        return Err(InventoryError::VariantArchived {
            variant_id: draft.variant,
            field: "variant_id".to_owned(),
        });
    }
    let warehouse = known_warehouse(&*tx, tenant, draft.warehouse, "warehouse_id").await?;
    if !warehouse.active {
        return Err(InventoryError::WarehouseInactive {
            warehouse_id: draft.warehouse,
        });
    }
    let lock = campaigns::insert(
        &*tx,
        tenant,
        NewLock {
            variant: draft.variant,
            warehouse: draft.warehouse,
            channel: draft.channel.as_str(),
            campaign: draft.campaign.as_str(),
            quantity: draft.quantity,
            ends_at: draft.ends_at,
            actor: caller.label(),
        },
    )
    .await?;
    let lock_id = lock.id.to_string();
    move_and_book(
        &mut tx,
        caller,
        (draft.variant, draft.warehouse),
        Movement::lock_for_campaign(draft.quantity),
        &Booking {
            reason: Reason::CampaignLock,
            reference: Some(("campaign", lock_id.as_str())),
            note: Some(draft.campaign.as_str()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(lock)
}

/// A campaign order sells `quantity` units from the campaign's lock.
pub async fn sell(
    ctx: &InventoryCtx,
    caller: &Caller,
    id: Uuid,
    quantity: i64,
    order: Option<Reference>,
) -> InventoryResult<campaign_lock::Model> {
    let tenant = caller.tenant;
    let mut tx = ctx.db.begin_write().await?;
    if !campaigns::take(&*tx, tenant, id, quantity, clock::now()).await? {
        return Err(match campaigns::find(&*tx, tenant, id).await? {
            None => InventoryError::NotFound("campaign lock"),
            Some(lock) if lock.status != ACTIVE || lock.ends_at <= clock::now() => {
                InventoryError::CampaignLockNotActive {
                    status: if lock.status == ACTIVE {
                        "ended".to_owned()
                    } else {
                        lock.status
                    },
                }
            }
            Some(lock) => InventoryError::InsufficientStock {
                variant_id: lock.variant_id,
                warehouse_id: lock.warehouse_id,
                available: lock.remaining,
            },
        });
    }
    let lock = campaigns::find(&*tx, tenant, id)
        .await?
        .ok_or(InventoryError::NotFound("campaign lock"))?;
    let lock_id = lock.id.to_string();
    let reference = match &order {
        Some(r) => (r.kind.as_str(), r.id.as_str()),
        None => ("campaign", lock_id.as_str()),
    };
    move_and_book(
        &mut tx,
        caller,
        (lock.variant_id, lock.warehouse_id),
        Movement::sell_from_campaign(quantity),
        &Booking {
            reason: Reason::Sale,
            reference: Some(reference),
            note: Some(lock.campaign.as_str()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(lock)
}

/// Gives what is left of a campaign's lock back to general sale.
pub async fn release(
    ctx: &InventoryCtx,
    caller: &Caller,
    id: Uuid,
) -> InventoryResult<campaign_lock::Model> {
    finish(ctx, caller, id, "released", Reason::CampaignRelease).await
}

async fn finish(
    ctx: &InventoryCtx,
    caller: &Caller,
    id: Uuid,
    to_status: &str,
    reason: Reason,
) -> InventoryResult<campaign_lock::Model> {
    let tenant = caller.tenant;
    let mut tx = ctx.db.begin_write().await?;
    if !campaigns::leave_active(&*tx, tenant, id, to_status).await? {
        return Err(match campaigns::find(&*tx, tenant, id).await? {
            None => InventoryError::NotFound("campaign lock"),
            Some(lock) => InventoryError::CampaignLockNotActive {
                status: lock.status,
            },
        });
    }
    let lock = campaigns::find(&*tx, tenant, id)
        .await?
        .ok_or(InventoryError::NotFound("campaign lock"))?;
    if lock.remaining > 0 {
        let lock_id = lock.id.to_string();
        move_and_book(
            &mut tx,
            caller,
            (lock.variant_id, lock.warehouse_id),
            Movement::lock_for_campaign(lock.remaining).reversed(),
            &Booking {
                reason,
                reference: Some(("campaign", lock_id.as_str())),
                note: Some(lock.campaign.as_str()),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(lock)
}

pub async fn get(
    ctx: &InventoryCtx,
    tenant: TenantId,
    id: Uuid,
) -> InventoryResult<campaign_lock::Model> {
    campaigns::find(ctx.db.conn(), tenant, id)
        .await?
        .ok_or(InventoryError::NotFound("campaign lock"))
}

/// Ends up to `limit` locks whose campaign is over by `now`, giving their rest back; one
/// transaction each. Returns how many ended.
pub async fn end_lapsed(
    ctx: &InventoryCtx,
    now: DateTime<Utc>,
    limit: u64,
) -> InventoryResult<usize> {
    let due = campaigns::lapsed(ctx.db.conn(), now, limit).await?;
    let mut ended = 0;
    for (tenant, id) in due {
        match finish(
            ctx,
            &Caller::system(tenant),
            id,
            "ended",
            Reason::CampaignEnded,
        )
        .await
        {
            Ok(_) => ended += 1,
            // Released by hand since the search.
            Err(InventoryError::CampaignLockNotActive { .. } | InventoryError::NotFound(_)) => {}
            Err(error) => {
                tracing::error!(%error, campaign_lock_id = %id, "cannot end a campaign lock");
            }
        }
    }
    Ok(ended)
}
