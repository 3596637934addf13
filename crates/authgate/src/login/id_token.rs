//! The identity of an OpenID Connect sign-in: the ID token (OIDC Core §3.1.3.7) and userinfo
//! (§5.3.2), turned into the identity the user store keys on.

use super::flow::Inner;
use super::provider::Provider;
use super::transport::Auth;
use super::{LoginError, ProviderTokens, users};
use crate::config::ProviderKind;
use authgate_core::store::{LoginState, NewIdentity};
use authgate_core::{Claims, SecretString};
use serde_json::{Map, Value};

/// Who signed in, as the provider told us.
#[derive(Debug)]
pub(super) struct Resolved {
    /// The identity (issuer, subject, email facts).
    pub(super) new_identity: NewIdentity,
    /// A display name for a new user.
    pub(super) display_name: Option<String>,
    /// The provider session id.
    pub(super) sid: Option<String>,
    /// Verified claims merged with userinfo.
    pub(super) claims: Map<String, Value>,
}

/// Validates the ID token of a code exchange and reads the identity from it.
pub(super) async fn identity(
    inner: &Inner,
    p: &Provider,
    tx: &LoginState,
    tokens: &ProviderTokens,
) -> Result<Resolved, LoginError> {
    let claims = verify(inner, p, tokens.id_token.as_ref()).await?;
    // OIDC Core §3.1.3.7 #11, BCP-11: the nonce of *this* transaction; on mismatch every token
    // of the response is discarded (dropped here, never stored).
    let nonce_ok = claims
        .get_str("nonce")
        .is_some_and(|n| constant_eq(n, &tx.nonce));
    if !nonce_ok {
        return Err(invalid("ID token nonce is missing or wrong"));
    }
    // Mix-up defence: the ID token comes from the issuer the request went to (Entra
    // multi-tenant transactions hold the template; the verifier matched it).
    let iss = claims.get_str("iss").unwrap_or_default();
    if !tx.issuer.contains("{tenantid}") && iss != tx.issuer {
        return Err(invalid("ID token iss is not the transaction's issuer"));
    }
    let mut merged = claims.as_map().clone();
    userinfo(inner, p, tokens, &claims, &mut merged).await?;
    resolve(p, claims.as_map(), merged)
}

/// Claims userinfo may not override: the identity key, the tenant and the provider session.
/// Userinfo's `email` may fill the session's claims (display, identity headers: OIDC Core
/// §5.3.2 makes userinfo authoritative once its `sub` matches), but the email facts that key
/// users and decide linking come from the signed ID token only (see [`identity`]).
const SIGNED_ONLY: [&str; 7] = ["iss", "sub", "oid", "tid", "hd", "sid", "aud"];

/// Verifies an ID token's signature and claims (everything but the nonce).
pub(super) async fn verify(
    inner: &Inner,
    p: &Provider,
    id_token: Option<&SecretString>,
) -> Result<Claims, LoginError> {
    let token = id_token.ok_or_else(|| invalid("the token response has no id_token"))?;
    inner
        .verifier
        .verify_id_token(p.id(), token.expose_secret(), p.client_id())
        .await
        .map_err(|e| invalid(&format!("ID token rejected: {e}")))
}

/// OIDC Core §5.3.2: userinfo's `sub` must equal the ID token's; its other claims fill in
/// what the ID token lacks (ID-token claims win), except the [`SIGNED_ONLY`] ones.
async fn userinfo(
    inner: &Inner,
    p: &Provider,
    tokens: &ProviderTokens,
    claims: &Claims,
    merged: &mut Map<String, Value>,
) -> Result<(), LoginError> {
    let md = p.metadata(&inner.http).await?;
    let Some(endpoint) = &md.userinfo_endpoint else {
        return Ok(());
    };
    let auth = Auth::Bearer(tokens.access_token.expose_secret());
    let answer = inner
        .transport
        .get(endpoint, p.allow_http(), auth)
        .await
        .map_err(|e| LoginError::Unavailable(format!("userinfo {e}")))?;
    if answer.status != 200 {
        return Err(LoginError::Unavailable(format!(
            "userinfo status {}",
            answer.status
        )));
    }
    let sub = answer.body.get("sub").and_then(Value::as_str);
    if sub.is_none() || sub != claims.get_str("sub") {
        return Err(invalid("userinfo sub differs from the ID token's"));
    }
    for (name, value) in answer.body {
        if !SIGNED_ONLY.contains(&name.as_str()) {
            merged.entry(name).or_insert(value);
        }
    }
    Ok(())
}

/// The identity key: (issuer, subject), Entra's subject being `oid` (stable across apps).
/// Identity and email facts come from the `signed` ID-token claims only (BCP: userinfo is
/// unsigned); the email is normalised before it reaches the store.
fn resolve(
    p: &Provider,
    signed: &Map<String, Value>,
    merged: Map<String, Value>,
) -> Result<Resolved, LoginError> {
    let text = |name: &str| signed.get(name).and_then(Value::as_str).map(str::to_owned);
    let entra = p.cfg.kind == ProviderKind::Entra;
    let subject = if entra { text("oid") } else { text("sub") }
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("the ID token has no subject (sub, or oid for Entra)"))?;
    let tenant = match p.cfg.kind {
        ProviderKind::Entra => text("tid"),
        ProviderKind::Google => text("hd"),
        _ => None,
    };
    let email_verified = matches!(signed.get("email_verified"), Some(Value::Bool(true)))
        || signed.get("email_verified").and_then(Value::as_str) == Some("true");
    let any = |name: &str| merged.get(name).and_then(Value::as_str).map(str::to_owned);
    let new_identity = NewIdentity {
        provider: p.id().to_owned(),
        issuer: text("iss").unwrap_or_default(),
        subject,
        tenant,
        email: text("email").as_deref().and_then(users::normalise_email),
        email_verified,
    };
    Ok(Resolved {
        display_name: any("name")
            .or_else(|| any("preferred_username"))
            .or_else(|| text("email")),
        sid: text("sid"),
        new_identity,
        claims: merged,
    })
}

fn constant_eq(a: &str, b: &SecretString) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.expose_secret().as_bytes())
        .is_ok()
}

fn invalid(why: &str) -> LoginError {
    LoginError::InvalidToken(why.to_owned())
}
