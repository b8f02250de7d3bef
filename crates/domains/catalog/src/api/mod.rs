//! The catalogue's HTTP face: thin handlers that extract, call one use case and answer.

pub mod attributes;
pub mod categories;
pub mod imports;
pub mod media;
pub mod pricing;
pub mod products;
pub mod search;
pub mod variants;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use smartseller_web::problem::ApiError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::{CatalogCtx, CatalogError};

/// Every catalogue route, bound to its state.
pub fn router(ctx: CatalogCtx) -> OpenApiRouter {
    routes().with_state(ctx)
}

/// Every catalogue route with its OpenAPI description, before its state is bound.
pub fn routes() -> OpenApiRouter<CatalogCtx> {
    OpenApiRouter::new()
        .routes(routes!(
            categories::list_categories,
            categories::create_category
        ))
        .routes(routes!(
            categories::get_category,
            categories::update_category,
            categories::delete_category
        ))
        .routes(routes!(
            attributes::list_attributes,
            attributes::create_attribute
        ))
        .routes(routes!(
            attributes::get_attribute,
            attributes::update_attribute,
            attributes::delete_attribute
        ))
        .routes(routes!(
            attributes::get_category_attributes,
            attributes::set_category_attributes
        ))
        .routes(routes!(products::list_products, products::create_product))
        // Before `/products/{id}` in the listing; axum prefers the static segment anyway.
        .routes(routes!(search::search_products))
        .routes(routes!(
            products::get_product,
            products::update_product,
            products::archive_product
        ))
        .routes(routes!(variants::list_variants, variants::create_variant))
        .routes(routes!(
            variants::get_variant,
            variants::update_variant,
            variants::archive_variant
        ))
        .routes(routes!(
            pricing::get_variant_pricing,
            pricing::set_variant_pricing
        ))
        .routes(routes!(
            pricing::list_price_lists,
            pricing::create_price_list
        ))
        .routes(routes!(
            pricing::get_price_list,
            pricing::update_price_list,
            pricing::delete_price_list
        ))
        .routes(routes!(
            pricing::get_pricing_settings,
            pricing::set_pricing_settings
        ))
        .routes(routes!(pricing::quote))
        .routes(routes!(imports::import_products))
        .routes(routes!(imports::import_prices))
        .routes(routes!(imports::export_products))
        .merge(
            // An upload streams past the app-wide body limit; its own limit
            // (`media.max_upload_bytes`) is enforced as it arrives, with a problem answer.
            OpenApiRouter::new()
                .routes(routes!(media::list_media, media::upload_media))
                .layer(DefaultBodyLimit::disable()),
        )
        .routes(routes!(media::update_media, media::delete_media))
        .routes(routes!(media::serve_media))
}

impl From<CatalogError> for ApiError {
    fn from(error: CatalogError) -> Self {
        use CatalogError::*;
        match error {
            Invalid(errors) => ApiError::validation(errors),
            NotFound(what) => ApiError::not_found(what),
            SkuTaken(skus) => ApiError::conflict(
                "catalog.sku_taken",
                format!(
                    "SKU {} is already used by another variant in this store.",
                    skus.join(", ")
                ),
            )
            .with("skus", skus),
            CategoryCycle => ApiError::conflict(
                "categories.cycle",
                "A category cannot move under itself or one of its sub-categories.",
            ),
            CategoryHasChildren { children } => ApiError::conflict(
                "categories.has_children",
                format!(
                    "This category still has {children} sub-categories; move or delete them first."
                ),
            )
            .with("children", children),
            CategoryInUse { products } => ApiError::conflict(
                "categories.in_use",
                format!(
                    "{products} product(s) are still filed under this category; move them first."
                ),
            )
            .with("products", products),
            IllegalTransition { from, to } => ApiError::conflict(
                "catalog.illegal_transition",
                format!(
                    "A {} item cannot become {} directly; make it a draft first.",
                    from.as_str(),
                    to.as_str()
                ),
            )
            .with("current_status", from.as_str()),
            CombinationTaken => ApiError::conflict(
                "catalog.combination_taken",
                "This product already has a variant with these option values.",
            ),
            ProductArchived => ApiError::conflict(
                "catalog.product_archived",
                "The product is archived; restore it as a draft before adding variants.",
            ),
            CustomerGroupTaken(group) => ApiError::conflict(
                "pricing.customer_group_taken",
                format!("Customer group `{group}` already has a price list; change that one."),
            )
            .with("customer_group", group),
            AttributeNameTaken(name) => ApiError::conflict(
                "attributes.name_taken",
                format!("This store already has an attribute named `{name}`."),
            )
            .with("name", name),
            AttributeInUse { products } => ApiError::conflict(
                "attributes.in_use",
                format!(
                    "{products} product(s) have a value for this attribute; clear those values first."
                ),
            )
            .with("products", products),
            AttributeKindLocked { products } => ApiError::conflict(
                "attributes.kind_locked",
                format!(
                    "{products} product(s) have a value for this attribute, so its kind cannot change."
                ),
            )
            .with("products", products),
            ChoiceInUse { choices, products } => ApiError::conflict(
                "attributes.choice_in_use",
                format!(
                    "{products} product(s) use {}; change those products before removing the choice.",
                    choices.join(", ")
                ),
            )
            .with("choices", choices)
            .with("products", products),
            Render(error) => ApiError::internal(error),
            NotArchived => ApiError::conflict(
                "catalog.not_archived",
                "Only an archived product can be deleted for good; archive it first.",
            ),
            TooLarge { limit } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "media.too_large",
                "File too large",
            )
            .detail(format!(
                "The file is larger than {} bytes ({:.1} MiB), the most this store accepts.",
                limit,
                limit as f64 / 1_048_576.0
            ))
            .with("max_bytes", limit),
            UnsupportedType => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "media.unsupported_type",
                "Unsupported file type",
            )
            .detail("Upload a JPEG, PNG, WebP or GIF image, or a PDF document. The type is read from the file's content, not its name.")
            .with("accepted", ["image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf"]),
            UnreadableUpload => ApiError::bad_request(
                "media.unreadable_upload",
                "The upload was cut short or is not well-formed multipart/form-data.",
            ),
            Storage(cause) => ApiError::internal(cause),
            Db(error) => ApiError::internal(error),
            Search(error) => ApiError::internal(error),
        }
    }
}
