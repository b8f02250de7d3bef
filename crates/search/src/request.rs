//! What a search asks and what it answers.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use uuid::Uuid;

use crate::SearchError;
use crate::facets::Facets;

/// The most hits one page holds.
pub const MAX_LIMIT: usize = 50;

/// How deep paging may go: past this, refine the query. Keeps the top-n heap small.
const MAX_OFFSET: usize = 10_000;

/// Which statuses a search shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum StatusFilter {
    /// Drafts and active products: archived ones stay out of the way unless asked for.
    #[default]
    NotArchived,
    /// Only this status (`draft`, `active` or `archived`).
    Only(String),
}

/// A search, already checked by whoever built it.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    /// Free text; empty browses the filtered products, newest first.
    pub q: String,
    /// Products under this category or any category beneath it.
    pub category: Option<Uuid>,
    /// Products with a variant priced at least this (minor units).
    pub min_price: Option<i64>,
    /// Products with a variant priced at most this (minor units).
    pub max_price: Option<i64>,
    pub in_stock: Option<bool>,
    pub status: StatusFilter,
    /// `(name, value)`: values of one name are alternatives, different names must all hold.
    pub attributes: Vec<(String, String)>,
    /// Hits per page, 1 to [`MAX_LIMIT`].
    pub limit: usize,
    pub cursor: Option<Cursor>,
}

/// Where the next page starts. Opaque to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub offset: usize,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("s1:{}", self.offset))
    }

    pub fn decode(text: &str) -> Result<Cursor, SearchError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|_| SearchError::BadCursor)?;
        let text = String::from_utf8(bytes).map_err(|_| SearchError::BadCursor)?;
        let offset = text
            .strip_prefix("s1:")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= MAX_OFFSET)
            .ok_or(SearchError::BadCursor)?;
        Ok(Cursor { offset })
    }
}

/// One product found: what a result list shows, read from the index without the database.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub product_id: Uuid,
    pub name: String,
    pub status: String,
    pub category_id: Option<Uuid>,
    pub min_price_minor: i64,
    pub max_price_minor: i64,
    pub currency: String,
    pub in_stock: bool,
    /// Relevance; absent when browsing without text.
    pub score: Option<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    /// Every product matching the query and filters.
    pub total: u64,
    pub facets: Facets,
    pub next_cursor: Option<String>,
}

impl SearchRequest {
    pub(crate) fn page(&self) -> (usize, usize) {
        let limit = self.limit.clamp(1, MAX_LIMIT);
        let offset = self.cursor.map(|c| c.offset).unwrap_or(0).min(MAX_OFFSET);
        (limit, offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_strangers() {
        let cursor = Cursor { offset: 40 };
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        for bad in ["", "!!", "czE6LTE", "czE6OTk5OTk5OQ", "eDo0MA"] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }
}
