//! Payments' use cases. Each one that writes starts its own transactions here, moves a payment
//! only with a guarded update, and appends the history and the events in the same transaction.
//! Gateways are called between transactions, never inside one: a slow provider must not hold
//! a database lock.

pub mod gateway_settings;
pub mod history;
pub mod proofs;
pub mod reconcile;
pub mod service;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{DbErr, SqlErr};
use smartseller_contracts::payments::{
    PaymentError, PaymentEvent, PaymentMethod, PaymentStatus, PaymentView,
};
use smartseller_kernel::money::{Currency, Money};
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, clock};
use smartseller_platform::{Db, FileStore, WriteTx};
use smartseller_web::Principal;
use uuid::Uuid;

use crate::domain::AmountRuleError;
use crate::gateways::{self, Gateway, GatewayConfig, GatewayError};
use crate::store::{self, PaymentChange, history as history_row, payment};

pub use service::PaymentsService;

/// A payment as stored: the figures and references the use cases answer with.
pub type PaymentRecord = store::payment::Model;

/// Tunables of the payments domain, with production defaults.
#[derive(Debug, Clone)]
pub struct PaymentsSettings {
    /// How long a payment may wait for its webhook before the reconciler asks the gateway.
    pub reconcile_after: Duration,
    /// How often the reconciler runs.
    pub reconcile_every: Duration,
    /// The largest transfer proof accepted, in bytes.
    pub max_proof_bytes: u64,
    /// Put before `/api/v1/pay/{token}` in payment links, e.g. `https://toko.example`.
    pub public_url: Option<String>,
}

impl Default for PaymentsSettings {
    fn default() -> Self {
        Self {
            reconcile_after: Duration::from_secs(15 * 60),
            reconcile_every: Duration::from_secs(60),
            max_proof_bytes: 5 * 1024 * 1024,
            public_url: None,
        }
    }
}

/// Builds the client of a store's gateway. The default speaks HTTP through
/// [`gateways::build`]; tests put a scripted gateway here.
pub trait GatewayFactory: Send + Sync + 'static {
    fn gateway(
        &self,
        config: &GatewayConfig,
        method: PaymentMethod,
    ) -> Result<Arc<dyn Gateway>, GatewayError>;
}

/// The real gateways, sharing one HTTP client (and its connection pool).
pub struct HttpGateways {
    http: reqwest::Client,
}

impl HttpGateways {
    pub fn new(http: reqwest::Client) -> Self {
        Self { http }
    }
}

impl Default for HttpGateways {
    /// One client for every store's gateway, sharing its connection pool; a request that
    /// hangs gives up after 30 seconds (gateways retry on their own terms).
    fn default() -> Self {
        Self::new(
            reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap_or_default(),
        )
    }
}

impl GatewayFactory for HttpGateways {
    fn gateway(
        &self,
        config: &GatewayConfig,
        method: PaymentMethod,
    ) -> Result<Arc<dyn Gateway>, GatewayError> {
        gateways::build(config, method, self.http.clone())
    }
}

/// What payments' use cases and handlers share.
#[derive(Clone)]
pub struct PaymentsCtx {
    pub db: Db,
    pub files: FileStore,
    pub gateways: Arc<dyn GatewayFactory>,
    pub settings: Arc<PaymentsSettings>,
}

impl PaymentsCtx {
    /// Real HTTP gateways and default settings.
    pub fn new(db: Db, files: FileStore) -> Self {
        Self {
            db,
            files,
            gateways: Arc::new(HttpGateways::default()),
            settings: Arc::new(PaymentsSettings::default()),
        }
    }
}

/// Where a change came from, as the history records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Api,
    Webhook,
    Reconcile,
    Delivery,
    System,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Api => "api",
            Source::Webhook => "webhook",
            Source::Reconcile => "reconcile",
            Source::Delivery => "delivery",
            Source::System => "system",
        }
    }
}

/// Who made a change: a person, an API key, a gateway, or SmartSeller itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub tenant: TenantId,
    /// `user`, `api_key`, `gateway` or `system`.
    pub kind: &'static str,
    pub id: Option<Uuid>,
}

impl Caller {
    pub fn system(tenant: TenantId) -> Self {
        Self {
            tenant,
            kind: "system",
            id: None,
        }
    }

    pub fn gateway(tenant: TenantId) -> Self {
        Self {
            tenant,
            kind: "gateway",
            id: None,
        }
    }
}

impl From<&Principal> for Caller {
    fn from(principal: &Principal) -> Self {
        let (kind, id) = principal.label();
        Self {
            tenant: principal.tenant,
            kind,
            id: Some(id),
        }
    }
}

/// Everything that can go wrong in payments, named for what happened to the seller.
#[derive(Debug, thiserror::Error)]
pub enum PaymentsError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("the payment is {}", .0.as_str())]
    WrongState(PaymentStatus),
    /// The method is not set up (or is switched off) for this store.
    #[error("{} is not enabled for this store", .0.as_str())]
    MethodNotEnabled(PaymentMethod),
    #[error("the amount is refused: {0}")]
    Amount(AmountRuleError),
    #[error("the gateway refused: {0}")]
    Declined(String),
    #[error("the gateway is unavailable: {0}")]
    Unavailable(String),
    /// A webhook whose signature does not verify.
    #[error("the notification's signature does not verify")]
    BadSignature,
    #[error("the notification is malformed: {0}")]
    Malformed(String),
    #[error("file storage failed: {0}")]
    Storage(String),
    /// The payment kept changing under us; the caller may retry.
    #[error("the payment is busy; try again")]
    Busy,
    #[error(transparent)]
    Db(DbErr),
}

impl From<DbErr> for PaymentsError {
    fn from(error: DbErr) -> Self {
        PaymentsError::Db(error)
    }
}

impl From<FieldErrors> for PaymentsError {
    fn from(errors: FieldErrors) -> Self {
        PaymentsError::Invalid(errors)
    }
}

impl From<AmountRuleError> for PaymentsError {
    fn from(error: AmountRuleError) -> Self {
        PaymentsError::Amount(error)
    }
}

impl From<GatewayError> for PaymentsError {
    fn from(error: GatewayError) -> Self {
        match error {
            GatewayError::Unavailable(message) => PaymentsError::Unavailable(message),
            other => PaymentsError::Declined(other.to_string()),
        }
    }
}

impl From<PaymentsError> for PaymentError {
    fn from(error: PaymentsError) -> Self {
        match error {
            PaymentsError::NotFound(_) => PaymentError::NotFound,
            PaymentsError::Invalid(errors) => PaymentError::Invalid(
                errors
                    .0
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            PaymentsError::MethodNotEnabled(method) => {
                PaymentError::Invalid(format!("{} is not enabled for this store", method.as_str()))
            }
            PaymentsError::Amount(rule) => PaymentError::Invalid(rule.to_string()),
            PaymentsError::WrongState(status) => PaymentError::WrongState(status),
            PaymentsError::Declined(message) => PaymentError::Declined(message),
            PaymentsError::Unavailable(message) => PaymentError::Unavailable(message),
            PaymentsError::Busy => PaymentError::Unavailable("the payment is busy".into()),
            other => PaymentError::Unavailable(other.to_string()),
        }
    }
}

pub type PaymentsResult<T> = Result<T, PaymentsError>;

/// True when `error` is a unique-constraint violation (a lost race on an insert).
pub(crate) fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

impl payment::Model {
    pub fn status(&self) -> PaymentStatus {
        PaymentStatus::parse(&self.status).unwrap_or(PaymentStatus::Created)
    }

    pub fn method(&self) -> PaymentMethod {
        PaymentMethod::parse(&self.method).unwrap_or(PaymentMethod::BankTransfer)
    }

    pub fn currency(&self) -> Currency {
        Currency::parse(&self.currency).unwrap_or(Currency::Idr)
    }

    pub fn amount(&self) -> Money {
        Money::new(self.amount_minor, self.currency())
    }

    pub fn captured(&self) -> Money {
        Money::new(self.captured_minor, self.currency())
    }

    pub fn refunded(&self) -> Money {
        Money::new(self.refunded_minor, self.currency())
    }

    /// The buyer-facing link path.
    pub fn link_path(&self) -> String {
        format!("/api/v1/pay/{}", self.link_token)
    }

    /// The contract's view, as checkout and returns receive it.
    pub fn to_view(&self, settings: &PaymentsSettings) -> PaymentView {
        let base = settings
            .public_url
            .as_deref()
            .unwrap_or_default()
            .trim_end_matches('/');
        PaymentView {
            payment_id: self.id,
            order_id: self.order_id,
            method: self.method(),
            status: self.status(),
            amount: self.amount(),
            captured: self.captured(),
            refunded: self.refunded(),
            gateway_reference: self.gateway_reference.clone(),
            redirect_url: self.redirect_url.clone(),
            instructions: self.instructions.clone(),
            expires_at: self.expires_at,
            payment_link: Some(format!("{base}{}", self.link_path())),
        }
    }
}

/// What a use case wants a payment to become, decided from the payment as it is now.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub status: PaymentStatus,
    pub captured_minor: i64,
    pub refunded_minor: i64,
    pub opened: Option<(Option<String>, Option<String>, Option<serde_json::Value>)>,
    /// The card a gateway notification named, passed on in `PaymentEvent::StatusChanged`.
    pub card: Option<String>,
}

impl Target {
    /// The payment's own figures, moved to `status`.
    pub fn status(before: &payment::Model, status: PaymentStatus) -> Self {
        Self {
            status,
            captured_minor: before.captured_minor,
            refunded_minor: before.refunded_minor,
            opened: None,
            card: None,
        }
    }
}

/// How a change is written into the history.
#[derive(Debug, Clone)]
pub(crate) struct Note {
    pub source: Source,
    pub caller: Caller,
    pub action: &'static str,
    pub detail: serde_json::Value,
}

/// How many times a use case re-reads and decides again after losing a race.
const MAX_RACES: usize = 16;

/// Moves one payment inside `tx`: reads it, asks `decide` what it should become (`None`: leave
/// it), writes that with a guarded update, appends the history and, when the status changed,
/// `PaymentEvent::StatusChanged`. A lost race re-reads and decides again, so concurrent writers
/// each decide on what the other committed. Returns the payment and whether it changed.
pub(crate) async fn transition<F>(
    tx: &mut WriteTx,
    tenant: TenantId,
    payment_id: Uuid,
    note: &Note,
    mut decide: F,
) -> PaymentsResult<(payment::Model, bool)>
where
    F: FnMut(&payment::Model) -> PaymentsResult<Option<Target>>,
{
    for _ in 0..MAX_RACES {
        let before = store::payment(&**tx, tenant, payment_id)
            .await?
            .ok_or(PaymentsError::NotFound("payment"))?;
        let Some(target) = decide(&before)? else {
            return Ok((before, false));
        };
        let now = clock::now();
        let change = PaymentChange {
            status: target.status.as_str().to_owned(),
            captured_minor: target.captured_minor,
            refunded_minor: target.refunded_minor,
            opened: target.opened.clone(),
            at: now,
        };
        let Some(after) = store::update_payment_guarded(&**tx, &before, &change).await? else {
            continue;
        };
        let card = target.card;
        append_history(tx, tenant, Some(&before), &after, note, now).await?;
        if before.status != after.status {
            tx.publish(
                tenant,
                &PaymentEvent::StatusChanged {
                    payment_id,
                    order_id: after.order_id,
                    method: after.method(),
                    before: before.status(),
                    after: after.status(),
                    amount: after.amount(),
                    captured: after.captured(),
                    refunded: after.refunded(),
                    card,
                },
            )
            .await?;
        }
        return Ok((after, true));
    }
    Err(PaymentsError::Busy)
}

/// One line of a payment's history. `before` is `None` for the line that records its creation.
pub(crate) async fn append_history(
    tx: &WriteTx,
    tenant: TenantId,
    before: Option<&payment::Model>,
    after: &payment::Model,
    note: &Note,
    at: DateTime<Utc>,
) -> PaymentsResult<()> {
    let seq = store::next_history_seq(&**tx, tenant, after.id).await?;
    store::append_history(
        &**tx,
        history_row::Model {
            id: Uuid::now_v7(),
            tenant_id: tenant.as_uuid(),
            payment_id: after.id,
            seq,
            source: note.source.as_str().to_owned(),
            actor_kind: note.caller.kind.to_owned(),
            actor_id: note.caller.id,
            action: note.action.to_owned(),
            status_before: before.map(|b| b.status.clone()),
            status_after: after.status.clone(),
            captured_before: before.map_or(0, |b| b.captured_minor),
            captured_after: after.captured_minor,
            refunded_before: before.map_or(0, |b| b.refunded_minor),
            refunded_after: after.refunded_minor,
            detail: note.detail.clone(),
            at,
        },
    )
    .await?;
    Ok(())
}

/// A random token of 32 bytes in hex: webhook secrets and payment links, unguessable.
pub(crate) fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}
