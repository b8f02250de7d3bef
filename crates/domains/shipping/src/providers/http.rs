//! What every provider client does with HTTP: retry what is worth retrying, map status codes
//! onto [`ProviderError`] once, and read JSON answers.
//!
//! Connection failures, 429 and 5xx are tried three times in all with a short backoff;
//! `Retry-After` is honoured up to two seconds so a shopper at checkout never waits on a
//! courier's rate limiter for long.

use std::time::Duration;

use reqwest::{RequestBuilder, StatusCode, header::RETRY_AFTER};
use serde::de::DeserializeOwned;

use super::ProviderError;

const ATTEMPTS: u32 = 3;
const BACKOFF: Duration = Duration::from_millis(150);
const RETRY_AFTER_CAP: Duration = Duration::from_secs(2);
/// A courier that has not answered in this long is treated as unavailable.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Sends `request` (retrying as above) and answers the body of a 2xx response.
pub async fn send(request: RequestBuilder) -> Result<bytes::Bytes, ProviderError> {
    let request = request.timeout(REQUEST_TIMEOUT);
    let mut attempt = 1;
    loop {
        let Some(this_try) = request.try_clone() else {
            return Err(ProviderError::Unavailable(
                "request body cannot be retried".to_owned(),
            ));
        };
        let retries_left = attempt < ATTEMPTS;
        let backoff = BACKOFF * attempt;
        attempt += 1;
        let response = match this_try.send().await {
            Ok(response) => response,
            // Only failures before the request reached the provider are safe to repeat blindly.
            Err(error) if retries_left && error.is_connect() => {
                tokio::time::sleep(backoff).await;
                continue;
            }
            Err(error) => return Err(ProviderError::Unavailable(error.to_string())),
        };
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            if retries_left {
                let wait = retry_after(response.headers()).unwrap_or(backoff);
                tokio::time::sleep(wait).await;
                continue;
            }
            return Err(ProviderError::Unavailable(format!(
                "the provider answered {status}"
            )));
        }
        let body = response
            .bytes()
            .await
            .map_err(|error| ProviderError::Unavailable(error.to_string()))?;
        return match status {
            status if status.is_success() => Ok(body),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(ProviderError::Unauthorized),
            StatusCode::NOT_FOUND => Err(ProviderError::NotFound),
            status => Err(ProviderError::Rejected(
                error_message(&body).unwrap_or_else(|| format!("the provider answered {status}")),
            )),
        };
    }
}

/// Sends `request` and reads its 2xx answer as `T`.
pub async fn send_json<T: DeserializeOwned>(request: RequestBuilder) -> Result<T, ProviderError> {
    let body = send(request).await?;
    decode(&body)
}

/// Reads a provider's answer; an answer we cannot read means the provider is not working as
/// documented, which to the seller is the same as unavailable.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ProviderError> {
    serde_json::from_slice(body)
        .map_err(|error| ProviderError::Unavailable(format!("unreadable answer: {error}")))
}

/// `Retry-After` in seconds, capped; the HTTP-date form is ignored (the backoff applies).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds).min(RETRY_AFTER_CAP))
}

/// The human message of an error answer, wherever the provider puts it: Biteship `error`,
/// Komerce `meta.message`, J&T `desc` or `detail[0].reason`, SiCepat
/// `sicepat.status.description`, or a plain `message`.
pub fn error_message(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    [
        "/error",
        "/message",
        "/meta/message",
        "/desc",
        "/detail/0/reason",
        "/sicepat/status/description",
        "/error_message",
    ]
    .iter()
    .find_map(|pointer| value.pointer(pointer)?.as_str().map(str::to_owned))
    .filter(|message| !message.is_empty())
}

/// `base` without a trailing slash, so paths can be appended with `/`.
pub fn trim_base(base: &str) -> String {
    base.trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_in_seconds_and_capped_at_two() {
        use reqwest::header::{HeaderMap, HeaderValue};
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, HeaderValue::from_static(value));
            retry_after(&headers)
        };
        assert_eq!(with("1"), Some(Duration::from_secs(1)));
        assert_eq!(with("120"), Some(Duration::from_secs(2)));
        assert_eq!(with("Wed, 25 Nov 2026 07:28:00 GMT"), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn error_messages_are_found_in_each_providers_shape() {
        assert_eq!(
            error_message(br#"{"success":false,"error":"Invalid key","code":40101001}"#),
            Some("Invalid key".to_owned())
        );
        assert_eq!(
            error_message(br#"{"meta":{"message":"Invalid Api key","code":401},"data":null}"#),
            Some("Invalid Api key".to_owned())
        );
        assert_eq!(
            error_message(br#"{"success":false,"detail":[{"reason":"remark too long"}]}"#),
            Some("remark too long".to_owned())
        );
        assert_eq!(error_message(b"<html>"), None);
    }
}
