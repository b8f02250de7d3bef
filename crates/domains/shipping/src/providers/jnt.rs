//! J&T Express Indonesia direct (`integrations/shipping.md` §6). J&T publishes no
//! documentation: endpoints and signing follow community plugin code and are **unconfirmed**.
//!
//! Orders and cancellations are form posts of `data_param` (JSON) signed with
//! `data_sign = base64(md5_hex(data_param + order_key))`; tariffs post `data` signed the same
//! way with the tariff key; tracking is JSON with HTTP Basic `company_id:password`.

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{Duration, Utc};
use md5::{Digest, Md5};
use serde::Deserialize;
use serde_json::{Value, json};
use smartseller_contracts::shipping::{ShipmentStatus, ShippingAddress, TrackingEntry};

use super::courier_words::status_from_words;
use super::units::{
    chargeable_kilograms, idr_from_json, parse_courier_time, whole_rupiah, wib_wall_clock,
};
use super::{
    ProviderBooking, ProviderError, ProviderRate, ProviderRateRequest, ProviderShipment,
    ProviderTracking, ShippingProvider, WebhookError, WebhookUpdate, http,
};

/// J&T accepts cancellation remarks of at most thirty characters.
const REMARK_CHARS: usize = 30;

/// How the MD5 digest becomes the signature. The plugin Base64-encodes the 32-character hex
/// text; the raw 16-byte digest is the other reading of J&T's words, kept until J&T confirms
/// which one its servers check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignVariant {
    #[default]
    Hex,
    RawDigest,
}

/// `base64(md5(payload + key))`, the digest taken as `variant` says.
pub fn sign(payload: &str, key: &str, variant: SignVariant) -> String {
    let digest = Md5::new()
        .chain_update(payload.as_bytes())
        .chain_update(key.as_bytes())
        .finalize();
    match variant {
        SignVariant::Hex => BASE64.encode(hex::encode(digest)),
        SignVariant::RawDigest => BASE64.encode(digest),
    }
}

/// Where each J&T call goes: production hosts differ per function (§6 table); a `base_url`
/// (sandbox, tests) puts every path under one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JntEndpoints {
    pub create_order: String,
    pub cancel_order: String,
    pub tariff: String,
    pub tracking: String,
}

impl JntEndpoints {
    pub fn production() -> Self {
        Self {
            create_order: "https://ecommerce.jntexpress.id/jts-idn-ecommerce-api/api/order/create"
                .to_owned(),
            cancel_order: "https://api.jet.co.id/jts-idn-ecommerce-api/api/order/cancel".to_owned(),
            tariff: "https://partner-track.jet.co.id/jandt_track/inquiry.action".to_owned(),
            tracking:
                "https://secure-jk.jet.co.id/jandt-order-web/track/trackAction!tracking.action"
                    .to_owned(),
        }
    }

    /// Every call under `base_url`, with the sandbox's paths.
    pub fn under(base_url: &str) -> Self {
        let base = http::trim_base(base_url);
        Self {
            create_order: format!("{base}/jts-idn-ecommerce-api/api/order/create"),
            cancel_order: format!("{base}/jts-idn-ecommerce-api/api/order/cancel"),
            tariff: format!("{base}/jandt_track/inquiry.action"),
            tracking: format!("{base}/jandt_track/track/trackAction!tracking.action"),
        }
    }
}

/// A J&T account's credentials.
#[derive(Clone)]
pub struct JntAccount {
    pub username: String,
    pub api_key: String,
    pub order_key: String,
    pub tariff_key: String,
    pub company_id: String,
    pub company_password: String,
    pub origin_code: String,
}

#[derive(Clone)]
pub struct JntClient {
    account: JntAccount,
    endpoints: JntEndpoints,
    sign_variant: SignVariant,
    http: reqwest::Client,
}

impl std::fmt::Debug for JntClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JntClient")
            .field("username", &self.account.username)
            .field("endpoints", &self.endpoints)
            .field("sign_variant", &self.sign_variant)
            .finish_non_exhaustive()
    }
}

impl JntClient {
    pub fn new(account: JntAccount, base_url: Option<String>, http: reqwest::Client) -> Self {
        let endpoints = base_url
            .as_deref()
            .map_or_else(JntEndpoints::production, JntEndpoints::under);
        Self {
            account,
            endpoints,
            sign_variant: SignVariant::default(),
            http,
        }
    }

    /// Signs with the other digest reading (see [`SignVariant`]).
    pub fn with_sign_variant(mut self, variant: SignVariant) -> Self {
        self.sign_variant = variant;
        self
    }

    async fn post_signed_order(
        &self,
        url: &str,
        detail: Value,
    ) -> Result<OrderAnswer, ProviderError> {
        let data_param = json!({ "detail": [detail] }).to_string();
        let data_sign = sign(&data_param, &self.account.order_key, self.sign_variant);
        let answer: OrderAnswer = http::send_json(
            self.http
                .post(url)
                .form(&[("data_param", data_param), ("data_sign", data_sign)]),
        )
        .await?;
        Ok(answer)
    }
}

fn destination_code(address: &ShippingAddress) -> Result<String, ProviderError> {
    address
        .area_id
        .clone()
        .filter(|code| !code.is_empty())
        .ok_or_else(|| {
            ProviderError::Rejected(
                "J&T needs the destination's J&T area code in area_id".to_owned(),
            )
        })
}

#[derive(Deserialize)]
struct OrderAnswer {
    #[serde(default)]
    success: bool,
    #[serde(default)]
    desc: Option<String>,
    #[serde(default)]
    detail: Vec<OrderDetail>,
}

#[derive(Debug, Deserialize)]
struct OrderDetail {
    #[serde(default)]
    status: String,
    #[serde(default)]
    awb_no: Option<String>,
    #[serde(default)]
    orderid: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

impl OrderAnswer {
    /// The first detail when J&T says it succeeded (`success` and `Sukses` in any case).
    fn succeeded(self) -> Result<OrderDetail, ProviderError> {
        let desc = self.desc;
        let detail = self.detail.into_iter().next();
        match detail {
            Some(detail) if self.success && detail.status.eq_ignore_ascii_case("sukses") => {
                Ok(detail)
            }
            Some(detail) => Err(ProviderError::Rejected(
                detail
                    .reason
                    .filter(|r| !r.is_empty())
                    .or(desc)
                    .unwrap_or(detail.status),
            )),
            None => Err(ProviderError::Rejected(
                desc.unwrap_or_else(|| "J&T answered no detail".to_owned()),
            )),
        }
    }
}

#[derive(Deserialize)]
struct TariffAnswer {
    is_success: Value,
    #[serde(default)]
    content: Value,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct TariffRow {
    name: String,
    cost: Value,
}

#[derive(Deserialize)]
struct TrackAnswer {
    #[serde(default)]
    awb: Option<String>,
    #[serde(default)]
    history: Vec<TrackHistory>,
}

#[derive(Deserialize)]
struct TrackHistory {
    date_time: String,
    #[serde(default)]
    city_name: Option<String>,
    status: String,
}

#[async_trait::async_trait]
impl ShippingProvider for JntClient {
    fn code(&self) -> &'static str {
        "jnt"
    }

    async fn quote(
        &self,
        request: &ProviderRateRequest,
    ) -> Result<Vec<ProviderRate>, ProviderError> {
        if !request.couriers.is_empty() && !request.couriers.iter().any(|c| c == "jnt") {
            return Ok(Vec::new());
        }
        let data = json!({
            "weight": chargeable_kilograms(request.weight_grams).to_string(),
            "sendSiteCode": self.account.origin_code,
            "destAreaCode": destination_code(&request.destination)?,
            "cusName": self.account.username,
            "productType": "EZ",
        })
        .to_string();
        let signature = sign(&data, &self.account.tariff_key, self.sign_variant);
        let answer: TariffAnswer = http::send_json(
            self.http
                .post(&self.endpoints.tariff)
                .form(&[("data", data), ("sign", signature)]),
        )
        .await?;
        let succeeded = match &answer.is_success {
            Value::Bool(flag) => *flag,
            Value::String(flag) => flag.eq_ignore_ascii_case("true"),
            _ => false,
        };
        if !succeeded {
            return Err(ProviderError::Rejected(
                answer
                    .message
                    .unwrap_or_else(|| "J&T refused the tariff request".to_owned()),
            ));
        }
        // The plugin's sample carries the rows as a JSON string inside the JSON answer.
        let rows: Vec<TariffRow> = match answer.content {
            Value::String(text) => http::decode(text.as_bytes())?,
            other => serde_json::from_value(other).map_err(|error| {
                ProviderError::Unavailable(format!("unreadable tariff: {error}"))
            })?,
        };
        rows.into_iter()
            .map(|row| {
                Ok(ProviderRate {
                    courier_code: "jnt".to_owned(),
                    courier_name: "J&T Express".to_owned(),
                    service_code: row.name.clone(),
                    service_name: row.name,
                    price: idr_from_json(&row.cost)?,
                    etd: None,
                    cash_on_delivery: false,
                })
            })
            .collect()
    }

    async fn book(&self, booking: &ProviderBooking) -> Result<ProviderShipment, ProviderError> {
        let origin = &booking.origin;
        let destination = &booking.destination;
        let destination_code = destination_code(destination)?;
        let now = Utc::now();
        let quantity: i64 = booking.items.iter().map(|i| i.quantity.max(0)).sum();
        let item_names = booking
            .items
            .iter()
            .map(|item| item.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let detail = json!({
            "username": self.account.username,
            "api_key": self.account.api_key,
            "orderid": booking.reference,
            "shipper_name": origin.name,
            "shipper_contact": origin.name,
            "shipper_phone": origin.phone,
            "shipper_addr": origin.address,
            "origin_code": self.account.origin_code,
            "receiver_name": destination.name,
            "receiver_phone": destination.phone,
            "receiver_addr": destination.address,
            "receiver_zip": destination.postal_code,
            "destination_code": destination_code,
            "receiver_area": destination_code,
            "qty": quantity.max(1).to_string(),
            "weight": chargeable_kilograms(booking.weight_grams).to_string(),
            "goodsdesc": booking.note.clone().unwrap_or_else(|| item_names.clone()),
            // 1 = the courier picks up.
            "servicetype": "1",
            "insurance": "0",
            "orderdate": wib_wall_clock(now),
            "item_name": if item_names.is_empty() { "Parcel".to_owned() } else { item_names },
            "cod": match booking.cash_on_delivery {
                Some(amount) => whole_rupiah(amount)?.to_string(),
                None => String::new(),
            },
            "sendstarttime": wib_wall_clock(now),
            "sendendtime": wib_wall_clock(now + Duration::days(1)),
            // 1 = EZ, J&T's regular service.
            "expresstype": "1",
            "goodsvalue": whole_rupiah(booking.goods_value)?.to_string(),
        });
        let detail = self
            .post_signed_order(&self.endpoints.create_order, detail)
            .await?
            .succeeded()?;
        let awb = detail
            .awb_no
            .filter(|awb| !awb.is_empty())
            .ok_or_else(|| ProviderError::Unavailable("J&T issued no awb_no".to_owned()))?;
        Ok(ProviderShipment {
            provider_reference: detail
                .orderid
                .filter(|id| !id.is_empty())
                .unwrap_or_else(|| booking.reference.clone()),
            awb: Some(awb),
            status: ShipmentStatus::AwbAssigned,
            price: None,
        })
    }

    async fn cancel(&self, provider_reference: &str, reason: &str) -> Result<(), ProviderError> {
        let remark: String = reason.chars().take(REMARK_CHARS).collect();
        let detail = json!({
            "username": self.account.username,
            "api_key": self.account.api_key,
            "orderid": provider_reference,
            "remark": remark,
        });
        self.post_signed_order(&self.endpoints.cancel_order, detail)
            .await?
            .succeeded()?;
        Ok(())
    }

    async fn track(
        &self,
        awb: &str,
        _courier_code: &str,
        _provider_reference: Option<&str>,
    ) -> Result<ProviderTracking, ProviderError> {
        let answer: TrackAnswer = http::send_json(
            self.http
                .post(&self.endpoints.tracking)
                .basic_auth(
                    &self.account.company_id,
                    Some(&self.account.company_password),
                )
                .json(&json!({ "awb": awb, "eccompanyid": self.account.company_id })),
        )
        .await?;
        let mut entries: Vec<TrackingEntry> = answer
            .history
            .into_iter()
            .filter_map(|step| {
                Some(TrackingEntry {
                    status: status_from_words(&step.status),
                    at: parse_courier_time(&step.date_time)?,
                    description: step.status,
                    location: step.city_name.filter(|city| !city.is_empty()),
                })
            })
            .collect();
        entries.sort_by_key(|entry| entry.at);
        Ok(ProviderTracking {
            awb: answer.awb.unwrap_or_else(|| awb.to_owned()),
            status: entries
                .last()
                .map_or(ShipmentStatus::AwbAssigned, |entry| entry.status),
            entries,
        })
    }

    fn parse_webhook(
        &self,
        _headers: &HeaderMap,
        _raw_body: &[u8],
    ) -> Result<Option<WebhookUpdate>, WebhookError> {
        Err(WebhookError::Malformed(
            "jnt pushes statuses only under partner agreements".to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of `integrations/shipping.md` §6.
    #[test]
    fn data_sign_matches_the_worked_example() {
        let data_param =
            r#"{"detail":[{"username":"TESTUSER","api_key":"ABC123","orderid":"ORD-1"}]}"#;
        assert_eq!(
            sign(data_param, "order_key_example", SignVariant::Hex),
            "MjU4OTliMTY0ZjY0ZTMzMmZiZjI4MGQ3YWViMzk2ZTI="
        );
        assert_eq!(
            sign(data_param, "order_key_example", SignVariant::RawDigest),
            "JYmbFk9k4zL78oDXrrOW4g=="
        );
        assert_eq!(SignVariant::default(), SignVariant::Hex);
    }

    #[test]
    fn a_base_url_puts_every_call_under_it() {
        let endpoints = JntEndpoints::under("http://127.0.0.1:9/");
        for url in [
            &endpoints.create_order,
            &endpoints.cancel_order,
            &endpoints.tariff,
            &endpoints.tracking,
        ] {
            assert!(url.starts_with("http://127.0.0.1:9/"), "{url}");
        }
    }

    #[test]
    fn success_needs_the_flag_and_sukses_in_any_case() {
        let answer: OrderAnswer = serde_json::from_str(
            r#"{"success":true,"detail":[{"status":"SUKSES","awb_no":"JP1"}]}"#,
        )
        .unwrap();
        assert_eq!(answer.succeeded().unwrap().awb_no.as_deref(), Some("JP1"));
        let answer: OrderAnswer = serde_json::from_str(
            r#"{"success":true,"detail":[{"status":"Error","reason":"Area not served"}]}"#,
        )
        .unwrap();
        assert_eq!(
            answer.succeeded().unwrap_err(),
            ProviderError::Rejected("Area not served".to_owned())
        );
        let answer: OrderAnswer = serde_json::from_str(
            r#"{"success":false,"detail":[{"status":"Sukses","awb_no":"JP1"}]}"#,
        )
        .unwrap();
        assert!(answer.succeeded().is_err());
    }
}
