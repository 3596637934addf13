//! CORS per route (Fetch standard §3.2): preflights answered by the gateway without
//! authentication, and the response headers of actual requests.

use super::json_error;
use crate::config::CorsSettings;
use axum::response::{IntoResponse, Response};
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, StatusCode};

/// The method a CORS preflight asks about: `Some` for an `OPTIONS` request carrying both
/// `Origin` and `Access-Control-Request-Method`.
pub fn preflight_method(method: &Method, headers: &HeaderMap) -> Option<Method> {
    if method != Method::OPTIONS || !headers.contains_key(header::ORIGIN) {
        return None;
    }
    let requested = headers.get(header::ACCESS_CONTROL_REQUEST_METHOD)?;
    Method::from_bytes(requested.as_bytes()).ok()
}

/// Answers a preflight: 204 with the configured methods, headers and max-age when the origin
/// (exact match) and the method are allowed, else 403 without any CORS header.
pub fn preflight(cors: &CorsSettings, requested: &Method, headers: &HeaderMap) -> Response {
    let Some(origin) = allowed_origin(cors, headers) else {
        return json_error(StatusCode::FORBIDDEN, "cors_origin_not_allowed");
    };
    if !cors.allowed_methods.is_empty() && !cors.allowed_methods.contains(requested) {
        return json_error(StatusCode::FORBIDDEN, "cors_method_not_allowed");
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    let out = response.headers_mut();
    set_origin(cors, origin, out);
    let methods = if cors.allowed_methods.is_empty() {
        requested.to_string()
    } else {
        join(cors.allowed_methods.iter().map(Method::as_str))
    };
    insert(out, header::ACCESS_CONTROL_ALLOW_METHODS, &methods);
    if !cors.allowed_headers.is_empty() {
        let allowed = join(cors.allowed_headers.iter().map(String::as_str));
        insert(out, header::ACCESS_CONTROL_ALLOW_HEADERS, &allowed);
    }
    let max_age = cors.max_age.as_secs().to_string();
    insert(out, header::ACCESS_CONTROL_MAX_AGE, &max_age);
    for vary in [
        "origin",
        "access-control-request-method",
        "access-control-request-headers",
    ] {
        out.append(header::VARY, HeaderValue::from_static(vary));
    }
    response
}

/// Adds `Access-Control-Allow-Origin` (+ credentials, exposed headers) to the response of an
/// actual request whose origin is allowed, and `Vary: Origin` whenever CORS is configured.
pub fn cors_headers(cors: &CorsSettings, origin: Option<&HeaderValue>, response: &mut HeaderMap) {
    response.append(header::VARY, HeaderValue::from_static("origin"));
    let Some(origin) = origin.filter(|o| is_allowed(cors, o)) else {
        return;
    };
    set_origin(cors, origin, response);
    if !cors.expose_headers.is_empty() {
        let exposed = join(cors.expose_headers.iter().map(String::as_str));
        insert(response, header::ACCESS_CONTROL_EXPOSE_HEADERS, &exposed);
    }
}

/// The request's `Origin` when it is allowed.
fn allowed_origin<'a>(cors: &CorsSettings, headers: &'a HeaderMap) -> Option<&'a HeaderValue> {
    headers.get(header::ORIGIN).filter(|o| is_allowed(cors, o))
}

/// Whether `origin` is allowed: byte-for-byte equal to a configured origin, or `*` configured.
fn is_allowed(cors: &CorsSettings, origin: &HeaderValue) -> bool {
    cors.allowed_origins
        .iter()
        .any(|o| o == "*" || o.as_bytes() == origin.as_bytes())
}

/// `Access-Control-Allow-Origin` (`*` only for a wildcard without credentials) and
/// `Access-Control-Allow-Credentials`.
fn set_origin(cors: &CorsSettings, origin: &HeaderValue, out: &mut HeaderMap) {
    let wildcard = cors.allowed_origins.iter().any(|o| o == "*");
    let value = if wildcard && !cors.allow_credentials {
        HeaderValue::from_static("*")
    } else {
        origin.clone()
    };
    out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    if cors.allow_credentials {
        out.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
}

fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

/// Inserts `value` when it is a valid header value (configured values were validated).
fn insert(out: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        out.insert(name, value);
    }
}
