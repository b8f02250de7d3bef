//! Reactions to `product.events` and `order.events`.

use smartseller_contracts::catalog::{self, ProductEvent};
use smartseller_kernel::event::EventEnvelope;
use smartseller_platform::consumer::EventHandler;
use smartseller_platform::db::WriteTx;

use smartseller_contracts::orders::{self, OrderEvent, ReturnCondition};

use crate::app::reservations;
use crate::app::stock::{self, Adjustment};
use crate::app::variants::record_product_event;
use crate::app::{Caller, InventoryError};
use crate::domain::{Change, Reason, Reference, ReferenceKind};
use crate::store::variants;

/// Records each store's variants (id, SKU, status), so inventory can refuse stock for a variant
/// that does not exist without reading the catalogue. Idempotent: a redelivered or older event
/// changes nothing.
pub struct KnownVariants;

#[async_trait::async_trait]
impl EventHandler for KnownVariants {
    fn name(&self) -> &'static str {
        "inventory.variants"
    }

    fn subjects(&self) -> &'static [&'static str] {
        &[catalog::SUBJECT]
    }

    async fn handle(&self, tx: &mut WriteTx, event: &EventEnvelope) -> anyhow::Result<()> {
        // An event type this build does not know yet is someone else's news, not a failure.
        let Ok(product) = serde_json::from_value::<ProductEvent>(event.payload.clone()) else {
            tracing::debug!(event_type = %event.event_type, "product event ignored");
            return Ok(());
        };
        record_product_event(tx, event.tenant_id, event.id, &product).await?;
        Ok(())
    }
}

/// Moves stock as orders move (`order.events`): a paid or cash-on-delivery order's hold
/// becomes a sale, a cancelled order's hold is given back, and returned units come back on
/// hand, or come back and are written off when damaged, so the ledger shows both. Idempotent
/// through the inbox; a hold already settled is left as it is.
pub struct OrderStock;

#[async_trait::async_trait]
impl EventHandler for OrderStock {
    fn name(&self) -> &'static str {
        "inventory.orders"
    }

    fn subjects(&self) -> &'static [&'static str] {
        &[orders::SUBJECT]
    }

    fn handles(&self, event_type: &str) -> bool {
        matches!(
            event_type,
            "order.paid" | "order.cod_confirmed" | "order.cancelled" | "order.return_received"
        )
    }

    async fn handle(&self, tx: &mut WriteTx, event: &EventEnvelope) -> anyhow::Result<()> {
        let Ok(order) = serde_json::from_value::<OrderEvent>(event.payload.clone()) else {
            tracing::debug!(event_type = %event.event_type, "order event ignored");
            return Ok(());
        };
        let caller = Caller::system(event.tenant_id);
        match order {
            OrderEvent::Paid {
                order_id,
                reservation_id: Some(reservation),
                ..
            }
            | OrderEvent::CodConfirmed {
                order_id,
                reservation_id: Some(reservation),
                ..
            } => match reservations::commit_in(tx, &caller, reservation).await {
                Ok(_) => {}
                Err(InventoryError::ReservationNotHeld { status }) => {
                    // Paid after the hold ran out: the units went back on sale. The seller must
                    // see it; selling them again here could oversell.
                    tracing::warn!(%order_id, %reservation, status = status.as_str(),
                        "an order was paid after its stock hold ended");
                }
                Err(InventoryError::ReservationExpired) => {
                    tracing::warn!(%order_id, %reservation, "an order was paid as its hold ran out");
                }
                Err(error) => return Err(error.into()),
            },
            OrderEvent::Cancelled {
                reservation_id: Some(reservation),
                ..
            } => match reservations::give_back(tx, &caller, reservation, false).await {
                Ok(_)
                | Err(InventoryError::ReservationNotHeld { .. })
                | Err(InventoryError::NotFound(_)) => {}
                // Lapsed but not yet swept: the sweeper gives it back.
                Err(InventoryError::ReservationExpired) => {}
                Err(error) => return Err(error.into()),
            },
            OrderEvent::ReturnReceived {
                order_id, units, ..
            } => {
                let allow_negative =
                    variants::allows_negative_stock(&**tx, event.tenant_id).await?;
                for unit in units {
                    let reference = Some(Reference {
                        kind: ReferenceKind::Order,
                        id: order_id.to_string(),
                    });
                    let back = Adjustment {
                        variant: unit.variant_id,
                        warehouse: unit.warehouse_id,
                        change: Change::Delta(unit.quantity),
                        reason: Reason::Return,
                        note: None,
                        reference: reference.clone(),
                    };
                    stock::adjust_in(tx, &caller, &back, allow_negative).await?;
                    if unit.condition == ReturnCondition::Damaged {
                        let written_off = Adjustment {
                            change: Change::Delta(-unit.quantity),
                            reason: Reason::Damage,
                            ..back
                        };
                        stock::adjust_in(tx, &caller, &written_off, true).await?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}
