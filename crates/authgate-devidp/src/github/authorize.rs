//! `GET /github/login/oauth/authorize`: approves at once as the demo user (or `login`).

use super::{CODE_LIFETIME, Code};
use crate::idp::DevIdp;
use crate::ids::random_b64url;
use crate::users;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::collections::HashMap;
use std::time::Instant;
use url::Url;

/// Validates the request and redirects back with a code (or an error).
pub(super) async fn authorize(
    State(idp): State<DevIdp>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(client_id) = params.get("client_id").filter(|c| !c.is_empty()) else {
        return bad_request("client_id is required");
    };
    let Some(mut redirect) = params.get("redirect_uri").and_then(|u| redirect_target(u)) else {
        return bad_request("redirect_uri must be an absolute http(s) URL without a fragment");
    };
    let answer = match answer(&params) {
        Ok(user) => {
            let code = random_b64url(15);
            let entry = Code {
                client_id: client_id.clone(),
                redirect_uri: params.get("redirect_uri").cloned(),
                challenge: params.get("code_challenge").cloned(),
                user,
                scopes: scopes(&params),
                expires: Instant::now() + CODE_LIFETIME,
            };
            idp.inner().github.issue_code(code.clone(), entry);
            vec![("code", code)]
        }
        Err((error, description)) => vec![
            ("error", error.to_owned()),
            ("error_description", description.to_owned()),
        ],
    };
    {
        let mut query = redirect.query_pairs_mut();
        for (name, value) in &answer {
            query.append_pair(name, value);
        }
        if let Some(state) = params.get("state") {
            query.append_pair("state", state);
        }
    }
    let headers = [
        (header::LOCATION, redirect.to_string()),
        (header::CACHE_CONTROL, "no-store".to_owned()),
    ];
    (StatusCode::FOUND, headers).into_response()
}

/// The user who signs in, or the error to send back.
fn answer(params: &HashMap<String, String>) -> Result<&'static str, (&'static str, &'static str)> {
    let method = params.get("code_challenge_method").map(String::as_str);
    match (params.get("code_challenge"), method) {
        (Some(c), Some("S256") | None) if is_s256_challenge(c) => {}
        (None, None) => {}
        _ => return Err(("invalid_request", "code_challenge must be S256")),
    }
    let login = params.get("login").filter(|l| !l.is_empty());
    match login {
        None => Ok(users::DEFAULT_USER),
        Some(login) => users::find(login)
            .map(|u| u.key)
            .ok_or(("access_denied", "no such demo user")),
    }
}

fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// GitHub accepts scopes separated by spaces or commas.
fn scopes(params: &HashMap<String, String>) -> Vec<String> {
    let scope = params.get("scope").map_or("", String::as_str);
    scope
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn redirect_target(uri: &str) -> Option<Url> {
    let url = Url::parse(uri).ok()?;
    let web = matches!(url.scheme(), "http" | "https");
    (web && url.fragment().is_none() && url.has_host()).then_some(url)
}

fn bad_request(why: &str) -> Response {
    let body = json!({ "error": "invalid_request", "error_description": why });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}
