//! The composition root: the one place that picks adapters, wires domains into one router, and
//! starts the background work (relay, consumers, metrics). Tests build the same [`App`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use sea_orm_migration::MigratorTrait;
use smartseller_catalog::app::pricing::CatalogPricing;
use smartseller_catalog::{CatalogCtx, CatalogMigrator};
use smartseller_identity::app::api_keys::ApiKeys;
use smartseller_identity::app::oidc::OidcProviders;
use smartseller_identity::{IdentityCtx, IdentityMigrator, IdentitySettings};
use smartseller_inventory::app::reservations::InventoryReservations;
use smartseller_inventory::{InventoryCtx, InventoryMigrator};
use smartseller_orders::{OrdersCtx, OrdersMigrator};
use smartseller_payments::{
    GatewayFactory, HttpGateways, PaymentsCtx, PaymentsMigrator, PaymentsService,
};
use smartseller_platform::consumer::{self, Consumers, EventHandler, RetryPolicy};
use smartseller_platform::jobs::{JobHandlers, WorkerSettings};
use smartseller_platform::limits::{MemoryRateLimiter, RateLimiter};
use smartseller_platform::mail::FileMailer;
use smartseller_platform::migrations::PlatformMigrator;
use smartseller_platform::nats::NatsBus;
use smartseller_platform::redis_store::RedisStore;
use smartseller_platform::relay::{Relay, Transport};
use smartseller_platform::revocation::{MemoryRevocationList, RevocationList};
use smartseller_platform::{Db, FileStore};
use smartseller_search::{ProductIndex, SearchError};
use smartseller_shipping::{ShippingCtx, ShippingMigrator, ShippingService, ShippingSettings};
use smartseller_web::auth::{Authenticator, TokenKeys, authenticate};
use smartseller_web::idempotency::{IdempotencyConfig, idempotency};
use smartseller_web::jobs::UploadLimit;
use smartseller_web::openapi::{BaseDoc, docs_page};
use smartseller_web::request::{method_not_allowed, not_found, observe, panic_response};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::config::Settings;
use crate::keys::signing_keys;

/// Applies every domain's migrations, platform first.
pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    PlatformMigrator::up(db.conn(), None)
        .await
        .context("platform migrations failed")?;
    IdentityMigrator::up(db.conn(), None)
        .await
        .context("identity migrations failed")?;
    InventoryMigrator::up(db.conn(), None)
        .await
        .context("inventory migrations failed")?;
    CatalogMigrator::up(db.conn(), None)
        .await
        .context("catalog migrations failed")?;
    PaymentsMigrator::up(db.conn(), None)
        .await
        .context("payments migrations failed")?;
    ShippingMigrator::up(db.conn(), None)
        .await
        .context("shipping migrations failed")?;
    OrdersMigrator::up(db.conn(), None)
        .await
        .context("orders migrations failed")?;
    Ok(())
}

/// The routes of the domains this process serves, with the OpenAPI document they describe.
/// Identity's context is always built (every request is authenticated against it); its routes
/// are mounted only where the identity domain is served.
fn api_router(
    settings: &Settings,
    identity: &IdentityCtx,
    catalog: &CatalogCtx,
    payments: &PaymentsCtx,
    shipping: &ShippingCtx,
    orders: &OrdersCtx,
) -> (Router, utoipa::openapi::OpenApi) {
    // Jobs belong to no one domain: every process serves their status.
    let mut router = OpenApiRouter::with_openapi(BaseDoc::openapi())
        .merge(smartseller_web::jobs::router(identity.db.clone()));
    for domain in settings.active_domains() {
        router = match domain.as_str() {
            "identity" => router.merge(smartseller_identity::router(identity.clone())),
            "inventory" => router.merge(smartseller_inventory::router(InventoryCtx::new(
                identity.db.clone(),
            ))),
            "catalog" => router.merge(smartseller_catalog::router(catalog.clone())),
            "payments" => router.merge(smartseller_payments::router(payments.clone())),
            "shipping" => router.merge(smartseller_shipping::router(shipping.clone())),
            "orders" => router.merge(smartseller_orders::router(orders.clone())),
            _ => router,
        };
    }
    router.split_for_parts()
}

/// The event consumers of the domains this process serves.
fn domain_consumers(
    settings: &Settings,
    identity: &IdentityCtx,
    catalog: &CatalogCtx,
    payments: &PaymentsCtx,
) -> Consumers {
    let mut consumers = Consumers::new();
    for domain in settings.active_domains() {
        let handlers = match domain.as_str() {
            "identity" => smartseller_identity::consumers(identity),
            "inventory" => {
                smartseller_inventory::consumers(&InventoryCtx::new(identity.db.clone()))
            }
            "catalog" => smartseller_catalog::consumers(catalog),
            "payments" => smartseller_payments::consumers(payments),
            "orders" => smartseller_orders::consumers(),
            _ => Vec::new(),
        };
        for handler in handlers {
            consumers.add(handler);
        }
    }
    consumers
}

/// The job kinds of the domains this process serves.
fn domain_jobs(settings: &Settings) -> JobHandlers {
    let mut handlers = JobHandlers::new();
    for domain in settings.active_domains() {
        let kinds = match domain.as_str() {
            "catalog" => smartseller_catalog::job_handlers(),
            "inventory" => smartseller_inventory::job_handlers(),
            _ => Vec::new(),
        };
        for handler in kinds {
            handlers.add(handler);
        }
    }
    handlers
}

/// The OpenAPI document, built from the handlers without connecting to anything.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut document = BaseDoc::openapi();
    document.merge(smartseller_web::jobs::routes().split_for_parts().1);
    document.merge(smartseller_identity::api::routes().split_for_parts().1);
    document.merge(smartseller_inventory::api::routes().split_for_parts().1);
    document.merge(smartseller_catalog::api::routes().split_for_parts().1);
    document.merge(smartseller_payments::api::routes().split_for_parts().1);
    document.merge(smartseller_shipping::api::routes().split_for_parts().1);
    document.merge(smartseller_orders::api::routes().split_for_parts().1);
    document
}

/// The product search index of this node, in `<data_dir>/search`. When another process of
/// the installation already holds it (a server, while `relay` or `admin` runs beside it), this
/// process gets a private in-memory index instead: such tools do not search.
pub fn open_search_index(settings: &Settings) -> anyhow::Result<Arc<ProductIndex>> {
    let dir = settings.data_dir.join("search");
    match ProductIndex::open(&dir) {
        Ok(index) => Ok(Arc::new(index)),
        Err(SearchError::Locked) => {
            tracing::warn!(
                dir = %dir.display(),
                "the search index is in use by another process; this one keeps a private in-memory index"
            );
            Ok(Arc::new(ProductIndex::in_memory()?))
        }
        Err(error) => Err(anyhow::Error::new(error)
            .context(format!("cannot open the search index in {}", dir.display()))),
    }
}

/// A built application: the router, its database, and what runs beside it.
pub struct App {
    pub settings: Settings,
    pub db: Db,
    pub router: Router,
    pub openapi: utoipa::openapi::OpenApi,
    pub identity: IdentityCtx,
    pub catalog: CatalogCtx,
    /// Payments' use cases. Other domains take it as
    /// `Arc<dyn smartseller_contracts::payments::Payments>` (see [`App::payments_contract`]).
    pub payments: Arc<PaymentsService>,
    pub shipping: ShippingCtx,
    /// The shipping contract, for the orders domain to price and book delivery in-process.
    pub shipping_service: Arc<dyn smartseller_contracts::shipping::Shipping>,
    /// The orders domain, holding the contracts of the four domains checkout spans.
    pub orders: OrdersCtx,
    consumers: Consumers,
    transport: Transport,
    wakeups: HashMap<&'static str, Arc<tokio::sync::Notify>>,
    nats: Option<NatsBus>,
}

impl App {
    /// Connects to everything the settings name, failing fast with a clear message.
    pub async fn build(settings: Settings) -> anyhow::Result<App> {
        Self::build_with_payment_gateways(settings, None).await
    }

    /// [`App::build`], with the payment gateway clients made by `gateways` instead of the real
    /// HTTP ones: for tests that script a gateway.
    pub async fn build_with_payment_gateways(
        settings: Settings,
        gateways: Option<Arc<dyn GatewayFactory>>,
    ) -> anyhow::Result<App> {
        settings.validate().map_err(anyhow::Error::msg)?;
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!("cannot create the data dir {}", settings.data_dir.display())
        })?;
        let db = Db::connect(&settings.database_url()).await?;
        if settings.migrate_on_start {
            migrate(&db).await?;
        }

        let access_ttl = Duration::from_secs(settings.auth.access_ttl_secs);
        let (limiter, revocations): (Arc<dyn RateLimiter>, Arc<dyn RevocationList>) =
            match &settings.redis.url {
                Some(url) => {
                    let store = RedisStore::connect(url, &settings.redis.prefix).await?;
                    (Arc::new(store.clone()), Arc::new(store))
                }
                None => (
                    Arc::new(MemoryRateLimiter::new()),
                    Arc::new(MemoryRevocationList::new(
                        access_ttl + Duration::from_secs(60),
                    )),
                ),
            };
        let (keys, active) = signing_keys(&settings)?;
        let keys = Arc::new(
            TokenKeys::new(&settings.auth.issuer, &keys, &active, access_ttl)
                .map_err(anyhow::Error::msg)?,
        );
        let public_url = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", settings.listen));
        let identity = IdentityCtx {
            db: db.clone(),
            keys: keys.clone(),
            limiter,
            revocations: revocations.clone(),
            mailer: Arc::new(FileMailer::new(
                settings.data_dir.join("mail"),
                "SmartSeller <no-reply@smartseller.local>",
            )),
            settings: Arc::new(IdentitySettings {
                refresh_ttl: Duration::from_secs(settings.auth.refresh_ttl_days * 86_400),
                login_failures_per_account: settings.auth.login_failures_per_account,
                login_failures_per_address: settings.auth.login_failures_per_address,
                login_window: Duration::from_secs(settings.auth.login_window_secs),
                public_url,
                ..IdentitySettings::default()
            }),
            oidc: Arc::new(OidcProviders::new(settings.oidc.clone()).map_err(anyhow::Error::msg)?),
        };

        let files = FileStore::open(&settings.storage_url())?;
        tracing::info!(storage = files.describe(), "files stored");
        let catalog = CatalogCtx {
            list_cache: smartseller_catalog::app::list_cache::ListCache::new(
                settings.catalog.list_cache_bytes,
            ),
            media: smartseller_catalog::app::media::MediaSettings::new(
                settings.media.max_upload_bytes,
            ),
            ..CatalogCtx::new(db.clone(), files, open_search_index(&settings)?)
        };

        let payments_ctx = PaymentsCtx {
            db: db.clone(),
            files: catalog.files.clone(),
            gateways: gateways.unwrap_or_else(|| Arc::new(HttpGateways::default())),
            settings: Arc::new(smartseller_payments::PaymentsSettings {
                reconcile_after: Duration::from_secs(settings.payments.reconcile_after_secs),
                reconcile_every: Duration::from_secs(settings.payments.reconcile_every_secs),
                max_proof_bytes: settings.payments.max_proof_bytes,
                public_url: settings.public_url.clone(),
            }),
        };
        let payments = Arc::new(PaymentsService::new(payments_ctx.clone()));

        let shipping = ShippingCtx {
            settings: Arc::new(ShippingSettings {
                quote_ttl: Duration::from_secs(settings.shipping.quote_ttl_secs),
                poll_every: Duration::from_secs(settings.shipping.poll_every_secs),
                provider_timeout: Duration::from_secs(settings.shipping.provider_timeout_secs),
                public_url: identity.settings.public_url.clone(),
                ..ShippingSettings::default()
            }),
            ..ShippingCtx::new(db.clone())
        };
        let shipping_service = ShippingService::new(shipping.clone()).into_contract();

        // Checkout spans four domains; in one process each is called in-process through its
        // contract.
        let orders = OrdersCtx {
            db: db.clone(),
            pricing: Arc::new(CatalogPricing(catalog.clone())),
            stock: Arc::new(InventoryReservations(InventoryCtx::new(db.clone()))),
            payments: payments.clone(),
            shipping: shipping_service.clone(),
        };

        let consumers = domain_consumers(&settings, &identity, &catalog, &payments_ctx);
        let wakeups: HashMap<&'static str, Arc<tokio::sync::Notify>> = consumers
            .handlers()
            .iter()
            .map(|h| (h.name(), Arc::new(tokio::sync::Notify::new())))
            .collect();
        let nats = match settings.events.backend.as_str() {
            "nats" => Some(
                NatsBus::connect(&settings.events.nats_url, &settings.events.nats_prefix).await?,
            ),
            _ => None,
        };
        let transport = match &nats {
            Some(bus) => Transport::Nats(bus.clone()),
            None => Transport::InProcess {
                consumers: consumers.clone(),
                wakeups: wakeups.clone(),
            },
        };

        let authenticator = Authenticator {
            keys,
            api_keys: Arc::new(ApiKeys(identity.clone())),
            revocations,
        };
        let idempotency_config = IdempotencyConfig {
            db: db.clone(),
            keep_for: chrono::Duration::hours(24),
            max_body: settings.max_body_bytes,
            wait_for_first: Duration::from_secs(10),
        };
        let (api, openapi) = api_router(
            &settings,
            &identity,
            &catalog,
            &payments_ctx,
            &shipping,
            &orders,
        );
        let document = Arc::new(openapi.clone());
        let router = Router::new()
            .merge(api)
            .route(
                "/api/v1/openapi.json",
                get(move || {
                    let doc = document.clone();
                    async move { axum::Json((*doc).clone()) }
                }),
            )
            .route("/api/v1/docs", get(docs_page))
            .layer(axum::middleware::from_fn_with_state(
                idempotency_config,
                idempotency,
            ))
            .layer(axum::middleware::from_fn_with_state(
                authenticator,
                authenticate,
            ))
            .route("/healthz", get(healthz))
            .route("/readyz", get(readyz).with_state(db.clone()))
            .fallback(not_found)
            .method_not_allowed_fallback(method_not_allowed)
            .layer(DefaultBodyLimit::max(settings.max_body_bytes))
            .layer(axum::Extension(UploadLimit(settings.jobs.max_upload_bytes)))
            .layer(CatchPanicLayer::custom(panic_response))
            .layer(axum::middleware::from_fn(observe));

        Ok(App {
            settings,
            db,
            router,
            openapi,
            identity,
            catalog,
            payments,
            shipping,
            shipping_service,
            orders,
            consumers,
            transport,
            wakeups,
            nats,
        })
    }

    /// Payments as the orders domain (and any other) calls them.
    pub fn payments_contract(&self) -> Arc<dyn smartseller_contracts::payments::Payments> {
        self.payments.clone()
    }

    fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_attempts: self.settings.events.max_attempts,
            base_delay: Duration::from_millis(self.settings.events.retry_base_ms),
            max_delay: Duration::from_secs(300),
        }
    }

    /// The outbox relay of this app's database and transport.
    pub fn relay(&self) -> Relay {
        Relay::new(
            self.db.clone(),
            self.transport.clone(),
            Duration::from_millis(self.settings.events.poll_ms),
        )
    }

    /// Starts the relay and the consumers this process runs, as the settings say.
    pub fn spawn_background(&self, tasks: &mut JoinSet<()>, shutdown: &CancellationToken) {
        let poll = Duration::from_millis(self.settings.events.poll_ms);
        if self.settings.events.relay {
            tasks.spawn(self.relay().run(shutdown.child_token()));
        }
        // Lapsed stock holds go back on sale. Every process serving inventory may sweep: a
        // hold leaves `held` in one guarded update, so two sweepers never release it twice.
        if self
            .settings
            .active_domains()
            .iter()
            .any(|d| d == "inventory")
        {
            tasks.spawn(smartseller_inventory::app::reservations::run_sweeper(
                InventoryCtx::new(self.db.clone()),
                shutdown.child_token(),
            ));
        }
        // Payments whose webhook never came are asked of their gateway; lapsed transfers
        // expire. Each change is a guarded update, so two reconcilers never apply one twice.
        if self.settings.payments.reconciler
            && self
                .settings
                .active_domains()
                .iter()
                .any(|d| d == "payments")
        {
            tasks.spawn(smartseller_payments::app::reconcile::run_reconciler(
                self.payments.ctx().clone(),
                Duration::from_secs(self.settings.payments.reconcile_every_secs),
                shutdown.child_token(),
            ));
        }
        // Couriers without pushes are asked about shipments in flight. A shipment's status only
        // moves through a guarded update, so two pollers never apply a change twice.
        if self.settings.shipping.poller
            && self
                .settings
                .active_domains()
                .iter()
                .any(|d| d == "shipping")
        {
            tasks.spawn(smartseller_shipping::app::tracking::run_poller(
                self.shipping.clone(),
                shutdown.child_token(),
            ));
        }
        if self.settings.jobs.worker {
            let handlers = domain_jobs(&self.settings);
            if !handlers.is_empty() {
                tasks.spawn(smartseller_platform::jobs::run_worker(
                    self.db.clone(),
                    handlers,
                    WorkerSettings {
                        lease: Duration::from_secs(self.settings.jobs.lease_secs),
                        poll: Duration::from_millis(self.settings.jobs.poll_ms),
                        max_attempts: self.settings.jobs.max_attempts,
                        ..WorkerSettings::default()
                    },
                    shutdown.child_token(),
                ));
            }
        }
        // A node whose index is empty while the database has products (new node, deleted
        // index directory) rebuilds it in the background; searches fill up as it goes.
        if self.settings.search.rebuild_when_empty
            && self
                .settings
                .active_domains()
                .iter()
                .any(|d| d == "catalog")
        {
            let catalog = self.catalog.clone();
            let token = shutdown.child_token();
            tasks.spawn(async move {
                let rebuild = smartseller_catalog::app::search::rebuild_if_empty(&catalog);
                tokio::select! {
                    _ = token.cancelled() => {}
                    outcome = rebuild => match outcome {
                        Ok(Some(done)) => tracing::info!(
                            stores = done.stores,
                            products = done.products,
                            "rebuilt the empty search index from the database"
                        ),
                        Ok(None) => {}
                        Err(error) => tracing::error!(
                            %error,
                            "rebuilding the empty search index failed; run `smartseller search rebuild`"
                        ),
                    },
                }
            });
        }
        if !self.settings.events.consumers {
            return;
        }
        let policy = self.retry_policy();
        for handler in self.consumers.handlers() {
            let handler: Arc<dyn EventHandler> = handler.clone();
            let token = shutdown.child_token();
            match &self.nats {
                Some(bus) => {
                    let (bus, db) = (bus.clone(), self.db.clone());
                    tasks.spawn(async move {
                        if let Err(error) = bus.run_consumer(db, handler, policy, token).await {
                            tracing::error!(error = format!("{error:#}"), "NATS consumer stopped");
                        }
                    });
                }
                None => {
                    let wakeup = self
                        .wakeups
                        .get(handler.name())
                        .cloned()
                        .unwrap_or_default();
                    tasks.spawn(consumer::run_inbox_worker(
                        self.db.clone(),
                        handler,
                        policy,
                        wakeup,
                        poll,
                        token,
                    ));
                }
            }
        }
    }

    /// Serves on `listener` until `shutdown`, then stops taking connections, finishes the
    /// requests in flight, and drains the relay.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        let mut tasks = JoinSet::new();
        self.spawn_background(&mut tasks, &shutdown);
        if let Some(address) = self.settings.metrics_listen {
            let metrics = crate::telemetry::metrics_router()?;
            let metrics_listener = TcpListener::bind(address)
                .await
                .with_context(|| format!("cannot listen for metrics on {address}"))?;
            tracing::info!(%address, "metrics listening");
            let token = shutdown.child_token();
            tasks.spawn(async move {
                let _ = axum::serve(metrics_listener, metrics)
                    .with_graceful_shutdown(token.cancelled_owned())
                    .await;
            });
        }
        tracing::info!(address = %listener.local_addr()?, "SmartSeller listening");
        let service = self
            .router
            .clone()
            .into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, service)
            .with_graceful_shutdown(shutdown.clone().cancelled_owned())
            .await?;
        shutdown.cancel();
        while tasks.join_next().await.is_some() {}
        self.db.close().await.ok();
        tracing::info!("SmartSeller stopped");
        Ok(())
    }
}

async fn healthz() -> impl IntoResponse {
    (
        StatusCode::OK,
        axum::Json(serde_json::json!({ "status": "ok" })),
    )
}

/// Ready when the database answers.
async fn readyz(State(db): State<Db>) -> impl IntoResponse {
    match db.ping().await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({ "status": "ready", "database": "ok" })),
        ),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(
                    serde_json::json!({ "status": "unavailable", "database": "unreachable" }),
                ),
            )
        }
    }
}
