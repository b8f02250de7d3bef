//! The shipping domain against real databases and scripted couriers, written once and run on
//! SQLite and PostgreSQL: quoting many providers at once, booking exactly once, courier pushes
//! that arrive twenty times or out of order, polling, and the PDFs.

mod documents;
mod providers;
mod scripted;

use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;
use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use sea_orm_migration::MigratorTrait;
use serde_json::json;
use smartseller_contracts::shipping::{
    BookShipment, RateRequest, ShipmentLine, ShipmentStatus, Shipping, ShippingAddress,
    ShippingError,
};
use smartseller_kernel::TenantId;
use smartseller_kernel::money::{Currency, Money};
use smartseller_platform::Db;
use smartseller_platform::migrations::PlatformMigrator;
use smartseller_platform::outbox;
use smartseller_shipping::app::setup::{self, FlatRateDraft, OriginDraft};
use smartseller_shipping::app::tracking;
use smartseller_shipping::app::webhooks::{self, WebhookOutcome};
use smartseller_shipping::app::{AppError, ShippingCtx, ShippingSettings};
use smartseller_shipping::{ShippingMigrator, ShippingService};
use smartseller_testkit::db::{Engine, TestDatabase};
use smartseller_testkit::engine_tests;
use uuid::Uuid;

use scripted::{Behaviour, ScriptedProviders};

engine_tests!(
    rates_come_from_every_enabled_provider_and_a_failing_or_slow_one_is_skipped,
    a_quote_books_at_its_price_even_after_it_expired,
    booking_an_order_many_times_at_once_books_one_parcel,
    a_courier_refusal_stores_nothing,
    twenty_copies_of_a_push_and_a_late_older_status_change_the_shipment_once,
    pushes_for_unknown_shipments_are_kept_and_bad_ones_refused,
    the_poller_asks_couriers_about_shipments_due_and_applies_their_latest_status,
    a_cancelled_shipment_is_cancelled_with_the_courier_and_the_order_can_be_booked_again,
);

struct Harness {
    ctx: ShippingCtx,
    service: ShippingService,
    providers: Arc<ScriptedProviders>,
    tenant: TenantId,
    _database: TestDatabase,
}

async fn harness(engine: Engine) -> Option<Harness> {
    harness_with(engine, |_| {}).await
}

async fn harness_with(
    engine: Engine,
    adjust: impl FnOnce(&mut ShippingSettings),
) -> Option<Harness> {
    let database = TestDatabase::fresh(engine).await?;
    let db = Db::connect(&database.url).await.expect("database");
    PlatformMigrator::up(db.conn(), None)
        .await
        .expect("platform migrations");
    ShippingMigrator::up(db.conn(), None)
        .await
        .expect("shipping migrations");
    let providers = Arc::new(ScriptedProviders::default());
    let mut settings = ShippingSettings {
        provider_timeout: Duration::from_millis(500),
        ..ShippingSettings::default()
    };
    adjust(&mut settings);
    let ctx = ShippingCtx {
        settings: Arc::new(settings),
        providers: providers.clone(),
        ..ShippingCtx::new(db)
    };
    let tenant = TenantId::new();
    setup::replace_origins(
        &ctx,
        tenant,
        vec![OriginDraft {
            warehouse_id: None,
            name: "Gudang Jakarta".into(),
            contact_name: "Sari".into(),
            phone: "081200000001".into(),
            address: "Jl. Gatot Subroto 12".into(),
            city: "Jakarta Selatan".into(),
            postal_code: "12930".into(),
            area_ids: Default::default(),
            is_default: true,
        }],
    )
    .await
    .expect("origin");
    Some(Harness {
        service: ShippingService::new(ctx.clone()),
        ctx,
        providers,
        tenant,
        _database: database,
    })
}

impl Harness {
    async fn enable(&self, provider: &str) {
        let config = match provider {
            "biteship" | "rajaongkir" => json!({ "api_key": format!("{provider}-key") }),
            "sicepat" => json!({ "api_key": "sicepat-key", "origin_code": "CGK" }),
            other => panic!("no config for {other}"),
        };
        setup::configure_provider(&self.ctx, self.tenant, provider, config, true)
            .await
            .expect("provider account");
    }

    async fn secret(&self, provider: &str) -> String {
        let accounts = setup::provider_accounts(&self.ctx, self.tenant)
            .await
            .expect("accounts");
        let account = accounts
            .into_iter()
            .find(|a| a.provider == provider)
            .expect("account");
        let url = setup::webhook_url(&self.ctx, &account);
        url.rsplit('/').next().expect("secret").to_owned()
    }

    async fn events(&self, event_type: &str, shipment_id: Uuid) -> Vec<outbox::entity::Model> {
        outbox::entity::Entity::find()
            .filter(outbox::entity::Column::EventType.eq(event_type))
            .filter(outbox::entity::Column::AggregateId.eq(shipment_id))
            .all(self.ctx.db.conn())
            .await
            .expect("outbox")
    }

    /// Quotes and books `order_id` with the first rate of `provider`.
    async fn book_with(&self, provider: &str, order_id: Uuid) -> Result<Uuid, ShippingError> {
        let rates = self.service.quote(self.tenant, rate_request()).await?;
        let rate = rates
            .iter()
            .find(|r| r.provider == provider)
            .expect("a rate from the provider");
        let shipment = self
            .service
            .book(self.tenant, booking(order_id, rate.rate_id))
            .await?;
        Ok(shipment.shipment_id)
    }
}

fn idr(minor: i64) -> Money {
    Money::new(minor, Currency::Idr)
}

fn destination() -> ShippingAddress {
    ShippingAddress {
        name: "Budi Santoso".into(),
        phone: "081377778888".into(),
        address: "Jl. Malioboro 21".into(),
        city: "Yogyakarta".into(),
        postal_code: "55271".into(),
        ..ShippingAddress::default()
    }
}

fn rate_request() -> RateRequest {
    RateRequest {
        destination: destination(),
        weight_grams: 1200,
        goods_value: idr(25_000_000),
        couriers: Vec::new(),
        cash_on_delivery: false,
    }
}

fn booking(order_id: Uuid, rate_id: Uuid) -> BookShipment {
    BookShipment {
        order_id,
        order_number: "SO-1001".into(),
        rate_id,
        receiver: destination(),
        lines: vec![ShipmentLine {
            variant_id: Uuid::now_v7(),
            sku: "BTK-01".into(),
            name: "Batik Tulis".into(),
            quantity: 2,
            warehouse_id: None,
        }],
        weight_grams: 1200,
        goods_value: idr(25_000_000),
        cash_on_delivery: None,
        note: None,
    }
}

async fn rates_come_from_every_enabled_provider_and_a_failing_or_slow_one_is_skipped(
    engine: Engine,
) {
    let Some(h) = harness(engine).await else {
        return;
    };
    h.enable("biteship").await;
    h.enable("rajaongkir").await;
    h.enable("sicepat").await;
    h.providers.set("rajaongkir", Behaviour::Unavailable);
    h.providers
        .set("sicepat", Behaviour::Slow(Duration::from_secs(3)));
    setup::create_flat_rate(
        &h.ctx,
        h.tenant,
        FlatRateDraft {
            name: "Kurir Toko".into(),
            courier_code: "kurir_toko".into(),
            service_code: "same_day".into(),
            price: idr(1_000_000),
            etd: None,
            cod_allowed: false,
            active: true,
        },
    )
    .await
    .expect("flat rate");

    let started = std::time::Instant::now();
    let rates = h
        .service
        .quote(h.tenant, rate_request())
        .await
        .expect("rates");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the slow provider was waited for"
    );
    let providers: Vec<&str> = rates.iter().map(|r| r.provider.as_str()).collect();
    assert_eq!(
        providers,
        ["flat", "biteship", "biteship"],
        "cheapest first"
    );
    assert_eq!(rates[1].courier_code, "jne");
    assert_eq!(rates[1].price, idr(1_800_000));
    // Each answer is kept under its id for the quote's lifetime.
    let kept = h
        .service
        .rate(h.tenant, rates[1].rate_id)
        .await
        .expect("kept");
    assert_eq!(kept, rates[1]);
    assert!(kept.expires_at > Utc::now() + chrono::Duration::minutes(29));
    // Another store does not see it.
    assert_eq!(
        h.service.rate(TenantId::new(), rates[1].rate_id).await,
        Err(ShippingError::RateExpired)
    );
    // Only COD-capable options when the buyer pays at the door.
    let cod = h
        .service
        .quote(
            h.tenant,
            RateRequest {
                cash_on_delivery: true,
                ..rate_request()
            },
        )
        .await
        .expect("cod rates");
    assert!(
        cod.iter()
            .all(|r| r.cash_on_delivery && r.provider == "biteship")
    );
    assert_eq!(cod.len(), 1);
}

async fn a_quote_books_at_its_price_even_after_it_expired(engine: Engine) {
    let Some(h) = harness_with(engine, |s| s.quote_ttl = Duration::from_millis(1)).await else {
        return;
    };
    h.enable("biteship").await;
    let rates = h
        .service
        .quote(h.tenant, rate_request())
        .await
        .expect("rates");
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        h.service.rate(h.tenant, rates[0].rate_id).await,
        Err(ShippingError::RateExpired)
    );
    let order_id = Uuid::now_v7();
    let shipment = h
        .service
        .book(h.tenant, booking(order_id, rates[0].rate_id))
        .await
        .expect("booked at the checkout price");
    assert_eq!(shipment.price, rates[0].price);
    assert_eq!(shipment.provider, "biteship");
    assert_eq!(shipment.awb.as_deref(), Some("JNE0000000001"));
    assert_eq!(shipment.status, ShipmentStatus::AwbAssigned);
    let booked = h.events("shipment.booked", shipment.shipment_id).await;
    assert_eq!(booked.len(), 1);
    assert_eq!(booked[0].payload["awb"], "JNE0000000001");
    // The provider got our shipment id as its reference.
    let sent = h.providers.bookings();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].reference, shipment.shipment_id.simple().to_string());
    assert_eq!(sent[0].origin.city, "Jakarta Selatan");
    // An unknown rate books nothing.
    assert_eq!(
        h.service
            .book(h.tenant, booking(Uuid::now_v7(), Uuid::now_v7()))
            .await,
        Err(ShippingError::RateExpired)
    );
}

async fn booking_an_order_many_times_at_once_books_one_parcel(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    h.enable("biteship").await;
    let rates = h
        .service
        .quote(h.tenant, rate_request())
        .await
        .expect("rates");
    let order_id = Uuid::now_v7();
    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let service = h.service.clone();
        let request = booking(order_id, rates[0].rate_id);
        let tenant = h.tenant;
        attempts.spawn(async move { service.book(tenant, request).await });
    }
    let mut ids = Vec::new();
    while let Some(done) = attempts.join_next().await {
        ids.push(done.expect("task").expect("booked").shipment_id);
    }
    ids.dedup();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let shipment = h
        .service
        .for_order(h.tenant, order_id)
        .await
        .expect("shipment");
    assert_eq!(shipment.shipment_id, ids[0]);
    // Every parcel booked with the courier beyond the one kept was given back.
    let booked = h.providers.bookings().len();
    assert_eq!(h.providers.cancellations().len(), booked - 1);
    assert_eq!(h.events("shipment.booked", ids[0]).await.len(), 1);
}

async fn a_courier_refusal_stores_nothing(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    h.enable("biteship").await;
    let rates = h
        .service
        .quote(h.tenant, rate_request())
        .await
        .expect("rates");
    h.providers.set("biteship", Behaviour::Refuse);
    let order_id = Uuid::now_v7();
    let refused = h
        .service
        .book(h.tenant, booking(order_id, rates[0].rate_id))
        .await;
    assert!(
        matches!(refused, Err(ShippingError::Rejected(_))),
        "{refused:?}"
    );
    assert_eq!(
        h.service.for_order(h.tenant, order_id).await,
        Err(ShippingError::NotFound)
    );
    h.providers.set("biteship", Behaviour::Unavailable);
    let down = h
        .service
        .book(h.tenant, booking(order_id, rates[0].rate_id))
        .await;
    assert!(
        matches!(down, Err(ShippingError::Unavailable(_))),
        "{down:?}"
    );
    let invalid = h
        .service
        .book(
            h.tenant,
            BookShipment {
                lines: Vec::new(),
                ..booking(order_id, rates[0].rate_id)
            },
        )
        .await;
    assert!(
        matches!(invalid, Err(ShippingError::Invalid(_))),
        "{invalid:?}"
    );
}

fn push(event_id: &str, awb: &str, status: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({ "event_id": event_id, "awb": awb, "status": status }))
        .expect("json")
}

async fn twenty_copies_of_a_push_and_a_late_older_status_change_the_shipment_once(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    h.enable("biteship").await;
    let order_id = Uuid::now_v7();
    let shipment_id = h.book_with("biteship", order_id).await.expect("booked");
    let secret = h.secret("biteship").await;
    let awb = "JNE0000000001";
    let in_transit = webhooks::receive(
        &h.ctx,
        "biteship",
        h.tenant,
        &secret,
        &HeaderMap::new(),
        &push("evt-1", awb, "in_transit"),
    )
    .await
    .expect("in transit");
    assert!(matches!(in_transit, WebhookOutcome::Applied(_)));

    let mut deliveries = tokio::task::JoinSet::new();
    for copy in 0..21 {
        let ctx = h.ctx.clone();
        let secret = secret.clone();
        let tenant = h.tenant;
        // Twenty copies of "delivered", and an older "picked_up" arriving among them.
        let body = if copy == 10 {
            push("evt-old", awb, "picked_up")
        } else {
            push("evt-2", awb, "delivered")
        };
        deliveries.spawn(async move {
            webhooks::receive(&ctx, "biteship", tenant, &secret, &HeaderMap::new(), &body).await
        });
    }
    let mut outcomes = Vec::new();
    while let Some(done) = deliveries.join_next().await {
        outcomes.push(done.expect("task").expect("handled").as_str());
    }
    assert_eq!(
        outcomes.iter().filter(|o| **o == "duplicate").count(),
        19,
        "{outcomes:?}"
    );

    assert_eq!(
        h.service.cancel(h.tenant, shipment_id).await,
        Err(ShippingError::WrongState(ShipmentStatus::Delivered))
    );
    let shipment = h
        .service
        .for_order(h.tenant, order_id)
        .await
        .expect("shipment");
    assert_eq!(shipment.status, ShipmentStatus::Delivered);
    let statuses: Vec<ShipmentStatus> = shipment.tracking.iter().map(|t| t.status).collect();
    assert_eq!(
        statuses,
        [
            ShipmentStatus::AwbAssigned,
            ShipmentStatus::InTransit,
            ShipmentStatus::Delivered
        ]
    );
    assert_eq!(h.events("shipment.delivered", shipment_id).await.len(), 1);
    let receipts = webhooks::receipts(&h.ctx, h.tenant, "biteship")
        .await
        .expect("receipts");
    let mut events: Vec<&str> = receipts.iter().map(|(e, _)| e.as_str()).collect();
    events.sort();
    assert_eq!(events, ["evt-1", "evt-2", "evt-old"]);
    assert!(
        receipts
            .iter()
            .any(|(e, o)| e == "evt-old" && o == "unchanged")
    );
}

async fn pushes_for_unknown_shipments_are_kept_and_bad_ones_refused(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    h.enable("biteship").await;
    let secret = h.secret("biteship").await;
    let outcome = webhooks::receive(
        &h.ctx,
        "biteship",
        h.tenant,
        &secret,
        &HeaderMap::new(),
        &push("evt-x", "NOT-OURS", "delivered"),
    )
    .await
    .expect("kept");
    assert_eq!(outcome, WebhookOutcome::UnknownShipment);
    let receipts = webhooks::receipts(&h.ctx, h.tenant, "biteship")
        .await
        .expect("receipts");
    assert_eq!(
        receipts,
        [("evt-x".to_owned(), "unknown_shipment".to_owned())]
    );

    let ping = webhooks::receive(
        &h.ctx,
        "biteship",
        h.tenant,
        &secret,
        &HeaderMap::new(),
        b"",
    )
    .await
    .expect("ping");
    assert_eq!(ping, WebhookOutcome::Ping);
    let wrong = webhooks::receive(
        &h.ctx,
        "biteship",
        h.tenant,
        "not-the-secret",
        &HeaderMap::new(),
        &push("evt-y", "X", "delivered"),
    )
    .await;
    assert!(matches!(wrong, Err(AppError::NotFound(_))), "{wrong:?}");
    let mut forged = HeaderMap::new();
    forged.insert("x-forged", "1".parse().expect("header"));
    let refused = webhooks::receive(
        &h.ctx,
        "biteship",
        h.tenant,
        &secret,
        &forged,
        &push("evt-z", "X", "delivered"),
    )
    .await;
    assert!(
        matches!(refused, Err(AppError::WebhookRefused)),
        "{refused:?}"
    );
    assert_eq!(
        webhooks::receipts(&h.ctx, h.tenant, "biteship")
            .await
            .expect("receipts")
            .len(),
        1
    );
}

async fn the_poller_asks_couriers_about_shipments_due_and_applies_their_latest_status(
    engine: Engine,
) {
    let Some(h) = harness(engine).await else {
        return;
    };
    h.enable("biteship").await;
    let order_id = Uuid::now_v7();
    let shipment_id = h.book_with("biteship", order_id).await.expect("booked");
    h.providers.set_tracked(ShipmentStatus::OutForDelivery);

    let now = Utc::now();
    assert_eq!(tracking::poll_once(&h.ctx, now).await.expect("poll"), 1);
    let shipment = h
        .service
        .for_order(h.tenant, order_id)
        .await
        .expect("shipment");
    assert_eq!(shipment.status, ShipmentStatus::OutForDelivery);
    assert_eq!(
        shipment.tracking.last().map(|t| t.description.as_str()),
        Some("Kurir menuju alamat penerima")
    );
    // Just asked: not due again until `poll_every` has passed.
    assert_eq!(tracking::poll_once(&h.ctx, now).await.expect("poll"), 0);
    let later = now
        + chrono::Duration::from_std(h.ctx.settings.poll_every).expect("duration")
        + chrono::Duration::seconds(1);
    assert_eq!(tracking::poll_once(&h.ctx, later).await.expect("poll"), 1);
    assert_eq!(
        h.events("shipment.status_changed", shipment_id).await.len(),
        1,
        "the same status twice is news once"
    );

    h.providers.set_tracked(ShipmentStatus::Delivered);
    let much_later = later + chrono::Duration::hours(1);
    assert_eq!(
        tracking::poll_once(&h.ctx, much_later).await.expect("poll"),
        1
    );
    assert_eq!(h.events("shipment.delivered", shipment_id).await.len(), 1);
    // Delivered parcels are no longer asked about.
    assert_eq!(
        tracking::poll_once(&h.ctx, much_later + chrono::Duration::hours(1))
            .await
            .expect("poll"),
        0
    );
}

async fn a_cancelled_shipment_is_cancelled_with_the_courier_and_the_order_can_be_booked_again(
    engine: Engine,
) {
    let Some(h) = harness(engine).await else {
        return;
    };
    h.enable("biteship").await;
    let order_id = Uuid::now_v7();
    let first = h.book_with("biteship", order_id).await.expect("booked");
    let cancelled = h.service.cancel(h.tenant, first).await.expect("cancelled");
    assert_eq!(cancelled.status, ShipmentStatus::Cancelled);
    assert_eq!(
        h.providers.cancellations(),
        [format!("BS-{}", first.simple())]
    );
    assert_eq!(h.events("shipment.cancelled", first).await.len(), 1);
    assert_eq!(
        h.service.cancel(h.tenant, first).await,
        Err(ShippingError::WrongState(ShipmentStatus::Cancelled))
    );
    assert_eq!(
        h.service.cancel(TenantId::new(), first).await,
        Err(ShippingError::NotFound)
    );
    let second = h
        .book_with("biteship", order_id)
        .await
        .expect("booked again");
    assert_ne!(first, second);
    assert_eq!(
        h.service
            .for_order(h.tenant, order_id)
            .await
            .expect("live")
            .shipment_id,
        second
    );
}

engine_tests!(courier_pushes_over_http_are_answered_by_outcome);

/// The webhook route on a real socket: it is public, reads the raw body, and answers each
/// outcome with the right status.
async fn courier_pushes_over_http_are_answered_by_outcome(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    h.enable("biteship").await;
    let order_id = Uuid::now_v7();
    let shipment_id = h.book_with("biteship", order_id).await.expect("booked");
    let secret = h.secret("biteship").await;
    let (router, _) = smartseller_shipping::router(h.ctx.clone()).split_for_parts();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let client = reqwest::Client::new();
    let url = |secret: &str| {
        format!(
            "{base}/api/v1/webhooks/shipping/biteship/{}/{secret}",
            h.tenant
        )
    };
    let post = |url: String, body: Vec<u8>| {
        let client = client.clone();
        async move {
            let response = client.post(url).body(body).send().await.expect("sent");
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            (status, body)
        }
    };

    let (status, body) = post(url(&secret), Vec::new()).await;
    assert_eq!((status, body["outcome"].as_str()), (200, Some("ping")));
    let (status, body) = post(url(&secret), push("evt-u", "NOT-OURS", "delivered")).await;
    assert_eq!(
        (status, body["outcome"].as_str()),
        (200, Some("unknown_shipment"))
    );
    let (status, body) = post(
        url("0".repeat(64).as_str()),
        push("evt-w", "X", "delivered"),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, body) = post(url(&secret), b"{not json".to_vec()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("shipping.invalid"))
    );

    let mut copies = tokio::task::JoinSet::new();
    for _ in 0..20 {
        copies.spawn(post(
            url(&secret),
            push("evt-d", "JNE0000000001", "delivered"),
        ));
    }
    let mut applied = 0;
    while let Some(done) = copies.join_next().await {
        let (status, body) = done.expect("task");
        assert_eq!(status, 200, "{body}");
        if body["outcome"] == "applied" {
            applied += 1;
        }
    }
    assert_eq!(applied, 1);
    assert_eq!(h.events("shipment.delivered", shipment_id).await.len(), 1);
    server.abort();
}

engine_tests!(an_airway_bill_pushed_after_booking_is_recorded_and_assigns_the_shipment);

/// Biteship may book before the courier issues the airway bill and push it later with no
/// status (`order.waybill_id`): the shipment is found by our reference and moves to
/// `awb_assigned` with its airway bill.
async fn an_airway_bill_pushed_after_booking_is_recorded_and_assigns_the_shipment(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    h.enable("biteship").await;
    h.providers.issue_awb_later();
    let order_id = Uuid::now_v7();
    let shipment_id = h.book_with("biteship", order_id).await.expect("booked");
    let booked = h
        .service
        .for_order(h.tenant, order_id)
        .await
        .expect("shipment");
    assert_eq!(
        (booked.status, booked.awb.as_deref()),
        (ShipmentStatus::Booked, None)
    );

    let secret = h.secret("biteship").await;
    let body = serde_json::to_vec(&json!({
        "event_id": "evt-waybill", "reference": format!("BS-{}", shipment_id.simple()),
        "awb": "JNT7788990011", "status": ""
    }))
    .expect("json");
    let outcome = webhooks::receive(
        &h.ctx,
        "biteship",
        h.tenant,
        &secret,
        &HeaderMap::new(),
        &body,
    )
    .await
    .expect("handled");
    assert!(matches!(outcome, WebhookOutcome::Applied(_)), "{outcome:?}");
    let shipment = h
        .service
        .for_order(h.tenant, order_id)
        .await
        .expect("shipment");
    assert_eq!(shipment.status, ShipmentStatus::AwbAssigned);
    assert_eq!(shipment.awb.as_deref(), Some("JNT7788990011"));
    let changed = h.events("shipment.status_changed", shipment_id).await;
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].payload["awb"], "JNT7788990011");
    // The airway bill now finds the shipment too.
    let later = push("evt-transit", "JNT7788990011", "in_transit");
    webhooks::receive(
        &h.ctx,
        "biteship",
        h.tenant,
        &secret,
        &HeaderMap::new(),
        &later,
    )
    .await
    .expect("handled");
    assert_eq!(
        h.service
            .for_order(h.tenant, order_id)
            .await
            .expect("shipment")
            .status,
        ShipmentStatus::InTransit
    );
}
