//! Running a team: roles and their permissions, invitations, members and what each may do.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;

use crate::support::{Answer, As, PASSWORD, Session, TestApp, email};

engine_tests!(
    every_store_starts_with_the_five_built_in_roles_and_the_permission_catalogue,
    a_custom_role_is_created_with_exactly_the_permissions_asked_for,
    an_unknown_permission_is_refused_naming_its_position,
    a_role_key_is_unique_within_a_store,
    built_in_roles_cannot_be_changed_or_deleted,
    a_custom_role_can_be_changed_and_deleted,
    a_role_someone_holds_cannot_be_deleted_until_they_let_it_go,
    an_invited_staff_member_gets_exactly_their_roles_permissions,
    a_staff_member_sees_the_team_only_once_granted_users_read,
    an_invitation_is_accepted_only_once,
    a_cancelled_invitation_cannot_be_accepted,
    inviting_someone_already_in_the_store_is_a_conflict,
    members_are_listed_with_their_roles_one_page_at_a_time,
    changing_a_members_roles_ends_their_sessions_at_once,
    the_owner_can_be_neither_demoted_nor_removed_nor_appointed,
    nobody_can_grant_permissions_they_do_not_hold,
    removing_a_member_ends_their_access_to_the_store,
    a_role_promised_by_a_pending_invitation_cannot_be_deleted,
    nobody_can_change_or_remove_a_member_who_holds_more_than_they_do,
);

const BUILT_IN: [&str; 5] = ["owner", "admin", "staff", "warehouse", "customer_service"];

/// The keys of a list of roles: a page (`items`) or a member's `roles`.
fn keys_of(roles: &Value) -> Vec<&str> {
    roles
        .get("items")
        .unwrap_or(roles)
        .as_array()
        .expect("a list of roles")
        .iter()
        .map(|r| r["key"].as_str().expect("key"))
        .collect()
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v.as_str().expect("a string"))
        .collect()
}

/// The ids of a page of members.
fn member_ids(page: &Answer) -> Vec<String> {
    page.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["id"].as_str().expect("id").to_owned())
        .collect()
}

/// The `.eml` files the app wrote to `to`.
fn mail_to(app: &TestApp, to: &str) -> Vec<String> {
    std::fs::read_dir(app.data_dir.path().join("mail"))
        .expect("the mail folder exists")
        .map(|entry| entry.expect("a mail file").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
        .map(|path| std::fs::read_to_string(path).expect("a readable mail"))
        .filter(|mail| mail.contains(&format!("\r\nTo: {to}\r\n")))
        .collect()
}

async fn invite(app: &TestApp, inviter: &Session, email: &str, roles: &[&str]) -> Answer {
    app.post(
        "/api/v1/invitations",
        inviter,
        json!({ "email": email, "role_ids": roles }),
    )
    .await
}

async fn accept(app: &TestApp, token: &str) -> Answer {
    app.post(
        "/api/v1/invitations/accept",
        As::Nobody,
        json!({ "token": token, "full_name": "Dewi Kasir", "password": PASSWORD }),
    )
    .await
}

// Roles.

async fn every_store_starts_with_the_five_built_in_roles_and_the_permission_catalogue(
    engine: Engine,
) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Peran", &email("peran")).await;

    let roles = app.get("/api/v1/roles", &owner).await;
    assert_eq!(roles.status, StatusCode::OK, "{}", roles.body);
    let keys: HashSet<&str> = keys_of(&roles.body).into_iter().collect();
    assert_eq!(keys, HashSet::from(BUILT_IN));
    assert!(
        roles.body["next_cursor"].is_null(),
        "one page holds them all"
    );
    // Two at a time, following the cursor, gives the same five in the same order.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/roles?limit=2&cursor={c}"),
            None => "/api/v1/roles?limit=2".to_owned(),
        };
        let page = app.get(&path, &owner).await;
        assert!(page.body["items"].as_array().unwrap().len() <= 2);
        paged.extend(keys_of(&page.body).into_iter().map(str::to_owned));
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, keys_of(&roles.body));
    for role in roles.body["items"].as_array().unwrap() {
        assert_eq!(role["built_in"], true, "{role}");
        assert!(
            !role["permissions"].as_array().unwrap().is_empty(),
            "{role}"
        );
    }
    let warehouse = roles.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "warehouse")
        .unwrap();
    assert!(strings(&warehouse["permissions"]).contains(&"inventory:adjust"));
    assert!(!strings(&warehouse["permissions"]).contains(&"roles:manage"));

    let permissions = app.get("/api/v1/permissions", &owner).await;
    assert_eq!(permissions.status, StatusCode::OK, "{}", permissions.body);
    let catalogue = permissions.body.as_array().unwrap();
    let named: HashSet<&str> = catalogue
        .iter()
        .map(|p| p["permission"].as_str().unwrap())
        .collect();
    assert_eq!(named.len(), catalogue.len(), "each permission once");
    // The owner holds every permission there is, so the catalogue is exactly theirs.
    let profile = app.get("/api/v1/auth/profile", &owner).await;
    let held: HashSet<&str> = strings(&profile.body["permissions"]).into_iter().collect();
    assert_eq!(named, held);
    for expected in [
        "orders:read",
        "payments:refund",
        "roles:manage",
        "audit:read",
    ] {
        let entry = catalogue
            .iter()
            .find(|p| p["permission"] == expected)
            .unwrap_or_else(|| panic!("{expected} is in the catalogue"));
        assert!(!entry["description"].as_str().unwrap().is_empty());
    }
    app.stop().await;
}

async fn a_custom_role_is_created_with_exactly_the_permissions_asked_for(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Kasir", &email("kasir")).await;

    let created = app
        .post(
            "/api/v1/roles",
            &owner,
            json!({ "key": "cashier", "name": "Kasir", "description": "Front counter",
                    "permissions": ["products:read", "orders:read", "orders:read"] }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/roles/{id}").as_str())
    );
    assert_eq!(created.body["key"], "cashier");
    assert_eq!(created.body["name"], "Kasir");
    assert_eq!(created.body["description"], "Front counter");
    assert_eq!(created.body["built_in"], false);
    assert_eq!(
        created.body["permissions"],
        json!(["products:read", "orders:read"])
    );

    let fetched = app.get(&format!("/api/v1/roles/{id}"), &owner).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.body, created.body);

    // Without a key, one is derived from the name.
    let derived = app
        .post(
            "/api/v1/roles",
            &owner,
            json!({ "name": "Gudang Jakarta", "permissions": ["inventory:read"] }),
        )
        .await;
    assert_eq!(derived.status, StatusCode::CREATED, "{}", derived.body);
    assert_eq!(derived.body["key"], "gudang_jakarta");

    let roles = app.get("/api/v1/roles", &owner).await;
    let keys = keys_of(&roles.body);
    assert_eq!(keys.len(), 7);
    assert_eq!(keys[5..], ["cashier", "gudang_jakarta"], "built-in first");
    app.stop().await;
}

async fn an_unknown_permission_is_refused_naming_its_position(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Salah", &email("salah")).await;

    let refused = app
        .post(
            "/api/v1/roles",
            &owner,
            json!({ "key": "packer", "name": "Packer",
                    "permissions": ["orders:read", "orders:destroy", "inventory:read"] }),
        )
        .await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.fields(), ["permissions[1]"]);
    assert_eq!(refused.body["errors"][0]["code"], "unknown_permission");

    let roles = app.get("/api/v1/roles", &owner).await;
    assert_eq!(keys_of(&roles.body).len(), 5, "nothing was created");
    app.stop().await;
}

async fn a_role_key_is_unique_within_a_store(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Kunci", &email("kunci")).await;
    app.create_role(&owner, "packer", &["orders:read"]).await;

    let again = app
        .post(
            "/api/v1/roles",
            &owner,
            json!({ "key": "packer", "name": "Another packer", "permissions": ["products:read"] }),
        )
        .await;
    again.assert_problem(409, "roles.key_taken");
    let built_in = app
        .post(
            "/api/v1/roles",
            &owner,
            json!({ "key": "admin", "name": "Admin too", "permissions": ["products:read"] }),
        )
        .await;
    built_in.assert_problem(409, "roles.key_taken");

    // Another store may use the same key.
    let other = app.register("Toko Lain", &email("lain")).await;
    app.create_role(&other, "packer", &["orders:read"]).await;
    app.stop().await;
}

async fn built_in_roles_cannot_be_changed_or_deleted(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Bawaan", &email("bawaan")).await;
    for key in ["admin", "staff"] {
        let id = app.role_id(&owner, key).await;
        let before = app.get(&format!("/api/v1/roles/{id}"), &owner).await;

        app.put(
            &format!("/api/v1/roles/{id}"),
            &owner,
            json!({ "name": "Renamed", "permissions": ["orders:read"] }),
        )
        .await
        .assert_problem(409, "roles.built_in");
        app.delete(&format!("/api/v1/roles/{id}"), &owner)
            .await
            .assert_problem(409, "roles.built_in");

        let after = app.get(&format!("/api/v1/roles/{id}"), &owner).await;
        assert_eq!(after.status, StatusCode::OK);
        assert_eq!(after.body, before.body, "{key} is unchanged");
    }
    app.stop().await;
}

async fn a_custom_role_can_be_changed_and_deleted(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Ubah", &email("ubah")).await;
    let id = app.create_role(&owner, "packer", &["orders:read"]).await;

    let updated = app
        .put(
            &format!("/api/v1/roles/{id}"),
            &owner,
            json!({ "key": "ignored", "name": "Packing team", "description": "Night shift",
                    "permissions": ["orders:read", "inventory:read"] }),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.body["key"], "packer", "the key never changes");
    assert_eq!(updated.body["name"], "Packing team");
    assert_eq!(updated.body["description"], "Night shift");
    assert_eq!(
        updated.body["permissions"],
        json!(["inventory:read", "orders:read"])
    );
    let fetched = app.get(&format!("/api/v1/roles/{id}"), &owner).await;
    assert_eq!(fetched.body["name"], "Packing team");

    let deleted = app.delete(&format!("/api/v1/roles/{id}"), &owner).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    app.get(&format!("/api/v1/roles/{id}"), &owner)
        .await
        .assert_problem(404, "not_found");
    app.delete(&format!("/api/v1/roles/{id}"), &owner)
        .await
        .assert_problem(404, "not_found");
    assert!(!keys_of(&app.get("/api/v1/roles", &owner).await.body).contains(&"packer"));
    app.stop().await;
}

async fn a_role_someone_holds_cannot_be_deleted_until_they_let_it_go(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Dipakai", &email("dipakai")).await;
    let packer = app.create_role(&owner, "packer", &["orders:read"]).await;
    let member = app
        .add_member(&owner, &email("packer"), std::slice::from_ref(&packer))
        .await;

    let refused = app.delete(&format!("/api/v1/roles/{packer}"), &owner).await;
    refused.assert_problem(409, "roles.in_use");
    assert_eq!(refused.body["holders"], 1);

    let staff = app.role_id(&owner, "staff").await;
    let moved = app
        .put(
            &format!("/api/v1/users/{}/roles", member.user_id),
            &owner,
            json!({ "role_ids": [staff] }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let deleted = app.delete(&format!("/api/v1/roles/{packer}"), &owner).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    app.stop().await;
}

// Invitations.

async fn an_invited_staff_member_gets_exactly_their_roles_permissions(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Undang", &email("undang")).await;
    let cashier = app
        .create_role(&owner, "cashier", &["orders:read", "products:read"])
        .await;
    let dewi = email("dewi");

    let invited = invite(&app, &owner, &dewi, &[&cashier]).await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
    assert_eq!(invited.header("cache-control"), Some("no-store"));
    assert_eq!(invited.body["email"], dewi);
    assert_eq!(invited.body["status"], "pending");
    assert_eq!(invited.body["roles"][0]["key"], "cashier");
    let token = invited.body["accept_token"].as_str().unwrap().to_owned();
    assert!(!token.is_empty());

    // The invitation went out by email, with the link that accepts it.
    let mails = mail_to(&app, &dewi);
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("Toko Undang"), "{}", mails[0]);
    assert!(mails[0].contains(&token), "{}", mails[0]);

    let accepted = accept(&app, &token).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(accepted.body["tenant_id"], owner.tenant_id.as_str());
    assert!(accepted.body["refresh_token"].is_string());
    let staff = crate::support::session(&accepted, &dewi);

    let profile = app.get("/api/v1/auth/profile", &staff).await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.body);
    assert_eq!(profile.body["email"], dewi);
    assert_eq!(profile.body["full_name"], "Dewi Kasir");
    assert_eq!(profile.body["roles"], json!(["cashier"]));
    assert_eq!(
        profile.body["permissions"],
        json!(["products:read", "orders:read"])
    );

    let roles = app.get("/api/v1/roles", &staff).await;
    roles.assert_problem(403, "auth.forbidden");
    assert_eq!(roles.body["required_permission"], "roles:manage");
    app.get("/api/v1/users", &staff)
        .await
        .assert_problem(403, "auth.forbidden");
    app.post(
        "/api/v1/invitations",
        &staff,
        json!({ "email": email("teman"), "role_ids": [cashier] }),
    )
    .await
    .assert_problem(403, "auth.forbidden");

    // The new member can sign in with the password they chose.
    assert_eq!(app.login(&dewi, PASSWORD).await.status, StatusCode::OK);
    app.stop().await;
}

async fn a_staff_member_sees_the_team_only_once_granted_users_read(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Tim", &email("tim")).await;
    let cashier = app.create_role(&owner, "cashier", &["orders:read"]).await;
    let lead = app
        .create_role(&owner, "shift_lead", &["orders:read", "users:read"])
        .await;
    let staff_email = email("rina");
    let staff = app
        .add_member(&owner, &staff_email, std::slice::from_ref(&cashier))
        .await;
    app.get("/api/v1/users", &staff)
        .await
        .assert_problem(403, "auth.forbidden");

    let granted = app
        .put(
            &format!("/api/v1/users/{}/roles", staff.user_id),
            &owner,
            json!({ "role_ids": [lead] }),
        )
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    let again = app.login(&staff_email, PASSWORD).await;
    let staff = crate::support::session(&again, &staff_email);

    let team = app.get("/api/v1/users", &staff).await;
    assert_eq!(team.status, StatusCode::OK, "{}", team.body);
    let ids = member_ids(&team);
    assert!(ids.contains(&owner.user_id) && ids.contains(&staff.user_id));
    let one = app
        .get(&format!("/api/v1/users/{}", owner.user_id), &staff)
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    assert_eq!(one.body["email"], owner.email);
    // Reading the team is not managing it.
    app.delete(&format!("/api/v1/users/{}", owner.user_id), &staff)
        .await
        .assert_problem(403, "auth.forbidden");
    app.stop().await;
}

async fn an_invitation_is_accepted_only_once(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Sekali", &email("sekali")).await;
    let staff = app.role_id(&owner, "staff").await;
    let invited = invite(&app, &owner, &email("sekali.staff"), &[&staff]).await;
    let token = invited.body["accept_token"].as_str().unwrap();

    assert_eq!(accept(&app, token).await.status, StatusCode::OK);
    accept(&app, token)
        .await
        .assert_problem(410, "invitations.invalid");
    accept(&app, "inv_not_a_real_token")
        .await
        .assert_problem(410, "invitations.invalid");

    let pending = app.get("/api/v1/invitations", &owner).await;
    assert_eq!(pending.body["items"], json!([]), "{}", pending.body);
    app.stop().await;
}

async fn a_cancelled_invitation_cannot_be_accepted(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Batal", &email("batal")).await;
    let staff = app.role_id(&owner, "staff").await;
    let invited = invite(&app, &owner, &email("batal.staff"), &[&staff]).await;
    let id = invited.body["id"].as_str().unwrap();
    let token = invited.body["accept_token"].as_str().unwrap();

    let pending = app.get("/api/v1/invitations", &owner).await;
    assert_eq!(pending.status, StatusCode::OK, "{}", pending.body);
    assert_eq!(pending.body["items"][0]["id"], id);
    assert!(
        pending.body["items"][0].get("accept_token").is_none(),
        "the token is shown once"
    );

    let cancelled = app
        .delete(&format!("/api/v1/invitations/{id}"), &owner)
        .await;
    assert_eq!(
        cancelled.status,
        StatusCode::NO_CONTENT,
        "{}",
        cancelled.body
    );
    let pending = app.get("/api/v1/invitations", &owner).await;
    assert_eq!(pending.body["items"], json!([]));
    accept(&app, token)
        .await
        .assert_problem(410, "invitations.invalid");
    app.delete(&format!("/api/v1/invitations/{id}"), &owner)
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}

async fn inviting_someone_already_in_the_store_is_a_conflict(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Anggota", &email("anggota")).await;
    let staff = app.role_id(&owner, "staff").await;
    let member_email = email("anggota.staff");
    app.add_member(&owner, &member_email, std::slice::from_ref(&staff))
        .await;

    invite(&app, &owner, &member_email, &[&staff])
        .await
        .assert_problem(409, "invitations.already_member");
    invite(&app, &owner, &member_email.to_uppercase(), &[&staff])
        .await
        .assert_problem(409, "invitations.already_member");
    invite(&app, &owner, &owner.email, &[&staff])
        .await
        .assert_problem(409, "invitations.already_member");
    app.stop().await;
}

// Members.

async fn members_are_listed_with_their_roles_one_page_at_a_time(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Daftar", &email("daftar")).await;
    let staff = app.role_id(&owner, "staff").await;
    let warehouse = app.role_id(&owner, "warehouse").await;
    let ana = app
        .add_member(&owner, &email("ana"), std::slice::from_ref(&staff))
        .await;
    let budi = app
        .add_member(&owner, &email("budi"), &[staff.clone(), warehouse.clone()])
        .await;

    let all = app.get("/api/v1/users", &owner).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert!(all.body["next_cursor"].is_null());
    let items = all.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let roles_of = |id: &str| -> HashSet<String> {
        let member = items.iter().find(|m| m["id"] == id).expect("listed");
        member["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["key"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(roles_of(&owner.user_id), HashSet::from(["owner".into()]));
    assert_eq!(roles_of(&ana.user_id), HashSet::from(["staff".into()]));
    assert_eq!(
        roles_of(&budi.user_id),
        HashSet::from(["staff".into(), "warehouse".into()])
    );

    // One at a time, following the cursor, visits everyone once.
    let mut seen = Vec::new();
    let mut path = "/api/v1/users?limit=1".to_owned();
    loop {
        let page = app.get(&path, &owner).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let ids = member_ids(&page);
        assert_eq!(ids.len(), 1, "{}", page.body);
        seen.extend(ids);
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/users?limit=1&cursor={cursor}"),
            None => break,
        }
        assert!(seen.len() < 10, "the cursor keeps going");
    }
    assert_eq!(seen.len(), 3);
    assert_eq!(seen, member_ids(&all), "pages follow the full list's order");

    let bad = app.get("/api/v1/users?cursor=not-a-cursor", &owner).await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.fields(), ["cursor"]);
    let zero = app.get("/api/v1/users?limit=0", &owner).await;
    zero.assert_problem(422, "validation_failed");
    assert_eq!(zero.fields(), ["limit"]);
    app.stop().await;
}

async fn changing_a_members_roles_ends_their_sessions_at_once(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Pindah", &email("pindah")).await;
    let staff = app.role_id(&owner, "staff").await;
    let warehouse = app.role_id(&owner, "warehouse").await;
    let member_email = email("pindah.staff");
    let member = app
        .add_member(&owner, &member_email, std::slice::from_ref(&staff))
        .await;
    assert_eq!(
        app.get("/api/v1/auth/profile", &member).await.status,
        StatusCode::OK
    );

    let changed = app
        .put(
            &format!("/api/v1/users/{}/roles", member.user_id),
            &owner,
            json!({ "role_ids": [warehouse] }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.body["id"], member.user_id.as_str());
    assert_eq!(keys_of(&changed.body["roles"]), ["warehouse"]);

    app.get("/api/v1/auth/profile", &member)
        .await
        .assert_problem(401, "auth.session_revoked");
    let refresh = app
        .post(
            "/api/v1/auth/refresh",
            As::Nobody,
            json!({ "refresh_token": member.refresh }),
        )
        .await;
    assert_eq!(refresh.status, StatusCode::UNAUTHORIZED, "{}", refresh.body);

    let again = app.login(&member_email, PASSWORD).await;
    let member = crate::support::session(&again, &member_email);
    let profile = app.get("/api/v1/auth/profile", &member).await;
    assert_eq!(profile.body["roles"], json!(["warehouse"]));
    let permissions = strings(&profile.body["permissions"]);
    assert!(permissions.contains(&"inventory:adjust"));
    assert!(
        !permissions.contains(&"orders:write"),
        "staff's rights are gone"
    );

    let log = app
        .get("/api/v1/audit-log?action=member.roles_changed", &owner)
        .await;
    assert_eq!(log.body["items"][0]["target_id"], member.user_id.as_str());
    app.stop().await;
}

async fn the_owner_can_be_neither_demoted_nor_removed_nor_appointed(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Pemilik", &email("pemilik")).await;
    let admin_role = app.role_id(&owner, "admin").await;
    let owner_role = app.role_id(&owner, "owner").await;
    let staff_role = app.role_id(&owner, "staff").await;
    // An admin holds every permission, and still cannot touch the owner.
    let admin = app
        .add_member(&owner, &email("admin"), std::slice::from_ref(&admin_role))
        .await;
    let member = app
        .add_member(&owner, &email("biasa"), std::slice::from_ref(&staff_role))
        .await;

    for who in [&owner, &admin] {
        app.put(
            &format!("/api/v1/users/{}/roles", owner.user_id),
            who,
            json!({ "role_ids": [staff_role] }),
        )
        .await
        .assert_problem(409, "users.owner_protected");
        app.delete(&format!("/api/v1/users/{}", owner.user_id), who)
            .await
            .assert_problem(409, "users.owner_protected");
    }
    app.put(
        &format!("/api/v1/users/{}/roles", member.user_id),
        &owner,
        json!({ "role_ids": [owner_role] }),
    )
    .await
    .assert_problem(409, "users.owner_protected");
    invite(&app, &owner, &email("calon"), &[&owner_role])
        .await
        .assert_problem(409, "users.owner_protected");

    let profile = app.get("/api/v1/auth/profile", &owner).await;
    assert_eq!(
        profile.status,
        StatusCode::OK,
        "the owner's session lives on"
    );
    assert_eq!(profile.body["roles"], json!(["owner"]));
    app.stop().await;
}

async fn nobody_can_grant_permissions_they_do_not_hold(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Batas", &email("batas")).await;
    let manager_role = app
        .create_role(
            &owner,
            "team_manager",
            &["roles:manage", "users:manage", "orders:read"],
        )
        .await;
    let refunds = app
        .create_role(&owner, "refunds", &["payments:refund"])
        .await;
    let admin_role = app.role_id(&owner, "admin").await;
    let manager = app
        .add_member(
            &owner,
            &email("manajer"),
            std::slice::from_ref(&manager_role),
        )
        .await;

    let allowed = app
        .post(
            "/api/v1/roles",
            &manager,
            json!({ "key": "reader", "name": "Reader", "permissions": ["orders:read"] }),
        )
        .await;
    assert_eq!(allowed.status, StatusCode::CREATED, "{}", allowed.body);
    let reader = allowed.body["id"].as_str().unwrap();

    let escalation = app
        .post(
            "/api/v1/roles",
            &manager,
            json!({ "key": "refunder", "name": "Refunder",
                    "permissions": ["orders:read", "payments:refund"] }),
        )
        .await;
    escalation.assert_problem(403, "auth.forbidden");
    assert_eq!(
        escalation.body["missing_permissions"],
        json!(["payments:refund"])
    );

    let widened = app
        .put(
            &format!("/api/v1/roles/{reader}"),
            &manager,
            json!({ "name": "Reader", "permissions": ["orders:read", "payments:refund"] }),
        )
        .await;
    widened.assert_problem(403, "auth.forbidden");
    assert_eq!(
        widened.body["missing_permissions"],
        json!(["payments:refund"])
    );

    for role in [&refunds, &admin_role] {
        let handed_out = invite(&app, &manager, &email("baru"), &[role]).await;
        handed_out.assert_problem(403, "auth.forbidden");
        assert!(
            strings(&handed_out.body["missing_permissions"]).contains(&"payments:refund"),
            "{}",
            handed_out.body
        );
    }
    let roles = app.get("/api/v1/roles", &owner).await;
    assert!(!keys_of(&roles.body).contains(&"refunder"));
    let reader_now = app.get(&format!("/api/v1/roles/{reader}"), &owner).await;
    assert_eq!(reader_now.body["permissions"], json!(["orders:read"]));
    app.stop().await;
}

async fn removing_a_member_ends_their_access_to_the_store(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Keluar Tim", &email("keluartim")).await;
    let staff = app.role_id(&owner, "staff").await;
    let member_email = email("pergi");
    let member = app
        .add_member(&owner, &member_email, std::slice::from_ref(&staff))
        .await;
    let path = format!("/api/v1/users/{}", member.user_id);
    let before = app.get(&path, &owner).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    assert_eq!(before.body["email"], member_email);

    let removed = app.delete(&path, &owner).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);

    app.get(&path, &owner)
        .await
        .assert_problem(404, "not_found");
    app.delete(&path, &owner)
        .await
        .assert_problem(404, "not_found");
    let team = app.get("/api/v1/users", &owner).await;
    assert_eq!(member_ids(&team), [owner.user_id.as_str()]);
    app.get("/api/v1/auth/profile", &member)
        .await
        .assert_problem(401, "auth.session_revoked");
    let login = app.login(&member_email, PASSWORD).await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED, "{}", login.body);
    let log = app
        .get("/api/v1/audit-log?action=member.removed", &owner)
        .await;
    assert_eq!(log.body["items"][0]["target_id"], member.user_id.as_str());
    app.stop().await;
}

async fn a_role_promised_by_a_pending_invitation_cannot_be_deleted(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Janji", &email("janji")).await;
    let picker = app.create_role(&owner, "picker", &["orders:read"]).await;
    let invited = invite(&app, &owner, &email("calon"), &[&picker]).await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);

    let refused = app.delete(&format!("/api/v1/roles/{picker}"), &owner).await;
    refused.assert_problem(409, "roles.in_use");

    let invitation = invited.body["id"].as_str().unwrap();
    let cancelled = app
        .delete(&format!("/api/v1/invitations/{invitation}"), &owner)
        .await;
    assert_eq!(cancelled.status, StatusCode::NO_CONTENT);
    let deleted = app.delete(&format!("/api/v1/roles/{picker}"), &owner).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    app.stop().await;
}

async fn nobody_can_change_or_remove_a_member_who_holds_more_than_they_do(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Berjenjang", &email("jenjang")).await;
    let lead_role = app
        .create_role(
            &owner,
            "team_lead",
            &["users:read", "users:manage", "orders:read"],
        )
        .await;
    let lead = app
        .add_member(&owner, &email("lead"), std::slice::from_ref(&lead_role))
        .await;
    let admin_role = app.role_id(&owner, "admin").await;
    let admin = app.add_member(&owner, &email("admin"), &[admin_role]).await;

    let demote = app
        .put(
            &format!("/api/v1/users/{}/roles", admin.user_id),
            &lead,
            json!({ "role_ids": [lead_role] }),
        )
        .await;
    demote.assert_problem(403, "auth.forbidden");
    assert!(
        demote.body["missing_permissions"]
            .as_array()
            .is_some_and(|m| !m.is_empty())
    );
    app.delete(&format!("/api/v1/users/{}", admin.user_id), &lead)
        .await
        .assert_problem(403, "auth.forbidden");

    // The admin is untouched and still signed in.
    let profile = app.get("/api/v1/auth/profile", &admin).await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.body);
    assert_eq!(profile.body["roles"], json!(["admin"]));
    app.stop().await;
}
