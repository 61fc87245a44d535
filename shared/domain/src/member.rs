//! A member (one person's account in one org) and its roles, kinds and statuses.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::email::Email;
use crate::org::LoginMethod;
use crate::timestamp::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    OrgAdmin,
    DeptAdmin,
    Member,
}

impl Role {
    pub fn is_admin(self) -> bool {
        matches!(self, Role::OrgAdmin | Role::DeptAdmin)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Full,
    Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MembershipStatus {
    Invited,
    Expired,
    PendingApproval,
    Rejected,
    Licensed,
    Unlicensed,
}

impl MembershipStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MembershipStatus::Invited => "invited",
            MembershipStatus::Expired => "expired",
            MembershipStatus::PendingApproval => "pending_approval",
            MembershipStatus::Rejected => "rejected",
            MembershipStatus::Licensed => "licensed",
            MembershipStatus::Unlicensed => "unlicensed",
        }
    }

    /// The admin console tab a member with this status shows in.
    pub fn tab(self) -> Tab {
        match self {
            MembershipStatus::Licensed => Tab::Licensed,
            MembershipStatus::Unlicensed | MembershipStatus::Invited | MembershipStatus::Expired => Tab::Unlicensed,
            MembershipStatus::PendingApproval | MembershipStatus::Rejected => Tab::Pending,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tab {
    Licensed,
    Unlicensed,
    Pending,
}

impl Tab {
    pub fn as_str(self) -> &'static str {
        match self {
            Tab::Licensed => "licensed",
            Tab::Unlicensed => "unlicensed",
            Tab::Pending => "pending",
        }
    }
}

/// The member's current invitation. Only the SHA-256 of the link's secret is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInvitation {
    pub token_hash: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Grows with every (re)send; one email per version.
    pub version: u32,
    /// Acceptance leads to `pending_approval` rather than `licensed`.
    pub needs_approval: bool,
    pub invited_by: Option<String>,
}

/// An email change the member asked for, waiting for the new address to confirm it (rule
/// 12): until then the account keeps, and signs in with, its old email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEmailChange {
    pub email: Email,
    /// SHA-256 of the confirmation link's secret (derived, never stored).
    pub token_hash: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The secret's version: one email per request.
    pub version: u32,
}

/// One account in one org, as stored. The public wire view leaves out the secrets. A
/// stored member may leave out what its keys hold (its id, org and version) and the fields
/// at their default (`roster_app::table::member_item`): those read as their default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub org_id: String,
    pub email: Email,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub phone: String,
    pub role: Role,
    pub kind: Kind,
    pub status: MembershipStatus,
    pub department_id: Option<String>,
    pub position: Option<String>,
    pub job_id: Option<String>,
    pub location: Option<String>,
    /// Set by an admin; the license-expiry sweep unlicenses the member once it has passed.
    pub license_end: Option<Timestamp>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(default)]
    pub version: u64,
    pub invitation: Option<PendingInvitation>,
    /// Argon2id PHC string; never the password.
    pub password_hash: Option<String>,
    /// The password is a temporary one: it only allows changing it.
    #[serde(default)]
    pub password_temporary: bool,
    /// How many invitations this account has been sent; the next one gets the next number,
    /// so every invitation has a secret of its own.
    #[serde(default)]
    pub invitations_sent: u32,
    /// Grows whenever a temporary password is issued (one email per version) and whenever
    /// the password changes: access tokens carry it, and one issued before is refused.
    #[serde(default)]
    pub credential_version: u32,
    /// The temporary password has signed in once; it signs in no more (SPEC §6).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub temporary_password_used: bool,
    /// Set once the account has ever been accepted or approved: a revoked reinvite
    /// then returns it to `unlicensed` instead of deleting it.
    #[serde(default)]
    pub ever_licensed: bool,
    pub eula_version: Option<String>,
    pub two_factor_channel: Option<String>,
    /// Per-member override of the org's login methods.
    pub login_methods: Option<Vec<LoginMethod>>,
    /// How many email changes the member has asked for: each one's link has a secret of its own.
    #[serde(default)]
    pub email_changes_requested: u32,
    /// A change of its own email waiting for confirmation from the new address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_email: Option<PendingEmailChange>,
    /// Set when the org's directory (SCIM) provisions the account: it then decides the
    /// profile fields it sends, and whether the account holds its license.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory: Option<DirectoryLink>,
}

/// What the org's directory knows the account by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryLink {
    /// The directory's `userName`, when it is not the email itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The directory deleted the user: the account is unlicensed, keeps its data, and is
    /// gone from the directory's view (SCIM answers 404 for it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// The directory made the account (rather than finding one an admin or the person
    /// made): only then may it change the account's email.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub provisioned: bool,
}

impl Member {
    pub fn is_licensed(&self) -> bool {
        self.status == MembershipStatus::Licensed
    }

    /// Whether a directory sees the account as `active`: anything but removed or rejected.
    pub fn is_active_in_directory(&self) -> bool {
        !matches!(self.status, MembershipStatus::Unlicensed | MembershipStatus::Rejected)
    }

    /// The directory provisions the account, and has not deleted it.
    pub fn directory_link(&self) -> Option<&DirectoryLink> {
        self.directory.as_ref().filter(|link| !link.deleted)
    }

    /// The org's directory deleted the user: the account is gone from its view.
    pub fn deleted_by_directory(&self) -> bool {
        self.directory.as_ref().is_some_and(|link| link.deleted)
    }
}
