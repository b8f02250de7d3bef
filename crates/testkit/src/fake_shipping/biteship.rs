//! A fake Biteship (`integrations/shipping.md` §1): rates, orders, cancellation, order and
//! public tracking, with the raw API key in `authorization`. Tests move orders with
//! [`FakeBiteship::advance`] and get back the flat webhook body Biteship would push.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::{Method, StatusCode};
use axum::response::Response;
use chrono::{DateTime, FixedOffset, Offset, Utc};
use serde_json::{Map, Value, json};

use super::{
    FakeClock, FakeServer, Protocol, RecordedRequest, ServiceRate, chargeable_kilograms, json,
    lock, services_of, start_server,
};

/// The only key the fake accepts.
pub const API_KEY: &str = "biteship_test.eyJhbGciOiJIUzI1NiJ9.fake-store-key";

/// Statuses from which Biteship still cancels an order (§1.4).
const CANCELLABLE: [&str; 4] = ["confirmed", "scheduled", "allocated", "picking_up"];

/// A running fake Biteship; dereferences to its [`FakeServer`].
#[derive(Clone)]
pub struct FakeBiteship {
    server: FakeServer<BiteshipState>,
}

impl Deref for FakeBiteship {
    type Target = FakeServer<BiteshipState>;

    fn deref(&self) -> &Self::Target {
        &self.server
    }
}

impl FakeBiteship {
    pub const API_KEY: &'static str = API_KEY;

    pub async fn start() -> Self {
        Self {
            server: start_server(BiteshipState::default(), "").await,
        }
    }

    /// While held, new orders are confirmed without a waybill, as Biteship sometimes answers;
    /// [`FakeBiteship::assign_waybill`] issues it later.
    pub fn hold_waybills(&self, hold: bool) {
        self.protocol.hold_waybills.store(hold, Ordering::SeqCst);
    }

    /// Moves `order_id` to `status` (any spelling, e.g. `pickingUp`), records the step in its
    /// tracking history and returns the `order.status` push Biteship sends for it.
    ///
    /// # Panics
    ///
    /// If the fake holds no such order.
    pub fn advance(&self, order_id: &str, status: &str) -> Vec<u8> {
        let at = self.protocol.clock.tick();
        let mut orders = lock(&self.protocol.orders);
        let order = orders
            .by_id
            .get_mut(order_id)
            .expect("fake Biteship: advance an order it booked");
        order.status = status.to_owned();
        order.history.push(Step {
            status: status.to_owned(),
            note: format!("Order is {status}"),
            at,
        });
        push_body(order, "order.status", at, None)
    }

    /// Issues the waybill of an order booked while waybills were held and returns the
    /// `order.waybill_id` push.
    ///
    /// # Panics
    ///
    /// If the fake holds no such order.
    pub fn assign_waybill(&self, order_id: &str) -> Vec<u8> {
        let at = self.protocol.clock.tick();
        let mut orders = lock(&self.protocol.orders);
        let waybill = orders.issue_waybill();
        let order = orders
            .by_id
            .get_mut(order_id)
            .expect("fake Biteship: assign a waybill to an order it booked");
        order.waybill = Some(waybill);
        push_body(order, "order.waybill_id", at, None)
    }

    /// Re-weighs an order to `rupiah` and returns the `order.price` push.
    ///
    /// # Panics
    ///
    /// If the fake holds no such order.
    pub fn reprice(&self, order_id: &str, rupiah: i64) -> Vec<u8> {
        let at = self.protocol.clock.tick();
        let mut orders = lock(&self.protocol.orders);
        let order = orders
            .by_id
            .get_mut(order_id)
            .expect("fake Biteship: reprice an order it booked");
        order.price = rupiah;
        push_body(order, "order.price", at, Some(rupiah))
    }

    /// The empty test request Biteship sends when a webhook URL is saved.
    pub fn empty_ping(&self) -> Vec<u8> {
        Vec::new()
    }

    /// Posts a push to `url` as Biteship does.
    pub async fn deliver(&self, url: &str, body: Vec<u8>) -> anyhow::Result<u16> {
        super::deliver(url, body).await
    }

    /// An order as `GET /v1/orders/:id` answers it.
    pub fn order(&self, order_id: &str) -> Option<Value> {
        lock(&self.protocol.orders)
            .by_id
            .get(order_id)
            .map(order_json)
    }

    /// The status Biteship holds for `order_id`.
    pub fn status_of(&self, order_id: &str) -> Option<String> {
        lock(&self.protocol.orders)
            .by_id
            .get(order_id)
            .map(|order| order.status.clone())
    }

    /// The id Biteship gave the order booked with `reference_id`.
    pub fn order_id_for(&self, reference_id: &str) -> Option<String> {
        lock(&self.protocol.orders)
            .by_id
            .iter()
            .find(|(_, order)| order.reference_id.as_deref() == Some(reference_id))
            .map(|(id, _)| id.clone())
    }

    pub fn order_count(&self) -> usize {
        lock(&self.protocol.orders).by_id.len()
    }
}

/// What the fake keeps between requests.
#[derive(Default)]
pub struct BiteshipState {
    clock: FakeClock,
    orders: Mutex<Orders>,
    hold_waybills: AtomicBool,
}

#[derive(Default)]
struct Orders {
    issued: u64,
    by_id: HashMap<String, Order>,
}

impl Orders {
    fn issue_waybill(&mut self) -> String {
        self.issued += 1;
        format!("WYB{:010}", self.issued)
    }
}

struct Order {
    id: String,
    tracking_id: String,
    reference_id: Option<String>,
    courier_company: String,
    courier_type: String,
    waybill: Option<String>,
    status: String,
    price: i64,
    cash_on_delivery: Option<i64>,
    cancellation_reason: Option<String>,
    origin_name: String,
    destination_name: String,
    destination_address: String,
    history: Vec<Step>,
}

struct Step {
    status: String,
    note: String,
    at: DateTime<Utc>,
}

fn jakarta_time(at: DateTime<Utc>) -> String {
    let wib = FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| Utc.fix());
    at.with_timezone(&wib).to_rfc3339()
}

fn push_body(order: &Order, event: &str, at: DateTime<Utc>, price: Option<i64>) -> Vec<u8> {
    let mut body = json!({
        "event": event,
        "order_id": order.id,
        "courier_tracking_id": order.tracking_id,
        "courier_waybill_id": order.waybill,
        "courier_company": order.courier_company,
        "courier_type": order.courier_type,
        "courier_driver_name": "Budi",
        "courier_driver_phone": "081234567890",
        "courier_driver_plate_number": "B 1234 XYZ",
        "courier_driver_photo_url": "",
        "courier_link": "",
        "order_price": order.price,
        "status": order.status,
        "updated_at": jakarta_time(at),
    });
    if let (Some(price), Some(fields)) = (price, body.as_object_mut()) {
        fields.insert("price".to_owned(), json!(price));
    }
    body.to_string().into_bytes()
}

fn order_json(order: &Order) -> Value {
    json!({
        "success": true,
        "message": "Order successfully retrieved",
        "object": "order",
        "id": order.id,
        "shipper": { "name": order.origin_name },
        "origin": { "contact_name": order.origin_name },
        "destination": {
            "contact_name": order.destination_name,
            "address": order.destination_address,
            "cash_on_delivery": order.cash_on_delivery,
        },
        "courier": {
            "tracking_id": order.tracking_id,
            "waybill_id": order.waybill,
            "company": order.courier_company,
            "type": order.courier_type,
            "link": null,
        },
        "reference_id": order.reference_id,
        "price": order.price,
        "status": order.status,
    })
}

fn tracking_json(order: &Order) -> Value {
    json!({
        "success": true,
        // Sic: the documentation's sample spells it with three "s".
        "messsage": "Successfully get tracking info",
        "object": "tracking",
        "id": order.tracking_id,
        "waybill_id": order.waybill,
        "courier": { "company": order.courier_company, "driver_name": "Budi" },
        "origin": { "contact_name": order.origin_name },
        "destination": {
            "contact_name": order.destination_name,
            "address": order.destination_address,
        },
        "history": order.history.iter().map(|step| json!({
            "note": step.note,
            "updated_at": jakarta_time(step.at),
            "status": step.status,
        })).collect::<Vec<_>>(),
        "link": null,
        "order_id": order.id,
        "status": order.status,
    })
}

fn refuse(status: StatusCode, code: u32, message: &str) -> Response {
    json(
        status,
        json!({ "success": false, "error": message, "code": code }),
    )
}

fn bad_request(message: &str) -> Response {
    refuse(StatusCode::BAD_REQUEST, 40_001_001, message)
}

fn text<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    fields
        .get(name)?
        .as_str()
        .filter(|text| !text.trim().is_empty())
}

fn has_location(fields: &Map<String, Value>, end: &str) -> bool {
    let present = |name: String| fields.get(&name).is_some_and(|value| !value.is_null());
    present(format!("{end}_area_id"))
        || present(format!("{end}_postal_code"))
        || present(format!("{end}_location_id"))
        || (present(format!("{end}_latitude")) && present(format!("{end}_longitude")))
}

/// Total grams of valid `items`, or what is wrong with them.
fn items_weight(fields: &Map<String, Value>) -> Result<i64, String> {
    let Some(items) = fields.get("items").and_then(Value::as_array) else {
        return Err("items is required".to_owned());
    };
    if items.is_empty() {
        return Err("items must not be empty".to_owned());
    }
    let mut grams = 0_i64;
    for item in items {
        let name = item.get("name").and_then(Value::as_str).unwrap_or_default();
        let value = item.get("value").and_then(Value::as_i64);
        let weight = item.get("weight").and_then(Value::as_i64);
        let quantity = item.get("quantity").and_then(Value::as_i64);
        match (name.is_empty(), value, weight, quantity) {
            (false, Some(value), Some(weight), Some(quantity))
                if value >= 0 && weight > 0 && quantity > 0 =>
            {
                grams += weight * quantity;
            }
            _ => {
                return Err(
                    "each item needs name, value (rupiah), weight (grams) and quantity".to_owned(),
                );
            }
        }
    }
    Ok(grams)
}

fn pricing_json(service: &ServiceRate, grams: i64) -> Value {
    json!({
        "available_collection_method": ["pickup"],
        "available_for_cash_on_delivery": service.cash_on_delivery,
        "available_for_proof_of_delivery": false,
        "available_for_instant_waybill_id": true,
        "available_for_insurance": true,
        "company": service.courier_code,
        "courier_name": service.courier_name,
        "courier_code": service.courier_code,
        "courier_service_name": service.service_name,
        "courier_service_code": service.service_code,
        "description": format!("{} {}", service.courier_name, service.service_name),
        "duration": service.etd,
        "shipment_duration_range": service.etd.replace(" days", "").replace(' ', ""),
        "shipment_duration_unit": "days",
        "service_type": "standard",
        "shipping_type": "parcel",
        "price": service.rupiah_per_kg * chargeable_kilograms(grams),
        "type": service.service_code,
    })
}

impl BiteshipState {
    fn rates(&self, fields: &Map<String, Value>) -> Response {
        let Some(couriers) = text(fields, "couriers") else {
            return bad_request("couriers is required");
        };
        if !has_location(fields, "origin") || !has_location(fields, "destination") {
            return bad_request(
                "origin and destination area ids, postal codes or coordinates are required",
            );
        }
        let grams = match items_weight(fields) {
            Ok(grams) => grams,
            Err(message) => return bad_request(&message),
        };
        let pricing: Vec<Value> = services_of(couriers.split(','))
            .iter()
            .map(|service| pricing_json(service, grams))
            .collect();
        json(
            StatusCode::OK,
            json!({
                "success": true,
                "object": "courier_pricing",
                "message": "Success to retrieve courier pricing",
                "code": 20_001_003,
                "origin": { "postal_code": fields.get("origin_postal_code"), "area_id": fields.get("origin_area_id") },
                "destination": { "postal_code": fields.get("destination_postal_code"), "area_id": fields.get("destination_area_id") },
                "pricing": pricing,
            }),
        )
    }

    fn create_order(&self, fields: &Map<String, Value>) -> Response {
        for required in [
            "origin_contact_name",
            "origin_contact_phone",
            "origin_address",
            "destination_contact_name",
            "destination_contact_phone",
            "destination_address",
            "courier_company",
            "courier_type",
        ] {
            if text(fields, required).is_none() {
                return bad_request(&format!("{required} is required"));
            }
        }
        if !has_location(fields, "origin") || !has_location(fields, "destination") {
            return bad_request("origin and destination postal codes or area ids are required");
        }
        let grams = match items_weight(fields) {
            Ok(grams) => grams,
            Err(message) => return bad_request(&message),
        };
        let company = text(fields, "courier_company")
            .unwrap_or_default()
            .to_lowercase();
        let service_code = text(fields, "courier_type")
            .unwrap_or_default()
            .to_lowercase();
        let Some(service) = services_of([company.as_str()])
            .into_iter()
            .find(|service| service.service_code == service_code)
        else {
            return bad_request("courier_company and courier_type are not available");
        };
        let cash_on_delivery = match fields.get("destination_cash_on_delivery") {
            None | Some(Value::Null) => None,
            Some(amount) => match amount.as_i64() {
                Some(amount) if amount > 0 && service.cash_on_delivery => Some(amount),
                Some(_) if !service.cash_on_delivery => {
                    return bad_request("cash on delivery is not available for this courier");
                }
                _ => return bad_request("destination_cash_on_delivery must be a positive amount"),
            },
        };
        let at = self.clock.tick();
        let mut orders = lock(&self.orders);
        let waybill = (!self.hold_waybills.load(Ordering::SeqCst)).then(|| orders.issue_waybill());
        let sequence = orders.by_id.len() + 1;
        let order = Order {
            id: format!("ord{sequence:021}"),
            tracking_id: format!("trk{sequence:021}"),
            reference_id: text(fields, "reference_id").map(str::to_owned),
            courier_company: company,
            courier_type: service_code,
            waybill,
            status: "confirmed".to_owned(),
            price: service.rupiah_per_kg * chargeable_kilograms(grams),
            cash_on_delivery,
            cancellation_reason: None,
            origin_name: text(fields, "origin_contact_name")
                .unwrap_or_default()
                .to_owned(),
            destination_name: text(fields, "destination_contact_name")
                .unwrap_or_default()
                .to_owned(),
            destination_address: text(fields, "destination_address")
                .unwrap_or_default()
                .to_owned(),
            history: vec![Step {
                status: "confirmed".to_owned(),
                note: "Order has been confirmed".to_owned(),
                at,
            }],
        };
        let answer = order_json(&order);
        orders.by_id.insert(order.id.clone(), order);
        json(StatusCode::OK, answer)
    }

    fn cancel(&self, order_id: &str, fields: &Map<String, Value>) -> Response {
        let Some(reason) = text(fields, "cancellation_reason") else {
            return bad_request("cancellation_reason is required");
        };
        let at = self.clock.tick();
        let mut orders = lock(&self.orders);
        let Some(order) = orders.by_id.get_mut(order_id) else {
            return refuse(StatusCode::NOT_FOUND, 40_401_001, "Order not found");
        };
        if !CANCELLABLE.contains(&order.status.as_str()) {
            return refuse(
                StatusCode::BAD_REQUEST,
                40_002_025,
                &format!("Order with status {} can't be cancelled", order.status),
            );
        }
        order.status = "cancelled".to_owned();
        order.cancellation_reason = Some(reason.to_owned());
        order.history.push(Step {
            status: "cancelled".to_owned(),
            note: format!("Order cancelled: {reason}"),
            at,
        });
        json(
            StatusCode::OK,
            json!({
                "success": true,
                "message": "Order successfully cancelled",
                "object": "order",
                "id": order.id,
                "status": "cancelled",
                "cancellation_reason": reason,
            }),
        )
    }
}

impl Protocol for BiteshipState {
    fn handle(&self, request: &RecordedRequest) -> Response {
        match request.header("authorization") {
            Some(key) if key == API_KEY => {}
            Some(_) => {
                return refuse(
                    StatusCode::UNAUTHORIZED,
                    40_101_001,
                    "Authentication failed, please check your API key",
                );
            }
            None => return refuse(StatusCode::UNAUTHORIZED, 40_101_002, "No API key provided"),
        }
        let segments: Vec<&str> = request.path.trim_matches('/').split('/').collect();
        let body = || match request.json() {
            Value::Object(fields) => Some(fields),
            _ => None,
        };
        match (&request.method, segments.as_slice()) {
            (&Method::POST, ["v1", "rates", "couriers"]) => match body() {
                Some(fields) => self.rates(&fields),
                None => bad_request("the body must be a JSON object"),
            },
            (&Method::POST, ["v1", "orders"]) => match body() {
                Some(fields) => self.create_order(&fields),
                None => bad_request("the body must be a JSON object"),
            },
            (&Method::GET, ["v1", "orders", order_id]) => {
                match lock(&self.orders).by_id.get(*order_id) {
                    Some(order) => json(StatusCode::OK, order_json(order)),
                    None => refuse(StatusCode::NOT_FOUND, 40_401_001, "Order not found"),
                }
            }
            (&Method::POST, ["v1", "orders", order_id, "cancel"]) => match body() {
                Some(fields) => self.cancel(order_id, &fields),
                None => bad_request("the body must be a JSON object"),
            },
            (&Method::GET, ["v1", "trackings", tracking_id]) => {
                let orders = lock(&self.orders);
                match orders
                    .by_id
                    .values()
                    .find(|order| order.tracking_id == *tracking_id)
                {
                    Some(order) => json(StatusCode::OK, tracking_json(order)),
                    None => refuse(StatusCode::NOT_FOUND, 40_403_001, "Tracking not found"),
                }
            }
            (&Method::GET, ["v1", "trackings", waybill, "couriers", courier]) => {
                let orders = lock(&self.orders);
                match orders.by_id.values().find(|order| {
                    order.waybill.as_deref() == Some(*waybill) && order.courier_company == *courier
                }) {
                    Some(order) => json(StatusCode::OK, tracking_json(order)),
                    None => refuse(StatusCode::NOT_FOUND, 40_403_001, "Tracking not found"),
                }
            }
            _ => refuse(StatusCode::NOT_FOUND, 40_400_000, "Not found"),
        }
    }
}
