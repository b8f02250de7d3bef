//! Shipping labels: one 100×150 mm page per parcel, the size thermal label printers take.

use super::code128;
use super::pdf::{self, Face, MM, Page};
use super::{Parcel, format_money, format_weight};

const WIDTH: f32 = 100.0 * MM;
const HEIGHT: f32 = 150.0 * MM;
const MARGIN: f32 = 4.0 * MM;
/// Order lines that fit under the addresses; the rest are summarised as "+N more".
const MAX_LINES: usize = 6;

/// One label as a one-page PDF.
pub fn label(parcel: &Parcel) -> Vec<u8> {
    labels(std::slice::from_ref(parcel))
}

/// Many labels in one PDF, one page each, in the order given.
pub fn labels(parcels: &[Parcel]) -> Vec<u8> {
    pdf::document(parcels.iter().map(draw).collect())
}

fn draw(parcel: &Parcel) -> Page {
    let mut page = Page::new(WIDTH, HEIGHT);
    let inner = WIDTH - 2.0 * MARGIN;
    page.stroke_rect(
        MARGIN / 2.0,
        MARGIN / 2.0,
        WIDTH - MARGIN,
        HEIGHT - MARGIN,
        1.0,
    );

    // Courier and service, the first thing a sorter looks for.
    let mut y = HEIGHT - MARGIN - 16.0;
    page.text_fitted(
        MARGIN,
        y,
        16.0,
        Face::Bold,
        &parcel.courier_name,
        inner * 0.6,
    );
    page.text_fitted(
        MARGIN + inner * 0.62,
        y,
        11.0,
        Face::Regular,
        &parcel.service_name,
        inner * 0.38,
    );
    y -= 8.0;
    page.line(MARGIN, y, WIDTH - MARGIN, y, 0.8);

    // The airway bill as a barcode, its text under it.
    y -= 4.0;
    let bar_height = 22.0 * MM;
    if let Some(awb) = parcel.awb.as_deref() {
        match code128::encode(awb) {
            Ok(barcode) => {
                let module = (inner / barcode.width() as f32).min(0.5 * MM);
                let left = (WIDTH - module * barcode.width() as f32) / 2.0;
                for (offset, width) in barcode.bars() {
                    page.fill_rect(
                        left + offset as f32 * module,
                        y - bar_height,
                        width as f32 * module,
                        bar_height,
                    );
                }
            }
            Err(error) => tracing::warn!(%error, awb, "airway bill printed without a barcode"),
        }
        y -= bar_height + 12.0;
        page.text_centred(WIDTH / 2.0, y, 12.0, Face::Bold, awb);
    } else {
        y -= bar_height / 2.0;
        page.text_centred(WIDTH / 2.0, y, 11.0, Face::Regular, "Airway bill pending");
        y -= bar_height / 2.0;
    }
    y -= 8.0;
    page.line(MARGIN, y, WIDTH - MARGIN, y, 0.8);

    y -= 13.0;
    page.text(MARGIN, y, 9.0, Face::Regular, "Order");
    page.text_fitted(
        MARGIN + 40.0,
        y,
        11.0,
        Face::Bold,
        &parcel.order_number,
        inner - 40.0,
    );
    y -= 13.0;
    page.text(
        MARGIN,
        y,
        9.0,
        Face::Regular,
        &format!("Weight: {}", format_weight(parcel.weight_grams)),
    );

    // Receiver, then sender.
    y -= 16.0;
    page.text(MARGIN, y, 8.0, Face::Bold, "TO");
    y -= 13.0;
    let receiver = &parcel.receiver;
    page.text_fitted(MARGIN, y, 12.0, Face::Bold, &receiver.name, inner);
    y -= 12.0;
    page.text_fitted(MARGIN, y, 10.0, Face::Regular, &receiver.phone, inner);
    for line in wrap(&receiver.address, 10.0, inner, 3) {
        y -= 11.0;
        page.text(MARGIN, y, 10.0, Face::Regular, &line);
    }
    y -= 11.0;
    page.text_fitted(
        MARGIN,
        y,
        10.0,
        Face::Bold,
        &format!("{} {}", receiver.city, receiver.postal_code),
        inner,
    );

    y -= 15.0;
    page.text(MARGIN, y, 8.0, Face::Bold, "FROM");
    let sender = &parcel.sender;
    y -= 11.0;
    page.text_fitted(
        MARGIN,
        y,
        9.0,
        Face::Regular,
        &format!("{} ({})", sender.name, sender.phone),
        inner,
    );
    y -= 10.0;
    page.text_fitted(
        MARGIN,
        y,
        8.0,
        Face::Regular,
        &format!("{}, {} {}", sender.address, sender.city, sender.postal_code),
        inner,
    );

    if let Some(cod) = parcel.cash_on_delivery {
        y -= 8.0;
        let box_height = 26.0;
        page.stroke_rect(MARGIN, y - box_height, inner, box_height, 1.5);
        page.text(MARGIN + 4.0, y - 17.0, 12.0, Face::Bold, "COD");
        page.text(
            MARGIN + 40.0,
            y - 19.0,
            18.0,
            Face::Bold,
            &format_money(cod),
        );
        y -= box_height;
    }

    y -= 6.0;
    page.line(MARGIN, y, WIDTH - MARGIN, y, 0.5);
    y -= 11.0;
    page.text(MARGIN, y, 8.0, Face::Bold, "SKU");
    page.text(MARGIN + inner * 0.3, y, 8.0, Face::Bold, "Item");
    page.text(WIDTH - MARGIN - 20.0, y, 8.0, Face::Bold, "Qty");
    let shown = if parcel.lines.len() > MAX_LINES {
        MAX_LINES - 1
    } else {
        parcel.lines.len()
    };
    for line in &parcel.lines[..shown] {
        y -= 10.0;
        page.text_fitted(MARGIN, y, 8.0, Face::Regular, &line.sku, inner * 0.28);
        page.text_fitted(
            MARGIN + inner * 0.3,
            y,
            8.0,
            Face::Regular,
            &line.name,
            inner * 0.58,
        );
        page.text(
            WIDTH - MARGIN - 20.0,
            y,
            8.0,
            Face::Regular,
            &line.quantity.to_string(),
        );
    }
    let hidden = parcel.lines.len() - shown;
    if hidden > 0 {
        y -= 10.0;
        page.text(MARGIN, y, 8.0, Face::Bold, &format!("+{hidden} more"));
    }
    page
}

/// Up to `max_lines` lines of `text` that fit `width`; the last one cut with `…` if needed.
fn wrap(text: &str, size: f32, width: f32, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if pdf::text_width(&candidate, size) <= width || current.is_empty() {
            current = candidate;
        } else {
            lines.push(std::mem::take(&mut current));
            current = word.to_owned();
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() > max_lines {
        let rest = lines[max_lines - 1..].join(" ");
        lines.truncate(max_lines - 1);
        lines.push(rest);
    }
    lines
        .into_iter()
        .map(|line| pdf::fit(&line, size, width))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_wraps_into_at_most_three_lines() {
        let address = "Jl. Jenderal Sudirman Kav. 52-53, Gedung Sequis Tower Lantai 12, \
                       Senayan, Kebayoran Baru, Jakarta Selatan, DKI Jakarta";
        let lines = wrap(address, 10.0, 200.0, 3);
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| pdf::text_width(l, 10.0) <= 200.0));
        assert!(lines[0].starts_with("Jl. Jenderal"));
    }
}
