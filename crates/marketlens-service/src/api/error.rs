use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use marketlens_core::ErrorType;
use serde::Serialize;

/// An API error: status, stable `error_type`, message, and the offending field.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub error_type: ErrorType,
    pub message: String,
    pub field: Option<&'static str>,
}

/// The body of every API error (also its schema in the OpenAPI document).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail<'a> {
    #[schema(value_type = ErrorType)]
    error_type: &'a str,
    message: &'a str,
    /// The request field at fault, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    field: Option<&'a str>,
}

/// Declares, for each `Name = status, "description";`, a response type that route
/// documents list by name (for the document only: handlers answer with [`ApiError`]).
macro_rules! documented_errors {
    ($($(#[$doc:meta])* $name:ident = $status:literal, $description:literal;)*) => {
        $(
            $(#[$doc])*
            #[derive(utoipa::IntoResponses)]
            #[response(status = $status, description = $description)]
            #[allow(dead_code)]
            pub struct $name(ErrorBody<'static>);
        )*
    };
}

/// The error responses many routes document alike, each described once.
pub mod responses {
    use super::ErrorBody;

    documented_errors! {
        /// The store (or a backend behind it) does not answer.
        StoreUnavailable = 503, "Store unavailable";
        /// An analysis id that is unknown, malformed or another tenant's.
        AnalysisNotFound = 404, "No analysis with this id in the caller's tenant";
        /// An experiment id that is unknown, malformed or another tenant's.
        ExperimentNotFound = 404, "No experiment with this id in the caller's tenant";
        /// A request body that is not the JSON the route takes.
        MalformedBody = 400, "Not JSON, unknown field or wrong type";
    }
}

impl ApiError {
    pub fn new(error_type: ErrorType, message: impl Into<String>) -> Self {
        Self {
            status: status_for(error_type),
            error_type,
            message: message.into(),
            field: None,
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorType::NotFound, format!("{what} not found"))
    }

    pub fn unavailable(e: impl std::fmt::Display) -> Self {
        Self::new(ErrorType::Unavailable, format!("service unavailable: {e}"))
    }
}

/// The HTTP status of each error type.
pub fn status_for(t: ErrorType) -> StatusCode {
    match t {
        ErrorType::MalformedRequest => StatusCode::BAD_REQUEST,
        ErrorType::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorType::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorType::UriTooLong => StatusCode::URI_TOO_LONG,
        ErrorType::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        ErrorType::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        ErrorType::EmptyQuery
        | ErrorType::QueryTooLong
        | ErrorType::InvalidParameter
        | ErrorType::UnknownSource => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorType::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorType::Forbidden => StatusCode::FORBIDDEN,
        ErrorType::RateLimited | ErrorType::TenantQueueFull => StatusCode::TOO_MANY_REQUESTS,
        ErrorType::NotFound => StatusCode::NOT_FOUND,
        ErrorType::NotReady | ErrorType::Conflict => StatusCode::CONFLICT,
        // Interrupted work is redelivered: like an outage, it passes.
        ErrorType::Unavailable | ErrorType::Interrupted => StatusCode::SERVICE_UNAVAILABLE,
        ErrorType::NoData
        | ErrorType::SourceFailed
        | ErrorType::SourceTimeout
        | ErrorType::InvalidConfig
        | ErrorType::WorkerLost
        | ErrorType::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                error_type: self.error_type.as_str(),
                message: &self.message,
                field: self.field,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

/// Rejected input: its own error type and status, naming the field.
impl From<marketlens_core::domain::InvalidInput> for ApiError {
    fn from(inv: marketlens_core::domain::InvalidInput) -> Self {
        ApiError {
            status: status_for(inv.error_type),
            error_type: inv.error_type,
            message: inv.message,
            field: Some(inv.field),
        }
    }
}

impl From<crate::submit::SubmitError> for ApiError {
    fn from(e: crate::submit::SubmitError) -> Self {
        match e {
            crate::submit::SubmitError::Invalid(inv) => inv.into(),
            other => ApiError::unavailable(other),
        }
    }
}

impl From<crate::experiments::ExperimentError> for ApiError {
    fn from(e: crate::experiments::ExperimentError) -> Self {
        let error_type = e.error_type();
        match e {
            crate::experiments::ExperimentError::Invalid(inv) => ApiError {
                status: status_for(inv.error_type),
                error_type: inv.error_type,
                message: inv.message,
                field: Some(inv.field),
            },
            other if error_type == ErrorType::Unavailable => ApiError::unavailable(other),
            other => ApiError::new(error_type, other.to_string()),
        }
    }
}

impl From<marketlens_core::ports::StoreError> for ApiError {
    fn from(e: marketlens_core::ports::StoreError) -> Self {
        ApiError::unavailable(e)
    }
}
