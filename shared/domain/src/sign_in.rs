//! Who may sign in, and how (SPEC §6): each org chooses its sign-in methods, an org admin
//! may override them for one member, and an org always keeps an org admin who can sign in.

use crate::codes::ErrorCode;
use crate::error::{DomainError, FieldError};
use crate::member::{Kind, Member, MembershipStatus, Role};
use crate::org::{LoginMethod, OrgSettings};

/// The methods `member` may sign in with: its own override, or else its org's.
pub fn effective_methods<'a>(org: &'a OrgSettings, member: &'a Member) -> &'a [LoginMethod] {
    member.login_methods.as_deref().unwrap_or(&org.login_methods)
}

/// Whether `member` may sign in with `method` now: a licensed, full account whose
/// effective methods include it.
pub fn may_sign_in_with(org: &OrgSettings, member: &Member, method: LoginMethod) -> bool {
    member.status == MembershipStatus::Licensed && member.kind == Kind::Full && effective_methods(org, member).contains(&method)
}

/// Whether `member` has a way in by one of its effective methods: a password it set (or a
/// temporary one, which signs in to change it), or a code sent to its email.
pub fn can_sign_in(org: &OrgSettings, member: &Member) -> bool {
    member.status == MembershipStatus::Licensed
        && member.kind == Kind::Full
        && effective_methods(org, member).iter().any(|method| match method {
            LoginMethod::Password => member.password_hash.is_some(),
            LoginMethod::EmailOtp => true,
            // Named only once the org's connection worked, and it is kept while the org
            // signs in by it.
            LoginMethod::Sso => true,
        })
}

/// A set of sign-in methods as stored: each once, in a fixed order. Empty is refused on
/// `field`. (`sso` is allowed here; the app allows it only once the org's connection has
/// been signed in through: `sso_not_ready`.)
pub fn login_method_set(field: &str, methods: &[LoginMethod]) -> Result<Vec<LoginMethod>, FieldError> {
    if methods.is_empty() {
        return Err(FieldError::new(field, ErrorCode::Required, "at least one sign-in method"));
    }
    let mut set = methods.to_vec();
    set.sort();
    set.dedup();
    Ok(set)
}

/// An org must keep an org admin who can sign in: one of `org_admins` (the org's lasting
/// org admins, as they would be after a change) who could, under `org` (the settings after
/// it), or else the change is refused (`no_org_admin_can_sign_in`).
pub fn an_org_admin_who_can_sign_in<'a>(org: &OrgSettings, org_admins: &'a [Member]) -> Result<&'a Member, DomainError> {
    org_admins
        .iter()
        .find(|admin| admin.role == Role::OrgAdmin && can_sign_in(org, admin))
        .ok_or(DomainError::Conflict(ErrorCode::NoOrgAdminCanSignIn))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Plan;

    fn admin(methods: Option<Vec<LoginMethod>>, password: bool) -> Member {
        let at = time::macros::datetime!(2026-01-01 0:00 UTC);
        Member {
            id: "m1".into(),
            org_id: "o1".into(),
            email: crate::Email::parse("a@example.com").unwrap(),
            first_name: "Ada".into(),
            last_name: "L".into(),
            phone: String::new(),
            role: Role::OrgAdmin,
            kind: Kind::Full,
            status: MembershipStatus::Licensed,
            department_id: None,
            position: None,
            job_id: None,
            location: None,
            license_end: None,
            created_at: at,
            updated_at: at,
            version: 1,
            invitation: None,
            password_hash: password.then(|| "$argon2id$...".to_string()),
            password_temporary: false,
            credential_version: 0,
            temporary_password_used: false,
            ever_licensed: true,
            invitations_sent: 1,
            eula_version: None,
            two_factor_channel: None,
            login_methods: methods,
            pending_email: None,
            directory: None,
            email_changes_requested: 0,
        }
    }

    #[test]
    fn a_member_override_wins_over_the_org() {
        let org = OrgSettings::new(Plan::Free);
        let member = admin(Some(vec![LoginMethod::EmailOtp]), true);
        assert_eq!(effective_methods(&org, &member), &[LoginMethod::EmailOtp]);
        assert!(!may_sign_in_with(&org, &member, LoginMethod::Password));
        assert!(may_sign_in_with(&org, &admin(None, true), LoginMethod::Password));
    }

    #[test]
    fn sets_are_deduplicated_and_never_empty() {
        use LoginMethod::*;
        assert_eq!(
            login_method_set("f", &[EmailOtp, Password, EmailOtp]).unwrap(),
            vec![Password, EmailOtp]
        );
        assert!(login_method_set("f", &[]).is_err());
        assert_eq!(login_method_set("f", &[Sso, Password]).unwrap(), vec![Password, Sso]);
    }

    #[test]
    fn an_org_admin_without_a_password_needs_codes() {
        let mut org = OrgSettings::new(Plan::Free);
        let no_password = admin(None, false);
        assert!(an_org_admin_who_can_sign_in(&org, std::slice::from_ref(&no_password)).is_err());
        org.login_methods = vec![LoginMethod::Password, LoginMethod::EmailOtp];
        assert!(an_org_admin_who_can_sign_in(&org, &[no_password]).is_ok());
        assert!(an_org_admin_who_can_sign_in(&org, &[]).is_err());
    }
}
