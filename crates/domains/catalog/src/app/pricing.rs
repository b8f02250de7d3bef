//! Pricing: keep each variant's cost, channel prices, tiers and promotions, the customer groups'
//! price lists and the store's rounding and floor; and quote a line with all of them, for the
//! HTTP API and, through [`Pricing`], for the orders domain.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use smartseller_contracts::catalog::{
    PriceQuote, PriceQuoteRequest, PriceStep, Pricing, PricingError as ContractError,
};
use smartseller_kernel::money::Currency;
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, clock};
use smartseller_web::auth::Principal;
use uuid::Uuid;

use super::products::price_of;
use super::{CatalogCtx, CatalogError, CatalogResult, is_unique_violation};
use crate::domain::pricing::{
    self, Adjustment, BasisPoints, Channel, CustomerGroup, Floor, PriceListEntry, PricingRules,
    Promotion, Quantity, QuantityTier, QuoteRequest, Rounding, RoundingMode, VariantPricing,
};
use crate::domain::{Price, VariantId};
use crate::store::pricing::{self as store, StoredAdjustment, StoredPromotion, StoredTier};
use crate::store::variants as variant_store;
use crate::store::{price_list, price_list_entry, pricing_settings, variant, variant_pricing};

/// What `PUT /pricing/variants/{id}` sets: every source that belongs to one variant. Amounts
/// are minor units of the variant's currency.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VariantPricingSpec {
    pub cost: Option<Price>,
    pub cost_plus: Option<BasisPoints>,
    pub channel_prices: BTreeMap<Channel, Price>,
    pub tiers: Vec<QuantityTier>,
    pub promotions: Vec<Promotion>,
}

/// A variant's pricing as it stands: its list price and every source set on it.
pub struct VariantPricingRecord {
    pub variant_id: Uuid,
    pub pricing: VariantPricing,
    /// When the sources were last set; never when the variant has only its list price.
    pub updated_at: Option<DateTime<Utc>>,
}

/// A customer group's price list as the seller writes it.
pub struct PriceListSpec {
    pub name: String,
    pub customer_group: CustomerGroup,
    /// Variant and what the group pays for it, in the seller's order; a variant at most once.
    pub entries: Vec<(Uuid, Adjustment)>,
}

pub struct PriceListRecord {
    pub list: price_list::Model,
    pub entries: Vec<(Uuid, Adjustment)>,
}

/// The store's rules as they stand.
pub struct PricingSettings {
    pub rules: PricingRules,
    pub updated_at: Option<DateTime<Utc>>,
}

fn corrupt(what: &str) -> DbErr {
    DbErr::Custom(format!("stored {what} does not parse"))
}

fn stored_adjustment(adjustment: Adjustment) -> StoredAdjustment {
    match adjustment {
        Adjustment::Fixed(price) => StoredAdjustment {
            unit_price_minor: Some(price.money().minor),
            percent_off_bps: None,
        },
        Adjustment::PercentOff(off) => StoredAdjustment {
            unit_price_minor: None,
            percent_off_bps: Some(i64::from(off.get())),
        },
    }
}

fn adjustment_of(stored: StoredAdjustment) -> Result<Adjustment, DbErr> {
    match stored {
        StoredAdjustment {
            unit_price_minor: Some(minor),
            ..
        } => Price::new(minor, Currency::Idr)
            .map(Adjustment::Fixed)
            .map_err(|_| corrupt("price")),
        StoredAdjustment {
            percent_off_bps: Some(bps),
            ..
        } => BasisPoints::discount(bps)
            .map(Adjustment::PercentOff)
            .map_err(|_| corrupt("percent")),
        _ => Err(corrupt("adjustment")),
    }
}

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

/// The variant's list price and the sources stored for it.
fn variant_pricing_of(
    variant: &variant::Model,
    row: Option<&variant_pricing::Model>,
) -> Result<VariantPricing, DbErr> {
    let mut pricing = VariantPricing::list_price(price_of(variant));
    let Some(row) = row else {
        return Ok(pricing);
    };
    pricing.cost = row
        .cost_minor
        .map(|minor| Price::new(minor, Currency::Idr).map_err(|_| corrupt("cost")))
        .transpose()?;
    pricing.cost_plus = row
        .cost_plus_margin_bps
        .map(|bps| BasisPoints::margin(bps.into()).map_err(|_| corrupt("margin")))
        .transpose()?;
    let channels: BTreeMap<String, i64> =
        serde_json::from_value(row.channel_prices.clone()).map_err(|_| corrupt("channels"))?;
    for (channel, minor) in channels {
        let channel = Channel::parse(&channel).map_err(|_| corrupt("channel"))?;
        let price = Price::new(minor, Currency::Idr).map_err(|_| corrupt("channel price"))?;
        pricing.channel_prices.insert(channel, price);
    }
    let tiers: Vec<StoredTier> =
        serde_json::from_value(row.tiers.clone()).map_err(|_| corrupt("tiers"))?;
    for tier in tiers {
        pricing.tiers.push(QuantityTier {
            min_quantity: tier.min_quantity,
            adjustment: adjustment_of(tier.adjustment)?,
        });
    }
    let promotions: Vec<StoredPromotion> =
        serde_json::from_value(row.promotions.clone()).map_err(|_| corrupt("promotions"))?;
    for promotion in promotions {
        pricing.promotions.push(Promotion {
            name: promotion.name,
            starts_at: promotion.starts_at,
            ends_at: promotion.ends_at,
            channels: promotion
                .channels
                .iter()
                .map(|c| Channel::parse(c).map_err(|_| corrupt("channel")))
                .collect::<Result<_, _>>()?,
            adjustment: adjustment_of(promotion.adjustment)?,
        });
    }
    Ok(pricing)
}

pub async fn variant_pricing(
    ctx: &CatalogCtx,
    tenant: TenantId,
    id: VariantId,
) -> CatalogResult<VariantPricingRecord> {
    let conn = ctx.db.conn();
    let variant = variant_store::find(conn, tenant, id.as_uuid())
        .await?
        .ok_or(CatalogError::NotFound("variant"))?;
    let row = store::variant_pricing(conn, tenant, variant.id).await?;
    Ok(VariantPricingRecord {
        variant_id: variant.id,
        pricing: variant_pricing_of(&variant, row.as_ref())?,
        updated_at: row.map(|r| r.updated_at),
    })
}

/// Replaces every pricing source of one variant.
pub async fn set_variant_pricing(
    ctx: &CatalogCtx,
    actor: &Principal,
    id: VariantId,
    spec: VariantPricingSpec,
) -> CatalogResult<VariantPricingRecord> {
    let tenant = actor.tenant;
    let tx = ctx.begin_write(tenant).await?;
    let variant = variant_store::find(&*tx, tenant, id.as_uuid())
        .await?
        .ok_or(CatalogError::NotFound("variant"))?;
    let channels: BTreeMap<&str, i64> = spec
        .channel_prices
        .iter()
        .map(|(c, p)| (c.as_str(), p.money().minor))
        .collect();
    let tiers: Vec<StoredTier> = spec
        .tiers
        .iter()
        .map(|t| StoredTier {
            min_quantity: t.min_quantity,
            adjustment: stored_adjustment(t.adjustment),
        })
        .collect();
    let promotions: Vec<StoredPromotion> = spec
        .promotions
        .iter()
        .map(|p| StoredPromotion {
            name: p.name.clone(),
            starts_at: p.starts_at,
            ends_at: p.ends_at,
            channels: p.channels.iter().map(|c| c.as_str().to_owned()).collect(),
            adjustment: stored_adjustment(p.adjustment),
        })
        .collect();
    let row = variant_pricing::Model {
        variant_id: variant.id,
        tenant_id: tenant.as_uuid(),
        cost_minor: spec.cost.map(|c| c.money().minor),
        cost_plus_margin_bps: spec.cost_plus.map(|m| m.get() as i32),
        channel_prices: json(&channels),
        tiers: json(&tiers),
        promotions: json(&promotions),
        updated_at: clock::now(),
    };
    store::save_variant_pricing(&*tx, tenant, row.clone()).await?;
    tx.commit().await?;
    Ok(VariantPricingRecord {
        variant_id: variant.id,
        pricing: variant_pricing_of(&variant, Some(&row))?,
        updated_at: Some(row.updated_at),
    })
}

fn entry_adjustment(row: &price_list_entry::Model) -> Result<Adjustment, DbErr> {
    adjustment_of(StoredAdjustment {
        unit_price_minor: row.fixed_minor,
        percent_off_bps: row.percent_off_bps.map(i64::from),
    })
}

fn entries_of(rows: Vec<price_list_entry::Model>) -> Result<Vec<(Uuid, Adjustment)>, DbErr> {
    rows.iter()
        .map(|row| Ok((row.variant_id, entry_adjustment(row)?)))
        .collect()
}

/// What the customer group's price list says about this variant, if the group has a list and
/// the list names the variant.
async fn group_entry(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    group: Option<&CustomerGroup>,
    variant: Uuid,
) -> Result<Option<PriceListEntry>, DbErr> {
    let Some(group) = group else {
        return Ok(None);
    };
    let Some(list) = store::price_list_of_group(conn, tenant, group.as_str()).await? else {
        return Ok(None);
    };
    let Some(row) = store::entry(conn, tenant, list.id, variant).await? else {
        return Ok(None);
    };
    Ok(Some(PriceListEntry {
        list_name: list.name,
        adjustment: entry_adjustment(&row)?,
    }))
}

/// Refuses entries naming variants this store does not have, naming each one.
async fn check_entries(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    entries: &[(Uuid, Adjustment)],
) -> CatalogResult<()> {
    let ids: Vec<Uuid> = entries.iter().map(|(id, _)| *id).collect();
    let known = store::known_variants(conn, tenant, &ids).await?;
    let mut errors = FieldErrors::new();
    for (index, id) in ids.iter().enumerate() {
        if !known.contains(id) {
            errors.add(
                &format!("entries[{index}].variant_id"),
                "unknown_variant",
                "No such variant in this store.",
            );
        }
    }
    Ok(errors.finish()?)
}

fn entry_rows(
    tenant: TenantId,
    list: Uuid,
    entries: &[(Uuid, Adjustment)],
) -> Vec<price_list_entry::Model> {
    entries
        .iter()
        .enumerate()
        .map(|(position, (variant, adjustment))| {
            let stored = stored_adjustment(*adjustment);
            price_list_entry::Model {
                price_list_id: list,
                variant_id: *variant,
                tenant_id: tenant.as_uuid(),
                position: position as i32,
                fixed_minor: stored.unit_price_minor,
                percent_off_bps: stored.percent_off_bps.map(|b| b as i32),
            }
        })
        .collect()
}

fn group_taken(error: DbErr, group: &CustomerGroup) -> CatalogError {
    if is_unique_violation(&error) {
        CatalogError::CustomerGroupTaken(group.as_str().to_owned())
    } else {
        error.into()
    }
}

async fn check_group_free(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    group: &CustomerGroup,
    except: Option<Uuid>,
) -> CatalogResult<()> {
    match store::price_list_of_group(conn, tenant, group.as_str()).await? {
        Some(other) if Some(other.id) != except => {
            Err(CatalogError::CustomerGroupTaken(group.as_str().to_owned()))
        }
        _ => Ok(()),
    }
}

pub async fn price_lists(
    ctx: &CatalogCtx,
    tenant: TenantId,
    after: Option<Uuid>,
    limit: u64,
) -> CatalogResult<Vec<price_list::Model>> {
    Ok(store::price_lists(ctx.db.conn(), tenant, after, limit).await?)
}

pub async fn price_list(
    ctx: &CatalogCtx,
    tenant: TenantId,
    id: Uuid,
) -> CatalogResult<PriceListRecord> {
    let conn = ctx.db.conn();
    let list = store::price_list(conn, tenant, id)
        .await?
        .ok_or(CatalogError::NotFound("price list"))?;
    let entries = entries_of(store::entries(conn, tenant, id).await?)?;
    Ok(PriceListRecord { list, entries })
}

pub async fn create_price_list(
    ctx: &CatalogCtx,
    actor: &Principal,
    spec: PriceListSpec,
) -> CatalogResult<PriceListRecord> {
    let tenant = actor.tenant;
    let tx = ctx.begin_write(tenant).await?;
    check_entries(&*tx, tenant, &spec.entries).await?;
    check_group_free(&*tx, tenant, &spec.customer_group, None).await?;
    let now = clock::now();
    let list = store::insert_price_list(
        &*tx,
        price_list::Model {
            id: Uuid::now_v7(),
            tenant_id: tenant.as_uuid(),
            name: spec.name,
            customer_group: spec.customer_group.as_str().to_owned(),
            created_at: now,
            updated_at: now,
        },
    )
    .await
    .map_err(|e| group_taken(e, &spec.customer_group))?;
    store::replace_entries(
        &*tx,
        tenant,
        list.id,
        entry_rows(tenant, list.id, &spec.entries),
    )
    .await?;
    tx.commit().await?;
    Ok(PriceListRecord {
        list,
        entries: spec.entries,
    })
}

/// Renames a list, moves it to another group, and replaces its entries.
pub async fn update_price_list(
    ctx: &CatalogCtx,
    actor: &Principal,
    id: Uuid,
    spec: PriceListSpec,
) -> CatalogResult<PriceListRecord> {
    let tenant = actor.tenant;
    let tx = ctx.begin_write(tenant).await?;
    let mut list = store::price_list(&*tx, tenant, id)
        .await?
        .ok_or(CatalogError::NotFound("price list"))?;
    check_entries(&*tx, tenant, &spec.entries).await?;
    check_group_free(&*tx, tenant, &spec.customer_group, Some(id)).await?;
    list.name = spec.name;
    list.customer_group = spec.customer_group.as_str().to_owned();
    list.updated_at = clock::now();
    store::save_price_list(&*tx, tenant, &list)
        .await
        .map_err(|e| group_taken(e, &spec.customer_group))?;
    store::replace_entries(&*tx, tenant, id, entry_rows(tenant, id, &spec.entries)).await?;
    tx.commit().await?;
    Ok(PriceListRecord {
        list,
        entries: spec.entries,
    })
}

pub async fn delete_price_list(ctx: &CatalogCtx, actor: &Principal, id: Uuid) -> CatalogResult<()> {
    let tx = ctx.begin_write(actor.tenant).await?;
    if !store::delete_price_list(&*tx, actor.tenant, id).await? {
        return Err(CatalogError::NotFound("price list"));
    }
    tx.commit().await?;
    Ok(())
}

fn rules_of(row: Option<&pricing_settings::Model>) -> Result<PricingRules, DbErr> {
    let Some(row) = row else {
        return Ok(PricingRules::default());
    };
    let rounding = match (
        row.rounding_currency.as_deref(),
        row.rounding_step,
        row.rounding_ending,
        row.rounding_mode.as_deref(),
    ) {
        (Some(currency), Some(step), Some(ending), Some(mode)) => Some(
            Rounding::new(
                Currency::parse(currency).map_err(|_| corrupt("currency"))?,
                step,
                ending,
                RoundingMode::parse(mode).map_err(|_| corrupt("mode"))?,
            )
            .map_err(|_| corrupt("rounding"))?,
        ),
        _ => None,
    };
    let floor = match (row.floor.as_str(), row.floor_margin_bps) {
        ("cost", _) => Floor::AtCost,
        ("min_margin", Some(bps)) => {
            Floor::MinMargin(BasisPoints::margin(bps.into()).map_err(|_| corrupt("floor margin"))?)
        }
        _ => Floor::None,
    };
    Ok(PricingRules { rounding, floor })
}

pub async fn settings(ctx: &CatalogCtx, tenant: TenantId) -> CatalogResult<PricingSettings> {
    let row = store::settings(ctx.db.conn(), tenant).await?;
    Ok(PricingSettings {
        rules: rules_of(row.as_ref())?,
        updated_at: row.map(|r| r.updated_at),
    })
}

pub async fn set_settings(
    ctx: &CatalogCtx,
    actor: &Principal,
    rules: PricingRules,
) -> CatalogResult<PricingSettings> {
    let tx = ctx.begin_write(actor.tenant).await?;
    let (floor, floor_margin_bps) = match rules.floor {
        Floor::None => ("none", None),
        Floor::AtCost => ("cost", None),
        Floor::MinMargin(margin) => ("min_margin", Some(margin.get() as i32)),
    };
    let now = clock::now();
    store::save_settings(
        &*tx,
        pricing_settings::Model {
            tenant_id: actor.tenant.as_uuid(),
            rounding_currency: rules.rounding.map(|r| r.currency().code().to_owned()),
            rounding_step: rules.rounding.map(|r| r.step()),
            rounding_ending: rules.rounding.map(|r| r.ending()),
            rounding_mode: rules.rounding.map(|r| r.mode().as_str().to_owned()),
            floor: floor.to_owned(),
            floor_margin_bps,
            updated_at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(PricingSettings {
        rules,
        updated_at: Some(now),
    })
}

/// A quote request checked field by field: the one validation behind the HTTP endpoint and
/// the [`Pricing`] contract.
pub fn parse_quote_request(
    request: &PriceQuoteRequest,
) -> Result<(VariantId, QuoteRequest), FieldErrors> {
    let mut errors = FieldErrors::new();
    let channel = errors.check("channel", Channel::parse(&request.channel));
    let customer_group = match request.customer_group.as_deref() {
        None => Some(None),
        Some(text) => errors
            .check("customer_group", CustomerGroup::parse(text))
            .map(Some),
    };
    let quantity = errors.check("quantity", Quantity::new(request.quantity));
    match (channel, customer_group, quantity) {
        (Some(channel), Some(customer_group), Some(quantity)) if errors.is_empty() => Ok((
            request.variant_id.into(),
            QuoteRequest {
                channel,
                customer_group,
                quantity,
                at: request.at.unwrap_or_else(clock::now),
            },
        )),
        _ => Err(errors),
    }
}

/// Prices one line with every source the store has set, explaining each step.
pub async fn quote(
    ctx: &CatalogCtx,
    tenant: TenantId,
    request: &PriceQuoteRequest,
) -> CatalogResult<PriceQuote> {
    let (variant_id, line) = parse_quote_request(request)?;
    let conn = ctx.db.conn();
    let variant = variant_store::find(conn, tenant, variant_id.as_uuid())
        .await?
        .ok_or_else(unknown_variant)?;
    let row = store::variant_pricing(conn, tenant, variant.id).await?;
    let entry = group_entry(conn, tenant, line.customer_group.as_ref(), variant.id).await?;
    let rules = rules_of(store::settings(conn, tenant).await?.as_ref())?;
    let product_name = crate::store::product::Entity::find_by_id(variant.product_id)
        .one(conn)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    priced(
        &variant,
        row.as_ref(),
        entry.as_ref(),
        &rules,
        line,
        product_name,
    )
}

/// Prices several lines at once: the variants, their pricing rows, their products and the
/// store's rules are each read once for all the lines (four queries for a cart of any size,
/// plus two per line only for a customer group's price list). One result per request, in order.
pub async fn quote_many(
    ctx: &CatalogCtx,
    tenant: TenantId,
    requests: &[PriceQuoteRequest],
) -> CatalogResult<Vec<CatalogResult<PriceQuote>>> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let conn = ctx.db.conn();
    let parsed: Vec<_> = requests.iter().map(parse_quote_request).collect();
    let ids: Vec<Uuid> = parsed
        .iter()
        .filter_map(|p| p.as_ref().ok().map(|(id, _)| id.as_uuid()))
        .collect();
    let variants: std::collections::HashMap<Uuid, variant::Model> = variant::Entity::find()
        .filter(variant::Column::TenantId.eq(tenant.as_uuid()))
        .filter(variant::Column::Id.is_in(ids.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    let rows: std::collections::HashMap<Uuid, variant_pricing::Model> =
        variant_pricing::Entity::find()
            .filter(variant_pricing::Column::TenantId.eq(tenant.as_uuid()))
            .filter(variant_pricing::Column::VariantId.is_in(ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|r| (r.variant_id, r))
            .collect();
    let product_ids: Vec<Uuid> = variants.values().map(|v| v.product_id).collect();
    let names: std::collections::HashMap<Uuid, String> = crate::store::product::Entity::find()
        .filter(crate::store::product::Column::TenantId.eq(tenant.as_uuid()))
        .filter(crate::store::product::Column::Id.is_in(product_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let rules = rules_of(store::settings(conn, tenant).await?.as_ref())?;
    let mut quotes = Vec::with_capacity(parsed.len());
    for parsed in parsed {
        let (variant_id, line) = match parsed {
            Ok(parsed) => parsed,
            Err(errors) => {
                quotes.push(Err(errors.into()));
                continue;
            }
        };
        let Some(variant) = variants.get(&variant_id.as_uuid()) else {
            quotes.push(Err(unknown_variant().into()));
            continue;
        };
        let entry = group_entry(conn, tenant, line.customer_group.as_ref(), variant.id).await?;
        let name = names.get(&variant.product_id).cloned().unwrap_or_default();
        quotes.push(priced(
            variant,
            rows.get(&variant.id),
            entry.as_ref(),
            &rules,
            line,
            name,
        ));
    }
    Ok(quotes)
}

fn unknown_variant() -> FieldErrors {
    FieldErrors::single(
        "variant_id",
        "unknown_variant",
        "No such variant in this store.",
    )
}

/// One line's quote from what was read for it.
fn priced(
    variant: &variant::Model,
    row: Option<&variant_pricing::Model>,
    entry: Option<&PriceListEntry>,
    rules: &PricingRules,
    line: QuoteRequest,
    product_name: String,
) -> CatalogResult<PriceQuote> {
    let sources = variant_pricing_of(variant, row)?;
    let quote = pricing::quote(&sources, entry, rules, &line).map_err(|_| {
        FieldErrors::single(
            "quantity",
            "too_large",
            "The line price is too large; quote fewer units.",
        )
    })?;
    let options: Vec<String> =
        serde_json::from_value(variant.option_values.clone()).unwrap_or_default();
    let name = if options.is_empty() {
        product_name
    } else {
        format!("{product_name} - {}", options.join(" / "))
    };
    Ok(PriceQuote {
        variant_id: variant.id,
        sku: variant.sku.clone(),
        name,
        status: variant.status.clone(),
        weight_grams: i64::from(variant.weight_grams),
        channel: line.channel.as_str().to_owned(),
        customer_group: line.customer_group.map(|g| g.as_str().to_owned()),
        quantity: i64::from(line.quantity.get()),
        at: line.at,
        unit_price: quote.unit_price,
        line_price: quote.line_price,
        currency: quote.unit_price.currency,
        steps: quote
            .steps
            .into_iter()
            .map(|s| PriceStep {
                source: s.source.as_str().to_owned(),
                description: s.description,
                unit_price_before: s.unit_price_before,
                unit_price_after: s.unit_price_after,
            })
            .collect(),
    })
}

/// The catalogue's pricing, as the orders domain calls it.
#[derive(Clone)]
pub struct CatalogPricing(pub CatalogCtx);

#[async_trait::async_trait]
impl Pricing for CatalogPricing {
    async fn quote(
        &self,
        tenant: TenantId,
        request: PriceQuoteRequest,
    ) -> Result<PriceQuote, ContractError> {
        quote(&self.0, tenant, &request)
            .await
            .map_err(|error| contract_error(error, request.variant_id))
    }

    async fn quote_many(
        &self,
        tenant: TenantId,
        requests: Vec<PriceQuoteRequest>,
    ) -> Vec<Result<PriceQuote, ContractError>> {
        match quote_many(&self.0, tenant, &requests).await {
            Ok(quotes) => quotes
                .into_iter()
                .zip(&requests)
                .map(|(quote, request)| {
                    quote.map_err(|error| contract_error(error, request.variant_id))
                })
                .collect(),
            Err(error) => requests
                .iter()
                .map(|_| Err(ContractError::Unavailable(error.to_string())))
                .collect(),
        }
    }
}

/// A catalogue error as the pricing contract names it.
fn contract_error(error: CatalogError, variant_id: Uuid) -> ContractError {
    match error {
        CatalogError::Invalid(errors) if errors.0.iter().any(|e| e.code == "unknown_variant") => {
            ContractError::UnknownVariant { variant_id }
        }
        CatalogError::Invalid(errors) => ContractError::Invalid(
            errors
                .0
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        other => ContractError::Unavailable(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_request_is_checked_field_by_field() {
        let bad = PriceQuoteRequest {
            variant_id: Uuid::now_v7(),
            channel: "bukalapak".into(),
            customer_group: Some("re seller".into()),
            quantity: 0,
            at: None,
        };
        let fields: Vec<String> = parse_quote_request(&bad)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["channel", "customer_group", "quantity"]);
    }
}
