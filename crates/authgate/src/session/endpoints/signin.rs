//! `GET /auth/login` (the chooser), `GET /auth/{provider}/login` (start) and
//! `GET /auth/{provider}/callback` (finish).

use super::{set_cookie, single_param};
use crate::login::LoginError;
use crate::rejection;
use crate::session::{Sessions, pages};
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use http::{HeaderMap, StatusCode};

/// `GET /auth/login?return_to=`: the provider chooser.
pub(super) async fn chooser(
    State(sessions): State<Sessions>,
    RawQuery(query): RawQuery,
) -> Response {
    let return_to = query.and_then(|q| single_param(q.as_bytes(), "return_to"));
    pages::chooser(&sessions.inner.login.providers(), return_to.as_deref())
}

/// `GET /auth/{provider}/login?return_to=`: ends any session the browser presented
/// (BCP-59), starts the transaction, sets the binding cookie and sends the browser to the
/// provider.
pub(super) async fn begin(
    State(sessions): State<Sessions>,
    Path(provider): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let presented = match sessions.end_presented(&headers).await {
        Ok(presented) => presented,
        Err(e) => {
            tracing::error!(error = %e, "session store failed at sign-in start");
            return unavailable();
        }
    };
    let return_to = query.and_then(|q| single_param(q.as_bytes(), "return_to"));
    let begun = sessions
        .inner
        .login
        .begin(&provider, return_to.as_deref())
        .await;
    let mut response = match begun {
        Ok(begun) => {
            let mut response = rejection::see_other(begun.redirect_to.as_str());
            let cookie = sessions.inner.cookies.set_login(
                &begun.browser_binding,
                sessions.inner.login.state_ttl().as_secs(),
            );
            set_cookie(&mut response, &cookie);
            response
        }
        Err(e) => failure(&provider, &e),
    };
    if presented {
        set_cookie(&mut response, &sessions.inner.cookies.clear_session());
    }
    response
}

/// `GET /auth/{provider}/callback`: completes the sign-in, starts a new session and sends
/// the browser to a clean URL with 303 (BCP-49, BCP-72), or shows a generic failure page.
pub(super) async fn callback(
    State(sessions): State<Sessions>,
    Path(provider): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let cookies = &sessions.inner.cookies;
    let binding = cookies.login_value(&headers);
    let raw_query = query.as_deref().unwrap_or("");
    let completed = sessions
        .inner
        .login
        .complete(&provider, raw_query, binding)
        .await;
    let mut response = match completed {
        Err(e) => failure(&provider, &e),
        Ok(done) => {
            let return_to = done.return_to.clone();
            match sessions.start(done, &headers).await {
                Ok((cookie, _)) => {
                    let mut response = rejection::see_other(&return_to);
                    let max_age = sessions.cookie_max_age();
                    set_cookie(&mut response, &cookies.set_session(&cookie, max_age));
                    response
                }
                Err(e) => {
                    tracing::error!(error = %e, "session store failed at sign-in");
                    unavailable()
                }
            }
        }
    };
    set_cookie(&mut response, &cookies.clear_login());
    response
}

/// The page for a failed sign-in step: a fixed text per kind, the detail only in the log
/// (BCP-13: nothing from the request is reflected).
fn failure(provider: &str, error: &LoginError) -> Response {
    let provider = provider.escape_debug();
    let (status, text) = match error {
        LoginError::UnknownProvider(_) => {
            (StatusCode::NOT_FOUND, "There is no such sign-in option.")
        }
        LoginError::ProviderDenied(_) => (
            StatusCode::FORBIDDEN,
            "The sign-in was cancelled or refused by the identity provider.",
        ),
        LoginError::UserDisabled => (StatusCode::FORBIDDEN, "This account is disabled."),
        LoginError::Unavailable(_) | LoginError::Store(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Sign-in is not available right now. Please try again in a moment.",
        ),
        _ => (
            StatusCode::BAD_REQUEST,
            "The sign-in could not be completed. Please start again.",
        ),
    };
    if status.is_server_error() {
        tracing::warn!(provider = %provider, error = %error, "sign-in failed");
    } else {
        tracing::info!(provider = %provider, error = %error, "sign-in refused");
    }
    pages::error(status, text)
}

fn unavailable() -> Response {
    pages::error(
        StatusCode::SERVICE_UNAVAILABLE,
        "Sign-in is not available right now. Please try again in a moment.",
    )
}
