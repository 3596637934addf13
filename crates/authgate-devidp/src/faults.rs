//! Fault injection on the discovery and JWKS endpoints, and their hit counters.

use crate::flavor::Flavor;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock};
use std::time::Duration;
use tokio::sync::watch;

/// An injected fault on the JWKS (and discovery) endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Normal operation.
    None,
    /// Respond with this status (e.g. 503).
    Status(u16),
    /// Respond 429 with `Retry-After: secs`.
    TooManyRequests {
        /// Seconds for `Retry-After`.
        retry_after: u64,
    },
    /// Wait this long before answering.
    Slow(Duration),
    /// Never answer (until the IdP shuts down; then 503).
    Hang,
    /// Answer 200 with this body instead of the JWKS (HTML, `{"keys":[]}`, truncated JSON).
    Body(String),
}

/// Which kind of metadata endpoint a fault or a hit concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `openid-configuration` and `oauth-authorization-server` documents.
    Discovery,
    /// The JWKS.
    Jwks,
}

/// Faults keyed by (flavor, endpoint); `None` in a key means "every".
#[derive(Debug, Default)]
pub(crate) struct Faults {
    table: RwLock<HashMap<(Option<Flavor>, Option<Endpoint>), Fault>>,
}

impl Faults {
    /// Sets (or with [`Fault::None`] clears) the fault for this scope.
    pub(crate) fn set(&self, flavor: Option<Flavor>, endpoint: Option<Endpoint>, fault: Fault) {
        let mut table = self.table.write().unwrap_or_else(PoisonError::into_inner);
        if fault == Fault::None {
            table.remove(&(flavor, endpoint));
        } else {
            table.insert((flavor, endpoint), fault);
        }
    }

    /// Clears every fault.
    pub(crate) fn clear(&self) {
        self.table.write().unwrap_or_else(PoisonError::into_inner).clear();
    }

    /// The most specific fault set for this request: flavor and endpoint, then flavor, then
    /// endpoint, then global.
    pub(crate) fn effective(&self, flavor: Flavor, endpoint: Endpoint) -> Fault {
        let table = self.table.read().unwrap_or_else(PoisonError::into_inner);
        let scopes = [
            (Some(flavor), Some(endpoint)),
            (Some(flavor), None),
            (None, Some(endpoint)),
            (None, None),
        ];
        scopes.iter().find_map(|s| table.get(s).cloned()).unwrap_or(Fault::None)
    }
}

/// Acts out `fault`: `Some(response)` to send instead of the document, `None` to answer
/// normally (after any delay).
pub(crate) async fn act(fault: Fault, mut shutdown: watch::Receiver<bool>) -> Option<Response> {
    match fault {
        Fault::None => None,
        Fault::Slow(delay) => {
            tokio::select! {
                () = tokio::time::sleep(delay) => None,
                _ = shutdown.wait_for(|stopped| *stopped) => Some(unavailable()),
            }
        }
        Fault::Hang => {
            // Resolves only when the IdP shuts down (or its shutdown sender is dropped).
            let _ = shutdown.wait_for(|stopped| *stopped).await;
            Some(unavailable())
        }
        Fault::Status(code) => Some(status_response(code)),
        Fault::TooManyRequests { retry_after } => Some(too_many(retry_after)),
        Fault::Body(body) => Some(json_body(body)),
    }
}

fn unavailable() -> Response {
    status_response(503)
}

fn status_response(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = format!("{{\"error\":\"injected fault\",\"status\":{}}}", status.as_u16());
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn too_many(retry_after: u64) -> Response {
    let mut response = status_response(429);
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

fn json_body(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Per-flavor request counters of the discovery and JWKS endpoints.
#[derive(Debug, Default)]
pub(crate) struct Hits {
    discovery: [AtomicU64; 6],
    jwks: [AtomicU64; 6],
}

impl Hits {
    /// Counts one request.
    pub(crate) fn record(&self, flavor: Flavor, endpoint: Endpoint) {
        if let Some(counter) = self.counters(endpoint).get(flavor.index()) {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Requests to `endpoint` of `flavor`, or of every flavor when `None`.
    pub(crate) fn count(&self, flavor: Option<Flavor>, endpoint: Endpoint) -> u64 {
        let counters = self.counters(endpoint);
        match flavor {
            Some(f) => counters.get(f.index()).map_or(0, |c| c.load(Ordering::SeqCst)),
            None => counters.iter().map(|c| c.load(Ordering::SeqCst)).sum(),
        }
    }

    fn counters(&self, endpoint: Endpoint) -> &[AtomicU64; 6] {
        match endpoint {
            Endpoint::Discovery => &self.discovery,
            Endpoint::Jwks => &self.jwks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_specific_fault_wins_and_none_clears() {
        let faults = Faults::default();
        faults.set(None, None, Fault::Status(503));
        faults.set(Some(Flavor::Google), Some(Endpoint::Jwks), Fault::Hang);
        assert_eq!(faults.effective(Flavor::Google, Endpoint::Jwks), Fault::Hang);
        assert_eq!(faults.effective(Flavor::Google, Endpoint::Discovery), Fault::Status(503));
        assert_eq!(faults.effective(Flavor::Okta, Endpoint::Jwks), Fault::Status(503));
        faults.set(None, None, Fault::None);
        assert_eq!(faults.effective(Flavor::Okta, Endpoint::Jwks), Fault::None);
        faults.clear();
        assert_eq!(faults.effective(Flavor::Google, Endpoint::Jwks), Fault::None);
    }

    #[test]
    fn hits_count_per_flavor_and_in_total() {
        let hits = Hits::default();
        hits.record(Flavor::Okta, Endpoint::Jwks);
        hits.record(Flavor::Okta, Endpoint::Jwks);
        hits.record(Flavor::Oidc, Endpoint::Jwks);
        hits.record(Flavor::Oidc, Endpoint::Discovery);
        assert_eq!(hits.count(Some(Flavor::Okta), Endpoint::Jwks), 2);
        assert_eq!(hits.count(None, Endpoint::Jwks), 3);
        assert_eq!(hits.count(None, Endpoint::Discovery), 1);
    }
}
