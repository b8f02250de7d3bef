//! NATS JetStream as the bus: the relay publishes with the outbox id as `Nats-Msg-Id`, so the
//! server drops a second publish of one event, and durable consumers handle each event once,
//! NAK failures for redelivery, and park an event as dead after `max_attempts`.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream;
use smartseller_kernel::TenantId;
use smartseller_kernel::event::EventEnvelope;
use smartseller_platform::consumer::{self, EventHandler, RetryPolicy};
use smartseller_platform::nats::NatsBus;
use smartseller_platform::relay::{Relay, Transport};
use smartseller_testkit::db::{Engine, servers_required};
use smartseller_testkit::engine_tests;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::support::{
    ParcelPacked, Recorder, SUBJECT, database, delivery, eventually, handled_rows,
    publish_committed,
};

engine_tests!(
    the_relay_publishes_committed_events_once_with_the_outbox_id_as_message_id,
    a_jetstream_consumer_handles_each_event_once_even_when_it_arrives_twice,
    a_failing_jetstream_handler_is_nakd_retried_and_then_dead_lettered,
);

const CONSUMER: &str = "test.packing_slips";
/// The durable consumer NATS knows `CONSUMER` by.
const DURABLE: &str = "test_packing_slips";

/// A NATS server for one test, with a prefix (and so a stream) of its own.
struct Nats {
    url: String,
    prefix: String,
    js: jetstream::Context,
}

impl Nats {
    /// `None` (after saying why) when no NATS server answers and servers are not required.
    async fn start() -> Option<Nats> {
        let url = std::env::var("SMARTSELLER_TEST_NATS_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "nats://127.0.0.1:4222".into());
        let connected = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(3))
            .connect(&url)
            .await;
        let client = match connected {
            Ok(client) => client,
            Err(error) if servers_required() => {
                panic!("CI=true but NATS at {url} cannot be reached: {error}")
            }
            Err(error) => {
                eprintln!("skipping: NATS at {url} cannot be reached ({error})");
                return None;
            }
        };
        Some(Nats {
            url,
            prefix: format!("t{}", Uuid::now_v7().simple()),
            js: jetstream::new(client),
        })
    }

    /// The stream `NatsBus` makes for this prefix.
    fn stream_name(&self) -> String {
        self.prefix.to_ascii_uppercase()
    }

    async fn bus(&self) -> NatsBus {
        NatsBus::connect(&self.url, &self.prefix)
            .await
            .expect("the bus connects and creates its stream (is JetStream enabled?)")
    }

    async fn stream_messages(&self) -> u64 {
        let mut stream = self
            .js
            .get_stream(self.stream_name())
            .await
            .expect("the stream");
        stream.info().await.expect("stream info").state.messages
    }

    /// The stream sequence up to which the test consumer has acknowledged everything.
    async fn acknowledged_up_to(&self) -> u64 {
        let Ok(stream) = self.js.get_stream(self.stream_name()).await else {
            return 0;
        };
        match stream.consumer_info(DURABLE).await {
            Ok(info) if info.num_ack_pending == 0 && info.num_pending == 0 => {
                info.ack_floor.stream_sequence
            }
            _ => 0,
        }
    }

    async fn remove_stream(self) {
        let _ = self.js.delete_stream(self.stream_name()).await;
    }
}

fn envelope() -> EventEnvelope {
    EventEnvelope::wrap(
        TenantId::new(),
        &ParcelPacked {
            parcel: Uuid::now_v7(),
            sequence: 0,
        },
    )
}

async fn the_relay_publishes_committed_events_once_with_the_outbox_id_as_message_id(
    engine: Engine,
) {
    let Some(nats) = Nats::start().await else {
        return;
    };
    let Some((_database, db)) = database(engine).await else {
        return;
    };
    let bus = nats.bus().await;
    let relay = Relay::new(
        db.clone(),
        Transport::Nats(bus.clone()),
        Duration::from_millis(50),
    );
    let tenant = TenantId::new();
    let mut rolled_back = db.begin_write().await.unwrap();
    rolled_back
        .publish(
            tenant,
            &ParcelPacked {
                parcel: Uuid::now_v7(),
                sequence: 99,
            },
        )
        .await
        .unwrap();
    drop(rolled_back);
    let published = publish_committed(&db, tenant, 3).await;

    assert_eq!(relay.relay_once().await.unwrap(), 3);
    assert_eq!(relay.relay_once().await.unwrap(), 0);
    assert_eq!(nats.stream_messages().await, 3);

    let stream = nats.js.get_stream(nats.stream_name()).await.unwrap();
    for (sequence, event) in (1..).zip(&published) {
        let message = stream.get_raw_message(sequence).await.unwrap();
        assert_eq!(
            message
                .headers
                .get(async_nats::header::NATS_MESSAGE_ID)
                .map(|v| v.as_str()),
            Some(event.id.to_string().as_str()),
            "message {sequence}"
        );
        assert_eq!(
            message.subject.as_str(),
            format!("{}.{SUBJECT}", nats.prefix)
        );
        let sent: EventEnvelope = serde_json::from_slice(&message.payload).unwrap();
        assert_eq!(&sent, event, "the envelope travels unchanged, in order");
    }

    // A relay that crashed after publishing and before marking publishes again: JetStream
    // drops the duplicate by its message id.
    bus.publish(&published[0]).await.unwrap();
    bus.publish(&published[2]).await.unwrap();
    assert_eq!(nats.stream_messages().await, 3);
    nats.remove_stream().await;
}

async fn a_jetstream_consumer_handles_each_event_once_even_when_it_arrives_twice(engine: Engine) {
    let Some(nats) = Nats::start().await else {
        return;
    };
    let Some((_database, db)) = database(engine).await else {
        return;
    };
    let bus = nats.bus().await;
    let (first, second) = (envelope(), envelope());
    bus.publish(&first).await.unwrap();
    bus.publish(&first).await.unwrap();
    bus.publish(&second).await.unwrap();
    // The same event again without a message id, as after the duplicate window has passed:
    // only the consumer's inbox can tell it was handled already.
    nats.js
        .publish(
            bus.subject_for(SUBJECT),
            serde_json::to_vec(&first).unwrap().into(),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(nats.stream_messages().await, 3);

    let recorder = Arc::new(Recorder::new(CONSUMER));
    let shutdown = CancellationToken::new();
    let task = {
        let (bus, db, handler) = (
            bus.clone(),
            db.clone(),
            recorder.clone() as Arc<dyn EventHandler>,
        );
        let token = shutdown.clone();
        tokio::spawn(async move {
            bus.run_consumer(db, handler, RetryPolicy::default(), token)
                .await
        })
    };
    let server = &nats;
    eventually(
        "the consumer acknowledges all three messages",
        || async move { server.acknowledged_up_to().await == 3 },
    )
    .await;
    shutdown.cancel();
    task.await.unwrap().expect("the consumer stops cleanly");

    assert_eq!(recorder.calls(), vec![first.id, second.id]);
    let mut handled = handled_rows(&db, CONSUMER).await;
    handled.sort();
    let mut expected = vec![first.id, second.id];
    expected.sort();
    assert_eq!(handled, expected);
    for event in [&first, &second] {
        let row = delivery(&db, CONSUMER, event.id).await;
        assert!(row.is_done());
        assert_eq!(row.attempts, 1);
    }
    nats.remove_stream().await;
}

async fn a_failing_jetstream_handler_is_nakd_retried_and_then_dead_lettered(engine: Engine) {
    let Some(nats) = Nats::start().await else {
        return;
    };
    let Some((_database, db)) = database(engine).await else {
        return;
    };
    let bus = nats.bus().await;
    let event = envelope();
    bus.publish(&event).await.unwrap();

    let recorder = Arc::new(Recorder::new(CONSUMER).failing(u32::MAX));
    let policy = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
    };
    let shutdown = CancellationToken::new();
    let task = {
        let (bus, db, handler) = (
            bus.clone(),
            db.clone(),
            recorder.clone() as Arc<dyn EventHandler>,
        );
        let token = shutdown.clone();
        tokio::spawn(async move { bus.run_consumer(db, handler, policy, token).await })
    };
    let conn = db.clone();
    eventually("the event is parked as dead", || {
        let conn = conn.clone();
        async move {
            consumer::deliveries_of(conn.conn(), event.id)
                .await
                .unwrap()
                .iter()
                .any(|d| d.status == consumer::DEAD)
        }
    })
    .await;
    // Once dead it is acknowledged, so NATS stops redelivering it.
    let server = &nats;
    eventually("the dead event is acknowledged", || async move {
        server.acknowledged_up_to().await == 1
    })
    .await;
    shutdown.cancel();
    task.await.unwrap().expect("the consumer stops cleanly");

    // Every attempt came from a NATS (re)delivery of the one message.
    assert_eq!(recorder.calls_for(event.id), 3);
    let row = delivery(&db, CONSUMER, event.id).await;
    assert_eq!(row.attempts, 3);
    assert!(
        row.last_error
            .as_deref()
            .is_some_and(|e| e.contains("the courier API is down"))
    );
    assert!(handled_rows(&db, CONSUMER).await.is_empty());
    let dead = consumer::dead_letters(db.conn()).await.unwrap();
    assert_eq!(dead.len(), 1);
    nats.remove_stream().await;
}
