//! The roles every store starts with. They cannot be edited or deleted, so a seller always has a
//! known-good set to fall back on; custom roles cover everything else.

use smartseller_kernel::permission::{Permission, PermissionSet};

pub struct BuiltInRole {
    pub key: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub permissions: fn() -> PermissionSet,
}

pub const OWNER: &str = "owner";

pub const BUILT_IN: &[BuiltInRole] = &[
    BuiltInRole {
        key: OWNER,
        name: "Owner",
        description: "Runs the store; can do everything.",
        permissions: PermissionSet::all,
    },
    BuiltInRole {
        key: "admin",
        name: "Admin",
        description: "Manages the store and its team.",
        permissions: PermissionSet::all,
    },
    BuiltInRole {
        key: "staff",
        name: "Staff",
        description: "Handles products, orders and customers day to day.",
        permissions: || {
            use Permission::*;
            [
                ProductsRead,
                ProductsWrite,
                InventoryRead,
                OrdersRead,
                OrdersWrite,
                PaymentsRead,
                ShippingManage,
                CustomersRead,
                CustomersWrite,
                MarketingManage,
            ]
            .into_iter()
            .collect()
        },
    },
    BuiltInRole {
        key: "warehouse",
        name: "Warehouse",
        description: "Picks, packs and counts stock.",
        permissions: || {
            use Permission::*;
            [
                ProductsRead,
                InventoryRead,
                InventoryAdjust,
                OrdersRead,
                ShippingManage,
            ]
            .into_iter()
            .collect()
        },
    },
    BuiltInRole {
        key: "customer_service",
        name: "Customer service",
        description: "Answers buyers: orders, payments and customers.",
        permissions: || {
            use Permission::*;
            [
                ProductsRead,
                OrdersRead,
                PaymentsRead,
                CustomersRead,
                CustomersWrite,
            ]
            .into_iter()
            .collect()
        },
    },
];

pub fn built_in(key: &str) -> Option<&'static BuiltInRole> {
    BUILT_IN.iter().find(|role| role.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_can_do_everything_and_the_warehouse_cannot_manage_roles() {
        assert_eq!(
            (built_in(OWNER).unwrap().permissions)(),
            PermissionSet::all()
        );
        let warehouse = (built_in("warehouse").unwrap().permissions)();
        assert!(warehouse.contains(Permission::InventoryAdjust));
        assert!(!warehouse.contains(Permission::RolesManage));
    }
}
