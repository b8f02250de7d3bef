//! `Idempotency-Key` for unsafe methods (ARCHITECTURE.md §5). A retry with the same key and body
//! gets the first response again, byte for byte, with `Idempotency-Replayed: true`; the same key
//! with another body is a 422; a duplicate sent while the first is still running waits for it.
//! Keys are scoped to the authenticated caller, so two clients can never collide; anonymous
//! requests (sign-up, sign-in) are not stored, since there is no caller to scope them to.

use std::time::{Duration, Instant};

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use smartseller_platform::Db;
use smartseller_platform::idempotency::{self, Claim, StoredResponse};

use crate::auth::{Principal, Subject};
use crate::problem::ApiError;

pub static IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub static IDEMPOTENCY_REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");

/// How the middleware stores and waits.
#[derive(Clone)]
pub struct IdempotencyConfig {
    pub db: Db,
    /// How long a stored response is replayed.
    pub keep_for: chrono::Duration,
    /// The largest request or response body it buffers.
    pub max_body: usize,
    /// How long a duplicate waits for the first request to finish.
    pub wait_for_first: Duration,
}

fn scope_of(principal: &Principal) -> String {
    match &principal.subject {
        Subject::User { user_id, .. } => format!("{}:user:{user_id}", principal.tenant),
        Subject::ApiKey { key_id, .. } => format!("{}:api_key:{key_id}", principal.tenant),
    }
}

fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

pub async fn idempotency(
    State(config): State<IdempotencyConfig>,
    request: Request,
    next: Next,
) -> Response {
    let unsafe_method = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let Some(key_header) = request.headers().get(&IDEMPOTENCY_KEY).cloned() else {
        return next.run(request).await;
    };
    let Some(principal) = request.extensions().get::<Principal>().cloned() else {
        return next.run(request).await;
    };
    // File uploads stream to storage and may be far larger than anything worth buffering and
    // storing for a replay; they are not replayed (uploading the same file again is harmless).
    let multipart = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/"));
    if !unsafe_method || multipart {
        return next.run(request).await;
    }
    let Some(key) = key_header
        .to_str()
        .ok()
        .filter(|k| valid_key(k))
        .map(str::to_owned)
    else {
        return ApiError::bad_request(
            "idempotency.invalid_key",
            "Idempotency-Key must be 1 to 255 visible ASCII characters.",
        )
        .into_response();
    };
    let scope = scope_of(&principal);
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, config.max_body).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "Request body too large",
            )
            .detail("The request body exceeds the size this endpoint accepts.")
            .into_response();
        }
    };
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str());
    hasher.update([0]);
    hasher.update(parts.uri.path());
    hasher.update([0]);
    hasher.update(parts.uri.query().unwrap_or_default());
    hasher.update([0]);
    hasher.update(&bytes);
    let request_hash = hex::encode(hasher.finalize());

    let started = Instant::now();
    loop {
        let claim = match idempotency::claim(
            &config.db,
            &scope,
            &key,
            &request_hash,
            config.keep_for,
        )
        .await
        {
            Ok(claim) => claim,
            Err(error) => return ApiError::internal(error).into_response(),
        };
        match claim {
            Claim::Run => break,
            Claim::Replay(stored) => return replay(stored),
            Claim::Mismatch => {
                return ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency.key_reused",
                    "Idempotency key reused",
                )
                .detail("This Idempotency-Key was already used with a different request.")
                .into_response();
            }
            Claim::InProgress if started.elapsed() < config.wait_for_first => {
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Claim::InProgress => {
                return ApiError::conflict(
                    "idempotency.in_progress",
                    "A request with this Idempotency-Key is still being processed.",
                )
                .retry_after(1)
                .into_response();
            }
        }
    }

    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (mut response_parts, body) = response.into_parts();
    let body = match to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(error) => {
            let _ = idempotency::release(&config.db, &scope, &key).await;
            return ApiError::internal(error).into_response();
        }
    };
    // A server-side failure is not an answer worth replaying: let the client retry for real.
    let outcome = if response_parts.status.is_server_error() {
        idempotency::release(&config.db, &scope, &key).await
    } else {
        let stored = StoredResponse {
            status: response_parts.status.as_u16(),
            headers: replayable_headers(&response_parts.headers),
            body: body.to_vec(),
        };
        idempotency::complete(&config.db, &scope, &key, &stored).await
    };
    if let Err(error) = outcome {
        tracing::error!(%error, "cannot store the idempotent response");
    }
    response_parts.headers.remove(&IDEMPOTENCY_REPLAYED);
    Response::from_parts(response_parts, Body::from(body))
}

/// Headers that describe the answer itself; per-request ones (request id, date) are not kept.
fn replayable_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    const KEEP: [&str; 4] = ["content-type", "location", "etag", "retry-after"];
    headers
        .iter()
        .filter(|(name, _)| KEEP.contains(&name.as_str()))
        .filter_map(|(name, value)| {
            Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect()
}

fn replay(stored: StoredResponse) -> Response {
    let mut response = Response::new(Body::from(stored.body));
    *response.status_mut() = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    for (name, value) in stored.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            response.headers_mut().insert(name, value);
        }
    }
    response.headers_mut().insert(
        IDEMPOTENCY_REPLAYED.clone(),
        HeaderValue::from_static("true"),
    );
    response
}

/// For routes where a retry must never act twice (payments, stock adjustments): refuses a
/// request without `Idempotency-Key`.
pub struct RequireIdempotencyKey(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RequireIdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .headers
            .get(&IDEMPOTENCY_KEY)
            .and_then(|v| v.to_str().ok())
            .filter(|k| valid_key(k))
            .map(|k| RequireIdempotencyKey(k.to_owned()))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "idempotency.key_required",
                    "This request needs an `Idempotency-Key` header.",
                )
            })
    }
}
