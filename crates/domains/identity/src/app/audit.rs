//! Reading the audit log.

use smartseller_kernel::TenantId;
use uuid::Uuid;

use super::{IdentityCtx, IdentityResult};
use crate::store::audit::{self, AuditFilter};
use crate::store::audit_entry;

pub async fn list(
    ctx: &IdentityCtx,
    tenant: TenantId,
    filter: &AuditFilter,
    before: Option<Uuid>,
    limit: u64,
) -> IdentityResult<Vec<audit_entry::Model>> {
    Ok(audit::list(ctx.db.conn(), tenant, filter, before, limit).await?)
}
