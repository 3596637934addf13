//! The `/auth/*` endpoints.

mod link;
mod logout;
mod me;
mod signin;

use super::Sessions;
use axum::Router;
use axum::response::Response;
use axum::routing::{get, post};
use http::HeaderValue;
use http::header::SET_COOKIE;

/// Every `/auth/*` route, with the sessions as state.
pub(crate) fn router(sessions: Sessions) -> Router {
    Router::new()
        .route("/auth/login", get(signin::chooser))
        .route("/auth/{provider}/login", get(signin::begin))
        .route("/auth/{provider}/callback", get(signin::callback))
        .route("/auth/{provider}/link", get(link::confirm).post(link::link))
        .route("/auth/logout", get(logout::confirm).post(logout::logout))
        .route("/auth/logged-out", get(logout::logged_out))
        .route("/auth/backchannel-logout", post(logout::backchannel))
        .route("/auth/me", get(me::me))
        .with_state(sessions)
}

/// Appends a `Set-Cookie` header.
pub(crate) fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

/// The first value of `name` in a URL-encoded query or form body; `None` when absent or
/// repeated (a repeated parameter is ambiguous, so it is refused).
pub(crate) fn single_param(encoded: &[u8], name: &str) -> Option<String> {
    let mut found = url::form_urlencoded::parse(encoded).filter(|(n, _)| n == name);
    let first = found.next()?.1.into_owned();
    found.next().is_none().then_some(first)
}

#[cfg(test)]
mod tests {
    use super::single_param;

    #[test]
    fn single_param_refuses_repeats() {
        assert_eq!(single_param(b"a=1&b=2", "a").as_deref(), Some("1"));
        assert_eq!(single_param(b"a=%2Fx", "a").as_deref(), Some("/x"));
        assert_eq!(single_param(b"a=1&a=2", "a"), None);
        assert_eq!(single_param(b"", "a"), None);
    }
}
