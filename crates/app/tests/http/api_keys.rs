//! API keys for integrations: shown once, limited to what their creator holds, revocable, audited.

use reqwest::StatusCode;
use serde_json::{Value, json};
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;

use crate::support::{Answer, As, Session, TestApp, email};

engine_tests!(
    a_new_key_is_shown_once_and_never_listed_with_its_secret,
    a_key_works_only_on_routes_its_permissions_cover,
    a_key_cannot_carry_more_than_its_creator_holds,
    an_unknown_or_tampered_key_is_refused,
    a_revoked_key_stops_working_at_once,
    a_key_remembers_when_it_was_last_used,
    creating_and_revoking_keys_is_in_the_audit_log,
    a_key_stops_working_when_its_creator_leaves_the_store,
    a_key_loses_what_its_creator_loses,
);

async fn create_key(app: &TestApp, who: &Session, name: &str, permissions: &[&str]) -> Answer {
    app.post(
        "/api/v1/api-keys",
        who,
        json!({ "name": name, "permissions": permissions }),
    )
    .await
}

/// Creates a key; returns its id and secret.
async fn issue_key(app: &TestApp, who: &Session, permissions: &[&str]) -> (String, String) {
    let created = create_key(app, who, "Gudang sync", permissions).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    (
        created.body["id"].as_str().expect("id").to_owned(),
        created.body["secret"].as_str().expect("secret").to_owned(),
    )
}

/// The store's listed keys.
async fn listed_keys(app: &TestApp, owner: &Session) -> Vec<Value> {
    let list = app.get("/api/v1/api-keys", owner).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    list.body["items"].as_array().expect("items").clone()
}

async fn a_new_key_is_shown_once_and_never_listed_with_its_secret(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Kunci API", &email("kunciapi")).await;

    let created = create_key(&app, &owner, "Gudang sync", &["roles:manage"]).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.header("cache-control"), Some("no-store"));
    let secret = created.body["secret"].as_str().unwrap();
    let prefix = created.body["prefix"].as_str().unwrap();
    assert!(secret.starts_with("ssk_"), "{secret}");
    assert!(secret.starts_with(prefix) && secret.len() > prefix.len() + 30);
    assert_eq!(created.body["name"], "Gudang sync");
    assert_eq!(created.body["permissions"], json!(["roles:manage"]));
    assert_eq!(created.body["created_by"], owner.user_id.as_str());
    assert!(created.body["last_used_at"].is_null());

    let list = app.get("/api/v1/api-keys", &owner).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], created.body["id"]);
    assert_eq!(items[0]["prefix"], prefix);
    assert!(items[0].get("secret").is_none());
    let raw = String::from_utf8(list.raw.clone()).unwrap();
    assert!(!raw.contains(secret), "the secret is never shown again");
    app.stop().await;
}

async fn a_key_works_only_on_routes_its_permissions_cover(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Integrasi", &email("integrasi")).await;
    let (_, secret) = issue_key(&app, &owner, &["roles:manage"]).await;
    let key = As::ApiKey(&secret);

    let roles = app.get("/api/v1/roles", key).await;
    assert_eq!(roles.status, StatusCode::OK, "{}", roles.body);
    assert_eq!(roles.body["items"].as_array().unwrap().len(), 5);
    let created = app
        .post(
            "/api/v1/roles",
            key,
            json!({ "key": "sync_bot", "name": "Sync bot", "permissions": ["roles:manage"] }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

    let users = app.get("/api/v1/users", key).await;
    users.assert_problem(403, "auth.forbidden");
    assert_eq!(users.body["required_permission"], "users:read");
    app.get("/api/v1/api-keys", key)
        .await
        .assert_problem(403, "auth.forbidden");
    // A key is not a person: it has no profile of its own.
    app.get("/api/v1/auth/profile", key)
        .await
        .assert_problem(403, "auth.forbidden");
    // Nor can it grant what it does not carry, even though its creator could.
    let wider = app
        .post(
            "/api/v1/roles",
            key,
            json!({ "key": "reader", "name": "Reader", "permissions": ["orders:read"] }),
        )
        .await;
    wider.assert_problem(403, "auth.forbidden");
    assert_eq!(wider.body["missing_permissions"], json!(["orders:read"]));

    // What the key did is recorded as the key's doing.
    let log = app
        .get("/api/v1/audit-log?action=role.created", &owner)
        .await;
    let entry = &log.body["items"][0];
    assert_eq!(entry["actor_type"], "api_key", "{}", log.body);
    assert_eq!(entry["target_id"], created.body["id"]);
    app.stop().await;
}

async fn a_key_cannot_carry_more_than_its_creator_holds(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Subset", &email("subset")).await;
    let integrator = app
        .create_role(&owner, "integrator", &["api_keys:manage", "orders:read"])
        .await;
    let staff = app
        .add_member(&owner, &email("integrator"), &[integrator])
        .await;

    let within = create_key(&app, &staff, "Orders feed", &["orders:read"]).await;
    assert_eq!(within.status, StatusCode::CREATED, "{}", within.body);

    let more = create_key(&app, &staff, "Too much", &["orders:read", "roles:manage"]).await;
    more.assert_problem(403, "auth.forbidden");
    assert_eq!(more.body["missing_permissions"], json!(["roles:manage"]));

    let unknown = create_key(&app, &staff, "Typo", &["orders:reed"]).await;
    unknown.assert_problem(422, "validation_failed");
    assert_eq!(unknown.fields(), ["permissions[0]"]);
    let empty = create_key(&app, &staff, "Nothing", &[]).await;
    empty.assert_problem(422, "validation_failed");
    assert_eq!(empty.fields(), ["permissions"]);

    let keys = listed_keys(&app, &owner).await;
    assert_eq!(keys.len(), 1, "only the key within bounds exists");
    assert_eq!(keys[0]["created_by"], staff.user_id.as_str());
    app.stop().await;
}

async fn an_unknown_or_tampered_key_is_refused(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Palsu", &email("palsu")).await;
    let (_, secret) = issue_key(&app, &owner, &["roles:manage"]).await;
    let mut tampered = secret.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let forged = format!("ssk_abcdefghij_{}", "x".repeat(43));

    for wrong in ["nonsense", "ssk_", forged.as_str(), tampered.as_str()] {
        let answer = app.get("/api/v1/roles", As::ApiKey(wrong)).await;
        answer.assert_problem(401, "auth.unauthenticated");
        assert!(answer.header("www-authenticate").is_some(), "{wrong}");
    }
    // A wrong key is refused whatever the route, even one that needs no credentials.
    app.post(
        "/api/v1/auth/login",
        As::ApiKey(&tampered),
        json!({ "email": owner.email, "password": crate::support::PASSWORD }),
    )
    .await
    .assert_problem(401, "auth.unauthenticated");
    assert_eq!(
        app.get("/api/v1/roles", As::ApiKey(&secret)).await.status,
        StatusCode::OK
    );
    app.stop().await;
}

async fn a_revoked_key_stops_working_at_once(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Cabut", &email("cabut")).await;
    let (id, secret) = issue_key(&app, &owner, &["roles:manage"]).await;
    let (other_id, other_secret) = issue_key(&app, &owner, &["roles:manage"]).await;
    assert_eq!(
        app.get("/api/v1/roles", As::ApiKey(&secret)).await.status,
        StatusCode::OK
    );

    let revoked = app.delete(&format!("/api/v1/api-keys/{id}"), &owner).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.body);

    app.get("/api/v1/roles", As::ApiKey(&secret))
        .await
        .assert_problem(401, "auth.unauthenticated");
    let keys = listed_keys(&app, &owner).await;
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["id"], other_id.as_str());
    assert_eq!(
        app.get("/api/v1/roles", As::ApiKey(&other_secret))
            .await
            .status,
        StatusCode::OK,
        "other keys keep working"
    );
    app.delete(&format!("/api/v1/api-keys/{id}"), &owner)
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}

async fn a_key_remembers_when_it_was_last_used(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Jejak", &email("jejak")).await;
    let (id, secret) = issue_key(&app, &owner, &["roles:manage"]).await;
    assert!(listed_keys(&app, &owner).await[0]["last_used_at"].is_null());

    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    assert_eq!(
        app.get("/api/v1/roles", As::ApiKey(&secret)).await.status,
        StatusCode::OK
    );

    let keys = listed_keys(&app, &owner).await;
    assert_eq!(keys[0]["id"], id.as_str());
    let used: chrono::DateTime<chrono::Utc> = keys[0]["last_used_at"]
        .as_str()
        .expect("last_used_at is set after use")
        .parse()
        .unwrap();
    assert!(used >= before && used <= chrono::Utc::now(), "{used}");
    app.stop().await;
}

async fn creating_and_revoking_keys_is_in_the_audit_log(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Audit", &email("audit")).await;
    let (id, _) = issue_key(&app, &owner, &["roles:manage", "orders:read"]).await;
    let revoked = app.delete(&format!("/api/v1/api-keys/{id}"), &owner).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);

    let log = app.get("/api/v1/audit-log", &owner).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    let entries = log.body["items"].as_array().unwrap();
    let entry = |action: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("{action} is in {}", log.body))
    };
    let (created, gone) = (entry("api_key.created"), entry("api_key.revoked"));
    for e in [created, gone] {
        assert_eq!(e["target_type"], "api_key");
        assert_eq!(e["target_id"], id.as_str());
        assert_eq!(e["actor_type"], "user");
        assert_eq!(e["actor_id"], owner.user_id.as_str());
        assert!(e["request_id"].is_string());
    }
    assert_eq!(
        created["details"]["permissions"],
        json!(["orders:read", "roles:manage"])
    );
    // Newest first.
    let position = |action: &str| entries.iter().position(|e| e["action"] == action);
    assert!(position("api_key.revoked") < position("api_key.created"));

    let filtered = app
        .get("/api/v1/audit-log?action=api_key.revoked", &owner)
        .await;
    assert_eq!(filtered.body["items"].as_array().unwrap().len(), 1);
    app.stop().await;
}

async fn a_key_stops_working_when_its_creator_leaves_the_store(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Pergi", &email("pergi")).await;
    let admin = app.role_id(&owner, "admin").await;
    let staff = app.add_member(&owner, &email("pembuat"), &[admin]).await;
    let (_, secret) = issue_key(&app, &staff, &["roles:manage"]).await;
    assert_eq!(
        app.get("/api/v1/roles", As::ApiKey(&secret)).await.status,
        StatusCode::OK
    );

    let removed = app
        .delete(&format!("/api/v1/users/{}", staff.user_id), &owner)
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);
    app.get("/api/v1/roles", As::ApiKey(&secret))
        .await
        .assert_problem(401, "auth.unauthenticated");
    app.stop().await;
}

async fn a_key_loses_what_its_creator_loses(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Turun", &email("turun")).await;
    let admin = app.role_id(&owner, "admin").await;
    let viewer = app.create_role(&owner, "viewer", &["users:read"]).await;
    let staff = app
        .add_member(&owner, &email("turun.admin"), &[admin])
        .await;
    let (_, secret) = issue_key(&app, &staff, &["roles:manage", "users:read"]).await;
    assert_eq!(
        app.get("/api/v1/roles", As::ApiKey(&secret)).await.status,
        StatusCode::OK
    );

    let demoted = app
        .put(
            &format!("/api/v1/users/{}/roles", staff.user_id),
            &owner,
            json!({ "role_ids": [viewer] }),
        )
        .await;
    assert_eq!(demoted.status, StatusCode::OK, "{}", demoted.body);

    // The creator may no longer manage roles, so neither may their key.
    app.get("/api/v1/roles", As::ApiKey(&secret))
        .await
        .assert_problem(403, "auth.forbidden");
    let users = app.get("/api/v1/users", As::ApiKey(&secret)).await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.body);
    app.stop().await;
}
