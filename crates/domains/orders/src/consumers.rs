//! The orders domain following the others: payments (`payment.events`), couriers
//! (`shipment.events`) and stock holds that ran out (`inventory.events`). Each reaction runs in
//! the inbox's transaction, so it happens once however often the event is delivered.

use smartseller_contracts::inventory::{self, InventoryEvent};
use smartseller_contracts::payments::{self, PaymentEvent};
use smartseller_contracts::shipping::{self, ShipmentEvent};
use smartseller_kernel::event::EventEnvelope;
use smartseller_platform::consumer::EventHandler;
use smartseller_platform::db::WriteTx;

use crate::app::fulfilment;

/// Paid orders move on; unpaid ones whose payment expired are cancelled.
pub struct OrderPayments;

#[async_trait::async_trait]
impl EventHandler for OrderPayments {
    fn name(&self) -> &'static str {
        "orders.payments"
    }

    fn subjects(&self) -> &'static [&'static str] {
        &[payments::SUBJECT]
    }

    /// Moves that matter to an order; a payment waiting or being refunded changes nothing here.
    fn handles(&self, event_type: &str) -> bool {
        !matches!(event_type, "payment.status_changed" | "payment.refunded")
    }

    async fn handle(&self, tx: &mut WriteTx, event: &EventEnvelope) -> anyhow::Result<()> {
        let Ok(moved) = serde_json::from_value::<PaymentEvent>(event.payload.clone()) else {
            return Ok(());
        };
        fulfilment::on_payment(tx, event.tenant_id, moved).await?;
        Ok(())
    }
}

/// Orders follow their parcel: shipped, delivered, returned to sender.
pub struct OrderShipments;

#[async_trait::async_trait]
impl EventHandler for OrderShipments {
    fn name(&self) -> &'static str {
        "orders.shipments"
    }

    fn subjects(&self) -> &'static [&'static str] {
        &[shipping::SUBJECT]
    }

    fn handles(&self, event_type: &str) -> bool {
        event_type != "shipment.booked"
    }

    async fn handle(&self, tx: &mut WriteTx, event: &EventEnvelope) -> anyhow::Result<()> {
        let Ok(ShipmentEvent::StatusChanged {
            shipment_id,
            order_id,
            awb,
            after,
            ..
        }) = serde_json::from_value::<ShipmentEvent>(event.payload.clone())
        else {
            return Ok(());
        };
        fulfilment::on_shipment(tx, event.tenant_id, order_id, shipment_id, awb, after).await?;
        Ok(())
    }
}

/// An unpaid order whose stock hold ran out is cancelled: the buyer did not pay in time.
pub struct LapsedHolds;

#[async_trait::async_trait]
impl EventHandler for LapsedHolds {
    fn name(&self) -> &'static str {
        "orders.lapsed_holds"
    }

    fn subjects(&self) -> &'static [&'static str] {
        &[inventory::SUBJECT]
    }

    fn handles(&self, event_type: &str) -> bool {
        event_type == "inventory.released"
    }

    async fn handle(&self, tx: &mut WriteTx, event: &EventEnvelope) -> anyhow::Result<()> {
        let Ok(InventoryEvent::Released {
            reservation_id,
            expired: true,
            ..
        }) = serde_json::from_value::<InventoryEvent>(event.payload.clone())
        else {
            return Ok(());
        };
        fulfilment::on_hold_lapsed(tx, event.tenant_id, reservation_id).await?;
        Ok(())
    }
}
