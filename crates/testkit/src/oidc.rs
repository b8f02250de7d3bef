//! A fake OpenID Connect provider, so our OIDC client is tested end to end over
//! the real protocol (discovery, authorization code + PKCE S256, token exchange,
//! RS256 ID tokens checked against a JWKS, userinfo) without a real identity
//! provider. It listens on `127.0.0.1`, knows one client, approves whoever
//! [`FakeOidcProvider::sign_in_as`] names without a consent page, and can be
//! told to misbehave (rogue signature, wrong nonce) so rejection paths get
//! exercised too.
//!
//! Its RSA keys are throwaway test keys committed next to this file.

mod keys;
mod protocol;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde::Serialize;

use keys::{Signer, SigningKey};
use protocol::BasicCredentials;

/// How long an authorization code can be redeemed after `/authorize` issued it.
const CODE_LIFETIME: Duration = Duration::from_secs(60);
/// `expires_in` of access tokens, in seconds.
const ACCESS_TOKEN_LIFETIME_SECS: u64 = 3600;
/// ID tokens expire this many seconds after they are issued.
const ID_TOKEN_LIFETIME_SECS: i64 = 300;

/// The end user the fake provider signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeOidcUser {
    /// The `sub` claim.
    pub subject: String,
    pub email: String,
    pub email_verified: bool,
    pub name: String,
}

/// A running fake OpenID Connect provider for one confidential client.
///
/// Clones share the same server and state. The server runs on a spawned tokio
/// task and stops when the last clone is dropped.
#[derive(Clone)]
pub struct FakeOidcProvider {
    shared: Arc<Shared>,
    _server: Arc<ServerTask>,
}

impl FakeOidcProvider {
    /// Starts a provider on `127.0.0.1` (a free port) that accepts the client
    /// `client_id`, authenticated with `client_secret` (`client_secret_post` or
    /// `client_secret_basic`).
    ///
    /// # Panics
    ///
    /// If no local port can be bound, or outside a tokio runtime.
    pub async fn start(client_id: &str, client_secret: &str) -> FakeOidcProvider {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("fake OIDC provider: bind 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("fake OIDC provider: local address");
        let shared = Arc::new(Shared {
            issuer: format!("http://{addr}"),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            signer: Signer::new(),
            token_requests: AtomicUsize::new(0),
            state: Mutex::new(ProviderState::default()),
        });
        let app = router(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                eprintln!("fake OIDC provider on {addr} stopped: {error}");
            }
        });
        FakeOidcProvider {
            shared,
            _server: Arc::new(ServerTask(server)),
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash: the `iss` of its ID
    /// tokens and the base of every endpoint.
    pub fn issuer(&self) -> String {
        self.shared.issuer.clone()
    }

    /// Signs `user` in at the provider: from now on `/authorize` approves the
    /// request for them at once (no login or consent page). The session lasts
    /// until the next call; `auth_time` is the time of this call. Until it is
    /// called, `/authorize` answers `access_denied`.
    pub fn sign_in_as(&self, user: FakeOidcUser) {
        self.shared.lock().session = Some(Session {
            user,
            auth_time: chrono::Utc::now().timestamp(),
        });
    }

    /// The next ID token the token endpoint issues is signed with a rogue key
    /// that is not in the JWKS but carries the same `kid`, so its signature must
    /// fail verification. Applies once.
    pub fn sign_next_id_token_with_rogue_key(&self) {
        self.shared.lock().rogue_key_next = true;
    }

    /// The next ID token the token endpoint issues carries a nonce other than
    /// the one sent to `/authorize` (one is added if none was sent). Applies once.
    pub fn tamper_next_nonce(&self) {
        self.shared.lock().tamper_nonce_next = true;
    }

    /// How many requests reached the token endpoint, whatever their outcome.
    pub fn token_requests(&self) -> usize {
        self.shared.token_requests.load(Ordering::SeqCst)
    }
}

impl fmt::Debug for FakeOidcProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeOidcProvider")
            .field("issuer", &self.shared.issuer)
            .field("client_id", &self.shared.client_id)
            .finish_non_exhaustive()
    }
}

/// Aborts the server task when the last provider handle goes away.
struct ServerTask(tokio::task::JoinHandle<()>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What the handlers share with the handles.
struct Shared {
    issuer: String,
    client_id: String,
    client_secret: String,
    signer: Signer,
    token_requests: AtomicUsize,
    state: Mutex<ProviderState>,
}

impl Shared {
    /// The mutable state. A panic elsewhere does not make it unusable: every
    /// update leaves it consistent.
    fn lock(&self) -> MutexGuard<'_, ProviderState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[derive(Default)]
struct ProviderState {
    session: Option<Session>,
    rogue_key_next: bool,
    tamper_nonce_next: bool,
    /// Authorization codes not yet presented to the token endpoint.
    codes: HashMap<String, PendingCode>,
    /// Codes already presented, with the access token they yielded, if any, so
    /// a replay can be refused and that token revoked (RFC 6749 §4.1.2).
    redeemed_codes: HashMap<String, Option<String>>,
    access_tokens: HashMap<String, IssuedAccessToken>,
}

#[derive(Clone)]
struct Session {
    user: FakeOidcUser,
    /// When the user signed in, as Unix seconds.
    auth_time: i64,
}

/// What `/authorize` bound an authorization code to.
struct PendingCode {
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    nonce: Option<String>,
    scope: String,
    session: Session,
    issued_at: Instant,
}

struct IssuedAccessToken {
    user: FakeOidcUser,
    expires_at: Instant,
}

/// Claims of the ID tokens the provider issues.
#[derive(Serialize)]
struct IdTokenClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
    iat: i64,
    auth_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    at_hash: String,
    email: &'a str,
    email_verified: bool,
    name: &'a str,
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .route("/jwks", get(jwks))
        .route("/userinfo", get(userinfo).post(userinfo))
        .with_state(shared)
}

/// `GET /.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4).
async fn discovery(State(shared): State<Arc<Shared>>) -> Json<serde_json::Value> {
    let issuer = &shared.issuer;
    Json(serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "grant_types_supported": ["authorization_code"],
    }))
}

/// `GET /jwks`: the public half of the good key only.
async fn jwks() -> Json<serde_json::Value> {
    Json(Signer::jwks())
}

/// `GET /authorize` (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2).
async fn authorize(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let raw = query.unwrap_or_default();
    let params = protocol::parse_params(raw.as_bytes());

    // Until client and redirect URI are known good, errors go to the user
    // agent, never to the redirect URI (RFC 6749 §4.1.2.1).
    let params = match params {
        Ok(params) => params,
        Err(name) if name == "client_id" || name == "redirect_uri" => {
            return bad_authorization_request(&format!("{name} was sent more than once"));
        }
        Err(_) => {
            // Find where to redirect the error from the first occurrences.
            let mut first = HashMap::new();
            for (name, value) in url::form_urlencoded::parse(raw.as_bytes()) {
                if !value.is_empty() {
                    first
                        .entry(name.into_owned())
                        .or_insert_with(|| value.into_owned());
                }
            }
            return match authorization_redirect_target(&shared, &first) {
                Ok(redirect_uri) => redirect_error(
                    &redirect_uri,
                    first.get("state").map(String::as_str),
                    "invalid_request",
                    "a parameter was sent more than once",
                ),
                Err(message) => bad_authorization_request(message),
            };
        }
    };
    let redirect_uri = match authorization_redirect_target(&shared, &params) {
        Ok(redirect_uri) => redirect_uri,
        Err(message) => return bad_authorization_request(message),
    };
    let state = params.get("state").map(String::as_str);
    let fail =
        |error: &str, description: &str| redirect_error(&redirect_uri, state, error, description);

    if params.get("response_type").map(String::as_str) != Some("code") {
        return fail(
            "unsupported_response_type",
            "only response_type=code is supported",
        );
    }
    let scope = params.get("scope").cloned().unwrap_or_default();
    if !scope.split(' ').any(|s| s == "openid") {
        return fail("invalid_scope", "scope must include openid");
    }
    let Some(code_challenge) = params.get("code_challenge") else {
        return fail("invalid_request", "code_challenge is required (PKCE)");
    };
    if params.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return fail("invalid_request", "code_challenge_method must be S256");
    }
    if !protocol::is_pkce_string(code_challenge) {
        return fail("invalid_request", "code_challenge is malformed");
    }

    let code = protocol::random_token();
    {
        let mut provider = shared.lock();
        let Some(session) = provider.session.clone() else {
            drop(provider);
            return fail("access_denied", "no user is signed in at the fake provider");
        };
        let now = Instant::now();
        provider
            .codes
            .retain(|_, pending| now.duration_since(pending.issued_at) <= CODE_LIFETIME);
        provider.codes.insert(
            code.clone(),
            PendingCode {
                client_id: shared.client_id.clone(),
                // Compared verbatim with the token request's (RFC 6749 §4.1.3).
                redirect_uri: params.get("redirect_uri").cloned().unwrap_or_default(),
                code_challenge: code_challenge.clone(),
                nonce: params.get("nonce").cloned(),
                scope,
                session,
                issued_at: now,
            },
        );
    }

    let mut location = redirect_uri;
    {
        let mut query = location.query_pairs_mut();
        query.append_pair("code", &code);
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    found(&location)
}

/// Checks `client_id` and `redirect_uri`; an `Err` is what the 400 page shown
/// instead of redirecting says.
fn authorization_redirect_target(
    shared: &Shared,
    params: &HashMap<String, String>,
) -> Result<url::Url, &'static str> {
    match params.get("client_id") {
        None => return Err("client_id is required"),
        Some(client_id) if *client_id != shared.client_id => return Err("unknown client_id"),
        Some(_) => {}
    }
    let redirect_uri = params
        .get("redirect_uri")
        .ok_or("redirect_uri is required")?;
    match url::Url::parse(redirect_uri) {
        Ok(url) if url.fragment().is_none() && !url.cannot_be_a_base() => Ok(url),
        _ => Err("redirect_uri must be an absolute URI without a fragment"),
    }
}

/// The plain-text 400 shown to the user agent when there is nowhere safe to
/// redirect.
fn bad_authorization_request(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("invalid authorization request: {message}\n"),
    )
        .into_response()
}

/// Redirects an authorization error to the client (RFC 6749 §4.1.2.1).
fn redirect_error(
    redirect_uri: &url::Url,
    state: Option<&str>,
    error: &str,
    description: &str,
) -> Response {
    let mut location = redirect_uri.clone();
    {
        let mut query = location.query_pairs_mut();
        query.append_pair("error", error);
        query.append_pair("error_description", description);
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    found(&location)
}

fn found(location: &url::Url) -> Response {
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, location.as_str()),
            (header::CACHE_CONTROL, "no-store"),
        ],
    )
        .into_response()
}

/// `POST /token` (RFC 6749 §4.1.3, RFC 7636 §4.5, OIDC Core §3.1.3).
async fn token(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    shared.token_requests.fetch_add(1, Ordering::SeqCst);
    match exchange_code(&shared, &headers, &body) {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

/// The token endpoint proper: checks the request and redeems the code.
fn exchange_code(
    shared: &Shared,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, TokenError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(TokenError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let form = protocol::parse_params(body)
        .map_err(|name| TokenError::invalid_request(format!("{name} was sent more than once")))?;

    let client_id = authenticate_client(shared, headers, &form)?;

    match form.get("grant_type").map(String::as_str) {
        None => return Err(TokenError::invalid_request("grant_type is required")),
        Some("authorization_code") => {}
        Some(_) => {
            return Err(TokenError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only authorization_code is supported",
            ));
        }
    }
    let code = form
        .get("code")
        .ok_or_else(|| TokenError::invalid_request("code is required"))?;

    let mut provider = shared.lock();
    let Some(pending) = provider.codes.remove(code) else {
        if let Some(issued) = provider.redeemed_codes.get(code) {
            if let Some(access_token) = issued.clone() {
                provider.access_tokens.remove(&access_token);
            }
            return Err(TokenError::invalid_grant(
                "the authorization code was already used",
            ));
        }
        return Err(TokenError::invalid_grant("unknown authorization code"));
    };
    // Presenting a code uses it up, whether or not the exchange succeeds.
    provider.redeemed_codes.insert(code.clone(), None);

    if pending.client_id != client_id {
        return Err(TokenError::invalid_grant(
            "the authorization code was issued to another client",
        ));
    }
    if pending.issued_at.elapsed() > CODE_LIFETIME {
        return Err(TokenError::invalid_grant(
            "the authorization code has expired",
        ));
    }
    if form.get("redirect_uri") != Some(&pending.redirect_uri) {
        return Err(TokenError::invalid_grant(
            "redirect_uri does not match the authorization request",
        ));
    }
    let code_verifier = form
        .get("code_verifier")
        .ok_or_else(|| TokenError::invalid_grant("code_verifier is required (PKCE)"))?;
    if !protocol::pkce_s256_matches(code_verifier, &pending.code_challenge) {
        return Err(TokenError::invalid_grant(
            "code_verifier does not match code_challenge (PKCE S256)",
        ));
    }

    let access_token = protocol::random_token();
    provider
        .redeemed_codes
        .insert(code.clone(), Some(access_token.clone()));
    provider.access_tokens.insert(
        access_token.clone(),
        IssuedAccessToken {
            user: pending.session.user.clone(),
            expires_at: Instant::now() + Duration::from_secs(ACCESS_TOKEN_LIFETIME_SECS),
        },
    );
    let key = if std::mem::take(&mut provider.rogue_key_next) {
        SigningKey::Rogue
    } else {
        SigningKey::Good
    };
    let nonce = if std::mem::take(&mut provider.tamper_nonce_next) {
        Some(format!("tampered-{}", protocol::random_token()))
    } else {
        pending.nonce.clone()
    };
    drop(provider);

    let now = chrono::Utc::now().timestamp();
    let user = &pending.session.user;
    let claims = IdTokenClaims {
        iss: &shared.issuer,
        sub: &user.subject,
        aud: &client_id,
        exp: now + ID_TOKEN_LIFETIME_SECS,
        iat: now,
        auth_time: pending.session.auth_time,
        nonce,
        at_hash: protocol::at_hash(&access_token),
        email: &user.email,
        email_verified: user.email_verified,
        name: &user.name,
    };
    let id_token = shared.signer.sign(&claims, key);

    let mut response = Json(serde_json::json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME_SECS,
        "id_token": id_token,
        "scope": pending.scope,
    }))
    .into_response();
    no_store(&mut response);
    Ok(response)
}

/// Authenticates the client by `client_secret_basic` or `client_secret_post`
/// (RFC 6749 §2.3.1), returning its id. Using both at once is refused.
fn authenticate_client(
    shared: &Shared,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<String, TokenError> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let (client_id, client_secret, via_basic) = match protocol::basic_credentials(authorization) {
        BasicCredentials::Malformed => {
            return Err(TokenError::invalid_client(
                "malformed HTTP Basic client credentials",
                true,
            ));
        }
        BasicCredentials::Present {
            client_id,
            client_secret,
        } => {
            if form.contains_key("client_secret") {
                return Err(TokenError::invalid_request(
                    "use only one client authentication method",
                ));
            }
            if form.get("client_id").is_some_and(|id| *id != client_id) {
                return Err(TokenError::invalid_client(
                    "client_id in the body differs from the authenticated client",
                    true,
                ));
            }
            (client_id, client_secret, true)
        }
        BasicCredentials::Absent => {
            let (Some(client_id), Some(client_secret)) =
                (form.get("client_id"), form.get("client_secret"))
            else {
                return Err(TokenError::invalid_client(
                    "client authentication is required",
                    false,
                ));
            };
            (client_id.clone(), client_secret.clone(), false)
        }
    };
    if client_id != shared.client_id || client_secret != shared.client_secret {
        return Err(TokenError::invalid_client(
            "client authentication failed",
            via_basic,
        ));
    }
    Ok(client_id)
}

/// A token endpoint error response (RFC 6749 §5.2).
#[derive(Debug)]
struct TokenError {
    status: StatusCode,
    error: &'static str,
    description: Cow<'static, str>,
    /// Whether to challenge for HTTP Basic, as §5.2 requires when the client
    /// tried it.
    basic_challenge: bool,
}

impl TokenError {
    fn new(
        status: StatusCode,
        error: &'static str,
        description: impl Into<Cow<'static, str>>,
    ) -> TokenError {
        TokenError {
            status,
            error,
            description: description.into(),
            basic_challenge: false,
        }
    }

    fn invalid_request(description: impl Into<Cow<'static, str>>) -> TokenError {
        TokenError::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    fn invalid_grant(description: &'static str) -> TokenError {
        TokenError::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }

    fn invalid_client(description: &'static str, basic_challenge: bool) -> TokenError {
        TokenError {
            basic_challenge,
            ..TokenError::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
        }
    }
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(serde_json::json!({
                "error": self.error,
                "error_description": self.description,
            })),
        )
            .into_response();
        no_store(&mut response);
        if self.basic_challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"fake-oidc\""),
            );
        }
        response
    }
}

fn no_store(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// `GET`/`POST /userinfo` (OIDC Core §5.3) with a bearer access token from `/token`.
async fn userinfo(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let user = protocol::bearer_token(authorization).and_then(|token| {
        let provider = shared.lock();
        let issued = provider.access_tokens.get(token)?;
        (Instant::now() < issued.expires_at).then(|| issued.user.clone())
    });
    match user {
        Some(user) => Json(serde_json::json!({
            "sub": user.subject,
            "email": user.email,
            "email_verified": user.email_verified,
            "name": user.name,
        }))
        .into_response(),
        None => (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                "Bearer error=\"invalid_token\", error_description=\"unknown, expired or revoked access token\"",
            )],
        )
            .into_response(),
    }
}
