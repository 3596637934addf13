//! Where each flavor lives under the public base URL, and its issuer strings.

use crate::flavor::Flavor;

/// The literal placeholder Entra's multi-tenant documents put where the tenant id goes.
pub(crate) const TENANT_TEMPLATE: &str = "{tenantid}";

/// URL layout of one dev IdP, derived from its public base URL.
#[derive(Debug, Clone)]
pub(crate) struct Urls {
    base: String,
}

impl Urls {
    /// `base_url` without a trailing slash.
    pub(crate) fn new(base_url: &str) -> Self {
        Urls {
            base: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The public base URL (no trailing slash).
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// The issuer of `flavor`. `tenant` (a GUID or [`TENANT_TEMPLATE`]) matters for Entra only.
    pub(crate) fn issuer(&self, flavor: Flavor, tenant: &str) -> String {
        let b = &self.base;
        match flavor {
            // Entra v1 tokens name the STS host with a trailing slash.
            Flavor::EntraV1 => format!("{b}/sts/{tenant}/"),
            Flavor::EntraV2 => format!("{b}/entra/{tenant}/v2.0"),
            Flavor::Google => format!("{b}/google"),
            Flavor::Okta => format!("{b}/okta/oauth2/default"),
            // Auth0 issuers end with a slash.
            Flavor::Auth0 => format!("{b}/auth0/"),
            Flavor::Oidc => format!("{b}/oidc"),
        }
    }

    /// The OIDC discovery document URL of `flavor` (for Entra, of `tenant`, which may be a GUID,
    /// a domain, `common` or `organizations`).
    pub(crate) fn discovery(&self, flavor: Flavor, tenant: &str) -> String {
        let b = &self.base;
        match flavor {
            Flavor::EntraV1 => format!("{b}/entra/{tenant}/.well-known/openid-configuration"),
            Flavor::EntraV2 => format!("{b}/entra/{tenant}/v2.0/.well-known/openid-configuration"),
            _ => {
                let issuer = self.issuer(flavor, tenant);
                format!(
                    "{}/.well-known/openid-configuration",
                    issuer.trim_end_matches('/')
                )
            }
        }
    }

    /// The RFC 8414 metadata URL, for the flavors that serve one: Okta appends the well-known
    /// segment to its authorization server path (as Okta does); the generic provider inserts it
    /// after the host (RFC 8414 §3.1).
    pub(crate) fn oauth_metadata(&self, flavor: Flavor) -> Option<String> {
        let b = &self.base;
        match flavor {
            Flavor::Okta => Some(format!(
                "{b}/okta/oauth2/default/.well-known/oauth-authorization-server"
            )),
            Flavor::Oidc => {
                let (origin, path) = split_origin(b);
                Some(format!(
                    "{origin}/.well-known/oauth-authorization-server{path}/oidc"
                ))
            }
            _ => None,
        }
    }

    /// The JWKS URL of `flavor` (for Entra, of `tenant`).
    pub(crate) fn jwks(&self, flavor: Flavor, tenant: &str) -> String {
        let b = &self.base;
        match flavor {
            Flavor::EntraV1 => format!("{b}/entra/{tenant}/discovery/keys"),
            Flavor::EntraV2 => format!("{b}/entra/{tenant}/discovery/v2.0/keys"),
            Flavor::Google => format!("{b}/google/oauth2/v3/certs"),
            Flavor::Okta => format!("{b}/okta/oauth2/default/v1/keys"),
            Flavor::Auth0 => format!("{b}/auth0/.well-known/jwks.json"),
            Flavor::Oidc => format!("{b}/oidc/jwks"),
        }
    }

    /// What an `entra` provider's `instance` setting points to (plays `login.microsoftonline.com/`).
    pub(crate) fn entra_instance(&self) -> String {
        format!("{}/entra/", self.base)
    }

    /// A URL under this IdP (`path` starts with `/`).
    pub(crate) fn at(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// Splits `http://host:port/path` into (`http://host:port`, `/path`).
fn split_origin(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url.get(after_scheme..).and_then(|rest| rest.find('/')) {
        Some(slash) => url.split_at(after_scheme + slash),
        None => (url, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8414_inserts_the_well_known_segment_after_the_host() {
        let urls = Urls::new("http://127.0.0.1:9/idp/");
        assert_eq!(
            urls.oauth_metadata(Flavor::Oidc).unwrap(),
            "http://127.0.0.1:9/.well-known/oauth-authorization-server/idp/oidc"
        );
        let root = Urls::new("http://127.0.0.1:9");
        assert_eq!(
            root.oauth_metadata(Flavor::Oidc).unwrap(),
            "http://127.0.0.1:9/.well-known/oauth-authorization-server/oidc"
        );
    }

    #[test]
    fn auth0_discovery_has_no_double_slash() {
        let urls = Urls::new("http://h");
        assert_eq!(urls.issuer(Flavor::Auth0, ""), "http://h/auth0/");
        assert_eq!(
            urls.discovery(Flavor::Auth0, ""),
            "http://h/auth0/.well-known/openid-configuration"
        );
    }
}
