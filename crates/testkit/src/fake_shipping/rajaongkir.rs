//! A fake RajaOngkir by Komerce (`integrations/shipping.md` §2.2): domestic cost and waybill
//! tracking under `/api/v1`, form-encoded, key in the `key` header, answers in the
//! `{meta, data}` envelope.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Mutex;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::{
    FakeServer, Protocol, RecordedRequest, TrackEvent, chargeable_kilograms, json, lock,
    services_of, start_server,
};

pub const API_KEY: &str = "komerce-fake-shipping-cost-key";

/// A running fake RajaOngkir; dereferences to its [`FakeServer`].
#[derive(Clone)]
pub struct FakeRajaOngkir {
    server: FakeServer<RajaOngkirState>,
}

impl Deref for FakeRajaOngkir {
    type Target = FakeServer<RajaOngkirState>;

    fn deref(&self) -> &Self::Target {
        &self.server
    }
}

impl FakeRajaOngkir {
    pub const API_KEY: &'static str = API_KEY;

    /// Starts the fake; its [`FakeServer::base_url`] ends in `/api/v1` like Komerce's.
    pub async fn start() -> Self {
        Self {
            server: start_server(RajaOngkirState::default(), "/api/v1").await,
        }
    }

    /// The scans `waybill/track` answers for `awb` with `courier`, oldest first.
    pub fn set_tracking(&self, awb: &str, courier: &str, history: Vec<TrackEvent>) {
        lock(&self.protocol.waybills).insert(awb.to_owned(), (courier.to_owned(), history));
    }
}

/// What the fake keeps between requests.
#[derive(Default)]
pub struct RajaOngkirState {
    waybills: Mutex<HashMap<String, (String, Vec<TrackEvent>)>>,
}

fn envelope(status: StatusCode, message: &str, data: Value) -> Response {
    let outcome = if status.is_success() {
        "success"
    } else {
        "error"
    };
    json(
        status,
        json!({
            "meta": { "message": message, "code": status.as_u16(), "status": outcome },
            "data": data,
        }),
    )
}

impl RajaOngkirState {
    fn domestic_cost(&self, request: &RecordedRequest) -> Response {
        let form = request.form();
        for required in ["origin", "destination", "weight", "courier"] {
            if form
                .get(required)
                .is_none_or(|value| value.trim().is_empty())
            {
                return envelope(
                    StatusCode::BAD_REQUEST,
                    &format!("{required} is required"),
                    Value::Null,
                );
            }
        }
        let Some(grams) = form
            .get("weight")
            .and_then(|weight| weight.parse::<i64>().ok())
            .filter(|grams| *grams > 0)
        else {
            return envelope(
                StatusCode::BAD_REQUEST,
                "weight must be a positive number of grams",
                Value::Null,
            );
        };
        if let Some(price) = form.get("price")
            && price != "lowest"
            && price != "highest"
        {
            return envelope(
                StatusCode::BAD_REQUEST,
                "price must be lowest or highest",
                Value::Null,
            );
        }
        let couriers = form.get("courier").map(String::as_str).unwrap_or_default();
        let rows: Vec<Value> = services_of(couriers.split(':'))
            .iter()
            .map(|service| {
                json!({
                    "name": service.courier_name,
                    "code": service.courier_code,
                    "service": service.service_code.to_uppercase(),
                    "description": service.service_name,
                    "cost": service.rupiah_per_kg * chargeable_kilograms(grams),
                    "etd": service.etd.replace(" - ", "-").replace("days", "day"),
                })
            })
            .collect();
        envelope(
            StatusCode::OK,
            "Success Calculate Domestic Shipping cost",
            Value::Array(rows),
        )
    }

    fn track(&self, request: &RecordedRequest) -> Response {
        let query = request.query_pairs();
        let form = request.form();
        let field = |name: &str| {
            query
                .get(name)
                .or_else(|| form.get(name))
                .filter(|value| !value.is_empty())
                .cloned()
        };
        let (Some(awb), Some(courier)) = (field("awb"), field("courier")) else {
            return envelope(
                StatusCode::BAD_REQUEST,
                "awb and courier are required",
                Value::Null,
            );
        };
        let waybills = lock(&self.waybills);
        let Some((known_courier, history)) = waybills.get(&awb) else {
            return envelope(StatusCode::NOT_FOUND, "Waybill not found", Value::Null);
        };
        if *known_courier != courier {
            return envelope(StatusCode::NOT_FOUND, "Waybill not found", Value::Null);
        }
        let last = history.last();
        let delivered = last.is_some_and(|event| event.status.contains("DELIVERED"));
        // Komerce lists the newest scan first.
        let manifest: Vec<Value> = history
            .iter()
            .rev()
            .map(|event| {
                let local = event.at + chrono::Duration::hours(7);
                json!({
                    "manifest_code": event.status,
                    "manifest_description": event.description,
                    "manifest_date": local.format("%Y-%m-%d").to_string(),
                    "manifest_time": local.format("%H:%M:%S").to_string(),
                    "city_name": event.city,
                })
            })
            .collect();
        envelope(
            StatusCode::OK,
            "Success Get Waybill",
            json!({
                "delivered": delivered,
                "summary": {
                    "courier_code": courier,
                    "courier_name": courier.to_uppercase(),
                    "waybill_number": awb,
                    "service_code": "REG",
                    "status": last.map(|event| event.status.clone()),
                },
                "delivery_status": {
                    "status": last.map(|event| event.status.clone()),
                    "pod_receiver": if delivered { "YBS" } else { "" },
                },
                "manifest": manifest,
            }),
        )
    }
}

impl Protocol for RajaOngkirState {
    fn handle(&self, request: &RecordedRequest) -> Response {
        if request.header("key").as_deref() != Some(API_KEY) {
            return envelope(
                StatusCode::UNAUTHORIZED,
                "Invalid Api key, key not found",
                Value::Null,
            );
        }
        match (&request.method, request.path.as_str()) {
            (&Method::POST, "/api/v1/calculate/domestic-cost") => self.domestic_cost(request),
            (&Method::POST, "/api/v1/track/waybill") => self.track(request),
            _ => envelope(StatusCode::NOT_FOUND, "Not found", Value::Null),
        }
    }
}
