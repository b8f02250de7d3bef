//! Stock moving between two warehouses of a store.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use smartseller_kernel::{TenantId, clock};
use uuid::Uuid;

use super::{transfer, transfer_line};

pub const IN_TRANSIT: &str = "in_transit";

pub struct NewTransfer<'a> {
    pub id: Uuid,
    pub from: Uuid,
    pub to: Uuid,
    pub note: Option<&'a str>,
    pub actor: (&'static str, Option<Uuid>),
    /// (variant, quantity), as given.
    pub lines: &'a [(Uuid, i64)],
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    new: NewTransfer<'_>,
) -> Result<transfer::Model, DbErr> {
    let now = clock::now();
    let model = transfer::ActiveModel {
        id: Set(new.id),
        tenant_id: Set(tenant.as_uuid()),
        from_warehouse_id: Set(new.from),
        to_warehouse_id: Set(new.to),
        status: Set(IN_TRANSIT.to_owned()),
        note: Set(new.note.map(str::to_owned)),
        actor_type: Set(new.actor.0.to_owned()),
        actor_id: Set(new.actor.1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    transfer_line::Entity::insert_many(new.lines.iter().enumerate().map(
        |(index, (variant, quantity))| transfer_line::ActiveModel {
            transfer_id: Set(new.id),
            line_no: Set(i32::try_from(index).unwrap_or(i32::MAX)),
            tenant_id: Set(tenant.as_uuid()),
            variant_id: Set(*variant),
            quantity: Set(*quantity),
        },
    ))
    .exec(conn)
    .await?;
    Ok(model)
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<transfer::Model>, DbErr> {
    transfer::Entity::find_by_id(id)
        .filter(transfer::Column::TenantId.eq(tenant.as_uuid()))
        .one(conn)
        .await
}

pub async fn lines(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Vec<transfer_line::Model>, DbErr> {
    transfer_line::Entity::find()
        .filter(transfer_line::Column::TenantId.eq(tenant.as_uuid()))
        .filter(transfer_line::Column::TransferId.eq(id))
        .order_by_asc(transfer_line::Column::LineNo)
        .all(conn)
        .await
}

/// Moves a transfer out of `in_transit`, only if it still is: a double-clicked "received"
/// books the goods once. `false` when another got there first.
pub async fn leave_in_transit(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
    to: &str,
) -> Result<bool, DbErr> {
    let result = transfer::Entity::update_many()
        .col_expr(transfer::Column::Status, Expr::value(to))
        .col_expr(transfer::Column::UpdatedAt, Expr::value(clock::now()))
        .filter(transfer::Column::TenantId.eq(tenant.as_uuid()))
        .filter(transfer::Column::Id.eq(id))
        .filter(transfer::Column::Status.eq(IN_TRANSIT))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}
