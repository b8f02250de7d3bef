//! Which variants exist, as the catalogue announces them on `product.events`.

use smartseller_contracts::catalog::ProductEvent;
use smartseller_kernel::TenantId;
use smartseller_platform::WriteTx;
use uuid::Uuid;

use crate::store::variants::{self, ARCHIVED, VariantFacts};

/// Applies one product event inside the consumer's transaction.
pub async fn record_product_event(
    tx: &WriteTx,
    tenant: TenantId,
    event_id: Uuid,
    event: &ProductEvent,
) -> Result<(), sea_orm::DbErr> {
    match event {
        ProductEvent::Created {
            product_id,
            variants: list,
            ..
        }
        | ProductEvent::Updated {
            product_id,
            variants: list,
            ..
        } => {
            for v in list {
                let facts = VariantFacts {
                    variant: v.variant_id,
                    product: *product_id,
                    sku: &v.sku,
                    status: &v.status,
                };
                variants::record(&**tx, tenant, event_id, facts).await?;
            }
            // `variants` is the product's full list: one missing from it was removed, and
            // inventory must stop holding stock for it.
            if matches!(event, ProductEvent::Updated { .. }) {
                for gone in variants::of_product(&**tx, tenant, *product_id).await? {
                    if !list.iter().any(|v| v.variant_id == gone.variant_id) {
                        let facts = VariantFacts {
                            variant: gone.variant_id,
                            product: *product_id,
                            sku: &gone.sku,
                            status: ARCHIVED,
                        };
                        variants::record(&**tx, tenant, event_id, facts).await?;
                    }
                }
            }
            Ok(())
        }
        ProductEvent::Archived {
            product_id,
            variant_ids,
        } => {
            let known = variants::find_many(&**tx, tenant, variant_ids).await?;
            for v in known {
                let facts = VariantFacts {
                    variant: v.variant_id,
                    product: *product_id,
                    sku: &v.sku,
                    status: ARCHIVED,
                };
                variants::record(&**tx, tenant, event_id, facts).await?;
            }
            Ok(())
        }
        ProductEvent::PriceChanged { .. } => Ok(()),
    }
}
