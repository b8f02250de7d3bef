//! `smartseller-load`: drives a SmartSeller server on this machine at a fixed request rate (open
//! loop) over a weighted mix of catalogue reads, or over checkouts, and reports latency
//! percentiles; or steps the rate up to find the highest one whose p99 stays under a target.
//!
//! It refuses any host but the loopback and stops by itself: a run is bounded in time and count.

mod checkout;
mod histogram;
mod schedule;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::histogram::Histogram;
use crate::schedule::Schedule;

const MAX_RATE: f64 = 50_000.0;
const MAX_DURATION: Duration = Duration::from_secs(600);
/// Requests allowed in flight at once; past this the server is hopelessly behind and a new
/// request counts as an error instead of growing memory without bound.
const MAX_IN_FLIGHT: usize = 20_000;

#[derive(Debug, Parser)]
#[command(
    name = "smartseller-load",
    about = "Open-loop load for a local SmartSeller server"
)]
struct Cli {
    #[command(subcommand)]
    command: Mode,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// Send requests at a fixed rate for a while and report latencies.
    Run {
        #[command(flatten)]
        target: Target,
        /// Requests per second.
        #[arg(long, default_value_t = 1_000.0)]
        rate: f64,
        /// Seconds to run.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
    },
    /// Step the rate up until the p99 passes the target; report the last rate under it.
    FindMax {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 500.0)]
        from: f64,
        #[arg(long, default_value_t = 500.0)]
        step: f64,
        #[arg(long, default_value_t = 10_000.0)]
        to: f64,
        /// Seconds at each rate.
        #[arg(long, default_value_t = 10)]
        step_seconds: u64,
        /// The p99 to stay under, in milliseconds.
        #[arg(long, default_value_t = 10.0)]
        p99_ms: f64,
    },
}

#[derive(Debug, Args)]
struct Target {
    /// The server, on the loopback only.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    #[arg(long, default_value = "demo@smartseller.id")]
    email: String,
    #[arg(long, default_value = "Rahasia-Nusantara-2026")]
    password: String,
    /// Weighted requests: `list` (the first page), `pages` (any of the first pages of several
    /// sorts and filters, cursors included), `detail`, `search` (typed queries with typos and
    /// half words) or a literal path, each with `:weight`, e.g.
    /// `list:1,detail:3,/api/v1/products?status=active:1`. Or, alone, `checkout` (the checkout
    /// of carts filled beforehand, untimed) or `checkout-full` (a buyer's whole flow: cart,
    /// items, delivery rates and checkout, timed as one).
    #[arg(long, default_value = "list:1,detail:1")]
    mix: String,
    /// How many product ids to fetch first for `detail`.
    #[arg(long, default_value_t = 2_000)]
    ids: usize,
    /// For `checkout`: how many active variants the carts are filled from.
    #[arg(long, default_value_t = 50)]
    variants: usize,
    /// Seed of the random choice of request and product.
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

/// One entry of the mix.
#[derive(Debug, Clone, PartialEq)]
enum Request {
    List,
    Pages,
    Detail,
    Search,
    Path(String),
}

/// What shoppers and sellers type into the search box of a store seeded by `seed-demo`: whole
/// words, words with a typo, words cut short as they are typed, and affixed forms.
const SEARCHES: &[&str] = &[
    "kemeja batik",
    "kemja batik",
    "batik tulis",
    "kopi arabika",
    "kopi robsuta",
    "kop",
    "gamis syari",
    "gamis",
    "hijab",
    "pashmna",
    "kaos oversize",
    "kaos",
    "sambal",
    "serum wajah",
    "sunscren",
    "rice cooker",
    "wajan anti lengket",
    "gorden",
    "taplak meja",
    "speaker bluetooth",
    "headset gamng",
    "sarung tenun",
    "minyak kemiri",
    "baju koko",
    "pakaian",
    "berbahan katun",
    "tws",
    "panci",
    "shampo",
    "moistur",
];

/// Filters and sorts a seller clicks through on the product list.
const LIST_VIEWS: &[&str] = &[
    "limit=50",
    "limit=50&sort=name",
    "limit=50&sort=-updated_at",
    "limit=50&status=active",
    "limit=50&stock_state=in_stock",
    "limit=50&min_price=5000000&max_price=20000000",
];

fn parse_mix(text: &str) -> anyhow::Result<Vec<(Request, u32)>> {
    let mut mix = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, weight) = match part.rsplit_once(':') {
            Some((name, weight)) if weight.chars().all(|c| c.is_ascii_digit()) => (
                name,
                weight
                    .parse::<u32>()
                    .context("a weight is a whole number")?,
            ),
            _ => (part, 1),
        };
        let request = match name {
            "list" => Request::List,
            "pages" => Request::Pages,
            "detail" => Request::Detail,
            "search" => Request::Search,
            path if path.starts_with('/') => Request::Path(path.to_owned()),
            other => bail!(
                "unknown request `{other}`: use list, pages, detail, search or a /path \
                 (checkout and checkout-full are a mix of their own)"
            ),
        };
        if weight > 0 {
            mix.push((request, weight));
        }
    }
    if mix.is_empty() {
        bail!("the mix is empty");
    }
    Ok(mix)
}

/// What one run measured.
#[derive(Debug, Default)]
struct Outcome {
    sent: u64,
    errors: u64,
    /// Failed requests by what went wrong: `409/orders.out_of_stock`, `timeout`, ...
    failures: BTreeMap<String, u64>,
    histogram: Histogram,
    elapsed: Duration,
}

impl Outcome {
    fn achieved(&self) -> f64 {
        (self.sent - self.errors) as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn line(&self, rate: f64) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
        let mut line = format!(
            "rate={rate:.0}/s sent={} answered={} errors={} achieved={:.0}/s p50={:.2}ms p95={:.2}ms p99={:.2}ms max={:.2}ms",
            self.sent,
            self.histogram.count(),
            self.errors,
            self.achieved(),
            ms(self.histogram.percentile(0.50)),
            ms(self.histogram.percentile(0.95)),
            ms(self.histogram.percentile(0.99)),
            ms(self.histogram.max()),
        );
        if !self.failures.is_empty() {
            let failures: Vec<String> = self
                .failures
                .iter()
                .map(|(kind, count)| format!("{kind}:{count}"))
                .collect();
            line.push_str(&format!(" errors_by_status={}", failures.join(",")));
        }
        line
    }
}

/// What a failed answer is counted under: the status, and the problem's `code` when the body
/// is a problem document (`409/orders.out_of_stock`), so that the reasons can be told apart.
fn failure_label(status: u16, body: &[u8]) -> String {
    let code = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|problem| problem["code"].as_str().map(str::to_owned))
        .filter(|code| {
            !code.is_empty()
                && code.len() <= 64
                && code
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
        });
    match code {
        Some(code) => format!("{status}/{code}"),
        None => status.to_string(),
    }
}

fn transport_label(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timeout".to_owned()
    } else if error.is_connect() {
        "connect".to_owned()
    } else {
        "transport".to_owned()
    }
}

/// Sends a request and reads its whole answer (the answer is not there until it is): `Ok` on a
/// 2xx, else the label the failure counts under.
async fn settle(request: reqwest::RequestBuilder) -> Result<(), String> {
    let response = request.send().await.map_err(|e| transport_label(&e))?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| transport_label(&e))?;
    if status.is_success() {
        Ok(())
    } else {
        Err(failure_label(status.as_u16(), &body))
    }
}

/// One timed request: resolves when its answer has been read, with the failure label if any.
type Pending = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// Access tokens live 15 minutes by default; a session logs in again when its token is older
/// than this, before a measurement starts, so that a long `find-max` (each step preparing its
/// carts) never runs into 401s.
const TOKEN_RENEW_AFTER: Duration = Duration::from_secs(5 * 60);

/// A logged-in client of the server on the loopback.
#[derive(Clone)]
struct Api {
    client: reqwest::Client,
    base: String,
    email: String,
    password: String,
    /// The access token and when it was issued; shared by every clone.
    token: Arc<std::sync::RwLock<(String, Instant)>>,
}

fn loopback_only(url: &str) -> anyhow::Result<String> {
    let parsed = url::Url::parse(url).context("--url is not a URL")?;
    match parsed.host_str() {
        Some("127.0.0.1") | Some("localhost") | Some("[::1]") => {}
        other => bail!("refusing to load {other:?}: this tool drives the loopback only"),
    }
    Ok(url.trim_end_matches('/').to_owned())
}

impl Api {
    async fn login(target: &Target) -> anyhow::Result<Api> {
        let base = loopback_only(&target.url)?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(1_024)
            .tcp_nodelay(true)
            .build()?;
        let api = Api {
            client,
            base,
            email: target.email.clone(),
            password: target.password.clone(),
            token: Arc::new(std::sync::RwLock::new((String::new(), Instant::now()))),
        };
        api.log_in().await?;
        Ok(api)
    }

    async fn log_in(&self) -> anyhow::Result<()> {
        let login: Value = self
            .client
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({ "email": self.email, "password": self.password }))
            .send()
            .await
            .context("cannot reach the server")?
            .error_for_status()
            .context("cannot log in")?
            .json()
            .await?;
        let token = login["access_token"]
            .as_str()
            .context("no access_token in the login answer")?
            .to_owned();
        *self.token.write().unwrap_or_else(|e| e.into_inner()) = (token, Instant::now());
        Ok(())
    }

    /// Logs in again when the token is getting old.
    async fn keep_logged_in(&self) -> anyhow::Result<()> {
        let issued = self.token.read().unwrap_or_else(|e| e.into_inner()).1;
        if issued.elapsed() >= TOKEN_RENEW_AFTER {
            self.log_in().await?;
        }
        Ok(())
    }

    /// A request to `path` (from `/api/...`) with the bearer token.
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let token = self
            .token
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .clone();
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
    }

    /// Sends a setup request (untimed) and parses its JSON answer; a failure says what was
    /// being done and what the server answered.
    async fn json(&self, request: reqwest::RequestBuilder, doing: &str) -> anyhow::Result<Value> {
        let response = request
            .send()
            .await
            .with_context(|| format!("{doing}: no answer"))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .with_context(|| format!("{doing}: the answer broke off"))?;
        if !status.is_success() {
            bail!(
                "{doing}: the server answered {status}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        if body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&body).with_context(|| format!("{doing}: the answer is not JSON"))
    }
}

/// A weighted mix of catalogue reads and what it needs from the server.
struct Reads {
    api: Api,
    mix: Vec<(Request, u32)>,
    product_ids: Vec<String>,
    /// For `pages`: paths of list pages, first and later ones.
    list_pages: Vec<String>,
}

impl Reads {
    async fn open(api: Api, target: &Target) -> anyhow::Result<Reads> {
        let mix = parse_mix(&target.mix)?;
        let mut reads = Reads {
            api,
            mix,
            product_ids: Vec::new(),
            list_pages: Vec::new(),
        };
        if reads.mix.iter().any(|(r, _)| *r == Request::Pages) {
            reads.list_pages = reads.fetch_pages(10).await?;
        }
        if reads.mix.iter().any(|(r, _)| *r == Request::Detail) {
            reads.product_ids = reads.fetch_ids(target.ids).await?;
            if reads.product_ids.is_empty() {
                bail!("the store has no products to ask for; run `smartseller seed-demo` first");
            }
        }
        Ok(reads)
    }

    async fn fetch_ids(&self, wanted: usize) -> anyhow::Result<Vec<String>> {
        let mut ids = Vec::new();
        let mut cursor: Option<String> = None;
        while ids.len() < wanted {
            let mut path = "/api/v1/products?limit=200".to_owned();
            if let Some(cursor) = &cursor {
                path.push_str(&format!("&cursor={cursor}"));
            }
            let page = self
                .api
                .json(
                    self.api.request(reqwest::Method::GET, &path),
                    "listing products",
                )
                .await?;
            for item in page["items"].as_array().into_iter().flatten() {
                if let Some(id) = item["id"].as_str() {
                    ids.push(id.to_owned());
                }
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        ids.truncate(wanted);
        Ok(ids)
    }

    /// The first `depth` pages of every view in [`LIST_VIEWS`], as paths with their cursors.
    async fn fetch_pages(&self, depth: usize) -> anyhow::Result<Vec<String>> {
        let mut pages = Vec::new();
        for view in LIST_VIEWS {
            let mut path = format!("/api/v1/products?{view}");
            for _ in 0..depth {
                let page = self
                    .api
                    .json(
                        self.api.request(reqwest::Method::GET, &path),
                        "listing products",
                    )
                    .await?;
                pages.push(path);
                match page["next_cursor"].as_str() {
                    Some(next) => path = format!("/api/v1/products?{view}&cursor={next}"),
                    None => break,
                }
            }
        }
        Ok(pages)
    }

    fn pick(&self, rng: &mut StdRng) -> String {
        let total: u32 = self.mix.iter().map(|(_, w)| w).sum();
        let mut roll = rng.random_range(0..total);
        let mut chosen = &self.mix[0].0;
        for (request, weight) in &self.mix {
            if roll < *weight {
                chosen = request;
                break;
            }
            roll -= weight;
        }
        match chosen {
            Request::List => "/api/v1/products?limit=50".to_owned(),
            Request::Pages => self.list_pages[rng.random_range(0..self.list_pages.len())].clone(),
            Request::Search => {
                let q = SEARCHES[rng.random_range(0..SEARCHES.len())];
                format!("/api/v1/products/search?limit=20&q={}", q.replace(' ', "+"))
            }
            Request::Detail => {
                let id = &self.product_ids[rng.random_range(0..self.product_ids.len())];
                format!("/api/v1/products/{id}")
            }
            Request::Path(path) => path.clone(),
        }
    }

    fn next(&self, rng: &mut StdRng) -> Pending {
        let request = self.api.request(reqwest::Method::GET, &self.pick(rng));
        Box::pin(settle(request))
    }
}

/// What a run sends.
enum Workload {
    Reads(Reads),
    /// Boxed: it carries its random generator and queues of carts.
    Checkout(Box<checkout::Checkout>),
}

impl Workload {
    async fn open(target: &Target) -> anyhow::Result<Workload> {
        let api = Api::login(target).await?;
        match checkout::Flow::parse(&target.mix) {
            Some(flow) => Ok(Workload::Checkout(Box::new(
                checkout::Checkout::open(api, flow, target.variants, target.seed).await?,
            ))),
            None => Ok(Workload::Reads(Reads::open(api, target).await?)),
        }
    }

    /// Gets ready, untimed, for `requests` more requests.
    async fn prepare(&mut self, requests: u64) -> anyhow::Result<()> {
        let api = match self {
            Workload::Reads(reads) => &reads.api,
            Workload::Checkout(checkout) => checkout.api(),
        };
        api.keep_logged_in().await?;
        match self {
            Workload::Reads(_) => Ok(()),
            Workload::Checkout(checkout) => checkout.prepare(requests).await,
        }
    }

    fn next(&mut self, rng: &mut StdRng) -> Pending {
        match self {
            Workload::Reads(reads) => reads.next(rng),
            Workload::Checkout(checkout) => checkout.next(rng),
        }
    }
}

/// Gets the workload ready for a run at `rate` for `duration` (untimed), then sends requests
/// on the schedule; each is timed from when it was due.
async fn measure(
    workload: &mut Workload,
    rate: f64,
    duration: Duration,
    seed: u64,
) -> anyhow::Result<Outcome> {
    if !(rate > 0.0 && rate <= MAX_RATE) {
        bail!("the rate must be above 0 and at most {MAX_RATE}/s");
    }
    if duration > MAX_DURATION {
        bail!("a run lasts at most {} s", MAX_DURATION.as_secs());
    }
    let schedule = Schedule::new(rate, duration);
    workload.prepare(schedule.total()).await?;
    let results = Arc::new(Mutex::new(Outcome::default()));
    let in_flight = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut rng = StdRng::seed_from_u64(seed ^ rate.to_bits());
    let mut tasks = tokio::task::JoinSet::new();
    let mut overloaded = 0_u64;
    let start = Instant::now();
    let mut sent = 0_u64;
    while sent < schedule.total() {
        let range = schedule.due_now(sent, start.elapsed());
        for index in range.clone() {
            let due = start + schedule.due(index);
            let Ok(permit) = in_flight.clone().try_acquire_owned() else {
                overloaded += 1;
                continue;
            };
            let pending = workload.next(&mut rng);
            let results = results.clone();
            tasks.spawn(async move {
                let answer = pending.await;
                let latency = due.elapsed();
                drop(permit);
                let mut results = results.lock().await;
                results.histogram.record(latency);
                if let Err(label) = answer {
                    results.errors += 1;
                    *results.failures.entry(label).or_default() += 1;
                }
            });
        }
        sent = range.end;
        // Reap finished tasks so the set does not grow for the whole run.
        while tasks.try_join_next().is_some() {}
        if sent < schedule.total() {
            tokio::time::sleep_until((start + schedule.due(sent)).into()).await;
        }
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = start.elapsed();
    let mut outcome = std::mem::take(&mut *results.lock().await);
    outcome.sent = sent;
    outcome.elapsed = elapsed;
    if overloaded > 0 {
        outcome.errors += overloaded;
        *outcome.failures.entry("overloaded".to_owned()).or_default() += overloaded;
    }
    Ok(outcome)
}

/// A short warm-up fills the connection pool and the server's caches.
const WARM_UP: Duration = Duration::from_secs(2);
const WARM_UP_MAX_RATE: f64 = 200.0;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Mode::Run {
            target,
            rate,
            seconds,
        } => {
            let mut workload = Workload::open(&target).await?;
            measure(
                &mut workload,
                rate.min(WARM_UP_MAX_RATE),
                WARM_UP,
                target.seed,
            )
            .await?;
            let outcome = measure(
                &mut workload,
                rate,
                Duration::from_secs(seconds),
                target.seed,
            )
            .await?;
            println!("mix={} {}", target.mix, outcome.line(rate));
        }
        Mode::FindMax {
            target,
            from,
            step,
            to,
            step_seconds,
            p99_ms,
        } => {
            if step <= 0.0 || from <= 0.0 {
                bail!("--from and --step must be above 0");
            }
            let mut workload = Workload::open(&target).await?;
            measure(
                &mut workload,
                from.min(WARM_UP_MAX_RATE),
                WARM_UP,
                target.seed,
            )
            .await?;
            let limit = Duration::from_secs_f64(p99_ms / 1_000.0);
            let mut best: Option<f64> = None;
            let mut rate = from;
            while rate <= to {
                // Each step gets its own fresh preparation (for checkout: new carts), untimed.
                let outcome = measure(
                    &mut workload,
                    rate,
                    Duration::from_secs(step_seconds),
                    target.seed,
                )
                .await?;
                println!("mix={} {}", target.mix, outcome.line(rate));
                let error_ratio = outcome.errors as f64 / outcome.sent.max(1) as f64;
                if outcome.histogram.percentile(0.99) >= limit || error_ratio > 0.001 {
                    break;
                }
                best = Some(rate);
                rate += step;
                // Let the server drain before the next step.
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            match best {
                Some(rate) => println!(
                    "max_rate={rate:.0}/s with p99 < {p99_ms} ms (mix={})",
                    target.mix
                ),
                None => println!(
                    "max_rate=none: already {from:.0}/s has p99 >= {p99_ms} ms (mix={})",
                    target.mix
                ),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_reads_names_paths_and_weights() {
        let mix = parse_mix("list:1, detail:3,/api/v1/products?q=kopi:2").unwrap();
        assert_eq!(
            mix,
            vec![
                (Request::List, 1),
                (Request::Detail, 3),
                (Request::Path("/api/v1/products?q=kopi".into()), 2),
            ]
        );
        assert_eq!(
            parse_mix("pages:2,search").unwrap(),
            vec![(Request::Pages, 2), (Request::Search, 1)]
        );
        assert!(parse_mix("everything:1").is_err());
        assert!(parse_mix("list:0").is_err());
    }

    #[test]
    fn only_the_loopback_may_be_loaded() {
        assert!(loopback_only("http://127.0.0.1:8080/").is_ok());
        assert!(loopback_only("http://localhost:9000").is_ok());
        assert!(loopback_only("https://shop.example.com").is_err());
        assert!(loopback_only("http://10.0.0.5:8080").is_err());
    }

    #[test]
    fn failures_count_under_their_status_and_problem_code() {
        let problem = br#"{"type":"/problems/orders.out_of_stock","status":409,"code":"orders.out_of_stock"}"#;
        assert_eq!(failure_label(409, problem), "409/orders.out_of_stock");
        assert_eq!(failure_label(502, b"Bad Gateway"), "502");
        assert_eq!(failure_label(500, br#"{"code":"has space"}"#), "500");
    }

    #[test]
    fn the_result_line_lists_failures_by_kind() {
        let mut outcome = Outcome {
            sent: 10,
            errors: 3,
            elapsed: Duration::from_secs(1),
            ..Outcome::default()
        };
        outcome.failures.insert("409/orders.out_of_stock".into(), 2);
        outcome.failures.insert("timeout".into(), 1);
        let line = outcome.line(10.0);
        assert!(line.contains("errors=3 achieved=7/s"), "{line}");
        assert!(
            line.ends_with(" errors_by_status=409/orders.out_of_stock:2,timeout:1"),
            "{line}"
        );
        assert!(!Outcome::default().line(1.0).contains("errors_by_status"));
    }
}
