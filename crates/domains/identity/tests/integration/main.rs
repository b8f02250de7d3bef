//! Identity's stores under concurrency, written once and run on SQLite and PostgreSQL: the races a
//! busy store really has (double-clicked sign-ups, two tabs refreshing at once, an invitation link
//! opened twice) must end with exactly one winner and nothing half-written.

use std::sync::Arc;
use std::time::Duration;

use sea_orm_migration::MigratorTrait;
use smartseller_identity::IdentityMigrator;
use smartseller_identity::app::access::Tokens;
use smartseller_identity::app::accounts::{self, Registration};
use smartseller_identity::app::oidc::OidcProviders;
use smartseller_identity::app::{IdentityCtx, IdentityError, IdentitySettings, RequestMeta};
use smartseller_identity::domain::{EmailAddress, FullName, Password, StoreName};
use smartseller_platform::Db;
use smartseller_platform::limits::MemoryRateLimiter;
use smartseller_platform::mail::FileMailer;
use smartseller_platform::migrations::PlatformMigrator;
use smartseller_platform::revocation::MemoryRevocationList;
use smartseller_testkit::db::{Engine, TestDatabase};
use smartseller_testkit::engine_tests;
use smartseller_web::auth::TokenKeys;

struct Harness {
    ctx: IdentityCtx,
    _database: TestDatabase,
    _mail: tempfile::TempDir,
}

async fn harness(engine: Engine) -> Option<Harness> {
    let database = TestDatabase::fresh(engine).await?;
    let db = Db::connect(&database.url).await.expect("database");
    PlatformMigrator::up(db.conn(), None)
        .await
        .expect("platform migrations");
    IdentityMigrator::up(db.conn(), None)
        .await
        .expect("identity migrations");
    let mail = tempfile::tempdir().expect("mail dir");
    let keys = TokenKeys::new(
        "test",
        &[("k".into(), vec![7; 32])],
        "k",
        Duration::from_secs(900),
    )
    .expect("keys");
    let ctx = IdentityCtx {
        db,
        keys: Arc::new(keys),
        limiter: Arc::new(MemoryRateLimiter::new()),
        revocations: Arc::new(MemoryRevocationList::new(Duration::from_secs(960))),
        mailer: Arc::new(FileMailer::new(
            mail.path().to_path_buf(),
            "test@smartseller",
        )),
        settings: Arc::new(IdentitySettings::default()),
        oidc: Arc::new(OidcProviders::new(Vec::new()).expect("no providers")),
    };
    Some(Harness {
        ctx,
        _database: database,
        _mail: mail,
    })
}

fn registration(email: &str) -> Registration {
    let email = EmailAddress::parse(email).expect("email");
    Registration {
        store_name: StoreName::parse("Toko Balapan").expect("name"),
        full_name: FullName::parse("Rina").expect("name"),
        password: Password::parse("kopi susu gula aren", Some(&email)).expect("password"),
        email,
    }
}

engine_tests!(
    concurrent_sign_ups_with_one_email_create_exactly_one_account,
    concurrent_refreshes_of_one_token_let_exactly_one_through,
    a_failed_registration_leaves_nothing_behind,
);

async fn concurrent_sign_ups_with_one_email_create_exactly_one_account(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let attempts = (0..8).map(|_| {
        let ctx = h.ctx.clone();
        tokio::spawn(async move {
            accounts::register(&ctx, registration("rina@toko.id"), &RequestMeta::default()).await
        })
    });
    let results: Vec<Result<Tokens, IdentityError>> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let winners = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(winners, 1, "exactly one sign-up wins");
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(e, IdentityError::EmailTaken))
    );
    // The loser's store was rolled back with it: one store, one set of built-in roles.
    let tokens = results.into_iter().find_map(Result::ok).expect("winner");
    let profile = accounts::profile(&h.ctx, tokens.tenant_id, tokens.user_id)
        .await
        .expect("profile");
    assert_eq!(profile.access.roles, vec!["owner".to_string()]);
    let login = accounts::login(
        &h.ctx,
        "rina@toko.id",
        "kopi susu gula aren",
        None,
        &RequestMeta::default(),
    )
    .await
    .expect("login");
    assert_eq!(login.tenant_id, tokens.tenant_id);
}

async fn concurrent_refreshes_of_one_token_let_exactly_one_through(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let tokens = accounts::register(&h.ctx, registration("dua@toko.id"), &RequestMeta::default())
        .await
        .expect("register");
    let attempts = (0..6).map(|_| {
        let (ctx, token) = (h.ctx.clone(), tokens.refresh_token.clone());
        tokio::spawn(async move { accounts::refresh(&ctx, &token, &RequestMeta::default()).await })
    });
    let results: Vec<_> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let winners: Vec<&Tokens> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "one refresh token buys one new pair");
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(e, IdentityError::RefreshTokenReused))
    );
    // The losers presented a spent token: that ends the session, including the winner's new token.
    let after = accounts::refresh(&h.ctx, &winners[0].refresh_token, &RequestMeta::default()).await;
    assert!(
        matches!(
            after,
            Err(IdentityError::RefreshTokenReused | IdentityError::InvalidRefreshToken)
        ),
        "{after:?}"
    );
}

async fn a_failed_registration_leaves_nothing_behind(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    accounts::register(&h.ctx, registration("ada@toko.id"), &RequestMeta::default())
        .await
        .expect("first");
    let second =
        accounts::register(&h.ctx, registration("ADA@toko.id"), &RequestMeta::default()).await;
    assert!(matches!(second, Err(IdentityError::EmailTaken)));
    let outbox = smartseller_platform::outbox::unpublished_count(h.ctx.db.conn())
        .await
        .expect("count");
    assert_eq!(outbox, 1, "only the first registration's event exists");
}
