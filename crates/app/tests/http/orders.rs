//! Orders through the HTTP API alone, against the real app with every domain in it and local
//! fakes of the gateways and the courier: a buyer checks out with each gateway and the signed
//! notification marks the order paid; a WhatsApp order is paid by bank transfer; the seller books
//! couriers, prints bulk labels and a pick list, the courier's pushes bring the order to
//! delivered; a return comes back with one damaged unit and is refunded in part. Then the races:
//! a thousand buyers for the last unit, and gateway notifications duplicated and reordered.

use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;
use smartseller_testkit::fake_payments::{
    FakeNotification, midtrans::FakeMidtrans, paypal, paypal::FakePaypal, stripe,
    stripe::FakeStripe, xendit, xendit::FakeXendit,
};
use smartseller_testkit::fake_shipping::biteship::{self, FakeBiteship};
use uuid::Uuid;

use crate::support::{Answer, As, Session, TestApp, email};

engine_tests!(
    a_seller_sells_ships_and_takes_back_through_the_api,
    a_thousand_buyers_for_the_last_unit_buy_it_once,
    duplicated_and_reordered_gateway_notifications_change_the_order_once,
    a_card_that_paid_too_many_orders_holds_the_next_for_review,
    illegal_moves_are_refused_with_the_current_state_and_the_history_replays,
);

fn created(answer: Answer) -> Value {
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    answer.body
}

fn ok(answer: Answer) -> Value {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body
}

fn text(value: &Value) -> String {
    value.as_str().expect("a string").to_owned()
}

async fn keyed(
    app: &TestApp,
    method: Method,
    path: &str,
    who: &Session,
    key: &str,
    body: Value,
) -> Answer {
    TestApp::send(
        app.request(method, path, who.into())
            .header("Idempotency-Key", key)
            .json(&body),
    )
    .await
}

/// A store with one product of `variants` active variants (Rp 150.000 each, 400 g), stocked
/// with `units` each in the Jakarta warehouse, which orders ship from; a flat delivery rate
/// of Rp 15.000 that also collects cash; bank transfer and cash on delivery enabled.
struct Store {
    owner: Session,
    variants: Vec<String>,
    jakarta: String,
    surabaya: String,
}

async fn set_up_store(app: &TestApp, name: &str, variants: usize, units: i64) -> Store {
    let owner = app.register(name, &email("orders-owner")).await;
    let values: Vec<String> = (0..variants).map(|i| format!("V{i}")).collect();
    let product = created(
        app.post(
            "/api/v1/products",
            &owner,
            json!({
                "name": "Kaos Polos Premium",
                "status": "active",
                "options": [{ "name": "Warna", "values": values }],
                "generate": { "sku_prefix": "kaos", "weight_grams": 400,
                              "price": { "minor": 15_000_000 }, "status": "active" }
            }),
        )
        .await,
    );
    let variant_ids: Vec<String> = product["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|v| text(&v["id"]))
        .collect();
    assert_eq!(variant_ids.len(), variants);
    let warehouse = |code: &'static str, city: &'static str| {
        let owner = &owner;
        async move {
            text(
                &created(
                    app.post(
                        "/api/v1/warehouses",
                        owner,
                        json!({ "code": code, "name": format!("Gudang {city}"), "address": city }),
                    )
                    .await,
                )["id"],
            )
        }
    };
    let jakarta = warehouse("JKT", "Jakarta").await;
    let surabaya = warehouse("SBY", "Surabaya").await;
    for variant in &variant_ids {
        let path = format!("/api/v1/inventory?variant_id={variant}");
        app.eventually("inventory learns the variants", || async {
            app.get(&path, &owner).await.status == StatusCode::OK
        })
        .await;
        for warehouse in [&jakarta, &surabaya] {
            let stocked = keyed(app, Method::PUT, "/api/v1/inventory/adjust", &owner, &format!("stock-{variant}-{warehouse}"),
                json!({ "variant_id": variant, "warehouse_id": warehouse, "delta": units, "reason": "adjustment" })).await;
            assert_eq!(stocked.status, StatusCode::OK, "{}", stocked.body);
        }
    }
    ok(app.put("/api/v1/orders/settings", &owner, json!({
        "currency": "IDR", "tax_rate_bp": 1100, "prices_include_tax": true,
        "fulfilment_warehouse_id": jakarta, "reservation_minutes": 30, "payment_window_minutes": 1440,
        "default_item_weight_grams": 500, "fraud_max_total_minor": null, "fraud_window_minutes": 60,
        "fraud_max_per_customer": null, "fraud_max_per_address": null
    })).await);
    ok(app.put("/api/v1/shipping/origins", &owner, json!({ "origins": [
        { "warehouse_id": jakarta, "name": "Gudang Jakarta", "contact_name": "Sari", "phone": "081200000001",
          "address": "Jl. Gatot Subroto 12", "city": "Jakarta Selatan", "postal_code": "12930", "is_default": true },
        { "warehouse_id": surabaya, "name": "Gudang Surabaya", "contact_name": "Andi", "phone": "081200000002",
          "address": "Jl. Basuki Rahmat 5", "city": "Surabaya", "postal_code": "60271" }
    ]})).await);
    created(app.post("/api/v1/shipping/flat-rates", &owner, json!({
        "name": "Kurir Toko", "courier_code": "kurir_toko", "service_code": "same_day",
        "price": { "minor": 1_500_000, "currency": "IDR" }, "etd": "1 day", "cod_allowed": true
    })).await);
    enable(
        app,
        &owner,
        "bank_transfer",
        json!({ "bank": "BCA", "account_number": "1234567890", "account_holder": "Toko Kaos" }),
        json!({}),
    )
    .await;
    enable(app, &owner, "cod", json!({}), json!({})).await;
    Store {
        owner,
        variants: variant_ids,
        jakarta,
        surabaya,
    }
}

/// Turns a payment method on; answers the path its gateway must notify.
async fn enable(
    app: &TestApp,
    owner: &Session,
    method: &str,
    config: Value,
    options: Value,
) -> String {
    let saved = ok(app
        .put(
            &format!("/api/v1/payments/gateways/{method}"),
            owner,
            json!({ "enabled": true, "config": config, "options": options }),
        )
        .await);
    // Methods without a gateway have no notification path.
    saved["webhook_path"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn address() -> Value {
    json!({ "name": "Budi Santoso", "phone": "081377778888", "address": "Jl. Malioboro 21",
            "city": "Yogyakarta", "province": "DI Yogyakarta", "postal_code": "55271" })
}

fn buyer(n: usize) -> Value {
    json!({ "name": format!("Pembeli {n}"), "email": format!("pembeli{n}@example.id"), "phone": format!("0812{:08}", n) })
}

/// A cart holding `items` and the rate of `courier` (`kurir_toko`, or a Biteship courier).
async fn cart_with(
    app: &TestApp,
    who: &Session,
    items: &[(&str, i64)],
    courier: &str,
) -> (String, String) {
    let cart = text(&created(app.post("/api/v1/carts", who, json!({})).await)["id"]);
    for (variant, quantity) in items {
        ok(app
            .put(
                &format!("/api/v1/carts/{cart}/items/{variant}"),
                who,
                json!({ "quantity": quantity }),
            )
            .await);
    }
    let rates = ok(app
        .post(
            &format!("/api/v1/carts/{cart}/shipping-rates"),
            who,
            json!({ "destination": address() }),
        )
        .await);
    let rate = rates
        .as_array()
        .expect("rates")
        .iter()
        .find(|r| r["courier_code"] == courier)
        .unwrap_or_else(|| panic!("no {courier} rate in {rates}"));
    (cart, text(&rate["rate_id"]))
}

async fn checkout(
    app: &TestApp,
    who: &Session,
    cart: &str,
    rate: &str,
    method: &str,
    key: &str,
    n: usize,
) -> Answer {
    keyed(
        app,
        Method::POST,
        &format!("/api/v1/carts/{cart}/checkout"),
        who,
        key,
        json!({
            "customer": buyer(n), "shipping_address": address(), "shipping_rate_id": rate,
            "payment_method": method, "return_url": "https://toko.example.id/terima-kasih"
        }),
    )
    .await
}

async fn order_status(app: &TestApp, who: &Session, order: &str) -> String {
    text(&ok(app.get(&format!("/api/v1/orders/{order}"), who).await)["status"])
}

async fn eventually_status(app: &TestApp, who: &Session, order: &str, status: &str) {
    let path = format!("/api/v1/orders/{order}");
    app.eventually(&format!("order {order} becomes {status}"), || async {
        app.get(&path, who).await.body["status"] == status
    })
    .await;
}

async fn replays_to_its_status(app: &TestApp, who: &Session, order: &str) {
    let rebuilt = ok(app
        .get(&format!("/api/v1/orders/{order}/history/rebuild"), who)
        .await);
    assert_eq!(rebuilt["consistent"], true, "{rebuilt}");
}

async fn deliver(app: &TestApp, path: &str, notification: &FakeNotification) -> u16 {
    let mut request = reqwest::Client::new()
        .post(app.url(path))
        .body(notification.body.clone());
    for (name, value) in &notification.headers {
        request = request.header(name, value);
    }
    request
        .send()
        .await
        .expect("webhook delivered")
        .status()
        .as_u16()
}

/// The payment's reference at the gateway: its id in simple hex.
fn reference(placed: &Value) -> String {
    Uuid::parse_str(
        placed["payment"]["payment_id"]
            .as_str()
            .expect("payment id"),
    )
    .expect("uuid")
    .simple()
    .to_string()
}

async fn level(app: &TestApp, who: &Session, variant: &str, warehouse: &str) -> (i64, i64) {
    let page = ok(app
        .get(
            &format!("/api/v1/inventory?variant_id={variant}&warehouse_id={warehouse}"),
            who,
        )
        .await);
    let row = &page["items"][0];
    (
        row["on_hand"].as_i64().expect("on hand"),
        row["reserved"].as_i64().expect("reserved"),
    )
}

fn pdf_pages(answer: &Answer) -> usize {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.header("content-type"), Some("application/pdf"));
    assert!(answer.raw.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&answer.raw);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

async fn a_seller_sells_ships_and_takes_back_through_the_api(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let store = set_up_store(&app, "Toko Kaos Nusantara", 2, 50).await;
    let owner = &store.owner;
    let (kaos_a, kaos_b) = (store.variants[0].as_str(), store.variants[1].as_str());

    // --- Gateways, each a local fake speaking its documented protocol. ---
    let midtrans = FakeMidtrans::start().await;
    let xendit_fake = FakeXendit::start().await;
    let stripe_fake = FakeStripe::start().await;
    let paypal_fake = FakePaypal::start().await;
    let midtrans_config = json!({ "gateway": "midtrans", "server_key": smartseller_testkit::fake_payments::midtrans::SERVER_KEY,
        "snap_base_url": midtrans.base_url(), "core_base_url": midtrans.base_url() });
    let midtrans_hook = enable(&app, owner, "midtrans", midtrans_config.clone(), json!({})).await;
    let va_hook = enable(
        &app,
        owner,
        "virtual_account",
        midtrans_config,
        json!({ "bank": "bni" }),
    )
    .await;
    let xendit_hook = enable(
        &app,
        owner,
        "xendit",
        json!({ "gateway": "xendit", "secret_key": xendit::SECRET_KEY,
        "callback_token": xendit::CALLBACK_TOKEN, "base_url": xendit_fake.base_url() }),
        json!({}),
    )
    .await;
    let stripe_hook = enable(&app, owner, "stripe", json!({ "gateway": "stripe", "secret_key": stripe::SECRET_KEY,
        "webhook_secret": stripe::WEBHOOK_SECRET, "base_url": stripe_fake.base_url(), "tolerance_seconds": 300 }), json!({})).await;
    let paypal_hook = enable(&app, owner, "paypal", json!({ "gateway": "paypal", "client_id": paypal::CLIENT_ID,
        "client_secret": paypal::CLIENT_SECRET, "webhook_id": paypal::WEBHOOK_ID, "base_url": paypal_fake.base_url(),
        "currency": "USD", "idr_per_unit": 16_000 }), json!({})).await;

    // --- A buyer checks out with each gateway; the signed notification marks the order paid. ---
    let mut paid_orders = Vec::new();
    for (n, method) in ["midtrans", "virtual_account", "xendit", "stripe", "paypal"]
        .into_iter()
        .enumerate()
    {
        let (cart, rate) = cart_with(&app, owner, &[(kaos_a, 1)], "kurir_toko").await;
        let placed = created(
            checkout(
                &app,
                owner,
                &cart,
                &rate,
                method,
                &format!("checkout-{method}"),
                n,
            )
            .await,
        );
        let order = text(&placed["order"]["id"]);
        assert_eq!(placed["order"]["status"], "pending_payment");
        // Rp 150.000 of goods with PPN inside, and Rp 15.000 delivery.
        assert_eq!(placed["order"]["total"]["minor"], 16_500_000);
        assert_eq!(placed["payment"]["method"], method);
        let reference = reference(&placed);
        let (hook, notification) = match method {
            "midtrans" => {
                assert!(
                    placed["payment"]["redirect_url"]
                        .as_str()
                        .is_some_and(|u| u.contains("/snap/")),
                    "{placed}"
                );
                (&midtrans_hook, midtrans.settle(&reference))
            }
            "virtual_account" => {
                assert_eq!(placed["payment"]["instructions"]["bank"], "bni", "{placed}");
                (&va_hook, midtrans.settle(&reference))
            }
            "xendit" => (&xendit_hook, xendit_fake.pay(&reference)),
            "stripe" => (&stripe_hook, stripe_fake.settle(&reference)),
            _ => (&paypal_hook, paypal_fake.settle(&reference)),
        };
        assert_eq!(
            deliver(&app, hook, &notification).await,
            200,
            "{method} notification accepted"
        );
        eventually_status(&app, owner, &order, "paid").await;
        let payment = ok(app
            .get(
                &format!(
                    "/api/v1/payments/{}",
                    text(&placed["payment"]["payment_id"])
                ),
                owner,
            )
            .await);
        assert_eq!(payment["status"], "paid", "{method}: {payment}");
        paid_orders.push(order);
    }
    // Each paid order's hold became a sale: 5 units left the shelf, none is still held.
    app.eventually("paid holds become sales", || async {
        level(&app, owner, kaos_a, &store.jakarta).await == (45, 0)
    })
    .await;

    // --- A WhatsApp order, paid by bank transfer from its payment link. ---
    let biteship_fake = FakeBiteship::start().await;
    let provider = ok(app.put("/api/v1/shipping/providers/biteship", owner, json!({
        "config": { "provider": "biteship", "api_key": biteship::API_KEY, "base_url": biteship_fake.base_url() }
    })).await);
    let courier_hook = {
        let url = text(&provider["webhook_url"]);
        url[url.find("/api/v1/").expect("path")..].to_owned()
    };
    let rates = ok(app
        .post(
            "/api/v1/shipping/rates",
            owner,
            json!({ "destination": address(), "weight_grams": 800,
        "goods_value": { "minor": 30_000_000, "currency": "IDR" }, "couriers": ["jne"] }),
        )
        .await);
    let jne = rates["rates"]
        .as_array()
        .expect("rates")
        .iter()
        .find(|r| r["provider"] == "biteship" && r["courier_code"] == "jne")
        .unwrap_or_else(|| panic!("a JNE rate through Biteship: {rates}"));
    let whatsapp = created(keyed(&app, Method::POST, "/api/v1/orders", owner, "wa-0812", json!({
        "channel": "whatsapp", "customer": buyer(90), "shipping_address": address(),
        "lines": [{ "variant_id": kaos_a, "quantity": 1 }, { "variant_id": kaos_b, "quantity": 1, "warehouse_id": store.surabaya }],
        "shipping_rate_id": jne["rate_id"], "payment_method": "bank_transfer", "note": "Dikirim sore"
    })).await);
    let wa_order = text(&whatsapp["order"]["id"]);
    assert_eq!(whatsapp["order"]["channel"], "whatsapp");
    assert_eq!(whatsapp["order"]["status"], "pending_payment");
    let link = text(&whatsapp["payment"]["payment_link"]);
    let page = ok(app
        .get(&link[link.find("/api/v1/").expect("path")..], As::Nobody)
        .await);
    assert_eq!(page["instructions"]["account_number"], "1234567890");
    assert_eq!(page["amount"], whatsapp["order"]["total"]);
    let payment_id = text(&whatsapp["payment"]["payment_id"]);
    let boundary = "----smartseller-orders-proof";
    let mut form = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bukti.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").into_bytes();
    form.extend_from_slice(b"%PDF-1.7 bukti transfer BCA");
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let proof = TestApp::send(
        app.request(
            Method::POST,
            &format!("/api/v1/payments/{payment_id}/proof"),
            owner.into(),
        )
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(form),
    )
    .await;
    assert_eq!(proof.status, StatusCode::CREATED, "{}", proof.body);
    ok(app
        .post(
            &format!("/api/v1/payments/{payment_id}/confirm"),
            owner,
            json!({}),
        )
        .await);
    eventually_status(&app, owner, &wa_order, "paid").await;

    // --- The seller books couriers and prints bulk labels, a pick list and a packing list. ---
    let shipped = ok(app
        .post(&format!("/api/v1/orders/{wa_order}/ship"), owner, json!({}))
        .await);
    assert_eq!(shipped["status"], "ready_to_ship");
    let awb = text(&shipped["awb"]);
    let mut shipments = vec![text(&shipped["shipment_id"])];
    for order in &paid_orders[..2] {
        let booked = ok(app
            .post(&format!("/api/v1/orders/{order}/ship"), owner, json!({}))
            .await);
        assert!(
            booked["awb"].as_str().is_some_and(|a| a.starts_with("SS")),
            "{booked}"
        );
        shipments.push(text(&booked["shipment_id"]));
    }
    let labels = TestApp::send(
        app.request(Method::POST, "/api/v1/shipments/labels", owner.into())
            .json(&json!({ "shipment_ids": shipments })),
    )
    .await;
    assert_eq!(pdf_pages(&labels), 3);
    assert!(
        labels.raw.windows(awb.len()).any(|w| w == awb.as_bytes()),
        "the airway bill is printed"
    );
    let pick = TestApp::send(
        app.request(Method::POST, "/api/v1/shipments/pick-list", owner.into())
            .json(&json!({ "shipment_ids": shipments })),
    )
    .await;
    assert!(pdf_pages(&pick) >= 1);
    for warehouse in ["Gudang Jakarta", "Gudang Surabaya"] {
        assert!(
            pick.raw
                .windows(warehouse.len())
                .any(|w| w == warehouse.as_bytes()),
            "the pick list groups by {warehouse}"
        );
    }
    let packing = TestApp::send(
        app.request(Method::POST, "/api/v1/shipments/packing-list", owner.into())
            .json(&json!({ "shipment_ids": shipments })),
    )
    .await;
    assert!(pdf_pages(&packing) >= 1);

    // --- The courier's pushes move the order to delivered. ---
    let biteship_order = biteship_fake
        .order_id_for(
            &Uuid::parse_str(&shipments[0])
                .expect("uuid")
                .simple()
                .to_string(),
        )
        .expect("booked at Biteship");
    for status in ["picked", "dropping_off", "delivered"] {
        let push = biteship_fake.advance(&biteship_order, status);
        assert_eq!(
            biteship_fake
                .deliver(&app.url(&courier_hook), push)
                .await
                .expect("push"),
            200
        );
    }
    eventually_status(&app, owner, &wa_order, "delivered").await;
    let tracking = ok(app
        .get(&format!("/api/v1/orders/{wa_order}/tracking"), owner)
        .await);
    assert_eq!(tracking["status"], "delivered");
    assert_eq!(tracking["awb"], awb.as_str());

    // --- A return: one unit back on the shelf, one damaged, money back in part. ---
    let lines = shipped["lines"].as_array().expect("lines").clone();
    let line_of = |variant: &str| {
        text(
            &lines
                .iter()
                .find(|l| l["variant_id"] == variant)
                .expect("line")["id"],
        )
    };
    let rma = created(app.post(&format!("/api/v1/orders/{wa_order}/return"), owner, json!({
        "lines": [{ "line_id": line_of(kaos_a), "quantity": 1 }, { "line_id": line_of(kaos_b), "quantity": 1 }],
        "reason": "Warna tidak sesuai", "requested_by": "customer"
    })).await);
    let rma_id = text(&rma["id"]);
    ok(app
        .post(
            &format!("/api/v1/returns/{rma_id}/approve"),
            owner,
            json!({}),
        )
        .await);
    let before_a = level(&app, owner, kaos_a, &store.jakarta).await;
    let before_b = level(&app, owner, kaos_b, &store.surabaya).await;
    let rma_line = |variant: &str| {
        text(
            &rma["lines"]
                .as_array()
                .expect("lines")
                .iter()
                .find(|l| l["variant_id"] == variant)
                .expect("line")["id"],
        )
    };
    let received = ok(app
        .post(
            &format!("/api/v1/returns/{rma_id}/receive"),
            owner,
            json!({ "lines": [
                { "line_id": rma_line(kaos_a), "quantity": 1, "condition": "restock" },
                { "line_id": rma_line(kaos_b), "quantity": 1, "condition": "damaged" }
            ]}),
        )
        .await);
    assert_eq!(received["status"], "received");
    eventually_status(&app, owner, &wa_order, "returned").await;
    app.eventually("the sellable unit is back on the shelf", || async {
        level(&app, owner, kaos_a, &store.jakarta).await.0 == before_a.0 + 1
    })
    .await;
    let ledger = ok(app
        .get(
            &format!(
                "/api/v1/inventory/ledger?variant_id={kaos_b}&warehouse_id={}",
                store.surabaya
            ),
            owner,
        )
        .await);
    let reasons: Vec<&str> = ledger["items"]
        .as_array()
        .expect("ledger")
        .iter()
        .filter_map(|e| e["reason"].as_str())
        .collect();
    assert!(
        reasons.contains(&"return") && reasons.contains(&"damage"),
        "the damaged unit came back and was written off: {reasons:?}"
    );
    assert_eq!(
        level(&app, owner, kaos_b, &store.surabaya).await.0,
        before_b.0,
        "nothing damaged is for sale"
    );
    let refunded = ok(keyed(
        &app,
        Method::POST,
        &format!("/api/v1/returns/{rma_id}/refund"),
        owner,
        "refund-wa",
        json!({ "amount": { "minor": 10_000_000, "currency": "IDR" } }),
    )
    .await);
    assert_eq!(refunded["status"], "refunded");
    assert_eq!(refunded["refunded"]["minor"], 10_000_000);
    let payment = ok(app
        .get(&format!("/api/v1/payments/{payment_id}"), owner)
        .await);
    assert_eq!(payment["refunded"]["minor"], 10_000_000);
    assert_eq!(payment["status"], "partially_refunded");

    // --- Every order's history replays to its status; the history names who did what. ---
    for order in paid_orders.iter().chain([&wa_order]) {
        replays_to_its_status(&app, owner, order).await;
    }
    let history = ok(app
        .get(&format!("/api/v1/orders/{wa_order}/history"), owner)
        .await);
    let actions: Vec<&str> = history
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|h| h["action"].as_str())
        .collect();
    for action in [
        "created",
        "payment_started",
        "pay",
        "book_shipment",
        "ship",
        "deliver",
        "return_requested",
        "return_all",
        "return_refunded",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    assert_eq!(history[0]["actor_type"], "user");

    // --- Another store sees none of it; a warehouse member reads but cannot cancel. ---
    let stranger = app.register("Toko Lain", &email("stranger")).await;
    for path in [
        format!("/api/v1/orders/{wa_order}"),
        format!("/api/v1/orders/{wa_order}/history"),
        format!("/api/v1/returns/{rma_id}"),
    ] {
        app.get(&path, &stranger)
            .await
            .assert_problem(404, "not_found");
    }
    let others = ok(app.get("/api/v1/orders", &stranger).await);
    assert_eq!(others["items"].as_array().map(Vec::len), Some(0));
    let role = app.role_id(owner, "warehouse").await;
    let picker = app.add_member(owner, &email("picker"), &[role]).await;
    ok(app
        .get(&format!("/api/v1/orders/{wa_order}"), &picker)
        .await);
    app.post(
        &format!("/api/v1/orders/{}/cancel", paid_orders[4]),
        &picker,
        json!({ "reason": "x" }),
    )
    .await
    .assert_problem(403, "auth.forbidden");

    // --- Everything is in the OpenAPI document. ---
    let document = ok(app.get("/api/v1/openapi.json", As::Nobody).await);
    for path in [
        "/api/v1/carts/{id}/checkout",
        "/api/v1/orders/{id}/ship",
        "/api/v1/orders/{id}/return",
        "/api/v1/returns/{id}/refund",
        "/api/v1/orders/{id}/tracking",
    ] {
        assert!(document["paths"].get(path).is_some(), "{path} documented");
    }
}

async fn a_thousand_buyers_for_the_last_unit_buy_it_once(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let store = set_up_store(&app, "Toko Edisi Terbatas", 1, 1).await;
    let owner = &store.owner;
    let variant = store.variants[0].clone();
    let buyers = 1_000;
    let rate = cart_with(&app, owner, &[(&variant, 1)], "kurir_toko")
        .await
        .1;
    let carts: Vec<String> = futures::stream::iter(0..buyers)
        .map(|_| {
            let (app, owner, variant) = (&app, owner, &variant);
            async move {
                let cart = text(&created(app.post("/api/v1/carts", owner, json!({})).await)["id"]);
                ok(app
                    .put(
                        &format!("/api/v1/carts/{cart}/items/{variant}"),
                        owner,
                        json!({ "quantity": 1 }),
                    )
                    .await);
                cart
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let answers: Vec<Answer> =
        futures::future::join_all(carts.iter().enumerate().map(|(n, cart)| {
            let (app, owner, rate) = (&app, owner, &rate);
            async move {
                checkout(
                    app,
                    owner,
                    cart,
                    rate,
                    "bank_transfer",
                    &format!("race-{n}"),
                    n,
                )
                .await
            }
        }))
        .await;
    let sold = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .count();
    let refused = answers
        .iter()
        .filter(|a| a.status == StatusCode::CONFLICT && a.code() == "orders.out_of_stock")
        .count();
    let other: Vec<String> = answers
        .iter()
        .filter(|a| a.status != StatusCode::CREATED && a.code() != "orders.out_of_stock")
        .map(|a| format!("{} {}", a.status, a.body))
        .take(3)
        .collect();
    assert_eq!(
        sold, 1,
        "exactly one buyer gets the last unit; others: {other:?}"
    );
    assert_eq!(
        refused,
        buyers - 1,
        "everyone else hears it is sold out: {other:?}"
    );
    assert_eq!(
        level(&app, owner, &variant, &store.jakarta).await,
        (1, 1),
        "the unit is held for the one order"
    );
    let orders = ok(app.get("/api/v1/orders?limit=200", owner).await);
    assert_eq!(orders["items"].as_array().map(Vec::len), Some(1));
}

async fn duplicated_and_reordered_gateway_notifications_change_the_order_once(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let store = set_up_store(&app, "Toko Notifikasi", 1, 10).await;
    let owner = &store.owner;
    let midtrans = FakeMidtrans::start().await;
    let hook = enable(&app, owner, "midtrans", json!({ "gateway": "midtrans", "server_key": smartseller_testkit::fake_payments::midtrans::SERVER_KEY,
        "snap_base_url": midtrans.base_url(), "core_base_url": midtrans.base_url() }), json!({})).await;
    let (cart, rate) = cart_with(&app, owner, &[(&store.variants[0], 2)], "kurir_toko").await;
    let placed = created(checkout(&app, owner, &cart, &rate, "midtrans", "dup-1", 1).await);
    let order = text(&placed["order"]["id"]);
    let reference = reference(&placed);
    let pending = midtrans.pick_bank_transfer(&reference);
    let settled = midtrans.settle(&reference);
    // Twenty copies of the settlement at once, then the older "pending" arriving late.
    let codes: Vec<u16> =
        futures::future::join_all((0..20).map(|_| deliver(&app, &hook, &settled))).await;
    assert!(codes.iter().all(|c| *c == 200), "{codes:?}");
    assert_eq!(deliver(&app, &hook, &pending).await, 200);
    let tampered = settled.clone().with_body(
        String::from_utf8_lossy(&settled.body)
            .replace("\"status_code\":\"200\"", "\"status_code\":\"202\""),
    );
    assert_ne!(tampered.body, settled.body);
    assert_eq!(
        deliver(&app, &hook, &tampered).await,
        401,
        "a notification whose signature does not match is refused"
    );
    eventually_status(&app, owner, &order, "paid").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let history = ok(app
        .get(&format!("/api/v1/orders/{order}/history"), owner)
        .await);
    let paid = history
        .as_array()
        .expect("history")
        .iter()
        .filter(|h| h["action"] == "pay")
        .count();
    assert_eq!(paid, 1, "paid once: {history}");
    let payment = ok(app
        .get(
            &format!(
                "/api/v1/payments/{}/history",
                text(&placed["payment"]["payment_id"])
            ),
            owner,
        )
        .await);
    let to_paid = payment
        .as_array()
        .expect("payment history")
        .iter()
        .filter(|h| h["status_after"] == "paid" && h["status_before"] != "paid")
        .count();
    assert_eq!(to_paid, 1, "the payment moved to paid once: {payment}");
    assert_eq!(
        order_status(&app, owner, &order).await,
        "paid",
        "the late pending changed nothing"
    );
    replays_to_its_status(&app, owner, &order).await;
}

async fn a_card_that_paid_too_many_orders_holds_the_next_for_review(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let store = set_up_store(&app, "Toko Kartu", 1, 10).await;
    let owner = &store.owner;
    let mut settings = ok(app.get("/api/v1/orders/settings", owner).await);
    assert_eq!(
        settings["fraud_max_per_card"],
        Value::Null,
        "left out when saved"
    );
    settings["fraud_max_per_card"] = json!(1);
    let saved = ok(app
        .put("/api/v1/orders/settings", owner, settings.clone())
        .await);
    assert_eq!(saved["fraud_max_per_card"], 1);
    settings["fraud_max_per_card"] = json!(0);
    let refused = app.put("/api/v1/orders/settings", owner, settings).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(refused.body["errors"][0]["field"], "fraud_max_per_card");

    let midtrans = FakeMidtrans::start().await;
    let hook = enable(&app, owner, "midtrans", json!({ "gateway": "midtrans", "server_key": smartseller_testkit::fake_payments::midtrans::SERVER_KEY,
        "snap_base_url": midtrans.base_url(), "core_base_url": midtrans.base_url() }), json!({})).await;
    // Two orders paid with one card, a third with another card.
    let mut orders = Vec::new();
    for (n, card) in ["481111-1114", "481111-1114", "521111-2222"]
        .into_iter()
        .enumerate()
    {
        let (cart, rate) = cart_with(&app, owner, &[(&store.variants[0], 1)], "kurir_toko").await;
        let placed = created(
            checkout(
                &app,
                owner,
                &cart,
                &rate,
                "midtrans",
                &format!("card-{n}"),
                n + 1,
            )
            .await,
        );
        let order = text(&placed["order"]["id"]);
        let captured = midtrans.capture_card(&reference(&placed), card);
        assert_eq!(deliver(&app, &hook, &captured).await, 200);
        eventually_status(&app, owner, &order, "paid").await;
        // The same notification again changes nothing, and holds nothing twice.
        assert_eq!(deliver(&app, &hook, &captured).await, 200);
        orders.push(order);
    }
    let view = |order: String| {
        let app = &app;
        async move { ok(app.get(&format!("/api/v1/orders/{order}"), owner).await) }
    };
    let first = view(orders[0].clone()).await;
    assert_eq!(first["review_status"], "none", "{first}");
    let second = view(orders[1].clone()).await;
    assert_eq!(second["review_status"], "held", "{second}");
    assert_eq!(
        second["review_reasons"],
        json!(["card_velocity: 2 orders in 60 minutes"]),
        "{second}"
    );
    let third = view(orders[2].clone()).await;
    assert_eq!(third["review_status"], "none", "another card: {third}");
    let history = ok(app
        .get(&format!("/api/v1/orders/{}/history", orders[1]), owner)
        .await);
    let held = history
        .as_array()
        .expect("history")
        .iter()
        .filter(|h| h["action"] == "review_held")
        .count();
    assert_eq!(held, 1, "held once: {history}");
    // A held order does not move on until the seller approves it.
    let blocked = app
        .post(
            &format!("/api/v1/orders/{}/process", orders[1]),
            owner,
            json!({}),
        )
        .await;
    assert_eq!(blocked.status, StatusCode::CONFLICT, "{}", blocked.body);
    ok(app
        .post(
            &format!("/api/v1/orders/{}/review", orders[1]),
            owner,
            json!({ "decision": "approve" }),
        )
        .await);
    for order in &orders {
        replays_to_its_status(&app, owner, order).await;
    }
}

async fn illegal_moves_are_refused_with_the_current_state_and_the_history_replays(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let store = set_up_store(&app, "Toko Aturan", 1, 10).await;
    let owner = &store.owner;
    let (cart, rate) = cart_with(&app, owner, &[(&store.variants[0], 1)], "kurir_toko").await;
    let placed = created(checkout(&app, owner, &cart, &rate, "bank_transfer", "rules-1", 1).await);
    let order = text(&placed["order"]["id"]);
    let early = app
        .post(&format!("/api/v1/orders/{order}/ship"), owner, json!({}))
        .await;
    early.assert_problem(409, "orders.illegal_transition");
    assert_eq!(early.body["current_status"], "pending_payment");
    app.post(
        &format!("/api/v1/orders/{order}/complete"),
        owner,
        json!({}),
    )
    .await
    .assert_problem(409, "orders.illegal_transition");
    let bad = app
        .post(&format!("/api/v1/carts/{cart}/checkout"), owner, json!({}))
        .await;
    assert_eq!(
        bad.status,
        StatusCode::BAD_REQUEST,
        "checkout needs an Idempotency-Key: {}",
        bad.body
    );
    let invalid = keyed(&app, Method::POST, &format!("/api/v1/carts/{cart}/checkout"), owner, "rules-2", json!({
        "customer": { "name": "", "email": "not-an-email" }, "shipping_address": { "name": "B", "phone": "1", "address": "x", "city": "y", "postal_code": "abc" },
        "shipping_rate_id": rate, "payment_method": "cheque" })).await;
    invalid.assert_problem(422, "validation_failed");
    for field in [
        "customer.name",
        "customer.email",
        "shipping_address.phone",
        "shipping_address.postal_code",
        "payment_method",
    ] {
        assert!(
            invalid.fields().contains(&field.to_owned()),
            "{field} in {:?}",
            invalid.fields()
        );
    }
    let cancelled = ok(app
        .post(
            &format!("/api/v1/orders/{order}/cancel"),
            owner,
            json!({ "reason": "Pembeli membatalkan" }),
        )
        .await);
    assert_eq!(cancelled["status"], "cancelled");
    app.eventually("the cancelled order's stock is back", || async {
        level(&app, owner, &store.variants[0], &store.jakarta).await == (10, 0)
    })
    .await;
    let again = app
        .post(
            &format!("/api/v1/orders/{order}/cancel"),
            owner,
            json!({ "reason": "lagi" }),
        )
        .await;
    again.assert_problem(409, "orders.illegal_transition");
    assert_eq!(again.body["current_status"], "cancelled");
    let payment = ok(app
        .get(
            &format!(
                "/api/v1/payments/{}",
                text(&placed["payment"]["payment_id"])
            ),
            owner,
        )
        .await);
    assert_eq!(
        payment["status"], "cancelled",
        "the unpaid transfer is voided"
    );
    replays_to_its_status(&app, owner, &order).await;
}
