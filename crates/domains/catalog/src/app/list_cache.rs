//! Product list pages, kept rendered. A page is stored under the store's change counters at the
//! time it was read (see `store::versions`), so a write anywhere in the store's catalogue makes
//! every older page unreachable at once, on every node: there is nothing to invalidate, and
//! nothing stale can be served. Stock moves only matter to lists filtered by stock state, so
//! only those pages are keyed by the stock counter too.

use bytes::Bytes;
use moka::future::Cache;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub tenant: Uuid,
    pub products: i64,
    /// Zero when the list does not depend on stock.
    pub stock: i64,
    /// The checked request, written out canonically.
    pub request: String,
}

/// Rendered pages up to a byte budget; least recently and frequently used ones leave first.
#[derive(Clone)]
pub struct ListCache {
    pages: Option<Cache<PageKey, Bytes>>,
}

impl ListCache {
    /// A cache holding up to `bytes` of rendered pages; 0 turns caching off.
    pub fn new(bytes: u64) -> Self {
        let pages = (bytes > 0).then(|| {
            Cache::builder()
                .max_capacity(bytes)
                .weigher(|key: &PageKey, page: &Bytes| {
                    u32::try_from(page.len() + key.request.len() + 64).unwrap_or(u32::MAX)
                })
                .build()
        });
        Self { pages }
    }

    pub fn enabled(&self) -> bool {
        self.pages.is_some()
    }

    pub async fn get(&self, key: &PageKey) -> Option<Bytes> {
        self.pages.as_ref()?.get(key).await
    }

    pub async fn put(&self, key: PageKey, page: Bytes) {
        if let Some(pages) = &self.pages {
            pages.insert(key, page).await;
        }
    }
}

/// 64 MiB: a few hundred full pages of 50 products with their variants.
pub const DEFAULT_BYTES: u64 = 64 * 1024 * 1024;
