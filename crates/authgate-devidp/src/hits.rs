//! Per-flavor hit counters of the discovery, JWKS, token and userinfo endpoints.

use crate::faults::Endpoint;
use crate::flavor::Flavor;
use std::sync::atomic::{AtomicU64, Ordering};

/// Per-flavor request counters of the discovery, JWKS, token and userinfo endpoints.
#[derive(Debug, Default)]
pub(crate) struct Hits {
    discovery: [AtomicU64; 6],
    jwks: [AtomicU64; 6],
    token: [AtomicU64; 6],
    userinfo: [AtomicU64; 6],
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
            Some(f) => counters
                .get(f.index())
                .map_or(0, |c| c.load(Ordering::SeqCst)),
            None => counters.iter().map(|c| c.load(Ordering::SeqCst)).sum(),
        }
    }

    fn counters(&self, endpoint: Endpoint) -> &[AtomicU64; 6] {
        match endpoint {
            Endpoint::Discovery => &self.discovery,
            Endpoint::Jwks => &self.jwks,
            Endpoint::Token => &self.token,
            Endpoint::UserInfo => &self.userinfo,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
