//! `/api/v1/pricing`: the sources the pricing engine reads (a variant's cost, channel prices,
//! quantity tiers and promotions; customer groups' price lists; the store's rounding and floor),
//! and `POST /pricing/quote`, which prices a line and says why.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use smartseller_contracts::catalog::{PriceQuote, PriceQuoteRequest};
use smartseller_kernel::money::{Currency, Money};
use smartseller_kernel::page::Page;
use smartseller_kernel::validation::FieldErrors;
use smartseller_web::auth::{Actor, perm};
use smartseller_web::pagination::{PageOf, PageQuery};
use smartseller_web::{ApiResult, Json, Path, Query};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::CatalogCtx;
use crate::app::pricing::{
    self, PriceListRecord, PriceListSpec, PricingSettings, VariantPricingRecord, VariantPricingSpec,
};
use crate::domain::pricing::{
    Adjustment, BasisPoints, Channel, CustomerGroup, Floor, PricingRules, Promotion, Quantity,
    QuantityTier, Rounding, RoundingMode,
};
use crate::domain::text::one_line;
use crate::domain::{Price, TextError};
use crate::store::price_list;

/// The most tiers, promotions and price list entries one request may carry.
const MAX_TIERS: usize = 20;
const MAX_PROMOTIONS: usize = 50;
const MAX_ENTRIES: usize = 5_000;

/// From `min_quantity` units on, a unit price or a percent off: give exactly one of the two.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TierBody {
    pub min_quantity: i64,
    /// Minor units of the variant's currency.
    #[serde(default)]
    pub unit_price_minor: Option<i64>,
    /// Basis points: 1000 is 10% off.
    #[serde(default)]
    pub percent_off_bps: Option<i64>,
}

/// A promotional price from `starts_at` (inclusive) to `ends_at` (exclusive), on `channels`
/// (every channel when empty): a unit price or a percent off, exactly one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionBody {
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    pub channels: Vec<String>,
    #[serde(default)]
    pub unit_price_minor: Option<i64>,
    #[serde(default)]
    pub percent_off_bps: Option<i64>,
}

/// Every pricing source of one variant; what is left out is cleared. Amounts are minor units of
/// the variant's currency.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantPricingRequest {
    /// What one unit costs the seller: the floor and cost-plus pricing start from it.
    #[serde(default)]
    pub cost_minor: Option<i64>,
    /// Price at cost plus this margin (basis points) instead of the list price.
    #[serde(default)]
    pub cost_plus_margin_bps: Option<i64>,
    /// A unit price per channel: `{"shopee": 1900000}`; channels are `own_store`, `shopee`,
    /// `tokopedia`, `lazada`, `tiktok`.
    #[serde(default)]
    pub channel_prices: BTreeMap<String, i64>,
    #[serde(default)]
    pub tiers: Vec<TierBody>,
    #[serde(default)]
    pub promotions: Vec<PromotionBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VariantPricingView {
    pub variant_id: Uuid,
    /// The variant's list price (set with `PUT /variants/{id}`).
    pub base_price: Money,
    pub cost_minor: Option<i64>,
    pub cost_plus_margin_bps: Option<u32>,
    pub channel_prices: BTreeMap<String, i64>,
    pub tiers: Vec<TierBody>,
    pub promotions: Vec<PromotionBody>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A variant in a price list: what the customer group pays, a unit price or a percent off.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceListEntryBody {
    pub variant_id: Uuid,
    #[serde(default)]
    pub unit_price_minor: Option<i64>,
    #[serde(default)]
    pub percent_off_bps: Option<i64>,
}

/// A customer group's price list; `PUT` replaces its entries.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceListRequest {
    pub name: String,
    /// e.g. `reseller`: letters, digits, `_` and `-`; one price list per group.
    pub customer_group: String,
    #[serde(default)]
    pub entries: Vec<PriceListEntryBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PriceListView {
    pub id: Uuid,
    pub name: String,
    pub customer_group: String,
    pub entries: Vec<PriceListEntryBody>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A price list without its entries, as lists show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PriceListSummary {
    pub id: Uuid,
    pub name: String,
    pub customer_group: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Prices in `currency` end in `ending_minor` every `step_minor`: step 100000 and ending 90000
/// make every rupiah price end in ...900.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundingBody {
    /// IDR when left out.
    #[serde(default)]
    pub currency: Option<String>,
    pub step_minor: i64,
    pub ending_minor: i64,
    /// `up`, `down` or `nearest`.
    pub mode: String,
}

/// The store's rounding and floor, applied to every quote.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PricingSettingsBody {
    #[serde(default)]
    pub rounding: Option<RoundingBody>,
    /// `none` (default), `cost` or `min_margin` (cost plus `min_margin_bps`).
    #[serde(default)]
    pub floor: Option<String>,
    #[serde(default)]
    pub min_margin_bps: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PricingSettingsView {
    pub rounding: Option<RoundingBody>,
    pub floor: String,
    pub min_margin_bps: Option<u32>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// What to price: a variant, on a channel, for a customer group, this many units, at a moment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    pub variant_id: Uuid,
    /// `own_store`, `shopee`, `tokopedia`, `lazada` or `tiktok`.
    pub channel: String,
    #[serde(default)]
    pub customer_group: Option<String>,
    pub quantity: i64,
    /// When the sale happens (RFC 3339); now when left out.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}

/// One source that set or changed the unit price.
#[derive(Debug, Serialize, ToSchema)]
pub struct PriceStepView {
    /// `base`, `cost_plus`, `channel`, `price_list`, `quantity_tier`, `promotion`, `rounding`
    /// or `floor`, in that order.
    pub source: String,
    pub description: String,
    pub unit_price_before: Money,
    pub unit_price_after: Money,
}

/// A priced line and why: `line_price` is `unit_price` times `quantity`, exactly.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteView {
    pub variant_id: Uuid,
    pub channel: String,
    pub customer_group: Option<String>,
    pub quantity: i64,
    pub at: DateTime<Utc>,
    pub unit_price: Money,
    pub line_price: Money,
    pub currency: Currency,
    pub steps: Vec<PriceStepView>,
}

impl From<PriceQuote> for QuoteView {
    fn from(q: PriceQuote) -> Self {
        Self {
            variant_id: q.variant_id,
            channel: q.channel,
            customer_group: q.customer_group,
            quantity: q.quantity,
            at: q.at,
            unit_price: q.unit_price,
            line_price: q.line_price,
            currency: q.currency,
            steps: q
                .steps
                .into_iter()
                .map(|s| PriceStepView {
                    source: s.source,
                    description: s.description,
                    unit_price_before: s.unit_price_before,
                    unit_price_after: s.unit_price_after,
                })
                .collect(),
        }
    }
}

fn money_amount(minor: i64) -> Result<Price, TextError> {
    Price::new(minor, Currency::Idr)
}

/// Exactly one of a unit price and a percent off, naming the field at fault under `at`.
fn parse_adjustment(
    errors: &mut FieldErrors,
    at: &str,
    unit_price_minor: Option<i64>,
    percent_off_bps: Option<i64>,
) -> Option<Adjustment> {
    match (unit_price_minor, percent_off_bps) {
        (Some(minor), None) => errors
            .check(&format!("{at}unit_price_minor"), money_amount(minor))
            .map(Adjustment::Fixed),
        (None, Some(bps)) => errors
            .check(&format!("{at}percent_off_bps"), BasisPoints::discount(bps))
            .map(Adjustment::PercentOff),
        _ => {
            errors.add(
                &format!("{at}unit_price_minor"),
                "one_of",
                "Give either unit_price_minor or percent_off_bps.",
            );
            None
        }
    }
}

fn view_adjustment(adjustment: Adjustment) -> (Option<i64>, Option<i64>) {
    match adjustment {
        Adjustment::Fixed(price) => (Some(price.money().minor), None),
        Adjustment::PercentOff(off) => (None, Some(i64::from(off.get()))),
    }
}

fn too_many(errors: &mut FieldErrors, field: &str, len: usize, max: usize) {
    if len > max {
        errors.add(field, "too_many", format!("At most {max}."));
    }
}

impl TryFrom<VariantPricingRequest> for VariantPricingSpec {
    type Error = FieldErrors;

    fn try_from(req: VariantPricingRequest) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut spec = VariantPricingSpec {
            cost: req
                .cost_minor
                .and_then(|c| errors.check("cost_minor", money_amount(c))),
            cost_plus: req
                .cost_plus_margin_bps
                .and_then(|m| errors.check("cost_plus_margin_bps", BasisPoints::margin(m))),
            ..Default::default()
        };
        if req.cost_plus_margin_bps.is_some() && req.cost_minor.is_none() {
            errors.add(
                "cost_plus_margin_bps",
                "needs_cost",
                "Cost-plus pricing needs cost_minor.",
            );
        }
        for (channel, minor) in &req.channel_prices {
            let field = format!("channel_prices.{channel}");
            let channel = errors.check(&field, Channel::parse(channel));
            let price = errors.check(&field, money_amount(*minor));
            if let (Some(channel), Some(price)) = (channel, price) {
                spec.channel_prices.insert(channel, price);
            }
        }
        too_many(&mut errors, "tiers", req.tiers.len(), MAX_TIERS);
        let mut quantities = BTreeSet::new();
        for (index, tier) in req.tiers.iter().enumerate() {
            let at = format!("tiers[{index}].");
            let min_quantity = errors.check(
                &format!("{at}min_quantity"),
                Quantity::new(tier.min_quantity),
            );
            if let Some(q) = min_quantity
                && !quantities.insert(q)
            {
                errors.add(
                    &format!("{at}min_quantity"),
                    "duplicate",
                    "Another tier starts at this quantity.",
                );
            }
            let adjustment = parse_adjustment(
                &mut errors,
                &at,
                tier.unit_price_minor,
                tier.percent_off_bps,
            );
            if let (Some(min_quantity), Some(adjustment)) = (min_quantity, adjustment) {
                spec.tiers.push(QuantityTier {
                    min_quantity: min_quantity.get(),
                    adjustment,
                });
            }
        }
        spec.tiers.sort_by_key(|t| t.min_quantity);
        too_many(
            &mut errors,
            "promotions",
            req.promotions.len(),
            MAX_PROMOTIONS,
        );
        for (index, promotion) in req.promotions.iter().enumerate() {
            let at = format!("promotions[{index}].");
            let name = errors.check(
                &format!("{at}name"),
                one_line(&promotion.name, "promotion name", 100),
            );
            if promotion.ends_at <= promotion.starts_at {
                errors.add(
                    &format!("{at}ends_at"),
                    "before_start",
                    "A promotion ends after it starts.",
                );
            }
            let mut channels = Vec::new();
            for (i, channel) in promotion.channels.iter().enumerate() {
                if let Some(channel) =
                    errors.check(&format!("{at}channels[{i}]"), Channel::parse(channel))
                    && !channels.contains(&channel)
                {
                    channels.push(channel);
                }
            }
            let adjustment = parse_adjustment(
                &mut errors,
                &at,
                promotion.unit_price_minor,
                promotion.percent_off_bps,
            );
            if let (Some(name), Some(adjustment)) = (name, adjustment) {
                spec.promotions.push(Promotion {
                    name,
                    starts_at: promotion.starts_at,
                    ends_at: promotion.ends_at,
                    channels,
                    adjustment,
                });
            }
        }
        errors.finish()?;
        Ok(spec)
    }
}

impl From<VariantPricingRecord> for VariantPricingView {
    fn from(r: VariantPricingRecord) -> Self {
        let p = r.pricing;
        Self {
            variant_id: r.variant_id,
            base_price: p.base,
            cost_minor: p.cost.map(|c| c.money().minor),
            cost_plus_margin_bps: p.cost_plus.map(BasisPoints::get),
            channel_prices: p
                .channel_prices
                .iter()
                .map(|(c, price)| (c.as_str().to_owned(), price.money().minor))
                .collect(),
            tiers: p
                .tiers
                .iter()
                .map(|t| {
                    let (unit_price_minor, percent_off_bps) = view_adjustment(t.adjustment);
                    TierBody {
                        min_quantity: i64::from(t.min_quantity),
                        unit_price_minor,
                        percent_off_bps,
                    }
                })
                .collect(),
            promotions: p
                .promotions
                .into_iter()
                .map(|promotion| {
                    let (unit_price_minor, percent_off_bps) = view_adjustment(promotion.adjustment);
                    PromotionBody {
                        name: promotion.name,
                        starts_at: promotion.starts_at,
                        ends_at: promotion.ends_at,
                        channels: promotion
                            .channels
                            .iter()
                            .map(|c| c.as_str().to_owned())
                            .collect(),
                        unit_price_minor,
                        percent_off_bps,
                    }
                })
                .collect(),
            updated_at: r.updated_at,
        }
    }
}

impl TryFrom<PriceListRequest> for PriceListSpec {
    type Error = FieldErrors;

    fn try_from(req: PriceListRequest) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", one_line(&req.name, "price list name", 100));
        let customer_group =
            errors.check("customer_group", CustomerGroup::parse(&req.customer_group));
        too_many(&mut errors, "entries", req.entries.len(), MAX_ENTRIES);
        let mut seen = BTreeSet::new();
        let mut entries = Vec::new();
        for (index, entry) in req.entries.iter().enumerate() {
            let at = format!("entries[{index}].");
            if !seen.insert(entry.variant_id) {
                errors.add(
                    &format!("{at}variant_id"),
                    "duplicate",
                    "This variant is already in the list.",
                );
            }
            if let Some(adjustment) = parse_adjustment(
                &mut errors,
                &at,
                entry.unit_price_minor,
                entry.percent_off_bps,
            ) {
                entries.push((entry.variant_id, adjustment));
            }
        }
        match (name, customer_group) {
            (Some(name), Some(customer_group)) if errors.is_empty() => Ok(PriceListSpec {
                name,
                customer_group,
                entries,
            }),
            _ => Err(errors),
        }
    }
}

impl From<PriceListRecord> for PriceListView {
    fn from(r: PriceListRecord) -> Self {
        Self {
            id: r.list.id,
            name: r.list.name,
            customer_group: r.list.customer_group,
            entries: r
                .entries
                .into_iter()
                .map(|(variant_id, adjustment)| {
                    let (unit_price_minor, percent_off_bps) = view_adjustment(adjustment);
                    PriceListEntryBody {
                        variant_id,
                        unit_price_minor,
                        percent_off_bps,
                    }
                })
                .collect(),
            created_at: r.list.created_at,
            updated_at: r.list.updated_at,
        }
    }
}

impl From<price_list::Model> for PriceListSummary {
    fn from(l: price_list::Model) -> Self {
        Self {
            id: l.id,
            name: l.name,
            customer_group: l.customer_group,
            created_at: l.created_at,
            updated_at: l.updated_at,
        }
    }
}

impl TryFrom<PricingSettingsBody> for PricingRules {
    type Error = FieldErrors;

    fn try_from(req: PricingSettingsBody) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let rounding = req.rounding.as_ref().and_then(|r| {
            let currency = match r.currency.as_deref() {
                None => Some(Currency::Idr),
                Some(code) => errors.check(
                    "rounding.currency",
                    Currency::parse(code).map_err(|_| {
                        TextError::new("unknown_currency", "Use IDR, USD, SGD or MYR.")
                    }),
                ),
            };
            let mode = errors.check("rounding.mode", RoundingMode::parse(&r.mode));
            match Rounding::new(
                currency.unwrap_or(Currency::Idr),
                r.step_minor,
                r.ending_minor,
                mode.unwrap_or(RoundingMode::Nearest),
            ) {
                Ok(rounding) => currency.and(mode).map(|_| rounding),
                Err((field, error)) => {
                    let field = match field {
                        "step" => "rounding.step_minor",
                        _ => "rounding.ending_minor",
                    };
                    errors.check::<(), _>(field, Err(error));
                    None
                }
            }
        });
        let floor = match req.floor.as_deref().unwrap_or("none") {
            "none" => Some(Floor::None),
            "cost" => Some(Floor::AtCost),
            "min_margin" => match req.min_margin_bps {
                Some(bps) => errors
                    .check("min_margin_bps", BasisPoints::margin(bps))
                    .map(Floor::MinMargin),
                None => {
                    errors.add(
                        "min_margin_bps",
                        "required",
                        "A minimum-margin floor needs min_margin_bps.",
                    );
                    None
                }
            },
            _ => {
                errors.add("floor", "unknown_floor", "Use none, cost or min_margin.");
                None
            }
        };
        match floor {
            Some(floor) if errors.is_empty() => Ok(PricingRules { rounding, floor }),
            _ => Err(errors),
        }
    }
}

impl From<PricingSettings> for PricingSettingsView {
    fn from(s: PricingSettings) -> Self {
        let (floor, min_margin_bps) = match s.rules.floor {
            Floor::None => ("none", None),
            Floor::AtCost => ("cost", None),
            Floor::MinMargin(margin) => ("min_margin", Some(margin.get())),
        };
        Self {
            rounding: s.rules.rounding.map(|r| RoundingBody {
                currency: Some(r.currency().code().to_owned()),
                step_minor: r.step(),
                ending_minor: r.ending(),
                mode: r.mode().as_str().to_owned(),
            }),
            floor: floor.to_owned(),
            min_margin_bps,
            updated_at: s.updated_at,
        }
    }
}

/// A variant's pricing sources and its list price.
#[utoipa::path(get, path = "/api/v1/pricing/variants/{variant_id}", tag = "pricing", security(("bearer" = []), ("api_key" = [])),
    params(("variant_id" = Uuid, Path)), responses((status = 200, body = VariantPricingView), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_variant_pricing(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsRead>,
    Path(variant_id): Path<Uuid>,
) -> ApiResult<Json<VariantPricingView>> {
    Ok(Json(
        pricing::variant_pricing(&ctx, actor.tenant, variant_id.into())
            .await?
            .into(),
    ))
}

/// Sets a variant's cost, cost-plus margin, channel prices, quantity tiers and promotions, all
/// at once.
#[utoipa::path(put, path = "/api/v1/pricing/variants/{variant_id}", tag = "pricing", security(("bearer" = []), ("api_key" = [])),
    params(("variant_id" = Uuid, Path)), request_body = VariantPricingRequest,
    responses((status = 200, body = VariantPricingView), (status = 404, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn set_variant_pricing(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Path(variant_id): Path<Uuid>,
    Json(req): Json<VariantPricingRequest>,
) -> ApiResult<Json<VariantPricingView>> {
    let spec = req.try_into()?;
    Ok(Json(
        pricing::set_variant_pricing(&ctx, &actor, variant_id.into(), spec)
            .await?
            .into(),
    ))
}

/// The store's price lists, oldest first, without their entries.
#[utoipa::path(get, path = "/api/v1/pricing/price-lists", tag = "pricing", security(("bearer" = []), ("api_key" = [])), params(PageQuery),
    responses((status = 200, body = PageOf<PriceListSummary>), (status = 422, body = smartseller_web::Problem)))]
pub async fn list_price_lists(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsRead>,
    Query(query): Query<PageQuery>,
) -> ApiResult<Json<PageOf<PriceListSummary>>> {
    let request = query.to_request()?;
    let rows =
        pricing::price_lists(&ctx, actor.tenant, request.after, request.fetch_limit()).await?;
    Ok(Json(
        Page::from_rows(rows, request, |l| l.id)
            .map(PriceListSummary::from)
            .into(),
    ))
}

/// Creates a customer group's price list (one per group).
#[utoipa::path(post, path = "/api/v1/pricing/price-lists", tag = "pricing", security(("bearer" = []), ("api_key" = [])), request_body = PriceListRequest,
    responses((status = 201, body = PriceListView), (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn create_price_list(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Json(req): Json<PriceListRequest>,
) -> ApiResult<Response> {
    let list = pricing::create_price_list(&ctx, &actor, req.try_into()?).await?;
    let location = format!("/api/v1/pricing/price-lists/{}", list.list.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(PriceListView::from(list)),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/pricing/price-lists/{id}", tag = "pricing", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = PriceListView), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_price_list(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<PriceListView>> {
    Ok(Json(
        pricing::price_list(&ctx, actor.tenant, id).await?.into(),
    ))
}

/// Renames a price list, moves it to another customer group, and replaces its entries.
#[utoipa::path(put, path = "/api/v1/pricing/price-lists/{id}", tag = "pricing", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = PriceListRequest,
    responses((status = 200, body = PriceListView), (status = 404, body = smartseller_web::Problem), (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn update_price_list(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Path(id): Path<Uuid>,
    Json(req): Json<PriceListRequest>,
) -> ApiResult<Json<PriceListView>> {
    Ok(Json(
        pricing::update_price_list(&ctx, &actor, id, req.try_into()?)
            .await?
            .into(),
    ))
}

/// Deletes a price list: its customer group pays the usual prices again.
#[utoipa::path(delete, path = "/api/v1/pricing/price-lists/{id}", tag = "pricing", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = smartseller_web::Problem)))]
pub async fn delete_price_list(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    pricing::delete_price_list(&ctx, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The store's rounding and floor.
#[utoipa::path(get, path = "/api/v1/pricing/settings", tag = "pricing", security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = PricingSettingsView)))]
pub async fn get_pricing_settings(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsRead>,
) -> ApiResult<Json<PricingSettingsView>> {
    Ok(Json(pricing::settings(&ctx, actor.tenant).await?.into()))
}

/// Sets the store's rounding (price endings) and floor (at cost or a minimum margin).
#[utoipa::path(put, path = "/api/v1/pricing/settings", tag = "pricing", security(("bearer" = []), ("api_key" = [])),
    request_body = PricingSettingsBody,
    responses((status = 200, body = PricingSettingsView), (status = 422, body = smartseller_web::Problem)))]
pub async fn set_pricing_settings(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Json(req): Json<PricingSettingsBody>,
) -> ApiResult<Json<PricingSettingsView>> {
    let rules = req.try_into()?;
    Ok(Json(
        pricing::set_settings(&ctx, &actor, rules).await?.into(),
    ))
}

/// Prices a line: unit and line price, and every step that made them.
#[utoipa::path(post, path = "/api/v1/pricing/quote", tag = "pricing", security(("bearer" = []), ("api_key" = [])),
    request_body = QuoteRequest,
    responses((status = 200, body = QuoteView), (status = 422, body = smartseller_web::Problem)))]
pub async fn quote(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsRead>,
    Json(req): Json<QuoteRequest>,
) -> ApiResult<Json<QuoteView>> {
    let request = PriceQuoteRequest {
        variant_id: req.variant_id,
        channel: req.channel,
        customer_group: req.customer_group,
        quantity: req.quantity,
        at: req.at,
    };
    Ok(Json(
        pricing::quote(&ctx, actor.tenant, &request).await?.into(),
    ))
}
