//! The app's error: a domain refusal or what went wrong around it, each with a stable code.

use roster_domain::DomainError;

use crate::ports::{QueueError, StoreError};
use crate::signing_keys::KeyError;
use roster_domain::ErrorCode;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// No, or no valid, credentials (401). The code says which.
    #[error("unauthorized: {0}")]
    Unauthorized(ErrorCode),
    /// The token came from a temporary password: only changing it is allowed (403).
    #[error("the password must be changed first")]
    PasswordChangeRequired,
    #[error("rate limited; retry after {retry_after_seconds}s")]
    RateLimited { retry_after_seconds: u64 },
    /// The password is right for accounts in several orgs: the caller says which (400,
    /// a field error on `org_id`, with the orgs to choose from).
    #[error("this email has accounts in several orgs: say which with org_id")]
    OrgRequired { orgs: Vec<OrgChoice> },
    /// A write lost a race; the operation may be retried from the start.
    #[error("concurrent write")]
    Contention,
    /// A queue message that can never be handled (it does not parse): retrying won't help.
    #[error("malformed message: {0}")]
    MalformedMessage(String),
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// One org an email's password is right for, as the sign-in page offers it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct OrgChoice {
    pub org_id: String,
    pub name: String,
}

impl AppError {
    /// The code, whose status is the HTTP status of the problem this error answers.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Domain(error) => error.code(),
            AppError::Unauthorized(code) => *code,
            AppError::PasswordChangeRequired => ErrorCode::PasswordChangeRequired,
            AppError::RateLimited { .. } => ErrorCode::RateLimited,
            AppError::OrgRequired { .. } => ErrorCode::ValidationFailed,
            AppError::Contention => ErrorCode::ConcurrentUpdate,
            AppError::Unavailable(_) => ErrorCode::Unavailable,
            AppError::Internal(_) | AppError::MalformedMessage(_) => ErrorCode::Internal,
        }
    }

    /// The most specific code: a field error's own (`unknown_department`) when the error
    /// is about fields, else `code()`. For lists of per-item failures.
    pub fn specific_code(&self) -> ErrorCode {
        match self {
            AppError::Domain(DomainError::Invalid(fields)) => fields.first().map_or(self.code(), |f| f.code),
            other => other.code(),
        }
    }

    pub fn not_found() -> AppError {
        AppError::Domain(DomainError::NotFound)
    }

    pub fn conflict(code: ErrorCode) -> AppError {
        AppError::Domain(DomainError::Conflict(code))
    }

    pub fn invalid(field: &str, code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError::Domain(DomainError::invalid(field, code, message))
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::ConditionFailed { .. } | StoreError::TransactionConflict => AppError::Contention,
            StoreError::InvalidCursor => AppError::invalid("cursor", ErrorCode::InvalidCursor, "the cursor is not one this list gave out"),
            StoreError::Unavailable(message) | StoreError::IndexNotReady(message) => AppError::Unavailable(message),
            StoreError::Refused(message) => AppError::Internal(message),
        }
    }
}

impl From<QueueError> for AppError {
    fn from(error: QueueError) -> Self {
        AppError::Unavailable(error.to_string())
    }
}

impl From<KeyError> for AppError {
    fn from(error: KeyError) -> Self {
        match error {
            KeyError::Expired => AppError::Unauthorized(ErrorCode::TokenExpired),
            KeyError::InvalidToken => AppError::Unauthorized(ErrorCode::InvalidToken),
            KeyError::InvalidMaterial(message) => AppError::Internal(message),
            KeyError::NotHeld => AppError::Internal(KeyError::NotHeld.to_string()),
            KeyError::Unavailable(message) => AppError::Unavailable(message),
        }
    }
}

impl From<serde_json::Error> for AppError {
    fn from(error: serde_json::Error) -> Self {
        AppError::Internal(format!("stored item does not decode: {error}"))
    }
}

pub type AppResult<T> = Result<T, AppError>;
