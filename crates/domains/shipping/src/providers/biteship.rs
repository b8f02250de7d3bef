//! Biteship (`integrations/shipping.md` §1): rates, orders, cancellation and tracking over JSON,
//! authenticated with the raw API key in `authorization` (no `Bearer` prefix, as every official
//! sample sends it).
//!
//! Biteship signs nothing it pushes: the shipping domain guards the webhook with a secret token
//! in the URL it registers. [`BiteshipClient::parse_webhook`] only reads the flat payload.

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use smartseller_contracts::shipping::{ShipmentStatus, ShippingAddress, TrackingEntry};

use super::units::{idr_from_json, parse_courier_time, whole_rupiah};
use super::{
    ParcelItem, ProviderBooking, ProviderError, ProviderRate, ProviderRateRequest,
    ProviderShipment, ProviderTracking, ShippingProvider, WebhookError, WebhookUpdate, http,
};

pub const PRODUCTION_BASE_URL: &str = "https://api.biteship.com";

/// Couriers asked for when the request names none.
const DEFAULT_COURIERS: &str = "jne,jnt,sicepat,anteraja,idexpress,ninja,pos,tiki";

/// A client for one store's Biteship account.
#[derive(Clone)]
pub struct BiteshipClient {
    api_key: String,
    base_url: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for BiteshipClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BiteshipClient")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl BiteshipClient {
    pub fn new(api_key: String, base_url: Option<String>, http: reqwest::Client) -> Self {
        let base_url = http::trim_base(base_url.as_deref().unwrap_or(PRODUCTION_BASE_URL));
        Self {
            api_key,
            base_url,
            http,
        }
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .get(format!("{}{path}", self.base_url))
            .header("authorization", &self.api_key)
    }

    fn post(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}{path}", self.base_url))
            .header("authorization", &self.api_key)
            .json(body)
    }

    async fn tracking_by_id(&self, tracking_id: &str) -> Result<ProviderTracking, ProviderError> {
        let tracking: TrackingAnswer =
            http::send_json(self.get(&format!("/v1/trackings/{}", path_segment(tracking_id))))
                .await?;
        tracking.into_tracking(None)
    }
}

/// Biteship's status words onto ours (§1.4), after normalising the camelCase variants seen in
/// tracking and webhook data (`pickingUp` → `pickingup`, `picking_up` → `pickingup`).
pub fn map_status(raw: &str) -> Option<ShipmentStatus> {
    let normalised: String = raw
        .trim()
        .chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_lowercase)
        .collect();
    let status = match normalised.as_str() {
        "confirmed" | "scheduled" => ShipmentStatus::AwbAssigned,
        "allocated" | "pickingup" => ShipmentStatus::PickupScheduled,
        "picked" => ShipmentStatus::PickedUp,
        // For regular couriers the parcel is still crossing the network; claiming "out for
        // delivery" would be a promise the courier did not make.
        "droppingoff" => ShipmentStatus::InTransit,
        "delivered" => ShipmentStatus::Delivered,
        "onhold" => ShipmentStatus::Exception,
        "returnintransit" => ShipmentStatus::Returning,
        "returned" => ShipmentStatus::Returned,
        "cancelled" | "rejected" | "couriernotfound" => ShipmentStatus::Cancelled,
        // Lost or destroyed.
        "disposed" => ShipmentStatus::Exception,
        _ => return None,
    };
    Some(status)
}

/// Maps a status Biteship answered to a call; an unknown word is an answer we cannot read.
fn require_status(raw: &str) -> Result<ShipmentStatus, ProviderError> {
    map_status(raw)
        .ok_or_else(|| ProviderError::Unavailable(format!("unknown Biteship status {raw:?}")))
}

/// Area ids when both ends have one, postal codes otherwise (§1.3 rates location modes).
fn locate(body: &mut Map<String, Value>, origin: &ShippingAddress, destination: &ShippingAddress) {
    match (&origin.area_id, &destination.area_id) {
        (Some(origin_area), Some(destination_area)) => {
            body.insert("origin_area_id".into(), json!(origin_area));
            body.insert("destination_area_id".into(), json!(destination_area));
        }
        _ => {
            body.insert(
                "origin_postal_code".into(),
                postal_code(&origin.postal_code),
            );
            body.insert(
                "destination_postal_code".into(),
                postal_code(&destination.postal_code),
            );
        }
    }
}

/// Biteship's samples send postal codes as numbers; anything else is passed as written so
/// Biteship can say what is wrong with it.
fn postal_code(code: &str) -> Value {
    code.trim()
        .parse::<u32>()
        .map_or_else(|_| json!(code), |digits| json!(digits))
}

fn items_json(
    items: &[ParcelItem],
    weight_grams: i64,
    goods_value: smartseller_kernel::money::Money,
) -> Result<Value, ProviderError> {
    if items.is_empty() {
        // Biteship needs at least one item; describe the parcel as a whole.
        return Ok(json!([{
            "name": "Parcel",
            "value": whole_rupiah(goods_value)?,
            "weight": weight_grams.max(1),
            "quantity": 1,
        }]));
    }
    let mut lines = Vec::with_capacity(items.len());
    for item in items {
        lines.push(json!({
            "name": item.name,
            "description": item.sku,
            "value": whole_rupiah(item.value)?,
            "weight": item.weight_grams.max(1),
            "quantity": item.quantity.max(1),
        }));
    }
    Ok(Value::Array(lines))
}

/// A path segment from caller data: ids and airway bills are plain tokens, so any character
/// that could change the path is dropped.
fn path_segment(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect()
}

#[derive(Deserialize)]
struct RatesAnswer {
    #[serde(default)]
    pricing: Vec<Pricing>,
}

#[derive(Deserialize)]
struct Pricing {
    courier_code: String,
    #[serde(default)]
    courier_name: Option<String>,
    #[serde(default)]
    company: Option<String>,
    courier_service_code: String,
    #[serde(default)]
    courier_service_name: Option<String>,
    price: Value,
    #[serde(default)]
    duration: Option<String>,
    #[serde(default)]
    shipment_duration_range: Option<String>,
    #[serde(default)]
    shipment_duration_unit: Option<String>,
    #[serde(default)]
    available_for_cash_on_delivery: bool,
}

impl Pricing {
    fn into_rate(self) -> Result<ProviderRate, ProviderError> {
        let etd = self.duration.filter(|d| !d.is_empty()).or_else(|| {
            let range = self.shipment_duration_range?;
            Some(match self.shipment_duration_unit {
                Some(unit) => format!("{range} {unit}"),
                None => range,
            })
        });
        Ok(ProviderRate {
            courier_name: self
                .courier_name
                .or(self.company)
                .unwrap_or_else(|| self.courier_code.clone()),
            courier_code: self.courier_code,
            service_name: self
                .courier_service_name
                .unwrap_or_else(|| self.courier_service_code.clone()),
            service_code: self.courier_service_code,
            price: idr_from_json(&self.price)?,
            etd,
            cash_on_delivery: self.available_for_cash_on_delivery,
        })
    }
}

#[derive(Deserialize)]
struct OrderAnswer {
    id: String,
    #[serde(default)]
    courier: Option<OrderCourier>,
    #[serde(default)]
    price: Option<Value>,
    status: String,
}

#[derive(Deserialize, Default)]
struct OrderCourier {
    #[serde(default)]
    tracking_id: Option<String>,
    #[serde(default)]
    waybill_id: Option<String>,
}

#[derive(Deserialize)]
struct TrackingAnswer {
    #[serde(default)]
    waybill_id: Option<String>,
    status: String,
    #[serde(default)]
    history: Vec<TrackingHistory>,
}

#[derive(Deserialize)]
struct TrackingHistory {
    #[serde(default)]
    note: String,
    status: String,
    updated_at: String,
}

impl TrackingAnswer {
    fn into_tracking(self, awb: Option<&str>) -> Result<ProviderTracking, ProviderError> {
        let status = require_status(&self.status)?;
        let mut entries = Vec::with_capacity(self.history.len());
        let mut last_known = ShipmentStatus::Booked;
        for step in self.history {
            // A step in a status we do not know keeps the words under the last status we do.
            let step_status = map_status(&step.status).unwrap_or(last_known);
            last_known = step_status;
            let Some(at) = parse_courier_time(&step.updated_at) else {
                continue;
            };
            entries.push(TrackingEntry {
                status: step_status,
                description: if step.note.is_empty() {
                    step.status
                } else {
                    step.note
                },
                location: None,
                at,
            });
        }
        entries.sort_by_key(|entry| entry.at);
        Ok(ProviderTracking {
            awb: self
                .waybill_id
                .or_else(|| awb.map(str::to_owned))
                .unwrap_or_default(),
            status,
            entries,
        })
    }
}

#[async_trait::async_trait]
impl ShippingProvider for BiteshipClient {
    fn code(&self) -> &'static str {
        "biteship"
    }

    async fn quote(
        &self,
        request: &ProviderRateRequest,
    ) -> Result<Vec<ProviderRate>, ProviderError> {
        let mut body = Map::new();
        locate(&mut body, &request.origin, &request.destination);
        let couriers = if request.couriers.is_empty() {
            DEFAULT_COURIERS.to_owned()
        } else {
            request.couriers.join(",")
        };
        body.insert("couriers".into(), json!(couriers));
        body.insert(
            "items".into(),
            items_json(&request.items, request.weight_grams, request.goods_value)?,
        );
        let answer: RatesAnswer =
            http::send_json(self.post("/v1/rates/couriers", &Value::Object(body))).await?;
        let mut rates = Vec::with_capacity(answer.pricing.len());
        for pricing in answer.pricing {
            let rate = pricing.into_rate()?;
            if !request.cash_on_delivery || rate.cash_on_delivery {
                rates.push(rate);
            }
        }
        Ok(rates)
    }

    async fn book(&self, booking: &ProviderBooking) -> Result<ProviderShipment, ProviderError> {
        let origin = &booking.origin;
        let destination = &booking.destination;
        let mut body = Map::new();
        body.insert("shipper_contact_name".into(), json!(origin.name));
        body.insert("shipper_contact_phone".into(), json!(origin.phone));
        if let Some(email) = &origin.email {
            body.insert("shipper_contact_email".into(), json!(email));
        }
        body.insert("origin_contact_name".into(), json!(origin.name));
        body.insert("origin_contact_phone".into(), json!(origin.phone));
        body.insert("origin_address".into(), json!(origin.address));
        body.insert("destination_contact_name".into(), json!(destination.name));
        body.insert("destination_contact_phone".into(), json!(destination.phone));
        if let Some(email) = &destination.email {
            body.insert("destination_contact_email".into(), json!(email));
        }
        body.insert("destination_address".into(), json!(destination.address));
        // Orders take postal codes and area ids together; send whatever we know.
        body.insert(
            "origin_postal_code".into(),
            postal_code(&origin.postal_code),
        );
        body.insert(
            "destination_postal_code".into(),
            postal_code(&destination.postal_code),
        );
        if let Some(area) = &origin.area_id {
            body.insert("origin_area_id".into(), json!(area));
        }
        if let Some(area) = &destination.area_id {
            body.insert("destination_area_id".into(), json!(area));
        }
        body.insert("courier_company".into(), json!(booking.courier_code));
        body.insert("courier_type".into(), json!(booking.service_code));
        body.insert("delivery_type".into(), json!("now"));
        body.insert("reference_id".into(), json!(booking.reference));
        if let Some(note) = &booking.note {
            body.insert("order_note".into(), json!(note));
        }
        if let Some(amount) = booking.cash_on_delivery {
            body.insert(
                "destination_cash_on_delivery".into(),
                json!(whole_rupiah(amount)?),
            );
        }
        body.insert(
            "items".into(),
            items_json(&booking.items, booking.weight_grams, booking.goods_value)?,
        );
        let order: OrderAnswer =
            http::send_json(self.post("/v1/orders", &Value::Object(body))).await?;
        let awb = order
            .courier
            .unwrap_or_default()
            .waybill_id
            .filter(|waybill| !waybill.is_empty());
        let mut status = require_status(&order.status)?;
        // `confirmed` means an airway bill is due; until it arrives the booking is only booked.
        if awb.is_none() && status == ShipmentStatus::AwbAssigned {
            status = ShipmentStatus::Booked;
        }
        Ok(ProviderShipment {
            provider_reference: order.id,
            awb,
            status,
            price: order.price.as_ref().map(idr_from_json).transpose()?,
        })
    }

    async fn cancel(&self, provider_reference: &str, reason: &str) -> Result<(), ProviderError> {
        let path = format!("/v1/orders/{}/cancel", path_segment(provider_reference));
        http::send(self.post(&path, &json!({ "cancellation_reason": reason }))).await?;
        Ok(())
    }

    async fn track(
        &self,
        awb: &str,
        courier_code: &str,
        provider_reference: Option<&str>,
    ) -> Result<ProviderTracking, ProviderError> {
        // Our own orders are tracked through Biteship's order (its tracking id is on the order);
        // anything else through the public tracking of an airway bill.
        if let Some(order_id) = provider_reference.filter(|id| !id.is_empty()) {
            let order: OrderAnswer =
                http::send_json(self.get(&format!("/v1/orders/{}", path_segment(order_id))))
                    .await?;
            let courier = order.courier.unwrap_or_default();
            if let Some(tracking_id) = courier.tracking_id.filter(|id| !id.is_empty()) {
                return self.tracking_by_id(&tracking_id).await;
            }
            return Ok(ProviderTracking {
                awb: courier.waybill_id.unwrap_or_else(|| awb.to_owned()),
                status: require_status(&order.status)?,
                entries: Vec::new(),
            });
        }
        if awb.is_empty() {
            return Err(ProviderError::NotFound);
        }
        let path = format!(
            "/v1/trackings/{}/couriers/{}",
            path_segment(awb),
            path_segment(courier_code)
        );
        let tracking: TrackingAnswer = http::send_json(self.get(&path)).await?;
        tracking.into_tracking(Some(awb))
    }

    fn parse_webhook(
        &self,
        _headers: &HeaderMap,
        raw_body: &[u8],
    ) -> Result<Option<WebhookUpdate>, WebhookError> {
        parse_webhook(raw_body)
    }
}

/// Reads a Biteship push (§1.5). The empty body Biteship sends when the URL is saved is a
/// genuine delivery with nothing to act on. `event_id` is built from the fields that make one
/// push differ from the next, as Biteship sends no delivery id.
pub fn parse_webhook(raw_body: &[u8]) -> Result<Option<WebhookUpdate>, WebhookError> {
    if raw_body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let raw: Value = serde_json::from_slice(raw_body)
        .map_err(|error| WebhookError::Malformed(error.to_string()))?;
    let Some(fields) = raw.as_object() else {
        return Err(WebhookError::Malformed("not a JSON object".to_owned()));
    };
    let text = |name: &str| -> Option<String> {
        match fields.get(name)? {
            Value::String(text) if !text.is_empty() => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        }
    };
    let event = text("event").ok_or_else(|| WebhookError::Malformed("no event".to_owned()))?;
    let order_id =
        text("order_id").ok_or_else(|| WebhookError::Malformed("no order_id".to_owned()))?;
    let raw_status = text("status").unwrap_or_default();
    let updated_at = text("updated_at").unwrap_or_default();
    let status = match event.as_str() {
        "order.status" => map_status(&raw_status),
        // A new airway bill or a re-weighed price: the shipment's status is not what changed.
        "order.waybill_id" | "order.price" => None,
        _ => return Ok(None),
    };
    let at: Option<DateTime<Utc>> = parse_courier_time(&updated_at);
    Ok(Some(WebhookUpdate {
        event_id: format!("{order_id}:{event}:{raw_status}:{updated_at}"),
        provider_reference: Some(order_id),
        awb: text("courier_waybill_id"),
        status,
        raw_status,
        at,
        raw,
    }))
}

/// The re-weighed price of an `order.price` push (`price`, else `order_price`), in IDR.
pub fn webhook_price(update: &WebhookUpdate) -> Option<smartseller_kernel::money::Money> {
    ["price", "order_price"]
        .iter()
        .find_map(|field| idr_from_json(update.raw.get(*field)?).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_with_camel_case_and_underscores_alike() {
        use ShipmentStatus::*;
        let cases = [
            ("confirmed", AwbAssigned),
            ("scheduled", AwbAssigned),
            ("allocated", PickupScheduled),
            ("picking_up", PickupScheduled),
            ("pickingUp", PickupScheduled),
            ("picked", PickedUp),
            ("dropping_off", InTransit),
            ("droppingOff", InTransit),
            ("delivered", Delivered),
            ("on_hold", Exception),
            ("onHold", Exception),
            ("return_in_transit", Returning),
            ("returnInTransit", Returning),
            ("returned", Returned),
            ("cancelled", Cancelled),
            ("rejected", Cancelled),
            ("courier_not_found", Cancelled),
            ("courierNotFound", Cancelled),
            ("disposed", Exception),
        ];
        for (raw, expected) in cases {
            assert_eq!(map_status(raw), Some(expected), "{raw}");
        }
        assert_eq!(map_status("teleported"), None);
    }

    #[test]
    fn unknown_events_carry_nothing_and_unknown_statuses_keep_their_words() {
        let unknown_event = br#"{"event":"order.note","order_id":"o1","status":"picked"}"#;
        assert_eq!(parse_webhook(unknown_event), Ok(None));
        let update = parse_webhook(
            br#"{"event":"order.status","order_id":"o1","status":"teleported","updated_at":"2026-11-25T10:00:00+07:00"}"#,
        )
        .expect("valid")
        .expect("an update");
        assert_eq!(update.status, None);
        assert_eq!(update.raw_status, "teleported");
        assert_eq!(
            update.event_id,
            "o1:order.status:teleported:2026-11-25T10:00:00+07:00"
        );
        assert_eq!(update.awb, None);
        assert!(matches!(
            parse_webhook(br#"{"order_id":"o1"}"#),
            Err(WebhookError::Malformed(_))
        ));
    }

    #[test]
    fn path_segments_cannot_escape_the_path() {
        assert_eq!(path_segment("../v1/orders?x=1"), "v1ordersx1");
        assert_eq!(path_segment("WYB-0001_a"), "WYB-0001_a");
    }
}
