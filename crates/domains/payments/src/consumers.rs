//! Reactions to `order.events`: cash collected at the door, and payments of cancelled orders.

use smartseller_contracts::orders::{self, OrderEvent};
use smartseller_contracts::payments::{PaymentMethod, PaymentStatus};
use smartseller_kernel::event::EventEnvelope;
use smartseller_platform::consumer::EventHandler;
use smartseller_platform::db::WriteTx;

use crate::app::service::settle_in;
use crate::app::{Caller, Source};
use crate::domain::status::is_unsettled;
use crate::store;

/// Cash on delivery is paid when the courier hands the parcel over: on `order.delivered` the
/// order's unpaid COD payments become `paid` in full. Idempotent twice over: the platform inbox
/// runs it once per event, and a payment already paid is left alone.
pub struct CashCollectedOnDelivery;

#[async_trait::async_trait]
impl EventHandler for CashCollectedOnDelivery {
    fn name(&self) -> &'static str {
        "payments.cod_delivered"
    }

    fn subjects(&self) -> &'static [&'static str] {
        &[orders::SUBJECT]
    }

    fn handles(&self, event_type: &str) -> bool {
        event_type == "order.delivered"
    }

    async fn handle(&self, tx: &mut WriteTx, event: &EventEnvelope) -> anyhow::Result<()> {
        let Ok(OrderEvent::Delivered { order_id, .. }) =
            serde_json::from_value::<OrderEvent>(event.payload.clone())
        else {
            return Ok(());
        };
        let tenant = event.tenant_id;
        let payments =
            store::payments_of_order(&**tx, tenant, order_id, PaymentMethod::Cod.as_str()).await?;
        for payment in payments {
            if !is_unsettled(payment.status()) || payment.status() == PaymentStatus::Created {
                continue;
            }
            settle_in(
                tx,
                &Caller::system(tenant),
                payment.id,
                PaymentStatus::Paid,
                "collected_on_delivery",
                Source::Delivery,
            )
            .await
            .map_err(|e| anyhow::anyhow!("settling COD payment {}: {e}", payment.id))?;
        }
        Ok(())
    }
}

/// An order cancelled without the seller's hand (its stock hold ran out, or a later checkout
/// step failed) leaves its payment open; on `order.cancelled` the order's unpaid payments are
/// cancelled here. The gateway's own copy lapses at its expiry; should the buyer pay anyway,
/// the notification still moves the payment to paid (paid ranks above cancelled) and the order
/// records the money for the seller to refund. A payment already settled is left alone.
pub struct CancelledOrderPayments;

#[async_trait::async_trait]
impl EventHandler for CancelledOrderPayments {
    fn name(&self) -> &'static str {
        "payments.order_cancelled"
    }

    fn subjects(&self) -> &'static [&'static str] {
        &[orders::SUBJECT]
    }

    fn handles(&self, event_type: &str) -> bool {
        event_type == "order.cancelled"
    }

    async fn handle(&self, tx: &mut WriteTx, event: &EventEnvelope) -> anyhow::Result<()> {
        let Ok(OrderEvent::Cancelled { order_id, .. }) =
            serde_json::from_value::<OrderEvent>(event.payload.clone())
        else {
            return Ok(());
        };
        let tenant = event.tenant_id;
        for payment in store::all_payments_of_order(&**tx, tenant, order_id).await? {
            if !is_unsettled(payment.status()) {
                continue;
            }
            settle_in(
                tx,
                &Caller::system(tenant),
                payment.id,
                PaymentStatus::Cancelled,
                "order_cancelled",
                Source::System,
            )
            .await
            .map_err(|e| anyhow::anyhow!("cancelling payment {}: {e}", payment.id))?;
        }
        Ok(())
    }
}
