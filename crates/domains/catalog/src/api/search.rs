//! `GET /api/v1/products/search`: full-text product search with facets.

use axum::extract::{RawQuery, State};
use serde::Serialize;
use smartseller_kernel::money::{Currency, Money};
use smartseller_kernel::validation::FieldErrors;
use smartseller_search::{
    Cursor, Facets, Hit, MAX_LIMIT, SearchRequest, SearchResults, StatusFilter,
};
use smartseller_web::auth::{Actor, perm};
use smartseller_web::{ApiResult, Json};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::CatalogCtx;
use crate::app::search;
use crate::domain::Status;

const DEFAULT_LIMIT: usize = 20;
/// Longer queries are pasted text, not searches.
const MAX_QUERY_CHARS: usize = 200;
const MAX_ATTRIBUTE_FILTERS: usize = 20;

/// The search's parameters, as documented; they are read from the raw query string so `attr`
/// can repeat and every mistake is reported against its parameter.
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SearchQuery {
    /// Free text: words of the name, description, category, attributes, or a SKU or barcode
    /// (whole or its start). Typos are tolerated (one in words of 4 to 7 letters, two from 8),
    /// the last word matches as a prefix, and Indonesian affixes are handled (`dijual` finds
    /// `jual`). Empty or absent: browse, newest first.
    q: Option<String>,
    /// Products filed under this category or any category beneath it.
    category_id: Option<Uuid>,
    /// Products with a variant priced at least this, in minor units (IDR: Rp 1 = 100).
    min_price: Option<i64>,
    /// Products with a variant priced at most this, in minor units.
    max_price: Option<i64>,
    /// `true` or `false`.
    in_stock: Option<bool>,
    /// `draft`, `active` or `archived`; without it, drafts and active products (archived ones
    /// are hidden).
    status: Option<String>,
    /// An attribute filter `Name:Value`, repeatable: values of one name are alternatives,
    /// different names must all hold. Case and accents do not matter.
    attr: Option<Vec<String>>,
    /// Hits per page, 1 to 50 (default 20).
    limit: Option<usize>,
    /// `next_cursor` from the previous page of the same search.
    cursor: Option<String>,
}

/// Reads the raw query string into a checked request, naming each bad parameter.
fn parse(raw: Option<&str>) -> Result<SearchRequest, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut request = SearchRequest {
        limit: DEFAULT_LIMIT,
        ..SearchRequest::default()
    };
    let pairs = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes());
    for (key, value) in pairs {
        let value = value.trim();
        match key.as_ref() {
            "q" => {
                if value.chars().count() > MAX_QUERY_CHARS {
                    errors.add(
                        "q",
                        "too_long",
                        format!("Search with at most {MAX_QUERY_CHARS} characters."),
                    );
                }
                request.q = value.to_owned();
            }
            "category_id" if value.is_empty() => {}
            "category_id" => match value.parse::<Uuid>() {
                Ok(id) => request.category = Some(id),
                Err(_) => errors.add("category_id", "invalid_id", "Give a category id (UUID)."),
            },
            "min_price" | "max_price" if value.is_empty() => {}
            "min_price" | "max_price" => match value.parse::<i64>() {
                Ok(price) if price >= 0 => {
                    if key == "min_price" {
                        request.min_price = Some(price);
                    } else {
                        request.max_price = Some(price);
                    }
                }
                Ok(_) => errors.add(&key, "negative_price", "A price cannot be negative."),
                Err(_) => errors.add(
                    &key,
                    "invalid_number",
                    "Give a whole number of minor units (Rp 150.000 is 15000000).",
                ),
            },
            "in_stock" if value.is_empty() => {}
            "in_stock" => match value {
                "true" => request.in_stock = Some(true),
                "false" => request.in_stock = Some(false),
                _ => errors.add("in_stock", "invalid_bool", "Use true or false."),
            },
            "status" if value.is_empty() => {}
            "status" => {
                if let Some(status) = errors.check("status", Status::parse(value)) {
                    request.status = StatusFilter::Only(status.as_str().to_owned());
                }
            }
            "attr" => match value.split_once(':') {
                Some((name, wanted)) if !name.trim().is_empty() && !wanted.trim().is_empty() => {
                    request
                        .attributes
                        .push((name.trim().to_owned(), wanted.trim().to_owned()));
                }
                _ => errors.add(
                    "attr",
                    "invalid_attribute",
                    "Give an attribute as Name:Value, e.g. Bahan:Katun.",
                ),
            },
            "limit" => match value.parse::<usize>() {
                Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => request.limit = limit,
                _ => errors.add(
                    "limit",
                    "out_of_range",
                    format!("Give a limit from 1 to {MAX_LIMIT}."),
                ),
            },
            "cursor" if value.is_empty() => {}
            "cursor" => match Cursor::decode(value) {
                Ok(cursor) => request.cursor = Some(cursor),
                Err(_) => errors.add(
                    "cursor",
                    "invalid_cursor",
                    "Use the next_cursor of a previous answer.",
                ),
            },
            other => errors.add(
                other,
                "unknown_parameter",
                "Search takes q, category_id, min_price, max_price, in_stock, status, attr, limit and cursor.",
            ),
        }
    }
    if request.attributes.len() > MAX_ATTRIBUTE_FILTERS {
        errors.add(
            "attr",
            "too_many",
            format!("Filter by at most {MAX_ATTRIBUTE_FILTERS} attribute values."),
        );
    }
    if let (Some(min), Some(max)) = (request.min_price, request.max_price)
        && min > max
    {
        errors.add(
            "max_price",
            "below_min_price",
            "max_price is below min_price.",
        );
    }
    errors.finish()?;
    Ok(request)
}

/// One product found.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHitView {
    pub id: Uuid,
    pub name: String,
    /// `draft`, `active` or `archived`.
    pub status: String,
    pub category_id: Option<Uuid>,
    /// The cheapest variant on sale.
    pub min_price: Money,
    /// The dearest variant on sale.
    pub max_price: Money,
    pub in_stock: bool,
    /// Relevance, higher first; absent when browsing without `q`.
    pub score: Option<f32>,
}

impl From<Hit> for SearchHitView {
    fn from(hit: Hit) -> Self {
        let currency = Currency::parse(&hit.currency).unwrap_or(Currency::Idr);
        Self {
            id: hit.product_id,
            name: hit.name,
            status: hit.status,
            category_id: hit.category_id,
            min_price: Money::new(hit.min_price_minor, currency),
            max_price: Money::new(hit.max_price_minor, currency),
            in_stock: hit.in_stock,
            score: hit.score,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryCount {
    pub category_id: String,
    /// Matching products filed under the category or beneath it.
    pub count: u64,
}

/// Matching products whose cheapest variant costs at least `min_minor` and less than
/// `max_minor` (no upper bound when absent).
#[derive(Debug, Serialize, ToSchema)]
pub struct PriceRangeCount {
    pub min_minor: i64,
    pub max_minor: Option<i64>,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InStockCount {
    pub yes: u64,
    pub no: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ValueCount {
    pub value: String,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttributeCount {
    pub name: String,
    pub values: Vec<ValueCount>,
}

/// Counts over every match of the search and its filters.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchFacetsView {
    pub categories: Vec<CategoryCount>,
    pub price_ranges: Vec<PriceRangeCount>,
    pub in_stock: InStockCount,
    pub attributes: Vec<AttributeCount>,
}

impl From<Facets> for SearchFacetsView {
    fn from(f: Facets) -> Self {
        Self {
            categories: f
                .categories
                .into_iter()
                .map(|c| CategoryCount {
                    category_id: c.value,
                    count: c.count,
                })
                .collect(),
            price_ranges: f
                .price_ranges
                .into_iter()
                .map(|b| PriceRangeCount {
                    min_minor: b.min,
                    max_minor: b.max,
                    count: b.count,
                })
                .collect(),
            in_stock: InStockCount {
                yes: f.in_stock.yes,
                no: f.in_stock.no,
            },
            attributes: f
                .attributes
                .into_iter()
                .map(|a| AttributeCount {
                    name: a.name,
                    values: a
                        .values
                        .into_iter()
                        .map(|v| ValueCount {
                            value: v.value,
                            count: v.count,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResultsView {
    pub hits: Vec<SearchHitView>,
    /// Every product matching the search and its filters.
    pub total: u64,
    pub facets: SearchFacetsView,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl From<SearchResults> for SearchResultsView {
    fn from(r: SearchResults) -> Self {
        Self {
            hits: r.hits.into_iter().map(SearchHitView::from).collect(),
            total: r.total,
            facets: r.facets.into(),
            next_cursor: r.next_cursor,
        }
    }
}

/// Searches the store's products: typo-tolerant, prefix-matching, Indonesian-aware, with facet
/// counts. Archived products are hidden unless `status=archived`.
#[utoipa::path(get, path = "/api/v1/products/search", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(SearchQuery),
    responses((status = 200, body = SearchResultsView), (status = 422, body = smartseller_web::Problem)))]
pub async fn search_products(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsRead>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<SearchResultsView>> {
    let request = parse(raw.as_deref())?;
    let results = search::search(&ctx, actor.tenant, request).await?;
    Ok(Json(results.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(raw: &str) -> Vec<String> {
        parse(Some(raw))
            .err()
            .map(|e| e.0.into_iter().map(|f| f.field).collect())
            .unwrap_or_default()
    }

    #[test]
    fn parameters_are_read_and_checked() {
        let request = parse(Some(
            "q=kemeja+batik&attr=Bahan%3AKatun&attr=Warna:Biru&in_stock=true&limit=5&min_price=100&status=active",
        ))
        .unwrap();
        assert_eq!(request.q, "kemeja batik");
        assert_eq!(request.attributes.len(), 2);
        assert_eq!(request.in_stock, Some(true));
        assert_eq!(request.limit, 5);
        assert_eq!(request.status, StatusFilter::Only("active".into()));
        assert_eq!(parse(None).unwrap().limit, DEFAULT_LIMIT);

        assert_eq!(fields("limit=0"), vec!["limit"]);
        assert_eq!(fields("limit=51"), vec!["limit"]);
        assert_eq!(fields("in_stock=ya"), vec!["in_stock"]);
        assert_eq!(fields("min_price=-1"), vec!["min_price"]);
        assert_eq!(fields("min_price=5&max_price=4"), vec!["max_price"]);
        assert_eq!(fields("attr=Bahan"), vec!["attr"]);
        assert_eq!(fields("category_id=7"), vec!["category_id"]);
        assert_eq!(fields("cursor=zzz"), vec!["cursor"]);
        assert_eq!(fields("status=deleted"), vec!["status"]);
        assert_eq!(fields("sort=name"), vec!["sort"]);
    }
}
