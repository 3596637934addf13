//! Audit events: one per authorization decision, also counted in `authgate_requests_total`.

use super::metrics::{REQUESTS, VERIFICATION_FAILURES, install_metrics};
use authgate::VerifyErrorKind;
use std::net::IpAddr;

/// How a request ended, for metrics and audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

impl Outcome {
    /// The `outcome` label value: `allowed`, `unauthenticated`, `forbidden`, `rate_limited`,
    /// `bad_request`, `no_route` or `upstream_error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Unauthenticated => "unauthenticated",
            Outcome::Forbidden => "forbidden",
            Outcome::RateLimited => "rate_limited",
            Outcome::BadRequest => "bad_request",
            Outcome::NoRoute => "no_route",
            Outcome::UpstreamError => "upstream_error",
        }
    }
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
    /// The client's address: the TCP peer, or from a trusted proxy the address it forwarded
    /// (the one rate limits use).
    pub client_ip: IpAddr,
    /// Outcome.
    pub outcome: Outcome,
    /// Why (a verification error kind, a policy denial, "ok").
    pub reason: &'a str,
}

/// Emits an audit event (target `authgate::audit`, level INFO, fields `route`, `subject`,
/// `client`, `client_ip`, `outcome`, `reason`) and counts it in
/// `authgate_requests_total{route,outcome}`.
pub fn audit(event: &AuditEvent<'_>) {
    install_metrics();
    tracing::info!(
        target: "authgate::audit",
        route = event.route,
        subject = event.subject,
        client = event.client,
        client_ip = %event.client_ip,
        outcome = event.outcome.as_str(),
        reason = event.reason,
        "decision"
    );
    super::series::count(REQUESTS, event.route, "outcome", event.outcome.as_str());
}

/// The stable `reason` label of a verification failure (`expired`, `wrong_audience`, ...).
pub fn verify_failure_reason(kind: VerifyErrorKind) -> &'static str {
    match kind {
        VerifyErrorKind::Malformed => "malformed",
        VerifyErrorKind::DisallowedAlg => "disallowed_alg",
        VerifyErrorKind::UnknownKey => "unknown_key",
        VerifyErrorKind::BadSignature => "bad_signature",
        VerifyErrorKind::WrongTokenType => "wrong_token_type",
        VerifyErrorKind::WrongIssuer => "wrong_issuer",
        VerifyErrorKind::UnknownIssuer => "unknown_issuer",
        VerifyErrorKind::WrongAudience => "wrong_audience",
        VerifyErrorKind::Expired => "expired",
        VerifyErrorKind::NotYetValid => "not_yet_valid",
        VerifyErrorKind::InvalidTimes => "invalid_times",
        VerifyErrorKind::MissingClaim => "missing_claim",
        VerifyErrorKind::InvalidClaim => "invalid_claim",
        VerifyErrorKind::KeysUnavailable => "keys_unavailable",
        _ => "other",
    }
}

/// Counts a rejected token in `authgate_verification_failures_total{reason}`; `reason` is
/// [`verify_failure_reason`] of `kind`.
pub fn record_verify_failure(kind: VerifyErrorKind) {
    install_metrics();
    ::metrics::counter!(VERIFICATION_FAILURES, "reason" => verify_failure_reason(kind))
        .increment(1);
}
