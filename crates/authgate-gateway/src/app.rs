//! The running gateway: state built from a validated [`Config`], and the axum router.

use crate::config::Config;
use crate::proxy::UpstreamClient;
use crate::ratelimit::Limiters;
use crate::routes::RouteTable;
use arc_swap::ArcSwap;
use authgate::Verifier;
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
        todo!("{:?}", config.server.listen)
    }
}

/// The axum router: `/healthz`, `/readyz`, `/metrics`, `/auth/verify`, then the proxy fallback.
pub fn router(state: SharedGateway) -> axum::Router {
    todo!("{}", Arc::strong_count(&state))
}
