//! Routes: what a route is (method, path template, its Lambda's name and facts) and how a
//! request finds its route. The endpoints themselves are declared in `endpoints.rs`.

use http::Method;

use serde::Serialize;

use roster_app::functions::{KeyUse, Sealing, TableUse};
use roster_app::ports::QueueName;

pub use crate::endpoints::{RouteId, ROUTES};

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
    /// Calls organisations' OpenID providers (discovery, keys, the code exchange).
    pub identity_providers: bool,
    /// Looks up DNS records (an email domain's proof of ownership).
    pub dns: bool,
    /// Called by an org's directory (SCIM) with the org's directory-sync token, not a
    /// member's JWT; answers in SCIM's format (`application/scim+json`, SCIM errors).
    pub directory: bool,
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
            identity_providers: false,
            dns: false,
            directory: false,
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
    pub(crate) const fn public(self) -> RouteFacts {
        RouteFacts {
            authorizer: false,
            anyone: true,
            ..self
        }
    }
    /// Callable by the operator too, with its own token (not a JWT).
    pub(crate) const fn operator_too(self) -> RouteFacts {
        RouteFacts { authorizer: false, ..self }
    }
    pub(crate) const fn no_table(self) -> RouteFacts {
        RouteFacts {
            table: TableUse::None,
            ..self
        }
    }
    pub(crate) const fn signs_tokens(self) -> RouteFacts {
        RouteFacts {
            keys: KeyUse::SignsTokens,
            ..self
        }
    }
    /// Queues emails that carry no secret (notices).
    pub(crate) const fn sends_email(self) -> RouteFacts {
        RouteFacts {
            sends: &[QueueName::Email],
            ..self
        }
    }
    /// Issues invitation links or temporary passwords, and queues their emails.
    pub(crate) const fn sends_secrets_by_email(self) -> RouteFacts {
        self.sends_email().derives_secrets()
    }
    /// Holds the token secret: derives invitation links and temporary passwords, or proves
    /// an invitation link against the secret derived for the member it names.
    pub(crate) const fn derives_secrets(self) -> RouteFacts {
        RouteFacts {
            keys: KeyUse::DerivesSecrets,
            ..self
        }
    }
    /// Ends a freeze window (or moves its end): the expiries it held come due again.
    pub(crate) const fn releases_held_expiries(self) -> RouteFacts {
        RouteFacts {
            sends: &[QueueName::Expiry],
            ..self
        }
    }
    pub(crate) const fn seals_secrets(self) -> RouteFacts {
        RouteFacts {
            sealing: Sealing::Seals,
            ..self
        }
    }
    pub(crate) const fn opens_secrets(self) -> RouteFacts {
        RouteFacts {
            sealing: Sealing::Opens,
            ..self
        }
    }
    pub(crate) const fn calls_identity_providers(self) -> RouteFacts {
        RouteFacts {
            identity_providers: true,
            ..self
        }
    }
    /// A SCIM route: the org's directory calls it with its own token.
    pub(crate) const fn directory_token(self) -> RouteFacts {
        RouteFacts {
            authorizer: false,
            anyone: false,
            directory: true,
            ..self
        }
    }
    pub(crate) const fn looks_up_dns(self) -> RouteFacts {
        RouteFacts { dns: true, ..self }
    }
    pub(crate) const fn sends_imports(self) -> RouteFacts {
        RouteFacts {
            sends: &[QueueName::Import],
            ..self
        }
    }
}

impl Route {
    pub(crate) const fn new(id: RouteId, method: &'static str, path: &'static str, name: &'static str, facts: RouteFacts) -> Route {
        Route {
            id,
            method,
            path,
            name,
            facts,
        }
    }
}

fn debug_name<S: serde::Serializer>(id: &RouteId, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format!("{id:?}"))
}

pub(crate) const READS: RouteFacts = RouteFacts::reads();
pub(crate) const WRITES: RouteFacts = RouteFacts::writes();

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
