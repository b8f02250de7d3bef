//! `user.events`: what identity tells the rest of SmartSeller.

use serde::{Deserialize, Serialize};
use smartseller_kernel::event::DomainEvent;
use smartseller_kernel::{TenantId, UserId};
use uuid::Uuid;

pub const SUBJECT: &str = "user.events";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UserEvent {
    /// A new store and its owner.
    Registered {
        user_id: UserId,
        tenant_id: TenantId,
        email: String,
        full_name: String,
        store_name: String,
    },
    /// A person joined a store through an invitation.
    JoinedStore {
        user_id: UserId,
        tenant_id: TenantId,
        email: String,
        roles: Vec<String>,
    },
    LoggedIn {
        user_id: UserId,
        method: String,
    },
    ProfileUpdated {
        user_id: UserId,
        changed: Vec<String>,
    },
    RoleChanged {
        user_id: UserId,
        roles: Vec<String>,
    },
}

impl DomainEvent for UserEvent {
    const SUBJECT: &'static str = SUBJECT;

    fn event_type(&self) -> &'static str {
        match self {
            UserEvent::Registered { .. } => "user.registered",
            UserEvent::JoinedStore { .. } => "user.joined_store",
            UserEvent::LoggedIn { .. } => "user.logged_in",
            UserEvent::ProfileUpdated { .. } => "user.profile_updated",
            UserEvent::RoleChanged { .. } => "user.role_changed",
        }
    }

    fn aggregate_id(&self) -> Uuid {
        match self {
            UserEvent::Registered { user_id, .. }
            | UserEvent::JoinedStore { user_id, .. }
            | UserEvent::LoggedIn { user_id, .. }
            | UserEvent::ProfileUpdated { user_id, .. }
            | UserEvent::RoleChanged { user_id, .. } => user_id.as_uuid(),
        }
    }
}
