//! `application/problem+json` (RFC 9457) responses with a stable `code`.

use bytes::Bytes;
use http::{header, Response, StatusCode};
use serde_json::{json, Value};

use roster_app::AppError;
use roster_domain::DomainError;

use crate::request::RequestError;
use crate::HttpResponse;
use roster_domain::ErrorCode;

/// A problem with `code`, answered with the code's status.
pub fn response(code: ErrorCode, detail: &str, errors: Option<Value>) -> HttpResponse {
    with_members(code, detail, errors.map(|e| ("errors", e)))
}

/// The HTTP status of a problem with `code`.
pub fn status(code: ErrorCode) -> StatusCode {
    StatusCode::from_u16(code.status()).expect("every error code has a valid status")
}

/// A problem response with more members (`errors`, `ends_at` of a freeze window, `orgs`).
fn with_members<'a>(code: ErrorCode, detail: &str, extra: impl IntoIterator<Item = (&'a str, Value)>) -> HttpResponse {
    let status = status(code);
    let mut body = json!({
        "type": format!("https://roster.dev/problems/{code}"),
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
        "code": code,
    });
    for (name, value) in extra {
        body[name] = value;
    }
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/problem+json")
        .body(Bytes::from(body.to_string()))
        .expect("a valid response")
}

/// An app error as a problem: its code decides the status (SPEC §5 status codes).
pub fn from_app_error(error: &AppError) -> HttpResponse {
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
    let extra = match error {
        AppError::Domain(DomainError::Invalid(fields)) => vec![("errors", serde_json::to_value(fields).expect("field errors serialize"))],
        AppError::Domain(DomainError::Frozen { ends_at }) => vec![("ends_at", json!(ends_at))],
        // The field error every client knows, and the orgs to choose from.
        AppError::OrgRequired { orgs } => vec![
            (
                "errors",
                json!([roster_domain::error::FieldError::new(
                    "org_id",
                    ErrorCode::OrgRequired,
                    error.to_string()
                )]),
            ),
            ("orgs", json!(orgs)),
        ],
        _ => Vec::new(),
    };
    let mut response = with_members(error.code(), &detail, extra);
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
        RequestError::TooLarge { limit } => response(ErrorCode::PayloadTooLarge, &format!("The body is larger than {limit} bytes."), None),
        RequestError::UnsupportedMediaType => response(
            ErrorCode::UnsupportedMediaType,
            "Send application/json (or text/csv where a file is expected).",
            None,
        ),
        RequestError::BadBody {
            code,
            field,
            field_code,
            message,
        } => response(
            code,
            "The body can't be read.",
            Some(json!([{"field": field, "code": field_code, "message": message}])),
        ),
        RequestError::App(error) => from_app_error(&error),
    }
}
