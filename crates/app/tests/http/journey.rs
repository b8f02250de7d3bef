//! One seller's journey through the HTTP API alone, end to end: Toko Batik Sekar builds a
//! catalogue with variants, attributes and an image, imports rows from CSV and reads the report of
//! its bad rows, stocks two warehouses and transfers between them, receives a purchase order,
//! sells, sees reorder suggestions, gets a price quote with its explanation and searches with a
//! typo and a prefix; a second store sees none of it, and a read-only staff member can read but
//! not change.

use std::io::Cursor;
use std::time::{Duration, Instant};

use image::{DynamicImage, ImageBuffer, ImageFormat, Rgb};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;

use crate::support::{Answer, As, Session, TestApp, email};

engine_tests!(a_seller_builds_stocks_prices_and_finds_a_catalogue_through_the_api);

const HEADER: &str = "product_key,name,description,category,status,option1_name,option1_value,sku,barcode,price,weight_grams";

fn created(answer: Answer) -> Value {
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    answer.body
}

fn ok(answer: Answer) -> Value {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body
}

fn id(body: &Value) -> String {
    body["id"].as_str().expect("id").to_owned()
}

/// Sends `body` with an `Idempotency-Key`, as stock-moving calls require.
async fn keyed(
    app: &TestApp,
    method: Method,
    path: &str,
    who: As<'_>,
    key: &str,
    body: Value,
) -> Answer {
    TestApp::send(
        app.request(method, path, who)
            .header("Idempotency-Key", key)
            .json(&body),
    )
    .await
}

/// A photo-like opaque PNG.
fn png(width: u32, height: u32) -> Vec<u8> {
    let pixels = ImageBuffer::from_fn(width, height, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, ((x * y) % 256) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(pixels)
        .write_to(&mut out, ImageFormat::Png)
        .expect("encode");
    out.into_inner()
}

/// Uploads one image with its alt text as `multipart/form-data`.
async fn upload_image(
    app: &TestApp,
    who: &Session,
    product: &str,
    filename: &str,
    alt: &str,
    data: &[u8],
) -> Answer {
    let boundary = "----toko-batik-sekar-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\n{alt}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    TestApp::send(
        app.request(
            Method::POST,
            &format!("/api/v1/products/{product}/media"),
            who.into(),
        )
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body),
    )
    .await
}

/// Follows a job to its end.
async fn finished(app: &TestApp, who: &Session, location: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let job = ok(app.get(location, who).await);
        if matches!(job["status"].as_str(), Some("succeeded" | "failed")) {
            return job;
        }
        assert!(Instant::now() < deadline, "job did not finish: {job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn import_csv(app: &TestApp, who: &Session, csv: String) -> Answer {
    TestApp::send(
        app.request(Method::POST, "/api/v1/products/import", who.into())
            .header("content-type", "text/csv")
            .body(csv),
    )
    .await
}

/// The stock summary on the product page: (on_hand, reserved, incoming, available).
async fn stock_summary(app: &TestApp, who: &Session, product: &str) -> (i64, i64, i64, i64) {
    let page = ok(app.get(&format!("/api/v1/products/{product}"), who).await);
    let stock = &page["stock"];
    let n = |k: &str| stock[k].as_i64().unwrap_or(-1);
    (n("on_hand"), n("reserved"), n("incoming"), n("available"))
}

async fn eventually_stock(
    app: &TestApp,
    who: &Session,
    product: &str,
    what: &str,
    expected: (i64, i64, i64, i64),
) {
    app.eventually(what, || async {
        stock_summary(app, who, product).await == expected
    })
    .await;
}

/// (on_hand, incoming, available) of one variant in one warehouse, live from inventory.
async fn level(app: &TestApp, who: &Session, variant: &str, warehouse: &str) -> (i64, i64, i64) {
    let answer = ok(app
        .get(
            &format!("/api/v1/inventory?variant_id={variant}&warehouse_id={warehouse}"),
            who,
        )
        .await);
    let items = answer["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{answer}");
    let n = |k: &str| items[0][k].as_i64().expect(k);
    (n("on_hand"), n("incoming"), n("available"))
}

async fn search(app: &TestApp, who: &Session, q: &str) -> Value {
    ok(app
        .get(&format!("/api/v1/products/search?q={q}"), who)
        .await)
}

fn hit_ids(found: &Value) -> Vec<String> {
    found["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn a_seller_builds_stocks_prices_and_finds_a_catalogue_through_the_api(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Batik Sekar", &email("sekar")).await;

    // --- Catalogue: a category tree, a required attribute, a product with variants. ---
    let category = |name: &'static str, parent: Option<String>| {
        let (app, owner) = (&app, &owner);
        async move {
            id(&created(
                app.post(
                    "/api/v1/categories",
                    owner,
                    json!({ "name": name, "parent_id": parent }),
                )
                .await,
            ))
        }
    };
    let pakaian = category("Pakaian", None).await;
    let kemeja = category("Kemeja", Some(pakaian.clone())).await;
    let kemeja_batik = category("Kemeja Batik", Some(kemeja.clone())).await;
    let kain = category("Kain", Some(pakaian.clone())).await;
    let shown = ok(app
        .get(&format!("/api/v1/categories/{kemeja_batik}"), &owner)
        .await);
    assert_eq!(shown["path"], json!([pakaian, kemeja, kemeja_batik]));

    let bahan = id(&created(
        app.post(
            "/api/v1/attributes",
            &owner,
            json!({ "name": "Bahan", "kind": "choice", "choices": ["Katun", "Sutra", "Rayon"] }),
        )
        .await,
    ));
    ok(app
        .put(
            &format!("/api/v1/categories/{kemeja}/attributes"),
            &owner,
            json!({ "attributes": [{ "attribute_id": bahan, "required": true }] }),
        )
        .await);

    let shirt = |attributes: Value| {
        json!({
            "name": "Kemeja Batik Sekar Jagad",
            "description": "Batik cap motif sekar jagad, katun primisima.",
            "category_id": kemeja_batik,
            "status": "active",
            "options": [
                { "name": "Ukuran", "values": ["M", "L"] },
                { "name": "Lengan", "values": ["Pendek", "Panjang"] }
            ],
            "generate": {
                "sku_prefix": "skr-kmj",
                "weight_grams": 250,
                "price": { "minor": 18_500_000 },
                "status": "active"
            },
            "attributes": attributes
        })
    };
    // Kemeja Batik inherits Kemeja's required Bahan: an active shirt must say what it is made of.
    let missing = app.post("/api/v1/products", &owner, shirt(json!([]))).await;
    missing.assert_problem(422, "validation_failed");
    assert_eq!(missing.fields(), ["attributes"]);
    let product = created(
        app.post(
            "/api/v1/products",
            &owner,
            shirt(json!([{ "attribute_id": bahan, "value": "katun" }])),
        )
        .await,
    );
    let product_id = id(&product);
    let skus: Vec<&str> = product["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|v| v["sku"].as_str().expect("sku"))
        .collect();
    assert_eq!(
        skus,
        [
            "SKR-KMJ-M-PENDEK",
            "SKR-KMJ-M-PANJANG",
            "SKR-KMJ-L-PENDEK",
            "SKR-KMJ-L-PANJANG"
        ]
    );
    assert_eq!(
        product["variants"][2]["option_values"],
        json!(["L", "Pendek"])
    );
    assert_eq!(product["attributes"][0]["name"], "Bahan");
    assert_eq!(product["attributes"][0]["value"], "Katun");
    let m = product["variants"][0]["id"].as_str().expect("m").to_owned();
    let l = product["variants"][2]["id"].as_str().expect("l").to_owned();

    // --- An image, generated here, with thumbnails served with ETags. ---
    let photo = png(800, 600);
    let uploaded = upload_image(
        &app,
        &owner,
        &product_id,
        "sekar-jagad.png",
        "Kemeja batik sekar jagad tampak depan",
        &photo,
    )
    .await;
    let media = created(uploaded);
    assert_eq!(media["kind"], "image");
    assert_eq!(media["content_type"], "image/png");
    assert_eq!(
        (media["width"].as_u64(), media["height"].as_u64()),
        (Some(800), Some(600))
    );
    let page = ok(app
        .get(&format!("/api/v1/products/{product_id}"), &owner)
        .await);
    let gallery = page["media"].as_array().expect("media on the product page");
    assert_eq!(gallery.len(), 1);
    assert_eq!(gallery[0]["id"], media["id"]);
    assert_eq!(gallery[0]["alt"], "Kemeja batik sekar jagad tampak depan");
    let renditions = gallery[0]["renditions"].as_array().expect("renditions");
    for (name, width, height) in [("160", 160, 120), ("480", 480, 360), ("1024", 800, 600)] {
        let rendition = renditions
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("rendition {name}: {renditions:?}"));
        let url = rendition["url"].as_str().expect("url");
        let served = TestApp::send(app.request(Method::GET, url, As::Nobody)).await;
        assert_eq!(served.status, StatusCode::OK, "{name}");
        let etag = served.header("etag").expect("an ETag").to_owned();
        let decoded = image::load_from_memory(&served.raw).expect("a real image");
        assert_eq!(
            (decoded.width(), decoded.height()),
            (width, height),
            "{name}"
        );
        let again = TestApp::send(
            app.request(Method::GET, url, As::Nobody)
                .header("if-none-match", &etag),
        )
        .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{name}");
    }
    let original = renditions
        .iter()
        .find(|r| r["name"] == "original")
        .expect("original");
    let served = TestApp::send(app.request(
        Method::GET,
        original["url"].as_str().expect("url"),
        As::Nobody,
    ))
    .await;
    assert_eq!(served.raw, photo, "the original comes back byte for byte");

    // --- A CSV of 100 rows, three of them bad, imported as a background job. ---
    let mut csv = format!("{HEADER}\n");
    for n in 1..=100 {
        let (category, barcode, price) = match n {
            20 => ("Pakaian > Kain", "", "-5000"),
            55 => ("Pakaian > Kain", "8992761002009", "125.000"),
            90 => ("Pakaian > Kian", "", "125.000"),
            _ => ("Pakaian > Kain", "", "125.000"),
        };
        csv.push_str(&format!(
            "kain-{n:03},Kain Batik Tulis {n:03},,{category},active,,,skr-kain-{n:03},{barcode},{price},200\n"
        ));
    }
    let queued = import_csv(&app, &owner, csv).await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.body);
    let location = queued.header("location").expect("location").to_owned();
    assert_eq!(location, format!("/api/v1/jobs/{}", id(&queued.body)));
    let job = finished(&app, &owner, &location).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["kind"], "catalog.products.import");
    assert_eq!(
        job["progress"],
        json!({ "total": 100, "processed": 100, "succeeded": 97, "failed": 3 })
    );
    assert_eq!(job["error_count"], 3);
    assert_eq!(job["summary"]["products_created"], 97);
    assert_eq!(job["summary"]["variants_created"], 97);
    // Line numbers as a spreadsheet shows them: the header is line 1.
    let mut reported: Vec<(u64, String, String)> = job["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().expect("row"),
                e["column"].as_str().expect("column").to_owned(),
                e["code"].as_str().expect("code").to_owned(),
            )
        })
        .collect();
    reported.sort();
    assert_eq!(
        reported,
        [
            (21, "price".to_owned(), "negative_price".to_owned()),
            (56, "barcode".to_owned(), "bad_check_digit".to_owned()),
            (91, "category".to_owned(), "unknown_category".to_owned()),
        ]
    );
    let report = app
        .get(
            job["links"]["errors_csv"].as_str().expect("errors link"),
            &owner,
        )
        .await;
    assert_eq!(report.status, StatusCode::OK);
    let report = String::from_utf8(report.raw).expect("utf-8");
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 4, "{report}");
    assert_eq!(lines[0], format!("row,column,code,message,{HEADER}"));
    assert!(report.contains("91,category,unknown_category,"), "{report}");
    assert!(
        report.contains(
            ",kain-090,Kain Batik Tulis 090,,Pakaian > Kian,active,,,skr-kain-090,,125.000,200"
        ),
        "{report}"
    );
    let listed = ok(app.get("/api/v1/products?limit=200", &owner).await);
    let listed = listed["items"].as_array().expect("items");
    assert_eq!(listed.len(), 98, "the shirt and 97 good rows");
    let names: Vec<&str> = listed.iter().filter_map(|p| p["name"].as_str()).collect();
    for bad in [
        "Kain Batik Tulis 020",
        "Kain Batik Tulis 055",
        "Kain Batik Tulis 090",
    ] {
        assert!(!names.contains(&bad), "{bad} was a bad row");
    }
    let imported = listed
        .iter()
        .find(|p| p["name"] == "Kain Batik Tulis 021")
        .expect("a good row is a product");
    assert_eq!(imported["category_id"], kain.as_str());
    assert_eq!(imported["status"], "active");
    assert_eq!(imported["variants"][0]["sku"], "SKR-KAIN-021");
    assert_eq!(imported["variants"][0]["price"]["minor"], 12_500_000);

    // --- Two warehouses, stocked, and a transfer between them. ---
    let warehouse = |code: &'static str, name: &'static str| {
        let (app, owner) = (&app, &owner);
        async move {
            let made = created(
                app.post(
                    "/api/v1/warehouses",
                    owner,
                    json!({ "code": code, "name": name, "address": "Jl. Slamet Riyadi 1" }),
                )
                .await,
            );
            assert_eq!(made["code"], code);
            id(&made)
        }
    };
    let solo = warehouse("SOLO", "Gudang Solo").await;
    let jkt = warehouse("JKT", "Gudang Jakarta").await;
    for variant in [&m, &l] {
        let path = format!("/api/v1/inventory?variant_id={variant}");
        app.eventually("inventory learns the shirt's variants", || async {
            app.get(&path, &owner).await.status == StatusCode::OK
        })
        .await;
    }
    let stock_in = json!({ "variant_id": m, "warehouse_id": solo, "delta": 20, "reason": "adjustment",
                           "note": "stok awal" });
    let adjusted = ok(keyed(
        &app,
        Method::PUT,
        "/api/v1/inventory/adjust",
        (&owner).into(),
        "sekar-stok-awal",
        stock_in.clone(),
    )
    .await);
    assert_eq!(adjusted["on_hand"], 20);
    assert_eq!(adjusted["sku"], "SKR-KMJ-M-PENDEK");
    let replay = keyed(
        &app,
        Method::PUT,
        "/api/v1/inventory/adjust",
        (&owner).into(),
        "sekar-stok-awal",
        stock_in,
    )
    .await;
    assert_eq!(replay.header("idempotency-replayed"), Some("true"));
    assert_eq!(
        level(&app, &owner, &m, &solo).await,
        (20, 0, 20),
        "stocked once"
    );

    let shipped = created(
        keyed(
            &app,
            Method::POST,
            "/api/v1/inventory/transfers",
            (&owner).into(),
            "sekar-kirim-jkt",
            json!({ "from_warehouse_id": solo, "to_warehouse_id": jkt,
                    "lines": [{ "variant_id": m, "quantity": 8 }], "note": "untuk bazar Jakarta" }),
        )
        .await,
    );
    assert_eq!(shipped["status"], "in_transit");
    assert_eq!(level(&app, &owner, &m, &solo).await, (12, 0, 12));
    assert_eq!(level(&app, &owner, &m, &jkt).await, (0, 8, 0));
    let transfer = id(&shipped);
    let received = ok(app
        .post(
            &format!("/api/v1/inventory/transfers/{transfer}/receive"),
            &owner,
            json!({}),
        )
        .await);
    assert_eq!(received["status"], "received");
    assert_eq!(level(&app, &owner, &m, &jkt).await, (8, 0, 8));
    eventually_stock(
        &app,
        &owner,
        &product_id,
        "the product page shows both warehouses",
        (20, 0, 0, 20),
    )
    .await;

    // --- A purchase order, received in two parts; the product page follows. ---
    let order = created(
        app.post(
            "/api/v1/purchase-orders",
            &owner,
            json!({
                "supplier_name": "CV Batik Laweyan", "warehouse_id": solo, "expected_date": "2026-12-15",
                "lines": [{ "variant_id": l, "quantity": 10, "unit_cost": { "minor": 9_000_000 } }]
            }),
        )
        .await,
    );
    assert_eq!(order["status"], "draft");
    assert_eq!(
        order["total"],
        json!({ "minor": 90_000_000, "currency": "IDR" })
    );
    let po = id(&order);
    let ordered = ok(app
        .post(
            &format!("/api/v1/purchase-orders/{po}/order"),
            &owner,
            json!({}),
        )
        .await);
    assert_eq!(ordered["status"], "ordered");
    assert_eq!(level(&app, &owner, &l, &solo).await, (0, 10, 0));
    let receipts = format!("/api/v1/purchase-orders/{po}/receipts");
    let partial = ok(keyed(
        &app,
        Method::POST,
        &receipts,
        (&owner).into(),
        "sekar-terima-1",
        json!({ "lines": [{ "variant_id": l, "quantity": 4 }], "note": "kiriman pertama" }),
    )
    .await);
    assert_eq!(partial["status"], "partially_received");
    assert_eq!(partial["lines"][0]["received"], 4);
    assert_eq!(partial["lines"][0]["remaining"], 6);
    assert_eq!(level(&app, &owner, &l, &solo).await, (4, 6, 4));
    eventually_stock(
        &app,
        &owner,
        &product_id,
        "the product page shows the first receipt",
        (24, 0, 6, 24),
    )
    .await;
    let rest = ok(keyed(
        &app,
        Method::POST,
        &receipts,
        (&owner).into(),
        "sekar-terima-2",
        json!({ "lines": [{ "variant_id": l, "quantity": 6 }] }),
    )
    .await);
    assert_eq!(rest["status"], "received");
    assert_eq!(rest["lines"][0]["remaining"], 0);
    assert_eq!(level(&app, &owner, &l, &solo).await, (10, 0, 10));
    eventually_stock(
        &app,
        &owner,
        &product_id,
        "the product page shows the whole order",
        (30, 0, 0, 30),
    )
    .await;

    // --- Sales (committed holds), then reorder suggestions. ---
    let held = created(
        app.post(
            "/api/v1/inventory/reservations",
            &owner,
            json!({
                "lines": [{ "variant_id": m, "warehouse_id": solo, "quantity": 6 }],
                "expires_at": (chrono::Utc::now() + chrono::Duration::minutes(15)).to_rfc3339(),
                "reference": { "type": "order", "id": "SO-SEKAR-1" }
            }),
        )
        .await,
    );
    assert_eq!(held["status"], "held");
    eventually_stock(
        &app,
        &owner,
        &product_id,
        "the product page shows the hold",
        (30, 6, 0, 24),
    )
    .await;
    let committed = ok(app
        .post(
            &format!("/api/v1/inventory/reservations/{}/commit", id(&held)),
            &owner,
            json!({}),
        )
        .await);
    assert_eq!(committed["status"], "committed");
    assert_eq!(level(&app, &owner, &m, &solo).await, (6, 0, 6));
    eventually_stock(
        &app,
        &owner,
        &product_id,
        "the product page shows the sale",
        (24, 0, 0, 24),
    )
    .await;
    ok(app
        .put(
            "/api/v1/inventory/reorder-settings",
            &owner,
            json!({ "variant_id": m, "warehouse_id": solo, "lead_time_days": 30, "safety_days": 15 }),
        )
        .await);
    let suggestions = ok(app
        .get("/api/v1/inventory/reorder-suggestions", &owner)
        .await);
    let items = suggestions["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "only what sold: {suggestions}");
    let suggestion = &items[0];
    assert_eq!(suggestion["variant_id"], m.as_str());
    assert_eq!(suggestion["warehouse_id"], solo.as_str());
    // 6 sold in 30 days is 0.2 a day; 45 days of lead and safety need 9; 6 available: order 3.
    assert_eq!(
        (
            suggestion["sold"].as_i64(),
            suggestion["available"].as_i64(),
            suggestion["incoming"].as_i64(),
            suggestion["needed"].as_i64(),
            suggestion["suggested_quantity"].as_i64(),
            suggestion["days_of_cover"].as_f64()
        ),
        (Some(6), Some(6), Some(0), Some(9), Some(3), Some(30.0)),
        "{suggestion}"
    );
    assert!(
        suggestion["explanation"]
            .as_str()
            .is_some_and(|e| e.contains("30 lead + 15 safety")),
        "{suggestion}"
    );

    // --- A price quote that explains itself. ---
    ok(app
        .put(
            "/api/v1/pricing/settings",
            &owner,
            json!({ "rounding": { "step_minor": 100_000, "ending_minor": 90_000, "mode": "down" }, "floor": "none" }),
        )
        .await);
    ok(app
        .put(
            &format!("/api/v1/pricing/variants/{m}"),
            &owner,
            json!({
                "cost_minor": 9_000_000,
                "channel_prices": { "shopee": 17_900_000 },
                "tiers": [{ "min_quantity": 3, "percent_off_bps": 1_000 }]
            }),
        )
        .await);
    let quote = ok(app
        .post(
            "/api/v1/pricing/quote",
            &owner,
            json!({ "variant_id": m, "channel": "shopee", "quantity": 3 }),
        )
        .await);
    let steps: Vec<(String, i64)> = quote["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["source"].as_str().expect("source").to_owned(),
                s["unit_price_after"]["minor"].as_i64().expect("minor"),
            )
        })
        .collect();
    // Rp 185.000 list, Rp 179.000 on Shopee, 10% off from 3 units, down to a ...900 ending.
    assert_eq!(
        steps,
        [
            ("base".to_owned(), 18_500_000),
            ("channel".to_owned(), 17_900_000),
            ("quantity_tier".to_owned(), 16_110_000),
            ("rounding".to_owned(), 16_090_000),
        ]
    );
    assert_eq!(
        quote["unit_price"],
        json!({ "minor": 16_090_000, "currency": "IDR" })
    );
    assert_eq!(
        quote["line_price"],
        json!({ "minor": 48_270_000, "currency": "IDR" })
    );
    for step in quote["steps"].as_array().expect("steps") {
        assert!(
            step["description"].as_str().is_some_and(|d| !d.is_empty()),
            "every step says why: {step}"
        );
    }
    assert!(
        quote["steps"][2]["description"]
            .as_str()
            .is_some_and(|d| d.contains("from 3 units")),
        "{quote}"
    );

    // --- Search, fed from events: with a typo, and as a prefix. ---
    app.eventually("the typo finds the shirt", || async {
        hit_ids(&search(&app, &owner, "kemaja").await) == [product_id.as_str()]
    })
    .await;
    let prefix = search(&app, &owner, "sekar%20jag").await;
    assert_eq!(hit_ids(&prefix), [product_id.as_str()], "{prefix}");
    assert_eq!(prefix["hits"][0]["name"], "Kemeja Batik Sekar Jagad");
    app.eventually("the imported products are searchable", || async {
        search(&app, &owner, "kain%20batik").await["total"] == 97
    })
    .await;

    // --- Another store sees none of it. ---
    let other = app.register("Toko Lain", &email("lain")).await;
    for list in [
        "/api/v1/products",
        "/api/v1/categories",
        "/api/v1/attributes",
        "/api/v1/warehouses",
        "/api/v1/inventory",
        "/api/v1/purchase-orders",
        "/api/v1/jobs",
        "/api/v1/inventory/reorder-suggestions",
    ] {
        let answer = ok(app.get(list, &other).await);
        assert_eq!(answer["items"], json!([]), "{list}: {answer}");
    }
    for path in [
        format!("/api/v1/products/{product_id}"),
        format!("/api/v1/products/{product_id}/media"),
        format!("/api/v1/purchase-orders/{po}"),
        format!("/api/v1/inventory/transfers/{transfer}"),
        location.clone(),
    ] {
        app.get(&path, &other)
            .await
            .assert_problem(404, "not_found");
    }
    assert_eq!(search(&app, &other, "kemaja").await["total"], 0);
    assert_eq!(search(&app, &other, "kain").await["total"], 0);
    let foreign_quote = app
        .post(
            "/api/v1/pricing/quote",
            &other,
            json!({ "variant_id": m, "channel": "shopee", "quantity": 1 }),
        )
        .await;
    foreign_quote.assert_problem(422, "validation_failed");
    assert_eq!(foreign_quote.fields(), ["variant_id"]);

    // --- Staff with products:read reads, but neither imports nor adjusts stock. ---
    let role = app
        .create_role(&owner, "katalog_lihat", &["products:read"])
        .await;
    let staff = app.add_member(&owner, &email("staf"), &[role]).await;
    let read = ok(app
        .get(&format!("/api/v1/products/{product_id}"), &staff)
        .await);
    assert_eq!(read["name"], "Kemeja Batik Sekar Jagad");
    assert_eq!(read["stock"]["on_hand"], 24);
    assert_eq!(
        hit_ids(&search(&app, &staff, "kemaja").await),
        [product_id.as_str()]
    );
    let refused = import_csv(
        &app,
        &staff,
        format!("{HEADER}\nx,Kain Curian,,,,,,SKR-X,,1000,10\n"),
    )
    .await;
    refused.assert_problem(403, "auth.forbidden");
    assert_eq!(refused.body["required_permission"], "products:write");
    let refused = keyed(
        &app,
        Method::PUT,
        "/api/v1/inventory/adjust",
        (&staff).into(),
        "staf-coba",
        json!({ "variant_id": m, "warehouse_id": solo, "delta": -6, "reason": "damage" }),
    )
    .await;
    refused.assert_problem(403, "auth.forbidden");
    assert_eq!(refused.body["required_permission"], "inventory:adjust");
    app.get("/api/v1/inventory", &staff)
        .await
        .assert_problem(403, "auth.forbidden");
    assert_eq!(
        level(&app, &owner, &m, &solo).await,
        (6, 0, 6),
        "nothing moved"
    );
    let jobs = ok(app.get("/api/v1/jobs", &owner).await);
    assert_eq!(
        jobs["items"].as_array().map(Vec::len),
        Some(1),
        "the refused import queued no job"
    );
    app.stop().await;
}
