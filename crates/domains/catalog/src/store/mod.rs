//! The catalogue's storage. Every function takes the store's `TenantId`: no query here can
//! reach another store's rows.

mod entities;

pub mod attributes;
pub mod bulk;
pub mod categories;
pub mod pricing;
pub mod product_media;
pub mod products;
pub mod search;
pub mod stock;
pub mod variants;
pub mod versions;

pub(crate) use entities::*;
