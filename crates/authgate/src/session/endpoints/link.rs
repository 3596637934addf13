//! Explicit account linking: `GET /auth/{provider}/link` shows a confirmation form, `POST
//! /auth/{provider}/link` (a live session, the session-bound CSRF token, same origin) starts
//! a linking transaction for the signed-in user.
//!
//! Never a `GET`: an attacker who planted their own provider session in the victim's browser
//! could otherwise attach their identity to the victim's account with a cross-site link.

use super::signin::{failure, unavailable};
use super::{set_cookie, single_param};
use crate::login::LoginError;
use crate::rejection;
use crate::session::current::Live;
use crate::session::{Sessions, csrf, pages};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use http::{HeaderMap, StatusCode, Uri};

/// `GET /auth/{provider}/link?return_to=`: the confirmation form (posting the CSRF token);
/// without a session, the sign-in chooser (coming back here afterwards).
pub(super) async fn confirm(
    State(sessions): State<Sessions>,
    Path(provider): Path<String>,
    RawQuery(query): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let Some(display_name) = display_name(&sessions, &provider) else {
        return failure(&provider, &LoginError::UnknownProvider(provider.clone()));
    };
    let live = match session(&sessions, &headers).await {
        Ok(Some(live)) => live,
        Ok(None) => return sessions.login_required(&headers, &uri),
        Err(response) => return response,
    };
    let return_to = query.and_then(|q| single_param(q.as_bytes(), "return_to"));
    let claims = &live.session.claims;
    let who = claims.get("email").or(claims.get("name"));
    pages::link_confirm(&pages::LinkForm {
        csrf: &csrf::token(&live.cookie),
        provider: &provider,
        display_name: &display_name,
        return_to: return_to.as_deref(),
        who: who.and_then(|w| w.as_str()),
    })
}

/// `POST /auth/{provider}/link` (form: `csrf`, optional `return_to`): same-origin check, a
/// live session (else `login_required`), the CSRF token bound to its cookie; then a linking
/// transaction for the session's user, the binding cookie, and 303 to the provider. The
/// session stays: the callback requires it to still be this user's.
pub(super) async fn link(
    State(sessions): State<Sessions>,
    Path(provider): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !csrf::same_origin(&headers, &sessions.inner.public_url) {
        tracing::info!("cross-origin account linking refused");
        return refused();
    }
    let live = match session(&sessions, &headers).await {
        Ok(Some(live)) => live,
        Ok(None) => return sessions.login_required(&headers, &uri),
        Err(response) => return response,
    };
    let token = single_param(&body, "csrf").unwrap_or_default();
    if !csrf::verify(&live.cookie, &token) {
        tracing::info!(session = ?live.session.key, "account linking without a valid CSRF token refused");
        return refused();
    }
    let cookies = &sessions.inner.cookies;
    let return_to = single_param(&body, "return_to");
    let begun = sessions
        .inner
        .login
        .begin_link(
            &provider,
            return_to.as_deref(),
            cookies.login_value(&headers),
            &live.session.user_id,
        )
        .await;
    let begun = match begun {
        Ok(begun) => begun,
        Err(e) => return failure(&provider, &e),
    };
    tracing::info!(user = %live.session.user_id, provider = %provider.escape_debug(), "account linking started");
    let mut response = rejection::see_other(begun.redirect_to.as_str());
    let ttl = sessions.inner.login.state_ttl().as_secs();
    set_cookie(
        &mut response,
        &cookies.set_login(&begun.browser_binding, ttl),
    );
    response
}

/// The display name of sign-in provider `id`, `None` when there is no such provider.
fn display_name(sessions: &Sessions, id: &str) -> Option<String> {
    let providers = sessions.inner.login.providers();
    providers
        .into_iter()
        .find(|p| p.id == id)
        .map(|p| p.display_name)
}

/// The request's live session; a store failure is already the error page.
async fn session(sessions: &Sessions, headers: &HeaderMap) -> Result<Option<Live>, Response> {
    let now = sessions.inner.clock.now();
    sessions.lookup(headers, now).await.map_err(|e| {
        tracing::error!(error = %e, "session store failed at account linking");
        unavailable()
    })
}

fn refused() -> Response {
    pages::error(
        StatusCode::FORBIDDEN,
        "This account-linking request did not come from this site. Use the link button instead.",
    )
}
