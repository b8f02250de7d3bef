//! Stock locked for marketplace campaigns.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use smartseller_kernel::{TenantId, clock};
use uuid::Uuid;

use super::campaign_lock;

use campaign_lock::Column as C;

pub const ACTIVE: &str = "active";

pub struct NewLock<'a> {
    pub variant: Uuid,
    pub warehouse: Uuid,
    pub channel: &'a str,
    pub campaign: &'a str,
    pub quantity: i64,
    pub ends_at: DateTime<Utc>,
    pub actor: (&'static str, Option<Uuid>),
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    new: NewLock<'_>,
) -> Result<campaign_lock::Model, DbErr> {
    let now = clock::now();
    campaign_lock::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant.as_uuid()),
        variant_id: Set(new.variant),
        warehouse_id: Set(new.warehouse),
        channel: Set(new.channel.to_owned()),
        campaign: Set(new.campaign.to_owned()),
        locked: Set(new.quantity),
        remaining: Set(new.quantity),
        status: Set(ACTIVE.to_owned()),
        ends_at: Set(new.ends_at),
        actor_type: Set(new.actor.0.to_owned()),
        actor_id: Set(new.actor.1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<campaign_lock::Model>, DbErr> {
    campaign_lock::Entity::find_by_id(id)
        .filter(C::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

/// Takes `quantity` from a running campaign's lock, if that much is left: the guarded update
/// that keeps concurrent campaign orders from selling more than the campaign holds.
pub async fn take(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
    quantity: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = campaign_lock::Entity::update_many()
        .col_expr(C::Remaining, Expr::col(C::Remaining).sub(quantity))
        .col_expr(C::UpdatedAt, Expr::value(clock::now()))
        .filter(C::TenantId.eq(tenant.as_uuid()))
        .filter(C::Id.eq(id))
        .filter(C::Status.eq(ACTIVE))
        .filter(C::EndsAt.gt(now))
        .filter(C::Remaining.gte(quantity))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Ends a lock, only if it is still active. `false` when another got there first.
pub async fn leave_active(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
    to: &str,
) -> Result<bool, DbErr> {
    let result = campaign_lock::Entity::update_many()
        .col_expr(C::Status, Expr::value(to))
        .col_expr(C::UpdatedAt, Expr::value(clock::now()))
        .filter(C::TenantId.eq(tenant.as_uuid()))
        .filter(C::Id.eq(id))
        .filter(C::Status.eq(ACTIVE))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Locks of every store whose campaign ended by `now`: the sweeper's work list.
pub async fn lapsed(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<(TenantId, Uuid)>, DbErr> {
    Ok(campaign_lock::Entity::find()
        .filter(C::Status.eq(ACTIVE))
        .filter(C::EndsAt.lte(now))
        .order_by_asc(C::EndsAt)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(|l| (TenantId(l.tenant_id), l.id))
        .collect())
}
