//! The session and sign-in cookies: names, `Set-Cookie` values, and reading them back.
//!
//! The builder has no `Domain` setter and ties the `__Host-` prefix to `Secure`: a secure
//! policy writes `__Host-` names with `Secure; Path=/`, an insecure one (plain-http loopback)
//! writes unprefixed names without `Secure`. It cannot produce a `__Host-` cookie a browser
//! would reject (security.md BCP-52, BCP-53).

use authgate_core::SecretString;
use http::HeaderMap;
use http::header::COOKIE;

/// Base name of the session cookie.
const SESSION: &str = "authgate";
/// Base name of the sign-in (browser-binding) cookie.
const LOGIN: &str = "authgate-login";
/// Characters of a cookie value: 32 random bytes in unpadded base64url.
pub(crate) const VALUE_LEN: usize = 43;
/// At most this many same-named session cookies are considered (a planted duplicate must not
/// lock the user out, and a flood must not cost a store lookup each).
const MAX_CANDIDATES: usize = 3;

/// How this deployment writes cookies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CookiePolicy {
    secure: bool,
    session: String,
    login: String,
}

impl CookiePolicy {
    /// `Secure` with `__Host-` names for an https URL, neither otherwise.
    pub(crate) fn for_url(public_url: &url::Url) -> Self {
        Self::new(public_url.scheme() == "https")
    }

    pub(crate) fn new(secure: bool) -> Self {
        let name = |base: &str| {
            if secure {
                format!("__Host-{base}")
            } else {
                base.to_owned()
            }
        };
        CookiePolicy {
            secure,
            session: name(SESSION),
            login: name(LOGIN),
        }
    }

    /// The session cookie's name.
    pub(crate) fn session_name(&self) -> &str {
        &self.session
    }

    /// `Set-Cookie` for a session value living `max_age` seconds.
    pub(crate) fn set_session(&self, value: &SecretString, max_age: u64) -> String {
        self.set(&self.session, value.expose_secret(), max_age)
    }

    /// `Set-Cookie` deleting the session cookie (same attributes, BCP-62).
    pub(crate) fn clear_session(&self) -> String {
        self.set(&self.session, "", 0)
    }

    /// `Set-Cookie` for a sign-in transaction's binding value.
    pub(crate) fn set_login(&self, value: &SecretString, max_age: u64) -> String {
        self.set(&self.login, value.expose_secret(), max_age)
    }

    /// Well-formed session cookie values the request carries, first ones first, at most 3.
    pub(crate) fn session_values<'a>(&self, headers: &'a HeaderMap) -> Vec<&'a str> {
        values(headers, &self.session)
            .filter(|v| is_well_formed(v))
            .take(MAX_CANDIDATES)
            .collect()
    }

    /// The sign-in cookie's value, when exactly one well-formed one was sent.
    pub(crate) fn login_value<'a>(&self, headers: &'a HeaderMap) -> Option<&'a str> {
        let mut found = values(headers, &self.login).filter(|v| is_well_formed(v));
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }

    /// The one place a `Set-Cookie` value is written: always `Path=/; HttpOnly;
    /// SameSite=Lax`, `Secure` exactly when the policy is secure, never `Domain`.
    fn set(&self, name: &str, value: &str, max_age: u64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
    }
}

/// Every value of cookie `name` across all `Cookie` headers (RFC 6265 §5.4 order).
///
/// Works on the raw bytes: a header with obs-text (non-ASCII) bytes in some other cookie must
/// not hide ours (a lock-out). Pairs are split on `;` and trimmed, names compared bytewise;
/// only values that are valid UTF-8 come back (callers still check they are well-formed).
fn values<'a, 'n>(
    headers: &'a HeaderMap,
    name: &'n str,
) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
    headers
        .get_all(COOKIE)
        .iter()
        .flat_map(|h| h.as_bytes().split(|b| *b == b';'))
        .filter_map(move |pair| {
            let pair = pair.trim_ascii();
            let at = pair.iter().position(|b| *b == b'=')?;
            let (n, v) = (pair.get(..at)?, pair.get(at + 1..)?);
            (n == name.as_bytes())
                .then(|| std::str::from_utf8(v).ok())
                .flatten()
        })
}

/// Exactly 43 base64url characters; anything else is not ours (BCP-55).
pub(crate) fn is_well_formed(value: &str) -> bool {
    value.len() == VALUE_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A fresh cookie value: 256 bits from the system RNG, unpadded base64url.
pub(crate) fn new_value() -> SecretString {
    let mut bytes = [0u8; 32];
    // The system RNG does not fail on supported platforms; aws-lc aborts if it does.
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    SecretString::new(base64url(&bytes))
}

/// Unpadded base64url (RFC 4648 §5).
pub(crate) fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let symbol = |i: u32| {
        let index = usize::try_from(i & 63).unwrap_or(0);
        char::from(ALPHABET.get(index).copied().unwrap_or(b'A'))
    };
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        let symbols = chunk.len() + 1;
        for shift in [18, 12, 6, 0].into_iter().take(symbols) {
            out.push(symbol(n >> shift));
        }
    }
    out
}

#[cfg(test)]
mod tests;
