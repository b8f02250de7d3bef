//! The SQLite settings SmartSeller relies on are really in effect on every connection.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use smartseller_platform::Db;
use smartseller_testkit::db::TestDatabase;
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

async fn pragma(db: &Db, name: &str) -> String {
    let row = db
        .conn()
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            format!("PRAGMA {name}"),
        ))
        .await
        .expect("pragma")
        .expect("a row");
    row.try_get_by_index::<i64>(0)
        .map(|v| v.to_string())
        .or_else(|_| row.try_get_by_index::<String>(0))
        .expect("value")
}

#[tokio::test]
async fn every_connection_uses_wal_normal_sync_a_busy_timeout_and_foreign_keys() {
    let database = TestDatabase::sqlite();
    let db = Db::connect(&database.url).await.expect("connect");
    assert_eq!(pragma(&db, "journal_mode").await, "wal");
    assert_eq!(pragma(&db, "synchronous").await, "1", "NORMAL");
    assert_eq!(pragma(&db, "foreign_keys").await, "1");
    assert_eq!(pragma(&db, "busy_timeout").await, "10000");
}

#[tokio::test]
async fn a_write_transaction_takes_the_write_lock_when_it_begins() {
    let database = TestDatabase::sqlite();
    let db = Db::connect(&database.url).await.expect("connect");
    db.conn()
        .execute_unprepared("CREATE TABLE counters (n INTEGER NOT NULL)")
        .await
        .expect("table");

    // Another process's connection that refuses to wait for locks.
    let path = database.url.trim_start_matches("sqlite://").to_owned();
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .busy_timeout(std::time::Duration::ZERO);
    let mut other = SqliteConnection::connect_with(&options)
        .await
        .expect("second connection");

    let tx = db.begin_write().await.expect("begin");
    // Nothing written yet, but BEGIN IMMEDIATE already holds the write lock: with a deferred
    // BEGIN the other writer would slip in here and a read-then-write transaction could later
    // fail to upgrade its lock.
    let blocked = sqlx::query("INSERT INTO counters (n) VALUES (1)")
        .execute(&mut other)
        .await;
    assert!(
        blocked.is_err(),
        "another writer must wait while a write transaction is open"
    );
    tx.commit().await.expect("commit");

    sqlx::query("INSERT INTO counters (n) VALUES (2)")
        .execute(&mut other)
        .await
        .expect("free once committed");
}
