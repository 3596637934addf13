//! The revocation endpoint (RFC 7009): revoking a refresh token makes later refreshes fail
//! with `invalid_grant`; revoking an access token closes its userinfo access.

use super::Params;
use super::grants::Revoked;
use super::token::{authenticate, no_store};
use crate::faults::{self, Endpoint, Outcome};
use crate::flavor::Flavor;
use crate::idp::DevIdp;
use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Handles one revocation request (counted, and subject to [`Endpoint::Revocation`] faults).
pub(super) async fn revoke(
    idp: &DevIdp,
    flavor: Flavor,
    headers: &HeaderMap,
    form: &Params,
) -> Response {
    let inner = idp.inner();
    inner.hits.record(flavor, Endpoint::Revocation);
    let fault = inner.faults.effective(flavor, Endpoint::Revocation);
    if let Outcome::Replace(response) = faults::act(fault, inner.shutdown_signal()).await {
        return response;
    }
    // RFC 7009 §2.1: the client authenticates as at the token endpoint.
    let client = match authenticate(headers, form) {
        Ok(client) => client,
        Err(error) => return error.into_response(),
    };
    let Some(token) = form.get("token").filter(|t| !t.is_empty()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required",
        );
    };
    let grants = &inner.grants;
    let hint = form.get("token_type_hint").map(String::as_str);
    if !matches!(hint, None | Some("refresh_token" | "access_token")) {
        return error(
            StatusCode::BAD_REQUEST,
            "unsupported_token_type",
            "token_type_hint must be refresh_token or access_token",
        );
    }
    // §2.1: the hint only orders the search; both kinds are tried.
    match grants.revoke_refresh(token, &client.id) {
        Revoked::OtherClient => error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            "the token was issued to another client",
        ),
        Revoked::Yes | Revoked::Unknown => {
            grants.revoke_access(token);
            // §2.2: 200 also for invalid or unknown tokens.
            (StatusCode::OK, no_store()).into_response()
        }
    }
}

fn error(status: StatusCode, code: &str, description: &str) -> Response {
    let body = json!({ "error": code, "error_description": description });
    (status, no_store(), Json(body)).into_response()
}
