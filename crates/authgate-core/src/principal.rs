//! The normalised identity every later step reads.
//!
//! [`Principal::from_claims`] applies only generic, documented rules; provider quirks (which
//! claims hold roles, which issuer shapes exist) live in the library's provider files and reach
//! this module as a [`ClaimMapping`].

use crate::claims::{Claim, ClaimValue, Claims, StrOrArray};

/// Where the client id lives, in order of preference: OIDC/Entra v2 `azp`, Entra v1 `appid`,
/// Okta `cid`, RFC 9068 `client_id`.
const CLIENT_ID_CLAIMS: [Claim; 4] = [Claim::Azp, Claim::Appid, Claim::Cid, Claim::ClientId];

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
        ClaimMapping {
            roles: vec!["roles".into()],
            groups: vec!["groups".into()],
        }
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
    /// Builds the principal from verified claims (the output of a successful
    /// [`crate::verify_jws`]; unverified claims must never reach this).
    ///
    /// - `scopes`: `scp` split on spaces (Entra string) or its elements (Okta array); else
    ///   `scope` split on spaces (RFC 9068, Auth0).
    /// - `roles` and `groups`: the string or string-array values of the mapping's claims.
    /// - `client_id`: the first of `azp`, `appid`, `cid`, `client_id`.
    /// - `app_only` (security.md JWT-K07, JWT-K08): Entra `idtyp: "app"`; or the Entra
    ///   app-only shape, `sub == oid` with no `scp` (user tokens have a pairwise `sub`, never
    ///   the `oid`); or `sub` equals the client id (RFC 9068 §2.2 and Okta client credentials)
    ///   or is `{client id}@clients` (Auth0); or Auth0 `gty: "client-credentials"`. A client
    ///   whose id equals a user's `sub` is therefore always an app, never that user.
    /// - `email`: `email`, else `preferred_username` or `upn` when it holds exactly one `@`.
    ///   Display only (JWT-S03, JWT-S05).
    pub fn from_claims(provider: &str, claims: Claims, mapping: &ClaimMapping) -> Self {
        let c = &claims;
        Principal {
            provider: provider.to_owned(),
            issuer: owned(c, Claim::Iss).unwrap_or_default(),
            subject: owned(c, Claim::Sub).unwrap_or_default(),
            tenant: owned(c, Claim::Tid),
            object_id: owned(c, Claim::Oid),
            client_id: CLIENT_ID_CLAIMS.iter().find_map(|&name| owned(c, name)),
            scopes: scopes(c),
            roles: values_of(c, &mapping.roles),
            groups: values_of(c, &mapping.groups),
            app_only: is_app_only(c),
            name: owned(c, Claim::Name),
            email: email(c),
            expires_at: expires_at(c),
            claims,
        }
    }

    /// Whether the principal has every scope in `scopes`.
    pub fn has_scopes(&self, scopes: &[&str]) -> bool {
        scopes
            .iter()
            .all(|s| self.scopes.iter().any(|have| have == s))
    }

    /// Whether the principal has `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

/// A string claim, copied.
fn owned(claims: &Claims, name: Claim) -> Option<String> {
    claims.str_of(name).map(str::to_owned)
}

/// `scp` (string or array), else `scope`, split on spaces (RFC 6749 §3.3).
fn scopes(claims: &Claims) -> Vec<String> {
    let source = match claims.str_or_array(Claim::Scp) {
        ClaimValue::Present(scp) => scp,
        ClaimValue::Absent | ClaimValue::Invalid => match claims.str_or_array(Claim::Scope) {
            ClaimValue::Present(scope) => scope,
            ClaimValue::Absent | ClaimValue::Invalid => return Vec::new(),
        },
    };
    // One pass: a token has a few scopes, and the first allocation holds four.
    split_values(source).map(str::to_owned).collect()
}

/// Every space-separated value of a string or string-array claim.
fn split_values(values: StrOrArray<'_>) -> impl Iterator<Item = &str> {
    values
        .iter()
        .flat_map(|v| v.split(' '))
        .filter(|v| !v.is_empty())
}

/// The string values of the named claims, in order (a string claim is one value).
fn values_of(claims: &Claims, names: &[String]) -> Vec<String> {
    let sources = || {
        names
            .iter()
            .filter_map(|name| claims.str_or_array(name.as_str()).present())
    };
    let count = sources().map(|values| values.len()).sum();
    if count == 0 {
        return Vec::new();
    }
    let mut values = Vec::with_capacity(count);
    values.extend(sources().flat_map(|v| v.iter().map(str::to_owned)));
    values
}

/// The app-only rules documented on [`Principal::from_claims`].
fn is_app_only(claims: &Claims) -> bool {
    let sub = claims.str_of(Claim::Sub);
    let is_sub = |name| claims.str_of(name).is_some_and(|v| Some(v) == sub);
    let client_is_sub = CLIENT_ID_CLAIMS
        .iter()
        .filter_map(|&name| claims.str_of(name))
        .any(|id| sub.is_some_and(|sub| sub == id || sub.strip_suffix("@clients") == Some(id)));
    claims.str_of(Claim::Idtyp) == Some("app")
        || (is_sub(Claim::Oid) && !claims.has(Claim::Scp))
        || client_is_sub
        || claims.str_of(Claim::Gty) == Some("client-credentials")
}

/// `email`, else a `preferred_username` or `upn` that looks like exactly one address.
fn email(claims: &Claims) -> Option<String> {
    if let Some(email) = claims.str_of(Claim::Email) {
        return Some(email.to_owned());
    }
    [Claim::PreferredUsername, Claim::Upn]
        .into_iter()
        .filter_map(|name| claims.str_of(name))
        .find(|v| v.bytes().filter(|&b| b == b'@').count() == 1)
        .map(str::to_owned)
}

/// `exp` in whole seconds (saturating; verification already bounded it).
fn expires_at(claims: &Claims) -> Option<i64> {
    #[allow(clippy::cast_possible_truncation)] // `as` saturates; exp is bounded by then
    claims
        .numeric_date(Claim::Exp)
        .present()
        .map(|t| t.floor() as i64)
}
