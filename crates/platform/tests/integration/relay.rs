//! The transactional outbox and its relay: an event exists if and only if its transaction
//! committed, and every committed event reaches each listening consumer's inbox exactly once.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use smartseller_kernel::TenantId;
use smartseller_platform::Db;
use smartseller_platform::consumer::{self, Consumers, EventHandler, RetryPolicy};
use smartseller_platform::outbox;
use smartseller_platform::relay::{Relay, Transport};
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;
use tokio::sync::{Barrier, Notify};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::support::{
    ParcelPacked, Recorder, database, eventually, publish_committed, publish_in_one_transaction,
};

engine_tests!(
    an_event_published_in_a_rolled_back_transaction_is_never_relayed,
    committed_events_reach_each_listening_inbox_once_and_are_handled_in_order,
    concurrent_relays_never_relay_an_event_twice,
);

fn in_process(consumers: &Consumers) -> (Transport, HashMap<&'static str, Arc<Notify>>) {
    let wakeups: HashMap<&'static str, Arc<Notify>> = consumers
        .handlers()
        .iter()
        .map(|h| (h.name(), Arc::new(Notify::new())))
        .collect();
    (
        Transport::InProcess {
            consumers: consumers.clone(),
            wakeups: wakeups.clone(),
        },
        wakeups,
    )
}

async fn inbox_of(db: &Db, consumer_name: &str) -> Vec<consumer::entity::Model> {
    consumer::entity::Entity::find()
        .filter(consumer::entity::Column::Consumer.eq(consumer_name))
        .all(db.conn())
        .await
        .expect("read the inbox")
}

async fn an_event_published_in_a_rolled_back_transaction_is_never_relayed(engine: Engine) {
    let Some((_database, db)) = database(engine).await else {
        return;
    };
    let recorder = Arc::new(Recorder::new("test.packing_slips"));
    let mut consumers = Consumers::new();
    consumers.add(recorder.clone());
    let (transport, _) = in_process(&consumers);
    let relay = Relay::new(db.clone(), transport, Duration::from_millis(50));
    let tenant = TenantId::new();

    // Explicit rollback, and a transaction dropped without commit (an error path's `?`).
    let mut rolled_back = db.begin_write().await.unwrap();
    let explicit = rolled_back
        .publish(
            tenant,
            &ParcelPacked {
                parcel: Uuid::now_v7(),
                sequence: 0,
            },
        )
        .await
        .unwrap();
    drop(rolled_back);
    let committed = publish_committed(&db, tenant, 1).await;

    assert_eq!(outbox::unpublished_count(db.conn()).await.unwrap(), 1);
    assert_eq!(relay.relay_once().await.unwrap(), 1);
    assert_eq!(relay.relay_once().await.unwrap(), 0);

    assert!(
        consumer::deliveries_of(db.conn(), explicit.id)
            .await
            .unwrap()
            .is_empty(),
        "a rolled-back event reached an inbox"
    );
    assert!(
        outbox::entity::Entity::find_by_id(explicit.id)
            .one(db.conn())
            .await
            .unwrap()
            .is_none(),
        "a rolled-back event stayed in the outbox"
    );
    let inbox = inbox_of(&db, "test.packing_slips").await;
    assert_eq!(
        inbox.iter().map(|d| d.event_id).collect::<Vec<_>>(),
        vec![committed[0].id]
    );
}

async fn committed_events_reach_each_listening_inbox_once_and_are_handled_in_order(engine: Engine) {
    let Some((_database, db)) = database(engine).await else {
        return;
    };
    let slips = Arc::new(Recorder::new("test.packing_slips"));
    let labels = Arc::new(Recorder::new("test.shipping_labels"));
    let elsewhere = Arc::new(Recorder::listening("test.order_totals", &["order.events"]));
    let mut consumers = Consumers::new();
    consumers.add(slips.clone());
    consumers.add(labels.clone());
    consumers.add(elsewhere.clone());
    let (transport, wakeups) = in_process(&consumers);
    let relay = Relay::new(db.clone(), transport, Duration::from_millis(50));
    let tenant = TenantId::new();

    // More than one relay batch (100), from many transactions and from one big one.
    let mut published = publish_committed(&db, tenant, 30).await;
    published.extend(publish_in_one_transaction(&db, tenant, 120).await);
    let expected: Vec<Uuid> = published.iter().map(|e| e.id).collect();

    assert_eq!(relay.drain().await.unwrap(), 150);
    assert_eq!(relay.relay_once().await.unwrap(), 0, "relayed twice");
    assert_eq!(outbox::unpublished_count(db.conn()).await.unwrap(), 0);

    for name in ["test.packing_slips", "test.shipping_labels"] {
        let inbox = inbox_of(&db, name).await;
        assert_eq!(
            inbox.len(),
            expected.len(),
            "{name}: one inbox row per event"
        );
        assert!(inbox.iter().all(|d| d.status == consumer::PENDING));
        let mut ids: Vec<Uuid> = inbox.iter().map(|d| d.event_id).collect();
        ids.sort();
        assert_eq!(ids, expected, "{name}: exactly the committed events");
    }
    assert!(
        inbox_of(&db, "test.order_totals").await.is_empty(),
        "a consumer got events of a subject it does not listen to"
    );

    // The in-process bus: one inbox worker per consumer, as the app runs them.
    let shutdown = CancellationToken::new();
    let mut workers = Vec::new();
    for handler in [slips.clone(), labels.clone()] {
        let wakeup = wakeups[handler.name()].clone();
        workers.push(tokio::spawn(consumer::run_inbox_worker(
            db.clone(),
            handler as Arc<dyn EventHandler>,
            RetryPolicy::default(),
            wakeup,
            Duration::from_millis(50),
            shutdown.child_token(),
        )));
    }
    let (slips_seen, labels_seen, wanted) = (&slips, &labels, expected.len());
    eventually("both consumers handle every event", || async move {
        slips_seen.calls().len() >= wanted && labels_seen.calls().len() >= wanted
    })
    .await;
    shutdown.cancel();
    for worker in workers {
        worker.await.unwrap();
    }

    for (name, recorder) in [
        ("test.packing_slips", &slips),
        ("test.shipping_labels", &labels),
    ] {
        assert_eq!(
            recorder.calls(),
            expected,
            "{name}: each event once, in order"
        );
        let mut handled = crate::support::handled_rows(&db, name).await;
        handled.sort();
        assert_eq!(handled, expected, "{name}: the handler's writes, once each");
        assert!(
            inbox_of(&db, name)
                .await
                .iter()
                .all(|d| d.is_done() && d.attempts == 1 && d.handled_at.is_some())
        );
    }
    assert!(elsewhere.calls().is_empty());
}

async fn concurrent_relays_never_relay_an_event_twice(engine: Engine) {
    let Some((database, db)) = database(engine).await else {
        return;
    };
    let recorder = Arc::new(Recorder::new("test.packing_slips"));
    let mut consumers = Consumers::new();
    consumers.add(recorder.clone());
    let tenant = TenantId::new();
    let published = publish_in_one_transaction(&db, tenant, 450).await;

    // Two relays as two processes would run them: separate connection pools on one database.
    // On PostgreSQL each claims its batch with `FOR UPDATE SKIP LOCKED`; on SQLite the
    // `BEGIN IMMEDIATE` write lock takes turns.
    let relays = 2;
    let barrier = Arc::new(Barrier::new(relays));
    let mut tasks = Vec::new();
    for _ in 0..relays {
        let other = Db::connect(&database.url).await.expect("a second pool");
        let (transport, _) = in_process(&consumers);
        let relay = Relay::new(other, transport, Duration::from_millis(50));
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut batches = Vec::new();
            loop {
                let moved = relay.relay_once().await.expect("relay");
                if moved == 0 {
                    return batches;
                }
                batches.push(moved);
            }
        }));
    }
    let mut relayed = 0;
    for task in tasks {
        let batches = task.await.unwrap();
        relayed += batches.iter().sum::<usize>();
    }
    assert_eq!(
        relayed,
        published.len(),
        "the relays together moved each event exactly once"
    );
    assert_eq!(outbox::unpublished_count(db.conn()).await.unwrap(), 0);
    let inbox = inbox_of(&db, "test.packing_slips").await;
    assert_eq!(inbox.len(), published.len());

    // And the handler runs once per event even with two workers on the one inbox.
    let shutdown = CancellationToken::new();
    let mut workers = Vec::new();
    for _ in 0..2 {
        let pool = Db::connect(&database.url).await.expect("a worker pool");
        workers.push(tokio::spawn(consumer::run_inbox_worker(
            pool,
            recorder.clone() as Arc<dyn EventHandler>,
            RetryPolicy::default(),
            Arc::new(Notify::new()),
            Duration::from_millis(20),
            shutdown.child_token(),
        )));
    }
    let conn = db.clone();
    eventually("every event is handled", || {
        let conn = conn.clone();
        async move {
            inbox_of(&conn, "test.packing_slips")
                .await
                .iter()
                .all(|d| d.is_done())
        }
    })
    .await;
    shutdown.cancel();
    for worker in workers {
        worker.await.unwrap();
    }
    let mut handled = crate::support::handled_rows(&db, "test.packing_slips").await;
    handled.sort();
    let mut expected: Vec<Uuid> = published.iter().map(|e| e.id).collect();
    expected.sort();
    assert_eq!(handled, expected, "each event's effects committed once");
    assert_eq!(
        recorder.calls().len(),
        published.len(),
        "one call per event"
    );
}
