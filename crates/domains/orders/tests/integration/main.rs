//! The orders domain's use cases against real databases (SQLite and PostgreSQL), with the other
//! domains played by in-memory fakes of their contracts, so each saga step can be made to fail.

mod fakes;

use std::sync::Arc;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use sea_orm_migration::MigratorTrait;
use smartseller_contracts::orders::{OrderEvent, ReturnCondition};
use smartseller_contracts::payments::{PaymentEvent, PaymentMethod, PaymentStatus};
use smartseller_contracts::shipping::{ShipmentEvent, ShipmentStatus, ShippingAddress};
use smartseller_kernel::TenantId;
use smartseller_kernel::event::EventEnvelope;
use smartseller_kernel::money::{Currency, Money};
use smartseller_orders::app::carts::{self, CartDraft};
use smartseller_orders::app::checkout::{self, CheckoutRequest};
use smartseller_orders::app::fulfilment::{self, ShipRequest};
use smartseller_orders::app::orders::{self, Customer, ManualLine, ManualOrder};
use smartseller_orders::app::returns::{
    self, ExchangeLine, ExchangeRequest, ReceiveRequest, ReceivedLine, RefundReturn,
    ReturnLineRequest, ReturnRequest,
};
use smartseller_orders::app::settings::{self, OrderSettings};
use smartseller_orders::app::{Caller, OrdersCtx, OrdersError, history};
use smartseller_orders::domain::OrderStatus;
use smartseller_orders::{OrdersMigrator, consumers};
use smartseller_platform::Db;
use smartseller_platform::consumer::{self, Outcome, RetryPolicy};
use smartseller_platform::migrations::PlatformMigrator;
use smartseller_platform::outbox;
use smartseller_testkit::db::{Engine, TestDatabase};
use smartseller_testkit::engine_tests;
use uuid::Uuid;

use fakes::{FakePayments, FakePricing, FakeShipping, FakeStock};

struct Harness {
    ctx: OrdersCtx,
    caller: Caller,
    pricing: Arc<FakePricing>,
    stock: Arc<FakeStock>,
    payments: Arc<FakePayments>,
    shipping: Arc<FakeShipping>,
    warehouse: Uuid,
    _database: TestDatabase,
}

fn idr(rupiah: i64) -> Money {
    Money::new(rupiah * 100, Currency::Idr)
}

async fn harness(engine: Engine) -> Option<Harness> {
    let database = TestDatabase::fresh(engine).await?;
    let db = Db::connect(&database.url).await.expect("database");
    PlatformMigrator::up(db.conn(), None)
        .await
        .expect("platform migrations");
    OrdersMigrator::up(db.conn(), None)
        .await
        .expect("orders migrations");
    let pricing = Arc::new(FakePricing::default());
    let stock = Arc::new(FakeStock::default());
    let payments = Arc::new(FakePayments::default());
    let shipping = Arc::new(FakeShipping::new(idr(15_000)));
    let ctx = OrdersCtx {
        db,
        pricing: pricing.clone(),
        stock: stock.clone(),
        payments: payments.clone(),
        shipping: shipping.clone(),
    };
    let tenant = TenantId::new();
    let caller = Caller {
        tenant,
        kind: "user",
        id: Some(Uuid::now_v7()),
    };
    let warehouse = Uuid::now_v7();
    settings::save(
        &ctx,
        tenant,
        OrderSettings {
            fulfilment_warehouse_id: Some(warehouse),
            ..OrderSettings::default()
        },
    )
    .await
    .expect("settings");
    Some(Harness {
        ctx,
        caller,
        pricing,
        stock,
        payments,
        shipping,
        warehouse,
        _database: database,
    })
}

fn buyer() -> Customer {
    Customer {
        name: "Budi Santoso".into(),
        email: Some("budi@example.id".into()),
        phone: Some("081234567890".into()),
    }
}

fn address() -> ShippingAddress {
    ShippingAddress {
        name: "Budi Santoso".into(),
        phone: "081234567890".into(),
        email: None,
        address: "Jl. Sudirman No. 5".into(),
        city: "Jakarta Selatan".into(),
        province: Some("DKI Jakarta".into()),
        postal_code: "12190".into(),
        area_id: None,
    }
}

/// A cart with 2 × Rp 100.000 and 1 × Rp 55.555.
async fn cart(h: &Harness) -> (Uuid, Uuid, Uuid) {
    let kaos = h.pricing.add("KAOS-M", "Kaos - M", idr(100_000));
    let topi = h.pricing.add("TOPI", "Topi", idr(55_555));
    h.stock.put(kaos, 10);
    h.stock.put(topi, 10);
    let cart = carts::create(&h.ctx, &h.caller, CartDraft::default())
        .await
        .expect("cart");
    carts::set_item(&h.ctx, &h.caller, cart.id, kaos, 2)
        .await
        .expect("kaos");
    carts::set_item(&h.ctx, &h.caller, cart.id, topi, 1)
        .await
        .expect("topi");
    (cart.id, kaos, topi)
}

fn checkout_request(method: &str) -> CheckoutRequest {
    CheckoutRequest {
        customer: buyer(),
        shipping_address: address(),
        shipping_rate_id: fakes::RATE_ID,
        payment_method: method.into(),
        return_url: None,
        note: None,
    }
}

async fn events(h: &Harness, event_type: &str) -> Vec<EventEnvelope> {
    outbox::entity::Entity::find()
        .filter(outbox::entity::Column::TenantId.eq(h.caller.tenant.as_uuid()))
        .filter(outbox::entity::Column::EventType.eq(event_type))
        .order_by_asc(outbox::entity::Column::OccurredAt)
        .all(h.ctx.db.conn())
        .await
        .expect("outbox")
        .into_iter()
        .map(|row| EventEnvelope {
            id: row.id,
            subject: row.subject,
            event_type: row.event_type,
            tenant_id: TenantId::from(row.tenant_id),
            aggregate_id: row.aggregate_id,
            version: row.version,
            occurred_at: row.occurred_at,
            payload: row.payload,
        })
        .collect()
}

async fn deliver(
    h: &Harness,
    handler: usize,
    tenant: TenantId,
    event: impl smartseller_kernel::event::DomainEvent,
) -> Outcome {
    let envelope = EventEnvelope::wrap(tenant, &event);
    consumer::deliver(
        &h.ctx.db,
        consumers()[handler].as_ref(),
        &envelope,
        RetryPolicy::default(),
    )
    .await
    .expect("delivered")
}

/// A payment's move as payments announces it; `captured` is what arrived.
fn payment_moved(
    payment_id: Uuid,
    order_id: Uuid,
    method: PaymentMethod,
    before: PaymentStatus,
    after: PaymentStatus,
    captured: Money,
) -> PaymentEvent {
    PaymentEvent::StatusChanged {
        payment_id,
        order_id,
        method,
        before,
        after,
        amount: captured,
        captured,
        refunded: Money::zero(Currency::Idr),
        card: None,
    }
}

async fn consistent(h: &Harness, order_id: Uuid) {
    let order = orders::get(&h.ctx, h.caller.tenant, order_id)
        .await
        .expect("order");
    let rebuilt = history::rebuild(&h.ctx, h.caller.tenant, order_id)
        .await
        .expect("rebuild");
    assert_eq!(
        rebuilt,
        Some(order.status),
        "history replays to the stored status"
    );
}

async fn checkout_prices_holds_and_opens_a_payment_with_lines_that_sum_exactly(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let (cart_id, _, _) = cart(&h).await;
    let placed = checkout::checkout(
        &h.ctx,
        &h.caller,
        cart_id,
        checkout_request("midtrans"),
        "k1".into(),
    )
    .await
    .expect("checkout");
    let order = placed.order;
    assert_eq!(order.status, OrderStatus::PendingPayment);
    assert_eq!(order.subtotal, idr(255_555));
    assert_eq!(order.shipping, idr(15_000));
    assert_eq!(
        order.total,
        idr(270_555),
        "PPN is inside the prices: the total is goods plus delivery"
    );
    // 11% PPN inside Rp 255.555: 255555 × 11 / 111 = 25325.27... → Rp 25.325,27 in sen.
    assert_eq!(order.tax.minor, 2_532_527);
    let line_sum: i64 = order.lines.iter().map(|l| l.total.minor).sum();
    assert_eq!(line_sum, order.total.minor);
    let shipping_sum: i64 = order.lines.iter().map(|l| l.shipping.minor).sum();
    assert_eq!(shipping_sum, order.shipping.minor);
    let started = h.payments.started();
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].amount, order.total);
    let items: i64 = started[0]
        .items
        .iter()
        .map(|i| i.unit_price.minor * i.quantity)
        .sum();
    assert_eq!(
        items, order.total.minor,
        "the gateway's items sum to the amount"
    );
    assert_eq!(h.stock.held(), 1);
    let cart = carts::get(&h.ctx, h.caller.tenant, cart_id)
        .await
        .expect("cart");
    assert_eq!(cart.status, "checked_out");
    assert_eq!(events(&h, "order.created").await.len(), 1);
    consistent(&h, order.id).await;
}

async fn a_retried_checkout_answers_the_same_order_and_holds_once(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let (cart_id, _, _) = cart(&h).await;
    let first = checkout::checkout(
        &h.ctx,
        &h.caller,
        cart_id,
        checkout_request("bank_transfer"),
        "same".into(),
    )
    .await
    .expect("first");
    let again = checkout::checkout(
        &h.ctx,
        &h.caller,
        cart_id,
        checkout_request("bank_transfer"),
        "same".into(),
    )
    .await
    .expect("again");
    assert_eq!(first.order.id, again.order.id);
    assert_eq!(h.stock.held(), 1);
    assert_eq!(h.payments.started().len(), 1);
    let other_key = checkout::checkout(
        &h.ctx,
        &h.caller,
        cart_id,
        checkout_request("bank_transfer"),
        "other".into(),
    )
    .await;
    assert!(
        matches!(other_key, Err(OrdersError::CartClosed { .. })),
        "{other_key:?}"
    );
}

async fn a_payment_that_cannot_open_cancels_the_order_and_gives_the_stock_back(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let (cart_id, _, _) = cart(&h).await;
    h.payments.fail_next_start();
    let error = checkout::checkout(
        &h.ctx,
        &h.caller,
        cart_id,
        checkout_request("xendit"),
        "k".into(),
    )
    .await
    .expect_err("payment refused");
    assert!(
        matches!(
            error,
            OrdersError::Unavailable {
                service: "payments",
                ..
            }
        ),
        "{error:?}"
    );
    let cancelled = events(&h, "order.cancelled").await;
    assert_eq!(cancelled.len(), 1, "the order is cancelled");
    let OrderEvent::Cancelled {
        order_id,
        reservation_id,
        ..
    } = serde_json::from_value(cancelled[0].payload.clone()).expect("payload")
    else {
        panic!("not a cancellation");
    };
    assert!(
        reservation_id.is_some(),
        "the cancellation names the hold to give back"
    );
    let order = orders::get(&h.ctx, h.caller.tenant, order_id)
        .await
        .expect("order");
    assert_eq!(order.status, OrderStatus::Cancelled);
    consistent(&h, order_id).await;
}

async fn out_of_stock_places_nothing_and_leaves_the_cart_open(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let (cart_id, kaos, _) = cart(&h).await;
    h.stock.put(kaos, 1);
    let error = checkout::checkout(
        &h.ctx,
        &h.caller,
        cart_id,
        checkout_request("midtrans"),
        "k".into(),
    )
    .await
    .expect_err("only one left");
    assert!(
        matches!(error, OrdersError::OutOfStock { available: 1, .. }),
        "{error:?}"
    );
    assert!(h.payments.started().is_empty());
    assert!(events(&h, "order.created").await.is_empty());
    assert_eq!(
        carts::get(&h.ctx, h.caller.tenant, cart_id)
            .await
            .expect("cart")
            .status,
        "open"
    );
}

async fn payment_events_move_the_order_once_and_never_backwards(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let (cart_id, _, _) = cart(&h).await;
    let placed = checkout::checkout(
        &h.ctx,
        &h.caller,
        cart_id,
        checkout_request("midtrans"),
        "k".into(),
    )
    .await
    .expect("checkout");
    let payment = placed.payment.expect("payment");
    let paid = payment_moved(
        payment.payment_id,
        placed.order.id,
        PaymentMethod::Midtrans,
        PaymentStatus::AwaitingPayment,
        PaymentStatus::Paid,
        placed.order.total,
    );
    let envelope = EventEnvelope::wrap(h.caller.tenant, &paid);
    let handler = consumers()[0].clone();
    assert_eq!(
        consumer::deliver(
            &h.ctx.db,
            handler.as_ref(),
            &envelope,
            RetryPolicy::default()
        )
        .await
        .expect("first"),
        Outcome::Handled
    );
    assert_eq!(
        consumer::deliver(
            &h.ctx.db,
            handler.as_ref(),
            &envelope,
            RetryPolicy::default()
        )
        .await
        .expect("again"),
        Outcome::AlreadyHandled
    );
    // A late "expired" for the same payment must not undo the payment.
    let expired = payment_moved(
        payment.payment_id,
        placed.order.id,
        PaymentMethod::Midtrans,
        PaymentStatus::Paid,
        PaymentStatus::Expired,
        placed.order.total,
    );
    assert_eq!(
        deliver(&h, 0, h.caller.tenant, expired).await,
        Outcome::Handled
    );
    let order = orders::get(&h.ctx, h.caller.tenant, placed.order.id)
        .await
        .expect("order");
    assert_eq!(order.status, OrderStatus::Paid);
    assert_eq!(order.paid, order.total);
    let paid_events = events(&h, "order.paid").await;
    assert_eq!(paid_events.len(), 1, "paid once");
    let OrderEvent::Paid { reservation_id, .. } =
        serde_json::from_value(paid_events[0].payload.clone()).expect("payload")
    else {
        panic!("not paid");
    };
    assert_eq!(
        reservation_id, order.reservation_id,
        "inventory learns which hold became a sale"
    );
    // Another store's event for this order id changes nothing.
    assert_eq!(
        deliver(&h, 0, TenantId::new(), paid).await,
        Outcome::Handled
    );
    consistent(&h, order.id).await;
}

async fn an_illegal_move_is_refused_with_the_current_state(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let (cart_id, _, _) = cart(&h).await;
    let placed = checkout::checkout(
        &h.ctx,
        &h.caller,
        cart_id,
        checkout_request("bank_transfer"),
        "k".into(),
    )
    .await
    .expect("checkout");
    let error = orders::advance(
        &h.ctx,
        &h.caller,
        placed.order.id,
        smartseller_orders::domain::OrderAction::Complete,
    )
    .await
    .expect_err("not delivered");
    assert!(
        matches!(
            error,
            OrdersError::IllegalTransition {
                current: OrderStatus::PendingPayment,
                ..
            }
        ),
        "{error:?}"
    );
    let error = fulfilment::ship(&h.ctx, &h.caller, placed.order.id, ShipRequest::default())
        .await
        .expect_err("not paid");
    assert!(
        matches!(
            error,
            OrdersError::IllegalTransition {
                current: OrderStatus::PendingPayment,
                ..
            }
        ),
        "{error:?}"
    );
    orders::cancel(
        &h.ctx,
        &h.caller,
        placed.order.id,
        "buyer changed their mind",
    )
    .await
    .expect("cancel");
    assert_eq!(
        h.payments.voided(),
        vec![placed.payment.expect("payment").payment_id],
        "the unpaid payment is voided"
    );
    let error = orders::cancel(&h.ctx, &h.caller, placed.order.id, "again")
        .await
        .expect_err("already cancelled");
    assert!(
        matches!(
            error,
            OrdersError::IllegalTransition {
                current: OrderStatus::Cancelled,
                ..
            }
        ),
        "{error:?}"
    );
}

async fn a_whatsapp_order_ships_is_delivered_and_comes_back_partly(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let kaos = h.pricing.add("KAOS-L", "Kaos - L", idr(120_000));
    h.stock.put(kaos, 5);
    let placed = orders::create_manual(
        &h.ctx,
        &h.caller,
        ManualOrder {
            channel: "whatsapp".into(),
            channel_order_id: None,
            customer: buyer(),
            shipping_address: Some(address()),
            lines: vec![ManualLine {
                variant_id: kaos,
                quantity: 3,
                unit_price: None,
                warehouse_id: None,
            }],
            discount: Some(idr(10_000)),
            shipping_rate_id: Some(fakes::RATE_ID),
            shipping_charge: None,
            payment_method: None,
            paid_elsewhere: false,
            note: Some("Kirim sore".into()),
        },
        Some("wa-1".into()),
    )
    .await
    .expect("manual order");
    let payment = placed.payment.expect("bank transfer payment");
    assert_eq!(payment.method, PaymentMethod::BankTransfer);
    assert_eq!(placed.order.total, idr(360_000 - 10_000 + 15_000));
    let paid = payment_moved(
        payment.payment_id,
        placed.order.id,
        PaymentMethod::BankTransfer,
        PaymentStatus::AwaitingPayment,
        PaymentStatus::Paid,
        placed.order.total,
    );
    deliver(&h, 0, h.caller.tenant, paid).await;
    let shipped = fulfilment::ship(&h.ctx, &h.caller, placed.order.id, ShipRequest::default())
        .await
        .expect("book");
    assert_eq!(shipped.status, OrderStatus::ReadyToShip);
    assert_eq!(shipped.awb.as_deref(), Some(fakes::AWB));
    let booked = h.shipping.booked();
    assert_eq!(booked.len(), 1);
    assert_eq!(booked[0].lines[0].quantity, 3);
    assert_eq!(booked[0].lines[0].warehouse_id, Some(h.warehouse));
    for status in [
        ShipmentStatus::PickedUp,
        ShipmentStatus::InTransit,
        ShipmentStatus::Delivered,
    ] {
        deliver(
            &h,
            1,
            h.caller.tenant,
            ShipmentEvent::StatusChanged {
                shipment_id: booked[0].shipment_id,
                order_id: placed.order.id,
                awb: Some(fakes::AWB.into()),
                before: ShipmentStatus::Booked,
                after: status,
                at: chrono::Utc::now(),
            },
        )
        .await;
    }
    let delivered = orders::get(&h.ctx, h.caller.tenant, placed.order.id)
        .await
        .expect("order");
    assert_eq!(delivered.status, OrderStatus::Delivered);
    assert_eq!(events(&h, "order.shipped").await.len(), 1);
    assert_eq!(events(&h, "order.delivered").await.len(), 1);

    let line = delivered.lines[0].id;
    let opened = returns::request(
        &h.ctx,
        &h.caller,
        placed.order.id,
        ReturnRequest {
            lines: vec![ReturnLineRequest {
                line_id: line,
                quantity: 2,
            }],
            reason: "Ukuran tidak pas".into(),
            requested_by: Some("customer".into()),
            resolution: None,
        },
    )
    .await
    .expect("return");
    let too_many = returns::request(
        &h.ctx,
        &h.caller,
        placed.order.id,
        ReturnRequest {
            lines: vec![ReturnLineRequest {
                line_id: line,
                quantity: 2,
            }],
            reason: "again".into(),
            requested_by: None,
            resolution: None,
        },
    )
    .await;
    assert!(
        matches!(too_many, Err(OrdersError::Invalid(_))),
        "only one unit is left to return"
    );
    returns::decide(&h.ctx, &h.caller, opened.id, true, None)
        .await
        .expect("approve");
    // Both units come back sellable.
    let received = returns::receive(
        &h.ctx,
        &h.caller,
        opened.id,
        ReceiveRequest {
            lines: vec![ReceivedLine {
                line_id: opened.lines[0].id,
                quantity: 2,
                condition: "restock".into(),
            }],
        },
    )
    .await
    .expect("receive");
    assert_eq!(received.status, "received");
    let order = orders::get(&h.ctx, h.caller.tenant, placed.order.id)
        .await
        .expect("order");
    assert_eq!(order.status, OrderStatus::PartiallyReturned);
    let refunded = returns::refund(
        &h.ctx,
        &h.caller,
        opened.id,
        RefundReturn {
            amount: Some(idr(200_000)),
        },
    )
    .await
    .expect("refund");
    assert_eq!(refunded.status, "refunded");
    assert_eq!(refunded.refunded, idr(200_000));
    assert_eq!(
        h.payments.refunds(),
        vec![(payment.payment_id, idr(200_000))]
    );

    // The last unit comes back damaged: written off, and the order is fully returned.
    let last = returns::request(
        &h.ctx,
        &h.caller,
        placed.order.id,
        ReturnRequest {
            lines: vec![ReturnLineRequest {
                line_id: line,
                quantity: 1,
            }],
            reason: "Sobek".into(),
            requested_by: None,
            resolution: None,
        },
    )
    .await
    .expect("second return");
    returns::decide(&h.ctx, &h.caller, last.id, true, None)
        .await
        .expect("approve");
    returns::receive(
        &h.ctx,
        &h.caller,
        last.id,
        ReceiveRequest {
            lines: vec![ReceivedLine {
                line_id: last.lines[0].id,
                quantity: 1,
                condition: "damaged".into(),
            }],
        },
    )
    .await
    .expect("receive damaged");
    let order = orders::get(&h.ctx, h.caller.tenant, placed.order.id)
        .await
        .expect("order");
    assert_eq!(order.status, OrderStatus::Returned);
    let received = events(&h, "order.return_received").await;
    assert_eq!(received.len(), 2);
    let OrderEvent::ReturnReceived { units, .. } =
        serde_json::from_value(received[1].payload.clone()).expect("payload")
    else {
        panic!("not a receipt");
    };
    assert_eq!(units[0].condition, ReturnCondition::Damaged);
    assert_eq!(units[0].warehouse_id, h.warehouse);
    let both = returns::list_for_order(&h.ctx, h.caller.tenant, placed.order.id)
        .await
        .expect("returns");
    let quantities: Vec<i64> = both.iter().map(|r| r.lines[0].quantity).collect();
    assert_eq!(quantities, [2, 1], "each return with its own lines");
    let listed = orders::list(
        &h.ctx,
        h.caller.tenant,
        &Default::default(),
        smartseller_kernel::page::PageRequest::first(50),
    )
    .await
    .expect("list");
    let listed = listed
        .items
        .iter()
        .find(|o| o.id == placed.order.id)
        .expect("listed");
    assert_eq!(listed.lines.len(), 1);
    assert_eq!(listed.lines[0].returned_quantity, 3);
    consistent(&h, placed.order.id).await;
}

async fn a_returned_size_is_exchanged_for_another_at_no_charge(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let medium = h.pricing.add("KAOS-M", "Kaos - M", idr(100_000));
    let large = h.pricing.add("KAOS-L", "Kaos - L", idr(100_000));
    h.stock.put(medium, 5);
    h.stock.put(large, 5);
    let placed = orders::create_manual(
        &h.ctx,
        &h.caller,
        ManualOrder {
            channel: "instagram".into(),
            channel_order_id: None,
            customer: buyer(),
            shipping_address: Some(address()),
            lines: vec![ManualLine {
                variant_id: medium,
                quantity: 1,
                unit_price: None,
                warehouse_id: None,
            }],
            discount: None,
            shipping_rate_id: None,
            shipping_charge: Some(idr(10_000)),
            payment_method: None,
            paid_elsewhere: true,
            note: None,
        },
        None,
    )
    .await
    .expect("order");
    assert_eq!(
        placed.order.status,
        OrderStatus::Paid,
        "paid elsewhere starts paid"
    );
    assert!(placed.payment.is_none());
    fulfilment::ship(
        &h.ctx,
        &h.caller,
        placed.order.id,
        ShipRequest {
            awb: Some("JNT1234".into()),
            ..ShipRequest::default()
        },
    )
    .await
    .expect("shipped by hand");
    let line = placed.order.lines[0].id;
    let opened = returns::request(
        &h.ctx,
        &h.caller,
        placed.order.id,
        ReturnRequest {
            lines: vec![ReturnLineRequest {
                line_id: line,
                quantity: 1,
            }],
            reason: "Kekecilan".into(),
            requested_by: Some("customer".into()),
            resolution: Some("exchange".into()),
        },
    )
    .await
    .expect("return");
    returns::decide(&h.ctx, &h.caller, opened.id, true, None)
        .await
        .expect("approve");
    let early = returns::exchange(
        &h.ctx,
        &h.caller,
        opened.id,
        ExchangeRequest {
            lines: vec![ExchangeLine {
                line_id: opened.lines[0].id,
                variant_id: large,
            }],
        },
    )
    .await;
    assert!(
        matches!(early, Err(OrdersError::ReturnState { .. })),
        "nothing is exchanged before it comes back"
    );
    returns::receive(
        &h.ctx,
        &h.caller,
        opened.id,
        ReceiveRequest {
            lines: vec![ReceivedLine {
                line_id: opened.lines[0].id,
                quantity: 1,
                condition: "restock".into(),
            }],
        },
    )
    .await
    .expect("receive");
    let (exchanged, replacement) = returns::exchange(
        &h.ctx,
        &h.caller,
        opened.id,
        ExchangeRequest {
            lines: vec![ExchangeLine {
                line_id: opened.lines[0].id,
                variant_id: large,
            }],
        },
    )
    .await
    .expect("exchange");
    assert_eq!(exchanged.status, "exchanged");
    assert_eq!(exchanged.exchange_order_id, Some(replacement.order.id));
    assert_eq!(
        replacement.order.total,
        idr(0),
        "the replacement costs nothing"
    );
    assert_eq!(replacement.order.status, OrderStatus::Paid);
    assert_eq!(replacement.order.lines[0].variant_id, large);
    assert_eq!(
        h.stock.held(),
        2,
        "the original's and the replacement's holds"
    );
    let returned = events(&h, "order.returned").await;
    assert_eq!(returned.len(), 1);
    consistent(&h, placed.order.id).await;
    consistent(&h, replacement.order.id).await;
}

async fn the_fraud_rules_hold_a_fourth_order_from_the_same_buyer(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    settings::save(
        &h.ctx,
        h.caller.tenant,
        OrderSettings {
            fulfilment_warehouse_id: Some(h.warehouse),
            fraud_max_per_customer: Some(3),
            ..OrderSettings::default()
        },
    )
    .await
    .expect("settings");
    let mut last = None;
    for attempt in 0..4 {
        let (cart_id, _, _) = cart(&h).await;
        let placed = checkout::checkout(
            &h.ctx,
            &h.caller,
            cart_id,
            checkout_request("bank_transfer"),
            format!("k{attempt}"),
        )
        .await
        .expect("checkout");
        last = Some(placed.order);
    }
    let held = last.expect("orders");
    assert_eq!(held.review_status, "held");
    assert!(
        held.review_reasons[0].starts_with("customer_velocity"),
        "{:?}",
        held.review_reasons
    );
    let approved = orders::review(&h.ctx, &h.caller, held.id, true)
        .await
        .expect("approve");
    assert_eq!(approved.review_status, "approved");
}

async fn another_store_sees_none_of_these_orders(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let (cart_id, _, _) = cart(&h).await;
    let placed = checkout::checkout(
        &h.ctx,
        &h.caller,
        cart_id,
        checkout_request("cod"),
        "k".into(),
    )
    .await
    .expect("checkout");
    assert_eq!(
        placed.order.status,
        OrderStatus::Processing,
        "cash on delivery goes straight to the warehouse"
    );
    assert_eq!(events(&h, "order.cod_confirmed").await.len(), 1);
    let stranger = Caller {
        tenant: TenantId::new(),
        kind: "user",
        id: None,
    };
    assert!(matches!(
        orders::get(&h.ctx, stranger.tenant, placed.order.id).await,
        Err(OrdersError::NotFound(_))
    ));
    assert!(matches!(
        carts::get(&h.ctx, stranger.tenant, cart_id).await,
        Err(OrdersError::NotFound(_))
    ));
    assert!(matches!(
        orders::cancel(&h.ctx, &stranger, placed.order.id, "no").await,
        Err(OrdersError::NotFound(_))
    ));
    assert!(matches!(
        history::rebuild(&h.ctx, stranger.tenant, placed.order.id).await,
        Err(OrdersError::NotFound(_))
    ));
}

engine_tests!(
    checkout_prices_holds_and_opens_a_payment_with_lines_that_sum_exactly,
    a_retried_checkout_answers_the_same_order_and_holds_once,
    a_payment_that_cannot_open_cancels_the_order_and_gives_the_stock_back,
    out_of_stock_places_nothing_and_leaves_the_cart_open,
    payment_events_move_the_order_once_and_never_backwards,
    an_illegal_move_is_refused_with_the_current_state,
    a_whatsapp_order_ships_is_delivered_and_comes_back_partly,
    the_fraud_rules_hold_a_fourth_order_from_the_same_buyer,
    a_returned_size_is_exchanged_for_another_at_no_charge,
    another_store_sees_none_of_these_orders,
);
