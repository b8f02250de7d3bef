//! What the platform tests share: a migrated database per test, a test event, and consumers that
//! record what they handled (and can be told to fail).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Statement};
use sea_orm_migration::MigratorTrait;
use serde::Serialize;
use smartseller_kernel::TenantId;
use smartseller_kernel::event::{DomainEvent, EventEnvelope};
use smartseller_platform::consumer::{self, EventHandler};
use smartseller_platform::migrations::PlatformMigrator;
use smartseller_platform::{Db, WriteTx};
use smartseller_testkit::db::{Engine, TestDatabase};
use uuid::Uuid;

/// The subject the test events travel on.
pub const SUBJECT: &str = "parcel.events";

/// A test event: a parcel was packed in the warehouse.
#[derive(Debug, Serialize)]
pub struct ParcelPacked {
    pub parcel: Uuid,
    pub sequence: usize,
}

impl DomainEvent for ParcelPacked {
    const SUBJECT: &'static str = SUBJECT;

    fn event_type(&self) -> &'static str {
        "parcel.packed"
    }

    fn aggregate_id(&self) -> Uuid {
        self.parcel
    }
}

/// A database on `engine` with the platform tables and the table test consumers write to, or
/// `None` when `engine` is unavailable here. Keep the `TestDatabase` alive for the whole test.
pub async fn database(engine: Engine) -> Option<(TestDatabase, Db)> {
    let database = TestDatabase::fresh(engine).await?;
    let db = Db::connect(&database.url)
        .await
        .expect("the database opens");
    PlatformMigrator::up(db.conn(), None)
        .await
        .expect("platform migrations apply");
    // No primary key on purpose: a handler that ran twice must leave two rows to count.
    db.conn()
        .execute_unprepared(
            "CREATE TABLE handled_events (consumer VARCHAR(100) NOT NULL, event_id VARCHAR(36) NOT NULL)",
        )
        .await
        .expect("the consumers' table is created");
    Some((database, db))
}

/// Publishes `count` events, each in its own committed transaction, in order.
pub async fn publish_committed(db: &Db, tenant: TenantId, count: usize) -> Vec<EventEnvelope> {
    let mut published = Vec::with_capacity(count);
    for sequence in 0..count {
        let mut tx = db.begin_write().await.expect("begin");
        let envelope = tx
            .publish(
                tenant,
                &ParcelPacked {
                    parcel: Uuid::now_v7(),
                    sequence,
                },
            )
            .await
            .expect("publish");
        tx.commit().await.expect("commit");
        published.push(envelope);
    }
    published
}

/// Publishes `count` events in one committed transaction.
pub async fn publish_in_one_transaction(
    db: &Db,
    tenant: TenantId,
    count: usize,
) -> Vec<EventEnvelope> {
    let mut tx = db.begin_write().await.expect("begin");
    let mut published = Vec::with_capacity(count);
    for sequence in 0..count {
        published.push(
            tx.publish(
                tenant,
                &ParcelPacked {
                    parcel: Uuid::now_v7(),
                    sequence,
                },
            )
            .await
            .expect("publish"),
        );
    }
    tx.commit().await.expect("commit");
    published
}

/// A consumer that writes one `handled_events` row per event it handles and remembers every
/// call; it can be told to fail (after writing its row, so the rollback is visible).
pub struct Recorder {
    name: &'static str,
    subjects: &'static [&'static str],
    calls: Mutex<Vec<Uuid>>,
    failures_left: AtomicU32,
}

impl Recorder {
    pub fn new(name: &'static str) -> Self {
        Self::listening(name, &[SUBJECT])
    }

    pub fn listening(name: &'static str, subjects: &'static [&'static str]) -> Self {
        Self {
            name,
            subjects,
            calls: Mutex::new(Vec::new()),
            failures_left: AtomicU32::new(0),
        }
    }

    /// The next `times` calls fail; `u32::MAX` means every call until [`Recorder::fix`].
    pub fn failing(self, times: u32) -> Self {
        self.failures_left.store(times, Ordering::SeqCst);
        self
    }

    pub fn fix(&self) {
        self.failures_left.store(0, Ordering::SeqCst);
    }

    /// Every event the handler was called with, in call order, failed calls included.
    pub fn calls(&self) -> Vec<Uuid> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn calls_for(&self, event: Uuid) -> usize {
        self.calls().iter().filter(|id| **id == event).count()
    }
}

#[async_trait::async_trait]
impl EventHandler for Recorder {
    fn name(&self) -> &'static str {
        self.name
    }

    fn subjects(&self) -> &'static [&'static str] {
        self.subjects
    }

    async fn handle(&self, tx: &mut WriteTx, event: &EventEnvelope) -> anyhow::Result<()> {
        self.calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(event.id);
        // The name is ours and the id a UUID: nothing here needs escaping.
        tx.execute_unprepared(&format!(
            "INSERT INTO handled_events (consumer, event_id) VALUES ('{}', '{}')",
            self.name, event.id
        ))
        .await?;
        let fail = self
            .failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| match left {
                0 => None,
                u32::MAX => Some(u32::MAX),
                n => Some(n - 1),
            })
            .is_ok();
        if fail {
            anyhow::bail!("the courier API is down");
        }
        Ok(())
    }
}

/// The events `consumer` has committed `handled_events` rows for, in insertion order.
pub async fn handled_rows(db: &Db, consumer: &str) -> Vec<Uuid> {
    let rows = db
        .conn()
        .query_all_raw(Statement::from_string(
            db.conn().get_database_backend(),
            format!("SELECT event_id FROM handled_events WHERE consumer = '{consumer}'"),
        ))
        .await
        .expect("read handled_events");
    rows.iter()
        .map(|row| {
            let id: String = row.try_get("", "event_id").expect("event_id");
            Uuid::parse_str(&id).expect("a UUID")
        })
        .collect()
}

/// The inbox row of `consumer` for `event`.
pub async fn delivery(db: &Db, consumer: &str, event: Uuid) -> consumer::entity::Model {
    consumer::deliveries_of(db.conn(), event)
        .await
        .expect("read deliveries")
        .into_iter()
        .find(|d| d.consumer == consumer)
        .unwrap_or_else(|| panic!("no delivery of {event} to {consumer}"))
}

/// Waits until `check` holds, for work done by background tasks.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for: {what}");
}
