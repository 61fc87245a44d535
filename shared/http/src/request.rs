//! Reading requests: the bearer token, query parameters, and bodies with size limits and
//! clear errors for malformed JSON, wrong types, unknown values and missing fields.

use bytes::Bytes;
use http::{HeaderMap, Method};
use serde::de::DeserializeOwned;

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
}

pub const MAX_JSON_BYTES: usize = 64 * 1024;
pub const MAX_CSV_BYTES: usize = 5 * 1024 * 1024;

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
        if self.body.len() > MAX_JSON_BYTES {
            return Err(RequestError::TooLarge { limit: MAX_JSON_BYTES });
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
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| json_error(&e.path().to_string(), e.inner()))?;
        deserializer.end().map_err(|e| json_error(".", &e))?;
        Ok(value)
    }

    /// The body as a CSV file (raw bytes; its text is checked by the domain).
    pub fn csv(&self) -> Result<Vec<u8>, RequestError> {
        if self.body.len() > MAX_CSV_BYTES {
            return Err(RequestError::TooLarge { limit: MAX_CSV_BYTES });
        }
        Ok(self.body.to_vec())
    }
}

/// Turns a serde error into a 400 with a stable code and, when known, the field (its
/// path in the body, e.g. `admin.email`).
fn json_error(path: &str, error: &serde_json::Error) -> RequestError {
    use serde_json::error::Category;
    let message = error.to_string();
    let at_path = |name: &str| match (path, name) {
        (".", "") => "body".to_string(),
        (".", name) => name.to_string(),
        (path, "") => path.to_string(),
        (path, name) => format!("{path}.{name}"),
    };
    let named_field = message.split('`').nth(1).unwrap_or("");
    let (code, field, field_code) = match error.classify() {
        Category::Syntax | Category::Eof | Category::Io => (ErrorCode::InvalidJson, "body".to_string(), ErrorCode::InvalidJson),
        Category::Data if message.starts_with("missing field") => (ErrorCode::InvalidBody, at_path(named_field), ErrorCode::Required),
        Category::Data if message.starts_with("unknown field") => (ErrorCode::InvalidBody, at_path(""), ErrorCode::UnknownField),
        Category::Data if message.starts_with("unknown variant") => (ErrorCode::InvalidBody, at_path(""), ErrorCode::UnknownValue),
        Category::Data => (ErrorCode::InvalidBody, at_path(""), ErrorCode::InvalidType),
    };
    RequestError::BadBody {
        code,
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
