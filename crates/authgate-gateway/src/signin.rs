//! Sign-in and sessions in the gateway: building [`Sessions`] from the configuration, and
//! dispatching `/auth/*` (except `/auth/verify`) to its endpoints.
//!
//! With sign-in configured (a provider with `login = true`) the gateway owns `/auth/*`:
//! `/auth/login`, `/auth/{provider}/login`, `/auth/{provider}/callback`,
//! `/auth/{provider}/link`, `/auth/logout`, `/auth/logged-out`, `/auth/me` and
//! `/auth/backchannel-logout` are answered by [`Sessions::router`], other `/auth/*` paths with
//! 404. Without sign-in these paths reach the proxy like any other. The start and the callback
//! of a sign-in, account linking, and back-channel logout, spend the
//! `auth_endpoints_per_minute` budget of the client IP.

use crate::app::{BuildError, SharedGateway};
use crate::config::Config;
use crate::forward_auth::{client_ip, is_trusted};
use authgate::HttpClient;
use authgate::Verifier;
use authgate::login::Login;
use authgate::session::Sessions;
use authgate_core::Clock;
use authgate_core::store::Stores;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

/// Builds the sign-in flow and the sessions for `config` over `stores`.
pub(crate) fn sessions(
    config: &Config,
    verifier: &Verifier,
    stores: Stores,
    clock: Arc<dyn Clock>,
) -> Result<Sessions, BuildError> {
    let public_url = config
        .server
        .public_url
        .clone()
        .ok_or_else(|| BuildError("sign-in needs server.public_url".to_owned()))?;
    let keys = config
        .secrets
        .clone()
        .ok_or_else(|| BuildError("sign-in needs [secrets] key".to_owned()))?;
    let http = HttpClient::new().map_err(|e| BuildError(e.to_string()))?;
    let login = Login::new(
        &config.auth,
        config.login.clone(),
        public_url.clone(),
        verifier.clone(),
        stores.clone(),
        http,
        Arc::clone(&clock),
    )
    .map_err(|e| BuildError(format!("sign-in: {e}")))?;
    Sessions::new(
        config.session.clone(),
        public_url,
        stores,
        keys,
        login,
        clock,
    )
    .map_err(|e| BuildError(format!("sessions: {e}")))
}

/// The router's fallback: `/auth/*` (except `/auth/verify`, routed before) goes to the
/// sessions' endpoints when sign-in is configured; everything else to the proxy. (A fallback
/// rather than an `/auth/{*rest}` route: its path parameter would confuse the inner router's
/// extractors.)
pub(crate) async fn endpoints_or_proxy(
    State(state): State<SharedGateway>,
    request: Request,
) -> Response {
    if !request.uri().path().starts_with("/auth/") {
        return crate::proxy::handle(State(state), request).await;
    }
    let gw = state.load_full();
    let Some(router) = gw.session_router() else {
        drop(gw);
        return crate::proxy::handle(State(state), request).await;
    };
    if is_rate_limited(request.uri().path()) {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip());
        if let Some(peer) = peer {
            let trusted = &gw.config.server.trusted_proxies;
            let client = if is_trusted(trusted, peer) {
                client_ip(trusted, peer, request.headers())
            } else {
                peer
            };
            if let Err(wait) = gw.limiters.check_auth_endpoint(client) {
                return crate::ratelimit::too_many_requests(wait);
            }
        }
    }
    match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
    .into_response()
}

/// The start and the callback of a sign-in (`/auth/{provider}/login`,
/// `/auth/{provider}/callback`), account linking (`/auth/{provider}/link`) and back-channel
/// logout.
fn is_rate_limited(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/auth/") else {
        return false;
    };
    rest == "backchannel-logout"
        || matches!(rest.split_once('/'), Some((provider, "login" | "callback" | "link")) if !provider.is_empty())
}

#[cfg(test)]
mod tests {
    use super::is_rate_limited;

    #[test]
    fn sign_in_start_callback_and_backchannel_are_limited() {
        for path in [
            "/auth/google/login",
            "/auth/oidc/callback",
            "/auth/okta/link",
            "/auth/backchannel-logout",
        ] {
            assert!(is_rate_limited(path), "{path}");
        }
        for path in [
            "/auth/login",
            "/auth/me",
            "/auth/logout",
            "/auth//login",
            "/auth/a/b/login",
            "/auth//link",
        ] {
            assert!(!is_rate_limited(path), "{path}");
        }
    }
}
