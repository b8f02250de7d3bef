//! The stock CSV: one row per SKU and warehouse with the count on hand. No I/O.

use smartseller_kernel::validation::FieldErrors;
use smartseller_platform::sheet::Header;

use super::stock::MAX_QUANTITY;

/// The stock file's columns, in the order an export writes them; all are required.
pub const STOCK_COLUMNS: &[&str] = &["sku", "warehouse", "on_hand"];

/// One row of the stock file, checked: what the shelf holds of one SKU in one warehouse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockRow {
    /// Upper-cased, as the catalogue stores SKUs.
    pub sku: String,
    /// The warehouse's code, as typed.
    pub warehouse: String,
    pub on_hand: i64,
}

pub fn parse_stock_row(header: &Header, record: &[String]) -> Result<StockRow, FieldErrors> {
    let mut errors = FieldErrors::new();
    let sku = header.cell(record, "sku").to_uppercase();
    if sku.is_empty() {
        errors.add("sku", "required", "Enter the variant's SKU.");
    }
    let warehouse = header.cell(record, "warehouse").to_owned();
    if warehouse.is_empty() {
        errors.add("warehouse", "required", "Enter the warehouse's code.");
    }
    let on_hand = header.cell(record, "on_hand");
    let on_hand = match on_hand.parse::<i64>() {
        Ok(n) if (0..=MAX_QUANTITY).contains(&n) => n,
        Ok(_) => {
            errors.add(
                "on_hand",
                "out_of_range",
                format!("Give the count on hand, from 0 to {MAX_QUANTITY}."),
            );
            0
        }
        Err(_) if on_hand.is_empty() => {
            errors.add("on_hand", "required", "Enter the count on hand.");
            0
        }
        Err(_) => {
            errors.add(
                "on_hand",
                "not_a_number",
                "Enter a whole number, digits only.",
            );
            0
        }
    };
    errors.finish()?;
    Ok(StockRow {
        sku,
        warehouse,
        on_hand,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn a_stock_row_is_a_sku_a_warehouse_and_a_count() {
        let header = Header::parse(
            &strings(&["SKU", "warehouse", "on_hand"]),
            STOCK_COLUMNS,
            STOCK_COLUMNS,
        )
        .unwrap();
        assert_eq!(
            parse_stock_row(&header, &strings(&[" kmj-m ", "JKT", "12"])).unwrap(),
            StockRow {
                sku: "KMJ-M".into(),
                warehouse: "JKT".into(),
                on_hand: 12
            }
        );
        let errors = parse_stock_row(&header, &strings(&["", "JKT", "-3"])).unwrap_err();
        let found: Vec<(&str, &str)> = errors
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![("sku", "required"), ("on_hand", "out_of_range")]
        );
        let errors = parse_stock_row(&header, &strings(&["A", "", "lima"])).unwrap_err();
        let found: Vec<(&str, &str)> = errors
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![("warehouse", "required"), ("on_hand", "not_a_number")]
        );
    }
}
