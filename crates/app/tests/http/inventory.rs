//! Inventory through its HTTP API: warehouses, stock levels and adjustments with their ledger,
//! reservations and their sweeper, reorder points, and one store never seeing another's stock.
//! Variants become known the way they will in production: a `product.events` message in the
//! outbox, picked up by inventory's consumer.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smartseller_contracts::catalog::{ProductEvent, VariantSnapshot};
use smartseller_kernel::TenantId;
use smartseller_kernel::money::{Currency, Money};
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;
use uuid::Uuid;

use crate::support::{Answer, As, Session, TestApp, email};

engine_tests!(
    warehouses_are_created_listed_and_changed_with_codes_unique_per_store,
    adjusting_needs_an_idempotency_key_moves_stock_once_and_is_in_the_ledger,
    adjustments_are_validated_field_by_field,
    reservations_hold_commit_and_release_stock,
    lapsed_holds_are_given_back_by_the_sweeper,
    variants_are_unknown_until_the_catalogue_announces_them,
    reorder_points_flag_low_stock,
    another_stores_inventory_answers_like_nothing_exists,
    reading_stock_does_not_allow_changing_it_and_only_owners_allow_negative_stock,
    the_openapi_document_describes_inventory,
    stock_is_transferred_between_two_warehouses,
    a_product_from_the_catalogue_is_stocked_and_archiving_it_stops_new_holds,
    campaign_stock_is_locked_sold_and_given_back,
);

/// Publishes a product with these SKUs into the outbox, as the catalogue does, and waits until
/// inventory's consumer knows its variants. Returns their ids.
pub(crate) async fn announce(app: &TestApp, owner: &Session, skus: &[&str]) -> Vec<Uuid> {
    let tenant: TenantId = owner.tenant_id.parse().expect("tenant id");
    let variants: Vec<VariantSnapshot> = skus
        .iter()
        .map(|sku| VariantSnapshot {
            variant_id: Uuid::now_v7(),
            sku: (*sku).to_owned(),
            name: (*sku).to_owned(),
            status: "active".to_owned(),
            price: Money::new(99_000, Currency::Idr),
        })
        .collect();
    let ids: Vec<Uuid> = variants.iter().map(|v| v.variant_id).collect();
    let mut tx = app.db.begin_write().await.expect("tx");
    tx.publish(
        tenant,
        &ProductEvent::Created {
            product_id: Uuid::now_v7(),
            name: "Batik Tulis".to_owned(),
            variants,
        },
    )
    .await
    .expect("publish");
    tx.commit().await.expect("commit");
    for id in &ids {
        let path = format!("/api/v1/inventory?variant_id={id}");
        app.eventually("inventory knows the variant", || async {
            app.get(&path, owner).await.status == StatusCode::OK
        })
        .await;
    }
    ids
}

pub(crate) async fn warehouse(app: &TestApp, owner: &Session, code: &str) -> String {
    let created = app
        .post(
            "/api/v1/warehouses",
            owner,
            json!({ "code": code, "name": format!("Gudang {code}"), "address": "Jl. Raya Bogor 12\nJakarta Timur" }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.body["id"].as_str().expect("id").to_owned()
}

async fn adjust(app: &TestApp, who: As<'_>, key: &str, body: Value) -> Answer {
    TestApp::send(
        app.request(Method::PUT, "/api/v1/inventory/adjust", who)
            .header("Idempotency-Key", key)
            .json(&body),
    )
    .await
}

pub(crate) async fn stock_up(
    app: &TestApp,
    owner: &Session,
    variant: Uuid,
    warehouse: &str,
    units: i64,
) {
    let answer = adjust(
        app,
        owner.into(),
        &format!("stock-{}", Uuid::now_v7()),
        json!({ "variant_id": variant, "warehouse_id": warehouse, "delta": units, "reason": "purchase_receipt" }),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

/// The one level of `variant` in `warehouse`.
pub(crate) async fn level(app: &TestApp, owner: &Session, variant: Uuid, warehouse: &str) -> Value {
    let answer = app
        .get(
            &format!("/api/v1/inventory?variant_id={variant}&warehouse_id={warehouse}"),
            owner,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let items = answer.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{}", answer.body);
    items[0].clone()
}

pub(crate) fn in_15_minutes() -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(15)).to_rfc3339()
}

async fn warehouses_are_created_listed_and_changed_with_codes_unique_per_store(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Gudang", &email("gudang")).await;
    let created = app
        .post(
            "/api/v1/warehouses",
            &owner,
            json!({ "code": "jkt-1", "name": "Gudang Jakarta" }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["code"], "JKT-1");
    assert_eq!(created.body["active"], true);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/warehouses/{id}").as_str())
    );
    app.post(
        "/api/v1/warehouses",
        &owner,
        json!({ "code": "JKT-1", "name": "Another" }),
    )
    .await
    .assert_problem(409, "inventory.warehouse_code_taken");
    let bad = app
        .post(
            "/api/v1/warehouses",
            &owner,
            json!({ "code": "gudang utama", "name": "", "address": "x\u{0}" }),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.fields(), vec!["code", "name", "address"]);

    let second = warehouse(&app, &owner, "SBY-1").await;
    let changed = app
        .put(
            &format!("/api/v1/warehouses/{second}"),
            &owner,
            json!({ "code": "SBY-2", "name": "Gudang Surabaya", "active": false }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(
        (
            changed.body["code"].as_str(),
            changed.body["active"].as_bool()
        ),
        (Some("SBY-2"), Some(false))
    );
    app.put(
        &format!("/api/v1/warehouses/{second}"),
        &owner,
        json!({ "code": "JKT-1", "name": "Clash" }),
    )
    .await
    .assert_problem(409, "inventory.warehouse_code_taken");

    let first_page = app.get("/api/v1/warehouses?limit=1", &owner).await;
    assert_eq!(first_page.body["items"][0]["id"], id.as_str());
    let cursor = first_page.body["next_cursor"]
        .as_str()
        .expect("more")
        .to_owned();
    let second_page = app
        .get(
            &format!("/api/v1/warehouses?limit=1&cursor={cursor}"),
            &owner,
        )
        .await;
    assert_eq!(second_page.body["items"][0]["id"], second.as_str());
    assert!(second_page.body["next_cursor"].is_null());
    let fetched = app.get(&format!("/api/v1/warehouses/{id}"), &owner).await;
    assert_eq!(fetched.body["name"], "Gudang Jakarta");
    app.stop().await;
}

async fn adjusting_needs_an_idempotency_key_moves_stock_once_and_is_in_the_ledger(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Stok", &email("stok")).await;
    let jkt = warehouse(&app, &owner, "JKT").await;
    let batik = announce(&app, &owner, &["BATIK-PARANG-M"]).await[0];
    let body = json!({
        "variant_id": batik, "warehouse_id": jkt, "delta": 12, "reason": "purchase_receipt",
        "note": "PO from Pekalongan", "reference": { "type": "purchase_order", "id": "PO-0042" }
    });

    app.put("/api/v1/inventory/adjust", &owner, body.clone())
        .await
        .assert_problem(400, "idempotency.key_required");
    let first = adjust(&app, (&owner).into(), "receipt-42", body.clone()).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(
        (
            first.body["on_hand"].as_i64(),
            first.body["available"].as_i64()
        ),
        (Some(12), Some(12))
    );
    assert_eq!(first.body["sku"], "BATIK-PARANG-M");
    let retry = adjust(&app, (&owner).into(), "receipt-42", body).await;
    assert_eq!(retry.raw, first.raw);
    assert_eq!(retry.header("idempotency-replayed"), Some("true"));
    assert_eq!(
        level(&app, &owner, batik, &jkt).await["on_hand"],
        12,
        "moved once"
    );

    let count = adjust(
        &app,
        (&owner).into(),
        "count-1",
        json!({ "variant_id": batik, "warehouse_id": jkt, "set_on_hand": 10, "reason": "stock_count" }),
    )
    .await;
    assert_eq!(count.body["on_hand"], 10, "{}", count.body);
    let too_much = adjust(
        &app,
        (&owner).into(),
        "damage-1",
        json!({ "variant_id": batik, "warehouse_id": jkt, "delta": -11, "reason": "damage" }),
    )
    .await;
    too_much.assert_problem(409, "inventory.insufficient_stock");
    assert_eq!(too_much.body["available"], 10);

    let ledger = app
        .get(
            &format!("/api/v1/inventory/ledger?variant_id={batik}&warehouse_id={jkt}"),
            &owner,
        )
        .await;
    assert_eq!(ledger.status, StatusCode::OK, "{}", ledger.body);
    let entries = ledger.body["items"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "{}", ledger.body);
    let (newest, oldest) = (&entries[0], &entries[1]);
    assert_eq!(oldest["reason"], "purchase_receipt");
    assert_eq!(
        (
            oldest["before"]["on_hand"].as_i64(),
            oldest["after"]["on_hand"].as_i64()
        ),
        (Some(0), Some(12))
    );
    assert_eq!(
        oldest["reference"],
        json!({ "type": "purchase_order", "id": "PO-0042" })
    );
    assert_eq!(oldest["note"], "PO from Pekalongan");
    assert_eq!(oldest["actor_type"], "user");
    assert_eq!(oldest["actor_id"], owner.user_id.as_str());
    assert_eq!(newest["reason"], "stock_count");
    assert_eq!(
        (
            newest["before"]["on_hand"].as_i64(),
            newest["after"]["on_hand"].as_i64()
        ),
        (Some(12), Some(10))
    );
    app.stop().await;
}

async fn adjustments_are_validated_field_by_field(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Cek", &email("cek")).await;
    let jkt = warehouse(&app, &owner, "JKT").await;
    let kain = announce(&app, &owner, &["KAIN-1"]).await[0];
    let both = adjust(
        &app,
        (&owner).into(),
        "v-1",
        json!({ "variant_id": kain, "warehouse_id": jkt, "delta": 1, "set_on_hand": 3, "reason": "theft",
                "reference": { "type": "invoice", "id": "1" } }),
    )
    .await;
    both.assert_problem(422, "validation_failed");
    assert_eq!(
        both.fields(),
        vec!["set_on_hand", "reason", "reference.type"]
    );
    let zero = adjust(
        &app,
        (&owner).into(),
        "v-2",
        json!({ "variant_id": kain, "warehouse_id": jkt, "delta": 0, "reason": "adjustment" }),
    )
    .await;
    assert_eq!(zero.fields(), vec!["delta"]);
    let unknown_variant = adjust(
        &app,
        (&owner).into(),
        "v-3",
        json!({ "variant_id": Uuid::now_v7(), "warehouse_id": jkt, "delta": 1, "reason": "adjustment" }),
    )
    .await;
    unknown_variant.assert_problem(422, "inventory.unknown_variant");
    assert_eq!(unknown_variant.fields(), vec!["variant_id"]);
    let unknown_warehouse = adjust(
        &app,
        (&owner).into(),
        "v-4",
        json!({ "variant_id": kain, "warehouse_id": Uuid::now_v7(), "delta": 1, "reason": "adjustment" }),
    )
    .await;
    unknown_warehouse.assert_problem(422, "inventory.unknown_warehouse");
    assert_eq!(unknown_warehouse.fields(), vec!["warehouse_id"]);
    let missing = adjust(
        &app,
        (&owner).into(),
        "v-5",
        json!({ "warehouse_id": jkt, "delta": 1, "reason": "sale" }),
    )
    .await;
    assert_eq!(missing.fields(), vec!["variant_id"]);
    app.stop().await;
}

async fn reservations_hold_commit_and_release_stock(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Pesan", &email("pesan")).await;
    let jkt = warehouse(&app, &owner, "JKT").await;
    let ids = announce(&app, &owner, &["SARUNG-M", "SARUNG-L"]).await;
    let (m, l) = (ids[0], ids[1]);
    stock_up(&app, &owner, m, &jkt, 3).await;
    stock_up(&app, &owner, l, &jkt, 5).await;
    let reserve = |lines: Value| {
        app.post(
            "/api/v1/inventory/reservations",
            &owner,
            json!({ "lines": lines, "expires_at": in_15_minutes(), "reference": { "type": "order", "id": "SO-1001" } }),
        )
    };

    // Two lines for one variant count against the same stock.
    let doubled = reserve(json!([
        { "variant_id": m, "warehouse_id": jkt, "quantity": 2 },
        { "variant_id": m, "warehouse_id": jkt, "quantity": 2 },
    ]))
    .await;
    doubled.assert_problem(409, "inventory.insufficient_stock");
    assert_eq!(doubled.body["available"], 3);
    assert_eq!(doubled.body["variant_id"], m.to_string());
    assert_eq!(
        level(&app, &owner, m, &jkt).await["reserved"],
        0,
        "nothing held"
    );

    let held = reserve(json!([
        { "variant_id": m, "warehouse_id": jkt, "quantity": 2 },
        { "variant_id": l, "warehouse_id": jkt, "quantity": 1 },
    ]))
    .await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    assert_eq!(held.body["status"], "held");
    assert_eq!(held.body["reference"]["id"], "SO-1001");
    let id = held.body["id"].as_str().unwrap().to_owned();
    let m_level = level(&app, &owner, m, &jkt).await;
    assert_eq!(
        (
            m_level["on_hand"].as_i64(),
            m_level["reserved"].as_i64(),
            m_level["available"].as_i64()
        ),
        (Some(3), Some(2), Some(1))
    );

    let committed = app
        .post(
            &format!("/api/v1/inventory/reservations/{id}/commit"),
            &owner,
            json!({}),
        )
        .await;
    assert_eq!(committed.status, StatusCode::OK, "{}", committed.body);
    assert_eq!(committed.body["status"], "committed");
    let m_level = level(&app, &owner, m, &jkt).await;
    assert_eq!(
        (m_level["on_hand"].as_i64(), m_level["reserved"].as_i64()),
        (Some(1), Some(0))
    );
    let again = app
        .post(
            &format!("/api/v1/inventory/reservations/{id}/release"),
            &owner,
            json!({}),
        )
        .await;
    again.assert_problem(409, "inventory.reservation_not_held");
    assert_eq!(again.body["current_status"], "committed");

    let second = reserve(json!([{ "variant_id": l, "warehouse_id": jkt, "quantity": 4 }])).await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
    let second_id = second.body["id"].as_str().unwrap().to_owned();
    let released = app
        .post(
            &format!("/api/v1/inventory/reservations/{second_id}/release"),
            &owner,
            json!({}),
        )
        .await;
    assert_eq!(released.body["status"], "released", "{}", released.body);
    let fetched = app
        .get(
            &format!("/api/v1/inventory/reservations/{second_id}"),
            &owner,
        )
        .await;
    assert_eq!(fetched.body["status"], "released");
    assert_eq!(level(&app, &owner, l, &jkt).await["available"], 4);

    let invalid = app
        .post(
            "/api/v1/inventory/reservations",
            &owner,
            json!({ "lines": [{ "variant_id": l, "warehouse_id": jkt, "quantity": 0 }], "expires_at": "2020-01-01T00:00:00Z" }),
        )
        .await;
    invalid.assert_problem(422, "validation_failed");
    assert_eq!(invalid.fields(), vec!["lines[0].quantity", "expires_at"]);
    app.stop().await;
}

async fn lapsed_holds_are_given_back_by_the_sweeper(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Waktu", &email("waktu")).await;
    let jkt = warehouse(&app, &owner, "JKT").await;
    let peci = announce(&app, &owner, &["PECI-HITAM"]).await[0];
    stock_up(&app, &owner, peci, &jkt, 2).await;
    let expires_at = (chrono::Utc::now() + chrono::Duration::milliseconds(500)).to_rfc3339();
    let held = app
        .post(
            "/api/v1/inventory/reservations",
            &owner,
            json!({ "lines": [{ "variant_id": peci, "warehouse_id": jkt, "quantity": 2 }], "expires_at": expires_at }),
        )
        .await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    let id = held.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/inventory/reservations/{id}");
    app.eventually("the sweeper releases the lapsed hold", || async {
        app.get(&path, &owner).await.body["status"] == "expired"
    })
    .await;
    assert_eq!(level(&app, &owner, peci, &jkt).await["available"], 2);
    app.post(&format!("{path}/commit"), &owner, json!({}))
        .await
        .assert_problem(409, "inventory.reservation_not_held");
    let ledger = app
        .get(
            &format!("/api/v1/inventory/ledger?variant_id={peci}"),
            &owner,
        )
        .await;
    let newest = &ledger.body["items"][0];
    assert_eq!(newest["reason"], "reservation_expired");
    assert_eq!(newest["actor_type"], "system");
    assert_eq!(newest["reservation_id"], id.as_str());
    app.stop().await;
}

async fn variants_are_unknown_until_the_catalogue_announces_them(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Katalog", &email("katalog")).await;
    let jkt = warehouse(&app, &owner, "JKT").await;
    let unannounced = Uuid::now_v7();
    app.get(
        &format!("/api/v1/inventory?variant_id={unannounced}"),
        &owner,
    )
    .await
    .assert_problem(404, "not_found");
    let refused = app
        .post(
            "/api/v1/inventory/reservations",
            &owner,
            json!({ "lines": [{ "variant_id": unannounced, "warehouse_id": jkt, "quantity": 1 }], "expires_at": in_15_minutes() }),
        )
        .await;
    refused.assert_problem(422, "inventory.unknown_variant");
    assert_eq!(refused.fields(), vec!["lines[0].variant_id"]);
    let known = announce(&app, &owner, &["TENUN-IKAT"]).await[0];
    stock_up(&app, &owner, known, &jkt, 1).await;
    let listed = level(&app, &owner, known, &jkt).await;
    assert_eq!(listed["sku"], "TENUN-IKAT");
    app.stop().await;
}

async fn reorder_points_flag_low_stock(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Stok Tipis", &email("tipis")).await;
    let jkt = warehouse(&app, &owner, "JKT").await;
    let ids = announce(&app, &owner, &["KOPI-GAYO", "KOPI-TORAJA"]).await;
    stock_up(&app, &owner, ids[0], &jkt, 10).await;
    stock_up(&app, &owner, ids[1], &jkt, 10).await;
    for (variant, point) in [(ids[0], 12), (ids[1], 3)] {
        let set = app
            .put(
                "/api/v1/inventory/reorder-points",
                &owner,
                json!({ "variant_id": variant, "warehouse_id": jkt, "reorder_point": point }),
            )
            .await;
        assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    }
    let low = app.get("/api/v1/inventory?low_stock=true", &owner).await;
    let items = low.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{}", low.body);
    assert_eq!(items[0]["sku"], "KOPI-GAYO");
    assert_eq!(items[0]["low_stock"], true);
    app.put(
        "/api/v1/inventory/reorder-points",
        &owner,
        json!({ "variant_id": ids[0], "warehouse_id": jkt, "reorder_point": -1 }),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.stop().await;
}

async fn another_stores_inventory_answers_like_nothing_exists(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let b = app.register("Toko B", &email("b")).await;
    let b_warehouse = warehouse(&app, &b, "B-1").await;
    let b_variant = announce(&app, &b, &["B-SKU"]).await[0];
    stock_up(&app, &b, b_variant, &b_warehouse, 5).await;
    let held = app
        .post(
            "/api/v1/inventory/reservations",
            &b,
            json!({ "lines": [{ "variant_id": b_variant, "warehouse_id": b_warehouse, "quantity": 1 }], "expires_at": in_15_minutes() }),
        )
        .await;
    let b_hold = held.body["id"].as_str().expect("hold").to_owned();

    let a = app.register("Toko A", &email("a")).await;
    let a_warehouse = warehouse(&app, &a, "A-1").await;
    let never = Uuid::now_v7();
    for (foreign, absent) in [
        (
            format!("/api/v1/warehouses/{b_warehouse}"),
            format!("/api/v1/warehouses/{never}"),
        ),
        (
            format!("/api/v1/inventory?warehouse_id={b_warehouse}"),
            format!("/api/v1/inventory?warehouse_id={never}"),
        ),
        (
            format!("/api/v1/inventory?variant_id={b_variant}"),
            format!("/api/v1/inventory?variant_id={never}"),
        ),
        (
            format!("/api/v1/inventory/ledger?variant_id={b_variant}"),
            format!("/api/v1/inventory/ledger?variant_id={never}"),
        ),
        (
            format!("/api/v1/inventory/ledger?warehouse_id={b_warehouse}"),
            format!("/api/v1/inventory/ledger?warehouse_id={never}"),
        ),
        (
            format!("/api/v1/inventory/reservations/{b_hold}"),
            format!("/api/v1/inventory/reservations/{never}"),
        ),
    ] {
        let (f, n) = (app.get(&foreign, &a).await, app.get(&absent, &a).await);
        f.assert_problem(404, "not_found");
        assert_eq!(
            (f.status, f.body["detail"].clone()),
            (n.status, n.body["detail"].clone()),
            "{foreign}"
        );
    }
    for action in ["commit", "release"] {
        app.post(
            &format!("/api/v1/inventory/reservations/{b_hold}/{action}"),
            &a,
            json!({}),
        )
        .await
        .assert_problem(404, "not_found");
    }
    app.put(
        &format!("/api/v1/warehouses/{b_warehouse}"),
        &a,
        json!({ "code": "X", "name": "Taken over" }),
    )
    .await
    .assert_problem(404, "not_found");
    let stolen = adjust(
        &app,
        (&a).into(),
        "steal-1",
        json!({ "variant_id": b_variant, "warehouse_id": a_warehouse, "delta": 1, "reason": "adjustment" }),
    )
    .await;
    stolen.assert_problem(422, "inventory.unknown_variant");
    let a_levels = app.get("/api/v1/inventory", &a).await;
    assert_eq!(a_levels.body["items"], json!([]));
    let a_ledger = app.get("/api/v1/inventory/ledger", &a).await;
    assert_eq!(a_ledger.body["items"], json!([]));
    let b_level = level(&app, &b, b_variant, &b_warehouse).await;
    assert_eq!(
        (b_level["on_hand"].as_i64(), b_level["reserved"].as_i64()),
        (Some(5), Some(1)),
        "untouched"
    );
    app.stop().await;
}

async fn reading_stock_does_not_allow_changing_it_and_only_owners_allow_negative_stock(
    engine: Engine,
) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Izin", &email("izin")).await;
    let jkt = warehouse(&app, &owner, "JKT").await;
    let variant = announce(&app, &owner, &["IZIN-1"]).await[0];
    let staff_role = app.role_id(&owner, "staff").await;
    let staff = app.add_member(&owner, &email("staff"), &[staff_role]).await;
    assert_eq!(
        app.get("/api/v1/inventory", &staff).await.status,
        StatusCode::OK
    );
    adjust(
        &app,
        (&staff).into(),
        "staff-1",
        json!({ "variant_id": variant, "warehouse_id": jkt, "delta": 1, "reason": "adjustment" }),
    )
    .await
    .assert_problem(403, "auth.forbidden");
    app.post(
        "/api/v1/warehouses",
        &staff,
        json!({ "code": "S", "name": "S" }),
    )
    .await
    .assert_problem(403, "auth.forbidden");
    app.put(
        "/api/v1/inventory/settings",
        &staff,
        json!({ "allow_negative_stock": true }),
    )
    .await
    .assert_problem(403, "auth.forbidden");
    app.get("/api/v1/inventory", As::Nobody)
        .await
        .assert_problem(401, "auth.unauthenticated");

    // The owner may let stock go below zero; until then, it cannot.
    let sell = |key: &'static str| {
        adjust(
            &app,
            (&owner).into(),
            key,
            json!({ "variant_id": variant, "warehouse_id": jkt, "delta": -2, "reason": "sale" }),
        )
    };
    sell("sell-1")
        .await
        .assert_problem(409, "inventory.insufficient_stock");
    assert_eq!(
        app.get("/api/v1/inventory/settings", &staff).await.body["allow_negative_stock"],
        false
    );
    let allowed = app
        .put(
            "/api/v1/inventory/settings",
            &owner,
            json!({ "allow_negative_stock": true }),
        )
        .await;
    assert_eq!(
        allowed.body["allow_negative_stock"], true,
        "{}",
        allowed.body
    );
    let sold = sell("sell-2").await;
    assert_eq!(
        (
            sold.body["on_hand"].as_i64(),
            sold.body["available"].as_i64()
        ),
        (Some(-2), Some(0)),
        "{}",
        sold.body
    );
    app.stop().await;
}

async fn the_openapi_document_describes_inventory(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let doc = app.get("/api/v1/openapi.json", As::Nobody).await.body;
    for path in [
        "/api/v1/warehouses",
        "/api/v1/warehouses/{id}",
        "/api/v1/inventory",
        "/api/v1/inventory/adjust",
        "/api/v1/inventory/ledger",
        "/api/v1/inventory/reorder-points",
        "/api/v1/inventory/settings",
        "/api/v1/inventory/reservations",
        "/api/v1/inventory/reservations/{id}",
        "/api/v1/inventory/reservations/{id}/commit",
        "/api/v1/inventory/reservations/{id}/release",
        "/api/v1/inventory/transfers",
        "/api/v1/inventory/transfers/{id}",
        "/api/v1/inventory/transfers/{id}/receive",
        "/api/v1/inventory/transfers/{id}/cancel",
        "/api/v1/inventory/campaign-locks",
        "/api/v1/inventory/campaign-locks/{id}",
        "/api/v1/inventory/campaign-locks/{id}/sell",
        "/api/v1/inventory/campaign-locks/{id}/release",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
    let adjust = &doc["paths"]["/api/v1/inventory/adjust"]["put"];
    assert!(adjust["responses"].get("409").is_some());
    assert!(adjust["security"].is_array());
    app.stop().await;
}

async fn stock_is_transferred_between_two_warehouses(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Kirim", &email("kirim")).await;
    let (jkt, sby) = (
        warehouse(&app, &owner, "JKT").await,
        warehouse(&app, &owner, "SBY").await,
    );
    let batik = announce(&app, &owner, &["BATIK-MEGA-MENDUNG"]).await[0];
    stock_up(&app, &owner, batik, &jkt, 10).await;
    let ship = |key: &'static str, quantity: i64| {
        TestApp::send(
            app.request(Method::POST, "/api/v1/inventory/transfers", (&owner).into())
                .header("Idempotency-Key", key)
                .json(&json!({
                    "from_warehouse_id": jkt, "to_warehouse_id": sby,
                    "lines": [{ "variant_id": batik, "quantity": quantity }], "note": "for the Surabaya bazaar"
                })),
        )
    };
    ship("t-0", 11)
        .await
        .assert_problem(409, "inventory.insufficient_stock");
    let shipped = ship("t-1", 4).await;
    assert_eq!(shipped.status, StatusCode::CREATED, "{}", shipped.body);
    assert_eq!(shipped.body["status"], "in_transit");
    let retry = ship("t-1", 4).await;
    assert_eq!(retry.raw, shipped.raw, "a retry never ships twice");
    let id = shipped.body["id"].as_str().unwrap().to_owned();
    let source = level(&app, &owner, batik, &jkt).await;
    let destination = level(&app, &owner, batik, &sby).await;
    assert_eq!(source["on_hand"], 6);
    assert_eq!(
        (
            destination["on_hand"].as_i64(),
            destination["incoming"].as_i64(),
            destination["available"].as_i64()
        ),
        (Some(0), Some(4), Some(0))
    );
    let received = app
        .post(
            &format!("/api/v1/inventory/transfers/{id}/receive"),
            &owner,
            json!({}),
        )
        .await;
    assert_eq!(received.body["status"], "received", "{}", received.body);
    app.post(
        &format!("/api/v1/inventory/transfers/{id}/cancel"),
        &owner,
        json!({}),
    )
    .await
    .assert_problem(409, "inventory.transfer_not_in_transit");
    let destination = level(&app, &owner, batik, &sby).await;
    assert_eq!(
        (
            destination["on_hand"].as_i64(),
            destination["incoming"].as_i64()
        ),
        (Some(4), Some(0))
    );
    let ledger = app
        .get(
            &format!("/api/v1/inventory/ledger?warehouse_id={sby}"),
            &owner,
        )
        .await;
    let newest = &ledger.body["items"][0];
    assert_eq!(newest["reason"], "transfer");
    assert_eq!(newest["reference"], json!({ "type": "transfer", "id": id }));

    let stranger = app.register("Toko Lain", &email("lain")).await;
    app.get(&format!("/api/v1/inventory/transfers/{id}"), &stranger)
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("/api/v1/inventory/transfers/{id}/cancel"),
        &stranger,
        json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    app.stop().await;
}

/// The two domains together, through their APIs only: the catalogue's `product.events` are what
/// make a variant stockable, and what stop new holds once it is archived.
async fn a_product_from_the_catalogue_is_stocked_and_archiving_it_stops_new_holds(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Lengkap", &email("lengkap")).await;
    let jkt = warehouse(&app, &owner, "JKT").await;
    let created = app
        .post(
            "/api/v1/products",
            &owner,
            json!({
                "name": "Kemeja Batik", "status": "active",
                "variants": [{ "sku": "KMJ-BTK-L", "weight_grams": 250, "price": { "minor": 25_000_000 } }]
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let product = created.body["id"].as_str().expect("product").to_owned();
    let variant: Uuid = created.body["variants"][0]["id"]
        .as_str()
        .expect("variant")
        .parse()
        .expect("uuid");
    let known = format!("/api/v1/inventory?variant_id={variant}");
    app.eventually("inventory learns the new variant", || async {
        app.get(&known, &owner).await.status == StatusCode::OK
    })
    .await;
    stock_up(&app, &owner, variant, &jkt, 5).await;
    assert_eq!(level(&app, &owner, variant, &jkt).await["sku"], "KMJ-BTK-L");

    assert_eq!(
        app.delete(&format!("/api/v1/products/{product}"), &owner)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let hold = json!({
        "lines": [{ "variant_id": variant, "warehouse_id": jkt, "quantity": 1 }],
        "expires_at": in_15_minutes()
    });
    app.eventually("inventory learns the variant is archived", || async {
        let tried = app
            .post("/api/v1/inventory/reservations", &owner, hold.clone())
            .await;
        // Until the archive event arrives, holds are still fine: give them straight back.
        if let Some(id) = tried.body["id"].as_str() {
            let release = format!("/api/v1/inventory/reservations/{id}/release");
            assert_eq!(
                app.post(&release, &owner, json!({})).await.status,
                StatusCode::OK
            );
        }
        tried.code() == "inventory.variant_archived"
    })
    .await;
    assert_eq!(
        level(&app, &owner, variant, &jkt).await["reserved"],
        0,
        "no hold is left"
    );
    app.stop().await;
}

async fn campaign_stock_is_locked_sold_and_given_back(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Kampanye", &email("kampanye")).await;
    let jkt = warehouse(&app, &owner, "JKT").await;
    let gamis = announce(&app, &owner, &["GAMIS-M"]).await[0];
    stock_up(&app, &owner, gamis, &jkt, 10).await;
    let ends_at = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let invalid = app
        .post(
            "/api/v1/inventory/campaign-locks",
            &owner,
            json!({ "variant_id": gamis, "warehouse_id": jkt, "quantity": 0, "channel": "shopee mall", "campaign": "", "ends_at": ends_at }),
        )
        .await;
    invalid.assert_problem(422, "validation_failed");
    assert_eq!(invalid.fields(), vec!["quantity", "channel", "campaign"]);
    let locked = app
        .post(
            "/api/v1/inventory/campaign-locks",
            &owner,
            json!({ "variant_id": gamis, "warehouse_id": jkt, "quantity": 4, "channel": "Shopee", "campaign": "12.12", "ends_at": ends_at }),
        )
        .await;
    assert_eq!(locked.status, StatusCode::CREATED, "{}", locked.body);
    assert_eq!(
        (
            locked.body["channel"].as_str(),
            locked.body["remaining"].as_i64()
        ),
        (Some("shopee"), Some(4))
    );
    let id = locked.body["id"].as_str().unwrap().to_owned();
    let shown = level(&app, &owner, gamis, &jkt).await;
    assert_eq!(
        (
            shown["campaign_locked"].as_i64(),
            shown["available"].as_i64()
        ),
        (Some(4), Some(6))
    );

    let sell = |key: &'static str, quantity: i64| {
        TestApp::send(
            app.request(Method::POST, &format!("/api/v1/inventory/campaign-locks/{id}/sell"), (&owner).into())
                .header("Idempotency-Key", key)
                .json(&json!({ "quantity": quantity, "reference": { "type": "order", "id": "SHP-1212-1" } })),
        )
    };
    let sold = sell("c-1", 3).await;
    assert_eq!(sold.body["remaining"], 1, "{}", sold.body);
    assert_eq!(
        sell("c-1", 3).await.raw,
        sold.raw,
        "a retried order sells once"
    );
    let over = sell("c-2", 2).await;
    over.assert_problem(409, "inventory.insufficient_stock");
    assert_eq!(over.body["available"], 1);
    let released = app
        .post(
            &format!("/api/v1/inventory/campaign-locks/{id}/release"),
            &owner,
            json!({}),
        )
        .await;
    assert_eq!(released.body["status"], "released", "{}", released.body);
    sell("c-3", 1)
        .await
        .assert_problem(409, "inventory.campaign_lock_not_active");
    let shown = level(&app, &owner, gamis, &jkt).await;
    assert_eq!(
        (
            shown["on_hand"].as_i64(),
            shown["campaign_locked"].as_i64(),
            shown["available"].as_i64()
        ),
        (Some(7), Some(0), Some(7))
    );
    let stranger = app.register("Toko Asing", &email("asing")).await;
    app.get(&format!("/api/v1/inventory/campaign-locks/{id}"), &stranger)
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}
