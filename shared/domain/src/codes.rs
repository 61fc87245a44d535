//! Every error code Roster answers, in one closed list: the problem's `code`, a field
//! error's `code`, or why an import row or a bulk-edited member failed. Each has the HTTP
//! status it answers with when it is a problem's code (a field error's codes come inside a
//! `400 validation_failed`) and a one-line meaning. The OpenAPI document's `ErrorCode`
//! schema, the README's error table and the console's words are checked against this list.

use std::fmt;

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $status:literal, $meaning:literal;)*) => {
        /// One error code (see the module's doc).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant),*
        }

        impl ErrorCode {
            /// Every code, in the order of the list.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The code on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code),*
                }
            }

            /// The HTTP status a problem with this code answers with.
            pub const fn status(self) -> u16 {
                match self {
                    $(ErrorCode::$variant => $status),*
                }
            }

            /// What it means, in one line.
            pub const fn meaning(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $meaning),*
                }
            }
        }
    };
}

error_codes! {
    // The request as a whole.
    ValidationFailed = "validation_failed", 400, "Some fields are invalid: `errors` names each field with its own code.";
    InvalidJson = "invalid_json", 400, "The body is not JSON.";
    InvalidBody = "invalid_body", 400, "The JSON does not have the request's shape (a field missing, unknown or of the wrong type).";
    PayloadTooLarge = "payload_too_large", 413, "The body is larger than the route takes.";
    UnsupportedMediaType = "unsupported_media_type", 415, "The body's content type is not one the route takes.";
    RequestTimeout = "request_timeout", 408, "The body did not arrive in time (local server).";
    RouteNotFound = "route_not_found", 404, "No route has this path.";
    MethodNotAllowed = "method_not_allowed", 405, "The path exists, but not with this method.";
    // Sign-in and sessions.
    MissingToken = "missing_token", 401, "The route needs a bearer token and none was sent.";
    InvalidToken = "invalid_token", 401, "The token is not one Roster signed.";
    TokenExpired = "token_expired", 401, "The access token's lifetime has passed: refresh or sign in again.";
    TokenRevoked = "token_revoked", 401, "The password changed or the member left after the token was issued.";
    InvalidRefreshToken = "invalid_refresh_token", 401, "The refresh token is unknown, used, or its session ended.";
    InvalidCredentials = "invalid_credentials", 401, "The email and password do not match an active account.";
    TemporaryPasswordUsed = "temporary_password_used", 401, "The temporary password already signed in once.";
    AccountInactive = "account_inactive", 401, "The account is not licensed, so it cannot sign in or act.";
    PasswordChangeRequired = "password_change_required", 403, "Signed in with a temporary password: only changing it is allowed.";
    LoginMethodNotAllowed = "login_method_not_allowed", 403, "The account's org (or an org admin, for this member) does not allow this way of signing in.";
    InvalidCode = "invalid_code", 401, "The sign-in code is wrong, expired, used or out of tries: ask for a new one.";
    SsoStateInvalid = "sso_state_invalid", 401, "The single sign-on answer matches no sign-in started here, or one already finished or expired: start again.";
    SsoRefused = "sso_refused", 401, "The identity provider did not vouch for the person: it refused the sign-in, its ID token failed a check (signature, issuer, audience, expiry, nonce) or it did not verify the email.";
    // Permission and existence.
    Forbidden = "forbidden", 403, "The caller's role may not do this.";
    NotFound = "not_found", 404, "No such thing, or it belongs to another org.";
    // Membership states (rules 3 and 4, the lifecycle).
    AlreadyLicensed = "already_licensed", 409, "The email already has a licensed account in the org.";
    AlreadyInvited = "already_invited", 409, "The email already has a pending or expired invitation: resend it instead.";
    PendingApproval = "pending_approval", 409, "The email is waiting for approval: approve it instead.";
    Rejected = "rejected", 409, "The email's join request was rejected: approve it instead.";
    Unlicensed = "unlicensed", 409, "The email's account was removed: only a reinvite brings it back.";
    AlreadyMember = "already_member", 409, "The email already has an account in the org (an import row).";
    AlreadyRejected = "already_rejected", 409, "The join request was already rejected.";
    AlreadyUnlicensed = "already_unlicensed", 409, "The member is already unlicensed.";
    NotLicensed = "not_licensed", 409, "Only a licensed member can be removed.";
    NotPendingApproval = "not_pending_approval", 409, "The member is not waiting for approval.";
    NoPendingInvitation = "no_pending_invitation", 409, "The member has no pending invitation to revoke.";
    SeatsExhausted = "seats_exhausted", 409, "Every seat is taken: raise the seat limit or remove someone.";
    CannotChangeOwnRole = "cannot_change_own_role", 409, "An admin cannot change its own role.";
    CannotRemoveSelf = "cannot_remove_self", 409, "An admin cannot remove itself.";
    LastOrgAdmin = "last_org_admin", 409, "This would leave the org without a licensed org admin (with no license end): make someone else an org admin first.";
    NoOrgAdminCanSignIn = "no_org_admin_can_sign_in", 409, "This would leave no org admin able to sign in (none would have a method it can use): keep a method an org admin has, such as email_otp.";
    EmailTaken = "email_taken", 409, "Another account in the org has this email.";
    ConcurrentUpdate = "concurrent_update", 409, "A concurrent change got there first: read again and retry.";
    DirectoryUserExists = "directory_user_exists", 409, "SCIM: the org already has a user with this userName, email or externalId.";
    VersionMismatch = "version_mismatch", 412, "SCIM: the resource changed since the version `If-Match` names: read it again.";
    DepartmentExists = "department_exists", 409, "The org has a department of that name.";
    DepartmentNotEmpty = "department_not_empty", 409, "The department still has members.";
    SsoDomainClaimed = "sso_domain_claimed", 409, "Another org has verified one of these email domains: its single sign-on answers for it.";
    SsoDomainUnverified = "sso_domain_unverified", 409, "The email domain's DNS TXT record is not there yet: publish the record the connection names for it, then verify again.";
    SsoNotReady = "sso_not_ready", 409, "Single sign-on is not configured for the org, or no one has signed in through it yet: configure it, sign in once through `GET /v1/auth/sso/start`, then enable `sso`.";
    SsoNoAccount = "sso_no_account", 409, "The identity provider vouched for an email that has no account in the org, and the org makes none just in time for it.";
    SsoInUse = "sso_in_use", 409, "The org signs in with `sso`: take it out of the org's sign-in methods first (a connection no one has signed in through cannot replace the one in use).";
    // Invitation links (rule 5).
    InvitationExpired = "invitation_expired", 410, "The invitation expired: ask for a new one.";
    InvitationUsed = "invitation_used", 410, "The invitation was already accepted.";
    InvitationSuperseded = "invitation_superseded", 410, "A newer invitation replaced this one.";
    InvitationRevoked = "invitation_revoked", 410, "The invitation was withdrawn.";
    ConfirmationExpired = "confirmation_expired", 410, "The email confirmation link is older than a day: ask for the change again.";
    // Limits and the service.
    Frozen = "frozen", 423, "Membership changes are frozen until `ends_at` (rule 13).";
    RateLimited = "rate_limited", 429, "Too many requests: retry after `Retry-After` seconds.";
    Internal = "internal", 500, "Something went wrong in Roster (logged, never detailed).";
    Unavailable = "unavailable", 503, "A service Roster depends on did not answer: retry.";
    // A field's own problem (inside `400 validation_failed`).
    Required = "required", 400, "The field is missing or empty.";
    Invalid = "invalid", 400, "The value is not valid for the field.";
    InvalidEmail = "invalid_email", 400, "Not an email address.";
    InvalidName = "invalid_name", 400, "A name: 1 to 100 printable characters for a person, 1 to 200 for an org or a department.";
    InvalidPhone = "invalid_phone", 400, "A phone number: 7 to 15 digits, optionally after +.";
    InvalidText = "invalid_text", 400, "A text field: at most 200 printable characters.";
    InvalidRole = "invalid_role", 400, "The role must be org_admin, dept_admin or member.";
    InvalidChoice = "invalid_choice", 400, "Not one of the values the field takes.";
    InvalidTime = "invalid_time", 400, "Not an RFC 3339 time in the accepted range.";
    TooShort = "too_short", 400, "Shorter than the field's minimum.";
    TooLong = "too_long", 400, "Longer than the field's maximum.";
    OutOfRange = "out_of_range", 400, "A number outside the field's range.";
    BeforeStart = "before_start", 400, "An end that is not after its start.";
    NotAllowed = "not_allowed", 400, "The org does not use this option.";
    NotSupported = "not_supported", 400, "This server does not support the option yet.";
    OrgRequired = "org_required", 400, "The password is right for accounts in several orgs: say which (`orgs` lists them).";
    Unchanged = "unchanged", 400, "The new password is the current one.";
    Incorrect = "incorrect", 400, "The current password is wrong.";
    UserOwned = "user_owned", 400, "Only the member changes this, from its own profile.";
    UnknownDepartment = "unknown_department", 400, "No such department in the org.";
    UnknownField = "unknown_field", 400, "The body has a field the route does not take.";
    UnknownValue = "unknown_value", 400, "A value the field does not take.";
    InvalidType = "invalid_type", 400, "The value has the wrong JSON type.";
    MalformedId = "malformed_id", 400, "Not a well-formed id.";
    InvalidCursor = "invalid_cursor", 400, "Not a cursor this list gave out.";
    InvalidFilter = "invalid_filter", 400, "SCIM: a filter other than one `attribute eq \"value\"` comparison of an attribute Roster filters on.";
    InvalidPath = "invalid_path", 400, "SCIM: a PATCH path that names no attribute Roster keeps.";
    NoTarget = "no_target", 400, "SCIM: a PATCH remove without a path.";
    // A bulk import's file and rows.
    InvalidCsv = "invalid_csv", 400, "The file is not CSV.";
    InvalidUtf8 = "invalid_utf8", 400, "The file is not UTF-8 text.";
    MissingColumn = "missing_column", 400, "The file lacks a column of the template.";
    Empty = "empty", 400, "There is nothing to import.";
    TooManyRows = "too_many_rows", 400, "More rows than one import takes.";
    InvalidRow = "invalid_row", 400, "The row could not be read.";
    DuplicateInFile = "duplicate_in_file", 400, "The email appears earlier in the same import.";
    ActorInactive = "actor_inactive", 403, "The admin who started the import can no longer act in the org.";
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown error code {text}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_is_listed_once_in_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert!(code
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()));
            assert!((400..600).contains(&code.status()));
            assert!(!code.meaning().is_empty());
        }
    }
}
