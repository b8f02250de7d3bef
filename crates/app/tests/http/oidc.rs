//! Sign-in with an OpenID Connect provider, end to end against the fake provider from the test
//! kit: authorization code with PKCE, ID tokens verified against the provider's keys, accounts
//! created or linked only for provider-verified email addresses.

use reqwest::StatusCode;
use serde_json::json;
use smartseller_identity::app::oidc::OidcProviderConfig;
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;
use smartseller_testkit::oidc::{FakeOidcProvider, FakeOidcUser};

use crate::support::{Answer, As, PASSWORD, TestApp, email, session};

engine_tests!(
    a_first_oidc_sign_in_creates_an_account_with_a_store,
    signing_in_again_with_the_same_subject_reaches_the_same_account,
    a_verified_email_links_the_password_account_of_that_email,
    an_unverified_email_of_an_unknown_person_is_refused,
    an_id_token_signed_with_a_key_the_provider_does_not_publish_is_refused,
    an_id_token_with_another_nonce_is_refused,
    a_sign_in_state_works_only_once,
    an_unknown_provider_is_not_found,
);

const CLIENT_ID: &str = "smartseller-web";
const CLIENT_SECRET: &str = "fake-provider-client-secret";
/// The test follows redirects by hand, so the callback URL only has to be an absolute URI that
/// the provider and the app agree on.
const REDIRECT_URI: &str = "http://app.test/api/v1/auth/oidc/google/callback";

async fn app_with_google(engine: Engine) -> Option<(TestApp, FakeOidcProvider)> {
    let provider = FakeOidcProvider::start(CLIENT_ID, CLIENT_SECRET).await;
    let issuer = provider.issuer();
    let app = TestApp::spawn_with(engine, |s| {
        s.oidc = vec![OidcProviderConfig {
            name: "google".into(),
            issuer: Some(issuer),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uri: REDIRECT_URI.into(),
            scopes: None,
        }]
    })
    .await?;
    Some((app, provider))
}

fn person(subject: &str, email: &str, email_verified: bool) -> FakeOidcUser {
    FakeOidcUser {
        subject: subject.into(),
        email: email.into(),
        email_verified,
        name: "Dewi Lestari".into(),
    }
}

/// Where the provider sends the browser back to: the query of the redirect URI.
struct Return {
    code: String,
    state: String,
}

/// The browser's first two hops: our authorize endpoint redirects to the provider's, which
/// (the person being signed in there) redirects back with a code. Answers the provider URL too.
async fn go_to_provider(app: &TestApp) -> (String, Return) {
    let start = app
        .get("/api/v1/auth/oidc/google/authorize", As::Nobody)
        .await;
    assert_eq!(start.status, StatusCode::FOUND, "{}", start.body);
    assert_eq!(start.header("cache-control"), Some("no-store"));
    let provider_url = start.header("location").expect("a Location").to_owned();
    (
        provider_url.clone(),
        follow_provider(app, &provider_url).await,
    )
}

async fn follow_provider(app: &TestApp, provider_url: &str) -> Return {
    let response = app
        .client
        .get(provider_url)
        .send()
        .await
        .expect("the provider answers");
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a redirect back")
        .to_owned();
    assert!(
        location.starts_with(REDIRECT_URI),
        "redirected to {location}"
    );
    let back = url::Url::parse(&location).expect("an absolute URL");
    let param = |name: &str| {
        back.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("no {name} in {location}"))
    };
    Return {
        code: param("code"),
        state: param("state"),
    }
}

/// The browser's last hop: back to our callback with the code and state.
async fn callback(app: &TestApp, provider: &str, code: &str, state: &str) -> Answer {
    let response = app
        .client
        .get(app.url(&format!("/api/v1/auth/oidc/{provider}/callback")))
        .query(&[("code", code), ("state", state)])
        .send()
        .await
        .expect("the callback answers");
    TestApp::answer(response).await
}

async fn sign_in(app: &TestApp) -> Answer {
    let (_, back) = go_to_provider(app).await;
    callback(app, "google", &back.code, &back.state).await
}

async fn a_first_oidc_sign_in_creates_an_account_with_a_store(engine: Engine) {
    let Some((app, provider)) = app_with_google(engine).await else {
        return;
    };
    let dewi = email("dewi");
    provider.sign_in_as(person("google-sub-1", &dewi, true));

    let (provider_url, back) = go_to_provider(&app).await;
    assert!(provider_url.starts_with(&format!("{}/authorize?", provider.issuer())));
    let authorize = url::Url::parse(&provider_url).unwrap();
    let sent: std::collections::HashMap<String, String> =
        authorize.query_pairs().into_owned().collect();
    assert_eq!(sent["code_challenge_method"], "S256");
    assert_eq!(sent["client_id"], CLIENT_ID);
    assert!(sent["scope"].split(' ').any(|s| s == "openid"));
    assert!(sent.contains_key("nonce"));

    let answer = callback(&app, "google", &back.code, &back.state).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert_eq!(answer.body["token_type"], "Bearer");
    // The provider's token endpoint checks the PKCE verifier against the challenge: a 200 means
    // we sent the right one, in the one exchange there was.
    assert_eq!(provider.token_requests(), 1);
    let dewi_session = session(&answer, &dewi);

    let profile = app.get("/api/v1/auth/profile", &dewi_session).await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.body);
    assert_eq!(profile.body["email"], dewi);
    assert_eq!(profile.body["roles"], json!(["owner"]));
    assert_eq!(
        profile.body["tenant"]["id"],
        dewi_session.tenant_id.as_str()
    );
    assert_eq!(profile.body["tenant"]["name"], "Dewi Lestari's store");

    let log = app
        .get("/api/v1/audit-log?action=auth.login", &dewi_session)
        .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    let logins = log.body["items"].as_array().expect("items");
    assert_eq!(logins.len(), 1, "{}", log.body);
    assert_eq!(logins[0]["details"]["method"], "oidc:google");
    assert_eq!(logins[0]["actor_id"], dewi_session.user_id.as_str());
    app.stop().await;
}

async fn signing_in_again_with_the_same_subject_reaches_the_same_account(engine: Engine) {
    let Some((app, provider)) = app_with_google(engine).await else {
        return;
    };
    let dewi = email("dewi");
    provider.sign_in_as(person("google-sub-2", &dewi, true));
    let first = sign_in(&app).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let first = session(&first, &dewi);

    // The account is found by the provider's subject, even after the email there changed.
    provider.sign_in_as(person("google-sub-2", &email("dewi.baru"), true));
    let second = sign_in(&app).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    let second = session(&second, &dewi);

    assert_eq!(second.user_id, first.user_id);
    assert_eq!(second.tenant_id, first.tenant_id);
    assert_ne!(second.refresh, first.refresh, "a new session");
    let profile = app.get("/api/v1/auth/profile", &second).await;
    assert_eq!(profile.body["email"], dewi);
    app.stop().await;
}

async fn a_verified_email_links_the_password_account_of_that_email(engine: Engine) {
    let Some((app, provider)) = app_with_google(engine).await else {
        return;
    };
    let sari = email("sari");
    let registered = app.register("Toko Batik Sari", &sari).await;

    // Providers may spell the address in another case; it is the same mailbox.
    provider.sign_in_as(person("google-sub-3", &sari.to_uppercase(), true));
    let answer = sign_in(&app).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let linked = session(&answer, &sari);
    assert_eq!(linked.user_id, registered.user_id);
    assert_eq!(linked.tenant_id, registered.tenant_id);
    let profile = app.get("/api/v1/auth/profile", &linked).await;
    assert_eq!(profile.body["tenant"]["name"], "Toko Batik Sari");

    // The password still works, and the link holds for the next sign-in.
    assert_eq!(app.login(&sari, PASSWORD).await.status, StatusCode::OK);
    let again = sign_in(&app).await;
    assert_eq!(session(&again, &sari).user_id, registered.user_id);
    app.stop().await;
}

async fn an_unverified_email_of_an_unknown_person_is_refused(engine: Engine) {
    let Some((app, provider)) = app_with_google(engine).await else {
        return;
    };
    let rina = email("rina");
    provider.sign_in_as(person("google-sub-4", &rina, false));
    let answer = sign_in(&app).await;
    answer.assert_problem(502, "auth.oidc_failed");
    assert!(answer.body.get("access_token").is_none());

    // No account was made for the unconfirmed address: its owner can still register it.
    app.register("Toko Rina", &rina).await;
    app.stop().await;
}

async fn an_id_token_signed_with_a_key_the_provider_does_not_publish_is_refused(engine: Engine) {
    let Some((app, provider)) = app_with_google(engine).await else {
        return;
    };
    let dewi = email("dewi");
    provider.sign_in_as(person("google-sub-5", &dewi, true));
    provider.sign_next_id_token_with_rogue_key();
    let answer = sign_in(&app).await;
    answer.assert_problem(502, "auth.oidc_failed");
    assert!(answer.body.get("access_token").is_none());
    assert_eq!(provider.token_requests(), 1);

    // Nobody was signed in or created: the address is free, and the next honest token works.
    let honest = sign_in(&app).await;
    assert_eq!(honest.status, StatusCode::OK, "{}", honest.body);
    let log = app
        .get(
            "/api/v1/audit-log?action=auth.login",
            &session(&honest, &dewi),
        )
        .await;
    assert_eq!(
        log.body["items"].as_array().map(Vec::len),
        Some(1),
        "only the honest sign-in: {}",
        log.body
    );
    app.stop().await;
}

async fn an_id_token_with_another_nonce_is_refused(engine: Engine) {
    let Some((app, provider)) = app_with_google(engine).await else {
        return;
    };
    let dewi = email("dewi");
    provider.sign_in_as(person("google-sub-6", &dewi, true));
    provider.tamper_next_nonce();
    let answer = sign_in(&app).await;
    answer.assert_problem(502, "auth.oidc_failed");
    assert!(answer.body.get("access_token").is_none());

    // No account was made from a token issued for another sign-in.
    app.register("Toko Dewi", &dewi).await;
    app.stop().await;
}

async fn a_sign_in_state_works_only_once(engine: Engine) {
    let Some((app, provider)) = app_with_google(engine).await else {
        return;
    };
    provider.sign_in_as(person("google-sub-7", &email("dewi"), true));
    let (provider_url, back) = go_to_provider(&app).await;
    let first = callback(&app, "google", &back.code, &back.state).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);

    // A fresh, valid code from the provider, with the state that was already used.
    let replay = follow_provider(&app, &provider_url).await;
    assert_eq!(replay.state, back.state);
    assert_ne!(replay.code, back.code);
    let again = callback(&app, "google", &replay.code, &replay.state).await;
    again.assert_problem(502, "auth.oidc_failed");
    assert!(again.body.get("access_token").is_none());
    assert_eq!(
        provider.token_requests(),
        1,
        "a spent state must be refused before the code is exchanged"
    );

    // A state we never issued is refused the same way.
    let forged = callback(&app, "google", &replay.code, "a-state-we-never-issued").await;
    forged.assert_problem(502, "auth.oidc_failed");
    app.stop().await;
}

async fn an_unknown_provider_is_not_found(engine: Engine) {
    let Some((app, _provider)) = app_with_google(engine).await else {
        return;
    };
    let listed = app.get("/api/v1/auth/oidc/providers", As::Nobody).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body["providers"], json!(["google"]));

    app.get("/api/v1/auth/oidc/okta/authorize", As::Nobody)
        .await
        .assert_problem(404, "not_found");
    callback(&app, "okta", "some-code", "some-state")
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}
