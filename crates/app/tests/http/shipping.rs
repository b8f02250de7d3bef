//! Shipping through its HTTP API: a store with no courier account sells with its own flat
//! rates, books, prints labels, pick and packing lists, tracks its own courier to the door, and
//! never sees another store's shipments.

use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use smartseller_platform::outbox;
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;
use uuid::Uuid;

use crate::support::{Answer, As, Session, TestApp, email};

engine_tests!(
    a_store_without_a_courier_account_quotes_books_and_prints_a_label,
    three_shipments_from_two_warehouses_print_labels_a_pick_list_and_a_packing_list,
    the_stores_own_courier_is_tracked_to_delivered_and_the_order_hears_of_it,
    courier_pushes_need_the_secret_and_an_empty_ping_is_welcome,
    another_stores_shipments_answer_like_nothing_exists,
    reading_shipments_does_not_allow_booking_or_printing,
);

const JAKARTA: &str = "0190a1b2-0000-7000-8000-00000000a001";
const SURABAYA: &str = "0190a1b2-0000-7000-8000-00000000a002";

/// Two origins (one per warehouse, Jakarta the default) and a flat `kurir_toko` rate.
async fn set_up_store(app: &TestApp, owner: &Session) {
    let origins = app
        .put(
            "/api/v1/shipping/origins",
            owner,
            json!({ "origins": [
                { "warehouse_id": JAKARTA, "name": "Gudang Jakarta", "contact_name": "Sari",
                  "phone": "081200000001", "address": "Jl. Gatot Subroto 12", "city": "Jakarta Selatan",
                  "postal_code": "12930", "is_default": true },
                { "warehouse_id": SURABAYA, "name": "Gudang Surabaya", "contact_name": "Andi",
                  "phone": "081200000002", "address": "Jl. Basuki Rahmat 5", "city": "Surabaya",
                  "postal_code": "60271" }
            ]}),
        )
        .await;
    assert_eq!(origins.status, StatusCode::OK, "{}", origins.body);
    assert_eq!(origins.body["origins"].as_array().map(Vec::len), Some(2));
    let flat = app
        .post(
            "/api/v1/shipping/flat-rates",
            owner,
            json!({ "name": "Kurir Toko", "courier_code": "kurir_toko", "service_code": "same_day",
                    "price": { "minor": 1_500_000, "currency": "IDR" }, "etd": "1 day", "cod_allowed": true }),
        )
        .await;
    assert_eq!(flat.status, StatusCode::CREATED, "{}", flat.body);
}

fn destination() -> Value {
    json!({ "name": "Budi Santoso", "phone": "081377778888", "address": "Jl. Malioboro 21",
            "city": "Yogyakarta", "postal_code": "55271" })
}

async fn flat_rate_id(app: &TestApp, owner: &Session) -> String {
    let rates = app
        .post(
            "/api/v1/shipping/rates",
            owner,
            json!({ "destination": destination(), "weight_grams": 1200,
                    "goods_value": { "minor": 25_000_000, "currency": "IDR" } }),
        )
        .await;
    assert_eq!(rates.status, StatusCode::OK, "{}", rates.body);
    let rate = &rates.body["rates"][0];
    assert_eq!(rate["provider"], "flat");
    assert_eq!(rate["courier_code"], "kurir_toko");
    assert_eq!(rate["price"]["minor"], 1_500_000);
    rate["rate_id"].as_str().expect("rate id").to_owned()
}

fn line(sku: &str, name: &str, quantity: i64, warehouse: &str) -> Value {
    json!({ "variant_id": Uuid::now_v7(), "sku": sku, "name": name, "quantity": quantity,
            "warehouse_id": warehouse })
}

async fn book(app: &TestApp, owner: &Session, order_number: &str, lines: Vec<Value>) -> Answer {
    let rate_id = flat_rate_id(app, owner).await;
    app.post(
        "/api/v1/shipments",
        owner,
        json!({ "order_id": Uuid::now_v7(), "order_number": order_number, "rate_id": rate_id,
                "receiver": destination(), "lines": lines, "weight_grams": 1200,
                "goods_value": { "minor": 25_000_000, "currency": "IDR" },
                "cash_on_delivery": { "minor": 26_500_000, "currency": "IDR" } }),
    )
    .await
}

fn page_count(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

fn contains(pdf: &[u8], needle: &str) -> bool {
    pdf.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn assert_pdf(answer: &Answer) {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.header("content-type"), Some("application/pdf"));
    assert!(answer.raw.starts_with(b"%PDF-"));
}

async fn a_store_without_a_courier_account_quotes_books_and_prints_a_label(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Batik", &email("ship-owner")).await;
    set_up_store(&app, &owner).await;

    let rate_id = flat_rate_id(&app, &owner).await;
    let order_id = Uuid::now_v7();
    let body = json!({ "order_id": order_id, "order_number": "SO-1001", "rate_id": rate_id,
        "receiver": destination(), "lines": [line("BTK-01", "Batik Tulis Parang", 2, SURABAYA)],
        "weight_grams": 1200, "goods_value": { "minor": 25_000_000, "currency": "IDR" } });
    let booked = app.post("/api/v1/shipments", &owner, body.clone()).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.body);
    let awb = booked.body["awb"].as_str().expect("awb").to_owned();
    assert!(awb.starts_with("SS") && awb.len() == 16, "{awb}");
    assert_eq!(booked.body["status"], "awb_assigned");
    // The Surabaya line leaves from the Surabaya origin.
    assert_eq!(booked.body["sender"]["city"], "Surabaya");
    assert_eq!(booked.body["tracking"][0]["source"], "booking");

    // Booking the order again answers the same shipment.
    let again = app.post("/api/v1/shipments", &owner, body).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.body["id"], booked.body["id"]);
    let listed = app
        .get(&format!("/api/v1/shipments?order_id={order_id}"), &owner)
        .await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));

    // A retried booking with the same Idempotency-Key is replayed, not run again.
    let rate_id = flat_rate_id(&app, &owner).await;
    let keyed = json!({ "order_id": Uuid::now_v7(), "order_number": "SO-1002", "rate_id": rate_id,
        "receiver": destination(), "lines": [line("BTK-02", "Batik Cap", 1, JAKARTA)],
        "weight_grams": 500, "goods_value": { "minor": 9_000_000, "currency": "IDR" } });
    let send = || {
        TestApp::send(
            app.request(reqwest::Method::POST, "/api/v1/shipments", As::from(&owner))
                .header("Idempotency-Key", "book-SO-1002")
                .json(&keyed),
        )
    };
    let first = send().await;
    let replay = send().await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(replay.header("idempotency-replayed"), Some("true"));
    assert_eq!(replay.body["id"], first.body["id"]);
    assert_eq!(first.body["sender"]["city"], "Jakarta Selatan");

    let id = booked.body["id"].as_str().expect("id");
    let label = app
        .get(&format!("/api/v1/shipments/{id}/label"), &owner)
        .await;
    assert_pdf(&label);
    assert_eq!(page_count(&label.raw), 1);
    assert!(contains(&label.raw, &awb));
    assert!(contains(&label.raw, "Budi Santoso"));
    assert!(contains(&label.raw, "SO-1001"));
    // The barcode's bars are filled rectangles.
    assert!(
        String::from_utf8_lossy(&label.raw)
            .matches(" re\nf")
            .count()
            > 20
    );

    // The seller reprices his own courier, then retires it: new quotes follow.
    let flat = app.get("/api/v1/shipping/flat-rates", &owner).await;
    let flat_id = flat.body["flat_rates"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let repriced = app
        .put(
            &format!("/api/v1/shipping/flat-rates/{flat_id}"),
            &owner,
            json!({ "name": "Kurir Toko", "courier_code": "kurir_toko", "service_code": "same_day",
                    "price": { "minor": 2_000_000, "currency": "IDR" } }),
        )
        .await;
    assert_eq!(repriced.status, StatusCode::OK, "{}", repriced.body);
    let quote = json!({ "destination": destination(), "weight_grams": 1200,
                        "goods_value": { "minor": 25_000_000, "currency": "IDR" } });
    let rates = app
        .post("/api/v1/shipping/rates", &owner, quote.clone())
        .await;
    assert_eq!(rates.body["rates"][0]["price"]["minor"], 2_000_000);
    let deleted = app
        .delete(&format!("/api/v1/shipping/flat-rates/{flat_id}"), &owner)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let rates = app.post("/api/v1/shipping/rates", &owner, quote).await;
    assert_eq!(rates.body["rates"], json!([]));
    // The booked shipment keeps the price it was booked at.
    let kept = app.get(&format!("/api/v1/shipments/{id}"), &owner).await;
    assert_eq!(kept.body["price"]["minor"], 1_500_000);
    app.stop().await;
}

async fn three_shipments_from_two_warehouses_print_labels_a_pick_list_and_a_packing_list(
    engine: Engine,
) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Batik", &email("ship-lists")).await;
    set_up_store(&app, &owner).await;
    let mut ids = Vec::new();
    for (number, lines) in [
        (
            "SO-2001",
            vec![
                line("BTK-01", "Batik Tulis", 2, JAKARTA),
                line("KAIN-9", "Kain Tenun", 1, SURABAYA),
            ],
        ),
        ("SO-2002", vec![line("BTK-01", "Batik Tulis", 3, JAKARTA)]),
        ("SO-2003", vec![line("KAIN-9", "Kain Tenun", 4, SURABAYA)]),
    ] {
        let booked = book(&app, &owner, number, lines).await;
        assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.body);
        ids.push(booked.body["id"].as_str().expect("id").to_owned());
    }
    let body = json!({ "shipment_ids": ids });

    let labels = app
        .post("/api/v1/shipments/labels", &owner, body.clone())
        .await;
    assert_pdf(&labels);
    assert_eq!(page_count(&labels.raw), 3);
    assert!(
        contains(&labels.raw, "Rp 265.000"),
        "COD amount on the labels"
    );

    let pick = app
        .post("/api/v1/shipments/pick-list", &owner, body.clone())
        .await;
    assert_pdf(&pick);
    // Batik summed in Jakarta (2 + 3), cloth in Surabaya (1 + 4), with the orders they serve.
    assert!(contains(&pick.raw, "Gudang Jakarta"));
    assert!(contains(&pick.raw, "Gudang Surabaya"));
    assert!(contains(&pick.raw, "(5) Tj"));
    assert!(contains(&pick.raw, "SO-2001, SO-2002"));
    assert!(contains(&pick.raw, "SO-2001, SO-2003"));

    let packing = app
        .post("/api/v1/shipments/packing-list", &owner, body)
        .await;
    assert_pdf(&packing);
    for number in ["SO-2001", "SO-2002", "SO-2003"] {
        assert!(contains(&packing.raw, number));
    }
    assert!(contains(&packing.raw, "x 4"));

    let too_many = app
        .post(
            "/api/v1/shipments/labels",
            &owner,
            json!({ "shipment_ids": vec![Uuid::now_v7(); 501] }),
        )
        .await;
    too_many.assert_problem(422, "validation_failed");
    app.stop().await;
}

async fn the_stores_own_courier_is_tracked_to_delivered_and_the_order_hears_of_it(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Batik", &email("ship-track")).await;
    set_up_store(&app, &owner).await;
    let booked = book(
        &app,
        &owner,
        "SO-3001",
        vec![line("BTK-01", "Batik", 1, JAKARTA)],
    )
    .await;
    let id = booked.body["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/shipments/{id}/tracking");

    let picked = app
        .post(
            &path,
            &owner,
            json!({ "status": "picked_up", "location": "Jakarta" }),
        )
        .await;
    assert_eq!(picked.status, StatusCode::OK, "{}", picked.body);
    // Cancelling after pickup is refused.
    app.post(&format!("/api/v1/shipments/{id}/cancel"), &owner, json!({}))
        .await
        .assert_problem(409, "shipping.wrong_state");
    let delivered = app
        .post(
            &path,
            &owner,
            json!({ "status": "delivered", "description": "Diterima oleh Budi" }),
        )
        .await;
    assert_eq!(delivered.status, StatusCode::OK, "{}", delivered.body);
    assert_eq!(delivered.body["status"], "delivered");
    let history: Vec<&str> = delivered.body["tracking"]
        .as_array()
        .expect("tracking")
        .iter()
        .map(|t| t["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(history, ["awb_assigned", "picked_up", "delivered"]);
    // Nothing moves a delivered parcel back.
    app.post(&path, &owner, json!({ "status": "in_transit" }))
        .await
        .assert_problem(409, "shipping.wrong_state");
    app.post(&path, &owner, json!({ "status": "teleported" }))
        .await
        .assert_problem(422, "validation_failed");

    let awb = booked.body["awb"].as_str().expect("awb");
    let by_status = app.get("/api/v1/shipments?status=delivered", &owner).await;
    assert_eq!(by_status.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(by_status.body["items"][0]["id"], id.as_str());
    let by_awb = app
        .get(&format!("/api/v1/shipments?awb={awb}"), &owner)
        .await;
    assert_eq!(by_awb.body["items"][0]["id"], id.as_str());
    let none = app.get("/api/v1/shipments?status=in_transit", &owner).await;
    assert_eq!(none.body["items"], json!([]));
    app.get("/api/v1/shipments?status=lost_at_sea", &owner)
        .await
        .assert_problem(422, "validation_failed");

    let events = outbox::entity::Entity::find()
        .filter(outbox::entity::Column::AggregateId.eq(Uuid::parse_str(&id).expect("uuid")))
        .all(app.db.conn())
        .await
        .expect("outbox");
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types.iter().filter(|t| **t == "shipment.delivered").count(),
        1,
        "{types:?}"
    );
    assert!(types.contains(&"shipment.booked"));
    let delivered_event = events
        .iter()
        .find(|e| e.event_type == "shipment.delivered")
        .expect("delivered");
    assert_eq!(delivered_event.payload["before"], "picked_up");
    assert_eq!(delivered_event.payload["order_id"], booked.body["order_id"]);
    app.stop().await;
}

async fn courier_pushes_need_the_secret_and_an_empty_ping_is_welcome(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Batik", &email("ship-hook")).await;
    let saved = app
        .put(
            "/api/v1/shipping/providers/biteship",
            &owner,
            json!({ "config": { "api_key": "biteship_test.secret-key" } }),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.body["config"]["api_key"], "********");
    let listed = app.get("/api/v1/shipping/providers", &owner).await;
    let url = listed.body["providers"][0]["webhook_url"]
        .as_str()
        .expect("webhook url")
        .to_owned();
    assert!(url.starts_with(&app.base), "{url}");
    assert!(url.contains(&owner.tenant_id));
    assert!(!listed.body.to_string().contains("secret-key"));

    // Saving the redacted form keeps the stored key.
    let resaved = app
        .put(
            "/api/v1/shipping/providers/biteship",
            &owner,
            json!({ "config": { "api_key": "********" }, "enabled": false }),
        )
        .await;
    assert_eq!(resaved.status, StatusCode::OK, "{}", resaved.body);
    assert_eq!(resaved.body["webhook_url"], url.as_str());

    let path = url.strip_prefix(&app.base).expect("our url").to_owned();
    let ping = app
        .client
        .post(app.url(&path))
        .body("")
        .send()
        .await
        .expect("sent");
    assert_eq!(ping.status(), StatusCode::OK);
    let wrong = format!("{}{}", &path[..path.len() - 4], "0000");
    let refused = TestApp::answer(
        app.client
            .post(app.url(&wrong))
            .body("{}")
            .send()
            .await
            .expect("sent"),
    )
    .await;
    refused.assert_problem(404, "not_found");
    let other_tenant = path.replace(&owner.tenant_id, &Uuid::now_v7().to_string());
    let refused = TestApp::answer(
        app.client
            .post(app.url(&other_tenant))
            .body("")
            .send()
            .await
            .expect("sent"),
    )
    .await;
    refused.assert_problem(404, "not_found");
    app.put(
        "/api/v1/shipping/providers/fedex",
        &owner,
        json!({ "config": { "api_key": "x" } }),
    )
    .await
    .assert_problem(404, "not_found");
    app.stop().await;
}

async fn another_stores_shipments_answer_like_nothing_exists(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Batik", &email("ship-a")).await;
    let other = app.register("Toko Lain", &email("ship-b")).await;
    set_up_store(&app, &owner).await;
    let booked = book(
        &app,
        &owner,
        "SO-4001",
        vec![line("BTK-01", "Batik", 1, JAKARTA)],
    )
    .await;
    let id = booked.body["id"].as_str().expect("id");

    app.get(&format!("/api/v1/shipments/{id}"), &other)
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("/api/v1/shipments/{id}/label"), &other)
        .await
        .assert_problem(404, "not_found");
    app.post(&format!("/api/v1/shipments/{id}/cancel"), &other, json!({}))
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("/api/v1/shipments/{id}/tracking"),
        &other,
        json!({ "status": "delivered" }),
    )
    .await
    .assert_problem(404, "not_found");
    app.post(
        "/api/v1/shipments/pick-list",
        &other,
        json!({ "shipment_ids": [id] }),
    )
    .await
    .assert_problem(404, "not_found");
    let listed = app.get("/api/v1/shipments", &other).await;
    assert_eq!(listed.body["items"], json!([]));
    assert_eq!(
        app.get("/api/v1/shipping/origins", &other).await.body["origins"],
        json!([])
    );
    assert_eq!(
        app.get("/api/v1/shipping/flat-rates", &other).await.body["flat_rates"],
        json!([])
    );
    let flat_id = app.get("/api/v1/shipping/flat-rates", &owner).await.body["flat_rates"][0]["id"]
        .as_str()
        .expect("flat rate")
        .to_owned();
    app.delete(&format!("/api/v1/shipping/flat-rates/{flat_id}"), &other)
        .await
        .assert_problem(404, "not_found");
    // A rate quoted to one store cannot be booked by another.
    let rate_id = flat_rate_id(&app, &owner).await;
    app.post(
        "/api/v1/shipments",
        &other,
        json!({ "order_id": Uuid::now_v7(), "order_number": "X-1", "rate_id": rate_id,
                "receiver": destination(), "lines": [line("A", "A", 1, JAKARTA)], "weight_grams": 100,
                "goods_value": { "minor": 100, "currency": "IDR" } }),
    )
    .await
    .assert_problem(409, "shipping.rate_expired");
    // The owner's shipment is untouched.
    let mine = app.get(&format!("/api/v1/shipments/{id}"), &owner).await;
    assert_eq!(mine.body["status"], "awb_assigned");
    app.stop().await;
}

async fn reading_shipments_does_not_allow_booking_or_printing(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Batik", &email("ship-perm")).await;
    set_up_store(&app, &owner).await;
    let booked = book(
        &app,
        &owner,
        "SO-5001",
        vec![line("BTK-01", "Batik", 1, JAKARTA)],
    )
    .await;
    let id = booked.body["id"].as_str().expect("id");
    let role = app.role_id(&owner, "customer_service").await;
    let agent = app.add_member(&owner, &email("ship-cs"), &[role]).await;

    let seen = app.get(&format!("/api/v1/shipments/{id}"), &agent).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    app.post(
        "/api/v1/shipments/labels",
        &agent,
        json!({ "shipment_ids": [id] }),
    )
    .await
    .assert_problem(403, "auth.forbidden");
    app.get(&format!("/api/v1/shipments/{id}/label"), &agent)
        .await
        .assert_problem(403, "auth.forbidden");
    app.post(
        "/api/v1/shipping/rates",
        &agent,
        json!({ "destination": destination(), "weight_grams": 100,
                "goods_value": { "minor": 100, "currency": "IDR" } }),
    )
    .await
    .assert_problem(403, "auth.forbidden");
    app.get("/api/v1/shipping/providers", &agent)
        .await
        .assert_problem(403, "auth.forbidden");
    app.get("/api/v1/shipments", As::Nobody)
        .await
        .assert_problem(401, "auth.unauthenticated");
    let document = app.get("/api/v1/openapi.json", As::Nobody).await;
    for path in [
        "/api/v1/shipping/rates",
        "/api/v1/shipments",
        "/api/v1/shipments/{id}/label",
        "/api/v1/shipments/pick-list",
        "/api/v1/webhooks/shipping/{provider}/{tenant_id}/{secret}",
    ] {
        assert!(
            document.body["paths"][path].is_object(),
            "{path} undocumented"
        );
    }
    app.stop().await;
}
