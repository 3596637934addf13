//! The running gateway: state built from a validated [`Config`], and the axum router.

use crate::config::Config;
use crate::proxy::{self, UpstreamClient};
use crate::ratelimit::Limiters;
use crate::routes::RouteTable;
use arc_swap::ArcSwap;
use authgate::Verifier;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use std::sync::Arc;

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
    /// Rate limiters.
    pub limiters: Limiters,
}

/// The current gateway, swapped atomically on reload; requests in flight keep the old one.
pub type SharedGateway = Arc<ArcSwap<Gateway>>;

/// Why a gateway could not be built.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BuildError(pub String);

impl Gateway {
    /// Builds the gateway for `config` (starts fetching provider keys).
    pub async fn build(config: Config) -> Result<Gateway, BuildError> {
        let verifier = Verifier::from_config(&config.auth)
            .await
            .map_err(|e| BuildError(e.to_string()))?;
        Ok(Self::with_verifier(config, verifier))
    }

    /// Builds the gateway for `config` around an existing verifier (tests inject one with a
    /// fixed clock or a short-timeout HTTP client).
    pub fn with_verifier(config: Config, verifier: Verifier) -> Gateway {
        Gateway {
            routes: RouteTable::new(&config.routes),
            upstream: UpstreamClient::for_routes(&config.routes),
            limiters: Limiters::new(config.rate_limit),
            verifier,
            config: Arc::new(config),
        }
    }

    /// The gateway as shared state for [`router`].
    pub fn shared(self) -> SharedGateway {
        Arc::new(ArcSwap::from_pointee(self))
    }
}

/// The axum router: `/healthz`, `/readyz`, `/metrics`, `/auth/verify`, then the proxy fallback.
///
/// These four paths are answered by the gateway and never reach a route. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()`: the proxy and forward-auth need the
/// peer address.
pub fn router(state: SharedGateway) -> axum::Router {
    axum::Router::new()
        .route("/healthz", get(crate::health::healthz))
        .route("/readyz", get(crate::health::readyz))
        .route("/metrics", get(crate::telemetry::metrics_endpoint))
        .route("/auth/verify", get(crate::forward_auth::handler))
        .fallback(proxy::handle)
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
