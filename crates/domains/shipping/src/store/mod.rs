//! Shipping's storage. Every function takes the store's `TenantId`, except the poller's search
//! for shipments due a look, which is a system task across stores.

mod entities;

pub(crate) use entities::*;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use smartseller_kernel::TenantId;
use uuid::Uuid;

// ---- origins -------------------------------------------------------------------------------

pub async fn origins(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Vec<origin::Model>, DbErr> {
    origin::Entity::find()
        .filter(origin::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_desc(origin::Column::IsDefault)
        .order_by_asc(origin::Column::Id)
        .all(conn)
        .await
}

/// Replaces the store's origins with `rows`.
pub async fn replace_origins(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    rows: Vec<origin::ActiveModel>,
) -> Result<(), DbErr> {
    origin::Entity::delete_many()
        .filter(origin::Column::TenantId.eq(tenant.as_uuid()))
        .exec(conn)
        .await?;
    for row in rows {
        row.insert(conn).await?;
    }
    Ok(())
}

// ---- provider accounts ---------------------------------------------------------------------

pub async fn provider_accounts(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Vec<provider_account::Model>, DbErr> {
    provider_account::Entity::find()
        .filter(provider_account::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_asc(provider_account::Column::Provider)
        .all(conn)
        .await
}

pub async fn provider_account(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    provider: &str,
) -> Result<Option<provider_account::Model>, DbErr> {
    provider_account::Entity::find()
        .filter(provider_account::Column::TenantId.eq(tenant.as_uuid()))
        .filter(provider_account::Column::Provider.eq(provider))
        .one(conn)
        .await
}

// ---- flat rates ----------------------------------------------------------------------------

pub async fn flat_rates(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    only_active: bool,
) -> Result<Vec<flat_rate::Model>, DbErr> {
    let mut query = flat_rate::Entity::find()
        .filter(flat_rate::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_asc(flat_rate::Column::Id);
    if only_active {
        query = query.filter(flat_rate::Column::Active.eq(true));
    }
    query.all(conn).await
}

pub async fn flat_rate(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<flat_rate::Model>, DbErr> {
    flat_rate::Entity::find_by_id(id)
        .filter(flat_rate::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

pub async fn delete_flat_rate(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<bool, DbErr> {
    let result = flat_rate::Entity::delete_many()
        .filter(flat_rate::Column::TenantId.eq(tenant.as_uuid()))
        .filter(flat_rate::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(result.rows_affected > 0)
}

// ---- quotes --------------------------------------------------------------------------------

pub async fn insert_quotes(
    conn: &impl ConnectionTrait,
    rows: Vec<quote::ActiveModel>,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    quote::Entity::insert_many(rows).exec(conn).await?;
    Ok(())
}

pub async fn quote(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<quote::Model>, DbErr> {
    quote::Entity::find_by_id(id)
        .filter(quote::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

// ---- shipments -----------------------------------------------------------------------------

pub async fn shipment(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<shipment::Model>, DbErr> {
    shipment::Entity::find_by_id(id)
        .filter(shipment::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

pub async fn shipments_by_id(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[Uuid],
) -> Result<Vec<shipment::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    shipment::Entity::find()
        .filter(shipment::Column::TenantId.eq(tenant.as_uuid()))
        .filter(shipment::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await
}

/// The order's live (not cancelled) shipment, else its latest cancelled one.
pub async fn shipment_for_order(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    order_id: Uuid,
    live_only: bool,
) -> Result<Option<shipment::Model>, DbErr> {
    let mut query = shipment::Entity::find()
        .filter(shipment::Column::TenantId.eq(tenant.as_uuid()))
        .filter(shipment::Column::OrderId.eq(order_id));
    if live_only {
        query = query.filter(shipment::Column::Status.ne("cancelled"));
    }
    let rows = query.order_by_desc(shipment::Column::Id).all(conn).await?;
    let live = rows.iter().find(|s| s.status != "cancelled").cloned();
    Ok(live.or_else(|| rows.into_iter().next()))
}

/// The shipment a courier's push names, by its reference with the provider or its airway bill.
pub async fn shipment_by_provider_ids(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    provider: &str,
    reference: Option<&str>,
    awb: Option<&str>,
) -> Result<Option<shipment::Model>, DbErr> {
    if let Some(reference) = reference {
        let found = shipment::Entity::find()
            .filter(shipment::Column::TenantId.eq(tenant.as_uuid()))
            .filter(shipment::Column::Provider.eq(provider))
            .filter(shipment::Column::ProviderReference.eq(reference))
            .order_by_desc(shipment::Column::Id)
            .one(conn)
            .await?;
        if found.is_some() {
            return Ok(found);
        }
    }
    match awb {
        Some(awb) => {
            shipment::Entity::find()
                .filter(shipment::Column::TenantId.eq(tenant.as_uuid()))
                .filter(shipment::Column::Awb.eq(awb))
                .order_by_desc(shipment::Column::Id)
                .one(conn)
                .await
        }
        None => Ok(None),
    }
}

#[derive(Debug, Clone, Default)]
pub struct ShipmentFilter {
    pub status: Option<String>,
    pub order_id: Option<Uuid>,
    pub awb: Option<String>,
}

/// Newest first, one page.
pub async fn list_shipments(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    filter: &ShipmentFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<shipment::Model>, DbErr> {
    let mut query = shipment::Entity::find()
        .filter(shipment::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_desc(shipment::Column::Id)
        .limit(limit);
    if let Some(status) = &filter.status {
        query = query.filter(shipment::Column::Status.eq(status.as_str()));
    }
    if let Some(order_id) = filter.order_id {
        query = query.filter(shipment::Column::OrderId.eq(order_id));
    }
    if let Some(awb) = &filter.awb {
        query = query.filter(shipment::Column::Awb.eq(awb.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(shipment::Column::Id.lt(after));
    }
    query.all(conn).await
}

/// Moves a shipment to `status` (and records `awb` when one arrives) if it is still at
/// `version`; false when someone else changed it first.
pub async fn update_shipment_guarded(
    conn: &impl ConnectionTrait,
    current: &shipment::Model,
    status: &str,
    awb: Option<&str>,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = shipment::Entity::update_many()
        .col_expr(shipment::Column::Status, Expr::value(status))
        .col_expr(shipment::Column::Version, Expr::value(current.version + 1))
        .col_expr(shipment::Column::UpdatedAt, Expr::value(at));
    if let Some(awb) = awb {
        update = update.col_expr(shipment::Column::Awb, Expr::value(awb));
    }
    let result = update
        .filter(shipment::Column::Id.eq(current.id))
        .filter(shipment::Column::TenantId.eq(current.tenant_id))
        .filter(shipment::Column::Version.eq(current.version))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// In-flight shipments with an airway bill that nobody has asked the courier about since
/// `polled_before`, oldest look first.
pub async fn shipments_due_for_polling(
    conn: &impl ConnectionTrait,
    statuses: &[&str],
    polled_before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<shipment::Model>, DbErr> {
    use sea_orm::Condition;
    shipment::Entity::find()
        .filter(shipment::Column::Status.is_in(statuses.iter().copied()))
        .filter(shipment::Column::Awb.is_not_null())
        .filter(shipment::Column::Provider.ne("flat"))
        .filter(
            Condition::any()
                .add(shipment::Column::LastPolledAt.is_null())
                .add(shipment::Column::LastPolledAt.lt(polled_before)),
        )
        .order_by_asc(shipment::Column::LastPolledAt)
        .order_by_asc(shipment::Column::Id)
        .limit(limit)
        .all(conn)
        .await
}

pub async fn mark_polled(
    conn: &impl ConnectionTrait,
    shipment_id: Uuid,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    shipment::Entity::update_many()
        .col_expr(shipment::Column::LastPolledAt, Expr::value(at))
        .filter(shipment::Column::Id.eq(shipment_id))
        .exec(conn)
        .await?;
    Ok(())
}

// ---- tracking ------------------------------------------------------------------------------

pub async fn tracking(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    shipment_id: Uuid,
) -> Result<Vec<tracking::Model>, DbErr> {
    tracking::Entity::find()
        .filter(tracking::Column::TenantId.eq(tenant.as_uuid()))
        .filter(tracking::Column::ShipmentId.eq(shipment_id))
        .order_by_asc(tracking::Column::Id)
        .all(conn)
        .await
}

#[allow(clippy::too_many_arguments)]
pub async fn append_tracking(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    shipment_id: Uuid,
    status: &str,
    raw_status: &str,
    description: &str,
    location: Option<&str>,
    at: DateTime<Utc>,
    source: &str,
) -> Result<(), DbErr> {
    tracking::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant.as_uuid()),
        shipment_id: Set(shipment_id),
        status: Set(status.to_owned()),
        raw_status: Set(raw_status.to_owned()),
        description: Set(description.to_owned()),
        location: Set(location.map(str::to_owned)),
        at: Set(at),
        source: Set(source.to_owned()),
        created_at: Set(smartseller_kernel::clock::now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

// ---- webhook receipts ----------------------------------------------------------------------

pub async fn insert_receipt(
    conn: &impl ConnectionTrait,
    receipt: webhook_receipt::ActiveModel,
) -> Result<(), DbErr> {
    receipt.insert(conn).await?;
    Ok(())
}

pub async fn receipts(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    provider: &str,
) -> Result<Vec<webhook_receipt::Model>, DbErr> {
    webhook_receipt::Entity::find()
        .filter(webhook_receipt::Column::TenantId.eq(tenant.as_uuid()))
        .filter(webhook_receipt::Column::Provider.eq(provider))
        .order_by_asc(webhook_receipt::Column::Id)
        .all(conn)
        .await
}

pub async fn set_receipt_outcome(
    conn: &impl ConnectionTrait,
    receipt_id: Uuid,
    outcome: &str,
    shipment_id: Option<Uuid>,
) -> Result<(), DbErr> {
    webhook_receipt::Entity::update_many()
        .col_expr(webhook_receipt::Column::Outcome, Expr::value(outcome))
        .col_expr(
            webhook_receipt::Column::ShipmentId,
            Expr::value(shipment_id),
        )
        .filter(webhook_receipt::Column::Id.eq(receipt_id))
        .exec(conn)
        .await?;
    Ok(())
}
