//! The orders domain's tables and the queries the use cases share.

mod entities;
pub mod queries;

pub use entities::*;
