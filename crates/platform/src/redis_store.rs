//! Redis-backed rate limits and revocations, shared by every process pointed at the same Redis.

use std::time::Duration;

use anyhow::Context;
use redis::aio::ConnectionManager;
use uuid::Uuid;

use crate::limits::{RateLimiter, Usage};
use crate::revocation::RevocationList;

/// One connection (multiplexed, reconnecting) and a key prefix.
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: String,
}

impl RedisStore {
    pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url).with_context(|| format!("bad Redis URL {url}"))?;
        let conn = tokio::time::timeout(Duration::from_secs(5), ConnectionManager::new(client))
            .await
            .with_context(|| format!("timed out reaching Redis at {url}"))?
            .with_context(|| format!("cannot reach Redis at {url}"))?;
        let mut store = Self {
            conn,
            prefix: prefix.to_owned(),
        };
        store.ping().await?;
        Ok(store)
    }

    pub async fn ping(&mut self) -> anyhow::Result<()> {
        let _: String = redis::cmd("PING").query_async(&mut self.conn).await?;
        Ok(())
    }

    fn key(&self, kind: &str, name: &str) -> String {
        format!("{}:{kind}:{name}", self.prefix)
    }
}

/// INCR and set the expiry on the first hit, atomically; answers the count and the time left.
const HIT: &str = r#"
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
"#;

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

#[async_trait::async_trait]
impl RateLimiter for RedisStore {
    async fn hit(&self, key: &str, window: Duration) -> anyhow::Result<Usage> {
        let mut conn = self.conn.clone();
        let (count, ttl): (u32, i64) = redis::Script::new(HIT)
            .key(self.key("limit", key))
            .arg(millis(window))
            .invoke_async(&mut conn)
            .await?;
        Ok(Usage {
            count,
            resets_in: Duration::from_millis(u64::try_from(ttl).unwrap_or(0)),
        })
    }

    async fn peek(&self, key: &str) -> anyhow::Result<Usage> {
        let mut conn = self.conn.clone();
        let key = self.key("limit", key);
        let (count, ttl): (Option<u32>, i64) = redis::pipe()
            .cmd("GET")
            .arg(&key)
            .cmd("PTTL")
            .arg(&key)
            .query_async(&mut conn)
            .await?;
        Ok(Usage {
            count: count.unwrap_or(0),
            resets_in: Duration::from_millis(u64::try_from(ttl).unwrap_or(0)),
        })
    }

    async fn reset(&self, key: &str) -> anyhow::Result<()> {
        let mut conn = self.conn.clone();
        let _: i64 = redis::cmd("DEL")
            .arg(self.key("limit", key))
            .query_async(&mut conn)
            .await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl RevocationList for RedisStore {
    async fn revoke(&self, session: Uuid, for_at_least: Duration) -> anyhow::Result<()> {
        let mut conn = self.conn.clone();
        let _: () = redis::cmd("SET")
            .arg(self.key("revoked", &session.to_string()))
            .arg(1)
            .arg("PX")
            .arg(millis(for_at_least))
            .query_async(&mut conn)
            .await?;
        Ok(())
    }

    async fn is_revoked(&self, session: Uuid) -> anyhow::Result<bool> {
        let mut conn = self.conn.clone();
        let exists: i64 = redis::cmd("EXISTS")
            .arg(self.key("revoked", &session.to_string()))
            .query_async(&mut conn)
            .await?;
        Ok(exists == 1)
    }
}
