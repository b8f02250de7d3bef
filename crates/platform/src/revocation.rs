//! Revoked sessions. An access token is short-lived and checked without the database; when its
//! session is revoked (logout, refresh-token reuse) the session id sits here until every access
//! token it could have issued has expired.

use std::time::Duration;

use uuid::Uuid;

#[async_trait::async_trait]
pub trait RevocationList: Send + Sync + 'static {
    async fn revoke(&self, session: Uuid, for_at_least: Duration) -> anyhow::Result<()>;
    async fn is_revoked(&self, session: Uuid) -> anyhow::Result<bool>;
}

/// Revocations in this process only: right for one process, wrong for several (use Redis).
pub struct MemoryRevocationList {
    revoked: moka::future::Cache<Uuid, ()>,
}

impl MemoryRevocationList {
    /// `longest` is the longest an access token lives: entries older than that are useless.
    pub fn new(longest: Duration) -> Self {
        Self {
            revoked: moka::future::Cache::builder().time_to_live(longest).build(),
        }
    }
}

#[async_trait::async_trait]
impl RevocationList for MemoryRevocationList {
    async fn revoke(&self, session: Uuid, _for_at_least: Duration) -> anyhow::Result<()> {
        self.revoked.insert(session, ()).await;
        Ok(())
    }

    async fn is_revoked(&self, session: Uuid) -> anyhow::Result<bool> {
        Ok(self.revoked.contains_key(&session))
    }
}
