//! `GET /auth/me`: who the session belongs to, as JSON.

use crate::rejection;
use crate::session::api::login_url;
use crate::session::{SessionError, Sessions, csrf};
use axum::response::{IntoResponse, Response};
use axum::{Json, extract::State};
use http::header::CACHE_CONTROL;
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::json;

/// The session's user and principal, the user's linked identities (`identities`: provider,
/// issuer, subject), plus the logout CSRF token (for scripts that sign out with `fetch`); 401
/// `login_required` JSON without a session.
pub(super) async fn me(State(sessions): State<Sessions>, headers: HeaderMap) -> Response {
    let live = match sessions.current(&headers).await {
        Ok(Some(live)) => live,
        Ok(None) => return rejection::login_required(&login_url(&sessions.inner.public_url, None)),
        Err(e) => return unavailable(&e),
    };
    let principal = match sessions.principal(&live.session).await {
        Ok(p) => p,
        Err(e) => return unavailable(&e),
    };
    let users = &sessions.inner.stores.users;
    let identities = match users.identities(&live.session.user_id).await {
        Ok(identities) => identities,
        Err(e) => return unavailable(&e.into()),
    };
    let s = &live.session;
    let body = json!({
        "user_id": s.user_id.0,
        "provider": s.provider,
        "subject": s.subject,
        "name": principal.name,
        "email": principal.email,
        "roles": principal.roles,
        "scopes": principal.scopes,
        "created_at": s.created_at.0,
        "idle_expires_at": s.idle_expires_at.0,
        "absolute_expires_at": s.absolute_expires_at.0,
        "identities": identities.iter().map(|i| json!({
            "provider": i.identity.provider,
            "issuer": i.identity.issuer,
            "subject": i.identity.subject,
        })).collect::<Vec<_>>(),
        "csrf_token": csrf::token(&live.cookie),
    });
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn unavailable(e: &SessionError) -> Response {
    tracing::error!(error = %e, "session store failed at /auth/me");
    rejection::session_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable")
}
