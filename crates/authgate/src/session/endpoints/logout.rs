//! Logout: the confirmation page, the CSRF-protected `POST`, the landing page, and
//! back-channel logout (security.md BCP-61, BCP-62, BCP-64).

use super::{set_cookie, single_param};
use crate::login::ProviderTokens;
use crate::rejection;
use crate::session::current::Live;
use crate::session::{Sessions, csrf, pages, tokens};
use authgate_core::store::Session;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use http::header::CACHE_CONTROL;
use http::{HeaderMap, HeaderValue, StatusCode};
use std::time::Duration;

/// At most this many sessions have their provider tokens revoked by "sign out everywhere".
const MAX_REVOKED: usize = 50;
/// How many revocations run at once.
const REVOKE_PARALLEL: usize = 8;
/// All revocations of one logout end within this (they run after the response).
const REVOKE_DEADLINE: Duration = Duration::from_secs(30);

/// `GET /auth/logout`: a form that posts the logout, never a logout itself (a cross-site
/// `<img src>` must not sign anyone out).
pub(super) async fn confirm(State(sessions): State<Sessions>, headers: HeaderMap) -> Response {
    let now = sessions.inner.clock.now();
    match sessions.lookup(&headers, now).await {
        Ok(Some(live)) => {
            let who = live
                .session
                .claims
                .get("email")
                .or(live.session.claims.get("name"));
            pages::logout_confirm(&csrf::token(&live.cookie), who.and_then(|w| w.as_str()))
        }
        Ok(None) => rejection::see_other(&sessions.landing()),
        Err(e) => store_failed(&e),
    }
}

/// `POST /auth/logout` (form: `csrf`, optional `everywhere=1`; `?everywhere=1` also works):
/// same-origin check, CSRF token, then the session ends server-side, its cookie is cleared
/// with the same attributes, the provider's tokens are revoked, and the browser goes to the
/// provider's end-session endpoint or `/auth/logged-out` (303).
pub(super) async fn logout(
    State(sessions): State<Sessions>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !csrf::same_origin(&headers, &sessions.inner.public_url) {
        tracing::info!("cross-origin logout refused");
        return refused();
    }
    let now = sessions.inner.clock.now();
    let live = match sessions.lookup(&headers, now).await {
        Ok(Some(live)) => live,
        Ok(None) => return sessions.cleared(rejection::see_other(&sessions.landing())),
        Err(e) => return store_failed(&e),
    };
    let token = single_param(&body, "csrf").unwrap_or_default();
    if !csrf::verify(&live.cookie, &token) {
        tracing::info!(session = ?live.session.key, "logout without a valid CSRF token refused");
        return refused();
    }
    let everywhere = [
        single_param(&body, "everywhere"),
        query.and_then(|q| single_param(q.as_bytes(), "everywhere")),
    ]
    .iter()
    .any(|v| v.as_deref() == Some("1"));
    match sessions.end(live, everywhere).await {
        Ok(target) => sessions.cleared(rejection::see_other(&target)),
        Err(response) => response,
    }
}

/// `GET /auth/logged-out`. Any `state` the provider sends back is ignored (BCP-63).
pub(super) async fn logged_out() -> Response {
    pages::logged_out()
}

/// `POST /auth/backchannel-logout` (form: `logout_token`): validate (BCP-64), end the
/// sessions it names (by `sid`, else by `sub`), 200 `no-store`; 400 when invalid.
pub(super) async fn backchannel(State(sessions): State<Sessions>, body: Bytes) -> Response {
    let Some(token) = single_param(&body, "logout_token") else {
        return rejection::session_error(StatusCode::BAD_REQUEST, "invalid_request");
    };
    let named = match sessions.inner.login.logout_token(&token).await {
        Ok(named) => named,
        Err(e) => {
            tracing::info!(error = %e, "back-channel logout token refused");
            return rejection::session_error(StatusCode::BAD_REQUEST, "invalid_request");
        }
    };
    let store = &sessions.inner.stores.sessions;
    let ended = match (&named.sid, &named.subject) {
        (Some(sid), _) => store.delete_sessions_by_sid(&named.issuer, sid).await,
        (None, Some(sub)) => store.delete_sessions_by_subject(&named.issuer, sub).await,
        (None, None) => Ok(0),
    };
    match ended {
        Ok(n) => {
            tracing::info!(issuer = %named.issuer, ended = n, "back-channel logout");
            let mut response = StatusCode::OK.into_response();
            let h = response.headers_mut();
            h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "session store failed at back-channel logout");
            rejection::session_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable")
        }
    }
}

impl Sessions {
    /// Ends `live` (or every session of its user), revokes provider tokens, and returns where
    /// the browser goes next.
    async fn end(&self, live: Live, everywhere: bool) -> Result<String, Response> {
        let store = &self.inner.stores.sessions;
        let session = live.session;
        let mut ended = vec![session.clone()];
        if everywhere {
            let now = self.inner.clock.now();
            let others = store.user_sessions(&session.user_id, now).await;
            ended.extend(
                others
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|s| s.key != session.key),
            );
            self.sign_out_everywhere(&session.user_id)
                .await
                .map_err(|e| store_failed(&e))?;
        } else {
            store
                .delete_session(&session.key)
                .await
                .map_err(|e| store_failed(&e.into()))?;
        }
        tracing::info!(session = ?session.key, user = %session.user_id, everywhere, "signed out");
        self.revoke_in_background(&ended);
        let id_token = self.open_tokens(&session).and_then(|t| t.id_token);
        let end_session = self
            .inner
            .login
            .end_session_url(&session.provider, id_token.as_ref())
            .await;
        Ok(end_session.map_or_else(|| self.landing(), |u| u.to_string()))
    }

    /// Revokes the provider tokens of the ended sessions on a spawned task, concurrently
    /// (at most [`REVOKE_PARALLEL`] at a time) and within one overall [`REVOKE_DEADLINE`]:
    /// the sessions are already gone locally, so a slow or hanging revocation endpoint never
    /// delays the logout response. Failures are logged by `Login::revoke`.
    fn revoke_in_background(&self, ended: &[Session]) {
        let revocations: Vec<(String, ProviderTokens)> = ended
            .iter()
            .take(MAX_REVOKED)
            .filter_map(|s| Some((s.provider.clone(), self.open_tokens(s)?)))
            .collect();
        if revocations.is_empty() {
            return;
        }
        let login = self.inner.login.clone();
        tokio::spawn(async move {
            let count = revocations.len();
            let all = futures_util::stream::iter(&revocations)
                .for_each_concurrent(REVOKE_PARALLEL, |(provider, tokens)| {
                    login.revoke(provider, tokens)
                });
            if tokio::time::timeout(REVOKE_DEADLINE, all).await.is_err() {
                tracing::warn!(
                    count,
                    "token revocation at logout did not finish in time; abandoned"
                );
            }
        });
    }

    fn open_tokens(&self, session: &Session) -> Option<ProviderTokens> {
        let blob = session.tokens.as_deref()?;
        tokens::open(&self.inner.keys, &session.key, blob)
    }

    /// `{origin}/auth/logged-out`.
    fn landing(&self) -> String {
        let origin = self.inner.public_url.origin().ascii_serialization();
        format!("{origin}/auth/logged-out")
    }

    /// `response` with the session cookie cleared.
    fn cleared(&self, mut response: Response) -> Response {
        set_cookie(&mut response, &self.inner.cookies.clear_session());
        response
    }
}

fn refused() -> Response {
    pages::error(
        StatusCode::FORBIDDEN,
        "This sign-out request did not come from this site. Use the sign-out button instead.",
    )
}

fn store_failed(e: &crate::session::SessionError) -> Response {
    tracing::error!(error = %e, "session store failed at logout");
    pages::error(
        StatusCode::SERVICE_UNAVAILABLE,
        "Sign-out is not available right now. Please try again in a moment.",
    )
}
