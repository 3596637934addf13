//! Auth0.
//!
//! The issuer is `https://{tenant}.{region}.auth0.com/` **with** its trailing slash, compared
//! exactly (security.md JWT-I03). With RBAC, granted permissions arrive in a `permissions`
//! array, mapped to roles. `require_at_jwt` selects the RFC 9068 token dialect.

use super::{
    ProviderRules, RouteSpec, access_token, base_validation, check_issuer_and_audiences, discovery,
    key_source,
};
use crate::config::ProviderConfig;
use crate::config::validate::Problems;
use authgate_core::{Algorithm, ClaimMapping, IssuerRule};

/// Auth0.
pub(crate) struct Auth0;

impl ProviderRules for Auth0 {
    fn check(&self, p: &ProviderConfig, out: &mut Problems) {
        check_issuer_and_audiences(p, out, "auth0");
        if p.issuer.as_deref().is_some_and(|i| !i.ends_with('/')) {
            out.push(
                "issuer",
                "Auth0 issuers end with '/' (as in the token's iss); add it",
            );
        }
    }

    fn routes(&self, p: &ProviderConfig) -> Vec<RouteSpec> {
        let issuer = p.issuer.clone().unwrap_or_default();
        let mut validation = base_validation(
            p,
            IssuerRule::Exact(vec![issuer.clone()]),
            p.audiences.clone(),
            &[Algorithm::RS256],
        );
        validation.kind = access_token(p.require_at_jwt);
        vec![RouteSpec {
            source: key_source(p, &issuer, vec![discovery::oidc_url(&issuer)]),
            validation,
            mapping: mapping(),
            extra: None,
        }]
    }
}

/// `roles` and Auth0's RBAC `permissions` both become roles.
fn mapping() -> ClaimMapping {
    ClaimMapping {
        roles: vec!["roles".into(), "permissions".into()],
        groups: vec!["groups".into()],
    }
}
