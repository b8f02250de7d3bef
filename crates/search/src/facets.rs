//! Facet counts over every match of a search, read from fast fields in the same pass that
//! counts the matches: no stored document is opened for them.

use std::collections::HashMap;

use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Separates an attribute's name from its value in the facet field.
pub(crate) const ATTRIBUTE_SEPARATOR: char = '\u{1f}';

/// Fixed price buckets in IDR minor units (Rp 1 = 100): under Rp 50.000, to Rp 100.000, to
/// Rp 250.000, to Rp 500.000, to Rp 1.000.000, and above. A product falls in the bucket of its
/// cheapest variant.
pub const PRICE_BUCKETS: &[(i64, Option<i64>)] = &[
    (0, Some(5_000_000)),
    (5_000_000, Some(10_000_000)),
    (10_000_000, Some(25_000_000)),
    (25_000_000, Some(50_000_000)),
    (50_000_000, Some(100_000_000)),
    (100_000_000, None),
];

fn bucket_of(price: i64) -> usize {
    PRICE_BUCKETS
        .iter()
        .position(|(_, upper)| upper.is_none_or(|u| price < u))
        .unwrap_or(PRICE_BUCKETS.len() - 1)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// Products in `[min, max)` minor units; `max` absent for the top bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriceBucket {
    pub min: i64,
    pub max: Option<i64>,
    pub count: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InStockCounts {
    pub yes: u64,
    pub no: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttributeFacet {
    pub name: String,
    pub values: Vec<FacetCount>,
}

/// What the matches are made of.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    /// Category ids with the number of matching products filed under each or beneath it,
    /// most products first.
    pub categories: Vec<FacetCount>,
    /// Every bucket, empty ones included, cheapest first.
    pub price_ranges: Vec<PriceBucket>,
    pub in_stock: InStockCounts,
    /// Per attribute name (alphabetical), its values with counts, most products first.
    pub attributes: Vec<AttributeFacet>,
}

/// Counts matches and their facets.
pub(crate) struct FacetCollector;

/// One segment's counts, by dictionary ordinal until the end.
pub(crate) struct SegmentFacets {
    categories: Option<StrColumn>,
    attributes: Option<StrColumn>,
    min_price: Option<Column<i64>>,
    in_stock: Option<Column<bool>>,
    category_counts: Vec<u64>,
    attribute_counts: Vec<u64>,
    price_counts: [u64; 6],
    stock: InStockCounts,
    matches: u64,
}

/// A segment's counts with ordinals turned into text, ready to add up across segments.
pub(crate) struct SegmentFruit {
    categories: HashMap<String, u64>,
    attributes: HashMap<String, u64>,
    price_counts: [u64; 6],
    stock: InStockCounts,
    matches: u64,
}

impl Collector for FacetCollector {
    type Fruit = (u64, Facets);
    type Child = SegmentFacets;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentFacets> {
        let fast = reader.fast_fields();
        let categories = fast.str("category_ids")?;
        let attributes = fast.str("attribute_facet")?;
        Ok(SegmentFacets {
            category_counts: vec![0; categories.as_ref().map_or(0, |c| c.num_terms())],
            attribute_counts: vec![0; attributes.as_ref().map_or(0, |c| c.num_terms())],
            categories,
            attributes,
            min_price: fast.column_opt::<i64>("min_price")?,
            in_stock: fast.column_opt::<bool>("in_stock")?,
            price_counts: [0; 6],
            stock: InStockCounts::default(),
            matches: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<(u64, Facets)> {
        let mut categories: HashMap<String, u64> = HashMap::new();
        let mut attributes: HashMap<String, u64> = HashMap::new();
        let mut prices = [0u64; 6];
        let mut stock = InStockCounts::default();
        let mut matches = 0;
        for fruit in fruits {
            for (k, v) in fruit.categories {
                *categories.entry(k).or_default() += v;
            }
            for (k, v) in fruit.attributes {
                *attributes.entry(k).or_default() += v;
            }
            for (total, n) in prices.iter_mut().zip(fruit.price_counts) {
                *total += n;
            }
            stock.yes += fruit.stock.yes;
            stock.no += fruit.stock.no;
            matches += fruit.matches;
        }
        let mut by_name: HashMap<String, Vec<FacetCount>> = HashMap::new();
        for (pair, count) in attributes {
            if let Some((name, value)) = pair.split_once(ATTRIBUTE_SEPARATOR) {
                by_name
                    .entry(name.to_owned())
                    .or_default()
                    .push(FacetCount {
                        value: value.to_owned(),
                        count,
                    });
            }
        }
        let mut attributes: Vec<AttributeFacet> = by_name
            .into_iter()
            .map(|(name, mut values)| {
                sort_counts(&mut values);
                AttributeFacet { name, values }
            })
            .collect();
        attributes.sort_by(|a, b| a.name.cmp(&b.name));
        let mut categories: Vec<FacetCount> = categories
            .into_iter()
            .map(|(value, count)| FacetCount { value, count })
            .collect();
        sort_counts(&mut categories);
        let facets = Facets {
            categories,
            price_ranges: PRICE_BUCKETS
                .iter()
                .zip(prices)
                .map(|((min, max), count)| PriceBucket {
                    min: *min,
                    max: *max,
                    count,
                })
                .collect(),
            in_stock: stock,
            attributes,
        };
        Ok((matches, facets))
    }
}

/// Most products first, then by value so the order is stable.
fn sort_counts(counts: &mut [FacetCount]) {
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
}

impl SegmentCollector for SegmentFacets {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.matches += 1;
        if let Some(column) = &self.categories {
            for ord in column.term_ords(doc) {
                if let Some(n) = self.category_counts.get_mut(ord as usize) {
                    *n += 1;
                }
            }
        }
        if let Some(column) = &self.attributes {
            for ord in column.term_ords(doc) {
                if let Some(n) = self.attribute_counts.get_mut(ord as usize) {
                    *n += 1;
                }
            }
        }
        if let Some(price) = self.min_price.as_ref().and_then(|c| c.first(doc)) {
            self.price_counts[bucket_of(price)] += 1;
        }
        match self.in_stock.as_ref().and_then(|c| c.first(doc)) {
            Some(true) => self.stock.yes += 1,
            _ => self.stock.no += 1,
        }
    }

    fn harvest(self) -> SegmentFruit {
        let named = |column: &Option<StrColumn>, counts: &[u64]| {
            let mut out = HashMap::new();
            let Some(column) = column else {
                return out;
            };
            let mut text = String::new();
            for (ord, count) in counts.iter().enumerate() {
                if *count == 0 {
                    continue;
                }
                text.clear();
                if column.ord_to_str(ord as u64, &mut text).unwrap_or(false) {
                    out.insert(text.clone(), *count);
                }
            }
            out
        };
        SegmentFruit {
            categories: named(&self.categories, &self.category_counts),
            attributes: named(&self.attributes, &self.attribute_counts),
            price_counts: self.price_counts,
            stock: self.stock,
            matches: self.matches,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_fall_in_their_buckets() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(4_999_999), 0);
        assert_eq!(bucket_of(5_000_000), 1);
        assert_eq!(bucket_of(99_999_999), 4);
        assert_eq!(bucket_of(100_000_000), 5);
        assert_eq!(bucket_of(i64::MAX), 5);
    }
}
