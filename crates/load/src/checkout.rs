//! The `checkout` and `checkout-full` workloads.
//!
//! Before anything is timed, the store is made ready to sell: a warehouse with a very large
//! stock of some active variants, the order settings pointing at it, bank transfer set up, and
//! one flat delivery rate. Then, before each run:
//!
//! - `checkout` fills enough carts (1 to 3 variants each) and asks each for its delivery rates,
//!   untimed; the timed request is the checkout of one such cart, with its own
//!   `Idempotency-Key` and a buyer nobody else uses;
//! - `checkout-full` only draws the carts' contents and buyers; the timed sample is the buyer's
//!   whole flow: start the cart, put the items in, ask for rates, check out.
//!
//! Every buyer and address is different, so the store's fraud rules (orders per buyer and per
//! address) run their queries as they would for real buyers and hold nothing.

use std::collections::VecDeque;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{Api, Pending, failure_label, settle, transport_label};

/// The warehouse the benchmark sells from, created when the store has none by that code.
const WAREHOUSE_CODE: &str = "BENCH-CHECKOUT";
/// The courier code of the benchmark's flat delivery rate.
const COURIER: &str = "kurir_bench";
/// Units of each chosen variant put in the warehouse per session: far more than any run sells,
/// so that `orders.out_of_stock` means a bug, not an empty shelf.
const STOCK_PER_VARIANT: i64 = 1_000_000;
/// Carts filled at once while preparing: enough to overlap round trips, few enough not to
/// starve the server's single writer on SQLite.
const PREPARE_IN_FLIGHT: usize = 8;
/// Delivery quotes live about 30 minutes; a cart prepared longer ago than this is dropped and
/// replaced rather than checked out with a rate that may have expired.
const CART_SHELF_LIFE: Duration = Duration::from_secs(20 * 60);
/// How many candidate variants to read before choosing, as a multiple of the number wanted, so
/// the choice spreads over many products.
const CANDIDATES_PER_VARIANT: usize = 4;

/// Which buyer flow is timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Only the checkout `POST`; carts and rates are made beforehand.
    Checkout,
    /// Cart, items, rates and checkout, as one sample.
    Full,
}

impl Flow {
    /// `checkout` or `checkout-full` (a `:weight` is accepted and means nothing alone); `None`
    /// for anything else, which is then a mix of reads.
    pub fn parse(mix: &str) -> Option<Flow> {
        let mix = mix.trim();
        let name = match mix.rsplit_once(':') {
            Some((name, weight)) if weight.chars().all(|c| c.is_ascii_digit()) => name,
            _ => mix,
        };
        match name.trim() {
            "checkout" => Some(Flow::Checkout),
            "checkout-full" => Some(Flow::Full),
            _ => None,
        }
    }
}

/// Where buyers live: city, province, postal code.
const DESTINATIONS: &[(&str, &str, &str)] = &[
    ("Jakarta Selatan", "DKI Jakarta", "12950"),
    ("Bandung", "Jawa Barat", "40115"),
    ("Surabaya", "Jawa Timur", "60271"),
    ("Medan", "Sumatera Utara", "20112"),
    ("Yogyakarta", "DI Yogyakarta", "55281"),
    ("Makassar", "Sulawesi Selatan", "90111"),
    ("Denpasar", "Bali", "80361"),
    ("Semarang", "Jawa Tengah", "50132"),
    ("Palembang", "Sumatera Selatan", "30126"),
    ("Balikpapan", "Kalimantan Timur", "76112"),
];

const NAMES: &[&str] = &[
    "Budi Santoso",
    "Siti Rahmawati",
    "Agus Wijaya",
    "Dewi Lestari",
    "Rizky Pratama",
    "Nur Aisyah",
    "Andi Saputra",
    "Putri Maharani",
    "Fajar Nugroho",
    "Intan Permatasari",
];

const STREETS: &[&str] = &[
    "Jl. Melati",
    "Jl. Kenanga",
    "Jl. Merdeka",
    "Jl. Sudirman",
    "Jl. Diponegoro",
    "Jl. Gajah Mada",
    "Jl. Pahlawan",
    "Jl. Cendana",
];

/// One buyer, different from every other of the session and of other sessions (`run`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buyer {
    name: String,
    email: String,
    phone: String,
    address: String,
    city: String,
    province: String,
    postal_code: String,
}

impl Buyer {
    pub fn new(run: u32, number: u64) -> Buyer {
        let pick = |list_len: usize| (number % list_len as u64) as usize;
        let (city, province, postal_code) = DESTINATIONS[pick(DESTINATIONS.len())];
        Buyer {
            name: NAMES[pick(NAMES.len())].to_owned(),
            email: format!("pembeli.{run:08x}.{number}@contoh.id"),
            // 08 + 5 digits of the run + 8 of the number: 15 digits, unique for 10^8 buyers.
            phone: format!("08{:05}{:08}", run % 100_000, number % 100_000_000),
            address: format!(
                "{} No. {}, Blok {run:08x}-{number}",
                STREETS[pick(STREETS.len())],
                number % 250 + 1
            ),
            city: city.to_owned(),
            province: province.to_owned(),
            postal_code: postal_code.to_owned(),
        }
    }

    fn customer(&self) -> Value {
        json!({ "name": self.name, "email": self.email, "phone": self.phone })
    }

    fn shipping_address(&self) -> Value {
        json!({
            "name": self.name,
            "phone": self.phone,
            "address": self.address,
            "city": self.city,
            "province": self.province,
            "postal_code": self.postal_code,
        })
    }
}

/// What one cart holds and who buys it.
#[derive(Debug, Clone)]
struct CartPlan {
    /// Variant ids, each once, with a quantity.
    items: Vec<(String, i64)>,
    buyer: Buyer,
}

/// 1 to 3 different variants, 1 or 2 of each.
fn draw_items(variants: &[String], rng: &mut StdRng) -> Vec<(String, i64)> {
    let wanted = rng.random_range(1..=3).min(variants.len());
    variants
        .choose_multiple(rng, wanted)
        .map(|id| (id.clone(), rng.random_range(1..=2)))
        .collect()
}

/// Carts to make for `requests` checkouts: a tenth more, so a run never runs out.
fn carts_needed(requests: u64) -> u64 {
    requests + requests.div_ceil(10)
}

/// The ids of the active variants of the active products on a product list page.
fn active_variants_of(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|product| product["status"] == "active")
        .flat_map(|product| product["variants"].as_array().into_iter().flatten())
        .filter(|variant| variant["status"] == "active")
        .filter_map(|variant| variant["id"].as_str().map(str::to_owned))
        .collect()
}

/// The first item of `items` whose `field` is `value`.
fn item_where<'a>(items: &'a Value, field: &str, value: &str) -> Option<&'a Value> {
    items
        .as_array()?
        .iter()
        .find(|item| item[field].as_str() == Some(value))
}

/// The `rate_id` of the benchmark's flat rate among a cart's delivery options.
fn bench_rate_id(rates: &Value) -> Option<String> {
    item_where(rates, "courier_code", COURIER)
        .and_then(|rate| rate["rate_id"].as_str())
        .map(str::to_owned)
}

/// The store's order settings as read, with checkout shipping from `warehouse_id`; every other
/// setting (tax, holds, fraud limits) is left as the store has it.
fn with_fulfilment_warehouse(mut settings: Value, warehouse_id: &str) -> anyhow::Result<Value> {
    let fields = settings
        .as_object_mut()
        .context("the order settings are not a JSON object")?;
    fields.insert("fulfilment_warehouse_id".to_owned(), json!(warehouse_id));
    Ok(settings)
}

fn checkout_body(buyer: &Buyer, rate_id: &str) -> Value {
    json!({
        "customer": buyer.customer(),
        "shipping_address": buyer.shipping_address(),
        "shipping_rate_id": rate_id,
        "payment_method": "bank_transfer",
    })
}

fn rates_body(buyer: &Buyer) -> Value {
    json!({
        "destination": buyer.shipping_address(),
        "couriers": [COURIER],
        "cash_on_delivery": false,
    })
}

/// A step of a buyer's flow that did not answer 2xx.
#[derive(Debug)]
struct StepFailure {
    step: &'static str,
    /// What it counts under in a run: `409/orders.out_of_stock`, `timeout`, ...
    label: String,
    /// The answer, for the message when preparing fails.
    body: String,
}

impl StepFailure {
    fn counted(&self) -> String {
        format!("{}:{}", self.step, self.label)
    }
}

async fn call(request: reqwest::RequestBuilder, step: &'static str) -> Result<Value, StepFailure> {
    let failed = |label: String, body: String| StepFailure { step, label, body };
    let response = request
        .send()
        .await
        .map_err(|e| failed(transport_label(&e), e.to_string()))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| failed(transport_label(&e), e.to_string()))?;
    if !status.is_success() {
        return Err(failed(
            failure_label(status.as_u16(), &body),
            String::from_utf8_lossy(&body).into_owned(),
        ));
    }
    serde_json::from_slice(&body).map_err(|_| {
        failed(
            format!("{}/not_json", status.as_u16()),
            String::from_utf8_lossy(&body).into_owned(),
        )
    })
}

/// Starts a cart, puts the plan's items in and asks for delivery: the cart's id and the
/// benchmark rate's id.
async fn fill_cart(api: &Api, plan: &CartPlan) -> Result<(String, String), StepFailure> {
    let cart = call(
        api.request(Method::POST, "/api/v1/carts").json(&json!({})),
        "cart",
    )
    .await?;
    let cart_id = cart["id"].as_str().map(str::to_owned).ok_or(StepFailure {
        step: "cart",
        label: "no_id".to_owned(),
        body: cart.to_string(),
    })?;
    for (variant_id, quantity) in &plan.items {
        call(
            api.request(
                Method::PUT,
                &format!("/api/v1/carts/{cart_id}/items/{variant_id}"),
            )
            .json(&json!({ "quantity": quantity })),
            "item",
        )
        .await?;
    }
    let rates = call(
        api.request(
            Method::POST,
            &format!("/api/v1/carts/{cart_id}/shipping-rates"),
        )
        .json(&rates_body(&plan.buyer)),
        "rates",
    )
    .await?;
    let rate_id = bench_rate_id(&rates).ok_or(StepFailure {
        step: "rates",
        label: "no_flat_rate".to_owned(),
        body: rates.to_string(),
    })?;
    Ok((cart_id, rate_id))
}

fn checkout_request(
    api: &Api,
    run: u32,
    cart_id: &str,
    rate_id: &str,
    buyer: &Buyer,
) -> reqwest::RequestBuilder {
    api.request(Method::POST, &format!("/api/v1/carts/{cart_id}/checkout"))
        .header("Idempotency-Key", format!("bench-{run:08x}-{cart_id}"))
        .json(&checkout_body(buyer, rate_id))
}

/// A cart ready to check out.
struct ReadyCart {
    id: String,
    rate_id: String,
    buyer: Buyer,
    prepared_at: Instant,
}

pub struct Checkout {
    api: Api,
    flow: Flow,
    variants: Vec<String>,
    /// Tells this session's buyers, keys and carts from those of earlier sessions on the same
    /// database.
    run: u32,
    buyers: u64,
    rng: StdRng,
    carts: VecDeque<ReadyCart>,
    plans: VecDeque<CartPlan>,
}

impl Checkout {
    /// Makes the store ready to sell (untimed).
    pub async fn open(
        api: Api,
        flow: Flow,
        variants: usize,
        seed: u64,
    ) -> anyhow::Result<Checkout> {
        if variants == 0 {
            bail!("--variants must be at least 1");
        }
        let run = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|since| since.subsec_nanos() ^ (since.as_secs() as u32))
            .unwrap_or_default();
        let mut rng = StdRng::seed_from_u64(seed);
        let started = Instant::now();
        let chosen = choose_variants(&api, variants, &mut rng).await?;
        let warehouse = ensure_warehouse(&api).await?;
        stock_up(&api, &warehouse, &chosen, run).await?;
        let settings = api
            .json(
                api.request(Method::GET, "/api/v1/orders/settings"),
                "reading the order settings",
            )
            .await?;
        api.json(
            api.request(Method::PUT, "/api/v1/orders/settings")
                .json(&with_fulfilment_warehouse(settings, &warehouse)?),
            "setting the fulfilment warehouse",
        )
        .await?;
        api.json(
            api.request(Method::PUT, "/api/v1/payments/gateways/bank_transfer")
                .json(&json!({
                    "enabled": true,
                    "config": {
                        "bank": "BCA",
                        "account_number": "1234567890",
                        "account_holder": "Toko Benchmark",
                    },
                })),
            "setting up bank transfer",
        )
        .await?;
        ensure_flat_rate(&api).await?;
        eprintln!(
            "checkout: store ready in {:.1}s: {} variants with {STOCK_PER_VARIANT} units each in {WAREHOUSE_CODE}, bank transfer, flat rate {COURIER}",
            started.elapsed().as_secs_f64(),
            chosen.len(),
        );
        Ok(Checkout {
            api,
            flow,
            variants: chosen,
            run,
            buyers: 0,
            rng,
            carts: VecDeque::new(),
            plans: VecDeque::new(),
        })
    }

    pub fn api(&self) -> &Api {
        &self.api
    }

    fn plan(&mut self) -> CartPlan {
        self.buyers += 1;
        CartPlan {
            items: draw_items(&self.variants, &mut self.rng),
            buyer: Buyer::new(self.run, self.buyers),
        }
    }

    /// Gets enough carts (or, for the full flow, cart plans) for `requests` more checkouts.
    pub async fn prepare(&mut self, requests: u64) -> anyhow::Result<()> {
        let wanted = carts_needed(requests);
        match self.flow {
            Flow::Full => {
                self.plans.clear();
                for _ in 0..wanted {
                    let plan = self.plan();
                    self.plans.push_back(plan);
                }
                Ok(())
            }
            Flow::Checkout => {
                self.carts
                    .retain(|cart| cart.prepared_at.elapsed() < CART_SHELF_LIFE);
                let missing = wanted.saturating_sub(self.carts.len() as u64);
                self.fill(missing).await
            }
        }
    }

    async fn fill(&mut self, count: u64) -> anyhow::Result<()> {
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        let mut spawned = 0_u64;
        loop {
            while spawned < count && tasks.len() < PREPARE_IN_FLIGHT {
                let plan = self.plan();
                let api = self.api.clone();
                tasks.spawn(async move {
                    let filled = fill_cart(&api, &plan).await;
                    filled.map(|(id, rate_id)| ReadyCart {
                        id,
                        rate_id,
                        buyer: plan.buyer,
                        prepared_at: Instant::now(),
                    })
                });
                spawned += 1;
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            match joined.context("a cart task failed")? {
                Ok(cart) => self.carts.push_back(cart),
                Err(failure) => bail!(
                    "preparing a cart: {} answered {}: {}",
                    failure.step,
                    failure.label,
                    failure.body
                ),
            }
        }
        if count > 0 {
            eprintln!(
                "checkout: {count} carts filled and rated in {:.1}s (untimed)",
                started.elapsed().as_secs_f64()
            );
        }
        Ok(())
    }

    /// The next timed request: a checkout of a prepared cart, or a whole buyer flow.
    pub fn next(&mut self, _rng: &mut StdRng) -> Pending {
        match self.flow {
            Flow::Checkout => match self.carts.pop_front() {
                Some(cart) => Box::pin(settle(checkout_request(
                    &self.api,
                    self.run,
                    &cart.id,
                    &cart.rate_id,
                    &cart.buyer,
                ))),
                None => Box::pin(async { Err("no_prepared_cart".to_owned()) }),
            },
            Flow::Full => {
                let plan = match self.plans.pop_front() {
                    Some(plan) => plan,
                    None => self.plan(),
                };
                let api = self.api.clone();
                let run = self.run;
                Box::pin(async move {
                    let (cart_id, rate_id) =
                        fill_cart(&api, &plan).await.map_err(|f| f.counted())?;
                    settle(checkout_request(&api, run, &cart_id, &rate_id, &plan.buyer))
                        .await
                        .map_err(|label| format!("checkout:{label}"))
                })
            }
        }
    }
}

/// `wanted` active variants, drawn from several times as many candidates.
async fn choose_variants(
    api: &Api,
    wanted: usize,
    rng: &mut StdRng,
) -> anyhow::Result<Vec<String>> {
    let mut candidates = Vec::new();
    let mut cursor: Option<String> = None;
    while candidates.len() < wanted.saturating_mul(CANDIDATES_PER_VARIANT) {
        let mut path = "/api/v1/products?limit=200&status=active".to_owned();
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = api
            .json(api.request(Method::GET, &path), "listing active products")
            .await?;
        candidates.extend(active_variants_of(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    if candidates.is_empty() {
        bail!("the store has no active variants to sell; run `smartseller seed-demo` first");
    }
    candidates.shuffle(rng);
    candidates.truncate(wanted);
    Ok(candidates)
}

/// The id of the benchmark's warehouse, created if the store has none by its code.
async fn ensure_warehouse(api: &Api) -> anyhow::Result<String> {
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/api/v1/warehouses?limit=200".to_owned();
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = api
            .json(api.request(Method::GET, &path), "listing warehouses")
            .await?;
        if let Some(found) = item_where(&page["items"], "code", WAREHOUSE_CODE) {
            if found["active"] != true {
                bail!("warehouse {WAREHOUSE_CODE} is inactive; activate it or delete it");
            }
            return found["id"]
                .as_str()
                .map(str::to_owned)
                .context("a warehouse without an id");
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let created = api
        .json(
            api.request(Method::POST, "/api/v1/warehouses")
                .json(&json!({
                    "code": WAREHOUSE_CODE,
                    "name": "Gudang Benchmark Checkout",
                    "address": "Jl. Raya Bekasi Km. 25, Cakung, Jakarta Timur",
                })),
            "creating the benchmark warehouse",
        )
        .await?;
    created["id"]
        .as_str()
        .map(str::to_owned)
        .context("the new warehouse has no id")
}

/// Puts [`STOCK_PER_VARIANT`] more units of each variant in the warehouse.
async fn stock_up(api: &Api, warehouse: &str, variants: &[String], run: u32) -> anyhow::Result<()> {
    for variant in variants {
        api.json(
            api.request(Method::PUT, "/api/v1/inventory/adjust")
                .header(
                    "Idempotency-Key",
                    format!("bench-stock-{run:08x}-{variant}"),
                )
                .json(&json!({
                    "variant_id": variant,
                    "warehouse_id": warehouse,
                    "delta": STOCK_PER_VARIANT,
                    "reason": "adjustment",
                    "note": "checkout benchmark stock",
                })),
            "stocking a variant",
        )
        .await?;
    }
    Ok(())
}

/// The benchmark's flat delivery rate, created if the store has no active one by its code.
async fn ensure_flat_rate(api: &Api) -> anyhow::Result<()> {
    let existing = api
        .json(
            api.request(Method::GET, "/api/v1/shipping/flat-rates"),
            "listing flat rates",
        )
        .await?;
    let active = existing["flat_rates"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|rate| rate["courier_code"] == COURIER && rate["active"] == true);
    if !active {
        api.json(
            api.request(Method::POST, "/api/v1/shipping/flat-rates")
                .json(&json!({
                    "name": "Kurir Toko (benchmark)",
                    "courier_code": COURIER,
                    "service_code": "reguler",
                    // Rp 10.000: IDR has two minor digits.
                    "price": { "minor": 1_000_000, "currency": "IDR" },
                    "etd": "1-2 hari",
                    "cod_allowed": false,
                    "active": true,
                })),
            "creating the benchmark flat rate",
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkout_and_the_full_flow_are_named_alone() {
        assert_eq!(Flow::parse("checkout"), Some(Flow::Checkout));
        assert_eq!(Flow::parse(" checkout-full:1 "), Some(Flow::Full));
        assert_eq!(Flow::parse("checkout:1,list:1"), None);
        assert_eq!(Flow::parse("list:1"), None);
        assert_eq!(Flow::parse("/api/v1/checkout"), None);
    }

    #[test]
    fn a_run_gets_a_tenth_more_carts_than_checkouts() {
        assert_eq!(carts_needed(2_000), 2_200);
        assert_eq!(carts_needed(1), 2);
        assert_eq!(carts_needed(0), 0);
        // Rate × seconds × 1.1, rounded up: 100/s for 20 s.
        assert_eq!(carts_needed(100 * 20), 2_200);
    }

    #[test]
    fn buyers_differ_and_pass_the_checkout_rules() {
        let mut emails = std::collections::HashSet::new();
        let mut phones = std::collections::HashSet::new();
        let mut addresses = std::collections::HashSet::new();
        for run in [0, 0x2a, u32::MAX] {
            for number in 1..=500 {
                let buyer = Buyer::new(run, number);
                assert!(emails.insert(buyer.email.clone()));
                assert!(phones.insert(buyer.phone.clone()));
                assert!(addresses.insert((buyer.address.clone(), buyer.postal_code.clone())));
                let digits = buyer.phone.chars().filter(char::is_ascii_digit).count();
                assert!((7..=20).contains(&digits), "{}", buyer.phone);
                assert_eq!(digits, buyer.phone.len());
                assert_eq!(buyer.postal_code.len(), 5);
                assert!(buyer.postal_code.bytes().all(|b| b.is_ascii_digit()));
                assert!(buyer.email.contains('@') && buyer.email.trim() == buyer.email);
                assert!(!buyer.name.trim().is_empty() && buyer.address.len() <= 500);
            }
        }
    }

    #[test]
    fn the_checkout_body_is_the_buyer_the_rate_and_bank_transfer() {
        let buyer = Buyer::new(7, 3);
        let body = checkout_body(&buyer, "0193-rate");
        assert_eq!(body["payment_method"], "bank_transfer");
        assert_eq!(body["shipping_rate_id"], "0193-rate");
        assert_eq!(body["customer"]["email"], buyer.email.as_str());
        assert_eq!(
            body["shipping_address"]["postal_code"],
            buyer.postal_code.as_str()
        );
        assert_eq!(body["shipping_address"]["phone"], body["customer"]["phone"]);
        let rates = rates_body(&buyer);
        assert_eq!(rates["destination"], body["shipping_address"]);
        assert_eq!(rates["couriers"], json!([COURIER]));
    }

    #[test]
    fn carts_hold_one_to_three_different_variants() {
        let variants: Vec<String> = (0..50).map(|i| format!("v{i}")).collect();
        let mut rng = StdRng::seed_from_u64(7);
        let mut sizes = [0_u32; 4];
        for _ in 0..1_000 {
            let items = draw_items(&variants, &mut rng);
            sizes[items.len()] += 1;
            let mut ids: Vec<&String> = items.iter().map(|(id, _)| id).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), items.len());
            assert!(items.iter().all(|(_, q)| (1..=2).contains(q)));
        }
        assert_eq!(sizes[0], 0);
        assert!(sizes[1] > 0 && sizes[2] > 0 && sizes[3] > 0);
        // A store with a single variant still fills carts.
        let one = vec!["only".to_owned()];
        assert_eq!(draw_items(&one, &mut rng).len(), 1);
    }

    #[test]
    fn only_active_variants_of_active_products_are_sold() {
        let page = json!({ "items": [
            { "status": "active", "variants": [
                { "id": "a1", "status": "active" },
                { "id": "a2", "status": "archived" },
            ]},
            { "status": "draft", "variants": [{ "id": "d1", "status": "active" }] },
            { "status": "active", "variants": [{ "id": "b1", "status": "active" }] },
        ]});
        assert_eq!(active_variants_of(&page), vec!["a1", "b1"]);
        assert!(active_variants_of(&json!({})).is_empty());
    }

    #[test]
    fn the_benchmark_rate_is_found_among_other_options() {
        let rates = json!([
            { "rate_id": "r1", "courier_code": "jne" },
            { "rate_id": "r2", "courier_code": COURIER },
        ]);
        assert_eq!(bench_rate_id(&rates).as_deref(), Some("r2"));
        assert_eq!(
            bench_rate_id(&json!([{ "rate_id": "r1", "courier_code": "jne" }])),
            None
        );
        assert_eq!(bench_rate_id(&json!({ "rates": [] })), None);
    }

    #[test]
    fn only_the_fulfilment_warehouse_changes_in_the_settings() {
        let settings = json!({
            "currency": "IDR",
            "tax_rate_bp": 1100,
            "fulfilment_warehouse_id": null,
            "fraud_max_per_customer": 5,
        });
        let changed = with_fulfilment_warehouse(settings, "wh-1").unwrap();
        assert_eq!(changed["fulfilment_warehouse_id"], "wh-1");
        assert_eq!(changed["tax_rate_bp"], 1100);
        assert_eq!(changed["fraud_max_per_customer"], 5);
        assert!(with_fulfilment_warehouse(json!([]), "wh-1").is_err());
    }
}
