//! Sign-up, sign-in, refresh rotation, sign-out and profile.

use reqwest::StatusCode;
use serde_json::json;
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;

use crate::support::{As, PASSWORD, TestApp, email};

engine_tests!(
    registering_creates_a_store_and_signs_the_owner_in,
    refresh_tokens_rotate_and_reuse_revokes_the_whole_session,
    logout_ends_the_session_at_once,
);

async fn registering_creates_a_store_and_signs_the_owner_in(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner_email = email("sari");
    let owner = app.register("Toko Batik Sari", &owner_email).await;

    let profile = app.get("/api/v1/auth/profile", &owner).await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.body);
    assert_eq!(profile.body["email"], owner_email);
    assert_eq!(profile.body["tenant"]["name"], "Toko Batik Sari");
    assert_eq!(profile.body["roles"], json!(["owner"]));
    assert!(
        profile.body["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("roles:manage"))
    );

    let again = app
        .post("/api/v1/auth/register", As::Nobody, json!({ "store_name": "Copy", "full_name": "X", "email": owner_email.to_uppercase(), "password": PASSWORD }))
        .await;
    again.assert_problem(409, "auth.email_taken");

    let login = app.login(&owner_email, PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(login.body["token_type"], "Bearer");
    assert_eq!(login.body["expires_in"], 900);
    assert_eq!(login.header("cache-control"), Some("no-store"));
    app.stop().await;
}

async fn refresh_tokens_rotate_and_reuse_revokes_the_whole_session(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Rotasi", &email("rotasi")).await;

    let first = app
        .post(
            "/api/v1/auth/refresh",
            As::Nobody,
            json!({ "refresh_token": owner.refresh }),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let second_refresh = first.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, owner.refresh);
    let newer_access = first.body["access_token"].as_str().unwrap().to_owned();

    // The first refresh token was spent: presenting it again means it leaked.
    let reuse = app
        .post(
            "/api/v1/auth/refresh",
            As::Nobody,
            json!({ "refresh_token": owner.refresh }),
        )
        .await;
    reuse.assert_problem(401, "auth.refresh_token_reused");

    // The whole family is gone: the newest refresh token and the access tokens too.
    let after = app
        .post(
            "/api/v1/auth/refresh",
            As::Nobody,
            json!({ "refresh_token": second_refresh }),
        )
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    app.get("/api/v1/auth/profile", As::Bearer(&newer_access))
        .await
        .assert_problem(401, "auth.session_revoked");

    let audit = app.login(&owner.email, PASSWORD).await;
    let fresh = audit.body["access_token"].as_str().unwrap();
    let log = app
        .get(
            "/api/v1/audit-log?action=auth.refresh_token_reused",
            As::Bearer(fresh),
        )
        .await;
    assert_eq!(
        log.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        log.body
    );
    app.stop().await;
}

async fn logout_ends_the_session_at_once(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Keluar", &email("keluar")).await;
    assert_eq!(
        app.post("/api/v1/auth/logout", &owner, json!({}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    app.get("/api/v1/auth/profile", &owner)
        .await
        .assert_problem(401, "auth.session_revoked");
    let refresh = app
        .post(
            "/api/v1/auth/refresh",
            As::Nobody,
            json!({ "refresh_token": owner.refresh }),
        )
        .await;
    assert_eq!(refresh.status, StatusCode::UNAUTHORIZED);
    app.stop().await;
}
