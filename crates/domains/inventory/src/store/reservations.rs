//! Holds on stock and their lines.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use smartseller_kernel::{TenantId, clock};
use uuid::Uuid;

use super::{reservation, reservation_line};

pub struct NewReservation<'a> {
    pub id: Uuid,
    pub reference: Option<(&'static str, &'a str)>,
    pub expires_at: DateTime<Utc>,
    pub actor: (&'static str, Option<Uuid>),
    pub lines: &'a [(Uuid, Uuid, i64)],
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    new: NewReservation<'_>,
) -> Result<(reservation::Model, Vec<reservation_line::Model>), DbErr> {
    let now = clock::now();
    let model = reservation::ActiveModel {
        id: Set(new.id),
        tenant_id: Set(tenant.as_uuid()),
        status: Set("held".to_owned()),
        reference_type: Set(new.reference.map(|r| r.0.to_owned())),
        reference_id: Set(new.reference.map(|r| r.1.to_owned())),
        expires_at: Set(new.expires_at),
        actor_type: Set(new.actor.0.to_owned()),
        actor_id: Set(new.actor.1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    let lines: Vec<reservation_line::Model> = new
        .lines
        .iter()
        .enumerate()
        .map(
            |(index, (variant, warehouse, quantity))| reservation_line::Model {
                reservation_id: new.id,
                line_no: i32::try_from(index).unwrap_or(i32::MAX),
                tenant_id: tenant.as_uuid(),
                variant_id: *variant,
                warehouse_id: *warehouse,
                quantity: *quantity,
            },
        )
        .collect();
    reservation_line::Entity::insert_many(
        lines
            .iter()
            .cloned()
            .map(reservation_line::ActiveModel::from),
    )
    .exec_without_returning(conn)
    .await?;
    Ok((model, lines))
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<reservation::Model>, DbErr> {
    reservation::Entity::find_by_id(id)
        .filter(reservation::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

/// A reservation's lines, in the order they were given.
pub async fn lines(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Vec<reservation_line::Model>, DbErr> {
    reservation_line::Entity::find()
        .filter(reservation_line::Column::TenantId.eq(tenant.as_uuid()))
        .filter(reservation_line::Column::ReservationId.eq(id))
        .order_by_asc(reservation_line::Column::LineNo)
        .all(conn)
        .await
}

/// Moves a hold from `held` to `to`, only if it is still held (and, with `unexpired_at`, has not
/// run out by then): the one statement that decides a race between a commit, a release and the
/// sweeper. `false` when another got there first.
pub async fn leave_held(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
    to: &str,
    unexpired_at: Option<DateTime<Utc>>,
) -> Result<bool, DbErr> {
    let mut update = reservation::Entity::update_many()
        .col_expr(reservation::Column::Status, Expr::value(to))
        .col_expr(reservation::Column::UpdatedAt, Expr::value(clock::now()))
        .filter(reservation::Column::TenantId.eq(tenant.as_uuid()))
        .filter(reservation::Column::Id.eq(id))
        .filter(reservation::Column::Status.eq("held"));
    if let Some(now) = unexpired_at {
        update = update.filter(reservation::Column::ExpiresAt.gt(now));
    }
    Ok(update.exec(conn).await?.rows_affected == 1)
}

/// Holds of every store that ran out by `now`, oldest first: the sweeper's work list.
pub async fn lapsed(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<(TenantId, Uuid)>, DbErr> {
    Ok(reservation::Entity::find()
        .filter(reservation::Column::Status.eq("held"))
        .filter(reservation::Column::ExpiresAt.lte(now))
        .order_by_asc(reservation::Column::ExpiresAt)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (TenantId(r.tenant_id), r.id))
        .collect())
}
