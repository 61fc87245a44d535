//! The route table: every endpoint of the API once, with the name its Lambda has.

use http::Method;

use serde::Serialize;

use roster_app::functions::{KeyUse, Sealing, TableUse};
use roster_app::ports::QueueName;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteId {
    CreateOrg,
    GetOrg,
    UpdateOrg,
    SetFreeze,
    LiftFreeze,
    ListDepartments,
    CreateDepartment,
    RenameDepartment,
    DeleteDepartment,
    ListMembers,
    ExportMembers,
    BulkEditMembers,
    GetMember,
    UpdateMember,
    RemoveMember,
    ReinviteMember,
    RevokeInvitation,
    ApproveMember,
    RejectMember,
    Invite,
    PreviewInvitations,
    CreateAccount,
    SubmitImport,
    ImportTemplate,
    GetImport,
    ListAudit,
    GetInviteLink,
    RotateInviteLink,
    GetInvitation,
    AcceptInvitation,
    GetJoinLink,
    RequestToJoin,
    GetMe,
    UpdateMe,
    ConfirmEmail,
    ChangePassword,
    Login,
    RequestSignInCode,
    VerifySignInCode,
    RefreshSession,
    Jwks,
    OpenIdConfiguration,
    OpenApi,
    PutSso,
    GetSso,
    DeleteSso,
    VerifySsoDomain,
    StartSso,
    FinishSso,
    CollectSsoSession,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Route {
    #[serde(serialize_with = "debug_name")]
    pub id: RouteId,
    pub method: &'static str,
    /// Path template; `{name}` is a parameter.
    pub path: &'static str,
    /// The endpoint's kebab-case name: its Lambda function's binary name.
    pub name: &'static str,
    /// What its function needs: the SAM template and its policies are generated from this.
    pub facts: RouteFacts,
}

/// Facts about a route that decide its function's configuration and permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RouteFacts {
    /// API Gateway's JWT authorizer runs before it. Off for public routes and for those the
    /// operator calls with its own (non-JWT) token; Roster checks every caller itself too.
    pub authorizer: bool,
    /// Anyone may call it, without a token (sign-in, the invitee pages, the key set).
    pub anyone: bool,
    pub table: TableUse,
    pub keys: KeyUse,
    /// Queues its changes send messages to.
    pub sends: &'static [QueueName],
    /// Whether it seals or opens SSO client secrets.
    pub sealing: Sealing,
}

impl RouteFacts {
    /// A signed-in member's call that reads.
    const fn reads() -> RouteFacts {
        RouteFacts {
            authorizer: true,
            anyone: false,
            table: TableUse::Reads,
            keys: KeyUse::PublicKey,
            sends: &[],
            sealing: Sealing::None,
        }
    }
    /// A signed-in member's call that writes.
    const fn writes() -> RouteFacts {
        RouteFacts {
            table: TableUse::Writes,
            ..RouteFacts::reads()
        }
    }
    /// Callable by anyone, without a token.
    const fn public(self) -> RouteFacts {
        RouteFacts {
            authorizer: false,
            anyone: true,
            ..self
        }
    }
    /// Callable by the operator too, with its own token (not a JWT).
    const fn operator_too(self) -> RouteFacts {
        RouteFacts { authorizer: false, ..self }
    }
    const fn no_table(self) -> RouteFacts {
        RouteFacts {
            table: TableUse::None,
            ..self
        }
    }
    const fn signs_tokens(self) -> RouteFacts {
        RouteFacts {
            keys: KeyUse::SignsTokens,
            ..self
        }
    }
    /// Queues emails that carry no secret (notices).
    const fn sends_email(self) -> RouteFacts {
        RouteFacts {
            sends: &[QueueName::Email],
            ..self
        }
    }
    /// Issues invitation links or temporary passwords, and queues their emails.
    const fn sends_secrets_by_email(self) -> RouteFacts {
        RouteFacts {
            keys: KeyUse::DerivesSecrets,
            ..self.sends_email()
        }
    }
    /// Ends a freeze window (or moves its end): the expiries it held come due again.
    const fn releases_held_expiries(self) -> RouteFacts {
        RouteFacts {
            sends: &[QueueName::Expiry],
            ..self
        }
    }
    const fn seals_secrets(self) -> RouteFacts {
        RouteFacts {
            sealing: Sealing::Seals,
            ..self
        }
    }
    const fn opens_secrets(self) -> RouteFacts {
        RouteFacts {
            sealing: Sealing::Opens,
            ..self
        }
    }
    const fn sends_imports(self) -> RouteFacts {
        RouteFacts {
            sends: &[QueueName::Import],
            ..self
        }
    }
}

fn debug_name<S: serde::Serializer>(id: &RouteId, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format!("{id:?}"))
}

const READS: RouteFacts = RouteFacts::reads();
const WRITES: RouteFacts = RouteFacts::writes();

macro_rules! routes {
    ($(($id:ident, $method:literal, $path:literal, $name:literal, $facts:expr)),* $(,)?) => {
        /// Literal segments come before parameters where both could match.
        pub const ROUTES: &[Route] = &[$(Route { id: RouteId::$id, method: $method, path: $path, name: $name, facts: $facts }),*];
    };
}

routes![
    (
        CreateOrg,
        "POST",
        "/v1/orgs",
        "create-org",
        WRITES.operator_too().sends_secrets_by_email()
    ),
    (GetOrg, "GET", "/v1/orgs/{org}", "get-org", READS),
    (UpdateOrg, "PATCH", "/v1/orgs/{org}", "update-org", WRITES.operator_too()),
    (
        SetFreeze,
        "PUT",
        "/v1/orgs/{org}/freeze",
        "set-freeze",
        WRITES.operator_too().releases_held_expiries()
    ),
    (
        LiftFreeze,
        "DELETE",
        "/v1/orgs/{org}/freeze",
        "lift-freeze",
        WRITES.operator_too().releases_held_expiries()
    ),
    (ListDepartments, "GET", "/v1/orgs/{org}/departments", "list-departments", READS),
    (CreateDepartment, "POST", "/v1/orgs/{org}/departments", "create-department", WRITES),
    (
        RenameDepartment,
        "PATCH",
        "/v1/orgs/{org}/departments/{dept}",
        "rename-department",
        WRITES
    ),
    (
        DeleteDepartment,
        "DELETE",
        "/v1/orgs/{org}/departments/{dept}",
        "delete-department",
        WRITES
    ),
    (ListMembers, "GET", "/v1/orgs/{org}/members", "list-members", READS),
    (ExportMembers, "GET", "/v1/orgs/{org}/members/export.csv", "export-members", READS),
    (
        BulkEditMembers,
        "POST",
        "/v1/orgs/{org}/members/bulk-edit",
        "bulk-edit-members",
        WRITES
    ),
    (GetMember, "GET", "/v1/orgs/{org}/members/{member}", "get-member", READS),
    (UpdateMember, "PATCH", "/v1/orgs/{org}/members/{member}", "update-member", WRITES),
    (
        RemoveMember,
        "POST",
        "/v1/orgs/{org}/members/{member}/remove",
        "remove-member",
        WRITES
    ),
    (
        ReinviteMember,
        "POST",
        "/v1/orgs/{org}/members/{member}/reinvite",
        "reinvite-member",
        WRITES.sends_secrets_by_email()
    ),
    (
        RevokeInvitation,
        "DELETE",
        "/v1/orgs/{org}/members/{member}/invitation",
        "revoke-invitation",
        WRITES
    ),
    (
        ApproveMember,
        "POST",
        "/v1/orgs/{org}/members/{member}/approve",
        "approve-member",
        WRITES.sends_secrets_by_email()
    ),
    (
        RejectMember,
        "POST",
        "/v1/orgs/{org}/members/{member}/reject",
        "reject-member",
        WRITES
    ),
    (
        Invite,
        "POST",
        "/v1/orgs/{org}/invitations",
        "invite-member",
        WRITES.sends_secrets_by_email()
    ),
    (
        PreviewInvitations,
        "POST",
        "/v1/orgs/{org}/invitations/preview",
        "preview-invitations",
        READS
    ),
    (
        CreateAccount,
        "POST",
        "/v1/orgs/{org}/accounts",
        "create-account",
        WRITES.sends_secrets_by_email()
    ),
    (
        SubmitImport,
        "POST",
        "/v1/orgs/{org}/imports",
        "submit-import",
        WRITES.sends_imports()
    ),
    (
        ImportTemplate,
        "GET",
        "/v1/orgs/{org}/imports/template.csv",
        "import-template",
        READS
    ),
    (GetImport, "GET", "/v1/orgs/{org}/imports/{import}", "get-import", READS),
    (ListAudit, "GET", "/v1/orgs/{org}/audit", "list-audit", READS),
    (GetInviteLink, "GET", "/v1/orgs/{org}/invite-link", "get-invite-link", READS),
    (
        RotateInviteLink,
        "POST",
        "/v1/orgs/{org}/invite-link/rotate",
        "rotate-invite-link",
        WRITES
    ),
    // The client secret is sealed (on AWS by the KMS key) before it is stored.
    (PutSso, "PUT", "/v1/orgs/{org}/sso", "put-sso", WRITES.seals_secrets()),
    (GetSso, "GET", "/v1/orgs/{org}/sso", "get-sso", READS),
    (DeleteSso, "DELETE", "/v1/orgs/{org}/sso", "delete-sso", WRITES),
    // Looks the domain's TXT record up in DNS (no AWS service: the Lambda's own resolver).
    (
        VerifySsoDomain,
        "POST",
        "/v1/orgs/{org}/sso/domains/{domain}/verify",
        "verify-sso-domain",
        WRITES
    ),
    (GetInvitation, "GET", "/v1/invitations/{token}", "get-invitation", READS.public()),
    (
        AcceptInvitation,
        "POST",
        "/v1/invitations/{token}/accept",
        "accept-invitation",
        WRITES.public()
    ),
    (GetJoinLink, "GET", "/v1/join/{code}", "get-join-link", WRITES.public()),
    // An address that already has an account in the org is told by email instead.
    (
        RequestToJoin,
        "POST",
        "/v1/join/{code}",
        "request-to-join",
        WRITES.public().sends_email()
    ),
    (GetMe, "GET", "/v1/me", "get-me", READS),
    // A new email's confirmation link carries a derived secret: this route derives it.
    (UpdateMe, "PATCH", "/v1/me", "update-me", WRITES.sends_secrets_by_email()),
    (ConfirmEmail, "POST", "/v1/email-confirmations", "confirm-email", WRITES.public()),
    (ChangePassword, "POST", "/v1/me/password", "change-password", WRITES),
    (Login, "POST", "/v1/auth/login", "login", WRITES.public().signs_tokens()),
    // The code is derived by the email sender; this route only records a new challenge.
    (
        RequestSignInCode,
        "POST",
        "/v1/auth/otp",
        "request-sign-in-code",
        WRITES.public().sends_email()
    ),
    (
        VerifySignInCode,
        "POST",
        "/v1/auth/otp/verify",
        "verify-sign-in-code",
        WRITES.public().signs_tokens()
    ),
    (
        RefreshSession,
        "POST",
        "/v1/auth/refresh",
        "refresh-session",
        WRITES.public().signs_tokens()
    ),
    // Single sign-on: the start records the attempt; the provider's callback opens the org's
    // client secret to exchange the code, and may make an account just in time; the console
    // then collects the session.
    (StartSso, "GET", "/v1/auth/sso/start", "start-sso", WRITES.public()),
    (
        FinishSso,
        "GET",
        "/v1/auth/sso/callback",
        "finish-sso",
        WRITES.public().opens_secrets()
    ),
    (
        CollectSsoSession,
        "POST",
        "/v1/auth/sso/session",
        "collect-sso-session",
        WRITES.public().signs_tokens()
    ),
    (Jwks, "GET", "/.well-known/jwks.json", "jwks", READS.public().no_table()),
    (
        OpenIdConfiguration,
        "GET",
        "/.well-known/openid-configuration",
        "openid-configuration",
        READS.public().no_table()
    ),
    (OpenApi, "GET", "/v1/openapi.json", "openapi", READS.public().no_table()),
];

/// Path parameters by name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Params(pub Vec<(&'static str, String)>);

impl Params {
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v.as_str())
    }
}

pub enum RouteMatch {
    Found(&'static Route, Params),
    MethodNotAllowed(Vec<Method>),
    NotFound,
}

fn match_path(template: &'static str, path: &str) -> Option<Params> {
    let mut params = Params::default();
    let mut segments = path.trim_end_matches('/').split('/');
    for expected in template.split('/') {
        let segment = segments.next()?;
        match expected.strip_prefix('{').and_then(|e| e.strip_suffix('}')) {
            Some(name) if !segment.is_empty() => params.0.push((name, crate::request::percent_decode(segment))),
            Some(_) => return None,
            None if expected == segment => {}
            None => return None,
        }
    }
    segments.next().is_none().then_some(params)
}

impl RouteId {
    pub fn route(self) -> &'static Route {
        ROUTES.iter().find(|r| r.id == self).expect("every route id is in the table")
    }
}

pub fn match_route(method: &Method, path: &str) -> RouteMatch {
    let mut allowed = Vec::new();
    let mut matched_path: Option<&'static str> = None;
    for route in ROUTES {
        let Some(params) = match_path(route.path, path) else {
            continue;
        };
        // A literal route shadows parameter routes of the same shape.
        if matched_path.is_some_and(|p| p != route.path && !allowed.is_empty()) {
            continue;
        }
        if route.method == method.as_str() {
            return RouteMatch::Found(route, params);
        }
        matched_path = Some(route.path);
        allowed.push(route.method.parse().expect("route methods are valid"));
    }
    if allowed.is_empty() {
        RouteMatch::NotFound
    } else {
        RouteMatch::MethodNotAllowed(allowed)
    }
}

/// The template of the route `path` matches (`/v1/invitations/{token}`), for logs: it names
/// the endpoint without the ids and secrets in the path.
pub fn route_template(method: &Method, path: &str) -> &'static str {
    match match_route(method, path) {
        RouteMatch::Found(route, _) => route.path,
        RouteMatch::MethodNotAllowed(_) => "(method not allowed)",
        RouteMatch::NotFound => "(no route)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_segments_win_over_parameters() {
        let RouteMatch::Found(route, _) = match_route(&Method::GET, "/v1/orgs/o1/members/export.csv") else {
            panic!("no match")
        };
        assert_eq!(route.id, RouteId::ExportMembers);
        let RouteMatch::Found(route, params) = match_route(&Method::GET, "/v1/orgs/o1/members/m1") else {
            panic!("no match")
        };
        assert_eq!((route.id, params.get("member")), (RouteId::GetMember, "m1"));
    }

    #[test]
    fn wrong_method_is_405_and_unknown_path_404() {
        assert!(matches!(
            match_route(&Method::PUT, "/v1/orgs/o1/members/export.csv"),
            RouteMatch::MethodNotAllowed(_)
        ));
        assert!(matches!(match_route(&Method::GET, "/v1/nope"), RouteMatch::NotFound));
        assert!(matches!(match_route(&Method::GET, "/v1/orgs//members"), RouteMatch::NotFound));
    }

    #[test]
    fn names_are_unique_kebab_case() {
        let mut names: Vec<&str> = ROUTES.iter().map(|r| r.name).collect();
        assert!(names.iter().all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '-')));
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ROUTES.len());
    }
}
