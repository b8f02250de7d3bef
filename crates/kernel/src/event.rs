//! The envelope every domain event travels in, on the outbox, the in-process bus and NATS.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::TenantId;

/// One domain event. `id` doubles as the de-duplication key everywhere: the outbox row id,
/// the NATS `Nats-Msg-Id`, and the consumer inbox key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope {
    pub id: Uuid,
    /// The stream it belongs to, e.g. `user.events`.
    pub subject: String,
    /// What happened, e.g. `user.registered`.
    pub event_type: String,
    pub tenant_id: TenantId,
    pub aggregate_id: Uuid,
    /// Version of the payload's schema, so consumers can evolve.
    pub version: i32,
    pub occurred_at: DateTime<Utc>,
    pub payload: serde_json::Value,
}

/// A payload that knows which stream and type it is published as.
pub trait DomainEvent: Serialize {
    const SUBJECT: &'static str;
    const VERSION: i32 = 1;
    fn event_type(&self) -> &'static str;
    fn aggregate_id(&self) -> Uuid;
}

impl EventEnvelope {
    pub fn wrap<E: DomainEvent>(tenant_id: TenantId, event: &E) -> Self {
        Self {
            id: Uuid::now_v7(),
            subject: E::SUBJECT.to_owned(),
            event_type: event.event_type().to_owned(),
            tenant_id,
            aggregate_id: event.aggregate_id(),
            version: E::VERSION,
            occurred_at: crate::clock::now(),
            payload: serde_json::to_value(event).unwrap_or(serde_json::Value::Null),
        }
    }
}
