//! Product images and documents through HTTP: uploads streamed to storage and judged by their
//! content, thumbnails of the right size, files served with immutable URLs and ETags, limits
//! answered with problems and nothing left behind, files deleted with their rows, an orphan
//! sweep for what a crash leaves, and one store never reaching another's files.

use std::io::Cursor;
use std::path::Path;
use std::time::Duration;

use image::{DynamicImage, ImageBuffer, ImageFormat, Rgb, Rgba};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smartseller_catalog::CatalogCtx;
use smartseller_catalog::app::media::sweep_orphans;
use smartseller_platform::FileStore;
use smartseller_testkit::db::Engine;
use smartseller_testkit::engine_tests;

use crate::support::{Answer, As, Session, TestApp, email};

engine_tests!(
    images_get_thumbnails_and_are_served_with_immutable_urls_and_etags,
    the_type_comes_from_the_content_never_from_the_name,
    documents_are_kept_as_they_are_and_downloaded_as_attachments,
    an_upload_over_the_limit_is_a_413_problem_and_leaves_nothing_stored,
    a_configured_smaller_limit_applies,
    a_bad_form_is_refused_field_by_field_and_stores_nothing,
    the_gallery_keeps_the_order_the_seller_gives_it,
    deleting_media_deletes_its_files,
    only_an_archived_product_is_deleted_for_good_and_its_files_go_with_it,
    the_orphan_sweep_deletes_old_files_no_row_names_and_nothing_else,
    another_stores_products_and_media_answer_like_they_never_existed,
    listing_needs_products_read_and_changing_needs_products_write,
    media_routes_are_in_the_openapi_document,
);

/// One part of a multipart form: name, file name, declared type, content.
struct Part<'a> {
    name: &'a str,
    filename: Option<&'a str>,
    content_type: Option<&'a str>,
    data: &'a [u8],
}

fn file<'a>(filename: &'a str, content_type: &'a str, data: &'a [u8]) -> Part<'a> {
    Part {
        name: "file",
        filename: Some(filename),
        content_type: Some(content_type),
        data,
    }
}

fn text<'a>(name: &'a str, value: &'a str) -> Part<'a> {
    Part {
        name,
        filename: None,
        content_type: None,
        data: value.as_bytes(),
    }
}

/// A `multipart/form-data` body (RFC 7578), written by hand so tests control every byte.
fn form(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "----smartseller-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", part.name);
        if let Some(filename) = part.filename {
            disposition.push_str(&format!("; filename=\"{filename}\""));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(content_type) = part.content_type {
            body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(part.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(app: &TestApp, who: As<'_>, product: &str, parts: &[Part<'_>]) -> Answer {
    let (content_type, body) = form(parts);
    TestApp::send(
        app.request(
            Method::POST,
            &format!("/api/v1/products/{product}/media"),
            who,
        )
        .header("content-type", content_type)
        .body(body),
    )
    .await
}

fn encode(image: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encode");
    out.into_inner()
}

/// A photo-like opaque picture.
fn photo(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let pixels = ImageBuffer::from_fn(width, height, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    encode(DynamicImage::ImageRgb8(pixels), format)
}

/// A logo with a transparent background.
fn logo(width: u32, height: u32) -> Vec<u8> {
    let pixels = ImageBuffer::from_fn(width, height, |x, _| {
        Rgba([200, 30, 30, if x < width / 2 { 0 } else { 255 }])
    });
    encode(DynamicImage::ImageRgba8(pixels), ImageFormat::Png)
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

async fn new_product(app: &TestApp, who: &Session, sku: &str) -> String {
    let created = app
        .post(
            "/api/v1/products",
            who,
            json!({
                "name": "Gamis Katun Jepang",
                "status": "active",
                "variants": [{ "sku": sku, "weight_grams": 400, "price": { "minor": 18_500_000 } }]
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.body["id"].as_str().expect("id").to_owned()
}

fn files_root(app: &TestApp) -> std::path::PathBuf {
    app.data_dir.path().join("files")
}

/// Every file under the app's storage folder, staging files of unfinished uploads included.
fn stored_files(app: &TestApp) -> Vec<String> {
    fn walk(dir: &Path, found: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else {
                found.push(path.display().to_string());
            }
        }
    }
    let mut found = Vec::new();
    walk(&files_root(app), &mut found);
    found
}

fn rendition<'a>(media: &'a Value, name: &str) -> &'a Value {
    media["renditions"]
        .as_array()
        .expect("renditions")
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("rendition {name} in {media}"))
}

fn url_of(media: &Value, name: &str) -> String {
    rendition(media, name)["url"]
        .as_str()
        .expect("url")
        .to_owned()
}

async fn fetch(app: &TestApp, url: &str) -> Answer {
    TestApp::send(app.request(Method::GET, url, As::Nobody)).await
}

async fn images_get_thumbnails_and_are_served_with_immutable_urls_and_etags(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Gamis", &email("img")).await;
    let product = new_product(&app, &owner, "GMS-01").await;

    let png = photo(2000, 1000, ImageFormat::Png);
    let uploaded = upload(
        &app,
        (&owner).into(),
        &product,
        &[
            text("alt", "Gamis hijau tampak depan"),
            file("depan.png", "image/png", &png),
        ],
    )
    .await;
    assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.body);
    let media = uploaded.body.clone();
    assert_eq!(media["kind"], "image");
    assert_eq!(media["content_type"], "image/png");
    assert_eq!(media["filename"], "depan.png");
    assert_eq!(media["alt"], "Gamis hijau tampak depan");
    assert_eq!(
        (media["width"].clone(), media["height"].clone()),
        (json!(2000), json!(1000))
    );
    assert_eq!(media["byte_size"], png.len());
    assert_eq!(media["position"], 0);
    let media_id = media["id"].as_str().expect("id").to_owned();
    assert!(
        uploaded
            .header("location")
            .is_some_and(|l| l.ends_with(&media_id))
    );

    // Thumbnails with the longest side at each size, the aspect ratio kept.
    for (name, width, height) in [("160", 160, 80), ("480", 480, 240), ("1024", 1024, 512)] {
        let described = rendition(&media, name);
        assert_eq!(described["width"], width, "{name}");
        assert_eq!(described["height"], height, "{name}");
        assert_eq!(described["content_type"], "image/jpeg", "{name}");
        let served = fetch(&app, &url_of(&media, name)).await;
        assert_eq!(served.status, StatusCode::OK, "{name}");
        assert_eq!(served.header("content-type"), Some("image/jpeg"));
        let decoded = image::load_from_memory(&served.raw).expect("a real JPEG");
        assert_eq!(
            (decoded.width(), decoded.height()),
            (width, height),
            "{name}"
        );
    }

    // The original, byte for byte, cacheable forever, without credentials.
    let original_url = url_of(&media, "original");
    assert!(original_url.contains(media["version"].as_str().expect("version")));
    let original = fetch(&app, &original_url).await;
    assert_eq!(original.status, StatusCode::OK);
    assert_eq!(original.raw, png);
    assert_eq!(original.header("content-type"), Some("image/png"));
    assert_eq!(
        original.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(original.header("x-content-type-options"), Some("nosniff"));
    let etag = original.header("etag").expect("an ETag").to_owned();
    assert_eq!(etag, format!("\"{}\"", media["version"].as_str().unwrap()));
    assert!(
        media["sha256"]
            .as_str()
            .unwrap()
            .starts_with(media["version"].as_str().unwrap())
    );

    let again = TestApp::send(
        app.request(Method::GET, &original_url, As::Nobody)
            .header("if-none-match", &etag),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.raw.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));

    // A URL with another version, or a size we do not make, names nothing.
    let stale = original_url.replace(media["version"].as_str().unwrap(), "0000000000000000");
    fetch(&app, &stale).await.assert_problem(404, "not_found");
    fetch(&app, &original_url.replace("/original", "/999"))
        .await
        .assert_problem(404, "not_found");
    fetch(&app, &original_url.replace("/original", "/../original")).await;

    // A JPEG, smaller than every thumbnail: never enlarged.
    let jpeg = photo(300, 200, ImageFormat::Jpeg);
    let small = upload(
        &app,
        (&owner).into(),
        &product,
        &[file("kecil.jpeg", "image/jpeg", &jpeg)],
    )
    .await;
    assert_eq!(small.status, StatusCode::CREATED, "{}", small.body);
    assert_eq!(small.body["content_type"], "image/jpeg");
    assert_eq!(small.body["position"], 1);
    for name in ["160", "480", "1024"] {
        let expected = if name == "160" {
            (160, 107)
        } else {
            (300, 200)
        };
        let served = fetch(&app, &url_of(&small.body, name)).await;
        let decoded = image::load_from_memory(&served.raw).expect("a real image");
        assert_eq!((decoded.width(), decoded.height()), expected, "{name}");
    }

    // Transparent images keep their transparency: their thumbnails are WebP.
    let transparent = upload(
        &app,
        (&owner).into(),
        &product,
        &[file("logo.png", "image/png", &logo(600, 300))],
    )
    .await;
    assert_eq!(
        transparent.status,
        StatusCode::CREATED,
        "{}",
        transparent.body
    );
    let thumb = fetch(&app, &url_of(&transparent.body, "480")).await;
    assert_eq!(thumb.header("content-type"), Some("image/webp"));
    let decoded = image::load_from_memory(&thumb.raw).expect("a real WebP");
    assert_eq!((decoded.width(), decoded.height()), (480, 240));
    assert_eq!(decoded.to_rgba8().get_pixel(0, 0).0[3], 0);

    // The product's own view and the media list show the gallery in order.
    let shown = app
        .get(&format!("/api/v1/products/{product}"), &owner)
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    let gallery = shown.body["media"]
        .as_array()
        .expect("media on the product");
    assert_eq!(gallery.len(), 3);
    assert_eq!(gallery[0]["id"], media_id.as_str());
    assert_eq!(gallery[0]["url"], original_url.as_str());
    let listed = app
        .get(&format!("/api/v1/products/{product}/media"), &owner)
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body.as_array().expect("list").len(), 3);
    // Lists of products leave media out rather than show an empty gallery.
    let page = app.get("/api/v1/products", &owner).await;
    assert!(page.body["items"][0].get("media").is_none());

    // Original and three thumbnails each, all under the store's folder.
    let stored = stored_files(&app);
    assert_eq!(stored.len(), 12, "{stored:?}");
    assert!(stored.iter().all(|f| f.contains(&owner.tenant_id)));
    app.stop().await;
}

async fn the_type_comes_from_the_content_never_from_the_name(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Nama", &email("sniff")).await;
    let product = new_product(&app, &owner, "NAMA-01").await;

    for (name, declared, data) in [
        (
            "foto.jpg",
            "image/jpeg",
            &b"bukan gambar, hanya teks biasa"[..],
        ),
        (
            "gambar.png",
            "image/png",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
        ),
        (
            "halaman.pdf",
            "application/pdf",
            b"<html><body>phish</body></html>",
        ),
    ] {
        let refused = upload(
            &app,
            (&owner).into(),
            &product,
            &[file(name, declared, data)],
        )
        .await;
        refused.assert_problem(415, "media.unsupported_type");
    }
    // A real PNG named like a document is a PNG.
    let png = photo(64, 64, ImageFormat::Png);
    let accepted = upload(
        &app,
        (&owner).into(),
        &product,
        &[file("dokumen.pdf", "application/pdf", &png)],
    )
    .await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.body);
    assert_eq!(accepted.body["content_type"], "image/png");
    assert_eq!(accepted.body["kind"], "image");
    assert_eq!(stored_files(&app).len(), 4);

    // PNG's signature on something that is not a PNG: refused as unreadable, nothing kept.
    let mut fake = b"\x89PNG\r\n\x1a\n".to_vec();
    fake.extend_from_slice(&[0u8; 100]);
    let broken = upload(
        &app,
        (&owner).into(),
        &product,
        &[file("x.png", "image/png", &fake)],
    )
    .await;
    broken.assert_problem(422, "validation_failed");
    assert_eq!(broken.fields(), vec!["file"]);
    assert_eq!(broken.body["errors"][0]["code"], "unreadable_image");

    // A decompression bomb: a small file claiming 30 000 x 30 000 pixels.
    let bomb = {
        let mut header = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        header.extend_from_slice(&30_000u32.to_be_bytes());
        header.extend_from_slice(&30_000u32.to_be_bytes());
        header.extend_from_slice(&[8, 2, 0, 0, 0]);
        let crc = crc32(&header[12..]);
        header.extend_from_slice(&crc.to_be_bytes());
        header
    };
    let refused = upload(
        &app,
        (&owner).into(),
        &product,
        &[file("bom.png", "image/png", &bomb)],
    )
    .await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(stored_files(&app).len(), 4, "nothing more stored");
    app.stop().await;
}

/// CRC-32 (ISO 3309, as PNG chunks use), for the hand-made PNG header above.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

async fn documents_are_kept_as_they_are_and_downloaded_as_attachments(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Dokumen", &email("pdf")).await;
    let product = new_product(&app, &owner, "DOK-01").await;
    let uploaded = upload(
        &app,
        (&owner).into(),
        &product,
        &[file(
            "../Sertifikat Halal.pdf",
            "application/octet-stream",
            PDF,
        )],
    )
    .await;
    assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.body);
    let media = &uploaded.body;
    assert_eq!(media["kind"], "document");
    assert_eq!(media["content_type"], "application/pdf");
    assert_eq!(media["filename"], "Sertifikat Halal.pdf");
    assert_eq!(media["width"], Value::Null);
    assert_eq!(media["renditions"].as_array().expect("renditions").len(), 1);

    let served = fetch(&app, &url_of(media, "original")).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.raw, PDF);
    assert_eq!(served.header("content-type"), Some("application/pdf"));
    let disposition = served.header("content-disposition").expect("disposition");
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("Sertifikat%20Halal.pdf"),
        "{disposition}"
    );
    let thumbnail = url_of(media, "original").replace("/original", "/160");
    fetch(&app, &thumbnail)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(stored_files(&app).len(), 1);
    app.stop().await;
}

async fn an_upload_over_the_limit_is_a_413_problem_and_leaves_nothing_stored(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Besar", &email("big")).await;
    let product = new_product(&app, &owner, "BSR-01").await;
    // A PDF of 10 MiB and one byte: the type is fine, the size is not.
    let mut big = PDF.to_vec();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let refused = upload(
        &app,
        (&owner).into(),
        &product,
        &[file("katalog.pdf", "application/pdf", &big)],
    )
    .await;
    refused.assert_problem(413, "media.too_large");
    assert_eq!(refused.body["max_bytes"], 10 * 1024 * 1024);
    assert!(stored_files(&app).is_empty(), "{:?}", stored_files(&app));
    let listed = app
        .get(&format!("/api/v1/products/{product}/media"), &owner)
        .await;
    assert_eq!(listed.body, json!([]));

    // Exactly the limit is fine, even with an Idempotency-Key (uploads are not buffered).
    big.truncate(10 * 1024 * 1024);
    let (content_type, body) = form(&[file("katalog.pdf", "application/pdf", &big)]);
    let accepted = TestApp::send(
        app.request(
            Method::POST,
            &format!("/api/v1/products/{product}/media"),
            (&owner).into(),
        )
        .header("content-type", content_type)
        .header("idempotency-key", "unggah-katalog-1")
        .body(body),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.body);
    assert_eq!(accepted.body["byte_size"], 10 * 1024 * 1024);
    assert_eq!(stored_files(&app).len(), 1);

    // The app-wide JSON limit still holds elsewhere, as a problem.
    let huge = json!({ "name": "x".repeat(2 * 1024 * 1024) });
    app.post("/api/v1/products", &owner, huge)
        .await
        .assert_problem(413, "body_too_large");
    app.stop().await;
}

async fn a_configured_smaller_limit_applies(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, |s| s.media.max_upload_bytes = 4_000).await else {
        return;
    };
    let owner = app.register("Toko Kecil", &email("small")).await;
    let product = new_product(&app, &owner, "KCL-01").await;
    let tiny = photo(16, 16, ImageFormat::Png);
    assert!(tiny.len() < 4_000);
    let accepted = upload(
        &app,
        (&owner).into(),
        &product,
        &[file("a.png", "image/png", &tiny)],
    )
    .await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.body);
    let larger = photo(400, 400, ImageFormat::Png);
    assert!(larger.len() > 4_000);
    let refused = upload(
        &app,
        (&owner).into(),
        &product,
        &[file("b.png", "image/png", &larger)],
    )
    .await;
    refused.assert_problem(413, "media.too_large");
    assert_eq!(refused.body["max_bytes"], 4_000);
    assert_eq!(
        stored_files(&app).len(),
        4,
        "the first image and its thumbnails only"
    );
    app.stop().await;
}

async fn a_bad_form_is_refused_field_by_field_and_stores_nothing(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Form", &email("form")).await;
    let product = new_product(&app, &owner, "FRM-01").await;
    let png = photo(32, 32, ImageFormat::Png);

    let no_file = upload(
        &app,
        (&owner).into(),
        &product,
        &[text("alt", "tanpa berkas")],
    )
    .await;
    no_file.assert_problem(422, "validation_failed");
    assert_eq!(no_file.fields(), vec!["file"]);
    assert_eq!(no_file.body["errors"][0]["code"], "required");

    let bad = upload(
        &app,
        (&owner).into(),
        &product,
        &[
            file("a.png", "image/png", &png),
            text("position", "pertama"),
            text("alt", &"a".repeat(501)),
            text("harga", "1"),
        ],
    )
    .await;
    bad.assert_problem(422, "validation_failed");
    let mut fields = bad.fields();
    fields.sort();
    assert_eq!(fields, vec!["alt", "harga", "position"]);
    let negative = upload(
        &app,
        (&owner).into(),
        &product,
        &[file("a.png", "image/png", &png), text("position", "-1")],
    )
    .await;
    assert_eq!(negative.fields(), vec!["position"]);

    let empty = upload(
        &app,
        (&owner).into(),
        &product,
        &[file("kosong.png", "image/png", b"")],
    )
    .await;
    empty.assert_problem(422, "validation_failed");
    assert_eq!(empty.body["errors"][0]["code"], "empty");

    // Not a form at all.
    let json_body = app
        .post(
            &format!("/api/v1/products/{product}/media"),
            &owner,
            json!({ "file": "x" }),
        )
        .await;
    json_body.assert_problem(415, "unsupported_media_type");
    let broken = TestApp::send(
        app.request(Method::POST, &format!("/api/v1/products/{product}/media"), (&owner).into())
            .header("content-type", "multipart/form-data; boundary=abc")
            .body("--abc\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n\u{89}PNG"),
    )
    .await;
    assert_eq!(broken.status.as_u16(), 400, "{}", broken.body);
    assert_eq!(
        broken.header("content-type"),
        Some("application/problem+json")
    );

    assert!(stored_files(&app).is_empty(), "{:?}", stored_files(&app));
    let listed = app
        .get(&format!("/api/v1/products/{product}/media"), &owner)
        .await;
    assert_eq!(listed.body, json!([]));
    app.stop().await;
}

async fn the_gallery_keeps_the_order_the_seller_gives_it(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Urut", &email("order")).await;
    let product = new_product(&app, &owner, "URT-01").await;
    let mut ids = Vec::new();
    for size in [20, 21, 22] {
        let png = photo(size, size, ImageFormat::Png);
        let uploaded = upload(
            &app,
            (&owner).into(),
            &product,
            &[file("a.png", "image/png", &png)],
        )
        .await;
        assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.body);
        ids.push(uploaded.body["id"].as_str().unwrap().to_owned());
    }
    // A new image can go first.
    let cover = photo(23, 23, ImageFormat::Png);
    let first = upload(
        &app,
        (&owner).into(),
        &product,
        &[
            text("position", "0"),
            file("cover.png", "image/png", &cover),
        ],
    )
    .await;
    assert_eq!(first.body["position"], 0);
    ids.insert(0, first.body["id"].as_str().unwrap().to_owned());

    let order = |listed: &Answer| -> Vec<String> {
        listed
            .body
            .as_array()
            .expect("list")
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let path = format!("/api/v1/products/{product}/media");
    assert_eq!(order(&app.get(&path, &owner).await), ids);

    // The last moves to second place; the others keep their order around it.
    let moved = app
        .put(
            &format!("{path}/{}", ids[3]),
            &owner,
            json!({ "position": 1, "alt": "Detail jahitan" }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(moved.body["position"], 1);
    assert_eq!(moved.body["alt"], "Detail jahitan");
    let expected = vec![
        ids[0].clone(),
        ids[3].clone(),
        ids[1].clone(),
        ids[2].clone(),
    ];
    let listed = app.get(&path, &owner).await;
    assert_eq!(order(&listed), expected);
    let positions: Vec<i64> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, vec![0, 1, 2, 3]);

    let bad = app
        .put(
            &format!("{path}/{}", ids[0]),
            &owner,
            json!({ "position": -3, "alt": "x\u{0}" }),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.fields(), vec!["alt", "position"]);
    let unknown = app
        .put(
            &format!("{path}/{}", ids[0]),
            &owner,
            json!({ "caption": "x" }),
        )
        .await;
    unknown.assert_problem(422, "validation_failed");
    assert_eq!(order(&app.get(&path, &owner).await), expected);
    app.stop().await;
}

async fn deleting_media_deletes_its_files(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Hapus", &email("delmedia")).await;
    let product = new_product(&app, &owner, "HPS-01").await;
    let png = photo(500, 500, ImageFormat::Png);
    let kept = upload(
        &app,
        (&owner).into(),
        &product,
        &[file("a.png", "image/png", &png)],
    )
    .await;
    let gone = upload(
        &app,
        (&owner).into(),
        &product,
        &[file("b.pdf", "application/pdf", PDF)],
    )
    .await;
    assert_eq!(stored_files(&app).len(), 5);
    let before = app
        .get(&format!("/api/v1/products/{product}"), &owner)
        .await;

    let gone_id = gone.body["id"].as_str().unwrap();
    let deleted = app
        .delete(
            &format!("/api/v1/products/{product}/media/{gone_id}"),
            &owner,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    assert_eq!(stored_files(&app).len(), 4);
    fetch(&app, &url_of(&gone.body, "original"))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        fetch(&app, &url_of(&kept.body, "original")).await.status,
        StatusCode::OK
    );
    app.delete(
        &format!("/api/v1/products/{product}/media/{gone_id}"),
        &owner,
    )
    .await
    .assert_problem(404, "not_found");
    // The product changed: lists filtered by `updated_since` find it.
    let after = app
        .get(&format!("/api/v1/products/{product}"), &owner)
        .await;
    assert!(after.body["updated_at"].as_str() > before.body["updated_at"].as_str());
    app.stop().await;
}

async fn only_an_archived_product_is_deleted_for_good_and_its_files_go_with_it(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Tutup", &email("purge")).await;
    let product = new_product(&app, &owner, "TTP-01").await;
    let other = new_product(&app, &owner, "TTP-02").await;
    let png = photo(200, 100, ImageFormat::Png);
    let media = upload(
        &app,
        (&owner).into(),
        &product,
        &[file("a.png", "image/png", &png)],
    )
    .await;
    upload(
        &app,
        (&owner).into(),
        &product,
        &[file("b.pdf", "application/pdf", PDF)],
    )
    .await;
    upload(
        &app,
        (&owner).into(),
        &other,
        &[file("c.pdf", "application/pdf", PDF)],
    )
    .await;
    assert_eq!(stored_files(&app).len(), 6);

    let path = format!("/api/v1/products/{product}");
    app.delete(&format!("{path}?permanent=true"), &owner)
        .await
        .assert_problem(409, "catalog.not_archived");
    app.delete(&format!("{path}?permanent=maybe"), &owner)
        .await
        .assert_problem(422, "validation_failed");

    // Archiving keeps everything: an archived product can come back.
    assert_eq!(
        app.delete(&path, &owner).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(stored_files(&app).len(), 6);
    assert_eq!(
        fetch(&app, &url_of(&media.body, "160")).await.status,
        StatusCode::OK
    );

    let purged = app.delete(&format!("{path}?permanent=true"), &owner).await;
    assert_eq!(purged.status, StatusCode::NO_CONTENT, "{}", purged.body);
    app.get(&path, &owner)
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("{path}/media"), &owner)
        .await
        .assert_problem(404, "not_found");
    fetch(&app, &url_of(&media.body, "original"))
        .await
        .assert_problem(404, "not_found");
    // Only the other product's document is left.
    let left = stored_files(&app);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].contains(&other));
    // Its SKU is free again.
    new_product(&app, &owner, "TTP-01").await;
    app.delete(&format!("{path}?permanent=true"), &owner)
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}

async fn the_orphan_sweep_deletes_old_files_no_row_names_and_nothing_else(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Sapu", &email("sweep")).await;
    let product = new_product(&app, &owner, "SPU-01").await;
    let png = photo(100, 100, ImageFormat::Png);
    let live = upload(
        &app,
        (&owner).into(),
        &product,
        &[file("a.png", "image/png", &png)],
    )
    .await;
    assert_eq!(live.status, StatusCode::CREATED);

    // What a crash after a commit leaves: files of an item whose row is gone, a file of a live
    // item at a version no row names, and a staging file of an upload cut short.
    let files = FileStore::open(&format!("file://{}", files_root(&app).display())).expect("store");
    let tenant = &owner.tenant_id;
    let dead = uuid::Uuid::now_v7();
    let live_id = live.body["id"].as_str().unwrap();
    let orphans = [
        format!("t/{tenant}/p/{product}/{dead}/0123456789abcdef/original"),
        format!("t/{tenant}/p/{product}/{dead}/0123456789abcdef/160"),
        format!("t/{tenant}/p/{product}/{live_id}/0123456789abcdef/original"),
        format!("t/{tenant}/p/{product}/{dead}/upload"),
    ];
    for key in &orphans {
        files.put(key, b"sisa".to_vec().into()).await.expect("put");
    }
    std::fs::write(
        files_root(&app).join(format!("t/{tenant}/p/{product}/{dead}/upload#1")),
        b"half",
    )
    .expect("staging file");
    // Someone else's file in the bucket is not ours to judge.
    files
        .put("exports/laporan.csv", b"a,b".to_vec().into())
        .await
        .expect("put");
    assert_eq!(stored_files(&app).len(), 4 + 4 + 1 + 1);

    let ctx = CatalogCtx::new(
        app.db.clone(),
        files.clone(),
        std::sync::Arc::new(smartseller_search::ProductIndex::in_memory().expect("index")),
    );
    // Young files may be uploads still arriving: spared.
    let spared = sweep_orphans(&ctx, Duration::from_secs(3600))
        .await
        .expect("sweep");
    assert_eq!(spared.deleted, 0);
    assert_eq!(spared.unfinished, 0);
    assert_eq!(stored_files(&app).len(), 10);

    // The operator's command, as cron would run it, beside the running server.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_smartseller"))
        .args(["media", "sweep-orphans", "--older-than-secs", "0"])
        .arg("--database-url")
        .arg(&app.database.url)
        .arg("--data-dir")
        .arg(app.data_dir.path())
        .env("SMARTSELLER_LOG", "error")
        .output()
        .expect("the binary runs");
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{printed} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        printed.trim(),
        "examined=8 deleted=4 unfinished_uploads_deleted=1"
    );
    let again = sweep_orphans(&ctx, Duration::ZERO).await.expect("sweep");
    assert_eq!((again.examined, again.deleted, again.unfinished), (4, 0, 0));
    let left = stored_files(&app);
    assert_eq!(left.len(), 5, "{left:?}");
    assert!(
        left.iter()
            .all(|f| f.contains(live_id) || f.ends_with("laporan.csv"))
    );
    for name in ["original", "160", "480", "1024"] {
        assert_eq!(
            fetch(&app, &url_of(&live.body, name)).await.status,
            StatusCode::OK
        );
    }
    app.stop().await;
}

async fn another_stores_products_and_media_answer_like_they_never_existed(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let alpha = app.register("Toko Alpha", &email("alpha")).await;
    let beta = app.register("Toko Beta", &email("beta")).await;
    let alpha_product = new_product(&app, &alpha, "ALP-01").await;
    let beta_product = new_product(&app, &beta, "BET-01").await;
    let png = photo(50, 50, ImageFormat::Png);
    let alpha_media = upload(
        &app,
        (&alpha).into(),
        &alpha_product,
        &[file("a.png", "image/png", &png)],
    )
    .await;
    let alpha_media_id = alpha_media.body["id"].as_str().unwrap().to_owned();

    let who: As<'_> = (&beta).into();
    app.assert_foreign_id_answers_like_absent(
        Method::GET,
        "/api/v1/products/{id}/media",
        &alpha_product,
        who,
        None,
    )
    .await;
    app.assert_foreign_id_answers_like_absent(
        Method::PUT,
        &format!("/api/v1/products/{alpha_product}/media/{{id}}"),
        &alpha_media_id,
        who,
        Some(json!({ "alt": "punya saya" })),
    )
    .await;
    app.assert_foreign_id_answers_like_absent(
        Method::PUT,
        &format!("/api/v1/products/{beta_product}/media/{{id}}"),
        &alpha_media_id,
        who,
        Some(json!({ "alt": "punya saya" })),
    )
    .await;
    app.assert_foreign_id_answers_like_absent(
        Method::DELETE,
        &format!("/api/v1/products/{beta_product}/media/{{id}}"),
        &alpha_media_id,
        who,
        None,
    )
    .await;
    app.assert_foreign_id_answers_like_absent(
        Method::DELETE,
        "/api/v1/products/{id}?permanent=true",
        &alpha_product,
        who,
        None,
    )
    .await;

    // Uploading to another store's product is refused before a byte is stored.
    let foreign = upload(
        &app,
        who,
        &alpha_product,
        &[file("b.png", "image/png", &png)],
    )
    .await;
    foreign.assert_problem(404, "not_found");
    let absent = upload(
        &app,
        who,
        &uuid::Uuid::now_v7().to_string(),
        &[file("b.png", "image/png", &png)],
    )
    .await;
    assert_eq!(foreign.body["detail"], absent.body["detail"]);
    assert_eq!(stored_files(&app).len(), 4);

    // Alpha's gallery is untouched.
    let listed = app
        .get(&format!("/api/v1/products/{alpha_product}/media"), &alpha)
        .await;
    assert_eq!(listed.body[0]["alt"], "");
    app.stop().await;
}

async fn listing_needs_products_read_and_changing_needs_products_write(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let owner = app.register("Toko Izin Media", &email("permmedia")).await;
    let viewer_role = app
        .create_role(&owner, "lihat_katalog", &["products:read"])
        .await;
    let viewer = app
        .add_member(&owner, &email("viewer"), &[viewer_role])
        .await;
    let cashier_role = app.create_role(&owner, "kasir", &["orders:read"]).await;
    let cashier = app
        .add_member(&owner, &email("cashier"), &[cashier_role])
        .await;
    let product = new_product(&app, &owner, "IZN-01").await;
    let png = photo(40, 40, ImageFormat::Png);
    let media = upload(
        &app,
        (&owner).into(),
        &product,
        &[file("a.png", "image/png", &png)],
    )
    .await;
    let media_path = format!(
        "/api/v1/products/{product}/media/{}",
        media.body["id"].as_str().unwrap()
    );
    let list_path = format!("/api/v1/products/{product}/media");

    assert_eq!(app.get(&list_path, &viewer).await.status, StatusCode::OK);
    app.get(&list_path, &cashier)
        .await
        .assert_problem(403, "auth.forbidden");
    app.get(&list_path, As::Nobody)
        .await
        .assert_problem(401, "auth.unauthenticated");
    upload(
        &app,
        (&viewer).into(),
        &product,
        &[file("b.png", "image/png", &png)],
    )
    .await
    .assert_problem(403, "auth.forbidden");
    upload(
        &app,
        As::Nobody,
        &product,
        &[file("b.png", "image/png", &png)],
    )
    .await
    .assert_problem(401, "auth.unauthenticated");
    app.put(&media_path, &viewer, json!({ "alt": "x" }))
        .await
        .assert_problem(403, "auth.forbidden");
    app.delete(&media_path, &viewer)
        .await
        .assert_problem(403, "auth.forbidden");
    app.delete(
        &format!("/api/v1/products/{product}?permanent=true"),
        &viewer,
    )
    .await
    .assert_problem(403, "auth.forbidden");
    assert_eq!(stored_files(&app).len(), 4, "nothing added or removed");
    // Files themselves are public: the URL is the secret.
    assert_eq!(
        fetch(&app, &url_of(&media.body, "original")).await.status,
        StatusCode::OK
    );
    app.stop().await;
}

async fn media_routes_are_in_the_openapi_document(engine: Engine) {
    if engine != Engine::Sqlite {
        return;
    }
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let doc = app.get("/api/v1/openapi.json", As::Nobody).await;
    let paths = &doc.body["paths"];
    let upload = &paths["/api/v1/products/{id}/media"]["post"];
    assert!(
        upload["requestBody"]["content"]["multipart/form-data"]["schema"].is_object(),
        "{upload}"
    );
    assert!(paths["/api/v1/products/{id}/media"]["get"].is_object());
    assert!(paths["/api/v1/products/{id}/media/{media_id}"]["put"].is_object());
    assert!(paths["/api/v1/products/{id}/media/{media_id}"]["delete"].is_object());
    assert!(paths["/api/v1/media/{media_id}/{version}/{rendition}"]["get"].is_object());
    let params = paths["/api/v1/products/{id}"]["delete"]["parameters"].to_string();
    assert!(params.contains("permanent"), "{params}");
    assert!(doc.body["components"]["schemas"]["MediaView"].is_object());
    app.stop().await;
}
