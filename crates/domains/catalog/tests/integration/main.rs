//! The catalogue's use cases on real databases, SQLite and PostgreSQL: what a page of products
//! costs in statements, that concurrent sellers cannot both take one SKU, and that the pricing
//! contract answers like the API.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sea_orm::{ConnectOptions, Database, EntityTrait, PaginatorTrait};
use sea_orm_migration::MigratorTrait;
use smartseller_catalog::app::CatalogError;
use smartseller_catalog::app::products::{self, ProductDraft, ProductListing};
use smartseller_catalog::domain::listing::{ProductFilter, ProductSort};
use smartseller_catalog::domain::product::{VariantPlan, VariantTemplate};
use smartseller_catalog::domain::{
    Description, Price, ProductName, ProductOptions, Sku, Status, Weight,
};
use smartseller_catalog::{CatalogCtx, CatalogMigrator};
use smartseller_kernel::money::Currency;
use smartseller_kernel::page::PageRequest;
use smartseller_kernel::permission::PermissionSet;
use smartseller_kernel::{TenantId, UserId};
use smartseller_platform::Db;
use smartseller_platform::migrations::PlatformMigrator;
use smartseller_platform::outbox;
use smartseller_testkit::db::{Engine, TestDatabase};
use smartseller_testkit::engine_tests;
use smartseller_web::auth::{Principal, Subject};

struct Harness {
    ctx: CatalogCtx,
    database: TestDatabase,
}

async fn harness(engine: Engine) -> Option<Harness> {
    let database = TestDatabase::fresh(engine).await?;
    let db = Db::connect(&database.url).await.expect("database");
    PlatformMigrator::up(db.conn(), None)
        .await
        .expect("platform migrations");
    CatalogMigrator::up(db.conn(), None)
        .await
        .expect("catalog migrations");
    Some(Harness {
        ctx: CatalogCtx::new(
            db,
            smartseller_platform::FileStore::memory(),
            std::sync::Arc::new(
                smartseller_search::ProductIndex::in_memory().expect("search index"),
            ),
        ),
        database,
    })
}

fn seller(tenant: TenantId) -> Principal {
    Principal {
        tenant,
        subject: Subject::User {
            user_id: UserId::new(),
            session_id: uuid::Uuid::now_v7(),
        },
        roles: vec!["owner".into()],
        permissions: PermissionSet::default(),
    }
}

/// A product in three colours, priced `price` minor units.
fn draft(name: &str, sku_prefix: &str, price: i64) -> ProductDraft {
    let colours = vec!["Merah".to_owned(), "Biru".to_owned(), "Hijau".to_owned()];
    ProductDraft {
        name: ProductName::parse(name).expect("name"),
        description: Description::default(),
        category: None,
        status: Status::Active,
        options: ProductOptions::parse(&[("Warna".to_owned(), colours)], "options")
            .expect("options"),
        variants: VariantPlan::Generated(VariantTemplate {
            sku_prefix: Sku::parse(sku_prefix).expect("sku"),
            weight: Weight::grams(200).expect("weight"),
            dimensions: None,
            price: Price::new(price, Currency::Idr).expect("price"),
            status: Status::Active,
        }),
        attributes: Vec::new(),
    }
}

fn listing(limit: u64, sort: ProductSort, filter: ProductFilter) -> ProductListing {
    ProductListing {
        filter: ProductFilter {
            currency: "IDR".into(),
            ..filter
        },
        sort,
        after: None,
        page: PageRequest::first(limit),
    }
}

engine_tests!(
    a_page_of_products_with_their_variants_costs_two_statements_whatever_its_size,
    concurrent_products_with_one_sku_leave_exactly_one_winner,
    the_pricing_contract_quotes_like_the_api_and_names_unknown_variants,
);

async fn a_page_of_products_with_their_variants_costs_two_statements_whatever_its_size(
    engine: Engine,
) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let tenant = TenantId::new();
    let owner = seller(tenant);
    for i in 0..60 {
        products::create(
            &h.ctx,
            &owner,
            draft(
                &format!("Kain Tenun {i:02}"),
                &format!("KT{i:02}"),
                1_000_000 + i,
            ),
        )
        .await
        .expect("product");
    }
    // Another store's products must neither show nor cost anything.
    products::create(&h.ctx, &seller(TenantId::new()), draft("Lain", "LAIN", 1))
        .await
        .expect("other store's product");

    // A connection of our own, counting every statement it runs.
    let statements = Arc::new(AtomicUsize::new(0));
    let mut conn = Database::connect(ConnectOptions::new(h.database.url.clone()))
        .await
        .expect("a counting connection");
    let counter = statements.clone();
    conn.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });

    let cases = [
        (5, ProductSort::CreatedAt, ProductFilter::default()),
        (50, ProductSort::CreatedAt, ProductFilter::default()),
        (50, ProductSort::NameDesc, ProductFilter::default()),
        (
            50,
            ProductSort::UpdatedAt,
            ProductFilter {
                status: Some("active".into()),
                min_price: Some(1_000_005),
                max_price: Some(1_000_059),
                ..ProductFilter::default()
            },
        ),
    ];
    for (limit, sort, filter) in cases {
        statements.store(0, Ordering::SeqCst);
        let page = products::list_on(&conn, tenant, &listing(limit, sort, filter))
            .await
            .expect("a page");
        assert_eq!(
            statements.load(Ordering::SeqCst),
            2,
            "one statement for the page, one for all its variants ({limit}, {sort:?})"
        );
        assert_eq!(page.items.len() as u64, limit);
        for item in &page.items {
            assert_eq!(item.variants.len(), 3, "{}", item.product.name);
            assert!(
                item.variants
                    .iter()
                    .all(|v| v.product_id == item.product.id)
            );
        }
    }
}

async fn concurrent_products_with_one_sku_leave_exactly_one_winner(engine: Engine) {
    let Some(h) = harness(engine).await else {
        return;
    };
    let tenant = TenantId::new();
    let attempts: Vec<_> = (0..6)
        .map(|i| {
            let ctx = h.ctx.clone();
            tokio::spawn(async move {
                products::create(
                    &ctx,
                    &seller(tenant),
                    draft(&format!("Batik {i}"), "BTK", 1),
                )
                .await
            })
        })
        .collect();
    let mut winners = 0;
    for attempt in attempts {
        match attempt.await.expect("task") {
            Ok(_) => winners += 1,
            Err(CatalogError::SkuTaken(_)) => {}
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(winners, 1, "exactly one product gets the SKUs");
    // The losers wrote nothing, events included.
    let events = outbox::entity::Entity::find()
        .count(h.ctx.db.conn())
        .await
        .expect("outbox");
    assert_eq!(events, 1, "one product.created, from the winner only");
}

async fn the_pricing_contract_quotes_like_the_api_and_names_unknown_variants(engine: Engine) {
    use smartseller_catalog::app::pricing::CatalogPricing;
    use smartseller_contracts::catalog::{PriceQuoteRequest, Pricing, PricingError};

    let Some(h) = harness(engine).await else {
        return;
    };
    let tenant = TenantId::new();
    let made = products::create(&h.ctx, &seller(tenant), draft("Kaos", "KAOS", 7_500_000))
        .await
        .expect("product");
    let variant_id = made.product.variants[0].id;
    let pricing: Box<dyn Pricing> = Box::new(CatalogPricing(h.ctx.clone()));
    let request = PriceQuoteRequest {
        variant_id,
        channel: "tiktok".into(),
        customer_group: None,
        quantity: 3,
        at: None,
    };
    let quote = pricing.quote(tenant, request.clone()).await.expect("quote");
    assert_eq!(quote.unit_price.minor, 7_500_000);
    assert_eq!(quote.line_price.minor, 22_500_000);
    assert_eq!(quote.currency, Currency::Idr);
    assert_eq!(quote.steps.len(), 1);
    assert_eq!(quote.steps[0].source, "base");

    // Another store asking about this variant learns nothing about it.
    assert_eq!(
        pricing.quote(TenantId::new(), request.clone()).await,
        Err(PricingError::UnknownVariant { variant_id })
    );
    let zero = PriceQuoteRequest {
        quantity: 0,
        ..request.clone()
    };
    assert!(matches!(
        pricing.quote(tenant, zero.clone()).await,
        Err(PricingError::Invalid(message)) if message.starts_with("quantity")
    ));

    // A cart's lines priced in one call: each answer is the one-line quote, in order, and a
    // bad line is refused on its own without failing the others.
    let other = products::create(&h.ctx, &seller(tenant), draft("Topi", "TOPI", 3_000_000))
        .await
        .expect("product")
        .product
        .variants[0]
        .id;
    let unknown = uuid::Uuid::now_v7();
    let second = PriceQuoteRequest {
        variant_id: other,
        quantity: 2,
        ..request.clone()
    };
    let missing = PriceQuoteRequest {
        variant_id: unknown,
        ..request.clone()
    };
    let batch = pricing
        .quote_many(
            tenant,
            vec![
                request.clone(),
                missing,
                second.clone(),
                zero,
                request.clone(),
            ],
        )
        .await;
    assert_eq!(batch.len(), 5);
    let one = |result: &Result<_, PricingError>| {
        result
            .clone()
            .map(|q: smartseller_contracts::catalog::PriceQuote| {
                (q.variant_id, q.sku, q.name, q.unit_price, q.line_price)
            })
    };
    assert_eq!(
        one(&batch[0]),
        one(&pricing.quote(tenant, request.clone()).await)
    );
    assert_eq!(
        batch[1],
        Err(PricingError::UnknownVariant {
            variant_id: unknown
        })
    );
    assert_eq!(one(&batch[2]), one(&pricing.quote(tenant, second).await));
    assert_eq!(
        batch[2].as_ref().expect("second").line_price.minor,
        6_000_000
    );
    assert!(
        matches!(&batch[3], Err(PricingError::Invalid(message)) if message.starts_with("quantity"))
    );
    assert_eq!(one(&batch[4]), one(&batch[0]));
    // Another store's batch knows none of them.
    let foreign = pricing.quote_many(TenantId::new(), vec![request]).await;
    assert_eq!(
        foreign,
        vec![Err(PricingError::UnknownVariant { variant_id })]
    );
}
