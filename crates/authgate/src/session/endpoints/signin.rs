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

/// `GET /auth/{provider}/login?return_to=`: starts the transaction (reusing the browser's
/// binding cookie, so two tabs signing in at once both complete: BCP-03), sets the binding
/// cookie, ends any session the browser presented (BCP-59) and sends the browser to the
/// provider.
///
/// The presented session ends only once the new transaction has begun: an unknown provider or
/// a provider outage leaves it alone (a cross-site link to `/auth/nope/login` must not sign
/// anyone out).
pub(super) async fn begin(
    State(sessions): State<Sessions>,
    Path(provider): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let cookies = &sessions.inner.cookies;
    let return_to = query.and_then(|q| single_param(q.as_bytes(), "return_to"));
    let begun = sessions
        .inner
        .login
        .begin_in_browser(
            &provider,
            return_to.as_deref(),
            cookies.login_value(&headers),
        )
        .await;
    let begun = match begun {
        Ok(begun) => begun,
        Err(e) => return failure(&provider, &e),
    };
    let presented = match sessions.end_presented(&headers).await {
        Ok(presented) => presented,
        Err(e) => {
            tracing::error!(error = %e, "session store failed at sign-in start");
            return unavailable();
        }
    };
    let mut response = rejection::see_other(begun.redirect_to.as_str());
    let ttl = sessions.inner.login.state_ttl().as_secs();
    set_cookie(
        &mut response,
        &cookies.set_login(&begun.browser_binding, ttl),
    );
    if presented {
        set_cookie(&mut response, &cookies.clear_session());
    }
    response
}

/// `GET /auth/{provider}/callback`: completes the sign-in, starts a new session and sends
/// the browser to a clean URL with 303 (BCP-49, BCP-72), or shows a generic failure page.
/// An account-linking transaction is refused unless the browser still presents a session of
/// the user it links to.
///
/// The binding cookie is left to expire with its `Max-Age` (the transaction TTL), never
/// cleared here: the same value binds every transaction this browser has in flight (one per
/// tab, BCP-03), so clearing it when one tab finishes would break the others. It is useless
/// on its own: the transaction it binds is single-use and deleted at completion.
pub(super) async fn callback(
    State(sessions): State<Sessions>,
    Path(provider): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let cookies = &sessions.inner.cookies;
    let binding = cookies.login_value(&headers);
    let raw_query = query.as_deref().unwrap_or("");
    // An account-linking transaction completes only in its user's session.
    let session_user = match sessions.lookup(&headers, sessions.inner.clock.now()).await {
        Ok(live) => live.map(|live| live.session.user_id),
        Err(e) => {
            tracing::error!(error = %e, "session store failed at sign-in");
            return unavailable();
        }
    };
    let completed = sessions
        .inner
        .login
        .complete_in_session(&provider, raw_query, binding, session_user.as_ref())
        .await;
    match completed {
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
    }
}

/// The page for a failed sign-in step: a fixed text per kind, the detail only in the log
/// (BCP-13: nothing from the request is reflected).
pub(super) fn failure(provider: &str, error: &LoginError) -> Response {
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
        LoginError::IdentityTaken => (
            StatusCode::CONFLICT,
            "That account is already linked to another user. Nothing was changed.",
        ),
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

pub(super) fn unavailable() -> Response {
    pages::error(
        StatusCode::SERVICE_UNAVAILABLE,
        "Sign-in is not available right now. Please try again in a moment.",
    )
}
