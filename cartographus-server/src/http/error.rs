//! API errors: every failure is a JSON body `{"error": …, "parameter": …}` with the
//! right status code. Internal details (database messages, paths) are logged, not sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::auth::AuthError;

/// An error answered to an API client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// A query parameter or body field is invalid (400).
    #[error("invalid parameter {parameter}: {message}")]
    BadParameter {
        /// The parameter's name.
        parameter: String,
        /// What is wrong.
        message: String,
    },
    /// The request body is malformed (400).
    #[error("{0}")]
    BadRequest(String),
    /// Not authenticated (401).
    #[error("authentication required")]
    Unauthorized,
    /// Authenticated but not allowed (403).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Nothing there (404).
    #[error("not found")]
    NotFound,
    /// Too many requests (429).
    #[error("rate limit exceeded")]
    RateLimited {
        /// Seconds to wait.
        retry_after_s: u64,
    },
    /// The request conflicts with the current state (409).
    #[error("{0}")]
    Conflict(String),
    /// A dependency is down (503).
    #[error("{0}")]
    Unavailable(String),
    /// Anything else (500); the detail is logged only.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// A bad-parameter error.
    pub fn param(parameter: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadParameter {
            parameter: parameter.into(),
            message: message.into(),
        }
    }

    /// An internal error with a detail for the log.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        ApiError::Internal(detail.to_string())
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadParameter { .. } | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Forbidden { .. } => ApiError::Forbidden(e.to_string()),
            AuthError::Hashing => ApiError::internal(e),
            _ => ApiError::Unauthorized,
        }
    }
}

/// The JSON body of an error.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: String,
    /// The parameter at fault, for 400s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let parameter = match &self {
            ApiError::BadParameter { parameter, .. } => Some(parameter.clone()),
            _ => None,
        };
        let body = ErrorBody {
            error: self.to_string(),
            parameter,
        };
        let mut resp = (status, Json(body)).into_response();
        if let ApiError::RateLimited { retry_after_s } = self {
            if let Ok(v) = HeaderValue::from_str(&retry_after_s.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"cartographus\""),
            );
        }
        resp
    }
}
