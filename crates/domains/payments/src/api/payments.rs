//! `/api/v1/payments`: the store's payments, what happened to each, and the seller's actions
//! on them (capture, confirm or reject a transfer, refund, void, attach a transfer proof).

use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use smartseller_contracts::payments::{
    PaymentCustomer, PaymentItem, PaymentStatus, RefundRequest, RefundView, StartPayment,
};
use smartseller_kernel::money::Money;
use smartseller_kernel::page::PageRequest;
use smartseller_kernel::permission::Permission;
use smartseller_kernel::validation::FieldErrors;
use smartseller_web::auth::{Actor, Authenticated, perm};
use smartseller_web::idempotency::RequireIdempotencyKey;
use smartseller_web::pagination::PageOf;
use smartseller_web::problem::ApiError;
use smartseller_web::{ApiResult, Json, Path, Query};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::gateways::parse_method;
use crate::app::history::{self, HistoryEntry};
use crate::app::proofs::{self, ProofRefusal, ProofView};
use crate::app::{Caller, PaymentsCtx, PaymentsService};
use crate::store::{PaymentFilter, payment};

/// A payment as the seller sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentBody {
    pub id: Uuid,
    pub order_id: Uuid,
    pub order_number: String,
    /// midtrans, xendit, stripe, paypal, virtual_account, bank_transfer or cod.
    pub method: String,
    /// created, awaiting_payment, review, authorized, paid, partially_refunded, refunded,
    /// chargeback, failed, expired or cancelled.
    pub status: String,
    pub amount: Money,
    pub captured: Money,
    pub refunded: Money,
    /// Our reference, as the gateway knows it.
    pub reference: String,
    pub gateway_reference: Option<String>,
    pub redirect_url: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub instructions: Option<serde_json::Value>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The buyer-facing link.
    pub payment_link: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PaymentBody {
    pub(crate) fn of(row: &payment::Model, ctx: &PaymentsCtx) -> Self {
        let view = row.to_view(&ctx.settings);
        Self {
            id: row.id,
            order_id: row.order_id,
            order_number: row.order_number.clone(),
            method: row.method.clone(),
            status: row.status.clone(),
            amount: row.amount(),
            captured: row.captured(),
            refunded: row.refunded(),
            reference: row.reference.clone(),
            gateway_reference: row.gateway_reference.clone(),
            redirect_url: row.redirect_url.clone(),
            instructions: row.instructions.clone(),
            expires_at: row.expires_at,
            payment_link: view.payment_link.unwrap_or_default(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemBody {
    pub sku: String,
    pub name: String,
    pub unit_price: Money,
    pub quantity: i64,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerBody {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestPayment {
    pub order_id: Uuid,
    pub order_number: String,
    pub method: String,
    /// In minor units: Rp 150.000 is `{"minor": 15000000, "currency": "IDR"}`.
    pub amount: Money,
    #[serde(default)]
    pub items: Vec<ItemBody>,
    #[serde(default)]
    pub customer: Option<CustomerBody>,
    #[serde(default)]
    pub return_url: Option<String>,
    /// When an unpaid payment lapses; 24 hours from now unless set. Ignored for `cod`.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// How long a payment requested over HTTP waits for its money unless told otherwise.
const DEFAULT_EXPIRY_HOURS: i64 = 24;

fn created(row: &payment::Model, ctx: &PaymentsCtx) -> Response {
    (
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/payments/{}", row.id))],
        Json(PaymentBody::of(row, ctx)),
    )
        .into_response()
}

/// Requests a payment for an order (manual orders; checkout uses the same use case in
/// process). Needs `Idempotency-Key`: a retry answers the same payment.
#[utoipa::path(post, path = "/api/v1/payments", tag = "payments", security(("bearer" = []), ("api_key" = [])),
    params(("Idempotency-Key" = String, Header, description = "Required")),
    request_body = RequestPayment,
    responses((status = 201, body = PaymentBody), (status = 402, body = smartseller_web::Problem),
        (status = 422, body = smartseller_web::Problem), (status = 503, body = smartseller_web::Problem)))]
pub async fn request_payment(
    State(ctx): State<PaymentsCtx>,
    actor: Actor<perm::PaymentsManage>,
    RequireIdempotencyKey(key): RequireIdempotencyKey,
    Json(body): Json<RequestPayment>,
) -> ApiResult<Response> {
    let method = parse_method(&body.method, "method")?;
    let customer = body.customer.unwrap_or_default();
    let request = StartPayment {
        order_id: body.order_id,
        order_number: body.order_number,
        method,
        amount: body.amount,
        items: body
            .items
            .into_iter()
            .map(|i| PaymentItem {
                sku: i.sku,
                name: i.name,
                unit_price: i.unit_price,
                quantity: i.quantity,
            })
            .collect(),
        customer: PaymentCustomer {
            name: customer.name,
            email: customer.email,
            phone: customer.phone,
        },
        return_url: body.return_url,
        expires_at: body
            .expires_at
            .unwrap_or_else(|| Utc::now() + chrono::Duration::hours(DEFAULT_EXPIRY_HOURS)),
        idempotency_key: format!("http:{key}"),
    };
    let service = PaymentsService::new(ctx.clone());
    let row = service
        .start_payment(&Caller::from(&actor.principal), request)
        .await?;
    Ok(created(&row, &ctx))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PaymentsQuery {
    pub limit: Option<u64>,
    pub cursor: Option<String>,
    pub status: Option<String>,
    pub method: Option<String>,
    pub order_id: Option<Uuid>,
}

/// The store's payments, oldest first.
#[utoipa::path(get, path = "/api/v1/payments", tag = "payments", security(("bearer" = []), ("api_key" = [])),
    params(PaymentsQuery),
    responses((status = 200, body = PageOf<PaymentBody>), (status = 422, body = smartseller_web::Problem)))]
pub async fn list_payments(
    State(ctx): State<PaymentsCtx>,
    actor: Actor<perm::PaymentsRead>,
    Query(query): Query<PaymentsQuery>,
) -> ApiResult<Json<PageOf<PaymentBody>>> {
    let page = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    let mut errors = FieldErrors::new();
    if let Some(status) = &query.status
        && PaymentStatus::parse(status).is_none()
    {
        errors.add(
            "status",
            "unknown_status",
            "Use a payment status, e.g. paid.",
        );
    }
    let method = match &query.method {
        Some(text) => match parse_method(text, "method") {
            Ok(method) => Some(method.as_str().to_owned()),
            Err(more) => {
                errors.0.extend(more.0);
                None
            }
        },
        None => None,
    };
    errors.finish()?;
    let filter = PaymentFilter {
        status: query.status,
        method,
        order_id: query.order_id,
    };
    let rows = PaymentsService::new(ctx.clone())
        .list(actor.tenant, &filter, page)
        .await?;
    Ok(Json(rows.map(|row| PaymentBody::of(&row, &ctx)).into()))
}

#[utoipa::path(get, path = "/api/v1/payments/{id}", tag = "payments", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = PaymentBody), (status = 404, body = smartseller_web::Problem)))]
pub async fn get_payment(
    State(ctx): State<PaymentsCtx>,
    actor: Actor<perm::PaymentsRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<PaymentBody>> {
    let row = PaymentsService::new(ctx.clone())
        .find(actor.tenant, id)
        .await?;
    Ok(Json(PaymentBody::of(&row, &ctx)))
}

/// Every change of the payment, oldest first: who, what, from what to what.
#[utoipa::path(get, path = "/api/v1/payments/{id}/history", tag = "payments", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = Vec<HistoryEntry>), (status = 404, body = smartseller_web::Problem)))]
pub async fn payment_history(
    State(ctx): State<PaymentsCtx>,
    actor: Actor<perm::PaymentsRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    Ok(Json(history::list(&ctx, actor.tenant, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptureBody {
    /// Up to the authorised amount; the rest of the hold is released.
    pub amount: Money,
}

/// Captures part or all of an authorised card payment.
#[utoipa::path(post, path = "/api/v1/payments/{id}/capture", tag = "payments", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = CaptureBody,
    responses((status = 200, body = PaymentBody), (status = 404, body = smartseller_web::Problem),
        (status = 409, description = "`payments.wrong_state`", body = smartseller_web::Problem),
        (status = 422, body = smartseller_web::Problem)))]
pub async fn capture(
    State(ctx): State<PaymentsCtx>,
    actor: Actor<perm::PaymentsManage>,
    Path(id): Path<Uuid>,
    Json(body): Json<CaptureBody>,
) -> ApiResult<Json<PaymentBody>> {
    let row = PaymentsService::new(ctx.clone())
        .capture(&Caller::from(&actor.principal), id, body.amount)
        .await?;
    Ok(Json(PaymentBody::of(&row, &ctx)))
}

/// The seller saw the bank transfer arrive: the payment is paid in full.
#[utoipa::path(post, path = "/api/v1/payments/{id}/confirm", tag = "payments", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PaymentBody), (status = 404, body = smartseller_web::Problem),
        (status = 409, body = smartseller_web::Problem)))]
pub async fn confirm(
    State(ctx): State<PaymentsCtx>,
    actor: Actor<perm::PaymentsManage>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<PaymentBody>> {
    let row = PaymentsService::new(ctx.clone())
        .confirm_transfer(&Caller::from(&actor.principal), id)
        .await?;
    Ok(Json(PaymentBody::of(&row, &ctx)))
}

/// The seller found no such transfer: the payment failed.
#[utoipa::path(post, path = "/api/v1/payments/{id}/reject", tag = "payments", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PaymentBody), (status = 404, body = smartseller_web::Problem),
        (status = 409, body = smartseller_web::Problem)))]
pub async fn reject(
    State(ctx): State<PaymentsCtx>,
    actor: Actor<perm::PaymentsManage>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<PaymentBody>> {
    let row = PaymentsService::new(ctx.clone())
        .reject_transfer(&Caller::from(&actor.principal), id)
        .await?;
    Ok(Json(PaymentBody::of(&row, &ctx)))
}

/// Gives up an unpaid payment (cancelled at the gateway too). A paid one is refused: refund it.
#[utoipa::path(post, path = "/api/v1/payments/{id}/void", tag = "payments", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PaymentBody), (status = 404, body = smartseller_web::Problem),
        (status = 409, body = smartseller_web::Problem)))]
pub async fn void(
    State(ctx): State<PaymentsCtx>,
    actor: Actor<perm::PaymentsManage>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<PaymentBody>> {
    let row = PaymentsService::new(ctx.clone())
        .void_payment(&Caller::from(&actor.principal), id)
        .await?;
    Ok(Json(PaymentBody::of(&row, &ctx)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundBody {
    pub amount: Money,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RefundBodyView {
    pub id: Uuid,
    pub payment_id: Uuid,
    pub amount: Money,
    /// pending, succeeded or failed.
    pub status: String,
    pub gateway_reference: Option<String>,
}

impl From<RefundView> for RefundBodyView {
    fn from(r: RefundView) -> Self {
        Self {
            id: r.refund_id,
            payment_id: r.payment_id,
            amount: r.amount,
            status: r.status,
            gateway_reference: r.gateway_reference,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RefundAnswer {
    pub refund: RefundBodyView,
    pub payment: PaymentBody,
}

/// Refunds part or all of a settled payment through the gateway that took it (bank transfers
/// and cash: recorded as paid back by the seller). Needs `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/payments/{id}/refunds", tag = "payments", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = String, Header, description = "Required")),
    request_body = RefundBody,
    responses((status = 201, body = RefundAnswer), (status = 404, body = smartseller_web::Problem),
        (status = 409, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn refund(
    State(ctx): State<PaymentsCtx>,
    actor: Actor<perm::PaymentsRefund>,
    RequireIdempotencyKey(key): RequireIdempotencyKey,
    Path(id): Path<Uuid>,
    Json(body): Json<RefundBody>,
) -> ApiResult<Response> {
    let service = PaymentsService::new(ctx.clone());
    let (refund, payment) = service
        .refund_payment(
            &Caller::from(&actor.principal),
            RefundRequest {
                payment_id: id,
                amount: body.amount,
                reason: body.reason,
                idempotency_key: format!("http:{key}"),
            },
        )
        .await?;
    let answer = RefundAnswer {
        refund: service.refund_view(&refund, &payment).into(),
        payment: PaymentBody::of(&payment, &ctx),
    };
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

#[utoipa::path(get, path = "/api/v1/payments/{id}/refunds", tag = "payments", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<RefundBodyView>), (status = 404, body = smartseller_web::Problem)))]
pub async fn list_refunds(
    State(ctx): State<PaymentsCtx>,
    actor: Actor<perm::PaymentsRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<RefundBodyView>>> {
    let service = PaymentsService::new(ctx);
    let payment = service.find(actor.tenant, id).await?;
    Ok(Json(
        service
            .refunds(actor.tenant, &payment)
            .await?
            .into_iter()
            .map(RefundBodyView::from)
            .collect(),
    ))
}

/// A `multipart/form-data` upload with one part named `file`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ProofUpload {
    /// JPEG, PNG, WebP or PDF, judged by its content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Attaches the buyer's transfer receipt to an unpaid bank transfer. Allowed to people who
/// manage payments or write orders.
#[utoipa::path(post, path = "/api/v1/payments/{id}/proof", tag = "payments", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body(content = ProofUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = ProofView), (status = 404, body = smartseller_web::Problem),
        (status = 409, body = smartseller_web::Problem), (status = 413, body = smartseller_web::Problem),
        (status = 415, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn upload_proof(
    State(ctx): State<PaymentsCtx>,
    Authenticated(principal): Authenticated,
    Path(id): Path<Uuid>,
    request: axum::extract::Request,
) -> ApiResult<Response> {
    if !(principal.can(Permission::PaymentsManage) || principal.can(Permission::OrdersWrite)) {
        return Err(ApiError::forbidden(
            "This needs the `payments:manage` or the `orders:write` permission.",
        ));
    }
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
        )
        .detail("Send the proof as `multipart/form-data` with a part named `file`."));
    }
    let mut form = <Multipart as axum::extract::FromRequest<()>>::from_request(request, &())
        .await
        .map_err(|r| ApiError::bad_request("payments.unreadable_upload", r.body_text()))?;
    let max = ctx.settings.max_proof_bytes;
    let bytes = read_file_part(&mut form, max).await?;
    let file_type = proofs::check_proof(&bytes, max).map_err(refusal)?;
    let stored = proofs::upload(&ctx, &Caller::from(&principal), id, file_type, bytes).await?;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

fn refusal(refusal: ProofRefusal) -> ApiError {
    match refusal {
        ProofRefusal::Empty => {
            ApiError::validation(FieldErrors::single("file", "required", "Attach the proof."))
        }
        ProofRefusal::TooLarge { max_bytes } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payments.proof_too_large",
            "Proof too large",
        )
        .detail(format!("A proof may be at most {max_bytes} bytes."))
        .with("max_bytes", max_bytes),
        ProofRefusal::UnsupportedType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "payments.proof_type",
            "Unsupported proof type",
        )
        .detail("Send a JPEG, PNG or WebP photo, or a PDF."),
    }
}

/// The `file` part, read up to `max` bytes (one byte more is enough to refuse it).
async fn read_file_part(form: &mut Multipart, max: u64) -> ApiResult<Bytes> {
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    loop {
        let field = form
            .next_field()
            .await
            .map_err(|e| ApiError::bad_request("payments.unreadable_upload", e.body_text()))?;
        let Some(mut field) = field else {
            return Ok(Bytes::new());
        };
        if field.name() != Some("file") {
            continue;
        }
        let mut bytes = BytesMut::new();
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|e| ApiError::bad_request("payments.unreadable_upload", e.body_text()))?
        {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > limit {
                return Err(refusal(ProofRefusal::TooLarge { max_bytes: max }));
            }
        }
        return Ok(bytes.freeze());
    }
}

#[utoipa::path(get, path = "/api/v1/payments/{id}/proof", tag = "payments", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<ProofView>), (status = 404, body = smartseller_web::Problem)))]
pub async fn list_proofs(
    State(ctx): State<PaymentsCtx>,
    actor: Actor<perm::PaymentsRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<ProofView>>> {
    PaymentsService::new(ctx.clone())
        .find(actor.tenant, id)
        .await?;
    Ok(Json(proofs::list(&ctx, actor.tenant, id).await?))
}
