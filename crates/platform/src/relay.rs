//! The relay: moves committed outbox events onto the bus. In-process, "onto the bus" means into
//! each listening consumer's inbox, in the same transaction that marks the events published, so
//! the hand-over is exactly once. With NATS JetStream, each event is published with its id as
//! `Nats-Msg-Id`, so a relay that crashes after publishing and before marking is de-duplicated
//! by the server, and consumers de-duplicate again through their inbox.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::DbErr;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::consumer::{self, Consumers};
use crate::db::Db;
use crate::nats::NatsBus;
use crate::outbox;

/// Where relayed events go.
#[derive(Clone)]
pub enum Transport {
    /// Into the consumer inboxes in the same database; workers in this process pick them up.
    InProcess {
        consumers: Consumers,
        wakeups: HashMap<&'static str, Arc<Notify>>,
    },
    /// Onto NATS JetStream.
    Nats(NatsBus),
}

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error("publishing to NATS failed: {0}")]
    Nats(String),
}

#[derive(Clone)]
pub struct Relay {
    db: Db,
    transport: Transport,
    batch_size: u64,
    poll: Duration,
}

impl Relay {
    pub fn new(db: Db, transport: Transport, poll: Duration) -> Self {
        Self {
            db,
            transport,
            batch_size: 100,
            poll,
        }
    }

    /// Relays one batch; returns how many events moved.
    pub async fn relay_once(&self) -> Result<usize, RelayError> {
        let tx = self.db.begin_write().await?;
        let events = outbox::claim_unpublished(&tx, self.batch_size).await?;
        if events.is_empty() {
            return Ok(0);
        }
        // The consumers that got something: only they are woken, so an event costs no inbox
        // read in the consumers it is not for.
        let mut fed: Vec<&'static str> = Vec::new();
        match &self.transport {
            Transport::InProcess { consumers, .. } => {
                for event in &events {
                    for handler in consumers.wanting(event) {
                        consumer::enqueue(&*tx, handler.name(), event).await?;
                        if !fed.contains(&handler.name()) {
                            fed.push(handler.name());
                        }
                    }
                }
            }
            Transport::Nats(bus) => {
                for event in &events {
                    bus.publish(event)
                        .await
                        .map_err(|e| RelayError::Nats(format!("{e:#}")))?;
                }
            }
        }
        let ids: Vec<uuid::Uuid> = events.iter().map(|e| e.id).collect();
        outbox::mark_published(&tx, &ids).await?;
        tx.commit().await?;
        metrics::counter!("smartseller_events_relayed_total").increment(events.len() as u64);
        if let Transport::InProcess { wakeups, .. } = &self.transport {
            for name in fed {
                if let Some(wakeup) = wakeups.get(name) {
                    wakeup.notify_one();
                }
            }
        }
        Ok(events.len())
    }

    /// Relays until everything committed so far is on the bus. A batch smaller than the
    /// batch size took every event committed before it (or locked by another relay), so there
    /// is no second, empty round; a commit after it has already signalled `outbox_written`.
    pub async fn drain(&self) -> Result<usize, RelayError> {
        let mut total = 0;
        loop {
            let moved = self.relay_once().await?;
            total += moved;
            if (moved as u64) < self.batch_size {
                return Ok(total);
            }
        }
    }

    /// Runs until `shutdown`, waking on every commit that wrote events and at least every
    /// `poll`. On shutdown it drains what is left, so a graceful stop loses nothing.
    pub async fn run(self, shutdown: CancellationToken) {
        let written = self.db.outbox_written();
        loop {
            if let Err(error) = self.drain().await {
                tracing::error!(%error, "relay failed; retrying");
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(self.poll) => continue,
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = written.notified() => {}
                _ = tokio::time::sleep(self.poll) => {}
            }
        }
        match self.drain().await {
            Ok(moved) => tracing::info!(moved, "relay drained on shutdown"),
            Err(error) => {
                tracing::error!(%error, "relay could not drain on shutdown; events stay in the outbox")
            }
        }
    }
}
