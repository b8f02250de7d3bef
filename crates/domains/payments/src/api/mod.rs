//! Payments' HTTP face: thin handlers that extract, call one use case and answer.

pub mod gateways;
pub mod payments;
pub mod public;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use smartseller_kernel::validation::FieldErrors;
use smartseller_web::problem::ApiError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::{PaymentsCtx, PaymentsError};
use crate::domain::AmountRuleError;

/// Every payments route, bound to its state.
pub fn router(ctx: PaymentsCtx) -> OpenApiRouter {
    routes().with_state(ctx)
}

/// Every payments route with its OpenAPI description, before its state is bound.
pub fn routes() -> OpenApiRouter<PaymentsCtx> {
    OpenApiRouter::new()
        .routes(routes!(payments::list_payments, payments::request_payment))
        .routes(routes!(gateways::list_gateways))
        .routes(routes!(gateways::save_gateway))
        .routes(routes!(payments::get_payment))
        .routes(routes!(payments::payment_history))
        .routes(routes!(payments::capture))
        .routes(routes!(payments::confirm))
        .routes(routes!(payments::reject))
        .routes(routes!(payments::void))
        .routes(routes!(payments::list_refunds, payments::refund))
        .merge(
            // A proof is read up to `max_proof_bytes`, past the app-wide body limit.
            OpenApiRouter::new()
                .routes(routes!(payments::list_proofs, payments::upload_proof))
                .layer(DefaultBodyLimit::disable()),
        )
        .routes(routes!(public::webhook))
        .routes(routes!(public::pay_link))
}

impl From<PaymentsError> for ApiError {
    fn from(error: PaymentsError) -> Self {
        use PaymentsError::*;
        match error {
            Invalid(errors) => ApiError::validation(errors),
            NotFound(what) => ApiError::not_found(what),
            WrongState(status) => ApiError::conflict(
                "payments.wrong_state",
                format!("This payment is {}; it cannot do that.", status.as_str()),
            )
            .with("current_status", status.as_str()),
            MethodNotEnabled(method) => {
                let mut error = ApiError::validation(FieldErrors::single(
                    "method",
                    "not_enabled",
                    format!(
                        "{} is not enabled for this store; set it up under payment gateways.",
                        method.as_str()
                    ),
                ));
                error.code = "payments.method_not_enabled";
                error
            }
            Amount(rule) => {
                let mut error = ApiError::validation(FieldErrors::single(
                    "amount",
                    match rule {
                        AmountRuleError::NotPositive => "out_of_range",
                        AmountRuleError::CurrencyMismatch { .. } => "currency_mismatch",
                        AmountRuleError::AboveLimit { .. } => "above_limit",
                    },
                    rule.to_string(),
                ));
                error.code = "payments.amount_refused";
                if let AmountRuleError::AboveLimit { limit_minor } = rule {
                    error = error.with("limit_minor", limit_minor);
                }
                error
            }
            Declined(message) => ApiError::new(
                StatusCode::PAYMENT_REQUIRED,
                "payments.declined",
                "The gateway refused",
            )
            .detail(message),
            Unavailable(message) => {
                let mut error = ApiError::unavailable(message).retry_after(30);
                error.code = "payments.gateway_unavailable";
                error
            }
            BadSignature => {
                let mut error =
                    ApiError::unauthenticated("The notification's signature does not verify.");
                error.code = "payments.bad_signature";
                error.www_authenticate = false;
                error
            }
            Malformed(message) => ApiError::bad_request("payments.malformed_notification", message),
            Busy => ApiError::conflict(
                "payments.busy",
                "The payment changed while this was being done; try again.",
            ),
            Storage(message) => ApiError::internal(message),
            Db(error) => ApiError::internal(error),
        }
    }
}
