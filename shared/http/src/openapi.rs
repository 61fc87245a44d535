//! The OpenAPI 3.1 document, generated from the route table, the types each route's use
//! case takes and answers (their JSON Schemas come from `schemars`), and the error codes
//! each route answers. `shared/http/openapi.json` is this document as committed — the
//! console's typed client is generated from it, and `GET /v1/openapi.json` serves it — and
//! a test fails when it is stale: `cargo run -q -p roster-http --example openapi >
//! shared/http/openapi.json` writes it again.

use schemars::generate::{Contract, SchemaSettings};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

use roster_app::usecases::me::EMAIL_CHANGES_PER_HOUR;
use roster_app::usecases::members::{EXPORT_PAGE_MEMBERS, LIST_MAX_EXAMINED};
use roster_app::usecases::{accounts, auth, departments, imports, invitations, me, members, orgs, sign_in_codes, sso};
use roster_app::views::{
    AuditEventView, BulkEditView, ConfirmedEmailView, CreatedOrgView, DepartmentView, ImportQueuedView, ImportView, InvitationView,
    InviteLinkView, JoinLinkView, JoinRequestAnswer, MemberView, OpenIdConfiguration, OrgView, Page, PasswordChangedView, PreviewView,
    SignInView, SsoConnectionView, TokensView,
};
use roster_app::JwkSet;
use roster_domain::{DepartmentId, ErrorCode, ImportId, InvitationToken, JoinCode, MemberId, OrgId};

use crate::problem::Problem;
use crate::query::{AuditQuery, ExportQuery, MemberListQuery, Param, SsoCallbackQuery, SsoStartQuery};
use crate::routes::{Route, RouteId, ROUTES};

/// A schema, written into a generator's definitions where it has a name.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// `T`'s schema (a reference, where it has a name).
pub fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// What a route takes.
enum Body {
    None,
    Json(SchemaFn),
    /// A CSV file (`text/csv`) or the JSON of `SchemaFn`.
    CsvOrJson(SchemaFn),
}

/// What a route answers when it succeeds.
enum Answer {
    Json(u16, SchemaFn),
    /// `200` with a CSV file; `paged` ones give the next page in a `Link` header.
    Csv {
        paged: bool,
    },
    NoContent,
    /// `303 See Other`, with the next URL in `Location`.
    Redirect(&'static str),
    /// The same, or `200 {"redirect_to"}` to a caller that accepts JSON and not HTML.
    RedirectOrJson(&'static str),
}

/// One route as the document describes it: `Operation::new(summary, who, answer)`, then
/// what it takes and the codes only it answers.
struct Operation {
    summary: &'static str,
    /// Who may call it, and what else a caller should know.
    description: String,
    body: Body,
    /// Its query parameters (`query.rs`).
    query: fn() -> Vec<Param>,
    answer: Answer,
    /// The codes this route answers beyond those of every route of its kind (see
    /// `error_codes`).
    errors: &'static [ErrorCode],
}

impl Operation {
    fn new(summary: &'static str, description: impl Into<String>, answer: Answer) -> Operation {
        Operation {
            summary,
            description: description.into(),
            body: Body::None,
            query: Vec::new,
            answer,
            errors: &[],
        }
    }

    fn json(self, schema: SchemaFn) -> Operation {
        Operation {
            body: Body::Json(schema),
            ..self
        }
    }

    fn csv_or_json(self, schema: SchemaFn) -> Operation {
        Operation {
            body: Body::CsvOrJson(schema),
            ..self
        }
    }

    fn query(self, query: fn() -> Vec<Param>) -> Operation {
        Operation { query, ..self }
    }

    fn errors(self, errors: &'static [ErrorCode]) -> Operation {
        Operation { errors, ..self }
    }
}

/// Every way a request's body can be refused before its use case reads it.
const BODY_REFUSALS: &[ErrorCode] = &[
    ErrorCode::InvalidJson,
    ErrorCode::InvalidBody,
    ErrorCode::UnsupportedMediaType,
    ErrorCode::ValidationFailed,
];
/// What any request can meet: a body too large or too slow (the local server reads every
/// body with limits), and the service failing.
const ANY_REQUEST: &[ErrorCode] = &[
    ErrorCode::PayloadTooLarge,
    ErrorCode::RequestTimeout,
    ErrorCode::Internal,
    ErrorCode::Unavailable,
];
/// Every way a caller can be refused for its token or its role.
const TOKEN_REFUSALS: &[ErrorCode] = &[
    ErrorCode::MissingToken,
    ErrorCode::InvalidToken,
    ErrorCode::TokenExpired,
    ErrorCode::Forbidden,
];
/// Every way a member's token can be refused once it is read (`App::signed_in_member`).
const MEMBER_REFUSALS: &[ErrorCode] = &[ErrorCode::TokenRevoked, ErrorCode::AccountInactive];

/// Who calls a route, for the refusals it answers before its own checks.
enum Caller {
    Anyone,
    /// The operator only (its own token, not a member's).
    Operator,
    /// A member, with a full session or (`temporary`) the one a temporary password gives.
    Member {
        temporary: bool,
    },
}

/// Derived from the route's facts, except for the routes named here: a new route that only
/// the operator calls, or that a temporary password's session may call, belongs here too.
fn caller(route: &Route) -> Caller {
    match route.id {
        _ if route.facts.anyone => Caller::Anyone,
        RouteId::CreateOrg => Caller::Operator,
        // What a temporary password's session may do: read itself and change the password.
        RouteId::GetMe | RouteId::ChangePassword => Caller::Member { temporary: true },
        _ => Caller::Member { temporary: false },
    }
}

use ErrorCode as E;

fn operation(route: RouteId) -> Operation {
    use Answer::{Csv, Json, NoContent, Redirect, RedirectOrJson};
    let member = Json(200, schema::<MemberView>);
    let org = Json(200, schema::<OrgView>);
    match route {
        RouteId::CreateOrg => Operation::new(
            "Create an org with its first org admin (invited)",
            "Who: operator.",
            Json(201, schema::<CreatedOrgView>),
        )
        .json(schema::<orgs::CreateOrgInput>),
        RouteId::GetOrg => Operation::new(
            "Settings and seat use",
            "Who: org and department admins.",
            org,
        ),
        RouteId::UpdateOrg => Operation::new(
            "Change settings",
            "Who: org admin or operator; only the operator changes `plan` (an org admin naming another plan gets 403). A patch that changes nothing answers the org as it is, without a new version or an audit event; a PATCH without a body is a 400.",
            org,
        )
        .json(schema::<orgs::OrgPatch>)
        .errors(&[E::ConcurrentUpdate, E::NoOrgAdminCanSignIn, E::SsoNotReady]),
        RouteId::SetFreeze => Operation::new(
            "Set a freeze window",
            "Who: org admin or operator. Items it holds back come due when it ends, is lifted, or is moved to end sooner.",
            org,
        )
        .json(schema::<orgs::FreezeInput>)
        .errors(&[E::ConcurrentUpdate]),
        RouteId::LiftFreeze => Operation::new(
            "Lift the freeze window",
            "Who: org admin or operator.",
            org,
        )
        .errors(&[E::ConcurrentUpdate]),
        RouteId::ListDepartments => Operation::new(
            "Departments",
            "Who: admins.",
            Json(200, schema::<Page<DepartmentView>>),
        ),
        RouteId::CreateDepartment => Operation::new(
            "Create a department",
            "Who: org admin.",
            Json(201, schema::<DepartmentView>),
        )
        .json(schema::<departments::DepartmentInput>)
        .errors(&[E::DepartmentExists]),
        RouteId::RenameDepartment => Operation::new(
            "Rename a department",
            "Who: org admin.",
            Json(200, schema::<DepartmentView>),
        )
        .json(schema::<departments::DepartmentInput>)
        .errors(&[E::DepartmentExists, E::ConcurrentUpdate]),
        RouteId::DeleteDepartment => Operation::new(
            "Delete an empty department",
            "Who: org admin.",
            NoContent,
        )
        .errors(&[E::DepartmentNotEmpty, E::ConcurrentUpdate]),
        RouteId::ListMembers => Operation::new(
            "One tab of members",
            format!("Who: admins (a department admin sees its own department). A page reads at most {LIST_MAX_EXAMINED} members of the tab: with `q` or `department`, it can hold fewer than `limit` items (even none) while `next_cursor` is set."),
            Json(200, schema::<Page<MemberView>>),
        )
        .query(MemberListQuery::params)
        .errors(&[E::ValidationFailed]),
        RouteId::ExportMembers => Operation::new(
            "Members as CSV, safe against formula injection",
            format!("Who: admins (a department admin exports its own department). At most {EXPORT_PAGE_MEMBERS} members a page, each page a CSV with its header row; while more remain, a `Link: <…>; rel=\"next\"` header gives the next page's URL."),
            Csv { paged: true },
        )
        .query(ExportQuery::params)
        .errors(&[E::ValidationFailed]),
        RouteId::BulkEditMembers => Operation::new(
            "Set department, position and location for many members",
            "Who: org admin. Each member changes or is listed in `failures` with why.",
            Json(200, schema::<BulkEditView>),
        )
        .json(schema::<members::BulkEditInput>)
        // A member it can't change (a lost race too) is listed in `failures`.
        .errors(&[E::Frozen]),
        RouteId::GetMember => Operation::new(
            "A member's profile",
            "Who: admins.",
            member,
        ),
        RouteId::UpdateMember => Operation::new(
            "Admin-editable fields",
            "Who: org admin. A patch that changes nothing answers the record as it is, without a new version or an audit event; a PATCH without a body is a 400. `login_methods` overrides the org's sign-in methods for this member (`null` follows the org again); no change may leave the org without an org admin who can sign in (409 `no_org_admin_can_sign_in`).",
            member,
        )
        .json(schema::<members::MemberPatch>)
        .errors(&[
            E::Frozen,
            E::ConcurrentUpdate,
            E::CannotChangeOwnRole,
            E::LastOrgAdmin,
            E::NoOrgAdminCanSignIn,
            E::SsoNotReady,
        ]),
        RouteId::RemoveMember => Operation::new(
            "Licensed to unlicensed",
            "Who: org admin.",
            member,
        )
        .errors(&[
            E::Frozen,
            E::ConcurrentUpdate,
            E::NotLicensed,
            E::AlreadyUnlicensed,
            E::CannotRemoveSelf,
            E::LastOrgAdmin,
            E::NoOrgAdminCanSignIn,
        ]),
        RouteId::ReinviteMember => Operation::new(
            "Unlicensed to invited, or resend a pending invitation",
            "Who: org admin (department admins resend in their departments).",
            member,
        )
        .errors(&[E::Frozen, E::ConcurrentUpdate, E::AlreadyLicensed, E::PendingApproval, E::Rejected]),
        RouteId::RevokeInvitation => Operation::new(
            "Revoke a pending invitation",
            "Who: org admin.",
            NoContent,
        )
        .errors(&[E::Frozen, E::ConcurrentUpdate, E::NoPendingInvitation]),
        RouteId::ApproveMember => Operation::new(
            "Approve a join request",
            "Who: org admin.",
            member,
        )
        .errors(&[E::Frozen, E::ConcurrentUpdate, E::AlreadyLicensed, E::NotPendingApproval, E::SeatsExhausted]),
        RouteId::RejectMember => Operation::new(
            "Reject a join request",
            "Who: org admin.",
            member,
        )
        .errors(&[E::Frozen, E::ConcurrentUpdate, E::NotPendingApproval, E::AlreadyRejected]),
        RouteId::Invite => Operation::new(
            "Invite one email",
            "Who: admins; members when the org allows. On a free plan, invitations count with imported rows toward 100 a day per admin and per client IP (429 with `Retry-After` past it).",
            Json(201, schema::<MemberView>),
        )
        .json(schema::<invitations::InviteInput>)
        .errors(&[
                E::Frozen,
                E::ConcurrentUpdate,
                E::AlreadyLicensed,
                E::AlreadyInvited,
                E::PendingApproval,
                E::Rejected,
                E::Unlicensed,
                E::RateLimited,
            ]),
        RouteId::PreviewInvitations => Operation::new(
            "Count and check a pasted list",
            "Who: admins.",
            Json(200, schema::<PreviewView>),
        )
        .json(schema::<invitations::PreviewInput>),
        RouteId::CreateAccount => Operation::new(
            "Create a licensed (or shell) account directly",
            "Who: admins.",
            Json(201, schema::<MemberView>),
        )
        .json(schema::<accounts::CreateAccountInput>)
        .errors(&[
                E::Frozen,
                E::ConcurrentUpdate,
                E::AlreadyLicensed,
                E::AlreadyInvited,
                E::PendingApproval,
                E::Rejected,
                E::Unlicensed,
                E::SeatsExhausted,
            ]),
        RouteId::SubmitImport => Operation::new(
            "Start a bulk import (CSV file or pasted list)",
            "Who: admins. Rows are checked and invited in the background: `GET …/imports/{import}` shows the progress and each row that failed.",
            Json(202, schema::<ImportQueuedView>),
        )
        .csv_or_json(schema::<imports::PastedImportInput>)
        // The free plan's daily limit fails rows (`rate_limited` in `failures`), later.
        .errors(&[E::Frozen]),
        RouteId::ImportTemplate => Operation::new(
            "The CSV template",
            "Who: admins.",
            Csv { paged: false },
        ),
        RouteId::GetImport => Operation::new(
            "Progress and failures of an import",
            "Who: admins (a department admin reads its own imports).",
            Json(200, schema::<ImportView>),
        ),
        RouteId::ListAudit => Operation::new(
            "The audit trail",
            "Who: org admin.",
            Json(200, schema::<Page<AuditEventView>>),
        )
        .query(AuditQuery::params)
        .errors(&[E::ValidationFailed]),
        RouteId::GetInviteLink => Operation::new(
            "Join code, link and QR code",
            "Who: org admin.",
            Json(200, schema::<InviteLinkView>),
        ),
        RouteId::RotateInviteLink => Operation::new(
            "A new join code",
            "Who: org admin. The old code stops working.",
            Json(200, schema::<InviteLinkView>),
        )
        .errors(&[E::ConcurrentUpdate]),
        RouteId::PutSso => Operation::new(
            "Set the org's single sign-on connection",
            "Who: org admin. An OpenID Connect provider (authorization code flow with PKCE). The client secret is sealed under the deployment's key and never answered. A new issuer or client must be signed in through once before `sso` can be a sign-in method; while the org signs in by `sso`, only the tested connection may stay (`409 sso_in_use`).",
            Json(200, schema::<SsoConnectionView>),
        )
        .json(schema::<sso::SsoConnectionInput>)
        .errors(&[E::SsoDomainClaimed, E::SsoInUse, E::ConcurrentUpdate]),
        RouteId::GetSso => Operation::new(
            "The org's single sign-on connection",
            "Who: org admin. Without the client secret. 404 when none is set.",
            Json(200, schema::<SsoConnectionView>),
        ),
        RouteId::DeleteSso => Operation::new(
            "Remove the org's single sign-on connection",
            "Who: org admin. Refused while the org signs in by `sso`.",
            NoContent,
        )
        .errors(&[E::SsoInUse, E::ConcurrentUpdate]),
        RouteId::VerifySsoDomain => Operation::new(
            "Verify an email domain of the connection",
            "Who: org admin. Looks up the TXT record the connection names for the domain (`dns_record_name`, holding `dns_record_value`) and, when it is there, claims the domain for the org: `?email=` sign-ins for it start at the org's provider, and its people may get accounts just in time. The first org to verify a domain has it. Verifying a verified domain changes nothing.",
            Json(200, schema::<SsoConnectionView>),
        )
        .errors(&[E::SsoDomainUnverified, E::SsoDomainClaimed, E::ConcurrentUpdate, E::Unavailable]),
        RouteId::StartSso => Operation::new(
            "Start a single sign-on",
            "Who: anyone (a browser). Sends the browser to the org's identity provider (authorization code flow, PKCE, `state` and `nonce` kept here for ten minutes). Name the org, or give the person's email: the org whose connection claims its domain. Sets the `roster_sso` cookie (HttpOnly, SameSite=Lax, ten minutes): only the browser that started a sign-in may finish it and collect its session.",
            RedirectOrJson("To the identity provider's authorization endpoint."),
        )
        .query(SsoStartQuery::params)
        .errors(&[E::ValidationFailed, E::MalformedId, E::NotFound, E::RateLimited, E::Unavailable]),
        RouteId::FinishSso => Operation::new(
            "The identity provider's answer",
            "Who: the identity provider, through the browser. Every outcome goes on to the console's `/sso` page, in the URL's fragment (never sent to a server): `#handoff=<one-time code>` (collect the session with `POST /v1/auth/sso/session`), `#pending_approval=1` (an account made just in time waits for an admin), or `#error=<code>`: `sso_state_invalid`, `sso_refused`, `sso_no_account`, `login_method_not_allowed`, `account_inactive`, `seats_exhausted`, `unavailable`.",
            Redirect("To the console's `/sso` page, the outcome in the fragment."),
        )
        .query(SsoCallbackQuery::params),
        RouteId::CollectSsoSession => Operation::new(
            "Collect the session a single sign-on opened",
            "Who: the browser that started the sign-in (its `roster_sso` cookie), with the one-time code of the callback's fragment. Once, within two minutes; the member's sign-in methods are checked again.",
            Json(200, schema::<SignInView>),
        )
        .json(schema::<sso::SsoSessionInput>)
        .errors(&[E::InvalidCode, E::LoginMethodNotAllowed]),
        RouteId::GetInvitation => Operation::new(
            "What accepting this invitation needs",
            "Who: anyone with the link.",
            Json(200, schema::<InvitationView>),
        )
        .errors(&[E::InvitationExpired, E::InvitationUsed, E::InvitationSuperseded, E::InvitationRevoked]),
        RouteId::AcceptInvitation => Operation::new(
            "Self-registration",
            "Who: anyone with the link.",
            member,
        )
        .json(schema::<invitations::AcceptInput>)
        .errors(&[
                E::InvitationExpired,
                E::InvitationUsed,
                E::InvitationSuperseded,
                E::InvitationRevoked,
                E::SeatsExhausted,
                E::ConcurrentUpdate,
            ]),
        RouteId::GetJoinLink => Operation::new(
            "The org a join link leads to",
            "Who: anyone. An unknown code counts toward the client IP's limit of code guesses (429 with `Retry-After`).",
            Json(200, schema::<JoinLinkView>),
        )
        // An unknown code's guess is counted in a write that may lose races.
        .errors(&[E::RateLimited, E::ConcurrentUpdate]),
        RouteId::RequestToJoin => Operation::new(
            "Request to join with the org's code",
            "Who: anyone. The answer is the same for every email, so the code tells no one who belongs: an address that already has an account in the org gets an email saying what to do instead (at most one an hour), and nothing changes for it. Limited per client IP and per join code, and unknown codes per client IP (429 with `Retry-After`). Received: a new join request waits for an admin's approval (or the address was told by email).",
            Json(202, schema::<JoinRequestAnswer>),
        )
        .json(schema::<invitations::JoinInput>)
        .errors(&[E::RateLimited, E::ConcurrentUpdate]),
        RouteId::GetMe => Operation::new(
            "Own profile",
            "Who: the member.",
            member,
        ),
        RouteId::UpdateMe => Operation::new(
            "Own name and phone; a new email once confirmed",
            format!(
                "Who: the member. Name and phone change at once. A new `email` is only asked for: a confirmation link goes to the new address and a notice to the old one, the answer shows it under `pending_email`, and the account keeps (and signs in with) its email until the link is used (`POST /v1/email-confirmations`). The answer is the same whether or not the new address is taken in the org. At most {EMAIL_CHANGES_PER_HOUR} email changes an hour (429). A patch that changes nothing answers the record as it is, without a new version or an audit event; a PATCH without a body is a 400."
            ),
            member,
        )
        .json(schema::<me::MePatch>)
        .errors(&[E::RateLimited, E::ConcurrentUpdate]),
        RouteId::ConfirmEmail => Operation::new(
            "Confirm a new email from the link sent to it",
            "Who: anyone with the link (it was sent to the new address). Makes the new address the account's email and its sign-in. 404: no such link (used, replaced by a later change, or cancelled); 410 `confirmation_expired`: older than a day; 409 `email_taken`: another account in the org has the address.",
            Json(200, schema::<ConfirmedEmailView>),
        )
        .json(schema::<me::EmailConfirmation>)
        .errors(&[E::NotFound, E::ConfirmationExpired, E::EmailTaken, E::ConcurrentUpdate]),
        RouteId::ChangePassword => Operation::new(
            "Change the password (the only call a temporary password allows)",
            "Who: the member. Ends every access token issued before it (they answer 401 `token_revoked`).",
            Json(200, schema::<PasswordChangedView>),
        )
        .json(schema::<me::PasswordChange>)
        .errors(&[E::ConcurrentUpdate]),
        RouteId::Login => Operation::new(
            "Email and password to an access token",
            "Who: anyone. The password is checked first: a wrong one answers `401 invalid_credentials` whether the email has no account, one or several. A right one for accounts in several orgs answers `400` with the field error `org_required` and `orgs` to choose from. Failed logins are limited per IP and per email; from a client with a device token of this email, per device instead (`429` with `Retry-After`). A temporary password signs in once (again: 401 `temporary_password_used`).",
            Json(200, schema::<TokensView>),
        )
        .json(schema::<auth::LoginInput>)
        .errors(&[
                E::InvalidCredentials,
                E::TemporaryPasswordUsed,
                E::LoginMethodNotAllowed,
                E::RateLimited,
                E::ConcurrentUpdate,
            ]),
        RouteId::RefreshSession => Operation::new(
            "A refresh token for a new access token and the next refresh token",
            "Who: anyone holding a refresh token. Each refresh token works once; presenting a used one ends its session (both holders are signed out). A session ends a working day after its login, when the member is removed or unlicensed, and when the password changes (401 `invalid_refresh_token`).",
            Json(200, schema::<TokensView>),
        )
        .json(schema::<auth::RefreshInput>)
        .errors(&[E::InvalidRefreshToken, E::LoginMethodNotAllowed]),
        RouteId::RequestSignInCode => Operation::new(
            "Email a one-time sign-in code",
            "Who: anyone. Answers `202` with the same body whether or not the email has accounts; the code (6 digits, 10 minutes, single use, 5 tries) is emailed only when the address has an account whose org (or own setting) allows `email_otp`. A new code replaces the one before. Limited per email and per client IP (`429` with `Retry-After`).",
            Json(202, schema::<roster_app::views::SignInCodeSentView>),
        )
        .json(schema::<sign_in_codes::CodeRequest>)
        .errors(&[E::RateLimited, E::ConcurrentUpdate]),
        RouteId::VerifySignInCode => Operation::new(
            "A one-time code to a session in every account of the email that allows codes",
            "Who: anyone with the code. Answers a session (access and refresh token, org, role) for each account of the email whose effective sign-in methods include `email_otp`: the account switcher's list. A wrong code counts against the code's 5 tries; wrong, expired, used or out of tries answers 401 `invalid_code`. A right code for an address none of whose accounts allows codes answers 403 `login_method_not_allowed`.",
            Json(200, schema::<SignInView>),
        )
        .json(schema::<sign_in_codes::CodeVerification>)
        .errors(&[E::InvalidCode, E::LoginMethodNotAllowed, E::ConcurrentUpdate]),
        RouteId::Jwks => Operation::new(
            "Public keys of Roster's tokens",
            "Who: anyone.",
            Json(200, schema::<JwkSet>),
        ),
        RouteId::OpenIdConfiguration => Operation::new(
            "OpenID discovery: issuer and JWKS location (read by API Gateway's JWT authorizer)",
            "Who: anyone.",
            Json(200, schema::<OpenIdConfiguration>),
        ),
        RouteId::OpenApi => Operation::new(
            "This document",
            "Who: anyone.",
            Json(200, |_| json_schema!({ "type": "object" })),
        ),
    }
}

/// The schema of a path parameter, by its name in the route table's templates.
fn path_parameter(name: &str) -> SchemaFn {
    match name {
        "org" => schema::<OrgId>,
        "member" => schema::<MemberId>,
        "dept" => schema::<DepartmentId>,
        "import" => schema::<ImportId>,
        "token" => schema::<InvitationToken>,
        "code" => schema::<JoinCode>,
        "domain" => {
            |_| json_schema!({ "type": "string", "minLength": 1, "maxLength": 253, "description": "An email domain the org's connection lists." })
        }
        other => panic!("path parameter {{{other}}} has no schema in openapi::path_parameter"),
    }
}

fn path_parameters(route: &Route) -> impl Iterator<Item = &'static str> {
    route
        .path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

/// Every code `route` can answer a problem with, in the order of `ErrorCode::ALL`: those of
/// any request, its caller's refusals (unless anyone may call it), a body's (if it takes
/// one), `not_found` for an id in its path, and its own.
pub fn error_codes(route: &Route) -> Vec<ErrorCode> {
    let operation = operation(route.id);
    let mut codes: Vec<ErrorCode> = ANY_REQUEST.to_vec();
    match caller(route) {
        Caller::Anyone => {}
        Caller::Operator => codes.extend_from_slice(TOKEN_REFUSALS),
        Caller::Member { temporary } => {
            codes.extend_from_slice(TOKEN_REFUSALS);
            codes.extend_from_slice(MEMBER_REFUSALS);
            if !temporary {
                codes.push(ErrorCode::PasswordChangeRequired);
            }
        }
    }
    if !matches!(operation.body, Body::None) {
        codes.extend_from_slice(BODY_REFUSALS);
    }
    if path_parameters(route).next().is_some() {
        codes.push(ErrorCode::NotFound);
    }
    codes.extend_from_slice(operation.errors);
    ErrorCode::ALL.iter().copied().filter(|code| codes.contains(code)).collect()
}

fn generator(contract: Contract) -> SchemaGenerator {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    settings.meta_schema = None;
    settings.contract = contract;
    settings.into_generator()
}

/// The problem answers of one status: `Problem` with `code` narrowed to the route's codes.
fn problem_answer(status: u16, codes: &[ErrorCode], problem: &Schema) -> Value {
    let names: Vec<&str> = codes.iter().map(|code| code.as_str()).collect();
    let mut answer = json!({
        // What each code means is in the README's table (and `ErrorCode::meaning`).
        "description": names.join(", "),
        "content": {"application/problem+json": {"schema": {
            "allOf": [problem, {"properties": {"code": {"enum": names}}}],
        }}},
    });
    let header = match status {
        429 => Some(("Retry-After", "Seconds to wait before trying again.")),
        401 => Some(("WWW-Authenticate", "`Bearer`.")),
        _ => None,
    };
    if let Some((name, description)) = header {
        answer["headers"] = json!({ name: {"description": description, "schema": {"type": "string"}} });
    }
    answer
}

/// `invite-member` → `inviteMember` (names are lower-case kebab: a test checks).
fn operation_id(route: &Route) -> String {
    let mut id = String::new();
    for (i, word) in route.name.split('-').enumerate() {
        let mut chars = word.chars();
        if let (Some(first), true) = (chars.next(), i > 0) {
            id.push(first.to_ascii_uppercase());
            id.push_str(chars.as_str());
        } else {
            id.push_str(word);
        }
    }
    id
}

/// The status `route` answers with when it succeeds.
pub fn success_status(route: &Route) -> u16 {
    match operation(route.id).answer {
        Answer::Json(status, _) => status,
        Answer::Csv { .. } => 200,
        Answer::NoContent => 204,
        Answer::Redirect(_) | Answer::RedirectOrJson(_) => 303,
    }
}

/// Every status `route` may succeed with: its documented one, and `200` for a redirect a
/// script may ask to read as JSON.
pub fn success_statuses(route: &Route) -> Vec<u16> {
    match operation(route.id).answer {
        Answer::RedirectOrJson(_) => vec![success_status(route), 200],
        _ => vec![success_status(route)],
    }
}

/// The problem answers of each route, by status.
fn problem_statuses(route: &Route) -> Vec<(u16, Vec<ErrorCode>)> {
    let codes = error_codes(route);
    let mut statuses: Vec<u16> = codes.iter().map(|code| code.status()).collect();
    statuses.sort_unstable();
    statuses.dedup();
    statuses
        .into_iter()
        .map(|status| (status, codes.iter().copied().filter(|code| code.status() == status).collect()))
        .collect()
}

/// For each status, the codes most routes answer it with: one shared response
/// (`#/components/responses/Problem{status}`), which the routes that answer just these refer to.
fn shared_problem_answers() -> Vec<(u16, Vec<ErrorCode>)> {
    let mut seen: Vec<((u16, Vec<ErrorCode>), usize)> = Vec::new();
    for answer in ROUTES.iter().flat_map(problem_statuses) {
        match seen.iter_mut().find(|(known, _)| *known == answer) {
            Some((_, count)) => *count += 1,
            None => seen.push((answer, 1)),
        }
    }
    let mut shared: Vec<(u16, Vec<ErrorCode>)> = Vec::new();
    for ((status, codes), count) in &seen {
        let best = seen.iter().filter(|((s, _), _)| s == status).map(|(_, c)| *c).max().unwrap_or(0);
        if *count == best && *count > 1 && !shared.iter().any(|(s, _)| s == status) {
            shared.push((*status, codes.clone()));
        }
    }
    shared.sort();
    shared
}

fn describe(route: &Route, requests: &mut SchemaGenerator, answers: &mut SchemaGenerator, shared: &[(u16, Vec<ErrorCode>)]) -> Value {
    let operation = operation(route.id);
    let mut parameters: Vec<Value> = path_parameters(route)
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": path_parameter(name)(requests)}))
        .collect();
    parameters.extend((operation.query)().iter().map(|query| {
        json!({"name": query.name, "in": "query", "required": false, "description": query.description, "schema": (query.schema)(requests)})
    }));

    let mut responses = Map::new();
    let success = match operation.answer {
        Answer::Json(_, schema) => json!({"description": "OK", "content": {"application/json": {"schema": schema(answers)}}}),
        Answer::Csv { paged } => {
            let mut success = json!({"description": "OK", "content": {"text/csv": {"schema": {"type": "string"}}}});
            if paged {
                success["headers"] = json!({"Link": {
                    "description": "The next page: `<URL>; rel=\"next\"`. Absent on the last page.",
                    "schema": {"type": "string"},
                }});
            }
            success
        }
        Answer::NoContent => json!({"description": "Done"}),
        Answer::Redirect(description) | Answer::RedirectOrJson(description) => json!({
            "description": description,
            "headers": {"Location": {"description": "Where the browser goes next.", "schema": {"type": "string"}}},
        }),
    };
    if let Answer::RedirectOrJson(_) = operation.answer {
        responses.insert(
            "200".to_string(),
            json!({
                "description": "Asked with `Accept: application/json` (not `text/html`): where to go, for a script that navigates itself (the same cookie is set).",
                "content": {"application/json": {"schema": {
                    "type": "object",
                    "required": ["redirect_to"],
                    "properties": {"redirect_to": {"type": "string"}},
                }}},
            }),
        );
    }
    responses.insert(success_status(route).to_string(), success);
    let problem = answers.subschema_for::<Problem>();
    for (status, codes) in problem_statuses(route) {
        let answer = if shared.contains(&(status, codes.clone())) {
            json!({"$ref": format!("#/components/responses/Problem{status}")})
        } else {
            problem_answer(status, &codes, &problem)
        };
        responses.insert(status.to_string(), answer);
    }

    let mut described = json!({
        "operationId": operation_id(route),
        "summary": operation.summary,
        "description": operation.description,
        "responses": responses,
    });
    if !parameters.is_empty() {
        described["parameters"] = Value::Array(parameters);
    }
    let json_body = |schema: SchemaFn, requests: &mut SchemaGenerator| json!({"application/json": {"schema": schema(requests)}});
    match operation.body {
        Body::None => {}
        Body::Json(schema) => described["requestBody"] = json!({"required": true, "content": json_body(schema, requests)}),
        Body::CsvOrJson(schema) => {
            let mut content = json_body(schema, requests);
            content["text/csv"] = json!({"schema": {"type": "string", "description": "A CSV file in the template's columns."}});
            described["requestBody"] = json!({"required": true, "content": content});
        }
    }
    if route.facts.anyone {
        described["security"] = json!([]);
    }
    described
}

/// The whole document.
pub fn document() -> Value {
    let mut requests = generator(Contract::Deserialize);
    let mut answers = generator(Contract::Serialize);
    let shared = shared_problem_answers();
    let mut paths = Map::new();
    for route in ROUTES {
        let item = paths.entry(route.path).or_insert_with(|| json!({}));
        item[route.method.to_ascii_lowercase()] = describe(route, &mut requests, &mut answers, &shared);
    }
    let problem = answers.subschema_for::<Problem>();
    let responses: Map<String, Value> = shared
        .iter()
        .map(|(status, codes)| (format!("Problem{status}"), problem_answer(*status, codes, &problem)))
        .collect();
    // Both kinds of schema live in one place; a name means one schema.
    let mut schemas = requests.take_definitions(true);
    for (name, schema) in answers.take_definitions(true) {
        match schemas.get(&name) {
            Some(existing) if *existing != schema => panic!("two different schemas are named {name}"),
            _ => {
                schemas.insert(name, schema);
            }
        }
    }
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Roster API",
            "version": "1.0.0",
            "description": "Organization membership: invitations, licenses, approvals, departments, bulk onboarding. Errors are application/problem+json (RFC 9457) with a stable `code`; each operation lists the codes it answers.",
        },
        "servers": [{"url": "http://127.0.0.1:3000", "description": "roster-local"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "responses": responses,
            "schemas": schemas,
        },
        "paths": paths,
    });
    tidy(&mut document);
    document
}

/// Two touches to what schemars writes: `"default": null` goes (an omitted field of a patch
/// keeps its value, which null would clear), and a doc comment's line breaks within a
/// paragraph become spaces.
fn tidy(value: &mut Value) {
    match value {
        Value::Object(members) => {
            if members.get("default") == Some(&Value::Null) {
                members.remove("default");
            }
            if let Some(Value::String(text)) = members.get_mut("description") {
                *text = text
                    .split("\n\n")
                    .map(|paragraph| paragraph.replace('\n', " "))
                    .collect::<Vec<_>>()
                    .join("\n\n");
            }
            members.values_mut().for_each(tidy);
        }
        Value::Array(items) => items.iter_mut().for_each(tidy),
        _ => {}
    }
}
