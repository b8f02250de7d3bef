//! Object storage for files (product images and documents, later labels and exports), through
//! `object_store`: a local folder by default, an S3-compatible bucket (AWS, MinIO, R2, ...) by
//! configuration, memory for tests. Callers see keys like `t/<tenant>/p/...`, never paths.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload, WriteMultipart};

/// Why storage could not be opened. Each says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "unsupported storage URL `{0}`: use file:///absolute/folder, s3://bucket[/prefix] or memory://"
    )]
    UnknownScheme(String),
    #[error(
        "storage URL `{0}` needs S3 support, which this build lacks: build with `--features s3`"
    )]
    S3NotBuilt(String),
    #[error("cannot use the folder {path} for files: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot configure S3 storage from `{url}`: {source}")]
    S3 {
        url: String,
        source: object_store::Error,
    },
}

/// A storage operation that failed (unreachable bucket, full disk, ...).
#[derive(Debug, thiserror::Error)]
#[error("object storage: {0}")]
pub struct StorageError(#[from] object_store::Error);

/// One stored object, as a listing shows it.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub key: String,
    pub size: u64,
    pub last_modified: DateTime<Utc>,
}

/// An object's content, streamed.
pub struct ObjectBody {
    pub size: u64,
    pub stream: BoxStream<'static, Result<Bytes, std::io::Error>>,
}

/// The file store every domain shares. Cheap to clone.
#[derive(Clone)]
pub struct FileStore {
    objects: Arc<dyn ObjectStore>,
    /// The folder behind a local store: multipart uploads cut short by a crash leave staging
    /// files there that listings do not show, so the sweep looks for them on disk.
    local_root: Option<PathBuf>,
    describe: String,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe)
    }
}

/// Parts of a streamed upload are sent once this much has arrived: S3's smallest part is 5 MiB
/// (all but the last), and a smaller part size keeps less of each upload in memory.
const PART_SIZE: usize = 5 * 1024 * 1024;

impl FileStore {
    /// Opens the store `url` names: `file:///srv/smartseller/files` (created if missing),
    /// `s3://bucket` or `s3://bucket/prefix` (credentials, region and endpoint from the usual
    /// `AWS_*` variables), or `memory://` (gone when the process ends; for tests).
    pub fn open(url: &str) -> Result<FileStore, OpenError> {
        if let Some(path) = url.strip_prefix("file://") {
            return Self::local(Path::new(path));
        }
        if url == "memory://" || url == "memory:" {
            return Ok(Self::memory());
        }
        if url.starts_with("s3://") {
            return Self::s3(url);
        }
        Err(OpenError::UnknownScheme(crate::db::redact(url)))
    }

    /// A folder on this machine.
    pub fn local(folder: &Path) -> Result<FileStore, OpenError> {
        let failed = |source| OpenError::Folder {
            path: folder.display().to_string(),
            source,
        };
        std::fs::create_dir_all(folder).map_err(failed)?;
        let root = std::fs::canonicalize(folder).map_err(failed)?;
        let objects = LocalFileSystem::new_with_prefix(&root)
            .map_err(|e| failed(std::io::Error::other(e.to_string())))?
            // Deleting a file's last object also removes the folders it leaves empty, so a
            // store's tree does not fill with empty media folders.
            .with_automatic_cleanup(true);
        Ok(FileStore {
            objects: Arc::new(objects),
            describe: format!("file://{}", root.display()),
            local_root: Some(root),
        })
    }

    /// Memory only: for tests.
    pub fn memory() -> FileStore {
        FileStore {
            objects: Arc::new(InMemory::new()),
            local_root: None,
            describe: "memory://".to_owned(),
        }
    }

    #[cfg(feature = "s3")]
    fn s3(url: &str) -> Result<FileStore, OpenError> {
        use object_store::aws::AmazonS3Builder;
        use object_store::prefix::PrefixStore;
        let failed = |source| OpenError::S3 {
            url: url.to_owned(),
            source,
        };
        let rest = url.trim_start_matches("s3://");
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(OpenError::UnknownScheme(url.to_owned()));
        }
        // `from_env` reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT
        // (MinIO and other S3-compatible servers) and AWS_ALLOW_HTTP, among others.
        let bucket_store = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(failed)?;
        let prefix = prefix.trim_matches('/');
        let objects: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(bucket_store)
        } else {
            Arc::new(PrefixStore::new(bucket_store, prefix))
        };
        Ok(FileStore {
            objects,
            local_root: None,
            describe: url.to_owned(),
        })
    }

    #[cfg(not(feature = "s3"))]
    fn s3(url: &str) -> Result<FileStore, OpenError> {
        Err(OpenError::S3NotBuilt(url.to_owned()))
    }

    /// Where the files are, for logs and messages.
    pub fn describe(&self) -> &str {
        &self.describe
    }

    /// Starts writing `key` a chunk at a time; nothing is visible under `key` until
    /// [`Upload::finish`], and [`Upload::abort`] leaves nothing behind.
    pub async fn start_upload(&self, key: &str) -> Result<Upload, StorageError> {
        let upload = self.objects.put_multipart(&ObjectPath::from(key)).await?;
        Ok(Upload {
            writer: WriteMultipart::new_with_chunk_size(upload, PART_SIZE),
        })
    }

    /// Writes a whole object at once (thumbnails: small, and made in memory).
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        self.objects
            .put(&ObjectPath::from(key), PutPayload::from_bytes(bytes))
            .await?;
        Ok(())
    }

    /// Moves an object (a rename on disk, copy and delete on S3).
    pub async fn rename(&self, from: &str, to: &str) -> Result<(), StorageError> {
        self.objects
            .rename(&ObjectPath::from(from), &ObjectPath::from(to))
            .await?;
        Ok(())
    }

    /// The object's content, streamed; `None` when there is no such object.
    pub async fn read(&self, key: &str) -> Result<Option<ObjectBody>, StorageError> {
        match self.objects.get(&ObjectPath::from(key)).await {
            Ok(result) => Ok(Some(ObjectBody {
                size: result.meta.size,
                stream: result.into_stream().map_err(std::io::Error::other).boxed(),
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// Reads a whole object into memory; `None` when absent.
    pub async fn read_all(&self, key: &str) -> Result<Option<Bytes>, StorageError> {
        match self.objects.get(&ObjectPath::from(key)).await {
            Ok(result) => Ok(Some(result.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// Deletes an object; an absent one is already deleted.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match self.objects.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Every object whose key starts with `prefix/`, in no particular order.
    pub async fn list(&self, prefix: &str) -> Result<Vec<StoredObject>, StorageError> {
        let prefix = ObjectPath::from(prefix);
        let mut listing = self.objects.list(Some(&prefix));
        let mut found = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = match meta {
                Ok(meta) => meta,
                // A file deleted between listing a folder and reading its metadata.
                Err(object_store::Error::NotFound { .. }) => continue,
                Err(error) => return Err(error.into()),
            };
            found.push(StoredObject {
                key: meta.location.to_string(),
                size: meta.size,
                last_modified: meta.last_modified,
            });
        }
        Ok(found)
    }

    /// Deletes staging files of local multipart uploads (`<file>#<n>`) under `prefix` that were
    /// last written before `before`: what a crash in the middle of an upload leaves on disk.
    /// Listings never show them. Other stores keep nothing visible of an unfinished upload (on
    /// S3, a bucket lifecycle rule aborts incomplete multipart uploads). Returns how many went.
    pub async fn sweep_unfinished_uploads(
        &self,
        prefix: &str,
        before: SystemTime,
    ) -> Result<u64, StorageError> {
        let Some(root) = self.local_root.clone() else {
            return Ok(0);
        };
        let start = root.join(prefix);
        let swept = tokio::task::spawn_blocking(move || sweep_staging_files(&start, before))
            .await
            .map_err(|e| object_store::Error::Generic {
                store: "LocalFileSystem",
                source: Box::new(e),
            })?;
        Ok(swept)
    }
}

fn sweep_staging_files(folder: &Path, before: SystemTime) -> u64 {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return 0;
    };
    let mut swept = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if meta.is_dir() {
            swept += sweep_staging_files(&path, before);
            continue;
        }
        let staging = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.rsplit_once('#'))
            .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        let old = meta.modified().is_ok_and(|m| m < before);
        if staging && old && std::fs::remove_file(&path).is_ok() {
            swept += 1;
        }
    }
    swept
}

/// An object being written a chunk at a time.
pub struct Upload {
    writer: WriteMultipart,
}

impl Upload {
    /// Adds a chunk, waiting while too many parts are still in flight.
    pub async fn write(&mut self, chunk: Bytes) -> Result<(), StorageError> {
        self.writer.wait_for_capacity(2).await?;
        self.writer.put(chunk);
        Ok(())
    }

    /// Completes the object.
    pub async fn finish(self) -> Result<(), StorageError> {
        self.writer.finish().await?;
        Ok(())
    }

    /// Gives up: nothing stays behind.
    pub async fn abort(self) -> Result<(), StorageError> {
        self.writer.abort().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_schemes_are_refused_with_what_to_use() {
        let error = FileStore::open("ftp://files.example.com/x").unwrap_err();
        assert!(error.to_string().contains("unsupported storage URL"));
        assert!(error.to_string().contains("s3://bucket"));
    }

    #[tokio::test]
    async fn an_upload_is_invisible_until_finished_and_gone_when_aborted() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(&format!("file://{}", dir.path().display())).unwrap();
        let mut upload = store.start_upload("t/a/p/b/c/upload").await.unwrap();
        upload.write(Bytes::from_static(b"hello ")).await.unwrap();
        upload.write(Bytes::from_static(b"world")).await.unwrap();
        assert!(store.list("t").await.unwrap().is_empty());
        upload.finish().await.unwrap();
        store
            .rename("t/a/p/b/c/upload", "t/a/p/b/c/v/original")
            .await
            .unwrap();
        let all = store.list("t/a").await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].key, "t/a/p/b/c/v/original");
        assert_eq!(
            store
                .read_all("t/a/p/b/c/v/original")
                .await
                .unwrap()
                .unwrap(),
            Bytes::from_static(b"hello world")
        );

        let mut upload = store.start_upload("t/a/p/b/d/upload").await.unwrap();
        upload.write(Bytes::from_static(b"partial")).await.unwrap();
        upload.abort().await.unwrap();
        store.delete("t/a/p/b/c/v/original").await.unwrap();
        store.delete("t/a/p/b/c/v/original").await.unwrap();
        assert!(store.list("t").await.unwrap().is_empty());
        assert!(store.read("t/a/p/b/c/v/original").await.unwrap().is_none());
    }
}
