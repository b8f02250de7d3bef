//! A fresh database for every test: a new SQLite file in a temporary folder, or a new PostgreSQL
//! database created on the server named by `SMARTSELLER_TEST_DATABASE_URL`.
//!
//! PostgreSQL tests skip quietly on a developer machine without that variable, but with
//! `CI=true` a missing or unreachable server is a failure, never a skip.

use sqlx::Connection;
use sqlx::postgres::PgConnection;

/// Which engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub const TEST_DATABASE_URL: &str = "SMARTSELLER_TEST_DATABASE_URL";

/// Whether a missing server must fail the run.
pub fn servers_required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A database that exists for one test.
pub struct TestDatabase {
    pub url: String,
    pub engine: Engine,
    // Keeps the SQLite folder alive as long as the test holds the database.
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().expect("a temporary folder for the SQLite file");
        let url = format!("sqlite://{}/test.db", dir.path().display());
        TestDatabase {
            url,
            engine: Engine::Sqlite,
            _dir: Some(dir),
        }
    }

    /// A new, empty PostgreSQL database, or `None` when none is configured (outside CI).
    pub async fn postgres() -> Option<TestDatabase> {
        let server = match std::env::var(TEST_DATABASE_URL) {
            Ok(url) if !url.is_empty() => url,
            _ if servers_required() => panic!(
                "CI=true but {TEST_DATABASE_URL} is not set: PostgreSQL tests cannot be skipped in CI"
            ),
            _ => return None,
        };
        let mut admin = PgConnection::connect(&server)
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {server}: {e}"));
        let name = format!("ss_test_{}", uuid::Uuid::now_v7().simple());
        // The name is ours (a UUID), never user input.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        admin.close().await.ok();
        Some(TestDatabase {
            url: replace_database(&server, &name),
            engine: Engine::Postgres,
            _dir: None,
        })
    }

    /// Another handle on this same database, for a second app in one test (two processes of
    /// one installation). It does not keep a SQLite folder alive: keep `self` until both are done.
    pub fn shared(&self) -> TestDatabase {
        TestDatabase {
            url: self.url.clone(),
            engine: self.engine,
            _dir: None,
        }
    }

    /// The database for `engine`, or `None` when that engine is not available here.
    pub async fn fresh(engine: Engine) -> Option<TestDatabase> {
        match engine {
            Engine::Sqlite => Some(Self::sqlite()),
            Engine::Postgres => Self::postgres().await,
        }
    }
}

/// `postgres://u@h:5432/postgres?x=y` with the database name swapped for `name`.
fn replace_database(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let authority_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    let mut url = format!("{}/{name}", &base[..authority_end]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

/// Declares one test per engine for each named body: `engine_tests!(a, b);` makes `mod a` with
/// tests `sqlite` and `postgres`, each calling `a(engine)` (a module and a function may share a
/// name). A body skips itself when its engine is unavailable here.
#[macro_export]
macro_rules! engine_tests {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::db::Engine::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::db::Engine::Postgres).await
            }
        }
    )*};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_swapped_in_place() {
        assert_eq!(
            replace_database("postgres://root@127.0.0.1:5432/postgres", "t1"),
            "postgres://root@127.0.0.1:5432/t1"
        );
        assert_eq!(
            replace_database("postgres://root@localhost/x?sslmode=disable", "t2"),
            "postgres://root@localhost/t2?sslmode=disable"
        );
        assert_eq!(
            replace_database("postgres://root@localhost", "t3"),
            "postgres://root@localhost/t3"
        );
    }
}
