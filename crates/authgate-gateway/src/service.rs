//! The service `authgate serve` runs on plain-HTTP listeners: one per connection, knowing the
//! peer's address, sending the gateway's own endpoints (`/healthz`, `/readyz`, `/metrics`,
//! `/auth/*`) through the axum router of [`crate::app::router`] and every other request
//! straight to the proxy. The proxy path thereby skips the router's matching, fallback and
//! middleware layers and the per-request extension map that carried the peer address
//! (BENCHMARKS.md); what it does is the same: the proxy handler, then the security headers.

use crate::app::{SharedGateway, router};
use crate::proxy::{self, ClientConnection};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::response::Response;
use hyper::body::Incoming;
use std::convert::Infallible;
use std::future::{Future, Ready, ready};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::{Service, ServiceExt};

/// Makes a [`GatewayService`] per accepted connection.
#[derive(Clone)]
pub struct GatewayMakeService {
    state: SharedGateway,
    router: Router,
}

impl GatewayMakeService {
    /// The service for `state`, with [`router`] for the gateway's own endpoints.
    pub fn new(state: SharedGateway) -> GatewayMakeService {
        let router = router(state.clone());
        GatewayMakeService { state, router }
    }

    /// The service of a new connection from `peer`.
    pub fn service_for(&self, peer: SocketAddr) -> GatewayService {
        GatewayService {
            peer,
            state: self.state.clone(),
            router: self.router.clone(),
            connection: Arc::new(ClientConnection::new(peer)),
        }
    }

    /// The router alone (for listeners that add layers to it, such as HSTS with TLS).
    pub fn into_router(self) -> Router {
        self.router
    }
}

impl Service<SocketAddr> for GatewayMakeService {
    type Response = GatewayService;
    type Error = Infallible;
    type Future = Ready<Result<GatewayService, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, peer: SocketAddr) -> Self::Future {
        ready(Ok(self.service_for(peer)))
    }
}

/// The service of one connection from `peer`.
#[derive(Clone)]
pub struct GatewayService {
    peer: SocketAddr,
    state: SharedGateway,
    router: Router,
    /// What the proxy remembers of this connection between its requests.
    connection: Arc<ClientConnection>,
}

type Answer = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl Service<http::Request<Incoming>> for GatewayService {
    type Response = Response;
    type Error = Infallible;
    type Future = Answer;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Incoming>) -> Answer {
        self.answer(request)
    }
}

/// How hyper calls it (the plain listener serves it on hyper directly).
impl hyper::service::Service<http::Request<Incoming>> for GatewayService {
    type Response = Response;
    type Error = Infallible;
    type Future = Answer;

    fn call(&self, request: http::Request<Incoming>) -> Answer {
        self.answer(request)
    }
}

impl GatewayService {
    /// The response to `request`: the router for the gateway's own endpoints, the proxy for
    /// everything else.
    fn answer(&self, request: http::Request<Incoming>) -> Answer {
        let mut request = request.map(Body::new);
        if answered_by_router(request.uri().path()) {
            request.extensions_mut().insert(ConnectInfo(self.peer));
            return Box::pin(self.router.clone().oneshot(request));
        }
        let (state, connection) = (self.state.clone(), self.connection.clone());
        Box::pin(async move {
            let gw = state.load();
            let mut response = proxy::handle_from(&gw, &connection, request).await;
            if gw.config.server.security_headers {
                proxy::security_headers(response.headers_mut());
            }
            Ok(response)
        })
    }
}

/// The paths [`router`] answers itself (every other path reaches its fallback, the proxy).
fn answered_by_router(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics" | "/auth/verify")
        || path.starts_with("/auth/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gateway_endpoints_go_to_the_router_and_nothing_else() {
        for own in [
            "/healthz",
            "/readyz",
            "/metrics",
            "/auth/verify",
            "/auth/login",
            "/auth/",
        ] {
            assert!(answered_by_router(own), "{own}");
        }
        for proxied in [
            "/",
            "/healthz/",
            "/healthzz",
            "//healthz",
            "/auth",
            "/api/auth/x",
            "/metrics2",
        ] {
            assert!(!answered_by_router(proxied), "{proxied}");
        }
    }
}
