//! Buying and counting stock through the HTTP API: purchase orders from draft to received,
//! stock counts applied against moving stock, per-channel buffers and reorder suggestions, each
//! permission-checked, tenant-isolated and in the OpenAPI document.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;
use uuid::Uuid;

use crate::inventory::{announce, in_15_minutes, level, stock_up, warehouse};
use crate::support::{Answer, As, Session, TestApp, email};

engine_tests!(
    a_purchase_order_is_ordered_received_in_parts_and_settled,
    purchase_orders_counts_and_buffers_are_validated_field_by_field,
    a_stock_count_is_applied_against_stock_as_it_is_when_applied,
    channels_see_available_less_their_buffer_and_reorder_suggestions_explain_themselves,
    another_stores_purchase_orders_and_counts_answer_like_nothing_exists,
    reading_purchasing_does_not_allow_changing_it,
    the_openapi_document_describes_purchasing_and_counts,
);

async fn receive(app: &TestApp, who: As<'_>, id: &str, key: &str, body: Value) -> Answer {
    TestApp::send(
        app.request(
            Method::POST,
            &format!("/api/v1/purchase-orders/{id}/receipts"),
            who,
        )
        .header("Idempotency-Key", key)
        .json(&body),
    )
    .await
}

async fn draft_order(app: &TestApp, owner: &Session, warehouse: &str, lines: Value) -> String {
    let created = app
        .post(
            "/api/v1/purchase-orders",
            owner,
            json!({ "supplier_name": "CV Batik Pekalongan", "warehouse_id": warehouse,
                    "expected_date": "2026-12-01", "lines": lines }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.body["id"].as_str().expect("id").to_owned()
}

async fn a_purchase_order_is_ordered_received_in_parts_and_settled(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Beli", &email("beli")).await;
    let jkt = warehouse(&app, &owner, "JKT").await;
    let ids = announce(&app, &owner, &["PO-KEMEJA-M", "PO-KEMEJA-L"]).await;
    let (m, l) = (ids[0], ids[1]);
    let created = app
        .post(
            "/api/v1/purchase-orders",
            &owner,
            json!({
                "supplier_name": "CV Batik Pekalongan", "warehouse_id": jkt, "expected_date": "2026-12-01",
                "lines": [
                    { "variant_id": m, "quantity": 10, "unit_cost": { "minor": 4_500_000 } },
                    { "variant_id": l, "quantity": 5, "unit_cost": { "minor": 5_000_000, "currency": "IDR" } }
                ],
                "note": "restock for Harbolnas"
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["status"], "draft");
    assert_eq!(created.body["expected_date"], "2026-12-01");
    assert_eq!(
        created.body["total"],
        json!({ "minor": 70_000_000, "currency": "IDR" })
    );
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/purchase-orders/{id}").as_str())
    );
    let nothing_yet = app
        .get(&format!("/api/v1/inventory?variant_id={m}"), &owner)
        .await;
    assert_eq!(
        nothing_yet.body["items"],
        json!([]),
        "a draft expects nothing"
    );

    let ordered = app
        .post(
            &format!("/api/v1/purchase-orders/{id}/order"),
            &owner,
            json!({}),
        )
        .await;
    assert_eq!(ordered.body["status"], "ordered", "{}", ordered.body);
    assert_eq!(level(&app, &owner, m, &jkt).await["incoming"], 10);
    app.post(
        &format!("/api/v1/purchase-orders/{id}/order"),
        &owner,
        json!({}),
    )
    .await
    .assert_problem(409, "inventory.illegal_transition");

    let first = json!({ "lines": [{ "variant_id": m, "quantity": 6 }], "note": "truck 1" });
    let no_key = TestApp::send(
        app.request(
            Method::POST,
            &format!("/api/v1/purchase-orders/{id}/receipts"),
            (&owner).into(),
        )
        .json(&first),
    )
    .await;
    no_key.assert_problem(400, "idempotency.key_required");
    let partial = receive(&app, (&owner).into(), &id, "r-1", first.clone()).await;
    assert_eq!(partial.status, StatusCode::OK, "{}", partial.body);
    assert_eq!(partial.body["status"], "partially_received");
    assert_eq!(partial.body["lines"][0]["remaining"], 4);
    let retry = receive(&app, (&owner).into(), &id, "r-1", first).await;
    assert_eq!(retry.raw, partial.raw, "a retried receipt is booked once");
    let shown = level(&app, &owner, m, &jkt).await;
    assert_eq!(
        (shown["on_hand"].as_i64(), shown["incoming"].as_i64()),
        (Some(6), Some(4))
    );

    let over = receive(
        &app,
        (&owner).into(),
        &id,
        "r-2",
        json!({ "lines": [{ "variant_id": m, "quantity": 5 }] }),
    )
    .await;
    over.assert_problem(409, "inventory.over_receipt");
    assert_eq!(over.body["remaining"], 4);

    let rest = receive(
        &app,
        (&owner).into(),
        &id,
        "r-3",
        json!({ "lines": [{ "variant_id": m, "quantity": 4 }, { "variant_id": l, "quantity": 5 }] }),
    )
    .await;
    assert_eq!(rest.body["status"], "received", "{}", rest.body);
    let shown = level(&app, &owner, l, &jkt).await;
    assert_eq!(
        (shown["on_hand"].as_i64(), shown["incoming"].as_i64()),
        (Some(5), Some(0))
    );
    let ledger = app
        .get(&format!("/api/v1/inventory/ledger?variant_id={l}"), &owner)
        .await;
    let newest = &ledger.body["items"][0];
    assert_eq!(newest["reason"], "purchase_receipt");
    assert_eq!(
        newest["reference"],
        json!({ "type": "purchase_order", "id": id })
    );
    app.post(
        &format!("/api/v1/purchase-orders/{id}/cancel"),
        &owner,
        json!({}),
    )
    .await
    .assert_problem(409, "inventory.illegal_transition");

    // A second order is called off after part of it arrived: the rest is no longer incoming.
    let second = draft_order(
        &app,
        &owner,
        &jkt,
        json!([{ "variant_id": m, "quantity": 8, "unit_cost": { "minor": 4_500_000 } }]),
    )
    .await;
    app.post(
        &format!("/api/v1/purchase-orders/{second}/order"),
        &owner,
        json!({}),
    )
    .await;
    receive(
        &app,
        (&owner).into(),
        &second,
        "r-4",
        json!({ "lines": [{ "variant_id": m, "quantity": 3 }] }),
    )
    .await;
    let cancelled = app
        .post(
            &format!("/api/v1/purchase-orders/{second}/cancel"),
            &owner,
            json!({}),
        )
        .await;
    assert_eq!(cancelled.body["status"], "cancelled", "{}", cancelled.body);
    let shown = level(&app, &owner, m, &jkt).await;
    assert_eq!(
        (shown["on_hand"].as_i64(), shown["incoming"].as_i64()),
        (Some(13), Some(0))
    );
    let fetched = app
        .get(&format!("/api/v1/purchase-orders/{second}"), &owner)
        .await;
    assert_eq!(fetched.body["lines"][0]["received"], 3);
    let all = app.get("/api/v1/purchase-orders?limit=1", &owner).await;
    assert_eq!(all.body["items"][0]["id"], id.as_str(), "{}", all.body);
    assert!(all.body["next_cursor"].is_string());
    let cancelled = app
        .get("/api/v1/purchase-orders?status=cancelled", &owner)
        .await;
    let items = cancelled.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], second.as_str());
    let unknown = app.get("/api/v1/purchase-orders?status=lost", &owner).await;
    unknown.assert_problem(422, "validation_failed");
    assert_eq!(unknown.fields(), vec!["status"]);
    app.stop().await;
}

async fn purchase_orders_counts_and_buffers_are_validated_field_by_field(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Teliti", &email("teliti")).await;
    let jkt = warehouse(&app, &owner, "JKT").await;
    let v = announce(&app, &owner, &["VAL-1"]).await[0];
    let empty = app
        .post(
            "/api/v1/purchase-orders",
            &owner,
            json!({ "supplier_name": " ", "warehouse_id": jkt, "lines": [] }),
        )
        .await;
    empty.assert_problem(422, "validation_failed");
    assert_eq!(empty.fields(), vec!["supplier_name", "lines"]);
    let bad_lines = app
        .post(
            "/api/v1/purchase-orders",
            &owner,
            json!({ "supplier_name": "CV Maju", "warehouse_id": jkt, "lines": [
                { "variant_id": v, "quantity": 0, "unit_cost": { "minor": 100 } },
                { "variant_id": v, "quantity": 1, "unit_cost": { "minor": -1, "currency": "USD" } },
                { "variant_id": Uuid::now_v7(), "quantity": 1, "unit_cost": { "minor": 1, "currency": "XYZ" } }
            ] }),
        )
        .await;
    bad_lines.assert_problem(422, "validation_failed");
    assert_eq!(
        bad_lines.fields(),
        vec![
            "lines[2].unit_cost.currency",
            "lines[0].quantity",
            "lines[1].variant_id",
            "lines[1].unit_cost.minor",
            "lines[1].unit_cost.currency",
        ]
    );
    let unknown = app
        .post(
            "/api/v1/purchase-orders",
            &owner,
            json!({ "supplier_name": "CV Maju", "warehouse_id": jkt, "lines": [
                { "variant_id": Uuid::now_v7(), "quantity": 1, "unit_cost": { "minor": 1 } }
            ] }),
        )
        .await;
    unknown.assert_problem(422, "inventory.unknown_variant");
    assert_eq!(unknown.fields(), vec!["lines[0].variant_id"]);
    let id = draft_order(
        &app,
        &owner,
        &jkt,
        json!([{ "variant_id": v, "quantity": 2, "unit_cost": { "minor": 1 } }]),
    )
    .await;
    app.post(
        &format!("/api/v1/purchase-orders/{id}/order"),
        &owner,
        json!({}),
    )
    .await;
    let bad_receipt = receive(
        &app,
        (&owner).into(),
        &id,
        "bad-1",
        json!({ "lines": [{ "variant_id": v, "quantity": 0 }] }),
    )
    .await;
    bad_receipt.assert_problem(422, "validation_failed");
    assert_eq!(bad_receipt.fields(), vec!["lines[0].quantity"]);
    let not_on_order = receive(
        &app,
        (&owner).into(),
        &id,
        "bad-2",
        json!({ "lines": [{ "variant_id": Uuid::now_v7(), "quantity": 1 }] }),
    )
    .await;
    not_on_order.assert_problem(422, "validation_failed");
    assert_eq!(not_on_order.fields(), vec!["lines[0].variant_id"]);

    let bad_count = app
        .post(
            "/api/v1/inventory/counts",
            &owner,
            json!({ "warehouse_id": jkt, "lines": [{ "variant_id": v, "counted": -1 }, { "variant_id": v, "counted": 1 }] }),
        )
        .await;
    bad_count.assert_problem(422, "validation_failed");
    assert_eq!(
        bad_count.fields(),
        vec!["lines[0].counted", "lines[1].variant_id"]
    );
    let bad_buffer = app
        .put(
            "/api/v1/inventory/buffers",
            &owner,
            json!({ "variant_id": v, "channel": "blibli", "quantity": -3 }),
        )
        .await;
    bad_buffer.assert_problem(422, "validation_failed");
    assert_eq!(bad_buffer.fields(), vec!["channel", "quantity"]);
    let bad_setting = app
        .put(
            "/api/v1/inventory/reorder-settings",
            &owner,
            json!({ "variant_id": v, "warehouse_id": jkt, "lead_time_days": -1, "safety_days": 1000 }),
        )
        .await;
    bad_setting.assert_problem(422, "validation_failed");
    assert_eq!(bad_setting.fields(), vec!["lead_time_days", "safety_days"]);
    let bad_days = app
        .get("/api/v1/inventory/reorder-suggestions?days=0", &owner)
        .await;
    bad_days.assert_problem(422, "validation_failed");
    assert_eq!(bad_days.fields(), vec!["days"]);
    app.stop().await;
}

async fn a_stock_count_is_applied_against_stock_as_it_is_when_applied(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Hitung", &email("hitung")).await;
    let jkt = warehouse(&app, &owner, "JKT").await;
    let ids = announce(&app, &owner, &["CNT-A", "CNT-B"]).await;
    let (a, b) = (ids[0], ids[1]);
    stock_up(&app, &owner, a, &jkt, 10).await;
    stock_up(&app, &owner, b, &jkt, 4).await;
    let created = app
        .post(
            "/api/v1/inventory/counts",
            &owner,
            json!({ "warehouse_id": jkt, "note": "stock opname Desember",
                    "lines": [{ "variant_id": a, "counted": 9 }, { "variant_id": b, "counted": 4 }] }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["status"], "draft");
    assert!(created.body["lines"][0]["expected"].is_null());
    let id = created.body["id"].as_str().unwrap().to_owned();
    // A hold of 2 is placed while counting: the count may not take it away.
    let held = app
        .post(
            "/api/v1/inventory/reservations",
            &owner,
            json!({ "lines": [{ "variant_id": a, "warehouse_id": jkt, "quantity": 2 }], "expires_at": in_15_minutes() }),
        )
        .await;
    assert_eq!(held.status, StatusCode::CREATED, "{}", held.body);
    let applied = app
        .post(
            &format!("/api/v1/inventory/counts/{id}/apply"),
            &owner,
            json!({}),
        )
        .await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    assert_eq!(applied.body["status"], "applied");
    assert_eq!(
        (
            applied.body["lines"][0]["expected"].as_i64(),
            applied.body["lines"][0]["difference"].as_i64(),
            applied.body["lines"][1]["difference"].as_i64()
        ),
        (Some(10), Some(-1), Some(0))
    );
    let shown = level(&app, &owner, a, &jkt).await;
    assert_eq!(
        (shown["on_hand"].as_i64(), shown["available"].as_i64()),
        (Some(9), Some(7))
    );
    let ledger = app
        .get(&format!("/api/v1/inventory/ledger?variant_id={a}"), &owner)
        .await;
    assert_eq!(ledger.body["items"][0]["reason"], "stock_count");
    assert_eq!(
        ledger.body["items"][0]["reference"],
        json!({ "type": "stock_count", "id": id })
    );
    app.post(
        &format!("/api/v1/inventory/counts/{id}/apply"),
        &owner,
        json!({}),
    )
    .await
    .assert_problem(409, "inventory.illegal_transition");
    let fetched = app
        .get(&format!("/api/v1/inventory/counts/{id}"), &owner)
        .await;
    assert_eq!(fetched.body["status"], "applied");

    let too_low = app
        .post(
            "/api/v1/inventory/counts",
            &owner,
            json!({ "warehouse_id": jkt, "submit": true, "lines": [{ "variant_id": a, "counted": 1 }] }),
        )
        .await;
    assert_eq!(too_low.body["status"], "submitted", "{}", too_low.body);
    let too_low = too_low.body["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/inventory/counts/{too_low}/apply"),
        &owner,
        json!({}),
    )
    .await
    .assert_problem(409, "inventory.insufficient_stock");
    app.stop().await;
}

async fn channels_see_available_less_their_buffer_and_reorder_suggestions_explain_themselves(
    engine: Engine,
) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Saluran", &email("saluran")).await;
    let jkt = warehouse(&app, &owner, "JKT").await;
    let ids = announce(&app, &owner, &["CH-GAMIS", "CH-IDLE"]).await;
    let (gamis, idle) = (ids[0], ids[1]);
    stock_up(&app, &owner, gamis, &jkt, 12).await;
    for (channel, quantity) in [(Value::Null, 2), (json!("shopee"), 20)] {
        let set = app
            .put(
                "/api/v1/inventory/buffers",
                &owner,
                json!({ "variant_id": gamis, "channel": channel, "quantity": quantity }),
            )
            .await;
        assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    }
    let seen = app
        .get(
            &format!("/api/v1/inventory/channel-availability?variant_id={gamis}"),
            &owner,
        )
        .await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert_eq!(seen.body["available"], 12);
    let channels = seen.body["channels"].as_array().expect("channels");
    assert_eq!(channels.len(), 5);
    for c in channels {
        let expected = if c["channel"] == "shopee" { 0 } else { 10 };
        assert_eq!(c["available"], expected, "{c}");
    }

    // 6 sold through a committed hold in the last 30 days: 0.2 a day.
    let held = app
        .post(
            "/api/v1/inventory/reservations",
            &owner,
            json!({ "lines": [{ "variant_id": gamis, "warehouse_id": jkt, "quantity": 6 }], "expires_at": in_15_minutes() }),
        )
        .await;
    let hold = held.body["id"].as_str().expect("hold").to_owned();
    app.post(
        &format!("/api/v1/inventory/reservations/{hold}/commit"),
        &owner,
        json!({}),
    )
    .await;
    let setting = app
        .put(
            "/api/v1/inventory/reorder-settings",
            &owner,
            json!({ "variant_id": gamis, "warehouse_id": jkt, "lead_time_days": 30, "safety_days": 15 }),
        )
        .await;
    assert_eq!(setting.status, StatusCode::OK, "{}", setting.body);
    app.put(
        "/api/v1/inventory/reorder-points",
        &owner,
        json!({ "variant_id": idle, "warehouse_id": jkt, "reorder_point": 1 }),
    )
    .await;
    let list = app
        .get("/api/v1/inventory/reorder-suggestions", &owner)
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let items = list.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{}", list.body);
    let first = &items[0];
    assert_eq!(first["variant_id"], gamis.to_string());
    // 0.2 a day × 45 days = 9 needed; 6 available: order 3.
    assert_eq!(
        (
            first["sold"].as_i64(),
            first["window_days"].as_i64(),
            first["needed"].as_i64(),
            first["suggested_quantity"].as_i64(),
            first["days_of_cover"].as_f64()
        ),
        (Some(6), Some(30), Some(9), Some(3), Some(30.0))
    );
    assert!(
        first["explanation"]
            .as_str()
            .is_some_and(|e| e.contains("30 lead + 15 safety")),
        "{first}"
    );
    assert_eq!(items[1]["variant_id"], idle.to_string());
    assert!(items[1]["days_of_cover"].is_null());
    let short_window = app
        .get("/api/v1/inventory/reorder-suggestions?days=7", &owner)
        .await;
    assert_eq!(short_window.body["items"][0]["window_days"], 7);
    app.stop().await;
}

async fn another_stores_purchase_orders_and_counts_answer_like_nothing_exists(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let (a, b) = (
        app.register("Toko A", &email("po-a")).await,
        app.register("Toko B", &email("po-b")).await,
    );
    let b_warehouse = warehouse(&app, &b, "BDG").await;
    let b_variant = announce(&app, &b, &["ISO-B"]).await[0];
    stock_up(&app, &b, b_variant, &b_warehouse, 3).await;
    let order = draft_order(
        &app,
        &b,
        &b_warehouse,
        json!([{ "variant_id": b_variant, "quantity": 2, "unit_cost": { "minor": 1 } }]),
    )
    .await;
    let count = app
        .post(
            "/api/v1/inventory/counts",
            &b,
            json!({ "warehouse_id": b_warehouse, "lines": [{ "variant_id": b_variant, "counted": 0 }] }),
        )
        .await;
    let count = count.body["id"].as_str().expect("count").to_owned();
    let never = Uuid::now_v7();
    for (foreign, absent) in [
        (
            format!("/api/v1/purchase-orders/{order}"),
            format!("/api/v1/purchase-orders/{never}"),
        ),
        (
            format!("/api/v1/inventory/counts/{count}"),
            format!("/api/v1/inventory/counts/{never}"),
        ),
        (
            format!("/api/v1/inventory/channel-availability?variant_id={b_variant}"),
            format!("/api/v1/inventory/channel-availability?variant_id={never}"),
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
    for path in [
        format!("/api/v1/purchase-orders/{order}/order"),
        format!("/api/v1/purchase-orders/{order}/cancel"),
        format!("/api/v1/inventory/counts/{count}/apply"),
    ] {
        app.post(&path, &a, json!({}))
            .await
            .assert_problem(404, "not_found");
    }
    receive(
        &app,
        (&a).into(),
        &order,
        "steal",
        json!({ "lines": [{ "variant_id": b_variant, "quantity": 1 }] }),
    )
    .await
    .assert_problem(404, "not_found");
    app.post(
        "/api/v1/purchase-orders",
        &a,
        json!({ "supplier_name": "CV X", "warehouse_id": b_warehouse,
                "lines": [{ "variant_id": b_variant, "quantity": 1, "unit_cost": { "minor": 1 } }] }),
    )
    .await
    .assert_problem(422, "inventory.unknown_warehouse");
    for list in [
        "/api/v1/inventory/reorder-suggestions",
        "/api/v1/purchase-orders",
    ] {
        assert_eq!(app.get(list, &a).await.body["items"], json!([]), "{list}");
    }
    let untouched = level(&app, &b, b_variant, &b_warehouse).await;
    assert_eq!(
        (
            untouched["on_hand"].as_i64(),
            untouched["incoming"].as_i64()
        ),
        (Some(3), Some(0))
    );
    app.stop().await;
}

async fn reading_purchasing_does_not_allow_changing_it(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Peran", &email("peran")).await;
    let jkt = warehouse(&app, &owner, "JKT").await;
    let v = announce(&app, &owner, &["PERM-1"]).await[0];
    let order = draft_order(
        &app,
        &owner,
        &jkt,
        json!([{ "variant_id": v, "quantity": 2, "unit_cost": { "minor": 1 } }]),
    )
    .await;
    let count = app
        .post(
            "/api/v1/inventory/counts",
            &owner,
            json!({ "warehouse_id": jkt, "lines": [{ "variant_id": v, "counted": 1 }] }),
        )
        .await;
    let count = count.body["id"].as_str().expect("count").to_owned();
    let staff_role = app.role_id(&owner, "staff").await;
    let staff = app
        .add_member(&owner, &email("staff-po"), &[staff_role])
        .await;
    for path in [
        format!("/api/v1/purchase-orders/{order}"),
        "/api/v1/purchase-orders".to_owned(),
        format!("/api/v1/inventory/counts/{count}"),
        format!("/api/v1/inventory/channel-availability?variant_id={v}"),
        "/api/v1/inventory/reorder-suggestions".to_owned(),
    ] {
        let answer = app.get(&path, &staff).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
    }
    let line = json!([{ "variant_id": v, "quantity": 1, "unit_cost": { "minor": 1 } }]);
    for (path, body) in [
        (
            "/api/v1/purchase-orders".to_owned(),
            json!({ "supplier_name": "CV X", "warehouse_id": jkt, "lines": line }),
        ),
        (format!("/api/v1/purchase-orders/{order}/order"), json!({})),
        (format!("/api/v1/purchase-orders/{order}/cancel"), json!({})),
        (
            "/api/v1/inventory/counts".to_owned(),
            json!({ "warehouse_id": jkt, "lines": [{ "variant_id": v, "counted": 1 }] }),
        ),
        (format!("/api/v1/inventory/counts/{count}/apply"), json!({})),
    ] {
        app.post(&path, &staff, body)
            .await
            .assert_problem(403, "auth.forbidden");
    }
    receive(
        &app,
        (&staff).into(),
        &order,
        "staff-r",
        json!({ "lines": [{ "variant_id": v, "quantity": 1 }] }),
    )
    .await
    .assert_problem(403, "auth.forbidden");
    for (path, body) in [
        (
            "/api/v1/inventory/buffers",
            json!({ "variant_id": v, "quantity": 1 }),
        ),
        (
            "/api/v1/inventory/reorder-settings",
            json!({ "variant_id": v, "warehouse_id": jkt, "lead_time_days": 1, "safety_days": 1 }),
        ),
    ] {
        app.put(path, &staff, body)
            .await
            .assert_problem(403, "auth.forbidden");
    }
    app.get("/api/v1/inventory/reorder-suggestions", As::Nobody)
        .await
        .assert_problem(401, "auth.unauthenticated");
    app.stop().await;
}

async fn the_openapi_document_describes_purchasing_and_counts(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let doc = app.get("/api/v1/openapi.json", As::Nobody).await.body;
    for path in [
        "/api/v1/purchase-orders",
        "/api/v1/purchase-orders/{id}",
        "/api/v1/purchase-orders/{id}/order",
        "/api/v1/purchase-orders/{id}/receipts",
        "/api/v1/purchase-orders/{id}/cancel",
        "/api/v1/inventory/counts",
        "/api/v1/inventory/counts/{id}",
        "/api/v1/inventory/counts/{id}/apply",
        "/api/v1/inventory/buffers",
        "/api/v1/inventory/channel-availability",
        "/api/v1/inventory/reorder-settings",
        "/api/v1/inventory/reorder-suggestions",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
    let receipts = &doc["paths"]["/api/v1/purchase-orders/{id}/receipts"]["post"];
    assert!(receipts["responses"].get("409").is_some());
    assert!(receipts["security"].is_array());
    app.stop().await;
}
