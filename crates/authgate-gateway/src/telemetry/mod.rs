//! Logs (JSON through tracing), audit events and Prometheus metrics (`authgate_*`).

use std::time::Duration;

/// How a request ended, for metrics and audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Proxied (or answered 200 by forward-auth).
    Allowed,
    /// 401.
    Unauthenticated,
    /// 403.
    Forbidden,
    /// 429.
    RateLimited,
    /// 400.
    BadRequest,
    /// 404 (no route).
    NoRoute,
    /// 502/504/503.
    UpstreamError,
}

/// One authorization decision, logged as an audit event. Never carries a token or secret.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    /// Route name (or `forward-auth`).
    pub route: &'a str,
    /// `sub` of the caller, when known.
    pub subject: Option<&'a str>,
    /// Client id of the caller, when known.
    pub client: Option<&'a str>,
    /// Outcome.
    pub outcome: Outcome,
    /// Why (a verification error kind, a policy denial, "ok").
    pub reason: &'a str,
}

/// Emits an audit event (target `authgate::audit`) and counts it in
/// `authgate_requests_total{route,outcome}`.
pub fn audit(event: &AuditEvent<'_>) {
    todo!("{event:?}")
}

/// Records the time to the upstream's response head in `authgate_upstream_seconds{route}`.
pub fn record_upstream(route: &str, status: u16, elapsed: Duration) {
    todo!("{route} {status} {elapsed:?}")
}
