//! Sign-in with OpenID Connect providers (Google, Facebook, or any configured issuer), using the
//! authorization code flow with PKCE (RFC 7636). The provider's discovery document and signing
//! keys are fetched and cached; the ID token's signature, issuer, audience, expiry and nonce are
//! all checked before anyone is signed in.

use std::collections::HashMap;
use std::time::Duration;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use smartseller_contracts::identity::UserEvent;
use smartseller_kernel::{TenantId, UserId, clock};
use tokio::sync::RwLock;

use super::access::{Tokens, start_session};
use super::accounts::{audit_record, create_store};
use super::{IdentityCtx, IdentityError, IdentityResult, RequestMeta};
use crate::domain::{StoreName, secrets};
use crate::store::accounts::{self, NewUser};
use crate::store::{audit, oidc as store};

/// One provider as configured.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProviderConfig {
    /// The name in URLs: `/api/v1/auth/oidc/{name}/...`. `google` and `facebook` need no issuer.
    pub name: String,
    #[serde(default)]
    pub issuer: Option<String>,
    pub client_id: String,
    pub client_secret: String,
    /// Our callback URL as registered with the provider.
    pub redirect_uri: String,
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
}

impl OidcProviderConfig {
    /// The issuer, from the configuration or the provider's preset.
    pub fn issuer(&self) -> Option<String> {
        self.issuer.clone().or_else(|| match self.name.as_str() {
            "google" => Some("https://accounts.google.com".to_owned()),
            "facebook" => Some("https://www.facebook.com".to_owned()),
            _ => None,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

struct Provider {
    config: OidcProviderConfig,
    issuer: String,
    discovery: RwLock<Option<Discovery>>,
    keys: RwLock<Option<JwkSet>>,
}

/// The configured providers and one HTTP client for all of them.
pub struct OidcProviders {
    providers: HashMap<String, Provider>,
    http: reqwest::Client,
}

#[derive(Debug, Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Debug, Deserialize)]
struct IdClaims {
    sub: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<bool>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
}

const LOGIN_TTL: Duration = Duration::from_secs(600);

impl OidcProviders {
    pub fn new(configs: Vec<OidcProviderConfig>) -> Result<Self, String> {
        let mut providers = HashMap::new();
        for config in configs {
            let issuer = config
                .issuer()
                .ok_or_else(|| format!("OIDC provider `{}` needs an issuer", config.name))?;
            providers.insert(
                config.name.clone(),
                Provider {
                    issuer: issuer.trim_end_matches('/').to_owned(),
                    config,
                    discovery: RwLock::new(None),
                    keys: RwLock::new(None),
                },
            );
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { providers, http })
    }

    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.providers.keys().cloned().collect();
        names.sort();
        names
    }

    fn provider(&self, name: &str) -> IdentityResult<&Provider> {
        self.providers
            .get(name)
            .ok_or(IdentityError::UnknownProvider)
    }

    async fn discovery(&self, provider: &Provider) -> IdentityResult<Discovery> {
        if let Some(found) = provider.discovery.read().await.clone() {
            return Ok(found);
        }
        let url = format!("{}/.well-known/openid-configuration", provider.issuer);
        let discovery: Discovery = self.get_json(&url).await?;
        // OpenID Connect Discovery §4.3: the document must name the issuer we asked.
        if discovery.issuer.trim_end_matches('/') != provider.issuer {
            return Err(IdentityError::Oidc(
                "the provider's discovery document names another issuer".into(),
            ));
        }
        *provider.discovery.write().await = Some(discovery.clone());
        Ok(discovery)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> IdentityResult<T> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| IdentityError::Oidc(format!("cannot reach {url}: {e}")))?;
        if !response.status().is_success() {
            return Err(IdentityError::Oidc(format!(
                "{url} answered {}",
                response.status()
            )));
        }
        response
            .json()
            .await
            .map_err(|e| IdentityError::Oidc(format!("{url} sent an unreadable answer: {e}")))
    }

    /// The provider's key for `kid`, refetching the key set once if it is not known (rotation).
    async fn key(
        &self,
        provider: &Provider,
        discovery: &Discovery,
        kid: &str,
    ) -> IdentityResult<DecodingKey> {
        for refresh in [false, true] {
            if refresh || provider.keys.read().await.is_none() {
                let set: JwkSet = self.get_json(&discovery.jwks_uri).await?;
                *provider.keys.write().await = Some(set);
            }
            if let Some(jwk) = provider
                .keys
                .read()
                .await
                .as_ref()
                .and_then(|set| set.find(kid))
            {
                return DecodingKey::from_jwk(jwk)
                    .map_err(|e| IdentityError::Oidc(format!("unusable provider key: {e}")));
            }
        }
        Err(IdentityError::Oidc(
            "the ID token is signed with a key the provider does not publish".into(),
        ))
    }
}

/// Starts a sign-in: remembers state, nonce and PKCE verifier, and answers the provider URL to
/// send the browser to.
pub async fn begin(ctx: &IdentityCtx, provider_name: &str) -> IdentityResult<String> {
    let provider = ctx.oidc.provider(provider_name)?;
    let discovery = ctx.oidc.discovery(provider).await?;
    let state = secrets::random_token("");
    let nonce = secrets::random_token("");
    let verifier = secrets::random_token("");
    let tx = ctx.db.begin_write().await?;
    let expires = clock::now() + chrono::Duration::from_std(LOGIN_TTL).unwrap_or_default();
    store::insert_login(&*tx, &state, provider_name, &verifier, &nonce, expires).await?;
    tx.commit().await?;
    let scopes = provider
        .config
        .scopes
        .clone()
        .unwrap_or_else(|| vec!["openid".into(), "email".into(), "profile".into()])
        .join(" ");
    let mut url = url::Url::parse(&discovery.authorization_endpoint)
        .map_err(|e| IdentityError::Oidc(format!("bad authorization endpoint: {e}")))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &provider.config.client_id)
        .append_pair("redirect_uri", &provider.config.redirect_uri)
        .append_pair("scope", &scopes)
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &secrets::pkce_challenge(&verifier))
        .append_pair("code_challenge_method", "S256");
    Ok(url.into())
}

/// Finishes a sign-in from the provider's redirect: exchanges the code, checks the ID token, and
/// signs the person in, linking or creating their account.
pub async fn finish(
    ctx: &IdentityCtx,
    provider_name: &str,
    code: &str,
    state: &str,
    meta: &RequestMeta,
) -> IdentityResult<Tokens> {
    let provider = ctx.oidc.provider(provider_name)?;
    let tx = ctx.db.begin_write().await?;
    let login = store::take_login(&*tx, state).await?;
    tx.commit().await?;
    let Some(login) = login.filter(|l| l.provider == provider_name && l.expires_at > clock::now())
    else {
        return Err(IdentityError::Oidc(
            "this sign-in is unknown or has expired; start again".into(),
        ));
    };
    let discovery = ctx.oidc.discovery(provider).await?;
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", &provider.config.redirect_uri)
        .append_pair("code_verifier", &login.code_verifier)
        .append_pair("client_id", &provider.config.client_id)
        .append_pair("client_secret", &provider.config.client_secret)
        .finish();
    let response = ctx
        .oidc
        .http
        .post(&discovery.token_endpoint)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(reqwest::header::ACCEPT, "application/json")
        .body(form)
        .send()
        .await
        .map_err(|e| IdentityError::Oidc(format!("cannot reach the token endpoint: {e}")))?;
    let answer: TokenResponse = response
        .json()
        .await
        .map_err(|e| IdentityError::Oidc(format!("unreadable token response: {e}")))?;
    let id_token = match (answer.id_token, answer.error) {
        (Some(token), None) => token,
        (_, Some(error)) => {
            return Err(IdentityError::Oidc(format!(
                "the provider refused the code: {error} {}",
                answer.error_description.unwrap_or_default()
            )));
        }
        (None, None) => return Err(IdentityError::Oidc("the provider sent no ID token".into())),
    };

    let header = jsonwebtoken::decode_header(&id_token)
        .map_err(|_| IdentityError::Oidc("the ID token is malformed".into()))?;
    if !matches!(
        header.alg,
        Algorithm::RS256 | Algorithm::ES256 | Algorithm::PS256
    ) {
        return Err(IdentityError::Oidc(
            "the ID token uses an algorithm we do not accept".into(),
        ));
    }
    let kid = header
        .kid
        .ok_or_else(|| IdentityError::Oidc("the ID token names no key".into()))?;
    let key = ctx.oidc.key(provider, &discovery, &kid).await?;
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&[&provider.config.client_id]);
    validation.set_issuer(&[&discovery.issuer]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<IdClaims>(&id_token, &key, &validation)
        .map_err(|e| IdentityError::Oidc(format!("the ID token failed verification: {e}")))?
        .claims;
    if claims.nonce.as_deref() != Some(login.nonce.as_str()) {
        return Err(IdentityError::Oidc(
            "the ID token's nonce does not match this sign-in".into(),
        ));
    }
    sign_in(ctx, provider_name, claims, meta).await
}

async fn sign_in(
    ctx: &IdentityCtx,
    provider: &str,
    claims: IdClaims,
    meta: &RequestMeta,
) -> IdentityResult<Tokens> {
    let email = claims.email.as_deref().map(|e| e.trim().to_lowercase());
    let verified = claims.email_verified.unwrap_or(false);
    let mut tx = ctx.db.begin_write().await?;
    let user_id = match store::find_identity(&*tx, provider, &claims.sub).await? {
        Some(identity) => UserId(identity.user_id),
        None => {
            // Only a provider-verified email may be linked to, or create, an account: otherwise
            // anyone could claim someone else's address at a lax provider.
            let Some(email) = email.filter(|_| verified) else {
                return Err(IdentityError::Oidc(
                    "the provider did not confirm an email address".into(),
                ));
            };
            let user_id = match accounts::find_user_by_email(&*tx, &email).await? {
                Some(existing) => UserId(existing.id),
                None => {
                    let id = UserId::new();
                    let name = claims
                        .name
                        .clone()
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or_else(|| email.clone());
                    accounts::insert_user(
                        &*tx,
                        NewUser {
                            id,
                            email: &email,
                            password_hash: None,
                            full_name: &name,
                            is_platform_operator: false,
                        },
                    )
                    .await?;
                    let store_name = StoreName::parse(&format!("{name}'s store"))
                        .or_else(|_| StoreName::parse("My store"))
                        .map_err(|e| IdentityError::Oidc(e.message))?;
                    let tenant = create_store(&mut tx, &store_name, id).await?;
                    audit::append(
                        &*tx,
                        audit_record(tenant, Some(id), "auth.registered", meta),
                    )
                    .await?;
                    tx.publish(
                        tenant,
                        &UserEvent::Registered {
                            user_id: id,
                            tenant_id: tenant,
                            email: email.clone(),
                            full_name: name,
                            store_name: store_name.as_str().to_owned(),
                        },
                    )
                    .await?;
                    id
                }
            };
            store::link_identity(&*tx, provider, &claims.sub, user_id, &email).await?;
            user_id
        }
    };
    let membership = accounts::memberships_of(&*tx, user_id)
        .await?
        .into_iter()
        .next()
        .ok_or(IdentityError::InvalidCredentials)?;
    let tenant = TenantId(membership.tenant_id);
    let tokens = start_session(ctx, &*tx, tenant, user_id, meta).await?;
    let mut entry = audit_record(tenant, Some(user_id), "auth.login", meta);
    entry.details = serde_json::json!({ "method": format!("oidc:{provider}") });
    audit::append(&*tx, entry).await?;
    tx.publish(
        tenant,
        &UserEvent::LoggedIn {
            user_id,
            method: format!("oidc:{provider}"),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(tokens)
}
