//! The streaming reverse proxy: pooled HTTP/1.1 + HTTP/2 upstream client, header hygiene,
//! identity headers, WebSocket upgrades, 502/504 JSON errors.
//!
//! Bodies are never collected: the inbound axum body is handed to hyper as the upstream
//! request body, and the upstream's `Incoming` body becomes the response body, frame by frame.
//!
//! # What reaches the upstream
//!
//! The request goes to `upstream` + the normalised path (minus `strip_prefix`) + the original
//! query string, as HTTP/1.1 to `http://` upstreams and HTTP/2 or HTTP/1.1 (ALPN) to
//! `https://` upstreams (certificates checked against the platform trust store). Its headers,
//! in this order:
//!
//! 1. hop-by-hop headers are removed: `Connection` and every header it lists, `Keep-Alive`,
//!    `TE`, `Trailer`, `Transfer-Encoding`, `Upgrade`, `Proxy-*` (a WebSocket upgrade keeps
//!    `Connection: upgrade` and `Upgrade: websocket`);
//! 2. every inbound identity header is removed, in any case and with `_` for `-`
//!    ([`headers::is_identity_header`], security.md BCP-70), on every route, `auth = "none"`
//!    included;
//! 3. `X-Forwarded-For`/`-Proto`/`-Host` are set; inbound forwarding headers are honoured only
//!    from `server.trusted_proxies` (BCP-71);
//! 4. `Host` becomes the upstream's authority; `Authorization` is removed unless the route
//!    sets `forward.authorization = true`;
//! 5. `X-Auth-Subject`, `-Email`, `-Name`, `-Tenant`, `-Scopes` (space-separated), `-Roles`
//!    (comma-separated), `-Client` and `-Provider` describe the verified caller when the route
//!    sets `forward.identity_headers` (the default). A value that is not a valid header value
//!    is left out, never truncated.
//!
//! # Failures
//!
//! | situation | answer |
//! |---|---|
//! | connect timeout (`timeouts.connect`), or `timeouts.response` without progress: no chunk of the request body moved to the upstream, or no response head since the last one | 504 `{"error":"upstream_timeout"}` |
//! | connection refused or reset, TLS failure | 502 `{"error":"bad_gateway"}` |
//! | path refused by [`crate::routes::normalize_path`] | 400 `{"error":"bad_path"}` |
//! | no route | 404 `{"error":"no_route"}` |
//! | `CONNECT` or `TRACE` (never proxied) | 405 `{"error":"method_not_allowed"}` |
//! | too many failed authentications | 429 `{"error":"rate_limited"}` + `Retry-After` |

mod client;
mod connection;
mod cors;
mod handler;
pub mod headers;
mod local_pool;
mod target;
mod upgrade;
mod upload;

pub(crate) use connection::ClientConnection;
pub use cors::{cors_headers, preflight, preflight_method};
pub use handler::handle;
pub(crate) use handler::handle_from;
pub use headers::security_headers;
pub use target::UpstreamTarget;

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
