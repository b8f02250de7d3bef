//! The catalogue's storage. Every function takes the store's `TenantId`: no query here can
//! reach another store's rows.

mod entities;

pub mod categories;
pub mod pricing;
pub mod product_media;
pub mod products;
pub mod variants;

pub(crate) use entities::*;
