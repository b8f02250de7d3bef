//! The orders domain's HTTP face: thin handlers that extract, call one use case and answer.

mod carts;
mod orders;
mod returns;

use axum::http::StatusCode;
use smartseller_web::problem::ApiError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::{OrdersCtx, OrdersError};

/// Every orders route, bound to its state.
pub fn router(ctx: OrdersCtx) -> OpenApiRouter {
    routes().with_state(ctx)
}

/// Every orders route with its OpenAPI description, before its state is bound.
pub fn routes() -> OpenApiRouter<OrdersCtx> {
    OpenApiRouter::new()
        .routes(routes!(carts::create_cart))
        .routes(routes!(carts::get_cart))
        .routes(routes!(carts::set_item))
        .routes(routes!(carts::shipping_rates))
        .routes(routes!(carts::checkout))
        .routes(routes!(orders::list_orders, orders::create_order))
        .routes(routes!(orders::get_order, orders::update_order))
        .routes(routes!(orders::order_history))
        .routes(routes!(orders::rebuild_order))
        .routes(routes!(orders::ship_order))
        .routes(routes!(orders::cancel_order))
        .routes(routes!(orders::process_order))
        .routes(routes!(orders::complete_order))
        .routes(routes!(orders::review_order))
        .routes(routes!(orders::order_tracking))
        .routes(routes!(orders::get_settings, orders::update_settings))
        .routes(routes!(returns::request_return, returns::order_returns))
        .routes(routes!(returns::get_return))
        .routes(routes!(returns::approve_return))
        .routes(routes!(returns::reject_return))
        .routes(routes!(returns::receive_return))
        .routes(routes!(returns::refund_return))
        .routes(routes!(returns::exchange_return))
}

impl From<OrdersError> for ApiError {
    fn from(error: OrdersError) -> Self {
        use OrdersError::*;
        match error {
            Invalid(errors) => ApiError::validation(errors),
            NotFound(what) => ApiError::not_found(what),
            IllegalTransition { current, action } => ApiError::conflict(
                "orders.illegal_transition",
                format!(
                    "This order is {}; it cannot {}.",
                    current.as_str(),
                    action.replace('_', " ")
                ),
            )
            .with("current_status", current.as_str())
            .with("action", action),
            Concurrent => ApiError::conflict(
                "orders.changed_meanwhile",
                "The order changed while this request was handled; read it again and retry.",
            ),
            OutOfStock {
                variant_id,
                available,
            } => ApiError::conflict(
                "orders.out_of_stock",
                format!("Only {available} unit(s) of a variant are available."),
            )
            .with("variant_id", variant_id)
            .with("available", available),
            CartClosed { status } => ApiError::conflict(
                "orders.cart_closed",
                format!("This cart is {status}; start a new one."),
            )
            .with("current_status", status),
            RateExpired => ApiError::conflict(
                "orders.shipping_rate_expired",
                "The shipping rate is unknown or has expired; ask for rates again.",
            ),
            HeldForReview => ApiError::conflict(
                "orders.held_for_review",
                "The fraud rules hold this order; approve it in review first.",
            ),
            ReturnState { status, action } => ApiError::conflict(
                "orders.illegal_return_transition",
                format!("This return is {status}; it cannot {action}."),
            )
            .with("current_status", status),
            Refused { service, message } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "orders.refused",
                "Refused by a connected service",
            )
            .detail(message)
            .with("service", service),
            Unavailable { service, message } => {
                ApiError::unavailable(format!("{service} is unavailable: {message}"))
            }
            Db(error) => ApiError::internal(error),
        }
    }
}
