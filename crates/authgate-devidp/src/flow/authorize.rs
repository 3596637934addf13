//! The authorization endpoint (RFC 6749 §4.1.1, RFC 7636 §4.3): no login page; the demo user
//! (or `login_hint`) approves at once.

use super::Params;
use super::grants::Grant;
use crate::flavor::Flavor;
use crate::idp::DevIdp;
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use url::Url;

/// Validates the request and redirects back with a code, or with an error.
pub(super) fn authorize(idp: &DevIdp, flavor: Flavor, tenant: &str, params: &Params) -> Response {
    // RFC 6749 §4.1.2.1: without a valid client and redirect URI, never redirect.
    let Some(redirect) = params.get("redirect_uri").and_then(|u| redirect_target(u)) else {
        return bad_request("redirect_uri must be an absolute http(s) URL without a fragment");
    };
    let Some(client_id) = params.get("client_id").filter(|c| !c.is_empty()) else {
        return bad_request("client_id is required");
    };
    let answer = match check(params) {
        Ok(()) => {
            let grant = Grant {
                flavor,
                tenant: tenant.to_owned(),
                client_id: client_id.clone(),
                scopes: scopes(params),
                subject: params.get("login_hint").cloned(),
            };
            let challenge = params.get("code_challenge").cloned();
            let nonce = params.get("nonce").cloned();
            let code = idp
                .inner()
                .grants
                .issue_code(grant, redirect.to_string(), challenge, nonce);
            vec![("code", code)]
        }
        Err((error, description)) => {
            vec![
                ("error", error.to_owned()),
                ("error_description", description.to_owned()),
            ]
        }
    };
    redirect_back(idp, flavor, redirect, answer, params.get("state"))
}

/// The request checks after client and redirect URI, each with its RFC error code.
fn check(params: &Params) -> Result<(), (&'static str, &'static str)> {
    if params.get("response_type").map(String::as_str) != Some("code") {
        return Err((
            "unsupported_response_type",
            "only response_type=code is supported",
        ));
    }
    let method = params.get("code_challenge_method").map(String::as_str);
    match (params.get("code_challenge"), method) {
        // RFC 7636 §4.2: S256 only here; `plain` gives no protection against a leaked request.
        (Some(challenge), Some("S256")) if is_s256_challenge(challenge) => Ok(()),
        (Some(_), _) => Err(("invalid_request", "code_challenge must be S256")),
        (None, Some(_)) => Err((
            "invalid_request",
            "code_challenge_method without code_challenge",
        )),
        (None, None) => Ok(()),
    }
}

/// BASE64URL(SHA-256(verifier)) is 43 characters of the base64url alphabet.
fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn scopes(params: &Params) -> Vec<String> {
    let scope = params.get("scope").map_or("", String::as_str);
    scope.split_whitespace().map(str::to_owned).collect()
}

fn redirect_target(uri: &str) -> Option<Url> {
    let url = Url::parse(uri).ok()?;
    let web = matches!(url.scheme(), "http" | "https");
    (web && url.fragment().is_none() && url.has_host()).then_some(url)
}

/// 302 to `redirect` with `answer`, `state`, and (where the provider advertises RFC 9207)
/// `iss`.
fn redirect_back(
    idp: &DevIdp,
    flavor: Flavor,
    mut redirect: Url,
    answer: Vec<(&str, String)>,
    state: Option<&String>,
) -> Response {
    {
        let mut query = redirect.query_pairs_mut();
        for (name, value) in &answer {
            query.append_pair(name, value);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        if flavor == Flavor::Oidc {
            query.append_pair("iss", &idp.issuer(flavor));
        }
    }
    let headers = [
        (header::LOCATION, redirect.to_string()),
        (header::CACHE_CONTROL, "no-store".to_owned()),
    ];
    (StatusCode::FOUND, headers).into_response()
}

fn bad_request(why: &str) -> Response {
    let body = json!({ "error": "invalid_request", "error_description": why });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}
