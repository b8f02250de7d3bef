//! The kernel: pure building blocks every SmartSeller crate shares. No I/O lives here.
//!
//! - [`id`]: typed UUIDv7 identifiers, so a `UserId` can never be passed where a `TenantId` belongs.
//! - [`money`]: integer minor units with an explicit currency and checked arithmetic.
//! - [`page`]: opaque cursors and pages for every list.
//! - [`event`]: the envelope every domain event travels in.
//! - [`permission`]: the catalogue of permissions routes can require and roles can grant.
//! - [`clock`]: the one place "now" comes from, so tests can hold time still.

pub mod clock;
pub mod event;
pub mod id;
pub mod money;
pub mod page;
pub mod permission;
pub mod validation;

pub use id::{TenantId, UserId};
