//! Identity's storage. Every function that touches a store's rows takes its `TenantId`; the few
//! that do not (users, sessions by token hash) deal with people, who exist across stores.

mod entities;

pub mod access;
pub mod accounts;
pub mod audit;
pub mod oidc;

pub(crate) use entities::*;

use smartseller_kernel::permission::{Permission, PermissionSet};

/// Permissions are stored as a JSON array of their texts.
pub(crate) fn permissions_to_json(set: &PermissionSet) -> serde_json::Value {
    serde_json::to_value(set).unwrap_or_default()
}

/// Unknown texts (a permission retired since) are dropped rather than failing the read.
pub(crate) fn permissions_from_json(value: &serde_json::Value) -> PermissionSet {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str())
                .filter_map(Permission::parse)
                .collect()
        })
        .unwrap_or_default()
}
