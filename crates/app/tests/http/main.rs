//! SmartSeller through its HTTP API: the real app on a random port, a fresh database per test, on
//! SQLite always and on PostgreSQL when `SMARTSELLER_TEST_DATABASE_URL` is set (required in CI).

#![allow(dead_code)]

mod support;

mod api_keys;
mod attributes;
mod auth;
mod catalog;
mod cli;
mod contract;
mod events;
mod idempotency;
mod imports;
mod inventory;
mod isolation;
mod journey;
mod media;
mod oidc;
mod orders;
mod payments;
mod pricing;
mod purchasing;
mod redis_shared;
mod search;
mod shipping;
mod team;
