//! Inventory's use cases against real databases, written once and run on SQLite and PostgreSQL:
//! the races a busy store really has (a flash sale, a checkout retried, the sweeper racing a
//! payment) must never sell a unit twice, and the ledger must always explain the level.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use sea_orm_migration::MigratorTrait;
use smartseller_contracts::catalog::{ProductEvent, VariantSnapshot};
use smartseller_contracts::inventory::{
    ReservationError, ReservationRequest, ReservationStatus, StockLine, StockReference,
    StockReservations,
};
use smartseller_inventory::InventoryMigrator;
use smartseller_inventory::app::campaigns::{self, CampaignLockDraft};
use smartseller_inventory::app::reservations::{self, Hold, InventoryReservations};
use smartseller_inventory::app::stock::{self, Adjustment, LedgerFilter, LevelFilter};
use smartseller_inventory::app::transfers::{self, Shipment};
use smartseller_inventory::app::warehouses::{self, WarehouseDraft};
use smartseller_inventory::app::{Caller, InventoryCtx, InventoryError};
use smartseller_inventory::consumers::KnownVariants;
use smartseller_inventory::domain::{Change, Reason, WarehouseCode, WarehouseName};
use smartseller_kernel::event::EventEnvelope;
use smartseller_kernel::money::{Currency, Money};
use smartseller_kernel::{TenantId, clock};
use smartseller_platform::Db;
use smartseller_platform::consumer::{self, Outcome, RetryPolicy};
use smartseller_platform::migrations::PlatformMigrator;
use smartseller_testkit::db::{Engine, TestDatabase};
use smartseller_testkit::engine_tests;
use uuid::Uuid;

mod purchasing;

struct Harness {
    ctx: InventoryCtx,
    caller: Caller,
    warehouse: Uuid,
    _database: TestDatabase,
}

async fn harness(engine: Engine) -> Option<Harness> {
    let database = TestDatabase::fresh(engine).await?;
    let db = Db::connect(&database.url).await.expect("database");
    PlatformMigrator::up(db.conn(), None)
        .await
        .expect("platform migrations");
    InventoryMigrator::up(db.conn(), None)
        .await
        .expect("inventory migrations");
    let ctx = InventoryCtx::new(db);
    let tenant = TenantId::new();
    let caller = Caller {
        tenant,
        kind: "user",
        id: Some(Uuid::now_v7()),
    };
    let warehouse = warehouses::create(&ctx, tenant, draft("JKT-1"))
        .await
        .expect("warehouse")
        .id;
    Some(Harness {
        ctx,
        caller,
        warehouse,
        _database: database,
    })
}

fn draft(code: &str) -> WarehouseDraft {
    WarehouseDraft {
        code: WarehouseCode::parse(code).expect("code"),
        name: WarehouseName::parse("Gudang Cikarang").expect("name"),
        address: None,
        active: true,
    }
}

fn snapshot(variant: Uuid, sku: &str, status: &str) -> VariantSnapshot {
    VariantSnapshot {
        variant_id: variant,
        sku: sku.to_owned(),
        name: sku.to_owned(),
        status: status.to_owned(),
        price: Money::new(150_000, Currency::Idr),
    }
}

/// Delivers a product event to inventory's consumer, as the relay would.
async fn announce(h: &Harness, tenant: TenantId, event: ProductEvent) {
    let envelope = EventEnvelope::wrap(tenant, &event);
    let outcome = consumer::deliver(&h.ctx.db, &KnownVariants, &envelope, RetryPolicy::default())
        .await
        .expect("delivered");
    assert_eq!(outcome, Outcome::Handled);
}

/// A new active variant the catalogue has announced to `h`'s store.
async fn variant(h: &Harness, sku: &str) -> Uuid {
    let id = Uuid::now_v7();
    announce(
        h,
        h.caller.tenant,
        ProductEvent::Created {
            product_id: Uuid::now_v7(),
            name: sku.to_owned(),
            variants: vec![snapshot(id, sku, "active")],
        },
    )
    .await;
    id
}

async fn stock_up(h: &Harness, variant: Uuid, units: i64) {
    stock::adjust(
        &h.ctx,
        &h.caller,
        Adjustment {
            variant,
            warehouse: h.warehouse,
            change: Change::Delta(units),
            reason: Reason::PurchaseReceipt,
            note: None,
            reference: None,
        },
    )
    .await
    .expect("stocked");
}

fn hold(lines: Vec<(Uuid, Uuid, i64)>) -> Hold {
    Hold {
        lines,
        expires_at: Utc::now() + chrono::Duration::minutes(15),
        reference: None,
    }
}

/// (on_hand, reserved, available) of one level.
async fn level(h: &Harness, variant: Uuid) -> (i64, i64, i64) {
    let filter = LevelFilter {
        variant: Some(variant),
        warehouse: Some(h.warehouse),
        low_stock: false,
    };
    let rows = stock::list(&h.ctx, h.caller.tenant, &filter, None, 10)
        .await
        .expect("levels");
    assert_eq!(rows.len(), 1);
    let l = &rows[0].level;
    (
        l.on_hand,
        l.reserved,
        (l.on_hand - l.reserved - l.campaign_locked).max(0),
    )
}

/// Checks that every bucket of the level is the sum of its ledger's movements, and that each
/// entry starts where the one before it ended.
async fn assert_ledger_explains_level(h: &Harness, variant: Uuid) {
    assert_ledger_explains(h, variant, h.warehouse).await
}

async fn assert_ledger_explains(h: &Harness, variant: Uuid, warehouse: Uuid) {
    let filter = LedgerFilter {
        variant: Some(variant),
        warehouse: Some(warehouse),
    };
    let mut entries = Vec::new();
    let mut before = None;
    loop {
        let page = stock::ledger(&h.ctx, h.caller.tenant, &filter, before, 201)
            .await
            .expect("ledger");
        let more = page.len() == 201;
        entries.extend(page.into_iter().take(200));
        if !more {
            break;
        }
        before = entries.last().map(|e| e.id);
    }
    entries.reverse();
    let (mut on_hand, mut reserved, mut campaign, mut incoming) = (0, 0, 0, 0);
    for e in &entries {
        assert_eq!(
            (e.on_hand_before, e.reserved_before),
            (on_hand, reserved),
            "each entry starts where the last ended"
        );
        on_hand += e.on_hand_after - e.on_hand_before;
        reserved += e.reserved_after - e.reserved_before;
        campaign += e.campaign_locked_after - e.campaign_locked_before;
        incoming += e.incoming_after - e.incoming_before;
        // On hand may go below zero only where a store allows it; holds never do.
        assert!(
            e.reserved_after >= 0 && e.campaign_locked_after >= 0,
            "{e:?}"
        );
    }
    let rows = stock::list(
        &h.ctx,
        h.caller.tenant,
        &LevelFilter {
            variant: Some(variant),
            warehouse: Some(warehouse),
            low_stock: false,
        },
        None,
        10,
    )
    .await
    .expect("levels");
    let l = &rows[0].level;
    assert_eq!(
        (l.on_hand, l.reserved, l.campaign_locked, l.incoming),
        (on_hand, reserved, campaign, incoming),
        "the level is the sum of its ledger"
    );
}

async fn events_of_type(h: &Harness, event_type: &str) -> usize {
    use smartseller_platform::outbox::entity::{Column, Entity};
    Entity::find()
        .filter(Column::EventType.eq(event_type))
        .all(h.ctx.db.conn())
        .await
        .expect("outbox")
        .len()
}

engine_tests!(
    five_hundred_concurrent_holds_on_ten_units_let_exactly_ten_through,
    two_lines_for_the_same_variant_count_against_the_same_stock,
    a_hold_is_all_or_nothing_across_variants,
    the_level_always_equals_the_sum_of_its_ledger,
    a_commit_racing_a_release_settles_the_hold_exactly_once,
    lapsed_holds_are_released_by_the_sweeper_and_cannot_be_sold,
    stock_for_unknown_or_archived_variants_is_refused,
    removing_more_than_is_available_is_refused_unless_the_store_allows_negative_stock,
    low_stock_is_announced_once_when_available_crosses_the_reorder_point,
    another_stores_reservations_and_levels_are_invisible,
    the_reservation_contract_holds_sells_and_refuses,
    holds_naming_the_same_variants_in_opposite_orders_never_deadlock,
    sales_adjustments_racing_holds_never_take_more_than_is_on_hand,
    transfers_move_stock_through_incoming_and_settle_once,
    campaign_stock_is_its_own_bucket_sold_piecemeal_and_given_back,
    concurrent_campaign_orders_never_sell_more_than_the_campaign_holds,
);

async fn five_hundred_concurrent_holds_on_ten_units_let_exactly_ten_through(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let batik = variant(&h, "BATIK-M").await;
    stock_up(&h, batik, 10).await;
    let h = Arc::new(h);
    let attempts = (0..500).map(|_| {
        let h = h.clone();
        tokio::spawn(async move {
            reservations::reserve(&h.ctx, &h.caller, hold(vec![(batik, h.warehouse, 1)])).await
        })
    });
    let results: Vec<_> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let winners = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(winners, 10, "exactly the ten units on hand are held");
    for loser in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(
                loser,
                InventoryError::InsufficientStock { available: 0, .. }
            ),
            "{loser:?}"
        );
    }
    assert_eq!(level(&h, batik).await, (10, 10, 0), "nothing negative");
    assert_eq!(events_of_type(&h, "inventory.reserved").await, 10);
    assert_ledger_explains_level(&h, batik).await;
}

async fn two_lines_for_the_same_variant_count_against_the_same_stock(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let kebaya = variant(&h, "KEBAYA-S").await;
    stock_up(&h, kebaya, 3).await;
    let refused = reservations::reserve(
        &h.ctx,
        &h.caller,
        hold(vec![(kebaya, h.warehouse, 2), (kebaya, h.warehouse, 2)]),
    )
    .await;
    assert!(
        matches!(
            refused,
            Err(InventoryError::InsufficientStock { available: 3, .. })
        ),
        "{:?}",
        refused.err()
    );
    assert_eq!(level(&h, kebaya).await, (3, 0, 3), "nothing held");
    let held = reservations::reserve(
        &h.ctx,
        &h.caller,
        hold(vec![(kebaya, h.warehouse, 2), (kebaya, h.warehouse, 1)]),
    )
    .await
    .expect("2 + 1 fits in 3");
    assert_eq!(held.lines.len(), 2, "the lines are kept as given");
    assert_eq!(level(&h, kebaya).await, (3, 3, 0));
    assert_ledger_explains_level(&h, kebaya).await;
}

async fn a_hold_is_all_or_nothing_across_variants(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let (a, b) = (variant(&h, "SARUNG-A").await, variant(&h, "SARUNG-B").await);
    stock_up(&h, a, 5).await;
    stock_up(&h, b, 1).await;
    let refused = reservations::reserve(
        &h.ctx,
        &h.caller,
        hold(vec![(a, h.warehouse, 2), (b, h.warehouse, 2)]),
    )
    .await;
    assert!(matches!(
        refused,
        Err(InventoryError::InsufficientStock { variant_id, available: 1, .. }) if variant_id == b
    ));
    assert_eq!(
        level(&h, a).await,
        (5, 0, 5),
        "the line that fitted was not held either"
    );
    assert_eq!(events_of_type(&h, "inventory.reserved").await, 0);
    assert_ledger_explains_level(&h, a).await;
}

async fn the_level_always_equals_the_sum_of_its_ledger(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let tas = variant(&h, "TAS-ANYAM").await;
    stock_up(&h, tas, 20).await;
    let adjust = |change, reason| Adjustment {
        variant: tas,
        warehouse: h.warehouse,
        change,
        reason,
        note: None,
        reference: None,
    };
    stock::adjust(&h.ctx, &h.caller, adjust(Change::Delta(-2), Reason::Damage))
        .await
        .expect("damage");
    let sold = reservations::reserve(&h.ctx, &h.caller, hold(vec![(tas, h.warehouse, 4)]))
        .await
        .expect("hold");
    reservations::commit(&h.ctx, &h.caller, sold.record.id)
        .await
        .expect("commit");
    let changed_mind = reservations::reserve(&h.ctx, &h.caller, hold(vec![(tas, h.warehouse, 3)]))
        .await
        .expect("hold");
    reservations::release(&h.ctx, &h.caller, changed_mind.record.id)
        .await
        .expect("release");
    let open = reservations::reserve(&h.ctx, &h.caller, hold(vec![(tas, h.warehouse, 5)]))
        .await
        .expect("hold");
    stock::adjust(
        &h.ctx,
        &h.caller,
        adjust(Change::SetOnHand(12), Reason::StockCount),
    )
    .await
    .expect("count");
    assert_eq!(level(&h, tas).await, (12, 5, 7));
    let committed = reservations::get(&h.ctx, h.caller.tenant, sold.record.id)
        .await
        .expect("get");
    assert_eq!(committed.status(), ReservationStatus::Committed);
    assert_eq!(
        reservations::get(&h.ctx, h.caller.tenant, open.record.id)
            .await
            .expect("get")
            .status(),
        ReservationStatus::Held
    );
    assert_ledger_explains_level(&h, tas).await;
}

async fn a_commit_racing_a_release_settles_the_hold_exactly_once(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let peci = variant(&h, "PECI").await;
    stock_up(&h, peci, 4).await;
    let held = reservations::reserve(&h.ctx, &h.caller, hold(vec![(peci, h.warehouse, 4)]))
        .await
        .expect("hold");
    let id = held.record.id;
    let h = Arc::new(h);
    let racers = (0..6).map(|i| {
        let h = h.clone();
        tokio::spawn(async move {
            if i % 2 == 0 {
                reservations::commit(&h.ctx, &h.caller, id)
                    .await
                    .map(|_| "commit")
            } else {
                reservations::release(&h.ctx, &h.caller, id)
                    .await
                    .map(|_| "release")
            }
        })
    });
    let results: Vec<_> = futures::future::join_all(racers)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let winners: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(e, InventoryError::ReservationNotHeld { .. }))
    );
    let expected = if *winners[0] == "commit" {
        (0, 0, 0)
    } else {
        (4, 0, 4)
    };
    assert_eq!(level(&h, peci).await, expected);
    assert_ledger_explains_level(&h, peci).await;
}

async fn lapsed_holds_are_released_by_the_sweeper_and_cannot_be_sold(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let songket = variant(&h, "SONGKET").await;
    stock_up(&h, songket, 5).await;
    let mut short = hold(vec![(songket, h.warehouse, 2)]);
    short.expires_at = Utc::now() + chrono::Duration::milliseconds(300);
    let lapsing = reservations::reserve(&h.ctx, &h.caller, short)
        .await
        .expect("hold");
    let lasting = reservations::reserve(&h.ctx, &h.caller, hold(vec![(songket, h.warehouse, 1)]))
        .await
        .expect("hold");
    assert_eq!(
        reservations::release_expired(&h.ctx, clock::now(), 100)
            .await
            .expect("sweep"),
        0,
        "nothing has run out yet"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let late = reservations::commit(&h.ctx, &h.caller, lapsing.record.id).await;
    assert!(
        matches!(late, Err(InventoryError::ReservationExpired)),
        "{:?}",
        late.err()
    );
    assert_eq!(
        reservations::release_expired(&h.ctx, clock::now(), 100)
            .await
            .expect("sweep"),
        1
    );
    assert_eq!(
        reservations::release_expired(&h.ctx, clock::now(), 100)
            .await
            .expect("sweep"),
        0,
        "a second sweep finds nothing"
    );
    let swept = reservations::get(&h.ctx, h.caller.tenant, lapsing.record.id)
        .await
        .expect("get");
    assert_eq!(swept.status(), ReservationStatus::Expired);
    assert_eq!(
        level(&h, songket).await,
        (5, 1, 4),
        "only the lasting hold remains"
    );
    let again = reservations::commit(&h.ctx, &h.caller, lapsing.record.id).await;
    assert!(matches!(
        again,
        Err(InventoryError::ReservationNotHeld {
            status: ReservationStatus::Expired
        })
    ));
    reservations::commit(&h.ctx, &h.caller, lasting.record.id)
        .await
        .expect("the lasting hold sells");
    assert_ledger_explains_level(&h, songket).await;
}

async fn stock_for_unknown_or_archived_variants_is_refused(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let never_announced = Uuid::now_v7();
    let refused = stock::adjust(
        &h.ctx,
        &h.caller,
        Adjustment {
            variant: never_announced,
            warehouse: h.warehouse,
            change: Change::Delta(5),
            reason: Reason::Adjustment,
            note: None,
            reference: None,
        },
    )
    .await;
    assert!(
        matches!(refused, Err(InventoryError::UnknownVariant { ref field, .. }) if field == "variant_id")
    );

    // Another store's announcement does not make the variant known here.
    let elsewhere = Uuid::now_v7();
    announce(
        &h,
        TenantId::new(),
        ProductEvent::Created {
            product_id: Uuid::now_v7(),
            name: "Other".into(),
            variants: vec![snapshot(elsewhere, "OTHER", "active")],
        },
    )
    .await;
    let foreign =
        reservations::reserve(&h.ctx, &h.caller, hold(vec![(elsewhere, h.warehouse, 1)])).await;
    assert!(
        matches!(foreign, Err(InventoryError::UnknownVariant { ref field, .. }) if field == "lines[0].variant_id")
    );

    // Archiving, or dropping a variant from the product's full list, stops new holds.
    let product = Uuid::now_v7();
    let (kept, dropped) = (Uuid::now_v7(), Uuid::now_v7());
    announce(
        &h,
        h.caller.tenant,
        ProductEvent::Created {
            product_id: product,
            name: "Kain".into(),
            variants: vec![
                snapshot(kept, "KAIN-1", "active"),
                snapshot(dropped, "KAIN-2", "active"),
            ],
        },
    )
    .await;
    stock_up(&h, dropped, 3).await;
    announce(
        &h,
        h.caller.tenant,
        ProductEvent::Updated {
            product_id: product,
            name: "Kain".into(),
            variants: vec![snapshot(kept, "KAIN-1", "active")],
        },
    )
    .await;
    let gone =
        reservations::reserve(&h.ctx, &h.caller, hold(vec![(dropped, h.warehouse, 1)])).await;
    assert!(
        matches!(gone, Err(InventoryError::VariantArchived { .. })),
        "{:?}",
        gone.err()
    );
    stock_up(&h, kept, 1).await;
    reservations::reserve(&h.ctx, &h.caller, hold(vec![(kept, h.warehouse, 1)]))
        .await
        .expect("the kept variant still sells");

    // An unknown warehouse is named too.
    let nowhere =
        reservations::reserve(&h.ctx, &h.caller, hold(vec![(kept, Uuid::now_v7(), 1)])).await;
    assert!(
        matches!(nowhere, Err(InventoryError::UnknownWarehouse { ref field, .. }) if field == "lines[0].warehouse_id")
    );
}

async fn removing_more_than_is_available_is_refused_unless_the_store_allows_negative_stock(
    engine: Engine,
) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let kopi = variant(&h, "KOPI-250").await;
    stock_up(&h, kopi, 5).await;
    reservations::reserve(&h.ctx, &h.caller, hold(vec![(kopi, h.warehouse, 3)]))
        .await
        .expect("hold");
    let take = |n: i64| Adjustment {
        variant: kopi,
        warehouse: h.warehouse,
        change: Change::Delta(-n),
        reason: Reason::Sale,
        note: None,
        reference: None,
    };
    let refused = stock::adjust(&h.ctx, &h.caller, take(3)).await;
    assert!(
        matches!(
            refused,
            Err(InventoryError::InsufficientStock { available: 2, .. })
        ),
        "held units cannot be taken away: {:?}",
        refused.err()
    );
    assert_eq!(level(&h, kopi).await, (5, 3, 2));
    stock::set_allow_negative_stock(&h.ctx, h.caller.tenant, true)
        .await
        .expect("setting");
    stock::adjust(&h.ctx, &h.caller, take(7))
        .await
        .expect("allowed");
    assert_eq!(
        level(&h, kopi).await,
        (-2, 3, 0),
        "available is never shown negative"
    );
    // Even so, a hold never takes more than is available.
    let hold_more =
        reservations::reserve(&h.ctx, &h.caller, hold(vec![(kopi, h.warehouse, 1)])).await;
    assert!(matches!(
        hold_more,
        Err(InventoryError::InsufficientStock { available: 0, .. })
    ));
    assert_ledger_explains_level(&h, kopi).await;
}

async fn low_stock_is_announced_once_when_available_crosses_the_reorder_point(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let teh = variant(&h, "TEH-HIJAU").await;
    stock_up(&h, teh, 10).await;
    stock::set_reorder_point(&h.ctx, &h.caller, teh, h.warehouse, Some(5))
        .await
        .expect("reorder point");
    assert_eq!(events_of_type(&h, "inventory.low_stock").await, 0);
    for _ in 0..3 {
        reservations::reserve(&h.ctx, &h.caller, hold(vec![(teh, h.warehouse, 2)]))
            .await
            .expect("hold");
    }
    assert_eq!(
        events_of_type(&h, "inventory.low_stock").await,
        1,
        "10 → 8 → 6 → 4: one crossing"
    );
    let low = stock::list(
        &h.ctx,
        h.caller.tenant,
        &LevelFilter {
            low_stock: true,
            ..LevelFilter::default()
        },
        None,
        10,
    )
    .await
    .expect("low stock");
    assert_eq!(low.len(), 1);
    assert_eq!(low[0].sku.as_deref(), Some("TEH-HIJAU"));
}

async fn another_stores_reservations_and_levels_are_invisible(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let ulos = variant(&h, "ULOS").await;
    stock_up(&h, ulos, 2).await;
    let held = reservations::reserve(&h.ctx, &h.caller, hold(vec![(ulos, h.warehouse, 1)]))
        .await
        .expect("hold");
    let stranger = Caller {
        tenant: TenantId::new(),
        kind: "user",
        id: Some(Uuid::now_v7()),
    };
    for result in [
        reservations::get(&h.ctx, stranger.tenant, held.record.id)
            .await
            .err(),
        reservations::commit(&h.ctx, &stranger, held.record.id)
            .await
            .err(),
        reservations::release(&h.ctx, &stranger, held.record.id)
            .await
            .err(),
    ] {
        assert!(
            matches!(result, Some(InventoryError::NotFound("reservation"))),
            "{result:?}"
        );
    }
    let levels = stock::list(&h.ctx, stranger.tenant, &LevelFilter::default(), None, 10)
        .await
        .expect("levels");
    assert!(levels.is_empty());
    assert!(matches!(
        warehouses::get(&h.ctx, stranger.tenant, h.warehouse).await,
        Err(InventoryError::NotFound("warehouse"))
    ));
    assert_eq!(level(&h, ulos).await, (2, 1, 1), "the hold is untouched");
}

async fn the_reservation_contract_holds_sells_and_refuses(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let mukena = variant(&h, "MUKENA").await;
    stock_up(&h, mukena, 3).await;
    let orders: Arc<dyn StockReservations> = Arc::new(InventoryReservations(h.ctx.clone()));
    let tenant = h.caller.tenant;
    let request = |quantity| ReservationRequest {
        lines: vec![StockLine {
            variant_id: mukena,
            warehouse_id: h.warehouse,
            quantity,
        }],
        expires_at: Utc::now() + chrono::Duration::minutes(30),
        reference: Some(StockReference {
            kind: "order".into(),
            id: "SO-7".into(),
        }),
    };
    assert_eq!(
        orders.reserve(tenant, request(4)).await,
        Err(ReservationError::InsufficientStock {
            variant_id: mukena,
            warehouse_id: h.warehouse,
            available: 3
        })
    );
    assert!(matches!(
        orders.reserve(tenant, request(0)).await,
        Err(ReservationError::Invalid(message)) if message.contains("lines[0].quantity")
    ));
    let held = orders.reserve(tenant, request(2)).await.expect("held");
    assert_eq!(held.status, ReservationStatus::Held);
    assert_eq!(held.reference.as_ref().map(|r| r.id.as_str()), Some("SO-7"));
    let sold = orders
        .commit(tenant, held.reservation_id)
        .await
        .expect("sold");
    assert_eq!(sold.status, ReservationStatus::Committed);
    assert_eq!(
        orders.release(tenant, held.reservation_id).await,
        Err(ReservationError::NotHeld(ReservationStatus::Committed))
    );
    assert_eq!(
        orders.commit(TenantId::new(), held.reservation_id).await,
        Err(ReservationError::NotFound),
        "another store cannot touch it"
    );
    assert_eq!(level(&h, mukena).await, (1, 0, 1));
    assert_ledger_explains_level(&h, mukena).await;
}

async fn holds_naming_the_same_variants_in_opposite_orders_never_deadlock(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let (a, b) = (
        variant(&h, "BLANGKON-A").await,
        variant(&h, "BLANGKON-B").await,
    );
    stock_up(&h, a, 100).await;
    stock_up(&h, b, 100).await;
    let h = Arc::new(h);
    let attempts = (0..60).map(|i| {
        let h = h.clone();
        let lines = if i % 2 == 0 {
            vec![(a, h.warehouse, 1), (b, h.warehouse, 1)]
        } else {
            vec![(b, h.warehouse, 1), (a, h.warehouse, 1)]
        };
        tokio::spawn(async move { reservations::reserve(&h.ctx, &h.caller, hold(lines)).await })
    });
    for result in futures::future::join_all(attempts).await {
        result
            .expect("task")
            .expect("every hold fits and none deadlocks");
    }
    assert_eq!(level(&h, a).await, (100, 60, 40));
    assert_eq!(level(&h, b).await, (100, 60, 40));
    assert_ledger_explains_level(&h, a).await;
    assert_ledger_explains_level(&h, b).await;
}

async fn sales_adjustments_racing_holds_never_take_more_than_is_on_hand(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let tikar = variant(&h, "TIKAR-PANDAN").await;
    stock_up(&h, tikar, 30).await;
    let h = Arc::new(h);
    let attempts = (0..120).map(|i| {
        let h = h.clone();
        tokio::spawn(async move {
            if i % 2 == 0 {
                reservations::reserve(&h.ctx, &h.caller, hold(vec![(tikar, h.warehouse, 1)]))
                    .await
                    .map(|_| ())
            } else {
                let sale = Adjustment {
                    variant: tikar,
                    warehouse: h.warehouse,
                    change: Change::Delta(-1),
                    reason: Reason::Sale,
                    note: None,
                    reference: None,
                };
                stock::adjust(&h.ctx, &h.caller, sale).await.map(|_| ())
            }
        })
    });
    let results: Vec<_> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        30,
        "30 units, 30 takers"
    );
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(e, InventoryError::InsufficientStock { available: 0, .. }))
    );
    let (on_hand, reserved, available) = level(&h, tikar).await;
    assert_eq!(available, 0);
    assert_eq!(
        on_hand, reserved,
        "what is left on the shelf is exactly what is held"
    );
    assert_ledger_explains_level(&h, tikar).await;
}

async fn transfers_move_stock_through_incoming_and_settle_once(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let jkt = h.warehouse;
    let sby = warehouses::create(&h.ctx, h.caller.tenant, draft("SBY-1"))
        .await
        .expect("warehouse")
        .id;
    let batik = variant(&h, "BATIK-KAWUNG").await;
    stock_up(&h, batik, 5).await;
    let on_hand = |rows: &[smartseller_inventory::app::stock::LevelRow], w: Uuid| {
        let l = &rows
            .iter()
            .find(|r| r.level.warehouse_id == w)
            .expect("level")
            .level;
        (l.on_hand, l.incoming)
    };
    let levels = || async {
        let filter = LevelFilter {
            variant: Some(batik),
            ..LevelFilter::default()
        };
        stock::list(&h.ctx, h.caller.tenant, &filter, None, 10)
            .await
            .expect("levels")
    };
    let shipment =
        |q| Shipment::parse(jkt, sby, &[(batik, q)], Some("restock Surabaya")).expect("valid");

    let too_many = transfers::ship(&h.ctx, &h.caller, shipment(6)).await;
    assert!(matches!(
        too_many,
        Err(InventoryError::InsufficientStock { available: 5, .. })
    ));
    let shipped = transfers::ship(&h.ctx, &h.caller, shipment(3))
        .await
        .expect("shipped");
    let rows = levels().await;
    assert_eq!((on_hand(&rows, jkt), on_hand(&rows, sby)), ((2, 0), (0, 3)));
    transfers::receive(&h.ctx, &h.caller, shipped.record.id)
        .await
        .expect("received");
    let again = transfers::receive(&h.ctx, &h.caller, shipped.record.id).await;
    assert!(
        matches!(again, Err(InventoryError::TransferNotInTransit { ref status }) if status == "received")
    );
    let rows = levels().await;
    assert_eq!((on_hand(&rows, jkt), on_hand(&rows, sby)), ((2, 0), (3, 0)));

    let called_back = transfers::ship(&h.ctx, &h.caller, shipment(2))
        .await
        .expect("shipped");
    transfers::cancel(&h.ctx, &h.caller, called_back.record.id)
        .await
        .expect("cancelled");
    let rows = levels().await;
    assert_eq!((on_hand(&rows, jkt), on_hand(&rows, sby)), ((2, 0), (3, 0)));
    assert!(
        Shipment::parse(jkt, jkt, &[(batik, 0)], None).is_err_and(|e| e
            .0
            .iter()
            .map(|f| f.field.as_str())
            .collect::<Vec<_>>()
            == ["to_warehouse_id", "lines[0].quantity"])
    );
    assert!(matches!(
        transfers::get(&h.ctx, TenantId::new(), shipped.record.id).await,
        Err(InventoryError::NotFound("transfer"))
    ));
    assert_ledger_explains(&h, batik, jkt).await;
    assert_ledger_explains(&h, batik, sby).await;
}

fn campaign(
    h: &Harness,
    variant: Uuid,
    quantity: i64,
    ends_in: chrono::Duration,
) -> CampaignLockDraft {
    CampaignLockDraft::parse(
        (variant, h.warehouse, quantity),
        "shopee",
        "12.12 Birthday Sale",
        Utc::now() + ends_in,
    )
    .expect("valid")
}

async fn campaign_stock_is_its_own_bucket_sold_piecemeal_and_given_back(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let gamis = variant(&h, "GAMIS-XL").await;
    stock_up(&h, gamis, 10).await;
    let too_big = campaigns::lock(
        &h.ctx,
        &h.caller,
        campaign(&h, gamis, 11, chrono::Duration::hours(1)),
    )
    .await;
    assert!(matches!(
        too_big,
        Err(InventoryError::InsufficientStock { available: 10, .. })
    ));
    let lock = campaigns::lock(
        &h.ctx,
        &h.caller,
        campaign(&h, gamis, 4, chrono::Duration::hours(1)),
    )
    .await
    .expect("locked");
    assert_eq!(
        level(&h, gamis).await,
        (10, 0, 6),
        "locked units are not available elsewhere"
    );
    let other_channel =
        reservations::reserve(&h.ctx, &h.caller, hold(vec![(gamis, h.warehouse, 7)])).await;
    assert!(matches!(
        other_channel,
        Err(InventoryError::InsufficientStock { available: 6, .. })
    ));

    campaigns::sell(&h.ctx, &h.caller, lock.id, 3, None)
        .await
        .expect("campaign order");
    let over = campaigns::sell(&h.ctx, &h.caller, lock.id, 2, None).await;
    assert!(
        matches!(
            over,
            Err(InventoryError::InsufficientStock { available: 1, .. })
        ),
        "only 1 left in the lock: {:?}",
        over.err()
    );
    assert_eq!(level(&h, gamis).await, (7, 0, 6));
    let released = campaigns::release(&h.ctx, &h.caller, lock.id)
        .await
        .expect("released");
    assert_eq!(
        (released.status.as_str(), released.remaining),
        ("released", 1)
    );
    assert_eq!(
        level(&h, gamis).await,
        (7, 0, 7),
        "the rest is back on general sale"
    );
    let after = campaigns::sell(&h.ctx, &h.caller, lock.id, 1, None).await;
    assert!(
        matches!(after, Err(InventoryError::CampaignLockNotActive { ref status }) if status == "released")
    );

    // A campaign that ends gives its rest back through the sweeper.
    let flash = campaigns::lock(
        &h.ctx,
        &h.caller,
        campaign(&h, gamis, 2, chrono::Duration::milliseconds(300)),
    )
    .await
    .expect("locked");
    assert_eq!(level(&h, gamis).await, (7, 0, 5));
    tokio::time::sleep(Duration::from_millis(400)).await;
    let late = campaigns::sell(&h.ctx, &h.caller, flash.id, 1, None).await;
    assert!(
        matches!(late, Err(InventoryError::CampaignLockNotActive { ref status }) if status == "ended")
    );
    assert_eq!(
        campaigns::end_lapsed(&h.ctx, clock::now(), 100)
            .await
            .expect("sweep"),
        1
    );
    assert_eq!(
        campaigns::end_lapsed(&h.ctx, clock::now(), 100)
            .await
            .expect("sweep"),
        0
    );
    assert_eq!(level(&h, gamis).await, (7, 0, 7));
    assert_eq!(
        campaigns::get(&h.ctx, h.caller.tenant, flash.id)
            .await
            .expect("lock")
            .status,
        "ended"
    );
    assert!(matches!(
        campaigns::get(&h.ctx, TenantId::new(), flash.id).await,
        Err(InventoryError::NotFound("campaign lock"))
    ));
    assert_ledger_explains_level(&h, gamis).await;
}

async fn concurrent_campaign_orders_never_sell_more_than_the_campaign_holds(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let hijab = variant(&h, "HIJAB-PASHMINA").await;
    stock_up(&h, hijab, 20).await;
    let lock = campaigns::lock(
        &h.ctx,
        &h.caller,
        campaign(&h, hijab, 5, chrono::Duration::hours(1)),
    )
    .await
    .expect("locked");
    let h = Arc::new(h);
    let orders = (0..40).map(|_| {
        let h = h.clone();
        tokio::spawn(async move { campaigns::sell(&h.ctx, &h.caller, lock.id, 1, None).await })
    });
    let sold = futures::future::join_all(orders)
        .await
        .into_iter()
        .filter(|r| r.as_ref().expect("task").is_ok())
        .count();
    assert_eq!(sold, 5);
    assert_eq!(
        level(&h, hijab).await,
        (15, 0, 15),
        "general stock untouched"
    );
    assert_ledger_explains_level(&h, hijab).await;
}
