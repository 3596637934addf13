//! The running gateway: state built from a validated [`Config`], and the axum router.

use crate::config::Config;
use crate::proxy::{self, UpstreamClient};
use crate::ratelimit::Limiters;
use crate::routes::RouteTable;
use arc_swap::ArcSwap;
use authgate::Verifier;
use authgate::session::Sessions;
use authgate_core::store::Stores;
use authgate_core::{Clock, SystemClock};
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use std::sync::Arc;
use tokio::task::JoinHandle;

/// Everything a request needs, built once per configuration (a SIGHUP builds a new one).
pub struct Gateway {
    /// The validated configuration.
    pub config: Arc<Config>,
    /// Token verification for every configured provider.
    pub verifier: Verifier,
    /// Compiled routes.
    pub routes: RouteTable,
    /// The pooled upstream client.
    pub upstream: UpstreamClient,
    /// Rate limiters (shared with the gateway a reload replaces when the default limits stay
    /// the same, so a reload does not refill every client's budget).
    pub limiters: Arc<Limiters>,
    /// The store, when sign-in is configured (a reload keeps it).
    pub stores: Option<Stores>,
    /// Sign-in and sessions, when configured.
    pub sessions: Option<Sessions>,
    /// `sessions.router()`, built once.
    session_router: Option<axum::Router>,
    /// The sessions' sweeper; stopped when this gateway is dropped (after a reload).
    sweeper: Option<JoinHandle<()>>,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(sweeper) = &self.sweeper {
            sweeper.abort();
        }
    }
}

/// The current gateway, swapped atomically on reload; requests in flight keep the old one.
pub type SharedGateway = Arc<ArcSwap<Gateway>>;

/// Why a gateway could not be built.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BuildError(pub String);

impl Gateway {
    /// Builds the gateway for `config` (starts fetching provider keys). With sign-in
    /// configured it opens the store and applies pending migrations first.
    pub async fn build(config: Config) -> Result<Gateway, BuildError> {
        let stores = if config.sign_in {
            let stores = crate::store::open_and_migrate(&config.store)
                .await
                .map_err(|e| BuildError(e.to_string()))?;
            Some(stores)
        } else {
            None
        };
        Self::build_with_stores(config, stores).await
    }

    /// [`Gateway::build`] with an already opened store.
    pub async fn build_with_stores(
        config: Config,
        stores: Option<Stores>,
    ) -> Result<Gateway, BuildError> {
        let verifier = Verifier::from_config(&config.auth)
            .await
            .map_err(|e| BuildError(e.to_string()))?;
        Self::assemble(config, verifier, stores, Arc::new(SystemClock))
    }

    /// The gateway for `config` replacing `running` (a reload): the running store is kept,
    /// or opened when sign-in is turned on now; every issuer whose keys come from the same
    /// place falls back on the running key set ([`Verifier::from_config_after`]), so an
    /// identity provider unreachable during the reload costs no keys; the rate limiters are
    /// kept while the default limits are unchanged.
    pub async fn rebuild(config: Config, running: &Gateway) -> Result<Gateway, BuildError> {
        let stores = match (&running.stores, config.sign_in) {
            (Some(stores), _) => Some(stores.clone()),
            (None, true) => Some(
                crate::store::open_and_migrate(&config.store)
                    .await
                    .map_err(|e| BuildError(e.to_string()))?,
            ),
            (None, false) => None,
        };
        let verifier = Verifier::from_config_after(&config.auth, &running.verifier)
            .await
            .map_err(|e| BuildError(e.to_string()))?;
        let mut gateway = Self::assemble(config, verifier, stores, Arc::new(SystemClock))?;
        // Budgets are kept per quota, so the limiters carry over as long as the defaults (which
        // also set the auth-endpoint limit) are unchanged.
        if gateway.config.rate_limit == running.config.rate_limit {
            gateway.limiters = Arc::clone(&running.limiters);
        }
        Ok(gateway)
    }

    /// Builds the gateway from its parts: sessions are built when `config.sign_in` and a store
    /// is given (tests inject a verifier, a store and a clock). With sessions it spawns their
    /// sweeper, so it must then run inside a Tokio runtime; the sweeper stops when the gateway
    /// is dropped.
    pub fn assemble(
        config: Config,
        verifier: Verifier,
        stores: Option<Stores>,
        clock: Arc<dyn Clock>,
    ) -> Result<Gateway, BuildError> {
        let sessions = match (&stores, config.sign_in) {
            (Some(stores), true) => Some(crate::signin::sessions(
                &config,
                &verifier,
                stores.clone(),
                clock,
            )?),
            _ => None,
        };
        let mut gateway = Self::with_verifier(config, verifier);
        gateway.session_router = sessions.as_ref().map(Sessions::router);
        gateway.sweeper = sessions.as_ref().map(Sessions::spawn_sweeper);
        gateway.sessions = sessions;
        gateway.stores = stores;
        Ok(gateway)
    }

    /// Builds the gateway for `config` around an existing verifier, without sign-in (tests
    /// inject one with a fixed clock or a short-timeout HTTP client). Session routes of such a
    /// gateway answer 500 (a misconfiguration): use [`Gateway::assemble`] for sign-in.
    pub fn with_verifier(config: Config, verifier: Verifier) -> Gateway {
        Gateway {
            routes: RouteTable::new(&config.routes),
            upstream: UpstreamClient::for_routes(&config.routes),
            limiters: Arc::new(Limiters::new(config.rate_limit)),
            verifier,
            config: Arc::new(config),
            stores: None,
            sessions: None,
            session_router: None,
            sweeper: None,
        }
    }

    /// The `/auth/*` endpoints of the sessions, when sign-in is configured.
    pub(crate) fn session_router(&self) -> Option<axum::Router> {
        self.session_router.clone()
    }

    /// The gateway as shared state for [`router`].
    pub fn shared(self) -> SharedGateway {
        Arc::new(ArcSwap::from_pointee(self))
    }
}

/// The axum router: `/healthz`, `/readyz`, `/metrics`, `/auth/verify`, the sign-in endpoints
/// (every other `/auth/*` path, when sign-in is configured), then the proxy fallback.
///
/// These paths are answered by the gateway and never reach a route. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()`: the proxy and forward-auth need the
/// peer address.
pub fn router(state: SharedGateway) -> axum::Router {
    axum::Router::new()
        .route("/healthz", get(crate::health::healthz))
        .route("/readyz", get(crate::health::readyz))
        .route("/metrics", get(crate::telemetry::metrics_endpoint))
        .route("/auth/verify", get(crate::forward_auth::handler))
        .fallback(crate::signin::endpoints_or_proxy)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .with_state(state)
}

/// Adds the standard security headers to every response when `server.security_headers`.
async fn security_headers(
    State(state): State<SharedGateway>,
    request: Request,
    next: Next,
) -> Response {
    let enabled = state.load().config.server.security_headers;
    let mut response = next.run(request).await;
    if enabled {
        proxy::security_headers(response.headers_mut());
    }
    response
}
