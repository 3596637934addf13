//! Refreshing (RFC 6749 §6, OIDC Core §12) and revoking (RFC 7009) the provider's tokens.

use super::flow::Inner;
use super::provider::Provider;
use super::tokens::{self, TokenFailure};
use super::{ProviderTokens, RefreshError};
use authgate_core::{SecretString, VerifyErrorKind};
use serde_json::Value;

/// [`super::Login::refresh`].
pub(super) async fn refresh(
    inner: &Inner,
    provider: &str,
    old: &ProviderTokens,
) -> Result<ProviderTokens, RefreshError> {
    let p = inner
        .provider(provider)
        .map_err(|e| RefreshError::Fatal(e.to_string()))?;
    let refresh_token = old
        .refresh_token
        .as_ref()
        .ok_or_else(|| RefreshError::Fatal("no refresh token".into()))?;
    let md = p
        .metadata(&inner.http)
        .await
        .map_err(|e| RefreshError::Transient(e.to_string()))?;
    let mut form: Vec<(&str, &str)> = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.expose_secret()),
    ];
    let auth = p.client_auth(&md, &mut form);
    let answer = inner
        .transport
        .post_form(&md.token_endpoint, p.allow_http(), &form, auth)
        .await
        .map_err(TokenFailure::Call);
    let mut fresh = tokens::parse(answer, inner.clock.now()).map_err(classify)?;
    match &fresh.id_token {
        Some(id_token) => same_subject(inner, p, old.id_token.as_ref(), id_token).await?,
        None => fresh.id_token.clone_from(&old.id_token),
    }
    if fresh.refresh_token.is_none() {
        // No rotation: the old refresh token stays valid.
        fresh.refresh_token = Some(refresh_token.clone());
    }
    Ok(fresh)
}

/// The OAuth error codes that mean "this refresh token is dead" (RFC 6749 §5.2
/// `invalid_grant`; GitHub's `bad_refresh_token`, sent with status 200).
const FATAL_CODES: [&str; 2] = ["invalid_grant", "bad_refresh_token"];

/// BCP-45: only a refused grant is fatal. Every other OAuth error (`invalid_client` from an
/// expired client secret, `unauthorized_client` or `invalid_scope` after a provider-side
/// configuration change, `temporarily_unavailable`, ...), any other status and any transport
/// failure is transient: those hit every session at once, and a configuration mistake must not
/// delete them all. The session then lives until its access token expires.
fn classify(e: TokenFailure) -> RefreshError {
    match &e {
        TokenFailure::OAuth(code) if FATAL_CODES.contains(&code.as_str()) => {
            RefreshError::Fatal(e.to_string())
        }
        TokenFailure::OAuth(_)
        | TokenFailure::Status(_)
        | TokenFailure::Malformed(_)
        | TokenFailure::Call(_) => RefreshError::Transient(e.to_string()),
    }
}

/// OIDC Core §12.2, BCP-46: a refreshed ID token is verified and names the same `iss`,
/// `sub`, `aud` (and `azp`) as the original.
async fn same_subject(
    inner: &Inner,
    p: &Provider,
    original: Option<&SecretString>,
    fresh: &SecretString,
) -> Result<(), RefreshError> {
    let claims = inner
        .verifier
        .verify_id_token(p.id(), fresh.expose_secret(), p.client_id())
        .await
        .map_err(|e| match e.kind() {
            VerifyErrorKind::KeysUnavailable => RefreshError::Transient(e.to_string()),
            _ => RefreshError::Fatal(format!("refreshed ID token rejected: {e}")),
        })?;
    let Some(original) = original else {
        return Ok(());
    };
    let (_, before) = authgate_core::dangerous::decode_unverified(original.expose_secret())
        .map_err(|e| RefreshError::Fatal(format!("stored ID token unreadable: {e}")))?;
    for name in ["iss", "sub", "aud", "azp"] {
        if claims.get(name) != before.get(name) {
            return Err(RefreshError::Fatal(format!(
                "refreshed ID token changed {name}"
            )));
        }
    }
    Ok(())
}

/// [`super::Login::revoke`]: the refresh token (which also ends its access tokens at most
/// providers), else the access token. Failures are logged, never returned.
pub(super) async fn revoke(inner: &Inner, provider: &str, tokens: &ProviderTokens) {
    let Ok(p) = inner.provider(provider) else {
        return;
    };
    let Ok(md) = p.metadata(&inner.http).await else {
        return;
    };
    let Some(endpoint) = &md.revocation_endpoint else {
        return;
    };
    let (token, hint) = match &tokens.refresh_token {
        Some(rt) => (rt.expose_secret(), "refresh_token"),
        None => (tokens.access_token.expose_secret(), "access_token"),
    };
    let mut form: Vec<(&str, &str)> = vec![("token", token), ("token_type_hint", hint)];
    let auth = p.client_auth(&md, &mut form);
    match inner
        .transport
        .post_form(endpoint, p.allow_http(), &form, auth)
        .await
    {
        Ok(answer) if answer.status == 200 => {
            tracing::debug!(provider, "provider token revoked");
        }
        Ok(answer) => {
            let code = answer
                .body
                .get("error")
                .and_then(Value::as_str)
                .map(tokens::safe_code);
            tracing::warn!(provider, status = answer.status, error = ?code, "token revocation refused");
        }
        Err(e) => tracing::warn!(provider, error = %e, "token revocation failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::login::transport::CallError;

    fn fatal(e: TokenFailure) -> bool {
        matches!(classify(e), RefreshError::Fatal(_))
    }

    #[test]
    fn bcp45_only_a_refused_grant_is_fatal() {
        assert!(fatal(TokenFailure::OAuth("invalid_grant".into())));
        assert!(fatal(TokenFailure::OAuth("bad_refresh_token".into())));
        for code in [
            "invalid_client",
            "unauthorized_client",
            "invalid_scope",
            "invalid_request",
            "temporarily_unavailable",
            "server_error",
        ] {
            assert!(!fatal(TokenFailure::OAuth(code.into())), "{code}");
        }
        for status in [400, 401, 403, 404, 408, 429, 500, 503] {
            assert!(!fatal(TokenFailure::Status(status)), "{status}");
        }
        assert!(!fatal(TokenFailure::Malformed("lacks access_token")));
        assert!(!fatal(TokenFailure::Call(CallError::Transport("x".into()))));
    }
}
