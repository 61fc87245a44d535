//! The member lifecycle state machine (SPEC §2): every transition and its refusals.

use time::OffsetDateTime;

use crate::codes::ErrorCode;
use crate::error::DomainError;
use crate::member::{Kind, Member, MembershipStatus, PendingInvitation};

/// Rule 4: why an email that already has an account in the org can't be invited again.
pub fn ensure_invitable(existing: Option<&Member>) -> Result<(), DomainError> {
    let Some(member) = existing else {
        return Ok(());
    };
    Err(DomainError::Conflict(match member.status {
        MembershipStatus::Licensed => ErrorCode::AlreadyLicensed,
        MembershipStatus::PendingApproval => ErrorCode::PendingApproval,
        MembershipStatus::Rejected => ErrorCode::Rejected,
        MembershipStatus::Unlicensed => ErrorCode::Unlicensed,
        MembershipStatus::Invited | MembershipStatus::Expired => ErrorCode::AlreadyInvited,
    }))
}

/// What an accepting user supplies (rule 6), already validated.
#[derive(Debug, Clone)]
pub struct AcceptedProfile {
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub password_hash: Option<String>,
    pub eula_version: String,
    pub two_factor_channel: Option<String>,
}

/// Whether a presented invitation secret may be used now (rule 5: decided at use time).
pub fn check_invitation<'a>(member: &'a Member, token_hash: &str, now: OffsetDateTime) -> Result<&'a PendingInvitation, DomainError> {
    let current = member.invitation.as_ref().filter(|inv| inv.token_hash == token_hash);
    match (member.status, current) {
        (MembershipStatus::Invited, Some(invitation)) if invitation.expires_at > now => Ok(invitation),
        (MembershipStatus::Invited | MembershipStatus::Expired, Some(_)) => Err(DomainError::Gone(ErrorCode::InvitationExpired)),
        (MembershipStatus::Invited | MembershipStatus::Expired, None) => Err(DomainError::Gone(ErrorCode::InvitationSuperseded)),
        _ => Err(DomainError::Gone(ErrorCode::InvitationUsed)),
    }
}

/// Rules 5–7: acceptance turns the shell account full; licensed unless approval is needed.
pub fn accept(member: &Member, token_hash: &str, now: OffsetDateTime, profile: AcceptedProfile) -> Result<Member, DomainError> {
    let needs_approval = check_invitation(member, token_hash, now)?.needs_approval;
    let mut next = member.clone();
    next.status = if needs_approval {
        MembershipStatus::PendingApproval
    } else {
        MembershipStatus::Licensed
    };
    next.kind = Kind::Full;
    next.first_name = profile.first_name;
    next.last_name = profile.last_name;
    next.phone = profile.phone;
    if profile.password_hash.is_some() {
        next.password_hash = profile.password_hash;
        next.password_temporary = false;
    }
    next.eula_version = Some(profile.eula_version);
    next.two_factor_channel = profile.two_factor_channel;
    next.invitation = None;
    next.ever_licensed |= !needs_approval;
    Ok(next)
}

/// Rule 2: removal unlicenses at once and keeps the data.
pub fn remove(member: &Member) -> Result<Member, DomainError> {
    match member.status {
        MembershipStatus::Licensed => Ok(with_status(member, MembershipStatus::Unlicensed)),
        MembershipStatus::Unlicensed => Err(DomainError::Conflict(ErrorCode::AlreadyUnlicensed)),
        _ => Err(DomainError::Conflict(ErrorCode::NotLicensed)),
    }
}

/// Rules 3 and 5: an unlicensed member is invited again; an invited or expired one gets a
/// new secret and expiry (resend). Anyone else is refused with what to do instead.
pub fn reinvite(member: &Member, invitation: PendingInvitation) -> Result<Member, DomainError> {
    match member.status {
        MembershipStatus::Unlicensed | MembershipStatus::Invited | MembershipStatus::Expired => {
            let mut next = with_status(member, MembershipStatus::Invited);
            next.invitations_sent = next.invitations_sent.max(invitation.version);
            next.invitation = Some(invitation);
            Ok(next)
        }
        MembershipStatus::Licensed => Err(DomainError::Conflict(ErrorCode::AlreadyLicensed)),
        MembershipStatus::PendingApproval => Err(DomainError::Conflict(ErrorCode::PendingApproval)),
        MembershipStatus::Rejected => Err(DomainError::Conflict(ErrorCode::Rejected)),
    }
}

/// The org's directory sets a user `active: false` (or deletes it): the account is
/// unlicensed and keeps its data, whatever stage it was at; a pending invitation is
/// withdrawn. `None` when it is already so.
pub fn deactivate_by_directory(member: &Member) -> Option<Member> {
    if !member.is_active_in_directory() {
        return None;
    }
    let mut next = with_status(member, MembershipStatus::Unlicensed);
    next.invitation = None;
    Some(next)
}

/// The org's directory sets a user `active: true` again: an account that has held a
/// license is licensed at once (the seat rules apply when it is written); one never
/// accepted (unlicensed or rejected) is invited again with `invitation` (`None` when its org
/// signs in only by single sign-on, which then licenses it too). `None` when it is already
/// active.
pub fn activate_by_directory(member: &Member, invitation: Option<PendingInvitation>) -> Option<Member> {
    if member.is_active_in_directory() {
        return None;
    }
    match invitation.filter(|_| !member.ever_licensed) {
        // Unlicensed, rejected: invited afresh (a directory decides who belongs, so a
        // rejected join request does not stop it).
        Some(invitation) => {
            let mut next = with_status(member, MembershipStatus::Invited);
            next.invitations_sent = next.invitations_sent.max(invitation.version);
            next.invitation = Some(invitation);
            Some(next)
        }
        None => {
            let mut next = with_status(member, MembershipStatus::Licensed);
            next.ever_licensed = true;
            next.kind = crate::member::Kind::Full;
            next.invitation = None;
            Some(next)
        }
    }
}

/// The version the next invitation of this member gets (one email per version).
pub fn next_invitation_version(member: &Member) -> u32 {
    member.invitations_sent + 1
}

/// Rules 7 and 8: approving a join request (or re-approving a rejected one) licenses it.
pub fn approve(member: &Member) -> Result<Member, DomainError> {
    match member.status {
        MembershipStatus::PendingApproval | MembershipStatus::Rejected => {
            let mut next = with_status(member, MembershipStatus::Licensed);
            next.kind = Kind::Full;
            next.ever_licensed = true;
            Ok(next)
        }
        MembershipStatus::Licensed => Err(DomainError::Conflict(ErrorCode::AlreadyLicensed)),
        _ => Err(DomainError::Conflict(ErrorCode::NotPendingApproval)),
    }
}

pub fn reject(member: &Member) -> Result<Member, DomainError> {
    match member.status {
        MembershipStatus::PendingApproval => Ok(with_status(member, MembershipStatus::Rejected)),
        MembershipStatus::Rejected => Err(DomainError::Conflict(ErrorCode::AlreadyRejected)),
        _ => Err(DomainError::Conflict(ErrorCode::NotPendingApproval)),
    }
}

/// The outcome of revoking a pending invitation (rule 11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// A never-used shell account: delete it with its invitation.
    DeleteAccount,
    /// A reinvited former member: back to unlicensed, data kept.
    BackToUnlicensed(Member),
}

pub fn revoke(member: &Member) -> Result<Revocation, DomainError> {
    match member.status {
        MembershipStatus::Invited | MembershipStatus::Expired if member.ever_licensed => {
            let mut next = with_status(member, MembershipStatus::Unlicensed);
            next.invitation = None;
            Ok(Revocation::BackToUnlicensed(next))
        }
        MembershipStatus::Invited | MembershipStatus::Expired => Ok(Revocation::DeleteAccount),
        _ => Err(DomainError::Conflict(ErrorCode::NoPendingInvitation)),
    }
}

/// The invitation-expiry sweep's transition; `None` when nothing is due.
pub fn expire_invitation(member: &Member, now: OffsetDateTime) -> Option<Member> {
    let due = member.status == MembershipStatus::Invited && member.invitation.as_ref().is_some_and(|inv| inv.expires_at <= now);
    due.then(|| with_status(member, MembershipStatus::Expired))
}

/// Rule 9: the license-expiry sweep's transition; `None` when nothing is due.
pub fn expire_license(member: &Member, now: OffsetDateTime) -> Option<Member> {
    let due = member.status == MembershipStatus::Licensed && member.license_end.is_some_and(|end| end.get() <= now);
    due.then(|| with_status(member, MembershipStatus::Unlicensed))
}

/// How a transition changes the number of seats taken.
pub fn seat_delta(from: Option<MembershipStatus>, to: Option<MembershipStatus>) -> i64 {
    let taken = |s: Option<MembershipStatus>| i64::from(s == Some(MembershipStatus::Licensed));
    taken(to) - taken(from)
}

/// Whether `member` keeps the org administrable: a licensed, full org admin with no
/// license end (one with an end date leaves by itself when it passes).
pub fn is_lasting_org_admin(member: Option<&Member>) -> bool {
    member.is_some_and(|m| {
        m.status == MembershipStatus::Licensed
            && m.kind == crate::member::Kind::Full
            && m.role == crate::member::Role::OrgAdmin
            && m.license_end.is_none()
    })
}

/// How a change `before` → `after` changes the org's lasting org admins (-1, 0 or 1).
pub fn lasting_admin_delta(before: Option<&Member>, after: Option<&Member>) -> i64 {
    i64::from(is_lasting_org_admin(after)) - i64::from(is_lasting_org_admin(before))
}

/// An org always keeps a lasting org admin: a change that would take away the last one
/// is refused (`lasting_admins` counted before the change).
pub fn ensure_an_org_admin_remains(lasting_admins: u64, delta: i64) -> Result<(), DomainError> {
    if delta < 0 && (lasting_admins as i64) + delta < 1 {
        return Err(DomainError::Conflict(ErrorCode::LastOrgAdmin));
    }
    Ok(())
}

/// Rule 8: whether `seats_used + delta` fits the org's seat limit.
pub fn ensure_seat_available(seat_limit: Option<u32>, seats_used: u64, delta: i64) -> Result<(), DomainError> {
    match seat_limit {
        Some(limit) if delta > 0 && seats_used as i64 + delta > i64::from(limit) => Err(DomainError::Conflict(ErrorCode::SeatsExhausted)),
        _ => Ok(()),
    }
}

fn with_status(member: &Member, status: MembershipStatus) -> Member {
    let mut next = member.clone();
    next.status = status;
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::Email;
    use crate::member::Role;
    use time::macros::datetime;

    fn invited(expires_at: OffsetDateTime) -> Member {
        Member {
            id: "m1".into(),
            org_id: "o1".into(),
            email: Email::parse("a@example.com").unwrap(),
            first_name: String::new(),
            last_name: String::new(),
            phone: String::new(),
            role: Role::Member,
            kind: Kind::Shell,
            status: MembershipStatus::Invited,
            department_id: None,
            position: None,
            job_id: None,
            location: None,
            license_end: None,
            created_at: datetime!(2026-01-01 0:00 UTC),
            updated_at: datetime!(2026-01-01 0:00 UTC),
            version: 1,
            invitation: Some(PendingInvitation {
                token_hash: "h1".into(),
                expires_at,
                version: 1,
                needs_approval: false,
                invited_by: None,
            }),
            password_hash: None,
            password_temporary: false,
            credential_version: 0,
            temporary_password_used: false,
            ever_licensed: false,
            invitations_sent: 1,
            eula_version: None,
            two_factor_channel: None,
            login_methods: None,
            pending_email: None,
            directory: None,
            email_changes_requested: 0,
        }
    }

    fn profile() -> AcceptedProfile {
        AcceptedProfile {
            first_name: "Ada".into(),
            last_name: "L".into(),
            phone: "+15550100".into(),
            password_hash: None,
            eula_version: "1".into(),
            two_factor_channel: None,
        }
    }

    #[test]
    fn expiry_is_decided_at_use_time() {
        let member = invited(datetime!(2026-01-08 0:00 UTC));
        assert!(accept(&member, "h1", datetime!(2026-01-07 23:59 UTC), profile()).is_ok());
        assert_eq!(
            accept(&member, "h1", datetime!(2026-01-08 0:00 UTC), profile()),
            Err(DomainError::Gone(ErrorCode::InvitationExpired))
        );
    }

    #[test]
    fn an_older_secret_is_superseded() {
        let member = invited(datetime!(2026-01-08 0:00 UTC));
        assert_eq!(
            accept(&member, "h0", datetime!(2026-01-02 0:00 UTC), profile()),
            Err(DomainError::Gone(ErrorCode::InvitationSuperseded))
        );
    }

    #[test]
    fn revoke_deletes_never_used_shells_but_keeps_former_members() {
        let mut member = invited(datetime!(2026-01-08 0:00 UTC));
        assert_eq!(revoke(&member), Ok(Revocation::DeleteAccount));
        member.ever_licensed = true;
        assert!(matches!(revoke(&member), Ok(Revocation::BackToUnlicensed(m)) if m.status == MembershipStatus::Unlicensed));
    }

    #[test]
    fn seats_are_checked_only_when_taking_one() {
        assert_eq!(
            ensure_seat_available(Some(1), 1, 1),
            Err(DomainError::Conflict(ErrorCode::SeatsExhausted))
        );
        assert_eq!(ensure_seat_available(Some(1), 1, 0), Ok(()));
        assert_eq!(ensure_seat_available(None, 1000, 1), Ok(()));
        assert_eq!(seat_delta(Some(MembershipStatus::Licensed), Some(MembershipStatus::Unlicensed)), -1);
    }
}
