//! Couriers that answer as a test scripts them, behind the same factory the app uses for the
//! real HTTP clients.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use smartseller_contracts::shipping::{ShipmentStatus, TrackingEntry};
use smartseller_kernel::money::{Currency, Money};
use smartseller_shipping::ProviderFactory;
use smartseller_shipping::providers::{
    ProviderBooking, ProviderConfig, ProviderError, ProviderRate, ProviderRateRequest,
    ProviderShipment, ProviderTracking, ShippingProvider, WebhookError, WebhookUpdate,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Answer,
    Unavailable,
    Refuse,
    Slow(Duration),
}

struct Script {
    behaviours: HashMap<&'static str, Behaviour>,
    bookings: Vec<ProviderBooking>,
    cancellations: Vec<String>,
    tracked: ShipmentStatus,
    next_awb: u64,
    /// Book without an airway bill: it arrives later by push.
    awb_later: bool,
}

#[derive(Clone)]
pub struct ScriptedProviders {
    script: Arc<Mutex<Script>>,
}

impl Default for ScriptedProviders {
    fn default() -> Self {
        Self {
            script: Arc::new(Mutex::new(Script {
                behaviours: HashMap::new(),
                bookings: Vec::new(),
                cancellations: Vec::new(),
                tracked: ShipmentStatus::InTransit,
                next_awb: 1,
                awb_later: false,
            })),
        }
    }
}

impl ScriptedProviders {
    fn script(&self) -> std::sync::MutexGuard<'_, Script> {
        self.script.lock().expect("script")
    }

    pub fn set(&self, provider: &'static str, behaviour: Behaviour) {
        self.script().behaviours.insert(provider, behaviour);
    }

    pub fn set_tracked(&self, status: ShipmentStatus) {
        self.script().tracked = status;
    }

    pub fn issue_awb_later(&self) {
        self.script().awb_later = true;
    }

    pub fn bookings(&self) -> Vec<ProviderBooking> {
        self.script().bookings.clone()
    }

    pub fn cancellations(&self) -> Vec<String> {
        self.script().cancellations.clone()
    }
}

impl ProviderFactory for ScriptedProviders {
    fn build(&self, config: &ProviderConfig) -> Result<Arc<dyn ShippingProvider>, ProviderError> {
        let code = match config {
            ProviderConfig::Biteship { .. } => "biteship",
            ProviderConfig::Rajaongkir { .. } => "rajaongkir",
            ProviderConfig::Jne { .. } => "jne",
            ProviderConfig::Jnt { .. } => "jnt",
            ProviderConfig::Sicepat { .. } => "sicepat",
        };
        Ok(Arc::new(ScriptedProvider {
            code,
            providers: self.clone(),
        }))
    }
}

struct ScriptedProvider {
    code: &'static str,
    providers: ScriptedProviders,
}

impl ScriptedProvider {
    async fn behave(&self) -> Result<(), ProviderError> {
        let behaviour = self
            .providers
            .script()
            .behaviours
            .get(self.code)
            .copied()
            .unwrap_or(Behaviour::Answer);
        match behaviour {
            Behaviour::Answer => Ok(()),
            Behaviour::Unavailable => Err(ProviderError::Unavailable("503 from upstream".into())),
            Behaviour::Refuse => Err(ProviderError::Rejected("destination not served".into())),
            Behaviour::Slow(pause) => {
                tokio::time::sleep(pause).await;
                Ok(())
            }
        }
    }
}

fn idr(minor: i64) -> Money {
    Money::new(minor, Currency::Idr)
}

#[async_trait::async_trait]
impl ShippingProvider for ScriptedProvider {
    fn code(&self) -> &'static str {
        self.code
    }

    async fn quote(
        &self,
        _request: &ProviderRateRequest,
    ) -> Result<Vec<ProviderRate>, ProviderError> {
        self.behave().await?;
        Ok(vec![
            ProviderRate {
                courier_code: "sicepat".into(),
                courier_name: "SiCepat".into(),
                service_code: "BEST".into(),
                service_name: "Besok Sampai Tujuan".into(),
                price: idr(2_500_000),
                etd: Some("1 day".into()),
                cash_on_delivery: false,
            },
            ProviderRate {
                courier_code: "jne".into(),
                courier_name: "JNE".into(),
                service_code: "REG".into(),
                service_name: "Reguler".into(),
                price: idr(1_800_000),
                etd: Some("2-3 days".into()),
                cash_on_delivery: true,
            },
        ])
    }

    async fn book(&self, booking: &ProviderBooking) -> Result<ProviderShipment, ProviderError> {
        self.behave().await?;
        let mut script = self.providers.script();
        let awb = format!("JNE{:010}", script.next_awb);
        script.next_awb += 1;
        script.bookings.push(booking.clone());
        let later = script.awb_later;
        Ok(ProviderShipment {
            provider_reference: format!("BS-{}", booking.reference),
            awb: (!later).then_some(awb),
            status: if later {
                ShipmentStatus::Booked
            } else {
                ShipmentStatus::AwbAssigned
            },
            price: None,
        })
    }

    async fn cancel(&self, provider_reference: &str, _reason: &str) -> Result<(), ProviderError> {
        self.behave().await?;
        self.providers
            .script()
            .cancellations
            .push(provider_reference.to_owned());
        Ok(())
    }

    async fn track(
        &self,
        awb: &str,
        _courier_code: &str,
        _provider_reference: Option<&str>,
    ) -> Result<ProviderTracking, ProviderError> {
        self.behave().await?;
        let status = self.providers.script().tracked;
        Ok(ProviderTracking {
            awb: awb.to_owned(),
            status,
            entries: vec![TrackingEntry {
                status,
                description: "Kurir menuju alamat penerima".into(),
                location: Some("Yogyakarta".into()),
                at: chrono::Utc::now(),
            }],
        })
    }

    fn parse_webhook(
        &self,
        headers: &HeaderMap,
        raw_body: &[u8],
    ) -> Result<Option<WebhookUpdate>, WebhookError> {
        if headers.contains_key("x-forged") {
            return Err(WebhookError::BadSignature);
        }
        let raw: serde_json::Value =
            serde_json::from_slice(raw_body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
        let status_text = raw["status"].as_str().unwrap_or_default().to_owned();
        Ok(Some(WebhookUpdate {
            event_id: raw["event_id"].as_str().unwrap_or_default().to_owned(),
            provider_reference: raw["reference"].as_str().map(str::to_owned),
            awb: raw["awb"].as_str().map(str::to_owned),
            status: ShipmentStatus::parse(&status_text),
            raw_status: status_text,
            at: None,
            raw,
        }))
    }
}
