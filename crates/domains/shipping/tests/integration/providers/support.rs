//! Parcels, addresses and clients the provider tests share.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use smartseller_contracts::shipping::ShippingAddress;
use smartseller_kernel::money::{Currency, Money};
use smartseller_shipping::providers::{
    ParcelItem, ProviderBooking, ProviderConfig, ProviderRateRequest, ShippingProvider, build,
};

pub fn idr(rupiah: i64) -> Money {
    Money::new(rupiah * 100, Currency::Idr)
}

pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("test timestamp")
        .with_timezone(&Utc)
}

pub fn provider(config: ProviderConfig) -> Arc<dyn ShippingProvider> {
    build(&config, reqwest::Client::new()).expect("every provider config builds a client")
}

/// The store, in Jakarta.
pub fn store(area_id: Option<&str>) -> ShippingAddress {
    ShippingAddress {
        name: "Toko Batik Sari".to_owned(),
        phone: "081200000001".to_owned(),
        email: Some("gudang@batiksari.example.id".to_owned()),
        address: "Jl. Kebon Sirih No. 12, Menteng, Jakarta Pusat".to_owned(),
        city: "Jakarta Pusat".to_owned(),
        province: Some("DKI Jakarta".to_owned()),
        postal_code: "10110".to_owned(),
        area_id: area_id.map(str::to_owned),
    }
}

/// A buyer in Bandung.
pub fn buyer(area_id: Option<&str>) -> ShippingAddress {
    ShippingAddress {
        name: "Rina Kartika".to_owned(),
        phone: "081300000002".to_owned(),
        email: None,
        address: "Jl. Dago No. 88, Coblong, Bandung".to_owned(),
        city: "Bandung".to_owned(),
        province: Some("Jawa Barat".to_owned()),
        postal_code: "40135".to_owned(),
        area_id: area_id.map(str::to_owned),
    }
}

/// A batik shirt (700 g, Rp 150.000) and two scarves (400 g, Rp 75.000 each): 1,500 g, which
/// couriers charge as 2 kg.
pub fn items() -> Vec<ParcelItem> {
    vec![
        ParcelItem {
            name: "Kemeja Batik".to_owned(),
            sku: "KB-01".to_owned(),
            value: idr(150_000),
            weight_grams: 700,
            quantity: 1,
        },
        ParcelItem {
            name: "Selendang".to_owned(),
            sku: "SL-02".to_owned(),
            value: idr(75_000),
            weight_grams: 400,
            quantity: 2,
        },
    ]
}

pub fn rate_request(
    origin: ShippingAddress,
    destination: ShippingAddress,
    couriers: &[&str],
) -> ProviderRateRequest {
    ProviderRateRequest {
        origin,
        destination,
        weight_grams: 1_500,
        goods_value: idr(300_000),
        couriers: couriers.iter().map(|c| (*c).to_owned()).collect(),
        cash_on_delivery: false,
        items: items(),
    }
}

pub fn booking(
    reference: &str,
    origin: ShippingAddress,
    destination: ShippingAddress,
    courier: &str,
    service: &str,
) -> ProviderBooking {
    ProviderBooking {
        reference: reference.to_owned(),
        order_number: format!("SO-{reference}"),
        origin,
        destination,
        courier_code: courier.to_owned(),
        service_code: service.to_owned(),
        items: items(),
        weight_grams: 1_500,
        goods_value: idr(300_000),
        cash_on_delivery: None,
        note: Some("Fragile: batik".to_owned()),
    }
}
