//! The HTTP contract every route keeps (ARCHITECTURE.md §5): problem+json for every kind of bad
//! input, request ids, health checks, the OpenAPI document and docs page, metrics, and sign-in
//! throttling.

use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;

use crate::support::{Answer, As, PASSWORD, Session, TestApp, email};

engine_tests!(
    malformed_json_is_a_400_problem,
    a_body_that_is_not_json_is_a_415_problem,
    a_body_over_the_limit_is_a_413_problem,
    field_errors_name_the_field_and_what_is_wrong,
    a_malformed_id_in_the_path_is_a_400_problem,
    unknown_paths_and_methods_are_problems,
    missing_or_garbage_credentials_are_401_with_a_challenge,
    no_bad_input_ever_causes_a_500,
    text_no_database_can_store_is_refused_naming_the_field,
    every_response_carries_a_request_id_and_problems_quote_it,
    health_and_readiness_answer_200,
    the_openapi_document_describes_the_api_and_its_security,
    the_docs_page_works_offline,
    metrics_count_requests_by_route_template,
    repeated_failed_sign_ins_lock_the_account_for_a_while,
    failed_sign_ins_from_one_address_lock_out_every_account_from_it,
);

/// Sends `body` as-is with `content_type`.
async fn send_raw(
    app: &TestApp,
    path: &str,
    who: As<'_>,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Answer {
    let mut request = app.request(Method::POST, path, who).body(body);
    if let Some(content_type) = content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    TestApp::send(request).await
}

/// A validation problem's only error, as `(field, code)`.
#[track_caller]
fn the_field_error(answer: &Answer) -> (String, String) {
    answer.assert_problem(422, "validation_failed");
    let errors = answer.body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{}", answer.body);
    (
        errors[0]["field"].as_str().unwrap().to_owned(),
        errors[0]["code"].as_str().unwrap().to_owned(),
    )
}

fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_owned(), code.to_owned())
}

async fn malformed_json_is_a_400_problem(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Kontrak", &email("kontrak")).await;
    for body in [
        r#"{"email": "#,
        "{email: 1}",
        "",
        r#"{"email": "a@toko.id",}"#,
    ] {
        send_raw(
            &app,
            "/api/v1/auth/login",
            As::Nobody,
            Some("application/json"),
            body,
        )
        .await
        .assert_problem(400, "malformed_json");
    }
    send_raw(
        &app,
        "/api/v1/roles",
        (&owner).into(),
        Some("application/json; charset=utf-8"),
        r#"{"name": "x", "permissions": ["#,
    )
    .await
    .assert_problem(400, "malformed_json");
    app.stop().await;
}

async fn a_body_that_is_not_json_is_a_415_problem(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let login = json!({ "email": "a@toko.id", "password": PASSWORD }).to_string();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        send_raw(
            &app,
            "/api/v1/auth/login",
            As::Nobody,
            content_type,
            login.clone(),
        )
        .await
        .assert_problem(415, "unsupported_media_type");
    }
    // A structured `+json` type is JSON.
    let problem_json = send_raw(
        &app,
        "/api/v1/auth/login",
        As::Nobody,
        Some("application/merge-patch+json"),
        login,
    )
    .await;
    problem_json.assert_problem(401, "auth.invalid_credentials");
    app.stop().await;
}

async fn a_body_over_the_limit_is_a_413_problem(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, |s| s.max_body_bytes = 1024).await else {
        return;
    };
    let owner = app.register("Toko Besar", &email("besar")).await;
    let big = json!({ "email": "a@toko.id", "password": "x".repeat(2000) }).to_string();
    send_raw(
        &app,
        "/api/v1/auth/login",
        As::Nobody,
        Some("application/json"),
        big,
    )
    .await
    .assert_problem(413, "body_too_large");

    let role = json!({ "name": "Besar", "description": "d".repeat(2000), "permissions": [] });
    app.post("/api/v1/roles", &owner, role.clone())
        .await
        .assert_problem(413, "body_too_large");
    // The idempotency layer reads the body first, and keeps the same limit.
    let with_key = app
        .request(Method::POST, "/api/v1/roles", (&owner).into())
        .header("Idempotency-Key", "big-1")
        .json(&role);
    TestApp::send(with_key)
        .await
        .assert_problem(413, "body_too_large");

    // Under the limit is fine.
    let small = app.login(&owner.email, PASSWORD).await;
    assert_eq!(small.status, StatusCode::OK, "{}", small.body);
    app.stop().await;
}

async fn field_errors_name_the_field_and_what_is_wrong(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Bidang", &email("bidang")).await;
    let login = |body: Value| app.post("/api/v1/auth/login", As::Nobody, body);

    let unknown = login(json!({ "email": "a@toko.id", "password": "x", "admin": true })).await;
    assert_eq!(the_field_error(&unknown), pair("admin", "unknown_field"));
    let wrong_type = login(json!({ "email": 5, "password": "x" })).await;
    assert_eq!(the_field_error(&wrong_type), pair("email", "invalid_type"));
    let missing = login(json!({ "email": "a@toko.id" })).await;
    assert_eq!(the_field_error(&missing), pair("password", "required"));

    let role = |body: Value| app.post("/api/v1/roles", &owner, body);
    let not_a_list = role(json!({ "name": "R", "permissions": "orders:read" })).await;
    assert_eq!(
        the_field_error(&not_a_list),
        pair("permissions", "invalid_type")
    );
    let nested = role(json!({ "name": "R", "permissions": ["orders:read", 7] })).await;
    assert_eq!(
        the_field_error(&nested),
        pair("permissions[1]", "invalid_type")
    );
    let not_an_object = role(json!(["orders:read"])).await;
    not_an_object.assert_problem(422, "validation_failed");

    // A query parameter of the wrong type is named too.
    let limit = app.get("/api/v1/users?limit=many", &owner).await;
    assert_eq!(the_field_error(&limit).0, "limit");
    app.stop().await;
}

async fn a_malformed_id_in_the_path_is_a_400_problem(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Jalur", &email("jalur")).await;
    let set_roles = Some(json!({ "role_ids": [] }));
    for (method, path, body) in [
        (Method::GET, "/api/v1/roles/not-a-uuid", None),
        (Method::GET, "/api/v1/users/123", None),
        (Method::PUT, "/api/v1/users/123/roles", set_roles),
        (Method::DELETE, "/api/v1/api-keys/%00", None),
        (Method::DELETE, "/api/v1/invitations/0000-0000", None),
    ] {
        app.call(method, path, (&owner).into(), body)
            .await
            .assert_problem(400, "invalid_path_parameter");
    }
    app.stop().await;
}

async fn unknown_paths_and_methods_are_problems(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Tersesat", &email("tersesat")).await;
    for path in ["/api/v1/nowhere", "/nowhere", "/api/v2/roles", "/"] {
        app.get(path, &owner).await.assert_problem(404, "not_found");
        app.get(path, As::Nobody)
            .await
            .assert_problem(404, "not_found");
    }
    app.call(
        Method::PATCH,
        "/api/v1/roles",
        (&owner).into(),
        Some(json!({})),
    )
    .await
    .assert_problem(405, "method_not_allowed");
    app.delete("/api/v1/auth/login", As::Nobody)
        .await
        .assert_problem(405, "method_not_allowed");
    app.post("/healthz", As::Nobody, json!({}))
        .await
        .assert_problem(405, "method_not_allowed");
    app.stop().await;
}

async fn missing_or_garbage_credentials_are_401_with_a_challenge(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Pintu", &email("pintu")).await;
    let check = |answer: Answer| {
        answer.assert_problem(401, "auth.unauthenticated");
        assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
    };
    check(app.get("/api/v1/roles", As::Nobody).await);
    check(app.get("/api/v1/auth/profile", As::Nobody).await);
    check(app.get("/api/v1/roles", As::Bearer("garbage")).await);
    check(app.get("/api/v1/roles", As::Bearer("a.b.c")).await);
    let mut forged = owner.access.clone();
    forged.push('x');
    check(app.get("/api/v1/roles", As::Bearer(&forged)).await);
    let basic = app
        .request(Method::GET, "/api/v1/roles", As::Nobody)
        .header("Authorization", "Basic b3duZXI6cGFzcw==");
    check(TestApp::send(basic).await);
    assert_eq!(
        app.get("/api/v1/roles", &owner).await.status,
        StatusCode::OK
    );
    app.stop().await;
}

/// Input meant to reach the database or the parsers in odd shapes; none of it may become a 500.
fn hostile_calls(owner: &Session) -> Vec<(Method, String, Option<Value>)> {
    let nul = "toko\u{0}gelap";
    let deep = (0..300).fold(json!(1), |inner, _| json!([inner]));
    let post = |path: &str, body: Value| (Method::POST, path.to_owned(), Some(body));
    let put = |path: &str, body: Value| (Method::PUT, path.to_owned(), Some(body));
    let get = |path: &str| (Method::GET, path.to_owned(), None);
    let owner_roles = format!("/api/v1/users/{}/roles", owner.user_id);
    vec![
        post(
            "/api/v1/auth/login",
            json!({ "email": nul, "password": nul }),
        ),
        post(
            "/api/v1/auth/login",
            json!({ "email": "a@toko.id", "password": "x", "tenant_id": nul }),
        ),
        post(
            "/api/v1/auth/register",
            json!({ "store_name": nul, "full_name": nul, "email": nul, "password": nul }),
        ),
        post("/api/v1/auth/refresh", json!({ "refresh_token": nul })),
        post(
            "/api/v1/invitations/accept",
            json!({ "token": nul, "full_name": nul, "password": nul }),
        ),
        post(
            "/api/v1/roles",
            json!({ "key": nul, "name": nul, "description": nul, "permissions": [nul] }),
        ),
        post(
            "/api/v1/roles",
            json!({ "name": "Gelap", "description": nul, "permissions": ["orders:read"] }),
        ),
        post(
            "/api/v1/roles",
            json!({ "name": "😀🙈", "permissions": [] }),
        ),
        post(
            "/api/v1/roles",
            json!({ "name": "x".repeat(10_000), "permissions": [] }),
        ),
        post("/api/v1/roles", deep),
        post(
            "/api/v1/api-keys",
            json!({ "name": nul, "permissions": ["orders:read"] }),
        ),
        post(
            "/api/v1/api-keys",
            json!({ "name": "k", "permissions": ["orders:read"], "expires_at": "yesterday" }),
        ),
        post(
            "/api/v1/invitations",
            json!({ "email": nul, "role_ids": ["not-a-uuid"] }),
        ),
        post(
            "/api/v1/invitations",
            json!({ "email": "x@toko.id", "role_ids": [] }),
        ),
        put(
            "/api/v1/auth/profile",
            json!({ "full_name": nul, "phone": nul, "locale": nul }),
        ),
        put(&owner_roles, json!({ "role_ids": [uuid::Uuid::nil()] })),
        get("/api/v1/audit-log?action=%00"),
        get("/api/v1/audit-log?actor_id=%00"),
        get("/api/v1/audit-log?cursor=%00&limit=18446744073709551616"),
        get("/api/v1/users?limit=-1"),
        get("/api/v1/users?cursor=c1.AAAAAAAAAAAAAAAAAAAAAA"),
        get("/api/v1/roles/00000000-0000-0000-0000-000000000000"),
    ]
}

async fn no_bad_input_ever_causes_a_500(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Tahan", &email("tahan")).await;
    let mut wrong = Vec::new();
    for (method, path, body) in hostile_calls(&owner) {
        let answer = app
            .call(method.clone(), &path, (&owner).into(), body.clone())
            .await;
        let problem = answer.header("content-type") == Some("application/problem+json");
        let fine = answer.status.is_success() || (answer.status.is_client_error() && problem);
        if !fine {
            wrong.push(format!(
                "{method} {path} {body:?} answered {}: {}",
                answer.status, answer.body
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Still healthy afterwards.
    assert_eq!(
        app.get("/api/v1/auth/profile", &owner).await.status,
        StatusCode::OK
    );
    app.stop().await;
}

async fn text_no_database_can_store_is_refused_naming_the_field(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Nol", &email("nol")).await;
    let nul = "toko\u{0}gelap";
    let role = app
        .post(
            "/api/v1/roles",
            &owner,
            json!({ "name": "Gelap", "description": nul, "permissions": ["orders:read"] }),
        )
        .await;
    assert_eq!(
        the_field_error(&role),
        pair("description", "invalid_characters")
    );
    let key = app
        .post(
            "/api/v1/api-keys",
            &owner,
            json!({ "name": nul, "permissions": ["orders:read"] }),
        )
        .await;
    assert_eq!(the_field_error(&key), pair("name", "invalid_characters"));
    let log = app.get("/api/v1/audit-log?action=auth%00", &owner).await;
    assert_eq!(the_field_error(&log), pair("action", "invalid_action"));
    // Not an email address, so no account: the same answer as any wrong sign-in.
    app.login(nul, PASSWORD)
        .await
        .assert_problem(401, "auth.invalid_credentials");

    // Line breaks in a description are fine.
    let multiline = app
        .post(
            "/api/v1/roles",
            &owner,
            json!({ "name": "Malam", "description": "Packs\nat night", "permissions": [] }),
        )
        .await;
    assert_eq!(multiline.status, StatusCode::CREATED, "{}", multiline.body);
    assert_eq!(multiline.body["description"], "Packs\nat night");
    app.stop().await;
}

async fn every_response_carries_a_request_id_and_problems_quote_it(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let with_id = |id: Option<&str>| {
        let request = app.request(Method::GET, "/api/v1/roles", As::Nobody);
        TestApp::send(match id {
            Some(id) => request.header("X-Request-Id", id),
            None => request,
        })
    };

    let generated = with_id(None).await;
    let id = generated.header("x-request-id").expect("an id").to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    assert_eq!(generated.body["request_id"], id.as_str());
    let next = with_id(None).await;
    assert_ne!(
        next.header("x-request-id"),
        Some(id.as_str()),
        "each is new"
    );

    let echoed = with_id(Some("order-sync_42-ABC")).await;
    assert_eq!(echoed.header("x-request-id"), Some("order-sync_42-ABC"));
    assert_eq!(echoed.body["request_id"], "order-sync_42-ABC");

    let too_long = "a".repeat(65);
    for garbage in ["has spaces", "semi;colon", "<script>", too_long.as_str()] {
        let replaced = with_id(Some(garbage)).await;
        let id = replaced.header("x-request-id").expect("an id");
        assert_ne!(id, garbage);
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
        assert_eq!(replaced.body["request_id"], id);
    }

    // Successes carry one too.
    let health = app.get("/healthz", As::Nobody).await;
    assert!(health.header("x-request-id").is_some());
    app.stop().await;
}

async fn health_and_readiness_answer_200(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let health = app.get("/healthz", As::Nobody).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body["status"], "ok");
    let ready = app.get("/readyz", As::Nobody).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["status"], "ready");
    assert_eq!(ready.body["database"], "ok");
    // Probes need no credentials, and bad ones do not get in their way.
    let probed = app.get("/healthz", As::Bearer("garbage")).await;
    assert_eq!(probed.status, StatusCode::OK);
    app.stop().await;
}

async fn the_openapi_document_describes_the_api_and_its_security(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let document = app.get("/api/v1/openapi.json", As::Nobody).await;
    assert_eq!(document.status, StatusCode::OK);
    assert!(
        document
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json"))
    );
    let doc = &document.body;
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3.1."), "{version}");
    for path in [
        "/api/v1/auth/login",
        "/api/v1/roles",
        "/api/v1/roles/{id}",
        "/api/v1/api-keys",
        "/api/v1/audit-log",
        "/api/v1/invitations/accept",
        "/api/v1/users/{id}/roles",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["type"], "http");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["api_key"]["type"], "apiKey");
    assert_eq!(schemes["api_key"]["in"], "header");
    assert_eq!(schemes["api_key"]["name"], "X-Api-Key");
    assert!(doc["components"]["schemas"].get("Problem").is_some());
    let create_role = &doc["paths"]["/api/v1/roles"]["post"];
    assert!(create_role["responses"].get("201").is_some());
    assert!(create_role["security"].is_array());
    app.stop().await;
}

async fn the_docs_page_works_offline(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let page = app.get("/api/v1/docs", As::Nobody).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{:?}",
        page.header("content-type")
    );
    let html = String::from_utf8(page.raw.clone()).unwrap().to_lowercase();
    assert!(html.contains("<script") && html.contains("openapi.json"));
    for scheme in ["http://", "https://", "//"] {
        for load in [
            "src=\"",
            "src='",
            "href=\"",
            "href='",
            "url(",
            "url(\"",
            "url('",
            "@import \"",
            "@import '",
            "import(\"",
            "import('",
            "from \"",
            "from '",
        ] {
            let remote = format!("{load}{scheme}");
            assert!(!html.contains(&remote), "the page loads {remote}…");
        }
    }
    app.stop().await;
}

/// The metrics page, once its listener is up.
async fn scrape(app: &TestApp, url: &str) -> String {
    for _ in 0..200 {
        if let Ok(response) = app.client.get(url).send().await
            && response.status().is_success()
        {
            return response.text().await.expect("metrics text");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the metrics listener never answered at {url}");
}

/// A port nobody is listening on right now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

async fn metrics_count_requests_by_route_template(engine: Engine) {
    let port = free_port();
    let Some(app) = TestApp::spawn_with(engine, |s| {
        s.metrics_listen = Some(([127, 0, 0, 1], port).into());
    })
    .await
    else {
        return;
    };
    let owner = app.register("Toko Hitung", &email("hitung")).await;
    assert_eq!(
        app.login(&owner.email, PASSWORD).await.status,
        StatusCode::OK
    );
    let role = app.role_id(&owner, "staff").await;
    assert_eq!(
        app.get(&format!("/api/v1/roles/{role}"), &owner)
            .await
            .status,
        StatusCode::OK
    );

    let text = scrape(&app, &format!("http://127.0.0.1:{port}/metrics")).await;
    let login_line = text
        .lines()
        .find(|l| {
            l.starts_with("http_requests_total{")
                && l.contains("route=\"/api/v1/auth/login\"")
                && l.contains("status=\"200\"")
        })
        .unwrap_or_else(|| panic!("no login counter in:\n{text}"));
    let count: f64 = login_line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 1.0, "{login_line}");
    // Routes are labelled by template, never by the ids in the path.
    assert!(text.contains("route=\"/api/v1/roles/{id}\""), "{text}");
    assert!(!text.contains(&role));
    assert!(text.contains("http_request_duration_seconds_bucket"));
    app.stop().await;
}

/// Seconds in a 429's `Retry-After`.
#[track_caller]
fn retry_after(answer: &Answer) -> u64 {
    answer.assert_problem(429, "auth.too_many_attempts");
    let seconds: u64 = answer
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("whole seconds");
    assert!((1..=901).contains(&seconds), "{seconds}");
    seconds
}

async fn repeated_failed_sign_ins_lock_the_account_for_a_while(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Kunci Pintu", &email("kuncipintu")).await;
    let neighbour = app.register("Toko Tetangga", &email("tetangga")).await;
    for _ in 0..5 {
        app.login(&owner.email, "salah sandi")
            .await
            .assert_problem(401, "auth.invalid_credentials");
    }
    // Locked: even the right password waits.
    retry_after(&app.login(&owner.email, PASSWORD).await);
    retry_after(&app.login(&owner.email.to_uppercase(), PASSWORD).await);

    // Another account from the same address is not locked by this one.
    let other = app.login(&neighbour.email, PASSWORD).await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.body);

    let log = app
        .get("/api/v1/audit-log?action=auth.login_failed", &owner)
        .await;
    assert_eq!(log.body["items"].as_array().unwrap().len(), 5);
    app.stop().await;
}

async fn failed_sign_ins_from_one_address_lock_out_every_account_from_it(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, |s| s.auth.login_failures_per_address = 8).await
    else {
        return;
    };
    let first = app.register("Toko Satu", &email("satu")).await;
    let second = app.register("Toko Dua", &email("dua")).await;
    let third = app.register("Toko Tiga", &email("tiga")).await;

    for _ in 0..5 {
        app.login(&first.email, "salah").await;
    }
    retry_after(&app.login(&first.email, PASSWORD).await);
    // Five failures from this address so far: other accounts still sign in.
    assert_eq!(
        app.login(&second.email, PASSWORD).await.status,
        StatusCode::OK
    );
    for _ in 0..3 {
        app.login(&second.email, "salah")
            .await
            .assert_problem(401, "auth.invalid_credentials");
    }
    // Eight failures: the ninth attempt from this address is refused, whoever it is for.
    retry_after(&app.login(&third.email, PASSWORD).await);
    retry_after(&app.login(&second.email, PASSWORD).await);
    retry_after(&app.login("nobody@toko.id", "salah").await);
    app.stop().await;
}
