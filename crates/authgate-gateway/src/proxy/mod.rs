//! The streaming reverse proxy: pooled HTTP/1.1 + HTTP/2 upstream client, header hygiene,
//! identity headers, WebSocket upgrades, 502/504 JSON errors.
//!
//! Bodies are never collected: the inbound axum body is handed to hyper as the upstream
//! request body, and the upstream's `Incoming` body becomes the response body, frame by frame.

mod client;
mod cors;
mod handler;
pub mod headers;
mod upgrade;

pub use cors::{cors_headers, preflight, preflight_method};
pub use handler::handle;
pub use headers::security_headers;

pub use client::{DEFAULT_CONNECT_TIMEOUT, UpstreamClient};

use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};

/// Why the upstream could not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamError {
    /// Connect or response-head timeout: 504 `{"error":"upstream_timeout"}`.
    Timeout,
    /// Connection refused, reset, unsupported scheme…: 502 `{"error":"bad_gateway"}`.
    Unreachable,
}

impl UpstreamError {
    /// The status this error becomes.
    pub fn status(self) -> StatusCode {
        match self {
            UpstreamError::Timeout => StatusCode::GATEWAY_TIMEOUT,
            UpstreamError::Unreachable => StatusCode::BAD_GATEWAY,
        }
    }
}

impl IntoResponse for UpstreamError {
    fn into_response(self) -> Response {
        let code = match self {
            UpstreamError::Timeout => "upstream_timeout",
            UpstreamError::Unreachable => "bad_gateway",
        };
        json_error(self.status(), code)
    }
}

/// A gateway-generated JSON error `{"error":"<code>"}` with `Cache-Control: no-store`.
pub fn json_error(status: StatusCode, code: &'static str) -> Response {
    let body = serde_json::json!({ "error": code }).to_string();
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    response
}
