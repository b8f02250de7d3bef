//! Shipping's HTTP face: thin handlers that extract, call one use case and answer.

pub mod dto;
pub mod setup;
pub mod shipments;
pub mod webhooks;

use axum::http::StatusCode;
use smartseller_contracts::shipping::ShippingError;
use smartseller_kernel::validation::FieldErrors;
use smartseller_web::problem::ApiError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::{AppError, ShippingCtx};

/// Every shipping route, bound to its state.
pub fn router(ctx: ShippingCtx) -> OpenApiRouter {
    routes().with_state(ctx)
}

/// Every shipping route with its OpenAPI description, before its state is bound.
pub fn routes() -> OpenApiRouter<ShippingCtx> {
    OpenApiRouter::new()
        .routes(routes!(setup::rates))
        .routes(routes!(setup::get_origins, setup::put_origins))
        .routes(routes!(setup::list_providers))
        .routes(routes!(setup::put_provider))
        .routes(routes!(setup::list_flat_rates, setup::create_flat_rate))
        .routes(routes!(setup::update_flat_rate, setup::delete_flat_rate))
        .routes(routes!(shipments::list_shipments, shipments::book))
        .routes(routes!(shipments::get_shipment))
        .routes(routes!(shipments::cancel))
        .routes(routes!(shipments::record_tracking))
        .routes(routes!(shipments::label))
        .routes(routes!(shipments::bulk_labels))
        .routes(routes!(shipments::pick_list))
        .routes(routes!(shipments::packing_list))
        .routes(routes!(webhooks::receive))
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Shipping(error) => shipping_problem(error),
            AppError::Invalid(errors) => ApiError::validation(errors),
            AppError::NotFound(what) => ApiError::not_found(what),
            AppError::WebhookRefused => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "shipping.webhook_unverified",
                "Push not verified",
            )
            .detail("The push's signature or token does not verify."),
            AppError::Db(error) => ApiError::internal(error),
        }
    }
}

fn shipping_problem(error: ShippingError) -> ApiError {
    match error {
        ShippingError::NotFound => ApiError::not_found("shipment"),
        ShippingError::RateExpired => ApiError::conflict(
            "shipping.rate_expired",
            "This shipping rate is unknown or has expired; ask for rates again.",
        ),
        ShippingError::Invalid(message) => {
            let mut problem =
                ApiError::validation(FieldErrors::single("request", "invalid", message.clone()));
            problem.code = "shipping.invalid";
            problem.detail = Some(message);
            problem
        }
        ShippingError::WrongState(status) => ApiError::conflict(
            "shipping.wrong_state",
            format!(
                "This shipment is {}; it cannot do that now.",
                status.as_str()
            ),
        )
        .with("current_status", status.as_str()),
        ShippingError::Rejected(reason) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "shipping.courier_rejected",
            "The courier refused",
        )
        .detail(reason),
        ShippingError::Unavailable(reason) => {
            let mut problem = ApiError::unavailable(reason);
            problem.code = "shipping.courier_unavailable";
            problem.retry_after(30)
        }
    }
}
