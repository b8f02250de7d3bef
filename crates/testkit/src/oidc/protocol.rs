//! Pure protocol helpers of the fake provider: parameter parsing, HTTP Basic
//! client credentials and the PKCE S256 check. No I/O here, so they are tested
//! on their own.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use sha2::{Digest as _, Sha256};

/// Parses an `application/x-www-form-urlencoded` string (a request body or a
/// query string) into a map.
///
/// As RFC 6749 §3.1 asks, a parameter sent without a value counts as omitted,
/// and one sent more than once is an error: `Err` carries its name.
pub(super) fn parse_params(raw: &[u8]) -> Result<HashMap<String, String>, String> {
    let mut params = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(raw) {
        if value.is_empty() {
            continue;
        }
        if params
            .insert(name.clone().into_owned(), value.into_owned())
            .is_some()
        {
            return Err(name.into_owned());
        }
    }
    Ok(params)
}

/// Decodes one `application/x-www-form-urlencoded` component: `+` is a space,
/// `%XX` a byte. `None` if an escape is malformed or the result is not UTF-8.
pub(super) fn form_urldecode(component: &str) -> Option<String> {
    let bytes = component.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// What an `Authorization` header says about client authentication.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum BasicCredentials {
    /// No `Authorization` header, or one with another scheme.
    Absent,
    /// `Basic` with a value that does not decode to `id:secret`.
    Malformed,
    /// `Basic base64(urlencode(id) ":" urlencode(secret))`, decoded (RFC 6749 §2.3.1).
    Present {
        client_id: String,
        client_secret: String,
    },
}

/// Reads HTTP Basic client credentials from an `Authorization` header value.
pub(super) fn basic_credentials(authorization: Option<&str>) -> BasicCredentials {
    let Some(value) = authorization else {
        return BasicCredentials::Absent;
    };
    let Some((scheme, encoded)) = value.trim().split_once(' ') else {
        return BasicCredentials::Absent;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return BasicCredentials::Absent;
    }
    let encoded = encoded.trim();
    let Ok(decoded) = STANDARD
        .decode(encoded)
        .or_else(|_| STANDARD_NO_PAD.decode(encoded))
    else {
        return BasicCredentials::Malformed;
    };
    let Ok(decoded) = String::from_utf8(decoded) else {
        return BasicCredentials::Malformed;
    };
    let Some((id, secret)) = decoded.split_once(':') else {
        return BasicCredentials::Malformed;
    };
    match (form_urldecode(id), form_urldecode(secret)) {
        (Some(client_id), Some(client_secret)) if !client_id.is_empty() => {
            BasicCredentials::Present {
                client_id,
                client_secret,
            }
        }
        _ => BasicCredentials::Malformed,
    }
}

/// The token of a `Bearer` `Authorization` header value (RFC 6750 §2.1).
pub(super) fn bearer_token(authorization: Option<&str>) -> Option<&str> {
    let (scheme, token) = authorization?.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Whether `value` has the shape RFC 7636 §4.1/§4.2 gives code verifiers and
/// S256 challenges: 43 to 128 characters of `[A-Za-z0-9-._~]`.
pub(super) fn is_pkce_string(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// `BASE64URL(SHA256(ASCII(code_verifier)))`, the S256 challenge (RFC 7636 §4.2).
pub(super) fn s256_challenge(code_verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(code_verifier.as_bytes()))
}

/// Whether `code_verifier` answers the S256 `code_challenge` (RFC 7636 §4.6).
pub(super) fn pkce_s256_matches(code_verifier: &str, code_challenge: &str) -> bool {
    is_pkce_string(code_verifier) && s256_challenge(code_verifier) == code_challenge
}

/// The ID token `at_hash`: base64url of the left half of SHA-256 of the access
/// token (OpenID Connect Core §3.1.3.6, for RS256).
pub(super) fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

/// 256 random bits, base64url: authorization codes and access tokens.
pub(super) fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}
