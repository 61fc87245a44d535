//! The email sender: renders and sends the email of one outbox entry. It claims the entry
//! (a lease written conditionally) before calling the mailer and deletes it after, so
//! two deliveries of one message send once. An entry already sent, or one whose invitation
//! or password was superseded, sends nothing.

use serde::Deserialize;

use roster_domain::{Email, Member, MembershipStatus};

use crate::app::App;
use crate::emails::{self, RenderedEmail};
use crate::error::{AppError, AppResult};
use crate::ports::{Condition, Item, MailError, OutgoingEmail};
use crate::records::{DeliveryStatus, EmailKind, OutboxEntry, SignInCode};
use crate::table;
use crate::tx::Tx;
use crate::usecases::membership::{email_change_token, invitation_link_token, temporary_password};
use crate::usecases::sign_in_codes::{code_accounts, sign_in_code, SIGN_IN_CODE_TRIES};

/// The email queue's message: the outbox entry `outbox_id` in partition `pk` (messages
/// from before name the org instead).
#[derive(Deserialize)]
struct EmailMessage {
    pk: Option<String>,
    org_id: Option<String>,
    outbox_id: String,
}

impl EmailMessage {
    fn partition(&self) -> AppResult<String> {
        match (&self.pk, &self.org_id) {
            (Some(pk), _) => Ok(pk.clone()),
            (None, Some(org_id)) => Ok(table::org_pk(org_id)),
            (None, None) => Err(AppError::Internal("an email message names no partition".into())),
        }
    }
}

pub async fn handle(app: &App, body: &str) -> AppResult<()> {
    let message: EmailMessage = super::parse_message(body)?;
    let Some((item, entry)) = claim(app, &message).await? else {
        return Ok(());
    };
    let rendered = match (&entry.org_id, &entry.member_id) {
        (Some(org_id), Some(member_id)) => match app.find_member(org_id, member_id).await {
            Ok(member) => render(app, &entry, org_id, member.as_ref()).await,
            Err(error) => Err(error),
        },
        _ => render_sign_in_code(app, &item.pk, &entry).await,
    };
    let rendered = match rendered {
        Ok(rendered) => rendered,
        Err(error) => {
            // Delivered again later; the claim is given up now rather than left to lapse.
            release(app, item, entry).await;
            return Err(error);
        }
    };
    let Some(email) = rendered else {
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

/// Sends the emails of several messages received together: their entries read in one
/// call and claimed in one write (each on its own when another delivery got to one of them
/// first), the org read once, each marked sent as soon as it is; answers each message's
/// result in order. A message repeated in the batch is done with its first. Past
/// `deadline`, or once the provider throttles, the rest are released for redelivery.
pub async fn handle_batch(app: &App, bodies: &[&str], deadline: crate::deadline::Deadline) -> Vec<AppResult<()>> {
    let mut results: Vec<AppResult<()>> = Vec::with_capacity(bodies.len());
    let mut wanted: Vec<(usize, String, String)> = Vec::new();
    for (index, body) in bodies.iter().enumerate() {
        match super::parse_message::<EmailMessage>(body).and_then(|m| Ok((m.partition()?, table::outbox_sk(&m.outbox_id)))) {
            Ok((pk, sk)) if !wanted.iter().any(|(_, p, s)| *p == pk && *s == sk) => {
                wanted.push((index, pk, sk));
                results.push(Ok(()));
            }
            Ok(_) => results.push(Ok(())),
            Err(error) => results.push(Err(error)),
        }
    }
    if wanted.len() == 1 {
        let (index, _, _) = &wanted[0];
        results[*index] = handle(app, bodies[*index]).await;
        return results;
    }
    let claimed = match claim_all(app, &wanted).await {
        Ok((claimed, unreadable)) => {
            for (index, error) in unreadable {
                results[index] = Err(error);
            }
            claimed
        }
        Err(AppError::Contention) => {
            // Another delivery wrote one of them first: each on its own.
            for (index, _, _) in &wanted {
                results[*index] = handle(app, bodies[*index]).await;
            }
            return results;
        }
        Err(error) => {
            for (index, _, _) in &wanted {
                results[*index] = Err(AppError::Unavailable(error.to_string()));
            }
            return results;
        }
    };
    let mut orgs: std::collections::HashMap<String, roster_domain::Org> = std::collections::HashMap::new();
    let mut claimed = claimed.into_iter();
    while let Some((index, item, entry)) = claimed.next() {
        // Out of time, or the provider throttling: what is left goes back (its claims
        // released) for the message's next delivery.
        if deadline.has_passed() {
            let rest = std::iter::once((index, item, entry)).chain(claimed.by_ref());
            release_all(app, rest, "out of time for this batch", &mut results).await;
            break;
        }
        let rendered = match (&entry.org_id, &entry.member_id) {
            (Some(org_id), Some(member_id)) => {
                let org = match orgs.get(org_id) {
                    Some(org) => Ok(org.clone()),
                    None => app.load_org(org_id).await,
                };
                match org {
                    Ok(org) => {
                        orgs.insert(org_id.clone(), org.clone());
                        match app.find_member(org_id, member_id).await {
                            Ok(member) => render_for(app, &entry, &org, member.as_ref()).await,
                            Err(error) => Err(error),
                        }
                    }
                    Err(error) => Err(error),
                }
            }
            _ => render_sign_in_code(app, &item.pk, &entry).await,
        };
        let outcome = match rendered {
            Ok(None) => Ok((DeliveryStatus::Obsolete, None)),
            Ok(Some(email)) => match app.mailer.send(&email).await {
                Ok(message_id) => Ok((DeliveryStatus::Sent, Some(message_id))),
                Err(MailError::Rejected(reason)) => {
                    tracing::error!(outbox_id = %entry.id, %reason, "email rejected by the provider; not retrying");
                    Ok((DeliveryStatus::Obsolete, None))
                }
                Err(error @ MailError::Transient(_)) => {
                    // Throttled (or down): the rest of the batch waits too.
                    let rest = std::iter::once((index, item, entry)).chain(claimed.by_ref());
                    release_all(app, rest, &error.to_string(), &mut results).await;
                    break;
                }
            },
            Err(AppError::Unavailable(why)) => {
                // The keys (or the table) out of reach: the rest of the batch waits too.
                let rest = std::iter::once((index, item, entry)).chain(claimed.by_ref());
                release_all(app, rest, &why, &mut results).await;
                break;
            }
            Err(error) => Err(error),
        };
        // Each entry is marked the moment its email is sent: a crash later in the batch
        // sends none of the earlier ones again.
        results[index] = match outcome {
            Ok((status, message_id)) => finish(app, item, entry, status, message_id).await,
            Err(error) => {
                release(app, item, entry).await;
                Err(error)
            }
        };
    }
    results
}

/// Gives up the claims of `rest`, each message failing with `why` (delivered again later).
async fn release_all(app: &App, rest: impl Iterator<Item = (usize, Item, OutboxEntry)>, why: &str, results: &mut [AppResult<()>]) {
    for (index, item, entry) in rest {
        results[index] = Err(AppError::Unavailable(why.to_string()));
        release(app, item, entry).await;
    }
}

/// Claims the pending entries of `wanted` (message index, key) in one write: answers the
/// claimed ones with the message they came from, and the messages whose entry can't be
/// read. `Contention` when another delivery wrote one of them since they were read.
async fn claim_all(app: &App, wanted: &[(usize, String, String)]) -> AppResult<(Vec<(usize, Item, OutboxEntry)>, Vec<(usize, AppError)>)> {
    let items = app
        .store
        .batch_get(wanted.iter().map(|(_, pk, sk)| (pk.clone(), sk.clone())).collect())
        .await?;
    let now = app.now();
    let mut tx = Tx::new();
    let mut claimed = Vec::new();
    let mut unreadable = Vec::new();
    for (index, pk, sk) in wanted {
        let Some(item) = items.iter().find(|item| item.pk == *pk && item.sk == *sk) else {
            continue;
        };
        // An unreadable entry fails its own message, not the batch's.
        let mut entry = match table::decode::<OutboxEntry>(item) {
            Ok(entry) => entry,
            Err(error) => {
                unreadable.push((*index, error));
                continue;
            }
        };
        if entry.status != DeliveryStatus::Pending || entry.is_claimed(now) {
            continue;
        }
        entry.claimed_until = Some(now + app.config.email_claim_lease);
        entry.attempts += 1;
        let written = table::encode(item.pk.clone(), item.sk.clone(), item.version, &entry).with_index_of(item);
        tx.put_next(written.clone());
        claimed.push((
            *index,
            Item {
                version: item.version + 1,
                ..written
            },
            entry,
        ));
    }
    tx.commit(app).await?;
    Ok((claimed, unreadable))
}

/// Claims the pending outbox entry of `message` for this delivery (a conditional write of
/// a lease), so no other delivery sends it meanwhile. `None`: nothing to send now — the
/// entry is gone or done, or another delivery holds a live claim (if that one never
/// finishes, delivery repair queues the email again once its claim has lapsed).
async fn claim(app: &App, message: &EmailMessage) -> AppResult<Option<(Item, OutboxEntry)>> {
    let Some(item) = app.store.get(&message.partition()?, &table::outbox_sk(&message.outbox_id)).await? else {
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
async fn render(app: &App, entry: &OutboxEntry, org_id: &str, member: Option<&Member>) -> AppResult<Option<OutgoingEmail>> {
    if member.is_none() {
        return Ok(None);
    }
    let org = app.load_org(org_id).await?;
    render_for(app, entry, &org, member).await
}

/// The same, with the org read.
async fn render_for(app: &App, entry: &OutboxEntry, org: &roster_domain::Org, member: Option<&Member>) -> AppResult<Option<OutgoingEmail>> {
    let Some(member) = member else {
        return Ok(None);
    };
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
                invitation_link_token(app, member, entry.secret_version).await?
            );
            emails::invitation(org, member, &link, entry.kind == EmailKind::Reinvitation)
        }
        EmailKind::TemporaryPassword => {
            if !(member.password_temporary && member.credential_version == entry.secret_version) {
                return Ok(None);
            }
            emails::temporary_password(
                org,
                member,
                &temporary_password(app, &member.id, entry.secret_version).await?,
                &login_url,
            )
        }
        EmailKind::JoinApproved => emails::join_approved(org, member, &login_url),
        EmailKind::JoinNotice => emails::join_notice(org, member, &login_url),
        EmailKind::EmailChangeConfirmation => {
            let Some(change) = member.pending_email.as_ref().filter(|c| c.version == entry.secret_version) else {
                return Ok(None);
            };
            let link = format!(
                "{}/confirm-email/{}",
                app.config.public_url,
                email_change_token(app, &member.id, entry.secret_version).await?
            );
            emails::email_change_confirmation(org, member, change.email.as_str(), &link, change.expires_at)
        }
        EmailKind::EmailChangeNotice => emails::email_change_notice(org, member),
        // Written without an org or member (`render_sign_in_code`).
        EmailKind::SignInCode => return Ok(None),
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

/// A sign-in code's email, when the code is still the address's current one and the
/// address has an account that allows codes; `None` otherwise (nothing is sent, so the
/// request's answer tells no one whether the address has accounts).
async fn render_sign_in_code(app: &App, pk: &str, entry: &OutboxEntry) -> AppResult<Option<OutgoingEmail>> {
    let (Some(to), Some(challenge)) = (&entry.to, &entry.challenge) else {
        return Ok(None);
    };
    let email = Email::parse(to).map_err(|_| AppError::Internal("a sign-in code's address is an email".into()))?;
    let Some(item) = app.store.get(pk, table::SIGN_IN_CODE_SK).await? else {
        return Ok(None);
    };
    let code: SignInCode = table::decode(&item)?;
    let current = &code.challenge == challenge && !code.used && code.failures < SIGN_IN_CODE_TRIES && code.expires_at > app.now();
    if !current {
        return Ok(None);
    }
    let orgs: Vec<String> = code_accounts(app, &email).await?.into_iter().map(|(_, org)| org.name).collect();
    if orgs.is_empty() {
        return Ok(None);
    }
    let rendered = emails::sign_in_code(&sign_in_code(app, &email, challenge).await?, &orgs, code.expires_at);
    Ok(Some(OutgoingEmail {
        id: entry.id.clone(),
        from: app.config.mail_from.clone(),
        to: email.to_string(),
        subject: rendered.subject,
        text_body: rendered.text_body,
        html_body: rendered.html_body,
    }))
}

/// Done with the claimed entry: it is deleted (what was sent, to whom and the provider's
/// message id go to the log). A redelivered message then finds no entry and sends
/// nothing, as it would finding one marked sent; a kept entry would cost the database a
/// row an email. The claim is ours, so only delivery repair can have written the entry
/// since (it leaves claimed entries alone): the delete is checked against the version
/// the claim wrote.
async fn finish(app: &App, item: Item, entry: OutboxEntry, status: DeliveryStatus, message_id: Option<String>) -> AppResult<()> {
    let mut tx = Tx::new();
    tx.delete(item.pk, item.sk, Condition::Version(item.version));
    tx.commit(app).await?;
    tracing::debug!(
        outbox_id = %entry.id,
        kind = entry.kind.as_str(),
        ?status,
        message_id = message_id.as_deref().unwrap_or("-"),
        "email done"
    );
    Ok(())
}
