//! The email sender: renders and sends the email of one outbox entry. It claims the entry
//! (a lease written conditionally) before calling the mailer and marks it sent after, so
//! two deliveries of one message send once. An entry already sent, or one whose invitation
//! or password was superseded, sends nothing.

use serde::Deserialize;

use roster_domain::{Member, MembershipStatus};

use crate::app::App;
use crate::emails::{self, RenderedEmail};
use crate::error::{AppError, AppResult};
use crate::ports::{Item, MailError, OutgoingEmail};
use crate::records::{DeliveryStatus, EmailKind, OutboxEntry};
use crate::table;
use crate::tx::Tx;
use crate::usecases::membership::{email_change_token, invitation_token, temporary_password};

#[derive(Deserialize)]
struct EmailMessage {
    org_id: String,
    outbox_id: String,
}

pub async fn handle(app: &App, body: &str) -> AppResult<()> {
    let message: EmailMessage = super::parse_message(body)?;
    let Some((item, entry)) = claim(app, &message).await? else {
        return Ok(());
    };
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
        Err(error @ MailError::Transient(_)) => {
            release(app, item, entry).await;
            Err(AppError::Unavailable(error.to_string()))
        }
    }
}

/// Claims the pending outbox entry of `message` for this delivery (a conditional write of
/// a lease), so no other delivery sends it meanwhile. `None`: nothing to send now — the
/// entry is gone or done, or another delivery holds a live claim (if that one never
/// finishes, delivery repair queues the email again once its claim has lapsed).
async fn claim(app: &App, message: &EmailMessage) -> AppResult<Option<(Item, OutboxEntry)>> {
    let Some(item) = app
        .store
        .get(&table::org_pk(&message.org_id), &table::outbox_sk(&message.outbox_id))
        .await?
    else {
        return Ok(None);
    };
    let mut entry: OutboxEntry = table::decode(&item)?;
    let now = app.now();
    if entry.status != DeliveryStatus::Pending || entry.is_claimed(now) {
        return Ok(None);
    }
    entry.claimed_until = Some(now + app.config.email_claim_lease);
    entry.attempts += 1;
    let claimed = table::encode(item.pk.clone(), item.sk.clone(), item.version, &entry).with_index_of(&item);
    let mut tx = Tx::new();
    tx.put_next(claimed.clone());
    match tx.commit(app).await {
        Ok(()) => Ok(Some((
            Item {
                version: item.version + 1,
                ..claimed
            },
            entry,
        ))),
        // Another delivery (or delivery repair) wrote the entry first: it has it.
        Err(AppError::Contention) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Gives the claim up after a failed send, so the redelivered message may try at once.
async fn release(app: &App, item: Item, mut entry: OutboxEntry) {
    entry.claimed_until = None;
    let mut tx = Tx::new();
    tx.put_next(table::encode(item.pk.clone(), item.sk.clone(), item.version, &entry).with_index_of(&item));
    if let Err(error) = tx.commit(app).await {
        tracing::warn!(outbox_id = %entry.id, %error, "could not release an email claim; it lapses by itself");
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
                invitation_token(app, &member.id, entry.secret_version)?
            );
            emails::invitation(&org, member, &link, entry.kind == EmailKind::Reinvitation)
        }
        EmailKind::TemporaryPassword => {
            if !(member.password_temporary && member.credential_version == entry.secret_version) {
                return Ok(None);
            }
            emails::temporary_password(
                &org,
                member,
                &temporary_password(app, &member.id, entry.secret_version)?,
                &login_url,
            )
        }
        EmailKind::JoinApproved => emails::join_approved(&org, member, &login_url),
        EmailKind::JoinNotice => emails::join_notice(&org, member, &login_url),
        EmailKind::EmailChangeConfirmation => {
            let Some(change) = member.pending_email.as_ref().filter(|c| c.version == entry.secret_version) else {
                return Ok(None);
            };
            let link = format!(
                "{}/confirm-email/{}",
                app.config.public_url,
                email_change_token(app, &member.id, entry.secret_version)?
            );
            emails::email_change_confirmation(&org, member, change.email.as_str(), &link, change.expires_at)
        }
        EmailKind::EmailChangeNotice => emails::email_change_notice(&org, member),
    };
    Ok(Some(OutgoingEmail {
        id: entry.id.clone(),
        from: app.config.mail_from.clone(),
        to: entry.to.clone().unwrap_or_else(|| member.email.to_string()),
        subject: rendered.subject,
        text_body: rendered.text_body,
        html_body: rendered.html_body,
    }))
}

/// Marks the claimed entry done and takes it out of the due index. The claim is ours, so
/// only delivery repair can have written the entry since (it leaves claimed entries alone);
/// the write is checked against the version the claim wrote.
async fn finish(app: &App, item: Item, mut entry: OutboxEntry, status: DeliveryStatus, message_id: Option<String>) -> AppResult<()> {
    entry.status = status;
    entry.message_id = message_id;
    entry.claimed_until = None;
    let mut tx = Tx::new();
    tx.put_next(table::encode(item.pk, item.sk, item.version, &entry));
    tx.commit(app).await
}
