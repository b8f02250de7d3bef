//! Fakes of the shipping providers in `integrations/shipping.md`: Biteship, RajaOngkir
//! (Komerce), JNE, J&T Express and SiCepat. Each listens on `127.0.0.1:0`, checks credentials
//! exactly as the provider does (J&T's `data_sign` included), refuses requests that lack
//! required fields with the provider's own error shape, keeps what was booked, issues airway
//! bills, and records every request so tests can see what a client sent.
//!
//! Every fake can be told to fail: [`FakeServer::fail_next`] answers the next `n` requests with
//! a status (a `429` carries `Retry-After: 1`). Tracking is driven by the test:
//! [`biteship::FakeBiteship::advance`] moves a Biteship order and returns the push Biteship
//! would send; the others take `set_tracking(awb, history)`.
//!
//! The fakes speak only HTTP and JSON; they know nothing of the shipping domain's types.

pub mod biteship;
pub mod jne;
pub mod jnt;
pub mod rajaongkir;
pub mod sicepat;

pub use biteship::FakeBiteship;
pub use jne::FakeJne;
pub use jnt::FakeJnt;
pub use rajaongkir::FakeRajaOngkir;
pub use sicepat::FakeSicepat;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, TimeZone, Utc};

/// One scan in a parcel's history, as a test sets it. Each fake renders it in its provider's
/// shape; `status` is the provider's own word or code (`WITH DELIVERY COURIER`, `ANT`...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackEvent {
    pub status: String,
    pub description: String,
    pub city: Option<String>,
    pub at: DateTime<Utc>,
}

impl TrackEvent {
    pub fn new(status: &str, description: &str, city: Option<&str>, at: DateTime<Utc>) -> Self {
        Self {
            status: status.to_owned(),
            description: description.to_owned(),
            city: city.map(str::to_owned),
            at,
        }
    }
}

/// A request a fake received, failed ones included.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The body's form fields (`application/x-www-form-urlencoded`); the last value wins.
    pub fn form(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }

    /// The query string's fields.
    pub fn query_pairs(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(self.query.as_deref().unwrap_or_default().as_bytes())
            .into_owned()
            .collect()
    }

    /// The body as JSON, `Null` when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    }
}

/// What a provider fake does with one request that passed failure injection.
pub(crate) trait Protocol: Send + Sync + 'static {
    fn handle(&self, request: &RecordedRequest) -> Response;
}

/// The HTTP side every fake shares: the listener, the request log and failure injection.
/// Provider fakes dereference to it.
pub struct FakeServer<P> {
    pub(crate) protocol: Arc<P>,
    shared: Arc<Shared>,
    base_url: String,
    _server: Arc<ServerTask>,
}

impl<P> Clone for FakeServer<P> {
    fn clone(&self) -> Self {
        Self {
            protocol: Arc::clone(&self.protocol),
            shared: Arc::clone(&self.shared),
            base_url: self.base_url.clone(),
            _server: Arc::clone(&self._server),
        }
    }
}

/// Starts `protocol` on a free local port; its base URL ends with `base_path`.
///
/// # Panics
///
/// If no local port can be bound, or outside a tokio runtime.
pub(crate) async fn start_server<P: Protocol>(protocol: P, base_path: &str) -> FakeServer<P> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("fake shipping provider: bind 127.0.0.1:0");
    let addr = listener
        .local_addr()
        .expect("fake shipping provider: local address");
    let protocol = Arc::new(protocol);
    let shared = Arc::new(Shared::default());
    let state = Handler {
        protocol: Arc::clone(&protocol) as Arc<dyn Protocol>,
        shared: Arc::clone(&shared),
    };
    let app = Router::new().fallback(dispatch).with_state(state);
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    FakeServer {
        protocol,
        shared,
        base_url: format!("http://{addr}{base_path}"),
        _server: Arc::new(ServerTask(server)),
    }
}

impl<P> FakeServer<P> {
    /// What to configure as the client's `base_url`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// The requests whose path ends with `path_suffix`.
    pub fn requests_to(&self, path_suffix: &str) -> Vec<RecordedRequest> {
        lock(&self.shared.requests)
            .iter()
            .filter(|request| request.path.ends_with(path_suffix))
            .cloned()
            .collect()
    }

    /// The last request whose path ends with `path_suffix`.
    pub fn last_request_to(&self, path_suffix: &str) -> Option<RecordedRequest> {
        self.requests_to(path_suffix).pop()
    }

    /// Answers the next `times` requests with `status` instead of serving them.
    pub fn fail_next(&self, times: u32, status: u16) {
        *lock(&self.shared.failures) = Some(Failures {
            remaining: times,
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        });
    }
}

/// Posts a push body to `url` as a provider does (`content-type: application/json`, even when
/// the body is empty) and answers the HTTP status the receiver gave.
pub async fn deliver(url: &str, body: Vec<u8>) -> anyhow::Result<u16> {
    let response = reqwest::Client::new()
        .post(url)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await?;
    Ok(response.status().as_u16())
}

#[derive(Default)]
struct Shared {
    requests: Mutex<Vec<RecordedRequest>>,
    failures: Mutex<Option<Failures>>,
}

struct Failures {
    remaining: u32,
    status: StatusCode,
}

#[derive(Clone)]
struct Handler {
    protocol: Arc<dyn Protocol>,
    shared: Arc<Shared>,
}

async fn dispatch(
    State(handler): State<Handler>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = RecordedRequest {
        method,
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        headers,
        body: body.to_vec(),
    };
    lock(&handler.shared.requests).push(request.clone());
    let injected = {
        let mut failures = lock(&handler.shared.failures);
        match failures.as_mut() {
            Some(failure) if failure.remaining > 0 => {
                failure.remaining -= 1;
                Some(failure.status)
            }
            _ => None,
        }
    };
    if let Some(status) = injected {
        let mut response = json(
            status,
            serde_json::json!({ "success": false, "error": "injected failure" }),
        );
        if status == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        return response;
    }
    handler.protocol.handle(&request)
}

pub(crate) fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A clock that starts at a fixed instant and moves a minute per reading, so pushes and scans
/// are ordered and reproducible.
pub(crate) struct FakeClock(Mutex<DateTime<Utc>>);

impl Default for FakeClock {
    fn default() -> Self {
        let start = Utc
            .with_ymd_and_hms(2026, 11, 25, 1, 0, 0)
            .single()
            .unwrap_or_else(Utc::now);
        Self(Mutex::new(start))
    }
}

impl FakeClock {
    pub(crate) fn tick(&self) -> DateTime<Utc> {
        let mut now = lock(&self.0);
        *now += Duration::minutes(1);
        *now
    }
}

/// Whole kilograms a courier charges: rounded up, at least one.
pub(crate) fn chargeable_kilograms(grams: i64) -> i64 {
    ((grams.max(0) + 999) / 1000).max(1)
}

/// A rupiah price per kilogram for one courier service, the fakes' rate card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceRate {
    pub courier_code: &'static str,
    pub courier_name: &'static str,
    pub service_code: &'static str,
    pub service_name: &'static str,
    pub rupiah_per_kg: i64,
    pub etd: &'static str,
    pub cash_on_delivery: bool,
}

/// What every aggregator fake charges: `rupiah_per_kg × chargeable kilograms`.
pub const RATE_CARD: [ServiceRate; 6] = [
    ServiceRate {
        courier_code: "jne",
        courier_name: "JNE",
        service_code: "reg",
        service_name: "Reguler",
        rupiah_per_kg: 9_000,
        etd: "2 - 3 days",
        cash_on_delivery: true,
    },
    ServiceRate {
        courier_code: "jne",
        courier_name: "JNE",
        service_code: "yes",
        service_name: "Yakin Esok Sampai",
        rupiah_per_kg: 18_000,
        etd: "1 - 1 days",
        cash_on_delivery: false,
    },
    ServiceRate {
        courier_code: "jnt",
        courier_name: "J&T",
        service_code: "ez",
        service_name: "Reguler",
        rupiah_per_kg: 9_500,
        etd: "2 - 3 days",
        cash_on_delivery: false,
    },
    ServiceRate {
        courier_code: "sicepat",
        courier_name: "SiCepat",
        service_code: "reg",
        service_name: "Reguler",
        rupiah_per_kg: 8_500,
        etd: "1 - 2 days",
        cash_on_delivery: true,
    },
    ServiceRate {
        courier_code: "pos",
        courier_name: "POS Indonesia",
        service_code: "reg",
        service_name: "Pos Reguler",
        rupiah_per_kg: 7_000,
        etd: "3 - 5 days",
        cash_on_delivery: false,
    },
    ServiceRate {
        courier_code: "anteraja",
        courier_name: "AnterAja",
        service_code: "reg",
        service_name: "Regular",
        rupiah_per_kg: 8_000,
        etd: "2 - 4 days",
        cash_on_delivery: true,
    },
];

/// The rate card's services of the couriers named.
pub(crate) fn services_of<'a>(couriers: impl IntoIterator<Item = &'a str>) -> Vec<ServiceRate> {
    let wanted: Vec<String> = couriers
        .into_iter()
        .map(|code| code.trim().to_lowercase())
        .collect();
    RATE_CARD
        .iter()
        .filter(|service| wanted.iter().any(|code| code == service.courier_code))
        .copied()
        .collect()
}

struct ServerTask(tokio::task::JoinHandle<()>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}
