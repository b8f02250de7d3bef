//! The catalogue's use cases. Each one that writes starts exactly one transaction, writes its
//! rows and its `product.events` together, and commits.

pub mod attributes;
pub mod categories;
pub mod import;
pub mod list_cache;
pub mod media;
pub mod pricing;
pub mod products;
pub mod search;
pub mod stock;
pub mod variants;

use std::sync::Arc;

use sea_orm::{DbErr, SqlErr};
use smartseller_kernel::TenantId;
use smartseller_kernel::validation::FieldErrors;
use smartseller_platform::{Db, FileStore, WriteTx};
use smartseller_search::{ProductIndex, SearchError};

use crate::store::versions::{self, Counter};
use list_cache::ListCache;

use crate::domain::Status;

/// What the catalogue's use cases and handlers share.
#[derive(Clone)]
pub struct CatalogCtx {
    pub db: Db,
    /// Product images and documents.
    pub files: FileStore,
    pub media: media::MediaSettings,
    /// Rendered product list pages; see [`list_cache`].
    pub list_cache: ListCache,
    /// The product search index and the lock that orders writes to it; see [`search`].
    pub search: search::SearchIndex,
}

impl CatalogCtx {
    /// A catalogue on `db` keeping files in `files` and `index` in step with its products, with
    /// default upload limits and list cache.
    pub fn new(db: Db, files: FileStore, index: Arc<ProductIndex>) -> Self {
        Self {
            db,
            list_cache: ListCache::new(list_cache::DEFAULT_BYTES),
            files,
            media: media::MediaSettings::default(),
            search: search::SearchIndex::new(index),
        }
    }

    /// Starts a write of the store's catalogue: the one place a catalogue transaction begins.
    /// It moves the store's change counter first, inside the transaction, so cached list pages
    /// stop matching exactly when the write commits (and not at all if it rolls back).
    pub(crate) async fn begin_write(&self, tenant: TenantId) -> CatalogResult<WriteTx> {
        Ok(begin_catalog_write(&self.db, tenant).await?)
    }
}

/// [`CatalogCtx::begin_write`] for work that holds only the database (background jobs).
pub(crate) async fn begin_catalog_write(db: &Db, tenant: TenantId) -> Result<WriteTx, DbErr> {
    let tx = db.begin_write().await?;
    versions::bump(&*tx, tenant, Counter::Products).await?;
    Ok(tx)
}

/// Everything that can go wrong in the catalogue, named for what happened.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("SKU already used in this store: {0:?}")]
    SkuTaken(Vec<String>),
    #[error("a category cannot move under itself or its descendants")]
    CategoryCycle,
    #[error("the category still has {children} sub-categories")]
    CategoryHasChildren { children: u64 },
    #[error("the category still holds {products} products")]
    CategoryInUse { products: u64 },
    #[error("cannot go from {} to {}", from.as_str(), to.as_str())]
    IllegalTransition { from: Status, to: Status },
    #[error("another variant of this product has these option values")]
    CombinationTaken,
    #[error("the product is archived")]
    ProductArchived,
    #[error("customer group {0} already has a price list")]
    CustomerGroupTaken(String),
    #[error("an attribute named {0:?} already exists")]
    AttributeNameTaken(String),
    #[error("{products} products have a value for this attribute")]
    AttributeInUse { products: u64 },
    #[error("{products} products have a value; the kind cannot change")]
    AttributeKindLocked { products: u64 },
    #[error("{products} products use the choices {choices:?}")]
    ChoiceInUse { choices: Vec<String>, products: u64 },
    #[error("cannot render: {0}")]
    Render(String),
    #[error("the product must be archived before it is deleted for good")]
    NotArchived,
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the file is not a JPEG, PNG, WebP, GIF or PDF")]
    UnsupportedType,
    #[error("the upload was cut short or malformed")]
    UnreadableUpload,
    /// Object storage failed; the cause is logged, never shown.
    #[error("file storage failed: {0}")]
    Storage(String),
    #[error(transparent)]
    Db(DbErr),
    #[error(transparent)]
    Search(#[from] SearchError),
}

impl From<DbErr> for CatalogError {
    fn from(error: DbErr) -> Self {
        CatalogError::Db(error)
    }
}

impl From<FieldErrors> for CatalogError {
    fn from(errors: FieldErrors) -> Self {
        CatalogError::Invalid(errors)
    }
}

impl From<crate::domain::IllegalTransition> for CatalogError {
    fn from(t: crate::domain::IllegalTransition) -> Self {
        CatalogError::IllegalTransition {
            from: t.from,
            to: t.to,
        }
    }
}

/// True when `error` is a unique-constraint violation (a lost race on an insert).
pub(crate) fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

pub type CatalogResult<T> = Result<T, CatalogError>;
