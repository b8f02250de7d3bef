//! The `smartseller` command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use smartseller_catalog::CatalogCtx;
use smartseller_catalog::app::search;
use smartseller_identity::app::RequestMeta;
use smartseller_identity::app::accounts::{self, Registration};
use smartseller_identity::domain::{EmailAddress, FullName, Password, StoreName};
use smartseller_kernel::TenantId;
use smartseller_platform::Db;
use smartseller_search::{ProductIndex, SearchError};
use tokio_util::sync::CancellationToken;

use crate::config::{Overrides, Settings};
use crate::seed::{DemoReport, DemoRequest, seed_demo};
use crate::server::{App, migrate, openapi_document};
use crate::telemetry::init_logging;

#[derive(Debug, Parser)]
#[command(
    name = "smartseller",
    version,
    about = "SmartSeller: the back office for online sellers"
)]
pub struct Cli {
    /// A TOML settings file (default: ./smartseller.toml when present).
    #[arg(long, global = true, env = "SMARTSELLER_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (and the relay and consumers, unless configured otherwise).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(CommonArgs),
    /// Print the OpenAPI document.
    Openapi,
    /// Run only the outbox relay (for scaled-out deployments).
    Relay(CommonArgs),
    /// Copy the SQLite database to a file while it is in use.
    Backup {
        #[command(flatten)]
        common: CommonArgs,
        /// Where to write the copy.
        #[arg(long)]
        to: PathBuf,
    },
    /// Operator tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Product images and documents.
    #[command(subcommand)]
    Media(MediaCommand),
    /// The product search index.
    #[command(subcommand)]
    Search(SearchCommand),
    /// Fill a store with Indonesian demo catalogue data: categories, products with variants,
    /// warehouses and stock. For demos and `benches/catalog.sh`.
    SeedDemo(SeedDemoArgs),
}

#[derive(Debug, Args)]
pub struct SeedDemoArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// How many products to create (each has about five variants).
    #[arg(long, default_value_t = 100)]
    pub products: u32,
    /// The store's name, when the owner is new.
    #[arg(long, default_value = "Toko Demo Nusantara")]
    pub store: String,
    /// The owner's email; an existing account is reused (its password must match).
    #[arg(long, default_value = "demo@smartseller.id")]
    pub email: String,
    /// The owner's password (not read from a `SMARTSELLER_` variable: settings own those).
    #[arg(long, default_value = "Rahasia-Nusantara-2026")]
    pub password: String,
    /// The same seed makes the same catalogue.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(Debug, Args, Clone, Default)]
pub struct CommonArgs {
    /// Home of the SQLite file, local files and mail [default: ./data].
    #[arg(long, env = "SMARTSELLER_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// sqlite://PATH or postgres://... [default: sqlite://<data-dir>/smartseller.db]
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "SMARTSELLER_LISTEN")]
    pub listen: Option<SocketAddr>,
    #[command(flatten)]
    pub common: CommonArgs,
    /// Only these domains, comma-separated [default: all].
    #[arg(long, value_delimiter = ',')]
    pub domains: Option<Vec<String>>,
    /// Do not apply migrations on start.
    #[arg(long)]
    pub no_migrate: bool,
}

#[derive(Debug, Subcommand)]
pub enum MediaCommand {
    /// Delete stored files no product media row names any more (left by a crash between
    /// deleting a product or an image and deleting its files, or during an upload).
    SweepOrphans {
        #[command(flatten)]
        common: CommonArgs,
        /// Spare files younger than this many seconds: they may be uploads still arriving.
        #[arg(long, default_value_t = 3600)]
        older_than_secs: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum SearchCommand {
    /// Rebuild the product search index in `<data-dir>/search` from the database: every store,
    /// or one. Stop the server on this data dir first (it holds the index); a server also
    /// rebuilds an empty index by itself at start.
    Rebuild {
        #[command(flatten)]
        common: CommonArgs,
        /// Only this store.
        #[arg(long)]
        tenant: Option<uuid::Uuid>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create the first platform operator, with a store of their own.
    CreateUser {
        #[command(flatten)]
        common: CommonArgs,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Read from SMARTSELLER_ADMIN_PASSWORD when not given.
        #[arg(long, env = "SMARTSELLER_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long, default_value = "Operations")]
        store: String,
    },
    /// Refresh PostgreSQL's planner statistics (`ANALYZE`). Autovacuum does it on its own
    /// schedule; run it after a bulk import, or on a new database once it has its first orders,
    /// so that queries are planned for the data as it is rather than for empty tables. Does
    /// nothing on SQLite.
    Analyze {
        #[command(flatten)]
        common: CommonArgs,
    },
}

fn overrides(common: &CommonArgs) -> Overrides {
    Overrides {
        data_dir: common.data_dir.clone(),
        database_url: common.database_url.clone(),
        ..Overrides::default()
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight and draining the relay");
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let overrides = Overrides {
                listen: args.listen,
                domains: args.domains,
                no_migrate: args.no_migrate,
                ..overrides(&args.common)
            };
            let settings =
                Settings::load(cli.config.as_ref(), &overrides).map_err(anyhow::Error::msg)?;
            init_logging(&settings.log_format);
            let listen = settings.listen;
            let app = App::build(settings).await?;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            let shutdown = CancellationToken::new();
            let trigger = shutdown.clone();
            tokio::spawn(async move {
                shutdown_signal().await;
                trigger.cancel();
            });
            app.serve(listener, shutdown).await
        }
        Command::Migrate(common) => {
            let settings = Settings::load(cli.config.as_ref(), &overrides(&common))
                .map_err(anyhow::Error::msg)?;
            init_logging(&settings.log_format);
            std::fs::create_dir_all(&settings.data_dir).ok();
            let db = Db::connect(&settings.database_url()).await?;
            migrate(&db).await?;
            println!(
                "migrations applied to {}",
                smartseller_platform::db::redact(&settings.database_url())
            );
            Ok(())
        }
        Command::Openapi => {
            println!("{}", serde_json::to_string_pretty(&openapi_document())?);
            Ok(())
        }
        Command::Relay(common) => {
            let mut settings = Settings::load(cli.config.as_ref(), &overrides(&common))
                .map_err(anyhow::Error::msg)?;
            init_logging(&settings.log_format);
            settings.events.consumers = false;
            let app = App::build(settings).await?;
            let shutdown = CancellationToken::new();
            let relay = app.relay();
            let task = tokio::spawn(relay.run(shutdown.clone()));
            shutdown_signal().await;
            shutdown.cancel();
            task.await.ok();
            Ok(())
        }
        Command::Backup { common, to } => {
            let settings = Settings::load(cli.config.as_ref(), &overrides(&common))
                .map_err(anyhow::Error::msg)?;
            let db = Db::connect(&settings.database_url()).await?;
            db.backup_sqlite(&to).await?;
            println!("backed up to {}", to.display());
            Ok(())
        }
        Command::SeedDemo(args) => {
            let settings = Settings::load(cli.config.as_ref(), &overrides(&args.common))
                .map_err(anyhow::Error::msg)?;
            init_logging(&settings.log_format);
            let app = App::build(settings).await?;
            let request = DemoRequest {
                products: args.products,
                store: args.store,
                email: args.email,
                password: args.password,
                seed: args.seed,
            };
            let report = seed_demo(&app, &request).await?;
            app.db.close().await.ok();
            print_report(&request, &report);
            Ok(())
        }
        Command::Media(MediaCommand::SweepOrphans {
            common,
            older_than_secs,
        }) => {
            let settings = Settings::load(cli.config.as_ref(), &overrides(&common))
                .map_err(anyhow::Error::msg)?;
            init_logging(&settings.log_format);
            let app = App::build(settings).await?;
            let report = smartseller_catalog::app::media::sweep_orphans(
                &app.catalog,
                std::time::Duration::from_secs(older_than_secs),
            )
            .await
            .map_err(|e| anyhow::anyhow!("the sweep failed: {e}"))?;
            app.db.close().await.ok();
            println!(
                "examined={} deleted={} unfinished_uploads_deleted={}",
                report.examined, report.deleted, report.unfinished
            );
            Ok(())
        }
        Command::Search(SearchCommand::Rebuild { common, tenant }) => {
            let settings = Settings::load(cli.config.as_ref(), &overrides(&common))
                .map_err(anyhow::Error::msg)?;
            init_logging(&settings.log_format);
            let dir = settings.data_dir.join("search");
            let index = match ProductIndex::open(&dir) {
                Ok(index) => index,
                Err(SearchError::Locked) => anyhow::bail!(
                    "the search index in {} is in use by a running SmartSeller; stop it first (a server rebuilds an empty index at start)",
                    dir.display()
                ),
                Err(error) => {
                    return Err(anyhow::Error::new(error)
                        .context(format!("cannot open the search index in {}", dir.display())));
                }
            };
            let db = Db::connect(&settings.database_url()).await?;
            let files = smartseller_platform::FileStore::open(&settings.storage_url())?;
            let catalog = CatalogCtx::new(db.clone(), files, std::sync::Arc::new(index));
            let done = search::rebuild(&catalog, tenant.map(TenantId::from))
                .await
                .map_err(|e| anyhow::anyhow!("cannot rebuild the search index: {e}"))?;
            db.close().await.ok();
            println!(
                "rebuilt the search index in {}: {} products of {} stores",
                dir.display(),
                done.products,
                done.stores
            );
            Ok(())
        }
        Command::Admin(AdminCommand::Analyze { common }) => {
            let settings = Settings::load(cli.config.as_ref(), &overrides(&common))
                .map_err(anyhow::Error::msg)?;
            let db = Db::connect(&settings.database_url()).await?;
            let started = std::time::Instant::now();
            if db.analyze().await? {
                println!(
                    "planner statistics refreshed in {} ms",
                    started.elapsed().as_millis()
                );
            } else {
                println!("SQLite: nothing to do (it plans without statistics)");
            }
            Ok(())
        }
        Command::Admin(AdminCommand::CreateUser {
            common,
            email,
            name,
            password,
            store,
        }) => {
            let settings = Settings::load(cli.config.as_ref(), &overrides(&common))
                .map_err(anyhow::Error::msg)?;
            init_logging(&settings.log_format);
            let app = App::build(settings).await?;
            let mut errors = Vec::new();
            let email = EmailAddress::parse(&email)
                .map_err(|e| errors.push(format!("email: {}", e.message)))
                .ok();
            let full_name = FullName::parse(&name)
                .map_err(|e| errors.push(format!("name: {}", e.message)))
                .ok();
            let store_name = StoreName::parse(&store)
                .map_err(|e| errors.push(format!("store: {}", e.message)))
                .ok();
            let password = Password::parse(&password, email.as_ref())
                .map_err(|e| {
                    errors.push(format!(
                        "password: {}",
                        smartseller_kernel::validation::Invalid::message(&e)
                    ))
                })
                .ok();
            let (Some(email), Some(full_name), Some(store_name), Some(password)) =
                (email, full_name, store_name, password)
            else {
                anyhow::bail!("cannot create the operator:\n  {}", errors.join("\n  "));
            };
            let registration = Registration {
                store_name,
                full_name,
                email,
                password,
            };
            let tokens =
                accounts::register_with(&app.identity, registration, true, &RequestMeta::default())
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot create the operator: {e}"))?;
            // Deliver the welcome event now; no server may be running to relay it.
            app.relay().drain().await.ok();
            println!(
                "created platform operator {} with store {}",
                tokens.user_id, tokens.tenant_id
            );
            Ok(())
        }
    }
}

fn print_report(request: &DemoRequest, report: &DemoReport) {
    let store = report
        .tenant
        .map(|t| t.to_string())
        .unwrap_or_else(|| "-".to_owned());
    let owner = if report.owner_reused {
        "reused"
    } else {
        "created"
    };
    println!("store_id={store}");
    println!("owner_email={} ({owner})", request.email);
    println!("categories={}", report.categories);
    println!("warehouses={}", report.warehouses);
    println!(
        "products={} (skipped, already there: {})",
        report.products, report.products_skipped
    );
    println!("variants={}", report.variants);
    println!(
        "stock_adjustments={} units={}",
        report.adjustments, report.units
    );
    println!(
        "seconds: catalogue={:.1} stock={:.1} consumers={:.1} total={:.1}",
        report.catalogue_time.as_secs_f64(),
        report.stock_time.as_secs_f64(),
        report.consumers_time.as_secs_f64(),
        report.total_time.as_secs_f64()
    );
}
