//! A store's shipping setup: where parcels leave from, which provider accounts it uses, and its
//! own flat-rate delivery options for selling with no courier account at all.

use std::collections::{BTreeMap, HashSet};

use rand::RngCore;
use sea_orm::{ActiveModelTrait, Set};
use smartseller_kernel::money::Money;
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, clock};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::{AppError, AppResult, ShippingCtx};
use crate::providers::ProviderConfig;
use crate::store::{self, flat_rate, origin, provider_account};

/// The provider codes a store can configure.
pub const PROVIDER_CODES: &[&str] = &["biteship", "rajaongkir", "jne", "jnt", "sicepat"];

/// Config fields that are secrets: shown redacted, kept when a redacted value comes back.
const SECRET_FIELDS: &[&str] = &["api_key", "order_key", "tariff_key", "company_password"];

/// What a redacted secret reads as.
pub const REDACTED: &str = "********";

/// A place parcels leave from, as the seller describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginDraft {
    pub warehouse_id: Option<Uuid>,
    pub name: String,
    pub contact_name: String,
    pub phone: String,
    pub address: String,
    pub city: String,
    pub postal_code: String,
    /// The provider's own location id per provider code (Biteship area id, ...).
    pub area_ids: BTreeMap<String, String>,
    pub is_default: bool,
}

pub async fn origins(ctx: &ShippingCtx, tenant: TenantId) -> AppResult<Vec<origin::Model>> {
    Ok(store::origins(ctx.db.conn(), tenant).await?)
}

/// Replaces the store's origins. One is the default (the first, unless one says so); a
/// warehouse has at most one origin.
pub async fn replace_origins(
    ctx: &ShippingCtx,
    tenant: TenantId,
    mut drafts: Vec<OriginDraft>,
) -> AppResult<Vec<origin::Model>> {
    let mut errors = FieldErrors::new();
    let defaults = drafts.iter().filter(|d| d.is_default).count();
    if defaults > 1 {
        errors.add(
            "origins",
            "two_defaults",
            "Only one origin can be the default.",
        );
    }
    let mut warehouses = HashSet::new();
    for (i, draft) in drafts.iter().enumerate() {
        if let Some(warehouse) = draft.warehouse_id
            && !warehouses.insert(warehouse)
        {
            errors.add(
                &format!("origins[{i}].warehouse_id"),
                "duplicate",
                "This warehouse already has an origin.",
            );
        }
    }
    errors.finish()?;
    if defaults == 0
        && let Some(first) = drafts.first_mut()
    {
        first.is_default = true;
    }
    let now = clock::now();
    let rows = drafts
        .into_iter()
        .map(|d| origin::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(tenant.as_uuid()),
            warehouse_id: Set(d.warehouse_id),
            name: Set(d.name),
            contact_name: Set(d.contact_name),
            phone: Set(d.phone),
            address: Set(d.address),
            city: Set(d.city),
            postal_code: Set(d.postal_code),
            area_ids: Set(serde_json::to_value(d.area_ids).unwrap_or_default()),
            is_default: Set(d.is_default),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    let tx = ctx.db.begin_write().await?;
    store::replace_origins(&*tx, tenant, rows).await?;
    tx.commit().await?;
    origins(ctx, tenant).await
}

pub async fn provider_accounts(
    ctx: &ShippingCtx,
    tenant: TenantId,
) -> AppResult<Vec<provider_account::Model>> {
    Ok(store::provider_accounts(ctx.db.conn(), tenant).await?)
}

/// Saves the store's account with `code`. Secrets sent back as [`REDACTED`] keep their stored
/// value, so a form can be saved without retyping keys. The webhook secret is made once.
pub async fn configure_provider(
    ctx: &ShippingCtx,
    tenant: TenantId,
    code: &str,
    config: serde_json::Value,
    enabled: bool,
) -> AppResult<provider_account::Model> {
    if !PROVIDER_CODES.contains(&code) {
        return Err(AppError::NotFound("shipping provider"));
    }
    let tx = ctx.db.begin_write().await?;
    let existing = store::provider_account(&*tx, tenant, code).await?;
    let mut config = config;
    if let (Some(incoming), Some(stored)) = (
        config.as_object_mut(),
        existing.as_ref().and_then(|e| e.config.as_object()),
    ) {
        for field in SECRET_FIELDS {
            if incoming.get(*field).and_then(|v| v.as_str()) == Some(REDACTED)
                && let Some(previous) = stored.get(*field)
            {
                incoming.insert((*field).to_owned(), previous.clone());
            }
        }
    }
    if let Some(object) = config.as_object_mut() {
        object
            .entry("provider")
            .or_insert_with(|| serde_json::Value::String(code.to_owned()));
    }
    let parsed: ProviderConfig = serde_json::from_value(config.clone()).map_err(|error| {
        FieldErrors::single("config", "invalid", format!("Check the account: {error}"))
    })?;
    let parsed_code = serde_json::to_value(&parsed)
        .ok()
        .and_then(|v| v["provider"].as_str().map(str::to_owned));
    if parsed_code.as_deref() != Some(code) {
        return Err(FieldErrors::single(
            "config.provider",
            "mismatch",
            format!("This account is for `{code}`."),
        )
        .into());
    }
    let config = serde_json::to_value(&parsed).unwrap_or(config);
    let now = clock::now();
    let saved = match existing {
        Some(existing) => {
            let mut model: provider_account::ActiveModel = existing.into();
            model.config = Set(config);
            model.enabled = Set(enabled);
            model.updated_at = Set(now);
            model.update(&*tx).await?
        }
        None => {
            provider_account::ActiveModel {
                id: Set(Uuid::now_v7()),
                tenant_id: Set(tenant.as_uuid()),
                provider: Set(code.to_owned()),
                config: Set(config),
                enabled: Set(enabled),
                webhook_secret: Set(new_webhook_secret()),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&*tx)
            .await?
        }
    };
    tx.commit().await?;
    Ok(saved)
}

/// 32 random bytes in hex: the path segment that proves a push comes from the store's courier.
fn new_webhook_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// `config` with its secrets replaced by [`REDACTED`].
pub fn redacted(config: &serde_json::Value) -> serde_json::Value {
    let mut config = config.clone();
    if let Some(object) = config.as_object_mut() {
        for field in SECRET_FIELDS {
            if let Some(value) = object.get_mut(*field) {
                *value = serde_json::Value::String(REDACTED.to_owned());
            }
        }
    }
    config
}

/// Whether `offered` is the account's webhook secret, compared in constant time.
pub fn secret_matches(account: &provider_account::Model, offered: &str) -> bool {
    account
        .webhook_secret
        .as_bytes()
        .ct_eq(offered.as_bytes())
        .into()
}

/// Where the store's courier should push status changes.
pub fn webhook_url(ctx: &ShippingCtx, account: &provider_account::Model) -> String {
    format!(
        "{}/api/v1/webhooks/shipping/{}/{}/{}",
        ctx.settings.public_url.trim_end_matches('/'),
        account.provider,
        account.tenant_id,
        account.webhook_secret
    )
}

/// A delivery option the seller prices himself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlatRateDraft {
    pub name: String,
    /// `kurir_toko` (the store's own courier), `pickup`, or any code the seller uses.
    pub courier_code: String,
    pub service_code: String,
    pub price: Money,
    pub etd: Option<String>,
    pub cod_allowed: bool,
    pub active: bool,
}

pub async fn flat_rates(ctx: &ShippingCtx, tenant: TenantId) -> AppResult<Vec<flat_rate::Model>> {
    Ok(store::flat_rates(ctx.db.conn(), tenant, false).await?)
}

pub async fn create_flat_rate(
    ctx: &ShippingCtx,
    tenant: TenantId,
    draft: FlatRateDraft,
) -> AppResult<flat_rate::Model> {
    let now = clock::now();
    let tx = ctx.db.begin_write().await?;
    let created = flat_rate::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant.as_uuid()),
        name: Set(draft.name),
        courier_code: Set(draft.courier_code),
        service_code: Set(draft.service_code),
        price_minor: Set(draft.price.minor),
        currency: Set(draft.price.currency.code().to_owned()),
        etd: Set(draft.etd),
        cod_allowed: Set(draft.cod_allowed),
        active: Set(draft.active),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*tx)
    .await?;
    tx.commit().await?;
    Ok(created)
}

pub async fn update_flat_rate(
    ctx: &ShippingCtx,
    tenant: TenantId,
    id: Uuid,
    draft: FlatRateDraft,
) -> AppResult<flat_rate::Model> {
    let tx = ctx.db.begin_write().await?;
    let existing = store::flat_rate(&*tx, tenant, id)
        .await?
        .ok_or(AppError::NotFound("flat rate"))?;
    let mut model: flat_rate::ActiveModel = existing.into();
    model.name = Set(draft.name);
    model.courier_code = Set(draft.courier_code);
    model.service_code = Set(draft.service_code);
    model.price_minor = Set(draft.price.minor);
    model.currency = Set(draft.price.currency.code().to_owned());
    model.etd = Set(draft.etd);
    model.cod_allowed = Set(draft.cod_allowed);
    model.active = Set(draft.active);
    model.updated_at = Set(clock::now());
    let updated = model.update(&*tx).await?;
    tx.commit().await?;
    Ok(updated)
}

pub async fn delete_flat_rate(ctx: &ShippingCtx, tenant: TenantId, id: Uuid) -> AppResult<()> {
    let tx = ctx.db.begin_write().await?;
    let deleted = store::delete_flat_rate(&*tx, tenant, id).await?;
    tx.commit().await?;
    if deleted {
        Ok(())
    } else {
        Err(AppError::NotFound("flat rate"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_and_the_rest_is_kept() {
        let config = serde_json::json!({
            "provider": "jnt", "username": "toko", "api_key": "k", "order_key": "o",
            "tariff_key": "t", "company_password": "p", "company_id": "c"
        });
        let shown = redacted(&config);
        assert_eq!(shown["username"], "toko");
        assert_eq!(shown["company_id"], "c");
        for field in SECRET_FIELDS {
            assert_eq!(shown[*field], REDACTED);
        }
    }
}
