//! The first half of a sign-in: a fresh single-use transaction and the authorization request
//! (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1).

use super::flow::Inner;
use super::metadata::Metadata;
use super::provider::Provider;
use super::{BeginLogin, LoginError, random};
use crate::config::ProviderKind;
use authgate_core::SecretString;
use authgate_core::store::{LoginState, TokenHash, UserId};
use url::Url;

/// The secrets of one transaction. Only their hashes (state, binding) or the values the
/// callback needs (nonce, verifier) are stored.
struct Secrets {
    state: String,
    nonce: String,
    verifier: Option<String>,
    binding: String,
}

/// [`super::Login::begin`]; with `link_user`, [`super::Login::begin_link`].
pub(super) async fn begin(
    inner: &Inner,
    provider: &str,
    return_to: Option<&str>,
    existing_binding: Option<&str>,
    link_user: Option<&UserId>,
) -> Result<BeginLogin, LoginError> {
    let p = inner.provider(provider)?;
    let md = p.metadata(&inner.http).await?;
    let pkce = pkce_allowed(p, md.supports_s256())?;
    let secrets = Secrets {
        state: random::secret_256(),
        nonce: random::secret_256(),
        verifier: pkce.then(random::secret_256),
        // BCP-03: a second tab keeps the browser's binding, so both transactions complete.
        binding: existing_binding
            .filter(|b| random::is_secret_256(b))
            .map_or_else(random::secret_256, str::to_owned),
    };
    let url = authorization_url(inner, p, &md, &secrets)?;
    let now = inner.clock.now();
    let record = LoginState {
        key: TokenHash::of(&secrets.state),
        browser: TokenHash::of(&secrets.binding),
        provider: p.id().to_owned(),
        issuer: md.issuer.clone(),
        nonce: SecretString::new(secrets.nonce),
        pkce_verifier: SecretString::new(secrets.verifier.unwrap_or_default()),
        return_to: inner.return_to(return_to),
        link_user: link_user.cloned(),
        created_at: now,
        expires_at: now.plus(inner.config.state_ttl),
    };
    inner
        .stores
        .login_states
        .put_login_state(&record)
        .await
        .map_err(|e| LoginError::Store(e.to_string()))?;
    Ok(BeginLogin {
        redirect_to: url,
        browser_binding: SecretString::new(secrets.binding),
    })
}

/// The authorization request: code flow, the exact redirect URI, scopes, state, nonce (OIDC
/// only), the S256 challenge (BCP-01) and provider parameters.
fn authorization_url(
    inner: &Inner,
    p: &Provider,
    md: &Metadata,
    secrets: &Secrets,
) -> Result<Url, LoginError> {
    let mut url = Url::parse(&md.authorization_endpoint)
        .map_err(|e| LoginError::Unavailable(format!("authorization_endpoint: {e}")))?;
    let mut q = url.query_pairs_mut();
    q.append_pair("response_type", "code")
        .append_pair("client_id", p.client_id())
        .append_pair("redirect_uri", &inner.redirect_uri(p.id()))
        .append_pair("scope", &p.scopes())
        .append_pair("state", &secrets.state);
    if !p.is_github() {
        q.append_pair("nonce", &secrets.nonce);
    }
    if let Some(verifier) = &secrets.verifier {
        q.append_pair("code_challenge", &random::s256_challenge(verifier))
            .append_pair("code_challenge_method", "S256");
    }
    for (name, value) in provider_parameters(p) {
        q.append_pair(name, &value);
    }
    drop(q);
    Ok(url)
}

/// BCP-01/04: S256 always, unless the metadata lists methods without it; then a public client
/// cannot sign in and a confidential one falls back to state + nonce, loudly.
fn pkce_allowed(p: &Provider, s256: Option<bool>) -> Result<bool, LoginError> {
    match s256 {
        Some(false) if p.is_public() => Err(LoginError::Unavailable(
            "the provider does not support PKCE S256, required for a public client".into(),
        )),
        Some(false) => {
            tracing::error!(
                provider = %p.id(),
                "provider metadata lacks S256 in code_challenge_methods_supported: signing in without PKCE (state and nonce only)"
            );
            Ok(false)
        }
        _ => Ok(true),
    }
}

/// Provider-specific authorization parameters: Google's offline access and hosted domain;
/// `prompt=consent` with `offline_access`, which OIDC Core §11 requires (spec-strict
/// providers such as oidc-provider issue no refresh token without it).
fn provider_parameters(p: &Provider) -> Vec<(&'static str, String)> {
    let mut params = Vec::new();
    let offline = p.scopes().split(' ').any(|s| s == "offline_access");
    if offline && p.cfg.kind != ProviderKind::Google {
        params.push(("prompt", "consent".to_owned()));
    }
    if p.cfg.kind == ProviderKind::Google {
        params.push(("access_type", "offline".to_owned()));
        params.push(("prompt", "consent".to_owned()));
        if let Some(hd) = &p.cfg.hosted_domain {
            params.push(("hd", hd.clone()));
        }
    }
    params
}
