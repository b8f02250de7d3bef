//! Tests of the fake provider: the pure protocol helpers, the keys, and whole
//! flows over real HTTP/1.1 (a tiny client on a raw `TcpStream`).

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::keys::{self, Signer, SigningKey};
use super::protocol::{self, BasicCredentials};
use super::{FakeOidcProvider, FakeOidcUser};

const CLIENT_ID: &str = "smartseller-backoffice";
const CLIENT_SECRET: &str = "s3cret: with & odd=chars+%";
const REDIRECT_URI: &str = "http://127.0.0.1:9/auth/callback?tenant=acme";
/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn alice() -> FakeOidcUser {
    FakeOidcUser {
        subject: "user-alice-0001".to_owned(),
        email: "alice@example.test".to_owned(),
        email_verified: true,
        name: "Alice Example".to_owned(),
    }
}

// ---------------------------------------------------------------- pure parts

#[test]
fn parse_params_decodes_drops_empty_values_and_refuses_repeats() {
    let params = protocol::parse_params(b"a=1&b=x+y%26z&c=&d").expect("no repeats");
    assert_eq!(params.get("a").map(String::as_str), Some("1"));
    assert_eq!(params.get("b").map(String::as_str), Some("x y&z"));
    assert!(!params.contains_key("c"));
    assert!(!params.contains_key("d"));

    assert_eq!(
        protocol::parse_params(b"code=1&state=s&code=2"),
        Err("code".to_owned())
    );
}

#[test]
fn form_urldecode_handles_plus_escapes_and_garbage() {
    assert_eq!(
        protocol::form_urldecode("a+b%3Ac%2B%25").as_deref(),
        Some("a b:c+%")
    );
    assert_eq!(protocol::form_urldecode("%C3%A9").as_deref(), Some("é"));
    assert_eq!(protocol::form_urldecode("bad%2"), None);
    assert_eq!(protocol::form_urldecode("bad%zz"), None);
    assert_eq!(protocol::form_urldecode("%FF"), None);
}

#[test]
fn basic_credentials_are_base64_of_form_encoded_parts() {
    let header = basic_header("my:client", CLIENT_SECRET);
    assert_eq!(
        protocol::basic_credentials(Some(&header)),
        BasicCredentials::Present {
            client_id: "my:client".to_owned(),
            client_secret: CLIENT_SECRET.to_owned(),
        }
    );
    let lower = format!("basic {}", STANDARD.encode("id:secret"));
    assert!(matches!(
        protocol::basic_credentials(Some(&lower)),
        BasicCredentials::Present { .. }
    ));
    assert_eq!(protocol::basic_credentials(None), BasicCredentials::Absent);
    assert_eq!(
        protocol::basic_credentials(Some("Bearer abc")),
        BasicCredentials::Absent
    );
    assert_eq!(
        protocol::basic_credentials(Some("Basic !!!")),
        BasicCredentials::Malformed
    );
    let no_colon = format!("Basic {}", STANDARD.encode("nocolon"));
    assert_eq!(
        protocol::basic_credentials(Some(&no_colon)),
        BasicCredentials::Malformed
    );
}

#[test]
fn bearer_token_is_read_case_insensitively() {
    assert_eq!(protocol::bearer_token(Some("Bearer abc")), Some("abc"));
    assert_eq!(protocol::bearer_token(Some("bearer  abc ")), Some("abc"));
    assert_eq!(protocol::bearer_token(Some("Basic abc")), None);
    assert_eq!(protocol::bearer_token(Some("Bearer ")), None);
    assert_eq!(protocol::bearer_token(None), None);
}

#[test]
fn pkce_s256_matches_the_rfc_7636_example_only() {
    assert_eq!(protocol::s256_challenge(VERIFIER), CHALLENGE);
    assert!(protocol::pkce_s256_matches(VERIFIER, CHALLENGE));

    let other = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj";
    assert!(!protocol::pkce_s256_matches(other, CHALLENGE));
    // Too short to be a verifier, even with a matching hash.
    let short = "abc";
    assert!(!protocol::pkce_s256_matches(
        short,
        &protocol::s256_challenge(short)
    ));
    assert!(!protocol::is_pkce_string(&"a".repeat(129)));
    assert!(!protocol::is_pkce_string(&format!("{}!", "a".repeat(43))));
    assert!(protocol::is_pkce_string(&"a~.-_".repeat(20)));
}

#[test]
fn at_hash_is_the_left_half_of_sha256() {
    let hash = protocol::at_hash("an-access-token");
    assert_eq!(URL_SAFE_NO_PAD.decode(&hash).expect("base64url").len(), 16);
    assert_ne!(hash, protocol::at_hash("another-access-token"));
}

#[test]
fn random_tokens_are_long_and_distinct() {
    let a = protocol::random_token();
    assert_eq!(a.len(), 43);
    assert_ne!(a, protocol::random_token());
}

fn good_decoding_key() -> DecodingKey {
    DecodingKey::from_rsa_components(keys::SIGNING_KEY_N, keys::SIGNING_KEY_E)
        .expect("published modulus and exponent decode")
}

fn test_validation() -> Validation {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&["aud-1"]);
    validation.set_issuer(&["iss-1"]);
    validation
}

fn test_claims() -> Value {
    serde_json::json!({
        "iss": "iss-1",
        "aud": "aud-1",
        "sub": "sub-1",
        "exp": chrono::Utc::now().timestamp() + 60,
    })
}

#[test]
fn good_key_tokens_verify_against_the_published_components() {
    let token = Signer::new().sign(&test_claims(), SigningKey::Good);
    let header = jsonwebtoken::decode_header(&token).expect("header");
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.kid.as_deref(), Some(keys::KEY_ID));
    let data = jsonwebtoken::decode::<Value>(&token, &good_decoding_key(), &test_validation())
        .expect("signature verifies");
    assert_eq!(data.claims["sub"], "sub-1");
}

#[test]
fn rogue_key_tokens_carry_the_same_kid_but_fail_verification() {
    let token = Signer::new().sign(&test_claims(), SigningKey::Rogue);
    let header = jsonwebtoken::decode_header(&token).expect("header");
    assert_eq!(header.kid.as_deref(), Some(keys::KEY_ID));
    let error = jsonwebtoken::decode::<Value>(&token, &good_decoding_key(), &test_validation())
        .expect_err("rogue signature must not verify");
    assert_eq!(
        *error.kind(),
        jsonwebtoken::errors::ErrorKind::InvalidSignature
    );
    // The token is otherwise sound: the rogue public key accepts it.
    let rogue = DecodingKey::from_rsa_components(keys::ROGUE_KEY_N, keys::ROGUE_KEY_E)
        .expect("rogue components decode");
    jsonwebtoken::decode::<Value>(&token, &rogue, &test_validation())
        .expect("verifies with the rogue public key");
}

#[test]
fn jwks_publishes_only_the_good_key() {
    let jwks = Signer::jwks();
    let keys = jwks["keys"].as_array().expect("keys array");
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["kid"], keys::KEY_ID);
    assert_eq!(key["n"], keys::SIGNING_KEY_N);
    assert_eq!(key["e"], "AQAB");
    // A 2048-bit modulus.
    let n = URL_SAFE_NO_PAD
        .decode(keys::SIGNING_KEY_N)
        .expect("base64url");
    assert_eq!(n.len(), 256);
    assert!(n[0] & 0x80 != 0);
}

// ----------------------------------------------------------- HTTP over TCP

#[derive(Debug)]
struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The query of the `Location` header of a redirect.
    fn location_query(&self) -> HashMap<String, String> {
        let location = self.header("location").expect("a Location header");
        url::Url::parse(location)
            .expect("absolute Location")
            .query_pairs()
            .into_owned()
            .collect()
    }
}

/// One HTTP/1.1 request on a fresh connection to the provider.
async fn http(
    provider: &FakeOidcProvider,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    let issuer = provider.issuer();
    let authority = issuer.strip_prefix("http://").expect("http issuer");
    let mut stream = tokio::net::TcpStream::connect(authority)
        .await
        .expect("connect to the fake provider");
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes).await.expect("send request");

    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .expect("response within 10 s")
        .expect("read response");
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> HttpResponse {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = std::str::from_utf8(&raw[..split]).expect("ASCII head");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    HttpResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size line");
        let size = std::str::from_utf8(&rest[..line_end]).expect("ASCII size");
        let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
            .expect("hex chunk size");
        if size == 0 {
            return body;
        }
        let start = line_end + 2;
        body.extend_from_slice(&rest[start..start + size]);
        rest = &rest[start + size + 2..];
    }
}

fn basic_header(client_id: &str, client_secret: &str) -> String {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", encode(client_id), encode(client_secret));
    format!("Basic {}", STANDARD.encode(pair))
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn authorize_path(pairs: &[(&str, &str)]) -> String {
    format!("/authorize?{}", form(pairs))
}

/// A complete, valid authorization request with `nonce`.
fn good_authorize_params(nonce: &str) -> Vec<(&'static str, String)> {
    vec![
        ("response_type", "code".to_owned()),
        ("client_id", CLIENT_ID.to_owned()),
        ("redirect_uri", REDIRECT_URI.to_owned()),
        ("scope", "openid email profile".to_owned()),
        ("state", "state-xyz".to_owned()),
        ("nonce", nonce.to_owned()),
        ("code_challenge", CHALLENGE.to_owned()),
        ("code_challenge_method", "S256".to_owned()),
    ]
}

async fn authorize_with(
    provider: &FakeOidcProvider,
    params: &[(&'static str, String)],
) -> HttpResponse {
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    http(provider, "GET", &authorize_path(&pairs), &[], b"").await
}

/// Runs `/authorize` for the signed-in user and returns the code.
async fn get_code(provider: &FakeOidcProvider, nonce: &str) -> String {
    let response = authorize_with(provider, &good_authorize_params(nonce)).await;
    assert_eq!(response.status, 302, "{response:?}");
    let query = response.location_query();
    assert_eq!(query.get("state").map(String::as_str), Some("state-xyz"));
    query.get("code").cloned().expect("a code")
}

async fn post_token(
    provider: &FakeOidcProvider,
    pairs: &[(&str, &str)],
    extra_headers: &[(&str, &str)],
) -> HttpResponse {
    let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
    headers.extend_from_slice(extra_headers);
    http(provider, "POST", "/token", &headers, form(pairs).as_bytes()).await
}

/// A `client_secret_post` token request for `code`.
async fn exchange(provider: &FakeOidcProvider, code: &str) -> HttpResponse {
    post_token(
        provider,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ],
        &[],
    )
    .await
}

/// Verifies an ID token the way a relying party does, with the key fetched
/// from the provider's JWKS.
async fn verify_id_token(
    provider: &FakeOidcProvider,
    id_token: &str,
) -> jsonwebtoken::errors::Result<Value> {
    let jwks = http(provider, "GET", "/jwks", &[], b"").await.json();
    let kid = jsonwebtoken::decode_header(id_token)?.kid;
    let key = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|key| key["kid"].as_str() == kid.as_deref())
        .expect("the kid is published");
    let decoding_key = DecodingKey::from_rsa_components(
        key["n"].as_str().expect("n"),
        key["e"].as_str().expect("e"),
    )?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[CLIENT_ID]);
    validation.set_issuer(&[provider.issuer()]);
    jsonwebtoken::decode::<Value>(id_token, &decoding_key, &validation).map(|data| data.claims)
}

async fn started() -> FakeOidcProvider {
    let provider = FakeOidcProvider::start(CLIENT_ID, CLIENT_SECRET).await;
    provider.sign_in_as(alice());
    provider
}

#[tokio::test]
async fn discovery_document_describes_the_provider() {
    let provider = started().await;
    let issuer = provider.issuer();
    assert!(issuer.starts_with("http://127.0.0.1:"));
    assert!(!issuer.ends_with('/'));

    let response = http(
        &provider,
        "GET",
        "/.well-known/openid-configuration",
        &[],
        b"",
    )
    .await;
    assert_eq!(response.status, 200);
    let doc = response.json();
    assert_eq!(doc["issuer"], issuer);
    assert_eq!(doc["authorization_endpoint"], format!("{issuer}/authorize"));
    assert_eq!(doc["token_endpoint"], format!("{issuer}/token"));
    assert_eq!(doc["userinfo_endpoint"], format!("{issuer}/userinfo"));
    assert_eq!(doc["jwks_uri"], format!("{issuer}/jwks"));
    assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
    assert_eq!(
        doc["subject_types_supported"],
        serde_json::json!(["public"])
    );
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256"])
    );
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        doc["scopes_supported"],
        serde_json::json!(["openid", "email", "profile"])
    );
    assert_eq!(
        doc["token_endpoint_auth_methods_supported"],
        serde_json::json!(["client_secret_post", "client_secret_basic"])
    );
    assert_eq!(
        doc["grant_types_supported"],
        serde_json::json!(["authorization_code"])
    );

    let jwks = http(&provider, "GET", "/jwks", &[], b"").await;
    assert_eq!(jwks.status, 200);
    assert_eq!(jwks.json(), Signer::jwks());
}

#[tokio::test]
async fn code_flow_with_pkce_issues_a_verifiable_id_token_and_userinfo() {
    let provider = started().await;
    assert_eq!(provider.token_requests(), 0);

    let response = authorize_with(&provider, &good_authorize_params("nonce-123")).await;
    assert_eq!(response.status, 302);
    let location = url::Url::parse(response.header("location").expect("Location")).expect("URL");
    assert_eq!(location.path(), "/auth/callback");
    let query = response.location_query();
    assert_eq!(query.get("tenant").map(String::as_str), Some("acme"));
    assert_eq!(query.get("state").map(String::as_str), Some("state-xyz"));
    let code = query.get("code").cloned().expect("code");

    let response = exchange(&provider, &code).await;
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let tokens = response.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "openid email profile");
    let access_token = tokens["access_token"].as_str().expect("access_token");
    let id_token = tokens["id_token"].as_str().expect("id_token");
    assert_eq!(provider.token_requests(), 1);

    let claims = verify_id_token(&provider, id_token)
        .await
        .expect("the ID token verifies against the JWKS");
    assert_eq!(claims["iss"], provider.issuer());
    assert_eq!(claims["aud"], CLIENT_ID);
    assert_eq!(claims["sub"], "user-alice-0001");
    assert_eq!(claims["nonce"], "nonce-123");
    assert_eq!(claims["email"], "alice@example.test");
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["name"], "Alice Example");
    assert_eq!(claims["at_hash"], protocol::at_hash(access_token));
    let iat = claims["iat"].as_i64().expect("iat");
    assert_eq!(claims["exp"].as_i64().expect("exp"), iat + 300);
    assert!(claims["auth_time"].as_i64().expect("auth_time") <= iat);

    let bearer = format!("Bearer {access_token}");
    let userinfo = http(
        &provider,
        "GET",
        "/userinfo",
        &[("Authorization", &bearer)],
        b"",
    )
    .await;
    assert_eq!(userinfo.status, 200);
    assert_eq!(
        userinfo.json(),
        serde_json::json!({
            "sub": "user-alice-0001",
            "email": "alice@example.test",
            "email_verified": true,
            "name": "Alice Example",
        })
    );

    // Replaying the code fails, and revokes what it yielded.
    let replay = exchange(&provider, &code).await;
    assert_eq!(replay.status, 400);
    assert_eq!(replay.json()["error"], "invalid_grant");
    assert_eq!(provider.token_requests(), 2);
    let userinfo = http(
        &provider,
        "GET",
        "/userinfo",
        &[("Authorization", &bearer)],
        b"",
    )
    .await;
    assert_eq!(userinfo.status, 401);
}

#[tokio::test]
async fn client_secret_basic_is_accepted_with_form_encoded_credentials() {
    let provider = started().await;
    let code = get_code(&provider, "n").await;
    let basic = basic_header(CLIENT_ID, CLIENT_SECRET);
    let response = post_token(
        &provider,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
        ],
        &[("Authorization", &basic)],
    )
    .await;
    assert_eq!(response.status, 200, "{response:?}");
    let id_token = response.json()["id_token"]
        .as_str()
        .expect("id_token")
        .to_owned();
    verify_id_token(&provider, &id_token)
        .await
        .expect("verifies");
}

#[tokio::test]
async fn client_authentication_failures_are_invalid_client() {
    let provider = started().await;
    let code = get_code(&provider, "n").await;
    let base = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", VERIFIER),
    ];

    let wrong_basic = basic_header(CLIENT_ID, "wrong");
    let response = post_token(&provider, &base, &[("Authorization", &wrong_basic)]).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.json()["error"], "invalid_client");
    assert!(response.header("www-authenticate").is_some());

    let mut wrong_post = base.to_vec();
    wrong_post.extend([("client_id", CLIENT_ID), ("client_secret", "wrong")]);
    let response = post_token(&provider, &wrong_post, &[]).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.json()["error"], "invalid_client");

    let mut unknown = base.to_vec();
    unknown.extend([
        ("client_id", "someone-else"),
        ("client_secret", CLIENT_SECRET),
    ]);
    let response = post_token(&provider, &unknown, &[]).await;
    assert_eq!(response.status, 401);

    let response = post_token(&provider, &base, &[]).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.json()["error"], "invalid_client");

    // Both methods at once.
    let good_basic = basic_header(CLIENT_ID, CLIENT_SECRET);
    let mut both = base.to_vec();
    both.push(("client_secret", CLIENT_SECRET));
    let response = post_token(&provider, &both, &[("Authorization", &good_basic)]).await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["error"], "invalid_request");

    assert_eq!(provider.token_requests(), 5);
    // None of that consumed the code.
    assert_eq!(exchange(&provider, &code).await.status, 200);
}

#[tokio::test]
async fn grant_errors_are_invalid_grant_and_burn_the_code() {
    let provider = started().await;

    // PKCE: a verifier that does not hash to the challenge.
    let code = get_code(&provider, "n").await;
    let response = post_token(
        &provider,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &"x".repeat(43)),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ],
        &[],
    )
    .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["error"], "invalid_grant");
    assert_eq!(response.header("cache-control"), Some("no-store"));
    // The code is spent even though the exchange failed.
    assert_eq!(
        exchange(&provider, &code).await.json()["error"],
        "invalid_grant"
    );

    // PKCE: no verifier at all.
    let code = get_code(&provider, "n").await;
    let response = post_token(
        &provider,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ],
        &[],
    )
    .await;
    assert_eq!(response.json()["error"], "invalid_grant");

    // redirect_uri differs from the authorization request's.
    let code = get_code(&provider, "n").await;
    let response = post_token(
        &provider,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:9/auth/callback"),
            ("code_verifier", VERIFIER),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ],
        &[],
    )
    .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["error"], "invalid_grant");

    // Unknown code.
    let response = exchange(&provider, "no-such-code").await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["error"], "invalid_grant");

    // Expired code: age it past 60 s.
    let code = get_code(&provider, "n").await;
    {
        let mut state = provider.shared.lock();
        let pending = state.codes.get_mut(&code).expect("pending code");
        pending.issued_at = pending
            .issued_at
            .checked_sub(Duration::from_secs(61))
            .expect("monotonic clock is past 61 s");
    }
    let response = exchange(&provider, &code).await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["error"], "invalid_grant");
}

#[tokio::test]
async fn malformed_token_requests_are_refused() {
    let provider = started().await;
    let code = get_code(&provider, "n").await;

    let response = post_token(
        &provider,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ],
        &[],
    )
    .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["error"], "unsupported_grant_type");

    let body = form(&[
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
    ]);
    let response = http(
        &provider,
        "POST",
        "/token",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
    .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["error"], "invalid_request");

    let repeated = format!("{body}&code=other");
    let response = http(
        &provider,
        "POST",
        "/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        repeated.as_bytes(),
    )
    .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["error"], "invalid_request");

    let response = http(&provider, "GET", "/token", &[], b"").await;
    assert_eq!(response.status, 405);

    assert_eq!(provider.token_requests(), 3);
    // The code survived all of that.
    assert_eq!(exchange(&provider, &code).await.status, 200);
}

#[tokio::test]
async fn authorize_without_a_known_client_or_redirect_uri_shows_400() {
    let provider = started().await;
    let mut params = good_authorize_params("n");
    params[1].1 = "unknown-client".to_owned();
    let response = authorize_with(&provider, &params).await;
    assert_eq!(response.status, 400);
    assert!(response.header("location").is_none());
    assert!(
        response
            .header("content-type")
            .is_some_and(|ct| ct.starts_with("text/plain"))
    );

    let mut params = good_authorize_params("n");
    params.remove(1);
    let response = authorize_with(&provider, &params).await;
    assert_eq!(response.status, 400);
    assert!(response.header("location").is_none());

    let mut params = good_authorize_params("n");
    params.remove(2);
    let response = authorize_with(&provider, &params).await;
    assert_eq!(response.status, 400);
    assert!(response.header("location").is_none());

    let mut params = good_authorize_params("n");
    params[2].1 = "not a url".to_owned();
    let response = authorize_with(&provider, &params).await;
    assert_eq!(response.status, 400);
    assert!(response.header("location").is_none());
}

#[tokio::test]
async fn authorize_errors_are_redirected_with_state() {
    let provider = FakeOidcProvider::start(CLIENT_ID, CLIENT_SECRET).await;

    let expect_error = |response: HttpResponse, error: &str| {
        assert_eq!(response.status, 302, "{response:?}");
        let query = response.location_query();
        assert_eq!(query.get("error").map(String::as_str), Some(error));
        assert_eq!(query.get("state").map(String::as_str), Some("state-xyz"));
        assert_eq!(query.get("tenant").map(String::as_str), Some("acme"));
        assert!(!query.contains_key("code"));
    };

    // Nobody signed in yet.
    expect_error(
        authorize_with(&provider, &good_authorize_params("n")).await,
        "access_denied",
    );
    provider.sign_in_as(alice());

    let mut params = good_authorize_params("n");
    params[0].1 = "token".to_owned();
    expect_error(
        authorize_with(&provider, &params).await,
        "unsupported_response_type",
    );

    let mut params = good_authorize_params("n");
    params[3].1 = "email profile".to_owned();
    expect_error(authorize_with(&provider, &params).await, "invalid_scope");

    let mut params = good_authorize_params("n");
    params[7].1 = "plain".to_owned();
    expect_error(authorize_with(&provider, &params).await, "invalid_request");

    let mut params = good_authorize_params("n");
    params.remove(7);
    expect_error(authorize_with(&provider, &params).await, "invalid_request");

    let mut params = good_authorize_params("n");
    params.remove(6);
    expect_error(authorize_with(&provider, &params).await, "invalid_request");

    let mut params = good_authorize_params("n");
    params.push(("scope", "openid".to_owned()));
    expect_error(authorize_with(&provider, &params).await, "invalid_request");

    // And with everything right, a code.
    get_code(&provider, "n").await;
}

#[tokio::test]
async fn rogue_signature_applies_to_the_next_id_token_only() {
    let provider = started().await;
    provider.sign_next_id_token_with_rogue_key();

    let code = get_code(&provider, "n").await;
    let tokens = exchange(&provider, &code).await.json();
    let id_token = tokens["id_token"].as_str().expect("id_token");
    assert_eq!(
        jsonwebtoken::decode_header(id_token)
            .expect("header")
            .kid
            .as_deref(),
        Some(keys::KEY_ID)
    );
    let error = verify_id_token(&provider, id_token)
        .await
        .expect_err("rogue signature");
    assert_eq!(
        *error.kind(),
        jsonwebtoken::errors::ErrorKind::InvalidSignature
    );

    let code = get_code(&provider, "n").await;
    let tokens = exchange(&provider, &code).await.json();
    verify_id_token(&provider, tokens["id_token"].as_str().expect("id_token"))
        .await
        .expect("back to the good key");
}

#[tokio::test]
async fn tampered_nonce_applies_to_the_next_id_token_only() {
    let provider = started().await;
    provider.tamper_next_nonce();

    let code = get_code(&provider, "nonce-1").await;
    let tokens = exchange(&provider, &code).await.json();
    let claims = verify_id_token(&provider, tokens["id_token"].as_str().expect("id_token"))
        .await
        .expect("validly signed");
    assert!(claims["nonce"].is_string());
    assert_ne!(claims["nonce"], "nonce-1");

    let code = get_code(&provider, "nonce-2").await;
    let tokens = exchange(&provider, &code).await.json();
    let claims = verify_id_token(&provider, tokens["id_token"].as_str().expect("id_token"))
        .await
        .expect("validly signed");
    assert_eq!(claims["nonce"], "nonce-2");
}

#[tokio::test]
async fn sign_in_as_switches_the_user_and_userinfo_needs_a_real_token() {
    let provider = started().await;
    let bob = FakeOidcUser {
        subject: "user-bob-0002".to_owned(),
        email: "bob@example.test".to_owned(),
        email_verified: false,
        name: "Bob".to_owned(),
    };
    provider.sign_in_as(bob.clone());
    let code = get_code(&provider, "n").await;
    let tokens = exchange(&provider, &code).await.json();
    let claims = verify_id_token(&provider, tokens["id_token"].as_str().expect("id_token"))
        .await
        .expect("verifies");
    assert_eq!(claims["sub"], bob.subject);
    assert_eq!(claims["email_verified"], false);

    let response = http(&provider, "GET", "/userinfo", &[], b"").await;
    assert_eq!(response.status, 401);
    assert!(
        response
            .header("www-authenticate")
            .is_some_and(|v| v.starts_with("Bearer"))
    );
    let response = http(
        &provider,
        "GET",
        "/userinfo",
        &[("Authorization", "Bearer not-a-token")],
        b"",
    )
    .await;
    assert_eq!(response.status, 401);

    // POST works too (OIDC Core §5.3.1).
    let bearer = format!(
        "Bearer {}",
        tokens["access_token"].as_str().expect("access_token")
    );
    let response = http(
        &provider,
        "POST",
        "/userinfo",
        &[("Authorization", &bearer)],
        b"",
    )
    .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["sub"], bob.subject);
}

#[tokio::test]
async fn clones_share_state_and_the_server_stops_with_the_last_one() {
    let provider = started().await;
    let clone = provider.clone();
    let code = get_code(&clone, "n").await;
    assert_eq!(exchange(&provider, &code).await.status, 200);
    assert_eq!(clone.token_requests(), 1);

    let authority = provider
        .issuer()
        .strip_prefix("http://")
        .expect("http")
        .to_owned();
    drop(provider);
    drop(clone);
    // Let the aborted task wind down, then nothing listens any more.
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(&authority).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "the server should stop with the last handle");
}
