//! Redis-backed rate limits and revocations: shared by every process pointed at one Redis,
//! namespaced by prefix, and forgotten when their window ends.

use std::time::Duration;

use smartseller_platform::limits::RateLimiter;
use smartseller_platform::redis_store::RedisStore;
use smartseller_platform::revocation::RevocationList;
use smartseller_testkit::db::servers_required;
use uuid::Uuid;

use crate::support::eventually;

fn redis_url() -> String {
    std::env::var("SMARTSELLER_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".into())
}

/// A store on a prefix of its own, or `None` (after saying why) when no Redis answers and
/// servers are not required.
async fn store_on(prefix: &str) -> Option<RedisStore> {
    let url = redis_url();
    match RedisStore::connect(&url, prefix).await {
        Ok(store) => Some(store),
        Err(error) if servers_required() => {
            panic!("CI=true but Redis at {url} cannot be reached: {error:#}")
        }
        Err(error) => {
            eprintln!("skipping: Redis at {url} cannot be reached ({error:#})");
            None
        }
    }
}

fn prefix() -> String {
    format!("t{}", Uuid::now_v7().simple())
}

#[tokio::test]
async fn the_redis_rate_limiter_counts_peeks_resets_and_shares_its_counters() {
    let prefix = prefix();
    let Some(one) = store_on(&prefix).await else {
        return;
    };
    let other_process = store_on(&prefix).await.expect("a second connection");
    let other_installation = store_on(&format!("{prefix}x")).await.expect("connects");
    let key = "login:account:sari@toko.id";
    let window = Duration::from_secs(60);

    let first = one.hit(key, window).await.unwrap();
    assert_eq!(first.count, 1);
    assert!(first.resets_in > Duration::from_secs(55) && first.resets_in <= window);
    assert_eq!(one.hit(key, window).await.unwrap().count, 2);

    let peeked = one.peek(key).await.unwrap();
    assert_eq!(peeked.count, 2);
    assert!(peeked.resets_in > Duration::ZERO && peeked.resets_in <= window);
    assert_eq!(
        one.peek(key).await.unwrap().count,
        2,
        "a peek counts nothing"
    );

    // Another process on the same Redis and prefix shares the counter.
    assert_eq!(other_process.peek(key).await.unwrap().count, 2);
    assert_eq!(other_process.hit(key, window).await.unwrap().count, 3);
    assert_eq!(one.peek(key).await.unwrap().count, 3);
    // Another prefix is another installation.
    assert_eq!(other_installation.peek(key).await.unwrap().count, 0);
    assert_eq!(
        one.peek("login:account:dewi@toko.id").await.unwrap().count,
        0
    );

    one.reset(key).await.unwrap();
    assert_eq!(other_process.peek(key).await.unwrap().count, 0);
    assert_eq!(one.hit(key, window).await.unwrap().count, 1);
    one.reset(key).await.unwrap();
}

#[tokio::test]
async fn a_redis_rate_limit_window_expires() {
    let Some(store) = store_on(&prefix()).await else {
        return;
    };
    let key = "login:address:10.0.0.1";
    let window = Duration::from_millis(300);
    assert_eq!(store.hit(key, window).await.unwrap().count, 1);
    assert_eq!(store.hit(key, window).await.unwrap().count, 2);
    let store_ref = &store;
    eventually("the window ends", || async move {
        store_ref.peek(key).await.unwrap().count == 0
    })
    .await;
    let fresh = store.hit(key, window).await.unwrap();
    assert_eq!(fresh.count, 1, "a new window starts from one");
    assert!(fresh.resets_in <= window);
    store.reset(key).await.unwrap();
}

#[tokio::test]
async fn redis_revocations_are_shared_and_expire() {
    let prefix = prefix();
    let Some(one) = store_on(&prefix).await else {
        return;
    };
    let other_process = store_on(&prefix).await.expect("a second connection");
    let (revoked, kept, short) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());

    one.revoke(revoked, Duration::from_secs(60)).await.unwrap();
    one.revoke(short, Duration::from_millis(300)).await.unwrap();
    assert!(other_process.is_revoked(revoked).await.unwrap());
    assert!(other_process.is_revoked(short).await.unwrap());
    assert!(!other_process.is_revoked(kept).await.unwrap());

    let other_ref = &other_process;
    eventually("the short revocation expires", || async move {
        !other_ref.is_revoked(short).await.unwrap()
    })
    .await;
    assert!(
        one.is_revoked(revoked).await.unwrap(),
        "a revocation lasts at least as long as asked"
    );
}
