//! The pricing engine through HTTP: a seller sets a variant's cost, channel prices, tiers and
//! promotions, a customer group's price list and the store's rounding and floor, and every quote
//! explains each step that made its price; bad input is refused field by field; one store never
//! sees or uses another's pricing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;

use crate::support::{Answer, As, Session, TestApp, email};

engine_tests!(
    every_source_shows_up_as_a_step_of_the_quote,
    the_floor_lifts_a_price_to_the_next_ending,
    a_customer_group_has_one_price_list_and_loses_it_when_deleted,
    bad_input_is_refused_field_by_field,
    another_stores_pricing_answers_like_it_never_existed,
    reading_and_quoting_need_products_read_and_changing_needs_products_write,
    pricing_is_in_the_openapi_document,
);

fn ok(answer: Answer) -> Value {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body
}

/// A product with one variant at `price` (minor units, IDR); answers the variant id.
async fn variant(app: &TestApp, who: &Session, sku: &str, price: i64) -> String {
    let made = app
        .post(
            "/api/v1/products",
            who,
            json!({
                "name": format!("Kemeja {sku}"),
                "status": "active",
                "variants": [{ "sku": sku, "weight_grams": 300, "price": { "minor": price } }]
            }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    made.body["variants"][0]["id"]
        .as_str()
        .expect("variant id")
        .to_owned()
}

fn idr(minor: i64) -> Value {
    json!({ "minor": minor, "currency": "IDR" })
}

/// `(source, unit_price_after)` of each step.
fn steps(quote: &Value) -> Vec<(String, i64)> {
    quote["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["source"].as_str().expect("source").to_owned(),
                s["unit_price_after"]["minor"].as_i64().expect("minor"),
            )
        })
        .collect()
}

fn step(source: &str, after: i64) -> (String, i64) {
    (source.to_owned(), after)
}

async fn quote(app: &TestApp, who: &Session, body: Value) -> Value {
    ok(app.post("/api/v1/pricing/quote", who, body).await)
}

async fn every_source_shows_up_as_a_step_of_the_quote(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Batik Harga", &email("pricing")).await;
    // Rp 200.000 list price.
    let batik = variant(&app, &owner, "BTK-01", 20_000_000).await;

    // Every price ends in ...900 rupiah, rounded down; never below cost + 50%.
    let settings = ok(app
        .put(
            "/api/v1/pricing/settings",
            &owner,
            json!({
                "rounding": { "step_minor": 100_000, "ending_minor": 90_000, "mode": "down" },
                "floor": "min_margin", "min_margin_bps": 5_000
            }),
        )
        .await);
    assert_eq!(settings["rounding"]["currency"], "IDR");
    assert_eq!(settings["floor"], "min_margin");

    let pricing = ok(app
        .put(
            &format!("/api/v1/pricing/variants/{batik}"),
            &owner,
            json!({
                "cost_minor": 10_000_000,
                "channel_prices": { "shopee": 19_000_000 },
                "tiers": [
                    { "min_quantity": 10, "percent_off_bps": 1_000 },
                    { "min_quantity": 50, "unit_price_minor": 15_500_000 }
                ],
                "promotions": [{
                    "name": "Harbolnas 11.11",
                    "starts_at": "2026-11-11T00:00:00Z", "ends_at": "2026-11-12T00:00:00Z",
                    "channels": ["shopee"], "percent_off_bps": 600
                }]
            }),
        )
        .await);
    assert_eq!(pricing["base_price"], idr(20_000_000));
    assert_eq!(pricing["channel_prices"], json!({ "shopee": 19_000_000 }));
    let shown = ok(app
        .get(&format!("/api/v1/pricing/variants/{batik}"), &owner)
        .await);
    assert_eq!(shown, pricing);

    let reseller = app
        .post(
            "/api/v1/pricing/price-lists",
            &owner,
            json!({
                "name": "Harga Reseller", "customer_group": "reseller",
                "entries": [{ "variant_id": batik, "unit_price_minor": 18_000_000 }]
            }),
        )
        .await;
    assert_eq!(reseller.status, StatusCode::CREATED, "{}", reseller.body);

    // A reseller buying 12 on Shopee during 11.11: every source has its say, in order.
    let during = quote(
        &app,
        &owner,
        json!({
            "variant_id": batik, "channel": "shopee", "customer_group": "reseller",
            "quantity": 12, "at": "2026-11-11T12:00:00Z"
        }),
    )
    .await;
    assert_eq!(
        steps(&during),
        vec![
            step("base", 20_000_000),
            step("channel", 19_000_000),
            step("price_list", 18_000_000),
            step("quantity_tier", 16_200_000),
            step("promotion", 15_228_000),
            step("rounding", 15_190_000),
        ]
    );
    assert_eq!(during["unit_price"], idr(15_190_000));
    assert_eq!(during["line_price"], idr(15_190_000 * 12));
    assert_eq!(during["currency"], "IDR");
    let described: Vec<&str> = during["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["description"].as_str().unwrap())
        .collect();
    assert!(described[2].contains("Harga Reseller"), "{described:?}");
    assert!(described[3].contains("from 10 units"), "{described:?}");
    assert!(described[4].contains("Harbolnas 11.11"), "{described:?}");
    for pair in during["steps"].as_array().unwrap().windows(2) {
        assert_eq!(pair[0]["unit_price_after"], pair[1]["unit_price_before"]);
    }

    // The promotion ends at midnight; the tier still holds.
    let after = quote(
        &app,
        &owner,
        json!({
            "variant_id": batik, "channel": "shopee", "customer_group": "reseller",
            "quantity": 12, "at": "2026-11-12T00:00:00Z"
        }),
    )
    .await;
    assert!(!steps(&after).iter().any(|(s, _)| s == "promotion"));
    assert_eq!(after["unit_price"], idr(16_190_000));

    // 50 units reach the second tier; the promotion is for Shopee only.
    let bulk = quote(
        &app,
        &owner,
        json!({ "variant_id": batik, "channel": "tokopedia", "quantity": 50, "at": "2026-11-11T12:00:00Z" }),
    )
    .await;
    assert_eq!(
        steps(&bulk),
        vec![
            step("base", 20_000_000),
            step("quantity_tier", 15_500_000),
            step("rounding", 15_490_000),
        ]
    );
    assert_eq!(bulk["line_price"], idr(15_490_000 * 50));

    // One shopper on the own store, today: the list price, rounded to its ending.
    let single = quote(
        &app,
        &owner,
        json!({ "variant_id": batik, "channel": "own_store", "quantity": 1 }),
    )
    .await;
    assert_eq!(
        steps(&single),
        vec![step("base", 20_000_000), step("rounding", 19_990_000)]
    );
    assert!(single["at"].is_string());
}

async fn the_floor_lifts_a_price_to_the_next_ending(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Lantai", &email("floor")).await;
    let kopi = variant(&app, &owner, "KOPI-1KG", 20_000_000).await;
    ok(app
        .put(
            "/api/v1/pricing/settings",
            &owner,
            json!({
                "rounding": { "currency": "IDR", "step_minor": 100_000, "ending_minor": 90_000, "mode": "nearest" },
                "floor": "cost"
            }),
        )
        .await);
    // Tokopedia at Rp 90.000 is below the Rp 150.000 cost; cost-plus 20% sets the base.
    ok(app
        .put(
            &format!("/api/v1/pricing/variants/{kopi}"),
            &owner,
            json!({
                "cost_minor": 15_000_000, "cost_plus_margin_bps": 2_000,
                "channel_prices": { "tokopedia": 9_000_000 }
            }),
        )
        .await);
    let tokopedia = quote(
        &app,
        &owner,
        json!({ "variant_id": kopi, "channel": "tokopedia", "quantity": 3 }),
    )
    .await;
    assert_eq!(
        steps(&tokopedia),
        vec![
            step("base", 20_000_000),
            step("cost_plus", 18_000_000),
            step("channel", 9_000_000),
            step("rounding", 8_990_000),
            step("floor", 15_090_000),
        ]
    );
    assert_eq!(tokopedia["line_price"], idr(15_090_000 * 3));
    let own = quote(
        &app,
        &owner,
        json!({ "variant_id": kopi, "channel": "own_store", "quantity": 1 }),
    )
    .await;
    assert_eq!(own["unit_price"], idr(17_990_000));
}

async fn a_customer_group_has_one_price_list_and_loses_it_when_deleted(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Grosir", &email("lists")).await;
    let teh = variant(&app, &owner, "TEH-01", 1_000_000).await;
    let gula = variant(&app, &owner, "GULA-01", 2_000_000).await;
    let made = app
        .post(
            "/api/v1/pricing/price-lists",
            &owner,
            json!({
                "name": "Grosir", "customer_group": "Grosir",
                "entries": [
                    { "variant_id": teh, "percent_off_bps": 2_500 },
                    { "variant_id": gula, "unit_price_minor": 1_800_000 }
                ]
            }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_eq!(made.body["customer_group"], "grosir");
    let id = made.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        made.header("location"),
        Some(format!("/api/v1/pricing/price-lists/{id}").as_str())
    );

    app.post(
        "/api/v1/pricing/price-lists",
        &owner,
        json!({ "name": "Grosir 2", "customer_group": "grosir" }),
    )
    .await
    .assert_problem(409, "pricing.customer_group_taken");

    let listed = ok(app.get("/api/v1/pricing/price-lists", &owner).await);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0]["name"], "Grosir");

    let teh_quote = quote(
        &app,
        &owner,
        json!({ "variant_id": teh, "channel": "own_store", "customer_group": "grosir", "quantity": 4 }),
    )
    .await;
    assert_eq!(
        steps(&teh_quote),
        vec![step("base", 1_000_000), step("price_list", 750_000)]
    );

    // PUT replaces the entries: tea leaves the list.
    let changed = ok(app
        .put(
            &format!("/api/v1/pricing/price-lists/{id}"),
            &owner,
            json!({
                "name": "Grosir Baru", "customer_group": "grosir",
                "entries": [{ "variant_id": gula, "unit_price_minor": 1_700_000 }]
            }),
        )
        .await);
    assert_eq!(changed["entries"].as_array().unwrap().len(), 1);
    let shown = ok(app
        .get(&format!("/api/v1/pricing/price-lists/{id}"), &owner)
        .await);
    assert_eq!(shown["name"], "Grosir Baru");
    assert_eq!(shown["entries"][0]["unit_price_minor"], 1_700_000);
    let teh_again = quote(
        &app,
        &owner,
        json!({ "variant_id": teh, "channel": "own_store", "customer_group": "grosir", "quantity": 4 }),
    )
    .await;
    assert_eq!(steps(&teh_again), vec![step("base", 1_000_000)]);

    let deleted = app
        .delete(&format!("/api/v1/pricing/price-lists/{id}"), &owner)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    app.get(&format!("/api/v1/pricing/price-lists/{id}"), &owner)
        .await
        .assert_problem(404, "not_found");
    let gula_after = quote(
        &app,
        &owner,
        json!({ "variant_id": gula, "channel": "own_store", "customer_group": "grosir", "quantity": 1 }),
    )
    .await;
    assert_eq!(gula_after["unit_price"], idr(2_000_000));
}

async fn bad_input_is_refused_field_by_field(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app
        .register("Toko Teliti Harga", &email("pricing.bad"))
        .await;
    let kain = variant(&app, &owner, "KAIN-01", 5_000_000).await;

    let sorted = |answer: Answer| {
        answer.assert_problem(422, "validation_failed");
        let mut fields = answer.fields();
        fields.sort();
        fields
    };

    let bad_pricing = app
        .put(
            &format!("/api/v1/pricing/variants/{kain}"),
            &owner,
            json!({
                "cost_minor": -1,
                "cost_plus_margin_bps": 200_000,
                "channel_prices": { "bukalapak": 1 },
                "tiers": [
                    { "min_quantity": 0, "percent_off_bps": 5 },
                    { "min_quantity": 5, "unit_price_minor": 1, "percent_off_bps": 1 }
                ],
                "promotions": [{
                    "name": " ", "starts_at": "2026-11-12T00:00:00Z", "ends_at": "2026-11-11T00:00:00Z",
                    "channels": ["pasar"], "percent_off_bps": 20_000
                }]
            }),
        )
        .await;
    assert_eq!(
        sorted(bad_pricing),
        vec![
            "channel_prices.bukalapak",
            "cost_minor",
            "cost_plus_margin_bps",
            "promotions[0].channels[0]",
            "promotions[0].ends_at",
            "promotions[0].name",
            "promotions[0].percent_off_bps",
            "tiers[0].min_quantity",
            "tiers[1].unit_price_minor",
        ]
    );
    let no_cost = app
        .put(
            &format!("/api/v1/pricing/variants/{kain}"),
            &owner,
            json!({ "cost_plus_margin_bps": 1_000 }),
        )
        .await;
    assert_eq!(sorted(no_cost), vec!["cost_plus_margin_bps"]);
    // Nothing was stored by the refused requests.
    let shown = ok(app
        .get(&format!("/api/v1/pricing/variants/{kain}"), &owner)
        .await);
    assert_eq!(shown["cost_minor"], Value::Null);
    assert_eq!(shown["updated_at"], Value::Null);

    let bad_list = app
        .post(
            "/api/v1/pricing/price-lists",
            &owner,
            json!({
                "name": "", "customer_group": "re seller",
                "entries": [
                    { "variant_id": kain, "percent_off_bps": 100 },
                    { "variant_id": kain, "percent_off_bps": 100 },
                    { "variant_id": kain }
                ]
            }),
        )
        .await;
    assert_eq!(
        sorted(bad_list),
        vec![
            "customer_group",
            "entries[1].variant_id",
            "entries[2].unit_price_minor",
            "entries[2].variant_id",
            "name",
        ]
    );
    let unknown_variant = app
        .post(
            "/api/v1/pricing/price-lists",
            &owner,
            json!({
                "name": "Member", "customer_group": "member",
                "entries": [
                    { "variant_id": kain, "percent_off_bps": 100 },
                    { "variant_id": uuid::Uuid::now_v7(), "percent_off_bps": 100 }
                ]
            }),
        )
        .await;
    assert_eq!(sorted(unknown_variant), vec!["entries[1].variant_id"]);

    let bad_settings = app
        .put(
            "/api/v1/pricing/settings",
            &owner,
            json!({
                "rounding": { "currency": "EUR", "step_minor": 0, "ending_minor": 0, "mode": "sideways" },
                "floor": "below"
            }),
        )
        .await;
    assert_eq!(
        sorted(bad_settings),
        vec![
            "floor",
            "rounding.currency",
            "rounding.mode",
            "rounding.step_minor"
        ]
    );
    let ending_too_big = app
        .put(
            "/api/v1/pricing/settings",
            &owner,
            json!({
                "rounding": { "step_minor": 100_000, "ending_minor": 100_000, "mode": "up" },
                "floor": "min_margin"
            }),
        )
        .await;
    assert_eq!(
        sorted(ending_too_big),
        vec!["min_margin_bps", "rounding.ending_minor"]
    );

    let bad_quote = app
        .post(
            "/api/v1/pricing/quote",
            &owner,
            json!({ "variant_id": kain, "channel": "bukalapak", "customer_group": "a b", "quantity": 0 }),
        )
        .await;
    assert_eq!(
        sorted(bad_quote),
        vec!["channel", "customer_group", "quantity"]
    );
    let unknown = app
        .post(
            "/api/v1/pricing/quote",
            &owner,
            json!({ "variant_id": uuid::Uuid::now_v7(), "channel": "shopee", "quantity": 1 }),
        )
        .await;
    assert_eq!(sorted(unknown), vec!["variant_id"]);
    let missing = app
        .post(
            "/api/v1/pricing/quote",
            &owner,
            json!({ "variant_id": kain, "channel": "shopee" }),
        )
        .await;
    missing.assert_problem(422, "validation_failed");
}

async fn another_stores_pricing_answers_like_it_never_existed(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let theirs = app
        .register("Toko Tetangga Harga", &email("pricing.b"))
        .await;
    let their_variant = variant(&app, &theirs, "RHS-01", 10_000_000).await;
    let their_list = app
        .post(
            "/api/v1/pricing/price-lists",
            &theirs,
            json!({
                "name": "Rahasia", "customer_group": "vip",
                "entries": [{ "variant_id": their_variant, "percent_off_bps": 5_000 }]
            }),
        )
        .await;
    assert_eq!(
        their_list.status,
        StatusCode::CREATED,
        "{}",
        their_list.body
    );
    let their_list = their_list.body["id"].as_str().unwrap().to_owned();
    ok(app
        .put(
            "/api/v1/pricing/settings",
            &theirs,
            json!({ "rounding": { "step_minor": 100_000, "ending_minor": 0, "mode": "up" } }),
        )
        .await);

    let mine = app.register("Toko Saya Harga", &email("pricing.a")).await;
    let my_variant = variant(&app, &mine, "MINE-01", 1_234_500).await;
    let pricing_body = json!({ "cost_minor": 1 });
    let list_body = json!({ "name": "Curian", "customer_group": "curian" });
    for (path, foreign, body) in [
        (
            "/api/v1/pricing/variants/{id}",
            &their_variant,
            &pricing_body,
        ),
        ("/api/v1/pricing/price-lists/{id}", &their_list, &list_body),
    ] {
        for method in [Method::GET, Method::PUT, Method::DELETE] {
            if method == Method::DELETE && path.contains("variants") {
                continue;
            }
            let body = (method == Method::PUT).then(|| body.clone());
            app.assert_foreign_id_answers_like_absent(method, path, foreign, (&mine).into(), body)
                .await;
        }
    }
    let foreign_quote = app
        .post(
            "/api/v1/pricing/quote",
            &mine,
            json!({ "variant_id": their_variant, "channel": "shopee", "quantity": 1 }),
        )
        .await;
    foreign_quote.assert_problem(422, "validation_failed");
    assert_eq!(foreign_quote.fields(), vec!["variant_id"]);
    let foreign_entry = app
        .post(
            "/api/v1/pricing/price-lists",
            &mine,
            json!({
                "name": "VIP", "customer_group": "vip",
                "entries": [{ "variant_id": their_variant, "percent_off_bps": 100 }]
            }),
        )
        .await;
    foreign_entry.assert_problem(422, "validation_failed");
    assert_eq!(foreign_entry.fields(), vec!["entries[0].variant_id"]);

    // Their group, their rounding: neither touches my quote; my lists are mine alone.
    let my_quote = quote(
        &app,
        &mine,
        json!({ "variant_id": my_variant, "channel": "shopee", "customer_group": "vip", "quantity": 1 }),
    )
    .await;
    assert_eq!(steps(&my_quote), vec![step("base", 1_234_500)]);
    let my_lists = ok(app.get("/api/v1/pricing/price-lists", &mine).await);
    assert_eq!(my_lists["items"], json!([]));
    let my_settings = ok(app.get("/api/v1/pricing/settings", &mine).await);
    assert_eq!(my_settings["rounding"], Value::Null);
    assert_eq!(my_settings["floor"], "none");
    // And theirs still stands.
    ok(app
        .get(
            &format!("/api/v1/pricing/price-lists/{their_list}"),
            &theirs,
        )
        .await);
}

async fn reading_and_quoting_need_products_read_and_changing_needs_products_write(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app
        .register("Toko Izin Harga", &email("pricing.perm"))
        .await;
    let viewer_role = app
        .create_role(&owner, "harga_lihat", &["products:read"])
        .await;
    let viewer = app
        .add_member(
            &owner,
            &email("pricing.viewer"),
            std::slice::from_ref(&viewer_role),
        )
        .await;
    let cashier_role = app.create_role(&owner, "kasir", &["orders:read"]).await;
    let cashier = app
        .add_member(
            &owner,
            &email("pricing.cashier"),
            std::slice::from_ref(&cashier_role),
        )
        .await;
    let sabun = variant(&app, &owner, "SBN-01", 500_000).await;
    let pricing_path = format!("/api/v1/pricing/variants/{sabun}");
    let quote_body = json!({ "variant_id": sabun, "channel": "lazada", "quantity": 2 });

    for path in [
        pricing_path.as_str(),
        "/api/v1/pricing/price-lists",
        "/api/v1/pricing/settings",
    ] {
        assert_eq!(app.get(path, &viewer).await.status, StatusCode::OK);
        app.get(path, &cashier)
            .await
            .assert_problem(403, "auth.forbidden");
        app.get(path, As::Nobody)
            .await
            .assert_problem(401, "auth.unauthenticated");
    }
    let viewed = quote(&app, &viewer, quote_body.clone()).await;
    assert_eq!(viewed["line_price"], idr(1_000_000));
    app.post("/api/v1/pricing/quote", &cashier, quote_body)
        .await
        .assert_problem(403, "auth.forbidden");

    app.put(&pricing_path, &viewer, json!({ "cost_minor": 100_000 }))
        .await
        .assert_problem(403, "auth.forbidden");
    app.post(
        "/api/v1/pricing/price-lists",
        &viewer,
        json!({ "name": "Member", "customer_group": "member" }),
    )
    .await
    .assert_problem(403, "auth.forbidden");
    app.put(
        "/api/v1/pricing/settings",
        &viewer,
        json!({ "floor": "cost" }),
    )
    .await
    .assert_problem(403, "auth.forbidden");
}

async fn pricing_is_in_the_openapi_document(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let document = app.get("/api/v1/openapi.json", As::Nobody).await;
    let paths = &document.body["paths"];
    for (path, methods) in [
        ("/api/v1/pricing/variants/{variant_id}", &["get", "put"][..]),
        ("/api/v1/pricing/price-lists", &["get", "post"][..]),
        (
            "/api/v1/pricing/price-lists/{id}",
            &["get", "put", "delete"][..],
        ),
        ("/api/v1/pricing/settings", &["get", "put"][..]),
        ("/api/v1/pricing/quote", &["post"][..]),
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
        "QuoteRequest",
        "QuoteView",
        "PriceStepView",
        "VariantPricingRequest",
        "PriceListView",
        "PricingSettingsBody",
    ] {
        assert!(schemas[schema].is_object(), "{schema} is documented");
    }
}
