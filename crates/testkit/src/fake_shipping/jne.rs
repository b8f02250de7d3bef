//! A fake JNE (`integrations/shipping.md` §5, community code only): tariff, CNote generation
//! and tracking, form-encoded with `username` and `api_key` in every body.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Mutex;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::{
    FakeServer, Protocol, RecordedRequest, TrackEvent, json, lock, services_of, start_server,
};

pub const USERNAME: &str = "SMARTSELLERTEST";
pub const API_KEY: &str = "jne-fake-api-key-0f3c";

/// Fields CNote generation refuses to go without.
const REQUIRED_CNOTE_FIELDS: [&str; 24] = [
    "OLSHOP_BRANCH",
    "OLSHOP_CUST",
    "OLSHOP_ORDERID",
    "OLSHOP_SHIPPER_NAME",
    "OLSHOP_SHIPPER_ADDR1",
    "OLSHOP_SHIPPER_CITY",
    "OLSHOP_SHIPPER_ZIP",
    "OLSHOP_SHIPPER_PHONE",
    "OLSHOP_RECEIVER_NAME",
    "OLSHOP_RECEIVER_ADDR1",
    "OLSHOP_RECEIVER_CITY",
    "OLSHOP_RECEIVER_ZIP",
    "OLSHOP_RECEIVER_PHONE",
    "OLSHOP_QTY",
    "OLSHOP_WEIGHT",
    "OLSHOP_GOODSDESC",
    "OLSHOP_GOODSVALUE",
    "OLSHOP_GOODSTYPE",
    "OLSHOP_INS_FLAG",
    "OLSHOP_ORIG",
    "OLSHOP_DEST",
    "OLSHOP_SERVICE",
    "OLSHOP_COD_FLAG",
    "OLSHOP_COD_AMOUNT",
];

/// A running fake JNE; dereferences to its [`FakeServer`].
#[derive(Clone)]
pub struct FakeJne {
    server: FakeServer<JneState>,
}

impl Deref for FakeJne {
    type Target = FakeServer<JneState>;

    fn deref(&self) -> &Self::Target {
        &self.server
    }
}

impl FakeJne {
    pub const USERNAME: &'static str = USERNAME;
    pub const API_KEY: &'static str = API_KEY;

    pub async fn start() -> Self {
        Self {
            server: start_server(JneState::default(), "").await,
        }
    }

    /// The scans tracking answers for `awb`, oldest first.
    pub fn set_tracking(&self, awb: &str, history: Vec<TrackEvent>) {
        lock(&self.protocol.shipments)
            .tracking
            .insert(awb.to_owned(), history);
    }

    /// The CNote form fields of a booked airway bill.
    pub fn booking(&self, awb: &str) -> Option<HashMap<String, String>> {
        lock(&self.protocol.shipments).booked.get(awb).cloned()
    }
}

/// What the fake keeps between requests.
#[derive(Default)]
pub struct JneState {
    shipments: Mutex<Shipments>,
}

#[derive(Default)]
struct Shipments {
    booked: HashMap<String, HashMap<String, String>>,
    tracking: HashMap<String, Vec<TrackEvent>>,
}

fn refuse(status: StatusCode, message: &str) -> Response {
    json(status, json!({ "status": false, "error": message }))
}

fn cnote_refused(reason: &str) -> Response {
    json(
        StatusCode::OK,
        json!({ "detail": [{ "status": "Error", "reason": reason }] }),
    )
}

impl JneState {
    fn tariff(form: &HashMap<String, String>) -> Response {
        for required in ["from", "thru", "weight"] {
            if form
                .get(required)
                .is_none_or(|value| value.trim().is_empty())
            {
                return refuse(StatusCode::BAD_REQUEST, &format!("{required} is required"));
            }
        }
        let Some(kilograms) = form
            .get("weight")
            .and_then(|weight| weight.parse::<i64>().ok())
            .filter(|kg| *kg > 0)
        else {
            return refuse(
                StatusCode::BAD_REQUEST,
                "weight must be whole kilograms, at least 1",
            );
        };
        let prices: Vec<Value> = services_of(["jne"])
            .iter()
            .map(|service| {
                let days = service.etd.split(" - ").collect::<Vec<_>>();
                json!({
                    "origin_name": "JAKARTA",
                    "destination_name": "BANDUNG",
                    "service_display": service.service_code.to_uppercase(),
                    "service_code": service.service_code.to_uppercase(),
                    "goods_type": "Document/Paket",
                    "currency": "IDR",
                    // JNE sends prices as strings.
                    "price": (service.rupiah_per_kg * kilograms).to_string(),
                    "etd_from": days.first().map(|d| d.trim()),
                    "etd_thru": days.get(1).map(|d| d.trim_end_matches(" days")),
                    "times": "D",
                })
            })
            .collect();
        json(StatusCode::OK, json!({ "price": prices }))
    }

    fn generate_cnote(&self, form: &HashMap<String, String>) -> Response {
        if let Some(missing) = REQUIRED_CNOTE_FIELDS.iter().find(|field| {
            form.get(**field)
                .is_none_or(|value| value.trim().is_empty())
        }) {
            return cnote_refused(&format!("{missing} is required"));
        }
        let service = form
            .get("OLSHOP_SERVICE")
            .map(String::as_str)
            .unwrap_or_default();
        if !["REG", "YES", "OKE"].contains(&service) {
            return cnote_refused("OLSHOP_SERVICE is not a JNE service");
        }
        let cod_flag = form
            .get("OLSHOP_COD_FLAG")
            .map(String::as_str)
            .unwrap_or_default();
        if !["N", "Y", "YES"].contains(&cod_flag) {
            return cnote_refused("OLSHOP_COD_FLAG must be N or YES");
        }
        let mut shipments = lock(&self.shipments);
        let order_id = form.get("OLSHOP_ORDERID").cloned().unwrap_or_default();
        if shipments
            .booked
            .values()
            .any(|booked| booked.get("OLSHOP_ORDERID") == Some(&order_id))
        {
            return cnote_refused("OLSHOP_ORDERID already exists");
        }
        let cnote = format!("JNE{:012}", shipments.booked.len() + 1);
        shipments.booked.insert(cnote.clone(), form.clone());
        json(
            StatusCode::OK,
            json!({ "detail": [{ "status": "sukses", "cnote_no": cnote }] }),
        )
    }

    fn trace(&self, awb: &str) -> Response {
        let shipments = lock(&self.shipments);
        let history = shipments.tracking.get(awb);
        if history.is_none() && !shipments.booked.contains_key(awb) {
            return refuse(StatusCode::NOT_FOUND, "Cnote No. Not Found.");
        }
        let history = history.cloned().unwrap_or_default();
        let wall_clock =
            |event: &TrackEvent| (event.at + chrono::Duration::hours(7)).format("%d-%m-%Y %H:%M");
        json(
            StatusCode::OK,
            json!({
                "cnote": {
                    "cnote_no": awb,
                    "cnote_origin": "CGK10000",
                    "pod_status": history.last().map(|event| event.status.clone()).unwrap_or_default(),
                },
                "detail": [],
                "history": history.iter().map(|event| json!({
                    "date": wall_clock(event).to_string(),
                    "desc": event.description,
                    "code": event.status,
                })).collect::<Vec<_>>(),
            }),
        )
    }
}

impl Protocol for JneState {
    fn handle(&self, request: &RecordedRequest) -> Response {
        let form = request.form();
        let credentials_match = form.get("username").map(String::as_str) == Some(USERNAME)
            && form.get("api_key").map(String::as_str) == Some(API_KEY);
        if !credentials_match {
            return refuse(StatusCode::UNAUTHORIZED, "Invalid username or api_key");
        }
        if request.method != Method::POST {
            return refuse(StatusCode::METHOD_NOT_ALLOWED, "POST only");
        }
        match request.path.as_str() {
            "/tracing/api/pricedev" => Self::tariff(&form),
            "/tracing/api/generatecnote" => self.generate_cnote(&form),
            path => match path.strip_prefix("/tracing/api/list/v1/cnote/") {
                Some(awb) if !awb.is_empty() => self.trace(awb),
                _ => refuse(StatusCode::NOT_FOUND, "Not found"),
            },
        }
    }
}
