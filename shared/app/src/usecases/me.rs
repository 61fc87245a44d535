//! The member's own profile (rule 12) and password.

use serde::Deserialize;

use roster_domain::error::FieldErrors;
use roster_domain::profile::{check_new_password, parse_person_name, parse_phone};
use roster_domain::{DomainError, Email, EmailChangeToken, PendingEmailChange};

use crate::app::{retrying, App, RequestContext};
use crate::error::{AppError, AppResult};
use crate::ports::Condition;
use crate::rate_limits::RateCounter;
use crate::records::{EmailChangeLookup, EmailKind};
use crate::secrets::{hash_password, sha256_hex, verify_password};
use crate::table;
use crate::tx::Tx;
use crate::usecases::membership::email_change_token;
use crate::views;
use crate::views::MemberView;
use crate::views::{ConfirmedEmailView, PasswordChangedView};
use roster_domain::ErrorCode;

/// `GET /v1/me`.
pub async fn get_me(app: &App, ctx: &RequestContext) -> AppResult<MemberView> {
    Ok(views::member(&app.signed_in_member(ctx, true).await?))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    #[schemars(with = "Option<roster_domain::schema::PersonName>")]
    pub first_name: Option<String>,
    #[schemars(with = "Option<roster_domain::schema::PersonName>")]
    pub last_name: Option<String>,
    #[schemars(with = "Option<roster_domain::schema::Phone>")]
    pub phone: Option<String>,
    #[schemars(with = "Option<roster_domain::schema::EmailAddress>")]
    pub email: Option<String>,
}

/// Email changes a member may ask for in an hour.
pub const EMAIL_CHANGES_PER_HOUR: u64 = 5;
/// How long an email change's confirmation link works.
const EMAIL_CHANGE_TTL: time::Duration = time::Duration::hours(24);

/// `PATCH /v1/me`: name and phone at once; a new email only once the new address confirms
/// it (rule 12). The answer is the same whether or not the new address is taken in the org,
/// so a member cannot probe who belongs: a taken one fails only at confirmation, which only
/// its owner can reach.
pub async fn update_me(app: &App, ctx: &RequestContext, patch: MePatch) -> AppResult<MemberView> {
    let mut errors = FieldErrors::default();
    let first_name = patch
        .first_name
        .as_deref()
        .and_then(|n| errors.check(parse_person_name("first_name", n)));
    let last_name = patch
        .last_name
        .as_deref()
        .and_then(|n| errors.check(parse_person_name("last_name", n)));
    let phone = patch.phone.as_deref().and_then(|p| errors.check(parse_phone("phone", p)));
    let email = patch.email.as_deref().and_then(|e| errors.check(Email::parse(e)));
    errors.finish()?;
    if let Some(email) = &email {
        let caller = app.signed_in_member(ctx, false).await?;
        if *email != caller.email {
            // Each request (a repeat resends the link) mails two addresses: a few an hour.
            let requests = RateCounter::new("email_change", &caller.id, 3600);
            requests.take(app, EMAIL_CHANGES_PER_HOUR).await?.keep();
        }
    }
    retrying(|| async {
        let member = app.signed_in_member(ctx, false).await?;
        let mut next = member.clone();
        next.first_name = first_name.clone().unwrap_or(next.first_name);
        next.last_name = last_name.clone().unwrap_or(next.last_name);
        next.phone = phone.clone().unwrap_or(next.phone);
        let mut tx = Tx::new();
        if let Some(email) = email.clone().filter(|e| *e != member.email) {
            next.email_changes_requested += 1;
            let version = next.email_changes_requested;
            let token_hash = sha256_hex(&email_change_token(app, &member.id, version).await?);
            next.pending_email = Some(PendingEmailChange {
                email: email.clone(),
                token_hash: token_hash.clone(),
                expires_at: app.now() + EMAIL_CHANGE_TTL,
                version,
            });
            let lookup = EmailChangeLookup {
                org_id: member.org_id.clone(),
                member_id: member.id.clone(),
            };
            tx.put_new(
                table::encode(table::email_change_pk(&token_hash), table::EMAIL_CHANGE_SK.into(), 1, &lookup)
                    .expiring_at(app.now() + EMAIL_CHANGE_TTL + table::KEPT_AFTER_USE),
            );
            if let Some(superseded) = &member.pending_email {
                forget_email_change(&mut tx, &superseded.token_hash);
            }
            tx.email_to(app, &next, EmailKind::EmailChangeConfirmation, version, Some(&email));
            tx.email_to(app, &next, EmailKind::EmailChangeNotice, version, Some(&member.email));
        } else if email.as_ref() == Some(&member.email) {
            // Asking for the email it has: any change waiting for confirmation is off.
            if let Some(cancelled) = next.pending_email.take() {
                forget_email_change(&mut tx, &cancelled.token_hash);
            }
        }
        if next == member {
            // Nothing changes: nothing is written, no version bump, no audit event.
            return Ok(views::member(&member));
        }
        next.updated_at = app.now();
        tx.member(Some(&member), &next);
        tx.audit(
            &member.org_id,
            app.now(),
            &ctx.origin(Some(&member.id)),
            "profile_updated",
            Some(&member),
            Some(&next),
            None,
        );
        tx.commit(app).await?;
        next.version = member.version + 1;
        Ok(views::member(&next))
    })
    .await
}

/// Deletes an email change's confirmation-link item: the link no longer works.
fn forget_email_change(tx: &mut Tx, token_hash: &str) {
    tx.delete(table::email_change_pk(token_hash), table::EMAIL_CHANGE_SK.into(), Condition::None);
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailConfirmation {
    pub token: EmailChangeToken,
}

/// `POST /v1/email-confirmations`: the link sent to the new address makes it the account's
/// email (and its sign-in). Anyone holding the link may use it, once, before it expires.
pub async fn confirm_email(app: &App, ctx: &RequestContext, input: EmailConfirmation) -> AppResult<ConfirmedEmailView> {
    let token_hash = sha256_hex(&input.token);
    let Some(lookup) = app.store.get(&table::email_change_pk(&token_hash), table::EMAIL_CHANGE_SK).await? else {
        return Err(AppError::not_found());
    };
    let lookup: EmailChangeLookup = table::decode(&lookup)?;
    retrying(|| async {
        let member = app.load_member(&lookup.org_id, &lookup.member_id).await?;
        let change = member
            .pending_email
            .as_ref()
            .filter(|c| c.token_hash == token_hash && c.expires_at > app.now())
            .ok_or(AppError::Domain(DomainError::Gone(ErrorCode::ConfirmationExpired)))?;
        if app.find_member_by_email(&member.org_id, &change.email).await?.is_some() {
            return Err(AppError::conflict(ErrorCode::EmailTaken));
        }
        let mut next = member.clone();
        next.email = change.email.clone();
        next.pending_email = None;
        next.updated_at = app.now();
        let mut tx = Tx::new();
        forget_email_change(&mut tx, &token_hash);
        tx.member(Some(&member), &next);
        tx.audit(
            &member.org_id,
            app.now(),
            &ctx.origin(Some(&member.id)),
            "email_changed",
            Some(&member),
            Some(&next),
            None,
        );
        tx.commit(app).await?;
        Ok(ConfirmedEmailView { email: next.email })
    })
    .await
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    #[schemars(with = "roster_domain::schema::NewPassword")]
    pub new_password: String,
}

/// `POST /v1/me/password`: the only call a temporary password's token allows.
pub async fn change_password(app: &App, ctx: &RequestContext, input: PasswordChange) -> AppResult<PasswordChangedView> {
    check_new_password("new_password", &input.new_password).map_err(|e| AppError::Domain(roster_domain::DomainError::Invalid(vec![e])))?;
    if input.new_password == input.current_password {
        return Err(AppError::invalid(
            "new_password",
            ErrorCode::Unchanged,
            "the new password must differ from the current one",
        ));
    }
    let member = app.signed_in_member(ctx, true).await?;
    let current_is_right = match member.password_hash.as_deref() {
        Some(hash) => verify_password(&input.current_password, hash).await,
        None => false,
    };
    if !current_is_right {
        return Err(AppError::invalid(
            "current_password",
            ErrorCode::Incorrect,
            "the current password is not right",
        ));
    }
    let new_hash = hash_password(&input.new_password).await;
    retrying(|| async {
        let member = app.signed_in_member(ctx, true).await?;
        let mut next = member.clone();
        next.password_hash = Some(new_hash.clone());
        next.password_temporary = false;
        next.temporary_password_used = false;
        // (The new password hash ends every token issued before: `Tx::member` moves the
        // credential version on.)
        next.updated_at = app.now();
        let mut tx = Tx::new();
        tx.member(Some(&member), &next);
        tx.audit(
            &member.org_id,
            app.now(),
            &ctx.origin(Some(&member.id)),
            "password_changed",
            Some(&member),
            Some(&next),
            None,
        );
        tx.commit(app).await?;
        Ok(PasswordChangedView { password_changed: true })
    })
    .await
}
