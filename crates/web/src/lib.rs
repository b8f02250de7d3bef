//! HTTP plumbing every domain shares: RFC 9457 problems, JSON and query extractors that answer
//! bad input with problems, authentication and permission checks, `Idempotency-Key`, request ids,
//! access logs and metrics, pagination, health checks and the API docs page.

pub mod auth;
pub mod extract;
pub mod idempotency;
pub mod jobs;
pub mod openapi;
pub mod pagination;
pub mod problem;
pub mod request;

pub use auth::{Actor, Authenticated, Principal};
pub use extract::{Json, Path, Query};
pub use problem::{ApiError, ApiResult, Problem};
