//! The query parameters the routes read. Each is written once: its name, what it means, its
//! schema in the OpenAPI document, and how it is read (an empty value is no value, except
//! for `limit`, where it is out of range). A route's parameters are read together into one
//! type whose `params` the document lists; a route reads its path's ids first.

use schemars::json_schema;

use roster_app::usecases::members::MemberFilter;
use roster_app::usecases::PageRequest;
use roster_app::AppError;
use roster_domain::{DepartmentId, ErrorCode, MemberId, OrgId, Tab};

use crate::openapi::{schema, SchemaFn};
use crate::request::{HttpRequest, RequestError};

/// One query parameter, as the OpenAPI document describes it. Only the document builds
/// these (`params`): a `Param` holds its schema's function, and reading a parameter needs
/// only its name, so the schema code stays out of the Lambdas that read parameters.
pub struct Param {
    pub name: &'static str,
    pub description: &'static str,
    pub schema: SchemaFn,
}

const TAB: &str = "tab";
const DEPARTMENT: &str = "department";
const MEMBER: &str = "member";
const SEARCH: &str = "q";
const LIMIT: &str = "limit";
const CURSOR: &str = "cursor";

fn tab_param() -> Param {
    Param {
        name: TAB,
        description: "licensed (default), unlicensed (unlicensed, invited, expired) or pending (pending_approval, rejected)",
        schema: schema::<Tab>,
    }
}

fn department_param() -> Param {
    Param {
        name: DEPARTMENT,
        description: "Only this department",
        schema: schema::<DepartmentId>,
    }
}

fn member_param() -> Param {
    Param {
        name: MEMBER,
        description: "Only this member",
        schema: schema::<MemberId>,
    }
}

fn search_param() -> Param {
    Param {
        name: SEARCH,
        description: "Members whose email, or name in either order (\"ann smi\", \"smith ann\"), starts with this text, in any case",
        schema: |_| json_schema!({ "type": "string" }),
    }
}

fn limit_param() -> Param {
    Param {
        name: LIMIT,
        description: "Page size.",
        schema: |_| {
            json_schema!({
                "type": "integer",
                "minimum": 1,
                "maximum": PageRequest::MAX_LIMIT,
                "default": PageRequest::DEFAULT_LIMIT,
            })
        },
    }
}

fn cursor_param(description: &'static str) -> Param {
    Param {
        name: CURSOR,
        description,
        schema: |_| json_schema!({ "type": "string" }),
    }
}

const NEXT_CURSOR: &str = "The next_cursor of the previous page.";

/// A parameter's value, percent-decoded; an empty one is none.
fn text(name: &str, request: &HttpRequest) -> Option<String> {
    request.query_param(name).filter(|value| !value.is_empty())
}

/// An id: a malformed one is a 400 (it names nothing that could exist).
fn id<T: std::str::FromStr>(name: &str, request: &HttpRequest) -> Result<Option<T>, RequestError> {
    match text(name, request) {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid(name, ErrorCode::MalformedId, format!("'{text}' is not a well-formed id")).into()),
    }
}

fn tab(request: &HttpRequest) -> Result<Option<Tab>, RequestError> {
    match text(TAB, request).as_deref() {
        None => Ok(None),
        Some("licensed") => Ok(Some(Tab::Licensed)),
        Some("unlicensed") => Ok(Some(Tab::Unlicensed)),
        Some("pending") => Ok(Some(Tab::Pending)),
        Some(other) => Err(AppError::invalid(
            TAB,
            ErrorCode::UnknownValue,
            format!("'{other}' is not one of licensed, unlicensed, pending"),
        )
        .into()),
    }
}

fn page(request: &HttpRequest) -> Result<PageRequest, RequestError> {
    let limit = match request.query_param(LIMIT) {
        Some(text) => Some(
            text.parse::<usize>()
                .ok()
                .filter(|n| (1..=PageRequest::MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    AppError::invalid(
                        LIMIT,
                        ErrorCode::OutOfRange,
                        format!("a whole number from 1 to {}", PageRequest::MAX_LIMIT),
                    )
                })?,
        ),
        None => None,
    };
    Ok(PageRequest {
        limit,
        cursor: text(CURSOR, request),
    })
}

/// `GET …/members`: one tab, filtered, a page at a time.
pub struct MemberListQuery {
    pub filter: MemberFilter,
    pub page: PageRequest,
}

impl MemberListQuery {
    pub fn params() -> Vec<Param> {
        vec![
            tab_param(),
            department_param(),
            search_param(),
            limit_param(),
            cursor_param(NEXT_CURSOR),
        ]
    }

    pub fn read(request: &HttpRequest) -> Result<Self, RequestError> {
        Ok(MemberListQuery {
            filter: MemberFilter {
                tab: tab(request)?,
                department: id(DEPARTMENT, request)?,
                q: text(SEARCH, request),
            },
            page: page(request)?,
        })
    }
}

/// `GET …/members/export.csv`: one department or all, a page at a time.
pub struct ExportQuery {
    pub department: Option<DepartmentId>,
    pub cursor: Option<String>,
}

impl ExportQuery {
    pub fn params() -> Vec<Param> {
        vec![
            department_param(),
            cursor_param("Where the page starts (from the previous page's Link header)"),
        ]
    }

    pub fn read(request: &HttpRequest) -> Result<Self, RequestError> {
        Ok(ExportQuery {
            department: id(DEPARTMENT, request)?,
            cursor: text(CURSOR, request),
        })
    }

    /// The URL of the page that starts at `cursor` (cursors and ids are URL-safe).
    pub fn next_page_url(&self, org: &str, cursor: &str) -> String {
        let department = self
            .department
            .as_ref()
            .map(|d| format!("&{DEPARTMENT}={}", &**d))
            .unwrap_or_default();
        format!("/v1/orgs/{org}/members/export.csv?{CURSOR}={cursor}{department}")
    }
}

/// `GET …/audit`: one member's events or all, a page at a time.
pub struct AuditQuery {
    pub member: Option<MemberId>,
    pub page: PageRequest,
}

impl AuditQuery {
    pub fn params() -> Vec<Param> {
        vec![member_param(), limit_param(), cursor_param(NEXT_CURSOR)]
    }

    pub fn read(request: &HttpRequest) -> Result<Self, RequestError> {
        Ok(AuditQuery {
            member: id(MEMBER, request)?,
            page: page(request)?,
        })
    }
}

/// `GET /v1/auth/sso/start`: the org, or an email whose domain an org verified for its connection.
pub struct SsoStartQuery {
    pub org: Option<OrgId>,
    pub email: Option<String>,
}

impl SsoStartQuery {
    pub fn params() -> Vec<Param> {
        vec![
            Param {
                name: "org",
                description: "The org whose identity provider signs the person in",
                schema: schema::<OrgId>,
            },
            Param {
                name: "email",
                description: "Or the person's email: the org that verified its domain for its connection (passed on as login_hint)",
                schema: |_| json_schema!({ "type": "string" }),
            },
        ]
    }

    pub fn read(request: &HttpRequest) -> Result<Self, RequestError> {
        Ok(SsoStartQuery {
            org: id("org", request)?,
            email: text("email", request),
        })
    }
}

/// `GET /v1/auth/sso/callback`: the identity provider's answer (RFC 6749 §4.1.2).
pub struct SsoCallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

impl SsoCallbackQuery {
    pub fn params() -> Vec<Param> {
        let text_param = |name, description| Param {
            name,
            description,
            schema: |_| json_schema!({ "type": "string" }),
        };
        vec![
            text_param("code", "The authorization code"),
            text_param("state", "The state the sign-in started with"),
            text_param("error", "The provider's error, when it refused"),
        ]
    }

    pub fn read(request: &HttpRequest) -> Self {
        SsoCallbackQuery {
            code: text("code", request),
            state: text("state", request),
            error: text("error", request),
        }
    }
}

/// A SCIM list's `filter`, `startIndex` and `count` (RFC 7644 §3.4.2).
pub struct ScimListQuery;

impl ScimListQuery {
    pub fn params() -> Vec<Param> {
        vec![
            Param {
                name: "filter",
                description: "One comparison, `attribute eq \"value\"`",
                schema: |_| json_schema!({ "type": "string" }),
            },
            Param {
                name: "startIndex",
                description: "The 1-based index of the first result (default 1)",
                schema: |_| json_schema!({ "type": "integer" }),
            },
            Param {
                name: "count",
                description: "At most this many results (default 100, at most 1,000)",
                schema: |_| json_schema!({ "type": "integer" }),
            },
        ]
    }

    pub fn read(request: &HttpRequest) -> Result<roster_app::usecases::directory::ListRequest, RequestError> {
        let number = |name: &str| {
            request
                .query_param(name)
                .filter(|v| !v.is_empty())
                .map(|raw| raw.parse::<i64>().ok())
        };
        Self::list_request(request.query_param("filter"), number("startIndex"), number("count"))
    }

    /// A list's (or a search's) request from its parts as given: a blank filter is none; a
    /// number given but not an integer is refused (`Some(None)`); a count below 1 asks for
    /// none, an index below 1 is read as 1 (RFC 7644 §3.4.2.4).
    pub fn list_request(
        filter: Option<String>,
        start_index: Option<Option<i64>>,
        count: Option<Option<i64>>,
    ) -> Result<roster_app::usecases::directory::ListRequest, RequestError> {
        let number = |name: &str, given: Option<Option<i64>>| -> Result<Option<usize>, RequestError> {
            match given {
                None => Ok(None),
                Some(Some(n)) => Ok(Some(n.max(0) as usize)),
                Some(None) => Err(AppError::Domain(roster_domain::DomainError::invalid(name, ErrorCode::InvalidType, "an integer")).into()),
            }
        };
        Ok(roster_app::usecases::directory::ListRequest {
            filter: filter.filter(|f| !f.trim().is_empty()),
            start_index: number("startIndex", start_index)?,
            count: number("count", count)?,
        })
    }
}
