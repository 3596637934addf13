//! The normalised identity every later step reads.

use crate::claims::Claims;

/// Where a provider keeps roles and groups (provider quirks live in the provider, this only
/// says which claim names to read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimMapping {
    /// Claims whose string or string-array values are roles (`roles`; Auth0 adds `permissions`).
    pub roles: Vec<String>,
    /// Claims whose values are groups (`groups`).
    pub groups: Vec<String>,
}

impl Default for ClaimMapping {
    fn default() -> Self {
        ClaimMapping { roles: vec!["roles".into()], groups: vec!["groups".into()] }
    }
}

/// A verified caller: normalised across providers.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// The id of the configured provider that verified the token.
    pub provider: String,
    /// `iss`.
    pub issuer: String,
    /// `sub`.
    pub subject: String,
    /// Entra `tid` (or another provider's tenant notion).
    pub tenant: Option<String>,
    /// Entra `oid`.
    pub object_id: Option<String>,
    /// The client the token was issued to: `azp`, `appid`, `cid` or `client_id`.
    pub client_id: Option<String>,
    /// Scopes from `scp` (string or array) or `scope` (string), split on spaces.
    pub scopes: Vec<String>,
    /// Roles.
    pub roles: Vec<String>,
    /// Groups.
    pub groups: Vec<String>,
    /// Whether the token represents an application, not a user (client credentials).
    pub app_only: bool,
    /// `name`, when present.
    pub name: Option<String>,
    /// `email` (or Entra `preferred_username`/`upn` when it looks like one). Display only:
    /// never an identity key or an authorization input.
    pub email: Option<String>,
    /// `exp`.
    pub expires_at: Option<i64>,
    /// All claims.
    pub claims: Claims,
}

impl Principal {
    /// Builds the principal from verified claims.
    pub fn from_claims(provider: &str, claims: Claims, mapping: &ClaimMapping) -> Self {
        todo!("{provider} {mapping:?} {claims:?}")
    }

    /// Whether the principal has every scope in `scopes`.
    pub fn has_scopes(&self, scopes: &[&str]) -> bool {
        scopes.iter().all(|s| self.scopes.iter().any(|have| have == s))
    }

    /// Whether the principal has `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}
