//! NATS JetStream: the bus when SmartSeller runs as several processes. One stream holds every
//! `*.events` subject under a configurable prefix; each consumer is a durable pull consumer.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_nats::jetstream::{self, AckKind, consumer::pull, stream};
use futures::StreamExt;
use smartseller_kernel::event::EventEnvelope;
use tokio_util::sync::CancellationToken;

use crate::consumer::{self, EventHandler, Outcome, RetryPolicy};
use crate::db::Db;

#[derive(Clone)]
pub struct NatsBus {
    js: jetstream::Context,
    prefix: String,
    stream: String,
}

impl NatsBus {
    /// Connects and makes sure the stream exists. `prefix` namespaces every subject
    /// (`{prefix}.user.events`), so several installations or test runs can share one server.
    pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .with_context(|| format!("cannot reach NATS at {url}"))?;
        let js = jetstream::new(client);
        let stream_name: String = prefix
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        js.get_or_create_stream(stream::Config {
            name: stream_name.clone(),
            subjects: vec![format!("{prefix}.>")],
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        })
        .await
        .with_context(|| format!("cannot create the JetStream stream {stream_name}"))?;
        Ok(Self {
            js,
            prefix: prefix.to_owned(),
            stream: stream_name,
        })
    }

    pub fn subject_for(&self, subject: &str) -> String {
        format!("{}.{subject}", self.prefix)
    }

    /// Publishes and waits for the server's acknowledgement. The outbox id is the message id, so
    /// a second publish of the same event within the duplicate window is dropped by JetStream.
    pub async fn publish(&self, envelope: &EventEnvelope) -> anyhow::Result<()> {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", envelope.id.to_string().as_str());
        let payload = serde_json::to_vec(envelope)?;
        self.js
            .publish_with_headers(self.subject_for(&envelope.subject), headers, payload.into())
            .await?
            .await
            .context("JetStream did not acknowledge the event")?;
        Ok(())
    }

    /// Consumes the handler's subjects with a durable consumer until `shutdown`.
    pub async fn run_consumer(
        &self,
        db: Db,
        handler: Arc<dyn EventHandler>,
        policy: RetryPolicy,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        let durable: String = handler
            .name()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let stream = self.js.get_stream(&self.stream).await?;
        let consumer = stream
            .get_or_create_consumer(
                &durable,
                pull::Config {
                    durable_name: Some(durable.clone()),
                    filter_subjects: handler
                        .subjects()
                        .iter()
                        .map(|s| self.subject_for(s))
                        .collect(),
                    ack_wait: Duration::from_secs(30),
                    ..Default::default()
                },
            )
            .await
            .with_context(|| format!("cannot create the JetStream consumer {durable}"))?;
        let mut messages = consumer.messages().await?;
        loop {
            let next = tokio::select! {
                _ = shutdown.cancelled() => return Ok(()),
                next = messages.next() => next,
            };
            let Some(message) = next else { return Ok(()) };
            let message = match message {
                Ok(message) => message,
                Err(error) => {
                    tracing::warn!(%error, consumer = durable, "NATS message stream error");
                    continue;
                }
            };
            let envelope: EventEnvelope = match serde_json::from_slice(&message.payload) {
                Ok(envelope) => envelope,
                Err(error) => {
                    // Not ours, or corrupt: nothing can ever handle it.
                    tracing::error!(%error, consumer = durable, "undecodable event; terminating it");
                    let _ = message.ack_with(AckKind::Term).await;
                    continue;
                }
            };
            let ack = match consumer::deliver(&db, handler.as_ref(), &envelope, policy).await {
                Ok(Outcome::Handled | Outcome::AlreadyHandled | Outcome::Dead) => AckKind::Ack,
                Ok(Outcome::Retry { after }) => AckKind::Nak(Some(after)),
                Err(error) => {
                    tracing::error!(%error, consumer = durable, "cannot record the delivery; NATS will redeliver");
                    AckKind::Nak(Some(policy.base_delay))
                }
            };
            if let Err(error) = message.ack_with(ack).await {
                tracing::warn!(%error, consumer = durable, "acknowledgement to NATS failed");
            }
        }
    }
}
