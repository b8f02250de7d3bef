//! Consumers: idempotent reactions to events. Every (consumer, event) pair has one row in
//! `event_deliveries`, the consumer inbox: the handler's writes and the row turning `done` commit
//! together, so an event redelivered by the relay or by NATS changes nothing the second time.
//! A handler that fails is retried with exponential backoff and, after `max_attempts`, parked as
//! `dead` for an operator to inspect and replay.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use smartseller_kernel::clock;
use smartseller_kernel::event::EventEnvelope;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::db::{Db, WriteTx};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "event_deliveries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub consumer: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub event_id: Uuid,
        pub subject: String,
        pub event_type: String,
        pub envelope: Json,
        pub status: String,
        pub attempts: i32,
        pub next_attempt_at: DateTimeUtc,
        pub last_error: Option<String>,
        pub handled_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{Column, Entity};

pub const PENDING: &str = "pending";
pub const DONE: &str = "done";
pub const DEAD: &str = "dead";

/// A reaction to events. `handle` runs inside the write transaction that also marks the event
/// handled, so database effects happen exactly once; effects outside the database (mail, HTTP)
/// must be idempotent by the event id.
#[async_trait::async_trait]
pub trait EventHandler: Send + Sync + 'static {
    /// A stable name: the inbox key and the durable NATS consumer name.
    fn name(&self) -> &'static str;
    /// The subjects it listens to, e.g. `user.events`.
    fn subjects(&self) -> &'static [&'static str];
    /// Whether it acts on events of `event_type` at all. Events it ignores get no inbox row
    /// and cost no transaction: a busy subject (every checkout's stock hold) is not paid for by
    /// handlers that only care about a rare event on it.
    fn handles(&self, _event_type: &str) -> bool {
        true
    }
    async fn handle(&self, tx: &mut WriteTx, event: &EventEnvelope) -> anyhow::Result<()>;
}

/// When to try a failing handler again, and when to give up.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: i32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff: base, 2×base, 4×base, ... capped at `max_delay`.
    pub fn delay_after(&self, attempts: i32) -> Duration {
        let exponent = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(20);
        self.base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay)
    }
}

/// What became of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Handled,
    AlreadyHandled,
    Retry { after: Duration },
    Dead,
}

/// The registered consumers.
#[derive(Clone, Default)]
pub struct Consumers {
    handlers: Vec<Arc<dyn EventHandler>>,
}

impl Consumers {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, handler: Arc<dyn EventHandler>) {
        self.handlers.push(handler);
    }

    pub fn handlers(&self) -> &[Arc<dyn EventHandler>] {
        &self.handlers
    }

    /// The consumers that listen to `subject`.
    pub fn listening_to<'a>(
        &'a self,
        subject: &'a str,
    ) -> impl Iterator<Item = &'a Arc<dyn EventHandler>> + 'a {
        self.handlers
            .iter()
            .filter(move |h| h.subjects().contains(&subject))
    }

    /// The consumers that act on `envelope`: they listen to its subject and handle its type.
    pub fn wanting<'a>(
        &'a self,
        envelope: &'a EventEnvelope,
    ) -> impl Iterator<Item = &'a Arc<dyn EventHandler>> + 'a {
        self.listening_to(&envelope.subject)
            .filter(move |h| h.handles(&envelope.event_type))
    }
}

/// Puts `envelope` in the inbox of `consumer` as pending, unless it is already there.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    consumer: &str,
    envelope: &EventEnvelope,
) -> Result<(), DbErr> {
    let row = entity::ActiveModel {
        consumer: Set(consumer.to_owned()),
        event_id: Set(envelope.id),
        subject: Set(envelope.subject.clone()),
        event_type: Set(envelope.event_type.clone()),
        envelope: Set(serde_json::to_value(envelope).map_err(|e| DbErr::Custom(e.to_string()))?),
        status: Set(PENDING.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(clock::now()),
        last_error: Set(None),
        handled_at: Set(None),
    };
    Entity::insert(row)
        .on_conflict_do_nothing_on([Column::Consumer, Column::EventId])
        .exec(conn)
        .await
        .map(|_| ())
}

/// Runs `handler` on `envelope` at most once successfully, recording the attempt.
pub async fn deliver(
    db: &Db,
    handler: &dyn EventHandler,
    envelope: &EventEnvelope,
    policy: RetryPolicy,
) -> Result<Outcome, DbErr> {
    // An event type the handler ignores (as a NATS subscriber sees every one of its subjects).
    if !handler.handles(&envelope.event_type) {
        return Ok(Outcome::AlreadyHandled);
    }
    let mut tx = db.begin_write().await?;
    let find = || {
        let mut query = Entity::find_by_id((handler.name().to_owned(), envelope.id));
        if tx.get_database_backend() == DbBackend::Postgres {
            query = query.lock(LockType::Update);
        }
        query
    };
    // In-process, the relay already put the event in the inbox; from NATS, the first delivery
    // puts it there now.
    let row = match find().one(&*tx).await? {
        Some(row) => row,
        None => {
            enqueue(&*tx, handler.name(), envelope).await?;
            find()
                .one(&*tx)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound("event delivery".into()))?
        }
    };
    if row.status != PENDING {
        return Ok(Outcome::AlreadyHandled);
    }
    let attempts = row.attempts + 1;
    match handler.handle(&mut tx, envelope).await {
        Ok(()) => {
            set_status(
                &*tx,
                handler.name(),
                envelope.id,
                DONE,
                attempts,
                None,
                Some(clock::now()),
                clock::now(),
            )
            .await?;
            tx.commit().await?;
            metrics::counter!("smartseller_events_handled_total", "consumer" => handler.name())
                .increment(1);
            Ok(Outcome::Handled)
        }
        Err(error) => {
            // The handler's partial writes roll back with this transaction; the failure is
            // recorded in a fresh one.
            drop(tx);
            let message = format!("{error:#}");
            tracing::warn!(consumer = handler.name(), event_id = %envelope.id, attempts, error = %message, "event handler failed");
            metrics::counter!("smartseller_events_failed_total", "consumer" => handler.name())
                .increment(1);
            let (status, outcome, next) = if attempts >= policy.max_attempts {
                (DEAD, Outcome::Dead, clock::now())
            } else {
                let after = policy.delay_after(attempts);
                (
                    PENDING,
                    Outcome::Retry { after },
                    clock::now() + chrono::Duration::from_std(after).unwrap_or_default(),
                )
            };
            let tx = db.begin_write().await?;
            // The rollback took the inbox row with it when this attempt created it (a first
            // delivery from NATS): put it back, or the attempt count never grows and the
            // event is retried forever instead of becoming dead.
            enqueue(&*tx, handler.name(), envelope).await?;
            set_status(
                &*tx,
                handler.name(),
                envelope.id,
                status,
                attempts,
                Some(message),
                None,
                next,
            )
            .await?;
            tx.commit().await?;
            Ok(outcome)
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn set_status(
    conn: &impl ConnectionTrait,
    consumer: &str,
    event_id: uuid::Uuid,
    status: &str,
    attempts: i32,
    last_error: Option<String>,
    handled_at: Option<DateTime<Utc>>,
    next_attempt_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::Status, Expr::value(status))
        .col_expr(Column::Attempts, Expr::value(attempts))
        .col_expr(Column::LastError, Expr::value(last_error))
        .col_expr(Column::HandledAt, Expr::value(handled_at))
        .col_expr(Column::NextAttemptAt, Expr::value(next_attempt_at))
        .filter(Column::Consumer.eq(consumer))
        .filter(Column::EventId.eq(event_id))
        // Only a pending delivery changes: a failure recorded after another worker handled
        // the event meanwhile must not turn `done` back into `pending` (a second handling).
        .filter(Column::Status.eq(PENDING))
        .exec(conn)
        .await
        .map(|_| ())
}

/// The deliveries of one consumer that are due now.
async fn due(
    conn: &impl ConnectionTrait,
    consumer: &str,
    limit: u64,
) -> Result<Vec<EventEnvelope>, DbErr> {
    let rows = Entity::find()
        .filter(Column::Consumer.eq(consumer))
        .filter(Column::Status.eq(PENDING))
        .filter(Column::NextAttemptAt.lte(clock::now()))
        .order_by_asc(Column::EventId)
        .limit(limit)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| serde_json::from_value(row.envelope).ok())
        .collect())
}

/// Dead letters of every consumer, newest first, for operators.
/// How many deliveries are still waiting for their consumer (retries included); zero once every
/// event relayed so far has been handled or parked as dead.
pub async fn pending_count(conn: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    Entity::find()
        .filter(Column::Status.eq(PENDING))
        .count(conn)
        .await
}

pub async fn dead_letters(conn: &impl ConnectionTrait) -> Result<Vec<entity::Model>, DbErr> {
    Entity::find()
        .filter(Column::Status.eq(DEAD))
        .order_by_desc(Column::EventId)
        .all(conn)
        .await
}

/// Puts a dead letter back in line for another round of attempts.
pub async fn replay_dead_letter(
    db: &Db,
    consumer: &str,
    event_id: uuid::Uuid,
) -> Result<bool, DbErr> {
    let tx = db.begin_write().await?;
    let result = Entity::update_many()
        .col_expr(Column::Status, Expr::value(PENDING))
        .col_expr(Column::Attempts, Expr::value(0))
        .col_expr(Column::NextAttemptAt, Expr::value(clock::now()))
        .filter(Column::Consumer.eq(consumer))
        .filter(Column::EventId.eq(event_id))
        .filter(Column::Status.eq(DEAD))
        .exec(&*tx)
        .await?;
    tx.commit().await?;
    Ok(result.rows_affected == 1)
}

/// Works through one consumer's inbox in this process: the in-process bus.
pub async fn run_inbox_worker(
    db: Db,
    handler: Arc<dyn EventHandler>,
    policy: RetryPolicy,
    wakeup: Arc<Notify>,
    poll: Duration,
    shutdown: CancellationToken,
) {
    const BATCH: usize = 50;
    loop {
        let batch = match due(db.conn(), handler.name(), BATCH as u64).await {
            Ok(batch) => batch,
            Err(error) => {
                tracing::error!(consumer = handler.name(), %error, "cannot read the consumer inbox");
                Vec::new()
            }
        };
        for envelope in &batch {
            if let Err(error) = deliver(&db, handler.as_ref(), envelope, policy).await {
                tracing::error!(consumer = handler.name(), event_id = %envelope.id, %error, "cannot record an event delivery");
            }
        }
        // A short batch was everything due: wait for the relay (whose wake-up, if it came
        // meanwhile, is kept by the `Notify`) rather than read the inbox again to find it empty.
        if batch.len() < BATCH {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = wakeup.notified() => {}
                _ = tokio::time::sleep(poll) => {}
            }
        } else if shutdown.is_cancelled() {
            return;
        }
    }
}

/// Stored delivery rows of one event, for tests and diagnostics.
pub async fn deliveries_of(
    conn: &impl ConnectionTrait,
    event_id: uuid::Uuid,
) -> Result<Vec<entity::Model>, DbErr> {
    Entity::find()
        .filter(Column::EventId.eq(event_id))
        .all(conn)
        .await
}

impl entity::Model {
    pub fn is_done(&self) -> bool {
        self.status == DONE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        assert_eq!(policy.delay_after(1), Duration::from_millis(100));
        assert_eq!(policy.delay_after(2), Duration::from_millis(200));
        assert_eq!(policy.delay_after(3), Duration::from_millis(400));
        assert_eq!(policy.delay_after(9), Duration::from_secs(1));
    }

    struct Picky(&'static str, Option<&'static str>);

    #[async_trait::async_trait]
    impl EventHandler for Picky {
        fn name(&self) -> &'static str {
            self.0
        }

        fn subjects(&self) -> &'static [&'static str] {
            &["order.events"]
        }

        fn handles(&self, event_type: &str) -> bool {
            self.1.is_none_or(|wanted| wanted == event_type)
        }

        async fn handle(&self, _: &mut WriteTx, _: &EventEnvelope) -> anyhow::Result<()> {
            Ok(())
        }
    }

    fn envelope(subject: &str, event_type: &str) -> EventEnvelope {
        EventEnvelope {
            id: uuid::Uuid::now_v7(),
            subject: subject.to_owned(),
            event_type: event_type.to_owned(),
            tenant_id: smartseller_kernel::TenantId::new(),
            aggregate_id: uuid::Uuid::now_v7(),
            version: 1,
            occurred_at: clock::now(),
            payload: serde_json::Value::Null,
        }
    }

    #[test]
    fn only_handlers_of_the_subject_and_the_type_want_an_event() {
        let mut consumers = Consumers::new();
        consumers.add(Arc::new(Picky("all", None)));
        consumers.add(Arc::new(Picky("paid_only", Some("order.paid"))));
        let names = |e: &EventEnvelope| consumers.wanting(e).map(|h| h.name()).collect::<Vec<_>>();
        assert_eq!(
            names(&envelope("order.events", "order.paid")),
            ["all", "paid_only"]
        );
        assert_eq!(names(&envelope("order.events", "order.created")), ["all"]);
        assert!(names(&envelope("user.events", "order.paid")).is_empty());
    }
}
