//! Product search for every store in one tantivy index. Every document carries its store's
//! tenant and every query the index runs is filtered by one, taken as a [`TenantId`]: a search
//! cannot reach another store's products by construction.
//!
//! The crate knows nothing about the catalogue's database: the catalogue builds
//! [`SearchDocument`]s from its tables and hands them to [`ProductIndex::upsert`]; the index can
//! be thrown away and rebuilt from the database at any time.
//!
//! What it offers: Indonesian text handling ([`text`]), typo tolerance, prefix matching on the
//! last word (search as you type), filters (category subtree, price range, in stock, status,
//! attribute values) and facet counts over the filtered matches.

mod facets;
mod index;
mod query;
mod request;
mod schema;
pub mod text;

use smartseller_kernel::TenantId;
use uuid::Uuid;

pub use facets::{AttributeFacet, FacetCount, Facets, InStockCounts, PRICE_BUCKETS, PriceBucket};
pub use index::ProductIndex;
pub use request::{Cursor, Hit, MAX_LIMIT, SearchRequest, SearchResults, StatusFilter};

/// One product as search sees it: what it is found by, filtered by, and shown with.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchDocument {
    pub tenant: TenantId,
    pub product_id: Uuid,
    pub name: String,
    pub description: String,
    pub skus: Vec<String>,
    pub barcodes: Vec<String>,
    /// The category the product is filed under, if any.
    pub category_id: Option<Uuid>,
    /// That category and every ancestor, so filtering by a parent finds its children's products.
    pub category_ids: Vec<Uuid>,
    /// Names from the root down to the product's category: `["Pakaian", "Atasan", "Kemeja"]`.
    pub category_path: Vec<String>,
    /// Attribute name and value as text: `("Bahan", "Katun")`.
    pub attributes: Vec<(String, String)>,
    /// `draft`, `active` or `archived`.
    pub status: String,
    /// Cheapest and dearest variant (archived variants left out), in minor units.
    pub min_price_minor: i64,
    pub max_price_minor: i64,
    pub currency: String,
    pub in_stock: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("the cursor is not one this search gave out")]
    BadCursor,
    #[error(
        "the search index is locked by another process (is a server running on this data dir?)"
    )]
    Locked,
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Directory(String),
}

pub type SearchResult<T> = Result<T, SearchError>;
