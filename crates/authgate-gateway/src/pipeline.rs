//! The authentication and authorization decision shared by the proxy and forward-auth:
//! credential → verify (route's providers) → route policy → allow or an RFC 6750 rejection.
//!
//! `auth = "session"` reads only the session cookie; without a live session the answer is
//! "sign in" ([`Decision::LoginRequired`]: 303 to `/auth/login` for browser navigations, 401
//! `login_required` JSON for API calls). `auth = "any"` uses the bearer token when an
//! `Authorization` header is present (a bad token is a 401, never a fallback to the cookie),
//! else the session. The route policy then applies to either principal alike.

use crate::app::Gateway;
use crate::config::{AuthMode, RouteSpec};
use crate::telemetry;
use authgate::session::Sessions;
use authgate::{ConnectionMemo, Principal, Rejection, RejectionKind, VerifyError, VerifyErrorKind};
use axum::response::Response;
use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, StatusCode, Uri};
use std::borrow::Cow;
use std::sync::Arc;

/// The outcome for one request on one route.
#[derive(Debug)]
pub enum Decision {
    /// Proceed; the principal is `None` only on `auth = "none"` routes. Shared with the
    /// verified-token cache for bearer tokens.
    Allow(Option<Arc<Principal>>),
    /// Answer with this rejection (401/403/400/503).
    Deny(Rejection),
    /// No session on a session route: answer with this response (303 to sign in, or 401
    /// `login_required` JSON for API calls).
    LoginRequired(Response),
}

/// A decision and why it was taken, for the audit event and metrics. The reason is a short
/// fixed vocabulary (`ok`, `session`, `no_session`, `session_store_unavailable`, `no_auth`,
/// `missing_credentials`, `invalid_request`, a verification error kind such as `expired` or
/// `wrong_audience`, `keys_unavailable`, `policy_denied: missing scope read_data`) and never
/// contains a token.
#[derive(Debug)]
pub struct Explained {
    /// The decision.
    pub decision: Decision,
    /// Why.
    pub reason: Cow<'static, str>,
}

/// Decides whether the request may reach the route's upstream.
pub async fn decide(gw: &Gateway, route: &RouteSpec, headers: &HeaderMap, uri: &Uri) -> Decision {
    decide_explained(gw, route, headers, uri).await.decision
}

/// [`decide`], keeping the reason for the audit event.
pub async fn decide_explained(
    gw: &Gateway,
    route: &RouteSpec,
    headers: &HeaderMap,
    uri: &Uri,
) -> Explained {
    decide_on_connection(gw, route, headers, uri, None).await
}

/// [`decide_explained`] for a request on the client connection `memo` belongs to: a bearer
/// token that connection presented last is recognised without hashing it again
/// ([`ConnectionMemo`]).
pub async fn decide_on_connection(
    gw: &Gateway,
    route: &RouteSpec,
    headers: &HeaderMap,
    uri: &Uri,
    memo: Option<&ConnectionMemo>,
) -> Explained {
    match route.auth {
        AuthMode::None => explained(Decision::Allow(None), "no_auth"),
        AuthMode::Bearer => bearer(gw, route, headers, uri, memo).await,
        AuthMode::Any if headers.contains_key(AUTHORIZATION) => {
            bearer(gw, route, headers, uri, memo).await
        }
        AuthMode::Any | AuthMode::Session => session(gw, route, headers, uri).await,
    }
}

/// Session authentication then the route policy.
async fn session(gw: &Gateway, route: &RouteSpec, headers: &HeaderMap, uri: &Uri) -> Explained {
    // Validation accepts session routes only with sign-in, and a gateway with sign-in builds
    // its sessions; one without is a misconfiguration (500), never an open door.
    let Some(sessions) = &gw.sessions else {
        tracing::error!(route = %route.name, "session route on a gateway without sign-in");
        return explained(Decision::Deny(Rejection::misconfigured()), "no_sign_in");
    };
    match sessions.authenticate(headers).await {
        Ok(Some(principal)) => authorize(route, Arc::new(principal), "session"),
        Ok(None) => {
            let response = login_required(sessions, route, headers, uri);
            explained(Decision::LoginRequired(response), "no_session")
        }
        Err(error) => {
            tracing::error!(route = %route.name, %error, "session lookup failed");
            explained(
                Decision::Deny(Rejection::temporarily_unavailable()),
                "session_store_unavailable",
            )
        }
    }
}

/// The sessions' "sign in" answer; on `any` routes a 401 also names the bearer scheme
/// (RFC 6750 §3), since a token would be accepted too.
fn login_required(
    sessions: &Sessions,
    route: &RouteSpec,
    headers: &HeaderMap,
    uri: &Uri,
) -> Response {
    let mut response = sessions.login_required(headers, uri);
    if route.auth == AuthMode::Any && response.status() == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// Bearer authentication then the route policy.
async fn bearer(
    gw: &Gateway,
    route: &RouteSpec,
    headers: &HeaderMap,
    uri: &Uri,
    memo: Option<&ConnectionMemo>,
) -> Explained {
    let credential = match memo {
        Some(memo) => authgate::bearer_token_on_connection(headers, uri, memo),
        None => authgate::bearer_token(headers, uri, None),
    };
    let token = match credential {
        Ok(Some(token)) => token,
        Ok(None) => {
            let rejection = Rejection::missing_credentials(None);
            return explained(Decision::Deny(rejection), "missing_credentials");
        }
        Err(rejection) => {
            let reason = transport_reason(&rejection);
            return explained(Decision::Deny(rejection), reason);
        }
    };
    let only = (!route.providers.is_empty()).then_some(route.providers.as_slice());
    let verified = match (memo, only) {
        (Some(memo), _) => gw.verifier.verify_on_connection(token, only, memo).await,
        (None, None) => gw.verifier.verify_shared(token).await,
        (None, Some(ids)) => gw.verifier.verify_for_shared(token, ids).await,
    };
    match verified {
        Ok(principal) => authorize(route, principal, "ok"),
        Err(e) => verify_failure(&e),
    }
}

/// The route's policy over an authenticated principal; `ok` is the reason when it passes
/// (`ok` for a bearer token, `session` for a session).
fn authorize(route: &RouteSpec, principal: Arc<Principal>, ok: &'static str) -> Explained {
    let Some(policy) = &route.policy else {
        return explained(Decision::Allow(Some(principal)), ok);
    };
    match policy.evaluate(&principal) {
        Ok(()) => explained(Decision::Allow(Some(principal)), ok),
        Err(denial) => {
            let mut reason = String::from("policy_denied");
            if !denial.reasons.is_empty() {
                reason.push_str(": ");
                reason.push_str(&denial.reasons.join("; "));
            }
            let rejection = Rejection::insufficient_scope(None, denial.missing_scopes);
            Explained {
                decision: Decision::Deny(rejection),
                reason: Cow::Owned(reason),
            }
        }
    }
}

/// A failed verification: 401 `invalid_token`, or 503 when the keys are unavailable.
fn verify_failure(e: &VerifyError) -> Explained {
    let rejection = match e.kind() {
        VerifyErrorKind::KeysUnavailable => Rejection::temporarily_unavailable(),
        _ => Rejection::invalid_token(None),
    };
    telemetry::record_verify_failure(e.kind());
    Explained {
        decision: Decision::Deny(rejection),
        reason: Cow::Borrowed(telemetry::verify_failure_reason(e.kind())),
    }
}

/// The reason for a refused credential transport.
fn transport_reason(rejection: &Rejection) -> &'static str {
    match rejection.kind() {
        RejectionKind::InvalidRequest => "invalid_request",
        RejectionKind::MissingCredentials => "missing_credentials",
        _ => "malformed",
    }
}

fn explained(decision: Decision, reason: &'static str) -> Explained {
    Explained {
        decision,
        reason: Cow::Borrowed(reason),
    }
}
