//! Rate limits as fixed-window counters: in the process by default, in Redis when several
//! processes must share them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The state of one counter after a look or a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub count: u32,
    /// How long until the window resets.
    pub resets_in: Duration,
}

impl Usage {
    pub fn exceeds(&self, limit: u32) -> bool {
        self.count >= limit
    }
}

#[async_trait::async_trait]
pub trait RateLimiter: Send + Sync + 'static {
    /// Counts one hit against `key`, opening a window of `window` on the first.
    async fn hit(&self, key: &str, window: Duration) -> anyhow::Result<Usage>;
    /// The current count without changing it.
    async fn peek(&self, key: &str) -> anyhow::Result<Usage>;
    /// Forgets the counter (after a successful login, say).
    async fn reset(&self, key: &str) -> anyhow::Result<()>;
}

/// Counters in this process.
#[derive(Default)]
pub struct MemoryRateLimiter {
    windows: Mutex<HashMap<String, (u32, Instant)>>,
}

impl MemoryRateLimiter {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn hit(&self, key: &str, window: Duration) -> anyhow::Result<Usage> {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|_, (_, ends)| *ends > now);
        }
        let entry = windows.entry(key.to_owned()).or_insert((0, now + window));
        if entry.1 <= now {
            *entry = (0, now + window);
        }
        entry.0 = entry.0.saturating_add(1);
        Ok(Usage {
            count: entry.0,
            resets_in: entry.1 - now,
        })
    }

    async fn peek(&self, key: &str) -> anyhow::Result<Usage> {
        let now = Instant::now();
        let windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        Ok(match windows.get(key) {
            Some((count, ends)) if *ends > now => Usage {
                count: *count,
                resets_in: *ends - now,
            },
            _ => Usage {
                count: 0,
                resets_in: Duration::ZERO,
            },
        })
    }

    async fn reset(&self, key: &str) -> anyhow::Result<()> {
        self.windows
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_within_a_window_and_resets_after_it() {
        let limiter = MemoryRateLimiter::new();
        let window = Duration::from_millis(200);
        assert_eq!(limiter.hit("k", window).await.unwrap().count, 1);
        assert_eq!(limiter.hit("k", window).await.unwrap().count, 2);
        assert_eq!(limiter.peek("k").await.unwrap().count, 2);
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(limiter.peek("k").await.unwrap().count, 0);
        assert_eq!(limiter.hit("k", window).await.unwrap().count, 1);
        limiter.reset("k").await.unwrap();
        assert_eq!(limiter.peek("k").await.unwrap().count, 0);
    }
}
