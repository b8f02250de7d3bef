//! Outgoing email. The embedded default writes each message as an `.eml` file into a folder (the
//! seller's "sent mail" on a laptop, and what tests read); its file name is the message id, so
//! sending the same message twice leaves one file.

use std::path::PathBuf;

use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// Stable per message: a retry of the same message must reuse it.
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    pub text: String,
}

#[async_trait::async_trait]
pub trait Mailer: Send + Sync + 'static {
    async fn send(&self, email: &Email) -> anyhow::Result<()>;
}

/// Writes messages as RFC 5322 files.
pub struct FileMailer {
    dir: PathBuf,
    from: String,
}

impl FileMailer {
    pub fn new(dir: PathBuf, from: impl Into<String>) -> Self {
        Self {
            dir,
            from: from.into(),
        }
    }
}

/// Header values never carry line breaks: a subject with one could smuggle in headers.
fn header_value(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

#[async_trait::async_trait]
impl Mailer for FileMailer {
    async fn send(&self, email: &Email) -> anyhow::Result<()> {
        tokio::fs::create_dir_all(&self.dir).await?;
        let message = format!(
            "Message-ID: <{id}@smartseller>\r\nDate: {date}\r\nFrom: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
            id = email.id,
            date = chrono::Utc::now().to_rfc2822(),
            from = header_value(&self.from),
            to = header_value(&email.to),
            subject = header_value(&email.subject),
            body = email.text.replace('\n', "\r\n"),
        );
        // Write then rename, so a reader never sees half a message.
        let path = self.dir.join(format!("{}.eml", email.id));
        let partial = self.dir.join(format!(".{}.eml.partial", email.id));
        tokio::fs::write(&partial, message).await?;
        tokio::fs::rename(&partial, &path).await?;
        Ok(())
    }
}
