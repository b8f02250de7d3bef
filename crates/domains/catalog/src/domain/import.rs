//! The product CSV as sellers fill it in: its columns, one row per variant, rows grouped into
//! products by `product_key`. Parsing a row yields the same domain types the JSON endpoints use,
//! or every problem of the row, each naming its column. No I/O.

use smartseller_kernel::money::Currency;
use smartseller_kernel::validation::FieldErrors;
pub use smartseller_platform::sheet::Header;

use super::{
    Barcode, Description, Dimensions, Millimetres, Price, ProductName, Sku, Status, TextError,
    Weight,
};

/// The product file's columns, in the order an export writes them.
pub const PRODUCT_COLUMNS: &[&str] = &[
    "product_key",
    "name",
    "description",
    "category",
    "status",
    "option1_name",
    "option1_value",
    "option2_name",
    "option2_value",
    "option3_name",
    "option3_value",
    "sku",
    "barcode",
    "price",
    "weight_grams",
    "length_mm",
    "width_mm",
    "height_mm",
];

/// Columns a product file must have; the others may be left out.
pub const PRODUCT_REQUIRED: &[&str] = &["product_key", "name", "sku", "price", "weight_grams"];

/// The price file's columns: the base price of each SKU.
pub const PRICE_COLUMNS: &[&str] = &["sku", "price"];

/// One row of the product file, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRow {
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub product_key: String,
    /// Product fields may be left blank on all but one row of a product.
    pub name: Option<ProductName>,
    pub description: Option<Description>,
    /// Category path segments, e.g. `["Pakaian", "Pria", "Kemeja"]`.
    pub category: Option<Vec<String>>,
    pub status: Option<Status>,
    /// (option name, value) for each option the row gives, in order.
    pub options: Vec<(String, String)>,
    pub sku: Sku,
    pub barcode: Option<Barcode>,
    pub price: Price,
    pub weight: Weight,
    pub dimensions: Option<Dimensions>,
}

/// Checks one row of the product file; errors name the column.
pub fn parse_product_row(
    header: &Header,
    record: &[String],
    line: u64,
) -> Result<ProductRow, FieldErrors> {
    let cell = |column: &str| header.cell(record, column);
    let mut errors = FieldErrors::new();
    let product_key = cell("product_key");
    if product_key.is_empty() {
        errors.add(
            "product_key",
            "required",
            "Give each row a product_key; rows with the same key are one product.",
        );
    }
    let name = optional(cell("name")).and_then(|t| errors.check("name", ProductName::parse(t)));
    let description = optional(cell("description"))
        .and_then(|t| errors.check("description", Description::parse(t)));
    let category = optional(cell("category")).and_then(|t| {
        let path = category_path(t);
        if path.is_none() {
            errors.add(
                "category",
                "invalid_category",
                "Write a category path like `Pakaian > Pria > Kemeja`.",
            );
        }
        path
    });
    let status = optional(cell("status")).and_then(|t| errors.check("status", Status::parse(t)));
    let mut options = Vec::new();
    for i in 1..=3 {
        let name_column = format!("option{i}_name");
        let value_column = format!("option{i}_value");
        match (cell(&name_column), cell(&value_column)) {
            ("", "") => {}
            (n, v) if !n.is_empty() && !v.is_empty() => options.push((n.to_owned(), v.to_owned())),
            ("", _) => errors.add(
                &name_column,
                "required",
                format!("Name the option whose value is in {value_column}."),
            ),
            (_, _) => errors.add(
                &value_column,
                "required",
                format!(
                    "Give this variant's value of option `{}`.",
                    cell(&name_column)
                ),
            ),
        }
    }
    let sku = errors.check("sku", Sku::parse(cell("sku")));
    let barcode =
        optional(cell("barcode")).and_then(|t| errors.check("barcode", Barcode::parse(t)));
    let price = errors.check("price", parse_rupiah(cell("price")));
    let weight = errors.check(
        "weight_grams",
        whole(cell("weight_grams")).and_then(Weight::grams),
    );
    let sides = ["length_mm", "width_mm", "height_mm"].map(|c| (c, cell(c)));
    let dimensions = if sides.iter().all(|(_, t)| t.is_empty()) {
        None
    } else {
        let [l, w, h] = sides.map(|(column, text)| {
            if text.is_empty() {
                errors.add(
                    column,
                    "required",
                    "Give length, width and height together, or none of them.",
                );
                None
            } else {
                errors.check(column, whole(text).and_then(Millimetres::new))
            }
        });
        match (l, w, h) {
            (Some(length), Some(width), Some(height)) => Some(Dimensions {
                length,
                width,
                height,
            }),
            _ => None,
        }
    };
    errors.finish()?;
    match (sku, price, weight) {
        (Some(sku), Some(price), Some(weight)) => Ok(ProductRow {
            line,
            product_key: product_key.to_owned(),
            name,
            description,
            category,
            status,
            options,
            sku,
            barcode,
            price,
            weight,
            dimensions,
        }),
        // Unreachable: a missing value recorded an error above.
        _ => Err(FieldErrors::single(
            "",
            "invalid_row",
            "This row is invalid.",
        )),
    }
}

fn optional(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

fn whole(text: &str) -> Result<i64, TextError> {
    if text.is_empty() {
        return Err(TextError::new("required", "Enter a whole number."));
    }
    text.parse::<i64>()
        .map_err(|_| TextError::new("not_a_number", "Enter a whole number, digits only."))
}

/// `Pakaian > Pria > Kemeja` → its segments; `None` when a segment is empty.
pub fn category_path(text: &str) -> Option<Vec<String>> {
    let segments: Vec<String> = text.split('>').map(|s| s.trim().to_owned()).collect();
    (!segments.iter().any(String::is_empty)).then_some(segments)
}

/// The key a category path is matched by: its names without case, joined by ` > `.
pub fn category_key(segments: &[String]) -> String {
    segments
        .iter()
        .map(|s| s.to_lowercase())
        .collect::<Vec<_>>()
        .join(" > ")
}

/// A rupiah amount as Indonesian spreadsheets write it: `150000`, `150.000` (dots group
/// thousands) or `150.000,50` (a comma before at most two decimals), with an optional `Rp`.
/// `150.00` is refused: in Indonesian notation it is neither 150 nor 15,000 for certain.
pub fn parse_rupiah(text: &str) -> Result<Price, TextError> {
    let invalid = || {
        TextError::new(
            "invalid_price",
            "Write the price in rupiah, e.g. 150000 or 150.000 (decimals after a comma: 150.000,50).",
        )
    };
    let mut text = text.trim();
    if text.is_empty() {
        return Err(TextError::new("required", "Enter a price."));
    }
    let negative = text.starts_with('-');
    if negative {
        text = text[1..].trim_start();
    }
    for prefix in ["Rp", "RP", "rp", "IDR"] {
        if let Some(rest) = text.strip_prefix(prefix) {
            text = rest.trim_start_matches('.').trim_start();
        }
    }
    let (whole_part, fraction) = match text.split_once(',') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    let groups: Vec<&str> = whole_part.split('.').collect();
    let grouped_well = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    let digits: String = groups.concat();
    if !grouped_well || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let cents = match fraction {
        None => 0,
        Some(f) if (1..=2).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) => {
            let value: i64 = f.parse().map_err(|_| invalid())?;
            if f.len() == 1 { value * 10 } else { value }
        }
        Some(_) => return Err(invalid()),
    };
    let rupiah: i64 = digits
        .parse()
        .map_err(|_| TextError::new("too_large", "This price is too large."))?;
    let minor = rupiah
        .checked_mul(100)
        .and_then(|m| m.checked_add(cents))
        .ok_or_else(|| TextError::new("too_large", "This price is too large."))?;
    Price::new(if negative { -minor } else { minor }, Currency::Idr)
}

/// A price as an export writes it: whole rupiah, a comma and two decimals only when needed.
pub fn format_rupiah(minor: i64) -> String {
    let (rupiah, cents) = (minor / 100, (minor % 100).abs());
    if cents == 0 {
        rupiah.to_string()
    } else {
        format!("{rupiah},{cents:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(columns: &[&str]) -> Header {
        let record: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
        Header::parse(&record, PRODUCT_COLUMNS, PRODUCT_REQUIRED).unwrap()
    }

    fn record(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn rupiah_is_read_the_indonesian_way() {
        let minor = |t: &str| parse_rupiah(t).map(|p| p.money().minor);
        assert_eq!(minor("150000"), Ok(15_000_000));
        assert_eq!(minor("150.000"), Ok(15_000_000));
        assert_eq!(minor("Rp 1.250.000"), Ok(125_000_000));
        assert_eq!(minor("Rp150.000,50"), Ok(15_000_050));
        assert_eq!(minor("9,5"), Ok(950));
        assert_eq!(minor("150.00").unwrap_err().code, "invalid_price");
        assert_eq!(minor("1.5000").unwrap_err().code, "invalid_price");
        assert_eq!(minor("abc").unwrap_err().code, "invalid_price");
        assert_eq!(minor("-5000").unwrap_err().code, "negative_price");
        assert_eq!(minor("").unwrap_err().code, "required");
        assert_eq!(minor("99999999999999999999").unwrap_err().code, "too_large");
        assert_eq!(format_rupiah(15_000_000), "150000");
        assert_eq!(format_rupiah(15_000_050), "150000,50");
        assert_eq!(minor(&format_rupiah(15_000_050)), Ok(15_000_050));
    }

    #[test]
    fn headers_name_unknown_duplicate_and_missing_columns() {
        let parse = |cols: &[&str]| {
            let record: Vec<String> = cols.iter().map(|c| (*c).to_owned()).collect();
            Header::parse(&record, PRODUCT_COLUMNS, PRODUCT_REQUIRED)
        };
        assert!(
            parse(&[
                "\u{feff}Product_Key",
                " name ",
                "sku",
                "price",
                "weight_grams"
            ])
            .is_ok()
        );
        let errors = parse(&["product_key", "name", "sku", "sku", "harga"]).unwrap_err();
        let found: Vec<(&str, &str)> = errors
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                ("header.sku", "duplicate_column"),
                ("header[4]", "unknown_column"),
                ("header.price", "missing_column"),
                ("header.weight_grams", "missing_column"),
            ]
        );
    }

    #[test]
    fn a_good_row_becomes_domain_values() {
        let h = header(&[
            "product_key",
            "name",
            "category",
            "option1_name",
            "option1_value",
            "sku",
            "barcode",
            "price",
            "weight_grams",
            "length_mm",
            "width_mm",
            "height_mm",
        ]);
        let row = parse_product_row(
            &h,
            &record(&[
                "kemeja",
                "Kemeja Batik",
                "Pakaian > Pria",
                "Ukuran",
                "M",
                "kmj-m",
                "8992761002008",
                "150.000",
                "250",
                "300",
                "200",
                "50",
            ]),
            2,
        )
        .unwrap();
        assert_eq!(row.sku.as_str(), "KMJ-M");
        assert_eq!(row.price.money().minor, 15_000_000);
        assert_eq!(row.category, Some(vec!["Pakaian".into(), "Pria".into()]));
        assert_eq!(row.options, vec![("Ukuran".into(), "M".into())]);
        assert_eq!(row.dimensions.map(|d| d.height.get()), Some(50));
    }

    #[test]
    fn a_bad_row_names_every_column_at_fault() {
        let h = header(&[
            "product_key",
            "name",
            "option1_name",
            "option1_value",
            "sku",
            "barcode",
            "price",
            "weight_grams",
            "length_mm",
        ]);
        let errors = parse_product_row(
            &h,
            &record(&[
                "",
                "",
                "Ukuran",
                "",
                "bad sku",
                "8992761002009",
                "-1",
                "berat",
                "10",
            ]),
            7,
        )
        .unwrap_err();
        let found: Vec<(&str, &str)> = errors
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                ("product_key", "required"),
                ("option1_value", "required"),
                ("sku", "invalid_sku"),
                ("barcode", "bad_check_digit"),
                ("price", "negative_price"),
                ("weight_grams", "not_a_number"),
                ("width_mm", "required"),
                ("height_mm", "required"),
            ]
        );
    }

    #[test]
    fn category_paths_split_on_arrows() {
        assert_eq!(
            category_path(" Pakaian >Pria> Kemeja "),
            Some(vec!["Pakaian".into(), "Pria".into(), "Kemeja".into()])
        );
        assert_eq!(category_path("Pakaian >> Kemeja"), None);
        assert_eq!(
            category_key(&["Pakaian".into(), "PRIA".into()]),
            "pakaian > pria"
        );
    }
}
