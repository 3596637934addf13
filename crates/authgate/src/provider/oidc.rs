//! Any OpenID Connect / RFC 8414 provider: the generic base the others build on.
//!
//! Discovery tries `{issuer}/.well-known/openid-configuration`, then the RFC 8414 form
//! `{origin}/.well-known/oauth-authorization-server{path}`. `require_at_jwt = true` demands
//! RFC 9068 `typ: at+jwt` access tokens (security.md JWT-K02).

use super::{
    ProviderRules, RouteSpec, access_token, base_validation, check_issuer_and_audiences, discovery,
    key_source,
};
use crate::config::ProviderConfig;
use crate::config::validate::Problems;
use authgate_core::{Algorithm, ClaimMapping, IssuerRule};

/// The generic OIDC provider.
pub(crate) struct Oidc;

impl ProviderRules for Oidc {
    fn check(&self, p: &ProviderConfig, out: &mut Problems) {
        check_issuer_and_audiences(p, out, "oidc");
    }

    fn routes(&self, p: &ProviderConfig) -> Vec<RouteSpec> {
        let issuer = p.issuer.clone().unwrap_or_default();
        let mut validation = base_validation(
            p,
            IssuerRule::Exact(vec![issuer.clone()]),
            p.audiences.clone(),
            &Algorithm::ASYMMETRIC,
        );
        validation.kind = access_token(p.require_at_jwt);
        vec![RouteSpec {
            source: key_source(p, &issuer, discovery::well_known_urls(&issuer)),
            validation,
            mapping: ClaimMapping::default(),
            extra: None,
        }]
    }
}
