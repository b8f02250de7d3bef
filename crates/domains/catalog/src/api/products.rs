//! `/api/v1/products`: products with their options and variants.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use smartseller_kernel::money::{Currency, Money};
use smartseller_kernel::page::PageRequest;
use smartseller_kernel::validation::FieldErrors;
use smartseller_web::auth::{Actor, perm};
use smartseller_web::pagination::PageOf;
use smartseller_web::{ApiResult, Json, Path, Query};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::media::MediaView;
use crate::app::CatalogCtx;
use crate::app::attributes::{self, AttributeInput, ProductAttribute};
use crate::app::products::{
    self, ProductChanges, ProductDetail, ProductDraft, ProductListing, ProductWithVariants,
    option_values, options_of, price_of,
};
use crate::domain::listing::{Keyset, ProductFilter, ProductSort, plausible_time};
use crate::domain::product::{VariantPlan, VariantSpec, VariantTemplate};
use crate::domain::stock::{StockState, StockTotals};
use crate::domain::{
    Barcode, CategoryId, Description, Dimensions, Millimetres, Price, ProductName, ProductOptions,
    Sku, Status, TextError, Weight,
};
use crate::store::variant;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionBody {
    /// e.g. `Ukuran`, `Warna`.
    pub name: String,
    /// e.g. `["S", "M", "L"]`, in the order shoppers see them.
    pub values: Vec<String>,
}

/// Parcel size in millimetres.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DimensionsBody {
    pub length: i64,
    pub width: i64,
    pub height: i64,
}

/// A price in minor units: IDR has two minor digits, so Rp 150.000 is `15000000`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceBody {
    pub minor: i64,
    /// ISO 4217; IDR when left out.
    #[serde(default)]
    pub currency: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VariantView {
    pub id: Uuid,
    pub product_id: Uuid,
    pub sku: String,
    pub barcode: Option<String>,
    /// One value per product option, in the options' order.
    pub option_values: Vec<String>,
    pub weight_grams: i32,
    pub dimensions_mm: Option<DimensionsBody>,
    pub price: Money,
    pub status: String,
    /// Place among the product's variants, from 0.
    pub position: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<variant::Model> for VariantView {
    fn from(v: variant::Model) -> Self {
        let dimensions_mm = match (v.length_mm, v.width_mm, v.height_mm) {
            (Some(length), Some(width), Some(height)) => Some(DimensionsBody {
                length: length.into(),
                width: width.into(),
                height: height.into(),
            }),
            _ => None,
        };
        Self {
            option_values: option_values(&v),
            price: price_of(&v),
            id: v.id,
            product_id: v.product_id,
            sku: v.sku,
            barcode: v.barcode,
            weight_grams: v.weight_grams,
            dimensions_mm,
            status: v.status,
            position: v.position,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductView {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub category_id: Option<Uuid>,
    /// `draft`, `active` or `archived`.
    pub status: String,
    pub options: Vec<OptionBody>,
    pub variants: Vec<VariantView>,
    /// Images and documents in gallery order. Only on a single product's view
    /// (`GET /api/v1/products/{id}`); lists leave it out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Vec<MediaView>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ProductWithVariants> for ProductView {
    fn from(p: ProductWithVariants) -> Self {
        let options = options_of(&p.product)
            .as_slice()
            .iter()
            .map(|o| OptionBody {
                name: o.name.clone(),
                values: o.values.clone(),
            })
            .collect();
        Self {
            id: p.product.id,
            name: p.product.name,
            description: p.product.description,
            category_id: p.product.category_id,
            status: p.product.status,
            options,
            variants: p.variants.into_iter().map(VariantView::from).collect(),
            media: None,
            created_at: p.product.created_at,
            updated_at: p.product.updated_at,
        }
    }
}

/// A product's value for one attribute.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductAttributeView {
    pub attribute_id: Uuid,
    pub name: String,
    /// `text`, `number` or `choice`.
    pub kind: String,
    /// Text, or a JSON number for a `number` attribute.
    pub value: serde_json::Value,
    pub unit: Option<String>,
}

impl From<ProductAttribute> for ProductAttributeView {
    fn from(a: ProductAttribute) -> Self {
        let kind = attributes::kind_of(&a.attribute);
        Self {
            attribute_id: a.attribute.id,
            value: a.value.to_json(kind),
            name: a.attribute.name,
            kind: kind.as_str().to_owned(),
            unit: a.attribute.unit,
        }
    }
}

/// Units over every warehouse, as inventory last reported them.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockCountsView {
    /// `in_stock`, `low_stock` or `out_of_stock`.
    pub state: String,
    pub on_hand: i64,
    pub reserved: i64,
    pub incoming: i64,
    /// What can be sold now.
    pub available: i64,
    /// Warehouse levels at or below their reorder point.
    pub low_levels: u32,
}

impl From<StockTotals> for StockCountsView {
    fn from(t: StockTotals) -> Self {
        Self {
            state: t.state().as_str().to_owned(),
            on_hand: t.on_hand,
            reserved: t.reserved,
            incoming: t.incoming,
            available: t.available,
            low_levels: t.low_levels,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VariantStockView {
    pub variant_id: Uuid,
    #[serde(flatten)]
    pub counts: StockCountsView,
}

/// The product's stock in total and per variant (every variant listed, zero when inventory has
/// no level for it). Kept from `inventory.events`, so it can trail a change by a moment.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockSummaryView {
    #[serde(flatten)]
    pub totals: StockCountsView,
    pub variants: Vec<VariantStockView>,
}

/// A product page: the product with its variants, attribute values and stock.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductDetailView {
    #[serde(flatten)]
    pub product: ProductView,
    pub attributes: Vec<ProductAttributeView>,
    pub stock: StockSummaryView,
}

impl From<ProductDetail> for ProductDetailView {
    fn from(d: ProductDetail) -> Self {
        let variants = d
            .product
            .variants
            .iter()
            .map(|v| VariantStockView {
                variant_id: v.id,
                counts: d
                    .stock
                    .variants
                    .get(&v.id)
                    .copied()
                    .unwrap_or_default()
                    .into(),
            })
            .collect();
        Self {
            stock: StockSummaryView {
                totals: d.stock.totals.into(),
                variants,
            },
            attributes: d.attributes.into_iter().map(Into::into).collect(),
            product: ProductView {
                media: Some(d.media.into_iter().map(MediaView::from).collect()),
                ..d.product.into()
            },
        }
    }
}

/// A value for one of the attributes of the product's category.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributeValueBody {
    pub attribute_id: Uuid,
    /// Text for `text` and `choice` attributes; a number (or numeric text) for `number`.
    pub value: serde_json::Value,
}

fn attribute_inputs(bodies: Vec<AttributeValueBody>) -> Vec<AttributeInput> {
    bodies
        .into_iter()
        .map(|b| AttributeInput {
            attribute_id: b.attribute_id,
            value: b.value,
        })
        .collect()
}

/// A variant of a new product.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVariantBody {
    pub sku: String,
    /// EAN-8, UPC-A, EAN-13 or GTIN-14, check digit included.
    #[serde(default)]
    pub barcode: Option<String>,
    /// One value per product option, in the options' order; empty for a product without options.
    #[serde(default)]
    pub option_values: Vec<String>,
    pub weight_grams: i64,
    #[serde(default)]
    pub dimensions_mm: Option<DimensionsBody>,
    pub price: PriceBody,
    /// `draft` (default), `active` or `archived`.
    #[serde(default)]
    pub status: Option<String>,
}

/// What every generated variant starts with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateBody {
    /// Each variant's SKU is this prefix and its option values: `KMJ` → `KMJ-S-MERAH`.
    pub sku_prefix: String,
    pub weight_grams: i64,
    #[serde(default)]
    pub dimensions_mm: Option<DimensionsBody>,
    pub price: PriceBody,
    #[serde(default)]
    pub status: Option<String>,
}

/// A new product. Give its variants in `variants`, or let `generate` make one per combination
/// of `options`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProductRequest {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub category_id: Option<Uuid>,
    /// `draft` (default), `active` or `archived`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub options: Vec<OptionBody>,
    #[serde(default)]
    pub variants: Option<Vec<NewVariantBody>>,
    #[serde(default)]
    pub generate: Option<GenerateBody>,
    /// Values for the attributes of the product's category. An `active` product needs every
    /// required one.
    #[serde(default)]
    pub attributes: Vec<AttributeValueBody>,
}

/// Parses the parts every variant shares, naming fields under `at` (e.g. `variants[0].`).
pub(crate) struct VariantParts {
    pub sku: Option<Sku>,
    pub barcode: Option<Option<Barcode>>,
    pub weight: Option<Weight>,
    pub dimensions: Option<Option<Dimensions>>,
    pub price: Option<Price>,
    pub status: Option<Status>,
}

pub(crate) fn status_or_draft(
    errors: &mut FieldErrors,
    field: &str,
    status: Option<&str>,
) -> Option<Status> {
    match status {
        None => Some(Status::Draft),
        Some(text) => errors.check(field, Status::parse(text)),
    }
}

pub(crate) fn parse_dimensions(
    errors: &mut FieldErrors,
    at: &str,
    body: Option<&DimensionsBody>,
) -> Option<Option<Dimensions>> {
    let Some(body) = body else {
        return Some(None);
    };
    let length = errors.check(
        &format!("{at}dimensions_mm.length"),
        Millimetres::new(body.length),
    );
    let width = errors.check(
        &format!("{at}dimensions_mm.width"),
        Millimetres::new(body.width),
    );
    let height = errors.check(
        &format!("{at}dimensions_mm.height"),
        Millimetres::new(body.height),
    );
    Some(Some(Dimensions {
        length: length?,
        width: width?,
        height: height?,
    }))
}

pub(crate) fn parse_price(errors: &mut FieldErrors, at: &str, body: &PriceBody) -> Option<Price> {
    let currency = match body.currency.as_deref() {
        None => Some(Currency::Idr),
        Some(code) => errors.check(
            &format!("{at}price.currency"),
            Currency::parse(code)
                .map_err(|_| TextError::new("unknown_currency", "Use IDR, USD, SGD or MYR.")),
        ),
    };
    let price = errors.check(
        &format!("{at}price.minor"),
        Price::new(body.minor, currency.unwrap_or(Currency::Idr)),
    );
    currency.and(price)
}

/// The fields every variant body has, borrowed from whichever request carries them.
pub(crate) struct VariantFields<'a> {
    pub sku: &'a str,
    pub barcode: Option<&'a str>,
    pub weight_grams: i64,
    pub dimensions: Option<&'a DimensionsBody>,
    pub price: &'a PriceBody,
    pub status: Option<&'a str>,
}

pub(crate) fn parse_parts(
    errors: &mut FieldErrors,
    at: &str,
    fields: VariantFields<'_>,
) -> VariantParts {
    let VariantFields {
        sku,
        barcode,
        weight_grams,
        dimensions,
        price,
        status,
    } = fields;
    VariantParts {
        sku: errors.check(&format!("{at}sku"), Sku::parse(sku)),
        barcode: match barcode.filter(|b| !b.trim().is_empty()) {
            None => Some(None),
            Some(code) => errors
                .check(&format!("{at}barcode"), Barcode::parse(code))
                .map(Some),
        },
        weight: errors.check(&format!("{at}weight_grams"), Weight::grams(weight_grams)),
        dimensions: parse_dimensions(errors, at, dimensions),
        price: parse_price(errors, at, price),
        status: status_or_draft(errors, &format!("{at}status"), status),
    }
}

impl VariantParts {
    pub(crate) fn into_spec(self, option_values: Vec<String>) -> Option<VariantSpec> {
        Some(VariantSpec {
            sku: self.sku?,
            barcode: self.barcode?,
            option_values,
            weight: self.weight?,
            dimensions: self.dimensions?,
            price: self.price?,
            status: self.status?,
        })
    }
}

impl TryFrom<NewProductRequest> for ProductDraft {
    type Error = FieldErrors;

    fn try_from(req: NewProductRequest) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", ProductName::parse(&req.name));
        let description = errors.check(
            "description",
            Description::parse(req.description.as_deref().unwrap_or_default()),
        );
        let status = status_or_draft(&mut errors, "status", req.status.as_deref());
        let raw: Vec<(String, Vec<String>)> = req
            .options
            .iter()
            .map(|o| (o.name.clone(), o.values.clone()))
            .collect();
        let options = match ProductOptions::parse(&raw, "options") {
            Ok(options) => Some(options),
            Err(bad) => {
                errors.0.extend(bad.0);
                None
            }
        };
        let plan = match (req.variants, req.generate) {
            (Some(_), Some(_)) => {
                errors.add(
                    "generate",
                    "conflict",
                    "Give `variants` or `generate`, not both.",
                );
                None
            }
            (None, Some(g)) => {
                let parts = parse_parts(
                    &mut errors,
                    "generate.",
                    VariantFields {
                        sku: &g.sku_prefix,
                        barcode: None,
                        weight_grams: g.weight_grams,
                        dimensions: g.dimensions_mm.as_ref(),
                        price: &g.price,
                        status: g.status.as_deref(),
                    },
                );
                parts.into_spec(Vec::new()).map(|spec| {
                    VariantPlan::Generated(VariantTemplate {
                        sku_prefix: spec.sku,
                        weight: spec.weight,
                        dimensions: spec.dimensions,
                        price: spec.price,
                        status: spec.status,
                    })
                })
            }
            (variants, None) => {
                let specs: Vec<Option<VariantSpec>> = variants
                    .unwrap_or_default()
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| {
                        parse_parts(
                            &mut errors,
                            &format!("variants[{i}]."),
                            VariantFields {
                                sku: &v.sku,
                                barcode: v.barcode.as_deref(),
                                weight_grams: v.weight_grams,
                                dimensions: v.dimensions_mm.as_ref(),
                                price: &v.price,
                                status: v.status.as_deref(),
                            },
                        )
                        .into_spec(v.option_values)
                    })
                    .collect();
                specs
                    .into_iter()
                    .collect::<Option<Vec<_>>>()
                    .map(VariantPlan::Explicit)
            }
        };
        match (name, description, status, options, plan) {
            (Some(name), Some(description), Some(status), Some(options), Some(variants))
                if errors.is_empty() =>
            {
                Ok(ProductDraft {
                    name,
                    description,
                    category: req.category_id.map(CategoryId::from),
                    status,
                    options,
                    variants,
                    attributes: attribute_inputs(req.attributes),
                })
            }
            _ => Err(errors),
        }
    }
}

/// A product's own fields. Its options are fixed once created; change variants through
/// `/api/v1/variants`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductUpdateRequest {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Absent or null files the product under no category.
    #[serde(default)]
    pub category_id: Option<Uuid>,
    /// `draft`, `active` or `archived`; an archived product comes back as a draft first.
    pub status: String,
    /// Replaces every attribute value when given; left out, the values that still apply to the
    /// category stay.
    #[serde(default)]
    pub attributes: Option<Vec<AttributeValueBody>>,
}

impl TryFrom<ProductUpdateRequest> for ProductChanges {
    type Error = FieldErrors;

    fn try_from(req: ProductUpdateRequest) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", ProductName::parse(&req.name));
        let description = errors.check(
            "description",
            Description::parse(req.description.as_deref().unwrap_or_default()),
        );
        let status = errors.check("status", Status::parse(&req.status));
        match (name, description, status) {
            (Some(name), Some(description), Some(status)) if errors.is_empty() => {
                Ok(ProductChanges {
                    name,
                    description,
                    category: req.category_id.map(CategoryId::from),
                    status,
                    attributes: req.attributes.map(attribute_inputs),
                })
            }
            _ => Err(errors),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductListQuery {
    /// How many products to return (1 to 200, default 50).
    pub limit: Option<u64>,
    /// `next_cursor` from the previous page, with the same `sort`.
    pub cursor: Option<String>,
    /// Products filed under this category or, unless `include_descendants=false`, any
    /// category beneath it.
    pub category_id: Option<Uuid>,
    pub include_descendants: Option<bool>,
    /// `draft`, `active` or `archived`.
    pub status: Option<String>,
    /// Products with a variant (not archived) priced at least this, in minor units of `currency`.
    pub min_price: Option<i64>,
    /// Products with a variant (not archived) priced at most this, in minor units of `currency`.
    pub max_price: Option<i64>,
    /// Currency of `min_price`/`max_price`; IDR when left out.
    pub currency: Option<String>,
    /// Products changed at or after this time (RFC 3339), their variants included.
    pub updated_since: Option<DateTime<Utc>>,
    /// `in_stock` (can be sold now, low ones included), `low_stock` (can be sold, but some
    /// warehouse is at or below its reorder point) or `out_of_stock`.
    pub stock_state: Option<String>,
    /// `created_at` (default), `-created_at`, `name`, `-name`, `updated_at`, `-updated_at`.
    pub sort: Option<String>,
}

impl TryFrom<ProductListQuery> for ProductListing {
    type Error = FieldErrors;

    fn try_from(q: ProductListQuery) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let page = match PageRequest::parse(None, q.limit) {
            Ok(page) => page,
            Err(e) => {
                errors.add("limit", "invalid", e.to_string());
                PageRequest::first(1)
            }
        };
        let sort = match q.sort.as_deref() {
            None => Some(ProductSort::default()),
            Some(text) => errors.check("sort", ProductSort::parse(text)),
        };
        let after = match (q.cursor.as_deref().filter(|c| !c.is_empty()), sort) {
            (Some(cursor), Some(sort)) => errors.check("cursor", Keyset::decode(cursor, sort)),
            _ => None,
        };
        let status = q
            .status
            .as_deref()
            .and_then(|s| errors.check("status", Status::parse(s)));
        let currency = match q.currency.as_deref() {
            None => Some(Currency::Idr),
            Some(code) => errors.check(
                "currency",
                Currency::parse(code)
                    .map_err(|_| TextError::new("unknown_currency", "Use IDR, USD, SGD or MYR.")),
            ),
        };
        for (field, value) in [("min_price", q.min_price), ("max_price", q.max_price)] {
            if value.is_some_and(|v| v < 0) {
                errors.add(field, "negative_price", "A price cannot be negative.");
            }
        }
        if let (Some(min), Some(max)) = (q.min_price, q.max_price)
            && min > max
        {
            errors.add(
                "max_price",
                "below_min_price",
                "max_price is below min_price.",
            );
        }
        if q.updated_since.is_some_and(|t| !plausible_time(t)) {
            errors.add(
                "updated_since",
                "out_of_range",
                "Give a time between 1970 and 9999.",
            );
        }
        let stock_state = q
            .stock_state
            .as_deref()
            .and_then(|s| errors.check("stock_state", StockState::parse(s)));
        let tree = q.include_descendants.unwrap_or(true);
        errors.finish()?;
        Ok(ProductListing {
            filter: ProductFilter {
                category_tree: q.category_id.filter(|_| tree),
                category: q.category_id.filter(|_| !tree),
                status: status.map(|s| s.as_str().to_owned()),
                min_price: q.min_price,
                max_price: q.max_price,
                currency: currency.unwrap_or(Currency::Idr).code().to_owned(),
                updated_since: q.updated_since,
                stock_state,
            },
            sort: sort.unwrap_or_default(),
            after,
            page,
        })
    }
}

/// The store's products with their variants: filtered, sorted, a page at a time.
#[utoipa::path(get, path = "/api/v1/products", tag = "catalog", security(("bearer" = []), ("api_key" = [])), params(ProductListQuery),
    responses((status = 200, body = PageOf<ProductView>), (status = 422, body = smartseller_web::Problem)))]
pub async fn list_products(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsRead>,
    Query(query): Query<ProductListQuery>,
) -> ApiResult<Response> {
    let listing = ProductListing::try_from(query)?;
    let body = products::list_rendered(&ctx, actor.tenant, &listing, |page| {
        let page: PageOf<ProductView> = page.map(ProductView::from).into();
        serde_json::to_vec(&page)
            .map(Into::into)
            .map_err(|e| e.to_string())
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Creates a product with its variants; announces `product.created`.
#[utoipa::path(post, path = "/api/v1/products", tag = "catalog", security(("bearer" = []), ("api_key" = [])), request_body = NewProductRequest,
    responses((status = 201, body = ProductDetailView), (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn create_product(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Json(req): Json<NewProductRequest>,
) -> ApiResult<Response> {
    let product = products::create(&ctx, &actor, req.try_into()?).await?;
    let location = format!("/api/v1/products/{}", product.product.product.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(ProductDetailView::from(product)),
    )
        .into_response())
}

/// A product with its variants, media, attribute values and stock summary.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = ProductDetailView), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_product(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ProductDetailView>> {
    Ok(Json(
        products::get(&ctx, actor.tenant, id.into()).await?.into(),
    ))
}

/// Changes a product's name, description, category, status and (when given) attribute values;
/// announces `product.updated`.
#[utoipa::path(put, path = "/api/v1/products/{id}", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = ProductUpdateRequest,
    responses((status = 200, body = ProductDetailView), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn update_product(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Path(id): Path<Uuid>,
    Json(req): Json<ProductUpdateRequest>,
) -> ApiResult<Json<ProductDetailView>> {
    Ok(Json(
        products::update(&ctx, &actor, id.into(), req.try_into()?)
            .await?
            .into(),
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProductDeleteQuery {
    /// `true` deletes an archived product for good, with its variants, prices, images and
    /// documents; a product that is not archived is a 409.
    pub permanent: Option<bool>,
}

/// Archives a product and its variants (kept for order history, SKUs stay reserved, images
/// kept); announces `product.archived`. With `?permanent=true`, deletes an archived product for
/// good, its files included.
#[utoipa::path(delete, path = "/api/v1/products/{id}", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path), ProductDeleteQuery),
    responses((status = 204), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem)))]
pub async fn archive_product(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Path(id): Path<Uuid>,
    Query(query): Query<ProductDeleteQuery>,
) -> ApiResult<StatusCode> {
    if query.permanent == Some(true) {
        products::delete_for_good(&ctx, &actor, id.into()).await?;
    } else {
        products::archive(&ctx, &actor, id.into()).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
