//! `GET /auth/me`: who the session belongs to, as JSON.

use crate::rejection;
use crate::session::api::login_url;
use crate::session::{Sessions, csrf};
use axum::response::{IntoResponse, Response};
use axum::{Json, extract::State};
use http::header::CACHE_CONTROL;
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::json;

/// The session's user and principal, plus the logout CSRF token (for scripts that sign out
/// with `fetch`); 401 `login_required` JSON without a session.
pub(super) async fn me(State(sessions): State<Sessions>, headers: HeaderMap) -> Response {
    let live = match sessions.current(&headers).await {
        Ok(Some(live)) => live,
        Ok(None) => return rejection::login_required(&login_url(&sessions.inner.public_url, None)),
        Err(e) => {
            tracing::error!(error = %e, "session store failed at /auth/me");
            return rejection::session_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
            );
        }
    };
    let principal = match sessions.principal(&live.session).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "session store failed at /auth/me");
            return rejection::session_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
            );
        }
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
        "csrf_token": csrf::token(&live.cookie),
    });
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
