//! Server-side sessions: the `__Host-authgate` cookie carries 256 random bits, the store keeps
//! only their hash; idle and absolute timeouts; the provider's tokens sealed at rest and
//! refreshed before expiry under a store lease (single-flight across instances).
//!
//! [`Sessions`] owns the `/auth/*` endpoints ([`Sessions::router`]): the provider chooser
//! (`GET /auth/login`), the start and callback of a sign-in (`GET /auth/{provider}/login`,
//! `GET /auth/{provider}/callback`), explicit account linking (`GET`/`POST
//! /auth/{provider}/link`), logout (`GET`/`POST /auth/logout`, `GET /auth/logged-out`), `GET
//! /auth/me` and `POST /auth/backchannel-logout`.
//! [`SessionAuthLayer`] protects routes with the session cookie (or, in `any` mode, a bearer
//! token when one is sent) and puts the [`Principal`] in the request
//! extensions, where [`Auth`](crate::Auth) reads it.
//!
//! ```no_run
//! use authgate::Auth;
//! use authgate::session::{SessionAuthLayer, Sessions};
//! use axum::{Router, routing::get};
//!
//! async fn page(Auth(p): Auth) -> String {
//!     format!("hello {}", p.name.as_deref().unwrap_or(&p.subject))
//! }
//!
//! fn app(sessions: Sessions) -> Router {
//!     Router::new()
//!         .route("/app", get(page))
//!         .layer(SessionAuthLayer::session(sessions.clone()))
//!         .merge(sessions.router())
//! }
//! ```
//!
//! # Security
//!
//! - **Cookies (BCP-52, BCP-53, BCP-57).** `__Host-authgate`: `Secure`, `HttpOnly`,
//!   `SameSite=Lax`, `Path=/`, never a `Domain`. Only a plain-http loopback `public_url` (or
//!   `insecure_http_cookies = true`) drops `Secure`, and then the name loses its `__Host-`
//!   prefix too: the builder cannot write one without the other.
//! - **Opaque, server-side (BCP-55, BCP-56).** The cookie is 256 random bits; the store keeps
//!   their SHA-256. A garbage, truncated or oversized cookie is no session, never an error.
//! - **Fixation (BCP-58, BCP-59).** Every sign-in creates a new session; the session of any
//!   cookie the browser presented is deleted once a sign-in has begun (an unknown provider or
//!   a provider outage leaves it alone) and again when it completes.
//! - **Two tabs (BCP-03).** A sign-in start reuses the browser's binding cookie, and the
//!   callback leaves it to expire, so concurrent sign-ins in one browser all complete.
//! - **Logout CSRF (BCP-61).** Logout is a `POST` with a token bound to the session cookie and
//!   a same-origin `Origin`/`Sec-Fetch-Site` check; `GET /auth/logout` only shows a form.
//! - **Account linking.** Linking another provider's identity to the signed-in user is a
//!   `POST` with the same CSRF token and same-origin check as logout (`GET` only shows a
//!   form: a cross-site link must not attach an attacker's identity to the victim's account),
//!   and its callback completes only while the browser still presents a session of that user
//!   (checked before the code is redeemed). An identity of another user is refused.
//! - **Refresh (BCP-45, BCP-47).** One refresh per session at a time, in process and across
//!   instances (a store lease of `refresh_lease`, the provider call cut off before it ends);
//!   `invalid_grant` ends the session. A session without a refresh token is never due.
//! - **Logout** ends the session locally and answers at once; provider tokens are revoked in
//!   the background, concurrently, within one deadline.
//! - **Pages (BCP-13, BCP-48, BCP-73).** Inline HTML only, every value escaped, `CSP
//!   frame-ancestors 'none'`, `no-store`, `Referrer-Policy: same-origin` (the callback's redirect: `no-referrer`); failures show a generic text.
//! - **`/auth/me`** returns the logout CSRF token (for scripts that sign out with `fetch`): never
//!   put `/auth/*` behind a CORS policy that allows credentials.
//!
//! The principal of a session maps roles and groups like the provider's bearer tokens (Auth0
//! `permissions` are roles); the sign-in binding cookie lives as long as the transaction
//! (`[login] state_ttl`).

mod api;
mod config;
mod cookie;
mod csrf;
mod current;
mod endpoints;
mod error;
mod layer;
mod lease;
mod pages;
mod principal;
mod refresh;
mod start;
mod tokens;

pub use self::api::is_api_request;
pub use self::config::SessionConfig;
pub use self::error::SessionError;
pub use self::layer::{SessionAuth, SessionAuthLayer};

use self::cookie::CookiePolicy;
use self::refresh::RefreshFlights;
use crate::config::ConfigError;
use crate::login::Login;
use authgate_core::store::{Stores, UserId};
use authgate_core::{Clock, MasterKeys, Principal};
use std::sync::Arc;

/// Sessions: the store, the cookie policy, the sign-in flow, and the refresh coordination.
/// Cheap to clone.
#[derive(Clone)]
pub struct Sessions {
    inner: Arc<Inner>,
}

struct Inner {
    config: SessionConfig,
    public_url: url::Url,
    stores: Stores,
    keys: Arc<MasterKeys>,
    login: Login,
    clock: Arc<dyn Clock>,
    cookies: CookiePolicy,
    flights: RefreshFlights,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("public_url", &self.inner.public_url.as_str())
            .field("cookie", &self.inner.cookies.session_name())
            .finish_non_exhaustive()
    }
}

impl Sessions {
    /// Sessions for the application at `public_url` (its origin scopes the cookies and the
    /// same-origin checks). Fails when `public_url` is plain `http` on a host that is not
    /// loopback and `insecure_http_cookies` is off, or when a timeout is zero.
    pub fn new(
        config: SessionConfig,
        public_url: url::Url,
        stores: Stores,
        keys: Arc<MasterKeys>,
        login: Login,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, ConfigError> {
        config.validate(&public_url)?;
        let cookies = CookiePolicy::for_url(&public_url);
        let inner = Inner {
            config,
            public_url,
            stores,
            keys,
            login,
            clock,
            cookies,
            flights: RefreshFlights::default(),
        };
        Ok(Sessions {
            inner: Arc::new(inner),
        })
    }

    /// The principal of the request's session cookie (stored claims → `Principal::from_claims`
    /// plus the user's local roles merged into `roles`); `None` for no cookie or an unknown,
    /// expired or tampered one (never an error for bad input). Touches the session (idle
    /// extension, at most once per minute) and refreshes the provider's tokens when due
    /// (single-flight: in process and through the store's lease).
    ///
    /// Errors only when the store fails.
    pub async fn authenticate(
        &self,
        headers: &http::HeaderMap,
    ) -> Result<Option<Principal>, SessionError> {
        let Some(live) = self.current(headers).await? else {
            return Ok(None);
        };
        self.principal(&live.session).await.map(Some)
    }

    /// The `/auth/*` endpoints as an axum [`Router`](axum::Router), state inside.
    pub fn router(&self) -> axum::Router {
        endpoints::router(self.clone())
    }

    /// The response for a request without a session on a session route: 303 to
    /// `/auth/login?return_to=<path and query>` for browser navigations, 401
    /// `{"error":"login_required","login_url":…}` for API calls (see [`is_api_request`]).
    pub fn login_required(
        &self,
        headers: &http::HeaderMap,
        uri: &http::Uri,
    ) -> axum::response::Response {
        api::login_required(&self.inner.public_url, headers, uri)
    }

    /// Sweeps expired sessions, sign-in transactions and replay entries every
    /// `sweep_interval`, until the handle is aborted.
    pub fn spawn_sweeper(&self) -> tokio::task::JoinHandle<()> {
        let sessions = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(sessions.inner.config.sweep_interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                sessions.sweep_once().await;
            }
        })
    }

    /// Ends every session of `user` ("sign out everywhere"); returns how many ended.
    pub async fn sign_out_everywhere(&self, user: &UserId) -> Result<u64, SessionError> {
        let ended = self
            .inner
            .stores
            .sessions
            .delete_user_sessions(user)
            .await?;
        tracing::info!(user = %user, ended, "signed out everywhere");
        Ok(ended)
    }

    /// One sweep of every expiring aggregate; failures are logged, not returned.
    async fn sweep_once(&self) {
        let now = self.inner.clock.now();
        let stores = &self.inner.stores;
        let results = [
            ("sessions", stores.sessions.sweep_sessions(now).await),
            (
                "login_states",
                stores.login_states.sweep_login_states(now).await,
            ),
            ("replays", stores.replays.sweep_replays(now).await),
        ];
        for (what, result) in results {
            match result {
                Ok(0) => {}
                Ok(n) => tracing::debug!(what, swept = n, "swept expired rows"),
                Err(e) => tracing::error!(what, error = %e, "sweep failed"),
            }
        }
    }
}
