//! Typed attributes per category, and what product pages and lists show of stock: defined
//! through the API, checked on every product write, inherited down the category tree; stock
//! mirrored from inventory's events into the product page and the `stock_state` filter.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;
use uuid::Uuid;

use crate::inventory::{stock_up, warehouse};
use crate::support::{As, Session, TestApp, email};

engine_tests!(
    attributes_are_typed_inherited_and_required_of_active_products,
    attributes_in_use_cannot_change_kind_lose_a_choice_or_be_deleted,
    another_stores_attributes_answer_like_absent_and_writing_needs_products_write,
    product_pages_show_stock_and_lists_filter_by_stock_state,
);

async fn created(app: &TestApp, who: &Session, path: &str, body: Value) -> Value {
    let answer = app.post(path, who, body).await;
    assert_eq!(
        answer.status,
        StatusCode::CREATED,
        "{path}: {}",
        answer.body
    );
    answer.body
}

fn id(body: &Value) -> String {
    body["id"].as_str().expect("id").to_owned()
}

/// `Pakaian > Kemeja`, with `Bahan` (required choice) on Pakaian and `Panjang` (number, cm) and
/// `Motif` (text) on Kemeja. Returns (pakaian, kemeja, bahan, panjang, motif).
async fn clothing(app: &TestApp, owner: &Session) -> (String, String, String, String, String) {
    let bahan = id(&created(
        app,
        owner,
        "/api/v1/attributes",
        json!({ "name": "Bahan", "kind": "choice", "choices": ["Katun", "Rayon", "Linen"] }),
    )
    .await);
    let panjang = id(&created(
        app,
        owner,
        "/api/v1/attributes",
        json!({ "name": "Panjang", "kind": "number", "unit": "cm" }),
    )
    .await);
    let motif = id(&created(
        app,
        owner,
        "/api/v1/attributes",
        json!({ "name": "Motif", "kind": "text" }),
    )
    .await);
    let pakaian = id(&created(
        app,
        owner,
        "/api/v1/categories",
        json!({ "name": "Pakaian" }),
    )
    .await);
    let kemeja = id(&created(
        app,
        owner,
        "/api/v1/categories",
        json!({ "name": "Kemeja", "parent_id": pakaian }),
    )
    .await);
    let set = app
        .put(
            &format!("/api/v1/categories/{pakaian}/attributes"),
            owner,
            json!({ "attributes": [{ "attribute_id": bahan, "required": true }] }),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let set = app
        .put(
            &format!("/api/v1/categories/{kemeja}/attributes"),
            owner,
            json!({ "attributes": [{ "attribute_id": panjang }, { "attribute_id": motif }] }),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    (pakaian, kemeja, bahan, panjang, motif)
}

fn shirt(category: &str, sku: &str, status: &str, attributes: Value) -> Value {
    json!({
        "name": "Kemeja Flanel", "category_id": category, "status": status,
        "variants": [{ "sku": sku, "weight_grams": 300, "price": { "minor": 18_900_000 } }],
        "attributes": attributes
    })
}

async fn attributes_are_typed_inherited_and_required_of_active_products(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Atribut", &email("atribut")).await;
    let (pakaian, kemeja, bahan, panjang, motif) = clothing(&app, &owner).await;

    // Kemeja asks for its parent's attributes first, then its own.
    let listed = app
        .get(&format!("/api/v1/categories/{kemeja}/attributes"), &owner)
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    let asked = listed.body["attributes"].as_array().expect("attributes");
    let names: Vec<&str> = asked
        .iter()
        .map(|a| a["attribute"]["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["Bahan", "Panjang", "Motif"]);
    assert_eq!(asked[0]["required"], true);
    assert_eq!(asked[0]["inherited_from"], pakaian.as_str());
    assert_eq!(asked[1]["inherited_from"], Value::Null);
    assert_eq!(asked[1]["attribute"]["unit"], "cm");

    // An active product must say what it is made of; a draft may wait.
    let missing = app
        .post(
            "/api/v1/products",
            &owner,
            shirt(&kemeja, "FLN-1", "active", json!([])),
        )
        .await;
    missing.assert_problem(422, "validation_failed");
    assert_eq!(missing.fields(), ["attributes"]);
    assert!(
        missing.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Bahan")
    );
    let draft = created(
        &app,
        &owner,
        "/api/v1/products",
        shirt(&kemeja, "FLN-1", "draft", json!([])),
    )
    .await;
    assert_eq!(draft["attributes"], json!([]));

    // Values are checked against their kind, field by field, and nothing is written.
    let bad = app
        .post(
            "/api/v1/products",
            &owner,
            shirt(
                &kemeja,
                "FLN-2",
                "active",
                json!([
                    { "attribute_id": bahan, "value": "Sutra" },
                    { "attribute_id": panjang, "value": "tujuh puluh" },
                    { "attribute_id": motif, "value": "" },
                    { "attribute_id": Uuid::now_v7(), "value": "x" }
                ]),
            ),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    let mut fields = bad.fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "attributes",
            "attributes[0].value",
            "attributes[1].value",
            "attributes[2].value",
            "attributes[3].attribute_id"
        ]
    );
    assert_eq!(
        app.get("/api/v1/variants?sku=FLN-2", &owner).await.body["items"],
        json!([]),
        "a refused product leaves nothing behind"
    );

    // Good values come back canonical: the choice as defined, the number as a number.
    let made = created(
        &app,
        &owner,
        "/api/v1/products",
        shirt(
            &kemeja,
            "FLN-3",
            "active",
            json!([
                { "attribute_id": bahan, "value": " katun " },
                { "attribute_id": panjang, "value": "072.50" },
                { "attribute_id": motif, "value": "Kotak-kotak" }
            ]),
        ),
    )
    .await;
    let product = id(&made);
    let shown = app
        .get(&format!("/api/v1/products/{product}"), &owner)
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    let values: Vec<(String, Value)> = shown.body["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap_or_default().to_owned(),
                a["value"].clone(),
            )
        })
        .collect();
    assert_eq!(
        values,
        [
            ("Bahan".to_owned(), json!("Katun")),
            ("Motif".to_owned(), json!("Kotak-kotak")),
            ("Panjang".to_owned(), json!(72.5)),
        ]
    );

    // A PUT without `attributes` keeps them; one with `attributes` replaces them.
    let path = format!("/api/v1/products/{product}");
    let kept = app
        .put(
            &path,
            &owner,
            json!({ "name": "Kemeja Flanel Pria", "category_id": kemeja, "status": "active" }),
        )
        .await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.body);
    assert_eq!(kept.body["attributes"].as_array().map(Vec::len), Some(3));
    let replaced = app
        .put(
            &path,
            &owner,
            json!({ "name": "Kemeja Flanel Pria", "category_id": kemeja, "status": "active",
                    "attributes": [{ "attribute_id": bahan, "value": "Linen" }] }),
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
    assert_eq!(replaced.body["attributes"][0]["value"], "Linen");
    assert_eq!(
        replaced.body["attributes"].as_array().map(Vec::len),
        Some(1)
    );

    // Moving to a category that does not ask for Bahan drops the value; an active product
    // moved under Pakaian itself still needs it, and has it.
    let moved = app
        .put(
            &path,
            &owner,
            json!({ "name": "Kemeja Flanel Pria", "category_id": null, "status": "active" }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(moved.body["attributes"], json!([]));
    let back = app
        .put(
            &path,
            &owner,
            json!({ "name": "Kemeja Flanel Pria", "category_id": pakaian, "status": "active" }),
        )
        .await;
    back.assert_problem(422, "validation_failed");
    app.stop().await;
}

async fn attributes_in_use_cannot_change_kind_lose_a_choice_or_be_deleted(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Definisi", &email("definisi")).await;
    let (_, kemeja, bahan, panjang, _) = clothing(&app, &owner).await;
    created(
        &app,
        &owner,
        "/api/v1/products",
        shirt(
            &kemeja,
            "DEF-1",
            "active",
            json!([{ "attribute_id": bahan, "value": "Rayon" }]),
        ),
    )
    .await;

    // Names are unique regardless of case.
    app.post(
        "/api/v1/attributes",
        &owner,
        json!({ "name": "bahan", "kind": "text" }),
    )
    .await
    .assert_problem(409, "attributes.name_taken");
    // Bad definitions are refused field by field.
    let bad = app
        .post(
            "/api/v1/attributes",
            &owner,
            json!({ "name": " ", "kind": "warna", "choices": ["A"] }),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.fields(), ["name", "kind"]);

    let path = format!("/api/v1/attributes/{bahan}");
    app.put(&path, &owner, json!({ "name": "Bahan", "kind": "text" }))
        .await
        .assert_problem(409, "attributes.kind_locked");
    let dropped = app
        .put(
            &path,
            &owner,
            json!({ "name": "Bahan", "kind": "choice", "choices": ["Katun", "Linen"] }),
        )
        .await;
    dropped.assert_problem(409, "attributes.choice_in_use");
    assert_eq!(dropped.body["choices"], json!(["Rayon"]));
    app.delete(&path, &owner)
        .await
        .assert_problem(409, "attributes.in_use");

    // Respelling a choice carries the products that use it; adding one is always fine.
    let respelt = app
        .put(&path, &owner, json!({ "name": "Bahan Utama", "kind": "choice", "choices": ["Katun", "RAYON", "Linen", "Wol"] }))
        .await;
    assert_eq!(respelt.status, StatusCode::OK, "{}", respelt.body);
    let shown = app.get("/api/v1/products?limit=1", &owner).await;
    let product = shown.body["items"][0]["id"].as_str().expect("product");
    let page = app
        .get(&format!("/api/v1/products/{product}"), &owner)
        .await;
    assert_eq!(page.body["attributes"][0]["value"], "RAYON");
    assert_eq!(page.body["attributes"][0]["name"], "Bahan Utama");

    // An attribute nobody uses can change kind and be deleted; categories stop asking for it.
    let changed = app
        .put(
            &format!("/api/v1/attributes/{panjang}"),
            &owner,
            json!({ "name": "Panjang", "kind": "text" }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(
        app.delete(&format!("/api/v1/attributes/{panjang}"), &owner)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let asked = app
        .get(&format!("/api/v1/categories/{kemeja}/attributes"), &owner)
        .await;
    assert_eq!(asked.body["attributes"].as_array().map(Vec::len), Some(2));
    let all = app.get("/api/v1/attributes", &owner).await;
    assert_eq!(all.body["items"].as_array().map(Vec::len), Some(2));

    // Assignments name attributes of this store, once each.
    let wrong = app
        .put(
            &format!("/api/v1/categories/{kemeja}/attributes"),
            &owner,
            json!({ "attributes": [{ "attribute_id": bahan }, { "attribute_id": bahan }, { "attribute_id": Uuid::now_v7() }] }),
        )
        .await;
    wrong.assert_problem(422, "validation_failed");
    assert_eq!(
        wrong.fields(),
        ["attributes[1].attribute_id", "attributes[2].attribute_id"]
    );
    app.stop().await;
}

async fn another_stores_attributes_answer_like_absent_and_writing_needs_products_write(
    engine: Engine,
) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let first = app.register("Toko Satu", &email("satu")).await;
    let second = app.register("Toko Dua", &email("dua")).await;
    let (_, kemeja, bahan, _, _) = clothing(&app, &first).await;

    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let body = (method == Method::PUT).then(|| json!({ "name": "Bahan", "kind": "text" }));
        app.assert_foreign_id_answers_like_absent(
            method,
            "/api/v1/attributes/{id}",
            &bahan,
            As::from(&second),
            body,
        )
        .await;
    }
    app.assert_foreign_id_answers_like_absent(
        Method::GET,
        "/api/v1/categories/{id}/attributes",
        &kemeja,
        As::from(&second),
        None,
    )
    .await;
    // The second store cannot assign the first store's attribute to its own category, nor
    // give its products a value for it.
    let own = id(&created(
        &app,
        &second,
        "/api/v1/categories",
        json!({ "name": "Kemeja" }),
    )
    .await);
    let borrowed = app
        .put(
            &format!("/api/v1/categories/{own}/attributes"),
            &second,
            json!({ "attributes": [{ "attribute_id": bahan }] }),
        )
        .await;
    borrowed.assert_problem(422, "validation_failed");
    let valued = app
        .post(
            "/api/v1/products",
            &second,
            shirt(
                &own,
                "DUA-1",
                "draft",
                json!([{ "attribute_id": bahan, "value": "Katun" }]),
            ),
        )
        .await;
    valued.assert_problem(422, "validation_failed");
    assert_eq!(valued.fields(), ["attributes[0].attribute_id"]);
    let listed = app.get("/api/v1/attributes", &second).await;
    assert_eq!(listed.body["items"], json!([]));

    let viewer_role = app.create_role(&first, "lihat", &["products:read"]).await;
    let viewer = app
        .add_member(&first, &email("lihat"), std::slice::from_ref(&viewer_role))
        .await;
    assert_eq!(
        app.get("/api/v1/attributes", &viewer).await.status,
        StatusCode::OK
    );
    app.post(
        "/api/v1/attributes",
        &viewer,
        json!({ "name": "Warna", "kind": "text" }),
    )
    .await
    .assert_problem(403, "auth.forbidden");
    app.put(
        &format!("/api/v1/categories/{kemeja}/attributes"),
        &viewer,
        json!({ "attributes": [] }),
    )
    .await
    .assert_problem(403, "auth.forbidden");
    app.stop().await;
}

async fn product_pages_show_stock_and_lists_filter_by_stock_state(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Stok Katalog", &email("stokkat")).await;
    let jkt = warehouse(&app, &owner, "JKT").await;
    let sby = warehouse(&app, &owner, "SBY").await;
    let kopi = created(
        &app,
        &owner,
        "/api/v1/products",
        json!({
            "name": "Kopi Gayo", "status": "active",
            "options": [{ "name": "Berat", "values": ["250g", "1kg"] }],
            "generate": { "sku_prefix": "GAYO", "weight_grams": 300, "price": { "minor": 8_500_000 } }
        }),
    )
    .await;
    let teh = created(
        &app,
        &owner,
        "/api/v1/products",
        json!({ "name": "Teh Tarik", "status": "active",
                "variants": [{ "sku": "TEH-1", "weight_grams": 100, "price": { "minor": 2_500_000 } }] }),
    )
    .await;
    let gula = created(
        &app,
        &owner,
        "/api/v1/products",
        json!({ "name": "Gula Aren", "status": "active",
                "variants": [{ "sku": "GULA-1", "weight_grams": 500, "price": { "minor": 3_000_000 } }] }),
    )
    .await;
    let variant = |p: &Value, i: usize| -> Uuid {
        p["variants"][i]["id"]
            .as_str()
            .expect("variant")
            .parse()
            .expect("uuid")
    };
    let (small, large, tea, sugar) = (
        variant(&kopi, 0),
        variant(&kopi, 1),
        variant(&teh, 0),
        variant(&gula, 0),
    );
    for v in [small, large, tea, sugar] {
        let known = format!("/api/v1/inventory?variant_id={v}");
        app.eventually("inventory learns the variant", || async {
            app.get(&known, &owner).await.status == StatusCode::OK
        })
        .await;
    }
    assert_eq!(
        kopi["stock"]["state"], "out_of_stock",
        "a new product has no stock"
    );

    stock_up(&app, &owner, small, &jkt, 5).await;
    stock_up(&app, &owner, small, &sby, 3).await;
    stock_up(&app, &owner, large, &jkt, 2).await;
    stock_up(&app, &owner, tea, &jkt, 20).await;
    let point = app
        .put(
            "/api/v1/inventory/reorder-points",
            &owner,
            json!({ "variant_id": tea, "warehouse_id": jkt, "reorder_point": 25 }),
        )
        .await;
    assert_eq!(point.status, StatusCode::OK, "{}", point.body);
    let hold = app
        .post(
            "/api/v1/inventory/reservations",
            &owner,
            json!({ "lines": [{ "variant_id": small, "warehouse_id": jkt, "quantity": 4 }],
                    "expires_at": (chrono::Utc::now() + chrono::Duration::minutes(15)).to_rfc3339() }),
        )
        .await;
    assert_eq!(hold.status, StatusCode::CREATED, "{}", hold.body);

    let kopi_path = format!("/api/v1/products/{}", id(&kopi));
    app.eventually("the product page shows the hold", || async {
        app.get(&kopi_path, &owner).await.body["stock"]["reserved"] == 4
    })
    .await;
    let page = app.get(&kopi_path, &owner).await;
    let stock = &page.body["stock"];
    assert_eq!(
        (
            stock["on_hand"].as_i64(),
            stock["reserved"].as_i64(),
            stock["available"].as_i64()
        ),
        (Some(10), Some(4), Some(6)),
        "{stock}"
    );
    assert_eq!(stock["state"], "in_stock");
    let per_variant: Vec<(String, i64)> = stock["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|v| {
            (
                v["variant_id"].as_str().unwrap_or_default().to_owned(),
                v["available"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        per_variant,
        [(small.to_string(), 4), (large.to_string(), 2)]
    );

    let names = |answer: &crate::support::Answer| -> Vec<String> {
        let mut names: Vec<String> = answer.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
            .collect();
        names.sort();
        names
    };
    app.eventually("the tea shows as low", || async {
        let low = app
            .get("/api/v1/products?stock_state=low_stock", &owner)
            .await;
        names(&low) == ["Teh Tarik"]
    })
    .await;
    let sellable = app
        .get("/api/v1/products?stock_state=in_stock", &owner)
        .await;
    assert_eq!(names(&sellable), ["Kopi Gayo", "Teh Tarik"]);
    let sold_out = app
        .get("/api/v1/products?stock_state=out_of_stock", &owner)
        .await;
    assert_eq!(names(&sold_out), ["Gula Aren"]);
    let tea_page = app
        .get(&format!("/api/v1/products/{}", id(&teh)), &owner)
        .await;
    assert_eq!(tea_page.body["stock"]["state"], "low_stock");
    assert_eq!(tea_page.body["stock"]["low_levels"], 1);

    let bad = app.get("/api/v1/products?stock_state=plenty", &owner).await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.fields(), ["stock_state"]);

    // Another store's stock never shows: its filter sees only its own (empty) catalogue.
    let other = app.register("Toko Lain", &email("lainstok")).await;
    let theirs = app
        .get("/api/v1/products?stock_state=in_stock", &other)
        .await;
    assert_eq!(theirs.body["items"], json!([]));
    app.stop().await;
}
