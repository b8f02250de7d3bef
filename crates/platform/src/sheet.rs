//! Uploaded CSV files as imports read them: a header naming known columns, then data rows
//! with the line each starts on (as a spreadsheet numbers it, header = line 1).

use std::collections::HashMap;

use smartseller_kernel::validation::FieldErrors;

/// Where each known column is in a file's header.
#[derive(Debug, Clone)]
pub struct Header {
    positions: HashMap<&'static str, usize>,
    names: Vec<String>,
}

impl Header {
    /// Checks a header against `known` columns: each known at most once, every `required` one
    /// there. Column names are matched without case or surrounding spaces; a UTF-8 byte-order
    /// mark (Excel writes one) is ignored.
    pub fn parse(
        record: &[String],
        known: &[&'static str],
        required: &[&'static str],
    ) -> Result<Header, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut positions = HashMap::new();
        for (index, raw) in record.iter().enumerate() {
            let name = raw
                .trim_start_matches('\u{feff}')
                .trim()
                .to_ascii_lowercase();
            match known.iter().find(|k| **k == name) {
                Some(column) if positions.contains_key(column) => errors.add(
                    &format!("header.{column}"),
                    "duplicate_column",
                    format!("Column `{column}` appears twice."),
                ),
                Some(column) => {
                    positions.insert(*column, index);
                }
                None => errors.add(
                    &format!("header[{index}]"),
                    "unknown_column",
                    format!(
                        "Unknown column `{}`; the columns are {}.",
                        raw.trim(),
                        known.join(", ")
                    ),
                ),
            }
        }
        for column in required {
            if !positions.contains_key(column) {
                errors.add(
                    &format!("header.{column}"),
                    "missing_column",
                    format!("Column `{column}` is required."),
                );
            }
        }
        errors.finish()?;
        Ok(Header {
            positions,
            names: record.iter().map(|n| n.trim().to_owned()).collect(),
        })
    }

    /// The header as the file had it, for the error report.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The trimmed cell of `column` in `record`; empty when the column or cell is absent.
    pub fn cell<'r>(&self, record: &'r [String], column: &str) -> &'r str {
        self.positions
            .get(column)
            .and_then(|i| record.get(*i))
            .map(|s| s.trim())
            .unwrap_or_default()
    }
}

/// A file read into rows: the header and each data row with its line number.
pub struct Sheet {
    pub header: Header,
    pub rows: Vec<(u64, Vec<String>)>,
}

/// Reads a CSV upload. Fails as a whole on an empty file, a header with unknown or missing
/// columns, or CSV that cannot be read (an unclosed quote).
pub fn read_sheet(
    bytes: &[u8],
    known: &[&'static str],
    required: &[&'static str],
) -> Result<Sheet, FieldErrors> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let header = match records.next() {
        None => {
            return Err(FieldErrors::single(
                "file",
                "empty",
                "The file is empty; the first line must name the columns.",
            ));
        }
        Some(Err(error)) => return Err(malformed(&error)),
        Some(Ok(record)) => text_cells(&record).map_err(|_| not_utf8(1))?,
    };
    let header = Header::parse(&header, known, required)?;
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|e| malformed(&e))?;
        let line = record.position().map(|p| p.line()).unwrap_or_default();
        let cells = text_cells(&record).map_err(|_| not_utf8(line))?;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push((line, cells));
    }
    Ok(Sheet { header, rows })
}

fn text_cells(record: &csv::ByteRecord) -> Result<Vec<String>, std::str::Utf8Error> {
    record
        .iter()
        .map(|cell| std::str::from_utf8(cell).map(str::to_owned))
        .collect()
}

fn malformed(error: &csv::Error) -> FieldErrors {
    let line = error.position().map(|p| p.line()).unwrap_or_default();
    FieldErrors::single(
        "file",
        "malformed_csv",
        format!("The file is not readable CSV near line {line}; check for an unclosed quote."),
    )
}

fn not_utf8(line: u64) -> FieldErrors {
    FieldErrors::single(
        "file",
        "not_utf8",
        format!("Line {line} is not UTF-8 text; save the file as CSV UTF-8."),
    )
}

/// Only the first record: the rest is the worker's.
pub fn check_header(
    bytes: &[u8],
    known: &[&'static str],
    required: &[&'static str],
) -> Result<(), FieldErrors> {
    let end = bytes
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |i| i + 1);
    read_sheet(&bytes[..end], known, required).map(|_| ())
}
