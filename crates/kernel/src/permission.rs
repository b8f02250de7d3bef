//! The catalogue of permissions. A route declares the one it needs; a role grants a set.
//! Later domains add their permissions here, so custom roles can be checked against one list.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

macro_rules! permissions {
    ($($variant:ident => $text:literal, $about:literal;)*) => {
        /// A permission a role can grant and a route can require.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        pub enum Permission {
            $(#[doc = $about] #[serde(rename = $text)] $variant,)*
        }

        impl Permission {
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Permission::$variant => $text,)* }
            }

            pub fn describe(self) -> &'static str {
                match self { $(Permission::$variant => $about,)* }
            }

            pub fn parse(text: &str) -> Option<Permission> {
                match text { $($text => Some(Permission::$variant),)* _ => None }
            }
        }
    };
}

permissions! {
    ProductsRead => "products:read", "See products, variants and categories";
    ProductsWrite => "products:write", "Create, change and archive products";
    InventoryRead => "inventory:read", "See stock levels and the stock ledger";
    InventoryAdjust => "inventory:adjust", "Adjust, transfer and count stock";
    OrdersRead => "orders:read", "See orders";
    OrdersWrite => "orders:write", "Create, change, ship and cancel orders";
    PaymentsRead => "payments:read", "See payments";
    PaymentsRefund => "payments:refund", "Refund payments";
    PaymentsManage => "payments:manage", "Confirm transfers, capture and void payments, configure gateways";
    ShippingManage => "shipping:manage", "Quote rates, book shipments and print labels";
    CustomersRead => "customers:read", "See customers";
    CustomersWrite => "customers:write", "Create and change customers";
    ChannelsManage => "channels:manage", "Connect and configure marketplace channels";
    MarketingManage => "marketing:manage", "Manage vouchers, loyalty and campaigns";
    AnalyticsRead => "analytics:read", "See reports and dashboards";
    UsersRead => "users:read", "See the store's members";
    UsersManage => "users:manage", "Invite staff, change their roles and remove them";
    RolesManage => "roles:manage", "Create, change and delete roles";
    ApiKeysManage => "api_keys:manage", "Create and revoke API keys";
    AuditRead => "audit:read", "Read the audit log";
    SettingsManage => "settings:manage", "Change the store's settings";
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of permissions, as granted by roles or carried by a token.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PermissionSet(BTreeSet<Permission>);

impl PermissionSet {
    pub fn all() -> Self {
        Self(Permission::ALL.iter().copied().collect())
    }

    pub fn contains(&self, permission: Permission) -> bool {
        self.0.contains(&permission)
    }

    pub fn is_subset(&self, other: &PermissionSet) -> bool {
        self.0.is_subset(&other.0)
    }

    pub fn union(&self, other: &PermissionSet) -> PermissionSet {
        Self(self.0.union(&other.0).copied().collect())
    }

    pub fn iter(&self) -> impl Iterator<Item = Permission> + '_ {
        self.0.iter().copied()
    }

    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(|p| p.as_str().to_owned()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_parses_from_its_own_text() {
        for permission in Permission::ALL {
            assert_eq!(Permission::parse(permission.as_str()), Some(*permission));
        }
        assert_eq!(Permission::parse("orders:destroy"), None);
    }

    #[test]
    fn permission_sets_serialize_as_their_texts() {
        let set: PermissionSet = [Permission::OrdersWrite, Permission::ProductsRead]
            .into_iter()
            .collect();
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, r#"["products:read","orders:write"]"#);
    }
}
