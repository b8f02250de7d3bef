//! Events end to end: a state change and its event commit together, and every committed event
//! reaches each consumer exactly once, even across a crash of the whole process.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use smartseller_contracts::identity::UserEvent;
use smartseller_kernel::{TenantId, UserId};
use smartseller_platform::Db;
use smartseller_platform::consumer::{self, entity::Model as Delivery};
use smartseller_platform::outbox;
use smartseller_testkit::db::{Engine, TestDatabase};
use smartseller_testkit::engine_tests;

use crate::support::{PASSWORD, TestApp, email};

engine_tests!(
    registering_sends_one_welcome_mail_through_the_outbox,
    a_committed_event_survives_a_crash_and_reaches_each_consumer_once,
    a_graceful_stop_relays_everything_committed,
    identity_tells_the_rest_of_smartseller_what_happened_to_people,
);

const WELCOME_MAIL: &str = "identity.welcome_mail";

/// The `user.registered` event of `user_id`, from the outbox.
async fn registered_event(db: &Db, user_id: &str) -> outbox::entity::Model {
    let user_id: uuid::Uuid = user_id.parse().expect("a user id");
    outbox::entity::Entity::find()
        .filter(outbox::entity::Column::EventType.eq("user.registered"))
        .filter(outbox::entity::Column::AggregateId.eq(user_id))
        .one(db.conn())
        .await
        .expect("read the outbox")
        .expect("registration wrote a user.registered event")
}

/// Delivery rows of one event, by consumer.
async fn deliveries(db: &Db, event: uuid::Uuid) -> BTreeMap<String, Vec<Delivery>> {
    let mut by_consumer: BTreeMap<String, Vec<Delivery>> = BTreeMap::new();
    for row in consumer::deliveries_of(db.conn(), event)
        .await
        .expect("read deliveries")
    {
        by_consumer
            .entry(row.consumer.clone())
            .or_default()
            .push(row);
    }
    by_consumer
}

/// Every file in a mail folder (a half-written message would show up too).
fn mail_files(mail_dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(mail_dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

async fn registering_sends_one_welcome_mail_through_the_outbox(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner_email = email("welcome");
    let owner = app.register("Toko Sambutan", &owner_email).await;
    let event = registered_event(&app.db, &owner.user_id).await;

    let mail = app
        .data_dir
        .path()
        .join("mail")
        .join(format!("{}.eml", event.id));
    app.eventually("the welcome mail is written", || {
        let mail = mail.clone();
        async move { mail.exists() }
    })
    .await;
    app.eventually("the delivery is recorded as done", || async {
        deliveries(&app.db, event.id)
            .await
            .get(WELCOME_MAIL)
            .is_some_and(|rows| rows.iter().all(|d| d.is_done()))
    })
    .await;

    let message = std::fs::read_to_string(&mail).expect("the mail is readable");
    assert!(message.contains(&format!("To: {owner_email}")), "{message}");
    assert!(
        message.contains("Subject: Welcome to SmartSeller, Owner"),
        "{message}"
    );
    assert!(message.contains("Toko Sambutan"), "{message}");
    assert_eq!(
        mail_files(&app.data_dir.path().join("mail")),
        vec![format!("{}.eml", event.id)]
    );
    let rows = &deliveries(&app.db, event.id).await[WELCOME_MAIL];
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].attempts, 1);
    assert_eq!(rows[0].event_type, "user.registered");
    assert_eq!(outbox::unpublished_count(app.db.conn()).await.unwrap(), 0);
    app.stop().await;
}

/// The real `smartseller` binary, serving on a port of its own.
struct Server {
    child: tokio::process::Child,
    base: String,
    log: PathBuf,
}

impl Server {
    /// Starts `smartseller serve` on `data_dir` (and `database_url`, or the SQLite file in the
    /// data dir) and waits until it is ready.
    async fn start(data_dir: &Path, database_url: Option<&str>, relay: bool) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let log = data_dir.join(format!("server-{port}.log"));
        let log_file = std::fs::File::create(&log).expect("a log file");
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_smartseller"));
        command
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(data_dir)
            .current_dir(data_dir)
            // Only what this test sets: a developer's SMARTSELLER_* variables must not leak in.
            .env_clear()
            .env("SMARTSELLER_EVENTS__RELAY", relay.to_string())
            .env("SMARTSELLER_EVENTS__POLL_MS", "50")
            .env("SMARTSELLER_EVENTS__RETRY_BASE_MS", "20")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log"))
            .stderr(log_file)
            .kill_on_drop(true);
        if let Some(url) = database_url {
            command.env("DATABASE_URL", url);
        }
        let child = command.spawn().expect("the smartseller binary starts");
        let mut server = Server { child, base, log };
        server.wait_until_ready().await;
        server
    }

    async fn wait_until_ready(&mut self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("smartseller exited with {status}:\n{}", self.log_text());
            }
            if let Ok(response) = client.get(format!("{}/readyz", self.base)).send().await
                && response.status() == StatusCode::OK
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("smartseller did not get ready:\n{}", self.log_text());
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn register(&self, store: &str, email: &str) -> String {
        let response = reqwest::Client::new()
            .post(format!("{}/api/v1/auth/register", self.base))
            .json(&json!({ "store_name": store, "full_name": "Owner", "email": email, "password": PASSWORD }))
            .send()
            .await
            .expect("register request");
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: serde_json::Value = response.json().await.expect("a JSON body");
        body["user_id"].as_str().expect("user_id").to_owned()
    }

    /// SIGKILL: no graceful shutdown, no drain, nothing flushed.
    async fn crash(mut self) {
        self.child.kill().await.expect("the process is killed");
    }
}

/// Waits until `check` holds.
async fn eventually<F, Fut>(what: &str, server: &Server, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for: {what}\n{}", server.log_text());
}

/// Every consumer has exactly one delivery of `event`, and it is done.
fn delivered_once_to_each(rows: &BTreeMap<String, Vec<Delivery>>) -> bool {
    rows.contains_key(WELCOME_MAIL) && rows.values().all(|r| r.len() == 1 && r[0].is_done())
}

async fn a_committed_event_survives_a_crash_and_reaches_each_consumer_once(engine: Engine) {
    let data = tempfile::tempdir().expect("a data dir");
    // PostgreSQL: a fresh database. SQLite: the binary's default file in its data dir.
    let postgres = match engine {
        Engine::Postgres => match TestDatabase::fresh(engine).await {
            Some(database) => Some(database),
            None => return,
        },
        Engine::Sqlite => None,
    };
    let database_url = match &postgres {
        Some(database) => database.url.clone(),
        None => format!("sqlite://{}/smartseller.db", data.path().display()),
    };
    let server_url = postgres.as_ref().map(|d| d.url.as_str());
    let mail_dir = data.path().join("mail");

    // The relay is off, so the event committed with the registration stays in the outbox, and
    // the process dies before anything could deliver it.
    let server = Server::start(data.path(), server_url, false).await;
    let user_id = server.register("Toko Tahan Banting", &email("crash")).await;
    server.crash().await;

    let db = Db::connect(&database_url)
        .await
        .expect("the database opens");
    let event = registered_event(&db, &user_id).await;
    assert_eq!(
        event.published_at, None,
        "the event was relayed before the crash"
    );
    assert!(outbox::unpublished_count(db.conn()).await.unwrap() >= 1);
    assert!(deliveries(&db, event.id).await.is_empty());
    assert!(
        mail_files(&mail_dir).is_empty(),
        "mail sent before the relay ran"
    );

    // Restarted with the relay on: the event is delivered from the outbox.
    let server = Server::start(data.path(), server_url, true).await;
    let mail = mail_dir.join(format!("{}.eml", event.id));
    eventually(
        "the welcome mail is written after the restart",
        &server,
        || {
            let mail = mail.clone();
            async move { mail.exists() }
        },
    )
    .await;
    eventually("each consumer's delivery is done", &server, || async {
        delivered_once_to_each(&deliveries(&db, event.id).await)
    })
    .await;
    assert_eq!(mail_files(&mail_dir), vec![format!("{}.eml", event.id)]);
    assert_eq!(outbox::unpublished_count(db.conn()).await.unwrap(), 0);
    let handled: BTreeMap<String, (i32, Option<DateTime<Utc>>)> = deliveries(&db, event.id)
        .await
        .into_iter()
        .map(|(name, rows)| (name, (rows[0].attempts, rows[0].handled_at)))
        .collect();
    assert!(handled.values().all(|(attempts, _)| *attempts == 1));

    // Crash and restart again: the event was handled, and nothing handles it a second time.
    server.crash().await;
    let server = Server::start(data.path(), server_url, true).await;
    // A new event is a barrier: once its mail is out, the relay and consumers have run.
    let second_user = server.register("Toko Kedua", &email("crash2")).await;
    let second = registered_event(&db, &second_user).await;
    let second_mail = mail_dir.join(format!("{}.eml", second.id));
    eventually("the second store's mail is written", &server, || {
        let mail = second_mail.clone();
        async move { mail.exists() }
    })
    .await;
    eventually("the second event is delivered", &server, || async {
        delivered_once_to_each(&deliveries(&db, second.id).await)
    })
    .await;

    let after: BTreeMap<String, (i32, Option<DateTime<Utc>>)> = deliveries(&db, event.id)
        .await
        .into_iter()
        .map(|(name, rows)| {
            assert_eq!(rows.len(), 1, "{name} has two deliveries of one event");
            (name, (rows[0].attempts, rows[0].handled_at))
        })
        .collect();
    assert_eq!(after, handled, "the first event was handled again");
    let mut expected = vec![format!("{}.eml", event.id), format!("{}.eml", second.id)];
    expected.sort();
    assert_eq!(mail_files(&mail_dir), expected);
    server.crash().await;
}

async fn a_graceful_stop_relays_everything_committed(engine: Engine) {
    // The relay polls once an hour: it moves events only when this process commits some, and
    // when it stops.
    let Some(app) = TestApp::spawn_with(engine, |s| s.events.poll_ms = 3_600_000).await else {
        return;
    };
    let owner = app.register("Toko Tutup Rapi", &email("stop")).await;
    let registered = registered_event(&app.db, &owner.user_id).await;
    let mail = app
        .data_dir
        .path()
        .join("mail")
        .join(format!("{}.eml", registered.id));
    app.eventually("the registration's mail is out", || {
        let mail = mail.clone();
        async move { mail.exists() }
    })
    .await;
    app.eventually("the relay and the consumer are idle again", || async {
        deliveries(&app.db, registered.id)
            .await
            .get(WELCOME_MAIL)
            .is_some_and(|rows| rows.iter().all(|d| d.is_done()))
    })
    .await;

    // Another process commits an event: this process's relay is not woken for it.
    let other_process = Db::connect(&app.database.url).await.expect("another pool");
    let (user_id, tenant_id) = (UserId::new(), TenantId::new());
    let mut tx = other_process.begin_write().await.unwrap();
    let envelope = tx
        .publish(
            tenant_id,
            &UserEvent::Registered {
                user_id,
                tenant_id,
                email: email("elsewhere"),
                full_name: "Rina".into(),
                store_name: "Toko Sebelah".into(),
            },
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    other_process.close().await.ok();

    let database = app.stop_keeping_database().await;

    let db = Db::connect(&database.url)
        .await
        .expect("the database opens");
    assert_eq!(
        outbox::unpublished_count(db.conn()).await.unwrap(),
        0,
        "the stop left events in the outbox"
    );
    let rows = deliveries(&db, envelope.id).await;
    assert_eq!(
        rows.get(WELCOME_MAIL).map(Vec::len),
        Some(1),
        "the drained event waits in the consumer's inbox: {rows:?}"
    );
}

async fn identity_tells_the_rest_of_smartseller_what_happened_to_people(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Kabar", &email("kabar")).await;
    let login = app.login(&owner.email, PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK);
    let renamed = app
        .put(
            "/api/v1/auth/profile",
            &owner,
            json!({ "full_name": "Sari Kabar" }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let staff_role = app.role_id(&owner, "staff").await;
    let member = app
        .add_member(&owner, &email("anggota"), &[staff_role])
        .await;
    let warehouse = app.role_id(&owner, "warehouse").await;
    let changed = app
        .put(
            &format!("/api/v1/users/{}/roles", member.user_id),
            &owner,
            json!({ "role_ids": [warehouse] }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);

    let events = outbox::entity::Entity::find()
        .filter(outbox::entity::Column::Subject.eq("user.events"))
        .all(app.db.conn())
        .await
        .expect("outbox");
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    for expected in [
        "user.registered",
        "user.logged_in",
        "user.profile_updated",
        "user.joined_store",
        "user.role_changed",
    ] {
        assert!(
            types.contains(&expected),
            "{expected} missing from {types:?}"
        );
    }
    for event in &events {
        assert_eq!(
            event.tenant_id.to_string(),
            owner.tenant_id,
            "every event names its store"
        );
        let payload: UserEvent =
            serde_json::from_value(event.payload.clone()).expect("a user event");
        let text = event.payload.to_string();
        assert!(
            !text.contains(PASSWORD) && !text.contains(&owner.refresh),
            "no secrets in events"
        );
        if let UserEvent::RoleChanged { user_id, roles } = payload {
            assert_eq!(user_id.to_string(), member.user_id);
            assert_eq!(roles, vec!["warehouse".to_string()]);
        }
    }
    app.stop().await;
}
