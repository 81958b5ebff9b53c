//! Every refusal is an HTTP 4xx (or 5xx for the server's own failures) with
//! a small JSON body naming a stable, typed reason:
//! `{"error": "<code>", "message": "<human text>"}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;

/// A refused request: status, stable code, human message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable machine-readable reason (see README.md, "Errors").
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
}

impl ApiError {
    /// A new error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }
    pub(crate) fn bad(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let (status, code) = match &e {
            StoreError::AlreadyRegistered => (StatusCode::CONFLICT, "already_registered"),
            StoreError::UnknownDevice => (StatusCode::NOT_FOUND, "unknown_device"),
            StoreError::DuplicateId(_) => (StatusCode::CONFLICT, "duplicate_prekey_id"),
            StoreError::DuplicateKeyPackage => (StatusCode::CONFLICT, "duplicate_key_package"),
            StoreError::Full { .. } => (StatusCode::CONFLICT, "full"),
            StoreError::Backend(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        };
        Self::new(status, code, e.to_string())
    }
}

#[derive(serde::Serialize)]
struct Body<'a> {
    error: &'a str,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(Body { error: self.code, message: &self.message })).into_response()
    }
}
