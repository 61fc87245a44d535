//! `application/problem+json` (RFC 9457) responses with a stable `code`.

use bytes::Bytes;
use http::{header, Response, StatusCode};
use schemars::JsonSchema;
use serde::Serialize;

use roster_app::{AppError, OrgChoice};
use roster_domain::schema::DateTime;
use roster_domain::{DomainError, FieldError, Timestamp};

use crate::request::RequestError;
use crate::HttpResponse;
use roster_domain::ErrorCode;

/// A problem (RFC 9457) with Roster's stable `code`. Each operation narrows `code` to the
/// codes it answers.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: ErrorCode,
    /// With `validation_failed`, `invalid_json` and `invalid_body`: each field's own problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<FieldError>")]
    pub errors: Option<Vec<FieldError>>,
    /// With `frozen`: when the freeze window ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "DateTime")]
    pub ends_at: Option<Timestamp>,
    /// With the field error `org_required` (only after the password was right): the orgs to
    /// choose from.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<OrgChoice>")]
    pub orgs: Option<Vec<OrgChoice>>,
}

impl Problem {
    pub(crate) fn new(code: ErrorCode, detail: &str) -> Problem {
        let status = status(code);
        Problem {
            type_: format!("https://roster.dev/problems/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: detail.to_string(),
            code,
            errors: None,
            ends_at: None,
            orgs: None,
        }
    }

    fn into_response(self) -> HttpResponse {
        Response::builder()
            .status(status(self.code))
            .header(header::CONTENT_TYPE, "application/problem+json")
            .body(Bytes::from(serde_json::to_vec(&self).expect("problems serialize")))
            .expect("a valid response")
    }
}

/// A problem with `code`, answered with the code's status.
pub fn response(code: ErrorCode, detail: &str) -> HttpResponse {
    Problem::new(code, detail).into_response()
}

/// A problem with `code` for a request to `path`: in SCIM's format under `/scim/`.
pub fn response_at(path: &str, code: ErrorCode, detail: &str) -> HttpResponse {
    if path.starts_with("/scim/") {
        crate::scim::error_response(RequestError::App(AppError::Domain(DomainError::Conflict(code))))
    } else {
        response(code, detail)
    }
}

/// The HTTP status of a problem with `code`.
pub fn status(code: ErrorCode) -> StatusCode {
    StatusCode::from_u16(code.status()).expect("every error code has a valid status")
}

/// An app error as a problem: its code decides the status (SPEC §5 status codes).
pub fn from_app_error(error: &AppError) -> HttpResponse {
    with_headers(error, app_problem(error).into_response())
}

/// The problem an app error answers.
pub(crate) fn app_problem(error: &AppError) -> Problem {
    let status = status(error.code());
    let detail = match error {
        // Internal details go to the log, never to the client.
        AppError::Internal(message) | AppError::Unavailable(message) | AppError::MalformedMessage(message) => {
            tracing::error!(code = error.code().as_str(), %message, "request failed");
            status.canonical_reason().unwrap_or("error").to_string()
        }
        AppError::Domain(DomainError::Invalid(_)) | AppError::OrgRequired { .. } => "The request has invalid fields.".to_string(),
        other => other.to_string(),
    };
    let mut problem = Problem::new(error.code(), &detail);
    match error {
        AppError::Domain(DomainError::Invalid(fields)) => problem.errors = Some(fields.clone()),
        AppError::Domain(DomainError::Frozen { ends_at }) => problem.ends_at = Some(*ends_at),
        // The field error every client knows, and the orgs to choose from.
        AppError::OrgRequired { orgs } => {
            problem.errors = Some(vec![FieldError::new("org_id", ErrorCode::OrgRequired, error.to_string())]);
            problem.orgs = Some(orgs.clone());
        }
        _ => {}
    }
    problem
}

/// The headers an app error's answer carries besides its body.
pub(crate) fn with_headers(error: &AppError, mut response: HttpResponse) -> HttpResponse {
    match error {
        AppError::RateLimited { retry_after_seconds } => {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_after_seconds.to_string().parse().expect("digits"));
        }
        AppError::Unauthorized(_) => {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, "Bearer".parse().expect("ascii"));
        }
        _ => {}
    }
    response
}

pub fn from_request_error(error: RequestError) -> HttpResponse {
    match error {
        RequestError::App(error) => from_app_error(&error),
        other => request_problem(other).into_response(),
    }
}

/// The problem a request that can't be read answers.
pub(crate) fn request_problem(error: RequestError) -> Problem {
    match error {
        RequestError::TooLarge { limit } => Problem::new(ErrorCode::PayloadTooLarge, &format!("The body is larger than {limit} bytes.")),
        RequestError::UnsupportedMediaType => Problem::new(
            ErrorCode::UnsupportedMediaType,
            "Send application/json (or text/csv where a file is expected).",
        ),
        RequestError::BadBody {
            code,
            field,
            field_code,
            message,
        } => Problem {
            errors: Some(vec![FieldError::new(&field, field_code, message)]),
            ..Problem::new(code, "The body can't be read.")
        },
        RequestError::App(error) => app_problem(&error),
    }
}
