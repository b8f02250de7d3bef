//! Routes without sign-in: gateways' notifications and the buyer's payment link.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use serde::Serialize;
use smartseller_contracts::payments::PaymentMethod;
use smartseller_kernel::TenantId;
use smartseller_kernel::money::Money;
use smartseller_web::problem::ApiError;
use smartseller_web::{ApiResult, Json, Path};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::webhooks::{self, WebhookOutcome};
use crate::app::{PaymentsCtx, PaymentsService};

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAnswer {
    pub outcome: WebhookOutcome,
}

/// A gateway's notification. Verified over the raw body with the store's gateway credentials;
/// answered 200 once stored (duplicates and unknown payments included) so the gateway stops
/// retrying. A wrong URL answers 404, a bad signature 401, and neither stores anything.
#[utoipa::path(post, path = "/api/v1/webhooks/payments/{method}/{tenant_id}/{webhook_secret}", tag = "payments",
    params(("method" = String, Path), ("tenant_id" = Uuid, Path), ("webhook_secret" = String, Path)),
    request_body(content = String, description = "The gateway's notification, as it sent it"),
    responses((status = 200, body = WebhookAnswer), (status = 400, body = smartseller_web::Problem),
        (status = 401, body = smartseller_web::Problem), (status = 404, body = smartseller_web::Problem)))]
pub async fn webhook(
    State(ctx): State<PaymentsCtx>,
    axum::extract::Path((method, tenant, secret)): axum::extract::Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<WebhookAnswer>> {
    let (Some(method), Ok(tenant)) = (PaymentMethod::parse(&method), Uuid::parse_str(&tenant))
    else {
        return Err(ApiError::not_found("webhook"));
    };
    let outcome =
        webhooks::receive(&ctx, TenantId(tenant), method, &secret, &headers, &body).await?;
    Ok(Json(WebhookAnswer { outcome }))
}

/// What a buyer holding the link needs to pay, and nothing else.
#[derive(Debug, Serialize, ToSchema)]
pub struct PayLinkView {
    pub order_number: String,
    pub method: String,
    pub status: String,
    pub amount: Money,
    pub redirect_url: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub instructions: Option<serde_json::Value>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[utoipa::path(get, path = "/api/v1/pay/{link_token}", tag = "payments",
    params(("link_token" = String, Path)),
    responses((status = 200, body = PayLinkView), (status = 404, body = smartseller_web::Problem)))]
pub async fn pay_link(
    State(ctx): State<PaymentsCtx>,
    Path(link_token): Path<String>,
) -> ApiResult<Json<PayLinkView>> {
    let row = PaymentsService::new(ctx).by_link(&link_token).await?;
    Ok(Json(PayLinkView {
        order_number: row.order_number.clone(),
        method: row.method.clone(),
        status: row.status.clone(),
        amount: row.amount(),
        redirect_url: row.redirect_url.clone(),
        instructions: row.instructions.clone(),
        expires_at: row.expires_at,
    }))
}
