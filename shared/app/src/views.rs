//! The public JSON shapes of the API (SPEC §5 wire format), as types the use cases return.
//! Secrets never appear here.

use schemars::JsonSchema;
use serde::Serialize;

use roster_domain::schema::DateTime;
use time::OffsetDateTime;

use roster_domain::{Department, Email, FreezeWindow, Kind, LoginMethod, Member, MembershipStatus, Org, Plan, Role, Timestamp};

use crate::records::{AuditEvent, ImportChunk, ImportFailure, ImportJob, ImportStatus};

/// RFC 3339 in UTC; never fails.
pub fn rfc3339(at: OffsetDateTime) -> String {
    roster_domain::timestamp::format_rfc3339(at)
}

/// A member: one person's account in one org.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "Member")]
pub struct MemberView {
    pub id: String,
    pub org_id: String,
    pub email: Email,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub role: Role,
    pub kind: Kind,
    pub status: MembershipStatus,
    pub department_id: Option<String>,
    pub position: Option<String>,
    pub job_id: Option<String>,
    pub location: Option<String>,
    #[schemars(with = "Option<DateTime>")]
    pub license_end: Option<Timestamp>,
    #[schemars(with = "DateTime")]
    pub created_at: String,
    #[schemars(with = "DateTime")]
    pub updated_at: String,
    pub version: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "InvitationState")]
    pub invitation: Option<InvitationState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "PendingEmailView")]
    pub pending_email: Option<PendingEmailView>,
    /// The member's own sign-in methods, set by an org admin; absent while it follows the
    /// org's `login_methods`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<LoginMethod>")]
    pub login_methods: Option<Vec<LoginMethod>>,
    /// The org's directory (SCIM) provisions this member: it decides the email, names,
    /// phone, position, department and whether it holds its license.
    pub managed_by_directory: bool,
}

/// A pending invitation, without its secret.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct InvitationState {
    #[schemars(with = "DateTime")]
    pub expires_at: String,
    pub needs_approval: bool,
}

/// An email change waiting for confirmation, without its secret.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "PendingEmail")]
pub struct PendingEmailView {
    pub email: Email,
    #[schemars(with = "DateTime")]
    pub expires_at: String,
}

pub fn member(member: &Member) -> MemberView {
    MemberView {
        id: member.id.clone(),
        org_id: member.org_id.clone(),
        email: member.email.clone(),
        first_name: member.first_name.clone(),
        last_name: member.last_name.clone(),
        phone: member.phone.clone(),
        role: member.role,
        kind: member.kind,
        status: member.status,
        department_id: member.department_id.clone(),
        position: member.position.clone(),
        job_id: member.job_id.clone(),
        location: member.location.clone(),
        license_end: member.license_end,
        created_at: rfc3339(member.created_at),
        updated_at: rfc3339(member.updated_at),
        version: member.version,
        invitation: member.invitation.as_ref().map(|invitation| InvitationState {
            expires_at: rfc3339(invitation.expires_at),
            needs_approval: invitation.needs_approval,
        }),
        pending_email: member.pending_email.as_ref().map(|change| PendingEmailView {
            email: change.email.clone(),
            expires_at: rfc3339(change.expires_at),
        }),
        login_methods: member.login_methods.clone(),
        managed_by_directory: member.directory_link().is_some(),
    }
}

/// An org with its settings; `seats_used` only on `GET /v1/orgs/{org}`, for admins.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "Org")]
pub struct OrgView {
    pub id: String,
    pub name: String,
    pub plan: Plan,
    pub seat_limit: Option<u32>,
    pub invite_ttl_days: u32,
    pub enrollment_approval: bool,
    pub members_can_invite: bool,
    pub login_methods: Vec<LoginMethod>,
    pub require_2fa: bool,
    pub eula_version: String,
    pub freeze: Option<FreezeWindow>,
    #[schemars(with = "DateTime")]
    pub created_at: String,
    #[schemars(with = "DateTime")]
    pub updated_at: String,
    pub version: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u64")]
    pub seats_used: Option<u64>,
}

pub fn org(org: &Org) -> OrgView {
    let settings = &org.settings;
    OrgView {
        id: org.id.clone(),
        name: org.name.clone(),
        plan: settings.plan,
        seat_limit: settings.seat_limit,
        invite_ttl_days: settings.invite_ttl_days,
        enrollment_approval: settings.enrollment_approval,
        members_can_invite: settings.members_can_invite,
        login_methods: settings.login_methods.clone(),
        require_2fa: settings.require_2fa,
        eula_version: settings.eula_version.clone(),
        freeze: org.freeze.clone(),
        created_at: rfc3339(org.created_at),
        updated_at: rfc3339(org.updated_at),
        version: org.version,
        seats_used: None,
    }
}

pub fn org_with_seats(org: &Org, seats_used: u64) -> OrgView {
    OrgView {
        seats_used: Some(seats_used),
        ..self::org(org)
    }
}

/// A department.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "Department")]
pub struct DepartmentView {
    pub id: String,
    pub org_id: String,
    pub name: String,
    #[schemars(with = "DateTime")]
    pub created_at: String,
    pub version: u64,
}

pub fn department(department: &Department) -> DepartmentView {
    DepartmentView {
        id: department.id.clone(),
        org_id: department.org_id.clone(),
        name: department.name.clone(),
        created_at: rfc3339(department.created_at),
        version: department.version,
    }
}

/// One audit event.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "AuditEvent")]
pub struct AuditEventView {
    pub id: String,
    #[schemars(with = "DateTime")]
    pub at: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub member_id: Option<String>,
    pub from_status: Option<MembershipStatus>,
    pub to_status: Option<MembershipStatus>,
    pub reason: Option<String>,
    pub ip: Option<String>,
}

pub fn audit_event(event: &AuditEvent) -> AuditEventView {
    AuditEventView {
        id: event.id.clone(),
        at: rfc3339(event.at),
        actor_id: event.actor_id.clone(),
        action: event.action.clone(),
        member_id: event.member_id.clone(),
        from_status: event.from_status,
        to_status: event.to_status,
        reason: event.reason.clone(),
        ip: event.ip.clone(),
    }
}

/// A bulk import's progress and, at the end, every row that was not invited.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "Import")]
pub struct ImportView {
    pub id: String,
    pub status: ImportStatus,
    pub total: usize,
    pub processed: usize,
    pub invited: usize,
    pub failures: Vec<ImportFailure>,
    #[schemars(with = "DateTime")]
    pub created_at: String,
    #[schemars(with = "DateTime")]
    pub updated_at: String,
}

pub fn import_job(job: &ImportJob, chunks: &[ImportChunk]) -> ImportView {
    ImportView {
        id: job.id.clone(),
        status: job.status,
        total: job.total,
        processed: job.processed,
        invited: job.invited,
        failures: chunks.iter().flat_map(|c| c.failures.iter().cloned()).collect(),
        created_at: rfc3339(job.created_at),
        updated_at: rfc3339(job.updated_at),
    }
}

/// A page of a list: `{items, next_cursor}`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "{T}Page")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

pub fn page<T>(items: Vec<T>, next_cursor: Option<String>) -> Page<T> {
    Page { items, next_cursor }
}

/// An org as the invitee and join pages name it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct OrgSummary {
    pub id: String,
    pub name: String,
}

/// What `POST /v1/orgs` made: the org and its first admin.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "CreatedOrg")]
pub struct CreatedOrgView {
    pub org: OrgView,
    pub admin: MemberView,
}

/// The join link, its code and its QR code.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "InviteLink")]
pub struct InviteLinkView {
    pub code: String,
    pub url: String,
    pub qr_svg: String,
}

/// Where a join link leads.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct JoinLinkView {
    pub org: OrgSummary,
}

/// The answer to every join request, the same for every email.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct JoinRequestAnswer {
    pub status: MembershipStatus,
    pub email: Email,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
}

/// What the acceptance page shows and asks.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct InvitationView {
    pub org: OrgSummary,
    pub email: Email,
    pub first_name: String,
    pub last_name: String,
    #[schemars(with = "DateTime")]
    pub expires_at: String,
    pub requires: AcceptanceRequires,
}

/// What an acceptance must bring.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct AcceptanceRequires {
    pub password: bool,
    pub two_factor_channel: bool,
    pub eula_version: String,
}

/// A pasted list's preview.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "Preview")]
pub struct PreviewView {
    /// How many distinct addresses of the list are emails (to invite, or already members):
    /// a typo or a repeat makes it lower than the count the admin expected.
    pub recognized: usize,
    pub valid: Vec<String>,
    pub invalid: Vec<String>,
    pub duplicates: Vec<Email>,
    pub existing: Vec<ExistingAccount>,
}

/// An address of a pasted list that already has an account, and its state.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ExistingAccount {
    pub email: Email,
    pub status: MembershipStatus,
}

/// A queued import.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "ImportQueued")]
pub struct ImportQueuedView {
    pub id: String,
    pub status: ImportStatus,
}

/// What a bulk edit did.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "BulkEditResult")]
pub struct BulkEditView {
    pub updated: usize,
    pub failures: Vec<BulkEditFailure>,
}

/// A member a bulk edit did not change, and why.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct BulkEditFailure {
    pub member_id: String,
    pub code: roster_domain::ErrorCode,
}

/// The email an account has after a confirmed change.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "ConfirmedEmail")]
pub struct ConfirmedEmailView {
    pub email: Email,
}

/// A password change went through.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "PasswordChanged")]
pub struct PasswordChangedView {
    pub password_changed: bool,
}

/// A sign-in's or a refresh's tokens.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "Token")]
pub struct TokensView {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub password_change_required: bool,
    pub org_id: String,
    pub member_id: String,
    /// Single use: send it to `POST /v1/auth/refresh` for the next access token and refresh
    /// token. Absent for a temporary password's session.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub refresh_token: Option<String>,
    /// Seconds until the session ends (a working day after the login), however often it is
    /// refreshed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "i64")]
    pub refresh_expires_in: Option<i64>,
    /// Login only: this client's device token, to send with later logins. Keep it like a
    /// password.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub device_token: Option<String>,
}

/// `POST /v1/auth/otp`'s answer, the same whether or not the email has accounts.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "SignInCodeSent")]
pub struct SignInCodeSentView {
    /// Seconds the code works for, once it arrives.
    pub expires_in: i64,
}

/// One account a sign-in opened: its org, the member's role there, and the session.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "AccountSession")]
pub struct AccountSessionView {
    pub org_name: String,
    pub role: roster_domain::Role,
    pub email: String,
    #[serde(flatten)]
    pub tokens: TokensView,
}

/// Every account a code (or SSO) sign-in opened, oldest first: the account switcher's list.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "SignIn")]
pub struct SignInView {
    pub accounts: Vec<AccountSessionView>,
}

/// The OpenID discovery document API Gateway's JWT authorizer reads.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct OpenIdConfiguration {
    pub issuer: String,
    pub jwks_uri: String,
    pub id_token_signing_alg_values_supported: [&'static str; 1],
    pub response_types_supported: [&'static str; 1],
    pub subject_types_supported: [&'static str; 1],
}

/// A directory-sync (SCIM) token, answered once when it is issued.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "ScimToken")]
pub struct ScimTokenView {
    /// The bearer token the identity provider sends: shown now and never again (only its
    /// hash is kept). It names the org it serves.
    pub token: String,
    /// The SCIM base URL to give the identity provider: `<public url>/scim/v2`.
    pub base_url: String,
}

/// An org's directory-sync connection, without its token (which is never answered again).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "ScimConnection")]
pub struct ScimConnectionView {
    /// When the current token was issued.
    #[schemars(with = "DateTime")]
    pub issued_at: String,
    /// The org admin who issued it.
    pub issued_by: String,
    /// The SCIM base URL the identity provider is given.
    pub base_url: String,
}

/// An org's single sign-on connection, without its client secret (which is never answered).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "SsoConnection")]
pub struct SsoConnectionView {
    pub issuer: String,
    pub client_id: String,
    pub email_domains: Vec<String>,
    pub jit: roster_domain::sso::SsoJit,
    /// The redirect URI to register with the identity provider.
    pub redirect_uri: String,
    /// Whether a client secret is held (always true: it is required).
    pub client_secret_set: bool,
    /// When someone last signed in through this connection; `sso` can be enabled after.
    #[schemars(with = "Option<DateTime>")]
    pub tested_at: Option<String>,
    #[schemars(with = "DateTime")]
    pub updated_at: String,
    /// Each email domain, and the DNS TXT record that proves the org owns it: until it is
    /// verified (`POST …/sso/domains/{domain}/verify`), `?email=` sign-ins for it don't come
    /// here and its people get no account just in time.
    pub domains: Vec<SsoDomainView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SsoDomainView {
    pub domain: String,
    #[schemars(with = "Option<DateTime>")]
    pub verified_at: Option<String>,
    /// Publish a TXT record at this name…
    pub dns_record_name: String,
    /// …holding this value.
    pub dns_record_value: String,
}

pub fn sso_connection(config: &crate::app::AppConfig, connection: &crate::records::SsoConnection) -> SsoConnectionView {
    SsoConnectionView {
        issuer: connection.settings.issuer.clone(),
        client_id: connection.settings.client_id.clone(),
        email_domains: connection.settings.email_domains.clone(),
        jit: connection.settings.jit,
        redirect_uri: config.sso_redirect_uri(),
        client_secret_set: !connection.sealed_client_secret.is_empty(),
        tested_at: connection.tested_at.map(rfc3339),
        updated_at: rfc3339(connection.updated_at),
        domains: connection
            .domains
            .iter()
            .map(|(domain, ownership)| SsoDomainView {
                domain: domain.clone(),
                verified_at: ownership.verified_at.map(rfc3339),
                dns_record_name: roster_domain::sso::ownership_record_name(domain),
                dns_record_value: roster_domain::sso::ownership_record_value(&ownership.token),
            })
            .collect(),
    }
}
