//! The userinfo endpoint (OIDC Core §5.3): answers for access tokens the token endpoint
//! issued with `openid`; errors per RFC 6750 §3.

use super::token::no_store;
use crate::faults::{self, Endpoint, Outcome};
use crate::flavor::Flavor;
use crate::idp::DevIdp;
use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Answers a userinfo request (counted, and subject to [`Endpoint::UserInfo`] faults).
pub(super) async fn userinfo(idp: &DevIdp, flavor: Flavor, headers: &HeaderMap) -> Response {
    let inner = idp.inner();
    inner.hits.record(flavor, Endpoint::UserInfo);
    let fault = inner.faults.effective(flavor, Endpoint::UserInfo);
    if let Outcome::Replace(response) = faults::act(fault, inner.shutdown_signal()).await {
        return response;
    }
    // RFC 6750 §3: no credentials, a bare challenge; a bad token, `invalid_token`.
    let Some(token) = bearer(headers) else {
        return challenge("Bearer");
    };
    match inner.grants.userinfo(token, flavor) {
        Some(claims) => (no_store(), Json(claims)).into_response(),
        None => challenge("Bearer error=\"invalid_token\""),
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

fn challenge(value: &'static str) -> Response {
    let mut response = StatusCode::UNAUTHORIZED.into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(value));
    response
}
