//! The `[[providers]]` and `[policies.*]` configuration shared by the library and the gateway.

use authgate_core::PolicySpec;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The authentication part of an authgate configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Trusted token issuers.
    #[serde(default)]
    pub providers: Vec<ProviderConfig>,
    /// Named policies.
    #[serde(default)]
    pub policies: BTreeMap<String, PolicySpec>,
}

/// Which provider implementation handles a `[[providers]]` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Microsoft Entra ID (Azure AD).
    Entra,
    /// Google.
    Google,
    /// Okta.
    Okta,
    /// Auth0.
    Auth0,
    /// Any OpenID Connect / RFC 8414 provider.
    Oidc,
}

/// One `[[providers]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// Unique id (`entra`, `corp`, ...).
    pub id: String,
    /// Provider kind.
    pub kind: ProviderKind,
    /// Issuer URL (generic OIDC, Okta, Auth0). Discovery is derived from it.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Accepted audiences.
    #[serde(default)]
    pub audiences: Vec<String>,
}
