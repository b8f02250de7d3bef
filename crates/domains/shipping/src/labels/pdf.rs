//! A small drawing surface over `pdf-writer`: pages of text in the standard Helvetica fonts,
//! lines, boxes and filled rectangles. No layout engine: callers place everything in points
//! from the page's bottom-left corner.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

/// Points per millimetre.
pub const MM: f32 = 72.0 / 25.4;

/// A4 portrait in points.
pub const A4: (f32, f32) = (595.28, 841.89);

/// The two faces every document uses, both standard Type 1 fonts readers carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Regular,
    Bold,
}

impl Face {
    fn resource(self) -> Name<'static> {
        match self {
            Face::Regular => Name(b"F1"),
            Face::Bold => Name(b"F2"),
        }
    }
}

/// One page being drawn.
pub struct Page {
    pub width: f32,
    pub height: f32,
    content: Content,
}

impl Page {
    pub fn new(width: f32, height: f32) -> Self {
        Self {
            width,
            height,
            content: Content::new(),
        }
    }

    /// Writes `text` with its baseline at `(x, y)`.
    pub fn text(&mut self, x: f32, y: f32, size: f32, face: Face, text: &str) {
        let encoded = win_ansi(text);
        self.content
            .begin_text()
            .set_font(face.resource(), size)
            .next_line(x, y)
            .show(Str(&encoded))
            .end_text();
    }

    /// Writes `text`, cut with `…` to fit in `max_width` points.
    pub fn text_fitted(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        face: Face,
        text: &str,
        max_width: f32,
    ) {
        let fitted = fit(text, size, max_width);
        self.text(x, y, size, face, &fitted);
    }

    /// Writes `text` centred on `centre_x`.
    pub fn text_centred(&mut self, centre_x: f32, y: f32, size: f32, face: Face, text: &str) {
        let width = text_width(text, size);
        self.text(centre_x - width / 2.0, y, size, face, text);
    }

    pub fn fill_rect(&mut self, x: f32, y: f32, width: f32, height: f32) {
        self.content
            .set_fill_gray(0.0)
            .rect(x, y, width, height)
            .fill_nonzero();
    }

    pub fn stroke_rect(&mut self, x: f32, y: f32, width: f32, height: f32, line: f32) {
        self.content
            .set_line_width(line)
            .rect(x, y, width, height)
            .stroke();
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, line: f32) {
        self.content
            .set_line_width(line)
            .move_to(x1, y1)
            .line_to(x2, y2)
            .stroke();
    }
}

/// Assembles pages into one PDF document.
pub fn document(pages: Vec<Page>) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog_id = Ref::new(1);
    let tree_id = Ref::new(2);
    let regular_id = Ref::new(3);
    let bold_id = Ref::new(4);
    let mut next = 5;
    let mut alloc = || {
        let id = Ref::new(next);
        next += 1;
        id
    };
    let ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc())).collect();

    pdf.catalog(catalog_id).pages(tree_id);
    pdf.pages(tree_id)
        .kids(ids.iter().map(|(page, _)| *page))
        .count(ids.len() as i32);
    pdf.type1_font(regular_id)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold_id)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));

    for (page, (page_id, content_id)) in pages.into_iter().zip(ids) {
        let mut writer = pdf.page(page_id);
        writer
            .media_box(Rect::new(0.0, 0.0, page.width, page.height))
            .parent(tree_id)
            .contents(content_id);
        writer
            .resources()
            .fonts()
            .pair(Face::Regular.resource(), regular_id)
            .pair(Face::Bold.resource(), bold_id);
        writer.finish();
        pdf.stream(content_id, &page.content.finish());
    }
    pdf.finish()
}

/// `text` in WinAnsi (Windows-1252), the encoding of the standard fonts: Latin-1 letters map
/// to themselves, a few typographic marks to their code points, anything else to `?`.
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            _ => b'?',
        })
        .collect()
}

/// Approximate width of `text` in Helvetica at `size`: narrow and wide glyph classes from the
/// font's metrics, close enough to decide where to cut a line.
pub fn text_width(text: &str, size: f32) -> f32 {
    let units: u32 = text
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '!' | '|' | 'I' => 250,
            'f' | 't' | 'r' | ' ' | '(' | ')' | '-' | '/' => 320,
            'm' | 'w' | 'M' | 'W' => 850,
            'A'..='Z' => 690,
            '0'..='9' => 556,
            _ => 560,
        })
        .sum();
    units as f32 * size / 1000.0
}

/// `text`, shortened with `…` until it fits `max_width` at `size`.
pub fn fit(text: &str, size: f32, max_width: f32) -> String {
    if text_width(text, size) <= max_width {
        return text.to_owned();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate: String = chars.iter().collect::<String>() + "…";
        if text_width(&candidate, size) <= max_width {
            return candidate;
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_outside_win_ansi_becomes_a_question_mark() {
        assert_eq!(win_ansi("Café €5 ✓"), b"Caf\xe9 \x805 ?".to_vec());
    }

    #[test]
    fn long_text_is_cut_to_fit() {
        let long = "Kaos Polos Katun Combed 30s Lengan Panjang Warna Hitam";
        let fitted = fit(long, 10.0, 100.0);
        assert!(fitted.ends_with('…'));
        assert!(text_width(&fitted, 10.0) <= 100.0);
        assert_eq!(fit("Kaos", 10.0, 100.0), "Kaos");
    }
}
