//! From a [`SearchRequest`] to one tantivy query, the tenant filter always first.
//!
//! Text: every word must be found (in some field, exactly, as its Indonesian root, with a typo,
//! or, for the last word, as a prefix), or the whole query must be a SKU or barcode (or the
//! start of one). Field boosts put name above SKU/barcode above category above attributes above
//! description, and exact words above roots above typos.

use std::collections::BTreeMap;
use std::ops::Bound;

use smartseller_kernel::TenantId;
use tantivy::Term;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, Query,
    RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

use crate::request::{SearchRequest, StatusFilter};
use crate::schema::Fields;
use crate::text::{stem, words};

/// Words past this are ignored: a pasted paragraph should not build a thousand automata.
const MAX_WORDS: usize = 10;

/// The typos a word of this many letters tolerates: none under 4, one up to 7, two from 8
/// (a swap of two neighbours counts as one).
pub(crate) fn typo_distance(letters: usize) -> u8 {
    match letters {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

fn term(field: Field, text: &str) -> Term {
    Term::from_field_text(field, text)
}

fn exact(field: Field, text: &str, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(
        Box::new(TermQuery::new(
            term(field, text),
            IndexRecordOption::WithFreqs,
        )),
        boost,
    ))
}

/// A clause that narrows without touching the score.
fn filter(query: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
    (Occur::Must, Box::new(ConstScoreQuery::new(query, 0.0)))
}

fn keyword(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(term(field, text), IndexRecordOption::Basic))
}

/// The normalised `name=value` an attribute filter matches.
pub(crate) fn attribute_key(name: &str, value: &str) -> String {
    format!("{}={}", words(name).join(" "), words(value).join(" "))
}

/// One query word: the best of its field matches counts, the others add a little.
fn word_clause(f: &Fields, word: &str, last: bool) -> Box<dyn Query> {
    let root = stem(word);
    let mut options: Vec<Box<dyn Query>> = vec![
        exact(f.name, word, 6.0),
        exact(f.name_stem, &root, 4.0),
        exact(f.category, word, 3.0),
        exact(f.category_stem, &root, 2.5),
        exact(f.attribute, word, 2.0),
        exact(f.attribute_stem, &root, 1.5),
        exact(f.description, word, 1.0),
        exact(f.description_stem, &root, 0.8),
    ];
    let letters = word.chars().count();
    let distance = typo_distance(letters);
    if distance > 0 {
        options.push(Box::new(BoostQuery::new(
            Box::new(FuzzyTermQuery::new(term(f.all, word), distance, true)),
            0.5,
        )));
    }
    if last {
        // Search as you type: the last word may be unfinished. Exact prefix only; a typo in
        // an unfinished word is caught once it is finished.
        options.push(Box::new(BoostQuery::new(
            Box::new(FuzzyTermQuery::new_prefix(term(f.all, word), 0, true)),
            1.0,
        )));
    }
    Box::new(DisjunctionMaxQuery::with_tie_breaker(options, 0.1))
}

/// The whole query as a SKU or a barcode, exactly or as its start.
fn code_clause(f: &Fields, raw: &str) -> Box<dyn Query> {
    let lower = raw.to_lowercase();
    Box::new(DisjunctionMaxQuery::new(vec![
        exact(f.sku, &lower, 5.0),
        exact(f.barcode, raw, 5.0),
        Box::new(BoostQuery::new(
            Box::new(FuzzyTermQuery::new_prefix(term(f.sku, &lower), 0, false)),
            3.0,
        )),
        Box::new(BoostQuery::new(
            Box::new(FuzzyTermQuery::new_prefix(term(f.barcode, raw), 0, false)),
            3.0,
        )),
    ]))
}

/// The text part, or `None` for an empty query (browse).
fn text_clause(f: &Fields, q: &str) -> Option<Box<dyn Query>> {
    let raw = q.trim();
    if raw.is_empty() {
        return None;
    }
    let mut tokens = words(raw);
    tokens.truncate(MAX_WORDS);
    let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if !tokens.is_empty() {
        let count = tokens.len();
        let all_words: Vec<(Occur, Box<dyn Query>)> = tokens
            .iter()
            .enumerate()
            .map(|(i, w)| (Occur::Must, word_clause(f, w, i + 1 == count)))
            .collect();
        alternatives.push((Occur::Should, Box::new(BooleanQuery::new(all_words))));
    }
    // SKUs and barcodes have no spaces; a long query cannot be one.
    if !raw.contains(char::is_whitespace) && raw.len() <= 64 {
        alternatives.push((Occur::Should, code_clause(f, raw)));
    }
    if alternatives.is_empty() {
        // Only punctuation: nothing can match.
        return Some(Box::new(BooleanQuery::new(Vec::new())));
    }
    Some(Box::new(BooleanQuery::new(alternatives)))
}

pub(crate) fn build(f: &Fields, tenant: TenantId, req: &SearchRequest) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> =
        vec![filter(keyword(f.tenant, &tenant.to_string()))];
    if let Some(text) = text_clause(f, &req.q) {
        clauses.push((Occur::Must, text));
    }
    if let Some(category) = req.category {
        clauses.push(filter(keyword(f.category_ids, &category.to_string())));
    }
    // A product has a variant in [min, max] when its price range overlaps it.
    if let Some(min) = req.min_price {
        clauses.push(filter(Box::new(RangeQuery::new(
            Bound::Included(Term::from_field_i64(f.max_price, min)),
            Bound::Unbounded,
        ))));
    }
    if let Some(max) = req.max_price {
        clauses.push(filter(Box::new(RangeQuery::new(
            Bound::Unbounded,
            Bound::Included(Term::from_field_i64(f.min_price, max)),
        ))));
    }
    if let Some(in_stock) = req.in_stock {
        clauses.push(filter(Box::new(TermQuery::new(
            Term::from_field_bool(f.in_stock, in_stock),
            IndexRecordOption::Basic,
        ))));
    }
    match &req.status {
        StatusFilter::NotArchived => {
            clauses.push((Occur::MustNot, keyword(f.status, "archived")));
        }
        StatusFilter::Only(status) => clauses.push(filter(keyword(f.status, status))),
    }
    // Values of one attribute are alternatives (Warna: Merah or Biru); attributes combine.
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &req.attributes {
        by_name
            .entry(words(name).join(" "))
            .or_default()
            .push(attribute_key(name, value));
    }
    for keys in by_name.into_values() {
        let any: Vec<(Occur, Box<dyn Query>)> = keys
            .iter()
            .map(|k| (Occur::Should, keyword(f.attribute_key, k)))
            .collect();
        clauses.push(filter(Box::new(BooleanQuery::new(any))));
    }
    Box::new(BooleanQuery::new(clauses))
}
