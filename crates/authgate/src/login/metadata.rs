//! The provider metadata sign-in needs (OIDC Discovery 1.0 §3, RFC 8414 §2, RFC 9207 §3),
//! fetched on first use through [`crate::HttpClient`] and checked like the key metadata: the
//! document's `issuer` equals the expected issuer exactly, every endpoint passes the URL rules.
//! [`MetadataCache`] keeps it for a bounded lifetime and refreshes it on use.

use crate::config::{ProviderConfig, ProviderKind};
use crate::http_client::{FetchError, HttpClient, check_url};
use crate::provider::{self, KeySource, discovery};
use authgate_core::IssuerRule;
use serde::Deserialize;
use std::time::Duration;

mod cache;

pub(crate) use self::cache::MetadataCache;

/// GitHub's endpoints (plain OAuth 2.0, no discovery).
const GITHUB_AUTHORIZE: &str = "https://github.com/login/oauth/authorize";
const GITHUB_TOKEN: &str = "https://github.com/login/oauth/access_token";
const GITHUB_USER_API: &str = "https://api.github.com/user";
/// The issuer recorded for identities from github.com.
const GITHUB_ISSUER: &str = "https://github.com";

/// What sign-in reads from a provider's metadata.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Metadata {
    /// The issuer (Entra multi-tenant: the `{tenantid}` template, as published).
    pub(crate) issuer: String,
    /// Where the browser is sent.
    pub(crate) authorization_endpoint: String,
    /// Where codes and refresh tokens are redeemed.
    pub(crate) token_endpoint: String,
    /// OIDC userinfo (GitHub: its user API).
    #[serde(default)]
    pub(crate) userinfo_endpoint: Option<String>,
    /// RP-initiated logout.
    #[serde(default)]
    pub(crate) end_session_endpoint: Option<String>,
    /// RFC 7009 revocation.
    #[serde(default)]
    pub(crate) revocation_endpoint: Option<String>,
    /// RFC 7636 methods, when listed.
    #[serde(default)]
    pub(crate) code_challenge_methods_supported: Option<Vec<String>>,
    /// RFC 9207: the authorization response carries `iss`.
    #[serde(default)]
    pub(crate) authorization_response_iss_parameter_supported: bool,
    /// Client authentication methods at the token endpoint, when listed.
    #[serde(default)]
    pub(crate) token_endpoint_auth_methods_supported: Option<Vec<String>>,
}

impl Metadata {
    /// RFC 7636 §4.2 S256 support: `Some(false)` when the list exists and lacks it.
    pub(crate) fn supports_s256(&self) -> Option<bool> {
        self.code_challenge_methods_supported
            .as_ref()
            .map(|methods| methods.iter().any(|m| m == "S256"))
    }

    /// RFC 8414 §2: the default method is `client_secret_basic`; use `client_secret_post`
    /// only when the provider lists it and not basic.
    pub(crate) fn prefers_post(&self) -> bool {
        self.token_endpoint_auth_methods_supported
            .as_ref()
            .is_some_and(|m| {
                !m.iter().any(|x| x == "client_secret_basic")
                    && m.iter().any(|x| x == "client_secret_post")
            })
    }
}

/// Loads the metadata of a validated sign-in provider, with the document's `Cache-Control`
/// max-age when it sent one.
pub(crate) async fn load(
    p: &ProviderConfig,
    http: &HttpClient,
) -> Result<(Metadata, Option<Duration>), FetchError> {
    let (mut md, max_age) = if p.kind == ProviderKind::Github {
        (github(p), None)
    } else {
        let (urls, issuer) = source(p);
        fetch(http, &urls, &issuer, p.insecure_allow_http).await?
    };
    if let Some(url) = &p.authorization_endpoint {
        md.authorization_endpoint.clone_from(url);
    }
    if let Some(url) = &p.token_endpoint {
        md.token_endpoint.clone_from(url);
    }
    check_endpoints(&md, p.insecure_allow_http)?;
    Ok((md, max_age))
}

/// The identity issuer of a GitHub provider: `https://github.com`, or for a configured user
/// API (the dev IdP) that URL without its final `/user`.
pub(crate) fn github_issuer(p: &ProviderConfig) -> String {
    match &p.user_api {
        Some(api) => api.strip_suffix("/user").unwrap_or(api).to_owned(),
        None => GITHUB_ISSUER.to_owned(),
    }
}

fn github(p: &ProviderConfig) -> Metadata {
    Metadata {
        issuer: github_issuer(p),
        authorization_endpoint: GITHUB_AUTHORIZE.to_owned(),
        token_endpoint: GITHUB_TOKEN.to_owned(),
        userinfo_endpoint: Some(p.user_api.clone().unwrap_or_else(|| GITHUB_USER_API.into())),
        token_endpoint_auth_methods_supported: Some(vec!["client_secret_post".into()]),
        ..Metadata::default()
    }
}

/// The metadata URLs and expected issuer: those of the provider's first issuer route (Entra:
/// v2), or the well-known URLs of its issuer when keys come from a fixed `jwks_uri`.
fn source(p: &ProviderConfig) -> (Vec<String>, String) {
    let Some(route) = provider::rules(p.kind).routes(p).into_iter().next() else {
        return (Vec::new(), String::new());
    };
    match route.source {
        KeySource::Discovery { urls, issuer } => (urls, issuer),
        KeySource::Jwks(_) => {
            let issuer = match route.validation.issuer {
                IssuerRule::Exact(list) => list.into_iter().next().unwrap_or_default(),
                IssuerRule::EntraTemplate { templates, .. } => {
                    templates.into_iter().next().unwrap_or_default()
                }
            };
            let urls = p
                .discovery
                .clone()
                .map_or_else(|| discovery::well_known_urls(&issuer), |d| vec![d]);
            (urls, issuer)
        }
    }
}

async fn fetch(
    http: &HttpClient,
    urls: &[String],
    issuer: &str,
    allow_http: bool,
) -> Result<(Metadata, Option<Duration>), FetchError> {
    let mut last = FetchError::Invalid("no metadata URL".into());
    for url in urls {
        match http.get(url, allow_http).await {
            Ok(fetched) => return Ok((parse(&fetched.body, issuer)?, fetched.max_age)),
            Err(FetchError::Status(code @ (404 | 410))) => last = FetchError::Status(code),
            Err(other) => return Err(other),
        }
    }
    Err(last)
}

/// Parses a metadata document; its `issuer` must equal `expected` byte for byte.
pub(crate) fn parse(body: &[u8], expected: &str) -> Result<Metadata, FetchError> {
    let md: Metadata = serde_json::from_slice(body).map_err(|e| {
        FetchError::Invalid(format!(
            "metadata lacks issuer, authorization_endpoint or token_endpoint ({e})"
        ))
    })?;
    if md.issuer != expected {
        return Err(FetchError::Invalid(format!(
            "metadata issuer {:?} does not equal the expected issuer {expected:?}",
            md.issuer
        )));
    }
    Ok(md)
}

fn check_endpoints(md: &Metadata, allow_http: bool) -> Result<(), FetchError> {
    let endpoints = [
        ("authorization_endpoint", Some(&md.authorization_endpoint)),
        ("token_endpoint", Some(&md.token_endpoint)),
        ("userinfo_endpoint", md.userinfo_endpoint.as_ref()),
        ("end_session_endpoint", md.end_session_endpoint.as_ref()),
        ("revocation_endpoint", md.revocation_endpoint.as_ref()),
    ];
    for (name, url) in endpoints {
        if let Some(Err(why)) = url.map(|u| check_url(u, allow_http)) {
            return Err(FetchError::Insecure(format!("{name} {why}")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_issuer_must_match_exactly() {
        let doc = br#"{"issuer":"https://idp.example/","authorization_endpoint":"https://idp.example/a",
            "token_endpoint":"https://idp.example/t","code_challenge_methods_supported":["plain"]}"#;
        assert!(parse(doc, "https://idp.example").is_err());
        let md = parse(doc, "https://idp.example/").unwrap();
        assert_eq!(md.supports_s256(), Some(false));
        assert!(!md.prefers_post());
    }
}
