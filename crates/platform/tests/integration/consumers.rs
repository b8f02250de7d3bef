//! Consumers: at most one successful handling per event, retries with backoff, dead letters an
//! operator can replay, and handler writes that commit only with success.

use std::sync::Arc;
use std::time::Duration;

use smartseller_kernel::{TenantId, clock};
use smartseller_platform::consumer::{self, EventHandler, Outcome, RetryPolicy};
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::support::{Recorder, database, delivery, eventually, handled_rows, publish_committed};

engine_tests!(
    delivering_an_event_twice_handles_it_once,
    a_failing_handler_is_retried_with_backoff_and_parked_as_dead_after_max_attempts,
    a_replayed_dead_letter_is_handled_once_the_handler_is_fixed,
    a_failed_handlers_writes_roll_back,
    the_inbox_worker_retries_a_failing_handler_until_it_succeeds,
);

const CONSUMER: &str = "test.packing_slips";

async fn delivering_an_event_twice_handles_it_once(engine: Engine) {
    let Some((_database, db)) = database(engine).await else {
        return;
    };
    let recorder = Recorder::new(CONSUMER);
    let event = publish_committed(&db, TenantId::new(), 1).await.remove(0);
    let policy = RetryPolicy::default();

    assert_eq!(
        consumer::deliver(&db, &recorder, &event, policy)
            .await
            .unwrap(),
        Outcome::Handled
    );
    assert_eq!(
        consumer::deliver(&db, &recorder, &event, policy)
            .await
            .unwrap(),
        Outcome::AlreadyHandled
    );

    assert_eq!(recorder.calls(), vec![event.id]);
    assert_eq!(handled_rows(&db, CONSUMER).await, vec![event.id]);
    let row = delivery(&db, CONSUMER, event.id).await;
    assert!(row.is_done());
    assert_eq!(row.attempts, 1);
    assert!(row.handled_at.is_some());
    assert_eq!(row.last_error, None);
}

async fn a_failing_handler_is_retried_with_backoff_and_parked_as_dead_after_max_attempts(
    engine: Engine,
) {
    let Some((_database, db)) = database(engine).await else {
        return;
    };
    let recorder = Recorder::new(CONSUMER).failing(u32::MAX);
    let event = publish_committed(&db, TenantId::new(), 1).await.remove(0);
    let policy = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_secs(10),
        max_delay: Duration::from_secs(60),
    };

    for (attempt, backoff) in [(1, 10), (2, 20)] {
        let before = clock::now();
        let outcome = consumer::deliver(&db, &recorder, &event, policy)
            .await
            .unwrap();
        assert_eq!(
            outcome,
            Outcome::Retry {
                after: Duration::from_secs(backoff)
            },
            "attempt {attempt}"
        );
        let row = delivery(&db, CONSUMER, event.id).await;
        assert_eq!(row.status, consumer::PENDING);
        assert_eq!(row.attempts, attempt);
        assert!(
            row.last_error
                .as_deref()
                .is_some_and(|e| e.contains("the courier API is down")),
            "{:?}",
            row.last_error
        );
        let wait = row.next_attempt_at - before;
        assert!(
            wait >= chrono::Duration::seconds(backoff as i64)
                && wait < chrono::Duration::seconds(backoff as i64 + 5),
            "attempt {attempt}: next attempt in {wait}, expected about {backoff}s"
        );
        assert!(consumer::dead_letters(db.conn()).await.unwrap().is_empty());
    }

    assert_eq!(
        consumer::deliver(&db, &recorder, &event, policy)
            .await
            .unwrap(),
        Outcome::Dead
    );
    let row = delivery(&db, CONSUMER, event.id).await;
    assert_eq!(row.status, consumer::DEAD);
    assert_eq!(row.attempts, 3);
    assert_eq!(row.handled_at, None);
    let dead = consumer::dead_letters(db.conn()).await.unwrap();
    assert_eq!(
        dead.iter()
            .map(|d| (d.consumer.as_str(), d.event_id))
            .collect::<Vec<_>>(),
        vec![(CONSUMER, event.id)]
    );

    // A dead letter waits for an operator: redelivery does not run the handler again.
    assert_eq!(
        consumer::deliver(&db, &recorder, &event, policy)
            .await
            .unwrap(),
        Outcome::AlreadyHandled
    );
    assert_eq!(recorder.calls().len(), 3);
    assert!(handled_rows(&db, CONSUMER).await.is_empty());
}

async fn a_replayed_dead_letter_is_handled_once_the_handler_is_fixed(engine: Engine) {
    let Some((_database, db)) = database(engine).await else {
        return;
    };
    let recorder = Arc::new(Recorder::new(CONSUMER).failing(u32::MAX));
    let event = publish_committed(&db, TenantId::new(), 1).await.remove(0);
    let policy = RetryPolicy {
        max_attempts: 1,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(10),
    };
    assert_eq!(
        consumer::deliver(&db, recorder.as_ref(), &event, policy)
            .await
            .unwrap(),
        Outcome::Dead
    );
    assert!(
        !consumer::replay_dead_letter(&db, "test.someone_else", event.id)
            .await
            .unwrap(),
        "only the named consumer's dead letter is replayed"
    );

    recorder.fix();
    assert!(
        consumer::replay_dead_letter(&db, CONSUMER, event.id)
            .await
            .unwrap()
    );
    let row = delivery(&db, CONSUMER, event.id).await;
    assert_eq!(row.status, consumer::PENDING);
    assert_eq!(row.attempts, 0);
    assert!(consumer::dead_letters(db.conn()).await.unwrap().is_empty());
    assert!(
        !consumer::replay_dead_letter(&db, CONSUMER, event.id)
            .await
            .unwrap(),
        "a letter that is no longer dead cannot be replayed"
    );

    // The inbox worker picks the replayed letter up like any due delivery.
    let shutdown = CancellationToken::new();
    let worker = tokio::spawn(consumer::run_inbox_worker(
        db.clone(),
        recorder.clone() as Arc<dyn EventHandler>,
        policy,
        Arc::new(Notify::new()),
        Duration::from_millis(20),
        shutdown.clone(),
    ));
    let conn = db.clone();
    eventually("the replayed letter is handled", || {
        let conn = conn.clone();
        async move { delivery(&conn, CONSUMER, event.id).await.is_done() }
    })
    .await;
    shutdown.cancel();
    worker.await.unwrap();

    assert_eq!(handled_rows(&db, CONSUMER).await, vec![event.id]);
    assert_eq!(recorder.calls_for(event.id), 2, "one failure, one success");
    assert_eq!(delivery(&db, CONSUMER, event.id).await.attempts, 1);
}

async fn a_failed_handlers_writes_roll_back(engine: Engine) {
    let Some((_database, db)) = database(engine).await else {
        return;
    };
    let recorder = Recorder::new(CONSUMER).failing(1);
    let event = publish_committed(&db, TenantId::new(), 1).await.remove(0);
    let policy = RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(10),
    };

    assert!(matches!(
        consumer::deliver(&db, &recorder, &event, policy)
            .await
            .unwrap(),
        Outcome::Retry { .. }
    ));
    assert!(
        handled_rows(&db, CONSUMER).await.is_empty(),
        "the failed attempt's row was committed"
    );

    assert_eq!(
        consumer::deliver(&db, &recorder, &event, policy)
            .await
            .unwrap(),
        Outcome::Handled
    );
    assert_eq!(handled_rows(&db, CONSUMER).await, vec![event.id]);
    let row = delivery(&db, CONSUMER, event.id).await;
    assert!(row.is_done());
    assert_eq!(row.attempts, 2);
}

async fn the_inbox_worker_retries_a_failing_handler_until_it_succeeds(engine: Engine) {
    let Some((_database, db)) = database(engine).await else {
        return;
    };
    let recorder = Arc::new(Recorder::new(CONSUMER).failing(2));
    let event = publish_committed(&db, TenantId::new(), 1).await.remove(0);
    consumer::enqueue(db.conn(), CONSUMER, &event)
        .await
        .unwrap();
    let policy = RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(30),
        max_delay: Duration::from_secs(1),
    };
    let shutdown = CancellationToken::new();
    let worker = tokio::spawn(consumer::run_inbox_worker(
        db.clone(),
        recorder.clone() as Arc<dyn EventHandler>,
        policy,
        Arc::new(Notify::new()),
        Duration::from_millis(20),
        shutdown.clone(),
    ));
    let conn = db.clone();
    eventually("the third attempt succeeds", || {
        let conn = conn.clone();
        async move { delivery(&conn, CONSUMER, event.id).await.is_done() }
    })
    .await;
    shutdown.cancel();
    worker.await.unwrap();

    let row = delivery(&db, CONSUMER, event.id).await;
    assert_eq!(row.attempts, 3);
    assert_eq!(recorder.calls_for(event.id), 3);
    assert_eq!(handled_rows(&db, CONSUMER).await, vec![event.id]);
}
