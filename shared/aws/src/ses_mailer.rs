//! The mailer port on SES v2: the MIME message (`emails::mime_message`: a text and an HTML
//! part) sent as raw content, with a configuration set so deliveries, bounces and
//! complaints are tracked.

use async_trait::async_trait;
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
use aws_sdk_sesv2::Client;

use roster_app::emails::mime_message;
use roster_app::ports::{MailError, Mailer, OutgoingEmail};

#[derive(Clone)]
pub struct SesMailer {
    client: Client,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(client: Client, configuration_set: Option<String>) -> Self {
        SesMailer { client, configuration_set }
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<String, MailError> {
        let message = RawMessage::builder()
            .data(Blob::new(mime_message(email, time::OffsetDateTime::now_utc())?))
            .build()
            .map_err(|e| MailError::Rejected(e.to_string()))?;
        let result = self
            .client
            .send_email()
            .from_email_address(&email.from)
            .destination(Destination::builder().to_addresses(&email.to).build())
            .content(EmailContent::builder().raw(message).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await;
        match result {
            Ok(output) => Ok(output.message_id().unwrap_or_default().to_string()),
            Err(error) => Err(match error.into_service_error() {
                // These will not succeed by retrying.
                e @ (SendEmailError::MessageRejected(_)
                | SendEmailError::MailFromDomainNotVerifiedException(_)
                | SendEmailError::AccountSuspendedException(_)
                | SendEmailError::BadRequestException(_)
                | SendEmailError::NotFoundException(_)) => MailError::Rejected(e.to_string()),
                other => MailError::Transient(other.to_string()),
            }),
        }
    }
}
