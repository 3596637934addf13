//! The second half of a sign-in: the callback checks (security.md §3.2, §3.5), the code
//! exchange, the ID token, userinfo and the user.
//!
//! Order matters: nothing reaches the token endpoint until the response was matched to a live
//! transaction of this browser, for this provider, from the issuer the request went to.

use super::flow::Inner;
use super::provider::Provider;
use super::{CompletedLogin, LoginError, github, id_token, tokens, users};
use authgate_core::store::{LoginState, TokenHash, UserId};
use std::collections::HashMap;

/// The most bytes of callback query considered (a real one is well under 4 KiB).
const MAX_QUERY: usize = 16 * 1024;
/// The longest `state` accepted (ours are 43 characters).
const MAX_STATE: usize = 512;
/// Parameters that must not appear twice (BCP-14).
const SINGLE: [&str; 5] = ["state", "code", "iss", "error", "error_description"];

/// The authorization response (RFC 6749 §4.1.2, RFC 9207 §2).
struct Response {
    params: HashMap<String, String>,
}

impl Response {
    /// Parses the raw query; duplicated security parameters are refused.
    fn parse(raw: &str) -> Result<Self, LoginError> {
        if raw.len() > MAX_QUERY {
            return Err(invalid("callback query too long"));
        }
        let mut params = HashMap::new();
        for (name, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            let name = name.into_owned();
            if params.contains_key(&name) && SINGLE.contains(&name.as_str()) {
                // BCP-14: never silently take the first or last of two.
                return Err(invalid(&format!("duplicated {name} parameter")));
            }
            params.entry(name).or_insert_with(|| value.into_owned());
        }
        Ok(Response { params })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

/// [`super::Login::complete`]; with `session` (`Some(the browser's session user, if any)`),
/// [`super::Login::complete_in_session`].
pub(super) async fn complete(
    inner: &Inner,
    provider: &str,
    raw_query: &str,
    browser_binding: Option<&str>,
    session: Option<Option<&UserId>>,
) -> Result<CompletedLogin, LoginError> {
    let response = Response::parse(raw_query)?;
    // BCP-07: a response without state answers no transaction.
    let state = response
        .get("state")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("missing state"))?;
    if state.len() > MAX_STATE {
        return Err(invalid("state too long"));
    }
    // BCP-10: without the binding cookie the transaction cannot be this browser's.
    let binding = browser_binding
        .filter(|b| !b.is_empty())
        .ok_or_else(|| invalid("missing browser-binding cookie"))?;
    let p = inner.provider(provider)?;
    let now = inner.clock.now();
    // BCP-09: single use; a replayed callback finds nothing. BCP-08: only the browser the
    // transaction was issued to takes it; a wrong binding leaves it for the right one.
    let tx = inner
        .stores
        .login_states
        .take_login_state(&TokenHash::of(state), &TokenHash::of(binding), now)
        .await
        .map_err(|e| LoginError::Store(e.to_string()))?
        .ok_or_else(|| invalid("unknown, used or expired state, or another browser's"))?;
    check_transaction(inner, p, &tx, &response, binding).await?;
    // A link transaction completes only in the session of the user it links to: checked
    // before the code is redeemed, so nothing is linked for a browser that changed hands.
    if let (Some(target), Some(session_user)) = (&tx.link_user, session)
        && session_user != Some(target)
    {
        return Err(invalid(
            "account-linking transaction of another user than the browser's session",
        ));
    }
    let code = response
        .get("code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| invalid("missing code"))?;
    let tokens = tokens::redeem_code(inner, p, &tx, code).await?;
    let identity = if p.is_github() {
        github::identity(inner, p, &tokens).await?
    } else {
        id_token::identity(inner, p, &tx, &tokens).await?
    };
    let (user, linked) = match &tx.link_user {
        Some(target) => users::link(inner, &identity, target, now).await?,
        None => (users::resolve(inner, &identity, now).await?, false),
    };
    Ok(CompletedLogin {
        user,
        provider: p.id().to_owned(),
        issuer: identity.new_identity.issuer.clone(),
        subject: identity.new_identity.subject.clone(),
        sid: identity.sid,
        claims: serde_json::Value::Object(identity.claims),
        tokens,
        return_to: tx.return_to,
        linked,
    })
}

/// The transaction belongs to this browser (BCP-08/12/60), this provider (BCP-29/30) and
/// this issuer (RFC 9207, BCP-25..28, also for error responses), and the provider did not
/// answer with an error.
async fn check_transaction(
    inner: &Inner,
    p: &Provider,
    tx: &LoginState,
    response: &Response,
    binding: &str,
) -> Result<(), LoginError> {
    let presented = TokenHash::of(binding);
    if aws_lc_rs::constant_time::verify_slices_are_equal(&presented.0, &tx.browser.0).is_err() {
        return Err(invalid("state was issued to another browser"));
    }
    if tx.provider != p.id() {
        return Err(invalid("state belongs to another provider's transaction"));
    }
    let md = p.metadata(&inner.http).await?;
    match response.get("iss") {
        // RFC 9207 §2.4: simple string comparison, no normalisation.
        Some(iss) if iss != tx.issuer => {
            return Err(invalid("iss does not name the issuer the request went to"));
        }
        None if md.authorization_response_iss_parameter_supported => {
            return Err(invalid(
                "iss is missing though the provider always sends it",
            ));
        }
        _ => {}
    }
    if let Some(error) = response.get("error") {
        return Err(LoginError::ProviderDenied(error_code(error)));
    }
    Ok(())
}

/// RFC 6749 §4.1.2.1 error codes are `%x20-21 / %x23-5B / %x5D-7E`; anything else (or too
/// long) is not echoed.
fn error_code(error: &str) -> String {
    let ok = error.len() <= 64
        && error
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if ok {
        error.to_owned()
    } else {
        "invalid_error_code".to_owned()
    }
}

fn invalid(why: &str) -> LoginError {
    LoginError::InvalidCallback(why.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcp14_duplicates_of_security_parameters_are_refused() {
        for q in [
            "state=a&state=b",
            "code=a&state=s&code=b",
            "iss=x&iss=x",
            "error=a&error=b",
        ] {
            assert!(Response::parse(q).is_err(), "{q}");
        }
        let ok = Response::parse("state=s&code=c&x=1&x=2").unwrap();
        assert_eq!(ok.get("code"), Some("c"));
    }

    #[test]
    fn error_codes_are_not_echoed_when_odd() {
        assert_eq!(error_code("access_denied"), "access_denied");
        assert_eq!(error_code("<script>"), "invalid_error_code");
    }
}
