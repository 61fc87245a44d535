//! Who may do what (rule 1). Roles are read from the actor's member record by the caller.

use crate::error::DomainError;
use crate::member::Role;
use crate::org::OrgSettings;

/// The signed-in member acting on its own org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub member_id: String,
    pub org_id: String,
    pub role: Role,
    pub department_id: Option<String>,
}

/// Everything an actor can ask for, with what the permission depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    ReadOrg,
    UpdateOrg,
    ManageFreeze,
    ManageDepartments,
    ReadMembers,
    /// Change admin-editable fields, roles and license end dates of one member.
    UpdateMember,
    BulkEdit,
    RemoveMember,
    /// Bring an unlicensed member back.
    Reinvite,
    /// Send a pending (invited or expired) invitation again, in `department`.
    ResendInvitation {
        department: Option<&'a str>,
    },
    RevokeInvitation,
    DecideJoinRequest,
    /// Invite one person with `role` into `department`.
    Invite {
        role: Role,
        department: Option<&'a str>,
    },
    /// Create an account directly with `role` in `department`.
    CreateAccount {
        role: Role,
        department: Option<&'a str>,
    },
    PreviewInvitations,
    ReadAudit,
    ManageInviteLink,
    /// Configure the org's single sign-on connection.
    ManageSso,
    /// Issue or revoke the org's directory-sync (SCIM) token.
    ManageDirectorySync,
}

impl Actor {
    /// Whether the actor's role allows `action` in an org with `settings`.
    pub fn authorize(&self, action: Action<'_>, settings: &OrgSettings) -> Result<(), DomainError> {
        let own_department = |department: Option<&str>| self.is_own_department(department);
        let allowed = match (self.role, action) {
            (Role::OrgAdmin, _) => true,
            (Role::DeptAdmin, Action::ReadOrg | Action::ReadMembers | Action::PreviewInvitations) => true,
            (Role::DeptAdmin, Action::Invite { role, department } | Action::CreateAccount { role, department }) => {
                role == Role::Member && own_department(department)
            }
            (Role::DeptAdmin, Action::ResendInvitation { department }) => own_department(department),
            (Role::Member, Action::Invite { role, department }) => {
                settings.members_can_invite && role == Role::Member && (department.is_none() || own_department(department))
            }
            _ => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(DomainError::Forbidden)
        }
    }

    /// Whether `department` is the actor's own (an actor in no department has none).
    fn is_own_department(&self, department: Option<&str>) -> bool {
        self.department_id.is_some() && department == self.department_id.as_deref()
    }

    /// The department the actor's member reads are limited to: an org admin reads what it
    /// asks for (`requested`, or all); a department admin reads its own department only
    /// (asking for another is forbidden); no one else reads the member list.
    pub fn readable_department(&self, requested: Option<&str>) -> Result<Option<String>, DomainError> {
        match (self.role, self.department_id.as_deref()) {
            (Role::OrgAdmin, _) => Ok(requested.map(str::to_string)),
            (Role::DeptAdmin, Some(own)) if requested.is_none_or(|r| r == own) => Ok(Some(own.to_string())),
            _ => Err(DomainError::Forbidden),
        }
    }

    /// Whether the actor may read a member of `department` (a department admin: only its
    /// own department's).
    pub fn may_read_member_in(&self, department: Option<&str>) -> bool {
        match self.role {
            Role::OrgAdmin => true,
            Role::DeptAdmin => self.is_own_department(department),
            Role::Member => false,
        }
    }

    /// The department a new member the actor adds goes into: the one asked for, or, for a
    /// department admin, its own.
    pub fn department_for_new_member(&self, requested: Option<&str>) -> Option<String> {
        requested.map(str::to_string).or_else(|| {
            if self.role == Role::DeptAdmin {
                self.department_id.clone()
            } else {
                None
            }
        })
    }

    /// Invitations by non-admins need approval when the org says so (rule 7).
    pub fn invitations_need_approval(&self, settings: &OrgSettings) -> bool {
        settings.enrollment_approval && !self.role.is_admin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Plan;

    fn actor(role: Role, department: Option<&str>) -> Actor {
        Actor {
            member_id: "a".into(),
            org_id: "o".into(),
            role,
            department_id: department.map(str::to_string),
        }
    }

    #[test]
    fn dept_admins_read_their_own_department_only() {
        let dept_admin = actor(Role::DeptAdmin, Some("d1"));
        assert_eq!(dept_admin.readable_department(None), Ok(Some("d1".into())));
        assert_eq!(dept_admin.readable_department(Some("d1")), Ok(Some("d1".into())));
        assert_eq!(dept_admin.readable_department(Some("d2")), Err(DomainError::Forbidden));
        assert_eq!(actor(Role::DeptAdmin, None).readable_department(None), Err(DomainError::Forbidden));
        assert_eq!(actor(Role::OrgAdmin, None).readable_department(None), Ok(None));
        assert!(dept_admin.may_read_member_in(Some("d1")));
        assert!(!dept_admin.may_read_member_in(Some("d2")));
        assert!(!dept_admin.may_read_member_in(None));
    }

    #[test]
    fn dept_admins_invite_members_into_their_own_department_only() {
        let settings = OrgSettings::new(Plan::Free);
        let dept_admin = actor(Role::DeptAdmin, Some("d1"));
        assert!(dept_admin
            .authorize(
                Action::Invite {
                    role: Role::Member,
                    department: Some("d1")
                },
                &settings
            )
            .is_ok());
        assert!(dept_admin
            .authorize(
                Action::Invite {
                    role: Role::Member,
                    department: Some("d2")
                },
                &settings
            )
            .is_err());
        assert!(dept_admin
            .authorize(
                Action::Invite {
                    role: Role::DeptAdmin,
                    department: Some("d1")
                },
                &settings
            )
            .is_err());
        assert!(dept_admin.authorize(Action::RemoveMember, &settings).is_err());
    }

    #[test]
    fn members_invite_only_when_allowed() {
        let mut settings = OrgSettings::new(Plan::Free);
        let member = actor(Role::Member, None);
        let invite = Action::Invite {
            role: Role::Member,
            department: None,
        };
        assert_eq!(member.authorize(invite, &settings), Err(DomainError::Forbidden));
        settings.members_can_invite = true;
        assert!(member.authorize(invite, &settings).is_ok());
        settings.enrollment_approval = true;
        assert!(member.invitations_need_approval(&settings));
    }
}
