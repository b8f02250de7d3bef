//! Inventory's HTTP face: thin handlers that extract, call one use case and answer.

pub mod campaigns;
pub mod counts;
pub mod imports;
pub mod levels;
pub mod purchase_orders;
pub mod replenishment;
pub mod reservations;
pub mod transfers;
pub mod warehouses;

use axum::http::StatusCode;
use smartseller_kernel::validation::FieldErrors;
use smartseller_web::problem::ApiError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::{InventoryCtx, InventoryError};

/// Every inventory route, bound to its state.
pub fn router(ctx: InventoryCtx) -> OpenApiRouter {
    routes().with_state(ctx)
}

/// Every inventory route with its OpenAPI description, before its state is bound.
pub fn routes() -> OpenApiRouter<InventoryCtx> {
    OpenApiRouter::new()
        .routes(routes!(
            warehouses::list_warehouses,
            warehouses::create_warehouse
        ))
        .routes(routes!(
            warehouses::get_warehouse,
            warehouses::update_warehouse
        ))
        .routes(routes!(levels::list_levels))
        .routes(routes!(imports::import_stock))
        .routes(routes!(imports::export_stock))
        .routes(routes!(levels::adjust))
        .routes(routes!(levels::ledger))
        .routes(routes!(levels::set_reorder_point))
        .routes(routes!(levels::get_settings, levels::update_settings))
        .routes(routes!(reservations::reserve))
        .routes(routes!(reservations::get_reservation))
        .routes(routes!(reservations::commit))
        .routes(routes!(reservations::release))
        .routes(routes!(transfers::ship))
        .routes(routes!(transfers::get_transfer))
        .routes(routes!(transfers::receive))
        .routes(routes!(transfers::cancel))
        .routes(routes!(campaigns::lock))
        .routes(routes!(campaigns::get_lock))
        .routes(routes!(campaigns::sell))
        .routes(routes!(campaigns::release))
        .routes(routes!(counts::create_count))
        .routes(routes!(counts::get_count))
        .routes(routes!(counts::apply_count))
        .routes(routes!(
            purchase_orders::list_purchase_orders,
            purchase_orders::create_purchase_order
        ))
        .routes(routes!(purchase_orders::get_purchase_order))
        .routes(routes!(purchase_orders::order_purchase_order))
        .routes(routes!(purchase_orders::receive_goods))
        .routes(routes!(purchase_orders::cancel_purchase_order))
        .routes(routes!(replenishment::set_buffer))
        .routes(routes!(replenishment::channel_availability))
        .routes(routes!(replenishment::set_reorder_setting))
        .routes(routes!(replenishment::reorder_suggestions))
}

impl From<InventoryError> for ApiError {
    fn from(error: InventoryError) -> Self {
        use InventoryError::*;
        match error {
            Invalid(errors) => ApiError::validation(errors),
            InsufficientStock {
                variant_id,
                warehouse_id,
                available,
            } => ApiError::conflict(
                "inventory.insufficient_stock",
                format!(
                    "Only {available} unit(s) are available for this variant in this warehouse."
                ),
            )
            .with("available", available)
            .with("variant_id", variant_id)
            .with("warehouse_id", warehouse_id),
            UnknownVariant { variant_id, field } => unknown(
                "inventory.unknown_variant",
                &field,
                "unknown_variant",
                "No variant with this id exists in this store's catalogue.",
            )
            .with("variant_id", variant_id),
            VariantArchived { variant_id, field } => unknown(
                "inventory.variant_archived",
                &field,
                "archived",
                "This variant is archived; stock cannot be held for it.",
            )
            .with("variant_id", variant_id),
            UnknownWarehouse {
                warehouse_id,
                field,
            } => unknown(
                "inventory.unknown_warehouse",
                &field,
                "unknown_warehouse",
                "No warehouse with this id exists in this store.",
            )
            .with("warehouse_id", warehouse_id),
            WarehouseInactive { warehouse_id } => ApiError::conflict(
                "inventory.warehouse_inactive",
                "This warehouse is inactive; activate it before holding stock in it.",
            )
            .with("warehouse_id", warehouse_id),
            WarehouseCodeTaken => ApiError::conflict(
                "inventory.warehouse_code_taken",
                "A warehouse with this code already exists in this store.",
            ),
            NotFound(what) => ApiError::not_found(what),
            ReservationNotHeld { status } => ApiError::conflict(
                "inventory.reservation_not_held",
                format!("This reservation is already {}.", status.as_str()),
            )
            .with("current_status", status.as_str()),
            ReservationExpired => ApiError::new(
                StatusCode::GONE,
                "inventory.reservation_expired",
                "Reservation expired",
            )
            .detail("This hold ran out; its stock is being given back. Reserve again."),
            CampaignLockNotActive { status } => ApiError::conflict(
                "inventory.campaign_lock_not_active",
                format!("This campaign lock is {status}; its stock is back on general sale."),
            )
            .with("current_status", status),
            TransferNotInTransit { status } => ApiError::conflict(
                "inventory.transfer_not_in_transit",
                format!("This transfer is already {status}."),
            )
            .with("current_status", status),
            OverReceipt {
                variant_id,
                remaining,
            } => ApiError::conflict(
                "inventory.over_receipt",
                format!(
                    "Only {remaining} unit(s) of this variant are still expected on this order."
                ),
            )
            .with("remaining", remaining)
            .with("variant_id", variant_id),
            IllegalTransition { what, status, to } => ApiError::conflict(
                "inventory.illegal_transition",
                format!("This {what} is {status}; it cannot become {to}."),
            )
            .with("current_status", status),
            Inconsistent(message) => ApiError::internal(message),
            Db(error) => ApiError::internal(error),
        }
    }
}

/// A 422 that names the field pointing at something this store does not have.
fn unknown(code: &'static str, field: &str, field_code: &str, message: &str) -> ApiError {
    let mut error = ApiError::validation(FieldErrors::single(field, field_code, message));
    error.code = code;
    error.detail = Some(message.to_owned());
    error
}
