//! Reading the audit log.

use smartseller_kernel::TenantId;
use smartseller_kernel::validation::FieldErrors;
use uuid::Uuid;

use super::{IdentityCtx, IdentityResult};
use crate::store::audit::{self, AuditFilter};
use crate::store::audit_entry;

/// Actions are dotted lower-case names (`auth.login`, `api_key.revoked`); anything else names
/// no action, and is refused before it reaches the database (PostgreSQL refuses NUL in text).
fn valid_action(action: &str) -> bool {
    (1..=64).contains(&action.len())
        && action
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
}

pub async fn list(
    ctx: &IdentityCtx,
    tenant: TenantId,
    filter: &AuditFilter,
    before: Option<Uuid>,
    limit: u64,
) -> IdentityResult<Vec<audit_entry::Model>> {
    if filter.action.as_deref().is_some_and(|a| !valid_action(a)) {
        return Err(FieldErrors::single(
            "action",
            "invalid_action",
            "An action looks like `auth.login`.",
        )
        .into());
    }
    Ok(audit::list(ctx.db.conn(), tenant, filter, before, limit).await?)
}
