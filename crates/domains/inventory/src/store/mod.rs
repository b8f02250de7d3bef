//! Inventory's storage. Every function takes the store's `TenantId`, except the sweeper's
//! search for lapsed holds, which is a system task across stores and hands each hold back to
//! the tenant-scoped functions.

mod entities;

pub mod bulk;
pub mod campaigns;
pub mod levels;
pub mod purchasing;
pub mod replenishment;
pub mod reservations;
pub mod transfers;
pub mod variants;
pub mod warehouses;

pub(crate) use entities::*;

use crate::domain::Buckets;

impl stock_level::Model {
    pub fn buckets(&self) -> Buckets {
        Buckets {
            on_hand: self.on_hand,
            reserved: self.reserved,
            campaign_locked: self.campaign_locked,
            incoming: self.incoming,
        }
    }
}
