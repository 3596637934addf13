//! The pooled upstream client: HTTP/1.1 keep-alive to `http://` upstreams (per-thread pools,
//! [`super::local_pool`]; WebSocket upgrades through hyper-util's pool); HTTP/1.1 or HTTP/2
//! (ALPN) over rustls to `https://` upstreams, verified against the platform trust store.

use super::UpstreamError;
use super::local_pool::{self, PoolOwner};
use super::target::UpstreamTarget;
use crate::config::RouteSpec;
use axum::body::Body;
use http::uri::PathAndQuery;
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;
use std::sync::Arc;
use std::time::Duration;

/// The connect timeout of [`UpstreamClient::new`].
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long an idle pooled connection is kept.
const POOL_IDLE_TIMEOUT: Duration = super::local_pool::IDLE_TIMEOUT;

type PlainClient = Client<HttpConnector, Body>;
type TlsClient = Client<HttpsConnector<HttpConnector>, Body>;

/// The clients sharing one connect timeout.
#[derive(Clone)]
struct Pool {
    connect_timeout: Duration,
    plain: PlainClient,
    /// `None` when no TLS configuration could be built (logged once at start).
    tls: Option<TlsPools>,
}

/// HTTPS: one pool negotiating HTTP/2 or HTTP/1.1, one HTTP/1.1-only pool for upgrades
/// (WebSockets need HTTP/1.1 end to end).
#[derive(Clone)]
struct TlsPools {
    any: TlsClient,
    http1: TlsClient,
}

/// The pooled upstream client (one per gateway), one pool per distinct connect timeout.
#[derive(Clone)]
pub struct UpstreamClient {
    pools: Vec<Pool>,
    /// Its per-thread plain HTTP/1.1 pools (closed once every clone is dropped).
    owner: PoolOwner,
}

impl std::fmt::Debug for UpstreamClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let timeouts: Vec<Duration> = self.pools.iter().map(|p| p.connect_timeout).collect();
        f.debug_struct("UpstreamClient")
            .field("connect_timeouts", &timeouts)
            .finish()
    }
}

impl UpstreamClient {
    /// A new pooled client with the default connect timeout.
    pub fn new() -> Self {
        Self::with_connect_timeouts([DEFAULT_CONNECT_TIMEOUT])
    }

    /// A client with a pool for every route's connect timeout.
    pub fn for_routes(routes: &[RouteSpec]) -> Self {
        Self::with_connect_timeouts(routes.iter().map(|r| r.connect_timeout))
    }

    /// A client with one pool per distinct connect timeout in `timeouts`.
    pub fn with_connect_timeouts(timeouts: impl IntoIterator<Item = Duration>) -> Self {
        Self::with_extra_roots(timeouts, Vec::new())
    }

    /// Like [`UpstreamClient::with_connect_timeouts`], trusting `roots` for `https://`
    /// upstreams in addition to the platform trust store.
    pub fn with_extra_roots(
        timeouts: impl IntoIterator<Item = Duration>,
        roots: Vec<CertificateDer<'static>>,
    ) -> Self {
        let tls = tls_config(roots);
        let mut pools: Vec<Pool> = Vec::new();
        for timeout in timeouts.into_iter().chain([DEFAULT_CONNECT_TIMEOUT]) {
            if !pools.iter().any(|p| p.connect_timeout == timeout) {
                pools.push(Pool::new(timeout, tls.as_ref()));
            }
        }
        UpstreamClient {
            pools,
            owner: PoolOwner::new(),
        }
    }

    /// Sends `request` (its URI the request target in origin form, headers already cleaned)
    /// to `target` with the route's connect timeout, giving up when `response_timeout` passes
    /// without progress ([`super::upload`]).
    pub async fn send(
        &self,
        target: &UpstreamTarget,
        request: http::Request<Body>,
        connect_timeout: Duration,
        response_timeout: Duration,
    ) -> Result<http::Response<Incoming>, UpstreamError> {
        let Some(pool) = self.pool(connect_timeout) else {
            return Err(UpstreamError::Unreachable);
        };
        let upgrade = request.headers().contains_key(http::header::UPGRADE);
        if !target.is_https() && !upgrade {
            let timeout = pool.connect_timeout;
            return local_pool::send(&self.owner, target, request, timeout, response_timeout).await;
        }
        // hyper-util's client takes the absolute URI (and sets `Host` from it).
        let request = absolute(target, request)?;
        let (request, sent) = super::upload::watch(request, response_timeout);
        let response = match (target.is_https(), &pool.tls) {
            (false, _) => pool.plain.request(request),
            (true, Some(tls)) if upgrade => tls.http1.request(request),
            (true, Some(tls)) => tls.any.request(request),
            (true, None) => return Err(UpstreamError::Unreachable),
        };
        let exchange = async {
            match response.await {
                Ok(response) => Ok(response),
                Err(e) if timed_out(&e) => Err(UpstreamError::Timeout),
                Err(e) => {
                    tracing::warn!(error = %error_chain(&e), "upstream request failed");
                    Err(UpstreamError::Unreachable)
                }
            }
        };
        super::upload::within(exchange, sent, response_timeout).await
    }

    /// The pool for `connect_timeout`, or the default one.
    fn pool(&self, connect_timeout: Duration) -> Option<&Pool> {
        let exact = self
            .pools
            .iter()
            .find(|p| p.connect_timeout == connect_timeout);
        exact.or_else(|| self.pools.first())
    }
}

/// `request` with its origin-form URI made absolute at `target`.
fn absolute(
    target: &UpstreamTarget,
    mut request: http::Request<Body>,
) -> Result<http::Request<Body>, UpstreamError> {
    let path_and_query = std::mem::take(request.uri_mut())
        .into_parts()
        .path_and_query
        .unwrap_or_else(|| PathAndQuery::from_static("/"));
    *request.uri_mut() = target
        .uri(path_and_query)
        .ok_or(UpstreamError::Unreachable)?;
    Ok(request)
}

impl Default for UpstreamClient {
    fn default() -> Self {
        Self::new()
    }
}

impl Pool {
    fn new(connect_timeout: Duration, tls: Option<&ClientConfig>) -> Pool {
        let tls = tls.map(|config| TlsPools {
            any: tls_client(connect_timeout, config.clone(), true),
            http1: tls_client(connect_timeout, config.clone(), false),
        });
        Pool {
            connect_timeout,
            plain: client_builder().build(connector(connect_timeout)),
            tls,
        }
    }
}

fn client_builder() -> hyper_util::client::legacy::Builder {
    let mut builder = Client::builder(TokioExecutor::new());
    builder.pool_idle_timeout(POOL_IDLE_TIMEOUT);
    builder
}

/// A TCP connector that gives up after `connect_timeout`.
pub(super) fn connector(connect_timeout: Duration) -> HttpConnector {
    let mut connector = HttpConnector::new();
    connector.set_connect_timeout(Some(connect_timeout));
    connector.set_nodelay(true);
    connector
}

/// An HTTPS-only client; `h2` adds HTTP/2 to the ALPN offer.
fn tls_client(connect_timeout: Duration, config: ClientConfig, h2: bool) -> TlsClient {
    let mut tcp = connector(connect_timeout);
    tcp.enforce_http(false);
    let builder = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_only();
    let https = if h2 {
        builder.enable_all_versions().wrap_connector(tcp)
    } else {
        builder.enable_http1().wrap_connector(tcp)
    };
    client_builder().build(https)
}

/// rustls with aws-lc-rs, verifying against the platform trust store plus `roots`.
fn tls_config(roots: Vec<CertificateDer<'static>>) -> Option<ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let built = rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider.clone())
        .and_then(|verifier| {
            let config = ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()?
                .dangerous() // not dangerous: the platform verifier checks chains and names
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth();
            Ok(config)
        });
    match built {
        Ok(config) => Some(config),
        Err(e) => {
            tracing::error!(error = %e, "no TLS trust store: https upstreams will answer 502");
            None
        }
    }
}

/// Whether `e` or one of its causes is an I/O timeout.
pub(super) fn timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return true;
        }
        source = s.source();
    }
    false
}

/// The error and its causes, for the log (never a header or body).
pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
