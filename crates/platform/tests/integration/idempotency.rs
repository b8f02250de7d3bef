//! Stored responses for `Idempotency-Key`: one run per key, replays of the stored answer, and
//! refusal of the same key with a different request.

use std::sync::Arc;

use chrono::Duration;
use smartseller_platform::idempotency::{self, Claim, StoredResponse};
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;
use tokio::sync::Barrier;

use crate::support::database;

engine_tests!(
    a_key_runs_once_then_replays_its_stored_response,
    the_same_key_with_a_different_request_is_a_mismatch,
    a_released_key_runs_again,
    an_expired_key_runs_again,
    concurrent_claims_of_one_key_let_exactly_one_run,
);

const SCOPE: &str = "tenant-1:user-1";

fn response() -> StoredResponse {
    StoredResponse {
        status: 201,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("location".into(), "/api/v1/orders/1".into()),
        ],
        body: br#"{"id":"1","total_minor":150000}"#.to_vec(),
    }
}

async fn a_key_runs_once_then_replays_its_stored_response(engine: Engine) {
    let Some((_database, db)) = database(engine).await else {
        return;
    };
    let keep = Duration::hours(24);
    assert_eq!(
        idempotency::claim(&db, SCOPE, "order-1", "hash-a", keep)
            .await
            .unwrap(),
        Claim::Run
    );
    assert_eq!(
        idempotency::claim(&db, SCOPE, "order-1", "hash-a", keep)
            .await
            .unwrap(),
        Claim::InProgress,
        "a duplicate while the first runs must wait, not run"
    );

    idempotency::complete(&db, SCOPE, "order-1", &response())
        .await
        .unwrap();
    for _ in 0..2 {
        assert_eq!(
            idempotency::claim(&db, SCOPE, "order-1", "hash-a", keep)
                .await
                .unwrap(),
            Claim::Replay(response())
        );
    }
    // Keys are scoped: the same key elsewhere is a different request.
    assert_eq!(
        idempotency::claim(&db, "tenant-2:user-9", "order-1", "hash-a", keep)
            .await
            .unwrap(),
        Claim::Run
    );
}

async fn the_same_key_with_a_different_request_is_a_mismatch(engine: Engine) {
    let Some((_database, db)) = database(engine).await else {
        return;
    };
    let keep = Duration::hours(24);
    assert_eq!(
        idempotency::claim(&db, SCOPE, "order-1", "hash-a", keep)
            .await
            .unwrap(),
        Claim::Run
    );
    assert_eq!(
        idempotency::claim(&db, SCOPE, "order-1", "hash-b", keep)
            .await
            .unwrap(),
        Claim::Mismatch
    );
    idempotency::complete(&db, SCOPE, "order-1", &response())
        .await
        .unwrap();
    assert_eq!(
        idempotency::claim(&db, SCOPE, "order-1", "hash-b", keep)
            .await
            .unwrap(),
        Claim::Mismatch
    );
}

async fn a_released_key_runs_again(engine: Engine) {
    let Some((_database, db)) = database(engine).await else {
        return;
    };
    let keep = Duration::hours(24);
    assert_eq!(
        idempotency::claim(&db, SCOPE, "order-1", "hash-a", keep)
            .await
            .unwrap(),
        Claim::Run
    );
    idempotency::release(&db, SCOPE, "order-1").await.unwrap();
    assert_eq!(
        idempotency::claim(&db, SCOPE, "order-1", "hash-a", keep)
            .await
            .unwrap(),
        Claim::Run
    );
    // After a release the key is free for any request.
    idempotency::release(&db, SCOPE, "order-1").await.unwrap();
    assert_eq!(
        idempotency::claim(&db, SCOPE, "order-1", "hash-b", keep)
            .await
            .unwrap(),
        Claim::Run
    );
}

async fn an_expired_key_runs_again(engine: Engine) {
    let Some((_database, db)) = database(engine).await else {
        return;
    };
    assert_eq!(
        idempotency::claim(&db, SCOPE, "order-1", "hash-a", Duration::zero())
            .await
            .unwrap(),
        Claim::Run
    );
    idempotency::complete(&db, SCOPE, "order-1", &response())
        .await
        .unwrap();
    assert_eq!(
        idempotency::claim(&db, SCOPE, "order-1", "hash-b", Duration::hours(24))
            .await
            .unwrap(),
        Claim::Run,
        "an expired key is forgotten"
    );
}

async fn concurrent_claims_of_one_key_let_exactly_one_run(engine: Engine) {
    let Some((database, db)) = database(engine).await else {
        return;
    };
    // Separate pools, as separate app processes would claim.
    let claimants = 8;
    let barrier = Arc::new(Barrier::new(claimants));
    let mut tasks = Vec::new();
    for i in 0..claimants {
        let pool = if i % 2 == 0 {
            db.clone()
        } else {
            smartseller_platform::Db::connect(&database.url)
                .await
                .expect("another pool")
        };
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            idempotency::claim(&pool, SCOPE, "order-1", "hash-a", Duration::hours(24))
                .await
                .expect("claim")
        }));
    }
    let mut claims = Vec::new();
    for task in tasks {
        claims.push(task.await.unwrap());
    }
    let runs = claims.iter().filter(|c| **c == Claim::Run).count();
    assert_eq!(runs, 1, "{claims:?}");
    assert!(
        claims
            .iter()
            .all(|c| matches!(c, Claim::Run | Claim::InProgress)),
        "{claims:?}"
    );
}
