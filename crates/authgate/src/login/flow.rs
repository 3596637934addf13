//! [`Login`]: the relying party's handle, its construction and its public operations.

use super::check::check;
use super::provider::Provider;
use super::{BeginLogin, CompletedLogin, LoginConfig, LoginError, LoginProvider, LogoutToken};
use super::{ProviderTokens, RefreshError, begin, callback, logout, refresh, return_to};
use crate::config::{AuthConfig, ConfigError};
use crate::http_client::HttpClient;
use crate::verifier::Verifier;
use authgate_core::store::{Stores, UserId};
use authgate_core::{Clock, SecretString};
use std::sync::Arc;
use url::Url;

/// The OpenID Connect relying party: starts and completes sign-ins, refreshes and revokes
/// provider tokens, builds logout URLs and validates back-channel logout tokens. Cheap to clone.
///
/// ```no_run
/// # async fn run(login: authgate::login::Login, query: &str, cookie: Option<&str>)
/// # -> Result<(), authgate::login::LoginError> {
/// // GET /auth/google/login: redirect, and set the binding cookie.
/// let begin = login.begin("google", Some("/orders")).await?;
/// println!("302 to {}", begin.redirect_to);
/// // GET /auth/google/callback?code=..&state=..: the same browser comes back.
/// let done = login.complete("google", query, cookie).await?;
/// println!("signed in as {}", done.user.id);
/// # Ok(()) }
/// ```
///
/// # Security
///
/// Each sign-in is a single-use transaction bound to the browser (state + binding cookie),
/// to one provider and its issuer (mix-up defence, RFC 9207), protected by PKCE S256 and an
/// OIDC nonce. Tokens, codes, states, nonces and verifiers are never logged.
#[derive(Clone)]
pub struct Login {
    pub(super) inner: Arc<Inner>,
}

/// Shared state of a [`Login`].
pub(super) struct Inner {
    pub(super) config: LoginConfig,
    pub(super) public_url: Url,
    pub(super) verifier: Verifier,
    pub(super) stores: Stores,
    pub(super) http: HttpClient,
    pub(super) transport: super::transport::Transport,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) providers: Vec<Provider>,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.inner.providers.iter().map(Provider::id).collect();
        f.debug_struct("Login").field("providers", &ids).finish()
    }
}

impl Login {
    /// Builds from the providers that have `login = true`; fetches discovery lazily (first use)
    /// through the same HttpClient rules; uses `verifier` for ID-token signatures (same JWKS
    /// cache).
    pub fn new(
        auth: &AuthConfig,
        config: LoginConfig,
        public_url: Url,
        verifier: Verifier,
        stores: Stores,
        http: HttpClient,
        clock: Arc<dyn Clock>,
    ) -> Result<Login, ConfigError> {
        auth.validate()?;
        check(auth, &config, &public_url, &verifier)?;
        let transport = super::transport::Transport::new(http.clone());
        let providers = auth
            .providers
            .iter()
            .filter(|p| p.login)
            .cloned()
            .map(|p| Provider::new(p, clock.clone()))
            .collect();
        let inner = Inner {
            config,
            public_url,
            verifier,
            stores,
            http,
            transport,
            clock,
            providers,
        };
        Ok(Login {
            inner: Arc::new(inner),
        })
    }

    /// The sign-in providers, in configuration order.
    pub fn providers(&self) -> Vec<LoginProvider> {
        self.inner
            .providers
            .iter()
            .map(|p| LoginProvider {
                id: p.id().to_owned(),
                display_name: p.display_name(),
            })
            .collect()
    }

    /// Starts a sign-in with `provider`: stores a single-use transaction (hashes of state and
    /// browser binding, nonce, PKCE verifier, the validated `return_to`) and returns the
    /// provider URL and the browser-binding cookie value. An invalid `return_to` silently
    /// becomes `default_return_to` (BCP-18..24).
    pub async fn begin(
        &self,
        provider: &str,
        return_to: Option<&str>,
    ) -> Result<BeginLogin, LoginError> {
        begin::begin(&self.inner, provider, return_to, None, None).await
    }

    /// Like `begin`, but reuses the browser's existing binding value when it sent a
    /// well-formed one (so two tabs signing in at once both complete: BCP-03);
    /// `BeginLogin.browser_binding` is then that same value. A malformed value is ignored and
    /// a fresh binding issued.
    pub async fn begin_in_browser(
        &self,
        provider: &str,
        return_to: Option<&str>,
        existing_binding: Option<&str>,
    ) -> Result<BeginLogin, LoginError> {
        begin::begin(&self.inner, provider, return_to, existing_binding, None).await
    }

    /// Starts an explicit account-linking transaction: like
    /// [`begin_in_browser`](Self::begin_in_browser), but the identity the provider returns
    /// is linked to `user` (the signed-in user) instead of signing in. Verified-email linking
    /// never applies to it. The caller must have checked that the request really comes from
    /// `user` (a live session, a CSRF token, same origin): see the session module.
    pub async fn begin_link(
        &self,
        provider: &str,
        return_to: Option<&str>,
        existing_binding: Option<&str>,
        user: &UserId,
    ) -> Result<BeginLogin, LoginError> {
        begin::begin(
            &self.inner,
            provider,
            return_to,
            existing_binding,
            Some(user),
        )
        .await
    }

    /// Completes a sign-in. `raw_query` is the callback's raw query string (duplicated
    /// parameters are refused); `browser_binding` is the binding cookie's value if the browser
    /// sent one.
    ///
    /// For a transaction started by [`begin_link`](Self::begin_link) the identity is linked
    /// to that transaction's user: already linked to it → a sign-in with it; linked to another
    /// user → [`LoginError::IdentityTaken`] (nothing changes); new → linked
    /// (`CompletedLogin::linked`). Use [`complete_in_session`](Self::complete_in_session) to
    /// also require that the browser is still signed in as that user.
    pub async fn complete(
        &self,
        provider: &str,
        raw_query: &str,
        browser_binding: Option<&str>,
    ) -> Result<CompletedLogin, LoginError> {
        callback::complete(&self.inner, provider, raw_query, browser_binding, None)
            .await
            .inspect_err(|e| log_refusal("sign-in refused", e))
    }

    /// Like [`complete`](Self::complete), for a browser presenting a session of
    /// `session_user` (`None`: no live session). An account-linking transaction is refused
    /// ([`LoginError::InvalidCallback`]) unless `session_user` is the user it links to, and
    /// this is checked before the code is redeemed, so nothing is linked for a browser whose
    /// session changed hands. Sign-in transactions ignore `session_user`.
    pub async fn complete_in_session(
        &self,
        provider: &str,
        raw_query: &str,
        browser_binding: Option<&str>,
        session_user: Option<&UserId>,
    ) -> Result<CompletedLogin, LoginError> {
        let expected = Some(session_user);
        callback::complete(&self.inner, provider, raw_query, browser_binding, expected)
            .await
            .inspect_err(|e| log_refusal("sign-in refused", e))
    }

    /// Refreshes the provider's tokens (`grant_type=refresh_token`). Only `invalid_grant`
    /// (GitHub: `bad_refresh_token`) is [`RefreshError::Fatal`]; every other OAuth error
    /// (`invalid_client`, `unauthorized_client`, `invalid_scope`, ...), other statuses and
    /// network failures are [`RefreshError::Transient`] (BCP-45). A new ID token must keep
    /// `iss`, `sub` and `aud`, and add no `azp` (BCP-46).
    pub async fn refresh(
        &self,
        provider: &str,
        tokens: &ProviderTokens,
    ) -> Result<ProviderTokens, RefreshError> {
        refresh::refresh(&self.inner, provider, tokens).await
    }

    /// RFC 7009 revocation of the refresh (else access) token when the provider offers it;
    /// errors only logged.
    pub async fn revoke(&self, provider: &str, tokens: &ProviderTokens) {
        refresh::revoke(&self.inner, provider, tokens).await;
    }

    /// RP-initiated logout URL (end_session_endpoint + id_token_hint + post_logout_redirect_uri
    /// + client_id) when the provider advertises one.
    pub async fn end_session_url(
        &self,
        provider: &str,
        id_token_hint: Option<&SecretString>,
    ) -> Option<Url> {
        logout::end_session_url(&self.inner, provider, id_token_hint).await
    }

    /// Validates a back-channel logout token (OIDC Back-Channel Logout 1.0 §2.6, BCP-64),
    /// including jti replay through `stores.replays`.
    pub async fn logout_token(&self, token: &str) -> Result<LogoutToken, LoginError> {
        logout::logout_token(&self.inner, token)
            .await
            .inspect_err(|e| log_refusal("back-channel logout token refused", e))
    }

    /// Where `provider` reads roles and groups; the generic mapping for providers without
    /// bearer routes (GitHub).
    pub(crate) fn claim_mapping(&self, provider: &str) -> authgate_core::ClaimMapping {
        self.inner
            .verifier
            .claim_mapping(provider)
            .unwrap_or_default()
    }

    /// How long a sign-in transaction lives (`[login] state_ttl`).
    pub(crate) fn state_ttl(&self) -> std::time::Duration {
        self.inner.config.state_ttl
    }

    /// Path of the callback for a provider: `/auth/{id}/callback`; the redirect URI is
    /// public_url + this, byte-identical in the authorization and token requests.
    pub fn callback_path(provider: &str) -> String {
        format!("/auth/{provider}/callback")
    }
}

impl Inner {
    /// The sign-in provider `id`.
    pub(super) fn provider(&self, id: &str) -> Result<&Provider, LoginError> {
        self.providers
            .iter()
            .find(|p| p.id() == id)
            .ok_or_else(|| LoginError::UnknownProvider(id.chars().take(64).collect()))
    }

    /// The redirect URI of `provider`, byte-identical in every request (BCP-15).
    pub(super) fn redirect_uri(&self, provider: &str) -> String {
        let base = self.public_url.as_str().trim_end_matches('/');
        format!("{base}{}", Login::callback_path(provider))
    }

    pub(super) fn return_to(&self, candidate: Option<&str>) -> String {
        candidate
            .and_then(|c| {
                return_to::validate(c, &self.public_url, &self.config.allowed_return_origins)
            })
            .unwrap_or_else(|| self.config.default_return_to.clone())
    }
}

/// Client-caused refusals at debug, provider and store failures at error. The messages never
/// carry a token, code, state, nonce or verifier.
fn log_refusal(what: &str, e: &LoginError) {
    match e {
        LoginError::Unavailable(_) | LoginError::Store(_) => tracing::error!(error = %e, "{what}"),
        _ => tracing::debug!(error = %e, "{what}"),
    }
}
