//! The pricing engine: what one variant costs on one channel, for one customer group, at one
//! quantity, at one moment, and why. Pure: the caller loads every source, this decides.
//!
//! The sources apply in this order, each one starting from the unit price the previous one left:
//!
//! 1. `base`: the variant's list price.
//! 2. `cost_plus`: when the variant has a cost and a cost-plus margin, cost + margin replaces it.
//! 3. `channel`: the variant's price on this channel (Shopee, Tokopedia, ...) replaces it.
//! 4. `price_list`: the customer group's price list: a fixed price replaces it, a percent comes off.
//! 5. `quantity_tier`: the highest tier the quantity reaches; a discount, it never raises the price.
//! 6. `promotion`: of the promotions running at that moment (start inclusive, end exclusive) on
//!    this channel, the one that gives the lowest price; it never raises the price either.
//! 7. `rounding`: to the store's price ending (e.g. ...900 rupiah), up, down or to the nearest.
//! 8. `floor`: never below cost, or cost + a minimum margin; lifted to the floor, then rounded up
//!    to the next price ending so the ending survives and the floor still holds.
//!
//! The line price is the unit price times the quantity, exactly. Amounts are integer minor units;
//! every sum and product is checked; percents are basis points (1% = 100).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use smartseller_kernel::money::{Currency, Money, MoneyError};

use super::{Price, TextError};

/// Where an order comes from; a variant may have its own price on each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    OwnStore,
    Shopee,
    Tokopedia,
    Lazada,
    Tiktok,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::OwnStore,
        Channel::Shopee,
        Channel::Tokopedia,
        Channel::Lazada,
        Channel::Tiktok,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::OwnStore => "own_store",
            Channel::Shopee => "shopee",
            Channel::Tokopedia => "tokopedia",
            Channel::Lazada => "lazada",
            Channel::Tiktok => "tiktok",
        }
    }

    pub fn parse(text: &str) -> Result<Channel, TextError> {
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == text)
            .ok_or_else(|| {
                TextError::new(
                    "unknown_channel",
                    "Use own_store, shopee, tokopedia, lazada or tiktok.",
                )
            })
    }
}

/// A group of customers with its own prices, e.g. `reseller`, `grosir`, `member_gold`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CustomerGroup(String);

impl CustomerGroup {
    pub fn parse(text: &str) -> Result<Self, TextError> {
        let text = text.trim().to_ascii_lowercase();
        if text.is_empty() || text.len() > 50 {
            return Err(TextError::new(
                "invalid_customer_group",
                "A customer group is 1 to 50 characters.",
            ));
        }
        if !text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(TextError::new(
                "invalid_customer_group",
                "A customer group uses letters, digits, `_` and `-` only.",
            ));
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A percentage in basis points: 1% is 100, 100% is 10 000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct BasisPoints(u32);

impl BasisPoints {
    /// A discount: from 0 to 100%.
    pub fn discount(bps: i64) -> Result<Self, TextError> {
        match u32::try_from(bps) {
            Ok(bps) if bps <= 10_000 => Ok(Self(bps)),
            _ => Err(TextError::new(
                "out_of_range",
                "A percent off is from 0 to 10000 basis points (100%).",
            )),
        }
    }

    /// A margin on cost: from 0 to 1000%.
    pub fn margin(bps: i64) -> Result<Self, TextError> {
        match u32::try_from(bps) {
            Ok(bps) if bps <= 100_000 => Ok(Self(bps)),
            _ => Err(TextError::new(
                "out_of_range",
                "A margin is from 0 to 100000 basis points (1000%).",
            )),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }

    fn percent(self) -> String {
        let (whole, part) = (self.0 / 100, self.0 % 100);
        if part == 0 {
            format!("{whole}%")
        } else {
            format!("{whole}.{part:02}%")
        }
    }
}

/// How a price list entry, a tier or a promotion changes the unit price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adjustment {
    /// This unit price, in the variant's currency.
    Fixed(Price),
    PercentOff(BasisPoints),
}

impl Adjustment {
    fn apply(self, price: Money) -> Result<Money, PricingError> {
        match self {
            Adjustment::Fixed(fixed) => Ok(Money::new(fixed.money().minor, price.currency)),
            Adjustment::PercentOff(off) => scale(price, 10_000 - i64::from(off.get()), false),
        }
    }

    fn describe(self, currency: Currency) -> String {
        match self {
            Adjustment::Fixed(fixed) => {
                format!("fixed price {}", show(fixed.money().minor, currency))
            }
            Adjustment::PercentOff(off) => format!("{} off", off.percent()),
        }
    }
}

/// Bulk pricing: from `min_quantity` units on, this adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuantityTier {
    pub min_quantity: u32,
    pub adjustment: Adjustment,
}

/// A scheduled promotional price: only from `starts_at` (inclusive) to `ends_at` (exclusive),
/// only on `channels` (every channel when empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub channels: Vec<Channel>,
    pub adjustment: Adjustment,
}

impl Promotion {
    pub fn runs_at(&self, channel: Channel, at: DateTime<Utc>) -> bool {
        self.starts_at <= at
            && at < self.ends_at
            && (self.channels.is_empty() || self.channels.contains(&channel))
    }
}

/// Which way a price goes to its ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundingMode {
    Up,
    Down,
    Nearest,
}

impl RoundingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RoundingMode::Up => "up",
            RoundingMode::Down => "down",
            RoundingMode::Nearest => "nearest",
        }
    }

    pub fn parse(text: &str) -> Result<Self, TextError> {
        match text {
            "up" => Ok(RoundingMode::Up),
            "down" => Ok(RoundingMode::Down),
            "nearest" => Ok(RoundingMode::Nearest),
            _ => Err(TextError::new("unknown_mode", "Use up, down or nearest.")),
        }
    }
}

/// Prices end the way shoppers expect: with `step` 100 000 and `ending` 90 000 (IDR minor units),
/// every price is some thousand rupiah plus 900: Rp 151.900, Rp 152.900, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rounding {
    currency: Currency,
    step: i64,
    ending: i64,
    mode: RoundingMode,
}

impl Rounding {
    /// `step` from 1 minor unit to [`Price::MAX_MINOR`], `ending` below `step`.
    pub fn new(
        currency: Currency,
        step: i64,
        ending: i64,
        mode: RoundingMode,
    ) -> Result<Self, (&'static str, TextError)> {
        if !(1..=Price::MAX_MINOR).contains(&step) {
            return Err((
                "step",
                TextError::new(
                    "out_of_range",
                    "A rounding step is from 1 minor unit to Rp 10 billion.",
                ),
            ));
        }
        if !(0..step).contains(&ending) {
            return Err((
                "ending",
                TextError::new("out_of_range", "An ending is from 0 to below the step."),
            ));
        }
        Ok(Self {
            currency,
            step,
            ending,
            mode,
        })
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }
    pub fn step(&self) -> i64 {
        self.step
    }
    pub fn ending(&self) -> i64 {
        self.ending
    }
    pub fn mode(&self) -> RoundingMode {
        self.mode
    }

    /// The smallest price with this ending at or above `minor`.
    fn up(&self, minor: i64) -> Result<i64, PricingError> {
        let k = (minor - self.ending).div_euclid(self.step);
        let candidate = k
            .checked_mul(self.step)
            .and_then(|v| v.checked_add(self.ending))
            .ok_or(PricingError::Overflow)?;
        if candidate >= minor {
            Ok(candidate)
        } else {
            candidate
                .checked_add(self.step)
                .ok_or(PricingError::Overflow)
        }
    }

    /// `minor` at its ending, per the mode. Rounding down below the first ending (a price smaller
    /// than `ending`) goes up instead: a price is never rounded to below zero.
    fn apply(&self, minor: i64) -> Result<i64, PricingError> {
        let up = self.up(minor)?;
        let down = up - self.step;
        Ok(match self.mode {
            _ if up == minor => up,
            RoundingMode::Up => up,
            RoundingMode::Down if down >= 0 => down,
            RoundingMode::Nearest if down >= 0 && minor - down < up - minor => down,
            _ => up,
        })
    }
}

/// The lowest a price may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Floor {
    /// No floor beyond zero.
    #[default]
    None,
    /// Never below the variant's cost.
    AtCost,
    /// Never below cost plus this margin.
    MinMargin(BasisPoints),
}

impl Floor {
    fn limit(self, cost: Money) -> Result<Option<Money>, PricingError> {
        match self {
            Floor::None => Ok(None),
            Floor::AtCost => Ok(Some(cost)),
            Floor::MinMargin(margin) => {
                scale(cost, 10_000 + i64::from(margin.get()), true).map(Some)
            }
        }
    }
}

/// A store's rules that apply to every variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PricingRules {
    pub rounding: Option<Rounding>,
    pub floor: Floor,
}

/// Everything one variant's price is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantPricing {
    /// The variant's list price; its currency is the quote's.
    pub base: Money,
    /// What one unit costs the seller, in the base's currency.
    pub cost: Option<Price>,
    /// Price at cost plus this margin instead of the list price (needs a cost).
    pub cost_plus: Option<BasisPoints>,
    pub channel_prices: BTreeMap<Channel, Price>,
    pub tiers: Vec<QuantityTier>,
    pub promotions: Vec<Promotion>,
}

impl VariantPricing {
    pub fn list_price(base: Money) -> Self {
        Self {
            base,
            cost: None,
            cost_plus: None,
            channel_prices: BTreeMap::new(),
            tiers: Vec::new(),
            promotions: Vec::new(),
        }
    }
}

/// How many units: from 1 to [`Quantity::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quantity(u32);

impl Quantity {
    pub const MAX: u32 = 1_000_000;

    pub fn new(units: i64) -> Result<Self, TextError> {
        match u32::try_from(units) {
            Ok(units) if (1..=Self::MAX).contains(&units) => Ok(Self(units)),
            _ => Err(TextError::new(
                "out_of_range",
                format!("Give a quantity from 1 to {}.", Self::MAX),
            )),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// What is being priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteRequest {
    pub channel: Channel,
    pub customer_group: Option<CustomerGroup>,
    pub quantity: Quantity,
    pub at: DateTime<Utc>,
}

/// Which source a step came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Base,
    CostPlus,
    Channel,
    PriceList,
    QuantityTier,
    Promotion,
    Rounding,
    Floor,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Base => "base",
            Source::CostPlus => "cost_plus",
            Source::Channel => "channel",
            Source::PriceList => "price_list",
            Source::QuantityTier => "quantity_tier",
            Source::Promotion => "promotion",
            Source::Rounding => "rounding",
            Source::Floor => "floor",
        }
    }
}

/// One thing that changed (or set) the unit price: the "why this price".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub source: Source,
    pub description: String,
    pub unit_price_before: Money,
    pub unit_price_after: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub unit_price: Money,
    pub line_price: Money,
    pub steps: Vec<Step>,
}

/// The customer group's entry for this variant, found by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceListEntry {
    pub list_name: String,
    pub adjustment: Adjustment,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    #[error("the price overflows")]
    Overflow,
}

impl From<MoneyError> for PricingError {
    fn from(_: MoneyError) -> Self {
        PricingError::Overflow
    }
}

/// Rp 152.900 for IDR, USD 12.50 for the others: how steps describe amounts.
pub fn show(minor: i64, currency: Currency) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let (whole, cents) = (abs / 100, abs % 100);
    match currency {
        Currency::Idr => {
            let digits = whole.to_string();
            let mut grouped = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    grouped.push('.');
                }
                grouped.push(c);
            }
            if cents == 0 {
                format!("{sign}Rp {grouped}")
            } else {
                format!("{sign}Rp {grouped},{cents:02}")
            }
        }
        other => format!("{sign}{} {whole}.{cents:02}", other.code()),
    }
}

/// `price × factor / 10 000`, to the nearest minor unit (halves up), or up when `ceil`.
fn scale(price: Money, factor: i64, ceil: bool) -> Result<Money, PricingError> {
    let product = i128::from(price.minor) * i128::from(factor);
    let scaled = if ceil {
        (product + 9_999).div_euclid(10_000)
    } else {
        (product + 5_000).div_euclid(10_000)
    };
    let minor = i64::try_from(scaled).map_err(|_| PricingError::Overflow)?;
    Ok(Money::new(minor, price.currency))
}

/// Records the steps as they happen.
struct Trail {
    price: Money,
    steps: Vec<Step>,
}

impl Trail {
    fn set(&mut self, source: Source, description: String, after: Money) {
        self.steps.push(Step {
            source,
            description,
            unit_price_before: self.price,
            unit_price_after: after,
        });
        self.price = after;
    }
}

/// Prices one line. See the module documentation for the order of the sources.
pub fn quote(
    variant: &VariantPricing,
    price_list: Option<&PriceListEntry>,
    rules: &PricingRules,
    request: &QuoteRequest,
) -> Result<Quote, PricingError> {
    let currency = variant.base.currency;
    let cost = variant.cost.map(|c| Money::new(c.money().minor, currency));
    let mut trail = Trail {
        price: variant.base,
        steps: Vec::new(),
    };
    trail.steps.push(Step {
        source: Source::Base,
        description: format!("list price {}", show(variant.base.minor, currency)),
        unit_price_before: variant.base,
        unit_price_after: variant.base,
    });

    if let (Some(cost), Some(margin)) = (cost, variant.cost_plus) {
        let after = scale(cost, 10_000 + i64::from(margin.get()), false)?;
        trail.set(
            Source::CostPlus,
            format!(
                "cost {} plus {} margin",
                show(cost.minor, currency),
                margin.percent()
            ),
            after,
        );
    }

    if let Some(channel_price) = variant.channel_prices.get(&request.channel) {
        trail.set(
            Source::Channel,
            format!("{} price", request.channel.as_str()),
            Money::new(channel_price.money().minor, currency),
        );
    }

    if let Some(entry) = price_list {
        let after = entry.adjustment.apply(trail.price)?;
        trail.set(
            Source::PriceList,
            format!(
                "price list \"{}\": {}",
                entry.list_name,
                entry.adjustment.describe(currency)
            ),
            after,
        );
    }

    let quantity = request.quantity.get();
    if let Some(tier) = variant
        .tiers
        .iter()
        .filter(|t| t.min_quantity <= quantity)
        .max_by_key(|t| t.min_quantity)
    {
        let after = tier.adjustment.apply(trail.price)?;
        if after.minor < trail.price.minor {
            trail.set(
                Source::QuantityTier,
                format!(
                    "from {} units: {}",
                    tier.min_quantity,
                    tier.adjustment.describe(currency)
                ),
                after,
            );
        }
    }

    let mut best: Option<(&Promotion, Money)> = None;
    for promotion in variant
        .promotions
        .iter()
        .filter(|p| p.runs_at(request.channel, request.at))
    {
        let after = promotion.adjustment.apply(trail.price)?;
        if after.minor < best.map_or(trail.price.minor, |(_, b)| b.minor) {
            best = Some((promotion, after));
        }
    }
    if let Some((promotion, after)) = best {
        trail.set(
            Source::Promotion,
            format!(
                "promotion \"{}\" until {}: {}",
                promotion.name,
                promotion.ends_at.to_rfc3339(),
                promotion.adjustment.describe(currency)
            ),
            after,
        );
    }

    let rounding = rules.rounding.filter(|r| r.currency == currency);
    if let Some(rounding) = rounding {
        let after = rounding.apply(trail.price.minor)?;
        if after != trail.price.minor {
            trail.set(
                Source::Rounding,
                format!(
                    "rounded {} to end in {}",
                    rounding.mode.as_str(),
                    show(rounding.ending, currency)
                ),
                Money::new(after, currency),
            );
        }
    }

    if let Some(cost) = cost
        && let Some(floor) = rules.floor.limit(cost)?
        && trail.price.minor < floor.minor
    {
        let (after, how) = match rounding {
            Some(rounding) => (
                rounding.up(floor.minor)?,
                ", rounded up to the price ending",
            ),
            None => (floor.minor, ""),
        };
        let what = match rules.floor {
            Floor::MinMargin(margin) => format!("cost plus {} minimum margin", margin.percent()),
            _ => "cost".to_owned(),
        };
        trail.set(
            Source::Floor,
            format!("floor at {what} ({}){how}", show(floor.minor, currency)),
            Money::new(after, currency),
        );
    }

    let unit_price = trail.price;
    let line_price = unit_price.checked_mul(i64::from(quantity))?;
    Ok(Quote {
        unit_price,
        line_price,
        steps: trail.steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn idr(minor: i64) -> Money {
        Money::new(minor, Currency::Idr)
    }

    fn price(minor: i64) -> Price {
        Price::new(minor, Currency::Idr).unwrap()
    }

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 12, 0, 0).unwrap()
    }

    fn request(quantity: i64) -> QuoteRequest {
        QuoteRequest {
            channel: Channel::Shopee,
            customer_group: None,
            quantity: Quantity::new(quantity).unwrap(),
            at: at(11),
        }
    }

    fn rupiah_900(mode: RoundingMode) -> Rounding {
        Rounding::new(Currency::Idr, 100_000, 90_000, mode).unwrap()
    }

    fn sources(quote: &Quote) -> Vec<&'static str> {
        quote.steps.iter().map(|s| s.source.as_str()).collect()
    }

    #[test]
    fn every_source_applies_in_order_and_explains_itself() {
        let mut variant = VariantPricing::list_price(idr(20_000_000));
        variant.cost = Some(price(10_000_000));
        variant.cost_plus = Some(BasisPoints::margin(8_000).unwrap());
        variant
            .channel_prices
            .insert(Channel::Shopee, price(19_000_000));
        variant.tiers.push(QuantityTier {
            min_quantity: 10,
            adjustment: Adjustment::PercentOff(BasisPoints::discount(1_000).unwrap()),
        });
        variant.promotions.push(Promotion {
            name: "11.11".into(),
            starts_at: at(11),
            ends_at: at(12),
            channels: vec![Channel::Shopee],
            adjustment: Adjustment::PercentOff(BasisPoints::discount(600).unwrap()),
        });
        let list = PriceListEntry {
            list_name: "Reseller".into(),
            adjustment: Adjustment::Fixed(price(18_000_000)),
        };
        let rules = PricingRules {
            rounding: Some(rupiah_900(RoundingMode::Down)),
            floor: Floor::MinMargin(BasisPoints::margin(5_000).unwrap()),
        };
        let quote = quote(&variant, Some(&list), &rules, &request(12)).unwrap();
        assert_eq!(
            sources(&quote),
            [
                "base",
                "cost_plus",
                "channel",
                "price_list",
                "quantity_tier",
                "promotion",
                "rounding"
            ]
        );
        // Rp 180.000 - 10% = Rp 162.000; - 6% = Rp 152.280; down to the ending: Rp 151.900,
        // above the floor of Rp 150.000 (cost + 50%).
        assert_eq!(quote.steps[4].unit_price_after, idr(16_200_000));
        assert_eq!(quote.steps[5].unit_price_after, idr(15_228_000));
        assert_eq!(quote.unit_price, idr(15_190_000));
        assert_eq!(quote.line_price, idr(15_190_000 * 12));
    }

    #[test]
    fn the_floor_lifts_a_price_and_keeps_its_ending() {
        let mut variant = VariantPricing::list_price(idr(10_000_000));
        variant.cost = Some(price(9_500_000));
        let rules = PricingRules {
            rounding: Some(rupiah_900(RoundingMode::Down)),
            floor: Floor::MinMargin(BasisPoints::margin(1_000).unwrap()),
        };
        let quote = quote(&variant, None, &rules, &request(1)).unwrap();
        // Rounded down to Rp 99.900, under the floor of Rp 95.000 + 10% = Rp 104.500, so lifted
        // to it and up to the next ending: Rp 104.900.
        assert_eq!(quote.steps[1].unit_price_after, idr(9_990_000));
        assert_eq!(quote.unit_price, idr(10_490_000));
        assert_eq!(sources(&quote), ["base", "rounding", "floor"]);
    }

    #[test]
    fn rounding_goes_to_the_ending_in_the_mode_asked() {
        assert_eq!(
            rupiah_900(RoundingMode::Up).apply(15_234_500),
            Ok(15_290_000)
        );
        assert_eq!(
            rupiah_900(RoundingMode::Down).apply(15_234_500),
            Ok(15_190_000)
        );
        assert_eq!(
            rupiah_900(RoundingMode::Nearest).apply(15_234_500),
            Ok(15_190_000)
        );
        assert_eq!(
            rupiah_900(RoundingMode::Nearest).apply(15_250_000),
            Ok(15_290_000)
        );
        assert_eq!(
            rupiah_900(RoundingMode::Down).apply(15_290_000),
            Ok(15_290_000)
        );
        // Below the first ending there is nothing to round down to.
        assert_eq!(rupiah_900(RoundingMode::Down).apply(50_000), Ok(90_000));
    }

    #[test]
    fn percents_and_names_read_like_a_seller_writes_them() {
        assert_eq!(BasisPoints::discount(1_250).unwrap().percent(), "12.50%");
        assert_eq!(show(15_290_000, Currency::Idr), "Rp 152.900");
        assert_eq!(show(1_250, Currency::Usd), "USD 12.50");
        assert!(Channel::parse("bukalapak").is_err());
        assert_eq!(
            CustomerGroup::parse(" Reseller ").unwrap().as_str(),
            "reseller"
        );
        assert!(CustomerGroup::parse("re seller").is_err());
        assert!(Quantity::new(0).is_err());
        assert!(BasisPoints::discount(10_001).is_err());
    }

    fn adjustment() -> impl Strategy<Value = Adjustment> {
        prop_oneof![
            (0i64..100_000_000).prop_map(|m| Adjustment::Fixed(price(m))),
            (0i64..=10_000).prop_map(|b| Adjustment::PercentOff(BasisPoints::discount(b).unwrap())),
        ]
    }

    fn rounding() -> impl Strategy<Value = Option<Rounding>> {
        prop_oneof![
            Just(None),
            (1i64..1_000_000, 0i64..1_000_000, 0usize..3).prop_map(|(step, ending, mode)| {
                let mode = [RoundingMode::Up, RoundingMode::Down, RoundingMode::Nearest][mode];
                Some(Rounding::new(Currency::Idr, step, ending % step, mode).unwrap())
            }),
        ]
    }

    fn floor() -> impl Strategy<Value = Floor> {
        prop_oneof![
            Just(Floor::None),
            Just(Floor::AtCost),
            (0i64..=100_000).prop_map(|b| Floor::MinMargin(BasisPoints::margin(b).unwrap())),
        ]
    }

    prop_compose! {
        fn variant()(
            base in 0i64..100_000_000,
            cost in proptest::option::of(0i64..100_000_000),
            cost_plus in proptest::option::of(0i64..100_000),
            channel in proptest::option::of(0i64..100_000_000),
            tiers in proptest::collection::vec((1u32..100, adjustment()), 0..4),
            promotion in proptest::option::of((1u32..28, 1u32..5, adjustment())),
        ) -> VariantPricing {
            let mut variant = VariantPricing::list_price(idr(base));
            variant.cost = cost.map(price);
            variant.cost_plus = cost_plus.map(|b| BasisPoints::margin(b).unwrap());
            if let Some(channel) = channel {
                variant.channel_prices.insert(Channel::Shopee, price(channel));
            }
            variant.tiers = tiers
                .into_iter()
                .map(|(min_quantity, adjustment)| QuantityTier { min_quantity, adjustment })
                .collect();
            if let Some((start, days, adjustment)) = promotion {
                variant.promotions.push(Promotion {
                    name: "Promo".into(),
                    starts_at: at(start),
                    ends_at: at(start) + chrono::Duration::days(i64::from(days)),
                    channels: Vec::new(),
                    adjustment,
                });
            }
            variant
        }
    }

    proptest! {
        #[test]
        fn the_floor_is_never_breached_even_after_rounding(
            variant in variant(),
            list in proptest::option::of(adjustment()),
            rounding in rounding(),
            floor in floor(),
            quantity in 1i64..200,
            day in 1u32..29,
        ) {
            let rules = PricingRules { rounding, floor };
            let list = list.map(|adjustment| PriceListEntry { list_name: "L".into(), adjustment });
            let mut req = request(quantity);
            req.at = at(day);
            let quote = quote(&variant, list.as_ref(), &rules, &req).unwrap();
            if let Some(cost) = variant.cost
                && let Some(limit) = floor.limit(idr(cost.money().minor)).unwrap()
            {
                prop_assert!(quote.unit_price.minor >= limit.minor, "{quote:?}");
            }
            prop_assert!(quote.unit_price.minor >= 0);
            // Whatever was lifted to the floor still carries the price ending.
            if let Some(rounding) = rounding {
                let last = quote.steps.last().unwrap();
                if matches!(last.source, Source::Rounding | Source::Floor) {
                    prop_assert_eq!(
                        (quote.unit_price.minor - rounding.ending()).rem_euclid(rounding.step()),
                        0
                    );
                }
            }
            // Each step starts where the previous one ended.
            for pair in quote.steps.windows(2) {
                prop_assert_eq!(pair[0].unit_price_after, pair[1].unit_price_before);
            }
            prop_assert_eq!(quote.steps.last().unwrap().unit_price_after, quote.unit_price);
        }

        #[test]
        fn the_line_is_the_unit_price_times_the_quantity_exactly(
            variant in variant(),
            rounding in rounding(),
            quantity in 1i64..=1_000_000,
        ) {
            let rules = PricingRules { rounding, floor: Floor::AtCost };
            let quote = quote(&variant, None, &rules, &request(quantity)).unwrap();
            prop_assert_eq!(quote.line_price.minor, quote.unit_price.minor * quantity);
            prop_assert_eq!(quote.line_price.currency, quote.unit_price.currency);
        }

        #[test]
        fn more_units_never_cost_more_each_when_tiers_are_monotone(
            variant in variant(),
            rounding in rounding(),
            floor in floor(),
            steps in proptest::collection::vec((1u32..50, 0i64..2_000), 1..5),
            fixed in any::<bool>(),
            quantities in (1i64..300, 1i64..300),
        ) {
            // Tiers from ever larger quantities give ever lower prices (or ever bigger discounts).
            let mut variant = variant;
            let mut min_quantity = 1;
            let mut fixed_price = 100_000_000i64;
            let mut off = 0i64;
            variant.tiers = steps
                .into_iter()
                .map(|(gap, cut)| {
                    min_quantity += gap;
                    fixed_price -= cut * 1_000;
                    off = (off + cut).min(10_000);
                    QuantityTier {
                        min_quantity,
                        adjustment: if fixed {
                            Adjustment::Fixed(price(fixed_price))
                        } else {
                            Adjustment::PercentOff(BasisPoints::discount(off).unwrap())
                        },
                    }
                })
                .collect();
            let rules = PricingRules { rounding, floor };
            let (fewer, more) = (quantities.0.min(quantities.1), quantities.0.max(quantities.1));
            let few = quote(&variant, None, &rules, &request(fewer)).unwrap();
            let many = quote(&variant, None, &rules, &request(more)).unwrap();
            prop_assert!(many.unit_price.minor <= few.unit_price.minor, "{few:?} {many:?}");
        }

        #[test]
        fn promotions_apply_only_inside_their_window(
            base in 1i64..100_000_000,
            start in 1u32..20,
            days in 1u32..5,
            day in 1u32..29,
            hour in 0u32..24,
        ) {
            let mut variant = VariantPricing::list_price(idr(base));
            let starts_at = at(start);
            let ends_at = starts_at + chrono::Duration::days(i64::from(days));
            variant.promotions.push(Promotion {
                name: "Harbolnas".into(),
                starts_at,
                ends_at,
                channels: Vec::new(),
                adjustment: Adjustment::Fixed(price(0)),
            });
            let mut req = request(1);
            req.at = Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap();
            let quote = quote(&variant, None, &PricingRules::default(), &req).unwrap();
            let inside = starts_at <= req.at && req.at < ends_at;
            prop_assert_eq!(quote.unit_price.minor == 0, inside);
            prop_assert_eq!(sources(&quote).contains(&"promotion"), inside);
        }
    }
}
