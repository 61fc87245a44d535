//! The mailer port as an outbox directory: every email becomes an RFC 5322 `.eml` file
//! named after its outbox entry, so a resend of the same entry rewrites the same file.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use time::format_description::well_known::Rfc2822;

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

/// A header value, RFC 2047-encoded when it is not plain ASCII.
fn header_value(text: &str) -> String {
    let clean: String = text.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    if clean.is_ascii() {
        clean
    } else {
        format!("=?UTF-8?B?{}?=", STANDARD.encode(clean.as_bytes()))
    }
}

/// The email as RFC 5322 text with CRLF line endings.
pub fn render_eml(email: &OutgoingEmail, date: time::OffsetDateTime) -> String {
    let body = email.text_body.replace("\r\n", "\n").replace('\n', "\r\n");
    format!(
        "From: {}\r\nTo: {}\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: <{}@roster.local>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}",
        header_value(&email.from),
        header_value(&email.to),
        header_value(&email.subject),
        date.format(&Rfc2822).unwrap_or_default(),
        email.id,
        body
    )
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
        let text = render_eml(email, time::OffsetDateTime::now_utc());
        // Owner-only: the file holds an invitation link or a temporary password.
        crate::private_files::write_private(&temporary, &text)
            .and_then(|_| std::fs::rename(&temporary, &path))
            .map_err(|e| MailError::Transient(e.to_string()))?;
        // The outbox entry names the member and the kind of email; the links and passwords
        // in it stay in the file.
        tracing::info!(outbox_id = %email.id, "email written to the outbox");
        Ok(safe_id)
    }
}
