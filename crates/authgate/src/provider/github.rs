//! GitHub: plain OAuth 2.0 sign-in. No ID token, no discovery, no JWKS: the identity comes
//! from its user API, so a GitHub provider is never a bearer-token issuer and has no routes.

use super::{ProviderRules, RouteSpec};
use crate::config::ProviderConfig;
use crate::config::validate::Problems;

/// GitHub.
pub(crate) struct Github;

impl ProviderRules for Github {
    fn check(&self, p: &ProviderConfig, out: &mut Problems) {
        if !p.login {
            out.push(
                "login",
                "must be true for kind = github (it only offers sign-in; GitHub tokens are not verifiable bearer tokens)",
            );
        }
        let unused = [
            ("issuer", p.issuer.is_some()),
            ("discovery", p.discovery.is_some()),
            ("jwks_uri", p.jwks_uri.is_some()),
            ("audiences", !p.audiences.is_empty()),
            ("algorithms", !p.algorithms.is_empty()),
        ];
        for (field, set) in unused {
            if set {
                out.push(
                    field,
                    "not used by kind = github (plain OAuth 2.0, no tokens to verify)",
                );
            }
        }
    }

    fn routes(&self, _p: &ProviderConfig) -> Vec<RouteSpec> {
        Vec::new()
    }
}
