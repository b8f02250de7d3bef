//! `Idempotency-Key` on unsafe requests: a retry replays the first answer byte for byte, a reused
//! key with another body is refused, duplicates in flight run once, and keys belong to a caller.

use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;

use crate::support::{Answer, As, PASSWORD, Session, TestApp, email};

engine_tests!(
    a_retry_with_the_same_key_replays_the_first_response,
    reusing_a_key_for_another_request_is_refused,
    concurrent_duplicates_run_once_and_all_get_the_same_answer,
    a_key_belongs_to_its_caller,
    a_refusal_is_replayed_as_it_was_first_sent,
    an_invalid_key_is_a_400_problem,
    anonymous_requests_are_never_replayed,
);

async fn post_with_key(app: &TestApp, who: As<'_>, path: &str, key: &str, body: &Value) -> Answer {
    TestApp::send(
        app.request(Method::POST, path, who)
            .header("Idempotency-Key", key)
            .json(body),
    )
    .await
}

fn packer() -> Value {
    json!({ "key": "packer", "name": "Packer", "permissions": ["orders:read"] })
}

/// How many custom roles of `key` the store has.
async fn roles_with_key(app: &TestApp, owner: &Session, key: &str) -> usize {
    let roles = app.get("/api/v1/roles", owner).await;
    roles.body["items"]
        .as_array()
        .expect("roles")
        .iter()
        .filter(|r| r["key"] == key)
        .count()
}

fn replayed(answer: &Answer) -> bool {
    answer.header("idempotency-replayed") == Some("true")
}

async fn a_retry_with_the_same_key_replays_the_first_response(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Ulang", &email("ulang")).await;
    let who = As::from(&owner);

    let first = post_with_key(&app, who, "/api/v1/roles", "role-packer-1", &packer()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert!(!replayed(&first));
    let second = post_with_key(&app, who, "/api/v1/roles", "role-packer-1", &packer()).await;
    assert_eq!(second.status, first.status);
    assert_eq!(second.raw, first.raw, "the very same bytes");
    assert!(replayed(&second));
    assert_eq!(second.header("location"), first.header("location"));
    assert_eq!(second.header("content-type"), first.header("content-type"));
    assert_ne!(
        second.header("x-request-id"),
        first.header("x-request-id"),
        "the request id is the retry's own"
    );
    assert_eq!(roles_with_key(&app, &owner, "packer").await, 1);

    // Without the key, the same request really runs again, and conflicts.
    app.post("/api/v1/roles", &owner, packer())
        .await
        .assert_problem(409, "roles.key_taken");
    app.stop().await;
}

async fn reusing_a_key_for_another_request_is_refused(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Kunci Ganda", &email("ganda")).await;
    let who = As::from(&owner);
    let first = post_with_key(&app, who, "/api/v1/roles", "k-1", &packer()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);

    let other_body = json!({ "key": "picker", "name": "Picker", "permissions": ["orders:read"] });
    let reused = post_with_key(&app, who, "/api/v1/roles", "k-1", &other_body).await;
    reused.assert_problem(422, "idempotency.key_reused");
    assert!(!replayed(&reused));
    let key_body = json!({ "name": "Sync", "permissions": ["orders:read"] });
    post_with_key(&app, who, "/api/v1/api-keys", "k-1", &key_body)
        .await
        .assert_problem(422, "idempotency.key_reused");

    assert_eq!(roles_with_key(&app, &owner, "picker").await, 0);
    let keys = app.get("/api/v1/api-keys", &owner).await;
    assert_eq!(keys.body["items"], json!([]));
    // The original still replays.
    let again = post_with_key(&app, who, "/api/v1/roles", "k-1", &packer()).await;
    assert_eq!(again.raw, first.raw);
    app.stop().await;
}

async fn concurrent_duplicates_run_once_and_all_get_the_same_answer(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Serentak", &email("serentak")).await;
    let who = As::from(&owner);
    let body = packer();

    let answers =
        join_all((0..20).map(|_| post_with_key(&app, who, "/api/v1/roles", "burst-1", &body)))
            .await;

    for answer in &answers {
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        assert_eq!(answer.raw, answers[0].raw);
    }
    let ran = answers.iter().filter(|a| !replayed(a)).count();
    assert_eq!(ran, 1, "exactly one request ran; the others were replayed");
    assert_eq!(roles_with_key(&app, &owner, "packer").await, 1);
    let log = app
        .get("/api/v1/audit-log?action=role.created", &owner)
        .await;
    assert_eq!(log.body["items"].as_array().unwrap().len(), 1);
    app.stop().await;
}

async fn a_key_belongs_to_its_caller(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let a = app.register("Toko A", &email("a")).await;
    let b = app.register("Toko B", &email("b")).await;
    let admin_role = app.role_id(&a, "admin").await;
    let colleague = app.add_member(&a, &email("rekan"), &[admin_role]).await;
    let key = app
        .post(
            "/api/v1/api-keys",
            &a,
            json!({ "name": "Sync", "permissions": ["roles:manage"] }),
        )
        .await;
    let secret = key.body["secret"].as_str().unwrap().to_owned();

    let in_a = post_with_key(&app, (&a).into(), "/api/v1/roles", "shared", &packer()).await;
    assert_eq!(in_a.status, StatusCode::CREATED, "{}", in_a.body);

    // Another store, same key and body: its own request, its own role.
    let in_b = post_with_key(&app, (&b).into(), "/api/v1/roles", "shared", &packer()).await;
    assert_eq!(in_b.status, StatusCode::CREATED, "{}", in_b.body);
    assert!(!replayed(&in_b));
    assert_ne!(in_b.body["id"], in_a.body["id"]);
    assert_eq!(roles_with_key(&app, &b, "packer").await, 1);

    // Another caller in the same store runs for real too: here the key is taken by then.
    let colleague_try = post_with_key(
        &app,
        (&colleague).into(),
        "/api/v1/roles",
        "shared",
        &packer(),
    )
    .await;
    colleague_try.assert_problem(409, "roles.key_taken");
    assert!(!replayed(&colleague_try));
    let picker = json!({ "key": "picker", "name": "Picker", "permissions": ["roles:manage"] });
    let by_key = post_with_key(
        &app,
        As::ApiKey(&secret),
        "/api/v1/roles",
        "shared",
        &picker,
    )
    .await;
    assert_eq!(by_key.status, StatusCode::CREATED, "{}", by_key.body);
    assert!(!replayed(&by_key));
    assert_eq!(roles_with_key(&app, &a, "packer").await, 1);
    assert_eq!(roles_with_key(&app, &a, "picker").await, 1);
    app.stop().await;
}

async fn a_refusal_is_replayed_as_it_was_first_sent(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Tolak", &email("tolak")).await;
    let who = As::from(&owner);
    let bad = json!({ "key": "packer", "name": "Packer", "permissions": ["orders:destroy"] });

    let first = post_with_key(&app, who, "/api/v1/roles", "bad-1", &bad).await;
    first.assert_problem(422, "validation_failed");
    let second = post_with_key(&app, who, "/api/v1/roles", "bad-1", &bad).await;
    assert_eq!(second.status, first.status);
    assert_eq!(second.raw, first.raw);
    assert!(replayed(&second));
    assert_eq!(
        second.header("content-type"),
        Some("application/problem+json")
    );
    app.stop().await;
}

async fn an_invalid_key_is_a_400_problem(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Kunci Buruk", &email("buruk")).await;
    let too_long = "k".repeat(300);
    for key in [too_long.as_str(), "", "has space", "tab\there"] {
        post_with_key(&app, (&owner).into(), "/api/v1/roles", key, &packer())
            .await
            .assert_problem(400, "idempotency.invalid_key");
    }
    let longest = "k".repeat(255);
    let fine = post_with_key(&app, (&owner).into(), "/api/v1/roles", &longest, &packer()).await;
    assert_eq!(fine.status, StatusCode::CREATED, "{}", fine.body);
    assert_eq!(roles_with_key(&app, &owner, "packer").await, 1);
    app.stop().await;
}

async fn anonymous_requests_are_never_replayed(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Anonim", &email("anonim")).await;
    let login = json!({ "email": owner.email, "password": PASSWORD });
    let first = post_with_key(&app, As::Nobody, "/api/v1/auth/login", "login-1", &login).await;
    let second = post_with_key(&app, As::Nobody, "/api/v1/auth/login", "login-1", &login).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert!(!replayed(&second));
    // Each sign-in is its own session: tokens are never handed out twice.
    assert_ne!(first.body["refresh_token"], second.body["refresh_token"]);
    app.stop().await;
}
