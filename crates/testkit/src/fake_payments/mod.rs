//! Fakes of the payment gateways (Midtrans, Xendit, Stripe, PayPal) as local HTTP servers that
//! speak each provider's documented protocol: exact auth headers, body validation, idempotency
//! replays, and notifications signed the way the provider signs them. Tests drive them
//! (`settle`, `pay`, `expire`...) and can make them fail (`fail_next`) to prove retries.
//!
//! They speak only HTTP/JSON and know nothing of the payments domain.

pub mod midtrans;
pub mod paypal;
pub mod stripe;
pub mod xendit;

pub use midtrans::FakeMidtrans;
pub use paypal::FakePaypal;
pub use stripe::FakeStripe;
pub use xendit::FakeXendit;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

/// A webhook delivery exactly as the provider would send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeNotification {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl FakeNotification {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The headers as an [`HeaderMap`], as a webhook handler receives them.
    ///
    /// # Panics
    ///
    /// If a header is not a valid HTTP header (the fakes only make valid ones).
    pub fn header_map(&self) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in &self.headers {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).expect("fake header name"),
                HeaderValue::from_str(value).expect("fake header value"),
            );
        }
        map
    }

    /// The body as JSON.
    ///
    /// # Panics
    ///
    /// If the body is not JSON (the fakes only send JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("fake notification body is JSON")
    }

    /// The same delivery with `header` replaced (or added): for tests of forged deliveries.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .retain(|(key, _)| !key.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The same headers over another body: for tests of tampered deliveries.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
}

/// Failure injection shared by every fake: the next `remaining` requests answer `status`.
#[derive(Default)]
pub(crate) struct Faults {
    pending: Mutex<Option<(u32, StatusCode)>>,
    requests: AtomicUsize,
}

impl Faults {
    pub(crate) fn fail_next(&self, count: u32, status: u16) {
        let status = StatusCode::from_u16(status).expect("fail_next: a valid HTTP status");
        *lock(&self.pending) = (count > 0).then_some((count, status));
    }

    /// Requests received so far, injected failures included.
    pub(crate) fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    fn take(&self) -> Option<StatusCode> {
        let mut pending = lock(&self.pending);
        let (count, status) = (*pending)?;
        *pending = (count > 1).then_some((count - 1, status));
        Some(status)
    }
}

async fn inject_faults(
    State(faults): State<Arc<Faults>>,
    request: Request,
    next: Next,
) -> Response {
    faults.requests.fetch_add(1, Ordering::SeqCst);
    match faults.take() {
        Some(status) if status == StatusCode::TOO_MANY_REQUESTS => (
            status,
            [("Retry-After", "1")],
            axum::Json(serde_json::json!({"message": "rate limit reached (injected)"})),
        )
            .into_response(),
        Some(status) => (
            status,
            axum::Json(serde_json::json!({"message": "injected failure"})),
        )
            .into_response(),
        None => next.run(request).await,
    }
}

/// Aborts the server task when the last clone of a fake is dropped.
pub(crate) struct ServerTask(tokio::task::JoinHandle<()>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Binds `127.0.0.1:0`; answers the listener and its base URL (`http://127.0.0.1:PORT`).
///
/// # Panics
///
/// If no local port can be bound.
pub(crate) async fn bind() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("fake gateway: bind 127.0.0.1:0");
    let address = listener.local_addr().expect("fake gateway: local address");
    (listener, format!("http://{address}"))
}

/// Serves `router` behind the fault injector until the returned task is dropped.
pub(crate) fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    faults: Arc<Faults>,
) -> ServerTask {
    let router = router.layer(middleware::from_fn_with_state(faults, inject_faults));
    ServerTask(tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    }))
}

/// POSTs `notification` to `url` and retries while `retries_allowed(status, retries_done)` says
/// so, pausing `pause` between attempts (the provider's hours compressed to milliseconds).
/// Answers the final status code, or 0 when the endpoint could not be reached at all.
pub(crate) async fn deliver_with(
    url: &str,
    notification: &FakeNotification,
    retries_allowed: impl Fn(u16, u32) -> bool,
    pause: Duration,
) -> u16 {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(15))
        .build()
        .expect("reqwest client");
    let mut retries = 0;
    loop {
        let mut request = client.post(url).body(notification.body.clone());
        for (name, value) in &notification.headers {
            request = request.header(name, value);
        }
        let status = match request.send().await {
            Ok(response) => response.status().as_u16(),
            Err(_) => 0,
        };
        if (200..300).contains(&status) || !retries_allowed(status, retries) {
            return status;
        }
        retries += 1;
        tokio::time::sleep(pause).await;
    }
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `Basic base64(user:password)`.
pub(crate) fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// A short random hex id.
pub(crate) fn random_hex(bytes: usize) -> String {
    let raw: Vec<u8> = (0..bytes).map(|_| rand::random::<u8>()).collect();
    hex::encode(raw)
}

/// `12345.00` for `12345` whole units.
pub(crate) fn two_decimals(whole: i64) -> String {
    format!("{whole}.00")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injected_failures_count_down_then_stop() {
        let faults = Faults::default();
        faults.fail_next(2, 503);
        assert_eq!(faults.take(), Some(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(faults.take(), Some(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(faults.take(), None);
        faults.fail_next(0, 500);
        assert_eq!(faults.take(), None);
    }

    #[test]
    fn notifications_can_be_forged_for_tests() {
        let notification = FakeNotification {
            headers: vec![("X-Token".to_owned(), "a".to_owned())],
            body: b"{}".to_vec(),
        };
        let forged = notification
            .clone()
            .with_header("x-token", "b")
            .with_body("[]");
        assert_eq!(notification.header("x-token"), Some("a"));
        assert_eq!(forged.header("X-TOKEN"), Some("b"));
        assert_eq!(forged.headers.len(), 1);
        assert_eq!(forged.json(), serde_json::json!([]));
        assert_eq!(forged.header_map()["x-token"], "b");
    }

    #[tokio::test]
    async fn delivering_to_nobody_answers_zero_after_the_allowed_retries() {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        drop(listener);
        let notification = FakeNotification {
            headers: Vec::new(),
            body: Vec::new(),
        };
        let tries = AtomicUsize::new(0);
        let status = deliver_with(
            &url,
            &notification,
            |_, done| {
                tries.fetch_add(1, Ordering::SeqCst);
                done < 2
            },
            Duration::from_millis(1),
        )
        .await;
        assert_eq!(status, 0);
        assert_eq!(tries.load(Ordering::SeqCst), 3);
    }
}
