//! SCIM 2.0's side of HTTP (RFC 7644): the directory's token settles the caller, answers are
//! `application/scim+json`, errors are SCIM error messages with `scimType`, and the
//! discovery documents (`ServiceProviderConfig`, `Schemas`, `ResourceTypes`) say what
//! Roster keeps.

use bytes::Bytes;
use http::{header, Response, StatusCode};
use serde_json::{json, Value};

use roster_app::usecases::directory::{list_response, ListRequest, ScimResource, MAX_PAGE};
use roster_app::usecases::scim::{base_url, org_of_token};
use roster_app::{App, AppError, Principal, RequestContext};
use roster_domain::scim::{ENTERPRISE_USER_SCHEMA, ERROR_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
use roster_domain::{DomainError, ErrorCode};

use crate::handlers::{Endpoint, Reply};
use crate::problem::{self, Problem};
use crate::request::{HttpRequest, RequestError};
use crate::routes::Params;
use crate::HttpResponse;

pub const CONTENT_TYPE: &str = "application/scim+json";

/// Answers a SCIM request routed to `E`: the bearer token must be the org's current
/// directory-sync token (401 otherwise, in SCIM's format).
pub async fn respond<E: Endpoint>(app: &App, params: &Params, request: HttpRequest) -> HttpResponse {
    let org_id = match org_of_token(app, request.bearer_token()).await {
        Ok(Some(org_id)) => org_id,
        Ok(None) => {
            let code = if request.bearer_token().is_some() {
                ErrorCode::InvalidToken
            } else {
                ErrorCode::MissingToken
            };
            return error_response(RequestError::App(AppError::Unauthorized(code)));
        }
        Err(error) => return error_response(RequestError::App(error)),
    };
    let ctx = RequestContext {
        principal: Principal::Directory { org_id },
        ip: request.client_ip.clone(),
        deadline: roster_app::Deadline::NONE,
    };
    match crate::handlers::answer::<E>(app, params, &request, ctx).await {
        Ok(response) => response,
        Err(error) => error_response(error),
    }
}

/// An error as a SCIM error message (RFC 7644 §3.12): `status` as a string, `scimType`
/// where SCIM has one, and a `detail` that starts with Roster's stable code.
pub fn error_response(error: RequestError) -> HttpResponse {
    match error {
        RequestError::App(error) => problem::with_headers(&error, scim_error(&problem::app_problem(&error))),
        other => scim_error(&problem::request_problem(other)),
    }
}

fn scim_error(problem: &Problem) -> HttpResponse {
    let fields = problem.errors.as_deref().unwrap_or_default();
    let codes = std::iter::once(problem.code).chain(fields.iter().map(|f| f.code));
    let scim_type = codes.clone().find_map(scim_type).or(match problem.code {
        ErrorCode::ValidationFailed | ErrorCode::InvalidBody => Some("invalidValue"),
        ErrorCode::InvalidJson => Some("invalidSyntax"),
        _ => None,
    });
    let mut detail = format!("{}: {}", problem.code, problem.detail);
    for field in fields {
        detail.push_str(&format!(" {}: {} ({})", field.field, field.message, field.code));
    }
    let mut body = json!({
        "schemas": [ERROR_SCHEMA],
        "status": problem.status.to_string(),
        "detail": detail,
    });
    if let Some(scim_type) = scim_type {
        body["scimType"] = scim_type.into();
    }
    Response::builder()
        .status(problem.status)
        .header(header::CONTENT_TYPE, CONTENT_TYPE)
        .body(Bytes::from(serde_json::to_vec(&body).expect("JSON values serialize")))
        .expect("a valid response")
}

/// SCIM's `scimType` for one of Roster's codes.
fn scim_type(code: ErrorCode) -> Option<&'static str> {
    match code {
        ErrorCode::InvalidFilter => Some("invalidFilter"),
        ErrorCode::InvalidPath => Some("invalidPath"),
        ErrorCode::NoTarget => Some("noTarget"),
        ErrorCode::DirectoryUserExists | ErrorCode::DepartmentExists => Some("uniqueness"),
        ErrorCode::UnknownField => Some("invalidSyntax"),
        _ => None,
    }
}

/// A resource answered with its `ETag`; a created one (`201`) with its `Location`.
pub fn resource(status: StatusCode, resource: ScimResource) -> Reply {
    let location = (status == StatusCode::CREATED)
        .then(|| resource.body["meta"]["location"].as_str().map(str::to_string))
        .flatten();
    Reply::Scim {
        status,
        etag: Some(resource.etag),
        body: resource.body,
        location,
    }
}

pub fn ok(body: Value) -> Reply {
    Reply::Scim {
        status: StatusCode::OK,
        body,
        etag: None,
        location: None,
    }
}

/// The attributes a request asks for: `attributes` (only these) or `excludedAttributes`
/// (all but these), RFC 7644 §3.4.2.5; from a list's query string or a search's body. Each
/// name is kept as the top-level attribute it designates, lower-cased.
#[derive(Debug, Default, PartialEq)]
pub struct Projection {
    only: Option<Vec<String>>,
    excluded: Option<Vec<String>>,
}

impl Projection {
    /// From the query string (comma-separated lists).
    pub fn of_query(request: &HttpRequest) -> Projection {
        let names = |param: &str| request.query_param(param).map(|list| Self::named(list.split(',')));
        Projection {
            only: names("attributes"),
            excluded: names("excludedAttributes"),
        }
    }

    fn named<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
        names
            .map(|name| top_level_attribute(name.trim()))
            .filter(|name| !name.is_empty())
            .collect()
    }

    /// The resource (or each resource of a list response) with only the attributes asked
    /// for; `id`, `schemas` and `meta` are always returned.
    pub fn apply(&self, mut body: Value) -> Value {
        if self.only.is_none() && self.excluded.is_none() {
            return body;
        }
        let project = |resource: &mut Value| {
            if let Value::Object(attributes) = resource {
                attributes.retain(|key, _| {
                    let key = key.to_ascii_lowercase();
                    if ["id", "schemas", "meta"].contains(&key.as_str()) {
                        return true;
                    }
                    match (&self.only, &self.excluded) {
                        (Some(only), _) => only.contains(&key),
                        (None, Some(excluded)) => !excluded.contains(&key),
                        (None, None) => true,
                    }
                });
            }
        };
        match body.get_mut("Resources").and_then(Value::as_array_mut) {
            Some(resources) => resources.iter_mut().for_each(project),
            None => project(&mut body),
        }
        body
    }

    /// Whether a group's members are asked for (Okta and Entra ID ask
    /// `excludedAttributes=members`): when not, they are not read at all.
    pub fn wants_members(&self) -> bool {
        match (&self.only, &self.excluded) {
            (Some(only), _) => only.iter().any(|n| n == "members"),
            (None, Some(excluded)) => !excluded.iter().any(|n| n == "members"),
            (None, None) => true,
        }
    }
}

/// The resource (or list response) as the request's query string projects it.
pub fn projected(request: &HttpRequest, body: Value) -> Value {
    Projection::of_query(request).apply(body)
}

/// The top-level attribute an attribute name designates, lower-cased: `name.givenName` →
/// `name`; a core schema's URN prefix dropped; an extension's attribute → the extension.
fn top_level_attribute(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let extension = ENTERPRISE_USER_SCHEMA.to_ascii_lowercase();
    if lower.starts_with(&extension) {
        return extension;
    }
    let bare = [USER_SCHEMA, GROUP_SCHEMA]
        .iter()
        .find_map(|schema| lower.strip_prefix(&format!("{}:", schema.to_ascii_lowercase())))
        .unwrap_or(&lower);
    bare.split(['.', '[']).next().unwrap_or_default().to_string()
}

/// Whether the request's query string asks for a group's members.
pub fn wants_members(request: &HttpRequest) -> bool {
    Projection::of_query(request).wants_members()
}

/// A `POST /.search` body (RFC 7644 §3.4.3): what a list's query string says, as JSON
/// (`filter`, `startIndex`, `count`, and `attributes` or `excludedAttributes` as lists of
/// names). `sortBy` and `sortOrder` are ignored, as on a list (no sorting is offered).
pub fn search_request(body: &Value) -> Result<(ListRequest, Projection), RequestError> {
    let invalid = |field: &str, wanted: &str| -> RequestError {
        AppError::Domain(DomainError::invalid(field, ErrorCode::InvalidType, wanted.to_string())).into()
    };
    let Value::Object(fields) = body else {
        return Err(AppError::Domain(DomainError::invalid("body", ErrorCode::InvalidBody, "a SearchRequest object")).into());
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    };
    let number = |name: &str| match field(name) {
        None | Some(Value::Null) => None,
        Some(value) => Some(value.as_i64()),
    };
    let names = |name: &str| -> Result<Option<Vec<String>>, RequestError> {
        match field(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(list)) => {
                let strings: Option<Vec<&str>> = list.iter().map(Value::as_str).collect();
                strings
                    .map(|strings| Some(Projection::named(strings.into_iter())))
                    .ok_or_else(|| invalid(name, "a list of attribute names"))
            }
            Some(_) => Err(invalid(name, "a list of attribute names")),
        }
    };
    let filter = match field("filter") {
        None | Some(Value::Null) => None,
        Some(Value::String(filter)) => Some(filter.clone()),
        Some(_) => return Err(invalid("filter", "a string")),
    };
    let request = crate::query::ScimListQuery::list_request(filter, number("startIndex"), number("count"))?;
    let projection = Projection {
        only: names("attributes")?,
        excluded: names("excludedAttributes")?,
    };
    Ok((request, projection))
}

/// The `If-Match` header a change must match.
pub fn if_match(request: &HttpRequest) -> Option<String> {
    request
        .headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `GET /scim/v2/ServiceProviderConfig`.
pub fn service_provider_config(app: &App) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://github.com/roster-dev/roster#directory-sync-scim",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_PAGE},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "The org's directory-sync token (POST /v1/orgs/{org}/scim/token).",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{}/ServiceProviderConfig", base_url(&app.config)),
        },
    })
}

/// The schemas Roster serves, each with only the attributes it keeps.
pub fn schemas(app: &App) -> Vec<Value> {
    let mut schemas: Vec<Value> = serde_json::from_str(include_str!("scim_schemas.json")).expect("the SCIM schemas are JSON");
    for schema in &mut schemas {
        let id = schema["id"].as_str().expect("each schema has an id").to_string();
        schema["meta"] = json!({"resourceType": "Schema", "location": format!("{}/Schemas/{id}", base_url(&app.config))});
    }
    schemas
}

pub fn resource_types(app: &App) -> Vec<Value> {
    let base = base_url(&app.config);
    vec![
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "A member of the org",
            "schema": USER_SCHEMA,
            "schemaExtensions": [{"schema": ENTERPRISE_USER_SCHEMA, "required": false}],
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User")},
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "A department of the org",
            "schema": GROUP_SCHEMA,
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group")},
        }),
    ]
}

/// A whole discovery collection as a list response.
pub fn listed(resources: Vec<Value>) -> Value {
    list_response(resources.len(), 1, resources)
}

/// One discovery resource by its id, or 404.
pub fn one_of(resources: Vec<Value>, id: &str) -> Result<Value, RequestError> {
    resources
        .into_iter()
        .find(|r| r["id"].as_str() == Some(id))
        .ok_or_else(|| AppError::not_found().into())
}
