//! The mailer port: sends one rendered email (`emails::mime_message` makes it a MIME message).

use async_trait::async_trait;

/// A rendered email. `id` names the outbox entry it comes from (one send per entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub id: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// Worth trying again later.
    #[error("mail temporarily failed: {0}")]
    Transient(String),
    /// Will never succeed (bad address, unverified sender).
    #[error("mail rejected: {0}")]
    Rejected(String),
}

#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends the email; answers the provider's message id.
    async fn send(&self, email: &OutgoingEmail) -> Result<String, MailError>;
}

/// For functions that send no email themselves (all but the email sender).
pub struct NoMailer;

#[async_trait]
impl Mailer for NoMailer {
    async fn send(&self, _: &OutgoingEmail) -> Result<String, MailError> {
        Err(MailError::Transient("this function sends no email; the email sender does".into()))
    }
}
