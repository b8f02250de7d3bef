//! Extractors that turn every kind of bad input into a 4xx problem: malformed JSON (400), the
//! wrong content type (415), a body over the limit (413), wrong types, missing or unknown fields
//! (422, naming the field), bad path and query parameters.

use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use smartseller_kernel::validation::FieldErrors;

use crate::problem::ApiError;

/// A JSON request body or response.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let mime = v
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase();
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
            )
            .detail("Send the body as JSON with `Content-Type: application/json`."));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(body_rejection)?;
        parse_json(&bytes).map(Json)
    }
}

/// Parses JSON, naming the field at fault.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let field = if path == "." { String::new() } else { path };
                let (field, code) = field_and_code(&field, &inner.to_string());
                ApiError::validation(FieldErrors::single(
                    &field,
                    code,
                    clean_serde_message(&inner.to_string()),
                ))
            }
            _ => ApiError::bad_request(
                "malformed_json",
                format!("The body is not valid JSON: {inner}"),
            ),
        }
    })
}

/// serde names a missing or unknown field in its message, not in the path; lift it out.
fn field_and_code(path: &str, message: &str) -> (String, &'static str) {
    let quoted = message.split('`').nth(1).unwrap_or_default();
    let join = |name: &str| {
        if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    if message.starts_with("missing field") {
        (join(quoted), "required")
    } else if message.starts_with("unknown field") {
        // serde_path_to_error has already stepped into the unknown key, unlike a missing one.
        let named = path == quoted || path.ends_with(&format!(".{quoted}"));
        let field = if named { path.to_owned() } else { join(quoted) };
        (field, "unknown_field")
    } else {
        (path.to_owned(), "invalid_type")
    }
}

fn clean_serde_message(message: &str) -> String {
    // Drop serde's " at line 1 column 9" suffix: the field name says more.
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

fn body_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "Request body too large",
        )
        .detail("The request body exceeds the size this endpoint accepts.")
    } else {
        ApiError::bad_request("unreadable_body", rejection.body_text())
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// An answer carrying a secret (tokens, an API key, an invitation link): never stored by a
/// browser or proxy (RFC 6749 §5.1 asks this of token responses; the same reasoning covers the rest).
pub fn uncacheable<T: Serialize>(status: StatusCode, body: T) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// Query parameters; unknown or mistyped ones are a 422 naming the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|rejection: QueryRejection| {
                let text = rejection.body_text();
                let message = text.trim_start_matches("Failed to deserialize query string: ");
                // A mistyped parameter reads `limit: invalid digit found in string`.
                let (path, message) = match message.split_once(": ") {
                    Some((path, rest)) if !path.contains(char::is_whitespace) => (path, rest),
                    _ => ("", message),
                };
                let (field, code) = field_and_code(path, message);
                ApiError::validation(FieldErrors::single(
                    if field.is_empty() { "query" } else { &field },
                    code,
                    message,
                ))
            })
    }
}

/// Path parameters; a malformed id is a 400 problem, never a plain-text rejection.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|rejection: PathRejection| {
                ApiError::bad_request("invalid_path_parameter", rejection.body_text())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Signup {
        email: String,
        age: u8,
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        let error = parse_json::<Signup>(b"{\"email\": ").unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_eq!(error.code, "malformed_json");
    }

    #[test]
    fn a_wrong_type_names_the_field() {
        let error = parse_json::<Signup>(br#"{"email": "a@b.c", "age": "old"}"#).unwrap_err();
        assert_eq!(error.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error.errors[0].field, "age");
        assert_eq!(error.errors[0].code, "invalid_type");
    }

    #[test]
    fn missing_and_unknown_fields_are_named() {
        let missing = parse_json::<Signup>(br#"{"email": "a@b.c"}"#).unwrap_err();
        assert_eq!(
            (
                missing.errors[0].field.as_str(),
                missing.errors[0].code.as_str()
            ),
            ("age", "required")
        );
        let unknown =
            parse_json::<Signup>(br#"{"email": "a@b.c", "age": 3, "admin": true}"#).unwrap_err();
        assert_eq!(
            (
                unknown.errors[0].field.as_str(),
                unknown.errors[0].code.as_str()
            ),
            ("admin", "unknown_field")
        );
    }
}
