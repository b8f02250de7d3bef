//! A product's images and documents: receive an upload as it streams in, make thumbnails, list,
//! reorder, delete, serve, and sweep files no row names any more.
//!
//! Rows and files cannot change in one transaction, so the order is what keeps them honest:
//! files are written before the row that names them is committed, and deleted after the row
//! that named them is gone. A crash in between leaves only files no row names, which
//! [`sweep_orphans`] removes; never a row without its files.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use chrono::Utc;
use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use smartseller_kernel::validation::FieldErrors;
use smartseller_kernel::{TenantId, clock};
use smartseller_platform::storage::{FileStore, ObjectBody, StorageError};
use smartseller_web::auth::Principal;
use tokio::sync::Semaphore;
use uuid::Uuid;

use super::{CatalogCtx, CatalogError, CatalogResult};
use crate::domain::media::{
    FileType, MediaId, MediaKind, Rendition, THUMBNAIL_SIZES, move_to, object_key,
    parse_object_key, sanitise_filename, upload_key, version_of,
};
use crate::domain::{ProductId, TextError};
use crate::store::media;
use crate::store::product_media as store;
use crate::store::products as product_store;

/// How big uploads may be, and how many images are turned into thumbnails at once.
#[derive(Clone)]
pub struct MediaSettings {
    /// The largest file accepted, in bytes.
    pub max_upload_bytes: u64,
    /// Decoding a large photo takes a core and up to 200 MB for a moment; this many at a time.
    pub image_work: Arc<Semaphore>,
}

impl MediaSettings {
    /// 10 MiB: a phone photo is 2 to 6 MB; marketplaces cap product images at 2 to 10 MB.
    pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 10 * 1024 * 1024;

    pub fn new(max_upload_bytes: u64) -> Self {
        Self {
            max_upload_bytes,
            image_work: Arc::new(Semaphore::new(2)),
        }
    }
}

impl Default for MediaSettings {
    fn default() -> Self {
        Self::new(Self::DEFAULT_MAX_UPLOAD_BYTES)
    }
}

/// One stored form of an item, as its row records it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredRendition {
    /// `original`, `160`, `480` or `1024`.
    pub name: String,
    pub key: String,
    pub content_type: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub byte_size: u64,
}

/// A product's image or document.
#[derive(Debug, Clone)]
pub struct MediaItem {
    pub row: media::Model,
    pub renditions: Vec<StoredRendition>,
}

impl MediaItem {
    fn from_row(row: media::Model) -> Self {
        let renditions = serde_json::from_value(row.renditions.clone()).unwrap_or_default();
        Self { row, renditions }
    }

    /// The version in the item's URLs: its file's hash, shortened.
    pub fn version(&self) -> &str {
        version_of(&self.row.sha256)
    }

    fn keys(&self) -> Vec<String> {
        self.renditions.iter().map(|r| r.key.clone()).collect()
    }
}

/// An upload written to storage under its staging key, not yet attached to the product.
pub struct Received {
    tenant: TenantId,
    product: Uuid,
    media: MediaId,
    file_type: FileType,
    filename: String,
    sha256: String,
    size: u64,
    /// Images are decoded for thumbnails, so their bytes are kept while they arrive.
    image: Option<Bytes>,
}

impl Received {
    fn staging_key(&self) -> String {
        upload_key(self.tenant.as_uuid(), self.product, self.media.as_uuid())
    }
}

/// The alt text and place the seller gave with an upload.
#[derive(Debug, Clone, Default)]
pub struct MediaDetails {
    pub alt: String,
    pub position: Option<u32>,
}

/// What `PUT /products/{id}/media/{media_id}` changes; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct MediaChanges {
    pub alt: Option<String>,
    pub position: Option<u32>,
}

fn storage(error: StorageError) -> CatalogError {
    CatalogError::Storage(error.to_string())
}

async fn product_exists(
    conn: &impl sea_orm::ConnectionTrait,
    tenant: TenantId,
    product: Uuid,
) -> CatalogResult<()> {
    product_store::find(conn, tenant, product)
        .await?
        .map(|_| ())
        .ok_or(CatalogError::NotFound("product"))
}

/// Refuses early, before any byte of an upload is read, when the product is not this store's.
pub async fn check_product(
    ctx: &CatalogCtx,
    tenant: TenantId,
    product: ProductId,
) -> CatalogResult<()> {
    product_exists(ctx.db.conn(), tenant, product.as_uuid()).await
}

/// Streams an uploaded file into storage while counting and hashing it. Its type comes from its
/// first bytes; anything but JPEG, PNG, WebP, GIF or PDF is refused before a byte is stored.
/// Past the size limit the upload stops at once and nothing stays in storage.
pub async fn receive<S, E>(
    ctx: &CatalogCtx,
    tenant: TenantId,
    product: ProductId,
    raw_filename: Option<&str>,
    mut chunks: S,
) -> CatalogResult<Received>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let limit = ctx.media.max_upload_bytes;
    let too_large = || CatalogError::TooLarge { limit };
    let unreadable = |error: E| {
        tracing::info!(%error, "upload cut short");
        CatalogError::UnreadableUpload
    };

    // Enough of the start to tell the type, before anything is written.
    let mut head = BytesMut::new();
    while head.len() < FileType::SNIFF_LEN {
        match chunks.next().await {
            Some(Ok(chunk)) => {
                head.extend_from_slice(&chunk);
                if head.len() as u64 > limit {
                    return Err(too_large());
                }
            }
            Some(Err(error)) => return Err(unreadable(error)),
            None => break,
        }
    }
    if head.is_empty() {
        return Err(
            FieldErrors::single("file", "empty", "The file is empty; choose another.").into(),
        );
    }
    let file_type = FileType::sniff(&head).ok_or(CatalogError::UnsupportedType)?;

    let received_id = MediaId::new();
    let key = upload_key(tenant.as_uuid(), product.as_uuid(), received_id.as_uuid());
    let mut upload = ctx.files.start_upload(&key).await.map_err(storage)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut image = (file_type.kind() == MediaKind::Image).then(BytesMut::new);
    let mut next = Some(head.freeze());
    let outcome: CatalogResult<()> = loop {
        let chunk = match next.take() {
            Some(chunk) => chunk,
            None => match chunks.next().await {
                Some(Ok(chunk)) => chunk,
                Some(Err(error)) => break Err(unreadable(error)),
                None => break Ok(()),
            },
        };
        size += chunk.len() as u64;
        if size > limit {
            break Err(too_large());
        }
        hasher.update(&chunk);
        if let Some(image) = image.as_mut() {
            image.extend_from_slice(&chunk);
        }
        if let Err(error) = upload.write(chunk).await {
            break Err(storage(error));
        }
    };
    if let Err(error) = outcome {
        if let Err(abort) = upload.abort().await {
            tracing::warn!(error = %abort, key, "could not abort an upload; the sweep will");
        }
        return Err(error);
    }
    upload.finish().await.map_err(storage)?;
    Ok(Received {
        tenant,
        product: product.as_uuid(),
        media: received_id,
        file_type,
        filename: sanitise_filename(raw_filename.unwrap_or_default(), file_type),
        sha256: hex::encode(hasher.finalize()),
        size,
        image: image.map(BytesMut::freeze),
    })
}

/// Drops an upload that will not be attached (the rest of the form was invalid).
pub async fn discard(ctx: &CatalogCtx, received: Received) {
    delete_objects(&ctx.files, &[received.staging_key()]).await;
}

/// A thumbnail made in memory.
struct Thumbnail {
    size: u32,
    bytes: Bytes,
    content_type: &'static str,
    width: u32,
    height: u32,
}

/// What decoding an image tells us.
struct Rendered {
    width: u32,
    height: u32,
    thumbnails: Vec<Thumbnail>,
}

/// Decodes an image and makes one thumbnail per size. The claimed size is checked before the
/// pixels are decoded, and the decoder's own limits back that up, so a small file claiming a
/// huge image (a decompression bomb) is refused without allocating it.
fn render(bytes: &[u8], file_type: FileType) -> Result<Rendered, TextError> {
    use image::codecs::jpeg::JpegEncoder;
    use image::codecs::webp::WebPEncoder;
    use image::imageops::FilterType;
    use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

    use crate::domain::media::{MAX_SIDE, check_dimensions, thumbnail_size};

    let unreadable = |error: image::ImageError| {
        TextError::new(
            "unreadable_image",
            format!("The image could not be read: {error}."),
        )
    };
    let format = match file_type {
        FileType::Jpeg => ImageFormat::Jpeg,
        FileType::Png => ImageFormat::Png,
        FileType::WebP => ImageFormat::WebP,
        FileType::Gif => ImageFormat::Gif,
        FileType::Pdf => {
            return Err(TextError::new("not_an_image", "A PDF has no thumbnails."));
        }
    };
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    let mut reader = ImageReader::with_format(std::io::Cursor::new(bytes), format);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height)?;
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut original = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    // Phones store photos sideways with an EXIF note to turn them; thumbnails come upright.
    original.apply_orientation(orientation);
    let (width, height) = (original.width(), original.height());

    // Each size from the next larger one: much faster than from a 24-megapixel original, and
    // as sharp at these ratios.
    let mut thumbnails = Vec::with_capacity(THUMBNAIL_SIZES.len());
    let mut source = original;
    let mut transparent = None;
    for size in THUMBNAIL_SIZES.iter().rev().copied() {
        let (w, h) = thumbnail_size(source.width(), source.height(), size);
        let scaled = if (w, h) == (source.width(), source.height()) {
            source.clone()
        } else {
            source.resize_exact(w, h, FilterType::CatmullRom)
        };
        // Decided once, on the largest thumbnail, so every size of an item has one format:
        // JPEG for photos, lossless WebP where something shows through.
        let transparent = *transparent.get_or_insert_with(|| {
            scaled.color().has_alpha() && scaled.to_rgba8().pixels().any(|p| p.0[3] < 255)
        });
        let mut out = Vec::new();
        let content_type = if transparent {
            let rgba = scaled.to_rgba8();
            WebPEncoder::new_lossless(&mut out)
                .encode(&rgba, w, h, image::ExtendedColorType::Rgba8)
                .map_err(unreadable)?;
            "image/webp"
        } else {
            let rgb = scaled.to_rgb8();
            JpegEncoder::new_with_quality(&mut out, 82)
                .encode_image(&rgb)
                .map_err(unreadable)?;
            "image/jpeg"
        };
        thumbnails.push(Thumbnail {
            size,
            bytes: Bytes::from(out),
            content_type,
            width: w,
            height: h,
        });
        source = scaled;
    }
    thumbnails.reverse();
    Ok(Rendered {
        width,
        height,
        thumbnails,
    })
}

/// Deletes objects, logging what could not go: the sweep removes it later.
async fn delete_objects(files: &FileStore, keys: &[String]) {
    for key in keys {
        if let Err(error) = files.delete(key).await {
            tracing::warn!(%error, key, "could not delete a file; the orphan sweep will");
        }
    }
}

/// Makes thumbnails of a received image, moves every file to its final key, and records the
/// item on the product, at `details.position` or last.
pub async fn attach(
    ctx: &CatalogCtx,
    actor: &Principal,
    received: Received,
    details: MediaDetails,
) -> CatalogResult<MediaItem> {
    let tenant = actor.tenant;
    let staging = received.staging_key();
    let version = version_of(&received.sha256).to_owned();
    let key_of = |rendition| {
        object_key(
            tenant.as_uuid(),
            received.product,
            received.media.as_uuid(),
            &version,
            rendition,
        )
    };

    let rendered = match received.image.clone() {
        Some(bytes) => {
            let file_type = received.file_type;
            let _permit = ctx.media.image_work.acquire().await;
            let work = tokio::task::spawn_blocking(move || render(&bytes, file_type)).await;
            match work {
                Ok(Ok(rendered)) => Some(rendered),
                Ok(Err(refused)) => {
                    discard(ctx, received).await;
                    let mut errors = FieldErrors::new();
                    errors.add("file", refused.code, refused.message);
                    return Err(errors.into());
                }
                Err(panicked) => {
                    discard(ctx, received).await;
                    return Err(CatalogError::Storage(format!(
                        "thumbnail work failed: {panicked}"
                    )));
                }
            }
        }
        None => None,
    };

    let mut renditions = vec![StoredRendition {
        name: Rendition::Original.name(),
        key: key_of(Rendition::Original),
        content_type: received.file_type.content_type().to_owned(),
        width: rendered.as_ref().map(|r| r.width),
        height: rendered.as_ref().map(|r| r.height),
        byte_size: received.size,
    }];
    let mut written = Vec::new();
    let mut stored: Result<(), StorageError> = Ok(());
    for thumb in rendered.iter().flat_map(|r| r.thumbnails.iter()) {
        let key = key_of(Rendition::Thumbnail(thumb.size));
        stored = ctx.files.put(&key, thumb.bytes.clone()).await;
        if stored.is_err() {
            break;
        }
        written.push(key.clone());
        renditions.push(StoredRendition {
            name: Rendition::Thumbnail(thumb.size).name(),
            key,
            content_type: thumb.content_type.to_owned(),
            width: Some(thumb.width),
            height: Some(thumb.height),
            byte_size: thumb.bytes.len() as u64,
        });
    }
    if stored.is_ok() {
        stored = ctx.files.rename(&staging, &renditions[0].key).await;
        if stored.is_ok() {
            written.push(renditions[0].key.clone());
        }
    }
    if let Err(error) = stored {
        written.push(staging);
        delete_objects(&ctx.files, &written).await;
        return Err(storage(error));
    }

    let now = clock::now();
    let row = media::Model {
        id: received.media.as_uuid(),
        tenant_id: tenant.as_uuid(),
        product_id: received.product,
        kind: received.file_type.kind().as_str().to_owned(),
        content_type: received.file_type.content_type().to_owned(),
        byte_size: received.size as i64,
        sha256: received.sha256.clone(),
        filename: received.filename.clone(),
        alt: details.alt,
        position: 0,
        width: rendered.as_ref().map(|r| r.width as i32),
        height: rendered.as_ref().map(|r| r.height as i32),
        renditions: serde_json::to_value(&renditions).unwrap_or_default(),
        created_at: now,
        updated_at: now,
    };
    let recorded = record(ctx, tenant, row, details.position).await;
    if recorded.is_err() {
        // The product went away while the file arrived, or the database failed: the files
        // must not outlive the row that was never written.
        delete_objects(&ctx.files, &written).await;
    }
    recorded
}

async fn record(
    ctx: &CatalogCtx,
    tenant: TenantId,
    mut row: media::Model,
    position: Option<u32>,
) -> CatalogResult<MediaItem> {
    let tx = ctx.begin_write(tenant).await?;
    product_exists(&*tx, tenant, row.product_id).await?;
    let gallery = store::of_product(&*tx, tenant, row.product_id).await?;
    let order: Vec<Uuid> = gallery.iter().map(|m| m.id).collect();
    let order = move_to(&order, row.id, position.unwrap_or(u32::MAX));
    row.position = order.iter().position(|id| *id == row.id).unwrap_or(0) as i32;
    renumber(&*tx, tenant, &gallery, &order).await?;
    let row = store::insert(&*tx, row).await?;
    product_store::touch(&*tx, tenant, row.product_id, row.updated_at).await?;
    tx.commit().await?;
    Ok(MediaItem::from_row(row))
}

/// Writes each existing item's place in `order`, where it changed.
async fn renumber(
    conn: &impl sea_orm::ConnectionTrait,
    tenant: TenantId,
    gallery: &[media::Model],
    order: &[Uuid],
) -> CatalogResult<()> {
    let current: HashMap<Uuid, i32> = gallery.iter().map(|m| (m.id, m.position)).collect();
    for (place, id) in order.iter().enumerate() {
        if current.get(id).is_some_and(|p| *p != place as i32) {
            store::set_position(conn, tenant, *id, place as i32).await?;
        }
    }
    Ok(())
}

/// A product's media in gallery order.
pub async fn list(
    ctx: &CatalogCtx,
    tenant: TenantId,
    product: ProductId,
) -> CatalogResult<Vec<MediaItem>> {
    product_exists(ctx.db.conn(), tenant, product.as_uuid()).await?;
    of_product(ctx, tenant, product).await
}

/// A product's media, for its detail view (the product is known to exist).
pub async fn of_product(
    ctx: &CatalogCtx,
    tenant: TenantId,
    product: ProductId,
) -> CatalogResult<Vec<MediaItem>> {
    Ok(store::of_product(ctx.db.conn(), tenant, product.as_uuid())
        .await?
        .into_iter()
        .map(MediaItem::from_row)
        .collect())
}

/// Changes an item's alt text and place in the gallery.
pub async fn update(
    ctx: &CatalogCtx,
    actor: &Principal,
    product: ProductId,
    id: MediaId,
    changes: MediaChanges,
) -> CatalogResult<MediaItem> {
    let tenant = actor.tenant;
    let tx = ctx.begin_write(tenant).await?;
    let mut row = store::find(&*tx, tenant, product.as_uuid(), id.as_uuid())
        .await?
        .ok_or(CatalogError::NotFound("media"))?;
    let now = clock::now();
    if let Some(alt) = changes.alt {
        store::set_alt(&*tx, tenant, row.id, &alt, now).await?;
        row.alt = alt;
        row.updated_at = now;
    }
    if let Some(position) = changes.position {
        let gallery = store::of_product(&*tx, tenant, product.as_uuid()).await?;
        let order: Vec<Uuid> = gallery.iter().map(|m| m.id).collect();
        let order = move_to(&order, row.id, position);
        renumber(&*tx, tenant, &gallery, &order).await?;
        row.position = order.iter().position(|m| *m == row.id).unwrap_or(0) as i32;
    }
    product_store::touch(&*tx, tenant, product.as_uuid(), now).await?;
    tx.commit().await?;
    Ok(MediaItem::from_row(row))
}

/// Removes an item from the product, then its files.
pub async fn delete(
    ctx: &CatalogCtx,
    actor: &Principal,
    product: ProductId,
    id: MediaId,
) -> CatalogResult<()> {
    let tenant = actor.tenant;
    let tx = ctx.begin_write(tenant).await?;
    let item = store::find(&*tx, tenant, product.as_uuid(), id.as_uuid())
        .await?
        .map(MediaItem::from_row)
        .ok_or(CatalogError::NotFound("media"))?;
    store::delete(&*tx, tenant, product.as_uuid(), id.as_uuid()).await?;
    let gallery = store::of_product(&*tx, tenant, product.as_uuid()).await?;
    let order: Vec<Uuid> = gallery.iter().map(|m| m.id).collect();
    renumber(&*tx, tenant, &gallery, &order).await?;
    product_store::touch(&*tx, tenant, product.as_uuid(), clock::now()).await?;
    tx.commit().await?;
    delete_objects(&ctx.files, &item.keys()).await;
    Ok(())
}

/// Deletes the files of items whose rows are gone (a product deleted for good).
pub(crate) async fn delete_files_of(ctx: &CatalogCtx, items: &[MediaItem]) {
    for item in items {
        delete_objects(&ctx.files, &item.keys()).await;
    }
}

pub(crate) fn items(rows: Vec<media::Model>) -> Vec<MediaItem> {
    rows.into_iter().map(MediaItem::from_row).collect()
}

/// A file as its public URL serves it.
pub struct PublishedFile {
    pub content_type: String,
    /// The version: the ETag of every rendition of the item.
    pub version: String,
    pub filename: String,
    pub kind: MediaKind,
    pub key: String,
}

/// The file behind `/api/v1/media/{id}/{version}/{rendition}`; absent unless the version is the
/// item's current one and it has that rendition.
pub async fn published(
    ctx: &CatalogCtx,
    id: Uuid,
    version: &str,
    rendition: &str,
) -> CatalogResult<PublishedFile> {
    let not_found = || CatalogError::NotFound("file");
    let well_formed = version.len() == 16
        && version
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let rendition = Rendition::parse(rendition).ok_or_else(not_found)?;
    if !well_formed {
        return Err(not_found());
    }
    let item = store::find_published(ctx.db.conn(), id, version)
        .await?
        .map(MediaItem::from_row)
        .ok_or_else(not_found)?;
    let stored = item
        .renditions
        .iter()
        .find(|r| r.name == rendition.name())
        .ok_or_else(not_found)?;
    Ok(PublishedFile {
        content_type: stored.content_type.clone(),
        version: item.version().to_owned(),
        filename: item.row.filename.clone(),
        kind: if item.row.kind == MediaKind::Document.as_str() {
            MediaKind::Document
        } else {
            MediaKind::Image
        },
        key: stored.key.clone(),
    })
}

/// The content of a published file, streamed.
pub async fn open(ctx: &CatalogCtx, file: &PublishedFile) -> CatalogResult<ObjectBody> {
    match ctx.files.read(&file.key).await.map_err(storage)? {
        Some(body) => Ok(body),
        None => {
            tracing::warn!(
                key = file.key,
                "a media row names a file storage does not have"
            );
            Err(CatalogError::NotFound("file"))
        }
    }
}

/// What a sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    /// Product-media objects looked at.
    pub examined: u64,
    /// Objects deleted because no row names them.
    pub deleted: u64,
    /// Unfinished local uploads deleted.
    pub unfinished: u64,
}

/// Deletes product files that no media row names: what a crash between a commit and the
/// deletion of files, or during an upload, leaves behind. Objects younger than `min_age` are
/// spared: they may belong to an upload still arriving, whose row is not written yet.
pub async fn sweep_orphans(ctx: &CatalogCtx, min_age: Duration) -> CatalogResult<SweepReport> {
    let cutoff = chrono::Duration::from_std(min_age)
        .ok()
        .and_then(|age| Utc::now().checked_sub_signed(age))
        .unwrap_or(chrono::DateTime::<Utc>::MIN_UTC);
    let mut report = SweepReport::default();
    let objects = ctx.files.list("t").await.map_err(storage)?;
    // Store by store, media item by media item.
    let mut candidates: HashMap<Uuid, HashMap<Uuid, Vec<String>>> = HashMap::new();
    for object in objects {
        let Some((tenant, _product, media)) = parse_object_key(&object.key) else {
            continue;
        };
        report.examined += 1;
        if object.last_modified < cutoff {
            candidates
                .entry(tenant)
                .or_default()
                .entry(media)
                .or_default()
                .push(object.key);
        }
    }
    for (tenant, by_media) in candidates {
        let tenant = TenantId::from(tenant);
        let ids: Vec<Uuid> = by_media.keys().copied().collect();
        let mut live: HashMap<Uuid, Vec<String>> = HashMap::new();
        for chunk in ids.chunks(500) {
            for row in store::of_ids(ctx.db.conn(), tenant, chunk).await? {
                let item = MediaItem::from_row(row);
                live.insert(item.row.id, item.keys());
            }
        }
        for (media, keys) in by_media {
            let named = live.get(&media);
            for key in keys {
                if named.is_some_and(|named| named.contains(&key)) {
                    continue;
                }
                match ctx.files.delete(&key).await {
                    Ok(()) => report.deleted += 1,
                    Err(error) => tracing::warn!(%error, key, "could not delete an orphan"),
                }
            }
        }
    }
    let before = SystemTime::now()
        .checked_sub(min_age)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    report.unfinished = ctx
        .files
        .sweep_unfinished_uploads("t", before)
        .await
        .map_err(storage)?;
    Ok(report)
}
