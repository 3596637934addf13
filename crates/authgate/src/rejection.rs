//! The one place where authentication and authorization failures become HTTP responses.
//!
//! Every response follows RFC 6750 §3:
//!
//! | kind | status | `WWW-Authenticate` | body |
//! |---|---|---|---|
//! | [`RejectionKind::MissingCredentials`] | 401 | `Bearer` (no error attribute, §3.1) | `{"error":"unauthorized"}` |
//! | [`RejectionKind::InvalidRequest`] | 400 | `Bearer error="invalid_request", error_description="…"` | `{"error":"invalid_request","error_description":"…"}` |
//! | [`RejectionKind::InvalidToken`] | 401 | `Bearer error="invalid_token"` | `{"error":"invalid_token"}` |
//! | [`RejectionKind::InsufficientScope`] | 403 | `Bearer error="insufficient_scope", scope="a b"` | `{"error":"insufficient_scope","scope":"a b"}` |
//! | [`RejectionKind::TemporarilyUnavailable`] | 503 + `Retry-After` | none | `{"error":"temporarily_unavailable"}` |
//! | [`RejectionKind::Misconfigured`] | 500 | none | `{"error":"server_error"}` |
//!
//! When a realm is configured it comes first: `Bearer realm="api", error="invalid_token"`.
//! Every response carries `Cache-Control: no-store`.
//!
//! # Security
//!
//! Bodies and headers never say which verification step failed: the only free text is a fixed
//! `error_description` for `invalid_request`, chosen from a closed set of static strings that
//! describe the client's transport mistake. Attribute values are quoted-strings with `"` and
//! `\` escaped and every character outside visible ASCII and space removed, so no configured
//! value can break the header.

use axum::response::{IntoResponse, Response};
use http::header::{CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderValue, StatusCode};
use std::fmt;
use std::sync::Arc;

/// Seconds a client is asked to wait (`Retry-After`) when the issuer's keys are unavailable.
pub(crate) const RETRY_AFTER_SECS: u64 = 5;

/// Why a request was refused before it reached the handler.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectionKind {
    /// No credential was sent, or a non-Bearer scheme (`Basic`): 401 with a bare challenge.
    MissingCredentials,
    /// The credential was sent in a forbidden or ambiguous way (RFC 6750 §3.1 `invalid_request`).
    InvalidRequest,
    /// The bearer token failed verification (RFC 6750 §3.1 `invalid_token`).
    InvalidToken,
    /// The token is valid but the route's policy denies it (RFC 6750 §3.1 `insufficient_scope`).
    InsufficientScope,
    /// The token could not be checked because the issuer's keys are unavailable: 503.
    TemporarilyUnavailable,
    /// The application is wired wrongly (an extractor or route layer without the bearer layer).
    Misconfigured,
}

/// A refused request, ready to become an HTTP response. Build it with the constructors; turn
/// it into a response with [`IntoResponse`].
#[derive(Debug, Clone)]
pub struct Rejection {
    kind: RejectionKind,
    realm: Option<Arc<str>>,
    description: Option<&'static str>,
    scope: Vec<String>,
}

impl Rejection {
    fn of(kind: RejectionKind, realm: Option<Arc<str>>) -> Self {
        Rejection {
            kind,
            realm,
            description: None,
            scope: Vec::new(),
        }
    }

    /// 401 with a bare `Bearer` challenge: no credential was presented.
    pub fn missing_credentials(realm: Option<Arc<str>>) -> Self {
        Self::of(RejectionKind::MissingCredentials, realm)
    }

    /// 400 `invalid_request` with a fixed description of the transport mistake.
    pub fn invalid_request(realm: Option<Arc<str>>, description: &'static str) -> Self {
        Rejection {
            description: Some(description),
            ..Self::of(RejectionKind::InvalidRequest, realm)
        }
    }

    /// 401 `invalid_token`.
    pub fn invalid_token(realm: Option<Arc<str>>) -> Self {
        Self::of(RejectionKind::InvalidToken, realm)
    }

    /// 403 `insufficient_scope`; `scope` lists scopes that would satisfy the policy (may be empty).
    pub fn insufficient_scope(realm: Option<Arc<str>>, scope: Vec<String>) -> Self {
        Rejection {
            scope,
            ..Self::of(RejectionKind::InsufficientScope, realm)
        }
    }

    /// 503 with `Retry-After`: the token could not be checked right now.
    pub fn temporarily_unavailable() -> Self {
        Self::of(RejectionKind::TemporarilyUnavailable, None)
    }

    /// 500: the application is wired wrongly. Logged at error level by the caller.
    pub fn misconfigured() -> Self {
        Self::of(RejectionKind::Misconfigured, None)
    }

    /// The kind of rejection.
    pub fn kind(&self) -> RejectionKind {
        self.kind
    }

    /// The HTTP status this rejection becomes.
    pub fn status(&self) -> StatusCode {
        match self.kind {
            RejectionKind::MissingCredentials | RejectionKind::InvalidToken => {
                StatusCode::UNAUTHORIZED
            }
            RejectionKind::InvalidRequest => StatusCode::BAD_REQUEST,
            RejectionKind::InsufficientScope => StatusCode::FORBIDDEN,
            RejectionKind::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            RejectionKind::Misconfigured => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The RFC 6750 error code, if this kind has one.
    fn error_code(&self) -> Option<&'static str> {
        match self.kind {
            RejectionKind::MissingCredentials => None,
            RejectionKind::InvalidRequest => Some("invalid_request"),
            RejectionKind::InvalidToken => Some("invalid_token"),
            RejectionKind::InsufficientScope => Some("insufficient_scope"),
            RejectionKind::TemporarilyUnavailable => Some("temporarily_unavailable"),
            RejectionKind::Misconfigured => Some("server_error"),
        }
    }

    /// The `scope` attribute value: the missing scopes, space-joined.
    fn scope_value(&self) -> Option<String> {
        (!self.scope.is_empty()).then(|| self.scope.join(" "))
    }

    /// The `WWW-Authenticate` value (RFC 6750 §3), for the kinds that carry a challenge.
    pub fn challenge(&self) -> Option<String> {
        if matches!(
            self.kind,
            RejectionKind::TemporarilyUnavailable | RejectionKind::Misconfigured
        ) {
            return None;
        }
        let mut attrs: Vec<(&str, String)> = Vec::new();
        if let Some(realm) = &self.realm {
            attrs.push(("realm", realm.to_string()));
        }
        if let Some(code) = self.error_code() {
            attrs.push(("error", code.to_owned()));
        }
        if let Some(description) = self.description {
            attrs.push(("error_description", description.to_owned()));
        }
        if let Some(scope) = self.scope_value() {
            attrs.push(("scope", scope));
        }
        Some(format_challenge(&attrs))
    }

    /// The small JSON body: the error code, plus the fixed description or the scope hint.
    fn body(&self) -> String {
        let mut body = serde_json::Map::new();
        let code = self.error_code().unwrap_or("unauthorized");
        body.insert("error".into(), code.into());
        if let Some(description) = self.description {
            body.insert("error_description".into(), description.into());
        }
        if let Some(scope) = self.scope_value() {
            body.insert("scope".into(), scope.into());
        }
        serde_json::Value::Object(body).to_string()
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.status().as_u16(),
            self.error_code().unwrap_or("unauthorized")
        )
    }
}

impl std::error::Error for Rejection {}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let mut response = (self.status(), self.body()).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(value) = self
            .challenge()
            .and_then(|c| HeaderValue::from_str(&c).ok())
        {
            headers.insert(WWW_AUTHENTICATE, value);
        }
        if self.kind == RejectionKind::TemporarilyUnavailable {
            headers.insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        }
        response
    }
}

/// `Bearer` followed by `name="value"` pairs separated by `, ` (RFC 6750 §3, RFC 9110 §11.2).
fn format_challenge(attrs: &[(&str, String)]) -> String {
    let pairs: Vec<String> = attrs
        .iter()
        .map(|(name, value)| format!("{name}={}", quoted(value)))
        .collect();
    if pairs.is_empty() {
        "Bearer".to_owned()
    } else {
        format!("Bearer {}", pairs.join(", "))
    }
}

/// An RFC 9110 §5.6.4 quoted-string: `"` and `\` escaped, anything but visible ASCII and
/// space dropped (RFC 6750 §3 restricts attribute values to those characters).
pub(crate) fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars().filter(|c| c == &' ' || c.is_ascii_graphic()) {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Session routes (`authgate::session`): 401 `{"error":"login_required","login_url":…}` for an
/// API call without a session. `no-store`, no challenge (a cookie is not an RFC 6750 scheme).
pub(crate) fn login_required(login_url: &str) -> Response {
    let body = serde_json::json!({ "error": "login_required", "login_url": login_url });
    json_error_body(StatusCode::UNAUTHORIZED, body)
}

/// Session routes: a small JSON error (`{"error": code}`) with `no-store`, for `/auth/me`
/// without a session (401), an invalid back-channel logout token (400), a refused logout
/// (403) and a failing session store (503).
pub(crate) fn session_error(status: StatusCode, code: &'static str) -> Response {
    let mut response = json_error_body(status, serde_json::json!({ "error": code }));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    }
    response
}

/// 303 See Other to `location` (RFC 9700 §4.12: never 307 after a credential-carrying
/// request), `no-store` and `Referrer-Policy: no-referrer` (BCP-48, BCP-49, BCP-72).
pub(crate) fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(http::header::LOCATION, value);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        http::header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn json_error_body(status: StatusCode, body: serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn realm() -> Option<Arc<str>> {
        Some(Arc::from("api"))
    }

    #[test]
    fn missing_credentials_is_a_bare_challenge() {
        assert_eq!(
            Rejection::missing_credentials(None).challenge().unwrap(),
            "Bearer"
        );
        assert_eq!(
            Rejection::missing_credentials(realm()).challenge().unwrap(),
            r#"Bearer realm="api""#
        );
    }

    #[test]
    fn invalid_token_challenge_puts_realm_first() {
        let c = Rejection::invalid_token(realm()).challenge().unwrap();
        assert_eq!(c, r#"Bearer realm="api", error="invalid_token""#);
    }

    #[test]
    fn insufficient_scope_lists_missing_scopes_space_joined() {
        let r = Rejection::insufficient_scope(None, vec!["read_data".into(), "write".into()]);
        assert_eq!(
            r.challenge().unwrap(),
            r#"Bearer error="insufficient_scope", scope="read_data write""#
        );
        assert_eq!(
            r.body(),
            r#"{"error":"insufficient_scope","scope":"read_data write"}"#
        );
    }

    #[test]
    fn quoted_escapes_quotes_and_backslashes_and_drops_controls() {
        assert_eq!(quoted("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quoted("x\r\ny\u{7f}z\u{e9}"), r#""xyz""#);
    }

    #[test]
    fn server_side_kinds_carry_no_challenge() {
        assert_eq!(Rejection::temporarily_unavailable().challenge(), None);
        assert_eq!(Rejection::misconfigured().challenge(), None);
    }

    #[test]
    fn every_response_is_no_store_json() {
        let response = Rejection::invalid_request(None, "use exactly one Authorization header")
            .into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        let challenge = &response.headers()[WWW_AUTHENTICATE];
        assert_eq!(
            challenge,
            r#"Bearer error="invalid_request", error_description="use exactly one Authorization header""#
        );
    }

    #[test]
    fn unavailable_says_when_to_retry() {
        let response = Rejection::temporarily_unavailable().into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[RETRY_AFTER], "5");
    }
}
