//! The domain's refusals, each with a stable machine code.

use crate::codes::ErrorCode;
use crate::timestamp::Timestamp;

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct FieldError {
    pub field: String,
    pub code: ErrorCode,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, code: ErrorCode, message: impl Into<String>) -> Self {
        FieldError {
            field: field.to_string(),
            code,
            message: message.into(),
        }
    }
}

/// Why the domain refuses a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("the actor's role may not do this")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("state conflict: {0}")]
    Conflict(ErrorCode),
    #[error("invitation no longer usable: {0}")]
    Gone(ErrorCode),
    #[error("membership changes are frozen until {ends_at}")]
    Frozen { ends_at: Timestamp },
}

impl DomainError {
    pub fn invalid(field: &str, code: ErrorCode, message: impl Into<String>) -> Self {
        DomainError::Invalid(vec![FieldError::new(field, code, message)])
    }

    /// The stable machine code clients act on.
    pub fn code(&self) -> ErrorCode {
        match self {
            DomainError::Invalid(_) => ErrorCode::ValidationFailed,
            DomainError::Forbidden => ErrorCode::Forbidden,
            DomainError::NotFound => ErrorCode::NotFound,
            DomainError::Conflict(code) | DomainError::Gone(code) => *code,
            DomainError::Frozen { .. } => ErrorCode::Frozen,
        }
    }
}

/// Collects field errors and turns them into one `Invalid` error.
#[derive(Default)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn push(&mut self, field: &str, code: ErrorCode, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }
    pub fn finish(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(self.0))
        }
    }
}
