//! Sign-in as an OpenID Connect relying party (Authorization Code + PKCE S256), and the users
//! and identities a sign-in creates or finds.
//!
//! [`Login::begin`] stores a single-use [`authgate_core::store::LoginState`] and returns the
//! provider URL plus a browser-binding value for a short-lived cookie; [`Login::complete`]
//! checks the callback (state, browser binding, RFC 9207 `iss`), redeems the code at the
//! transaction's own token endpoint, validates the ID token (OIDC Core §3.1.3.7) through the
//! same JWKS cache as bearer tokens, checks userinfo `sub`, and resolves the user.
//! GitHub (plain OAuth 2.0) has no ID token: its user API gives the numeric id and its
//! primary verified email. [`Login::begin_link`] starts an explicit account-linking
//! transaction instead: its completion links the identity to the signed-in user.
//!
//! | module | concept |
//! |---|---|
//! | `flow` | [`Login`] and its public operations |
//! | `check` | the `[login]` settings checked by [`Login::new`] |
//! | `provider`, `metadata` | one sign-in provider, its metadata (fetched on use, refreshed after expiry) |
//! | `begin`, `random`, `return_to` | the transaction and the authorization request |
//! | `callback`, `tokens`, `id_token`, `github`, `users` | the callback, code exchange, identity, user |
//! | `refresh`, `logout` | refresh and revocation; end-session URL and back-channel logout tokens |
//! | `transport` | token, userinfo and user-API calls as JSON, through [`crate::HttpClient`] |

mod begin;
mod callback;
mod check;
mod flow;
mod github;
mod id_token;
mod logout;
mod metadata;
mod provider;
mod random;
mod refresh;
mod return_to;
mod tokens;
mod transport;
mod users;

pub use self::flow::Login;

use authgate_core::SecretString;
use authgate_core::UnixTime;
use authgate_core::store::User;
use serde::Deserialize;
use std::time::Duration;

/// `[login]`: how sign-in behaves. Which providers offer sign-in is per provider
/// (`login = true` with `client_id` and, for confidential clients, `client_secret`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoginConfig {
    /// Where to go after sign-in when no valid `return_to` was given. A local path.
    pub default_return_to: String,
    /// Origins (`https://app.example.com`) that `return_to` may name besides our own
    /// relative paths. Exact origin match.
    pub allowed_return_origins: Vec<String>,
    /// Link a first sign-in to an existing user with the same *verified* email.
    pub link_by_verified_email: bool,
    /// How long a sign-in transaction (state, nonce, PKCE verifier) lives.
    #[serde(with = "humantime_serde")]
    pub state_ttl: Duration,
    /// Where the provider may send the browser after RP-initiated logout. Defaults to
    /// `{public_url}/auth/logged-out`.
    pub post_logout_redirect: Option<String>,
}

impl Default for LoginConfig {
    fn default() -> Self {
        LoginConfig {
            default_return_to: "/".to_owned(),
            allowed_return_origins: Vec::new(),
            link_by_verified_email: false,
            state_ttl: Duration::from_secs(300),
            post_logout_redirect: None,
        }
    }
}

/// A sign-in provider as the chooser page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginProvider {
    /// The provider id (`/auth/{id}/login`).
    pub id: String,
    /// What the button says.
    pub display_name: String,
}

/// The first half of a sign-in.
#[derive(Debug)]
pub struct BeginLogin {
    /// The provider's authorization URL to redirect the browser to.
    pub redirect_to: url::Url,
    /// The value of the short-lived browser-binding cookie the caller must set.
    pub browser_binding: SecretString,
}

/// The provider's tokens for one session. Sealed at rest by the session module.
#[derive(Debug, Clone)]
pub struct ProviderTokens {
    /// The access token.
    pub access_token: SecretString,
    /// The refresh token, when the provider issued one.
    pub refresh_token: Option<SecretString>,
    /// The ID token (for `id_token_hint` at logout).
    pub id_token: Option<SecretString>,
    /// When the access token expires.
    pub expires_at: Option<UnixTime>,
}

/// A finished sign-in: who, with which identity, and the provider's tokens.
#[derive(Debug, Clone)]
pub struct CompletedLogin {
    /// The user (created at the first sign-in).
    pub user: User,
    /// The provider id.
    pub provider: String,
    /// The identity's issuer.
    pub issuer: String,
    /// The identity's subject (Entra: `oid`).
    pub subject: String,
    /// The provider session id (`sid`), when the ID token carried one.
    pub sid: Option<String>,
    /// The verified ID-token claims merged with userinfo, a JSON object.
    pub claims: serde_json::Value,
    /// The provider's tokens.
    pub tokens: ProviderTokens,
    /// The validated local path (or allow-listed URL) to return to.
    pub return_to: String,
    /// Whether this completion linked a new identity to an existing user (an explicit
    /// account-linking transaction, [`Login::begin_link`]).
    pub linked: bool,
}

/// A validated back-channel logout token: end the sessions it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutToken {
    /// Its issuer.
    pub issuer: String,
    /// The provider session id it names.
    pub sid: Option<String>,
    /// The subject it names.
    pub subject: Option<String>,
}

/// Why a sign-in step failed. The message is safe to log; pages show only a generic text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    /// No such sign-in provider.
    #[error("unknown sign-in provider {0:?}")]
    UnknownProvider(String),
    /// The callback is not a valid answer to a transaction of this browser (missing,
    /// duplicated, expired or foreign state; missing binding cookie; mix-up).
    #[error("invalid callback: {0}")]
    InvalidCallback(String),
    /// The provider answered with an error (`access_denied`, ...).
    #[error("provider error: {0}")]
    ProviderDenied(String),
    /// The token endpoint, the ID token or userinfo failed validation.
    #[error("token validation failed: {0}")]
    InvalidToken(String),
    /// The provider could not be reached or answered unexpectedly.
    #[error("provider unavailable: {0}")]
    Unavailable(String),
    /// The user exists but is disabled.
    #[error("user disabled")]
    UserDisabled,
    /// Account linking: the identity is already linked to another user. Nothing changed.
    #[error("identity already linked to another user")]
    IdentityTaken,
    /// The store failed.
    #[error("store: {0}")]
    Store(String),
}

/// Why a refresh failed: `Fatal` ends the session (`invalid_grant`), `Transient` keeps it
/// until the access token expires (security.md BCP-45).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefreshError {
    /// The provider refused the refresh token.
    #[error("refresh refused: {0}")]
    Fatal(String),
    /// The provider could not be reached or failed.
    #[error("refresh failed: {0}")]
    Transient(String),
}
