//! A store's payment methods: which are enabled, the gateway credentials or bank account behind
//! each, and the secret in its webhook URL.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use smartseller_contracts::payments::PaymentMethod;
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, clock};
use subtle::ConstantTimeEq;

use super::{PaymentsCtx, PaymentsError, PaymentsResult, random_token};
use crate::gateways::GatewayConfig;
use crate::store::{self, gateway};

/// Shown instead of a secret; sending it back in an update keeps the stored secret.
pub const REDACTED: &str = "********";

/// The account a manual bank transfer goes to, as the seller shows it to buyers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankAccount {
    /// e.g. `BCA`, `Mandiri`.
    pub bank: String,
    pub account_number: String,
    pub account_holder: String,
}

/// What stands behind one payment method of a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MethodConfig {
    Gateway(GatewayConfig),
    BankTransfer(BankAccount),
    CashOnDelivery,
}

/// Per-method choices besides credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MethodOptions {
    /// For virtual accounts: `bca`, `bni`, `bri`, `permata` or `cimb` (`bca` unless set).
    pub bank: Option<String>,
    /// Authorise cards now and capture later (Stripe, PayPal).
    pub manual_capture: bool,
}

const VA_BANKS: &[&str] = &["bca", "bni", "bri", "permata", "cimb"];

impl MethodConfig {
    /// Checks `config` for `method`: the gateway that carries the method, its credentials
    /// present, its URLs HTTP(S).
    pub fn parse(method: PaymentMethod, config: &Value) -> Result<MethodConfig, FieldErrors> {
        let mut errors = FieldErrors::new();
        let parsed = match method {
            PaymentMethod::Cod => MethodConfig::CashOnDelivery,
            PaymentMethod::BankTransfer => {
                match serde_json::from_value::<BankAccount>(config.clone()) {
                    Ok(account) => {
                        for (field, value, max) in [
                            ("config.bank", &account.bank, 64),
                            ("config.account_number", &account.account_number, 34),
                            ("config.account_holder", &account.account_holder, 128),
                        ] {
                            let value = value.trim();
                            if value.is_empty() || value.chars().count() > max {
                                errors.add(
                                    field,
                                    "invalid",
                                    format!("Give 1 to {max} characters."),
                                );
                            }
                        }
                        if !account
                            .account_number
                            .chars()
                            .all(|c| c.is_ascii_digit() || c == '-' || c == ' ')
                        {
                            errors.add(
                                "config.account_number",
                                "invalid",
                                "Use digits (spaces and dashes allowed).",
                            );
                        }
                        MethodConfig::BankTransfer(account)
                    }
                    Err(error) => {
                        errors.add(
                            "config",
                            "invalid",
                            format!("Give bank, account_number and account_holder: {error}"),
                        );
                        MethodConfig::CashOnDelivery
                    }
                }
            }
            gateway_method => match serde_json::from_value::<GatewayConfig>(config.clone()) {
                Ok(gateway) => {
                    check_gateway(gateway_method, &gateway, &mut errors);
                    MethodConfig::Gateway(gateway)
                }
                Err(error) => {
                    errors.add(
                        "config",
                        "invalid",
                        format!("Give the gateway's credentials: {error}"),
                    );
                    MethodConfig::CashOnDelivery
                }
            },
        };
        errors.finish()?;
        Ok(parsed)
    }

    /// The JSON stored (secrets included) for this configuration.
    pub fn to_json(&self) -> Value {
        match self {
            MethodConfig::Gateway(gateway) => serde_json::to_value(gateway).unwrap_or(Value::Null),
            MethodConfig::BankTransfer(account) => {
                serde_json::to_value(account).unwrap_or(Value::Null)
            }
            MethodConfig::CashOnDelivery => Value::Object(Default::default()),
        }
    }
}

/// A field of a gateway's configuration, named as the seller's form names it.
type Field<'a, T> = (&'static str, &'a T);

/// The parts of a gateway configuration that are checked the same way for every gateway.
struct Checked<'a> {
    gateway: &'static str,
    secrets: Vec<Field<'a, String>>,
    urls: Vec<Field<'a, Option<String>>>,
}

fn check_gateway(method: PaymentMethod, gateway: &GatewayConfig, errors: &mut FieldErrors) {
    let expected = match method {
        PaymentMethod::Midtrans | PaymentMethod::VirtualAccount => "midtrans",
        PaymentMethod::Xendit => "xendit",
        PaymentMethod::Stripe => "stripe",
        PaymentMethod::Paypal => "paypal",
        PaymentMethod::BankTransfer | PaymentMethod::Cod => "",
    };
    let checked = match gateway {
        GatewayConfig::Midtrans {
            server_key,
            snap_base_url,
            core_base_url,
        } => Checked {
            gateway: "midtrans",
            secrets: vec![("config.server_key", server_key)],
            urls: vec![
                ("config.snap_base_url", snap_base_url),
                ("config.core_base_url", core_base_url),
            ],
        },
        GatewayConfig::Xendit {
            secret_key,
            callback_token,
            base_url,
        } => Checked {
            gateway: "xendit",
            secrets: vec![
                ("config.secret_key", secret_key),
                ("config.callback_token", callback_token),
            ],
            urls: vec![("config.base_url", base_url)],
        },
        GatewayConfig::Stripe {
            secret_key,
            webhook_secret,
            base_url,
            tolerance_seconds,
        } => {
            if tolerance_seconds.is_some_and(|t| !(1..=3600).contains(&t)) {
                errors.add(
                    "config.tolerance_seconds",
                    "out_of_range",
                    "Give 1 to 3600 seconds.",
                );
            }
            Checked {
                gateway: "stripe",
                secrets: vec![
                    ("config.secret_key", secret_key),
                    ("config.webhook_secret", webhook_secret),
                ],
                urls: vec![("config.base_url", base_url)],
            }
        }
        GatewayConfig::Paypal {
            client_id,
            client_secret,
            webhook_id,
            base_url,
            idr_per_unit,
            ..
        } => {
            if *idr_per_unit < 1 {
                errors.add(
                    "config.idr_per_unit",
                    "out_of_range",
                    "Give how many rupiah one unit of the PayPal currency is worth.",
                );
            }
            Checked {
                gateway: "paypal",
                secrets: vec![
                    ("config.client_id", client_id),
                    ("config.client_secret", client_secret),
                    ("config.webhook_id", webhook_id),
                ],
                urls: vec![("config.base_url", base_url)],
            }
        }
    };
    if checked.gateway != expected {
        errors.add(
            "config.gateway",
            "wrong_gateway",
            format!("{} payments go through `{expected}`.", method.as_str()),
        );
    }
    for (field, secret) in checked.secrets {
        if secret.trim().is_empty() || secret.len() > 512 || secret == REDACTED {
            errors.add(
                field,
                "required",
                "Give the value from the gateway's dashboard.",
            );
        }
    }
    for (field, url) in checked.urls {
        if let Some(url) = url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            errors.add(field, "invalid_url", "Give an http(s) URL.");
        }
    }
}

/// One method as the seller sees it: secrets hidden.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GatewaySettingsView {
    pub method: String,
    pub enabled: bool,
    /// The configuration with every key, secret and token shown as `********`.
    #[schema(value_type = Object)]
    pub config: Value,
    #[schema(value_type = Object)]
    pub options: Value,
    /// Where the gateway sends notifications (gateway methods only).
    pub webhook_path: Option<String>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl GatewaySettingsView {
    fn of(row: &gateway::Model) -> Self {
        let gateway_method = PaymentMethod::parse(&row.method)
            .is_some_and(|m| !matches!(m, PaymentMethod::BankTransfer | PaymentMethod::Cod));
        Self {
            method: row.method.clone(),
            enabled: row.enabled,
            config: redact(&row.config),
            options: row.options.clone(),
            webhook_path: gateway_method.then(|| {
                format!(
                    "/api/v1/webhooks/payments/{}/{}/{}",
                    row.method, row.tenant_id, row.webhook_secret
                )
            }),
            updated_at: row.updated_at,
        }
    }
}

fn is_secret(key: &str) -> bool {
    key == "secret" || key.ends_with("_key") || key.ends_with("_secret") || key.ends_with("_token")
}

/// The configuration with its secrets replaced by [`REDACTED`].
pub fn redact(config: &Value) -> Value {
    match config {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let shown = if is_secret(key) && value.is_string() {
                        Value::String(REDACTED.to_owned())
                    } else {
                        redact(value)
                    };
                    (key.clone(), shown)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `incoming` with every secret sent back as [`REDACTED`] replaced by the stored one, so a
/// seller can change one field without retyping every key.
fn keep_secrets(incoming: &Value, stored: &Value) -> Value {
    match (incoming, stored) {
        (Value::Object(new), Value::Object(old)) => Value::Object(
            new.iter()
                .map(|(key, value)| {
                    let kept = match (value, old.get(key)) {
                        (Value::String(text), Some(previous)) if text == REDACTED => {
                            previous.clone()
                        }
                        (nested, Some(previous)) => keep_secrets(nested, previous),
                        (other, None) => other.clone(),
                    };
                    (key.clone(), kept)
                })
                .collect(),
        ),
        (other, _) => other.clone(),
    }
}

/// A change to one method's settings.
#[derive(Debug, Clone)]
pub struct GatewayUpdate {
    pub enabled: bool,
    pub config: Value,
    pub options: MethodOptions,
}

/// Every method the store configured.
pub async fn list(ctx: &PaymentsCtx, tenant: TenantId) -> PaymentsResult<Vec<GatewaySettingsView>> {
    Ok(store::gateways(ctx.db.conn(), tenant)
        .await?
        .iter()
        .map(GatewaySettingsView::of)
        .collect())
}

/// Sets up or changes a method. The webhook secret is made once and kept.
pub async fn save(
    ctx: &PaymentsCtx,
    tenant: TenantId,
    method: PaymentMethod,
    update: GatewayUpdate,
) -> PaymentsResult<GatewaySettingsView> {
    let tx = ctx.db.begin_write().await?;
    let existing = store::gateway(&*tx, tenant, method.as_str()).await?;
    let config = match &existing {
        Some(row) => keep_secrets(&update.config, &row.config),
        None => update.config.clone(),
    };
    let parsed = MethodConfig::parse(method, &config)?;
    if let Some(bank) = &update.options.bank
        && !VA_BANKS.contains(&bank.as_str())
    {
        return Err(FieldErrors::single(
            "options.bank",
            "unknown_bank",
            "Use bca, bni, bri, permata or cimb.",
        )
        .into());
    }
    let row = gateway::Model {
        tenant_id: tenant.as_uuid(),
        method: method.as_str().to_owned(),
        config: parsed.to_json(),
        options: serde_json::to_value(&update.options).unwrap_or(Value::Null),
        enabled: update.enabled,
        webhook_secret: existing
            .as_ref()
            .map(|row| row.webhook_secret.clone())
            .unwrap_or_else(random_token),
        updated_at: clock::now(),
    };
    store::save_gateway(&*tx, row).await?;
    let saved = store::gateway(&*tx, tenant, method.as_str())
        .await?
        .ok_or(PaymentsError::NotFound("payment method"))?;
    tx.commit().await?;
    Ok(GatewaySettingsView::of(&saved))
}

/// A method of a store, ready to use.
#[derive(Debug, Clone)]
pub struct EnabledMethod {
    pub row: gateway::Model,
    pub config: MethodConfig,
    pub options: MethodOptions,
}

/// The store's configuration of `method`, if set up (enabled or not).
pub async fn load(
    conn: &impl sea_orm::ConnectionTrait,
    tenant: TenantId,
    method: PaymentMethod,
) -> PaymentsResult<Option<EnabledMethod>> {
    let Some(row) = store::gateway(conn, tenant, method.as_str()).await? else {
        return Ok(None);
    };
    let config = MethodConfig::parse(method, &row.config).map_err(|_| {
        PaymentsError::Unavailable(format!(
            "the stored {} configuration is unreadable",
            method.as_str()
        ))
    })?;
    let options = serde_json::from_value(row.options.clone()).unwrap_or_default();
    Ok(Some(EnabledMethod {
        row,
        config,
        options,
    }))
}

/// The configuration of an enabled method, or `MethodNotEnabled`.
pub async fn enabled(
    ctx: &PaymentsCtx,
    tenant: TenantId,
    method: PaymentMethod,
) -> PaymentsResult<EnabledMethod> {
    load(ctx.db.conn(), tenant, method)
        .await?
        .filter(|m| m.row.enabled)
        .ok_or(PaymentsError::MethodNotEnabled(method))
}

/// True when `given` is the method's webhook secret; compared in constant time.
pub fn secret_matches(row: &gateway::Model, given: &str) -> bool {
    row.webhook_secret.as_bytes().ct_eq(given.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_hidden_and_kept_when_sent_back_hidden() {
        let stored = json!({"gateway": "xendit", "secret_key": "xnd_real", "callback_token": "tok", "base_url": null});
        let shown = redact(&stored);
        assert_eq!(shown["secret_key"], REDACTED);
        assert_eq!(shown["callback_token"], REDACTED);
        assert_eq!(shown["gateway"], "xendit");
        let mut edited = shown.clone();
        edited["base_url"] = json!("http://127.0.0.1:9000");
        let merged = keep_secrets(&edited, &stored);
        assert_eq!(merged["secret_key"], "xnd_real");
        assert_eq!(merged["base_url"], "http://127.0.0.1:9000");
    }

    #[test]
    fn a_method_takes_only_its_own_gateway() {
        let midtrans = json!({"gateway": "midtrans", "server_key": "SB-Mid-server-x", "snap_base_url": null, "core_base_url": null});
        assert!(MethodConfig::parse(PaymentMethod::VirtualAccount, &midtrans).is_ok());
        let refused =
            MethodConfig::parse(PaymentMethod::Stripe, &midtrans).expect_err("wrong gateway");
        assert_eq!(refused.0[0].field, "config.gateway");
        let empty_key = json!({"gateway": "midtrans", "server_key": " ", "snap_base_url": "ftp://x", "core_base_url": null});
        let refused = MethodConfig::parse(PaymentMethod::Midtrans, &empty_key).expect_err("bad");
        let fields: Vec<&str> = refused.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["config.server_key", "config.snap_base_url"]);
    }

    #[test]
    fn a_bank_account_needs_every_field_and_digits() {
        let good = json!({"bank": "BCA", "account_number": "123-456 7890", "account_holder": "Toko Batik"});
        assert!(matches!(
            MethodConfig::parse(PaymentMethod::BankTransfer, &good),
            Ok(MethodConfig::BankTransfer(_))
        ));
        let bad = json!({"bank": "", "account_number": "12ab", "account_holder": "Toko"});
        let refused = MethodConfig::parse(PaymentMethod::BankTransfer, &bad).expect_err("bad");
        assert_eq!(refused.0.len(), 2);
    }
}
