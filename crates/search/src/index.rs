//! The index itself: one writer behind a mutex, one reader reloaded after every commit so a
//! search right after an upsert sees it.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use smartseller_kernel::TenantId;
use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::directory::error::LockError;
use tantivy::schema::Value;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument,
    TantivyError, Term,
};
use uuid::Uuid;

use crate::facets::{ATTRIBUTE_SEPARATOR, FacetCollector};
use crate::query::{attribute_key, build};
use crate::request::{Cursor, Hit, MAX_LIMIT, SearchRequest, SearchResults};
use crate::schema::{self, Fields};
use crate::text::words;
use crate::{SearchDocument, SearchError, SearchResult};

/// Memory the writer buffers before it flushes a segment; tantivy's floor is 15 MB. Catalogue
/// changes arrive a product at a time, so the floor is plenty.
const WRITER_MEMORY: usize = 20_000_000;

pub struct ProductIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    fields: Fields,
}

impl std::fmt::Debug for ProductIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProductIndex")
            .field("documents", &self.reader.searcher().num_docs())
            .finish()
    }
}

fn lock_error(error: TantivyError) -> SearchError {
    match error {
        TantivyError::LockFailure(LockError::LockBusy, _) => SearchError::Locked,
        other => SearchError::Index(other),
    }
}

impl ProductIndex {
    /// Opens the index in `dir`, creating it (and the directory) if needed. An index written
    /// with another schema (an older release) is thrown away: it is only a copy of the
    /// database, and the caller rebuilds an empty index.
    pub fn open(dir: &Path) -> SearchResult<ProductIndex> {
        std::fs::create_dir_all(dir)
            .map_err(|e| SearchError::Directory(format!("{}: {e}", dir.display())))?;
        let (schema, fields) = schema::build();
        let open = || -> SearchResult<Index> {
            let directory = MmapDirectory::open(dir)
                .map_err(|e| SearchError::Directory(format!("{}: {e}", dir.display())))?;
            Ok(Index::open_or_create(directory, schema.clone())?)
        };
        let index = match open() {
            Err(SearchError::Index(TantivyError::SchemaError(_))) => {
                tracing::warn!(
                    dir = %dir.display(),
                    "the search index has an older layout; starting it afresh"
                );
                std::fs::remove_dir_all(dir)
                    .and_then(|()| std::fs::create_dir_all(dir))
                    .map_err(|e| SearchError::Directory(format!("{}: {e}", dir.display())))?;
                open()?
            }
            other => other?,
        };
        Self::with_index(index, fields)
    }

    /// An index that lives in memory only, for tests and tools.
    pub fn in_memory() -> SearchResult<ProductIndex> {
        let (schema, fields) = schema::build();
        Self::with_index(Index::create_in_ram(schema), fields)
    }

    fn with_index(index: Index, fields: Fields) -> SearchResult<ProductIndex> {
        schema::register_tokenizers(index.tokenizers());
        let writer = index
            .writer_with_num_threads(1, WRITER_MEMORY)
            .map_err(lock_error)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(ProductIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
        })
    }

    /// How many products the index holds, every store together.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn writer(&self) -> MutexGuard<'_, IndexWriter<TantivyDocument>> {
        // A panic while holding the lock leaves uncommitted work at worst; the next commit or
        // rollback settles it, so a poisoned lock is still usable.
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Commits what `change` staged and shows it to searches; on failure nothing of it stays.
    fn commit(
        &self,
        change: impl FnOnce(&IndexWriter<TantivyDocument>) -> SearchResult<()>,
    ) -> SearchResult<()> {
        let mut writer = self.writer();
        let staged = change(&writer);
        let committed = staged.and_then(|()| writer.commit().map(|_| ()).map_err(Into::into));
        if let Err(error) = committed {
            let _ = writer.rollback();
            return Err(error);
        }
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    fn key(tenant: TenantId, product: Uuid) -> String {
        format!("{tenant}/{product}")
    }

    /// Adds the products, replacing any earlier version of each, in one commit.
    pub fn upsert(&self, docs: &[SearchDocument]) -> SearchResult<()> {
        if docs.is_empty() {
            return Ok(());
        }
        self.commit(|writer| {
            for doc in docs {
                writer.delete_term(Term::from_field_text(
                    self.fields.key,
                    &Self::key(doc.tenant, doc.product_id),
                ));
                writer.add_document(self.document(doc))?;
            }
            Ok(())
        })
    }

    /// Takes one product out.
    pub fn remove(&self, tenant: TenantId, product: Uuid) -> SearchResult<()> {
        self.commit(|writer| {
            writer.delete_term(Term::from_field_text(
                self.fields.key,
                &Self::key(tenant, product),
            ));
            Ok(())
        })
    }

    /// Takes every product of one store out (before rebuilding it).
    pub fn clear_tenant(&self, tenant: TenantId) -> SearchResult<()> {
        self.commit(|writer| {
            writer.delete_term(Term::from_field_text(
                self.fields.tenant,
                &tenant.to_string(),
            ));
            Ok(())
        })
    }

    /// Takes every product of every store out (before a full rebuild).
    pub fn clear_all(&self) -> SearchResult<()> {
        self.commit(|writer| {
            writer.delete_all_documents()?;
            Ok(())
        })
    }

    fn document(&self, d: &SearchDocument) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::new();
        doc.add_text(f.key, Self::key(d.tenant, d.product_id));
        doc.add_text(f.tenant, d.tenant.to_string());
        doc.add_text(f.id, d.product_id.to_string());
        for field in [f.name, f.name_stem, f.all] {
            doc.add_text(field, &d.name);
        }
        for field in [f.description, f.description_stem] {
            doc.add_text(field, &d.description);
        }
        for name in &d.category_path {
            for field in [f.category, f.category_stem, f.all] {
                doc.add_text(field, name);
            }
        }
        for (name, value) in &d.attributes {
            for field in [f.attribute, f.attribute_stem, f.all] {
                doc.add_text(field, value);
            }
            // The attribute's name is searchable too ("katun" finds Bahan: Katun, and so does
            // "bahan katun"), with the same weight as its value.
            for field in [f.attribute, f.attribute_stem] {
                doc.add_text(field, name);
            }
            doc.add_text(f.attribute_key, attribute_key(name, value));
            let (name, value) = (name.trim(), value.trim());
            if !name.is_empty() && !value.is_empty() {
                doc.add_text(
                    f.attribute_facet,
                    format!("{name}{ATTRIBUTE_SEPARATOR}{value}"),
                );
            }
        }
        for sku in &d.skus {
            doc.add_text(f.sku, sku);
        }
        for barcode in &d.barcodes {
            doc.add_text(f.barcode, barcode);
        }
        for id in &d.category_ids {
            doc.add_text(f.category_ids, id.to_string());
        }
        doc.add_text(
            f.category_id,
            d.category_id.map(|c| c.to_string()).unwrap_or_default(),
        );
        doc.add_text(f.status, &d.status);
        doc.add_i64(f.min_price, d.min_price_minor);
        doc.add_i64(f.max_price, d.max_price_minor);
        doc.add_text(f.currency, &d.currency);
        doc.add_bool(f.in_stock, d.in_stock);
        doc.add_i64(f.created_at, d.created_at.timestamp_micros());
        doc.add_i64(f.updated_at, d.updated_at.timestamp_micros());
        doc
    }

    /// What the index says of a product's stock; `None` when it does not hold the product.
    pub fn in_stock(&self, tenant: TenantId, product: Uuid) -> SearchResult<Option<bool>> {
        let searcher = self.reader.searcher();
        let query = tantivy::query::TermQuery::new(
            Term::from_field_text(self.fields.key, &Self::key(tenant, product)),
            tantivy::schema::IndexRecordOption::Basic,
        );
        let found = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
        let Some((_, address)) = found.first() else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher.doc(*address)?;
        Ok(doc
            .get_first(self.fields.in_stock)
            .and_then(|v| v.as_bool()))
    }

    /// One store's products matching `request`, with facet counts over all of them.
    pub fn search(&self, tenant: TenantId, request: &SearchRequest) -> SearchResult<SearchResults> {
        let searcher = self.reader.searcher();
        let query = build(&self.fields, tenant, request);
        let (limit, offset) = request.page();
        let top = TopDocs::with_limit(limit.min(MAX_LIMIT)).and_offset(offset);
        let (found, (total, facets)): (Vec<(Option<f32>, DocAddress)>, _) =
            if words(&request.q).is_empty() && request.q.trim().is_empty() {
                // Browsing: newest products first.
                let (top, rest) = searcher.search(
                    &query,
                    &(
                        top.order_by_fast_field::<i64>("created_at", Order::Desc),
                        FacetCollector,
                    ),
                )?;
                (top.into_iter().map(|(_, a)| (None, a)).collect(), rest)
            } else {
                let (top, rest) =
                    searcher.search(&query, &(top.order_by_score(), FacetCollector))?;
                (top.into_iter().map(|(s, a)| (Some(s), a)).collect(), rest)
            };
        let mut hits = Vec::with_capacity(found.len());
        for (score, address) in found {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(hit) = self.hit(&doc, score) {
                hits.push(hit);
            }
        }
        let next = offset + limit;
        let next_cursor = (next < usize::try_from(total).unwrap_or(usize::MAX))
            .then_some(Cursor { offset: next })
            .filter(|c| Cursor::decode(&c.encode()).is_ok())
            .map(|c| c.encode());
        Ok(SearchResults {
            hits,
            total,
            facets,
            next_cursor,
        })
    }

    fn hit(&self, doc: &TantivyDocument, score: Option<f32>) -> Option<Hit> {
        let f = &self.fields;
        let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("");
        let number = |field| doc.get_first(field).and_then(|v| v.as_i64()).unwrap_or(0);
        Some(Hit {
            product_id: Uuid::parse_str(text(f.id)).ok()?,
            name: text(f.name).to_owned(),
            status: text(f.status).to_owned(),
            category_id: Uuid::parse_str(text(f.category_id)).ok(),
            min_price_minor: number(f.min_price),
            max_price_minor: number(f.max_price),
            currency: text(f.currency).to_owned(),
            in_stock: doc
                .get_first(f.in_stock)
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            score,
        })
    }

    /// The index's directory-level handle, for tools that inspect it.
    pub fn index(&self) -> &Index {
        &self.index
    }
}
