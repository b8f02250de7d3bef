//! In-process search latency on a synthetic catalogue: `cargo run --release -p smartseller-search
//! --example latency [products]`. Indexes one store of Indonesian product names (10,000 by
//! default) beside two other stores of the same size, then times a mix of queries (typo, prefix,
//! affixed word, SKU, browse with filters) and prints percentiles. A measurement, not a test.

use std::time::Instant;

use chrono::Utc;
use smartseller_kernel::TenantId;
use smartseller_search::{ProductIndex, SearchDocument, SearchRequest};
use uuid::Uuid;

const KINDS: &[&str] = &[
    "Kemeja", "Kaos", "Celana", "Sepatu", "Tas", "Jaket", "Kerudung", "Sandal", "Topi", "Dompet",
];
const WORDS: &[&str] = &[
    "Batik", "Flanel", "Katun", "Kulit", "Denim", "Polos", "Motif", "Pria", "Wanita", "Anak",
    "Santai", "Pesta", "Murah", "Premium", "Lengan", "Panjang", "Pendek", "Slim", "Oversize",
];
const COLOURS: &[&str] = &["Merah", "Biru", "Hitam", "Putih", "Hijau", "Kuning", "Abu"];

/// A small deterministic generator: no dependency for a measurement.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

fn catalogue(tenant: TenantId, products: usize, rng: &mut Lcg) -> Vec<SearchDocument> {
    let categories: Vec<Uuid> = KINDS.iter().map(|_| Uuid::now_v7()).collect();
    let root = Uuid::now_v7();
    (0..products)
        .map(|i| {
            let kind = rng.next(KINDS.len());
            let name = format!(
                "{} {} {} {}",
                KINDS[kind],
                WORDS[rng.next(WORDS.len())],
                WORDS[rng.next(WORDS.len())],
                COLOURS[rng.next(COLOURS.len())]
            );
            let price = 2_000_000 + (rng.next(200) as i64) * 500_000;
            SearchDocument {
                tenant,
                product_id: Uuid::now_v7(),
                description: format!(
                    "{name} dijual dengan harga terbaik, bahannya nyaman dipakai."
                ),
                name,
                skus: vec![format!("{}-{i:05}", &KINDS[kind][..3].to_uppercase())],
                barcodes: Vec::new(),
                category_id: Some(categories[kind]),
                category_ids: vec![root, categories[kind]],
                category_path: vec!["Pakaian".into(), KINDS[kind].into()],
                attributes: vec![
                    ("Bahan".into(), WORDS[2 + rng.next(3)].into()),
                    ("Warna".into(), COLOURS[rng.next(COLOURS.len())].into()),
                ],
                status: "active".into(),
                min_price_minor: price,
                max_price_minor: price + 1_000_000,
                currency: "IDR".into(),
                in_stock: rng.next(4) != 0,
                created_at: Utc::now(),
                updated_at: Utc::now(),
            }
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let products: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let index = ProductIndex::in_memory()?;
    let mut rng = Lcg(42);
    let tenant = TenantId::new();
    let started = Instant::now();
    for store in [tenant, TenantId::new(), TenantId::new()] {
        for chunk in catalogue(store, products, &mut rng).chunks(1_000) {
            index.upsert(chunk)?;
        }
    }
    println!(
        "indexed {} products (3 stores) in {:.1} s",
        index.len(),
        started.elapsed().as_secs_f64()
    );

    let queries: Vec<SearchRequest> = [
        ("kemeja batik", None),
        ("kemaja", None),
        ("sepa", None),
        ("celana panjang hi", None),
        ("dijual", None),
        ("KEM-0", None),
        ("", Some(true)),
        ("kaos", Some(true)),
    ]
    .into_iter()
    .map(|(q, in_stock)| SearchRequest {
        q: q.into(),
        in_stock,
        min_price: in_stock.map(|_| 10_000_000),
        attributes: if in_stock.is_some() {
            vec![("Warna".into(), "Merah".into())]
        } else {
            Vec::new()
        },
        limit: 20,
        ..SearchRequest::default()
    })
    .collect();
    let mut timings = Vec::new();
    for round in 0..250 {
        for request in &queries {
            let started = Instant::now();
            let found = index.search(tenant, request)?;
            if round > 10 {
                timings.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            std::hint::black_box(found);
        }
    }
    timings.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| timings[((timings.len() as f64 * p) as usize).min(timings.len() - 1)];
    println!(
        "{} searches, one thread: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        timings.len(),
        at(0.50),
        at(0.90),
        at(0.99),
        at(1.0)
    );
    Ok(())
}
