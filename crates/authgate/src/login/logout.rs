//! Logout: RP-initiated logout URLs (OpenID Connect RP-Initiated Logout 1.0 §2) and
//! back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.4, §2.6; BCP-64).

use super::flow::Inner;
use super::{LoginError, LogoutToken};
use authgate_core::store::TokenHash;
use authgate_core::{Claims, Jws, SecretString, UnixTime};
use serde_json::Value;
use url::Url;

/// The event member that makes a JWT a logout token.
const BACKCHANNEL_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// Leeway for `iat` and `exp`.
const LEEWAY_SECS: i64 = 60;
/// How old a logout token without `exp` may be (its `jti` is remembered this long).
const MAX_AGE_SECS: i64 = 600;
/// Longest `jti` accepted.
const MAX_JTI: usize = 256;
/// The replay-store namespace of logout-token `jti`s.
const REPLAY_NAMESPACE: &str = "backchannel";

/// [`super::Login::end_session_url`].
pub(super) async fn end_session_url(
    inner: &Inner,
    provider: &str,
    id_token_hint: Option<&SecretString>,
) -> Option<Url> {
    let p = inner.provider(provider).ok()?;
    let md = p.metadata(&inner.http).await.ok()?;
    let mut url = Url::parse(md.end_session_endpoint.as_deref()?).ok()?;
    let post_logout = inner
        .config
        .post_logout_redirect
        .clone()
        .unwrap_or_else(|| {
            let base = inner.public_url.as_str().trim_end_matches('/');
            format!("{base}/auth/logged-out")
        });
    {
        let mut q = url.query_pairs_mut();
        if let Some(hint) = id_token_hint {
            q.append_pair("id_token_hint", hint.expose_secret());
        }
        q.append_pair("post_logout_redirect_uri", &post_logout)
            .append_pair("client_id", p.client_id());
    }
    Some(url)
}

/// [`super::Login::logout_token`]: every rule of Back-Channel Logout 1.0 §2.6, then the `jti`
/// replay check (last, so a bad token never spends a `jti`).
pub(super) async fn logout_token(inner: &Inner, token: &str) -> Result<LogoutToken, LoginError> {
    // §2.6 step 2 / RFC 8725 §3.11: explicit typing, when present, says logout+jwt.
    let jws = Jws::parse(token).map_err(|e| invalid(&format!("not a JWS: {e}")))?;
    if jws.header().typ.is_some() && !jws.header().typ_is("logout+jwt") {
        return Err(invalid("typ is not logout+jwt"));
    }
    // §2.6 step 3: signature with the issuer's keys and allowed algorithms; `iss` routed to
    // one of our sign-in providers.
    let providers: Vec<String> = inner
        .providers
        .iter()
        .filter(|p| !p.is_github())
        .map(|p| p.id().to_owned())
        .collect();
    let (provider, claims) = inner
        .verifier
        .verify_logout_signature(token, &providers)
        .await
        .map_err(|e| invalid(&format!("signature: {e}")))?;
    let p = inner.provider(&provider)?;
    let now = inner.clock.now();
    // §2.6 step 4: iss (routed above), aud, iat, exp.
    audience(&claims, p.client_id())?;
    let expires = times(&claims, now)?;
    // §2.6 steps 5–7: the logout event, sub and/or sid, no nonce.
    events(&claims)?;
    if claims.contains("nonce") {
        return Err(invalid("a logout token must not contain nonce"));
    }
    let sid = claims.get_str("sid").map(str::to_owned);
    let subject = claims.get_str("sub").map(str::to_owned);
    if sid.is_none() && subject.is_none() {
        return Err(invalid("neither sub nor sid"));
    }
    let issuer = claims.get_str("iss").unwrap_or_default().to_owned();
    replay(inner, &claims, &issuer, expires, now).await?;
    Ok(LogoutToken {
        issuer,
        sid,
        subject,
    })
}

fn audience(claims: &Claims, client_id: &str) -> Result<(), LoginError> {
    let ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == client_id,
        Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(client_id)),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(invalid("aud is not our client id"))
    }
}

/// `iat` required and not in the future; `exp`, when present, not passed; without `exp` the
/// token may be at most [`MAX_AGE_SECS`] old. Returns how long its `jti` must be remembered.
fn times(claims: &Claims, now: UnixTime) -> Result<UnixTime, LoginError> {
    let number = |name: &str| claims.get(name).and_then(Value::as_f64);
    #[allow(clippy::cast_possible_truncation)] // NumericDates far beyond i64 fail the checks
    let iat = number("iat").ok_or_else(|| invalid("iat is missing"))? as i64;
    if iat > now.0.saturating_add(LEEWAY_SECS) {
        return Err(invalid("iat is in the future"));
    }
    #[allow(clippy::cast_possible_truncation)]
    let exp = number("exp").map(|e| e as i64);
    match exp {
        Some(exp) if exp.saturating_add(LEEWAY_SECS) <= now.0 => {
            Err(invalid("the logout token expired"))
        }
        Some(exp) => Ok(UnixTime(exp.saturating_add(LEEWAY_SECS))),
        None if iat.saturating_add(MAX_AGE_SECS) < now.0 => {
            Err(invalid("the logout token is too old"))
        }
        None => Ok(UnixTime(iat.saturating_add(MAX_AGE_SECS + LEEWAY_SECS))),
    }
}

fn events(claims: &Claims) -> Result<(), LoginError> {
    let event = claims
        .get("events")
        .and_then(Value::as_object)
        .and_then(|events| events.get(BACKCHANNEL_EVENT));
    match event {
        Some(Value::Object(_)) => Ok(()),
        _ => Err(invalid("events lacks the back-channel logout event")),
    }
}

/// §2.6 step 9 (BCP-64): a `jti` is accepted once per issuer.
async fn replay(
    inner: &Inner,
    claims: &Claims,
    issuer: &str,
    expires: UnixTime,
    now: UnixTime,
) -> Result<(), LoginError> {
    let jti = claims
        .get_str("jti")
        .filter(|j| !j.is_empty() && j.len() <= MAX_JTI)
        .ok_or_else(|| invalid("jti is missing"))?;
    let id = TokenHash::of(&format!("{issuer}\n{jti}")).to_hex();
    let first = inner
        .stores
        .replays
        .first_use(REPLAY_NAMESPACE, &id, expires, now)
        .await
        .map_err(|e| LoginError::Store(e.to_string()))?;
    if first {
        Ok(())
    } else {
        Err(invalid("replayed jti"))
    }
}

fn invalid(why: &str) -> LoginError {
    LoginError::InvalidToken(why.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(value: Value) -> Claims {
        match value {
            Value::Object(map) => Claims::new(map),
            _ => Claims::new(serde_json::Map::new()),
        }
    }

    #[test]
    fn extreme_numeric_dates_saturate_instead_of_overflowing() {
        let now = UnixTime(1_700_000_000);
        let far = claims(serde_json::json!({"iat": 1_700_000_000, "exp": 1e300}));
        assert_eq!(times(&far, now), Ok(UnixTime(i64::MAX)));
        let max = claims(serde_json::json!({"iat": 1_700_000_000, "exp": i64::MAX}));
        assert_eq!(times(&max, now), Ok(UnixTime(i64::MAX)));
        let ancient = claims(serde_json::json!({"iat": -1e300}));
        assert!(times(&ancient, now).is_err());
        let future = claims(serde_json::json!({"iat": 1e300}));
        assert!(times(&future, now).is_err());
        assert!(times(&future, UnixTime(i64::MAX)).is_ok());
    }
}
