//! Product search through HTTP: products created through the API become findable (with typos,
//! as a prefix, in their Indonesian affixed forms), facets count the matches, filters narrow
//! them, archived products hide, one store never sees another's products, and the index can be
//! deleted and rebuilt from the database.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::{Value, json};
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;

use crate::support::{Answer, As, Session, TestApp, email};

engine_tests!(
    typos_prefixes_and_affixed_words_find_products,
    facets_count_and_filters_narrow_the_matches,
    attributes_and_stock_reach_facets_and_filters,
    changes_and_archiving_reach_the_index,
    another_stores_products_never_appear,
    searching_needs_products_read,
    bad_parameters_are_refused_field_by_field,
    pages_follow_the_cursor,
    the_rebuild_command_restores_a_deleted_index,
    a_server_rebuilds_an_empty_index_at_start,
);

async fn search<'a>(app: &TestApp, who: impl Into<As<'a>>, query: &str) -> Answer {
    app.get(&format!("/api/v1/products/search?{query}"), who)
        .await
}

fn names(answer: &Answer) -> Vec<String> {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["name"].as_str().expect("name").to_owned())
        .collect()
}

fn total(answer: &Answer) -> u64 {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body["total"].as_u64().expect("total")
}

async fn category(app: &TestApp, who: &Session, name: &str, parent: Option<&str>) -> String {
    let answer = app
        .post(
            "/api/v1/categories",
            who,
            json!({ "name": name, "parent_id": parent }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    answer.body["id"].as_str().expect("id").to_owned()
}

async fn product(
    app: &TestApp,
    who: &Session,
    name: &str,
    description: &str,
    category: Option<&str>,
    skus_and_prices: &[(&str, i64)],
) -> String {
    let variants: Vec<Value> = skus_and_prices
        .iter()
        .enumerate()
        .map(|(i, (sku, price))| {
            json!({ "sku": sku, "option_values": [format!("V{i}")], "weight_grams": 300, "price": { "minor": price }, "status": "active" })
        })
        .collect();
    let values: Vec<String> = (0..variants.len()).map(|i| format!("V{i}")).collect();
    let answer = app
        .post(
            "/api/v1/products",
            who,
            json!({
                "name": name,
                "description": description,
                "category_id": category,
                "status": "active",
                "options": [{ "name": "Varian", "values": values }],
                "variants": variants,
            }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    answer.body["id"].as_str().expect("id").to_owned()
}

/// Waits until the store's browse shows `count` products.
async fn indexed(app: &TestApp, who: &Session, count: u64) {
    app.eventually("the products are indexed", || async {
        let answer = search(app, who, "").await;
        answer.status == StatusCode::OK && answer.body["total"] == count
    })
    .await;
}

struct Shop {
    owner: Session,
    pakaian: String,
    kemeja: String,
    batik: String,
}

/// Pakaian > Kemeja, with two shirts, a pair of shoes and a drink filed under Pakaian.
async fn shop(app: &TestApp, store: &str) -> Shop {
    let owner = app.register(store, &email("cari")).await;
    let pakaian = category(app, &owner, "Pakaian", None).await;
    let kemeja = category(app, &owner, "Kemeja", Some(&pakaian)).await;
    let batik = product(
        app,
        &owner,
        "Kemeja Batik Pria Lengan Panjang",
        "Batik tulis bermotif parang, dijual dengan harga grosir.",
        Some(&kemeja),
        &[("KMJ-BTK-M", 15_000_000), ("KMJ-BTK-L", 17_500_000)],
    )
    .await;
    product(
        app,
        &owner,
        "Kemeja Flanel Kotak",
        "",
        Some(&kemeja),
        &[("FLN-01", 9_000_000)],
    )
    .await;
    product(
        app,
        &owner,
        "Sepatu Kulit Café",
        "Nyaman dipakai seharian.",
        Some(&pakaian),
        &[("SPT-42", 45_000_000)],
    )
    .await;
    product(
        app,
        &owner,
        "Minuman Jahe Merah",
        "",
        None,
        &[("JHE-1", 2_500_000)],
    )
    .await;
    indexed(app, &owner, 4).await;
    Shop {
        owner,
        pakaian,
        kemeja,
        batik,
    }
}

async fn typos_prefixes_and_affixed_words_find_products(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let shop = shop(&app, "Toko Cari").await;
    let owner = &shop.owner;

    // A typo: one letter wrong.
    let found = search(&app, owner, "q=kemaja").await;
    assert_eq!(total(&found), 2, "{}", found.body);
    // Search as you type: the last word is a prefix.
    assert_eq!(
        names(&search(&app, owner, "q=sepa").await),
        vec!["Sepatu Kulit Café"]
    );
    assert_eq!(
        names(&search(&app, owner, "q=kemeja%20fla").await),
        vec!["Kemeja Flanel Kotak"]
    );
    // Indonesian affixes: "penjualan" and "jual" meet "dijual"; "minum" meets "Minuman".
    for q in ["jual", "penjualan"] {
        assert_eq!(
            names(&search(&app, owner, &format!("q={q}")).await),
            vec!["Kemeja Batik Pria Lengan Panjang"],
            "{q}"
        );
    }
    assert_eq!(
        names(&search(&app, owner, "q=minum").await),
        vec!["Minuman Jahe Merah"]
    );
    // Accents fold; SKUs match whole and by their start; the category's name is searchable.
    assert_eq!(
        names(&search(&app, owner, "q=cafe").await),
        vec!["Sepatu Kulit Café"]
    );
    for q in ["KMJ-BTK-L", "kmj"] {
        let found = search(&app, owner, &format!("q={q}")).await;
        assert_eq!(found.body["hits"][0]["id"], shop.batik.as_str(), "{q}");
    }
    // A hit carries what a result list shows.
    let hit = &search(&app, owner, "q=batik").await.body["hits"][0];
    assert_eq!(
        hit["min_price"],
        json!({ "minor": 15_000_000, "currency": "IDR" })
    );
    assert_eq!(hit["max_price"]["minor"], 17_500_000);
    assert_eq!(hit["category_id"], shop.kemeja.as_str());
    assert_eq!(hit["status"], "active");
    assert!(hit["score"].as_f64().is_some());
}

async fn facets_count_and_filters_narrow_the_matches(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let shop = shop(&app, "Toko Faset").await;
    let owner = &shop.owner;

    let all = search(&app, owner, "").await;
    let facets = &all.body["facets"];
    let category_count = |id: &str| {
        facets["categories"]
            .as_array()
            .expect("categories")
            .iter()
            .find(|c| c["category_id"] == id)
            .map(|c| c["count"].as_u64().expect("count"))
    };
    // A parent counts its children's products.
    assert_eq!(category_count(&shop.pakaian), Some(3));
    assert_eq!(category_count(&shop.kemeja), Some(2));
    let prices: Vec<u64> = facets["price_ranges"]
        .as_array()
        .expect("price ranges")
        .iter()
        .map(|b| b["count"].as_u64().expect("count"))
        .collect();
    assert_eq!(prices, vec![1, 1, 1, 1, 0, 0]);
    // No stock projection yet: every product counts as out of stock.
    assert_eq!(facets["in_stock"], json!({ "yes": 0, "no": 4 }));

    // Facets follow the query.
    let shirts = search(&app, owner, "q=kemeja").await;
    assert_eq!(shirts.body["facets"]["in_stock"]["no"], 2);

    // Filters.
    let under = |id: &str| format!("category_id={id}");
    assert_eq!(total(&search(&app, owner, &under(&shop.pakaian)).await), 3);
    assert_eq!(total(&search(&app, owner, &under(&shop.kemeja)).await), 2);
    assert_eq!(
        names(&search(&app, owner, "min_price=17000000&max_price=50000000").await),
        vec!["Sepatu Kulit Café", "Kemeja Batik Pria Lengan Panjang"]
    );
    assert_eq!(total(&search(&app, owner, "in_stock=true").await), 0);
    assert_eq!(total(&search(&app, owner, "in_stock=false").await), 4);
    assert_eq!(total(&search(&app, owner, "status=draft").await), 0);
    assert_eq!(total(&search(&app, owner, "status=active").await), 4);
    assert_eq!(total(&search(&app, owner, "attr=Bahan:Katun").await), 0);
    assert_eq!(
        names(&search(&app, owner, &format!("q=kemeja&{}", under(&shop.kemeja))).await).len(),
        2
    );
}

async fn attributes_and_stock_reach_facets_and_filters(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Bahan", &email("bahan")).await;
    let bahan = app
        .post(
            "/api/v1/attributes",
            &owner,
            json!({ "name": "Bahan", "kind": "choice", "choices": ["Katun", "Rayon"] }),
        )
        .await;
    assert_eq!(bahan.status, StatusCode::CREATED, "{}", bahan.body);
    let bahan = bahan.body["id"].as_str().expect("id").to_owned();
    let kemeja = category(&app, &owner, "Kemeja", None).await;
    let assigned = app
        .put(
            &format!("/api/v1/categories/{kemeja}/attributes"),
            &owner,
            json!({ "attributes": [{ "attribute_id": bahan }] }),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.body);
    let mut variants = Vec::new();
    for (name, sku, value) in [
        ("Kemeja Santai", "SNT-1", "Katun"),
        ("Kemeja Pesta", "PST-1", "Rayon"),
    ] {
        let made = app
            .post(
                "/api/v1/products",
                &owner,
                json!({
                    "name": name, "category_id": kemeja, "status": "active",
                    "variants": [{ "sku": sku, "weight_grams": 300, "price": { "minor": 10_000_000 } }],
                    "attributes": [{ "attribute_id": bahan, "value": value }],
                }),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        variants.push(
            made.body["variants"][0]["id"]
                .as_str()
                .expect("variant")
                .to_owned(),
        );
    }
    indexed(&app, &owner, 2).await;

    let all = search(&app, &owner, "").await;
    assert_eq!(
        all.body["facets"]["attributes"],
        json!([{ "name": "Bahan", "values": [
            { "value": "Katun", "count": 1 }, { "value": "Rayon", "count": 1 }
        ] }])
    );
    assert_eq!(
        names(&search(&app, &owner, "attr=bahan:katun").await),
        vec!["Kemeja Santai"]
    );
    assert_eq!(
        total(&search(&app, &owner, "attr=Bahan:Katun&attr=Bahan:Rayon").await),
        2
    );
    assert_eq!(
        names(&search(&app, &owner, "q=rayon").await),
        vec!["Kemeja Pesta"]
    );

    // Renaming the attribute reaches the documents of the products that have a value.
    let renamed = app
        .put(
            &format!("/api/v1/attributes/{bahan}"),
            &owner,
            json!({ "name": "Kain", "kind": "choice", "choices": ["Katun", "Rayon"] }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    app.eventually("the new attribute name is searchable", || async {
        total(&search(&app, &owner, "attr=Kain:Katun").await) == 1
    })
    .await;

    // Stock arrives for the cotton shirt: it becomes "in stock" for search too.
    let gudang = crate::inventory::warehouse(&app, &owner, "JKT").await;
    let variant: uuid::Uuid = variants[0].parse().expect("uuid");
    let known = format!("/api/v1/inventory?variant_id={variant}");
    app.eventually("inventory knows the variant", || async {
        app.get(&known, &owner).await.status == StatusCode::OK
    })
    .await;
    crate::inventory::stock_up(&app, &owner, variant, &gudang, 5).await;
    app.eventually("the stock reaches search", || async {
        total(&search(&app, &owner, "in_stock=true").await) == 1
    })
    .await;
    let found = search(&app, &owner, "in_stock=true").await;
    assert_eq!(names(&found), vec!["Kemeja Santai"]);
    assert_eq!(found.body["hits"][0]["in_stock"], true);
    assert_eq!(
        search(&app, &owner, "").await.body["facets"]["in_stock"],
        json!({ "yes": 1, "no": 1 })
    );
}

async fn changes_and_archiving_reach_the_index(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let shop = shop(&app, "Toko Ubah").await;
    let owner = &shop.owner;

    let renamed = app
        .put(
            &format!("/api/v1/products/{}", shop.batik),
            owner,
            json!({ "name": "Kemeja Songket Wanita", "category_id": shop.kemeja, "status": "active" }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    app.eventually("the new name is searchable", || async {
        total(&search(&app, owner, "q=songket").await) == 1
    })
    .await;
    // The old name (and the description, which the PUT left out) are gone.
    assert_eq!(total(&search(&app, owner, "q=batik").await), 0);

    // Renaming the category reaches its products' documents too.
    let moved = app
        .put(
            &format!("/api/v1/categories/{}", shop.kemeja),
            owner,
            json!({ "name": "Atasan", "parent_id": shop.pakaian }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    app.eventually("the category's new name is searchable", || async {
        total(&search(&app, owner, "q=atasan").await) == 2
    })
    .await;

    assert_eq!(
        app.delete(&format!("/api/v1/products/{}", shop.batik), owner)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    app.eventually("the archived product hides", || async {
        total(&search(&app, owner, "q=songket").await) == 0
    })
    .await;
    assert_eq!(total(&search(&app, owner, "").await), 3);
    let archived = search(&app, owner, "q=songket&status=archived").await;
    assert_eq!(names(&archived), vec!["Kemeja Songket Wanita"]);
    assert_eq!(archived.body["hits"][0]["status"], "archived");
}

async fn another_stores_products_never_appear(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let mine = shop(&app, "Toko Satu").await;
    let theirs = shop(&app, "Toko Dua").await;
    for query in ["", "q=kemeja", "q=kmj", "q=sepa", "status=archived"] {
        let found = search(&app, &mine.owner, query).await;
        let body = found.body.to_string();
        assert!(!body.contains(&theirs.batik), "{query}: {body}");
        assert!(!body.contains(&theirs.pakaian), "{query}: {body}");
        assert!(!body.contains(&theirs.kemeja), "{query}: {body}");
    }
    assert_eq!(total(&search(&app, &mine.owner, "").await), 4);
    // Another store's category as a filter matches nothing here.
    assert_eq!(
        total(
            &search(
                &app,
                &mine.owner,
                &format!("category_id={}", theirs.pakaian)
            )
            .await
        ),
        0
    );
}

async fn searching_needs_products_read(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Izin Cari", &email("izin")).await;
    let viewer_role = app
        .create_role(&owner, "katalog_lihat", &["products:read"])
        .await;
    let viewer = app
        .add_member(&owner, &email("lihat"), std::slice::from_ref(&viewer_role))
        .await;
    let cashier_role = app.create_role(&owner, "kasir", &["orders:read"]).await;
    let cashier = app
        .add_member(&owner, &email("kasir"), std::slice::from_ref(&cashier_role))
        .await;
    assert_eq!(search(&app, &viewer, "q=kopi").await.status, StatusCode::OK);
    search(&app, &cashier, "q=kopi")
        .await
        .assert_problem(403, "auth.forbidden");
    search(&app, As::Nobody, "q=kopi")
        .await
        .assert_problem(401, "auth.unauthenticated");
    // And it is documented.
    let document = app.get("/api/v1/openapi.json", As::Nobody).await;
    assert!(
        document.body["paths"]["/api/v1/products/search"]["get"].is_object(),
        "search is in the OpenAPI document"
    );
}

async fn bad_parameters_are_refused_field_by_field(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Salah", &email("salah")).await;
    let cases = [
        ("limit=0", "limit"),
        ("limit=51", "limit"),
        ("limit=banyak", "limit"),
        ("in_stock=ya", "in_stock"),
        ("min_price=-5", "min_price"),
        ("min_price=10&max_price=5", "max_price"),
        ("max_price=1e9", "max_price"),
        ("category_id=pakaian", "category_id"),
        ("status=hapus", "status"),
        ("attr=Bahan", "attr"),
        ("cursor=bukan-kursor", "cursor"),
        ("urut=nama", "urut"),
    ];
    for (query, field) in cases {
        let answer = search(&app, &owner, query).await;
        answer.assert_problem(422, "validation_failed");
        assert_eq!(answer.fields(), vec![field.to_owned()], "{query}");
    }
    let long = "a".repeat(201);
    let answer = search(&app, &owner, &format!("q={long}")).await;
    answer.assert_problem(422, "validation_failed");
    assert_eq!(answer.fields(), vec!["q"]);
    // Hostile but valid text answers, empty.
    for q in ["%25%27%22%3B--", "%F0%9F%91%95", "***", "%00"] {
        assert_eq!(
            search(&app, &owner, &format!("q={q}")).await.status,
            StatusCode::OK,
            "{q}"
        );
    }
}

async fn pages_follow_the_cursor(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let shop = shop(&app, "Toko Halaman").await;
    let owner = &shop.owner;
    let first = search(&app, owner, "limit=3").await;
    assert_eq!(names(&first).len(), 3);
    let cursor = first.body["next_cursor"].as_str().expect("a next page");
    let second = search(&app, owner, &format!("limit=3&cursor={cursor}")).await;
    assert_eq!(names(&second).len(), 1);
    assert!(second.body["next_cursor"].is_null());
    let mut seen = names(&first);
    seen.extend(names(&second));
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4, "no product twice, none skipped");
}

fn smartseller(args: &[&str], data_dir: &std::path::Path, database_url: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_smartseller"))
        .args(args)
        .env("SMARTSELLER_DATA_DIR", data_dir)
        .env("DATABASE_URL", database_url)
        .env("SMARTSELLER_LOG", "error")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn the_rebuild_command_restores_a_deleted_index(engine: Engine) {
    let data = tempfile::tempdir().expect("data dir");
    let dir = data.path().to_path_buf();
    let Some(app) = TestApp::spawn_with(engine, |s| s.data_dir = dir.clone()).await else {
        return;
    };
    let shop = shop(&app, "Toko Bangun").await;
    let other = app.register("Toko Lain", &email("lain")).await;
    product(&app, &other, "Kopi Gayo", "", None, &[("GAYO", 9_000_000)]).await;
    indexed(&app, &other, 1).await;
    let database = app.stop_keeping_database().await;

    std::fs::remove_dir_all(dir.join("search")).expect("the index is deleted");
    let printed = smartseller(&["search", "rebuild"], &dir, &database.url);
    assert!(printed.contains("5 products of 2 stores"), "{printed}");
    // One store only.
    let printed = smartseller(
        &["search", "rebuild", "--tenant", &other.tenant_id],
        &dir,
        &database.url,
    );
    assert!(printed.contains("1 products of 1 stores"), "{printed}");

    // The restarted server finds everything at once, without rebuilding itself.
    let app = TestApp::spawn_on(database, |s| {
        s.data_dir = dir.clone();
        s.search.rebuild_when_empty = false;
    })
    .await;
    assert_eq!(total(&search(&app, &shop.owner, "").await), 4);
    assert_eq!(total(&search(&app, &shop.owner, "q=kemaja").await), 2);
    assert_eq!(
        names(&search(&app, &other, "q=gayo").await),
        vec!["Kopi Gayo"]
    );
    app.stop().await;
}

async fn a_server_rebuilds_an_empty_index_at_start(engine: Engine) {
    let data = tempfile::tempdir().expect("data dir");
    let dir = data.path().to_path_buf();
    let Some(app) = TestApp::spawn_with(engine, |s| s.data_dir = dir.clone()).await else {
        return;
    };
    let shop = shop(&app, "Toko Mulai").await;
    let database = app.stop_keeping_database().await;
    std::fs::remove_dir_all(dir.join("search")).expect("the index is deleted");

    let app = TestApp::spawn_on(database, |s| s.data_dir = dir.clone()).await;
    indexed(&app, &shop.owner, 4).await;
    assert_eq!(
        names(&search(&app, &shop.owner, "q=sepatu").await),
        vec!["Sepatu Kulit Café"]
    );
    app.stop().await;
}
