//! SiCepat direct (`integrations/shipping.md` §7): tariffs and tracking with the `api-key`
//! header. SiCepat publishes no documentation; shapes follow community code and are
//! **unconfirmed**. Booking is a private partner API, so it goes through an aggregator.

use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::Value;
use smartseller_contracts::shipping::{ShipmentStatus, TrackingEntry};

use super::courier_words::status_from_words;
use super::units::{chargeable_kilograms, idr_from_json, parse_courier_time};
use super::{
    ProviderBooking, ProviderError, ProviderRate, ProviderRateRequest, ProviderShipment,
    ProviderTracking, ShippingProvider, WebhookError, WebhookUpdate, http,
};

pub const PRODUCTION_BASE_URL: &str = "http://api.sicepat.com";

#[derive(Clone)]
pub struct SicepatClient {
    api_key: String,
    origin_code: String,
    base_url: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for SicepatClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SicepatClient")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl SicepatClient {
    pub fn new(
        api_key: String,
        origin_code: String,
        base_url: Option<String>,
        http: reqwest::Client,
    ) -> Self {
        Self {
            api_key,
            origin_code,
            base_url: http::trim_base(base_url.as_deref().unwrap_or(PRODUCTION_BASE_URL)),
            http,
        }
    }

    async fn get<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ProviderError> {
        let answer: Envelope<T> = http::send_json(
            self.http
                .get(format!("{}{path}", self.base_url))
                .header("api-key", &self.api_key)
                .query(query),
        )
        .await?;
        // SiCepat repeats the outcome inside the body, sometimes under an HTTP 200.
        let inner = answer.sicepat;
        match inner.status.code {
            200 => {}
            401 | 403 => return Err(ProviderError::Unauthorized),
            400 | 404 => return Err(ProviderError::NotFound),
            code => {
                return Err(ProviderError::Rejected(
                    inner
                        .status
                        .description
                        .unwrap_or_else(|| format!("SiCepat answered code {code}")),
                ));
            }
        }
        inner
            .payload
            .ok_or_else(|| ProviderError::Unavailable("SiCepat answered no result".to_owned()))
    }
}

#[derive(Deserialize)]
struct Envelope<T> {
    sicepat: Inner<T>,
}

#[derive(Deserialize)]
struct Inner<T> {
    status: InnerStatus,
    #[serde(alias = "results", alias = "result")]
    payload: Option<T>,
}

#[derive(Deserialize)]
struct InnerStatus {
    code: i64,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize)]
struct TariffRow {
    service: String,
    #[serde(default)]
    description: Option<String>,
    tariff: Value,
    #[serde(default)]
    etd: Option<String>,
}

#[derive(Deserialize)]
struct WaybillResult {
    #[serde(default)]
    waybill_number: Option<String>,
    #[serde(default)]
    track_history: Vec<TrackStep>,
    #[serde(default)]
    last_status: Option<TrackStep>,
}

#[derive(Deserialize)]
struct TrackStep {
    date_time: String,
    status: String,
    #[serde(default)]
    city: Option<String>,
    #[serde(default)]
    receiver_name: Option<String>,
}

impl TrackStep {
    fn into_entry(self) -> Option<TrackingEntry> {
        let description = match &self.receiver_name {
            Some(receiver) if !receiver.is_empty() => format!("{} ({receiver})", self.status),
            _ => self.status.clone(),
        };
        Some(TrackingEntry {
            status: status_from_words(&self.status),
            at: parse_courier_time(&self.date_time)?,
            description,
            location: self.city.filter(|city| !city.is_empty()),
        })
    }
}

#[async_trait::async_trait]
impl ShippingProvider for SicepatClient {
    fn code(&self) -> &'static str {
        "sicepat"
    }

    async fn quote(
        &self,
        request: &ProviderRateRequest,
    ) -> Result<Vec<ProviderRate>, ProviderError> {
        if !request.couriers.is_empty() && !request.couriers.iter().any(|c| c == "sicepat") {
            return Ok(Vec::new());
        }
        let destination = request
            .destination
            .area_id
            .as_deref()
            .filter(|code| !code.is_empty())
            .ok_or_else(|| {
                ProviderError::Rejected(
                    "SiCepat needs the destination's SiCepat code in area_id".to_owned(),
                )
            })?;
        let weight = chargeable_kilograms(request.weight_grams).to_string();
        let rows: Vec<TariffRow> = self
            .get(
                "/customer/tariff",
                &[
                    ("origin", self.origin_code.as_str()),
                    ("destination", destination),
                    ("weight", weight.as_str()),
                ],
            )
            .await?;
        rows.into_iter()
            .map(|row| {
                Ok(ProviderRate {
                    courier_code: "sicepat".to_owned(),
                    courier_name: "SiCepat".to_owned(),
                    price: idr_from_json(&row.tariff)?,
                    service_name: row
                        .description
                        .filter(|d| !d.is_empty())
                        .unwrap_or_else(|| row.service.clone()),
                    service_code: row.service,
                    etd: row.etd.filter(|etd| !etd.is_empty()),
                    cash_on_delivery: false,
                })
            })
            .collect()
    }

    async fn book(&self, _booking: &ProviderBooking) -> Result<ProviderShipment, ProviderError> {
        Err(ProviderError::Unsupported(
            "sicepat booking is a private partner API; book through an aggregator",
        ))
    }

    async fn cancel(&self, _reference: &str, _reason: &str) -> Result<(), ProviderError> {
        Err(ProviderError::Unsupported(
            "sicepat booking is a private partner API; book through an aggregator",
        ))
    }

    async fn track(
        &self,
        awb: &str,
        _courier_code: &str,
        _provider_reference: Option<&str>,
    ) -> Result<ProviderTracking, ProviderError> {
        let result: WaybillResult = self.get("/customer/waybill", &[("waybill", awb)]).await?;
        let mut entries: Vec<TrackingEntry> = result
            .track_history
            .into_iter()
            .filter_map(TrackStep::into_entry)
            .collect();
        entries.sort_by_key(|entry| entry.at);
        let status = result
            .last_status
            .map(|last| status_from_words(&last.status))
            .or_else(|| entries.last().map(|entry| entry.status))
            .unwrap_or(ShipmentStatus::AwbAssigned);
        Ok(ProviderTracking {
            awb: result.waybill_number.unwrap_or_else(|| awb.to_owned()),
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
            "sicepat sends no status pushes".to_owned(),
        ))
    }
}
