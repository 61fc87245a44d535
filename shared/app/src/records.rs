//! The stored records besides orgs and members: audit events, outbox entries, seat
//! counters, imports, invitation and join-code lookups, rate windows.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use roster_domain::roster_csv::CsvRow;
use roster_domain::{ErrorCode, LoginMethod, MembershipStatus, Role};

/// One membership change: who, what, when, from where (rule 14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The acting member; `None` for the operator and the system's sweeps.
    pub actor_id: Option<String>,
    pub action: String,
    pub member_id: Option<String>,
    pub from_status: Option<MembershipStatus>,
    pub to_status: Option<MembershipStatus>,
    pub reason: Option<String>,
    /// The client address the change came from, when it came over HTTP.
    pub ip: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailKind {
    Invitation,
    Reinvitation,
    TemporaryPassword,
    JoinApproved,
    /// A join request named an address that already has an account in the org: the address
    /// is told what to do instead (the requester's answer says nothing).
    JoinNotice,
    /// The confirmation link of an email change, to the new address.
    EmailChangeConfirmation,
    /// To the old address: the account's email is being changed.
    EmailChangeNotice,
    /// A one-time sign-in code, to an email (not one member: it signs in to every account
    /// of the email that allows codes).
    SignInCode,
}

impl EmailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Invitation => "invitation",
            EmailKind::Reinvitation => "reinvitation",
            EmailKind::TemporaryPassword => "temporary_password",
            EmailKind::JoinApproved => "join_approved",
            EmailKind::JoinNotice => "join_notice",
            EmailKind::EmailChangeConfirmation => "email_change_confirmation",
            EmailKind::EmailChangeNotice => "email_change_notice",
            EmailKind::SignInCode => "sign_in_code",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    /// Sent (an entry is deleted once done: these two are what the sender logs, and what
    /// entries written before that still say).
    Sent,
    /// The email no longer applies (its invitation was superseded or revoked).
    Obsolete,
}

/// An email to send, written in the same atomic write as the change that causes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Deterministic: `<member>-<kind>-<version>`, so one change makes one email.
    pub id: String,
    /// The org and member the email is about; both `None` for a sign-in code, which is
    /// about an email address and every account it has.
    pub org_id: Option<String>,
    pub member_id: Option<String>,
    pub kind: EmailKind,
    /// The invitation or credential version the email carries.
    pub secret_version: u32,
    pub status: DeliveryStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub attempts: u32,
    pub message_id: Option<String>,
    /// A delivery is sending this email until then; others leave it alone (one send per
    /// delivery even when a message is handed out twice).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub claimed_until: Option<OffsetDateTime>,
    /// Where it goes when that is not the member's email (an email change's emails, a
    /// sign-in code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// A sign-in code's challenge (`SignInCode::challenge`): the code is derived from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<String>,
}

/// What an email-change confirmation link's secret leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailChangeLookup {
    pub org_id: String,
    pub member_id: String,
}

impl OutboxEntry {
    /// Whether a delivery holds a live claim on this entry at `now`.
    pub fn is_claimed(&self, now: OffsetDateTime) -> bool {
        self.claimed_until.is_some_and(|until| until > now)
    }
}

/// The org's lasting org admins (`lifecycle::is_lasting_org_admin`), kept in step with every
/// change of one, so a change that would leave none is refused in its own transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct OrgAdminCounter {
    pub lasting: u64,
    /// Their ids, so a change of sign-in methods can check one of them can still sign in.
    /// A counter from before held none (`members.len() != lasting`); it is filled from the
    /// licensed members when read, and stored with the next change of an org admin.
    #[serde(default)]
    pub members: Vec<String>,
}

impl OrgAdminCounter {
    /// Whether `members` lists every lasting org admin (a counter from before lists none).
    pub fn lists_members(&self) -> bool {
        self.members.len() as u64 == self.lasting
    }
}

/// Licensed members of an org, kept in step with every license change: the `SEATS` item's
/// version is the count, changed by `Write::Add` (no version check, so concurrent license
/// changes don't collide on it; the store checks the seat limit). An org from before kept
/// the count in the item's data (`LegacySeatCounter`); its first change converts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatCount {
    pub used: u64,
    /// The version of a counter still in the old form, to convert it with.
    pub legacy_version: Option<u64>,
}

/// The seat counter's old form: the count in the data, the version only a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacySeatCounter {
    pub used: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    Queued,
    Running,
    Completed,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportSource {
    Csv,
    PastedList { role: Role, department_id: Option<String> },
}

/// A bulk import job. `processed` is the checkpoint: rows before it are done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportJob {
    pub id: String,
    pub org_id: String,
    pub actor_id: String,
    pub client_ip: Option<String>,
    pub source: ImportSource,
    pub status: ImportStatus,
    pub total: usize,
    pub processed: usize,
    pub invited: usize,
    pub chunks: usize,
    /// The chunks that hold failed rows, so a status read reads only those (none for a
    /// job from before this was kept: then every chunk is read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_chunks: Option<std::collections::BTreeSet<usize>>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl ImportJob {
    /// The chunks a status read must read for the failed rows.
    pub fn chunks_with_failures(&self) -> Vec<usize> {
        match &self.failed_chunks {
            Some(failed) => failed.iter().copied().collect(),
            None => (0..self.chunks).collect(),
        }
    }
}

pub const IMPORT_CHUNK_ROWS: usize = 100;

/// A row of an import that was not invited, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ImportFailure {
    pub row: usize,
    pub email: String,
    pub code: ErrorCode,
}

/// One row to import and, when checks that need no lookups already failed, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    #[serde(flatten)]
    pub row: CsvRow,
    pub precheck_failure: Option<ErrorCode>,
}

/// Up to `IMPORT_CHUNK_ROWS` rows of an import and the failures among them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ImportChunk {
    pub rows: Vec<ImportRow>,
    pub failures: Vec<ImportFailure>,
}

/// The item found by the hash of an invitation's secret: the mark of an invitation revoked
/// with its member kept, or the lookup of a link that is the secret alone (links from
/// before links named their member, and those `roster_aws::layout` writes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationLookup {
    pub org_id: String,
    pub member_id: String,
    /// The invitation was revoked (its member kept): the link says so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revoked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinCodeLookup {
    pub org_id: String,
}

/// Points a key that is unique in an org (a directory user's `userName` or `externalId`, a
/// held creation's email) to its member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberPointer {
    pub member_id: String,
}

/// An entry of the account directory: an email has an account in an org. Also the org's
/// guard of the email (written only where none is). Read with a consistent query at sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryEntry {
    pub org_id: String,
    pub member_id: String,
}

/// A client an email signed in from with the right password; its token (kept by the
/// client, stored here only as a hash) lets the right password through even while the
/// email's failed-login limit is reached, so a stranger cannot lock the person out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedDevice {
    pub email: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
}

/// One refresh token (stored only as the SHA-256 of its secret). Single use: refreshing
/// marks it used and issues the next one of the same session; a used one presented again
/// means it was copied, and ends the whole session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshToken {
    pub org_id: String,
    pub member_id: String,
    /// The session (every token rotated from one login).
    pub session_id: String,
    /// The member's credential version at login: a password change ends the session.
    pub credential_version: u32,
    /// When the session ends, whatever the rotations (a working day after login).
    #[serde(with = "time::serde::rfc3339")]
    pub session_ends_at: time::OffsetDateTime,
    pub used: bool,
    /// How the session began: a refresh is refused once the member may no longer sign in
    /// that way. Sessions from before began with a password.
    #[serde(default = "password_method")]
    pub method: LoginMethod,
}

fn password_method() -> LoginMethod {
    LoginMethod::Password
}

/// The current one-time sign-in code of an email (`SIGNIN#e`). The code itself is never
/// stored: it is derived from the token secret, the email and `challenge`, by the email
/// sender that sends it and by the verification that checks it. A newer code replaces this
/// record, and with it the older code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInCode {
    /// Random, new for every code requested.
    pub challenge: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
    /// Wrong codes tried against this one; at `SIGN_IN_CODE_TRIES` it works no more.
    pub failures: u32,
    /// Signed in once: it works no more.
    pub used: bool,
}

/// A session ended early (a refresh token was presented twice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndedSession {
    #[serde(with = "time::serde::rfc3339")]
    pub ended_at: time::OffsetDateTime,
}

/// A count of events in one fixed time window (rate limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RateWindow {
    pub count: u64,
}

/// A change an org's directory sent during a freeze window that adds, removes, licenses or
/// unlicenses a member: kept (`DIRHOLD#<id>`, in arrival order) and applied in that order
/// when the window ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldDirectoryChange {
    /// The member it is for (for a held creation, the id the member will have).
    pub member_id: String,
    pub change: HeldChange,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HeldChange {
    /// A new user; later profile changes during the window update it here.
    Create {
        user: roster_domain::scim::DirectoryUser,
        department_id: Option<String>,
    },
    /// `active` set: license (again) or unlicense.
    SetActive { active: bool },
    /// Deleted from the directory.
    Delete,
}

impl HeldChange {
    pub fn kind(&self) -> &'static str {
        match self {
            HeldChange::Create { .. } => "create",
            HeldChange::SetActive { active: true } => "activate",
            HeldChange::SetActive { active: false } => "deactivate",
            HeldChange::Delete => "delete",
        }
    }
}

/// An org's directory-sync (SCIM) token, as its SHA-256: the token itself is shown once,
/// when it is issued, and never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScimToken {
    pub token_hash: String,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// The org admin who issued it.
    pub issued_by: String,
}

/// An org's single sign-on connection: the settings an org admin gave and the client secret
/// sealed by the sealer port under the org's id (never in clear, never answered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoConnection {
    pub settings: roster_domain::sso::SsoSettings,
    /// The sealed client secret, base64url.
    pub sealed_client_secret: String,
    /// When someone last signed in through this connection as configured: until then `sso`
    /// cannot be made a sign-in method.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub tested_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
    /// Each listed email domain's ownership proof and whether it was verified.
    #[serde(default)]
    pub domains: std::collections::BTreeMap<String, roster_domain::sso::DomainOwnership>,
}

impl SsoConnection {
    /// Whether `email`'s domain is listed and its ownership verified.
    pub fn answers_for(&self, email: &roster_domain::Email) -> bool {
        self.settings.lists(email) && self.domains.get(email.domain()).is_some_and(|d| d.verified_at.is_some())
    }
}

/// Which org's connection answers for an email domain (one org a domain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoDomainClaim {
    pub org_id: String,
}

/// A single sign-on attempt between its start and the provider's callback: what the
/// callback checks the answer against. Single use (deleted by the callback that uses it),
/// and it expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoAttempt {
    pub org_id: String,
    /// The connection it began with: an answer after the connection changed is refused.
    pub issuer: String,
    pub client_id: String,
    /// SHA-256 of the random value in the cookie of the browser that started it: only that
    /// browser's callback and session collection count (no signing a victim in to an
    /// attacker's account with a link).
    pub browser_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
}

/// The accounts a finished single sign-on opened, waiting for the console to collect them
/// with the one-time handoff code it got in the callback's redirect (so no token is ever in
/// a URL). Single use, short-lived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoHandoff {
    pub org_id: String,
    pub member_id: String,
    /// The starting browser's cookie hash (as `SsoAttempt::browser_hash`).
    pub browser_hash: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
}
