//! Pick lists (what to take from which shelf, summed over many orders) and packing lists (what
//! goes in each box), on A4 pages that continue onto new pages as needed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use uuid::Uuid;

use super::Parcel;
use super::pdf::{self, A4, Face, Page};

const MARGIN: f32 = 36.0;
const ROW: f32 = 16.0;

/// One row of a pick list: a SKU in a warehouse, summed over the selected shipments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickRow {
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    pub orders: BTreeSet<String>,
}

/// A warehouse's part of a pick list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickGroup {
    pub warehouse: String,
    pub rows: Vec<PickRow>,
}

/// Sums the parcels' lines per (warehouse, SKU), groups them by warehouse name and sorts each
/// group by SKU. Lines with no warehouse are grouped as "Unassigned", after the named ones.
pub fn pick_groups(parcels: &[Parcel], warehouse_names: &HashMap<Uuid, String>) -> Vec<PickGroup> {
    let mut by_warehouse: BTreeMap<(bool, String), BTreeMap<String, PickRow>> = BTreeMap::new();
    for parcel in parcels {
        for line in &parcel.lines {
            let warehouse = match line.warehouse_id {
                Some(id) => (
                    false,
                    warehouse_names
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| format!("Warehouse {}", &id.simple().to_string()[..8])),
                ),
                None => (true, "Unassigned".to_owned()),
            };
            let row = by_warehouse
                .entry(warehouse)
                .or_default()
                .entry(line.sku.clone())
                .or_insert_with(|| PickRow {
                    sku: line.sku.clone(),
                    name: line.name.clone(),
                    quantity: 0,
                    orders: BTreeSet::new(),
                });
            row.quantity = row.quantity.saturating_add(line.quantity);
            row.orders.insert(parcel.order_number.clone());
        }
    }
    by_warehouse
        .into_iter()
        .map(|((_, warehouse), rows)| PickGroup {
            warehouse,
            rows: rows.into_values().collect(),
        })
        .collect()
}

/// A4 pages that start a new page when the next block does not fit.
struct Pages {
    done: Vec<Page>,
    current: Page,
    y: f32,
    title: String,
}

impl Pages {
    fn new(title: &str) -> Self {
        let mut pages = Self {
            done: Vec::new(),
            current: Page::new(A4.0, A4.1),
            y: 0.0,
            title: title.to_owned(),
        };
        pages.header();
        pages
    }

    fn header(&mut self) {
        let page_no = self.done.len() + 1;
        self.y = A4.1 - MARGIN - 18.0;
        self.current
            .text(MARGIN, self.y, 18.0, Face::Bold, &self.title.clone());
        self.current.text(
            A4.0 - MARGIN - 50.0,
            self.y,
            9.0,
            Face::Regular,
            &format!("Page {page_no}"),
        );
        self.y -= 14.0;
    }

    /// Room for `height` more points, on a new page if need be.
    fn need(&mut self, height: f32) {
        if self.y - height < MARGIN {
            let full = std::mem::replace(&mut self.current, Page::new(A4.0, A4.1));
            self.done.push(full);
            self.header();
        }
    }

    fn finish(mut self) -> Vec<u8> {
        self.done.push(self.current);
        pdf::document(self.done)
    }
}

/// The pick list of `parcels` as a PDF.
pub fn pick_list(parcels: &[Parcel], warehouse_names: &HashMap<Uuid, String>) -> Vec<u8> {
    let width = A4.0 - 2.0 * MARGIN;
    let columns = [
        MARGIN + 22.0,
        MARGIN + 130.0,
        MARGIN + 330.0,
        MARGIN + 370.0,
    ];
    let mut pages = Pages::new("Pick list");
    pages.current.text(
        MARGIN,
        pages.y,
        9.0,
        Face::Regular,
        &format!("{} shipment(s)", parcels.len()),
    );
    pages.y -= 10.0;
    for group in pick_groups(parcels, warehouse_names) {
        pages.need(3.0 * ROW);
        pages.y -= ROW;
        let y = pages.y;
        pages
            .current
            .text_fitted(MARGIN, y, 12.0, Face::Bold, &group.warehouse, width);
        pages.y -= ROW;
        let y = pages.y;
        for (x, title) in columns.iter().zip(["SKU", "Item", "Qty", "Orders"]) {
            pages.current.text(*x, y, 9.0, Face::Bold, title);
        }
        pages
            .current
            .line(MARGIN, y - 4.0, A4.0 - MARGIN, y - 4.0, 0.5);
        for row in &group.rows {
            pages.need(ROW);
            pages.y -= ROW;
            let y = pages.y;
            let page = &mut pages.current;
            page.stroke_rect(MARGIN + 2.0, y - 1.0, 10.0, 10.0, 0.8);
            page.text_fitted(columns[0], y, 9.0, Face::Regular, &row.sku, 104.0);
            page.text_fitted(columns[1], y, 9.0, Face::Regular, &row.name, 195.0);
            page.text(columns[2], y, 10.0, Face::Bold, &row.quantity.to_string());
            let orders = row.orders.iter().cloned().collect::<Vec<_>>().join(", ");
            page.text_fitted(
                columns[3],
                y,
                8.0,
                Face::Regular,
                &orders,
                A4.0 - MARGIN - columns[3],
            );
        }
    }
    pages.finish()
}

/// The packing list of `parcels` as a PDF: one section per order with its lines.
pub fn packing_list(parcels: &[Parcel]) -> Vec<u8> {
    let width = A4.0 - 2.0 * MARGIN;
    let mut pages = Pages::new("Packing list");
    for parcel in parcels {
        pages.need(4.0 * ROW);
        pages.y -= ROW + 4.0;
        let y = pages.y;
        let heading = format!(
            "Order {}  -  {}  -  {} {}",
            parcel.order_number,
            parcel.receiver.name,
            parcel.courier_name,
            parcel.awb.as_deref().unwrap_or("")
        );
        pages
            .current
            .text_fitted(MARGIN, y, 12.0, Face::Bold, heading.trim_end(), width);
        pages
            .current
            .line(MARGIN, y - 4.0, A4.0 - MARGIN, y - 4.0, 0.5);
        for line in &parcel.lines {
            pages.need(ROW);
            pages.y -= ROW;
            let y = pages.y;
            let page = &mut pages.current;
            page.stroke_rect(MARGIN + 2.0, y - 1.0, 10.0, 10.0, 0.8);
            page.text_fitted(MARGIN + 22.0, y, 9.0, Face::Regular, &line.sku, 110.0);
            page.text_fitted(MARGIN + 140.0, y, 9.0, Face::Regular, &line.name, 300.0);
            page.text(
                A4.0 - MARGIN - 40.0,
                y,
                10.0,
                Face::Bold,
                &format!("x {}", line.quantity),
            );
        }
    }
    pages.finish()
}
