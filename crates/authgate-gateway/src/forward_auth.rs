//! Forward-auth: `GET /auth/verify` for nginx `auth_request`, Traefik `ForwardAuth` and Envoy
//! `ext_authz` (HTTP service, configured to send one of the header pairs below).
//!
//! The proxy in front of the application asks the gateway whether one request may pass. The
//! gateway reads the original method and URI from headers the proxy sets, checks the path
//! exactly as its own reverse proxy does, finds the route and runs the same decision
//! ([`crate::pipeline::decide`]) over the original request's credentials. Unlike the reverse
//! proxy, which forwards the path it normalised, forward-auth cannot change what the
//! application receives, so it refuses a path that normalisation would change
//! ([`crate::routes::normalize_exact`]): the decision is always about the very path the
//! application serves.
//!
//! | header pair the proxy sets | sent by |
//! |---|---|
//! | `X-Original-Method` + `X-Original-URI` | nginx (`proxy_set_header ... $request_method` / `$request_uri`) |
//! | `X-Forwarded-Method` + `X-Forwarded-Uri` | Traefik `ForwardAuth` (always) |
//!
//! # Answers
//!
//! | situation | status | notes |
//! |---|---|---|
//! | allowed | 200 | the identity headers the proxy sends upstream ([`crate::proxy::headers::inject_identity`]): `X-Auth-Subject`, `-Email`, `-Name`, `-Tenant`, `-Scopes` (space-separated), `-Roles` (comma-separated), `-Client`, `-Provider`; none on `auth = "none"` routes or with `forward.identity_headers = false` |
//! | a CORS preflight (`OPTIONS` + `Origin` + `Access-Control-Request-Method`) for a route with `cors` | 204 / 403 | decided without authentication, as the proxy does ([`crate::proxy::preflight`]) |
//! | no or bad token | 401 | `WWW-Authenticate: Bearer` or `Bearer error="invalid_token"` (RFC 6750 §3) |
//! | no session on a `session` route (or `any` without a token) | 401 | `{"error":"login_required","login_url":"/auth/login?return_to=..."}` and the same URL in `X-Authgate-Login`: the proxy in front redirects browsers there (nginx `error_page 401 = @authgate_login`) |
//! | policy denies | 403 | `WWW-Authenticate: Bearer error="insufficient_scope", scope="..."` |
//! | no route matches the original request | 403 | default deny; `{"error":"no_route"}`, no challenge |
//! | the peer is not in `server.trusted_proxies` | 403 | `{"error":"untrusted_proxy"}`: forward-auth answers only trusted proxies |
//! | original method or URI missing, repeated, both header pairs present, a `#` in the URI, a path the route matcher refuses (encoded `/`, `;`, NUL), or a path not in normal form (`.`/`..`/empty segments, escaped unreserved characters; hex digits may be either case) | 400 | `{"error":"invalid_request"}` (`"bad_path"` for a refused path, as the proxy answers); the verify URL itself is never authorized |
//! | too many failed authentications from the client (routes with auth) | 429 | `Retry-After` |
//! | the issuer's keys are unavailable | 503 | `Retry-After` |
//! | `[forward_auth] enabled = false` | 404 | |
//!
//! nginx `auth_request` passes only 2xx, 401 and 403 through; it answers every other status
//! (400, 429, 503) with 500, which is still a refusal.
//!
//! # Security
//!
//! - The original method and URI are honoured only from peers in `server.trusted_proxies`: any
//!   other caller could otherwise ask about a public path and get a 200 for a private one.
//! - Both header pairs at once are refused, so a client cannot smuggle `X-Forwarded-Uri` past
//!   an nginx that sets only `X-Original-URI` (or the reverse behind Traefik).
//! - The client IP for rate limits is the right-most `X-Forwarded-For` entry that is not a
//!   trusted proxy, falling back to the peer.
//! - The 200's identity headers come only from the verified principal, never from the request;
//!   the proxy in front must set (not append) the same names on the request to the
//!   application, so a client's own `X-Auth-*` never reaches it (see
//!   `examples/forward-auth-nginx`).

use crate::app::{Gateway, SharedGateway};
use crate::config::{AuthMode, RouteSpec};
use crate::pipeline::{Decision, decide_explained};
use crate::proxy::headers::inject_identity;
use crate::proxy::{json_error, preflight, preflight_method};
use crate::routes::normalize_exact;
use crate::telemetry::{AuditEvent, Outcome, audit};
use authgate::{Principal, Rejection, RejectionKind};
use axum::extract::{ConnectInfo, State};
use axum::response::{IntoResponse, Response};
use http::header::{ACCEPT, CACHE_CONTROL};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// The route name forward-auth uses in audit events when no route applies.
pub const AUDIT_ROUTE: &str = "forward-auth";

/// nginx: the original method.
pub const X_ORIGINAL_METHOD: HeaderName = HeaderName::from_static("x-original-method");
/// nginx: the original request URI (`$request_uri`: path and query, not normalised).
pub const X_ORIGINAL_URI: HeaderName = HeaderName::from_static("x-original-uri");
/// Traefik: the original method.
pub const X_FORWARDED_METHOD: HeaderName = HeaderName::from_static("x-forwarded-method");
/// Traefik: the original request URI.
pub const X_FORWARDED_URI: HeaderName = HeaderName::from_static("x-forwarded-uri");
/// On a 401 `login_required`: where to send the browser to sign in (for the proxy in front).
pub const X_AUTHGATE_LOGIN: HeaderName = HeaderName::from_static("x-authgate-login");
/// The client address chain.
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// `GET /auth/verify`: answers whether the request described by the forwarding headers may
/// reach its route (see the module docs for every answer).
pub async fn handler(
    State(state): State<SharedGateway>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let gw = state.load_full();
    verify(&gw, peer.ip(), &headers).await
}

/// The forward-auth decision for a request from `peer` carrying `headers`: the handler without
/// the axum extraction.
pub async fn verify(gw: &Gateway, peer: IpAddr, headers: &HeaderMap) -> Response {
    if !gw.config.forward_auth {
        return json_error(StatusCode::NOT_FOUND, "no_route");
    }
    let trusted = &gw.config.server.trusted_proxies;
    if !is_trusted(trusted, peer) {
        tracing::warn!(%peer, "forward-auth request from a peer not in server.trusted_proxies");
        audit_bare(AUDIT_ROUTE, peer, Outcome::Forbidden, "untrusted_proxy");
        return json_error(StatusCode::FORBIDDEN, "untrusted_proxy");
    }
    let client = client_ip(trusted, peer, headers);
    let original = match OriginalRequest::from_headers(headers) {
        Ok(original) => original,
        Err(why) => return bad_request(client, "invalid_request", why),
    };
    let path = match normalize_exact(original.uri.path()) {
        Ok(path) => path,
        Err(bad) => return bad_request(client, "bad_path", bad.0),
    };
    if let Some(answer) = answer_preflight(gw, &original.method, &path, headers) {
        return answer;
    }
    let Some(route) = gw.routes.find(&original.method, &path) else {
        audit_bare(AUDIT_ROUTE, client, Outcome::NoRoute, "no_route");
        return json_error(StatusCode::FORBIDDEN, "no_route");
    };
    authorize(gw, route, client, headers, &original.uri).await
}

/// A CORS preflight for a route with CORS settings, decided as the proxy decides it: without
/// authentication (204 with the CORS headers, or 403 for an origin or method not allowed).
fn answer_preflight(
    gw: &Gateway,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Option<Response> {
    let requested = preflight_method(method, headers)?;
    let route = gw.routes.find_for_preflight(&requested, path)?;
    let cors = route.cors.as_ref()?;
    Some(preflight(cors, &requested, headers))
}

/// Rate limit, decision, audit, answer: the proxy's steps without the upstream.
async fn authorize(
    gw: &Gateway,
    route: &RouteSpec,
    client: IpAddr,
    headers: &HeaderMap,
    uri: &Uri,
) -> Response {
    if route.auth != AuthMode::None
        && let Err(wait) = gw.limiters.check_failed_auth(&route.rate_limit, client)
    {
        audit_bare(&route.name, client, Outcome::RateLimited, "rate_limited");
        return crate::ratelimit::too_many_requests(wait);
    }
    let explained = decide_explained(gw, route, headers, uri).await;
    match explained.decision {
        Decision::Allow(principal) => {
            let p = principal.as_deref();
            audit(&AuditEvent {
                route: &route.name,
                subject: p.map(|p| p.subject.as_str()),
                client: p.and_then(|p| p.client_id.as_deref()),
                client_ip: client,
                outcome: Outcome::Allowed,
                reason: &explained.reason,
            });
            allowed(route, p)
        }
        Decision::LoginRequired(_) => {
            audit_bare(
                &route.name,
                client,
                Outcome::Unauthenticated,
                &explained.reason,
            );
            login_required(gw, headers, uri).await
        }
        Decision::Deny(rejection) => {
            if matches!(
                rejection.kind(),
                RejectionKind::InvalidToken | RejectionKind::InvalidRequest
            ) {
                gw.limiters.record_failed_auth(&route.rate_limit, client);
            }
            audit_bare(
                &route.name,
                client,
                outcome_of(&rejection),
                &explained.reason,
            );
            rejection.into_response()
        }
    }
}

/// 401 `{"error":"login_required","login_url":...}` whatever the original request accepts,
/// with the URL also in [`X_AUTHGATE_LOGIN`]: `auth_request` cannot pass a redirect on, so the
/// proxy in front turns the 401 into one (nginx: `auth_request_set` on the header and
/// `error_page 401 = @login`, see `examples/forward-auth-nginx`).
async fn login_required(gw: &Gateway, headers: &HeaderMap, uri: &Uri) -> Response {
    let Some(sessions) = &gw.sessions else {
        return Rejection::misconfigured().into_response();
    };
    let mut api = headers.clone();
    api.insert(ACCEPT, HeaderValue::from_static("application/json"));
    api.insert(
        HeaderName::from_static("x-requested-with"),
        HeaderValue::from_static("XMLHttpRequest"),
    );
    let (mut parts, body) = sessions.login_required(&api, uri).into_parts();
    let bytes = axum::body::to_bytes(body, LOGIN_BODY_LIMIT)
        .await
        .unwrap_or_default();
    let login_url = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|json| json.get("login_url")?.as_str().map(str::to_owned))
        .and_then(|url| HeaderValue::from_str(&url).ok());
    if let Some(url) = login_url {
        parts.headers.insert(X_AUTHGATE_LOGIN, url);
    }
    parts
        .headers
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// The sessions' `login_required` body is small JSON; anything larger is not it.
const LOGIN_BODY_LIMIT: usize = 16 * 1024;

/// The original request as the proxy in front described it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalRequest {
    /// The original method.
    pub method: Method,
    /// The original request target (path and query; not yet normalised).
    pub uri: Uri,
}

impl OriginalRequest {
    /// Reads exactly one header pair: `X-Original-Method` + `X-Original-URI` or
    /// `X-Forwarded-Method` + `X-Forwarded-Uri`. The error is a fixed description.
    pub fn from_headers(headers: &HeaderMap) -> Result<Self, &'static str> {
        let nginx = headers.contains_key(X_ORIGINAL_METHOD) || headers.contains_key(X_ORIGINAL_URI);
        let traefik =
            headers.contains_key(X_FORWARDED_METHOD) || headers.contains_key(X_FORWARDED_URI);
        let (method, uri) = match (nginx, traefik) {
            (true, true) => return Err("both X-Original-* and X-Forwarded-* are present"),
            (false, false) => return Err("the original method and URI are missing"),
            (true, false) => (X_ORIGINAL_METHOD, X_ORIGINAL_URI),
            (false, true) => (X_FORWARDED_METHOD, X_FORWARDED_URI),
        };
        let method =
            single(headers, &method).ok_or("the original method is missing or repeated")?;
        let uri = single(headers, &uri).ok_or("the original URI is missing or repeated")?;
        Ok(OriginalRequest {
            method: Method::from_bytes(method.as_bytes()).map_err(|_| "bad original method")?,
            uri: parse_target(uri.as_bytes()).ok_or("bad original URI")?,
        })
    }
}

/// The only value of `name`, if it occurs exactly once.
fn single<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a HeaderValue> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    values.next().is_none().then_some(first)
}

/// An origin-form target (`/path?query`), or an absolute URI whose path is used. A `#` is
/// refused: request targets never carry a fragment (RFC 9112 §3.2), and `Uri` would drop it
/// while the proxy in front sends the application the raw target
/// (`/public/x#/../../api/admin/x`).
fn parse_target(raw: &[u8]) -> Option<Uri> {
    if raw.contains(&b'#') {
        return None;
    }
    let uri = Uri::try_from(raw).ok()?;
    uri.path().starts_with('/').then_some(uri)
}

/// Whether `ip` belongs to one of the trusted proxy networks (IPv4-mapped IPv6 included).
pub fn is_trusted(trusted: &[IpNet], ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    trusted.iter().any(|net| net.contains(&ip))
}

/// The client behind a trusted `peer`: the right-most `X-Forwarded-For` entry that is not a
/// trusted proxy. Stops at the first unparsable entry; falls back to the peer. Call it only
/// for trusted peers: from any other peer the header is the client's own claim.
pub fn client_ip(trusted: &[IpNet], peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    let hops = headers
        .get_all(X_FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect::<Vec<_>>();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(trusted, ip) {
            break;
        }
    }
    client
}

/// 200 with the identity headers of `principal` (when the route sends them), exactly those
/// the proxy would send upstream.
fn allowed(route: &RouteSpec, principal: Option<&Principal>) -> Response {
    let mut response = StatusCode::OK.into_response();
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(p) = principal.filter(|_| route.identity_headers) {
        inject_identity(headers, p);
    }
    response
}

/// 400 with the error `code`; the fixed reason goes to the debug log and the audit event.
fn bad_request(client: IpAddr, code: &'static str, why: &'static str) -> Response {
    tracing::debug!(why, "forward-auth request refused");
    audit_bare(AUDIT_ROUTE, client, Outcome::BadRequest, why);
    json_error(StatusCode::BAD_REQUEST, code)
}

/// The audit outcome of a rejection (the proxy's mapping).
fn outcome_of(rejection: &Rejection) -> Outcome {
    match rejection.kind() {
        RejectionKind::InsufficientScope => Outcome::Forbidden,
        RejectionKind::InvalidRequest => Outcome::BadRequest,
        RejectionKind::TemporarilyUnavailable | RejectionKind::Misconfigured => {
            Outcome::UpstreamError
        }
        _ => Outcome::Unauthenticated,
    }
}

/// An audit event without a caller identity.
fn audit_bare(route: &str, client_ip: IpAddr, outcome: Outcome, reason: &str) {
    audit(&AuditEvent {
        route,
        subject: None,
        client: None,
        client_ip,
        outcome,
        reason,
    });
}

#[cfg(test)]
mod tests;
