//! The one way gateways send a request: retries on what is worth retrying (connection refused,
//! 429, 5xx) with a short back-off, never on a 4xx, and one mapping of HTTP failures onto
//! [`GatewayError`]. Timeouts come from the `reqwest::Client` the caller built.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;

use super::GatewayError;

/// Attempts per request, the first included.
const MAX_ATTEMPTS: u32 = 3;
/// First pause between attempts; doubles each time.
const FIRST_BACKOFF: Duration = Duration::from_millis(50);
/// Longest pause a `Retry-After` can impose on us: a request in a checkout cannot wait longer.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(2);

/// A 2xx answer.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// The JSON body, `Null` when empty, a string when the body is not JSON.
    pub body: serde_json::Value,
}

/// A non-2xx answer that was not retried (or outlasted the retries).
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    pub status: StatusCode,
    pub body: serde_json::Value,
}

impl Refusal {
    /// 401/403 → Unauthorized, 404 → NotFound, 429/5xx → Unavailable, other 4xx → Declined with
    /// the provider's own message.
    pub fn into_error(self) -> GatewayError {
        match self.status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => GatewayError::Unauthorized,
            StatusCode::NOT_FOUND => GatewayError::NotFound,
            status if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() => {
                GatewayError::Unavailable(format!("{status}: {}", provider_message(&self.body)))
            }
            _ => GatewayError::Declined(provider_message(&self.body)),
        }
    }
}

/// Sends the request `build` makes (called again for each attempt) and answers the 2xx reply or
/// the mapped error.
pub(crate) async fn send(
    build: impl Fn() -> reqwest::RequestBuilder,
) -> Result<Reply, GatewayError> {
    send_raw(build).await.map_err(|failure| match failure {
        Failure::Refused(refusal) => refusal.into_error(),
        Failure::Transport(message) => GatewayError::Unavailable(message),
    })
}

/// Why [`send_raw`] gave up.
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    Refused(Refusal),
    Transport(String),
}

/// Like [`send`], for callers that read a refusal's body themselves (Midtrans answers some
/// refusals with details in the body that decide what to do next).
pub(crate) async fn send_raw(
    build: impl Fn() -> reqwest::RequestBuilder,
) -> Result<Reply, Failure> {
    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 1;
    loop {
        let outcome = build().send().await;
        let last = attempt >= MAX_ATTEMPTS;
        match outcome {
            Ok(response) => {
                let status = response.status();
                let retry_after = retry_after(response.headers());
                let body = read_body(response).await;
                if status.is_success() {
                    return Ok(Reply { body });
                }
                let retryable = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
                if !retryable || last {
                    return Err(Failure::Refused(Refusal { status, body }));
                }
                tracing::debug!(%status, attempt, "gateway answered a retryable status");
                tokio::time::sleep(retry_after.unwrap_or(backoff)).await;
            }
            // Only a refused connection is surely not executed; a timeout may have been, so it
            // is not retried here (the caller's idempotency key makes a later retry safe).
            Err(error) if error.is_connect() && !last => {
                tracing::debug!(%error, attempt, "gateway connection failed");
                tokio::time::sleep(backoff).await;
            }
            Err(error) => return Err(Failure::Transport(error.to_string())),
        }
        backoff *= 2;
        attempt += 1;
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by our providers), capped.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER))
}

async fn read_body(response: reqwest::Response) -> serde_json::Value {
    let bytes = response.bytes().await.unwrap_or_default();
    if bytes.is_empty() {
        return serde_json::Value::Null;
    }
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned()))
}

/// The human message in a provider's error body, wherever that provider puts it.
pub(crate) fn provider_message(body: &serde_json::Value) -> String {
    let candidates = [
        body.get("status_message"),             // Midtrans
        body.pointer("/error_messages/0"),      // Midtrans Snap
        body.pointer("/error/message"),         // Stripe
        body.pointer("/details/0/description"), // PayPal
        body.get("error_description"),          // OAuth
        body.get("message"),                    // Xendit, PayPal
        body.get("error_code"),
    ];
    candidates
        .into_iter()
        .flatten()
        .find_map(|value| value.as_str().map(str::to_owned))
        .or_else(|| body.as_str().map(|text| text.chars().take(200).collect()))
        .unwrap_or_else(|| "no reason given".to_owned())
}

/// Compares two secrets in constant time.
pub(crate) fn secrets_match(given: &[u8], expected: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    given.ct_eq(expected).into()
}

/// `Basic base64(user:password)`.
pub(crate) fn basic_auth(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// A provider's id as one URL path segment. Ids from Stripe, Xendit and PayPal are
/// `[A-Za-z0-9_-]`; anything else cannot name a payment there, so it is `NotFound` rather than a
/// path that could point somewhere else.
pub(crate) fn id_segment(id: &str) -> Result<&str, GatewayError> {
    let valid = !id.is_empty()
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
    if valid {
        Ok(id)
    } else {
        Err(GatewayError::NotFound)
    }
}

/// A header's value as text, when present and printable.
pub(crate) fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_map_onto_gateway_errors() {
        let refusal = |status: u16, body: serde_json::Value| Refusal {
            status: StatusCode::from_u16(status).unwrap(),
            body,
        };
        assert_eq!(
            refusal(401, serde_json::Value::Null).into_error(),
            GatewayError::Unauthorized
        );
        assert_eq!(
            refusal(403, serde_json::Value::Null).into_error(),
            GatewayError::Unauthorized
        );
        assert_eq!(
            refusal(404, serde_json::Value::Null).into_error(),
            GatewayError::NotFound
        );
        assert_eq!(
            refusal(
                400,
                serde_json::json!({"error": {"message": "amount too small"}})
            )
            .into_error(),
            GatewayError::Declined("amount too small".to_owned())
        );
        assert!(matches!(
            refusal(503, serde_json::Value::Null).into_error(),
            GatewayError::Unavailable(_)
        ));
    }

    #[test]
    fn retry_after_is_read_in_seconds_and_capped() {
        let with = |value: &str| {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert(RETRY_AFTER, value.parse().unwrap());
            retry_after(&headers)
        };
        assert_eq!(with("1"), Some(Duration::from_secs(1)));
        assert_eq!(with("120"), Some(MAX_RETRY_AFTER));
        assert_eq!(with("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(retry_after(&reqwest::header::HeaderMap::new()), None);
    }

    #[tokio::test]
    async fn refused_connections_are_tried_three_times_then_unavailable() {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        drop(listener);
        let client = reqwest::Client::new();
        let attempts = std::sync::atomic::AtomicU32::new(0);
        let started = std::time::Instant::now();

        let outcome = send(|| {
            attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            client.get(&url)
        })
        .await;

        assert!(
            matches!(outcome, Err(GatewayError::Unavailable(_))),
            "{outcome:?}"
        );
        assert_eq!(
            attempts.load(std::sync::atomic::Ordering::SeqCst),
            MAX_ATTEMPTS
        );
        // 50 ms then 100 ms between the attempts.
        assert!(started.elapsed() >= FIRST_BACKOFF * 3);
    }

    #[test]
    fn ids_that_could_leave_their_path_segment_are_not_found() {
        assert_eq!(id_segment("pi_3Nx-abc"), Ok("pi_3Nx-abc"));
        for bad in ["", "a/b", "..", "a?b", "a b", "a%2F"] {
            assert_eq!(id_segment(bad), Err(GatewayError::NotFound), "{bad:?}");
        }
    }

    #[test]
    fn basic_auth_matches_the_midtrans_example() {
        assert_eq!(
            basic_auth("SB-Mid-server-EXAMPLEKEY", ""),
            "Basic U0ItTWlkLXNlcnZlci1FWEFNUExFS0VZOg=="
        );
    }
}
