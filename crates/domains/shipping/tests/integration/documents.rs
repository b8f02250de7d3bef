//! The PDFs themselves: valid documents, the right number of pages, the text a courier and a
//! packer read, and the barcode drawn.

use std::collections::HashMap;

use smartseller_contracts::shipping::{ShipmentLine, ShippingAddress};
use smartseller_kernel::money::{Currency, Money};
use smartseller_shipping::labels::{self, Parcel, code128};
use uuid::Uuid;

fn page_count(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

fn contains(pdf: &[u8], needle: &str) -> bool {
    pdf.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Filled rectangles drawn: `x y w h re` followed by `f`.
fn filled_rectangles(pdf: &[u8]) -> usize {
    String::from_utf8_lossy(pdf).matches(" re\nf").count()
}

fn line(sku: &str, quantity: i64, warehouse: Option<Uuid>) -> ShipmentLine {
    ShipmentLine {
        variant_id: Uuid::now_v7(),
        sku: sku.into(),
        name: format!("Produk {sku}"),
        quantity,
        warehouse_id: warehouse,
    }
}

fn parcel(order_number: &str, awb: Option<&str>, lines: Vec<ShipmentLine>) -> Parcel {
    Parcel {
        order_number: order_number.into(),
        courier_name: "JNE".into(),
        service_name: "Reguler".into(),
        awb: awb.map(str::to_owned),
        sender: ShippingAddress {
            name: "Sari".into(),
            phone: "081200000001".into(),
            address: "Jl. Gatot Subroto 12".into(),
            city: "Jakarta Selatan".into(),
            postal_code: "12930".into(),
            ..ShippingAddress::default()
        },
        receiver: ShippingAddress {
            name: "Budi Santoso".into(),
            phone: "081377778888".into(),
            address: "Jl. Malioboro 21, Sosromenduran, Gedong Tengen".into(),
            city: "Yogyakarta".into(),
            postal_code: "55271".into(),
            ..ShippingAddress::default()
        },
        cash_on_delivery: Some(Money::new(15_000_000, Currency::Idr)),
        weight_grams: 1250,
        lines,
    }
}

#[test]
fn a_label_carries_the_airway_bill_as_bars_and_text() {
    let awb = "JNE1234567890";
    let pdf = labels::label(&parcel("SO-1001", Some(awb), vec![line("BTK-01", 2, None)]));
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(page_count(&pdf), 1);
    for text in [
        awb,
        "Budi Santoso",
        "SO-1001",
        "Rp 150.000",
        "55271",
        "1,25 kg",
        "BTK-01",
    ] {
        assert!(contains(&pdf, text), "{text} missing");
    }
    // One rectangle per bar of the barcode (plus none else filled).
    let bars = code128::encode(awb).expect("encodable").bars().len();
    assert_eq!(filled_rectangles(&pdf), bars);
    assert!(contains(&pdf, "/Helvetica-Bold"));
    assert!(contains(&pdf, "/WinAnsiEncoding"));
    // 100 × 150 mm.
    assert!(
        contains(&pdf, "/MediaBox [0 0 283.46457 425.19687]"),
        "{}",
        String::from_utf8_lossy(&pdf[..400])
    );
}

#[test]
fn a_label_without_an_airway_bill_says_so_and_draws_no_bars() {
    let pdf = labels::label(&parcel("SO-1002", None, vec![line("A", 1, None)]));
    assert!(contains(&pdf, "Airway bill pending"));
    assert_eq!(filled_rectangles(&pdf), 0);
}

#[test]
fn a_long_order_is_summarised_with_how_many_more_lines() {
    let lines = (0..9).map(|i| line(&format!("SKU-{i}"), 1, None)).collect();
    let pdf = labels::label(&parcel("SO-1003", Some("SS00000000000001"), lines));
    assert!(contains(&pdf, "SKU-4"));
    assert!(!contains(&pdf, "SKU-5"));
    assert!(contains(&pdf, "+4 more"));
}

#[test]
fn two_hundred_labels_make_one_pdf_of_two_hundred_pages() {
    let parcels: Vec<Parcel> = (0..200)
        .map(|i| {
            parcel(
                &format!("SO-{i:04}"),
                Some(&format!("JNE{i:010}")),
                vec![line("BTK-01", 1, None)],
            )
        })
        .collect();
    let pdf = labels::labels(&parcels);
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(page_count(&pdf), 200);
    assert!(contains(&pdf, "JNE0000000000"));
    assert!(contains(&pdf, "JNE0000000199"));
    assert!(contains(&pdf, "/Count 200"));
}

#[test]
fn the_pick_list_sums_each_sku_per_warehouse_with_its_orders() {
    let jakarta = Uuid::now_v7();
    let surabaya = Uuid::now_v7();
    let parcels = vec![
        parcel(
            "SO-1",
            Some("A1"),
            vec![
                line("BTK-01", 2, Some(jakarta)),
                line("KAIN-9", 1, Some(surabaya)),
            ],
        ),
        parcel("SO-2", Some("A2"), vec![line("BTK-01", 3, Some(jakarta))]),
        parcel(
            "SO-3",
            Some("A3"),
            vec![
                line("KAIN-9", 4, Some(surabaya)),
                line("AAA-1", 1, Some(surabaya)),
            ],
        ),
    ];
    let names = HashMap::from([
        (jakarta, "Gudang Jakarta".to_owned()),
        (surabaya, "Gudang Surabaya".to_owned()),
    ]);
    let groups = labels::lists::pick_groups(&parcels, &names);
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].warehouse, "Gudang Jakarta");
    assert_eq!(groups[0].rows.len(), 1);
    assert_eq!(groups[0].rows[0].quantity, 5);
    let surabaya_rows: Vec<(&str, i64)> = groups[1]
        .rows
        .iter()
        .map(|r| (r.sku.as_str(), r.quantity))
        .collect();
    assert_eq!(
        surabaya_rows,
        [("AAA-1", 1), ("KAIN-9", 5)],
        "sorted by SKU"
    );
    assert_eq!(
        groups[1].rows[1].orders.iter().cloned().collect::<Vec<_>>(),
        ["SO-1", "SO-3"]
    );

    let pdf = labels::pick_list(&parcels, &names);
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(page_count(&pdf), 1);
    assert!(contains(&pdf, "Gudang Surabaya"));
    assert!(contains(&pdf, "SO-1, SO-3"));
}

#[test]
fn long_lists_continue_on_new_pages() {
    let parcels: Vec<Parcel> = (0..120)
        .map(|i| {
            parcel(
                &format!("SO-{i}"),
                None,
                vec![line(&format!("SKU-{i:03}"), 1, None)],
            )
        })
        .collect();
    let pick = labels::pick_list(&parcels, &HashMap::new());
    assert!(page_count(&pick) >= 3);
    assert!(contains(&pick, "Unassigned"));
    assert!(contains(&pick, "SKU-119"));
    let packing = labels::packing_list(&parcels);
    assert!(page_count(&packing) >= 3);
    assert!(contains(&packing, "Order SO-119"));
}
