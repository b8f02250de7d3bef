//! `/api/v1/products/{id}/media` and `/api/v1/media/...`: a product's images and documents.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use smartseller_kernel::validation::FieldErrors;
use smartseller_web::auth::{Actor, Principal, perm};
use smartseller_web::{ApiError, ApiResult, Json, Path, Problem};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::CatalogCtx;
use crate::app::media::{self, MediaChanges, MediaDetails, MediaItem, Received};
use crate::domain::ProductId;
use crate::domain::media::{MediaId, MediaKind, etag_matches, parse_alt, parse_position};

/// One stored form of an item.
#[derive(Debug, Serialize, ToSchema)]
pub struct RenditionView {
    /// `original`, `160`, `480` or `1024` (longest side in pixels, never enlarged).
    pub name: String,
    /// Public, immutable: a new file gets new URLs. Relative to the API's address.
    pub url: String,
    pub content_type: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub byte_size: u64,
}

/// An image or document of a product.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaView {
    pub id: Uuid,
    pub product_id: Uuid,
    /// `image` (with thumbnails) or `document` (PDF).
    pub kind: String,
    /// Of the original, read from its content.
    pub content_type: String,
    /// As uploaded, without any folder.
    pub filename: String,
    pub byte_size: i64,
    /// Hex SHA-256 of the original.
    pub sha256: String,
    /// The version in the item's URLs: the first 16 digits of `sha256`.
    pub version: String,
    pub alt: String,
    /// Place in the product's gallery, from 0.
    pub position: i32,
    /// Of the original image, upright; absent for documents.
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// The original's URL.
    pub url: String,
    /// The original first, then each thumbnail, smallest first.
    pub renditions: Vec<RenditionView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn url_of(id: Uuid, version: &str, rendition: &str) -> String {
    format!("/api/v1/media/{id}/{version}/{rendition}")
}

impl From<MediaItem> for MediaView {
    fn from(item: MediaItem) -> Self {
        let version = item.version().to_owned();
        let id = item.row.id;
        let renditions = item
            .renditions
            .iter()
            .map(|r| RenditionView {
                url: url_of(id, &version, &r.name),
                name: r.name.clone(),
                content_type: r.content_type.clone(),
                width: r.width,
                height: r.height,
                byte_size: r.byte_size,
            })
            .collect();
        let row = item.row;
        Self {
            id,
            product_id: row.product_id,
            kind: row.kind,
            content_type: row.content_type,
            filename: row.filename,
            byte_size: row.byte_size,
            sha256: row.sha256,
            url: url_of(id, &version, "original"),
            version,
            alt: row.alt,
            position: row.position,
            width: row.width,
            height: row.height,
            renditions,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The form of an upload, as `multipart/form-data`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MediaUpload {
    /// The file: JPEG, PNG, WebP or GIF (thumbnails are made) or PDF; judged by its content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Describes the image for people who cannot see it; up to 500 characters.
    alt: Option<String>,
    /// Place in the gallery, from 0; last when absent.
    position: Option<i64>,
}

/// A `multipart/form-data` body; anything else is a 415 problem, a broken one a 400.
pub struct MultipartForm(pub Multipart);

impl<S: Send + Sync> FromRequest<S> for MultipartForm {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
        if !is_multipart {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
            )
            .detail("Send the file as `multipart/form-data` with a part named `file`."));
        }
        Multipart::from_request(req, state)
            .await
            .map(MultipartForm)
            .map_err(|rejection| {
                ApiError::bad_request("media.unreadable_upload", rejection.body_text())
            })
    }
}

/// How long a refused upload's remaining bytes are read before answering, so the client has
/// sent its body and reads the problem instead of a reset connection.
const DRAIN_FOR: Duration = Duration::from_secs(10);

/// The largest `alt` or `position` part.
const MAX_TEXT_PART: usize = 4096;

/// The most parts an upload form has (`file`, `alt`, `position`, and a few a client may add).
const MAX_PARTS: usize = 8;

/// Reads the rest of the body and drops it.
async fn drain(form: &mut Multipart) {
    let _ = tokio::time::timeout(DRAIN_FOR, async {
        while let Ok(Some(mut field)) = form.next_field().await {
            while let Ok(Some(_)) = field.chunk().await {}
        }
    })
    .await;
}

/// A small text part, or why it is refused.
async fn text_part(
    field: &mut axum::extract::multipart::Field<'_>,
) -> Result<String, &'static str> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|_| "unreadable")? {
        if bytes.len() + chunk.len() > MAX_TEXT_PART {
            return Err("too_long");
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| "invalid_characters")
}

/// Reads the form part by part: the file streams to storage as it arrives (it may come before
/// or after the text parts), then the item is attached to the product.
async fn take_upload(
    ctx: CatalogCtx,
    actor: Principal,
    product: ProductId,
    mut form: Multipart,
) -> ApiResult<MediaItem> {
    let mut received: Option<Received> = None;
    let mut alt = None;
    let mut position = None;
    let mut errors = FieldErrors::new();
    let mut parts = 0;
    let failure: Option<ApiError> = loop {
        let mut field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break None,
            Err(error) => {
                break Some(ApiError::bad_request(
                    "media.unreadable_upload",
                    error.body_text(),
                ));
            }
        };
        parts += 1;
        if parts > MAX_PARTS {
            errors.add(
                "form",
                "too_many_parts",
                "Send `file`, `alt` and `position` only.",
            );
            break None;
        }
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" if received.is_none() => {
                let filename = field.file_name().map(str::to_owned);
                match media::receive(&ctx, actor.tenant, product, filename.as_deref(), &mut field)
                    .await
                {
                    Ok(file) => received = Some(file),
                    Err(error) => break Some(error.into()),
                }
            }
            "file" => errors.add("file", "duplicate", "Send one file per upload."),
            "alt" | "position" => match text_part(&mut field).await {
                Ok(text) if name == "alt" => alt = Some(text),
                Ok(text) => position = Some(text),
                Err(code) => errors.add(
                    &name,
                    code,
                    format!("Send `{name}` as UTF-8 text of at most {MAX_TEXT_PART} bytes."),
                ),
            },
            _ => errors.add(
                if name.is_empty() { "form" } else { &name },
                "unknown_field",
                "Send `file`, `alt` and `position` only.",
            ),
        }
    };
    if let Some(error) = failure {
        if let Some(file) = received {
            media::discard(&ctx, file).await;
        }
        drain(&mut form).await;
        return Err(error);
    }
    drain(&mut form).await;

    let alt = match alt.as_deref().map(parse_alt) {
        None => Some(String::new()),
        Some(parsed) => errors.check("alt", parsed),
    };
    let position = match position.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(text) => match text.parse::<i64>() {
            Ok(value) => errors.check("position", parse_position(value)).map(Some),
            Err(_) => {
                errors.add("position", "invalid_type", "Give a whole number.");
                None
            }
        },
    };
    if received.is_none() && !errors.0.iter().any(|e| e.field == "file") {
        errors.add(
            "file",
            "required",
            "Attach the file in a part named `file`.",
        );
    }
    match (received, alt, position) {
        (Some(file), Some(alt), Some(position)) if errors.is_empty() => {
            Ok(media::attach(&ctx, &actor, file, MediaDetails { alt, position }).await?)
        }
        (file, _, _) => {
            if let Some(file) = file {
                media::discard(&ctx, file).await;
            }
            Err(ApiError::validation(errors))
        }
    }
}

/// Uploads an image or document to a product (`multipart/form-data`, part `file`, optional `alt`
/// and `position`). The type is read from the content: JPEG, PNG, WebP and GIF images get
/// thumbnails of 160, 480 and 1024 px; PDFs are kept as they are; anything else is a 415. Files
/// over the store's limit (10 MiB unless configured) are a 413 `media.too_large`.
#[utoipa::path(post, path = "/api/v1/products/{id}/media", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)),
    request_body(content = MediaUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = MediaView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn upload_media(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Path(id): Path<Uuid>,
    MultipartForm(form): MultipartForm,
) -> ApiResult<Response> {
    let product = ProductId::from(id);
    media::check_product(&ctx, actor.tenant, product).await?;
    // The upload runs to its end in its own task even if the client goes away, so a file half
    // written to storage is always either attached or removed, never left behind.
    let principal = actor.principal.clone();
    let item = tokio::spawn(take_upload(ctx, principal, product, form))
        .await
        .map_err(ApiError::internal)??;
    let location = format!("/api/v1/products/{id}/media/{}", item.row.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(MediaView::from(item)),
    )
        .into_response())
}

/// A product's images and documents, in gallery order.
#[utoipa::path(get, path = "/api/v1/products/{id}/media", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = Vec<MediaView>), (status = 404, body = Problem)))]
pub async fn list_media(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<MediaView>>> {
    let items = media::list(&ctx, actor.tenant, id.into()).await?;
    Ok(Json(items.into_iter().map(MediaView::from).collect()))
}

/// What to change about an item; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaUpdateRequest {
    /// Up to 500 characters; empty removes it.
    #[serde(default)]
    pub alt: Option<String>,
    /// The item's new place in the gallery, from 0; past the end means last. The others keep
    /// their order around it.
    #[serde(default)]
    pub position: Option<i64>,
}

impl TryFrom<MediaUpdateRequest> for MediaChanges {
    type Error = FieldErrors;

    fn try_from(req: MediaUpdateRequest) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let alt = req
            .alt
            .as_deref()
            .and_then(|a| errors.check("alt", parse_alt(a)));
        let position = req
            .position
            .and_then(|p| errors.check("position", parse_position(p)));
        errors.finish()?;
        Ok(MediaChanges { alt, position })
    }
}

/// Changes an item's alt text or its place in the gallery.
#[utoipa::path(put, path = "/api/v1/products/{id}/media/{media_id}", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path), ("media_id" = Uuid, Path)), request_body = MediaUpdateRequest,
    responses((status = 200, body = MediaView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_media(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Path((id, media_id)): Path<(Uuid, Uuid)>,
    Json(req): Json<MediaUpdateRequest>,
) -> ApiResult<Json<MediaView>> {
    let item = media::update(
        &ctx,
        &actor,
        id.into(),
        MediaId::from(media_id),
        req.try_into()?,
    )
    .await?;
    Ok(Json(item.into()))
}

/// Removes an item from the product and deletes its files.
#[utoipa::path(delete, path = "/api/v1/products/{id}/media/{media_id}", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path), ("media_id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_media(
    State(ctx): State<CatalogCtx>,
    actor: Actor<perm::ProductsWrite>,
    Path((id, media_id)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    media::delete(&ctx, &actor, id.into(), MediaId::from(media_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A year, the longest `max-age` caches are asked to honour (RFC 9111 §5.2.2.1 practice).
const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";

/// `attachment; filename="..."; filename*=UTF-8''...` (RFC 6266 §4.3): the plain name for old
/// clients, with anything outside printable ASCII replaced, and the exact one percent-encoded.
fn content_disposition(kind: MediaKind, filename: &str) -> String {
    let plain: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in filename.as_bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(byte) {
            encoded.push(*byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    let disposition = match kind {
        MediaKind::Document => "attachment",
        MediaKind::Image => "inline",
    };
    format!("{disposition}; filename=\"{plain}\"; filename*=UTF-8''{encoded}")
}

/// A product file by its public URL. No credentials: storefronts, marketplaces and `<img>` tags
/// fetch it, and the URL (a random id and the file's hash) is the secret. The content never
/// changes under a URL, so it is cached for a year; a new file gets a new URL.
#[utoipa::path(get, path = "/api/v1/media/{media_id}/{version}/{rendition}", tag = "catalog",
    params(("media_id" = Uuid, Path), ("version" = String, Path, description = "16 hex digits, from the item's `version`"),
        ("rendition" = String, Path, description = "`original`, `160`, `480` or `1024`"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag you hold")),
    responses((status = 200, description = "The file, with `ETag` and `Cache-Control: immutable`", content_type = "application/octet-stream"),
        (status = 304, description = "Your copy is current"), (status = 404, body = Problem)))]
pub async fn serve_media(
    State(ctx): State<CatalogCtx>,
    Path((media_id, version, rendition)): Path<(Uuid, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let file = media::published(&ctx, media_id, &version, &rendition).await?;
    let etag = format!("\"{}\"", file.version);
    let common = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, CACHE_FOREVER.to_owned()),
    ];
    let held = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    if held.is_some_and(|held| etag_matches(held, &file.version)) {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    let body = media::open(&ctx, &file).await?;
    let mut response = (StatusCode::OK, common, Body::from_stream(body.stream)).into_response();
    let headers = response.headers_mut();
    let value = |text: &str| HeaderValue::from_str(text).map_err(ApiError::internal);
    headers.insert(header::CONTENT_TYPE, value(&file.content_type)?);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.size));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Opened on its own, a file runs no script and reaches nothing, whatever it turns out to be.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; img-src 'self'; sandbox"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        value(&content_disposition(file.kind, &file.filename))?,
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_download_under_their_name_in_any_script() {
        assert_eq!(
            content_disposition(MediaKind::Document, "Sertifikat Halal.pdf"),
            "attachment; filename=\"Sertifikat Halal.pdf\"; filename*=UTF-8''Sertifikat%20Halal.pdf"
        );
        let header = content_disposition(MediaKind::Image, "batik–ñ.jpg");
        assert!(
            header.starts_with("inline; filename=\"batik__.jpg\""),
            "{header}"
        );
        assert!(header.ends_with("batik%E2%80%93%C3%B1.jpg"), "{header}");
    }
}
