//! The email sender: renders and sends the email of one outbox entry. Idempotent: an entry
//! already sent, or one whose invitation or password was superseded, sends nothing.

use serde::Deserialize;

use roster_domain::{Member, MembershipStatus};

use crate::app::App;
use crate::emails::{self, RenderedEmail};
use crate::error::AppResult;
use crate::ports::{MailError, OutgoingEmail};
use crate::records::{DeliveryStatus, EmailKind, OutboxEntry};
use crate::table;
use crate::tx::Tx;
use crate::usecases::membership::{invitation_token, temporary_password};

#[derive(Deserialize)]
struct EmailMessage {
    org_id: String,
    outbox_id: String,
}

pub async fn handle(app: &App, body: &str) -> AppResult<()> {
    let message: EmailMessage = super::parse_message(body)?;
    let Some(item) = app
        .store
        .get(&table::org_pk(&message.org_id), &table::outbox_sk(&message.outbox_id))
        .await?
    else {
        return Ok(());
    };
    let entry: OutboxEntry = table::decode(&item)?;
    if entry.status != DeliveryStatus::Pending {
        return Ok(());
    }
    let member = app.find_member(&entry.org_id, &entry.member_id).await?;
    let Some(email) = render(app, &entry, member.as_ref()).await? else {
        return finish(app, item, entry, DeliveryStatus::Obsolete, None).await;
    };
    match app.mailer.send(&email).await {
        Ok(message_id) => finish(app, item, entry, DeliveryStatus::Sent, Some(message_id)).await,
        Err(MailError::Rejected(reason)) => {
            tracing::error!(outbox_id = %entry.id, %reason, "email rejected by the provider; not retrying");
            finish(app, item, entry, DeliveryStatus::Obsolete, None).await
        }
        Err(error @ MailError::Transient(_)) => Err(crate::error::AppError::Unavailable(error.to_string())),
    }
}

/// The email for `entry`, or `None` when it no longer applies.
async fn render(app: &App, entry: &OutboxEntry, member: Option<&Member>) -> AppResult<Option<OutgoingEmail>> {
    let Some(member) = member else {
        return Ok(None);
    };
    let org = app.load_org(&entry.org_id).await?;
    let login_url = format!("{}/login", app.config.public_url);
    let rendered: RenderedEmail = match entry.kind {
        EmailKind::Invitation | EmailKind::Reinvitation => {
            let current =
                member.status == MembershipStatus::Invited && member.invitation.as_ref().is_some_and(|i| i.version == entry.secret_version);
            if !current {
                return Ok(None);
            }
            let link = format!(
                "{}/{}",
                app.config.accept_url,
                invitation_token(app, &member.id, entry.secret_version)
            );
            emails::invitation(&org, member, &link, entry.kind == EmailKind::Reinvitation)
        }
        EmailKind::TemporaryPassword => {
            if !(member.password_temporary && member.credential_version == entry.secret_version) {
                return Ok(None);
            }
            emails::temporary_password(&org, member, &temporary_password(app, &member.id, entry.secret_version), &login_url)
        }
        EmailKind::JoinApproved => emails::join_approved(&org, member, &login_url),
    };
    Ok(Some(OutgoingEmail {
        id: entry.id.clone(),
        from: app.config.mail_from.clone(),
        to: member.email.to_string(),
        subject: rendered.subject,
        text_body: rendered.text_body,
    }))
}

/// Marks the entry done and takes it out of the due index. Losing this race to another
/// delivery of the same message is fine: that one finished the entry.
async fn finish(
    app: &App,
    item: crate::ports::Item,
    mut entry: OutboxEntry,
    status: DeliveryStatus,
    message_id: Option<String>,
) -> AppResult<()> {
    entry.status = status;
    entry.attempts += 1;
    entry.message_id = message_id;
    let mut tx = Tx::new();
    tx.put_next(table::encode(item.pk, item.sk, item.version, &entry));
    match tx.commit(app).await {
        Err(crate::error::AppError::Contention) => Ok(()),
        other => other,
    }
}
