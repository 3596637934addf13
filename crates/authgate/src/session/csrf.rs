//! Logout CSRF defence (security.md BCP-61): a token bound to the session cookie, plus a
//! same-origin check of `Origin` and `Sec-Fetch-Site` when the browser sends them.

use super::cookie::base64url;
use authgate_core::SecretString;
use aws_lc_rs::digest;
use http::HeaderMap;
use http::header::ORIGIN;

/// Domain separation: the token is useless as anything but a logout token.
const LABEL: &[u8] = b"authgate-logout-csrf\0";

/// The CSRF token for the session whose cookie value is `cookie`:
/// base64url(SHA-256(label ‖ cookie)). Only someone who can read the cookie (or our page)
/// can know it; it reveals nothing about the cookie.
pub(crate) fn token(cookie: &SecretString) -> String {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(LABEL);
    ctx.update(cookie.expose_secret().as_bytes());
    base64url(ctx.finish().as_ref())
}

/// Whether `presented` is the token of `cookie`, compared in constant time.
pub(crate) fn verify(cookie: &SecretString, presented: &str) -> bool {
    let expected = token(cookie);
    if expected.len() != presented.len() {
        return false;
    }
    let diff = expected
        .bytes()
        .zip(presented.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    diff == 0
}

/// `false` when `Origin` names another origin (or `null`), or `Sec-Fetch-Site` says the
/// request did not come from our own origin. Absent headers are not evidence either way.
pub(crate) fn same_origin(headers: &HeaderMap, public_url: &url::Url) -> bool {
    let ours = public_url.origin().ascii_serialization();
    let origin_ok = headers
        .get_all(ORIGIN)
        .iter()
        .all(|o| o.to_str().is_ok_and(|o| o == ours));
    let site_ok = headers
        .get_all("sec-fetch-site")
        .iter()
        .all(|s| s.as_bytes() == b"same-origin");
    origin_ok && site_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn cookie(v: &str) -> SecretString {
        SecretString::new(v.to_owned())
    }

    #[test]
    fn token_is_bound_to_the_cookie() {
        let a = cookie("a".repeat(43).as_str());
        let b = cookie("b".repeat(43).as_str());
        let t = token(&a);
        assert_eq!(t.len(), 43);
        assert!(verify(&a, &t));
        assert!(!verify(&b, &t));
        assert!(!verify(&a, ""));
        assert!(!verify(&a, &t[..42]));
    }

    fn with(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in pairs {
            h.append(*n, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn origin_and_fetch_site_must_be_ours_when_present() {
        let us = url::Url::parse("https://app.example.com/").unwrap();
        assert!(same_origin(&with(&[]), &us));
        assert!(same_origin(
            &with(&[("origin", "https://app.example.com")]),
            &us
        ));
        assert!(same_origin(
            &with(&[("sec-fetch-site", "same-origin")]),
            &us
        ));
        assert!(!same_origin(
            &with(&[("origin", "https://evil.example")]),
            &us
        ));
        assert!(!same_origin(&with(&[("origin", "null")]), &us));
        assert!(!same_origin(
            &with(&[("sec-fetch-site", "cross-site")]),
            &us
        ));
        assert!(!same_origin(&with(&[("sec-fetch-site", "same-site")]), &us));
    }
}
