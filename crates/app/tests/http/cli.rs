//! The `smartseller` binary itself: it refuses bad configuration at once with a clear message,
//! prints the OpenAPI document without a database, and creates the first platform operator.

use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;

use crate::support::{As, PASSWORD, TestApp};

fn smartseller(args: &[&str], data_dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_smartseller"))
        .args(args)
        .env("SMARTSELLER_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .env("SMARTSELLER_LOG", "error")
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn an_unknown_database_scheme_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let output = smartseller(
        &["serve", "--database-url", "mysql://root@127.0.0.1/shop"],
        dir.path(),
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("unsupported database URL scheme"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_unreachable_database_is_refused_at_start_without_leaking_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let output = smartseller(
        &[
            "serve",
            "--database-url",
            "postgres://app:hunter2@127.0.0.1:1/shop",
        ],
        dir.path(),
    );
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("cannot reach the database"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(30), "fails fast");
}

#[test]
fn an_unknown_domain_and_unknown_settings_are_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let output = smartseller(&["serve", "--domains", "identity,warehouse"], dir.path());
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("unknown domain `warehouse`"),
        "{}",
        stderr(&output)
    );

    let config = dir.path().join("smartseller.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\nlisten_twice = true\n").unwrap();
    let output = smartseller(&["--config", config.to_str().unwrap(), "serve"], dir.path());
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("listen_twice"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn serving_only_some_domains_on_sqlite_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let output = smartseller(&["serve", "--domains", "catalog,inventory"], dir.path());
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("shared PostgreSQL"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_openapi_document_is_printed_without_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let output = smartseller(&["openapi"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(document["paths"]["/api/v1/auth/register"]["post"].is_object());
    assert!(
        !dir.path().join("smartseller.db").exists(),
        "no database was created"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_platform_operator_is_created_from_the_command_line() {
    let database = smartseller_testkit::db::TestDatabase::sqlite();
    let data_dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_smartseller"))
        .args([
            "admin",
            "create-user",
            "--email",
            "ops@smartseller.id",
            "--name",
            "Operator",
            "--database-url",
            &database.url,
        ])
        .env("SMARTSELLER_ADMIN_PASSWORD", PASSWORD)
        .env("SMARTSELLER_DATA_DIR", data_dir.path())
        .env("SMARTSELLER_LOG", "error")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("created platform operator"));

    let weak = Command::new(env!("CARGO_BIN_EXE_smartseller"))
        .args([
            "admin",
            "create-user",
            "--email",
            "x@smartseller.id",
            "--name",
            "X",
            "--password",
            "short",
            "--database-url",
            &database.url,
        ])
        .env("SMARTSELLER_DATA_DIR", data_dir.path())
        .output()
        .expect("runs");
    assert!(!weak.status.success());
    assert!(stderr(&weak).contains("password"), "{}", stderr(&weak));

    let app = TestApp::spawn_on(database, |_| {}).await;
    let login = app.login("ops@smartseller.id", PASSWORD).await;
    assert_eq!(login.status, 200, "{}", login.body);
    let operator = login.body["access_token"].as_str().unwrap().to_owned();
    let tenants = app
        .get("/api/v1/admin/tenants", As::Bearer(&operator))
        .await;
    assert_eq!(tenants.status, 200, "{}", tenants.body);
    assert_eq!(tenants.body["items"].as_array().unwrap().len(), 1);

    let seller = app.register("Toko Biasa", "biasa@toko.id").await;
    app.get("/api/v1/admin/tenants", &seller)
        .await
        .assert_problem(403, "auth.forbidden");
    app.stop().await;
}
