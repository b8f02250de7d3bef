//! In-memory stand-ins for the catalogue, inventory, payments and shipping contracts, with
//! switches to make a step fail.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::Utc;
use smartseller_contracts::catalog::{PriceQuote, PriceQuoteRequest, Pricing, PricingError};
use smartseller_contracts::inventory::{
    ReservationError, ReservationRequest, ReservationResponse, ReservationStatus, StockReservations,
};
use smartseller_contracts::payments::{
    PaymentError, PaymentStatus, PaymentView, Payments, RefundRequest, RefundView, StartPayment,
};
use smartseller_contracts::shipping::{
    BookShipment, RateRequest, ShipmentStatus, ShipmentView, Shipping, ShippingError, ShippingRate,
};
use smartseller_kernel::TenantId;
use smartseller_kernel::money::Money;
use uuid::Uuid;

pub const RATE_ID: Uuid = Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0001);
pub const AWB: &str = "JNE0012345678";

#[derive(Default)]
pub struct FakePricing {
    variants: Mutex<HashMap<Uuid, (String, String, Money)>>,
}

impl FakePricing {
    pub fn add(&self, sku: &str, name: &str, price: Money) -> Uuid {
        let id = Uuid::now_v7();
        self.variants
            .lock()
            .expect("lock")
            .insert(id, (sku.into(), name.into(), price));
        id
    }
}

#[async_trait::async_trait]
impl Pricing for FakePricing {
    async fn quote(
        &self,
        _tenant: TenantId,
        request: PriceQuoteRequest,
    ) -> Result<PriceQuote, PricingError> {
        let (sku, name, price) = self
            .variants
            .lock()
            .expect("lock")
            .get(&request.variant_id)
            .cloned()
            .ok_or(PricingError::UnknownVariant {
                variant_id: request.variant_id,
            })?;
        Ok(PriceQuote {
            variant_id: request.variant_id,
            sku,
            name,
            status: "active".into(),
            weight_grams: 300,
            channel: request.channel,
            customer_group: None,
            quantity: request.quantity,
            at: Utc::now(),
            unit_price: price,
            line_price: price.checked_mul(request.quantity).expect("price"),
            currency: price.currency,
            steps: Vec::new(),
        })
    }
}

/// Stock per variant (any warehouse); holds are all or nothing.
#[derive(Default)]
pub struct FakeStock {
    available: Mutex<HashMap<Uuid, i64>>,
    holds: Mutex<HashMap<Uuid, ReservationResponse>>,
}

impl FakeStock {
    pub fn put(&self, variant: Uuid, units: i64) {
        self.available.lock().expect("lock").insert(variant, units);
    }

    /// Holds currently held.
    pub fn held(&self) -> usize {
        self.holds
            .lock()
            .expect("lock")
            .values()
            .filter(|h| h.status == ReservationStatus::Held)
            .count()
    }
}

#[async_trait::async_trait]
impl StockReservations for FakeStock {
    async fn reserve(
        &self,
        _tenant: TenantId,
        request: ReservationRequest,
    ) -> Result<ReservationResponse, ReservationError> {
        let mut available = self.available.lock().expect("lock");
        for line in &request.lines {
            let have = available.get(&line.variant_id).copied().unwrap_or(0);
            if have < line.quantity {
                return Err(ReservationError::InsufficientStock {
                    variant_id: line.variant_id,
                    warehouse_id: line.warehouse_id,
                    available: have,
                });
            }
        }
        for line in &request.lines {
            *available.entry(line.variant_id).or_insert(0) -= line.quantity;
        }
        let response = ReservationResponse {
            reservation_id: Uuid::now_v7(),
            status: ReservationStatus::Held,
            lines: request.lines,
            expires_at: request.expires_at,
            reference: request.reference,
        };
        self.holds
            .lock()
            .expect("lock")
            .insert(response.reservation_id, response.clone());
        Ok(response)
    }

    async fn commit(
        &self,
        _tenant: TenantId,
        id: Uuid,
    ) -> Result<ReservationResponse, ReservationError> {
        let mut holds = self.holds.lock().expect("lock");
        let hold = holds.get_mut(&id).ok_or(ReservationError::NotFound)?;
        hold.status = ReservationStatus::Committed;
        Ok(hold.clone())
    }

    async fn release(
        &self,
        _tenant: TenantId,
        id: Uuid,
    ) -> Result<ReservationResponse, ReservationError> {
        let mut holds = self.holds.lock().expect("lock");
        let hold = holds.get_mut(&id).ok_or(ReservationError::NotFound)?;
        if hold.status != ReservationStatus::Held {
            return Err(ReservationError::NotHeld(hold.status));
        }
        hold.status = ReservationStatus::Released;
        let mut available = self.available.lock().expect("lock");
        for line in &hold.lines {
            *available.entry(line.variant_id).or_insert(0) += line.quantity;
        }
        Ok(hold.clone())
    }
}

#[derive(Default)]
pub struct FakePayments {
    fail_start: Mutex<bool>,
    started: Mutex<Vec<StartPayment>>,
    by_key: Mutex<HashMap<String, PaymentView>>,
    voided: Mutex<Vec<Uuid>>,
    refunds: Mutex<Vec<(Uuid, Money)>>,
}

impl FakePayments {
    pub fn fail_next_start(&self) {
        *self.fail_start.lock().expect("lock") = true;
    }

    pub fn started(&self) -> Vec<StartPayment> {
        self.started.lock().expect("lock").clone()
    }

    pub fn voided(&self) -> Vec<Uuid> {
        self.voided.lock().expect("lock").clone()
    }

    pub fn refunds(&self) -> Vec<(Uuid, Money)> {
        self.refunds.lock().expect("lock").clone()
    }

    fn find(&self, id: Uuid) -> Result<PaymentView, PaymentError> {
        self.by_key
            .lock()
            .expect("lock")
            .values()
            .find(|p| p.payment_id == id)
            .cloned()
            .ok_or(PaymentError::NotFound)
    }
}

#[async_trait::async_trait]
impl Payments for FakePayments {
    async fn start(
        &self,
        _tenant: TenantId,
        request: StartPayment,
    ) -> Result<PaymentView, PaymentError> {
        if std::mem::take(&mut *self.fail_start.lock().expect("lock")) {
            return Err(PaymentError::Unavailable("gateway timed out".into()));
        }
        if let Some(existing) = self
            .by_key
            .lock()
            .expect("lock")
            .get(&request.idempotency_key)
        {
            return Ok(existing.clone());
        }
        let view = PaymentView {
            payment_id: Uuid::now_v7(),
            order_id: request.order_id,
            method: request.method,
            status: PaymentStatus::AwaitingPayment,
            amount: request.amount,
            captured: Money::zero(request.amount.currency),
            refunded: Money::zero(request.amount.currency),
            gateway_reference: None,
            redirect_url: Some("https://pay.example.test/redirect".into()),
            instructions: None,
            expires_at: Some(request.expires_at),
            payment_link: None,
        };
        self.by_key
            .lock()
            .expect("lock")
            .insert(request.idempotency_key.clone(), view.clone());
        self.started.lock().expect("lock").push(request);
        Ok(view)
    }

    async fn void(&self, _tenant: TenantId, payment_id: Uuid) -> Result<PaymentView, PaymentError> {
        self.voided.lock().expect("lock").push(payment_id);
        let mut view = self.find(payment_id)?;
        view.status = PaymentStatus::Cancelled;
        Ok(view)
    }

    async fn refund(
        &self,
        _tenant: TenantId,
        request: RefundRequest,
    ) -> Result<RefundView, PaymentError> {
        self.refunds
            .lock()
            .expect("lock")
            .push((request.payment_id, request.amount));
        Ok(RefundView {
            refund_id: Uuid::now_v7(),
            payment_id: request.payment_id,
            amount: request.amount,
            status: "succeeded".into(),
            gateway_reference: None,
        })
    }

    async fn get(&self, _tenant: TenantId, payment_id: Uuid) -> Result<PaymentView, PaymentError> {
        self.find(payment_id)
    }
}

pub struct FakeShipping {
    price: Money,
    booked: Mutex<Vec<ShipmentView>>,
    requests: Mutex<Vec<BookShipment>>,
}

impl FakeShipping {
    pub fn new(price: Money) -> Self {
        Self {
            price,
            booked: Mutex::new(Vec::new()),
            requests: Mutex::new(Vec::new()),
        }
    }

    /// The bookings made, with the lines each asked for.
    pub fn booked(&self) -> Vec<BookedShipment> {
        let booked = self.booked.lock().expect("lock");
        let requests = self.requests.lock().expect("lock");
        booked
            .iter()
            .zip(requests.iter())
            .map(|(b, r)| BookedShipment {
                shipment_id: b.shipment_id,
                lines: r.lines.clone(),
            })
            .collect()
    }

    fn the_rate(&self) -> ShippingRate {
        ShippingRate {
            rate_id: RATE_ID,
            provider: "biteship".into(),
            courier_code: "jne".into(),
            courier_name: "JNE".into(),
            service_code: "reg".into(),
            service_name: "Reguler".into(),
            price: self.price,
            etd: Some("2-3 days".into()),
            cash_on_delivery: true,
            expires_at: Utc::now() + chrono::Duration::minutes(30),
        }
    }
}

pub struct BookedShipment {
    pub shipment_id: Uuid,
    pub lines: Vec<smartseller_contracts::shipping::ShipmentLine>,
}

#[async_trait::async_trait]
impl Shipping for FakeShipping {
    async fn quote(
        &self,
        _tenant: TenantId,
        _request: RateRequest,
    ) -> Result<Vec<ShippingRate>, ShippingError> {
        Ok(vec![self.the_rate()])
    }

    async fn rate(&self, _tenant: TenantId, rate_id: Uuid) -> Result<ShippingRate, ShippingError> {
        if rate_id == RATE_ID {
            Ok(self.the_rate())
        } else {
            Err(ShippingError::RateExpired)
        }
    }

    async fn book(
        &self,
        _tenant: TenantId,
        request: BookShipment,
    ) -> Result<ShipmentView, ShippingError> {
        let view = ShipmentView {
            shipment_id: Uuid::now_v7(),
            order_id: request.order_id,
            provider: "biteship".into(),
            courier_code: "jne".into(),
            service_code: "reg".into(),
            awb: Some(AWB.into()),
            status: ShipmentStatus::AwbAssigned,
            price: self.price,
            tracking: Vec::new(),
        };
        self.booked.lock().expect("lock").push(view.clone());
        self.requests.lock().expect("lock").push(request);
        Ok(view)
    }

    async fn cancel(
        &self,
        _tenant: TenantId,
        _shipment_id: Uuid,
    ) -> Result<ShipmentView, ShippingError> {
        Err(ShippingError::NotFound)
    }

    async fn for_order(
        &self,
        _tenant: TenantId,
        order_id: Uuid,
    ) -> Result<ShipmentView, ShippingError> {
        self.booked
            .lock()
            .expect("lock")
            .iter()
            .find(|s| s.order_id == order_id)
            .cloned()
            .ok_or(ShippingError::NotFound)
    }
}
