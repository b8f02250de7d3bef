//! RajaOngkir as operated by Komerce (`integrations/shipping.md` §2.2): domestic prices and
//! airway-bill tracking, form-encoded, authenticated with the `key` header. RajaOngkir books
//! nothing; bookings go through Komship or another aggregator.

use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::Value;
use smartseller_contracts::shipping::{ShipmentStatus, TrackingEntry};

use super::courier_words::status_from_words;
use super::units::{idr_from_json, parse_courier_time};
use super::{
    ProviderBooking, ProviderError, ProviderRate, ProviderRateRequest, ProviderShipment,
    ProviderTracking, ShippingProvider, WebhookError, WebhookUpdate, http,
};

pub const PRODUCTION_BASE_URL: &str = "https://rajaongkir.komerce.id/api/v1";

/// Couriers asked for when the request names none (§2.2).
const DEFAULT_COURIERS: &str = "jne:sicepat:jnt:pos:tiki:anteraja:ninja:lion:ide:sap";

#[derive(Clone)]
pub struct RajaOngkirClient {
    api_key: String,
    base_url: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for RajaOngkirClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RajaOngkirClient")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl RajaOngkirClient {
    pub fn new(api_key: String, base_url: Option<String>, http: reqwest::Client) -> Self {
        let base_url = http::trim_base(base_url.as_deref().unwrap_or(PRODUCTION_BASE_URL));
        Self {
            api_key,
            base_url,
            http,
        }
    }
}

/// Komerce's envelope `{meta, data}`.
#[derive(Deserialize)]
struct Envelope<T> {
    data: Option<T>,
}

#[derive(Deserialize)]
struct CostRow {
    name: String,
    code: String,
    service: String,
    #[serde(default)]
    description: Option<String>,
    cost: Value,
    #[serde(default)]
    etd: Option<String>,
}

#[derive(Deserialize)]
struct Waybill {
    #[serde(default)]
    delivered: bool,
    #[serde(default)]
    summary: Option<WaybillSummary>,
    #[serde(default)]
    manifest: Vec<ManifestRow>,
}

#[derive(Deserialize)]
struct WaybillSummary {
    #[serde(default)]
    waybill_number: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

#[derive(Deserialize)]
struct ManifestRow {
    #[serde(default)]
    manifest_description: String,
    manifest_date: String,
    #[serde(default)]
    manifest_time: Option<String>,
    #[serde(default)]
    city_name: Option<String>,
}

fn area_id<'a>(id: &'a Option<String>, which: &str) -> Result<&'a str, ProviderError> {
    id.as_deref().filter(|id| !id.is_empty()).ok_or_else(|| {
        ProviderError::Rejected(format!(
            "RajaOngkir needs the {which}'s destination id in area_id"
        ))
    })
}

#[async_trait::async_trait]
impl ShippingProvider for RajaOngkirClient {
    fn code(&self) -> &'static str {
        "rajaongkir"
    }

    async fn quote(
        &self,
        request: &ProviderRateRequest,
    ) -> Result<Vec<ProviderRate>, ProviderError> {
        let couriers = if request.couriers.is_empty() {
            DEFAULT_COURIERS.to_owned()
        } else {
            request.couriers.join(":")
        };
        let weight = request.weight_grams.max(1).to_string();
        let form = [
            ("origin", area_id(&request.origin.area_id, "origin")?),
            (
                "destination",
                area_id(&request.destination.area_id, "destination")?,
            ),
            ("weight", weight.as_str()),
            ("courier", couriers.as_str()),
            ("price", "lowest"),
        ];
        let answer: Envelope<Vec<CostRow>> = http::send_json(
            self.http
                .post(format!("{}/calculate/domestic-cost", self.base_url))
                .header("key", &self.api_key)
                .form(&form),
        )
        .await?;
        answer
            .data
            .unwrap_or_default()
            .into_iter()
            .map(|row| {
                Ok(ProviderRate {
                    price: idr_from_json(&row.cost)?,
                    courier_code: row.code,
                    courier_name: row.name,
                    service_name: row
                        .description
                        .filter(|d| !d.is_empty())
                        .unwrap_or_else(|| row.service.clone()),
                    service_code: row.service,
                    etd: row.etd.filter(|etd| !etd.is_empty()),
                    // Komerce's cost rows say nothing about COD.
                    cash_on_delivery: false,
                })
            })
            .collect()
    }

    async fn book(&self, _booking: &ProviderBooking) -> Result<ProviderShipment, ProviderError> {
        Err(ProviderError::Unsupported(
            "rajaongkir only prices and tracks",
        ))
    }

    async fn cancel(&self, _reference: &str, _reason: &str) -> Result<(), ProviderError> {
        Err(ProviderError::Unsupported(
            "rajaongkir only prices and tracks",
        ))
    }

    async fn track(
        &self,
        awb: &str,
        courier_code: &str,
        _provider_reference: Option<&str>,
    ) -> Result<ProviderTracking, ProviderError> {
        // Komerce's pages disagree on query string versus form fields: send both.
        let fields = [("awb", awb), ("courier", courier_code)];
        let answer: Envelope<Waybill> = http::send_json(
            self.http
                .post(format!("{}/track/waybill", self.base_url))
                .header("key", &self.api_key)
                .query(&fields)
                .form(&fields),
        )
        .await?;
        let waybill = answer.data.ok_or(ProviderError::NotFound)?;
        let mut entries: Vec<TrackingEntry> = waybill
            .manifest
            .into_iter()
            .filter_map(|row| {
                let when = match &row.manifest_time {
                    Some(time) => format!("{} {time}", row.manifest_date),
                    None => row.manifest_date.clone(),
                };
                Some(TrackingEntry {
                    status: status_from_words(&row.manifest_description),
                    description: row.manifest_description,
                    location: row.city_name.filter(|city| !city.is_empty()),
                    at: parse_courier_time(&when)?,
                })
            })
            .collect();
        // Komerce lists the newest scan first.
        entries.sort_by_key(|entry| entry.at);
        let summary = waybill.summary;
        let status = if waybill.delivered {
            ShipmentStatus::Delivered
        } else if let Some(words) = summary.as_ref().and_then(|s| s.status.as_deref()) {
            status_from_words(words)
        } else {
            entries
                .last()
                .map_or(ShipmentStatus::InTransit, |entry| entry.status)
        };
        Ok(ProviderTracking {
            awb: summary
                .and_then(|s| s.waybill_number)
                .unwrap_or_else(|| awb.to_owned()),
            status,
            entries,
        })
    }

    fn parse_webhook(
        &self,
        _headers: &HeaderMap,
        _raw_body: &[u8],
    ) -> Result<Option<WebhookUpdate>, WebhookError> {
        Err(WebhookError::Malformed(
            "rajaongkir sends no status pushes".to_owned(),
        ))
    }
}
