//! Platform: connections and adapters behind traits. Only the app picks which adapter runs.
//!
//! - [`db`]: connect by URL to SQLite or PostgreSQL, with the pragmas and write transactions
//!   SmartSeller relies on, and the migrations runner.
//! - [`outbox`], [`relay`], [`consumer`]: the event backbone (transactional outbox, relay to the
//!   in-process inbox or NATS JetStream, idempotent consumers with retries and dead letters).
//! - [`limits`]: rate limits, in-process or in Redis.
//! - [`revocation`]: revoked sessions, in-process or in Redis.
//! - [`idempotency`]: stored responses for `Idempotency-Key`.
//! - [`mail`]: outgoing email.
//! - [`jobs`]: durable background jobs (imports, exports) with progress and row errors.
//! - [`storage`]: files in object storage (a local folder, or an S3-compatible bucket).

pub mod consumer;
pub mod db;
pub mod idempotency;
pub mod jobs;
pub mod limits;
pub mod mail;
pub mod migrations;
pub mod nats;
pub mod outbox;
pub mod redis_store;
pub mod relay;
pub mod revocation;
pub mod sheet;
pub mod storage;

pub use db::{Backend, Db, WriteTx};
pub use storage::FileStore;
