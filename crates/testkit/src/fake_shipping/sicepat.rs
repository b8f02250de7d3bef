//! A fake SiCepat (`integrations/shipping.md` §7, community code only): tariff and waybill
//! tracking with the `api-key` header, answers wrapped in `{"sicepat": {status, result}}`.
//! Like the real service it repeats the outcome in the body: an unknown waybill is an HTTP 200
//! whose inner status code is 400.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Mutex;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::{
    FakeServer, Protocol, RecordedRequest, TrackEvent, json, lock, services_of, start_server,
};

pub const API_KEY: &str = "sicepat-fake-api-key";

/// A running fake SiCepat; dereferences to its [`FakeServer`].
#[derive(Clone)]
pub struct FakeSicepat {
    server: FakeServer<SicepatState>,
}

impl Deref for FakeSicepat {
    type Target = FakeServer<SicepatState>;

    fn deref(&self) -> &Self::Target {
        &self.server
    }
}

impl FakeSicepat {
    pub const API_KEY: &'static str = API_KEY;

    pub async fn start() -> Self {
        Self {
            server: start_server(SicepatState::default(), "").await,
        }
    }

    /// The scans tracking answers for `awb`, oldest first.
    pub fn set_tracking(&self, awb: &str, history: Vec<TrackEvent>) {
        lock(&self.protocol.tracking).insert(awb.to_owned(), history);
    }
}

/// What the fake keeps between requests.
#[derive(Default)]
pub struct SicepatState {
    tracking: Mutex<HashMap<String, Vec<TrackEvent>>>,
}

fn answer(
    http: StatusCode,
    code: u16,
    description: &str,
    payload: Option<(&str, Value)>,
) -> Response {
    let mut inner = json!({ "status": { "code": code, "description": description } });
    if let (Some((name, value)), Some(fields)) = (payload, inner.as_object_mut()) {
        fields.insert(name.to_owned(), value);
    }
    json(http, json!({ "sicepat": inner }))
}

fn local(event: &TrackEvent) -> String {
    (event.at + chrono::Duration::hours(7))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn step(event: &TrackEvent) -> Value {
    json!({
        "date_time": local(event),
        "status": event.status,
        "city": event.city,
        "receiver_name": if event.status == "DELIVERED" { Some(event.description.clone()) } else { None },
    })
}

impl SicepatState {
    fn tariff(request: &RecordedRequest) -> Response {
        let query = request.query_pairs();
        for required in ["origin", "destination", "weight"] {
            if query
                .get(required)
                .is_none_or(|value| value.trim().is_empty())
            {
                return answer(
                    StatusCode::BAD_REQUEST,
                    400,
                    &format!("{required} is required"),
                    None,
                );
            }
        }
        let Some(kilograms) = query
            .get("weight")
            .and_then(|kg| kg.parse::<i64>().ok())
            .filter(|kg| *kg >= 1)
        else {
            return answer(
                StatusCode::BAD_REQUEST,
                400,
                "weight must be whole kilograms, at least 1",
                None,
            );
        };
        let results: Vec<Value> = services_of(["sicepat"])
            .iter()
            .map(|service| {
                json!({
                    "service": service.service_code.to_uppercase(),
                    "description": service.service_name,
                    "tariff": service.rupiah_per_kg * kilograms,
                    "minPrice": service.rupiah_per_kg,
                    "unitPrice": service.rupiah_per_kg,
                    "etd": service.etd.replace("days", "hari"),
                })
            })
            .collect();
        answer(
            StatusCode::OK,
            200,
            "OK",
            Some(("results", Value::Array(results))),
        )
    }

    fn waybill(&self, request: &RecordedRequest) -> Response {
        let query = request.query_pairs();
        let Some(awb) = query.get("waybill").filter(|awb| !awb.is_empty()) else {
            return answer(StatusCode::BAD_REQUEST, 400, "waybill is required", None);
        };
        let tracking = lock(&self.tracking);
        let Some(history) = tracking.get(awb) else {
            return answer(StatusCode::OK, 400, "Data tidak ditemukan", None);
        };
        let result = json!({
            "waybill_number": awb,
            "service": "REG",
            "weight": 1,
            "sender": "SmartSeller Store",
            "receiver_name": "Buyer",
            "track_history": history.iter().map(step).collect::<Vec<_>>(),
            "last_status": history.last().map(step),
            "POD_receiver": history.last().filter(|e| e.status == "DELIVERED").map(|e| e.description.clone()),
        });
        answer(StatusCode::OK, 200, "OK", Some(("result", result)))
    }
}

impl Protocol for SicepatState {
    fn handle(&self, request: &RecordedRequest) -> Response {
        if request.header("api-key").as_deref() != Some(API_KEY) {
            return answer(StatusCode::UNAUTHORIZED, 401, "Invalid API key", None);
        }
        match (&request.method, request.path.as_str()) {
            (&Method::GET, "/customer/tariff") => Self::tariff(request),
            (&Method::GET, "/customer/waybill") => self.waybill(request),
            _ => answer(StatusCode::NOT_FOUND, 404, "Not found", None),
        }
    }
}
