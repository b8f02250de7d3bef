//! Time. All timestamps are UTC and written by the application, never by the database.

use chrono::{DateTime, SubsecRound, Utc};

/// The current time, truncated to microseconds so it survives a round trip through
/// PostgreSQL (`timestamptz` keeps microseconds) and SQLite unchanged.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
