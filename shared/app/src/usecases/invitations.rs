//! Invitations: invite one email, preview a pasted list, read and accept an invitation
//! link, request to join with the org's join code.

use serde::Deserialize;

use roster_domain::error::FieldErrors;
use roster_domain::lifecycle::{self, AcceptedProfile};
use roster_domain::pasted_list::parse_pasted_list;
use roster_domain::profile::{check_new_password, parse_person_name, parse_phone, parse_two_factor_channel};
use roster_domain::sign_in::effective_methods;
use roster_domain::{Action, DomainError, Email, Kind, LoginMethod, Member, MembershipStatus, PendingInvitation, Plan, Role};

use crate::app::{retrying, App, RequestContext};
use crate::error::{AppError, AppResult};
use crate::rate_limits::{count_free_invitation, free_invitation_counters, take_all, RateCounter, TakenSlot};
use crate::records::{EmailKind, InvitationLookup, JoinCodeLookup};
use crate::secrets::{constant_time_eq, hash_password, sha256_hex};
use crate::table;
use crate::tx::Tx;
use crate::usecases::imports::MAX_IMPORT_ROWS;
use crate::usecases::membership::{
    admit_new_member, attach_first_invitation, commit_change, invitation_secret, new_member, Admission, ChangeCounters, MemberChange,
    NewAccount,
};
use crate::views;
use crate::views::MemberView;
use crate::views::{AcceptanceRequires, ExistingAccount, InvitationView, JoinLinkView, JoinRequestAnswer, OrgSummary, PreviewView};
use roster_domain::ids::{InvitationToken, JoinCode, OrgId};
use roster_domain::ErrorCode;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Invite")]
pub struct InviteInput {
    #[schemars(with = "roster_domain::schema::EmailAddress")]
    pub email: String,
    pub role: Role,
    #[schemars(with = "Option<roster_domain::DepartmentId>")]
    pub department_id: Option<String>,
    #[schemars(with = "Option<roster_domain::schema::PersonNameOrBlank>")]
    pub first_name: Option<String>,
    #[schemars(with = "Option<roster_domain::schema::PersonNameOrBlank>")]
    pub last_name: Option<String>,
}

fn optional_name(errors: &mut FieldErrors, field: &str, raw: Option<&str>) -> String {
    match raw.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => errors.check(parse_person_name(field, name)).unwrap_or_default(),
        None => String::new(),
    }
}

/// `POST /v1/orgs/{org}/invitations`: creates the shell account at once, status `invited`,
/// and emails the link (rules 1, 4, 5, 7).
pub async fn invite(app: &App, ctx: &RequestContext, org_id: &OrgId, input: InviteInput) -> AppResult<MemberView> {
    let mut errors = FieldErrors::default();
    let email = errors.check(Email::parse(&input.email));
    let first_name = optional_name(&mut errors, "first_name", input.first_name.as_deref());
    let last_name = optional_name(&mut errors, "last_name", input.last_name.as_deref());
    errors.finish()?;
    let email = email.expect("checked");
    retrying(|| async {
        let (org, actor) = app.actor_in(ctx, org_id).await?;
        let department = admit_new_member(
            app,
            &org,
            &actor,
            Admission::Invite,
            input.role,
            input.department_id.as_deref(),
            &email,
        )
        .await?;
        let account = NewAccount {
            email: email.clone(),
            role: input.role,
            kind: Kind::Shell,
            status: MembershipStatus::Invited,
            department_id: department,
            first_name: first_name.clone(),
            last_name: last_name.clone(),
            phone: String::new(),
            position: None,
        };
        let mut member = new_member(org_id, account, app.now());
        attach_first_invitation(
            app,
            &org,
            &mut member,
            actor.invitations_need_approval(&org.settings),
            Some(&actor.member_id),
        )
        .await?;
        let origin = ctx.origin(Some(&actor.member_id));
        let mut tx = Tx::new();
        if org.settings.plan == Plan::Free {
            // Counted with imported rows: the same daily limit per admin and per IP.
            count_free_invitation(app, &free_invitation_counters(&actor.member_id, ctx.ip.as_deref()), &mut tx).await?;
        }
        MemberChange {
            org: &org,
            origin: &origin,
            before: None,
            after: Some(&member),
            action: "member_invited",
            reason: None,
            email: Some(EmailKind::Invitation),
        }
        .write(app, &mut tx, &ChangeCounters::default())?;
        tx.commit(app).await?;
        Ok(views::member(&member))
    })
    .await
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PastedText")]
pub struct PreviewInput {
    pub emails: String,
}

/// `POST …/invitations/preview`: what a pasted list holds, at once.
pub async fn preview(app: &App, ctx: &RequestContext, org_id: &OrgId, input: PreviewInput) -> AppResult<PreviewView> {
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::PreviewInvitations, &org.settings)?;
    let list = parse_pasted_list(&input.emails);
    if list.valid.len() > MAX_IMPORT_ROWS {
        return Err(AppError::invalid(
            "emails",
            ErrorCode::TooManyRows,
            format!("at most {MAX_IMPORT_ROWS} emails"),
        ));
    }
    // The addresses' directory entries in the org, then their members, read in batches (one store call per
    // 100 on DynamoDB): the cost follows the list, never the size of the org.
    let found = app.members_by_email(org_id, &list.valid).await?;
    let mut existing = Vec::new();
    let mut valid = Vec::new();
    for email in &list.valid {
        match found.get(email) {
            Some(status) => existing.push(ExistingAccount {
                email: email.clone(),
                status: *status,
            }),
            None => valid.push(email.to_string()),
        }
    }
    Ok(PreviewView {
        recognized: list.valid.len(),
        valid,
        invalid: list.invalid,
        duplicates: list.duplicates,
        existing,
    })
}

/// The member an invitation link is for, and its pending invitation, once the link is
/// checked (`lifecycle::check_invitation`). A link names its member, and its secret is
/// proven before anything is read: a link whose secret is not the one derived for the
/// member and version it names is not found. (The secret does not cover the org: a genuine
/// link given another org's id finds no member there, and answers revoked.) A link whose
/// member is gone, or whose invitation was marked revoked, was revoked. A link that is the
/// secret alone (from before links named their member) is found by its lookup item.
async fn invitation_target(app: &App, token: &InvitationToken) -> AppResult<(Member, PendingInvitation)> {
    let token_hash = sha256_hex(token.secret());
    let (org_id, member_id) = match token.names() {
        Some(names) => {
            let genuine = invitation_secret(app, &names.member_id, names.version).await?;
            if !constant_time_eq(genuine.as_bytes(), token.secret().as_bytes()) {
                return Err(AppError::not_found());
            }
            (names.org_id.to_string(), names.member_id.to_string())
        }
        None => {
            let lookup = invitation_lookup(app, &token_hash).await?.ok_or_else(AppError::not_found)?;
            if lookup.revoked {
                return Err(link_revoked());
            }
            (lookup.org_id, lookup.member_id)
        }
    };
    let member = app.find_member(&org_id, &member_id).await?.ok_or_else(link_revoked)?;
    match lifecycle::check_invitation(&member, &token_hash, app.now()) {
        Ok(invitation) => {
            let invitation = invitation.clone();
            Ok((member, invitation))
        }
        // Revoked with its member kept reads like used (or, once the member is invited
        // again, like superseded), but for its mark (a named link's: an unnamed one's
        // lookup was read above).
        Err(refused @ DomainError::Gone(ErrorCode::InvitationUsed | ErrorCode::InvitationSuperseded)) if token.names().is_some() => {
            match invitation_lookup(app, &token_hash).await? {
                Some(mark) if mark.revoked => Err(link_revoked()),
                _ => Err(refused.into()),
            }
        }
        Err(refused) => Err(refused.into()),
    }
}

fn link_revoked() -> AppError {
    AppError::Domain(DomainError::Gone(ErrorCode::InvitationRevoked))
}

/// The item found by the hash of an invitation's secret: the mark of a revoked invitation,
/// or the lookup of a link from before links named their member.
async fn invitation_lookup(app: &App, token_hash: &str) -> AppResult<Option<InvitationLookup>> {
    match app.store.get(&table::invitation_pk(token_hash), table::INVITE_SK).await? {
        Some(item) => Ok(Some(table::decode(&item)?)),
        None => Ok(None),
    }
}

/// `GET /v1/invitations/{token}`: what the acceptance page needs to show and ask.
pub async fn get_invitation(app: &App, token: &InvitationToken) -> AppResult<InvitationView> {
    let (member, invitation) = invitation_target(app, token).await?;
    let org = app.load_org(&member.org_id).await?;
    Ok(InvitationView {
        org: OrgSummary {
            id: org.id.clone(),
            name: org.name.clone(),
        },
        email: member.email.clone(),
        first_name: member.first_name.clone(),
        last_name: member.last_name.clone(),
        expires_at: views::rfc3339(invitation.expires_at),
        requires: AcceptanceRequires {
            password: effective_methods(&org.settings, &member).contains(&LoginMethod::Password),
            two_factor_channel: org.settings.require_2fa,
            eula_version: org.settings.eula_version.clone(),
        },
    })
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Accept")]
pub struct AcceptInput {
    #[schemars(with = "roster_domain::schema::PersonName")]
    pub first_name: String,
    #[schemars(with = "roster_domain::schema::PersonName")]
    pub last_name: String,
    #[schemars(with = "roster_domain::schema::Phone")]
    pub phone: String,
    #[schemars(with = "Option<roster_domain::schema::NewPassword>")]
    pub password: Option<String>,
    /// Must be true: the invitee accepts the EULA (false answers a field error).
    pub eula_accepted: bool,
    #[schemars(with = "Option<roster_domain::schema::TwoFactorChannel>")]
    pub two_factor_channel: Option<String>,
}

/// `POST /v1/invitations/{token}/accept` (rules 5–8). Works during a freeze window.
pub async fn accept(app: &App, ctx: &RequestContext, token: &InvitationToken, input: AcceptInput) -> AppResult<MemberView> {
    let (member, _) = invitation_target(app, token).await?;
    let org = app.load_org(&member.org_id).await?;
    let mut errors = FieldErrors::default();
    let first_name = errors.check(parse_person_name("first_name", &input.first_name));
    let last_name = errors.check(parse_person_name("last_name", &input.last_name));
    let phone = errors.check(parse_phone("phone", &input.phone));
    // A password is asked for when the member may sign in with one (the org's methods, or
    // an org admin's override for this member).
    let password = match (
        &input.password,
        effective_methods(&org.settings, &member).contains(&LoginMethod::Password),
    ) {
        (Some(password), true) => errors.check(check_new_password("password", password)).map(|_| password.clone()),
        (None, true) => {
            errors.push("password", ErrorCode::Required, "choose a password");
            None
        }
        (Some(_), false) => {
            errors.push("password", ErrorCode::NotAllowed, "this account does not sign in with a password");
            None
        }
        (None, false) => None,
    };
    if !input.eula_accepted {
        errors.push(
            "eula_accepted",
            ErrorCode::Required,
            "the end-user license agreement must be accepted",
        );
    }
    let two_factor_channel = match (&input.two_factor_channel, org.settings.require_2fa) {
        (Some(channel), _) => errors.check(parse_two_factor_channel(channel)),
        (None, true) => {
            errors.push("two_factor_channel", ErrorCode::Required, "choose email or mobile");
            None
        }
        (None, false) => None,
    };
    errors.finish()?;
    // Hashing is deliberately slow: once, outside the retry loop.
    let password_hash = match password {
        Some(password) => Some(hash_password(&password).await),
        None => None,
    };
    let profile = AcceptedProfile {
        first_name: first_name.unwrap_or_default(),
        last_name: last_name.unwrap_or_default(),
        phone: phone.unwrap_or_default(),
        password_hash,
        eula_version: org.settings.eula_version.clone(),
        two_factor_channel,
    };
    retrying(|| async {
        let (member, invitation) = invitation_target(app, token).await?;
        let org = app.load_org(&member.org_id).await?;
        let after = lifecycle::accept(&member, &invitation.token_hash, app.now(), profile.clone())?;
        let origin = ctx.origin(Some(&member.id));
        commit_change(
            app,
            MemberChange {
                org: &org,
                origin: &origin,
                before: Some(&member),
                after: Some(&after),
                action: "invitation_accepted",
                reason: None,
                email: None,
            },
        )
        .await?;
        let mut view = after.clone();
        view.version = member.version + 1;
        view.updated_at = app.now();
        Ok(views::member(&view))
    })
    .await
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "JoinRequest")]
pub struct JoinInput {
    #[schemars(with = "roster_domain::schema::EmailAddress")]
    pub email: String,
    #[schemars(with = "roster_domain::schema::PersonName")]
    pub first_name: String,
    #[schemars(with = "roster_domain::schema::PersonName")]
    pub last_name: String,
    #[schemars(with = "roster_domain::schema::Phone")]
    pub phone: String,
}

const HOUR: i64 = 3600;

/// The org a join code leads to, after the guess limit of the client IP; an unknown code
/// counts as a guess.
async fn join_code_target(app: &App, ctx: &RequestContext, code: &JoinCode) -> AppResult<JoinCodeLookup> {
    let guesses = ctx.ip.as_deref().map(|ip| RateCounter::per_client("join_guess_ip", ip, HOUR));
    let guess = match &guesses {
        Some(guesses) => Some(guesses.take(app, app.config.join_code_guesses_per_ip).await?),
        None => None,
    };
    let Some(lookup) = app.store.get(&table::join_code_pk(code), table::JOIN_CODE_SK).await? else {
        // An unknown code counts as a guess: its slot stays taken.
        guess.into_iter().for_each(TakenSlot::keep);
        return Err(AppError::not_found());
    };
    if let Some(guess) = guess {
        guess.give_back(app).await;
    }
    table::decode(&lookup)
}

/// `GET /v1/join/{code}`: what the join page shows before anyone asks: the org's name.
pub async fn get_join_link(app: &App, ctx: &RequestContext, code: &JoinCode) -> AppResult<JoinLinkView> {
    let lookup = join_code_target(app, ctx, code).await?;
    let org = app.load_org(&lookup.org_id).await?;
    Ok(JoinLinkView {
        org: OrgSummary {
            id: org.id,
            name: org.name,
        },
    })
}

/// `POST /v1/join/{code}`: anyone asks to join; an org admin decides (rules 3, 4, 7).
pub async fn request_to_join(app: &App, ctx: &RequestContext, code: &JoinCode, input: JoinInput) -> AppResult<JoinRequestAnswer> {
    let mut errors = FieldErrors::default();
    let email = errors.check(Email::parse(&input.email));
    let first_name = errors.check(parse_person_name("first_name", &input.first_name));
    let last_name = errors.check(parse_person_name("last_name", &input.last_name));
    let phone = errors.check(parse_phone("phone", &input.phone));
    errors.finish()?;
    // A burst costs: join requests are limited per client IP and per code, and guessing
    // codes per client IP (each unknown code counts).
    let lookup = join_code_target(app, ctx, code).await?;
    let by_ip = ctx.ip.as_deref().map(|ip| RateCounter::per_client("join_ip", ip, HOUR));
    let by_code = RateCounter::new("join_code", code, HOUR);
    let mut limits: Vec<(&RateCounter, u64)> = by_ip.iter().map(|c| (c, app.config.join_requests_per_ip)).collect();
    limits.push((&by_code, app.config.join_requests_per_code));
    take_all(app, &limits).await?.into_iter().for_each(TakenSlot::keep);
    let email = email.expect("checked");
    let (first_name, last_name, phone) = (
        first_name.unwrap_or_default(),
        last_name.unwrap_or_default(),
        phone.unwrap_or_default(),
    );
    // The same answer for every email, so the public code tells no one who belongs.
    let answer = JoinRequestAnswer {
        status: MembershipStatus::PendingApproval,
        email: email.clone(),
        first_name: first_name.clone(),
        last_name: last_name.clone(),
        phone: phone.clone(),
    };
    retrying(|| async {
        let org = app.load_org(&lookup.org_id).await?;
        if let Some(existing) = app.find_member_by_email(&org.id, &email).await? {
            return tell_existing_account(app, &existing).await;
        }
        let account = NewAccount {
            email: email.clone(),
            role: Role::Member,
            kind: Kind::Shell,
            status: MembershipStatus::PendingApproval,
            department_id: None,
            first_name: first_name.clone(),
            last_name: last_name.clone(),
            phone: phone.clone(),
            position: None,
        };
        let member = new_member(&org.id, account, app.now());
        let origin = ctx.origin(None);
        commit_change(
            app,
            MemberChange {
                org: &org,
                origin: &origin,
                before: None,
                after: Some(&member),
                action: "join_requested",
                reason: None,
                email: None,
            },
        )
        .await
    })
    .await?;
    Ok(answer)
}

/// A join request for an address that already has an account in the org changes nothing:
/// the address is told by email what to do instead (`JoinNotice`), at most once an hour,
/// however often anyone asks.
async fn tell_existing_account(app: &App, member: &Member) -> AppResult<()> {
    let now = app.now();
    let hour = u32::try_from(now.unix_timestamp() / HOUR).unwrap_or(u32::MAX);
    // One notice an hour: a guard item written only if absent, in the notice's transaction,
    // so two requests at once send one (the other finds the guard and is done).
    let guard = table::encode(table::org_pk(&member.org_id), table::join_notice_sk(&member.id, hour), 1, &())
        .expiring_at(now + time::Duration::seconds(HOUR) + table::KEPT_AFTER_USE);
    let mut tx = Tx::new();
    tx.put_new(guard);
    tx.email(app, member, EmailKind::JoinNotice, hour);
    match tx.commit(app).await {
        Ok(()) | Err(AppError::Contention) => Ok(()),
        Err(error) => Err(error),
    }
}
