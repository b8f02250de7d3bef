//! The OpenAPI document's common parts (info, security schemes) and the routes that serve it:
//! `/api/v1/openapi.json` and the offline docs page at `/api/v1/docs`.

use axum::http::header;
use axum::response::{Html, IntoResponse};
use utoipa::Modify;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

/// Named security schemes the handlers refer to.
pub const BEARER: &str = "bearer";
pub const API_KEY: &str = "api_key";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "SmartSeller API",
        description = "The back office of an online seller: products, stock, orders, payments, shipping, customers, vouchers and numbers, for every channel. Errors are RFC 9457 problems with a stable `code`; lists use cursor pagination (`limit`, `cursor`, `next_cursor`); unsafe requests accept `Idempotency-Key`."
    ),
    modifiers(&SecuritySchemes),
    components(schemas(crate::problem::Problem, smartseller_kernel::validation::FieldError)),
)]
pub struct BaseDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            API_KEY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))),
        );
    }
}

/// The docs page: one self-contained file, no network needed.
pub async fn docs_page() -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "no-cache")],
        Html(include_str!("../assets/api-docs.html")),
    )
}
