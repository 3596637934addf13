use super::*;
use http::HeaderValue;

fn headers(cookies: &[&str]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for c in cookies {
        h.append(COOKIE, HeaderValue::from_str(c).unwrap());
    }
    h
}

fn value() -> SecretString {
    new_value()
}

#[test]
fn bcp52_secure_policy_writes_host_prefixed_secure_cookies_without_domain() {
    let policy = CookiePolicy::new(true);
    for set in [
        policy.set_session(&value(), 60),
        policy.clear_session(),
        policy.set_login(&value(), 60),
    ] {
        assert!(set.starts_with("__Host-authgate"), "{set}");
        assert!(set.contains("; Secure"), "{set}");
        assert!(set.contains("; Path=/;"), "{set}");
        assert!(set.contains("; HttpOnly"), "{set}");
        assert!(set.contains("; SameSite=Lax"), "{set}");
        assert!(!set.to_ascii_lowercase().contains("domain"), "{set}");
    }
}

#[test]
fn bcp53_insecure_policy_never_writes_a_host_prefix() {
    let policy = CookiePolicy::new(false);
    for set in [
        policy.set_session(&value(), 60),
        policy.clear_session(),
        policy.set_login(&value(), 60),
    ] {
        assert!(!set.contains("__Host-"), "{set}");
        assert!(!set.contains("Secure"), "{set}");
        assert!(!set.to_ascii_lowercase().contains("domain"), "{set}");
    }
}

#[test]
fn policy_follows_the_public_url_scheme() {
    let https = CookiePolicy::for_url(&url::Url::parse("https://a.example").unwrap());
    assert_eq!(https.session_name(), "__Host-authgate");
    let http = CookiePolicy::for_url(&url::Url::parse("http://127.0.0.1:8080").unwrap());
    assert_eq!(http.session_name(), "authgate");
}

#[test]
fn values_are_256_random_bits_in_base64url() {
    let a = new_value();
    let b = new_value();
    assert_eq!(a.expose_secret().len(), VALUE_LEN);
    assert!(is_well_formed(a.expose_secret()));
    assert_ne!(a.expose_secret(), b.expose_secret());
}

#[test]
fn base64url_matches_rfc4648_vectors() {
    assert_eq!(base64url(b""), "");
    assert_eq!(base64url(b"f"), "Zg");
    assert_eq!(base64url(b"fo"), "Zm8");
    assert_eq!(base64url(b"foo"), "Zm9v");
    assert_eq!(base64url(b"foob"), "Zm9vYg");
    assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
}

#[test]
fn bcp55_garbage_oversized_and_truncated_values_are_ignored() {
    let policy = CookiePolicy::new(true);
    let good = new_value();
    let good = good.expose_secret();
    let long = "a".repeat(5000);
    let h = headers(&[
        "__Host-authgate=short",
        &format!("__Host-authgate={long}"),
        "__Host-authgate=<script>alert(1)</script>aaaaaaaaaaaaaaaaaaaaaaaaaa",
        &format!("__Host-authgate={}", &good[..42]),
        &format!("other=1; __Host-authgate={good}"),
    ]);
    assert_eq!(policy.session_values(&h), vec![good]);
    assert!(policy.session_values(&headers(&["authgate=x"])).is_empty());
}

#[test]
fn session_candidates_are_capped() {
    let policy = CookiePolicy::new(false);
    let many: Vec<String> = (0..10)
        .map(|_| format!("authgate={}", new_value().expose_secret()))
        .collect();
    let joined = many.join("; ");
    assert_eq!(policy.session_values(&headers(&[&joined])).len(), 3);
}

#[test]
fn a_duplicated_login_cookie_is_refused() {
    let policy = CookiePolicy::new(false);
    let a = new_value();
    let b = new_value();
    let one = format!("authgate-login={}", a.expose_secret());
    assert_eq!(
        policy.login_value(&headers(&[&one])),
        Some(a.expose_secret())
    );
    let two = format!("{one}; authgate-login={}", b.expose_secret());
    assert_eq!(policy.login_value(&headers(&[&two])), None);
}

#[test]
fn a_non_ascii_cookie_does_not_hide_ours() {
    let policy = CookiePolicy::new(false);
    let good = new_value();
    let mut raw = b"pref=caf\xc3\xa9\xff; authgate=".to_vec();
    raw.extend_from_slice(good.expose_secret().as_bytes());
    raw.extend_from_slice(b"; x=\x80");
    let mut h = HeaderMap::new();
    h.append(COOKIE, HeaderValue::from_bytes(&raw).unwrap());
    assert_eq!(policy.session_values(&h), vec![good.expose_secret()]);
}
