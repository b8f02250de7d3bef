//! The payments domain against real databases, written once and run on SQLite and PostgreSQL:
//! retried and reordered gateway notifications must move a payment once and never backwards,
//! refunds must never pass what was captured, and the history must always explain the payment.

mod gateways;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, HeaderValue};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use sea_orm_migration::MigratorTrait;
use serde_json::json;
use smartseller_contracts::orders::OrderEvent;
use smartseller_contracts::payments::{
    PaymentCustomer, PaymentError, PaymentItem, PaymentMethod, PaymentStatus, Payments,
    RefundRequest, StartPayment,
};
use smartseller_kernel::event::EventEnvelope;
use smartseller_kernel::money::{Currency, Money};
use smartseller_kernel::{TenantId, clock};
use smartseller_payments::app::gateway_settings::{self, GatewayUpdate, MethodOptions};
use smartseller_payments::app::webhooks::{self, WebhookOutcome};
use smartseller_payments::app::{history, reconcile};
use smartseller_payments::consumers::{CancelledOrderPayments, CashCollectedOnDelivery};
use smartseller_payments::gateways::{
    CreatePayment, Gateway, GatewayConfig, GatewayError, GatewayPayment, GatewayRefund,
    GatewayStatus, VerifiedNotification, WebhookError,
};
use smartseller_payments::{
    Caller, GatewayFactory, PaymentsCtx, PaymentsError, PaymentsMigrator, PaymentsService,
    PaymentsSettings,
};
use smartseller_platform::consumer::{self, Outcome, RetryPolicy};
use smartseller_platform::migrations::PlatformMigrator;
use smartseller_platform::outbox::entity as outbox;
use smartseller_platform::{Db, FileStore};
use smartseller_testkit::db::{Engine, TestDatabase};
use smartseller_testkit::engine_tests;
use uuid::Uuid;

/// A gateway that answers what the test scripted, and checks webhooks with a shared token.
#[derive(Default)]
struct ScriptedGateway {
    /// Set: `create` refuses with this error.
    refuse_create: Mutex<Option<GatewayError>>,
    /// The status `create` answers (awaiting_payment unless set).
    create_status: Mutex<Option<PaymentStatus>>,
    /// What `status` answers per our reference.
    statuses: Mutex<HashMap<String, PaymentStatus>>,
    cancelled: Mutex<Vec<String>>,
    refunds: Mutex<Vec<(String, i64, String)>>,
    /// Set: `refund` refuses with this error.
    refuse_refund: Mutex<Option<GatewayError>>,
    /// The `bank` of every payment opened.
    banks: Mutex<Vec<Option<String>>>,
}

const GOOD_SIGNATURE: &str = "signed-by-the-gateway";

#[async_trait::async_trait]
impl Gateway for ScriptedGateway {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Midtrans
    }

    async fn create(&self, request: &CreatePayment) -> Result<GatewayPayment, GatewayError> {
        self.banks.lock().expect("lock").push(request.bank.clone());
        if let Some(error) = self.refuse_create.lock().expect("lock").clone() {
            return Err(error);
        }
        Ok(GatewayPayment {
            gateway_reference: format!("gw-{}", request.reference),
            status: self
                .create_status
                .lock()
                .expect("lock")
                .unwrap_or(PaymentStatus::AwaitingPayment),
            redirect_url: Some(format!("https://pay.example/{}", request.reference)),
            instructions: None,
        })
    }

    async fn status(
        &self,
        reference: &str,
        _gateway_reference: &str,
    ) -> Result<GatewayStatus, GatewayError> {
        let status = self
            .statuses
            .lock()
            .expect("lock")
            .get(reference)
            .copied()
            .ok_or(GatewayError::NotFound)?;
        Ok(GatewayStatus {
            status,
            captured: None,
            refunded: None,
            raw: json!({}),
        })
    }

    async fn cancel(&self, reference: &str, _gateway_reference: &str) -> Result<(), GatewayError> {
        self.cancelled
            .lock()
            .expect("lock")
            .push(reference.to_owned());
        Err(GatewayError::NotFound)
    }

    async fn capture(
        &self,
        _reference: &str,
        _gateway_reference: &str,
        amount: Money,
    ) -> Result<GatewayStatus, GatewayError> {
        Ok(GatewayStatus {
            status: PaymentStatus::Paid,
            captured: Some(amount),
            refunded: None,
            raw: json!({}),
        })
    }

    async fn refund(
        &self,
        reference: &str,
        _gateway_reference: &str,
        amount: Money,
        _reason: &str,
        idempotency_key: &str,
    ) -> Result<GatewayRefund, GatewayError> {
        if let Some(error) = self.refuse_refund.lock().expect("lock").clone() {
            return Err(error);
        }
        // Give racing refunds time to overlap while the gateway "works".
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        self.refunds.lock().expect("lock").push((
            reference.to_owned(),
            amount.minor,
            idempotency_key.to_owned(),
        ));
        Ok(GatewayRefund {
            refund_reference: format!("rf-{idempotency_key}"),
            status: "succeeded".into(),
        })
    }

    async fn verify_webhook(
        &self,
        headers: &HeaderMap,
        raw_body: &[u8],
        _now: DateTime<Utc>,
    ) -> Result<Option<VerifiedNotification>, WebhookError> {
        if headers.get("x-signature").and_then(|v| v.to_str().ok()) != Some(GOOD_SIGNATURE) {
            return Err(WebhookError::BadSignature);
        }
        let body: serde_json::Value =
            serde_json::from_slice(raw_body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
        let status = body["status"]
            .as_str()
            .and_then(PaymentStatus::parse)
            .ok_or_else(|| WebhookError::Malformed("status".into()))?;
        Ok(Some(VerifiedNotification {
            event_id: body["event_id"].as_str().unwrap_or_default().to_owned(),
            reference: body["reference"].as_str().map(str::to_owned),
            gateway_reference: None,
            status,
            amount: body["amount"]
                .as_i64()
                .map(|minor| Money::new(minor, Currency::Idr)),
            occurred_at: None,
            raw: body,
        }))
    }
}

struct Scripted(Arc<ScriptedGateway>);

impl GatewayFactory for Scripted {
    fn gateway(
        &self,
        _config: &GatewayConfig,
        _method: PaymentMethod,
    ) -> Result<Arc<dyn Gateway>, GatewayError> {
        Ok(self.0.clone())
    }
}

struct Harness {
    ctx: PaymentsCtx,
    service: PaymentsService,
    gateway: Arc<ScriptedGateway>,
    tenant: TenantId,
    caller: Caller,
    _database: TestDatabase,
}

async fn harness(engine: Engine) -> Option<Harness> {
    let database = TestDatabase::fresh(engine).await?;
    let db = Db::connect(&database.url).await.expect("database");
    PlatformMigrator::up(db.conn(), None)
        .await
        .expect("platform migrations");
    PaymentsMigrator::up(db.conn(), None)
        .await
        .expect("payments migrations");
    let gateway = Arc::new(ScriptedGateway::default());
    let ctx = PaymentsCtx {
        gateways: Arc::new(Scripted(gateway.clone())),
        settings: Arc::new(PaymentsSettings {
            max_proof_bytes: 1024,
            ..PaymentsSettings::default()
        }),
        ..PaymentsCtx::new(db, FileStore::memory())
    };
    let tenant = TenantId::new();
    let caller = Caller {
        tenant,
        kind: "user",
        id: Some(Uuid::now_v7()),
    };
    let h = Harness {
        service: PaymentsService::new(ctx.clone()),
        ctx,
        gateway,
        tenant,
        caller,
        _database: database,
    };
    enable_methods(&h, tenant).await;
    Some(h)
}

async fn enable_methods(h: &Harness, tenant: TenantId) {
    for (method, config) in [
        (
            PaymentMethod::Midtrans,
            json!({"gateway": "midtrans", "server_key": "SB-Mid-server-test", "snap_base_url": null, "core_base_url": null}),
        ),
        (
            PaymentMethod::BankTransfer,
            json!({"bank": "BCA", "account_number": "1234567890", "account_holder": "Toko Batik Sari"}),
        ),
        (PaymentMethod::Cod, json!({})),
        (
            PaymentMethod::VirtualAccount,
            json!({"gateway": "midtrans", "server_key": "SB-Mid-server-test", "snap_base_url": null, "core_base_url": null}),
        ),
    ] {
        let options = MethodOptions {
            bank: (method == PaymentMethod::VirtualAccount).then(|| "bni".to_owned()),
            manual_capture: false,
        };
        gateway_settings::save(
            &h.ctx,
            tenant,
            method,
            GatewayUpdate {
                enabled: true,
                config,
                options,
            },
        )
        .await
        .expect("method saved");
    }
}

fn idr(minor: i64) -> Money {
    Money::new(minor, Currency::Idr)
}

fn start_request(method: PaymentMethod, key: &str) -> StartPayment {
    StartPayment {
        order_id: Uuid::now_v7(),
        order_number: "SO-20261125-0001".into(),
        method,
        amount: idr(15_000_000),
        items: vec![PaymentItem {
            sku: "BATIK-01".into(),
            name: "Batik Tulis".into(),
            unit_price: idr(15_000_000),
            quantity: 1,
        }],
        customer: PaymentCustomer {
            name: "Sari".into(),
            email: Some("sari@toko.id".into()),
            phone: None,
        },
        return_url: None,
        expires_at: clock::now() + Duration::hours(24),
        idempotency_key: key.into(),
    }
}

async fn webhook_secret(h: &Harness, tenant: TenantId) -> String {
    let list = gateway_settings::list(&h.ctx, tenant).await.expect("list");
    let path = list
        .iter()
        .find(|g| g.method == "midtrans")
        .and_then(|g| g.webhook_path.clone())
        .expect("webhook path");
    path.rsplit('/').next().expect("secret").to_owned()
}

fn signed() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("x-signature", HeaderValue::from_static(GOOD_SIGNATURE));
    headers
}

fn notification(event_id: &str, reference: &str, status: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"event_id": event_id, "reference": reference, "status": status}))
        .expect("json")
}

/// The payment events in the outbox for `payment_id`, oldest first, as `event_type`s.
async fn events_of(h: &Harness, payment_id: Uuid) -> Vec<String> {
    let mut rows = outbox::Entity::find()
        .filter(outbox::Column::AggregateId.eq(payment_id))
        .all(h.ctx.db.conn())
        .await
        .expect("outbox");
    rows.sort_by_key(|r| r.id);
    rows.into_iter().map(|r| r.event_type).collect()
}

async fn assert_history_rebuilds(h: &Harness, payment_id: Uuid) {
    let rebuilt = history::rebuild(&h.ctx, h.tenant, payment_id)
        .await
        .expect("rebuilt");
    let row = h.service.find(h.tenant, payment_id).await.expect("payment");
    assert_eq!(rebuilt.status, row.status());
    assert_eq!(rebuilt.captured_minor, row.captured_minor);
    assert_eq!(rebuilt.refunded_minor, row.refunded_minor);
}

engine_tests!(
    a_bank_transfer_shows_the_store_account_and_is_paid_when_the_seller_confirms,
    starting_twice_with_one_key_opens_one_payment,
    refunds_run_partially_then_fully_replay_by_key_and_never_pass_the_capture,
    twenty_copies_of_a_settlement_and_a_late_pending_move_the_payment_once,
    a_wrong_secret_or_signature_stores_nothing_and_an_unknown_payment_is_kept,
    a_gateway_refusal_fails_the_payment,
    an_authorised_card_is_captured_in_part_and_voiding_a_paid_payment_is_refused,
    reconciliation_asks_the_gateway_about_quiet_payments_and_lapses_transfers,
    cash_on_delivery_is_paid_when_the_order_is_delivered,
    proofs_are_checked_stored_and_noted_in_the_history,
    another_stores_payments_and_webhooks_are_invisible,
    a_method_that_is_not_enabled_is_refused,
    a_virtual_account_opens_at_the_chosen_bank_and_settles_through_the_midtrans_url,
    racing_refunds_never_together_pass_the_capture_and_a_refused_refund_frees_its_amount,
    a_cancelled_orders_open_payment_is_cancelled_and_a_paid_one_kept,
);

async fn a_bank_transfer_shows_the_store_account_and_is_paid_when_the_seller_confirms(
    engine: Engine,
) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let view = h
        .service
        .start(h.tenant, start_request(PaymentMethod::BankTransfer, "bt-1"))
        .await
        .expect("started");
    assert_eq!(view.status, PaymentStatus::AwaitingPayment);
    let instructions = view.instructions.clone().expect("instructions");
    assert_eq!(instructions["bank"], "BCA");
    assert_eq!(instructions["account_number"], "1234567890");
    assert_eq!(instructions["account_holder"], "Toko Batik Sari");
    assert_eq!(instructions["amount"]["minor"], 15_000_000);
    assert_eq!(
        instructions["reference"],
        view.payment_id.simple().to_string()
    );
    assert!(
        view.payment_link
            .as_deref()
            .is_some_and(|l| l.starts_with("/api/v1/pay/"))
    );

    let paid = h
        .service
        .confirm_transfer(&h.caller, view.payment_id)
        .await
        .expect("confirmed");
    assert_eq!(paid.status(), PaymentStatus::Paid);
    assert_eq!(paid.captured_minor, 15_000_000);
    // Confirming again changes nothing and announces nothing.
    h.service
        .confirm_transfer(&h.caller, view.payment_id)
        .await
        .expect("confirmed again");
    assert_eq!(
        events_of(&h, view.payment_id).await,
        ["payment.status_changed", "payment.paid"]
    );
    let rejected = h.service.reject_transfer(&h.caller, view.payment_id).await;
    assert!(matches!(
        rejected,
        Err(PaymentsError::WrongState(PaymentStatus::Paid))
    ));
    assert_history_rebuilds(&h, view.payment_id).await;
}

async fn starting_twice_with_one_key_opens_one_payment(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let request = start_request(PaymentMethod::Midtrans, "checkout-7");
    let mut attempts = Vec::new();
    for _ in 0..8 {
        let service = h.service.clone();
        let (tenant, request) = (h.tenant, request.clone());
        attempts.push(tokio::spawn(
            async move { service.start(tenant, request).await },
        ));
    }
    let mut ids = Vec::new();
    for attempt in attempts {
        ids.push(attempt.await.expect("task").expect("started").payment_id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one payment for one key");
    let view = h.service.get(h.tenant, ids[0]).await.expect("get");
    assert_eq!(view.status, PaymentStatus::AwaitingPayment);
    assert_eq!(
        view.gateway_reference,
        Some(format!("gw-{}", ids[0].simple()))
    );
    assert_eq!(
        view.redirect_url,
        Some(format!("https://pay.example/{}", ids[0].simple()))
    );
    let other = h
        .service
        .start(
            h.tenant,
            start_request(PaymentMethod::Midtrans, "checkout-8"),
        )
        .await
        .expect("another key");
    assert_ne!(other.payment_id, ids[0]);
    // The same key for another order is a mistake, not a retry.
    let mut reused = request.clone();
    reused.order_id = Uuid::now_v7();
    assert!(matches!(
        h.service.start(h.tenant, reused).await,
        Err(PaymentError::Invalid(_))
    ));
}

async fn refunds_run_partially_then_fully_replay_by_key_and_never_pass_the_capture(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let view = h
        .service
        .start(h.tenant, start_request(PaymentMethod::Midtrans, "rf"))
        .await
        .expect("started");
    let refused = h
        .service
        .refund(
            h.tenant,
            RefundRequest {
                payment_id: view.payment_id,
                amount: idr(100),
                reason: "early".into(),
                idempotency_key: "r0".into(),
            },
        )
        .await;
    assert_eq!(
        refused,
        Err(PaymentError::WrongState(PaymentStatus::AwaitingPayment))
    );
    let secret = webhook_secret(&h, h.tenant).await;
    let reference = view.payment_id.simple().to_string();
    let outcome = webhooks::receive(
        &h.ctx,
        h.tenant,
        PaymentMethod::Midtrans,
        &secret,
        &signed(),
        &notification("settle", &reference, "paid"),
    )
    .await
    .expect("webhook");
    assert_eq!(outcome, WebhookOutcome::Applied);

    let refund = |amount: i64, key: &str| RefundRequest {
        payment_id: view.payment_id,
        amount: idr(amount),
        reason: "damaged in transit".into(),
        idempotency_key: key.into(),
    };
    let first = h
        .service
        .refund(h.tenant, refund(5_000_000, "r1"))
        .await
        .expect("partial");
    assert_eq!(first.status, "succeeded");
    assert_eq!(first.gateway_reference.as_deref(), Some("rf-r1"));
    let replay = h
        .service
        .refund(h.tenant, refund(5_000_000, "r1"))
        .await
        .expect("replay");
    assert_eq!(replay.refund_id, first.refund_id);
    assert_eq!(
        h.gateway.refunds.lock().expect("lock").len(),
        1,
        "the gateway refunded once"
    );
    let after_first = h.service.get(h.tenant, view.payment_id).await.expect("get");
    assert_eq!(after_first.status, PaymentStatus::PartiallyRefunded);
    assert_eq!(after_first.refunded, idr(5_000_000));

    let too_much = h.service.refund(h.tenant, refund(10_000_001, "r2")).await;
    assert!(matches!(too_much, Err(PaymentError::Invalid(_))));
    h.service
        .refund(h.tenant, refund(10_000_000, "r3"))
        .await
        .expect("the rest");
    let refunded = h.service.get(h.tenant, view.payment_id).await.expect("get");
    assert_eq!(refunded.status, PaymentStatus::Refunded);
    assert_eq!(refunded.refunded, idr(15_000_000));
    assert!(matches!(
        h.service.refund(h.tenant, refund(1, "r4")).await,
        Err(PaymentError::Invalid(_))
    ));
    let events = events_of(&h, view.payment_id).await;
    assert_eq!(
        events.iter().filter(|e| *e == "payment.refunded").count(),
        2
    );
    assert_history_rebuilds(&h, view.payment_id).await;
}

async fn twenty_copies_of_a_settlement_and_a_late_pending_move_the_payment_once(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let view = h
        .service
        .start(h.tenant, start_request(PaymentMethod::Midtrans, "race"))
        .await
        .expect("started");
    let secret = webhook_secret(&h, h.tenant).await;
    let reference = view.payment_id.simple().to_string();
    let mut deliveries = Vec::new();
    for copy in 0..20 {
        let ctx = h.ctx.clone();
        let (tenant, secret) = (h.tenant, secret.clone());
        // Half are retries of one delivery, half are distinct deliveries saying the same.
        let event_id = if copy % 2 == 0 {
            "settlement-1".to_owned()
        } else {
            format!("settlement-copy-{copy}")
        };
        let body = notification(&event_id, &reference, "paid");
        deliveries.push(tokio::spawn(async move {
            webhooks::receive(
                &ctx,
                tenant,
                PaymentMethod::Midtrans,
                &secret,
                &signed(),
                &body,
            )
            .await
        }));
    }
    let mut outcomes = Vec::new();
    for delivery in deliveries {
        outcomes.push(delivery.await.expect("task").expect("answered"));
    }
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| **o == WebhookOutcome::Applied)
            .count(),
        1
    );
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| **o == WebhookOutcome::Duplicate)
            .count(),
        9
    );
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| **o == WebhookOutcome::Ignored)
            .count(),
        10
    );
    let late_pending = webhooks::receive(
        &h.ctx,
        h.tenant,
        PaymentMethod::Midtrans,
        &secret,
        &signed(),
        &notification("pending-1", &reference, "awaiting_payment"),
    )
    .await
    .expect("late pending");
    assert_eq!(late_pending, WebhookOutcome::Ignored);
    let paid = h.service.get(h.tenant, view.payment_id).await.expect("get");
    assert_eq!(paid.status, PaymentStatus::Paid);
    assert_eq!(paid.captured, idr(15_000_000));
    assert_eq!(
        events_of(&h, view.payment_id).await,
        ["payment.status_changed", "payment.paid"],
        "opened once, paid once"
    );
    let lines = history::list(&h.ctx, h.tenant, view.payment_id)
        .await
        .expect("history");
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.status_after == "paid" && l.status_before.as_deref() != Some("paid"))
            .count(),
        1
    );
    let receipts = webhooks::receipts(&h.ctx, h.tenant, PaymentMethod::Midtrans)
        .await
        .expect("receipts");
    assert_eq!(receipts.len(), 12, "11 distinct deliveries + the pending");
    assert!(
        receipts
            .iter()
            .all(|r| r.payment_id == Some(view.payment_id))
    );
    assert_history_rebuilds(&h, view.payment_id).await;
}

async fn a_wrong_secret_or_signature_stores_nothing_and_an_unknown_payment_is_kept(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let view = h
        .service
        .start(h.tenant, start_request(PaymentMethod::Midtrans, "sig"))
        .await
        .expect("started");
    let secret = webhook_secret(&h, h.tenant).await;
    let body = notification("e1", &view.payment_id.simple().to_string(), "paid");
    let wrong_secret = webhooks::receive(
        &h.ctx,
        h.tenant,
        PaymentMethod::Midtrans,
        &format!("{secret}x"),
        &signed(),
        &body,
    )
    .await;
    assert!(matches!(wrong_secret, Err(PaymentsError::NotFound(_))));
    let unsigned = webhooks::receive(
        &h.ctx,
        h.tenant,
        PaymentMethod::Midtrans,
        &secret,
        &HeaderMap::new(),
        &body,
    )
    .await;
    assert!(matches!(unsigned, Err(PaymentsError::BadSignature)));
    let no_gateway = webhooks::receive(
        &h.ctx,
        h.tenant,
        PaymentMethod::BankTransfer,
        &secret,
        &signed(),
        &body,
    )
    .await;
    assert!(matches!(no_gateway, Err(PaymentsError::NotFound(_))));
    assert!(
        webhooks::receipts(&h.ctx, h.tenant, PaymentMethod::Midtrans)
            .await
            .expect("receipts")
            .is_empty()
    );
    assert_eq!(
        h.service
            .get(h.tenant, view.payment_id)
            .await
            .expect("get")
            .status,
        PaymentStatus::AwaitingPayment
    );

    let unknown = webhooks::receive(
        &h.ctx,
        h.tenant,
        PaymentMethod::Midtrans,
        &secret,
        &signed(),
        &notification("e2", "ffffffffffffffffffffffffffffffff", "paid"),
    )
    .await
    .expect("answered");
    assert_eq!(unknown, WebhookOutcome::UnknownPayment);
    let receipts = webhooks::receipts(&h.ctx, h.tenant, PaymentMethod::Midtrans)
        .await
        .expect("receipts");
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0].outcome, "unknown_payment");
    assert_eq!(receipts[0].payment_id, None);
    assert!(receipts[0].raw_body.contains("ffffffff"));
}

async fn a_gateway_refusal_fails_the_payment(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    *h.gateway.refuse_create.lock().expect("lock") =
        Some(GatewayError::Declined("amount below minimum".into()));
    let declined_request = start_request(PaymentMethod::Midtrans, "dec");
    let declined = h.service.start(h.tenant, declined_request.clone()).await;
    assert_eq!(
        declined,
        Err(PaymentError::Declined(
            "the gateway refused: amount below minimum".into()
        ))
    );
    *h.gateway.refuse_create.lock().expect("lock") = Some(GatewayError::Unavailable("503".into()));
    let unavailable = h
        .service
        .start(h.tenant, start_request(PaymentMethod::Midtrans, "down"))
        .await;
    assert_eq!(unavailable, Err(PaymentError::Unavailable("503".into())));
    let page = h
        .service
        .list(
            h.tenant,
            &Default::default(),
            smartseller_kernel::page::PageRequest::first(10),
        )
        .await
        .expect("list");
    assert_eq!(page.items.len(), 2);
    for payment in &page.items {
        assert_eq!(payment.status(), PaymentStatus::Failed);
        let lines = history::list(&h.ctx, h.tenant, payment.id)
            .await
            .expect("history");
        let actions: Vec<&str> = lines.iter().map(|l| l.action.as_str()).collect();
        assert_eq!(actions, ["created", "gateway_refused"]);
        assert_history_rebuilds(&h, payment.id).await;
    }
    // A retry with the same key answers the failed payment; it does not open a second one.
    let replay = h
        .service
        .start(h.tenant, declined_request)
        .await
        .expect("replayed");
    assert_eq!(replay.status, PaymentStatus::Failed);
}

async fn an_authorised_card_is_captured_in_part_and_voiding_a_paid_payment_is_refused(
    engine: Engine,
) {
    let Some(h) = harness(engine).await else {
        return;
    };
    *h.gateway.create_status.lock().expect("lock") = Some(PaymentStatus::Authorized);
    let view = h
        .service
        .start(h.tenant, start_request(PaymentMethod::Midtrans, "card"))
        .await
        .expect("started");
    assert_eq!(view.status, PaymentStatus::Authorized);
    let too_much = h
        .service
        .capture(&h.caller, view.payment_id, idr(15_000_001))
        .await;
    assert!(matches!(too_much, Err(PaymentsError::Amount(_))));
    let captured = h
        .service
        .capture(&h.caller, view.payment_id, idr(12_000_000))
        .await
        .expect("captured");
    assert_eq!(captured.status(), PaymentStatus::Paid);
    assert_eq!(captured.captured_minor, 12_000_000);
    assert!(matches!(
        h.service.void_payment(&h.caller, view.payment_id).await,
        Err(PaymentsError::WrongState(PaymentStatus::Paid))
    ));
    // Refunds are bounded by what was captured, not by the order's amount.
    let above_capture = h
        .service
        .refund(
            h.tenant,
            RefundRequest {
                payment_id: view.payment_id,
                amount: idr(12_000_001),
                reason: "return".into(),
                idempotency_key: "cap-r".into(),
            },
        )
        .await;
    assert!(matches!(above_capture, Err(PaymentError::Invalid(_))));

    *h.gateway.create_status.lock().expect("lock") = None;
    let unpaid = h
        .service
        .start(h.tenant, start_request(PaymentMethod::Midtrans, "to-void"))
        .await
        .expect("started");
    let voided = h
        .service
        .void(h.tenant, unpaid.payment_id)
        .await
        .expect("voided");
    assert_eq!(voided.status, PaymentStatus::Cancelled);
    assert_eq!(
        h.gateway.cancelled.lock().expect("lock").as_slice(),
        [unpaid.payment_id.simple().to_string()]
    );
    let again = h
        .service
        .void(h.tenant, unpaid.payment_id)
        .await
        .expect("no-op");
    assert_eq!(again.status, PaymentStatus::Cancelled);
    assert_eq!(
        events_of(&h, unpaid.payment_id).await,
        ["payment.status_changed", "payment.cancelled"]
    );
    assert_history_rebuilds(&h, view.payment_id).await;
    assert_history_rebuilds(&h, unpaid.payment_id).await;
}

async fn reconciliation_asks_the_gateway_about_quiet_payments_and_lapses_transfers(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let card = h
        .service
        .start(h.tenant, start_request(PaymentMethod::Midtrans, "quiet"))
        .await
        .expect("card");
    let unanswered = h
        .service
        .start(
            h.tenant,
            start_request(PaymentMethod::Midtrans, "unknown-at-gw"),
        )
        .await
        .expect("card 2");
    let transfer = h
        .service
        .start(
            h.tenant,
            start_request(PaymentMethod::BankTransfer, "lapse"),
        )
        .await
        .expect("transfer");
    let cod = h
        .service
        .start(h.tenant, start_request(PaymentMethod::Cod, "cash"))
        .await
        .expect("cod");
    assert_eq!(cod.expires_at, None, "cash on delivery never lapses");
    h.gateway
        .statuses
        .lock()
        .expect("lock")
        .insert(card.payment_id.simple().to_string(), PaymentStatus::Paid);

    // Too soon: nothing is checked yet.
    let early = reconcile::run_once(&h.ctx, clock::now())
        .await
        .expect("run");
    assert_eq!(early.checked, 0);
    assert_eq!(early.expired, 0);

    let later = clock::now() + Duration::hours(30);
    let report = reconcile::run_once(&h.ctx, later).await.expect("run");
    assert_eq!(report.checked, 2);
    assert_eq!(report.moved, 1);
    assert_eq!(report.failed, 1, "the gateway did not know the second");
    assert_eq!(report.expired, 1);
    let status = |id| {
        let service = h.service.clone();
        let tenant = h.tenant;
        async move { service.get(tenant, id).await.expect("get").status }
    };
    assert_eq!(status(card.payment_id).await, PaymentStatus::Paid);
    assert_eq!(
        status(unanswered.payment_id).await,
        PaymentStatus::AwaitingPayment
    );
    assert_eq!(status(transfer.payment_id).await, PaymentStatus::Expired);
    assert_eq!(status(cod.payment_id).await, PaymentStatus::AwaitingPayment);
    let sources: Vec<String> = history::list(&h.ctx, h.tenant, card.payment_id)
        .await
        .expect("history")
        .into_iter()
        .map(|l| l.source)
        .collect();
    assert_eq!(sources, ["api", "api", "reconcile"]);
    // A second pass finds nothing new to do.
    let again = reconcile::run_once(&h.ctx, later).await.expect("run");
    assert_eq!((again.moved, again.expired), (0, 0));
}

async fn cash_on_delivery_is_paid_when_the_order_is_delivered(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let request = start_request(PaymentMethod::Cod, "cod-1");
    let order_id = request.order_id;
    let view = h.service.start(h.tenant, request).await.expect("cod");
    assert_eq!(view.status, PaymentStatus::AwaitingPayment);
    assert_eq!(
        view.instructions.as_ref().expect("instructions")["collect_on_delivery"],
        true
    );
    let delivered = EventEnvelope::wrap(
        h.tenant,
        &OrderEvent::Delivered {
            order_id,
            number: "SO-20261125-0001".into(),
        },
    );
    for _ in 0..2 {
        let outcome = consumer::deliver(
            &h.ctx.db,
            &CashCollectedOnDelivery,
            &delivered,
            RetryPolicy::default(),
        )
        .await
        .expect("delivered");
        assert!(matches!(
            outcome,
            Outcome::Handled | Outcome::AlreadyHandled
        ));
    }
    // Another store's delivery of an order with the same id touches nothing here.
    let foreign = EventEnvelope::wrap(
        TenantId::new(),
        &OrderEvent::Delivered {
            order_id,
            number: "X".into(),
        },
    );
    consumer::deliver(
        &h.ctx.db,
        &CashCollectedOnDelivery,
        &foreign,
        RetryPolicy::default(),
    )
    .await
    .expect("delivered");
    let paid = h.service.get(h.tenant, view.payment_id).await.expect("get");
    assert_eq!(paid.status, PaymentStatus::Paid);
    assert_eq!(paid.captured, idr(15_000_000));
    let lines = history::list(&h.ctx, h.tenant, view.payment_id)
        .await
        .expect("history");
    assert_eq!(lines.last().expect("line").source, "delivery");
    assert_eq!(
        events_of(&h, view.payment_id).await,
        ["payment.status_changed", "payment.paid"]
    );
    assert_history_rebuilds(&h, view.payment_id).await;
}

async fn a_cancelled_orders_open_payment_is_cancelled_and_a_paid_one_kept(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let open = h
        .service
        .start(h.tenant, start_request(PaymentMethod::Cod, "cancel-open"))
        .await
        .expect("open");
    let settled = h
        .service
        .start(h.tenant, start_request(PaymentMethod::Cod, "cancel-paid"))
        .await
        .expect("settled");
    let delivered = EventEnvelope::wrap(
        h.tenant,
        &OrderEvent::Delivered {
            order_id: settled.order_id,
            number: "SO-2".into(),
        },
    );
    consumer::deliver(
        &h.ctx.db,
        &CashCollectedOnDelivery,
        &delivered,
        RetryPolicy::default(),
    )
    .await
    .expect("delivered");
    for (order_id, number) in [(open.order_id, "SO-1"), (settled.order_id, "SO-2")] {
        let cancelled = EventEnvelope::wrap(
            h.tenant,
            &OrderEvent::Cancelled {
                order_id,
                number: number.into(),
                reservation_id: None,
                reason: "the payment window closed".into(),
            },
        );
        for _ in 0..2 {
            consumer::deliver(
                &h.ctx.db,
                &CancelledOrderPayments,
                &cancelled,
                RetryPolicy::default(),
            )
            .await
            .expect("delivered");
        }
    }
    let open = h.service.get(h.tenant, open.payment_id).await.expect("get");
    assert_eq!(open.status, PaymentStatus::Cancelled);
    let settled = h
        .service
        .get(h.tenant, settled.payment_id)
        .await
        .expect("get");
    assert_eq!(
        settled.status,
        PaymentStatus::Paid,
        "money received stays received"
    );
    assert_eq!(
        events_of(&h, open.payment_id).await,
        ["payment.status_changed", "payment.cancelled"]
    );
    assert_history_rebuilds(&h, open.payment_id).await;
}

async fn proofs_are_checked_stored_and_noted_in_the_history(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    use smartseller_payments::app::proofs::{self, ProofRefusal, ProofType, check_proof};
    let view = h
        .service
        .start(
            h.tenant,
            start_request(PaymentMethod::BankTransfer, "proof"),
        )
        .await
        .expect("transfer");
    let pdf = bytes::Bytes::from_static(b"%PDF-1.7 transfer receipt");
    assert_eq!(check_proof(&pdf, 1024), Ok(ProofType::Pdf));
    assert_eq!(
        check_proof(&[b'%'; 2048], 1024),
        Err(ProofRefusal::TooLarge { max_bytes: 1024 })
    );
    let stored = proofs::upload(
        &h.ctx,
        &h.caller,
        view.payment_id,
        ProofType::Pdf,
        pdf.clone(),
    )
    .await
    .expect("stored");
    assert_eq!(stored.content_type, "application/pdf");
    let listed = proofs::list(&h.ctx, h.tenant, view.payment_id)
        .await
        .expect("list");
    assert_eq!(listed.len(), 1);
    let files = h
        .ctx
        .files
        .list(&format!(
            "payments/{}/{}/proofs/",
            h.tenant, view.payment_id
        ))
        .await
        .expect("files");
    assert_eq!(files.len(), 1);
    assert_eq!(
        h.ctx.files.read_all(&files[0].key).await.expect("read"),
        Some(pdf.clone())
    );
    let lines = history::list(&h.ctx, h.tenant, view.payment_id)
        .await
        .expect("history");
    assert_eq!(lines.last().expect("line").action, "proof_uploaded");
    // A card payment takes no proof.
    let card = h
        .service
        .start(
            h.tenant,
            start_request(PaymentMethod::Midtrans, "card-proof"),
        )
        .await
        .expect("card");
    assert!(matches!(
        proofs::upload(&h.ctx, &h.caller, card.payment_id, ProofType::Pdf, pdf).await,
        Err(PaymentsError::Invalid(_))
    ));
    assert_history_rebuilds(&h, view.payment_id).await;
}

async fn another_stores_payments_and_webhooks_are_invisible(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let view = h
        .service
        .start(h.tenant, start_request(PaymentMethod::BankTransfer, "mine"))
        .await
        .expect("started");
    let other = TenantId::new();
    enable_methods(&h, other).await;
    assert_eq!(
        h.service.get(other, view.payment_id).await,
        Err(PaymentError::NotFound)
    );
    assert!(matches!(
        h.service
            .confirm_transfer(&Caller::system(other), view.payment_id)
            .await,
        Err(PaymentsError::NotFound(_))
    ));
    assert!(matches!(
        history::list(&h.ctx, other, view.payment_id).await,
        Err(PaymentsError::NotFound(_))
    ));
    // The other store's webhook secret does not open this store's webhook, and a notification
    // through the other store's own URL does not find this store's payment.
    let mine = webhook_secret(&h, h.tenant).await;
    let theirs = webhook_secret(&h, other).await;
    assert_ne!(mine, theirs);
    let body = notification("x1", &view.payment_id.simple().to_string(), "paid");
    assert!(matches!(
        webhooks::receive(
            &h.ctx,
            h.tenant,
            PaymentMethod::Midtrans,
            &theirs,
            &signed(),
            &body
        )
        .await,
        Err(PaymentsError::NotFound(_))
    ));
    assert_eq!(
        webhooks::receive(
            &h.ctx,
            other,
            PaymentMethod::Midtrans,
            &theirs,
            &signed(),
            &body
        )
        .await
        .expect("answered"),
        WebhookOutcome::UnknownPayment
    );
    assert_eq!(
        h.service
            .get(h.tenant, view.payment_id)
            .await
            .expect("get")
            .status,
        PaymentStatus::AwaitingPayment
    );
}

async fn a_method_that_is_not_enabled_is_refused(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let refused = h
        .service
        .start(h.tenant, start_request(PaymentMethod::Stripe, "stripe"))
        .await;
    assert!(matches!(refused, Err(PaymentError::Invalid(_))));
    gateway_settings::save(
        &h.ctx,
        h.tenant,
        PaymentMethod::BankTransfer,
        GatewayUpdate {
            enabled: false,
            config: json!({"bank": "BCA", "account_number": "1", "account_holder": "Sari"}),
            options: MethodOptions::default(),
        },
    )
    .await
    .expect("switched off");
    let off = h
        .service
        .start(h.tenant, start_request(PaymentMethod::BankTransfer, "off"))
        .await;
    assert!(matches!(off, Err(PaymentError::Invalid(_))));
    let mut bad = start_request(PaymentMethod::Cod, "zero");
    bad.amount = idr(0);
    assert!(matches!(
        h.service.start(h.tenant, bad).await,
        Err(PaymentError::Invalid(_))
    ));
}

async fn a_virtual_account_opens_at_the_chosen_bank_and_settles_through_the_midtrans_url(
    engine: Engine,
) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let view = h
        .service
        .start(h.tenant, start_request(PaymentMethod::VirtualAccount, "va"))
        .await
        .expect("va");
    assert_eq!(view.status, PaymentStatus::AwaitingPayment);
    assert_eq!(
        h.gateway
            .banks
            .lock()
            .expect("lock")
            .last()
            .cloned()
            .flatten()
            .as_deref(),
        Some("bni")
    );
    // Midtrans posts every notification of the account to the one URL in its dashboard.
    let secret = webhook_secret(&h, h.tenant).await;
    let outcome = webhooks::receive(
        &h.ctx,
        h.tenant,
        PaymentMethod::Midtrans,
        &secret,
        &signed(),
        &notification("va-settle", &view.payment_id.simple().to_string(), "paid"),
    )
    .await
    .expect("answered");
    assert_eq!(outcome, WebhookOutcome::Applied);
    assert_eq!(
        h.service
            .get(h.tenant, view.payment_id)
            .await
            .expect("get")
            .status,
        PaymentStatus::Paid
    );
    assert_history_rebuilds(&h, view.payment_id).await;
}

async fn racing_refunds_never_together_pass_the_capture_and_a_refused_refund_frees_its_amount(
    engine: Engine,
) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let view = h
        .service
        .start(
            h.tenant,
            start_request(PaymentMethod::Midtrans, "racing-refunds"),
        )
        .await
        .expect("started");
    let secret = webhook_secret(&h, h.tenant).await;
    webhooks::receive(
        &h.ctx,
        h.tenant,
        PaymentMethod::Midtrans,
        &secret,
        &signed(),
        &notification("paid", &view.payment_id.simple().to_string(), "paid"),
    )
    .await
    .expect("paid");

    // A refused refund reserves nothing once it is refused.
    *h.gateway.refuse_refund.lock().expect("lock") =
        Some(GatewayError::Declined("refund window closed".into()));
    let refused = h
        .service
        .refund(
            h.tenant,
            RefundRequest {
                payment_id: view.payment_id,
                amount: idr(15_000_000),
                reason: "return".into(),
                idempotency_key: "refused".into(),
            },
        )
        .await;
    assert!(matches!(refused, Err(PaymentError::Declined(_))));
    *h.gateway.refuse_refund.lock().expect("lock") = None;
    let unchanged = h.service.get(h.tenant, view.payment_id).await.expect("get");
    assert_eq!(
        (unchanged.status, unchanged.refunded),
        (PaymentStatus::Paid, idr(0))
    );

    // Ten refunds of Rp 50.000 race on a Rp 150.000 payment: exactly three go through.
    let mut racing = Vec::new();
    for n in 0..10 {
        let service = h.service.clone();
        let tenant = h.tenant;
        let request = RefundRequest {
            payment_id: view.payment_id,
            amount: idr(5_000_000),
            reason: "partial return".into(),
            idempotency_key: format!("race-{n}"),
        };
        racing.push(tokio::spawn(async move {
            service.refund(tenant, request).await
        }));
    }
    let mut succeeded = 0;
    for refund in racing {
        match refund.await.expect("task") {
            Ok(view) => {
                assert_eq!(view.status, "succeeded");
                succeeded += 1;
            }
            Err(PaymentError::Invalid(_)) => {}
            Err(other) => panic!("unexpected refusal: {other:?}"),
        }
    }
    assert_eq!(succeeded, 3);
    assert_eq!(
        h.gateway.refunds.lock().expect("lock").len(),
        3,
        "the gateway refunded three times"
    );
    let refunded = h.service.get(h.tenant, view.payment_id).await.expect("get");
    assert_eq!(refunded.status, PaymentStatus::Refunded);
    assert_eq!(refunded.refunded, idr(15_000_000));
    assert_eq!(
        events_of(&h, view.payment_id)
            .await
            .iter()
            .filter(|e| *e == "payment.refunded")
            .count(),
        3
    );
    assert_history_rebuilds(&h, view.payment_id).await;
}
