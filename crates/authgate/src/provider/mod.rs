//! Identity providers: one file per provider on a generic OIDC base, registered in [`rules`].
//!
//! A provider turns its `[[providers]]` entry into one or more [`RouteSpec`]s: an issuer
//! rule, where its keys come from, and the core [`Validation`] + [`ClaimMapping`]. Provider
//! quirks (Entra tenant issuers, Google's two issuer spellings, Okta's `scp` array, Auth0's
//! trailing slash) live in the provider's own file.

mod auth0;
pub(crate) mod discovery;
mod entra;
mod github;
mod google;
mod oidc;
mod okta;

use crate::config::validate::Problems;
use crate::config::{ProviderConfig, ProviderKind};
use authgate_core::{
    Algorithm, ClaimMapping, Claims, IssuerRule, TokenKind, Validation, VerifyError,
};
use std::sync::Arc;
use std::time::Duration;

pub(crate) use self::discovery::KeySource;
pub(crate) use authgate_core::is_guid;

/// What a provider kind knows: how to check its configuration and which issuers it serves.
pub(crate) trait ProviderRules: Sync {
    /// Kind-specific configuration problems (required fields, issuer shapes).
    fn check(&self, p: &ProviderConfig, out: &mut Problems);

    /// The issuer routes of a **validated** entry.
    fn routes(&self, p: &ProviderConfig) -> Vec<RouteSpec>;
}

/// The one place provider kinds are registered.
pub(crate) fn rules(kind: ProviderKind) -> &'static dyn ProviderRules {
    match kind {
        ProviderKind::Entra => &entra::Entra,
        ProviderKind::Google => &google::Google,
        ProviderKind::Okta => &okta::Okta,
        ProviderKind::Auth0 => &auth0::Auth0,
        ProviderKind::Oidc => &oidc::Oidc,
        ProviderKind::Github => &github::Github,
    }
}

/// A check a provider adds after the core verification succeeded (e.g. Google `hd`).
pub(crate) trait ClaimCheck: Send + Sync {
    /// Accepts or rejects the verified claims.
    fn check(&self, claims: &Claims) -> Result<(), VerifyError>;
}

/// One issuer (or issuer template) a provider accepts tokens from.
pub(crate) struct RouteSpec {
    /// Where the signing keys come from.
    pub(crate) source: KeySource,
    /// The core verification rules (its `issuer` also decides routing).
    pub(crate) validation: Validation,
    /// Where roles and groups are read.
    pub(crate) mapping: ClaimMapping,
    /// An extra provider check, if any.
    pub(crate) extra: Option<Arc<dyn ClaimCheck>>,
}

/// The configured leeway, 60 seconds by default.
fn leeway(p: &ProviderConfig) -> Duration {
    p.leeway.unwrap_or(Duration::from_secs(60))
}

/// The configured algorithms, or `default`.
fn algorithms(p: &ProviderConfig, default: &[Algorithm]) -> Vec<Algorithm> {
    let parsed: Vec<Algorithm> = p.algorithms.iter().filter_map(|a| a.parse().ok()).collect();
    if parsed.is_empty() {
        default.to_vec()
    } else {
        parsed
    }
}

/// The generic base every provider starts from: access tokens, `sub` required.
fn base_validation(
    p: &ProviderConfig,
    issuer: IssuerRule,
    audiences: Vec<String>,
    default_algs: &[Algorithm],
) -> Validation {
    let mut v = Validation::access_token(issuer, audiences);
    v.algorithms = algorithms(p, default_algs);
    v.leeway = leeway(p);
    if let Some(max) = p.max_token_lifetime {
        v.max_lifetime = max;
    }
    v
}

/// An access-token kind without Entra's `scp`/`roles` rule.
fn access_token(require_at_jwt: bool) -> TokenKind {
    TokenKind::AccessToken {
        require_at_jwt,
        require_entra_shape: false,
    }
}

/// Where keys come from for an issuer: `jwks_uri` override, `discovery` override, or the
/// well-known URLs derived from the issuer (`derived`).
fn key_source(p: &ProviderConfig, issuer: &str, derived: Vec<String>) -> KeySource {
    if let Some(uri) = &p.jwks_uri {
        return KeySource::Jwks(uri.clone());
    }
    let urls = p.discovery.clone().map_or(derived, |d| vec![d]);
    KeySource::Discovery {
        urls,
        issuer: issuer.to_owned(),
    }
}

/// Checks shared by the providers that take an `issuer` and explicit `audiences`.
fn check_issuer_and_audiences(p: &ProviderConfig, out: &mut Problems, kind: &str) {
    out.require("issuer", p.issuer.as_deref(), &format!("for kind = {kind}"));
    if p.audiences.is_empty() {
        out.push("audiences", "must list at least one accepted audience");
    }
    check_audience_values(&p.audiences, out);
}

fn check_audience_values(audiences: &[String], out: &mut Problems) {
    for (i, a) in audiences.iter().enumerate() {
        if a.is_empty() || a.trim() != a {
            out.push(
                &format!("audiences[{i}]"),
                "must be non-empty without surrounding spaces",
            );
        }
    }
}

#[cfg(test)]
mod tests;
