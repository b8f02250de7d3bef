//! The catalogue through HTTP: a category tree that stays a tree, products whose options
//! multiply into variants, SKUs unique per store, lists that filter, sort and page, product
//! events written with the change, and one store never seeing another's catalogue.

use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use smartseller_platform::outbox;
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;

use crate::support::{Answer, As, Session, TestApp, email};

engine_tests!(
    a_category_tree_moves_whole_branches_and_refuses_cycles,
    siblings_keep_the_order_the_seller_gives_them,
    a_category_with_children_or_products_cannot_be_deleted,
    options_multiply_into_one_variant_per_combination,
    explicit_variants_keep_their_own_skus_barcodes_sizes_and_prices,
    a_sku_is_unique_within_a_store_but_not_across_stores,
    bad_input_is_refused_field_by_field,
    variants_are_added_repriced_and_archived_with_their_events,
    archiving_a_product_archives_its_variants_and_tells_the_rest,
    product_lists_filter_by_category_tree_status_price_and_time,
    product_lists_sort_and_page_without_skipping_or_repeating,
    another_stores_catalogue_answers_like_it_never_existed,
    reading_needs_products_read_and_writing_needs_products_write,
    the_catalogue_is_in_the_openapi_document,
    hostile_input_never_reaches_the_database_as_a_500,
    cached_list_pages_never_outlive_a_write_on_any_process,
);

async fn created(answer: Answer) -> Value {
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    answer.body
}

async fn category(app: &TestApp, who: &Session, name: &str, parent: Option<&str>) -> String {
    let body = created(
        app.post(
            "/api/v1/categories",
            who,
            json!({ "name": name, "parent_id": parent }),
        )
        .await,
    )
    .await;
    body["id"].as_str().expect("id").to_owned()
}

/// A product with one variant, no options.
fn simple_product(name: &str, sku: &str, price: i64) -> Value {
    json!({
        "name": name,
        "status": "active",
        "variants": [{ "sku": sku, "weight_grams": 300, "price": { "minor": price } }]
    })
}

async fn product(app: &TestApp, who: &Session, body: Value) -> Value {
    created(app.post("/api/v1/products", who, body).await).await
}

fn id(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

fn names(page: &Answer) -> Vec<String> {
    page.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_owned())
        .collect()
}

/// Product events of one product, oldest first, as the outbox holds them.
async fn events_of(app: &TestApp, product: &str) -> Vec<(String, Value)> {
    let product: uuid::Uuid = product.parse().expect("a product id");
    outbox::entity::Entity::find()
        .filter(outbox::entity::Column::Subject.eq("product.events"))
        .filter(outbox::entity::Column::AggregateId.eq(product))
        .order_by_asc(outbox::entity::Column::Id)
        .all(app.db.conn())
        .await
        .expect("read the outbox")
        .into_iter()
        .map(|e| (e.event_type, e.payload))
        .collect()
}

async fn a_category_tree_moves_whole_branches_and_refuses_cycles(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Busana", &email("tree")).await;
    let fashion = category(&app, &owner, "Fashion Muslim", None).await;
    let gamis = category(&app, &owner, "Gamis", Some(&fashion)).await;
    let syari = category(&app, &owner, "Gamis Syar'i", Some(&gamis)).await;

    let shown = app
        .get(&format!("/api/v1/categories/{syari}"), &owner)
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.body["path"], json!([fashion, gamis, syari]));
    assert_eq!(shown.body["parent_id"], json!(gamis));

    // Fashion under its own grandchild would cut the branch off from the root.
    let cycle = app
        .put(
            &format!("/api/v1/categories/{fashion}"),
            &owner,
            json!({ "name": "Fashion Muslim", "parent_id": syari }),
        )
        .await;
    cycle.assert_problem(409, "categories.cycle");
    let itself = app
        .put(
            &format!("/api/v1/categories/{gamis}"),
            &owner,
            json!({ "name": "Gamis", "parent_id": gamis }),
        )
        .await;
    itself.assert_problem(409, "categories.cycle");

    // Gamis moves to the top level, renamed; Syar'i moves with it.
    let moved = app
        .put(
            &format!("/api/v1/categories/{gamis}"),
            &owner,
            json!({ "name": "Gamis & Abaya", "parent_id": null }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(moved.body["path"], json!([gamis]));
    assert_eq!(moved.body["name"], "Gamis & Abaya");
    let follows = app
        .get(&format!("/api/v1/categories/{syari}"), &owner)
        .await;
    assert_eq!(follows.body["path"], json!([gamis, syari]));

    // Now Fashion may go under Syar'i: it is no longer above it.
    let allowed = app
        .put(
            &format!("/api/v1/categories/{fashion}"),
            &owner,
            json!({ "name": "Fashion Muslim", "parent_id": syari }),
        )
        .await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.body);
    assert_eq!(allowed.body["path"], json!([gamis, syari, fashion]));

    let roots = app.get("/api/v1/categories?parent_id=root", &owner).await;
    assert_eq!(names(&roots), vec!["Gamis & Abaya"]);
    let children = app
        .get(&format!("/api/v1/categories?parent_id={gamis}"), &owner)
        .await;
    assert_eq!(names(&children), vec!["Gamis Syar'i"]);

    let unknown_parent = app
        .post(
            "/api/v1/categories",
            &owner,
            json!({ "name": "Hijab", "parent_id": uuid::Uuid::now_v7() }),
        )
        .await;
    unknown_parent.assert_problem(422, "validation_failed");
    assert_eq!(unknown_parent.fields(), vec!["parent_id"]);
}

async fn siblings_keep_the_order_the_seller_gives_them(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Urut", &email("order")).await;
    let kemeja = category(&app, &owner, "Kemeja", None).await;
    let celana = category(&app, &owner, "Celana", None).await;
    // Put first among the top level.
    let sepatu = created(
        app.post(
            "/api/v1/categories",
            &owner,
            json!({ "name": "Sepatu", "position": 0 }),
        )
        .await,
    )
    .await;
    assert_eq!(sepatu["position"], 0);
    let position = |id: String| {
        let app = &app;
        let owner = &owner;
        async move {
            app.get(&format!("/api/v1/categories/{id}"), owner)
                .await
                .body["position"]
                .as_i64()
                .expect("position")
        }
    };
    assert_eq!(position(kemeja.clone()).await, 1);
    assert_eq!(position(celana.clone()).await, 2);

    // Kemeja moves to the end; renaming Celana keeps its place.
    let reordered = app
        .put(
            &format!("/api/v1/categories/{kemeja}"),
            &owner,
            json!({ "name": "Kemeja", "position": 2 }),
        )
        .await;
    assert_eq!(reordered.body["position"], 2, "{}", reordered.body);
    let renamed = app
        .put(
            &format!("/api/v1/categories/{celana}"),
            &owner,
            json!({ "name": "Celana Panjang" }),
        )
        .await;
    assert_eq!(renamed.body["position"], 1, "{}", renamed.body);
    assert_eq!(position(id(&sepatu)).await, 0);
}

async fn a_category_with_children_or_products_cannot_be_deleted(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Hapus", &email("delete")).await;
    let elektronik = category(&app, &owner, "Elektronik", None).await;
    let aksesoris = category(&app, &owner, "Aksesoris HP", Some(&elektronik)).await;
    let casing = product(
        &app,
        &owner,
        json!({
            "name": "Casing HP", "category_id": aksesoris,
            "variants": [{ "sku": "CSG-01", "weight_grams": 50, "price": { "minor": 2_500_000 } }]
        }),
    )
    .await;

    let parent = app
        .delete(&format!("/api/v1/categories/{elektronik}"), &owner)
        .await;
    parent.assert_problem(409, "categories.has_children");
    let in_use = app
        .delete(&format!("/api/v1/categories/{aksesoris}"), &owner)
        .await;
    in_use.assert_problem(409, "categories.in_use");
    assert_eq!(in_use.body["products"], 1);

    // Refile the product elsewhere, then the branch can go, leaf first.
    let refiled = app
        .put(
            &format!("/api/v1/products/{}", id(&casing)),
            &owner,
            json!({ "name": "Casing HP", "status": "draft" }),
        )
        .await;
    assert_eq!(refiled.status, StatusCode::OK, "{}", refiled.body);
    for category in [&aksesoris, &elektronik] {
        let gone = app
            .delete(&format!("/api/v1/categories/{category}"), &owner)
            .await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.body);
    }
    app.get(&format!("/api/v1/categories/{elektronik}"), &owner)
        .await
        .assert_problem(404, "not_found");
}

async fn options_multiply_into_one_variant_per_combination(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Batik", &email("options")).await;
    let kemeja = product(
        &app,
        &owner,
        json!({
            "name": "Kemeja Batik Parang",
            "description": "Katun primisima.\nAdem dipakai.",
            "options": [
                { "name": "Ukuran", "values": ["S", "M", "L"] },
                { "name": "Warna", "values": ["Merah", "Biru"] }
            ],
            "generate": {
                "sku_prefix": "kmj-prg",
                "weight_grams": 250,
                "dimensions_mm": { "length": 300, "width": 200, "height": 30 },
                "price": { "minor": 15_000_000 },
                "status": "active"
            }
        }),
    )
    .await;
    let skus: Vec<&str> = kemeja["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|v| v["sku"].as_str().expect("sku"))
        .collect();
    assert_eq!(
        skus,
        vec![
            "KMJ-PRG-S-MERAH",
            "KMJ-PRG-S-BIRU",
            "KMJ-PRG-M-MERAH",
            "KMJ-PRG-M-BIRU",
            "KMJ-PRG-L-MERAH",
            "KMJ-PRG-L-BIRU"
        ]
    );
    let first = &kemeja["variants"][0];
    assert_eq!(first["option_values"], json!(["S", "Merah"]));
    assert_eq!(
        first["price"],
        json!({ "minor": 15_000_000, "currency": "IDR" })
    );
    assert_eq!(
        first["dimensions_mm"],
        json!({ "length": 300, "width": 200, "height": 30 })
    );
    assert_eq!(
        kemeja["status"], "draft",
        "the product itself defaults to draft"
    );

    let shown = app
        .get(&format!("/api/v1/products/{}", id(&kemeja)), &owner)
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(
        shown.body["variants"].as_array().expect("variants").len(),
        6
    );
    assert_eq!(shown.body["options"][1]["values"], json!(["Merah", "Biru"]));

    let events = events_of(&app, &id(&kemeja)).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "product.created");
    assert_eq!(
        events[0].1["variants"].as_array().expect("variants").len(),
        6
    );
    assert_eq!(
        events[0].1["variants"][0]["name"],
        "Kemeja Batik Parang — S / Merah"
    );
}

async fn explicit_variants_keep_their_own_skus_barcodes_sizes_and_prices(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Sepatu", &email("explicit")).await;
    let sneakers = product(
        &app,
        &owner,
        json!({
            "name": "Sneakers Kanvas",
            "options": [{ "name": "Ukuran", "values": ["40", "41", "42"] }],
            "variants": [
                { "sku": "SNK-40", "barcode": "8992761111113", "option_values": ["40"],
                  "weight_grams": 800, "price": { "minor": 25_000_000, "currency": "IDR" }, "status": "active" },
                { "sku": "SNK-42", "option_values": ["42"], "weight_grams": 850,
                  "price": { "minor": 27_500_000 } }
            ]
        }),
    )
    .await;
    let variants = sneakers["variants"].as_array().expect("variants");
    assert_eq!(
        variants.len(),
        2,
        "size 41 is not sold, so it has no variant"
    );
    assert_eq!(variants[0]["barcode"], "8992761111113");
    assert_eq!(variants[0]["status"], "active");
    assert_eq!(variants[1]["status"], "draft");
    assert_eq!(variants[1]["price"]["minor"], 27_500_000);
    assert_eq!(variants[1]["dimensions_mm"], Value::Null);
}

async fn a_sku_is_unique_within_a_store_but_not_across_stores(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Satu", &email("sku.a")).await;
    let first = product(
        &app,
        &owner,
        simple_product("Tas Rotan", "TAS-01", 9_000_000),
    )
    .await;

    // Case does not make a new SKU.
    let again = app
        .post(
            "/api/v1/products",
            &owner,
            simple_product("Tas Rotan Besar", "tas-01", 12_000_000),
        )
        .await;
    again.assert_problem(409, "catalog.sku_taken");
    assert_eq!(again.body["skus"], json!(["TAS-01"]));

    let twice = app
        .post(
            "/api/v1/products",
            &owner,
            json!({
                "name": "Tas Dua",
                "options": [{ "name": "Warna", "values": ["Coklat", "Hitam"] }],
                "variants": [
                    { "sku": "TAS-02", "option_values": ["Coklat"], "weight_grams": 400, "price": { "minor": 1 } },
                    { "sku": "TAS-02", "option_values": ["Hitam"], "weight_grams": 400, "price": { "minor": 1 } }
                ]
            }),
        )
        .await;
    twice.assert_problem(422, "validation_failed");
    assert_eq!(twice.fields(), vec!["variants[1].sku"]);

    let other = app.register("Toko Dua", &email("sku.b")).await;
    product(
        &app,
        &other,
        simple_product("Tas Rotan", "TAS-01", 9_000_000),
    )
    .await;

    // Changing a variant to a SKU in use is refused too.
    let second = product(&app, &owner, simple_product("Dompet", "DMP-01", 5_000_000)).await;
    let variant = id(&second["variants"][0]);
    let taken = app
        .put(
            &format!("/api/v1/variants/{variant}"),
            &owner,
            json!({ "sku": "TAS-01", "weight_grams": 100, "price": { "minor": 5_000_000 }, "status": "active" }),
        )
        .await;
    taken.assert_problem(409, "catalog.sku_taken");
    assert_eq!(
        app.get(&format!("/api/v1/variants/{variant}"), &owner)
            .await
            .body["sku"],
        "DMP-01"
    );
    assert_eq!(
        app.get("/api/v1/variants?sku=tas-01", &owner).await.body["items"][0]["product_id"],
        json!(id(&first))
    );
}

async fn bad_input_is_refused_field_by_field(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Teliti", &email("bad")).await;
    let bad = app
        .post(
            "/api/v1/products",
            &owner,
            json!({
                "name": " ",
                "status": "dijual",
                "category_id": uuid::Uuid::now_v7(),
                "options": [{ "name": "Warna", "values": ["Merah", "merah"] }],
                "variants": [{
                    "sku": "SKU DENGAN SPASI",
                    "barcode": "8992761111112",
                    "option_values": ["Merah"],
                    "weight_grams": 0,
                    "dimensions_mm": { "length": 0, "width": 100, "height": 6000 },
                    "price": { "minor": -1, "currency": "EUR" }
                }]
            }),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    let mut fields = bad.fields();
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "name",
            "options[0].values[1]",
            "status",
            "variants[0].barcode",
            "variants[0].dimensions_mm.height",
            "variants[0].dimensions_mm.length",
            "variants[0].price.currency",
            "variants[0].price.minor",
            "variants[0].sku",
            "variants[0].weight_grams",
        ]
    );

    let unknown_category = app
        .post(
            "/api/v1/products",
            &owner,
            json!({
                "name": "Kopi Gayo", "category_id": uuid::Uuid::now_v7(),
                "variants": [{ "sku": "KOPI-250", "weight_grams": 250, "price": { "minor": 8_500_000 } }]
            }),
        )
        .await;
    unknown_category.assert_problem(422, "validation_failed");
    assert_eq!(unknown_category.fields(), vec!["category_id"]);

    let wrong_values = app
        .post(
            "/api/v1/products",
            &owner,
            json!({
                "name": "Kaos",
                "options": [{ "name": "Ukuran", "values": ["S", "M"] }],
                "variants": [{ "sku": "KAOS-XL", "option_values": ["XL"], "weight_grams": 200, "price": { "minor": 1 } }]
            }),
        )
        .await;
    assert_eq!(wrong_values.fields(), vec!["variants[0].option_values[0]"]);

    let no_variants = app
        .post("/api/v1/products", &owner, json!({ "name": "Kosong" }))
        .await;
    assert_eq!(no_variants.fields(), vec!["variants"]);

    let unknown_field = app
        .post(
            "/api/v1/products",
            &owner,
            json!({ "name": "Kaos", "harga": 1 }),
        )
        .await;
    assert_eq!(unknown_field.fields(), vec!["harga"]);

    let bad_list = app
        .get(
            "/api/v1/products?sort=harga&status=dijual&min_price=-5&limit=0",
            &owner,
        )
        .await;
    bad_list.assert_problem(422, "validation_failed");
    let mut fields = bad_list.fields();
    fields.sort();
    assert_eq!(fields, vec!["limit", "min_price", "sort", "status"]);

    let ancient = app
        .get(
            "/api/v1/products?updated_since=0100-01-01T00:00:00Z",
            &owner,
        )
        .await;
    assert_eq!(ancient.fields(), vec!["updated_since"]);

    let inverted = app
        .get("/api/v1/products?min_price=100&max_price=10", &owner)
        .await;
    assert_eq!(inverted.fields(), vec!["max_price"]);
}

async fn variants_are_added_repriced_and_archived_with_their_events(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Hijab", &email("variants")).await;
    let hijab = product(
        &app,
        &owner,
        json!({
            "name": "Hijab Voal",
            "options": [{ "name": "Warna", "values": ["Hitam", "Mocca", "Navy"] }],
            "variants": [
                { "sku": "HJB-HTM", "option_values": ["Hitam"], "weight_grams": 100, "price": { "minor": 4_500_000 }, "status": "active" }
            ]
        }),
    )
    .await;
    let product_id = id(&hijab);

    let added = created(
        app.post(
            "/api/v1/variants",
            &owner,
            json!({ "product_id": product_id, "sku": "HJB-MCC", "option_values": ["mocca"],
                    "weight_grams": 100, "price": { "minor": 4_500_000 }, "status": "active" }),
        )
        .await,
    )
    .await;
    assert_eq!(added["option_values"], json!(["Mocca"]));
    assert_eq!(added["position"], 1);

    let same_colour = app
        .post(
            "/api/v1/variants",
            &owner,
            json!({ "product_id": product_id, "sku": "HJB-MCC-2", "option_values": ["Mocca"],
                    "weight_grams": 100, "price": { "minor": 1 } }),
        )
        .await;
    same_colour.assert_problem(409, "catalog.combination_taken");
    let unknown_colour = app
        .post(
            "/api/v1/variants",
            &owner,
            json!({ "product_id": product_id, "sku": "HJB-MRH", "option_values": ["Merah"],
                    "weight_grams": 100, "price": { "minor": 1 } }),
        )
        .await;
    assert_eq!(unknown_colour.fields(), vec!["option_values[0]"]);

    // A price rise for the mocca hijab.
    let repriced = app
        .put(
            &format!("/api/v1/variants/{}", id(&added)),
            &owner,
            json!({ "sku": "HJB-MCC", "barcode": "96385074", "weight_grams": 110,
                    "dimensions_mm": { "length": 250, "width": 200, "height": 10 },
                    "price": { "minor": 4_900_000 }, "status": "active" }),
        )
        .await;
    assert_eq!(repriced.status, StatusCode::OK, "{}", repriced.body);
    assert_eq!(repriced.body["price"]["minor"], 4_900_000);
    assert_eq!(repriced.body["barcode"], "96385074");

    let archived = app
        .delete(&format!("/api/v1/variants/{}", id(&added)), &owner)
        .await;
    assert_eq!(archived.status, StatusCode::NO_CONTENT);
    let shown = app
        .get(&format!("/api/v1/products/{product_id}"), &owner)
        .await;
    assert_eq!(shown.body["variants"][1]["status"], "archived");
    assert_eq!(shown.body["variants"][0]["status"], "active");

    let listed = app
        .get(
            &format!("/api/v1/variants?product_id={product_id}&status=archived"),
            &owner,
        )
        .await;
    assert_eq!(listed.body["items"].as_array().expect("items").len(), 1);

    let events = events_of(&app, &product_id).await;
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        vec![
            "product.created",
            "product.updated",
            "product.price_changed",
            "product.updated",
            "product.updated"
        ]
    );
    assert_eq!(
        events[2].1["before"],
        json!({ "minor": 4_500_000, "currency": "IDR" })
    );
    assert_eq!(
        events[2].1["after"],
        json!({ "minor": 4_900_000, "currency": "IDR" })
    );
    assert_eq!(events[4].1["variants"][1]["status"], "archived");
}

async fn archiving_a_product_archives_its_variants_and_tells_the_rest(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Lama", &email("archive")).await;
    let mukena = product(
        &app,
        &owner,
        simple_product("Mukena Bali", "MKN-01", 12_000_000),
    )
    .await;
    let path = format!("/api/v1/products/{}", id(&mukena));

    assert_eq!(
        app.delete(&path, &owner).await.status,
        StatusCode::NO_CONTENT
    );
    // Archiving again changes nothing and announces nothing.
    assert_eq!(
        app.delete(&path, &owner).await.status,
        StatusCode::NO_CONTENT
    );
    let shown = app.get(&path, &owner).await;
    assert_eq!(shown.body["status"], "archived");
    assert_eq!(shown.body["variants"][0]["status"], "archived");
    let events = events_of(&app, &id(&mukena)).await;
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(types, vec!["product.created", "product.archived"]);
    assert_eq!(
        events[1].1["variant_ids"],
        json!([id(&mukena["variants"][0])])
    );

    // It comes back as a draft first, never straight to sale.
    let straight = app
        .put(
            &path,
            &owner,
            json!({ "name": "Mukena Bali", "status": "active" }),
        )
        .await;
    straight.assert_problem(409, "catalog.illegal_transition");
    let draft = app
        .put(
            &path,
            &owner,
            json!({ "name": "Mukena Bali", "status": "draft" }),
        )
        .await;
    assert_eq!(draft.status, StatusCode::OK, "{}", draft.body);
    // The SKU stays reserved while the product is archived or back.
    app.post(
        "/api/v1/products",
        &owner,
        simple_product("Mukena Baru", "MKN-01", 1),
    )
    .await
    .assert_problem(409, "catalog.sku_taken");
    let add = app
        .post(
            "/api/v1/variants",
            &owner,
            json!({ "product_id": id(&mukena), "sku": "MKN-02", "weight_grams": 1, "price": { "minor": 1 } }),
        )
        .await;
    add.assert_problem(409, "catalog.combination_taken");

    // Archiving through PUT means the same as DELETE.
    let sajadah = product(&app, &owner, simple_product("Sajadah", "SJD-01", 8_000_000)).await;
    let put = app
        .put(
            &format!("/api/v1/products/{}", id(&sajadah)),
            &owner,
            json!({ "name": "Sajadah", "status": "archived" }),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    assert_eq!(put.body["variants"][0]["status"], "archived");
    let types: Vec<String> = events_of(&app, &id(&sajadah))
        .await
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert_eq!(types, vec!["product.created", "product.archived"]);
}

async fn product_lists_filter_by_category_tree_status_price_and_time(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Lengkap", &email("filters")).await;
    let pakaian = category(&app, &owner, "Pakaian", None).await;
    let atasan = category(&app, &owner, "Atasan", Some(&pakaian)).await;
    let dapur = category(&app, &owner, "Dapur", None).await;
    let with_category = |name: &str, sku: &str, price: i64, category: &str| {
        let mut body = simple_product(name, sku, price);
        body["category_id"] = json!(category);
        body
    };
    let kaos = product(
        &app,
        &owner,
        with_category("Kaos", "KAOS", 5_000_000, &atasan),
    )
    .await;
    product(
        &app,
        &owner,
        with_category("Rok", "ROK", 9_000_000, &pakaian),
    )
    .await;
    product(
        &app,
        &owner,
        with_category("Wajan", "WJN", 20_000_000, &dapur),
    )
    .await;
    let mut draft = with_category("Panci", "PNC", 30_000_000, &dapur);
    draft["status"] = json!("draft");
    product(&app, &owner, draft).await;

    let under = |query: String| {
        let app = &app;
        let owner = &owner;
        async move {
            let mut names = names(&app.get(&format!("/api/v1/products?{query}"), owner).await);
            names.sort();
            names
        }
    };
    assert_eq!(
        under(format!("category_id={pakaian}")).await,
        vec!["Kaos", "Rok"]
    );
    assert_eq!(
        under(format!("category_id={pakaian}&include_descendants=false")).await,
        vec!["Rok"]
    );
    assert_eq!(under("status=draft".into()).await, vec!["Panci"]);
    assert_eq!(
        under("min_price=9000000&max_price=20000000".into()).await,
        vec!["Rok", "Wajan"]
    );
    assert_eq!(
        under("max_price=100&currency=USD".into()).await,
        Vec::<String>::new()
    );

    // Repricing Kaos's variant makes the product itself count as changed.
    let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let repriced = app
        .put(
            &format!("/api/v1/variants/{}", id(&kaos["variants"][0])),
            &owner,
            json!({ "sku": "KAOS", "weight_grams": 300, "price": { "minor": 5_500_000 }, "status": "active" }),
        )
        .await;
    assert_eq!(repriced.status, StatusCode::OK, "{}", repriced.body);
    assert_eq!(under(format!("updated_since={since}")).await, vec!["Kaos"]);

    // Every product on the page comes with its variants.
    let page = app.get("/api/v1/products?limit=50", &owner).await;
    for item in page.body["items"].as_array().expect("items") {
        assert_eq!(item["variants"].as_array().expect("variants").len(), 1);
    }
}

async fn product_lists_sort_and_page_without_skipping_or_repeating(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Abjad", &email("sort")).await;
    let mut made = Vec::new();
    for (i, name) in [
        "Dodol", "Bakpia", "Enting", "Amplang", "Bakpia", "Cireng", "Gethuk",
    ]
    .iter()
    .enumerate()
    {
        made.push(
            product(
                &app,
                &owner,
                simple_product(name, &format!("OLEH-{i}"), 1_000_000),
            )
            .await,
        );
    }
    // Touch Dodol so it is the most recently changed.
    let dodol = app
        .put(
            &format!("/api/v1/products/{}", id(&made[0])),
            &owner,
            json!({ "name": "Dodol", "status": "active" }),
        )
        .await;
    assert_eq!(dodol.status, StatusCode::OK);

    for (sort, expected) in [
        (
            "name",
            vec![
                "Amplang", "Bakpia", "Bakpia", "Cireng", "Dodol", "Enting", "Gethuk",
            ],
        ),
        (
            "-name",
            vec![
                "Gethuk", "Enting", "Dodol", "Cireng", "Bakpia", "Bakpia", "Amplang",
            ],
        ),
        (
            "created_at",
            vec![
                "Dodol", "Bakpia", "Enting", "Amplang", "Bakpia", "Cireng", "Gethuk",
            ],
        ),
        (
            "-created_at",
            vec![
                "Gethuk", "Cireng", "Bakpia", "Amplang", "Enting", "Bakpia", "Dodol",
            ],
        ),
        (
            "updated_at",
            vec![
                "Bakpia", "Enting", "Amplang", "Bakpia", "Cireng", "Gethuk", "Dodol",
            ],
        ),
        (
            "-updated_at",
            vec![
                "Dodol", "Gethuk", "Cireng", "Bakpia", "Amplang", "Enting", "Bakpia",
            ],
        ),
    ] {
        let mut seen = Vec::new();
        let mut ids = std::collections::HashSet::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/products?sort={sort}&limit=2&cursor={c}"),
                None => format!("/api/v1/products?sort={sort}&limit=2"),
            };
            let page = app.get(&path, &owner).await;
            assert_eq!(page.status, StatusCode::OK, "{sort}: {}", page.body);
            for item in page.body["items"].as_array().expect("items") {
                assert!(ids.insert(id(item)), "{sort}: a product came twice");
            }
            seen.extend(names(&page));
            match page.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, expected, "sort {sort}");
    }

    // A cursor belongs to its sort.
    let first = app.get("/api/v1/products?sort=name&limit=2", &owner).await;
    let cursor = first.body["next_cursor"].as_str().expect("more pages");
    let mixed = app
        .get(
            &format!("/api/v1/products?sort=-name&cursor={cursor}"),
            &owner,
        )
        .await;
    mixed.assert_problem(422, "validation_failed");
    assert_eq!(mixed.fields(), vec!["cursor"]);
}

async fn another_stores_catalogue_answers_like_it_never_existed(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let theirs = app.register("Toko Tetangga", &email("iso.b")).await;
    let their_category = category(&app, &theirs, "Rahasia", None).await;
    let their_product = product(
        &app,
        &theirs,
        json!({
            "name": "Produk Rahasia", "category_id": their_category,
            "variants": [{ "sku": "RHS-01", "weight_grams": 10, "price": { "minor": 1 } }]
        }),
    )
    .await;
    let their_variant = id(&their_product["variants"][0]);
    let their_product = id(&their_product);

    let mine = app.register("Toko Saya", &email("iso.a")).await;
    let category_body = json!({ "name": "Curian" });
    let product_body = json!({ "name": "Curian", "status": "draft" });
    let variant_body =
        json!({ "sku": "CURI", "weight_grams": 1, "price": { "minor": 1 }, "status": "draft" });
    for (path, foreign, body) in [
        ("/api/v1/categories/{id}", &their_category, &category_body),
        ("/api/v1/products/{id}", &their_product, &product_body),
        ("/api/v1/variants/{id}", &their_variant, &variant_body),
    ] {
        for method in [Method::GET, Method::PUT, Method::DELETE] {
            let body = (method == Method::PUT).then(|| body.clone());
            app.assert_foreign_id_answers_like_absent(method, path, foreign, (&mine).into(), body)
                .await;
        }
    }
    for list in ["/api/v1/categories", "/api/v1/products", "/api/v1/variants"] {
        let page = app.get(list, &mine).await;
        assert_eq!(page.body["items"], json!([]), "{list}");
    }
    let by_their_category = app
        .get(
            &format!("/api/v1/products?category_id={their_category}"),
            &mine,
        )
        .await;
    assert_eq!(by_their_category.body["items"], json!([]));

    // Their ids are unknown here, not usable.
    let filed = app
        .post(
            "/api/v1/products",
            &mine,
            json!({ "name": "Produk", "category_id": their_category,
                    "variants": [{ "sku": "P-1", "weight_grams": 1, "price": { "minor": 1 } }] }),
        )
        .await;
    assert_eq!(filed.fields(), vec!["category_id"]);
    let under = app
        .post(
            "/api/v1/categories",
            &mine,
            json!({ "name": "Anak", "parent_id": their_category }),
        )
        .await;
    assert_eq!(under.fields(), vec!["parent_id"]);
    let added = app
        .post(
            "/api/v1/variants",
            &mine,
            json!({ "product_id": their_product, "sku": "P-2", "weight_grams": 1, "price": { "minor": 1 } }),
        )
        .await;
    assert_eq!(added.fields(), vec!["product_id"]);

    // And nothing of theirs changed.
    let still = app
        .get(&format!("/api/v1/products/{their_product}"), &theirs)
        .await;
    assert_eq!(still.body["name"], "Produk Rahasia");
    assert_eq!(still.body["status"], "draft");
    assert_eq!(still.body["variants"][0]["sku"], "RHS-01");
}

async fn reading_needs_products_read_and_writing_needs_products_write(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Izin", &email("perm")).await;
    let viewer_role = app
        .create_role(&owner, "katalog_lihat", &["products:read"])
        .await;
    let viewer = app
        .add_member(&owner, &email("viewer"), std::slice::from_ref(&viewer_role))
        .await;
    let nobody_role = app.create_role(&owner, "kasir", &["orders:read"]).await;
    let cashier = app
        .add_member(
            &owner,
            &email("cashier"),
            std::slice::from_ref(&nobody_role),
        )
        .await;
    let made = product(&app, &owner, simple_product("Kopi", "KOPI", 1)).await;

    for path in ["/api/v1/products", "/api/v1/categories", "/api/v1/variants"] {
        assert_eq!(app.get(path, &viewer).await.status, StatusCode::OK);
        app.get(path, &cashier)
            .await
            .assert_problem(403, "auth.forbidden");
        app.get(path, As::Nobody)
            .await
            .assert_problem(401, "auth.unauthenticated");
    }
    app.post("/api/v1/products", &viewer, simple_product("Teh", "TEH", 1))
        .await
        .assert_problem(403, "auth.forbidden");
    app.post("/api/v1/categories", &viewer, json!({ "name": "Minuman" }))
        .await
        .assert_problem(403, "auth.forbidden");
    app.delete(&format!("/api/v1/products/{}", id(&made)), &viewer)
        .await
        .assert_problem(403, "auth.forbidden");
}

async fn the_catalogue_is_in_the_openapi_document(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let document = app.get("/api/v1/openapi.json", As::Nobody).await;
    let paths = &document.body["paths"];
    for (path, methods) in [
        ("/api/v1/categories", &["get", "post"][..]),
        ("/api/v1/categories/{id}", &["get", "put", "delete"][..]),
        ("/api/v1/products", &["get", "post"][..]),
        ("/api/v1/products/{id}", &["get", "put", "delete"][..]),
        ("/api/v1/variants", &["get", "post"][..]),
        ("/api/v1/variants/{id}", &["get", "put", "delete"][..]),
    ] {
        for method in methods {
            assert!(
                paths[path][method].is_object(),
                "{method} {path} is documented"
            );
        }
    }
    let schemas = &document.body["components"]["schemas"];
    for schema in [
        "ProductView",
        "VariantView",
        "CategoryView",
        "NewProductRequest",
    ] {
        assert!(schemas[schema].is_object(), "{schema} is documented");
    }
}

async fn hostile_input_never_reaches_the_database_as_a_500(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Tangguh", &email("hostile")).await;
    let kain = product(&app, &owner, simple_product("Kain", "KAIN", 1)).await;
    let variant = id(&kain["variants"][0]);
    let nul = "toko\u{0}gelap";
    let forged = {
        use base64::Engine as _;
        let json = r#"{"s":"name","n":"a\u0000","i":"0190e0e0-0000-7000-8000-000000000000"}"#;
        format!(
            "p1.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
        )
    };
    let calls: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::POST,
            "/api/v1/categories".into(),
            Some(json!({ "name": nul })),
        ),
        (
            Method::POST,
            "/api/v1/categories".into(),
            Some(json!({ "name": "Besar", "position": u32::MAX })),
        ),
        (
            Method::POST,
            "/api/v1/products".into(),
            Some(json!({
                "name": nul, "description": nul,
                "options": [{ "name": nul, "values": [nul] }],
                "variants": [{ "sku": nul, "barcode": nul, "option_values": [nul],
                               "weight_grams": i64::MAX, "price": { "minor": i64::MAX, "currency": nul },
                               "dimensions_mm": { "length": i64::MIN, "width": -1, "height": i64::MAX } }]
            })),
        ),
        (
            Method::POST,
            "/api/v1/variants".into(),
            Some(
                json!({ "product_id": id(&kain), "sku": "X", "option_values": [nul, nul],
                         "weight_grams": 1, "price": { "minor": 1 } }),
            ),
        ),
        (
            Method::PUT,
            format!("/api/v1/variants/{variant}"),
            Some(
                json!({ "sku": "KAIN", "barcode": "0".repeat(500), "weight_grams": 1,
                         "price": { "minor": 1 }, "status": nul }),
            ),
        ),
        (
            Method::GET,
            format!("/api/v1/products?sort=name&cursor={forged}"),
            None,
        ),
        (
            Method::GET,
            "/api/v1/products?updated_since=-100000-01-01T00:00:00Z".into(),
            None,
        ),
        (
            Method::GET,
            "/api/v1/products?updated_since=+200000-01-01T00:00:00Z".into(),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/products?min_price={}", i64::MAX),
            None,
        ),
        (
            Method::GET,
            "/api/v1/products?min_price=99999999999999999999".into(),
            None,
        ),
        (Method::GET, "/api/v1/products?category_id=%00".into(), None),
        (Method::GET, "/api/v1/variants?sku=%00".into(), None),
        (Method::GET, "/api/v1/categories?parent_id=%00".into(), None),
        (Method::GET, "/api/v1/categories?cursor=%00".into(), None),
    ];
    let mut wrong = Vec::new();
    for (method, path, body) in calls {
        let answer = app.call(method.clone(), &path, (&owner).into(), body).await;
        let problem = answer.header("content-type") == Some("application/problem+json");
        if !(answer.status.is_success() || (answer.status.is_client_error() && problem)) {
            wrong.push(format!(
                "{method} {path} answered {}: {}",
                answer.status, answer.body
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Product list pages are cached rendered, keyed by the store's change counter: a write on one
/// process must show in the next list on another process sharing the database, and a refused
/// write must not disturb the cache.
async fn cached_list_pages_never_outlive_a_write_on_any_process(engine: Engine) {
    let Some(a) = TestApp::spawn(engine).await else {
        return;
    };
    let b = TestApp::spawn_sharing(&a, |_| {}).await;
    let mail = email("cache");
    let owner = a.register("Toko Cache", &mail).await;
    let on_b = crate::support::session(&b.login(&mail, crate::support::PASSWORD).await, &mail);
    let kopi = product(
        &a,
        &owner,
        simple_product("Kopi Gayo", "CACHE-1", 8_500_000),
    )
    .await;
    let names = |answer: &Answer| -> Vec<String> {
        answer.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let path = "/api/v1/products?sort=name";
    // Twice on each process: the second answer of each comes from its cache. (Each test process
    // signs its own tokens, so each is asked with a session it issued.)
    for (app, who) in [(&a, &owner), (&b, &on_b), (&a, &owner), (&b, &on_b)] {
        let listed = app.get(path, who).await;
        assert_eq!(listed.status, StatusCode::OK);
        assert_eq!(names(&listed), ["Kopi Gayo"]);
        assert_eq!(listed.header("content-type"), Some("application/json"));
    }
    let renamed = a
        .put(
            &format!("/api/v1/products/{}", kopi["id"].as_str().expect("id")),
            &owner,
            json!({ "name": "Kopi Gayo Wine", "status": "active" }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(names(&b.get(path, &on_b).await), ["Kopi Gayo Wine"]);
    product(&b, &on_b, simple_product("Aren Cair", "CACHE-2", 3_000_000)).await;
    assert_eq!(
        names(&a.get(path, &owner).await),
        ["Aren Cair", "Kopi Gayo Wine"]
    );
    // A refused write (a taken SKU) changes nothing, and the list still answers the same.
    a.post(
        "/api/v1/products",
        &owner,
        simple_product("Dobel", "CACHE-1", 1),
    )
    .await
    .assert_problem(409, "catalog.sku_taken");
    assert_eq!(
        names(&b.get(path, &on_b).await),
        ["Aren Cair", "Kopi Gayo Wine"]
    );
    // Another store's list is its own, cached or not.
    let other = b.register("Toko Lain Cache", &email("lain-cache")).await;
    product(&b, &other, simple_product("Milik Lain", "CACHE-1", 1)).await;
    assert_eq!(
        names(&b.get(path, &on_b).await),
        ["Aren Cair", "Kopi Gayo Wine"]
    );
    assert_eq!(names(&b.get(path, &other).await), ["Milik Lain"]);
    b.stop().await;
    a.stop().await;
}
