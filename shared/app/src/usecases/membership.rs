//! Building blocks shared by the operations that create or change members: new accounts,
//! invitations, temporary passwords and the write of one member change.

use time::{Duration, OffsetDateTime};

use roster_domain::{Action, Actor, Email, InvitationToken, Kind, Member, MembershipStatus, Org, PendingInvitation, Role};

use crate::app::App;
use crate::error::AppResult;
use crate::records::{EmailKind, InvitationLookup, OrgAdminCounter, SeatCount};
use crate::secrets::{self, new_id};
use crate::table;
use crate::tx::{Origin, Tx};

/// What a new account starts with.
pub struct NewAccount {
    pub email: Email,
    pub role: Role,
    pub kind: Kind,
    pub status: MembershipStatus,
    pub department_id: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub position: Option<String>,
}

pub fn new_member(org_id: &str, account: NewAccount, now: OffsetDateTime) -> Member {
    Member {
        id: new_id(now),
        org_id: org_id.to_string(),
        email: account.email,
        first_name: account.first_name,
        last_name: account.last_name,
        phone: account.phone,
        role: account.role,
        kind: account.kind,
        status: account.status,
        department_id: account.department_id,
        position: account.position,
        job_id: None,
        location: None,
        license_end: None,
        created_at: now,
        updated_at: now,
        version: 1,
        invitation: None,
        password_hash: None,
        password_temporary: false,
        credential_version: 0,
        temporary_password_used: false,
        ever_licensed: account.status == MembershipStatus::Licensed,
        invitations_sent: 0,
        eula_version: None,
        two_factor_channel: None,
        login_methods: None,
        pending_email: None,
        email_changes_requested: 0,
        directory: None,
    }
}

/// The secret in the invitation link of `member_id`'s invitation `version`. Derived from
/// the token key, never stored: only its SHA-256 is.
pub async fn invitation_secret(app: &App, member_id: &str, version: u32) -> AppResult<String> {
    Ok(app.keys.derive_secret("invitation", &format!("{member_id}:{version}")).await?)
}

/// The last path segment of the link of `member`'s invitation `version`: it names the
/// member, so no lookup item is written for it (`InvitationToken`).
pub async fn invitation_link_token(app: &App, member: &Member, version: u32) -> AppResult<String> {
    let secret = invitation_secret(app, &member.id, version).await?;
    Ok(InvitationToken::link_text(&member.org_id, &member.id, version, &secret))
}

/// The secret in the confirmation link of `member_id`'s email change `version`, likewise
/// never stored.
pub async fn email_change_token(app: &App, member_id: &str, version: u32) -> AppResult<String> {
    Ok(app.keys.derive_secret("email-change", &format!("{member_id}:{version}")).await?)
}

/// The temporary password of `member_id`'s credential `version`, likewise never stored.
pub async fn temporary_password(app: &App, member_id: &str, version: u32) -> AppResult<String> {
    Ok(app
        .keys
        .derive_secret("temporary-password", &format!("{member_id}:{version}"))
        .await?[..16]
        .to_string())
}

/// How a new account comes in, for the permission check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Invite,
    CreateAccount,
}

/// The checks every new account an actor adds goes through: the actor may add this role
/// there (rule 1), no freeze window (rule 13), the department exists, and the email has no
/// account in the org yet (rule 4). Answers the department the account goes into.
pub async fn admit_new_member(
    app: &App,
    org: &Org,
    actor: &Actor,
    admission: Admission,
    role: Role,
    requested_department: Option<&str>,
    email: &Email,
) -> AppResult<Option<String>> {
    let department = actor.department_for_new_member(requested_department);
    let action = match admission {
        Admission::Invite => Action::Invite {
            role,
            department: department.as_deref(),
        },
        Admission::CreateAccount => Action::CreateAccount {
            role,
            department: department.as_deref(),
        },
    };
    actor.authorize(action, &org.settings)?;
    org.ensure_not_frozen(app.now())?;
    app.ensure_department(&org.id, department.as_deref()).await?;
    roster_domain::lifecycle::ensure_invitable(app.find_member_by_email(&org.id, email).await?.as_ref())?;
    Ok(department)
}

/// Gives a new account its first invitation.
pub async fn attach_first_invitation(
    app: &App,
    org: &Org,
    member: &mut Member,
    needs_approval: bool,
    invited_by: Option<&str>,
) -> AppResult<()> {
    let invitation = issue_invitation(app, org, member, needs_approval, invited_by).await?;
    member.invitations_sent = invitation.version;
    member.invitation = Some(invitation);
    Ok(())
}

/// A fresh invitation for `member` (version after its last one), valid for the org's TTL.
pub async fn issue_invitation(
    app: &App,
    org: &Org,
    member: &Member,
    needs_approval: bool,
    invited_by: Option<&str>,
) -> AppResult<PendingInvitation> {
    let version = roster_domain::lifecycle::next_invitation_version(member);
    Ok(PendingInvitation {
        token_hash: secrets::sha256_hex(&invitation_secret(app, &member.id, version).await?),
        expires_at: app.now() + Duration::days(i64::from(org.settings.invite_ttl_days)),
        version,
        needs_approval,
        invited_by: invited_by.map(str::to_string),
    })
}

/// Gives `member` a new temporary password (stored only as its Argon2id hash).
pub async fn issue_temporary_password(app: &App, member: &mut Member) -> AppResult<()> {
    member.credential_version += 1;
    member.password_hash = Some(secrets::hash_password(&temporary_password(app, &member.id, member.credential_version).await?).await);
    member.password_temporary = true;
    member.temporary_password_used = false;
    Ok(())
}

/// One member change as one atomic write: the member (created, replaced or deleted with
/// the entries that point at it), the mark of a revoked invitation, the seat counter, the
/// audit event and the email to send.
pub struct MemberChange<'a> {
    pub org: &'a Org,
    pub origin: &'a Origin,
    pub before: Option<&'a Member>,
    pub after: Option<&'a Member>,
    pub action: &'a str,
    pub reason: Option<&'a str>,
    pub email: Option<EmailKind>,
}

impl MemberChange<'_> {
    /// Adds the change's writes to `tx`. `counters` are the counters the change moves, as
    /// read (`ChangeCounters::for_change`).
    pub fn write(self, app: &App, tx: &mut Tx, counters: &ChangeCounters) -> AppResult<()> {
        let now = app.now();
        match (self.before, self.after) {
            (None, Some(created)) => {
                tx.member(None, created);
            }
            (Some(before), Some(after)) => {
                let mut after = after.clone();
                after.updated_at = now;
                tx.member(Some(before), &after);
            }
            (Some(before), None) => tx.delete_member(before),
            (None, None) => return Ok(()),
        }
        // A pending invitation taken away without being used (revoked, the member kept):
        // its link says it was revoked. A new invitation writes nothing beside the member:
        // its link names the member.
        if let (Some(before), Some(after)) = (self.before, self.after) {
            if let (Some(invitation), None, MembershipStatus::Unlicensed) = (&before.invitation, &after.invitation, after.status) {
                tx.put_unchecked(revoked_invitation_mark(after, invitation));
            }
        }
        if roster_domain::lifecycle::seat_delta(self.before.map(|m| m.status), self.after.map(|m| m.status)) != 0 {
            let counter = counters
                .seats
                .as_ref()
                .ok_or_else(|| crate::error::AppError::Internal("seat counter not loaded for a license change".into()))?;
            tx.seats(self.org, counter, self.before, self.after)?;
        }
        if roster_domain::lifecycle::lasting_admin_delta(self.before, self.after) != 0 {
            let counter = counters
                .org_admins
                .as_ref()
                .ok_or_else(|| crate::error::AppError::Internal("org admin counter not loaded for an org admin change".into()))?;
            tx.org_admins(&self.org.id, counter, self.before, self.after)?;
        }
        tx.audit(&self.org.id, now, self.origin, self.action, self.before, self.after, self.reason);
        if let (Some(kind), Some(after)) = (self.email, self.after) {
            let version = match kind {
                EmailKind::Invitation | EmailKind::Reinvitation => after.invitation.as_ref().map_or(0, |i| i.version),
                EmailKind::TemporaryPassword => after.credential_version,
                // A sign-in code's email is about an address, not a member change.
                EmailKind::JoinApproved | EmailKind::JoinNotice | EmailKind::SignInCode => 0,
                EmailKind::EmailChangeConfirmation | EmailKind::EmailChangeNotice => after.pending_email.as_ref().map_or(0, |p| p.version),
            };
            tx.email(app, after, kind, version);
        }
        Ok(())
    }
}

/// The item `INVITE#<sha256>` of the invitation whose secret hashes to
/// `invitation.token_hash`: the mark that it was revoked with its member kept (its link
/// says it was revoked, not used), or the lookup of a link that is the secret alone (links
/// from before links named their member, `roster_aws::layout`).
fn invitation_item(member: &Member, invitation: &PendingInvitation, revoked: bool) -> crate::ports::Item {
    let item = InvitationLookup {
        org_id: member.org_id.clone(),
        member_id: member.id.clone(),
        revoked,
    };
    table::encode(table::invitation_pk(&invitation.token_hash), table::INVITE_SK.into(), 1, &item)
}

/// The mark of an invitation revoked with its member kept. Kept: a revocation is rare, and
/// the link should say so however late it is clicked.
fn revoked_invitation_mark(member: &Member, invitation: &PendingInvitation) -> crate::ports::Item {
    invitation_item(member, invitation, true)
}

/// The lookup by which a link that is the secret alone finds `member`'s pending
/// `invitation`: deleted by the store 90 days after the link expired, as such lookups were.
pub fn bare_link_lookup(member: &Member, invitation: &PendingInvitation) -> crate::ports::Item {
    invitation_item(member, invitation, false).expiring_at(invitation.expires_at + Duration::days(90))
}

/// The counters a member change keeps in step, each read only when the change moves it:
/// the seats (who holds a license) and the lasting org admins.
#[derive(Debug, Default)]
pub struct ChangeCounters {
    pub seats: Option<SeatCount>,
    pub org_admins: Option<(OrgAdminCounter, Option<u64>)>,
}

impl ChangeCounters {
    pub async fn for_change(app: &App, org_id: &str, before: Option<&Member>, after: Option<&Member>) -> AppResult<ChangeCounters> {
        let seats = match roster_domain::lifecycle::seat_delta(before.map(|m| m.status), after.map(|m| m.status)) {
            0 => None,
            _ => Some(app.load_seats(org_id).await?),
        };
        let org_admins = match roster_domain::lifecycle::lasting_admin_delta(before, after) {
            0 => None,
            _ => Some(app.load_org_admins(org_id).await?),
        };
        Ok(ChangeCounters { seats, org_admins })
    }
}

/// Writes one member change and commits it. A change that takes away a lasting org admin,
/// or changes how one signs in, must leave an org admin who can sign in.
pub async fn commit_change(app: &App, change: MemberChange<'_>) -> AppResult<()> {
    commit_change_in(app, change, Tx::new()).await
}

/// `commit_change` with the writes `tx` already holds, in the same atomic write.
pub async fn commit_change_in(app: &App, change: MemberChange<'_>, mut tx: Tx) -> AppResult<()> {
    add_change(app, change, &mut tx, false).await?;
    tx.commit(app).await
}

/// Several member changes, each as `commit_change` decides it, in one atomic write with
/// the writes `tx` already holds. For changes of different members that move no counter
/// (seats, org admins) and take away no org admin's sign-in: a department move, say.
/// Anything else is refused before writing, since two such changes would each write the
/// same counter or check in the one write.
pub async fn commit_changes_in<'a>(app: &App, changes: impl IntoIterator<Item = MemberChange<'a>>, mut tx: Tx) -> AppResult<()> {
    for change in changes {
        add_change(app, change, &mut tx, true).await?;
    }
    tx.commit(app).await
}

/// Adds one member change's writes and checks to `tx`; with `among_others`, refuses one
/// that would write a counter or a check another change could write too.
async fn add_change(app: &App, change: MemberChange<'_>, tx: &mut Tx, among_others: bool) -> AppResult<()> {
    let counters = ChangeCounters::for_change(app, &change.org.id, change.before, change.after).await?;
    let moves_counter = counters.seats.is_some() || counters.org_admins.is_some();
    let touches_admins = change
        .before
        .filter(|b| roster_domain::lifecycle::is_lasting_org_admin(Some(b)))
        .is_some_and(|before| {
            !roster_domain::lifecycle::is_lasting_org_admin(change.after)
                || change.after.is_some_and(|after| {
                    after.login_methods != before.login_methods || after.password_hash.is_some() != before.password_hash.is_some()
                })
        });
    let names_sso = |member: Option<&Member>| {
        member
            .and_then(|m| m.login_methods.as_ref())
            .is_some_and(|methods| methods.contains(&roster_domain::LoginMethod::Sso))
    };
    let comes_to_name_sso = names_sso(change.after) && !names_sso(change.before);
    if among_others && (moves_counter || touches_admins || comes_to_name_sso) {
        return Err(crate::error::AppError::Internal(
            "a change that moves a counter or an org admin's sign-in is committed on its own".into(),
        ));
    }
    if touches_admins {
        keep_an_org_admin_who_can_sign_in(app, tx, change.org, None, change.before, change.after).await?;
    }
    if comes_to_name_sso {
        // A member's own methods come to name `sso` only while the org's tested connection
        // is there (a removal committed in between makes this change retry and be refused).
        // Removing the connection later is not refused for members who are not org admins:
        // those whose own methods are only `sso` then can't sign in until an admin changes
        // them (README, "Connecting an identity provider").
        crate::usecases::sso::require_ready(app, &change.org.id, Some(&mut *tx)).await?;
    }
    change.write(app, tx, &counters)
}

/// An org keeps an org admin who can sign in (SPEC §6). The change takes `before` to
/// `after` (one member, or none) and, when `new_settings` are given, the org's settings
/// to them (the change writes the org). Refused with `no_org_admin_can_sign_in` when none
/// of the lasting org admins could sign in after it; otherwise the write commits only
/// while what this decided from still holds: the org as read (when the change does not
/// write it) and one org admin who can sign in, so two concurrent changes can't each take
/// away what the other counted on.
pub async fn keep_an_org_admin_who_can_sign_in(
    app: &App,
    tx: &mut Tx,
    org: &Org,
    new_settings: Option<&roster_domain::OrgSettings>,
    before: Option<&Member>,
    after: Option<&Member>,
) -> AppResult<()> {
    use roster_domain::lifecycle::is_lasting_org_admin;
    let (stored, _) = app.lasting_org_admins(&org.id).await?;
    let changed_id = after.or(before).map(|m| m.id.as_str());
    // As each is now (the list and the members are read one after the other): one that
    // has stopped being a lasting org admin meanwhile no longer counts.
    let mut admins: Vec<Member> = stored
        .into_iter()
        .filter(|admin| Some(admin.id.as_str()) != changed_id && is_lasting_org_admin(Some(admin)))
        .collect();
    admins.extend(after.filter(|m| is_lasting_org_admin(Some(m))).cloned());
    if admins.is_empty() {
        // No lasting org admin at all: the lasting-admin rule answers (`last_org_admin`)
        // where the change takes the last one away; an org whose first admin has not
        // accepted yet has none to keep.
        return Ok(());
    }
    let settings = new_settings.unwrap_or(&org.settings);
    let able = roster_domain::sign_in::an_org_admin_who_can_sign_in(settings, &admins)?;
    if Some(able.id.as_str()) != changed_id {
        tx.check_member_version(able);
    }
    if new_settings.is_none() {
        tx.check_org_version(&org.id, org.version);
    }
    Ok(())
}
