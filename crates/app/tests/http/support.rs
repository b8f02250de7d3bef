//! `TestApp`: the real application, on a random port, with a fresh database, spoken to over HTTP.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smartseller_app::{App, Settings};
use smartseller_testkit::db::{Engine, TestDatabase};
use tokio_util::sync::CancellationToken;

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: smartseller_platform::Db,
    pub data_dir: tempfile::TempDir,
    pub engine: Engine,
    pub database: TestDatabase,
    shutdown: CancellationToken,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// What an HTTP call answered.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub raw: Vec<u8>,
}

impl Answer {
    /// The problem's `code`, for error answers.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.body
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "body: {}",
            self.body
        );
        assert_eq!(self.code(), code, "body: {}", self.body);
        assert_eq!(self.body["status"], status);
        assert!(self.body["title"].is_string() && self.body["type"].is_string());
    }

    /// The field names of a validation problem.
    pub fn fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|e| {
                e.iter()
                    .map(|f| f["field"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A signed-in person.
#[derive(Debug, Clone)]
pub struct Session {
    pub access: String,
    pub refresh: String,
    pub tenant_id: String,
    pub user_id: String,
    pub email: String,
}

/// Credentials for a call.
#[derive(Debug, Clone, Copy)]
pub enum As<'a> {
    Nobody,
    Bearer(&'a str),
    ApiKey(&'a str),
}

impl<'a> From<&'a Session> for As<'a> {
    fn from(session: &'a Session) -> Self {
        As::Bearer(&session.access)
    }
}

pub const PASSWORD: &str = "kopi susu gula aren";

impl TestApp {
    /// The app on `engine` with test-friendly timings, or `None` when `engine` is unavailable here.
    pub async fn spawn(engine: Engine) -> Option<TestApp> {
        Self::spawn_with(engine, |_| {}).await
    }

    pub async fn spawn_with(engine: Engine, adjust: impl FnOnce(&mut Settings)) -> Option<TestApp> {
        let database = TestDatabase::fresh(engine).await?;
        Some(Self::spawn_on(database, adjust).await)
    }

    pub async fn spawn_on(database: TestDatabase, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        Self::spawn_on_with_payment_gateways(database, adjust, None).await
    }

    /// [`TestApp::spawn_on`], with payment gateways made by `gateways` (a scripted gateway).
    pub async fn spawn_on_with_payment_gateways(
        database: TestDatabase,
        adjust: impl FnOnce(&mut Settings),
        gateways: Option<std::sync::Arc<dyn smartseller_payments::GatewayFactory>>,
    ) -> TestApp {
        let data_dir = tempfile::tempdir().expect("data dir");
        let mut settings = Settings {
            listen: "127.0.0.1:0".parse().expect("address"),
            data_dir: data_dir.path().to_path_buf(),
            database_url: Some(database.url.clone()),
            ..Settings::default()
        };
        settings.events.poll_ms = 50;
        settings.events.retry_base_ms = 20;
        adjust(&mut settings);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        settings.public_url = Some(base.clone());
        let app = App::build_with_payment_gateways(settings, gateways)
            .await
            .expect("the app builds");
        let db = app.db.clone();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(app.serve(listener, shutdown.clone()));
        TestApp {
            base,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            db,
            data_dir,
            engine: database.engine,
            database,
            shutdown,
            task: Some(task),
        }
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            task.await
                .expect("server task")
                .expect("server stopped cleanly");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        who: As<'_>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.client.request(method, self.url(path));
        request = match who {
            As::Nobody => request,
            As::Bearer(token) => request.bearer_auth(token),
            As::ApiKey(key) => request.header("X-Api-Key", key),
        };
        if let Some(body) = body {
            request = request.json(&body);
        }
        Self::answer(request.send().await.expect("request sent")).await
    }

    pub async fn answer(response: reqwest::Response) -> Answer {
        let status = response.status();
        let headers = response.headers().clone();
        let raw = response.bytes().await.expect("body").to_vec();
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            raw,
        }
    }

    pub async fn get<'a>(&self, path: &str, who: impl Into<As<'a>>) -> Answer {
        self.call(Method::GET, path, who.into(), None).await
    }

    pub async fn post<'a>(&self, path: &str, who: impl Into<As<'a>>, body: Value) -> Answer {
        self.call(Method::POST, path, who.into(), Some(body)).await
    }

    pub async fn put<'a>(&self, path: &str, who: impl Into<As<'a>>, body: Value) -> Answer {
        self.call(Method::PUT, path, who.into(), Some(body)).await
    }

    pub async fn delete<'a>(&self, path: &str, who: impl Into<As<'a>>) -> Answer {
        self.call(Method::DELETE, path, who.into(), None).await
    }

    /// Registers a new store; its owner is signed in.
    pub async fn register(&self, store: &str, email: &str) -> Session {
        let answer = self
            .post("/api/v1/auth/register", As::Nobody, json!({ "store_name": store, "full_name": "Owner", "email": email, "password": PASSWORD }))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "register: {}",
            answer.body
        );
        session(&answer, email)
    }

    pub async fn login(&self, email: &str, password: &str) -> Answer {
        self.post(
            "/api/v1/auth/login",
            As::Nobody,
            json!({ "email": email, "password": password }),
        )
        .await
    }

    /// A role by key, from the store's list.
    pub async fn role_id(&self, owner: &Session, key: &str) -> String {
        let roles = self.get("/api/v1/roles", owner).await;
        roles.body["items"]
            .as_array()
            .expect("roles")
            .iter()
            .find(|r| r["key"] == key)
            .expect("role exists")["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// Invites `email` with `roles` and accepts as them; returns their session.
    pub async fn add_member(&self, owner: &Session, email: &str, roles: &[String]) -> Session {
        let invited = self
            .post(
                "/api/v1/invitations",
                owner,
                json!({ "email": email, "role_ids": roles }),
            )
            .await;
        assert_eq!(
            invited.status,
            StatusCode::CREATED,
            "invite: {}",
            invited.body
        );
        let token = invited.body["accept_token"]
            .as_str()
            .expect("token")
            .to_owned();
        let accepted = self
            .post(
                "/api/v1/invitations/accept",
                As::Nobody,
                json!({ "token": token, "full_name": "Staff", "password": PASSWORD }),
            )
            .await;
        assert_eq!(accepted.status, StatusCode::OK, "accept: {}", accepted.body);
        session(&accepted, email)
    }

    /// Waits until `check` holds, for events that arrive asynchronously.
    pub async fn eventually<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while std::time::Instant::now() < deadline {
            if check().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting for: {what}");
    }
}

pub fn session(answer: &Answer, email: &str) -> Session {
    Session {
        access: answer.body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned(),
        refresh: answer.body["refresh_token"]
            .as_str()
            .expect("refresh_token")
            .to_owned(),
        tenant_id: answer.body["tenant_id"]
            .as_str()
            .expect("tenant_id")
            .to_owned(),
        user_id: answer.body["user_id"].as_str().expect("user_id").to_owned(),
        email: email.to_owned(),
    }
}

/// A unique email for a test.
pub fn email(name: &str) -> String {
    format!(
        "{name}.{}@toko.id",
        &uuid::Uuid::now_v7().simple().to_string()[20..]
    )
}

/// Calls that need their own headers or body, and the custom roles many tests start from.
impl TestApp {
    /// A request carrying `who`'s credentials, to finish with headers or a raw body.
    pub fn request(&self, method: Method, path: &str, who: As<'_>) -> reqwest::RequestBuilder {
        let request = self.client.request(method, self.url(path));
        match who {
            As::Nobody => request,
            As::Bearer(token) => request.bearer_auth(token),
            As::ApiKey(key) => request.header("X-Api-Key", key),
        }
    }

    /// Sends a request built with [`TestApp::request`].
    pub async fn send(request: reqwest::RequestBuilder) -> Answer {
        Self::answer(request.send().await.expect("request sent")).await
    }

    /// Creates a custom role with `key` and `permissions`; returns its id.
    pub async fn create_role<'a>(
        &self,
        who: impl Into<As<'a>>,
        key: &str,
        permissions: &[&str],
    ) -> String {
        let created = self
            .post(
                "/api/v1/roles",
                who,
                json!({ "key": key, "name": key, "permissions": permissions }),
            )
            .await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "create role: {}",
            created.body
        );
        created.body["id"].as_str().expect("role id").to_owned()
    }
}

impl TestApp {
    /// A second app on `first`'s database, as a second process of the same installation would
    /// run. `first` owns the database (a SQLite file lives in its folder): keep it running until
    /// this one stops.
    pub async fn spawn_sharing(first: &TestApp, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        Self::spawn_on(first.database.shared(), adjust).await
    }

    /// Stops gracefully, like [`TestApp::stop`], and hands back the database so a test can look
    /// at what the stopped app left behind.
    pub async fn stop_keeping_database(mut self) -> TestDatabase {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            task.await
                .expect("server task")
                .expect("server stopped cleanly");
        }
        self.database
    }
}

impl TestApp {
    /// Asserts that `method` on `path` (with `{id}` in it) answers for another store's `foreign`
    /// id exactly as for an id that never existed: a 404 that reveals nothing more.
    pub async fn assert_foreign_id_answers_like_absent(
        &self,
        method: Method,
        path: &str,
        foreign: &str,
        who: As<'_>,
        body: Option<Value>,
    ) {
        let never = uuid::Uuid::now_v7().to_string();
        let foreign_answer = self
            .call(
                method.clone(),
                &path.replace("{id}", foreign),
                who,
                body.clone(),
            )
            .await;
        foreign_answer.assert_problem(404, "not_found");
        let absent = self
            .call(method.clone(), &path.replace("{id}", &never), who, body)
            .await;
        assert_eq!(absent.status, foreign_answer.status, "{method} {path}");
        assert_eq!(
            foreign_answer.body["detail"], absent.body["detail"],
            "{method} {path}"
        );
    }
}
