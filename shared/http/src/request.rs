//! Reading requests: the bearer token, query parameters, and bodies with size limits and
//! clear errors for malformed JSON, wrong types, unknown values and missing fields.

use bytes::Bytes;
use http::{HeaderMap, Method};
use serde::de::DeserializeOwned;
use serde_value::DeserializerError;

use roster_app::AppError;
use roster_domain::ErrorCode;

/// A request as both entry points hand it over.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The client's address, from the connection or API Gateway's request context.
    pub client_ip: Option<String>,
    /// When long work must stop: a Lambda invocation's deadline, less a margin; `None`
    /// elsewhere (the app's `request_time_budget` from the request's start applies).
    pub deadline: Option<roster_app::Deadline>,
}

pub const MAX_JSON_BYTES: usize = 64 * 1024;
pub const MAX_CSV_BYTES: usize = 5 * 1024 * 1024;
/// A SCIM request's body: a group PATCH of a few thousand members in the shapes directories
/// send (`{"value", "display", "$ref"}` each).
pub const MAX_SCIM_BYTES: usize = 1024 * 1024;

/// Why a request can't be read.
#[derive(Debug)]
pub enum RequestError {
    TooLarge {
        limit: usize,
    },
    UnsupportedMediaType,
    /// The body is not JSON (`invalid_json`) or not the JSON this endpoint takes
    /// (`invalid_body`); `field_code` says how.
    BadBody {
        code: ErrorCode,
        field: String,
        field_code: ErrorCode,
        message: String,
    },
    App(AppError),
}

impl From<AppError> for RequestError {
    fn from(error: AppError) -> Self {
        RequestError::App(error)
    }
}

impl HttpRequest {
    /// The value of cookie `name`, if the request carries it.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find_map(|(key, value)| (key == name).then_some(value))
    }

    pub fn bearer_token(&self) -> Option<&str> {
        let value = self.headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then_some(token.trim())
            .filter(|t| !t.is_empty())
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Whether the caller asked for JSON rather than a page (a script's `fetch`, not a
    /// browser's navigation, which accepts `text/html`).
    pub fn prefers_json(&self) -> bool {
        let accept = self
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        accept.contains("application/json") && !accept.contains("text/html")
    }

    pub fn is_csv(&self) -> bool {
        self.content_type().to_ascii_lowercase().starts_with("text/csv")
    }

    /// The value of query parameter `name`, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query
            .as_deref()?
            .split('&')
            .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| percent_decode(&v.replace('+', " ")))
    }

    /// The body as JSON of type `T`; an empty body reads as `{}`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, RequestError> {
        self.json_up_to(MAX_JSON_BYTES)
    }

    /// `json`, for a body of up to `limit` bytes.
    pub fn json_up_to<T: DeserializeOwned>(&self, limit: usize) -> Result<T, RequestError> {
        if self.body.len() > limit {
            return Err(RequestError::TooLarge { limit });
        }
        let blank = self.body.iter().all(u8::is_ascii_whitespace);
        if blank && self.method == http::Method::PATCH {
            // A change with nothing in it is a mistake; `{}` is an explicit no-op.
            return Err(RequestError::BadBody {
                code: ErrorCode::InvalidBody,
                field: "body".into(),
                field_code: ErrorCode::Required,
                message: "send a JSON object with the fields to change".into(),
            });
        }
        // An action without options (remove, approve, …) may come without a body.
        let body: &[u8] = if blank { b"{}" } else { &self.body };
        if !self.body.is_empty() && !self.content_type().to_ascii_lowercase().contains("json") {
            return Err(RequestError::UnsupportedMediaType);
        }
        // JSON first (a syntax error is `invalid_json`), read straight into a serde value; then
        // the endpoint's type from it through a deserializer whose errors say by their type
        // what is wrong, and where.
        let value: serde_value::Value = serde_json::from_slice(body).map_err(|e| bad_json(&e))?;
        serde_path_to_error::deserialize(serde_value::ValueDeserializer::<DeserializerError>::new(value)).map_err(bad_body)
    }

    /// The body as a CSV file (raw bytes; its text is checked by the domain).
    pub fn csv(&self) -> Result<Vec<u8>, RequestError> {
        if self.body.len() > MAX_CSV_BYTES {
            return Err(RequestError::TooLarge { limit: MAX_CSV_BYTES });
        }
        Ok(self.body.to_vec())
    }
}

/// A body that is not JSON.
fn bad_json(error: &serde_json::Error) -> RequestError {
    RequestError::BadBody {
        code: ErrorCode::InvalidJson,
        field: "body".into(),
        field_code: ErrorCode::InvalidJson,
        message: error.to_string(),
    }
}

/// JSON that is not what the endpoint takes: a 400 with the field (its path in the body,
/// e.g. `admin.email`) and what is wrong with it, told by the error's kind.
fn bad_body(error: serde_path_to_error::Error<DeserializerError>) -> RequestError {
    let path = error.path().to_string();
    let at = |name: &str| match (path.as_str(), name) {
        (".", "") => "body".to_string(),
        (".", name) => name.to_string(),
        (path, "") => path.to_string(),
        (path, name) => format!("{path}.{name}"),
    };
    let message = error.inner().to_string();
    let (field, field_code) = match error.inner() {
        DeserializerError::MissingField(name) => (at(name), ErrorCode::Required),
        DeserializerError::UnknownField(..) => (at(""), ErrorCode::UnknownField),
        DeserializerError::UnknownVariant(..) => (at(""), ErrorCode::UnknownValue),
        _ => (at(""), ErrorCode::InvalidType),
    };
    RequestError::BadBody {
        code: ErrorCode::InvalidBody,
        field,
        field_code,
        message,
    }
}

pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
