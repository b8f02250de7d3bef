//! `smartseller seed-demo`: a store full of believable Indonesian catalogue data, for demos and
//! for the benchmark in `docs/benchmarks.md`. Everything goes through the domains' use cases, so
//! the rows, ledger lines and events are exactly what a seller's own clicks would have written.
//!
//! The same `--seed` gives the same names, options, prices and stock (ids differ: they are
//! UUIDv7).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use smartseller_catalog::CatalogCtx;
use smartseller_catalog::app::CatalogError;
use smartseller_catalog::app::categories::{self, CategoryDraft, Level};
use smartseller_catalog::app::products::{self, ProductDraft};
use smartseller_catalog::domain::product::{VariantPlan, VariantSpec};
use smartseller_catalog::domain::{
    CategoryId, CategoryName, Description, Dimensions, Millimetres, Price, ProductName,
    ProductOptions, Sku, Status, Weight,
};
use smartseller_identity::app::IdentityError;
use smartseller_identity::app::RequestMeta;
use smartseller_identity::app::accounts::{self, Registration};
use smartseller_identity::domain::{EmailAddress, FullName, Password, StoreName};
use smartseller_inventory::InventoryCtx;
use smartseller_inventory::app::stock::{self, Adjustment};
use smartseller_inventory::app::warehouses::{self, WarehouseDraft};
use smartseller_inventory::app::{Caller, InventoryError};
use smartseller_inventory::domain::{
    Change, Reason, WarehouseAddress, WarehouseCode, WarehouseName,
};
use smartseller_kernel::money::Currency;
use smartseller_kernel::permission::PermissionSet;
use smartseller_kernel::{TenantId, UserId};
use smartseller_web::auth::{Principal, Subject};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::server::App;

/// What `seed-demo` was asked to make.
#[derive(Debug, Clone)]
pub struct DemoRequest {
    pub products: u32,
    pub store: String,
    pub email: String,
    pub password: String,
    pub seed: u64,
}

/// What `seed-demo` made.
#[derive(Debug, Default)]
pub struct DemoReport {
    pub tenant: Option<TenantId>,
    pub owner_reused: bool,
    pub categories: usize,
    pub warehouses: usize,
    pub products: usize,
    pub products_skipped: usize,
    pub variants: usize,
    pub adjustments: usize,
    pub units: i64,
    pub catalogue_time: Duration,
    pub stock_time: Duration,
    /// Waiting for consumers (stock copy, search index) to catch up after the last write.
    pub consumers_time: Duration,
    pub total_time: Duration,
}

/// Fills one store: categories, products with variants, warehouses and stock.
pub async fn seed_demo(app: &App, request: &DemoRequest) -> anyhow::Result<DemoReport> {
    let started = Instant::now();
    let mut report = DemoReport::default();
    let (owner, reused) = owner(app, request).await?;
    report.tenant = Some(owner.tenant);
    report.owner_reused = reused;

    // The relay and the inventory consumer run beside the seeding, the way they run beside the
    // API: inventory learns each variant from `product.created` before it may hold stock.
    let shutdown = CancellationToken::new();
    let mut background = JoinSet::new();
    app.spawn_background(&mut background, &shutdown);
    let result = fill(app, request, &owner, &mut report).await;
    app.relay().drain().await.ok();
    // Leave nothing for the server to catch up on: the catalogue's stock copy and search index
    // are fed by consumers, and a server that starts with a backlog is busy, not idle.
    if result.is_ok() && app.settings.events.consumers {
        let waiting = Instant::now();
        loop {
            let pending = smartseller_platform::consumer::pending_count(app.db.conn()).await?;
            if pending == 0 {
                break;
            }
            if waiting.elapsed() > Duration::from_secs(600) {
                eprintln!(
                    "  {pending} event deliveries still pending after 10 minutes; leaving them"
                );
                break;
            }
            app.relay().drain().await.ok();
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        report.consumers_time = waiting.elapsed();
    }
    shutdown.cancel();
    while background.join_next().await.is_some() {}
    result?;
    report.total_time = started.elapsed();
    Ok(report)
}

async fn fill(
    app: &App,
    request: &DemoRequest,
    owner: &Principal,
    report: &mut DemoReport,
) -> anyhow::Result<()> {
    let catalog = app.catalog.clone();
    let inventory = InventoryCtx::new(app.db.clone());
    let mut rng = StdRng::seed_from_u64(request.seed);

    let leaves = category_tree(&catalog, owner).await?;
    report.categories = categories::list(&catalog, owner.tenant, Level::All, None, 1_000)
        .await
        .map_err(catalog_error)?
        .len();
    let depots = depots(&inventory, owner.tenant).await?;
    report.warehouses = depots.len();

    let started = Instant::now();
    let mut created: Vec<Vec<Uuid>> = Vec::with_capacity(request.products as usize);
    for index in 0..request.products {
        let kind = KINDS.choose(&mut rng).expect("kinds are listed");
        let draft = product_draft(
            kind,
            index,
            request.seed,
            leaves.get(kind.category),
            &mut rng,
        )?;
        match products::create(&catalog, owner, draft).await {
            Ok(product) => {
                report.products += 1;
                report.variants += product.product.variants.len();
                created.push(product.product.variants.iter().map(|v| v.id).collect());
            }
            // A second run with the same seed on the same store finds its SKUs taken.
            Err(CatalogError::SkuTaken(_)) => report.products_skipped += 1,
            Err(error) => return Err(catalog_error(error)).context("cannot create a product"),
        }
        if (index + 1).is_multiple_of(1_000) {
            eprintln!(
                "  {} products, {} variants ({:.1}s)",
                index + 1,
                report.variants,
                started.elapsed().as_secs_f64()
            );
        }
    }
    report.catalogue_time = started.elapsed();

    let started = Instant::now();
    let caller = Caller::system(owner.tenant);
    for variants in &created {
        for &variant in variants {
            for (position, depot) in depots.iter().enumerate() {
                // Jakarta stocks everything; the branches carry part of the range.
                let carries = match position {
                    0 => true,
                    1 => rng.random_bool(0.6),
                    _ => rng.random_bool(0.35),
                };
                if !carries {
                    continue;
                }
                let units = rng.random_range(5..=250_i64);
                let reason = if rng.random_bool(0.8) {
                    Reason::PurchaseReceipt
                } else {
                    Reason::Adjustment
                };
                adjust_once_known(
                    &inventory,
                    &caller,
                    Adjustment {
                        variant,
                        warehouse: *depot,
                        change: Change::Delta(units),
                        reason,
                        note: None,
                        reference: None,
                    },
                )
                .await?;
                report.adjustments += 1;
                report.units += units;
                if report.adjustments.is_multiple_of(10_000) {
                    eprintln!(
                        "  {} stock adjustments ({:.1}s)",
                        report.adjustments,
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        }
    }
    report.stock_time = started.elapsed();
    Ok(())
}

/// Adjusts stock, waiting for the consumer when inventory has not learnt the variant yet.
async fn adjust_once_known(
    inventory: &InventoryCtx,
    caller: &Caller,
    adjustment: Adjustment,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match stock::adjust(inventory, caller, adjustment.clone()).await {
            Ok(_) => return Ok(()),
            Err(InventoryError::UnknownVariant { .. }) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(error) => {
                return Err(anyhow::anyhow!("{error:?}")).context("cannot stock a variant");
            }
        }
    }
}

fn catalog_error(error: CatalogError) -> anyhow::Error {
    anyhow::anyhow!("{error:?}")
}

/// The owner of the demo store: registered, or logged in when the email already has an account.
async fn owner(app: &App, request: &DemoRequest) -> anyhow::Result<(Principal, bool)> {
    let email =
        EmailAddress::parse(&request.email).map_err(|e| anyhow::anyhow!("email: {}", e.message))?;
    let password = Password::parse(&request.password, Some(&email)).map_err(|e| {
        anyhow::anyhow!(
            "password: {}",
            smartseller_kernel::validation::Invalid::message(&e)
        )
    })?;
    let registration = Registration {
        store_name: StoreName::parse(&request.store)
            .map_err(|e| anyhow::anyhow!("store: {}", e.message))?,
        full_name: FullName::parse("Pemilik Toko Demo")
            .map_err(|e| anyhow::anyhow!("name: {}", e.message))?,
        email,
        password,
    };
    let meta = RequestMeta::default();
    let (tokens, reused) =
        match accounts::register_with(&app.identity, registration, false, &meta).await {
            Ok(tokens) => (tokens, false),
            Err(IdentityError::EmailTaken) => {
                let tokens = accounts::login(
                    &app.identity,
                    &request.email,
                    &request.password,
                    None,
                    &meta,
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
                .context("the email has an account; the password must be its own")?;
                (tokens, true)
            }
            Err(error) => return Err(anyhow::anyhow!("cannot register the owner: {error}")),
        };
    Ok((owner_principal(tokens.tenant_id, tokens.user_id), reused))
}

fn owner_principal(tenant: TenantId, user_id: UserId) -> Principal {
    Principal {
        tenant,
        subject: Subject::User {
            user_id,
            session_id: Uuid::nil(),
        },
        roles: vec!["owner".to_owned()],
        permissions: PermissionSet::all(),
    }
}

/// The category tree, as `(root, children)`; products are filed under the children.
const TREE: &[(&str, &[&str])] = &[
    ("Fashion Muslim", &["Gamis", "Hijab", "Koko"]),
    ("Fashion Pria", &["Kemeja Batik", "Kaos"]),
    ("Elektronik", &["Aksesoris HP", "Audio"]),
    ("Makanan & Minuman", &["Kopi", "Camilan", "Sambal & Bumbu"]),
    ("Kecantikan", &["Skincare", "Perawatan Rambut"]),
    ("Rumah Tangga", &["Peralatan Dapur", "Dekorasi"]),
];

/// Creates the tree, or finds it when a previous run made it; returns leaves by name.
async fn category_tree(
    catalog: &CatalogCtx,
    owner: &Principal,
) -> anyhow::Result<HashMap<&'static str, CategoryId>> {
    let existing = categories::list(catalog, owner.tenant, Level::All, None, 1_000)
        .await
        .map_err(catalog_error)?;
    let find = |name: &str, parent: Option<Uuid>| {
        existing
            .iter()
            .find(|c| c.name == name && c.parent_id == parent)
            .map(|c| c.id)
    };
    let mut leaves = HashMap::new();
    for (root, children) in TREE {
        let root_id = match find(root, None) {
            Some(id) => id,
            None => new_category(catalog, owner, root, None).await?,
        };
        for child in *children {
            let id = match find(child, Some(root_id)) {
                Some(id) => id,
                None => new_category(catalog, owner, child, Some(root_id)).await?,
            };
            leaves.insert(*child, CategoryId::from(id));
        }
    }
    Ok(leaves)
}

async fn new_category(
    catalog: &CatalogCtx,
    owner: &Principal,
    name: &str,
    parent: Option<Uuid>,
) -> anyhow::Result<Uuid> {
    let draft = CategoryDraft {
        name: CategoryName::parse(name).map_err(|e| anyhow::anyhow!("{e:?}"))?,
        parent: parent.map(CategoryId::from),
        position: None,
    };
    Ok(categories::create(catalog, owner, draft)
        .await
        .map_err(catalog_error)?
        .id)
}

/// Jakarta, Surabaya and Bandung: created, or found by code on a second run.
async fn depots(inventory: &InventoryCtx, tenant: TenantId) -> anyhow::Result<Vec<Uuid>> {
    const DEPOTS: &[(&str, &str, &str)] = &[
        (
            "JKT",
            "Gudang Jakarta",
            "Jl. Daan Mogot KM 14 No. 8, Cengkareng, Jakarta Barat 11730",
        ),
        (
            "SBY",
            "Gudang Surabaya",
            "Jl. Margomulyo Indah Blok B-12, Tandes, Surabaya 60186",
        ),
        (
            "BDG",
            "Gudang Bandung",
            "Jl. Soekarno-Hatta No. 590, Kiaracondong, Bandung 40286",
        ),
    ];
    let existing = warehouses::list(inventory, tenant, None, 100)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut ids = Vec::new();
    for (code, name, address) in DEPOTS {
        if let Some(found) = existing.iter().find(|w| w.code == *code) {
            ids.push(found.id);
            continue;
        }
        let draft = WarehouseDraft {
            code: WarehouseCode::parse(code).map_err(|e| anyhow::anyhow!("{e:?}"))?,
            name: WarehouseName::parse(name).map_err(|e| anyhow::anyhow!("{e:?}"))?,
            address: Some(WarehouseAddress::parse(address).map_err(|e| anyhow::anyhow!("{e:?}"))?),
            active: true,
        };
        let created = warehouses::create(inventory, tenant, draft)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        ids.push(created.id);
    }
    Ok(ids)
}

/// One option of a kind of product: its name, the values to pick from, how many to pick, and
/// what each value adds to the base price (in rupiah) and to the weight (in grams).
struct OptionPool {
    name: &'static str,
    values: &'static [(&'static str, i64, i64)],
    pick: (usize, usize),
}

/// A kind of product a seller lists, e.g. a hijab segi empat in several colours.
struct Kind {
    category: &'static str,
    code: &'static str,
    nouns: &'static [&'static str],
    styles: &'static [&'static str],
    blurb: &'static str,
    /// Base price range in rupiah, before the option surcharges; rounded to x.900.
    price: (i64, i64),
    grams: (i64, i64),
    /// Packed length, width, height in millimetres.
    size: (i64, i64, i64),
    options: &'static [OptionPool],
}

const SIZES: &[(&str, i64, i64)] = &[
    ("S", 0, 0),
    ("M", 0, 10),
    ("L", 5_000, 20),
    ("XL", 10_000, 30),
    ("XXL", 15_000, 40),
];
const COLOURS: &[(&str, i64, i64)] = &[
    ("Hitam", 0, 0),
    ("Navy", 0, 0),
    ("Maroon", 0, 0),
    ("Putih", 0, 0),
    ("Abu Misty", 0, 0),
    ("Mocca", 0, 0),
    ("Sage", 0, 0),
    ("Dusty Pink", 0, 0),
];
const WEIGHTS: &[(&str, i64, i64)] =
    &[("250g", 0, 0), ("500g", 40_000, 250), ("1kg", 110_000, 750)];

const KINDS: &[Kind] = &[
    Kind {
        category: "Gamis",
        code: "GMS",
        nouns: &["Gamis", "Gamis Syari", "Abaya", "Tunik"],
        styles: &[
            "Aisyah",
            "Zahra",
            "Polos Premium",
            "Motif Bunga",
            "Ceruty Babydoll",
            "Jersey",
        ],
        blurb: "Bahan adem, jatuh dan tidak menerawang. Nyaman dipakai seharian untuk kajian, kerja maupun lebaran.",
        price: (129_000, 289_000),
        grams: (350, 600),
        size: (300, 250, 40),
        options: &[
            OptionPool {
                name: "Ukuran",
                values: SIZES,
                pick: (3, 4),
            },
            OptionPool {
                name: "Warna",
                values: COLOURS,
                pick: (1, 2),
            },
        ],
    },
    Kind {
        category: "Hijab",
        code: "HJB",
        nouns: &["Hijab Segi Empat", "Pashmina", "Bergo Instan", "Khimar"],
        styles: &[
            "Voal Premium",
            "Paris Jadul",
            "Ceruty",
            "Diamond Italiano",
            "Polycotton",
        ],
        blurb: "Mudah dibentuk, tegak di dahi dan tidak licin. Jahitan tepi rapi, warna tidak luntur.",
        price: (25_000, 69_000),
        grams: (80, 150),
        size: (250, 200, 15),
        options: &[OptionPool {
            name: "Warna",
            values: COLOURS,
            pick: (4, 7),
        }],
    },
    Kind {
        category: "Koko",
        code: "KKO",
        nouns: &["Baju Koko", "Koko Kurta", "Sarung Tenun"],
        styles: &[
            "Lengan Panjang",
            "Bordir Al-Fatih",
            "Katun Toyobo",
            "Motif Songket",
        ],
        blurb: "Potongan modern dengan bordir halus. Cocok untuk shalat Jumat dan acara keluarga.",
        price: (89_000, 199_000),
        grams: (250, 400),
        size: (300, 250, 40),
        options: &[
            OptionPool {
                name: "Ukuran",
                values: SIZES,
                pick: (3, 5),
            },
            OptionPool {
                name: "Warna",
                values: COLOURS,
                pick: (1, 2),
            },
        ],
    },
    Kind {
        category: "Kemeja Batik",
        code: "BTK",
        nouns: &["Kemeja Batik", "Batik Tulis", "Batik Cap"],
        styles: &[
            "Parang",
            "Mega Mendung",
            "Kawung",
            "Truntum",
            "Sidomukti",
            "Lasem",
        ],
        blurb: "Batik asli dari perajin Pekalongan dan Solo. Katun primisima, lapisan furing di bagian dalam.",
        price: (119_000, 349_000),
        grams: (250, 400),
        size: (320, 260, 40),
        options: &[
            OptionPool {
                name: "Ukuran",
                values: SIZES,
                pick: (4, 5),
            },
            OptionPool {
                name: "Lengan",
                values: &[("Pendek", 0, 0), ("Panjang", 15_000, 30)],
                pick: (1, 2),
            },
        ],
    },
    Kind {
        category: "Kaos",
        code: "KAS",
        nouns: &["Kaos Polos", "Kaos Oversize", "Kaos Distro"],
        styles: &["Cotton Combed 30s", "Cotton Combed 24s", "Heavyweight"],
        blurb: "Katun combed yang lembut dan menyerap keringat. Sablon plastisol tahan cuci.",
        price: (45_000, 99_000),
        grams: (150, 250),
        size: (280, 220, 30),
        options: &[
            OptionPool {
                name: "Ukuran",
                values: SIZES,
                pick: (3, 4),
            },
            OptionPool {
                name: "Warna",
                values: COLOURS,
                pick: (1, 2),
            },
        ],
    },
    Kind {
        category: "Aksesoris HP",
        code: "HP",
        nouns: &[
            "Casing HP",
            "Tempered Glass",
            "Kabel Data Type-C",
            "Charger Fast Charging",
        ],
        styles: &[
            "Anti Crack",
            "Softcase Matte",
            "Full Cover",
            "Magsafe",
            "2 Meter",
        ],
        blurb: "Pas presisi, lubang kamera dan tombol tepat. Garansi toko 7 hari bila tidak sesuai.",
        price: (15_000, 89_000),
        grams: (30, 120),
        size: (180, 100, 20),
        options: &[OptionPool {
            name: "Tipe",
            values: &[
                ("iPhone 13", 0, 0),
                ("iPhone 15", 0, 0),
                ("Samsung A54", 0, 0),
                ("Redmi Note 13", 0, 0),
                ("Oppo A78", 0, 0),
                ("Vivo Y36", 0, 0),
                ("Infinix Hot 40", 0, 0),
            ],
            pick: (4, 7),
        }],
    },
    Kind {
        category: "Audio",
        code: "AUD",
        nouns: &["TWS Earbuds", "Headset Gaming", "Speaker Bluetooth"],
        styles: &["Bass Boost", "ENC", "Low Latency", "Waterproof IPX5"],
        blurb: "Suara jernih dengan bass mantap. Baterai tahan hingga 6 jam, garansi resmi 1 tahun.",
        price: (99_000, 459_000),
        grams: (120, 450),
        size: (150, 120, 60),
        options: &[OptionPool {
            name: "Warna",
            values: &[("Hitam", 0, 0), ("Putih", 0, 0), ("Biru", 0, 0)],
            pick: (3, 3),
        }],
    },
    Kind {
        category: "Kopi",
        code: "KOP",
        nouns: &["Kopi Arabika", "Kopi Robusta", "Kopi Luwak"],
        styles: &[
            "Gayo",
            "Toraja",
            "Kintamani",
            "Flores Bajawa",
            "Temanggung",
            "Java Preanger",
        ],
        blurb: "Sangrai medium, dipanggang setiap minggu. Aroma cokelat dan karamel dengan keasaman lembut.",
        price: (55_000, 139_000),
        grams: (250, 250),
        size: (200, 120, 60),
        options: &[
            OptionPool {
                name: "Berat",
                values: WEIGHTS,
                pick: (2, 3),
            },
            OptionPool {
                name: "Gilingan",
                values: &[("Biji", 0, 0), ("Bubuk", 0, 0)],
                pick: (2, 2),
            },
        ],
    },
    Kind {
        category: "Camilan",
        code: "CML",
        nouns: &[
            "Keripik Singkong",
            "Keripik Pisang",
            "Basreng",
            "Makaroni Pedas",
            "Kerupuk Kulit",
        ],
        styles: &["Balado", "Original", "Daun Jeruk", "Level 5", "Manis Pedas"],
        blurb: "Renyah, gurih dan dibuat tanpa pengawet. Dikemas dalam standing pouch ber-zip.",
        price: (12_000, 39_000),
        grams: (250, 250),
        size: (250, 180, 60),
        options: &[
            OptionPool {
                name: "Berat",
                values: WEIGHTS,
                pick: (2, 3),
            },
            OptionPool {
                name: "Kemasan",
                values: &[("Pouch", 0, 0), ("Toples", 8_000, 150)],
                pick: (2, 2),
            },
        ],
    },
    Kind {
        category: "Sambal & Bumbu",
        code: "SBL",
        nouns: &[
            "Sambal Bawang",
            "Sambal Cumi",
            "Rendang Bumbu",
            "Bumbu Rawon",
        ],
        styles: &["Khas Bu Rudy", "Pedas Mampus", "Resep Nenek", "Tanpa MSG"],
        blurb: "Dimasak dengan minyak kelapa dan cabai segar. Tahan tiga bulan di suhu ruang.",
        price: (25_000, 59_000),
        grams: (150, 300),
        size: (100, 100, 120),
        options: &[
            OptionPool {
                name: "Level Pedas",
                values: &[("Sedang", 0, 0), ("Pedas", 0, 0), ("Extra Pedas", 2_000, 0)],
                pick: (3, 3),
            },
            OptionPool {
                name: "Isi",
                values: &[("150g", 0, 0), ("250g", 12_000, 100)],
                pick: (1, 2),
            },
        ],
    },
    Kind {
        category: "Skincare",
        code: "SKN",
        nouns: &["Serum Wajah", "Moisturizer", "Sunscreen SPF 50", "Toner"],
        styles: &[
            "Niacinamide 10%",
            "Brightening",
            "Acne Care",
            "Ceramide",
            "Centella",
        ],
        blurb: "Sudah BPOM dan halal. Tekstur ringan, cepat meresap, cocok untuk kulit berminyak dan sensitif.",
        price: (39_000, 159_000),
        grams: (60, 150),
        size: (120, 60, 60),
        options: &[
            OptionPool {
                name: "Ukuran",
                values: &[("20ml", 0, 0), ("30ml", 15_000, 20), ("50ml", 35_000, 50)],
                pick: (3, 3),
            },
            OptionPool {
                name: "Jenis Kulit",
                values: &[("Normal", 0, 0), ("Sensitif", 5_000, 0)],
                pick: (1, 2),
            },
        ],
    },
    Kind {
        category: "Perawatan Rambut",
        code: "RMB",
        nouns: &["Shampoo", "Hair Tonic", "Minyak Kemiri"],
        styles: &["Aloe Vera", "Ginseng", "Anti Rontok", "Urang Aring"],
        blurb: "Diformulasikan untuk rambut Indonesia di iklim tropis. Wangi segar dan tidak lengket.",
        price: (19_000, 79_000),
        grams: (120, 300),
        size: (180, 70, 70),
        options: &[
            OptionPool {
                name: "Ukuran",
                values: &[("100ml", 0, 0), ("250ml", 20_000, 150)],
                pick: (2, 2),
            },
            OptionPool {
                name: "Kemasan",
                values: &[("Botol", 0, 0), ("Refill Pouch", 0, 0)],
                pick: (2, 2),
            },
        ],
    },
    Kind {
        category: "Peralatan Dapur",
        code: "DPR",
        nouns: &["Panci Set", "Wajan Anti Lengket", "Rice Cooker", "Blender"],
        styles: &["Granite", "Stainless Steel", "Maspion", "Miyako Style"],
        blurb: "Tebal, awet dan mudah dibersihkan. Dikirim dengan bubble wrap dan kardus tebal.",
        price: (89_000, 499_000),
        grams: (800, 2_500),
        size: (350, 300, 200),
        options: &[
            OptionPool {
                name: "Ukuran",
                values: &[("20cm", 0, 0), ("24cm", 30_000, 200), ("28cm", 60_000, 400)],
                pick: (2, 3),
            },
            OptionPool {
                name: "Warna",
                values: &[("Hitam", 0, 0), ("Merah", 0, 0), ("Abu", 0, 0)],
                pick: (1, 2),
            },
        ],
    },
    Kind {
        category: "Dekorasi",
        code: "DKR",
        nouns: &["Taplak Meja", "Sarung Bantal", "Gorden Minimalis"],
        styles: &["Motif Batik", "Rajut", "Blackout", "Shabby Chic"],
        blurb: "Mempercantik rumah dengan harga terjangkau. Bahan mudah dicuci dan tidak mudah kusut.",
        price: (29_000, 149_000),
        grams: (200, 900),
        size: (300, 250, 50),
        options: &[OptionPool {
            name: "Warna",
            values: COLOURS,
            pick: (3, 6),
        }],
    },
];

/// Rupiah prices end in x.900, like 89.900.
fn rupiah(rng: &mut StdRng, (low, high): (i64, i64)) -> i64 {
    let thousands = rng.random_range(low / 1_000..=high / 1_000);
    thousands * 1_000 - 100
}

fn product_draft(
    kind: &Kind,
    index: u32,
    seed: u64,
    category: Option<&CategoryId>,
    rng: &mut StdRng,
) -> anyhow::Result<ProductDraft> {
    let noun = kind.nouns.choose(rng).expect("listed");
    let style = kind.styles.choose(rng).expect("listed");
    let name = format!("{noun} {style}");
    let base = rupiah(rng, kind.price);
    let grams = rng.random_range(kind.grams.0..=kind.grams.1);
    let description = format!(
        "{name}. {}\n\nKirim dari Jakarta, Surabaya atau Bandung setiap hari kerja sebelum pukul 15.00 WIB.",
        kind.blurb
    );

    let mut chosen: Vec<Vec<&(&str, i64, i64)>> = Vec::new();
    for pool in kind.options {
        let count = rng.random_range(pool.pick.0..=pool.pick.1.min(pool.values.len()));
        let mut values: Vec<&(&str, i64, i64)> = pool.values.choose_multiple(rng, count).collect();
        // Keep the catalogue order (S before M, 250g before 1kg) whatever was picked.
        values.sort_by_key(|v| pool.values.iter().position(|p| p == *v));
        chosen.push(values);
    }
    let raw: Vec<(String, Vec<String>)> = kind
        .options
        .iter()
        .zip(&chosen)
        .map(|(pool, values)| {
            (
                pool.name.to_owned(),
                values.iter().map(|v| v.0.to_owned()).collect(),
            )
        })
        .collect();
    let options = ProductOptions::parse(&raw, "options").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let prefix = Sku::parse(&format!("{}-{}-{index:05}", kind.code, seed % 1_000))
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;

    let mut specs = Vec::new();
    for combination in cartesian(&chosen) {
        let surcharge: i64 = combination.iter().map(|v| v.1).sum();
        let extra_grams: i64 = combination.iter().map(|v| v.2).sum();
        let values: Vec<String> = combination.iter().map(|v| v.0.to_owned()).collect();
        let (length, width, height) = kind.size;
        specs.push(VariantSpec {
            sku: Sku::generated(&prefix, &values).map_err(|e| anyhow::anyhow!("{e:?}"))?,
            barcode: None,
            option_values: values,
            weight: Weight::grams(grams + extra_grams).map_err(|e| anyhow::anyhow!("{e:?}"))?,
            dimensions: Some(Dimensions {
                length: millimetres(length)?,
                width: millimetres(width)?,
                height: millimetres(height + extra_grams / 20)?,
            }),
            price: Price::new((base + surcharge) * 100, Currency::Idr)
                .map_err(|e| anyhow::anyhow!("{e:?}"))?,
            status: Status::Active,
        });
    }
    Ok(ProductDraft {
        name: ProductName::parse(&name).map_err(|e| anyhow::anyhow!("{e:?}"))?,
        description: Description::parse(&description).map_err(|e| anyhow::anyhow!("{e:?}"))?,
        category: category.copied(),
        status: Status::Active,
        options,
        variants: VariantPlan::Explicit(specs),
        attributes: Vec::new(),
    })
}

fn millimetres(mm: i64) -> anyhow::Result<Millimetres> {
    Millimetres::new(mm).map_err(|e| anyhow::anyhow!("{e:?}"))
}

/// Every combination of one value per option, first option slowest.
fn cartesian<'a, T>(lists: &[Vec<&'a T>]) -> Vec<Vec<&'a T>> {
    lists.iter().fold(vec![Vec::new()], |acc, list| {
        acc.iter()
            .flat_map(|prefix| {
                list.iter().map(move |item| {
                    let mut next = prefix.clone();
                    next.push(*item);
                    next
                })
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_plans_the_same_catalogue() {
        let plan = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..50)
                .map(|i| {
                    let kind = KINDS.choose(&mut rng).unwrap();
                    let draft = product_draft(kind, i, seed, None, &mut rng).unwrap();
                    let VariantPlan::Explicit(specs) = draft.variants else {
                        unreachable!("seeding lists its variants")
                    };
                    let skus: Vec<String> = specs.iter().map(|s| s.sku.as_str().into()).collect();
                    (draft.name.as_str().to_owned(), skus)
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(plan(7), plan(7));
        assert_ne!(plan(7), plan(8));
    }

    #[test]
    fn products_average_about_five_variants_at_rupiah_prices() {
        let mut rng = StdRng::seed_from_u64(42);
        let mut variants = 0;
        for i in 0..2_000 {
            let kind = KINDS.choose(&mut rng).unwrap();
            let draft = product_draft(kind, i, 42, None, &mut rng).unwrap();
            let VariantPlan::Explicit(specs) = draft.variants else {
                unreachable!("seeding lists its variants")
            };
            for spec in &specs {
                assert_eq!(spec.price.money().minor % 100_000, 90_000, "x.900 rupiah");
            }
            variants += specs.len();
        }
        let average = variants as f64 / 2_000.0;
        assert!((4.0..=6.5).contains(&average), "{average}");
    }
}
