//! One store can neither read, change nor even detect another store's rows: to a foreign store,
//! another store's id answers exactly like an id that never existed.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;

use crate::support::{Answer, As, Session, TestApp, email};

engine_tests!(
    another_stores_roles_answer_exactly_like_roles_that_never_existed,
    another_stores_members_answer_exactly_like_members_that_never_existed,
    another_stores_invitations_and_api_keys_answer_exactly_like_absent_ones,
    another_stores_role_ids_are_unknown_roles_here,
    the_audit_log_shows_only_the_stores_own_entries,
);

/// Store B and everything in it that store A will go looking for.
struct OtherStore {
    owner: Session,
    member: Session,
    custom_role: String,
    built_in_role: String,
    invitation: String,
    api_key: String,
    api_key_secret: String,
}

async fn other_store(app: &TestApp) -> OtherStore {
    let owner = app.register("Toko B", &email("b.owner")).await;
    let custom_role = app
        .create_role(&owner, "b_packer", &["orders:read", "users:read"])
        .await;
    let built_in_role = app.role_id(&owner, "staff").await;
    let member = app
        .add_member(
            &owner,
            &email("b.member"),
            std::slice::from_ref(&custom_role),
        )
        .await;
    let invited = app
        .post(
            "/api/v1/invitations",
            &owner,
            json!({ "email": email("b.invitee"), "role_ids": [built_in_role] }),
        )
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
    let key = app
        .post(
            "/api/v1/api-keys",
            &owner,
            json!({ "name": "B's sync", "permissions": ["users:read", "roles:manage"] }),
        )
        .await;
    assert_eq!(key.status, StatusCode::CREATED, "{}", key.body);
    OtherStore {
        owner,
        member,
        custom_role,
        built_in_role,
        invitation: invited.body["id"].as_str().unwrap().to_owned(),
        api_key: key.body["id"].as_str().unwrap().to_owned(),
        api_key_secret: key.body["secret"].as_str().unwrap().to_owned(),
    }
}

fn never_existed() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A problem body without what differs per request.
fn comparable(answer: &Answer) -> (StatusCode, Option<String>, Value) {
    let mut body = answer.body.clone();
    if let Some(problem) = body.as_object_mut() {
        problem.remove("request_id");
    }
    (
        answer.status,
        answer.header("content-type").map(str::to_owned),
        body,
    )
}

/// Calls `path` with `foreign_id` and with an id that never existed, and checks that both answer
/// the same 404, so the caller learns nothing about the foreign row.
async fn assert_looks_absent(
    app: &TestApp,
    who: As<'_>,
    method: Method,
    path: &str,
    foreign_id: &str,
    body: Option<Value>,
) {
    let foreign = app
        .call(
            method.clone(),
            &path.replace("{id}", foreign_id),
            who,
            body.clone(),
        )
        .await;
    foreign.assert_problem(404, "not_found");
    let absent = app
        .call(method, &path.replace("{id}", &never_existed()), who, body)
        .await;
    assert_eq!(comparable(&foreign), comparable(&absent), "{path}");
}

fn ids_in(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|item| item["id"].as_str().expect("id"))
        .collect()
}

async fn another_stores_roles_answer_exactly_like_roles_that_never_existed(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let a = app.register("Toko A", &email("a.owner")).await;
    let b = other_store(&app).await;
    let a_key = app
        .post(
            "/api/v1/api-keys",
            &a,
            json!({ "name": "A's sync", "permissions": ["roles:manage"] }),
        )
        .await;
    let a_secret = a_key.body["secret"].as_str().unwrap().to_owned();
    let update = json!({ "name": "Taken over", "permissions": ["orders:read"] });

    for who in [As::from(&a), As::ApiKey(&a_secret)] {
        for role in [&b.custom_role, &b.built_in_role] {
            assert_looks_absent(&app, who, Method::GET, "/api/v1/roles/{id}", role, None).await;
            assert_looks_absent(
                &app,
                who,
                Method::PUT,
                "/api/v1/roles/{id}",
                role,
                Some(update.clone()),
            )
            .await;
            assert_looks_absent(&app, who, Method::DELETE, "/api/v1/roles/{id}", role, None).await;
        }
    }
    let a_roles = app.get("/api/v1/roles", &a).await;
    let listed = ids_in(&a_roles.body["items"]);
    assert_eq!(listed.len(), 5);
    assert!(!listed.contains(&b.custom_role.as_str()));
    assert!(!listed.contains(&b.built_in_role.as_str()));

    // B's role is untouched.
    let role = app
        .get(&format!("/api/v1/roles/{}", b.custom_role), &b.owner)
        .await;
    assert_eq!(role.status, StatusCode::OK);
    assert_eq!(role.body["key"], "b_packer");
    assert_eq!(
        role.body["permissions"],
        json!(["orders:read", "users:read"])
    );
    app.stop().await;
}

async fn another_stores_members_answer_exactly_like_members_that_never_existed(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let a = app.register("Toko A", &email("a.owner")).await;
    let a_staff = app.role_id(&a, "staff").await;
    let b = other_store(&app).await;

    for user in [&b.owner.user_id, &b.member.user_id] {
        assert_looks_absent(
            &app,
            (&a).into(),
            Method::GET,
            "/api/v1/users/{id}",
            user,
            None,
        )
        .await;
        assert_looks_absent(
            &app,
            (&a).into(),
            Method::PUT,
            "/api/v1/users/{id}/roles",
            user,
            Some(json!({ "role_ids": [a_staff] })),
        )
        .await;
        assert_looks_absent(
            &app,
            (&a).into(),
            Method::DELETE,
            "/api/v1/users/{id}",
            user,
            None,
        )
        .await;
    }
    // The same holds the other way, for B's API key looking at A.
    assert_looks_absent(
        &app,
        As::ApiKey(&b.api_key_secret),
        Method::GET,
        "/api/v1/users/{id}",
        &a.user_id,
        None,
    )
    .await;

    let a_team = app.get("/api/v1/users", &a).await;
    assert_eq!(ids_in(&a_team.body["items"]), [a.user_id.as_str()]);
    let b_team = app
        .get("/api/v1/users", As::ApiKey(&b.api_key_secret))
        .await;
    assert_eq!(b_team.body["items"].as_array().unwrap().len(), 2);

    // B's member keeps their role and their session.
    let profile = app.get("/api/v1/auth/profile", &b.member).await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.body);
    assert_eq!(profile.body["roles"], json!(["b_packer"]));
    app.stop().await;
}

async fn another_stores_invitations_and_api_keys_answer_exactly_like_absent_ones(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let a = app.register("Toko A", &email("a.owner")).await;
    let b = other_store(&app).await;

    assert_looks_absent(
        &app,
        (&a).into(),
        Method::DELETE,
        "/api/v1/invitations/{id}",
        &b.invitation,
        None,
    )
    .await;
    assert_looks_absent(
        &app,
        (&a).into(),
        Method::DELETE,
        "/api/v1/api-keys/{id}",
        &b.api_key,
        None,
    )
    .await;

    let a_invitations = app.get("/api/v1/invitations", &a).await;
    assert_eq!(a_invitations.body["items"], json!([]));
    let a_keys = app.get("/api/v1/api-keys", &a).await;
    assert_eq!(a_keys.body["items"], json!([]));

    // B's invitation is still pending and B's key still works.
    let b_invitations = app.get("/api/v1/invitations", &b.owner).await;
    assert_eq!(
        ids_in(&b_invitations.body["items"]),
        [b.invitation.as_str()]
    );
    let b_keys = app.get("/api/v1/api-keys", &b.owner).await;
    assert_eq!(ids_in(&b_keys.body["items"]), [b.api_key.as_str()]);
    assert_eq!(
        app.get("/api/v1/roles", As::ApiKey(&b.api_key_secret))
            .await
            .status,
        StatusCode::OK
    );
    app.stop().await;
}

async fn another_stores_role_ids_are_unknown_roles_here(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let a = app.register("Toko A", &email("a.owner")).await;
    let a_staff = app.role_id(&a, "staff").await;
    let a_member = app
        .add_member(&a, &email("a.member"), std::slice::from_ref(&a_staff))
        .await;
    let b = other_store(&app).await;

    let invite = |role_ids: Value| {
        app.post(
            "/api/v1/invitations",
            &a,
            json!({ "email": "calon@toko.id", "role_ids": role_ids }),
        )
    };
    let member_roles = format!("/api/v1/users/{}/roles", a_member.user_id);
    let assign = |role_ids: Value| app.put(&member_roles, &a, json!({ "role_ids": role_ids }));
    for foreign in [&b.custom_role, &b.built_in_role] {
        for (answer, absent) in [
            (
                invite(json!([a_staff, foreign])).await,
                invite(json!([a_staff, never_existed()])).await,
            ),
            (
                assign(json!([a_staff, foreign])).await,
                assign(json!([a_staff, never_existed()])).await,
            ),
        ] {
            answer.assert_problem(422, "validation_failed");
            assert_eq!(answer.fields(), ["role_ids[1]"]);
            assert_eq!(answer.body["errors"][0]["code"], "unknown_role");
            assert_eq!(comparable(&answer), comparable(&absent));
        }
    }
    let a_invitations = app.get("/api/v1/invitations", &a).await;
    assert_eq!(a_invitations.body["items"], json!([]));
    let member = app
        .get(&format!("/api/v1/users/{}", a_member.user_id), &a)
        .await;
    assert_eq!(ids_in(&member.body["roles"]), [a_staff.as_str()]);
    // A's attempts assigned nothing: B's role is still held by B's member alone.
    let b_role = app
        .delete(&format!("/api/v1/roles/{}", b.custom_role), &b.owner)
        .await;
    assert_eq!(b_role.body["holders"], 1, "only B's member holds it");
    app.stop().await;
}

async fn the_audit_log_shows_only_the_stores_own_entries(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let a = app.register("Toko A", &email("a.owner")).await;
    app.create_role(&a, "a_packer", &["orders:read"]).await;
    let b = other_store(&app).await;

    let a_log = app.get("/api/v1/audit-log?limit=200", &a).await;
    assert_eq!(a_log.status, StatusCode::OK, "{}", a_log.body);
    let entries = a_log.body["items"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"auth.registered") && actions.contains(&"role.created"));
    let b_ids = [
        b.owner.user_id.as_str(),
        b.member.user_id.as_str(),
        b.custom_role.as_str(),
        b.invitation.as_str(),
        b.api_key.as_str(),
    ];
    for entry in entries {
        for field in ["actor_id", "target_id"] {
            if let Some(id) = entry[field].as_str() {
                assert!(!b_ids.contains(&id), "B's {id} in A's log: {entry}");
            }
        }
        assert_ne!(entry["action"], "invitation.created", "{entry}");
        assert_ne!(entry["action"], "api_key.created", "{entry}");
    }
    for actor in [&b.owner.user_id, &b.member.user_id] {
        let filtered = app
            .get(&format!("/api/v1/audit-log?actor_id={actor}"), &a)
            .await;
        assert_eq!(filtered.status, StatusCode::OK, "{}", filtered.body);
        assert_eq!(filtered.body["items"], json!([]));
    }

    // B's log has B's history, and none of A's.
    let b_log = app.get("/api/v1/audit-log?limit=200", &b.owner).await;
    let b_entries = b_log.body["items"].as_array().unwrap();
    assert!(
        b_entries
            .iter()
            .any(|e| e["action"] == "api_key.created" && e["target_id"] == b.api_key.as_str())
    );
    assert!(
        b_entries
            .iter()
            .all(|e| e["actor_id"] != a.user_id.as_str())
    );
    let a_requests: Vec<&Value> = entries.iter().map(|e| &e["request_id"]).collect();
    for entry in b_entries {
        assert!(entry["request_id"].is_string(), "{entry}");
        assert!(!a_requests.contains(&&entry["request_id"]), "{entry}");
    }
    app.stop().await;
}
