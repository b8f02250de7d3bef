//! [`PaymentsService`]: starting, voiding, capturing, confirming and refunding payments. It is
//! the in-process implementation of the [`Payments`] contract that checkout and returns use.

use chrono::{DateTime, Utc};
use serde_json::json;
use smartseller_contracts::payments::{
    PaymentError, PaymentEvent, PaymentMethod, PaymentStatus, PaymentView, Payments, RefundRequest,
    RefundView, StartPayment,
};
use smartseller_kernel::money::Money;
use smartseller_kernel::page::{Page, PageRequest};
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, clock};
use smartseller_platform::db::WriteTx;
use uuid::Uuid;

use super::gateway_settings::{self, EnabledMethod, MethodConfig};
use super::{
    Caller, Note, PaymentsCtx, PaymentsError, PaymentsResult, Source, Target, append_history,
    is_unique_violation, random_token, transition,
};
use crate::domain::{self, Transition, check_capture, check_refund};
use crate::gateways::{CreatePayment, Gateway, GatewayError};
use crate::store::{self, PaymentFilter, payment, refund};

/// Payments as the rest of SmartSeller uses them. Build one per process and share it:
/// `Arc::new(PaymentsService::new(ctx))`, handed to other domains as `Arc<dyn Payments>`.
#[derive(Clone)]
pub struct PaymentsService {
    ctx: PaymentsCtx,
}

/// A refund reserved against the payment, the gateway not yet answered.
const REFUND_REQUESTED: &str = "requested";
const REFUND_SUCCEEDED: &str = "succeeded";
const REFUND_FAILED: &str = "failed";

/// The longest order number a gateway is shown.
const MAX_ORDER_NUMBER: usize = 64;
const MAX_KEY: usize = 255;
const MAX_REASON: usize = 500;

/// A start request, checked field by field.
fn check_start(request: &StartPayment) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if request.amount.minor < 1 {
        errors.add("amount", "out_of_range", "Give an amount of at least 1.");
    }
    let number = request.order_number.trim();
    if number.is_empty() || number.chars().count() > MAX_ORDER_NUMBER {
        errors.add(
            "order_number",
            "invalid",
            format!("Give 1 to {MAX_ORDER_NUMBER} characters."),
        );
    }
    if request.idempotency_key.is_empty() || request.idempotency_key.len() > MAX_KEY {
        errors.add(
            "idempotency_key",
            "invalid",
            format!("Give 1 to {MAX_KEY} characters."),
        );
    }
    for (index, item) in request.items.iter().enumerate() {
        if item.quantity < 1 {
            errors.add(
                &format!("items[{index}].quantity"),
                "out_of_range",
                "Give a quantity of at least 1.",
            );
        }
        if item.unit_price.currency != request.amount.currency {
            errors.add(
                &format!("items[{index}].unit_price.currency"),
                "currency_mismatch",
                "Use the payment's currency.",
            );
        }
    }
    if request.method != PaymentMethod::Cod && request.expires_at <= clock::now() {
        errors.add("expires_at", "in_the_past", "Choose a time in the future.");
    }
    errors.finish()
}

/// A retry must ask for the payment the key first opened: the same key for another order,
/// amount or method is a mistake, not a retry.
fn same_payment(existing: &payment::Model, request: &StartPayment) -> PaymentsResult<()> {
    if existing.order_id != request.order_id
        || existing.amount() != request.amount
        || existing.method() != request.method
    {
        return Err(FieldErrors::single(
            "idempotency_key",
            "reused",
            "This key opened a payment for another order, amount or method.",
        )
        .into());
    }
    Ok(())
}

fn refund_view(row: &refund::Model, currency: smartseller_kernel::money::Currency) -> RefundView {
    RefundView {
        refund_id: row.id,
        payment_id: row.payment_id,
        amount: Money::new(row.amount_minor, currency),
        // Reserved but not yet answered by the gateway is, to the caller, still pending.
        status: if row.status == REFUND_REQUESTED {
            "pending".to_owned()
        } else {
            row.status.clone()
        },
        gateway_reference: row.gateway_reference.clone(),
    }
}

impl PaymentsService {
    pub fn new(ctx: PaymentsCtx) -> Self {
        Self { ctx }
    }

    pub fn ctx(&self) -> &PaymentsCtx {
        &self.ctx
    }

    fn view(&self, row: &payment::Model) -> PaymentView {
        row.to_view(&self.ctx.settings)
    }

    /// The gateway client of a gateway method; `None` for bank transfers and cash on delivery.
    fn gateway_of(
        &self,
        method: PaymentMethod,
        config: &MethodConfig,
    ) -> PaymentsResult<Option<std::sync::Arc<dyn Gateway>>> {
        match config {
            MethodConfig::Gateway(gateway) => Ok(Some(self.ctx.gateways.gateway(gateway, method)?)),
            MethodConfig::BankTransfer(_) | MethodConfig::CashOnDelivery => Ok(None),
        }
    }

    /// Opens a payment. Idempotent on (store, `idempotency_key`): a retry answers the payment
    /// the first call opened. The row is written first (`created`), the gateway is called with
    /// no transaction open, and its answer is written second.
    pub async fn start_payment(
        &self,
        caller: &Caller,
        request: StartPayment,
    ) -> PaymentsResult<payment::Model> {
        let tenant = caller.tenant;
        check_start(&request)?;
        if let Some(existing) =
            store::payment_by_key(self.ctx.db.conn(), tenant, &request.idempotency_key).await?
        {
            same_payment(&existing, &request)?;
            return self.resume(caller, existing).await;
        }
        let method = gateway_settings::enabled(&self.ctx, tenant, request.method).await?;
        let now = clock::now();
        let id = Uuid::now_v7();
        let row = payment::Model {
            id,
            tenant_id: tenant.as_uuid(),
            order_id: request.order_id,
            order_number: request.order_number.trim().to_owned(),
            method: request.method.as_str().to_owned(),
            status: PaymentStatus::Created.as_str().to_owned(),
            currency: request.amount.currency.code().to_owned(),
            amount_minor: request.amount.minor,
            captured_minor: 0,
            refunded_minor: 0,
            reference: id.simple().to_string(),
            gateway_reference: None,
            redirect_url: None,
            instructions: None,
            link_token: random_token(),
            // Cash is collected at the door whenever the parcel arrives: it never lapses.
            expires_at: (request.method != PaymentMethod::Cod).then_some(request.expires_at),
            idempotency_key: request.idempotency_key.clone(),
            request: serde_json::to_value(&request).unwrap_or_default(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let tx = self.ctx.db.begin_write().await?;
        let created = match store::insert_payment(&*tx, row).await {
            Ok(created) => created,
            Err(error) if is_unique_violation(&error) => {
                drop(tx);
                // A concurrent retry with the same key got there first.
                let existing =
                    store::payment_by_key(self.ctx.db.conn(), tenant, &request.idempotency_key)
                        .await?
                        .ok_or(PaymentsError::NotFound("payment"))?;
                same_payment(&existing, &request)?;
                return self.resume(caller, existing).await;
            }
            Err(error) => return Err(error.into()),
        };
        let note = Note {
            source: Source::Api,
            caller: *caller,
            action: "created",
            detail: json!({ "order_number": created.order_number }),
        };
        append_history(&tx, tenant, None, &created, &note, now).await?;
        if let Some(opening) = offline_opening(&created, &method.config) {
            let mut tx = tx;
            let after = self
                .record_opening(&mut tx, caller, &created, &Ok(opening))
                .await?;
            tx.commit().await?;
            return Ok(after);
        }
        tx.commit().await?;
        self.open(caller, created, &method, &request).await
    }

    /// A payment found by its idempotency key: answered as it is, unless its first attempt
    /// stopped before the gateway answered, in which case the gateway is asked again (with the
    /// same idempotency key, so the provider does not open a second payment).
    async fn resume(
        &self,
        caller: &Caller,
        existing: payment::Model,
    ) -> PaymentsResult<payment::Model> {
        if existing.status() != PaymentStatus::Created {
            return Ok(existing);
        }
        let request: StartPayment = serde_json::from_value(existing.request.clone())
            .map_err(|e| PaymentsError::Unavailable(format!("stored request unreadable: {e}")))?;
        let method = gateway_settings::enabled(&self.ctx, caller.tenant, existing.method()).await?;
        self.open(caller, existing, &method, &request).await
    }

    /// Gives the buyer somewhere to pay: the gateway's answer, the bank account, or nothing to
    /// do before delivery.
    async fn open(
        &self,
        caller: &Caller,
        created: payment::Model,
        method: &EnabledMethod,
        request: &StartPayment,
    ) -> PaymentsResult<payment::Model> {
        let opened = match offline_opening(&created, &method.config) {
            Some(opening) => Ok(opening),
            None => {
                match self.gateway_of(created.method(), &method.config)? {
                    Some(gateway) => {
                        let asked = CreatePayment {
                            reference: created.reference.clone(),
                            order_number: created.order_number.clone(),
                            amount: created.amount(),
                            items: request.items.clone(),
                            customer: request.customer.clone(),
                            return_url: request.return_url.clone(),
                            expires_at: request.expires_at,
                            idempotency_key: format!("payment-{}", created.reference),
                            bank: (created.method() == PaymentMethod::VirtualAccount).then(|| {
                                method.options.bank.clone().unwrap_or_else(|| "bca".into())
                            }),
                            manual_capture: method.options.manual_capture,
                        };
                        gateway.create(&asked).await.map(|answer| {
                            // The gateway may already know more (an authorised card); never
                            // less than "somewhere to pay".
                            let status =
                                match domain::decide(PaymentStatus::AwaitingPayment, answer.status)
                                {
                                    Transition::Move(to) => to,
                                    Transition::Ignore(_) => PaymentStatus::AwaitingPayment,
                                };
                            (
                                status,
                                Some(answer.gateway_reference),
                                answer.redirect_url,
                                answer.instructions,
                            )
                        })
                    }
                    None => Err(GatewayError::Unsupported("no gateway for this method")),
                }
            }
        };
        let mut tx = self.ctx.db.begin_write().await?;
        let after = self
            .record_opening(&mut tx, caller, &created, &opened)
            .await?;
        tx.commit().await?;
        match opened {
            Ok(_) => Ok(after),
            Err(error) => Err(error.into()),
        }
    }

    /// Writes what opening the payment gave: somewhere to pay, or the gateway's refusal (the
    /// payment is then failed). Inside the caller's transaction; answers the payment as stored.
    async fn record_opening(
        &self,
        tx: &mut WriteTx,
        caller: &Caller,
        created: &payment::Model,
        opened: &Result<Opening, GatewayError>,
    ) -> PaymentsResult<payment::Model> {
        let tenant = caller.tenant;
        match opened {
            Ok((status, gateway_reference, redirect_url, instructions)) => {
                let status = *status;
                let note = Note {
                    source: Source::Api,
                    caller: *caller,
                    action: "opened",
                    detail: json!({ "gateway_reference": gateway_reference }),
                };
                let (after, _) = transition(tx, tenant, created.id, &note, |before| {
                    Ok((before.status() == PaymentStatus::Created).then(|| Target {
                        opened: Some((
                            gateway_reference.clone(),
                            redirect_url.clone(),
                            instructions.clone(),
                        )),
                        ..Target::status(before, status)
                    }))
                })
                .await?;
                Ok(after)
            }
            Err(error) => {
                let note = Note {
                    source: Source::Api,
                    caller: *caller,
                    action: "gateway_refused",
                    detail: json!({ "error": error.to_string() }),
                };
                let (after, _) = transition(tx, tenant, created.id, &note, |before| {
                    Ok((before.status() == PaymentStatus::Created)
                        .then(|| Target::status(before, PaymentStatus::Failed)))
                })
                .await?;
                Ok(after)
            }
        }
    }

    pub async fn find(&self, tenant: TenantId, id: Uuid) -> PaymentsResult<payment::Model> {
        store::payment(self.ctx.db.conn(), tenant, id)
            .await?
            .ok_or(PaymentsError::NotFound("payment"))
    }

    /// The store's payments, oldest first, one page.
    pub async fn list(
        &self,
        tenant: TenantId,
        filter: &PaymentFilter,
        page: PageRequest,
    ) -> PaymentsResult<Page<payment::Model>> {
        let rows = store::payments(
            self.ctx.db.conn(),
            tenant,
            filter,
            page.after,
            page.fetch_limit(),
        )
        .await?;
        Ok(Page::from_rows(rows, page, |p| p.id))
    }

    /// Gives up an unpaid payment: cancelled at the gateway (a payment the gateway never knew
    /// is fine) and here. Voiding an ended payment is a no-op; a paid one is refused.
    pub async fn void_payment(&self, caller: &Caller, id: Uuid) -> PaymentsResult<payment::Model> {
        let tenant = caller.tenant;
        let current = self.find(tenant, id).await?;
        let status = current.status();
        if status.is_final() {
            return Ok(current);
        }
        if status.is_settled() {
            return Err(PaymentsError::WrongState(status));
        }
        if let Some(gateway_reference) = &current.gateway_reference
            && let Some(method) =
                gateway_settings::load(self.ctx.db.conn(), tenant, current.method()).await?
            && let Some(gateway) = self.gateway_of(current.method(), &method.config)?
        {
            match gateway.cancel(&current.reference, gateway_reference).await {
                Ok(()) | Err(GatewayError::NotFound) => {}
                Err(error) => return Err(error.into()),
            }
        }
        let mut tx = self.ctx.db.begin_write().await?;
        let note = Note {
            source: Source::Api,
            caller: *caller,
            action: "voided",
            detail: json!({}),
        };
        let (after, _) = transition(&mut tx, tenant, id, &note, |before| {
            Ok(
                match domain::decide(before.status(), PaymentStatus::Cancelled) {
                    Transition::Move(to) => Some(Target::status(before, to)),
                    Transition::Ignore(_) => None,
                },
            )
        })
        .await?;
        tx.commit().await?;
        if after.status().is_settled() {
            // Paid while we were cancelling: the money is there, refund it instead.
            return Err(PaymentsError::WrongState(after.status()));
        }
        Ok(after)
    }

    /// Captures part or all of an authorised card payment; the rest of the hold is released.
    pub async fn capture(
        &self,
        caller: &Caller,
        id: Uuid,
        amount: Money,
    ) -> PaymentsResult<payment::Model> {
        let tenant = caller.tenant;
        let current = self.find(tenant, id).await?;
        if current.status() != PaymentStatus::Authorized {
            return Err(PaymentsError::WrongState(current.status()));
        }
        let amount = check_capture(amount, current.amount())?;
        let method = gateway_settings::load(self.ctx.db.conn(), tenant, current.method())
            .await?
            .ok_or(PaymentsError::MethodNotEnabled(current.method()))?;
        let gateway = self
            .gateway_of(current.method(), &method.config)?
            .ok_or(PaymentsError::WrongState(current.status()))?;
        let gateway_reference = current.gateway_reference.clone().unwrap_or_default();
        let answer = gateway
            .capture(&current.reference, &gateway_reference, amount)
            .await?;
        let captured = answer
            .captured
            .filter(|c| c.currency == amount.currency && c.minor <= current.amount_minor)
            .unwrap_or(amount);
        let mut tx = self.ctx.db.begin_write().await?;
        let note = Note {
            source: Source::Api,
            caller: *caller,
            action: "captured",
            detail: json!({ "amount": captured }),
        };
        let (after, _) = transition(&mut tx, tenant, id, &note, |before| {
            match before.status() {
                PaymentStatus::Authorized => Ok(Some(Target {
                    captured_minor: captured.minor,
                    ..Target::status(before, PaymentStatus::Paid)
                })),
                // A webhook recorded the capture first.
                PaymentStatus::Paid => Ok(None),
                other => Err(PaymentsError::WrongState(other)),
            }
        })
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The seller saw the transfer arrive: paid in full. Confirming twice is a no-op.
    pub async fn confirm_transfer(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> PaymentsResult<payment::Model> {
        self.settle_manually(
            caller,
            id,
            PaymentMethod::BankTransfer,
            PaymentStatus::Paid,
            "confirmed",
            Source::Api,
        )
        .await
    }

    /// The seller found no such transfer (or a wrong amount): the payment failed.
    pub async fn reject_transfer(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> PaymentsResult<payment::Model> {
        self.settle_manually(
            caller,
            id,
            PaymentMethod::BankTransfer,
            PaymentStatus::Failed,
            "rejected",
            Source::Api,
        )
        .await
    }

    async fn settle_manually(
        &self,
        caller: &Caller,
        id: Uuid,
        method: PaymentMethod,
        to: PaymentStatus,
        action: &'static str,
        source: Source,
    ) -> PaymentsResult<payment::Model> {
        let current = self.find(caller.tenant, id).await?;
        if current.method() != method {
            return Err(PaymentsError::Invalid(FieldErrors::single(
                "method",
                "wrong_method",
                format!("Only {} payments are settled this way.", method.as_str()),
            )));
        }
        let mut tx = self.ctx.db.begin_write().await?;
        let (after, _) = settle_in(&mut tx, caller, id, to, action, source).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Refunds part or all of a settled payment. Idempotent on (store, `idempotency_key`).
    pub async fn refund_payment(
        &self,
        caller: &Caller,
        request: RefundRequest,
    ) -> PaymentsResult<(refund::Model, payment::Model)> {
        let tenant = caller.tenant;
        let mut errors = FieldErrors::new();
        if request.idempotency_key.is_empty() || request.idempotency_key.len() > MAX_KEY {
            errors.add(
                "idempotency_key",
                "invalid",
                format!("Give 1 to {MAX_KEY} characters."),
            );
        }
        let reason = request.reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_REASON {
            errors.add(
                "reason",
                "invalid",
                format!("Give 1 to {MAX_REASON} characters."),
            );
        }
        errors.finish()?;
        if let Some(done) =
            store::refund_by_key(self.ctx.db.conn(), tenant, &request.idempotency_key).await?
        {
            return self.replayed_refund(tenant, done, &request).await;
        }
        let current = self.find(tenant, request.payment_id).await?;
        if !matches!(
            current.status(),
            PaymentStatus::Paid | PaymentStatus::PartiallyRefunded | PaymentStatus::Refunded
        ) {
            return Err(PaymentsError::WrongState(current.status()));
        }
        check_refund(request.amount, current.captured(), current.refunded())?;
        let method = gateway_settings::load(self.ctx.db.conn(), tenant, current.method()).await?;
        let gateway = match &method {
            Some(method) => self.gateway_of(current.method(), &method.config)?,
            None => None,
        };
        let amount = request.amount;

        // First the refund is reserved: its row, `requested`, counts against what is left to
        // refund, so two refunds racing on one payment can never together pass the capture,
        // even while the gateway is being asked.
        let mut tx = self.ctx.db.begin_write().await?;
        let requested = refund::Model {
            id: Uuid::now_v7(),
            tenant_id: tenant.as_uuid(),
            payment_id: current.id,
            currency: current.currency.clone(),
            amount_minor: amount.minor,
            reason: reason.to_owned(),
            status: REFUND_REQUESTED.to_owned(),
            gateway_reference: None,
            idempotency_key: request.idempotency_key.clone(),
            created_at: clock::now(),
        };
        let requested = match store::insert_refund(&*tx, requested).await {
            Ok(row) => row,
            Err(error) if is_unique_violation(&error) => {
                drop(tx);
                let done =
                    store::refund_by_key(self.ctx.db.conn(), tenant, &request.idempotency_key)
                        .await?
                        .ok_or(PaymentsError::NotFound("refund"))?;
                return self.replayed_refund(tenant, done, &request).await;
            }
            Err(error) => return Err(error.into()),
        };
        let note = Note {
            source: Source::Api,
            caller: *caller,
            action: "refund_requested",
            detail: json!({ "refund_id": requested.id, "amount": amount, "reason": reason }),
        };
        // Touching the payment (figures unchanged) takes its row: the reservations of other
        // refunds of this payment are committed, or wait for this one, before they are counted.
        let (touched, _) = transition(&mut tx, tenant, current.id, &note, |before| {
            if !matches!(
                before.status(),
                PaymentStatus::Paid | PaymentStatus::PartiallyRefunded | PaymentStatus::Refunded
            ) {
                return Err(PaymentsError::WrongState(before.status()));
            }
            Ok(Some(Target::status(before, before.status())))
        })
        .await?;
        let reserved: i64 = store::refunds(&*tx, tenant, current.id)
            .await?
            .iter()
            .filter(|r| r.status == REFUND_REQUESTED && r.id != requested.id)
            .map(|r| r.amount_minor)
            .sum();
        let already = Money::new(touched.refunded_minor + reserved, touched.currency());
        check_refund(amount, touched.captured(), already)?;
        tx.commit().await?;

        let answer = match gateway {
            Some(gateway) => gateway
                .refund(
                    &current.reference,
                    current.gateway_reference.as_deref().unwrap_or_default(),
                    amount,
                    reason,
                    &request.idempotency_key,
                )
                .await
                .map(|answer| (answer.status, Some(answer.refund_reference))),
            // Bank transfers and cash are paid back by the seller; we record that they did.
            None => Ok((REFUND_SUCCEEDED.to_owned(), None)),
        };

        let mut tx = self.ctx.db.begin_write().await?;
        let (status, gateway_reference) = match answer {
            Ok(accepted) => accepted,
            Err(error) => {
                store::update_refund(&*tx, requested.id, REFUND_FAILED, None).await?;
                let note = Note {
                    source: Source::Api,
                    caller: *caller,
                    action: "refund_failed",
                    detail: json!({ "refund_id": requested.id, "error": error.to_string() }),
                };
                transition(&mut tx, tenant, current.id, &note, |before| {
                    Ok(Some(Target::status(before, before.status())))
                })
                .await?;
                tx.commit().await?;
                return Err(error.into());
            }
        };
        store::update_refund(&*tx, requested.id, &status, gateway_reference.as_deref()).await?;
        let note = Note {
            source: Source::Api,
            caller: *caller,
            action: "refunded",
            detail: json!({ "refund_id": requested.id, "amount": amount, "gateway_status": status }),
        };
        let (after, _) = transition(&mut tx, tenant, current.id, &note, |before| {
            let (total, status) = check_refund(amount, before.captured(), before.refunded())?;
            Ok(Some(Target {
                refunded_minor: total.minor,
                ..Target::status(before, status)
            }))
        })
        .await?;
        tx.publish(
            tenant,
            &PaymentEvent::Refunded {
                payment_id: after.id,
                order_id: after.order_id,
                refund_id: requested.id,
                amount,
                total_refunded: after.refunded(),
            },
        )
        .await?;
        tx.commit().await?;
        let refunded = refund::Model {
            status,
            gateway_reference,
            ..requested
        };
        Ok((refunded, after))
    }

    async fn replayed_refund(
        &self,
        tenant: TenantId,
        done: refund::Model,
        request: &RefundRequest,
    ) -> PaymentsResult<(refund::Model, payment::Model)> {
        if done.payment_id != request.payment_id || done.amount_minor != request.amount.minor {
            return Err(FieldErrors::single(
                "idempotency_key",
                "reused",
                "This key was used for another refund.",
            )
            .into());
        }
        let payment = self.find(tenant, done.payment_id).await?;
        Ok((done, payment))
    }

    /// A refund of the store, for its payment's currency.
    pub fn refund_view(&self, row: &refund::Model, payment: &payment::Model) -> RefundView {
        refund_view(row, payment.currency())
    }

    pub async fn refunds(
        &self,
        tenant: TenantId,
        payment: &payment::Model,
    ) -> PaymentsResult<Vec<RefundView>> {
        Ok(store::refunds(self.ctx.db.conn(), tenant, payment.id)
            .await?
            .iter()
            .map(|r| refund_view(r, payment.currency()))
            .collect())
    }

    /// What a buyer with the link needs, whichever store it belongs to.
    pub async fn by_link(&self, link_token: &str) -> PaymentsResult<payment::Model> {
        if link_token.len() != 64 || !link_token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(PaymentsError::NotFound("payment"));
        }
        store::payment_by_link(self.ctx.db.conn(), link_token)
            .await?
            .ok_or(PaymentsError::NotFound("payment"))
    }
}

/// Moves an unpaid payment to `to` (`paid` with everything captured, or an ending) inside
/// `tx`: the seller's confirm and reject, cash collected on delivery, a lapsed transfer.
/// A payment already there is left alone; one past it is refused.
pub(crate) async fn settle_in(
    tx: &mut smartseller_platform::WriteTx,
    caller: &Caller,
    id: Uuid,
    to: PaymentStatus,
    action: &'static str,
    source: Source,
) -> PaymentsResult<(payment::Model, bool)> {
    let note = Note {
        source,
        caller: *caller,
        action,
        detail: json!({}),
    };
    transition(tx, caller.tenant, id, &note, |before| {
        let status = before.status();
        if status == to {
            return Ok(None);
        }
        if !domain::status::is_unsettled(status) {
            return Err(PaymentsError::WrongState(status));
        }
        Ok(Some(Target {
            captured_minor: if to == PaymentStatus::Paid {
                before.amount_minor
            } else {
                before.captured_minor
            },
            ..Target::status(before, to)
        }))
    })
    .await
}

/// When an unpaid payment lapses, if its method lets it.
pub fn lapses_at(row: &payment::Model) -> Option<DateTime<Utc>> {
    (row.method() != PaymentMethod::Cod)
        .then_some(row.expires_at)
        .flatten()
}

#[async_trait::async_trait]
impl Payments for PaymentsService {
    async fn start(
        &self,
        tenant: TenantId,
        request: StartPayment,
    ) -> Result<PaymentView, PaymentError> {
        let row = self.start_payment(&Caller::system(tenant), request).await?;
        Ok(self.view(&row))
    }

    async fn void(&self, tenant: TenantId, payment_id: Uuid) -> Result<PaymentView, PaymentError> {
        let row = self
            .void_payment(&Caller::system(tenant), payment_id)
            .await?;
        Ok(self.view(&row))
    }

    async fn refund(
        &self,
        tenant: TenantId,
        request: RefundRequest,
    ) -> Result<RefundView, PaymentError> {
        let (refund, payment) = self
            .refund_payment(&Caller::system(tenant), request)
            .await?;
        Ok(refund_view(&refund, payment.currency()))
    }

    async fn get(&self, tenant: TenantId, payment_id: Uuid) -> Result<PaymentView, PaymentError> {
        let row = self.find(tenant, payment_id).await?;
        Ok(self.view(&row))
    }
}

/// What opening a payment gives: its status, the gateway's reference, a redirect, and what the
/// buyer needs to pay.
type Opening = (
    PaymentStatus,
    Option<String>,
    Option<String>,
    Option<serde_json::Value>,
);

/// Opening a payment that needs no gateway (bank transfer, cash on delivery): known at once,
/// so it is written in the transaction that creates the payment.
fn offline_opening(created: &payment::Model, config: &MethodConfig) -> Option<Opening> {
    match config {
        MethodConfig::CashOnDelivery => Some((
            PaymentStatus::AwaitingPayment,
            None,
            None,
            Some(json!({ "collect_on_delivery": true, "amount": created.amount() })),
        )),
        MethodConfig::BankTransfer(account) => Some((
            PaymentStatus::AwaitingPayment,
            None,
            None,
            Some(json!({
                "bank": account.bank,
                "account_number": account.account_number,
                "account_holder": account.account_holder,
                "amount": created.amount(),
                "reference": created.reference,
            })),
        )),
        MethodConfig::Gateway(_) => None,
    }
}
