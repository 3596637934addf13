//! `GET /github/api/user` and `GET /github/api/user/emails`, shaped like GitHub's REST API.

use super::Token;
use crate::idp::DevIdp;
use crate::users::{self, DemoUser};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

/// The authenticated user.
pub(super) async fn user(State(idp): State<DevIdp>, headers: HeaderMap) -> Response {
    let (token, user) = match authorized(&idp, &headers) {
        Ok(found) => found,
        Err((status, text)) => return message(status, text),
    };
    let body = profile(&idp, user);
    with_scopes(Json(body).into_response(), &token, "")
}

/// The user's e-mail addresses (needs `user:email` or `user`).
pub(super) async fn emails(State(idp): State<DevIdp>, headers: HeaderMap) -> Response {
    let (token, user) = match authorized(&idp, &headers) {
        Ok(found) => found,
        Err((status, text)) => return message(status, text),
    };
    let allowed = token
        .scopes
        .iter()
        .any(|s| s == "user:email" || s == "user");
    if !allowed {
        let response = message(StatusCode::NOT_FOUND, "Not Found");
        return with_scopes(response, &token, "user, user:email");
    }
    let list = json!([
        { "email": user.email, "primary": true, "verified": user.email_verified,
          "visibility": "public" },
        { "email": format!("{}+{}@users.noreply.github.com", user.github_id, user.key),
          "primary": false, "verified": true, "visibility": null },
    ]);
    with_scopes(Json(list).into_response(), &token, "user, user:email")
}

fn profile(idp: &DevIdp, user: &DemoUser) -> Value {
    let login = login(user);
    // Bob keeps his e-mail private: `/user` shows `null`, as GitHub does.
    let public_email = (user.key != "bob").then_some(user.email);
    json!({
        "login": login,
        "id": user.github_id,
        "node_id": format!("U_kgDO{}", user.github_id),
        "avatar_url": idp.inner().urls.at(&format!("/github/avatars/{login}")),
        "html_url": idp.inner().urls.at(&format!("/github/{login}")),
        "type": "User",
        "site_admin": false,
        "name": user.name,
        "company": null,
        "email": public_email,
    })
}

/// The default user's login is `devuser`; the others' their key.
fn login(user: &DemoUser) -> &'static str {
    if user.key == users::DEFAULT_USER {
        "devuser"
    } else {
        user.key
    }
}

/// Why an API request is refused: status and GitHub's message.
type Refusal = (StatusCode, &'static str);

/// Checks `User-Agent` and the token, counting the request.
fn authorized(idp: &DevIdp, headers: &HeaderMap) -> Result<(Token, &'static DemoUser), Refusal> {
    const BAD_CREDENTIALS: Refusal = (StatusCode::UNAUTHORIZED, "Bad credentials");
    let github = &idp.inner().github;
    github.api_hits.fetch_add(1, Ordering::SeqCst);
    if !headers.contains_key(header::USER_AGENT) {
        return Err((
            StatusCode::FORBIDDEN,
            "Request forbidden by administrative rules. Please make sure your request has a User-Agent header.",
        ));
    }
    let token = credential(headers)
        .and_then(|t| github.token(t))
        .ok_or(BAD_CREDENTIALS)?;
    let user = users::find(token.user).ok_or(BAD_CREDENTIALS)?;
    Ok((token, user))
}

/// `Authorization: Bearer <token>` or GitHub's older `token <token>`.
fn credential(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let known = scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token");
    known.then_some(token.trim()).filter(|t| !t.is_empty())
}

fn message(status: StatusCode, text: &str) -> Response {
    let body = json!({ "message": text, "documentation_url": "https://docs.github.com/rest" });
    (status, Json(body)).into_response()
}

/// GitHub's `X-OAuth-Scopes` (granted) and `X-Accepted-OAuth-Scopes` (what the call needs).
fn with_scopes(mut response: Response, token: &Token, accepted: &str) -> Response {
    let headers = response.headers_mut();
    if let Ok(granted) = HeaderValue::from_str(&token.scopes.join(", ")) {
        headers.insert("x-oauth-scopes", granted);
    }
    if let Ok(accepted) = HeaderValue::from_str(accepted) {
        headers.insert("x-accepted-oauth-scopes", accepted);
    }
    response
}
