//! Per-flavor hit counters of the discovery, JWKS, token, userinfo and revocation endpoints,
//! and of the token endpoint per grant type.

use crate::faults::Endpoint;
use crate::flavor::Flavor;
use crate::idp::DevIdp;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// Per-flavor request counters.
#[derive(Debug, Default)]
pub(crate) struct Hits {
    discovery: [AtomicU64; 6],
    jwks: [AtomicU64; 6],
    token: [AtomicU64; 6],
    userinfo: [AtomicU64; 6],
    revocation: [AtomicU64; 6],
    end_session: [AtomicU64; 6],
    /// Token requests by flavor and `grant_type` (as sent; `""` when absent).
    grants: Mutex<HashMap<(Flavor, String), u64>>,
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

    /// Counts one token request with this `grant_type`.
    pub(crate) fn record_grant(&self, flavor: Flavor, grant_type: &str) {
        let mut grants = self.grants.lock().unwrap_or_else(PoisonError::into_inner);
        *grants.entry((flavor, grant_type.to_owned())).or_default() += 1;
    }

    /// Token requests with `grant_type` to `flavor`, or to every flavor when `None`.
    pub(crate) fn grant_count(&self, flavor: Option<Flavor>, grant_type: &str) -> u64 {
        let grants = self.grants.lock().unwrap_or_else(PoisonError::into_inner);
        grants
            .iter()
            .filter(|((f, g), _)| g == grant_type && flavor.is_none_or(|want| want == *f))
            .map(|(_, n)| *n)
            .sum()
    }

    fn counters(&self, endpoint: Endpoint) -> &[AtomicU64; 6] {
        match endpoint {
            Endpoint::Discovery => &self.discovery,
            Endpoint::Jwks => &self.jwks,
            Endpoint::Token => &self.token,
            Endpoint::UserInfo => &self.userinfo,
            Endpoint::Revocation => &self.revocation,
            Endpoint::EndSession => &self.end_session,
        }
    }
}

impl DevIdp {
    /// How many JWKS requests have been served (to assert single-flight and no fetch storms).
    /// Faulted requests count too.
    pub fn jwks_hits(&self) -> u64 {
        self.inner().hits.count(None, Endpoint::Jwks)
    }

    /// JWKS requests to `flavor`'s endpoints.
    pub fn jwks_hits_for(&self, flavor: Flavor) -> u64 {
        self.inner().hits.count(Some(flavor), Endpoint::Jwks)
    }

    /// Discovery (OIDC and RFC 8414) requests to every flavor.
    pub fn discovery_hits(&self) -> u64 {
        self.inner().hits.count(None, Endpoint::Discovery)
    }

    /// Discovery requests to `flavor`'s endpoints.
    pub fn discovery_hits_for(&self, flavor: Flavor) -> u64 {
        self.inner().hits.count(Some(flavor), Endpoint::Discovery)
    }

    /// Token endpoint requests to `flavor`.
    pub fn token_hits_for(&self, flavor: Flavor) -> u64 {
        self.inner().hits.count(Some(flavor), Endpoint::Token)
    }

    /// Token endpoint requests with this `grant_type` (`authorization_code`,
    /// `refresh_token`, `client_credentials`, ...) to `flavor`, or to every flavor with `None`
    /// ("exactly one refresh reached the IdP"). Faulted requests count too.
    pub fn token_grant_hits(&self, flavor: Option<Flavor>, grant_type: &str) -> u64 {
        self.inner().hits.grant_count(flavor, grant_type)
    }

    /// Revocation (RFC 7009) requests to `flavor`, or to every flavor with `None`.
    pub fn revocation_hits(&self, flavor: Option<Flavor>) -> u64 {
        self.inner().hits.count(flavor, Endpoint::Revocation)
    }

    /// End-session (RP-initiated logout) requests to `flavor`, or to every flavor with `None`.
    pub fn end_session_hits(&self, flavor: Option<Flavor>) -> u64 {
        self.inner().hits.count(flavor, Endpoint::EndSession)
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

    #[test]
    fn grant_hits_count_per_flavor_and_grant_type() {
        let hits = Hits::default();
        hits.record_grant(Flavor::Okta, "refresh_token");
        hits.record_grant(Flavor::Oidc, "refresh_token");
        hits.record_grant(Flavor::Oidc, "authorization_code");
        assert_eq!(hits.grant_count(Some(Flavor::Oidc), "refresh_token"), 1);
        assert_eq!(hits.grant_count(None, "refresh_token"), 2);
        assert_eq!(hits.grant_count(None, "client_credentials"), 0);
    }
}
