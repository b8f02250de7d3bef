//! Bulk CSV through HTTP: product, price and stock imports and exports as background jobs, with
//! progress, a per-row error report, dry runs, and jobs private to their store and permission.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;

use crate::support::{Answer, As, Session, TestApp, email};

engine_tests!(
    a_good_import_creates_products_and_variants_with_their_events,
    bad_rows_are_reported_by_row_and_column_and_the_good_rows_go_in,
    bad_headers_and_empty_files_are_refused_before_any_job,
    an_export_imports_back_with_no_changes,
    prices_import_by_sku,
    stock_import_books_stock_counts_through_the_ledger,
    ten_thousand_rows_import_in_one_job,
    jobs_are_private_to_their_store_and_need_their_permission,
    an_active_product_is_not_imported_without_its_categorys_required_attributes,
);

const HEADER: &str = "product_key,name,description,category,status,option1_name,option1_value,sku,barcode,price,weight_grams";

async fn upload(app: &TestApp, who: &Session, path: &str, csv: &str) -> Answer {
    TestApp::send(
        app.request(Method::POST, path, As::from(who))
            .header("content-type", "text/csv")
            .body(csv.to_owned()),
    )
    .await
}

/// Posts `csv` to `path` and waits for the job to finish; returns the finished job.
async fn run_job(app: &TestApp, who: &Session, path: &str, csv: &str) -> Value {
    let queued = upload(app, who, path, csv).await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.body);
    let location = queued.header("location").expect("location").to_owned();
    assert_eq!(
        location,
        format!("/api/v1/jobs/{}", queued.body["id"].as_str().unwrap())
    );
    finished(app, who, &location).await
}

async fn finished(app: &TestApp, who: &Session, location: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let job = app.get(location, who).await;
        assert_eq!(job.status, StatusCode::OK, "{}", job.body);
        if matches!(job.body["status"].as_str(), Some("succeeded" | "failed")) {
            return job.body;
        }
        assert!(
            Instant::now() < deadline,
            "job did not finish: {}",
            job.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn export(app: &TestApp, who: &Session, path: &str) -> String {
    let queued = app.call(Method::POST, path, who.into(), None).await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.body);
    let job = finished(app, who, queued.header("location").unwrap()).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let result = app
        .get(job["links"]["result"].as_str().expect("result link"), who)
        .await;
    assert_eq!(result.status, StatusCode::OK);
    assert!(
        result
            .header("content-type")
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        result
            .header("content-disposition")
            .unwrap()
            .starts_with("attachment; filename=")
    );
    String::from_utf8(result.raw).unwrap()
}

async fn category(app: &TestApp, who: &Session, name: &str, parent: Option<&str>) -> String {
    let created = app
        .post(
            "/api/v1/categories",
            who,
            json!({ "name": name, "parent_id": parent }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.body["id"].as_str().unwrap().to_owned()
}

async fn products(app: &TestApp, who: &Session) -> Vec<Value> {
    let page = app.get("/api/v1/products?limit=200", who).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.body["items"].as_array().unwrap().clone()
}

/// (row, column, code) of each listed error.
fn errors(job: &Value) -> Vec<(u64, String, String)> {
    job["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["column"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn a_good_import_creates_products_and_variants_with_their_events(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Batik", &email("import")).await;
    let pakaian = category(&app, &owner, "Pakaian", None).await;
    let pria = category(&app, &owner, "Pria", Some(&pakaian)).await;
    let csv = format!(
        "{HEADER}\n\
         kemeja,Kemeja Batik,\"Batik tulis, \"\"asli\"\" Solo\",pakaian > PRIA,active,Ukuran,S,kmj-s,8992761002008,150.000,250\n\
         kemeja,,,,,Ukuran,M,kmj-m,,\"150.000,50\",260\n\
         peci,Peci Hitam,,,,,,PECI-1,,45000,100\n"
    );
    let job = run_job(&app, &owner, "/api/v1/products/import", &csv).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["kind"], "catalog.products.import");
    assert_eq!(job["dry_run"], false);
    assert_eq!(
        job["progress"],
        json!({ "total": 3, "processed": 3, "succeeded": 3, "failed": 0 })
    );
    assert_eq!(job["error_count"], 0);
    assert_eq!(job["summary"]["products_created"], 2);
    assert_eq!(job["summary"]["variants_created"], 3);
    assert!(job["links"]["errors_csv"].is_null());
    assert!(job["finished_at"].is_string());

    let listed = products(&app, &owner).await;
    assert_eq!(listed.len(), 2);
    let kemeja = listed
        .iter()
        .find(|p| p["name"] == "Kemeja Batik")
        .expect("kemeja");
    assert_eq!(kemeja["description"], "Batik tulis, \"asli\" Solo");
    assert_eq!(kemeja["category_id"], pria.as_str());
    assert_eq!(kemeja["status"], "active");
    assert_eq!(kemeja["options"][0]["name"], "Ukuran");
    let variants = kemeja["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    assert_eq!(variants[0]["sku"], "KMJ-S");
    assert_eq!(variants[0]["barcode"], "8992761002008");
    assert_eq!(variants[0]["price"]["minor"], 15_000_000);
    assert_eq!(variants[1]["price"]["minor"], 15_000_050);
    assert_eq!(variants[1]["weight_grams"], 260);
    let peci = listed
        .iter()
        .find(|p| p["name"] == "Peci Hitam")
        .expect("peci");
    assert_eq!(peci["status"], "draft", "status defaults to draft");
    // The rest of SmartSeller hears of them as of any new product: inventory learns the SKUs.
    let variant = variants[0]["id"].as_str().unwrap().to_owned();
    app.eventually("inventory knows the imported variant", || async {
        app.get(&format!("/api/v1/inventory?variant_id={variant}"), &owner)
            .await
            .status
            == StatusCode::OK
    })
    .await;
}

async fn bad_rows_are_reported_by_row_and_column_and_the_good_rows_go_in(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Rusak", &email("rows")).await;
    let first = run_job(
        &app,
        &owner,
        "/api/v1/products/import",
        &format!("{HEADER}\na,Produk A,,,,,,A-1,,1000,10\nb,Produk B,,,,,,B-1,,1000,10\n"),
    )
    .await;
    assert_eq!(first["summary"]["products_created"], 2, "{first}");
    let bad = format!(
        "{HEADER}\n\
         p1,Baru,,,,,,P1-1,,1000,10\n\
         p2,Kode Salah,,,,,,P2-1,8992761002009,1000,10\n\
         p2,Kode Salah,,,,,,P2-2,,1000,10\n\
         p3,Harga Minus,,,,,,P3-1,,-5000,10\n\
         p4,Kembar,,,,,,p1-1,,1000,10\n\
         p5,,,,,,,P5-1,,1000,10\n\
         a,Produk A,,,,,,A-1,,2000,10\n\
         a,Produk A,,,,,,B-1,,2000,10\n\
         p6,Tanpa Kategori,,Tidak > Ada,,,,P6-1,,1000,10\n"
    );
    let expected: Vec<(u64, String, String)> = [
        (3, "barcode", "bad_check_digit"),
        (4, "", "product_skipped"),
        (5, "price", "negative_price"),
        (6, "sku", "duplicate_sku"),
        (7, "name", "required"),
        (8, "", "product_skipped"),
        (9, "sku", "sku_of_another_product"),
        (10, "category", "unknown_category"),
    ]
    .iter()
    .map(|(r, c, k)| (*r, (*c).to_owned(), (*k).to_owned()))
    .collect();

    // A dry run reports exactly what the real run will, and changes nothing.
    let dry = run_job(&app, &owner, "/api/v1/products/import?dry_run=true", &bad).await;
    assert_eq!(dry["status"], "succeeded", "{dry}");
    assert_eq!(dry["dry_run"], true);
    let mut found = errors(&dry);
    found.sort();
    assert_eq!(found, expected, "{dry}");
    assert_eq!(dry["summary"]["products_created"], 1);
    assert_eq!(
        products(&app, &owner).await.len(),
        2,
        "a dry run writes nothing"
    );

    let job = run_job(&app, &owner, "/api/v1/products/import", &bad).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(
        job["progress"],
        json!({ "total": 9, "processed": 9, "succeeded": 1, "failed": 8 })
    );
    assert_eq!(job["error_count"], 8);
    let mut found = errors(&job);
    found.sort();
    assert_eq!(found, expected);
    let skipped = &job["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["row"] == 4)
        .unwrap()["message"];
    assert!(skipped.as_str().unwrap().contains("row 3"), "{skipped}");
    let listed = products(&app, &owner).await;
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().any(|p| p["name"] == "Baru"));
    let a = listed.iter().find(|p| p["name"] == "Produk A").unwrap();
    assert_eq!(
        a["variants"][0]["price"]["minor"], 100_000,
        "a skipped product keeps its price"
    );

    // The full report: every bad row with its problem and the row as uploaded.
    let report = app
        .get(job["links"]["errors_csv"].as_str().unwrap(), &owner)
        .await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(
        report
            .header("content-type")
            .unwrap()
            .starts_with("text/csv")
    );
    let text = String::from_utf8(report.raw).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("row,column,code,message,{HEADER}"));
    assert_eq!(lines.len(), 9, "{text}");
    assert!(text.contains("3,barcode,bad_check_digit,"));
    assert!(text.contains(",p2,Kode Salah,,,,,,P2-1,8992761002009,1000,10"));
}

async fn bad_headers_and_empty_files_are_refused_before_any_job(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Header", &email("header")).await;
    let missing = upload(
        &app,
        &owner,
        "/api/v1/products/import",
        "product_key,name,sku,harga\n",
    )
    .await;
    missing.assert_problem(422, "validation_failed");
    assert_eq!(
        missing.fields(),
        vec!["header[3]", "header.price", "header.weight_grams"]
    );
    let empty = upload(&app, &owner, "/api/v1/products/import", "").await;
    empty.assert_problem(422, "validation_failed");
    assert_eq!(empty.fields(), vec!["file"]);
    let stock = upload(&app, &owner, "/api/v1/inventory/import", "sku,gudang\n").await;
    stock.assert_problem(422, "validation_failed");
    let json = app
        .post("/api/v1/products/import", &owner, json!({ "rows": [] }))
        .await;
    json.assert_problem(415, "unsupported_media_type");
    let jobs = app.get("/api/v1/jobs", &owner).await;
    assert_eq!(jobs.body["items"], json!([]), "no job was queued");
    // A header alone is a job with nothing to do.
    let job = run_job(
        &app,
        &owner,
        "/api/v1/products/import",
        &format!("{HEADER}\n"),
    )
    .await;
    assert_eq!(job["status"], "succeeded");
    assert_eq!(job["progress"]["total"], 0);
}

async fn an_export_imports_back_with_no_changes(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Ekspor", &email("export")).await;
    let pakaian = category(&app, &owner, "Pakaian", None).await;
    category(&app, &owner, "Anak", Some(&pakaian)).await;
    let csv = "product_key,name,description,category,status,option1_name,option1_value,option2_name,option2_value,sku,barcode,price,weight_grams,length_mm,width_mm,height_mm\n\
               k,Kaos Anak,\"Dua baris\nkedua\",Pakaian > Anak,active,Ukuran,S,Warna,Merah,K-S-M,,\"75.000,50\",150,200,150,20\n\
               k,,,,,Ukuran,S,Warna,Biru,K-S-B,8992761002008,75000,150,,,\n\
               t,Topi,,,draft,,,,,TOPI,,30000,80,,,\n";
    let imported = run_job(&app, &owner, "/api/v1/products/import", csv).await;
    assert_eq!(imported["progress"]["succeeded"], 3, "{imported}");
    let before = products(&app, &owner).await;
    let exported = export(&app, &owner, "/api/v1/products/export").await;
    assert_eq!(
        exported.lines().next().unwrap(),
        "product_key,name,description,category,status,option1_name,option1_value,option2_name,option2_value,option3_name,option3_value,sku,barcode,price,weight_grams,length_mm,width_mm,height_mm"
    );
    assert!(exported.contains("Pakaian > Anak"));
    assert!(exported.contains("\"75000,50\""));
    let again = run_job(&app, &owner, "/api/v1/products/import", &exported).await;
    assert_eq!(again["status"], "succeeded", "{again}");
    assert_eq!(again["error_count"], 0, "{again}");
    assert_eq!(again["summary"]["products_unchanged"], 2, "{again}");
    assert_eq!(again["summary"]["products_updated"], 0);
    assert_eq!(again["summary"]["products_created"], 0);
    assert_eq!(again["summary"]["variants_updated"], 0);
    assert_eq!(products(&app, &owner).await, before);
    // An edited export updates in place, matched by SKU.
    let edited = exported.replace("Topi", "Topi Rajut");
    let changed = run_job(&app, &owner, "/api/v1/products/import", &edited).await;
    assert_eq!(changed["summary"]["products_updated"], 1, "{changed}");
    assert!(
        products(&app, &owner)
            .await
            .iter()
            .any(|p| p["name"] == "Topi Rajut")
    );
}

async fn prices_import_by_sku(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Harga", &email("prices")).await;
    run_job(
        &app,
        &owner,
        "/api/v1/products/import",
        &format!("{HEADER}\na,Produk A,,,,,,A-1,,1000,10\n"),
    )
    .await;
    let job = run_job(
        &app,
        &owner,
        "/api/v1/prices/import",
        "sku,price\na-1,Rp 12.500\nNOPE,1000\nA-1,5\n",
    )
    .await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let mut found = errors(&job);
    found.sort();
    assert_eq!(
        found,
        vec![
            (3, "sku".to_owned(), "unknown_sku".to_owned()),
            (4, "sku".to_owned(), "duplicate_sku".to_owned())
        ]
    );
    assert_eq!(job["summary"]["prices_changed"], 1);
    let listed = products(&app, &owner).await;
    assert_eq!(listed[0]["variants"][0]["price"]["minor"], 1_250_000);
}

async fn stock_import_books_stock_counts_through_the_ledger(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Stok", &email("stock")).await;
    run_job(
        &app,
        &owner,
        "/api/v1/products/import",
        &format!(
            "{HEADER}\na,Produk A,,,,Ukuran,S,A-1,,1000,10\na,Produk A,,,,Ukuran,M,A-2,,1000,10\n"
        ),
    )
    .await;
    let listed = products(&app, &owner).await;
    let a1 = listed[0]["variants"][0]["id"].as_str().unwrap().to_owned();
    app.eventually("inventory knows the imported variant", || async {
        app.get(&format!("/api/v1/inventory?variant_id={a1}"), &owner)
            .await
            .status
            == StatusCode::OK
    })
    .await;
    let jkt = crate::inventory::warehouse(&app, &owner, "JKT").await;
    let csv = "sku,warehouse,on_hand\nA-1,jkt,10\nA-2,SBY,5\nZZZ,JKT,1\nA-1,JKT,12\nA-2,JKT,lima\n";
    let levels_path = format!("/api/v1/inventory?variant_id={a1}&warehouse_id={jkt}");
    let dry = run_job(&app, &owner, "/api/v1/inventory/import?dry_run=true", csv).await;
    assert_eq!(
        app.get(&levels_path, &owner).await.body["items"],
        json!([]),
        "a dry run books nothing"
    );
    let job = run_job(&app, &owner, "/api/v1/inventory/import", csv).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(errors(&dry), errors(&job));
    let mut found = errors(&job);
    found.sort();
    assert_eq!(
        found,
        vec![
            (3, "warehouse".to_owned(), "unknown_warehouse".to_owned()),
            (4, "sku".to_owned(), "unknown_sku".to_owned()),
            (5, "sku".to_owned(), "duplicate_row".to_owned()),
            (6, "on_hand".to_owned(), "not_a_number".to_owned()),
        ]
    );
    assert_eq!(job["summary"]["levels_changed"], 1);
    let level = crate::inventory::level(&app, &owner, a1.parse().unwrap(), &jkt).await;
    assert_eq!(level["on_hand"], 10);
    let ledger = app
        .get(&format!("/api/v1/inventory/ledger?variant_id={a1}"), &owner)
        .await;
    let entries = ledger.body["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{}", ledger.body);
    assert_eq!(entries[0]["reason"], "stock_count");
    assert_eq!(entries[0]["after"]["on_hand"], 10);
    assert_eq!(entries[0]["reference"]["type"], "import", "{}", ledger.body);
    // The export is the import's own format, and imports back changing nothing.
    let exported = export(&app, &owner, "/api/v1/inventory/export").await;
    assert_eq!(exported, "sku,warehouse,on_hand\nA-1,JKT,10\n");
    let again = run_job(&app, &owner, "/api/v1/inventory/import", &exported).await;
    assert_eq!(again["summary"]["levels_unchanged"], 1, "{again}");
    assert_eq!(again["summary"]["levels_changed"], 0);
}

async fn ten_thousand_rows_import_in_one_job(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Besar", &email("big")).await;
    let mut csv = String::from(HEADER);
    csv.push('\n');
    for product in 0..2_000 {
        for size in ["XS", "S", "M", "L", "XL"] {
            csv.push_str(&format!(
                "p{product},Kaos Polos {product},Kaos katun combed 30s,,active,Ukuran,{size},KAOS-{product}-{size},,\"{}.000\",200\n",
                50 + product % 50
            ));
        }
    }
    let started = Instant::now();
    let job = run_job(&app, &owner, "/api/v1/products/import", &csv).await;
    let elapsed = started.elapsed();
    println!(
        "10,000-row product import on {:?}: {:.2} s (upload to finished job, {} bytes)",
        engine,
        elapsed.as_secs_f64(),
        csv.len()
    );
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["progress"]["succeeded"], 10_000);
    assert_eq!(job["error_count"], 0);
    assert_eq!(job["summary"]["products_created"], 2_000);
    assert_eq!(job["summary"]["variants_created"], 10_000);
    let one = app.get("/api/v1/variants?sku=KAOS-1999-XL", &owner).await;
    assert_eq!(
        one.body["items"][0]["price"]["minor"], 9_900_000,
        "{}",
        one.body
    );
}

async fn jobs_are_private_to_their_store_and_need_their_permission(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Rahasia", &email("private")).await;
    let job = run_job(
        &app,
        &owner,
        "/api/v1/products/import",
        &format!("{HEADER}\na,Produk A,,,,,,A-1,,1000,10\n"),
    )
    .await;
    let id = job["id"].as_str().unwrap().to_owned();
    let other = app.register("Toko Lain", &email("other")).await;
    for path in [
        "/api/v1/jobs/{id}",
        "/api/v1/jobs/{id}/errors.csv",
        "/api/v1/jobs/{id}/result",
    ] {
        app.assert_foreign_id_answers_like_absent(Method::GET, path, &id, (&other).into(), None)
            .await;
    }
    assert_eq!(
        app.get("/api/v1/jobs", &other).await.body["items"],
        json!([])
    );

    let role = app
        .create_role(&owner, "katalog_lihat", &["products:read"])
        .await;
    let viewer = app.add_member(&owner, &email("viewer"), &[role]).await;
    let refused = upload(
        &app,
        &viewer,
        "/api/v1/products/import",
        &format!("{HEADER}\n"),
    )
    .await;
    refused.assert_problem(403, "auth.forbidden");
    app.get(&format!("/api/v1/jobs/{id}"), &viewer)
        .await
        .assert_problem(403, "auth.forbidden");
    assert_eq!(
        app.get("/api/v1/jobs", &viewer).await.body["items"],
        json!([]),
        "a list shows only the jobs one may read"
    );
    let mine = app
        .get(
            "/api/v1/jobs?kind=catalog.products.import&status=succeeded",
            &owner,
        )
        .await;
    assert_eq!(mine.body["items"][0]["id"], id.as_str());
    app.get("/api/v1/jobs?status=exploded", &owner)
        .await
        .assert_problem(422, "validation_failed");
}

/// The import carries no attribute values, so it holds the API's rule: an active product in a
/// category that requires attributes is refused (as a draft it goes in), and an existing product
/// may only be made active by the import once it has them.
async fn an_active_product_is_not_imported_without_its_categorys_required_attributes(
    engine: Engine,
) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Wajib", &email("wajib")).await;
    let kain = category(&app, &owner, "Kain", None).await;
    let bahan = app
        .post(
            "/api/v1/attributes",
            &owner,
            json!({ "name": "Bahan", "kind": "choice", "choices": ["Katun", "Sutra"] }),
        )
        .await;
    assert_eq!(bahan.status, StatusCode::CREATED, "{}", bahan.body);
    let bahan = bahan.body["id"].as_str().expect("id").to_owned();
    let set = app
        .put(
            &format!("/api/v1/categories/{kain}/attributes"),
            &owner,
            json!({ "attributes": [{ "attribute_id": bahan, "required": true }] }),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);

    let csv = format!(
        "{HEADER}\n\
         aktif,Kain Tenun,,Kain,active,,,KAIN-1,,90000,300\n\
         draf,Kain Songket,,Kain,draft,,,KAIN-2,,250000,300\n\
         bebas,Sarung Polos,,,active,,,SRG-1,,60000,300\n"
    );
    let job = run_job(&app, &owner, "/api/v1/products/import", &csv).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(
        errors(&job),
        [(
            2,
            "status".to_owned(),
            "missing_required_attributes".to_owned()
        )]
    );
    assert!(
        job["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Bahan"),
        "{job}"
    );
    let mut names: Vec<String> = products(&app, &owner)
        .await
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["Kain Songket", "Sarung Polos"]);

    // The draft gets its value through the API; then the import may make it active.
    let draft = products(&app, &owner)
        .await
        .into_iter()
        .find(|p| p["name"] == "Kain Songket")
        .expect("draft");
    let path = format!("/api/v1/products/{}", draft["id"].as_str().expect("id"));
    let refused = run_job(
        &app,
        &owner,
        "/api/v1/products/import",
        &format!("{HEADER}\ndraf,Kain Songket,,Kain,active,,,KAIN-2,,250000,300\n"),
    )
    .await;
    assert_eq!(
        errors(&refused),
        [(
            2,
            "status".to_owned(),
            "missing_required_attributes".to_owned()
        )]
    );
    assert_eq!(app.get(&path, &owner).await.body["status"], "draft");
    let valued = app
        .put(
            &path,
            &owner,
            json!({ "name": "Kain Songket", "category_id": kain, "status": "draft",
                    "attributes": [{ "attribute_id": bahan, "value": "Sutra" }] }),
        )
        .await;
    assert_eq!(valued.status, StatusCode::OK, "{}", valued.body);
    let accepted = run_job(
        &app,
        &owner,
        "/api/v1/products/import",
        &format!("{HEADER}\ndraf,Kain Songket,,Kain,active,,,KAIN-2,,250000,300\n"),
    )
    .await;
    assert_eq!(errors(&accepted), Vec::<(u64, String, String)>::new());
    let page = app.get(&path, &owner).await;
    assert_eq!(page.body["status"], "active");
    assert_eq!(page.body["attributes"][0]["value"], "Sutra");
}
