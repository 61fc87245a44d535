//! The query parameters the routes read. Each is written once: its name, what it means, its
//! schema in the OpenAPI document, and how it is read (an empty value is no value, except
//! for `limit`, where it is out of range). A route's parameters are read together into one
//! type whose `PARAMS` the document lists; a route reads its path's ids first.

use schemars::json_schema;

use roster_app::usecases::members::MemberFilter;
use roster_app::usecases::PageRequest;
use roster_app::AppError;
use roster_domain::{DepartmentId, ErrorCode, MemberId, Tab};

use crate::openapi::{schema, SchemaFn};
use crate::request::{HttpRequest, RequestError};

/// One query parameter, as the OpenAPI document describes it.
pub struct Param {
    pub name: &'static str,
    pub description: &'static str,
    pub schema: SchemaFn,
}

const TAB: Param = Param {
    name: "tab",
    description: "licensed (default), unlicensed (unlicensed, invited, expired) or pending (pending_approval, rejected)",
    schema: schema::<Tab>,
};
const DEPARTMENT: Param = Param {
    name: "department",
    description: "Only this department",
    schema: schema::<DepartmentId>,
};
const MEMBER: Param = Param {
    name: "member",
    description: "Only this member",
    schema: schema::<MemberId>,
};
const SEARCH: Param = Param {
    name: "q",
    description: "Search in email and names",
    schema: |_| json_schema!({ "type": "string" }),
};
const LIMIT: Param = Param {
    name: "limit",
    description: "Page size.",
    schema: |_| {
        json_schema!({
            "type": "integer",
            "minimum": 1,
            "maximum": PageRequest::MAX_LIMIT,
            "default": PageRequest::DEFAULT_LIMIT,
        })
    },
};
const CURSOR: Param = Param {
    name: "cursor",
    description: "The next_cursor of the previous page.",
    schema: |_| json_schema!({ "type": "string" }),
};
const EXPORT_CURSOR: Param = Param {
    description: "Where the page starts (from the previous page's Link header)",
    ..CURSOR
};

impl Param {
    /// The parameter's value, percent-decoded; an empty one is none.
    fn text(&self, request: &HttpRequest) -> Option<String> {
        request.query_param(self.name).filter(|value| !value.is_empty())
    }

    /// An id: a malformed one is a 400 (it names nothing that could exist).
    fn id<T: std::str::FromStr>(&self, request: &HttpRequest) -> Result<Option<T>, RequestError> {
        match self.text(request) {
            None => Ok(None),
            Some(text) => text
                .parse()
                .map(Some)
                .map_err(|_| AppError::invalid(self.name, ErrorCode::MalformedId, format!("'{text}' is not a well-formed id")).into()),
        }
    }
}

fn tab(request: &HttpRequest) -> Result<Option<Tab>, RequestError> {
    match TAB.text(request).as_deref() {
        None => Ok(None),
        Some("licensed") => Ok(Some(Tab::Licensed)),
        Some("unlicensed") => Ok(Some(Tab::Unlicensed)),
        Some("pending") => Ok(Some(Tab::Pending)),
        Some(other) => Err(AppError::invalid(
            TAB.name,
            ErrorCode::UnknownValue,
            format!("'{other}' is not one of licensed, unlicensed, pending"),
        )
        .into()),
    }
}

fn page(request: &HttpRequest) -> Result<PageRequest, RequestError> {
    let limit = match request.query_param(LIMIT.name) {
        Some(text) => Some(
            text.parse::<usize>()
                .ok()
                .filter(|n| (1..=PageRequest::MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    AppError::invalid(
                        LIMIT.name,
                        ErrorCode::OutOfRange,
                        format!("a whole number from 1 to {}", PageRequest::MAX_LIMIT),
                    )
                })?,
        ),
        None => None,
    };
    Ok(PageRequest {
        limit,
        cursor: CURSOR.text(request),
    })
}

/// `GET …/members`: one tab, filtered, a page at a time.
pub struct MemberListQuery {
    pub filter: MemberFilter,
    pub page: PageRequest,
}

impl MemberListQuery {
    pub const PARAMS: &'static [Param] = &[TAB, DEPARTMENT, SEARCH, LIMIT, CURSOR];

    pub fn read(request: &HttpRequest) -> Result<Self, RequestError> {
        Ok(MemberListQuery {
            filter: MemberFilter {
                tab: tab(request)?,
                department: DEPARTMENT.id(request)?,
                q: SEARCH.text(request),
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
    pub const PARAMS: &'static [Param] = &[DEPARTMENT, EXPORT_CURSOR];

    pub fn read(request: &HttpRequest) -> Result<Self, RequestError> {
        Ok(ExportQuery {
            department: DEPARTMENT.id(request)?,
            cursor: EXPORT_CURSOR.text(request),
        })
    }

    /// The URL of the page that starts at `cursor` (cursors and ids are URL-safe).
    pub fn next_page_url(&self, org: &str, cursor: &str) -> String {
        let department = self
            .department
            .as_ref()
            .map(|d| format!("&{}={}", DEPARTMENT.name, &**d))
            .unwrap_or_default();
        format!("/v1/orgs/{org}/members/export.csv?{}={cursor}{department}", EXPORT_CURSOR.name)
    }
}

/// `GET …/audit`: one member's events or all, a page at a time.
pub struct AuditQuery {
    pub member: Option<MemberId>,
    pub page: PageRequest,
}

impl AuditQuery {
    pub const PARAMS: &'static [Param] = &[MEMBER, LIMIT, CURSOR];

    pub fn read(request: &HttpRequest) -> Result<Self, RequestError> {
        Ok(AuditQuery {
            member: MEMBER.id(request)?,
            page: page(request)?,
        })
    }
}
