//! Settings: defaults, then a TOML file, then environment variables, then command-line flags.
//! Everything has a working embedded default, so `smartseller serve` needs nothing else.

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use smartseller_identity::app::oidc::OidcProviderConfig;

/// The domains this build knows, in start-up order.
pub const ALL_DOMAINS: &[&str] = &[
    "identity",
    "catalog",
    "inventory",
    "orders",
    "payments",
    "shipping",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Where the API listens.
    pub listen: SocketAddr,
    /// Where Prometheus metrics are served; `None` turns them off.
    pub metrics_listen: Option<SocketAddr>,
    /// Home of the SQLite file, local files, mail and the generated signing key.
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`; defaults to `sqlite://<data_dir>/smartseller.db`.
    pub database_url: Option<String>,
    /// Which domains this process serves; empty means all.
    pub domains: Vec<String>,
    /// Apply migrations when serving starts.
    pub migrate_on_start: bool,
    /// The address people use to reach SmartSeller, for links in email.
    pub public_url: Option<String>,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// `json` (default) or `pretty`.
    pub log_format: String,
    pub events: EventSettings,
    pub jobs: JobSettings,
    pub redis: RedisSettings,
    pub auth: AuthSettings,
    pub oidc: Vec<OidcProviderConfig>,
    pub catalog: CatalogSettings,
    pub storage: StorageSettings,
    pub media: MediaSettings,
    pub search: SearchSettings,
    pub payments: PaymentsSettings,
    pub shipping: ShippingSettings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShippingSettings {
    /// How long a quoted delivery rate can be booked at its price, in seconds (30 minutes).
    pub quote_ttl_secs: u64,
    /// How long a shipment in flight goes without asking its courier, in seconds (30 minutes).
    pub poll_every_secs: u64,
    /// How long one courier may take to answer, in seconds.
    pub provider_timeout_secs: u64,
    /// Poll couriers in this process.
    pub poller: bool,
}

impl Default for ShippingSettings {
    fn default() -> Self {
        Self {
            quote_ttl_secs: 30 * 60,
            poll_every_secs: 30 * 60,
            provider_timeout_secs: 10,
            poller: true,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSettings {
    /// Where files go: `file:///srv/files`, `s3://bucket/prefix` (with the `s3` feature; AWS_*
    /// variables give credentials, region and endpoint) or `memory://`. Defaults to
    /// `file://<data_dir>/files`.
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MediaSettings {
    /// The largest product image or document accepted, in bytes (10 MiB by default).
    pub max_upload_bytes: u64,
}

impl Default for MediaSettings {
    fn default() -> Self {
        Self {
            max_upload_bytes:
                smartseller_catalog::app::media::MediaSettings::DEFAULT_MAX_UPLOAD_BYTES,
        }
    }
}

/// `[payments]`: reconciliation and transfer proofs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaymentsSettings {
    /// How long a payment may wait for its gateway's webhook before the reconciler asks the
    /// gateway (15 minutes by default).
    pub reconcile_after_secs: u64,
    /// How often the reconciler runs (every minute by default).
    pub reconcile_every_secs: u64,
    /// Run the reconciler in this process.
    pub reconciler: bool,
    /// The largest bank-transfer proof accepted, in bytes (5 MiB by default).
    pub max_proof_bytes: u64,
}

impl Default for PaymentsSettings {
    fn default() -> Self {
        let defaults = smartseller_payments::PaymentsSettings::default();
        Self {
            reconcile_after_secs: defaults.reconcile_after.as_secs(),
            reconcile_every_secs: defaults.reconcile_every.as_secs(),
            reconciler: true,
            max_proof_bytes: defaults.max_proof_bytes,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CatalogSettings {
    /// Bytes of rendered product-list pages kept per process; 0 turns the cache off.
    pub list_cache_bytes: u64,
}

impl Default for CatalogSettings {
    fn default() -> Self {
        Self {
            list_cache_bytes: smartseller_catalog::app::list_cache::DEFAULT_BYTES,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchSettings {
    /// At start-up, rebuild the product search index (`<data_dir>/search`) in the background
    /// when it is empty but the database has products (a new node, a deleted index).
    pub rebuild_when_empty: bool,
}

impl Default for SearchSettings {
    fn default() -> Self {
        Self {
            rebuild_when_empty: true,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventSettings {
    /// `in-process` (default) or `nats`.
    pub backend: String,
    pub nats_url: String,
    /// Namespaces subjects and the stream, so installations can share a NATS server.
    pub nats_prefix: String,
    /// Run the outbox relay in this process.
    pub relay: bool,
    /// Run consumers in this process.
    pub consumers: bool,
    pub poll_ms: u64,
    pub max_attempts: i32,
    pub retry_base_ms: u64,
}

/// Background jobs: CSV imports and exports.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobSettings {
    /// Run a job worker in this process.
    pub worker: bool,
    /// The largest CSV upload an import accepts, in bytes.
    pub max_upload_bytes: usize,
    /// How often an idle worker looks for jobs queued by other processes.
    pub poll_ms: u64,
    /// How long a worker's claim on a job lasts without progress before another may take it.
    pub lease_secs: u64,
    /// Runs of a job before it is given up.
    pub max_attempts: i32,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            worker: true,
            max_upload_bytes: 20 * 1024 * 1024,
            poll_ms: 2_000,
            lease_secs: 300,
            max_attempts: 3,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisSettings {
    /// `redis://127.0.0.1:6379`; without it, rate limits and revocations live in the process.
    pub url: Option<String>,
    pub prefix: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningKey {
    pub kid: String,
    /// At least 32 bytes of secret, as text.
    pub secret: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    pub issuer: String,
    pub access_ttl_secs: u64,
    pub refresh_ttl_days: u64,
    /// Without keys, one is generated and kept in the data dir.
    pub signing_keys: Vec<SigningKey>,
    pub active_kid: Option<String>,
    pub login_failures_per_account: u32,
    pub login_failures_per_address: u32,
    pub login_window_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080"
                .parse()
                .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8080))),
            metrics_listen: None,
            data_dir: PathBuf::from("./data"),
            database_url: None,
            domains: Vec::new(),
            migrate_on_start: true,
            public_url: None,
            max_body_bytes: 1024 * 1024,
            log_format: "json".into(),
            events: EventSettings::default(),
            jobs: JobSettings::default(),
            redis: RedisSettings {
                url: None,
                prefix: "smartseller".into(),
            },
            auth: AuthSettings::default(),
            oidc: Vec::new(),
            catalog: CatalogSettings::default(),
            storage: StorageSettings::default(),
            media: MediaSettings::default(),
            search: SearchSettings::default(),
            payments: PaymentsSettings::default(),
            shipping: ShippingSettings::default(),
        }
    }
}

impl Default for EventSettings {
    fn default() -> Self {
        Self {
            backend: "in-process".into(),
            nats_url: "nats://127.0.0.1:4222".into(),
            nats_prefix: "smartseller".into(),
            relay: true,
            consumers: true,
            poll_ms: 500,
            max_attempts: 8,
            retry_base_ms: 1000,
        }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            issuer: "smartseller".into(),
            access_ttl_secs: 900,
            refresh_ttl_days: 30,
            signing_keys: Vec::new(),
            active_kid: None,
            login_failures_per_account: 5,
            login_failures_per_address: 50,
            login_window_secs: 900,
        }
    }
}

/// Flags that override everything else.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub domains: Option<Vec<String>>,
    pub no_migrate: bool,
}

impl Settings {
    /// Defaults ← `config` file (or `./smartseller.toml` if present) ← environment ← flags.
    /// Environment: `DATABASE_URL`, `REDIS_URL`, `NATS_URL`, and `SMARTSELLER_<FIELD>` with `__`
    /// between nested fields, e.g. `SMARTSELLER_EVENTS__BACKEND=nats`.
    pub fn load(config: Option<&PathBuf>, overrides: &Overrides) -> Result<Settings, String> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match config {
            Some(path) if !path.exists() => {
                return Err(format!("config file {} does not exist", path.display()));
            }
            Some(path) => figment = figment.merge(Toml::file(path)),
            None if PathBuf::from("smartseller.toml").exists() => {
                figment = figment.merge(Toml::file("smartseller.toml"))
            }
            None => {}
        }
        figment = figment
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database_url".into()),
            )
            .merge(Env::raw().only(&["REDIS_URL"]).map(|_| "redis.url".into()))
            .merge(
                Env::raw()
                    .only(&["NATS_URL"])
                    .map(|_| "events.nats_url".into()),
            )
            .merge(
                Env::prefixed("SMARTSELLER_")
                    .filter(|key| is_setting(key.as_str()))
                    .split("__"),
            );
        let mut settings: Settings = figment
            .extract()
            .map_err(|e| format!("bad configuration: {e}"))?;
        if let Some(listen) = overrides.listen {
            settings.listen = listen;
        }
        if let Some(dir) = &overrides.data_dir {
            settings.data_dir = dir.clone();
        }
        if let Some(url) = &overrides.database_url {
            settings.database_url = Some(url.clone());
        }
        if let Some(domains) = &overrides.domains {
            settings.domains = domains.clone();
        }
        if overrides.no_migrate {
            settings.migrate_on_start = false;
        }
        settings.validate()?;
        Ok(settings)
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}/smartseller.db", self.data_dir.display()))
    }

    /// Where files are stored; defaults to a folder in the data dir.
    pub fn storage_url(&self) -> String {
        self.storage
            .url
            .clone()
            .unwrap_or_else(|| format!("file://{}", self.data_dir.join("files").display()))
    }

    /// The domains to serve, checked against the ones this build has.
    pub fn active_domains(&self) -> Vec<String> {
        if self.domains.is_empty() {
            ALL_DOMAINS.iter().map(|d| (*d).to_owned()).collect()
        } else {
            self.domains.clone()
        }
    }

    /// Refuses combinations that cannot work, each with a message that says why.
    pub fn validate(&self) -> Result<(), String> {
        for domain in &self.domains {
            if !ALL_DOMAINS.contains(&domain.as_str()) {
                return Err(format!(
                    "unknown domain `{domain}`; this build has: {}",
                    ALL_DOMAINS.join(", ")
                ));
            }
        }
        let split = !self.domains.is_empty() && self.active_domains().len() < ALL_DOMAINS.len();
        let url = self.database_url();
        if split && url.starts_with("sqlite:") {
            return Err("serving only some domains needs a shared PostgreSQL database; SQLite is one process's file".into());
        }
        if split && self.events.backend == "in-process" {
            return Err("serving only some domains needs events on NATS (events.backend = \"nats\"); in-process events cannot cross processes".into());
        }
        if !matches!(self.events.backend.as_str(), "in-process" | "nats") {
            return Err(format!(
                "unknown events backend `{}`; use in-process or nats",
                self.events.backend
            ));
        }
        if !matches!(self.log_format.as_str(), "json" | "pretty") {
            return Err(format!(
                "unknown log format `{}`; use json or pretty",
                self.log_format
            ));
        }
        let storage = self.storage_url();
        if !["file://", "s3://", "memory://"]
            .iter()
            .any(|scheme| storage.starts_with(scheme))
        {
            return Err(format!(
                "unsupported storage URL `{}`: use file:///absolute/folder, s3://bucket[/prefix] or memory://",
                smartseller_platform::db::redact(&storage)
            ));
        }
        if storage.starts_with("s3://") && !cfg!(feature = "s3") {
            return Err(
                "storage.url is an s3:// URL but this build has no S3 support: build with `--features s3`"
                    .into(),
            );
        }
        if self.media.max_upload_bytes == 0 || self.media.max_upload_bytes > 1 << 30 {
            return Err("media.max_upload_bytes must be between 1 and 1073741824 (1 GiB)".into());
        }
        if self.payments.reconcile_every_secs == 0 {
            return Err("payments.reconcile_every_secs must be at least 1".into());
        }
        if self.payments.max_proof_bytes == 0 || self.payments.max_proof_bytes > 100 << 20 {
            return Err(
                "payments.max_proof_bytes must be between 1 and 104857600 (100 MiB)".into(),
            );
        }
        if self.auth.access_ttl_secs == 0 || self.auth.access_ttl_secs > 86_400 {
            return Err("auth.access_ttl_secs must be between 1 and 86400".into());
        }
        Ok(())
    }
}

/// `SMARTSELLER_` variables that are not settings: read by the command line, logging or tests.
fn is_setting(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    !matches!(key.as_str(), "log" | "config" | "admin_password") && !key.starts_with("test_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_domains_on_sqlite_are_refused() {
        // Naming every domain is not a split.
        let all = Settings {
            domains: ALL_DOMAINS.iter().map(|d| (*d).to_owned()).collect(),
            ..Settings::default()
        };
        assert!(all.validate().is_ok());
        let some = Settings {
            domains: vec!["identity".into()],
            ..Settings::default()
        };
        assert!(some.validate().unwrap_err().contains("shared PostgreSQL"));
        let unknown = Settings {
            domains: vec!["warehouse".into()],
            ..Settings::default()
        };
        assert!(unknown.validate().unwrap_err().contains("unknown domain"));
    }

    #[test]
    fn split_domains_on_in_process_events_are_refused() {
        let split = Settings {
            domains: vec!["catalog".into(), "inventory".into()],
            database_url: Some("postgres://app@db/shop".into()),
            ..Settings::default()
        };
        assert!(split.validate().unwrap_err().contains("NATS"));
        let mut on_nats = split.clone();
        on_nats.events.backend = "nats".into();
        assert!(on_nats.validate().is_ok());
    }

    #[test]
    fn unknown_backends_are_refused() {
        let mut settings = Settings::default();
        settings.events.backend = "kafka".into();
        assert!(settings.validate().unwrap_err().contains("events backend"));
    }

    #[test]
    fn storage_urls_are_checked_at_start() {
        let settings = Settings {
            data_dir: PathBuf::from("/srv/shop"),
            ..Settings::default()
        };
        assert_eq!(settings.storage_url(), "file:///srv/shop/files");
        let mut ftp = settings.clone();
        ftp.storage.url = Some("ftp://files.example.com/shop".into());
        assert!(
            ftp.validate()
                .unwrap_err()
                .contains("unsupported storage URL")
        );
        let mut memory = settings.clone();
        memory.storage.url = Some("memory://".into());
        assert!(memory.validate().is_ok());
        let mut none = settings;
        none.media.max_upload_bytes = 0;
        assert!(none.validate().unwrap_err().contains("max_upload_bytes"));
    }

    #[test]
    fn the_default_database_lives_in_the_data_dir() {
        let settings = Settings {
            data_dir: PathBuf::from("/srv/shop"),
            ..Settings::default()
        };
        assert_eq!(settings.database_url(), "sqlite:///srv/shop/smartseller.db");
    }
}
