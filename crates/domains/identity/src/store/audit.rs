//! The audit log: append-only, per store.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use smartseller_kernel::{TenantId, clock};
use uuid::Uuid;

use super::audit_entry;

/// One security- or money-relevant action.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub tenant: TenantId,
    pub actor_type: &'static str,
    pub actor_id: Option<Uuid>,
    pub action: &'static str,
    pub target_type: Option<&'static str>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub details: serde_json::Value,
}

pub async fn append(conn: &impl ConnectionTrait, record: AuditRecord) -> Result<(), DbErr> {
    audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(record.tenant.as_uuid()),
        actor_type: Set(record.actor_type.to_owned()),
        actor_id: Set(record.actor_id),
        action: Set(record.action.to_owned()),
        target_type: Set(record.target_type.map(str::to_owned)),
        target_id: Set(record.target_id),
        ip: Set(record.ip),
        user_agent: Set(record.user_agent),
        request_id: Set(record.request_id),
        details: Set(record.details),
        occurred_at: Set(clock::now()),
    }
    .insert(conn)
    .await
    .map(|_| ())
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub actor_id: Option<Uuid>,
}

/// Newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    filter: &AuditFilter,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<audit_entry::Model>, DbErr> {
    let mut query = audit_entry::Entity::find()
        .filter(audit_entry::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_desc(audit_entry::Column::Id)
        .limit(limit);
    if let Some(before) = before {
        query = query.filter(audit_entry::Column::Id.lt(before));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_entry::Column::Action.eq(action.as_str()));
    }
    if let Some(actor) = filter.actor_id {
        query = query.filter(audit_entry::Column::ActorId.eq(actor));
    }
    query.all(conn).await
}
