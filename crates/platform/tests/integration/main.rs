//! Platform conformance suite: the event backbone (outbox, relay, consumer inbox, retries and
//! dead letters), stored idempotent responses, and the NATS and Redis adapters. Database tests run
//! on SQLite always and on PostgreSQL when `SMARTSELLER_TEST_DATABASE_URL` is set (required in
//! CI); NATS and Redis tests use the servers named by `SMARTSELLER_TEST_NATS_URL` and
//! `SMARTSELLER_TEST_REDIS_URL`.

mod support;

mod consumers;
mod idempotency;
mod jobs;
mod nats;
mod redis;
mod relay;
mod sqlite;
