//! Okta custom authorization servers.
//!
//! Issuer `https://{domain}/oauth2/{authServerId}`; access tokens carry `scp` as an **array**,
//! the client in `cid` and the user id in `uid`, no `typ` header, RS256 only. Tokens from the
//! org authorization server (`https://{domain}`) are meant for Okta's own APIs and are refused
//! at configuration time.

use super::{
    ProviderRules, RouteSpec, access_token, base_validation, check_issuer_and_audiences, discovery,
    key_source,
};
use crate::config::ProviderConfig;
use crate::config::validate::Problems;
use authgate_core::{Algorithm, ClaimMapping, IssuerRule};

/// Okta.
pub(crate) struct Okta;

impl ProviderRules for Okta {
    fn check(&self, p: &ProviderConfig, out: &mut Problems) {
        check_issuer_and_audiences(p, out, "okta");
        if let Some(issuer) = &p.issuer
            && !is_custom_authorization_server(issuer)
        {
            out.push(
                "issuer",
                "must be a custom authorization server (https://{domain}/oauth2/{id}); \
                 org authorization server tokens are not for your APIs",
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
        validation.kind = access_token(false);
        // Okta serves both metadata documents appended under the authorization-server path.
        let derived = vec![
            discovery::oidc_url(&issuer),
            format!(
                "{}/.well-known/oauth-authorization-server",
                issuer.trim_end_matches('/')
            ),
        ];
        vec![RouteSpec {
            source: key_source(p, &issuer, derived),
            validation,
            mapping: ClaimMapping::default(),
            extra: None,
        }]
    }
}

/// `…/oauth2/{id}` with a non-empty id and nothing after it.
fn is_custom_authorization_server(issuer: &str) -> bool {
    issuer
        .rsplit_once("/oauth2/")
        .is_some_and(|(_, id)| !id.is_empty() && !id.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_authorization_server_issuer_is_refused() {
        assert!(is_custom_authorization_server(
            "https://dev-1.okta.com/oauth2/default"
        ));
        assert!(!is_custom_authorization_server("https://dev-1.okta.com"));
        assert!(!is_custom_authorization_server(
            "https://dev-1.okta.com/oauth2/"
        ));
        assert!(!is_custom_authorization_server(
            "https://dev-1.okta.com/oauth2/default/v1"
        ));
    }
}
