//! The product index through its public face: what sellers type finds what they sell, facets
//! count the matches, filters narrow them, and one store never sees another's products.

use chrono::{Duration, TimeZone, Utc};
use smartseller_kernel::TenantId;
use smartseller_search::{
    Cursor, ProductIndex, SearchDocument, SearchRequest, SearchResults, StatusFilter,
};
use uuid::Uuid;

struct Shop {
    tenant: TenantId,
    pakaian: Uuid,
    kemeja: Uuid,
    sepatu: Uuid,
}

fn doc(tenant: TenantId, name: &str) -> SearchDocument {
    SearchDocument {
        tenant,
        product_id: Uuid::now_v7(),
        name: name.to_owned(),
        description: String::new(),
        skus: Vec::new(),
        barcodes: Vec::new(),
        category_id: None,
        category_ids: Vec::new(),
        category_path: Vec::new(),
        attributes: Vec::new(),
        status: "active".into(),
        min_price_minor: 10_000_000,
        max_price_minor: 10_000_000,
        currency: "IDR".into(),
        in_stock: true,
        created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        updated_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    }
}

fn in_category(mut d: SearchDocument, shop: &Shop, leaf: Uuid, path: &[&str]) -> SearchDocument {
    d.category_id = Some(leaf);
    d.category_ids = if leaf == shop.pakaian {
        vec![shop.pakaian]
    } else {
        vec![shop.pakaian, leaf]
    };
    d.category_path = path.iter().map(|p| (*p).to_owned()).collect();
    d
}

/// A small clothing shop: five products over two sub-categories of Pakaian.
fn shop(index: &ProductIndex) -> (Shop, Vec<SearchDocument>) {
    let shop = Shop {
        tenant: TenantId::new(),
        pakaian: Uuid::now_v7(),
        kemeja: Uuid::now_v7(),
        sepatu: Uuid::now_v7(),
    };
    let t = shop.tenant;
    let base = Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap();
    let mut docs = Vec::new();

    let mut d = in_category(
        doc(t, "Kemeja Batik Pria Lengan Panjang"),
        &shop,
        shop.kemeja,
        &["Pakaian", "Kemeja"],
    );
    d.description = "Kemeja bermotif parang, dijual dengan harga grosir.".into();
    d.skus = vec!["KMJ-BTK-M".into(), "KMJ-BTK-L".into()];
    d.barcodes = vec!["8991234567895".into()];
    d.attributes = vec![
        ("Bahan".into(), "Katun".into()),
        ("Warna".into(), "Biru".into()),
    ];
    d.min_price_minor = 15_000_000;
    d.max_price_minor = 17_500_000;
    d.created_at = base;
    docs.push(d);

    let mut d = in_category(
        doc(t, "Kemeja Flanel Kotak"),
        &shop,
        shop.kemeja,
        &["Pakaian", "Kemeja"],
    );
    d.skus = vec!["FLN-01".into()];
    d.attributes = vec![
        ("Bahan".into(), "Flanel".into()),
        ("Warna".into(), "Merah".into()),
    ];
    d.min_price_minor = 9_000_000;
    d.max_price_minor = 9_000_000;
    d.in_stock = false;
    d.created_at = base + Duration::hours(1);
    docs.push(d);

    let mut d = in_category(
        doc(t, "Sepatu Kulit Café Crème"),
        &shop,
        shop.sepatu,
        &["Pakaian", "Sepatu"],
    );
    d.description = "Sepatunya nyaman dipakai seharian.".into();
    d.skus = vec!["SPT-KLT-42".into()];
    d.attributes = vec![("Bahan".into(), "Kulit".into())];
    d.min_price_minor = 45_000_000;
    d.max_price_minor = 60_000_000;
    d.created_at = base + Duration::hours(2);
    docs.push(d);

    let mut d = in_category(
        doc(t, "Minuman Jahe Merah"),
        &shop,
        shop.pakaian,
        &["Pakaian"],
    );
    d.min_price_minor = 2_500_000;
    d.max_price_minor = 2_500_000;
    d.created_at = base + Duration::hours(3);
    docs.push(d);

    let mut d = doc(t, "Penjualan Pakaian Bekas");
    d.status = "archived".into();
    d.created_at = base + Duration::hours(4);
    docs.push(d);

    index.upsert(&docs).unwrap();
    (shop, docs)
}

fn ask(q: &str) -> SearchRequest {
    SearchRequest {
        q: q.to_owned(),
        limit: 20,
        ..SearchRequest::default()
    }
}

fn names(results: &SearchResults) -> Vec<&str> {
    results.hits.iter().map(|h| h.name.as_str()).collect()
}

fn setup() -> (ProductIndex, Shop, Vec<SearchDocument>) {
    let index = ProductIndex::in_memory().unwrap();
    let (shop, docs) = shop(&index);
    (index, shop, docs)
}

#[test]
fn a_typo_still_finds_the_product() {
    let (index, shop, _) = setup();
    // One letter wrong in a 6-letter word, two in a 9-letter word, and a swap.
    for q in ["kemaja", "flanel", "flanle", "kemeja batok"] {
        let found = index.search(shop.tenant, &ask(q)).unwrap();
        assert!(
            names(&found).iter().any(|n| n.starts_with("Kemeja")),
            "{q}: {:?}",
            names(&found)
        );
    }
    let found = index.search(shop.tenant, &ask("sepatuuuu")).unwrap();
    assert!(found.hits.is_empty(), "three typos is too many");
    let found = index.search(shop.tenant, &ask("jahi")).unwrap();
    assert_eq!(names(&found), vec!["Minuman Jahe Merah"]);
}

#[test]
fn the_last_word_matches_as_a_prefix_while_typing() {
    let (index, shop, _) = setup();
    let found = index.search(shop.tenant, &ask("kemeja fla")).unwrap();
    assert_eq!(names(&found), vec!["Kemeja Flanel Kotak"]);
    let found = index.search(shop.tenant, &ask("sep")).unwrap();
    assert_eq!(names(&found), vec!["Sepatu Kulit Café Crème"]);
    // Only the last word is a prefix.
    let found = index.search(shop.tenant, &ask("kem flanel")).unwrap();
    assert!(found.hits.is_empty(), "{:?}", names(&found));
}

#[test]
fn indonesian_affixes_meet_their_roots() {
    let (index, shop, _) = setup();
    // "jual" meets "dijual" in the batik shirt's description.
    let found = index.search(shop.tenant, &ask("jual")).unwrap();
    assert_eq!(names(&found), vec!["Kemeja Batik Pria Lengan Panjang"]);
    // "minum" meets "Minuman".
    let found = index.search(shop.tenant, &ask("minum")).unwrap();
    assert_eq!(names(&found), vec!["Minuman Jahe Merah"]);
    // "sepatunya" meets "Sepatu".
    let found = index.search(shop.tenant, &ask("sepatunya")).unwrap();
    assert_eq!(found.hits[0].name, "Sepatu Kulit Café Crème");
    // "motif" meets "bermotif".
    let found = index.search(shop.tenant, &ask("motif")).unwrap();
    assert_eq!(names(&found), vec!["Kemeja Batik Pria Lengan Panjang"]);
}

#[test]
fn accents_are_folded_both_ways() {
    let (index, shop, _) = setup();
    for q in ["cafe creme", "CAFÉ", "crème"] {
        let found = index.search(shop.tenant, &ask(q)).unwrap();
        assert_eq!(names(&found), vec!["Sepatu Kulit Café Crème"], "{q}");
    }
}

#[test]
fn exact_words_in_the_name_rank_above_other_fields() {
    let (index, shop, _) = setup();
    // "kemeja" is in two names and in one description; both named products come first.
    let found = index.search(shop.tenant, &ask("kemeja")).unwrap();
    assert_eq!(found.total, 2);
    // "merah" is the jahe drink's name but the flannel shirt's attribute.
    let found = index.search(shop.tenant, &ask("merah")).unwrap();
    assert_eq!(
        names(&found),
        vec!["Minuman Jahe Merah", "Kemeja Flanel Kotak"]
    );
    assert!(found.hits[0].score > found.hits[1].score);
}

#[test]
fn skus_and_barcodes_are_found_whole_and_by_their_start() {
    let (index, shop, _) = setup();
    for q in ["KMJ-BTK-L", "kmj-btk", "kmj", "8991234567895", "899123"] {
        let found = index.search(shop.tenant, &ask(q)).unwrap();
        assert_eq!(
            names(&found),
            vec!["Kemeja Batik Pria Lengan Panjang"],
            "{q}"
        );
    }
}

#[test]
fn category_and_attribute_words_are_searchable() {
    let (index, shop, _) = setup();
    let found = index.search(shop.tenant, &ask("katun")).unwrap();
    assert_eq!(names(&found), vec!["Kemeja Batik Pria Lengan Panjang"]);
    let found = index.search(shop.tenant, &ask("pakaian sepatu")).unwrap();
    assert_eq!(names(&found), vec!["Sepatu Kulit Café Crème"]);
}

#[test]
fn an_empty_query_browses_newest_first_without_archived() {
    let (index, shop, _) = setup();
    let found = index.search(shop.tenant, &ask("")).unwrap();
    assert_eq!(
        names(&found),
        vec![
            "Minuman Jahe Merah",
            "Sepatu Kulit Café Crème",
            "Kemeja Flanel Kotak",
            "Kemeja Batik Pria Lengan Panjang"
        ]
    );
    assert_eq!(found.total, 4);
    assert!(found.hits.iter().all(|h| h.score.is_none()));
}

#[test]
fn archived_products_show_only_when_asked_for() {
    let (index, shop, _) = setup();
    let found = index.search(shop.tenant, &ask("pakaian bekas")).unwrap();
    assert!(found.hits.is_empty());
    let mut request = ask("pakaian bekas");
    request.status = StatusFilter::Only("archived".into());
    let found = index.search(shop.tenant, &request).unwrap();
    assert_eq!(names(&found), vec!["Penjualan Pakaian Bekas"]);
    let mut request = ask("");
    request.status = StatusFilter::Only("active".into());
    assert_eq!(index.search(shop.tenant, &request).unwrap().total, 4);
}

#[test]
fn filters_narrow_the_matches() {
    let (index, shop, _) = setup();
    // A parent category finds its children's products.
    let mut r = ask("");
    r.category = Some(shop.pakaian);
    assert_eq!(index.search(shop.tenant, &r).unwrap().total, 4);
    r.category = Some(shop.kemeja);
    assert_eq!(index.search(shop.tenant, &r).unwrap().total, 2);

    // Price: a product matches when one of its prices falls in the range.
    let mut r = ask("");
    r.min_price = Some(17_000_000);
    r.max_price = Some(50_000_000);
    assert_eq!(
        names(&index.search(shop.tenant, &r).unwrap()),
        vec![
            "Sepatu Kulit Café Crème",
            "Kemeja Batik Pria Lengan Panjang"
        ]
    );
    let mut r = ask("");
    r.max_price = Some(9_000_000);
    assert_eq!(
        names(&index.search(shop.tenant, &r).unwrap()),
        vec!["Minuman Jahe Merah", "Kemeja Flanel Kotak"]
    );

    let mut r = ask("kemeja");
    r.in_stock = Some(true);
    assert_eq!(
        names(&index.search(shop.tenant, &r).unwrap()),
        vec!["Kemeja Batik Pria Lengan Panjang"]
    );
    r.in_stock = Some(false);
    assert_eq!(
        names(&index.search(shop.tenant, &r).unwrap()),
        vec!["Kemeja Flanel Kotak"]
    );

    // Attribute values: alternatives within a name, all names must hold; case and accents
    // do not matter.
    let mut r = ask("");
    r.attributes = vec![("bahan".into(), "KATUN".into())];
    assert_eq!(index.search(shop.tenant, &r).unwrap().total, 1);
    r.attributes.push(("Bahan".into(), "Kulit".into()));
    assert_eq!(index.search(shop.tenant, &r).unwrap().total, 2);
    r.attributes.push(("Warna".into(), "Biru".into()));
    assert_eq!(
        names(&index.search(shop.tenant, &r).unwrap()),
        vec!["Kemeja Batik Pria Lengan Panjang"]
    );
}

#[test]
fn facets_count_the_filtered_matches() {
    let (index, shop, _) = setup();
    let found = index.search(shop.tenant, &ask("")).unwrap();
    let facets = &found.facets;
    let count_of = |id: Uuid| {
        facets
            .categories
            .iter()
            .find(|c| c.value == id.to_string())
            .map(|c| c.count)
    };
    assert_eq!(count_of(shop.pakaian), Some(4));
    assert_eq!(count_of(shop.kemeja), Some(2));
    assert_eq!(count_of(shop.sepatu), Some(1));
    let prices: Vec<u64> = facets.price_ranges.iter().map(|b| b.count).collect();
    // 25.000 | 90.000 | 150.000 | 450.000 (by the cheapest variant)
    assert_eq!(prices, vec![1, 1, 1, 1, 0, 0]);
    assert_eq!((facets.in_stock.yes, facets.in_stock.no), (3, 1));
    let bahan = facets
        .attributes
        .iter()
        .find(|a| a.name == "Bahan")
        .unwrap();
    let values: Vec<(&str, u64)> = bahan
        .values
        .iter()
        .map(|v| (v.value.as_str(), v.count))
        .collect();
    assert_eq!(values, vec![("Flanel", 1), ("Katun", 1), ("Kulit", 1)]);
    assert_eq!(
        facets
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        vec!["Bahan", "Warna"]
    );

    // Over a query's matches only.
    let found = index.search(shop.tenant, &ask("kemeja")).unwrap();
    assert_eq!(found.facets.in_stock.yes + found.facets.in_stock.no, 2);
    assert_eq!(
        found
            .facets
            .categories
            .iter()
            .find(|c| c.value == shop.sepatu.to_string()),
        None
    );
}

#[test]
fn pages_follow_the_cursor_to_the_end() {
    let (index, shop, _) = setup();
    let mut request = ask("");
    request.limit = 3;
    let first = index.search(shop.tenant, &request).unwrap();
    assert_eq!(first.hits.len(), 3);
    let cursor = Cursor::decode(first.next_cursor.as_deref().unwrap()).unwrap();
    request.cursor = Some(cursor);
    let second = index.search(shop.tenant, &request).unwrap();
    assert_eq!(names(&second), vec!["Kemeja Batik Pria Lengan Panjang"]);
    assert_eq!(second.next_cursor, None);
    assert_eq!(second.total, 4);
}

#[test]
fn one_store_never_sees_another_stores_products() {
    let index = ProductIndex::in_memory().unwrap();
    let (first, _) = shop(&index);
    let (second, _) = shop(&index);
    let stranger = TenantId::new();
    let found = index.search(first.tenant, &ask("kemeja")).unwrap();
    assert_eq!(found.total, 2);
    let found = index.search(first.tenant, &ask("")).unwrap();
    assert_eq!(found.total, 4);
    assert!(
        found
            .facets
            .categories
            .iter()
            .all(|c| c.value != second.pakaian.to_string())
    );
    assert_eq!(index.search(stranger, &ask("")).unwrap().total, 0);
    assert_eq!(index.search(stranger, &ask("kemeja")).unwrap().total, 0);
    // Clearing one store leaves the other whole.
    index.clear_tenant(first.tenant).unwrap();
    assert_eq!(index.search(first.tenant, &ask("")).unwrap().total, 0);
    assert_eq!(index.search(second.tenant, &ask("")).unwrap().total, 4);
}

#[test]
fn an_upsert_replaces_and_a_remove_takes_out() {
    let (index, shop, docs) = setup();
    let mut renamed = docs[1].clone();
    renamed.name = "Kemeja Denim".into();
    index.upsert(std::slice::from_ref(&renamed)).unwrap();
    assert!(
        index
            .search(shop.tenant, &ask("flanel kotak"))
            .unwrap()
            .hits
            .is_empty()
    );
    let found = index.search(shop.tenant, &ask("denim")).unwrap();
    assert_eq!(names(&found), vec!["Kemeja Denim"]);
    assert_eq!(index.search(shop.tenant, &ask("")).unwrap().total, 4);

    // Removing by another store's tenant removes nothing.
    index.remove(TenantId::new(), renamed.product_id).unwrap();
    assert_eq!(index.search(shop.tenant, &ask("denim")).unwrap().total, 1);
    index.remove(shop.tenant, renamed.product_id).unwrap();
    assert_eq!(index.search(shop.tenant, &ask("denim")).unwrap().total, 0);
    assert_eq!(index.search(shop.tenant, &ask("")).unwrap().total, 3);
}

#[test]
fn an_index_on_disk_survives_a_reopen_and_refuses_a_second_writer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    let tenant = {
        let index = ProductIndex::open(&path).unwrap();
        assert!(index.is_empty());
        let (shop, _) = shop(&index);
        assert!(matches!(
            ProductIndex::open(&path),
            Err(smartseller_search::SearchError::Locked)
        ));
        shop.tenant
    };
    let index = ProductIndex::open(&path).unwrap();
    assert_eq!(index.len(), 5);
    assert_eq!(index.search(tenant, &ask("kemeja")).unwrap().total, 2);
}

#[test]
fn punctuation_and_huge_queries_answer_without_failing() {
    let (index, shop, _) = setup();
    assert_eq!(index.search(shop.tenant, &ask("!!! ---")).unwrap().total, 0);
    let long = "kemeja ".repeat(500);
    assert_eq!(index.search(shop.tenant, &ask(&long)).unwrap().total, 2);
    let mut request = ask("");
    request.limit = 10_000;
    assert_eq!(index.search(shop.tenant, &request).unwrap().hits.len(), 4);
}
