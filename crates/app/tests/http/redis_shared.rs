//! Two app processes on one database and one Redis: a sign-out on one ends the session on the
//! other at once, and failed sign-ins count against one limit wherever they land.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use smartseller_app::Settings;
use smartseller_app::config::SigningKey;
use smartseller_testkit::db::{Engine, TestDatabase, servers_required};
use smartseller_testkit::engine_tests;

use crate::support::{PASSWORD, TestApp, email};

engine_tests!(
    signing_out_on_one_process_ends_the_session_on_the_other,
    failed_sign_ins_on_both_processes_count_against_one_limit,
);

/// The test Redis, or `None` (after saying why) when none answers and servers are not required.
async fn redis_url() -> Option<String> {
    let url = std::env::var("SMARTSELLER_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".into());
    let reachable = async {
        let client = redis::Client::open(url.as_str()).map_err(|e| e.to_string())?;
        let mut conn = tokio::time::timeout(
            Duration::from_secs(3),
            client.get_multiplexed_async_connection(),
        )
        .await
        .map_err(|_| "timed out".to_owned())?
        .map_err(|e| e.to_string())?;
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map_err(|e| e.to_string())
    }
    .await;
    match reachable {
        Ok(_) => Some(url),
        Err(error) if servers_required() => {
            panic!("CI=true but Redis at {url} cannot be reached: {error}")
        }
        Err(error) => {
            eprintln!("skipping: Redis at {url} cannot be reached ({error})");
            None
        }
    }
}

/// One installation run as two processes: the same Redis and prefix, and the same signing key
/// (configured, as it must be when several processes verify each other's tokens).
fn installation(redis: &str, prefix: &str) -> impl Fn(&mut Settings) + Clone {
    let (redis, prefix) = (redis.to_owned(), prefix.to_owned());
    move |s: &mut Settings| {
        s.redis.url = Some(redis.clone());
        s.redis.prefix = prefix.clone();
        s.auth.signing_keys = vec![SigningKey {
            kid: "shared-1".into(),
            secret: "a signing secret both processes share, 48 bytes".into(),
        }];
    }
}

/// Processes A and B of one installation, or `None` when Redis or the engine is unavailable.
async fn two_processes(engine: Engine) -> Option<(TestApp, TestApp)> {
    let redis = redis_url().await?;
    let database = TestDatabase::fresh(engine).await?;
    let prefix = format!("t{}", uuid::Uuid::now_v7().simple());
    let settings = installation(&redis, &prefix);
    let a = TestApp::spawn_on(database, settings.clone()).await;
    let b = TestApp::spawn_sharing(&a, settings).await;
    Some((a, b))
}

async fn signing_out_on_one_process_ends_the_session_on_the_other(engine: Engine) {
    let Some((a, b)) = two_processes(engine).await else {
        return;
    };
    let owner = a.register("Toko Dua Pintu", &email("dua")).await;
    let other = a.register("Toko Tetangga", &email("tetangga")).await;
    let on_b = b.get("/api/v1/auth/profile", &owner).await;
    assert_eq!(
        on_b.status,
        StatusCode::OK,
        "B accepts A's token: {}",
        on_b.body
    );

    assert_eq!(
        a.post("/api/v1/auth/logout", &owner, json!({}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    b.get("/api/v1/auth/profile", &owner)
        .await
        .assert_problem(401, "auth.session_revoked");
    a.get("/api/v1/auth/profile", &owner)
        .await
        .assert_problem(401, "auth.session_revoked");
    // Only that session ended.
    assert_eq!(
        b.get("/api/v1/auth/profile", &other).await.status,
        StatusCode::OK
    );
    b.stop().await;
    a.stop().await;
}

async fn failed_sign_ins_on_both_processes_count_against_one_limit(engine: Engine) {
    let Some((a, b)) = two_processes(engine).await else {
        return;
    };
    let target = email("target");
    a.register("Toko Sasaran", &target).await;
    let bystander = email("bystander");
    a.register("Toko Lain", &bystander).await;

    // Five failures in all (the per-account limit), spread over both processes.
    for app in [&a, &b, &a, &b, &a] {
        app.login(&target, "not the password")
            .await
            .assert_problem(401, "auth.invalid_credentials");
    }
    let limited = b.login(&target, PASSWORD).await;
    limited.assert_problem(429, "auth.too_many_attempts");
    assert!(limited.header("retry-after").is_some());
    a.login(&target, PASSWORD)
        .await
        .assert_problem(429, "auth.too_many_attempts");
    // The limit is the account's, not the process's or everyone's.
    assert_eq!(b.login(&bystander, PASSWORD).await.status, StatusCode::OK);
    b.stop().await;
    a.stop().await;
}
