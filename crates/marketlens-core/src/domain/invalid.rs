use crate::ErrorType;

/// Rejected input: which field, why, and the stable `error_type`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidInput {
    pub error_type: ErrorType,
    pub field: &'static str,
    pub message: String,
}

impl InvalidInput {
    pub fn new(error_type: ErrorType, field: &'static str, message: impl Into<String>) -> Self {
        Self {
            error_type,
            field,
            message: message.into(),
        }
    }

    pub fn parameter(field: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorType::InvalidParameter, field, message)
    }
}
