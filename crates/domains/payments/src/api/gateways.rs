//! `/api/v1/payments/gateways`: the store's payment methods and their credentials.

use axum::extract::State;
use serde::Deserialize;
use smartseller_contracts::payments::PaymentMethod;
use smartseller_kernel::validation::FieldErrors;
use smartseller_web::auth::{Actor, perm};
use smartseller_web::{ApiResult, Json, Path};
use utoipa::ToSchema;

use crate::app::PaymentsCtx;
use crate::app::gateway_settings::{self, GatewaySettingsView, GatewayUpdate, MethodOptions};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveGateway {
    pub enabled: bool,
    /// For gateway methods, the gateway's credentials (`{"gateway": "midtrans", "server_key":
    /// ...}`); for `bank_transfer`, `{bank, account_number, account_holder}`; for `cod`, `{}`.
    /// A secret sent back as `********` keeps the stored one.
    #[schema(value_type = Object)]
    #[serde(default)]
    pub config: serde_json::Value,
    /// `{bank}` for virtual accounts, `{manual_capture}` for cards.
    #[schema(value_type = Object)]
    #[serde(default)]
    pub options: Option<serde_json::Value>,
}

/// The store's payment methods, secrets hidden, with each gateway's webhook URL path.
#[utoipa::path(get, path = "/api/v1/payments/gateways", tag = "payments", security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Vec<GatewaySettingsView>)))]
pub async fn list_gateways(
    State(ctx): State<PaymentsCtx>,
    actor: Actor<perm::SettingsManage>,
) -> ApiResult<Json<Vec<GatewaySettingsView>>> {
    Ok(Json(gateway_settings::list(&ctx, actor.tenant).await?))
}

/// Sets up or changes one payment method; the configuration is checked for that method.
#[utoipa::path(put, path = "/api/v1/payments/gateways/{method}", tag = "payments", security(("bearer" = []), ("api_key" = [])),
    params(("method" = String, Path, description = "midtrans, xendit, stripe, paypal, virtual_account, bank_transfer or cod")),
    request_body = SaveGateway,
    responses((status = 200, body = GatewaySettingsView), (status = 422, body = smartseller_web::Problem)))]
pub async fn save_gateway(
    State(ctx): State<PaymentsCtx>,
    actor: Actor<perm::SettingsManage>,
    Path(method): Path<String>,
    Json(body): Json<SaveGateway>,
) -> ApiResult<Json<GatewaySettingsView>> {
    let method = parse_method(&method, "method")?;
    let options: MethodOptions = match body.options {
        None | Some(serde_json::Value::Null) => MethodOptions::default(),
        Some(value) => serde_json::from_value(value).map_err(|e| {
            FieldErrors::single(
                "options",
                "invalid",
                format!("Give bank and/or manual_capture: {e}"),
            )
        })?,
    };
    let saved = gateway_settings::save(
        &ctx,
        actor.tenant,
        method,
        GatewayUpdate {
            enabled: body.enabled,
            config: body.config,
            options,
        },
    )
    .await?;
    Ok(Json(saved))
}

pub(crate) fn parse_method(text: &str, field: &str) -> Result<PaymentMethod, FieldErrors> {
    PaymentMethod::parse(text).ok_or_else(|| {
        FieldErrors::single(
            field,
            "unknown_method",
            "Use midtrans, xendit, stripe, paypal, virtual_account, bank_transfer or cod.",
        )
    })
}
