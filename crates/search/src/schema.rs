//! The index's fields. Changing them changes the schema: an index on disk with another schema is
//! thrown away at open and rebuilt from the database.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, NumericOptions, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{LowerCaser, RawTokenizer, TextAnalyzer, TokenizerManager};

use crate::text::IndonesianTokenizer;

pub const PLAIN: &str = "id_plain";
pub const STEMMED: &str = "id_stem";
pub const RAW_LOWER: &str = "raw_lower";

/// The fields, looked up once.
#[derive(Clone, Copy)]
pub struct Fields {
    /// `tenant/product`: what an upsert deletes by.
    pub key: Field,
    pub tenant: Field,
    pub id: Field,
    pub name: Field,
    pub name_stem: Field,
    pub description: Field,
    pub description_stem: Field,
    pub category: Field,
    pub category_stem: Field,
    pub attribute: Field,
    pub attribute_stem: Field,
    /// Name, category and attribute words together: where typos and prefixes are looked up,
    /// so one automaton runs per query word instead of one per field.
    pub all: Field,
    pub sku: Field,
    pub barcode: Field,
    pub category_ids: Field,
    pub category_id: Field,
    /// `name=value`, lowercased and folded: what attribute filters match.
    pub attribute_key: Field,
    /// `Name\u{1f}Value` as written: what attribute facets count.
    pub attribute_facet: Field,
    pub status: Field,
    pub min_price: Field,
    pub max_price: Field,
    pub currency: Field,
    pub in_stock: Field,
    pub created_at: Field,
    pub updated_at: Field,
}

fn text(tokenizer: &str, stored: bool) -> TextOptions {
    let options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            // No phrase queries: term frequencies are enough and positions would double the
            // postings.
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    if stored {
        options.set_stored()
    } else {
        options
    }
}

pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let number = || NumericOptions::default().set_indexed().set_fast();
    let fields = Fields {
        key: b.add_text_field("key", STRING),
        tenant: b.add_text_field("tenant", STRING),
        id: b.add_text_field("id", STRING | STORED),
        name: b.add_text_field("name", text(PLAIN, true)),
        name_stem: b.add_text_field("name_stem", text(STEMMED, false)),
        description: b.add_text_field("description", text(PLAIN, false)),
        description_stem: b.add_text_field("description_stem", text(STEMMED, false)),
        category: b.add_text_field("category", text(PLAIN, false)),
        category_stem: b.add_text_field("category_stem", text(STEMMED, false)),
        attribute: b.add_text_field("attribute", text(PLAIN, false)),
        attribute_stem: b.add_text_field("attribute_stem", text(STEMMED, false)),
        all: b.add_text_field("all", text(PLAIN, false)),
        sku: b.add_text_field("sku", text(RAW_LOWER, false)),
        barcode: b.add_text_field("barcode", STRING),
        category_ids: b.add_text_field("category_ids", STRING | FAST),
        category_id: b.add_text_field("category_id", STORED),
        attribute_key: b.add_text_field("attribute_key", STRING),
        attribute_facet: b.add_text_field("attribute_facet", STRING | FAST),
        status: b.add_text_field("status", STRING | STORED),
        min_price: b.add_i64_field("min_price", number().set_stored()),
        max_price: b.add_i64_field("max_price", number().set_stored()),
        currency: b.add_text_field("currency", STORED),
        in_stock: b.add_bool_field("in_stock", number().set_stored()),
        created_at: b.add_i64_field("created_at", FAST),
        updated_at: b.add_i64_field("updated_at", FAST | STORED | INDEXED),
    };
    (b.build(), fields)
}

/// Registers the analysers the fields name.
pub fn register_tokenizers(manager: &TokenizerManager) {
    manager.register(PLAIN, IndonesianTokenizer::plain());
    manager.register(STEMMED, IndonesianTokenizer::stemming());
    manager.register(
        RAW_LOWER,
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .build(),
    );
}
