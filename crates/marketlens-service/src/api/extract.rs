//! What handlers take from a request, parsed once here: who calls (and so which
//! tenant's data they may touch), an analysis's id in the path, the query parameters,
//! the JSON body. Each refuses a
//! request the way every handler would, so handlers start from valid values.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use marketlens_core::ErrorType;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::ApiError;
use super::handlers::json_rejection;
use crate::access::AuthContext;
use crate::startup::App;

/// The caller: the application to answer with and the identity the access guard
/// admitted (its tenant scopes every read and write).
pub struct Caller {
    pub app: Arc<App>,
    pub auth: AuthContext,
}

impl FromRequestParts<Arc<App>> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Response> {
        let Extension(auth) = Extension::<AuthContext>::from_request_parts(parts, app)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Caller {
            app: app.clone(),
            auth,
        })
    }
}

/// The `{id}` of an analysis route. Ids that are not UUIDs cannot exist, nor can ids
/// that do not even decode as UTF-8 (`%FF`): they are "not found", like unknown ones,
/// in the same JSON as every other error.
#[derive(utoipa::IntoParams)]
#[into_params(names("id"), parameter_in = Path)]
pub struct AnalysisId(
    /// The analysis id (a UUID)
    #[param(value_type = String)]
    pub Uuid,
);

impl<S: Send + Sync> FromRequestParts<S> for AnalysisId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found("analysis"))?;
        Uuid::parse_str(&id)
            .map(AnalysisId)
            .map_err(|_| ApiError::not_found("analysis"))
    }
}

/// A route's query parameters; ones that do not parse are an invalid parameter.
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(params) = Query::<T>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::new(ErrorType::InvalidParameter, e.body_text()))?;
        Ok(QueryParams(params))
    }
}

/// A JSON request body; one that is not JSON, too large or of the wrong shape is
/// refused as [`json_rejection`] says.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T> FromRequest<S> for JsonBody<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let Json(body) = Json::<T>::from_request(request, state)
            .await
            .map_err(json_rejection)?;
        Ok(JsonBody(body))
    }
}
