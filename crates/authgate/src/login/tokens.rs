//! The token endpoint (RFC 6749 §4.1.3, §5): the code exchange and the response shape shared
//! with refresh.

use super::flow::Inner;
use super::provider::Provider;
use super::transport::{Answer, CallError};
use super::{LoginError, ProviderTokens};
use authgate_core::store::LoginState;
use authgate_core::{SecretString, UnixTime};
use serde_json::{Map, Value};

/// Why a token request produced no tokens.
#[derive(Debug)]
pub(super) enum TokenFailure {
    /// The provider answered with an OAuth error code (RFC 6749 §5.2).
    OAuth(String),
    /// A non-2xx status without an OAuth error body.
    Status(u16),
    /// A 2xx answer that is not a usable token response.
    Malformed(&'static str),
    /// The request did not complete.
    Call(CallError),
}

impl std::fmt::Display for TokenFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenFailure::OAuth(code) => write!(f, "token endpoint error {code}"),
            TokenFailure::Status(status) => write!(f, "token endpoint status {status}"),
            TokenFailure::Malformed(why) => write!(f, "token response {why}"),
            TokenFailure::Call(e) => write!(f, "token endpoint {e}"),
        }
    }
}

/// Redeems `code` at the transaction provider's own token endpoint (BCP-29) with the same
/// `redirect_uri` (BCP-15) and the transaction's PKCE verifier.
pub(super) async fn redeem_code(
    inner: &Inner,
    p: &Provider,
    tx: &LoginState,
    code: &str,
) -> Result<ProviderTokens, LoginError> {
    let md = p.metadata(&inner.http).await?;
    let redirect_uri = inner.redirect_uri(p.id());
    let verifier = tx.pkce_verifier.expose_secret();
    let mut form: Vec<(&str, &str)> = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", &redirect_uri),
    ];
    if !verifier.is_empty() {
        form.push(("code_verifier", verifier));
    }
    let auth = p.client_auth(&md, &mut form);
    let answer = inner
        .transport
        .post_form(&md.token_endpoint, p.allow_http(), &form, auth)
        .await;
    let now = inner.clock.now();
    parse(answer.map_err(TokenFailure::Call), now).map_err(|e| match e {
        TokenFailure::OAuth(_) | TokenFailure::Malformed(_) => {
            LoginError::InvalidToken(e.to_string())
        }
        TokenFailure::Status(_) | TokenFailure::Call(_) => LoginError::Unavailable(e.to_string()),
    })
}

/// Reads a token response: `access_token` and `token_type: Bearer` required (any other type,
/// e.g. DPoP or MAC, is refused), `expires_in`, `refresh_token`, `id_token` optional.
pub(super) fn parse(
    answer: Result<Answer, TokenFailure>,
    now: UnixTime,
) -> Result<ProviderTokens, TokenFailure> {
    let Answer { status, body } = answer?;
    if status >= 500 || status == 429 {
        return Err(TokenFailure::Status(status));
    }
    if let Some(code) = body.get("error").and_then(Value::as_str) {
        // GitHub answers errors with 200.
        return Err(TokenFailure::OAuth(safe_code(code)));
    }
    if !(200..300).contains(&status) {
        return Err(TokenFailure::Status(status));
    }
    let access =
        string(&body, "access_token").ok_or(TokenFailure::Malformed("lacks access_token"))?;
    let bearer = string(&body, "token_type").is_some_and(|t| t.eq_ignore_ascii_case("bearer"));
    if !bearer {
        return Err(TokenFailure::Malformed("token_type is not Bearer"));
    }
    Ok(ProviderTokens {
        access_token: SecretString::new(access),
        refresh_token: string(&body, "refresh_token").map(SecretString::new),
        id_token: string(&body, "id_token").map(SecretString::new),
        expires_at: expires_in(&body).map(|secs| UnixTime(now.0.saturating_add(secs))),
    })
}

fn string(body: &Map<String, Value>, name: &str) -> Option<String> {
    body.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// `expires_in` as a positive number of seconds (some providers send a numeric string).
fn expires_in(body: &Map<String, Value>) -> Option<i64> {
    let value = body.get("expires_in")?;
    let secs = value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))?;
    (secs > 0).then_some(secs.min(366 * 24 * 3600))
}

/// An error code fit for logs (RFC 6749 §5.2 charset, bounded).
pub(super) fn safe_code(code: &str) -> String {
    let ok = code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
    if ok {
        code.to_owned()
    } else {
        "invalid_error_code".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: u16, body: Value) -> Result<Answer, TokenFailure> {
        Ok(Answer {
            status,
            body: body.as_object().cloned().unwrap_or_default(),
        })
    }

    #[test]
    fn bearer_responses_parse_and_other_types_are_refused() {
        let ok = parse(
            answer(
                200,
                json!({"access_token": "a", "token_type": "bearer", "expires_in": "60"}),
            ),
            UnixTime(100),
        )
        .unwrap();
        assert_eq!(ok.expires_at, Some(UnixTime(160)));
        for body in [
            json!({"access_token": "a", "token_type": "DPoP"}),
            json!({"access_token": "a"}),
            json!({"token_type": "Bearer"}),
        ] {
            assert!(matches!(
                parse(answer(200, body), UnixTime(0)),
                Err(TokenFailure::Malformed(_))
            ));
        }
        assert!(matches!(
            parse(
                answer(200, json!({"error": "bad_verification_code"})),
                UnixTime(0)
            ),
            Err(TokenFailure::OAuth(_))
        ));
        assert!(matches!(
            parse(answer(502, json!({})), UnixTime(0)),
            Err(TokenFailure::Status(502))
        ));
    }
}
