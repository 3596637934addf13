//! One issuer route of a provider, and the table that picks routes by unverified `iss`.

use crate::config::ProviderConfig;
use crate::http_client::HttpClient;
use crate::jwks::{KeyCache, Loaded};
use crate::provider::{RouteSpec, is_guid};
use authgate_core::{
    Claims, IssuerRule, Jws, KeySet, Principal, UnixTime, VerifyError, VerifyErrorKind, verify_jws,
};
use std::collections::HashMap;
use std::sync::Arc;

/// A provider's issuer with its keys and rules.
pub(crate) struct Route {
    /// The provider id.
    pub(crate) provider: String,
    /// Rules from the provider.
    pub(crate) spec: RouteSpec,
    /// The issuer's key cache.
    pub(crate) keys: KeyCache,
}

impl Route {
    /// A route for `spec` of provider `p`, with an empty key cache.
    pub(crate) fn new(p: &ProviderConfig, spec: RouteSpec, http: &HttpClient) -> Self {
        let issuer = match &spec.validation.issuer {
            IssuerRule::Exact(list) => list.join(" | "),
            IssuerRule::EntraTemplate { templates, .. } => templates.join(" | "),
        };
        let keys = KeyCache::new(
            issuer,
            spec.source.clone(),
            http.clone(),
            p.insecure_allow_http,
            p.jwks.clone(),
        );
        Route {
            provider: p.id.clone(),
            spec,
            keys,
        }
    }

    /// Full verification; returns the key-set generation used. The principal is
    /// [`Route::principal`] of the token's claims.
    pub(crate) async fn verify(&self, jws: &Jws<'_>, now: UnixTime) -> Result<u64, VerifyError> {
        let loaded = self.keys.usable()?;
        let loaded = match verify_jws(jws, &loaded.keys, &self.spec.validation, now) {
            Ok(()) => loaded,
            Err(e) if e.kind() == VerifyErrorKind::UnknownKey => {
                self.verify_with_fresh_keys(jws, now, loaded, e).await?
            }
            Err(e) => return Err(e),
        };
        if let Some(extra) = &self.spec.extra {
            extra.check(jws.claims())?;
        }
        Ok(loaded.generation)
    }

    /// The principal of claims this route verified.
    pub(crate) fn principal(&self, claims: Claims) -> Principal {
        Principal::from_claims(&self.provider, claims, &self.spec.mapping)
    }

    /// Runs `check` with the current keys; on an unknown `kid`, once more after a refresh
    /// (the same single-flight, cooldown-bounded refetch as bearer verification).
    pub(crate) async fn check_with_keys<F>(&self, check: F) -> Result<(), VerifyError>
    where
        F: Fn(&KeySet) -> Result<(), VerifyError>,
    {
        let loaded = self.keys.usable()?;
        match check(&loaded.keys) {
            Err(e) if e.kind() == VerifyErrorKind::UnknownKey => {
                let refreshed = self.keys.refresh_for_unknown_kid().await;
                let fresh = self.keys.usable()?;
                if !refreshed && Arc::ptr_eq(&fresh, &loaded) {
                    return Err(e);
                }
                check(&fresh.keys)
            }
            other => other,
        }
    }

    /// OIDC Core §10.1.1: an unknown `kid` may mean the IdP rotated; refresh (bounded by the
    /// cooldown) and try once more. Keys published by a fetch that finished meanwhile count.
    async fn verify_with_fresh_keys(
        &self,
        jws: &Jws<'_>,
        now: UnixTime,
        used: Arc<Loaded>,
        unknown: VerifyError,
    ) -> Result<Arc<Loaded>, VerifyError> {
        let refreshed = self.keys.refresh_for_unknown_kid().await;
        let fresh = self.keys.usable()?;
        if !refreshed && Arc::ptr_eq(&fresh, &used) {
            return Err(unknown);
        }
        verify_jws(jws, &fresh.keys, &self.spec.validation, now)?;
        Ok(fresh)
    }
}

/// Picks routes by the unverified `iss`: exact issuers by map lookup, Entra templates by
/// shape (`{prefix}{guid}{suffix}`). Nothing is ever fetched for an issuer not in the table
/// (security.md JWT-R02).
#[derive(Default)]
pub(crate) struct RouteTable {
    exact: HashMap<String, Vec<usize>>,
    templates: Vec<(String, String, usize)>,
}

impl RouteTable {
    /// The table for `routes`.
    pub(crate) fn new(routes: &[Route]) -> Self {
        let mut table = RouteTable::default();
        for (i, route) in routes.iter().enumerate() {
            match &route.spec.validation.issuer {
                IssuerRule::Exact(list) => {
                    for iss in list {
                        table.exact.entry(iss.clone()).or_default().push(i);
                    }
                }
                IssuerRule::EntraTemplate { templates, .. } => {
                    for t in templates {
                        if let Some((prefix, suffix)) = t.split_once("{tenantid}") {
                            table
                                .templates
                                .push((prefix.to_owned(), suffix.to_owned(), i));
                        }
                    }
                }
            }
        }
        table
    }

    /// Indexes of the routes that may accept `iss`, in configuration order.
    pub(crate) fn candidates(&self, iss: &str) -> Vec<usize> {
        let mut found: Vec<usize> = self.exact.get(iss).cloned().unwrap_or_default();
        for (prefix, suffix, i) in &self.templates {
            let middle = iss
                .strip_prefix(prefix.as_str())
                .and_then(|rest| rest.strip_suffix(suffix.as_str()));
            if middle.is_some_and(is_guid) {
                found.push(*i);
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }
}
