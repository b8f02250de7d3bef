//! A product's images and documents: what a file is (judged by its first bytes, never by its
//! name), which sizes an image is shown in, where each rendition lives in object storage, and
//! what a seller may write as alt text and file name. No I/O.

use smartseller_kernel::typed_id;
use uuid::Uuid;

use super::TextError;
use super::text::one_line;

typed_id!(
    /// One image or document attached to a product.
    MediaId
);

/// The formats we accept. Everything else is refused, whatever its name or declared type says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Jpeg,
    Png,
    WebP,
    Gif,
    Pdf,
}

/// Whether a file gets thumbnails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Image,
    Document,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Document => "document",
        }
    }
}

impl FileType {
    /// How many leading bytes [`FileType::sniff`] needs to decide (WebP's is the longest).
    pub const SNIFF_LEN: usize = 12;

    /// The type the first bytes of a file announce, by the formats' own signatures:
    /// JPEG starts with an SOI marker and a second marker (`FF D8 FF`, ITU T.81 B.1.1.2),
    /// PNG with its 8-byte signature (RFC 2083 §3.1), GIF with `GIF87a`/`GIF89a`, WebP with a
    /// RIFF header whose form type is `WEBP` (RFC 9649 §2.5), PDF with `%PDF-` (ISO 32000 §7.5.2;
    /// readers tolerate leading junk, we do not, so a PDF is also recognisable as one).
    pub fn sniff(head: &[u8]) -> Option<FileType> {
        if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileType::Jpeg)
        } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileType::Png)
        } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
            Some(FileType::Gif)
        } else if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
            Some(FileType::WebP)
        } else if head.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::WebP => "image/webp",
            FileType::Gif => "image/gif",
            FileType::Pdf => "application/pdf",
        }
    }

    pub fn kind(self) -> MediaKind {
        match self {
            FileType::Pdf => MediaKind::Document,
            _ => MediaKind::Image,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileType::Jpeg => "jpg",
            FileType::Png => "png",
            FileType::WebP => "webp",
            FileType::Gif => "gif",
            FileType::Pdf => "pdf",
        }
    }
}

/// One stored form of a media item: the file as uploaded, or a thumbnail whose longest side is
/// at most so many pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rendition {
    Original,
    Thumbnail(u32),
}

/// The thumbnail sizes every image gets: a list cell, a product card, a zoomed view. Marketplace
/// listings ask for at least 500 px and show up to about 1000 px.
pub const THUMBNAIL_SIZES: [u32; 3] = [160, 480, 1024];

impl Rendition {
    /// `original`, `160`, `480` or `1024`, as in the URL; anything else is no rendition.
    pub fn parse(text: &str) -> Option<Rendition> {
        if text == "original" {
            return Some(Rendition::Original);
        }
        let size: u32 = text.parse().ok()?;
        // `0160` parses too; only the canonical spelling names a rendition.
        (THUMBNAIL_SIZES.contains(&size) && size.to_string() == text)
            .then_some(Rendition::Thumbnail(size))
    }

    pub fn name(self) -> String {
        match self {
            Rendition::Original => "original".to_owned(),
            Rendition::Thumbnail(size) => size.to_string(),
        }
    }
}

/// The size of a thumbnail whose longest side is at most `longest`, keeping the aspect ratio and
/// never enlarging: a 300 px image stays 300 px in every rendition. Neither side becomes 0.
pub fn thumbnail_size(width: u32, height: u32, longest: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= longest || long == 0 {
        return (width.max(1), height.max(1));
    }
    let scale = |side: u32| {
        let scaled = (u64::from(side) * u64::from(longest) + u64::from(long) / 2) / u64::from(long);
        (scaled as u32).clamp(1, longest)
    };
    (scale(width), scale(height))
}

/// The largest image we decode, in pixels: 50 megapixels (8660 x 5773), more than any phone
/// camera sellers use, and a bound on memory (4 bytes a pixel, so 200 MB) whatever the file's
/// size. A tiny PNG can claim to be 100 000 x 100 000 pixels; that is a decompression bomb.
pub const MAX_PIXELS: u64 = 50_000_000;

/// The longest side we decode, so a 1 x 50 000 000 strip is refused as well.
pub const MAX_SIDE: u32 = 20_000;

/// Why an image's size is refused, if it is.
pub fn check_dimensions(width: u32, height: u32) -> Result<(), TextError> {
    if width == 0 || height == 0 {
        return Err(TextError::new(
            "unreadable_image",
            "The image has no pixels.",
        ));
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(TextError::new(
            "too_many_pixels",
            format!(
                "The image is {width} x {height} pixels; we take at most {MAX_SIDE} px a side and {} megapixels.",
                MAX_PIXELS / 1_000_000
            ),
        ));
    }
    Ok(())
}

/// The first 16 hex digits of the file's SHA-256: part of every URL and object key of the item,
/// so a new file means new URLs and a URL's content never changes (it may be cached forever).
pub fn version_of(sha256_hex: &str) -> &str {
    sha256_hex.get(..16).unwrap_or(sha256_hex)
}

/// Where a rendition lives in object storage. The store comes first, so one store's files can be
/// listed, moved or deleted on their own; the version comes before the rendition, so a changed
/// file never overwrites what a cache may still hold.
pub fn object_key(
    tenant: Uuid,
    product: Uuid,
    media: Uuid,
    version: &str,
    rendition: Rendition,
) -> String {
    format!(
        "t/{tenant}/p/{product}/{media}/{version}/{}",
        rendition.name()
    )
}

/// Where an upload is written while it arrives, before its hash (and so its version) is known.
pub fn upload_key(tenant: Uuid, product: Uuid, media: Uuid) -> String {
    format!("t/{tenant}/p/{product}/{media}/upload")
}

/// The prefix under which all of one store's product files live.
pub fn tenant_prefix(tenant: Uuid) -> String {
    format!("t/{tenant}/p")
}

/// The ids a product-media object key names: `(tenant, product, media)`. Keys of other shapes
/// (other domains' files, say) are `None`: they are not ours to judge.
pub fn parse_object_key(key: &str) -> Option<(Uuid, Uuid, Uuid)> {
    let mut parts = key.split('/');
    if parts.next()? != "t" {
        return None;
    }
    let tenant = parts.next()?.parse().ok()?;
    if parts.next()? != "p" {
        return None;
    }
    let product = parts.next()?.parse().ok()?;
    let media = parts.next()?.parse().ok()?;
    Some((tenant, product, media))
}

/// Describes an image for people who cannot see it, and for search engines. Optional; one line.
pub fn parse_alt(text: &str) -> Result<String, TextError> {
    if text.trim().is_empty() {
        return Ok(String::new());
    }
    one_line(text, "description of the image", 500)
}

/// A place in the product's gallery, from 0; a place past the end means last.
pub fn parse_position(value: i64) -> Result<u32, TextError> {
    u32::try_from(value)
        .ok()
        .filter(|p| *p <= 10_000)
        .ok_or_else(|| TextError::new("out_of_range", "A position is between 0 and 10000."))
}

/// The file name as shown back to the seller and offered when a document is downloaded: the
/// last path segment only (browsers send `C:\Users\..\foto.jpg` or `../../etc/passwd`), no
/// control characters, quotes or separators, at most 120 characters; never empty.
pub fn sanitise_filename(raw: &str, file_type: FileType) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\'' | ';' | '<' | '>' | '`'))
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let name: String = trimmed.chars().take(120).collect();
    if name.is_empty() {
        format!("file.{}", file_type.extension())
    } else {
        name
    }
}

/// Whether an `If-None-Match` header (RFC 9110 §13.1.2) names the version we would send: a
/// list of entity tags, weak or strong (the weak comparison applies), or `*`.
pub fn etag_matches(header: &str, version: &str) -> bool {
    header.split(',').map(str::trim).any(|tag| {
        tag == "*"
            || tag
                .strip_prefix("W/")
                .unwrap_or(tag)
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                == Some(version)
    })
}

/// Moves item `id` to `position` (or last) in `order`, keeping the others' relative order.
/// Returns the new order.
pub fn move_to(order: &[Uuid], id: Uuid, position: u32) -> Vec<Uuid> {
    let mut rest: Vec<Uuid> = order.iter().copied().filter(|o| *o != id).collect();
    let at = (position as usize).min(rest.len());
    rest.insert(at, id);
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_types_are_told_by_their_first_bytes() {
        assert_eq!(
            FileType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(FileType::Jpeg)
        );
        assert_eq!(
            FileType::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(FileType::Png)
        );
        assert_eq!(FileType::sniff(b"GIF89a\x01\0"), Some(FileType::Gif));
        assert_eq!(FileType::sniff(b"GIF87a\x01\0"), Some(FileType::Gif));
        assert_eq!(
            FileType::sniff(b"RIFF\x24\0\0\0WEBPVP8 "),
            Some(FileType::WebP)
        );
        assert_eq!(FileType::sniff(b"%PDF-1.7\n"), Some(FileType::Pdf));
    }

    #[test]
    fn anything_else_is_refused_whatever_it_is_called() {
        for head in [
            &b"hello, this is text named foto.jpg"[..],
            b"<svg xmlns=\"http://www.w3.org/2000/svg\">",
            b"<html><script>",
            b"PK\x03\x04",
            b"RIFF\x24\0\0\0WAVEfmt ",
            b"RIFF\x24\0\0\0WEB",
            b"\xFF\xD8",
            b"\x89PNG\r\n",
            b" %PDF-1.7",
            b"",
        ] {
            assert_eq!(FileType::sniff(head), None, "{head:?}");
        }
    }

    #[test]
    fn types_know_their_kind_and_content_type() {
        assert_eq!(FileType::Pdf.kind(), MediaKind::Document);
        assert_eq!(FileType::WebP.kind(), MediaKind::Image);
        assert_eq!(FileType::Png.content_type(), "image/png");
    }

    #[test]
    fn renditions_are_named_as_in_urls() {
        assert_eq!(Rendition::parse("original"), Some(Rendition::Original));
        assert_eq!(Rendition::parse("480"), Some(Rendition::Thumbnail(480)));
        for bad in ["0480", "481", "-160", "", "ORIGINAL", "1024px"] {
            assert_eq!(Rendition::parse(bad), None, "{bad}");
        }
        assert_eq!(Rendition::Thumbnail(1024).name(), "1024");
    }

    #[test]
    fn thumbnails_keep_the_aspect_ratio_and_never_enlarge() {
        assert_eq!(thumbnail_size(4000, 3000, 1024), (1024, 768));
        assert_eq!(thumbnail_size(3000, 4000, 160), (120, 160));
        assert_eq!(thumbnail_size(300, 200, 480), (300, 200));
        assert_eq!(thumbnail_size(10_000, 1, 160), (160, 1));
        assert_eq!(thumbnail_size(480, 480, 480), (480, 480));
    }

    #[test]
    fn decompression_bombs_are_refused_by_their_claimed_size() {
        assert!(check_dimensions(6000, 4000).is_ok());
        assert_eq!(
            check_dimensions(100_000, 100_000).unwrap_err().code,
            "too_many_pixels"
        );
        assert_eq!(
            check_dimensions(20_001, 10).unwrap_err().code,
            "too_many_pixels"
        );
        assert_eq!(
            check_dimensions(10_000, 10_000).unwrap_err().code,
            "too_many_pixels"
        );
        assert!(check_dimensions(0, 10).is_err());
    }

    #[test]
    fn object_keys_name_store_product_media_and_version() {
        let (t, p, m) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let key = object_key(t, p, m, "0123456789abcdef", Rendition::Thumbnail(160));
        assert_eq!(key, format!("t/{t}/p/{p}/{m}/0123456789abcdef/160"));
        assert_eq!(parse_object_key(&key), Some((t, p, m)));
        assert_eq!(parse_object_key(&upload_key(t, p, m)), Some((t, p, m)));
        assert!(key.starts_with(&tenant_prefix(t)));
        assert_eq!(parse_object_key(&format!("t/{t}/labels/x")), None);
        assert_eq!(parse_object_key("elsewhere/x"), None);
        assert_eq!(version_of(&"ab".repeat(32)), "abababababababab");
    }

    #[test]
    fn file_names_lose_paths_and_dangerous_characters() {
        assert_eq!(
            sanitise_filename("C:\\Users\\sari\\foto batik.jpg", FileType::Jpeg),
            "foto batik.jpg"
        );
        assert_eq!(
            sanitise_filename("../../etc/passwd", FileType::Pdf),
            "passwd"
        );
        assert_eq!(
            sanitise_filename("a\"b;c\r\n.pdf", FileType::Pdf),
            "abc.pdf"
        );
        assert_eq!(sanitise_filename("", FileType::Png), "file.png");
        assert_eq!(sanitise_filename("...", FileType::Png), "file.png");
        assert_eq!(
            sanitise_filename(&"x".repeat(300), FileType::Png).len(),
            120
        );
    }

    #[test]
    fn alt_text_and_positions_are_checked() {
        assert_eq!(parse_alt("  ").unwrap(), "");
        assert_eq!(parse_alt(" Gamis hijau ").unwrap(), "Gamis hijau");
        assert!(parse_alt(&"a".repeat(501)).is_err());
        assert!(parse_alt("a\u{0}b").is_err());
        assert_eq!(parse_position(3).unwrap(), 3);
        assert!(parse_position(-1).is_err());
        assert!(parse_position(10_001).is_err());
    }

    #[test]
    fn if_none_match_takes_lists_weak_tags_and_star() {
        let v = "0123456789abcdef";
        assert!(etag_matches("\"0123456789abcdef\"", v));
        assert!(etag_matches("\"x\", W/\"0123456789abcdef\"", v));
        assert!(etag_matches("*", v));
        assert!(!etag_matches("\"0123456789abcdee\"", v));
        assert!(!etag_matches("0123456789abcdef", v));
        assert!(!etag_matches("", v));
    }

    #[test]
    fn moving_keeps_the_others_in_order() {
        let ids: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
        assert_eq!(
            move_to(&ids, ids[3], 0),
            vec![ids[3], ids[0], ids[1], ids[2]]
        );
        assert_eq!(
            move_to(&ids, ids[0], 99),
            vec![ids[1], ids[2], ids[3], ids[0]]
        );
        let new = Uuid::now_v7();
        assert_eq!(move_to(&ids, new, 1)[1], new);
    }
}
