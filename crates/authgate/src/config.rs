//! The `[[providers]]` and `[policies.*]` configuration shared by the library and the gateway.
//!
//! These are the raw serde shapes (unknown keys rejected). [`AuthConfig::validate`] checks them
//! and reports every problem at once, each with its path (`providers[1].issuer: must be
//! https`); [`crate::Verifier::from_config`] runs it before fetching anything.

pub(crate) mod validate;

use authgate_core::{PolicySpec, SecretString};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::time::Duration;

pub use self::validate::{ConfigError, ConfigProblem};

/// The Entra public-cloud instance, the default of [`ProviderConfig::instance`].
pub(crate) const ENTRA_PUBLIC_INSTANCE: &str = "https://login.microsoftonline.com/";

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
    /// GitHub: plain OAuth 2.0 sign-in (no ID token; identity from its user API). Never a
    /// bearer-token issuer.
    Github,
}

/// One `[[providers]]` entry.
///
/// ```toml
/// [[providers]]
/// id = "entra"
/// kind = "entra"
/// tenant = "organizations"
/// allowed_tenants = ["72f988bf-86f1-41af-91ab-2d7cd011db47"]
/// client_id = "6e74172b-be56-4843-9ff4-e66a39bb12e3"
/// ```
///
/// Every field but `id` and `kind` has a default; which fields apply depends on `kind`, and a
/// field set for a kind that ignores it is a configuration error.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// Unique id (`entra`, `corp`, ...).
    pub id: String,
    /// Provider kind.
    pub kind: ProviderKind,
    /// Issuer URL (generic OIDC, Okta, Auth0; Google defaults to `https://accounts.google.com`).
    /// Compared with `iss` exactly, so keep Auth0's trailing slash.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Entra tenant: a tenant GUID, `common`, `organizations` or `consumers`.
    #[serde(default)]
    pub tenant: Option<String>,
    /// Entra multi-tenant (`common`/`organizations`): tenant GUIDs whose tokens are accepted.
    /// Required for those tenants; `["*"]` explicitly accepts every tenant.
    #[serde(default)]
    pub allowed_tenants: Vec<String>,
    /// Entra instance (national clouds). Defaults to `https://login.microsoftonline.com/`.
    #[serde(default)]
    pub instance: Option<String>,
    /// Entra v1 issuer base (`https://sts.windows.net/`): `iss` of v1 tokens is this plus the
    /// tenant id and `/`. Known for the public cloud; required for other instances when v1
    /// tokens are accepted.
    #[serde(default)]
    pub v1_issuer_base: Option<String>,
    /// The application (client) id: Entra's app id, Google's OAuth client id.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The client secret (used by login and the token broker, not by bearer validation).
    #[serde(default)]
    pub client_secret: Option<ClientSecret>,
    /// Accepted audiences. Entra defaults to `api://{client_id}` and `{client_id}`; Google to
    /// `{client_id}`; other kinds must list them.
    #[serde(default)]
    pub audiences: Vec<String>,
    /// Allowed signature algorithms. Defaults to `RS256` for Entra, Google, Okta and Auth0,
    /// and to every asymmetric algorithm for `oidc`. HMAC algorithms are never allowed for an
    /// issuer with a JWKS.
    #[serde(default)]
    pub algorithms: Vec<String>,
    /// Leeway applied to `exp`, `nbf` and `iat`. Defaults to 60 seconds; at most 5 minutes.
    #[serde(default, with = "humantime_serde")]
    pub leeway: Option<Duration>,
    /// Tokens whose `exp` lies further ahead than this are rejected (security.md JWT-T07).
    /// Defaults to 24 hours, and to 30 hours for Entra (CAE tokens live up to 28 hours).
    #[serde(default, with = "humantime_serde")]
    pub max_token_lifetime: Option<Duration>,
    /// Entra access-token versions accepted (`1`, `2`). Defaults to `[2]`: v1 tokens
    /// (`https://sts.windows.net/{tid}/`) are rejected unless `1` is listed.
    #[serde(default)]
    pub token_versions: Vec<u8>,
    /// Entra: accept guest accounts (`acct = 1`, or an `idp` naming another tenant or a
    /// Microsoft account invited into the tenant). Default false: a guest's token is refused
    /// like a bad token, and a guest cannot sign in (security.md JWT-S07); opt in per provider
    /// when the API serves B2B guests. Personal accounts of `tenant = "consumers"` are not
    /// guests.
    #[serde(default)]
    pub allow_guests: bool,
    /// Google: accept Google ID tokens as bearer tokens. Must be `true` for a Google provider,
    /// since Google access tokens are opaque and cannot be verified locally.
    #[serde(default)]
    pub accept_id_tokens: bool,
    /// Google: client ids accepted as the ID token's `azp` (authorized presenter) besides the
    /// audiences: the Android or iOS client of an app whose web client id, the audience, is
    /// what this API accepts (OIDC Core §3.1.3.7). `aud` must still be one of the audiences.
    #[serde(default)]
    pub authorized_parties: Vec<String>,
    /// Google Workspace domain: when set, the `hd` claim must equal it.
    #[serde(default)]
    pub hosted_domain: Option<String>,
    /// Demand RFC 9068 `typ: at+jwt` access tokens (`oidc`, `auth0`).
    #[serde(default)]
    pub require_at_jwt: bool,
    /// Discovery document URL, overriding the one derived from the issuer.
    #[serde(default)]
    pub discovery: Option<String>,
    /// JWKS URL: skips discovery entirely.
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// Key cache tuning.
    #[serde(default)]
    pub jwks: JwksConfig,
    /// Allow `http://` URLs for a non-loopback host. Loopback (`127.0.0.0/8`, `::1`,
    /// `localhost`) is always allowed. Never enable this in production.
    #[serde(default)]
    pub insecure_allow_http: bool,
    /// Offer sign-in with this provider (needs `client_id`, and `client_secret` unless
    /// `public_client`).
    #[serde(default)]
    pub login: bool,
    /// Scopes requested at sign-in. Defaults to `openid email profile`, plus `offline_access`
    /// for Entra, Okta, Auth0 and `oidc` (Google gets `access_type=offline` instead; GitHub
    /// `read:user user:email`).
    #[serde(default)]
    pub login_scopes: Vec<String>,
    /// What the sign-in button says. Defaults to the provider id.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Authorization endpoint, overriding discovery (GitHub: defaults to github.com's).
    #[serde(default)]
    pub authorization_endpoint: Option<String>,
    /// Token endpoint, overriding discovery (GitHub: defaults to github.com's).
    #[serde(default)]
    pub token_endpoint: Option<String>,
    /// GitHub: the user API base (`{user_api}` and `{user_api}/emails`). Defaults to
    /// `https://api.github.com/user`.
    #[serde(default)]
    pub user_api: Option<String>,
    /// `oidc`: a public client (no `client_secret`; PKCE S256 is then mandatory).
    #[serde(default)]
    pub public_client: bool,
}

impl ProviderConfig {
    /// A provider entry with every optional field at its default.
    pub fn new(id: impl Into<String>, kind: ProviderKind) -> Self {
        ProviderConfig {
            id: id.into(),
            kind,
            issuer: None,
            tenant: None,
            allowed_tenants: Vec::new(),
            instance: None,
            v1_issuer_base: None,
            client_id: None,
            client_secret: None,
            audiences: Vec::new(),
            algorithms: Vec::new(),
            leeway: None,
            max_token_lifetime: None,
            token_versions: Vec::new(),
            allow_guests: false,
            accept_id_tokens: false,
            authorized_parties: Vec::new(),
            hosted_domain: None,
            require_at_jwt: false,
            discovery: None,
            jwks_uri: None,
            jwks: JwksConfig::default(),
            insecure_allow_http: false,
            login: false,
            login_scopes: Vec::new(),
            display_name: None,
            authorization_endpoint: None,
            token_endpoint: None,
            user_api: None,
            public_client: false,
        }
    }
}

/// How one issuer's signing keys are cached (`[providers.jwks]`).
///
/// The key set lives for its soft TTL: the JWKS response's `Cache-Control: max-age` clamped to
/// `[min_ttl, max_ttl]`, or `default_ttl` without one. It is refreshed in the background at
/// about 80% of that. When refreshes fail the last good key set keeps working for `max_stale`
/// past its TTL (availability mode), or only until the TTL (`strict = true`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JwksConfig {
    /// Lower bound of the soft TTL. Defaults to 5 minutes.
    #[serde(with = "humantime_serde")]
    pub min_ttl: Duration,
    /// Upper bound of the soft TTL. Defaults to 24 hours.
    #[serde(with = "humantime_serde")]
    pub max_ttl: Duration,
    /// Soft TTL when the response has no `max-age`. Defaults to 1 hour.
    #[serde(with = "humantime_serde")]
    pub default_ttl: Duration,
    /// How long past its TTL a key set is still used while refreshes fail. Defaults to 24 hours.
    #[serde(with = "humantime_serde")]
    pub max_stale: Duration,
    /// Fail closed as soon as the TTL passes without a successful refresh.
    pub strict: bool,
    /// Minimum time between two refreshes forced by an unknown `kid`. Defaults to 30 seconds.
    #[serde(with = "humantime_serde")]
    pub refresh_cooldown: Duration,
}

impl Default for JwksConfig {
    fn default() -> Self {
        JwksConfig {
            min_ttl: Duration::from_secs(5 * 60),
            max_ttl: Duration::from_secs(24 * 3600),
            default_ttl: Duration::from_secs(3600),
            max_stale: Duration::from_secs(24 * 3600),
            strict: false,
            refresh_cooldown: Duration::from_secs(30),
        }
    }
}

/// A client secret: redacted in `Debug`, zeroized on drop, never displayed or serialized.
#[derive(Clone)]
pub struct ClientSecret(SecretString);

impl ClientSecret {
    /// Wraps `secret`.
    pub fn new(secret: impl Into<String>) -> Self {
        ClientSecret(SecretString::new(secret.into()))
    }

    /// The secret itself. Every call site is a place the secret leaves its wrapper.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret([redacted])")
    }
}

impl<'de> Deserialize<'de> for ClientSecret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(ClientSecret::new)
    }
}

#[cfg(test)]
mod tests;
