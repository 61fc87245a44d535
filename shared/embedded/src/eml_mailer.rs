//! The mailer port as an outbox directory: every email becomes an RFC 5322 `.eml` file
//! (the MIME message SES would be given) named after its outbox entry, so a resend of the
//! same entry rewrites the same file.

use std::path::{Path, PathBuf};

use async_trait::async_trait;

use roster_app::emails::mime_message;
use roster_app::ports::{MailError, Mailer, OutgoingEmail};

pub struct EmlOutboxMailer {
    dir: PathBuf,
}

impl EmlOutboxMailer {
    pub fn new(dir: &Path) -> std::io::Result<Self> {
        crate::private_files::create_private_dir(dir)?;
        Ok(EmlOutboxMailer { dir: dir.to_path_buf() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[async_trait]
impl Mailer for EmlOutboxMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<String, MailError> {
        let safe_id: String = email
            .id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        let path = self.dir.join(format!("{safe_id}.eml"));
        let temporary = self.dir.join(format!(".{safe_id}.eml.tmp"));
        let message = mime_message(email, time::OffsetDateTime::now_utc())?;
        // Owner-only: the file holds an invitation link or a temporary password. Written
        // through `blocking`: file I/O would hold an async worker.
        crate::sqlite::blocking(|| {
            crate::private_files::write_private(&temporary, &message).and_then(|_| std::fs::rename(&temporary, &path))
        })
        .map_err(|e| MailError::Transient(e.to_string()))?;
        // The outbox entry names the member and the kind of email; the links and passwords
        // in it stay in the file.
        tracing::info!(outbox_id = %email.id, "email written to the outbox");
        Ok(safe_id)
    }
}
