//! [`AppError`]: every failure a client can see, as an RFC 9457
//! `application/problem+json` body that shows no internals (store and I/O
//! details are logged, the client gets a generic message).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store::StoreError;

/// The media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened this time and what to do, in words.
    pub detail: String,
    /// The resource concerned (a case's URL), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
}

/// A failure answered to the client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// No key, or a key that is unknown, malformed or revoked.
    #[error("a valid API key is required: send `Authorization: Bearer KEY`")]
    Unauthorized,
    /// The key's role does not allow this.
    #[error("this key's role does not allow this request")]
    Forbidden,
    /// No such resource (or not one this key may see).
    #[error("{0}")]
    NotFound(String),
    /// No such method on this path.
    #[error("this method is not allowed here")]
    MethodNotAllowed,
    /// The request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// The body is over the route's limit.
    #[error(
        "the request body is larger than the {limit} bytes allowed: send fewer or smaller scans"
    )]
    PayloadTooLarge {
        /// The limit, bytes.
        limit: usize,
    },
    /// The body's content type is not accepted here.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Every file was unreadable as a scan (the decoder's reason).
    #[error("{detail}")]
    Unprocessable {
        /// The reason.
        detail: String,
        /// The case recorded for it.
        instance: Option<String>,
    },
    /// The screening queue is full.
    #[error("the screening queue is full: retry in {retry_after_s} seconds")]
    Busy {
        /// Seconds to wait, sent as `Retry-After`.
        retry_after_s: u32,
    },
    /// The service is shutting down.
    #[error("the service is shutting down: retry shortly")]
    ShuttingDown,
    /// The request ran over its time limit.
    #[error(
        "the request took longer than allowed; a screening started goes on and its case can be read later"
    )]
    Timeout,
    /// Something failed inside; logged, never shown.
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Busy { .. } | AppError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Timeout => StatusCode::GATEWAY_TIMEOUT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::NotFound(_) => "not-found",
            AppError::MethodNotAllowed => "method-not-allowed",
            AppError::BadRequest(_) => "bad-request",
            AppError::PayloadTooLarge { .. } => "payload-too-large",
            AppError::UnsupportedMediaType(_) => "unsupported-media-type",
            AppError::Unprocessable { .. } => "unreadable-scan",
            AppError::Busy { .. } => "queue-full",
            AppError::ShuttingDown => "shutting-down",
            AppError::Timeout => "timeout",
            AppError::Internal(_) => "internal",
        }
    }

    /// The problem document sent for this error.
    #[must_use]
    pub fn problem(&self) -> Problem {
        let status = self.status();
        Problem {
            kind: format!("https://docscreen.invalid/problems/{}", self.slug()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.to_string(),
            instance: match self {
                AppError::Unprocessable { instance, .. } => instance.clone(),
                _ => None,
            },
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Internal(format!("store: {e}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        let problem = self.problem();
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut resp = (self.status(), body).into_response();
        let headers = resp.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let AppError::Busy { retry_after_s } = self {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
        }
        if matches!(self, AppError::ShuttingDown) {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(5u32));
        }
        if matches!(self, AppError::Unauthorized) {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"docscreen\""),
            );
        }
        resp
    }
}
