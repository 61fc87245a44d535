//! The member's own profile (rule 12) and password.

use serde::Deserialize;
use serde_json::Value;

use roster_domain::error::FieldErrors;
use roster_domain::profile::{check_new_password, parse_person_name, parse_phone};
use roster_domain::Email;

use crate::app::{retrying, App, RequestContext};
use crate::error::{AppError, AppResult};
use crate::ports::Condition;
use crate::records::EmailGuard;
use crate::secrets::{hash_password, verify_password};
use crate::table;
use crate::tx::{Origin, Tx};
use crate::views;
use roster_domain::ErrorCode;

/// `GET /v1/me`.
pub async fn get_me(app: &App, ctx: &RequestContext) -> AppResult<Value> {
    Ok(views::member(&app.signed_in_member(ctx, true).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// `PATCH /v1/me`: name, phone and email. A new email must be free in the org.
pub async fn update_me(app: &App, ctx: &RequestContext, patch: MePatch) -> AppResult<Value> {
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
    retrying(|| async {
        let member = app.signed_in_member(ctx, false).await?;
        let mut next = member.clone();
        next.first_name = first_name.clone().unwrap_or(next.first_name);
        next.last_name = last_name.clone().unwrap_or(next.last_name);
        next.phone = phone.clone().unwrap_or(next.phone);
        let mut tx = Tx::new();
        if let Some(email) = email.clone().filter(|e| *e != member.email) {
            if app.find_member_by_email(&member.org_id, &email).await?.is_some() {
                return Err(AppError::conflict(ErrorCode::EmailTaken));
            }
            let org_pk = table::org_pk(&member.org_id);
            tx.delete(org_pk.clone(), table::email_guard_sk(&member.email), Condition::None);
            tx.put_new(table::encode(
                org_pk,
                table::email_guard_sk(&email),
                1,
                &EmailGuard {
                    member_id: member.id.clone(),
                },
            ));
            next.email = email;
        }
        if next == member {
            // Nothing changes: nothing is written, no version bump, no audit event.
            return Ok(views::member(&member));
        }
        next.updated_at = app.now();
        tx.member(Some(&member), &next);
        let origin = Origin {
            actor_id: Some(member.id.clone()),
            ip: ctx.ip.clone(),
        };
        tx.audit(
            &member.org_id,
            app.now(),
            &origin,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// `POST /v1/me/password`: the only call a temporary password's token allows.
pub async fn change_password(app: &App, ctx: &RequestContext, input: PasswordChange) -> AppResult<Value> {
    check_new_password("new_password", &input.new_password).map_err(|e| AppError::Domain(roster_domain::DomainError::Invalid(vec![e])))?;
    if input.new_password == input.current_password {
        return Err(AppError::invalid(
            "new_password",
            ErrorCode::Unchanged,
            "the new password must differ from the current one",
        ));
    }
    let member = app.signed_in_member(ctx, true).await?;
    if !member
        .password_hash
        .as_deref()
        .is_some_and(|hash| verify_password(&input.current_password, hash))
    {
        return Err(AppError::invalid(
            "current_password",
            ErrorCode::Incorrect,
            "the current password is not right",
        ));
    }
    let new_hash = hash_password(&input.new_password);
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
            &Origin {
                actor_id: Some(member.id.clone()),
                ip: ctx.ip.clone(),
            },
            "password_changed",
            Some(&member),
            Some(&next),
            None,
        );
        tx.commit(app).await?;
        Ok(serde_json::json!({"password_changed": true}))
    })
    .await
}
