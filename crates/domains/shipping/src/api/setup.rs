//! `/api/v1/shipping/...`: rates, origins, provider accounts and flat rates.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use smartseller_kernel::validation::FieldErrors;
use smartseller_web::auth::{Actor, perm};
use smartseller_web::{ApiResult, Json, Path};
use uuid::Uuid;

use super::dto::*;
use crate::app::setup::{self, FlatRateDraft, OriginDraft};
use crate::app::{ShippingCtx, service};

/// Prices delivery with every enabled provider and the store's flat rates.
#[utoipa::path(post, path = "/api/v1/shipping/rates", tag = "shipping", security(("bearer" = []), ("api_key" = [])),
    request_body = RateRequestBody, responses((status = 200, body = RatesView), (status = 422, body = smartseller_web::Problem)))]
pub async fn rates(
    State(ctx): State<ShippingCtx>,
    actor: Actor<perm::ShippingManage>,
    Json(body): Json<RateRequestBody>,
) -> ApiResult<Json<RatesView>> {
    let rates = service::quote(&ctx, actor.tenant, body.into()).await?;
    Ok(Json(RatesView {
        rates: rates.into_iter().map(Into::into).collect(),
    }))
}

/// Where the store's parcels leave from.
#[utoipa::path(get, path = "/api/v1/shipping/origins", tag = "shipping", security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = OriginsView)))]
pub async fn get_origins(
    State(ctx): State<ShippingCtx>,
    actor: Actor<perm::OrdersRead>,
) -> ApiResult<Json<OriginsView>> {
    let origins = setup::origins(&ctx, actor.tenant).await?;
    Ok(Json(OriginsView {
        origins: origins.into_iter().map(Into::into).collect(),
    }))
}

fn origin_draft(i: usize, body: OriginBody, errors: &mut FieldErrors) -> OriginDraft {
    for (field, value) in [
        ("name", &body.name),
        ("contact_name", &body.contact_name),
        ("phone", &body.phone),
        ("address", &body.address),
        ("city", &body.city),
        ("postal_code", &body.postal_code),
    ] {
        if value.trim().is_empty() {
            errors.add(&format!("origins[{i}].{field}"), "required", "Required.");
        }
    }
    OriginDraft {
        warehouse_id: body.warehouse_id,
        name: body.name.trim().to_owned(),
        contact_name: body.contact_name.trim().to_owned(),
        phone: body.phone.trim().to_owned(),
        address: body.address.trim().to_owned(),
        city: body.city.trim().to_owned(),
        postal_code: body.postal_code.trim().to_owned(),
        area_ids: body.area_ids,
        is_default: body.is_default,
    }
}

/// Replaces the store's origins: one default, at most one per warehouse.
#[utoipa::path(put, path = "/api/v1/shipping/origins", tag = "shipping", security(("bearer" = []), ("api_key" = [])),
    request_body = OriginsBody, responses((status = 200, body = OriginsView), (status = 422, body = smartseller_web::Problem)))]
pub async fn put_origins(
    State(ctx): State<ShippingCtx>,
    actor: Actor<perm::ShippingManage>,
    Json(body): Json<OriginsBody>,
) -> ApiResult<Json<OriginsView>> {
    let mut errors = FieldErrors::new();
    let drafts: Vec<OriginDraft> = body
        .origins
        .into_iter()
        .enumerate()
        .map(|(i, origin)| origin_draft(i, origin, &mut errors))
        .collect();
    errors.finish()?;
    let origins = setup::replace_origins(&ctx, actor.tenant, drafts).await?;
    Ok(Json(OriginsView {
        origins: origins.into_iter().map(Into::into).collect(),
    }))
}

/// The store's provider accounts, secrets redacted, each with its webhook URL.
#[utoipa::path(get, path = "/api/v1/shipping/providers", tag = "shipping", security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = ProvidersView)))]
pub async fn list_providers(
    State(ctx): State<ShippingCtx>,
    actor: Actor<perm::ShippingManage>,
) -> ApiResult<Json<ProvidersView>> {
    let accounts = setup::provider_accounts(&ctx, actor.tenant).await?;
    Ok(Json(ProvidersView {
        providers: accounts
            .into_iter()
            .map(|account| provider_view(&ctx, account))
            .collect(),
    }))
}

fn provider_view(
    ctx: &ShippingCtx,
    account: crate::store::provider_account::Model,
) -> ProviderView {
    ProviderView {
        webhook_url: setup::webhook_url(ctx, &account),
        config: setup::redacted(&account.config),
        provider: account.provider,
        enabled: account.enabled,
        updated_at: account.updated_at,
    }
}

/// Saves the store's account with a provider (`biteship`, `rajaongkir`, `jne`, `jnt`, `sicepat`).
#[utoipa::path(put, path = "/api/v1/shipping/providers/{code}", tag = "shipping", security(("bearer" = []), ("api_key" = [])),
    params(("code" = String, Path)), request_body = ProviderBody,
    responses((status = 200, body = ProviderView), (status = 404, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn put_provider(
    State(ctx): State<ShippingCtx>,
    actor: Actor<perm::ShippingManage>,
    Path(code): Path<String>,
    Json(body): Json<ProviderBody>,
) -> ApiResult<Json<ProviderView>> {
    let saved =
        setup::configure_provider(&ctx, actor.tenant, &code, body.config, body.enabled).await?;
    Ok(Json(provider_view(&ctx, saved)))
}

/// The store's own delivery options.
#[utoipa::path(get, path = "/api/v1/shipping/flat-rates", tag = "shipping", security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = FlatRatesView)))]
pub async fn list_flat_rates(
    State(ctx): State<ShippingCtx>,
    actor: Actor<perm::OrdersRead>,
) -> ApiResult<Json<FlatRatesView>> {
    let rates = setup::flat_rates(&ctx, actor.tenant).await?;
    Ok(Json(FlatRatesView {
        flat_rates: rates.into_iter().map(Into::into).collect(),
    }))
}

fn flat_rate_draft(body: FlatRateBody) -> Result<FlatRateDraft, FieldErrors> {
    let mut errors = FieldErrors::new();
    if body.name.trim().is_empty() {
        errors.add("name", "required", "Name the option.");
    }
    if body.courier_code.trim().is_empty() {
        errors.add("courier_code", "required", "e.g. `kurir_toko` or `pickup`.");
    }
    if body.price.minor < 0 {
        errors.add("price", "negative", "A price is zero or more.");
    }
    errors.finish()?;
    let service_code = if body.service_code.trim().is_empty() {
        "standard".to_owned()
    } else {
        body.service_code.trim().to_owned()
    };
    Ok(FlatRateDraft {
        name: body.name.trim().to_owned(),
        courier_code: body.courier_code.trim().to_ascii_lowercase(),
        service_code,
        price: body.price,
        etd: body.etd,
        cod_allowed: body.cod_allowed,
        active: body.active,
    })
}

/// Adds a delivery option the store prices itself.
#[utoipa::path(post, path = "/api/v1/shipping/flat-rates", tag = "shipping", security(("bearer" = []), ("api_key" = [])),
    request_body = FlatRateBody, responses((status = 201, body = FlatRateView), (status = 422, body = smartseller_web::Problem)))]
pub async fn create_flat_rate(
    State(ctx): State<ShippingCtx>,
    actor: Actor<perm::ShippingManage>,
    Json(body): Json<FlatRateBody>,
) -> ApiResult<Response> {
    let created = setup::create_flat_rate(&ctx, actor.tenant, flat_rate_draft(body)?).await?;
    Ok((StatusCode::CREATED, Json(FlatRateView::from(created))).into_response())
}

#[utoipa::path(put, path = "/api/v1/shipping/flat-rates/{id}", tag = "shipping", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = FlatRateBody,
    responses((status = 200, body = FlatRateView), (status = 404, body = smartseller_web::Problem), (status = 422, body = smartseller_web::Problem)))]
pub async fn update_flat_rate(
    State(ctx): State<ShippingCtx>,
    actor: Actor<perm::ShippingManage>,
    Path(id): Path<Uuid>,
    Json(body): Json<FlatRateBody>,
) -> ApiResult<Json<FlatRateView>> {
    let updated = setup::update_flat_rate(&ctx, actor.tenant, id, flat_rate_draft(body)?).await?;
    Ok(Json(updated.into()))
}

#[utoipa::path(delete, path = "/api/v1/shipping/flat-rates/{id}", tag = "shipping", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = smartseller_web::Problem)))]
pub async fn delete_flat_rate(
    State(ctx): State<ShippingCtx>,
    actor: Actor<perm::ShippingManage>,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    setup::delete_flat_rate(&ctx, actor.tenant, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
