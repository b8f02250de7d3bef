//! `POST /api/v1/webhooks/shipping/{provider}/{tenant_id}/{secret}`: status pushes from
//! couriers. Public: the secret in the path is the credential.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Serialize;
use smartseller_kernel::TenantId;
use smartseller_web::{ApiResult, Json, Path};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::ShippingCtx;
use crate::app::webhooks::{self, WebhookOutcome};

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAnswer {
    /// `ping`, `duplicate`, `nothing`, `unknown_shipment`, `applied` or `unchanged`.
    pub outcome: String,
}

#[utoipa::path(post, path = "/api/v1/webhooks/shipping/{provider}/{tenant_id}/{secret}", tag = "webhooks",
    params(("provider" = String, Path), ("tenant_id" = Uuid, Path), ("secret" = String, Path)),
    request_body(content = String, content_type = "application/json"),
    responses((status = 200, body = WebhookAnswer), (status = 401, body = smartseller_web::Problem), (status = 404, body = smartseller_web::Problem)))]
pub async fn receive(
    State(ctx): State<ShippingCtx>,
    Path((provider, tenant_id, secret)): Path<(String, Uuid, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<WebhookAnswer>> {
    let outcome: WebhookOutcome = webhooks::receive(
        &ctx,
        &provider,
        TenantId(tenant_id),
        &secret,
        &headers,
        &body,
    )
    .await?;
    Ok(Json(WebhookAnswer {
        outcome: outcome.as_str().to_owned(),
    }))
}
