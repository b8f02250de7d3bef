//! Purchase orders and goods receipt, stock counts, per-channel buffers and reorder suggestions,
//! on both databases: receipts racing each other never take more than was ordered, a count never
//! takes away what is promised, and the ledger keeps explaining every level.

use std::sync::Arc;

use smartseller_inventory::app::counts::{self, CountSheet};
use smartseller_inventory::app::purchasing::{self, DraftLine, PurchaseOrderDraft, Receipt};
use smartseller_inventory::app::replenishment;
use smartseller_inventory::domain::SalesChannel;

use super::*;

engine_tests!(
    a_purchase_order_raises_incoming_and_receipts_put_it_on_the_shelf,
    concurrent_receipts_of_one_order_never_over_receive,
    cancelling_an_order_stops_expecting_what_has_not_arrived,
    a_count_applied_while_a_hold_exists_never_makes_available_negative,
    a_count_takes_its_difference_against_stock_at_the_moment_it_is_applied,
    reorder_suggestions_follow_recent_sales_most_urgent_first,
    channel_buffers_lower_what_each_channel_sees,
    another_stores_orders_and_counts_are_invisible,
);

/// (on_hand, reserved, incoming, available) of one level.
async fn buckets(h: &Harness, variant: Uuid) -> (i64, i64, i64, i64) {
    let filter = LevelFilter {
        variant: Some(variant),
        warehouse: Some(h.warehouse),
        low_stock: false,
    };
    let rows = stock::list(&h.ctx, h.caller.tenant, &filter, None, 10)
        .await
        .expect("levels");
    let l = &rows[0].level;
    (
        l.on_hand,
        l.reserved,
        l.incoming,
        (l.on_hand - l.reserved - l.campaign_locked).max(0),
    )
}

fn idr(minor: i64) -> Money {
    Money::new(minor, Currency::Idr)
}

fn po(h: &Harness, lines: &[(Uuid, i64)]) -> PurchaseOrderDraft {
    let lines: Vec<DraftLine> = lines
        .iter()
        .map(|(variant, quantity)| DraftLine {
            variant: *variant,
            quantity: *quantity,
            unit_cost: idr(4_500_000),
        })
        .collect();
    PurchaseOrderDraft::parse("CV Batik Pekalongan", h.warehouse, None, &lines, None)
        .expect("valid order")
}

fn receipt(lines: &[(Uuid, i64)]) -> Receipt {
    Receipt::parse(lines, Some("delivery note DN-7")).expect("valid receipt")
}

async fn a_purchase_order_raises_incoming_and_receipts_put_it_on_the_shelf(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let (batik, sarung) = (
        variant(&h, "PO-BATIK").await,
        variant(&h, "PO-SARUNG").await,
    );
    stock_up(&h, batik, 2).await;
    let draft = purchasing::create(&h.ctx, &h.caller, po(&h, &[(batik, 10), (sarung, 4)]))
        .await
        .expect("draft");
    assert_eq!(draft.record.status, "draft");
    assert_eq!(draft.total(), Ok(idr(14 * 4_500_000)));
    assert_eq!(
        buckets(&h, batik).await,
        (2, 0, 0, 2),
        "a draft expects nothing"
    );
    let id = draft.record.id;
    assert!(matches!(
        purchasing::receive(&h.ctx, &h.caller, id, receipt(&[(batik, 1)])).await,
        Err(InventoryError::IllegalTransition { .. })
    ));

    purchasing::order(&h.ctx, &h.caller, id)
        .await
        .expect("ordered");
    assert_eq!(buckets(&h, batik).await, (2, 0, 10, 2));
    assert!(matches!(
        purchasing::order(&h.ctx, &h.caller, id).await,
        Err(InventoryError::IllegalTransition { ref status, .. }) if status == "ordered"
    ));

    let partial = purchasing::receive(&h.ctx, &h.caller, id, receipt(&[(batik, 6)]))
        .await
        .expect("partial receipt");
    assert_eq!(partial.record.status, "partially_received");
    assert_eq!(buckets(&h, batik).await, (8, 0, 4, 8));

    let over =
        purchasing::receive(&h.ctx, &h.caller, id, receipt(&[(sarung, 4), (batik, 5)])).await;
    assert!(
        matches!(over, Err(InventoryError::OverReceipt { variant_id, remaining: 4 }) if variant_id == batik),
        "{:?}",
        over.err()
    );
    assert_eq!(
        buckets(&h, sarung).await,
        (0, 0, 4, 0),
        "nothing of the refused receipt was booked"
    );
    let stranger = variant(&h, "PO-STRANGER").await;
    assert!(matches!(
        purchasing::receive(&h.ctx, &h.caller, id, receipt(&[(stranger, 1)])).await,
        Err(InventoryError::Invalid(_))
    ));

    let done = purchasing::receive(
        &h.ctx,
        &h.caller,
        id,
        receipt(&[(batik, 2), (sarung, 4), (batik, 2)]),
    )
    .await
    .expect("the rest");
    assert_eq!(done.record.status, "received");
    assert_eq!(buckets(&h, batik).await, (12, 0, 0, 12));
    assert_eq!(buckets(&h, sarung).await, (4, 0, 0, 4));
    assert!(matches!(
        purchasing::cancel(&h.ctx, &h.caller, id).await,
        Err(InventoryError::IllegalTransition { .. })
    ));

    let ledger = stock::ledger(
        &h.ctx,
        h.caller.tenant,
        &LedgerFilter {
            variant: Some(sarung),
            warehouse: Some(h.warehouse),
        },
        None,
        10,
    )
    .await
    .expect("ledger");
    assert_eq!(ledger[0].reason, "purchase_receipt");
    assert_eq!(ledger[0].reference_type.as_deref(), Some("purchase_order"));
    assert_eq!(ledger[0].reference_id, Some(id.to_string()));
    assert_eq!(ledger[1].reason, "purchase_ordered");
    assert_ledger_explains_level(&h, batik).await;
    assert_ledger_explains_level(&h, sarung).await;
}

async fn concurrent_receipts_of_one_order_never_over_receive(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let kain = variant(&h, "PO-KAIN").await;
    let id = purchasing::create(&h.ctx, &h.caller, po(&h, &[(kain, 10)]))
        .await
        .expect("draft")
        .record
        .id;
    purchasing::order(&h.ctx, &h.caller, id)
        .await
        .expect("ordered");
    let h = Arc::new(h);
    let attempts = (0..40).map(|_| {
        let h = h.clone();
        tokio::spawn(async move {
            purchasing::receive(&h.ctx, &h.caller, id, receipt(&[(kain, 1)])).await
        })
    });
    let results: Vec<_> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 10);
    for loser in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(
                loser,
                InventoryError::OverReceipt { remaining: 0, .. }
                    | InventoryError::IllegalTransition { .. }
            ),
            "{loser:?}"
        );
    }
    assert_eq!(buckets(&h, kain).await, (10, 0, 0, 10));
    let order = purchasing::get(&h.ctx, h.caller.tenant, id)
        .await
        .expect("get");
    assert_eq!(order.record.status, "received");
    assert_eq!(order.lines[0].received, 10);
    assert_ledger_explains_level(&h, kain).await;
}

async fn cancelling_an_order_stops_expecting_what_has_not_arrived(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let tas = variant(&h, "PO-TAS").await;
    let draft = purchasing::create(&h.ctx, &h.caller, po(&h, &[(tas, 5)]))
        .await
        .expect("draft");
    let never_sent = purchasing::cancel(&h.ctx, &h.caller, draft.record.id)
        .await
        .expect("a draft is called off");
    assert_eq!(never_sent.record.status, "cancelled");
    let id = purchasing::create(&h.ctx, &h.caller, po(&h, &[(tas, 5)]))
        .await
        .expect("draft")
        .record
        .id;
    purchasing::order(&h.ctx, &h.caller, id)
        .await
        .expect("ordered");
    purchasing::receive(&h.ctx, &h.caller, id, receipt(&[(tas, 2)]))
        .await
        .expect("partial");
    let cancelled = purchasing::cancel(&h.ctx, &h.caller, id)
        .await
        .expect("cancel");
    assert_eq!(cancelled.record.status, "cancelled");
    assert_eq!(buckets(&h, tas).await, (2, 0, 0, 2), "received goods stay");
    assert!(matches!(
        purchasing::receive(&h.ctx, &h.caller, id, receipt(&[(tas, 1)])).await,
        Err(InventoryError::IllegalTransition { ref status, .. }) if status == "cancelled"
    ));
    assert_ledger_explains_level(&h, tas).await;
}

async fn a_count_applied_while_a_hold_exists_never_makes_available_negative(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let peci = variant(&h, "CNT-PECI").await;
    stock_up(&h, peci, 10).await;
    reservations::reserve(&h.ctx, &h.caller, hold(vec![(peci, h.warehouse, 6)]))
        .await
        .expect("hold");
    let short = CountSheet::parse(h.warehouse, &[(peci, 4)], None, true).expect("sheet");
    let short = counts::create(&h.ctx, &h.caller, short)
        .await
        .expect("filed");
    let refused = counts::apply(&h.ctx, &h.caller, short.record.id).await;
    assert!(
        matches!(
            refused,
            Err(InventoryError::InsufficientStock { available: 4, .. })
        ),
        "{:?}",
        refused.err()
    );
    let still = counts::get(&h.ctx, h.caller.tenant, short.record.id)
        .await
        .expect("get");
    assert_eq!(
        still.record.status, "submitted",
        "nothing of a refused count applies"
    );
    assert_eq!(buckets(&h, peci).await, (10, 6, 0, 4));

    let sheet = CountSheet::parse(h.warehouse, &[(peci, 7)], Some("rak B3"), false).expect("sheet");
    let count = counts::create(&h.ctx, &h.caller, sheet)
        .await
        .expect("filed");
    assert_eq!(count.record.status, "draft");
    let applied = counts::apply(&h.ctx, &h.caller, count.record.id)
        .await
        .expect("applied");
    assert_eq!(applied.record.status, "applied");
    assert_eq!(
        (applied.lines[0].expected, applied.lines[0].difference),
        (Some(10), Some(-3))
    );
    assert_eq!(buckets(&h, peci).await, (7, 6, 0, 1));
    assert_ledger_explains_level(&h, peci).await;
}

async fn a_count_takes_its_difference_against_stock_at_the_moment_it_is_applied(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let (mukena, kopiah) = (
        variant(&h, "CNT-MUKENA").await,
        variant(&h, "CNT-KOPIAH").await,
    );
    stock_up(&h, mukena, 10).await;
    stock_up(&h, kopiah, 5).await;
    let sheet =
        CountSheet::parse(h.warehouse, &[(mukena, 8), (kopiah, 5)], None, true).expect("sheet");
    let count = counts::create(&h.ctx, &h.caller, sheet)
        .await
        .expect("filed");
    // Three sell while the counters are still on the floor.
    stock::adjust(
        &h.ctx,
        &h.caller,
        Adjustment {
            variant: mukena,
            warehouse: h.warehouse,
            change: Change::Delta(-3),
            reason: Reason::Sale,
            note: None,
            reference: None,
        },
    )
    .await
    .expect("sale");
    let adjusted_before = events_of_type(&h, "inventory.adjusted").await;
    let applied = counts::apply(&h.ctx, &h.caller, count.record.id)
        .await
        .expect("applied");
    let line = |v: Uuid| {
        applied
            .lines
            .iter()
            .find(|l| l.variant_id == v)
            .map(|l| (l.counted, l.expected, l.difference))
    };
    assert_eq!(line(mukena), Some((8, Some(7), Some(1))));
    assert_eq!(line(kopiah), Some((5, Some(5), Some(0))));
    assert_eq!(buckets(&h, mukena).await.0, 8);
    assert_eq!(
        events_of_type(&h, "inventory.adjusted").await,
        adjusted_before + 1,
        "one entry per changed line"
    );
    let kopiah_ledger = stock::ledger(
        &h.ctx,
        h.caller.tenant,
        &LedgerFilter {
            variant: Some(kopiah),
            warehouse: Some(h.warehouse),
        },
        None,
        10,
    )
    .await
    .expect("ledger");
    assert_eq!(kopiah_ledger.len(), 1, "an unchanged line books nothing");
    let mukena_ledger = stock::ledger(
        &h.ctx,
        h.caller.tenant,
        &LedgerFilter {
            variant: Some(mukena),
            warehouse: Some(h.warehouse),
        },
        None,
        10,
    )
    .await
    .expect("ledger");
    assert_eq!(mukena_ledger[0].reason, "stock_count");
    assert_eq!(
        mukena_ledger[0].reference_id,
        Some(count.record.id.to_string())
    );
    assert!(matches!(
        counts::apply(&h.ctx, &h.caller, count.record.id).await,
        Err(InventoryError::IllegalTransition { ref status, .. }) if status == "applied"
    ));
    assert_ledger_explains_level(&h, mukena).await;
    assert_ledger_explains_level(&h, kopiah).await;
}

async fn reorder_suggestions_follow_recent_sales_most_urgent_first(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let (fast, slow, idle) = (
        variant(&h, "RO-FAST").await,
        variant(&h, "RO-SLOW").await,
        variant(&h, "RO-IDLE").await,
    );
    stock_up(&h, fast, 40).await;
    stock_up(&h, slow, 40).await;
    stock_up(&h, idle, 1).await;
    // 30 of `fast` sold: 20 through committed holds, 10 by hand.
    for _ in 0..2 {
        let held = reservations::reserve(&h.ctx, &h.caller, hold(vec![(fast, h.warehouse, 10)]))
            .await
            .expect("hold");
        reservations::commit(&h.ctx, &h.caller, held.record.id)
            .await
            .expect("commit");
    }
    let released = reservations::reserve(&h.ctx, &h.caller, hold(vec![(slow, h.warehouse, 5)]))
        .await
        .expect("hold");
    reservations::release(&h.ctx, &h.caller, released.record.id)
        .await
        .expect("a released hold is no sale");
    for (v, n) in [(fast, 10), (slow, 3)] {
        stock::adjust(
            &h.ctx,
            &h.caller,
            Adjustment {
                variant: v,
                warehouse: h.warehouse,
                change: Change::Delta(-n),
                reason: Reason::Sale,
                note: None,
                reference: None,
            },
        )
        .await
        .expect("sale");
    }
    stock::set_reorder_point(&h.ctx, &h.caller, idle, h.warehouse, Some(2))
        .await
        .expect("reorder point");
    replenishment::set_reorder_setting(&h.ctx, &h.caller, (fast, h.warehouse), 14, 6)
        .await
        .expect("setting");

    let rows = replenishment::suggestions(&h.ctx, h.caller.tenant, 30, clock::now())
        .await
        .expect("suggestions");
    let order: Vec<Uuid> = rows.iter().map(|r| r.variant).collect();
    assert_eq!(order, vec![fast, slow, idle], "fewest days of cover first");
    // fast: 30 sold in 30 days = 1 a day; 14 + 6 days need 20; 10 available: order 10.
    let f = &rows[0];
    assert_eq!(
        (
            f.inputs.sold,
            f.inputs.available,
            f.suggestion.needed,
            f.suggestion.quantity
        ),
        (30, 10, 20, 10)
    );
    // slow: 3 sold = 0.1 a day; 7 + 3 days need 1; 37 available: nothing to order.
    let s = &rows[1];
    assert_eq!(
        (
            s.inputs.sold,
            s.inputs.lead_time_days,
            s.inputs.safety_days,
            s.suggestion.quantity
        ),
        (3, 7, 3, 0)
    );
    assert_eq!((rows[2].inputs.sold, rows[2].suggestion.quantity), (0, 0));
    assert!(rows.iter().all(|r| r.suggestion.quantity >= 0));
    let other = replenishment::suggestions(&h.ctx, TenantId::new(), 30, clock::now())
        .await
        .expect("suggestions");
    assert!(other.is_empty(), "another store sees none of it");
}

async fn channel_buffers_lower_what_each_channel_sees(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let hijab = variant(&h, "BUF-HIJAB").await;
    stock_up(&h, hijab, 10).await;
    replenishment::set_buffer(&h.ctx, &h.caller, hijab, None, 2)
        .await
        .expect("default buffer");
    let seen = replenishment::set_buffer(&h.ctx, &h.caller, hijab, Some(SalesChannel::Shopee), 12)
        .await
        .expect("shopee buffer");
    let of = |c: SalesChannel| {
        seen.channels
            .iter()
            .find(|s| s.channel == c)
            .map(|s| (s.buffer, s.available))
    };
    assert_eq!(seen.available, 10);
    assert_eq!(of(SalesChannel::Shopee), Some((12, 0)), "never negative");
    assert_eq!(of(SalesChannel::Tokopedia), Some((2, 8)));
    assert_eq!(of(SalesChannel::OwnStore), Some((2, 8)));
    reservations::reserve(&h.ctx, &h.caller, hold(vec![(hijab, h.warehouse, 3)]))
        .await
        .expect("hold");
    let now = replenishment::channel_availability(&h.ctx, h.caller.tenant, hijab)
        .await
        .expect("availability");
    assert_eq!(now.available, 7);
    assert!(
        now.channels
            .iter()
            .all(|c| c.available == (7 - c.buffer).max(0))
    );
    assert!(matches!(
        replenishment::channel_availability(&h.ctx, TenantId::new(), hijab).await,
        Err(InventoryError::NotFound(_))
    ));
}

async fn another_stores_orders_and_counts_are_invisible(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let songket = variant(&h, "ISO-SONGKET").await;
    stock_up(&h, songket, 3).await;
    let order = purchasing::create(&h.ctx, &h.caller, po(&h, &[(songket, 2)]))
        .await
        .expect("draft");
    let count = counts::create(
        &h.ctx,
        &h.caller,
        CountSheet::parse(h.warehouse, &[(songket, 1)], None, true).expect("sheet"),
    )
    .await
    .expect("count");
    let stranger = Caller {
        tenant: TenantId::new(),
        kind: "user",
        id: Some(Uuid::now_v7()),
    };
    let id = order.record.id;
    assert!(matches!(
        purchasing::get(&h.ctx, stranger.tenant, id).await,
        Err(InventoryError::NotFound(_))
    ));
    assert!(matches!(
        purchasing::order(&h.ctx, &stranger, id).await,
        Err(InventoryError::NotFound(_))
    ));
    assert!(matches!(
        purchasing::receive(&h.ctx, &stranger, id, receipt(&[(songket, 1)])).await,
        Err(InventoryError::NotFound(_))
    ));
    assert!(matches!(
        purchasing::cancel(&h.ctx, &stranger, id).await,
        Err(InventoryError::NotFound(_))
    ));
    assert!(matches!(
        counts::apply(&h.ctx, &stranger, count.record.id).await,
        Err(InventoryError::NotFound(_))
    ));
    assert!(matches!(
        purchasing::create(&h.ctx, &stranger, po(&h, &[(songket, 2)])).await,
        Err(InventoryError::UnknownWarehouse { .. })
    ));
    assert_eq!(buckets(&h, songket).await, (3, 0, 0, 3), "untouched");
}
