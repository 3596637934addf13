//! The proxy handler (the router's fallback): normalise → route → CORS preflight → rate
//! limit → decide → header hygiene → stream to the upstream → audit.

use super::connection::ClientConnection;
use super::headers::{self, Forwarding, IdentityHeaders};
use super::{UpstreamError, cors_headers, json_error, preflight, preflight_method, upgrade};
use crate::app::{Gateway, SharedGateway};
use crate::config::{AuthMode, RouteSpec};
use crate::forward_auth::{client_ip, is_trusted};
use crate::pipeline::{Decision, decide_on_connection};
use crate::routes::normalize_path;
use crate::telemetry::{self, AuditEvent, Outcome};
use authgate::{Rejection, RejectionKind};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use http::header::{HOST, HeaderValue, ORIGIN};
use http::uri::PathAndQuery;
use http::{HeaderMap, Method, StatusCode, Uri, Version};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

/// The fallback handler: proxies the request to its route's upstream, or answers it.
///
/// The server must be started with `into_make_service_with_connect_info::<SocketAddr>()`;
/// without the peer address the request is refused with 500 (a misconfiguration).
pub async fn handle(State(state): State<SharedGateway>, request: Request) -> Response {
    let connect = request.extensions().get::<ConnectInfo<SocketAddr>>();
    let Some(&ConnectInfo(peer)) = connect else {
        tracing::error!("the server does not provide ConnectInfo<SocketAddr>: refusing");
        return json_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error");
    };
    handle_from(&state.load(), &ClientConnection::new(peer), request).await
}

/// [`handle`] by the gateway `gw` (loaded once by the caller) for a request on `connection`
/// (the connection's service knows its peer without the request's extensions).
pub(crate) async fn handle_from(
    gw: &Gateway,
    connection: &ClientConnection,
    request: Request,
) -> Response {
    // CONNECT and TRACE are never proxied: a tunnel or an echo of the request (with its
    // credentials) through the gateway serves no API.
    if matches!(*request.method(), Method::CONNECT | Method::TRACE) {
        let client = client_address(gw, connection, request.headers());
        audit_bare("-", client, Outcome::BadRequest, "method_not_allowed");
        return json_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    }
    let path = match normalize_path(request.uri().path()) {
        Ok(path) => path,
        Err(bad) => {
            let client = client_address(gw, connection, request.headers());
            audit_bare("-", client, Outcome::BadRequest, bad.0);
            return json_error(StatusCode::BAD_REQUEST, "bad_path");
        }
    };
    if let Some(answer) = answer_preflight(gw, &path, &request) {
        return answer;
    }
    let Some(route) = gw.routes.find(request.method(), &path) else {
        let client = client_address(gw, connection, request.headers());
        audit_bare("-", client, Outcome::NoRoute, "no_route");
        return json_error(StatusCode::NOT_FOUND, "no_route");
    };
    let origin = route
        .cors
        .as_ref()
        .and_then(|_| request.headers().get(ORIGIN).cloned());
    let mut response = route_request(gw, route, connection, path, request).await;
    if let Some(cors) = &route.cors {
        cors_headers(cors, origin.as_ref(), response.headers_mut());
    }
    response
}

/// A CORS preflight for a route with CORS settings, answered without authentication.
fn answer_preflight(gw: &Gateway, path: &str, request: &Request) -> Option<Response> {
    let requested = preflight_method(request.method(), request.headers())?;
    let route = gw.routes.find_for_preflight(&requested, path)?;
    let cors = route.cors.as_ref()?;
    Some(preflight(cors, &requested, request.headers()))
}

/// Rate limit, decision, then the upstream; one audit event either way.
async fn route_request(
    gw: &Gateway,
    route: &Arc<RouteSpec>,
    connection: &ClientConnection,
    path: String,
    request: Request,
) -> Response {
    let (peer, trusted, client) = client_of(gw, connection, request.headers());
    if route.auth != AuthMode::None
        && let Err(wait) = gw.limiters.check_failed_auth(&route.rate_limit, client)
    {
        audit_bare(&route.name, client, Outcome::RateLimited, "rate_limited");
        return crate::ratelimit::too_many_requests(wait);
    }
    let memo = Some(&connection.memo);
    let explained = decide_on_connection(gw, route, request.headers(), request.uri(), memo).await;
    let principal = match explained.decision {
        Decision::Allow(principal) => principal,
        Decision::Deny(rejection) => {
            return deny(gw, route, client, rejection, &explained.reason);
        }
        Decision::LoginRequired(response) => {
            audit_bare(
                &route.name,
                client,
                Outcome::Unauthenticated,
                &explained.reason,
            );
            return response;
        }
    };
    let forwarding = Forwarding {
        peer,
        peer_value: connection.peer_value.clone(),
        trusted,
        proto: if gw.config.server.tls.is_some() {
            "https"
        } else {
            "http"
        },
        host: inbound_host(&request),
    };
    let mut request = request;
    if gw.sessions.is_some() {
        headers::strip_gateway_cookies(request.headers_mut());
    }
    let identity = principal
        .as_ref()
        .filter(|_| route.identity_headers)
        .map(|p| connection.identity_headers(p));
    let (response, outcome) = forward(gw, route, forwarding, &path, identity, request).await;
    let reason = if outcome == Outcome::Allowed {
        &explained.reason
    } else {
        "upstream_error"
    };
    telemetry::audit(&AuditEvent {
        route: &route.name,
        subject: principal.as_ref().map(|p| p.subject.as_str()),
        client: principal.as_ref().and_then(|p| p.client_id.as_deref()),
        client_ip: client,
        outcome,
        reason,
    });
    response
}

/// A refused request: counts failed authentications, audits, answers with the rejection.
fn deny(
    gw: &Gateway,
    route: &RouteSpec,
    client: IpAddr,
    rejection: Rejection,
    reason: &str,
) -> Response {
    let outcome = match rejection.kind() {
        RejectionKind::InsufficientScope => Outcome::Forbidden,
        RejectionKind::InvalidRequest => Outcome::BadRequest,
        RejectionKind::TemporarilyUnavailable | RejectionKind::Misconfigured => {
            Outcome::UpstreamError
        }
        _ => Outcome::Unauthenticated,
    };
    if matches!(
        rejection.kind(),
        RejectionKind::InvalidToken | RejectionKind::InvalidRequest
    ) {
        gw.limiters.record_failed_auth(&route.rate_limit, client);
    }
    audit_bare(&route.name, client, outcome, reason);
    rejection.into_response()
}

/// An audit event without a caller identity.
fn audit_bare(route: &str, client_ip: IpAddr, outcome: Outcome, reason: &str) {
    telemetry::audit(&AuditEvent {
        route,
        subject: None,
        client: None,
        client_ip,
        outcome,
        reason,
    });
}

/// The TCP peer, whether it is a trusted proxy, and the client's address (the one rate limits
/// use: from a trusted proxy, the client it forwarded for).
fn client_of(
    gw: &Gateway,
    connection: &ClientConnection,
    headers: &HeaderMap,
) -> (IpAddr, bool, IpAddr) {
    let (trusted, peer) = (&gw.config.server.trusted_proxies, connection.peer.ip());
    if is_trusted(trusted, peer) {
        (peer, true, client_ip(trusted, peer, headers))
    } else {
        (peer, false, peer)
    }
}

/// [`client_of`]'s client address, for a request refused before its route.
fn client_address(gw: &Gateway, connection: &ClientConnection, headers: &HeaderMap) -> IpAddr {
    client_of(gw, connection, headers).2
}

/// The `Host` the client addressed (HTTP/2: the `:authority`).
fn inbound_host(request: &Request) -> Option<HeaderValue> {
    request.headers().get(HOST).cloned().or_else(|| {
        let authority = request.uri().authority()?;
        HeaderValue::from_str(authority.as_str()).ok()
    })
}

/// Cleans the request, sends it upstream and streams the answer back.
async fn forward(
    gw: &Gateway,
    route: &RouteSpec,
    forwarding: Forwarding,
    path: &str,
    identity: Option<Arc<IdentityHeaders>>,
    mut request: Request,
) -> (Response, Outcome) {
    let websocket = headers::is_websocket_upgrade(request.headers());
    let client_upgrade = websocket.then(|| hyper::upgrade::on(&mut request));
    let (mut parts, body) = request.into_parts();
    let Some(target) = route_target(route, path, parts.uri.query()) else {
        tracing::error!(route = %route.name, "cannot build the upstream URI");
        return (
            UpstreamError::Unreachable.into_response(),
            Outcome::UpstreamError,
        );
    };
    let identity = identity.as_deref();
    prepare_request_headers(&mut parts.headers, route, &forwarding, identity, websocket);
    parts.uri = Uri::from(target);
    parts.version = Version::HTTP_11;
    parts.extensions = http::Extensions::new();
    let upstream_request = http::Request::from_parts(parts, body);
    let started = Instant::now();
    let result = gw
        .upstream
        .send(
            &route.upstream,
            upstream_request,
            route.connect_timeout,
            route.response_timeout,
        )
        .await;
    let status = result.as_ref().map_or_else(|e| e.status(), |r| r.status());
    telemetry::record_upstream(&route.name, status.as_u16(), started.elapsed());
    match result {
        Err(e) => (e.into_response(), Outcome::UpstreamError),
        Ok(response) => finish_response(route, response, client_upgrade),
    }
}

/// The request header hygiene (DESIGN.md "The request pipeline"): one pass removes what must
/// not reach the upstream, then the forwarding and identity headers are set.
fn prepare_request_headers(
    headers: &mut HeaderMap,
    route: &RouteSpec,
    forwarding: &Forwarding,
    identity: Option<&IdentityHeaders>,
    websocket: bool,
) {
    // The client connects to the upstream's authority (`Host` goes; the original is
    // X-Forwarded-Host).
    headers::clean_request(headers, forwarding.trusted, route.forward_authorization);
    headers.reserve(ADDED_HEADERS);
    headers::add_forwarded(headers, forwarding);
    if let Some(identity) = identity {
        headers::insert_identity(headers, identity);
    }
    if websocket {
        headers::set_websocket_upgrade(headers);
    }
}

/// At most how many headers [`prepare_request_headers`] adds (three forwarding, eight
/// identity, two for an upgrade), reserved at once instead of growing the map step by step.
const ADDED_HEADERS: usize = 13;

/// The upstream's response with hop-by-hop headers removed, its body streamed; a 101 joins
/// the two upgraded connections.
fn finish_response(
    route: &RouteSpec,
    mut response: http::Response<hyper::body::Incoming>,
    client_upgrade: Option<hyper::upgrade::OnUpgrade>,
) -> (Response, Outcome) {
    let switching = response.status() == StatusCode::SWITCHING_PROTOCOLS;
    headers::remove_hop_by_hop(response.headers_mut());
    match (switching, client_upgrade) {
        (false, _) => {}
        (true, Some(client)) => {
            let upstream = hyper::upgrade::on(&mut response);
            upgrade::spawn_tunnel(client, upstream, route.name.clone());
            headers::set_websocket_upgrade(response.headers_mut());
        }
        (true, None) => {
            tracing::warn!(route = %route.name, "upstream switched protocols unasked");
            return (
                UpstreamError::Unreachable.into_response(),
                Outcome::UpstreamError,
            );
        }
    }
    (response.map(Body::new).into_response(), Outcome::Allowed)
}

/// The request target at the upstream: its base path + the (prefix-stripped) normalised path
/// + the original query.
fn route_target(route: &RouteSpec, path: &str, query: Option<&str>) -> Option<PathAndQuery> {
    let path = strip_prefix(path, route.strip_prefix.as_deref());
    route.upstream.path_and_query(path, query)
}

/// Removes `prefix` when it is a whole-segment prefix of `path`; the result keeps a leading `/`.
fn strip_prefix<'a>(path: &'a str, prefix: Option<&str>) -> &'a str {
    let Some(prefix) = prefix
        .map(|p| p.trim_end_matches('/'))
        .filter(|p| !p.is_empty())
    else {
        return path;
    };
    match path.strip_prefix(prefix) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => path,
    }
}
