//! Payments through the HTTP API: setting up methods, a bank transfer with its proof confirmed
//! by the seller, cash collected on delivery, refunds with `Idempotency-Key`, gateway webhooks
//! (wrong URL, bad signature, unknown payment), the buyer's payment link, permissions and one
//! store never seeing another's payments. Gateways are scripted: they answer like a provider
//! whose signature check is a shared header value.

use std::sync::Arc;

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};
use serde_json::{Value, json};
use smartseller_contracts::orders::OrderEvent;
use smartseller_contracts::payments::{PaymentMethod, PaymentStatus};
use smartseller_kernel::TenantId;
use smartseller_kernel::money::Money;
use smartseller_payments::GatewayFactory;
use smartseller_payments::gateways::{
    CreatePayment, Gateway, GatewayConfig, GatewayError, GatewayPayment, GatewayRefund,
    GatewayStatus, VerifiedNotification, WebhookError,
};
use smartseller_platform::outbox;
use smartseller_testkit::db::{Engine, TestDatabase};
use smartseller_testkit::engine_tests;
use uuid::Uuid;

use crate::support::{As, Session, TestApp, email};

engine_tests!(
    payment_methods_are_set_up_with_secrets_hidden_and_checked_per_method,
    a_bank_transfer_with_a_proof_is_confirmed_paid_and_announced,
    cash_on_delivery_is_paid_when_the_order_is_delivered,
    refunds_go_partially_then_fully_and_a_retried_key_replays,
    webhooks_with_a_wrong_url_or_signature_change_nothing_and_unknown_payments_are_kept,
    another_store_sees_nothing_and_members_need_the_permission,
);

const SIGNATURE: &str = "signed-by-the-gateway";

/// A gateway that opens payments at once and verifies `x-signature` against a shared value.
struct ScriptedGateway;

#[async_trait::async_trait]
impl Gateway for ScriptedGateway {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Midtrans
    }

    async fn create(&self, request: &CreatePayment) -> Result<GatewayPayment, GatewayError> {
        Ok(GatewayPayment {
            gateway_reference: format!("gw-{}", request.reference),
            status: PaymentStatus::AwaitingPayment,
            redirect_url: Some(format!("https://pay.example/{}", request.reference)),
            instructions: None,
        })
    }

    async fn status(&self, _: &str, _: &str) -> Result<GatewayStatus, GatewayError> {
        Err(GatewayError::NotFound)
    }

    async fn cancel(&self, _: &str, _: &str) -> Result<(), GatewayError> {
        Ok(())
    }

    async fn capture(&self, _: &str, _: &str, _: Money) -> Result<GatewayStatus, GatewayError> {
        Err(GatewayError::Unsupported("capture"))
    }

    async fn refund(
        &self,
        _: &str,
        _: &str,
        _: Money,
        _: &str,
        key: &str,
    ) -> Result<GatewayRefund, GatewayError> {
        Ok(GatewayRefund {
            refund_reference: format!("rf-{key}"),
            status: "succeeded".into(),
        })
    }

    async fn verify_webhook(
        &self,
        headers: &HeaderMap,
        raw_body: &[u8],
        _now: DateTime<Utc>,
    ) -> Result<Option<VerifiedNotification>, WebhookError> {
        if headers.get("x-signature").and_then(|v| v.to_str().ok()) != Some(SIGNATURE) {
            return Err(WebhookError::BadSignature);
        }
        let body: Value =
            serde_json::from_slice(raw_body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
        Ok(Some(VerifiedNotification {
            event_id: body["event_id"].as_str().unwrap_or_default().to_owned(),
            reference: body["reference"].as_str().map(str::to_owned),
            gateway_reference: None,
            status: body["status"]
                .as_str()
                .and_then(PaymentStatus::parse)
                .ok_or_else(|| WebhookError::Malformed("status".into()))?,
            amount: None,
            occurred_at: None,
            raw: body,
        }))
    }
}

struct Scripted;

impl GatewayFactory for Scripted {
    fn gateway(
        &self,
        _: &GatewayConfig,
        _: PaymentMethod,
    ) -> Result<Arc<dyn Gateway>, GatewayError> {
        Ok(Arc::new(ScriptedGateway))
    }
}

async fn spawn(engine: Engine) -> Option<TestApp> {
    let database = TestDatabase::fresh(engine).await?;
    Some(TestApp::spawn_on_with_payment_gateways(database, |_| {}, Some(Arc::new(Scripted))).await)
}

async fn enable(app: &TestApp, owner: &Session, method: &str, config: Value) -> Value {
    let saved = app
        .put(
            &format!("/api/v1/payments/gateways/{method}"),
            owner,
            json!({ "enabled": true, "config": config }),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    saved.body
}

fn bank_account() -> Value {
    json!({ "bank": "BCA", "account_number": "1234567890", "account_holder": "Toko Batik Sari" })
}

fn midtrans() -> Value {
    json!({ "gateway": "midtrans", "server_key": "SB-Mid-server-secret", "snap_base_url": null, "core_base_url": null })
}

/// Requests a payment of Rp 150.000 with `method`; returns the created payment.
async fn request_payment(app: &TestApp, owner: &Session, method: &str, key: &str) -> Value {
    let answer = TestApp::send(
        app.request(Method::POST, "/api/v1/payments", owner.into())
            .header("Idempotency-Key", key)
            .json(&json!({
                "order_id": Uuid::now_v7(),
                "order_number": "SO-20261125-0001",
                "method": method,
                "amount": { "minor": 15_000_000, "currency": "IDR" },
                "items": [{ "sku": "BATIK-01", "name": "Batik Tulis", "unit_price": { "minor": 15_000_000, "currency": "IDR" }, "quantity": 1 }],
                "customer": { "name": "Sari", "email": "sari@toko.id" }
            })),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    answer.body
}

async fn payment_events(app: &TestApp, payment_id: &str) -> Vec<String> {
    let id: Uuid = payment_id.parse().expect("uuid");
    let mut rows = outbox::entity::Entity::find()
        .filter(outbox::entity::Column::AggregateId.eq(id))
        .all(app.db.conn())
        .await
        .expect("outbox");
    rows.sort_by_key(|r| r.id);
    rows.into_iter().map(|r| r.event_type).collect()
}

async fn stored_webhooks(app: &TestApp) -> i64 {
    let backend = app.db.conn().get_database_backend();
    let row = app
        .db
        .conn()
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM payment_webhooks",
        ))
        .await
        .expect("count")
        .expect("row");
    row.try_get::<i64>("", "n").expect("n")
}

/// A `multipart/form-data` body with one `file` part.
fn proof_form(filename: &str, data: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----smartseller-payments-proof-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn payment_methods_are_set_up_with_secrets_hidden_and_checked_per_method(engine: Engine) {
    let Some(app) = spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Sari", &email("sari")).await;
    let saved = enable(&app, &owner, "midtrans", midtrans()).await;
    assert_eq!(saved["config"]["server_key"], "********");
    let webhook_path = saved["webhook_path"].as_str().expect("webhook path");
    assert!(webhook_path.starts_with(&format!(
        "/api/v1/webhooks/payments/midtrans/{}/",
        owner.tenant_id
    )));
    let secret = webhook_path.rsplit('/').next().expect("secret");
    assert_eq!(secret.len(), 64);

    // Sending the hidden secret back keeps it; the webhook secret is kept too.
    let mut edited = saved["config"].clone();
    edited["core_base_url"] = json!("https://api.sandbox.midtrans.com");
    let resaved = enable(&app, &owner, "midtrans", edited).await;
    assert_eq!(resaved["webhook_path"], webhook_path);
    assert_eq!(
        resaved["config"]["core_base_url"],
        "https://api.sandbox.midtrans.com"
    );
    let list = app.get("/api/v1/payments/gateways", &owner).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.to_string().contains("SB-Mid-server-secret"));

    let wrong = app
        .put(
            "/api/v1/payments/gateways/stripe",
            &owner,
            json!({ "enabled": true, "config": midtrans() }),
        )
        .await;
    wrong.assert_problem(422, "validation_failed");
    assert_eq!(wrong.fields(), ["config.gateway"]);
    let no_account = app
        .put(
            "/api/v1/payments/gateways/bank_transfer",
            &owner,
            json!({ "enabled": true, "config": { "bank": "BCA" } }),
        )
        .await;
    no_account.assert_problem(422, "validation_failed");
    let unknown = app
        .put(
            "/api/v1/payments/gateways/cash",
            &owner,
            json!({ "enabled": true, "config": {} }),
        )
        .await;
    unknown.assert_problem(422, "validation_failed");

    // A method that is not set up cannot be used.
    let refused = TestApp::send(
        app.request(Method::POST, "/api/v1/payments", (&owner).into())
            .header("Idempotency-Key", "not-enabled")
            .json(&json!({
                "order_id": Uuid::now_v7(), "order_number": "SO-1", "method": "cod",
                "amount": { "minor": 100, "currency": "IDR" }
            })),
    )
    .await;
    refused.assert_problem(422, "payments.method_not_enabled");
    app.stop().await;
}

async fn a_bank_transfer_with_a_proof_is_confirmed_paid_and_announced(engine: Engine) {
    let Some(app) = spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Sari", &email("sari")).await;
    enable(&app, &owner, "bank_transfer", bank_account()).await;
    let without_key = app
        .post(
            "/api/v1/payments",
            &owner,
            json!({ "order_id": Uuid::now_v7(), "order_number": "SO-1", "method": "bank_transfer", "amount": { "minor": 100, "currency": "IDR" } }),
        )
        .await;
    without_key.assert_problem(400, "idempotency.key_required");

    let payment = request_payment(&app, &owner, "bank_transfer", "bt-1").await;
    assert_eq!(payment["status"], "awaiting_payment");
    assert_eq!(payment["instructions"]["account_number"], "1234567890");
    assert_eq!(payment["instructions"]["amount"]["minor"], 15_000_000);
    let id = payment["id"].as_str().expect("id").to_owned();

    // The buyer's link shows what to pay and nothing about the store's internals.
    let link = payment["payment_link"].as_str().expect("link");
    assert!(link.starts_with(&app.base));
    let path = link.trim_start_matches(&app.base);
    let page = app.get(path, As::Nobody).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.body["order_number"], "SO-20261125-0001");
    assert_eq!(page.body["amount"]["minor"], 15_000_000);
    assert_eq!(page.body["instructions"]["bank"], "BCA");
    assert!(page.body.get("id").is_none() && page.body.get("order_id").is_none());
    app.get("/api/v1/pay/not-a-token", As::Nobody)
        .await
        .assert_problem(404, "not_found");

    let (content_type, body) = proof_form("receipt.exe", b"MZ\x90\x00 not a receipt");
    let refused = TestApp::send(
        app.request(
            Method::POST,
            &format!("/api/v1/payments/{id}/proof"),
            (&owner).into(),
        )
        .header("content-type", content_type)
        .body(body),
    )
    .await;
    refused.assert_problem(415, "payments.proof_type");
    let (content_type, body) = proof_form("receipt.pdf", b"%PDF-1.7 BCA transfer receipt");
    let proof = TestApp::send(
        app.request(
            Method::POST,
            &format!("/api/v1/payments/{id}/proof"),
            (&owner).into(),
        )
        .header("content-type", content_type)
        .body(body),
    )
    .await;
    assert_eq!(proof.status, StatusCode::CREATED, "{}", proof.body);
    assert_eq!(proof.body["content_type"], "application/pdf");
    let proofs = app
        .get(&format!("/api/v1/payments/{id}/proof"), &owner)
        .await;
    assert_eq!(proofs.body.as_array().map(Vec::len), Some(1));

    let confirmed = app
        .post(&format!("/api/v1/payments/{id}/confirm"), &owner, json!({}))
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    assert_eq!(confirmed.body["status"], "paid");
    assert_eq!(confirmed.body["captured"]["minor"], 15_000_000);
    app.post(&format!("/api/v1/payments/{id}/reject"), &owner, json!({}))
        .await
        .assert_problem(409, "payments.wrong_state");
    assert_eq!(
        payment_events(&app, &id).await,
        ["payment.status_changed", "payment.paid"]
    );
    let history = app
        .get(&format!("/api/v1/payments/{id}/history"), &owner)
        .await;
    let actions: Vec<&str> = history
        .body
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        actions,
        ["created", "opened", "proof_uploaded", "confirmed"]
    );
    let listed = app
        .get("/api/v1/payments?status=paid&method=bank_transfer", &owner)
        .await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));
    app.get("/api/v1/payments?status=lunas", &owner)
        .await
        .assert_problem(422, "validation_failed");
    app.stop().await;
}

async fn cash_on_delivery_is_paid_when_the_order_is_delivered(engine: Engine) {
    let Some(app) = spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Sari", &email("sari")).await;
    enable(&app, &owner, "cod", json!({})).await;
    let payment = request_payment(&app, &owner, "cod", "cod-1").await;
    assert_eq!(payment["status"], "awaiting_payment");
    assert_eq!(payment["instructions"]["collect_on_delivery"], true);
    assert_eq!(payment["expires_at"], Value::Null);
    let id = payment["id"].as_str().expect("id").to_owned();
    let order_id: Uuid = payment["order_id"]
        .as_str()
        .expect("order")
        .parse()
        .expect("uuid");

    // The orders domain announces the delivery through the outbox, as it will in production.
    let tenant: TenantId = owner.tenant_id.parse().expect("tenant");
    let mut tx = app.db.begin_write().await.expect("tx");
    tx.publish(
        tenant,
        &OrderEvent::Delivered {
            order_id,
            number: "SO-20261125-0001".into(),
        },
    )
    .await
    .expect("publish");
    tx.commit().await.expect("commit");
    let path = format!("/api/v1/payments/{id}");
    app.eventually("the COD payment is paid", || async {
        app.get(&path, &owner).await.body["status"] == "paid"
    })
    .await;
    let history = app.get(&format!("{path}/history"), &owner).await;
    let last = history
        .body
        .as_array()
        .and_then(|h| h.last())
        .cloned()
        .expect("line");
    assert_eq!(last["source"], "delivery");
    assert_eq!(
        payment_events(&app, &id).await,
        ["payment.status_changed", "payment.paid"]
    );
    app.stop().await;
}

async fn refunds_go_partially_then_fully_and_a_retried_key_replays(engine: Engine) {
    let Some(app) = spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Sari", &email("sari")).await;
    enable(&app, &owner, "bank_transfer", bank_account()).await;
    let payment = request_payment(&app, &owner, "bank_transfer", "to-refund").await;
    let id = payment["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/payments/{id}/refunds");
    let refund = |key: &'static str, minor: i64| {
        app.request(Method::POST, &path, (&owner).into())
            .header("Idempotency-Key", key)
            .json(&json!({ "amount": { "minor": minor, "currency": "IDR" }, "reason": "damaged in transit" }))
    };
    TestApp::send(refund("early", 100))
        .await
        .assert_problem(409, "payments.wrong_state");
    app.post(&format!("/api/v1/payments/{id}/confirm"), &owner, json!({}))
        .await;
    app.post(
        &path,
        &owner,
        json!({ "amount": { "minor": 1, "currency": "IDR" }, "reason": "x" }),
    )
    .await
    .assert_problem(400, "idempotency.key_required");

    let first = TestApp::send(refund("refund-1", 5_000_000)).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.body["payment"]["status"], "partially_refunded");
    assert_eq!(first.body["refund"]["status"], "succeeded");
    let replay = TestApp::send(refund("refund-1", 5_000_000)).await;
    assert_eq!(replay.status, StatusCode::CREATED);
    assert_eq!(replay.header("idempotency-replayed"), Some("true"));
    assert_eq!(replay.body["refund"]["id"], first.body["refund"]["id"]);

    let above = TestApp::send(refund("refund-2", 10_000_001)).await;
    above.assert_problem(422, "payments.amount_refused");
    assert_eq!(above.body["limit_minor"], 10_000_000);
    let rest = TestApp::send(refund("refund-3", 10_000_000)).await;
    assert_eq!(rest.status, StatusCode::CREATED, "{}", rest.body);
    assert_eq!(rest.body["payment"]["status"], "refunded");
    assert_eq!(rest.body["payment"]["refunded"]["minor"], 15_000_000);
    let refunds = app.get(&path, &owner).await;
    assert_eq!(refunds.body.as_array().map(Vec::len), Some(2));
    let events = payment_events(&app, &id).await;
    assert_eq!(
        events.iter().filter(|e| *e == "payment.refunded").count(),
        2
    );
    app.stop().await;
}

async fn webhooks_with_a_wrong_url_or_signature_change_nothing_and_unknown_payments_are_kept(
    engine: Engine,
) {
    let Some(app) = spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Sari", &email("sari")).await;
    let saved = enable(&app, &owner, "midtrans", midtrans()).await;
    let webhook = saved["webhook_path"].as_str().expect("path").to_owned();
    let payment = request_payment(&app, &owner, "midtrans", "card-1").await;
    assert_eq!(payment["status"], "awaiting_payment");
    let id = payment["id"].as_str().expect("id").to_owned();
    let reference = payment["reference"].as_str().expect("reference").to_owned();
    let deliver = |path: &str, signature: Option<&str>, body: Value| {
        let mut request = app
            .request(Method::POST, path, As::Nobody)
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(signature) = signature {
            request = request.header("x-signature", signature.to_owned());
        }
        TestApp::send(request)
    };
    let settle = json!({ "event_id": "evt-1", "reference": reference, "status": "paid" });

    let wrong_secret = format!("{}0", &webhook[..webhook.len() - 1]);
    let wrong_secret = if wrong_secret == webhook {
        format!("{}1", &webhook[..webhook.len() - 1])
    } else {
        wrong_secret
    };
    deliver(&wrong_secret, Some(SIGNATURE), settle.clone())
        .await
        .assert_problem(404, "not_found");
    let other_store = webhook.replace(&owner.tenant_id, &Uuid::now_v7().to_string());
    deliver(&other_store, Some(SIGNATURE), settle.clone())
        .await
        .assert_problem(404, "not_found");
    deliver(&webhook, Some("forged"), settle.clone())
        .await
        .assert_problem(401, "payments.bad_signature");
    deliver(&webhook, None, settle.clone())
        .await
        .assert_problem(401, "payments.bad_signature");
    assert_eq!(stored_webhooks(&app).await, 0, "nothing stored");
    assert_eq!(
        app.get(&format!("/api/v1/payments/{id}"), &owner)
            .await
            .body["status"],
        "awaiting_payment"
    );

    let unknown = deliver(
        &webhook,
        Some(SIGNATURE),
        json!({ "event_id": "evt-x", "reference": "0123456789abcdef0123456789abcdef", "status": "paid" }),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::OK, "{}", unknown.body);
    assert_eq!(unknown.body["outcome"], "unknown_payment");
    assert_eq!(stored_webhooks(&app).await, 1);

    let applied = deliver(&webhook, Some(SIGNATURE), settle.clone()).await;
    assert_eq!(applied.body["outcome"], "applied");
    let again = deliver(&webhook, Some(SIGNATURE), settle).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["outcome"], "duplicate");
    let late = deliver(
        &webhook,
        Some(SIGNATURE),
        json!({ "event_id": "evt-0", "reference": reference, "status": "awaiting_payment" }),
    )
    .await;
    assert_eq!(late.body["outcome"], "ignored");
    let paid = app.get(&format!("/api/v1/payments/{id}"), &owner).await;
    assert_eq!(paid.body["status"], "paid");
    assert_eq!(
        payment_events(&app, &id).await,
        ["payment.status_changed", "payment.paid"]
    );
    assert_eq!(stored_webhooks(&app).await, 3);
    app.stop().await;
}

async fn another_store_sees_nothing_and_members_need_the_permission(engine: Engine) {
    let Some(app) = spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Sari", &email("sari")).await;
    enable(&app, &owner, "bank_transfer", bank_account()).await;
    let payment = request_payment(&app, &owner, "bank_transfer", "mine").await;
    let id = payment["id"].as_str().expect("id").to_owned();

    let other = app.register("Toko Lain", &email("lain")).await;
    for (method, path) in [
        (Method::GET, "/api/v1/payments/{id}"),
        (Method::GET, "/api/v1/payments/{id}/history"),
        (Method::POST, "/api/v1/payments/{id}/confirm"),
        (Method::POST, "/api/v1/payments/{id}/void"),
    ] {
        app.assert_foreign_id_answers_like_absent(
            method,
            path,
            &id,
            (&other).into(),
            Some(json!({})),
        )
        .await;
    }
    let theirs = app.get("/api/v1/payments", &other).await;
    assert_eq!(theirs.body["items"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        app.get(&format!("/api/v1/payments/{id}"), &owner)
            .await
            .body["status"],
        "awaiting_payment"
    );

    let viewer_role = app
        .create_role(&owner, "payments_viewer", &["payments:read"])
        .await;
    let viewer = app
        .add_member(&owner, &email("viewer"), &[viewer_role])
        .await;
    assert_eq!(
        app.get(&format!("/api/v1/payments/{id}"), &viewer)
            .await
            .status,
        StatusCode::OK
    );
    app.post(
        &format!("/api/v1/payments/{id}/confirm"),
        &viewer,
        json!({}),
    )
    .await
    .assert_problem(403, "auth.forbidden");
    app.get("/api/v1/payments/gateways", &viewer)
        .await
        .assert_problem(403, "auth.forbidden");
    let refund = TestApp::send(
        app.request(
            Method::POST,
            &format!("/api/v1/payments/{id}/refunds"),
            (&viewer).into(),
        )
        .header("Idempotency-Key", "viewer-refund")
        .json(&json!({ "amount": { "minor": 1, "currency": "IDR" }, "reason": "x" })),
    )
    .await;
    refund.assert_problem(403, "auth.forbidden");
    let (content_type, body) = proof_form("receipt.pdf", b"%PDF-1.7");
    TestApp::send(
        app.request(
            Method::POST,
            &format!("/api/v1/payments/{id}/proof"),
            (&viewer).into(),
        )
        .header("content-type", content_type)
        .body(body),
    )
    .await
    .assert_problem(403, "auth.forbidden");
    // Staff who take orders may attach the buyer's proof.
    let clerk_role = app
        .create_role(&owner, "order_clerk", &["orders:write"])
        .await;
    let clerk = app.add_member(&owner, &email("clerk"), &[clerk_role]).await;
    let (content_type, body) = proof_form("receipt.pdf", b"%PDF-1.7");
    let attached = TestApp::send(
        app.request(
            Method::POST,
            &format!("/api/v1/payments/{id}/proof"),
            (&clerk).into(),
        )
        .header("content-type", content_type)
        .body(body),
    )
    .await;
    assert_eq!(attached.status, StatusCode::CREATED, "{}", attached.body);
    app.stop().await;
}
