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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_demo_fills_a_store_with_products_variants_and_stock() {
    let database = smartseller_testkit::db::TestDatabase::sqlite();
    let data_dir = tempfile::tempdir().unwrap();
    let seed = |store: &str| {
        Command::new(env!("CARGO_BIN_EXE_smartseller"))
            .args([
                "seed-demo",
                "--products",
                "20",
                "--store",
                store,
                "--email",
                "pemilik@tokodemo.id",
                "--password",
                PASSWORD,
                "--database-url",
                &database.url,
            ])
            .env("SMARTSELLER_DATA_DIR", data_dir.path())
            .env("SMARTSELLER_LOG", "error")
            .output()
            .expect("runs")
    };
    let output = seed("Toko Demo");
    assert!(output.status.success(), "{}", stderr(&output));
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(printed.contains("products=20 "), "{printed}");
    assert!(
        printed.contains("owner_email=pemilik@tokodemo.id (created)"),
        "{printed}"
    );

    // A second run finds the owner and the same seed's products already there.
    let again = seed("Toko Demo");
    assert!(again.status.success(), "{}", stderr(&again));
    let printed = String::from_utf8_lossy(&again.stdout).into_owned();
    assert!(printed.contains("(reused)"), "{printed}");
    assert!(
        printed.contains("products=0 (skipped, already there: 20)"),
        "{printed}"
    );

    let app = TestApp::spawn_on(database, |_| {}).await;
    let login = app.login("pemilik@tokodemo.id", PASSWORD).await;
    assert_eq!(login.status, 200, "{}", login.body);
    let token = login.body["access_token"].as_str().unwrap().to_owned();

    let products = app
        .get("/api/v1/products?limit=200", As::Bearer(&token))
        .await;
    assert_eq!(products.status, 200, "{}", products.body);
    let items = products.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 20);
    let variants: usize = items
        .iter()
        .map(|p| p["variants"].as_array().unwrap().len())
        .sum();
    assert!(
        variants >= 40,
        "about five variants a product, got {variants}"
    );
    assert!(items.iter().all(|p| p["category_id"].is_string()));

    let warehouses = app.get("/api/v1/warehouses", As::Bearer(&token)).await;
    assert_eq!(warehouses.status, 200, "{}", warehouses.body);
    assert_eq!(warehouses.body["items"].as_array().unwrap().len(), 3);

    let levels = app
        .get("/api/v1/inventory?limit=200", As::Bearer(&token))
        .await;
    assert_eq!(levels.status, 200, "{}", levels.body);
    let levels = levels.body["items"].as_array().unwrap();
    assert!(
        levels.len() >= variants,
        "every variant is stocked somewhere"
    );
    assert!(levels.iter().all(|l| l["on_hand"].as_i64().unwrap() > 0));
    app.stop().await;
}
