//! Session fixation (security.md BCP-58, BCP-59) and tampered cookies (BCP-55).

use crate::browser::{assert_login_redirect, set_cookies};
use crate::support::{App, PROVIDER};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn bcp58_a_planted_session_cookie_is_never_upgraded_at_sign_in() {
    let app = App::start().await;
    // The attacker signs in as bob and plants that cookie in the victim's browser.
    let attacker = app.browser();
    app.sign_in(&attacker, "bob").await;
    let planted = attacker.cookie("authgate").unwrap();
    let victim = app.browser();
    victim.set_cookie("authgate", &planted);
    let callback = app
        .authorize(&victim, &format!("/auth/{PROVIDER}/login"), "alice")
        .await;
    victim.get(&callback).await;
    let issued = victim.cookie("authgate").unwrap();
    assert_ne!(issued, planted, "a new session id at sign-in");
    let page: Value = victim.get("/app").await.json().await.unwrap();
    assert_eq!(page["subject"], "alice");
    // The planted id is dead, and never became alice.
    assert_login_redirect(&attacker.get("/app").await);
}

#[tokio::test]
async fn bcp58_a_planted_cookie_sent_only_to_the_callback_is_ended_too() {
    let app = App::start().await;
    let attacker = app.browser();
    app.sign_in(&attacker, "bob").await;
    let planted = attacker.cookie("authgate").unwrap();
    let victim = app.browser();
    let callback = app
        .authorize(&victim, &format!("/auth/{PROVIDER}/login"), "alice")
        .await;
    victim.set_cookie("authgate", &planted);
    victim.get(&callback).await;
    assert_ne!(victim.cookie("authgate").unwrap(), planted);
    assert_login_redirect(&attacker.get("/app").await);
}

#[tokio::test]
async fn bcp59_starting_a_sign_in_clears_the_existing_session() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let old = browser.cookie("authgate").unwrap();
    let start = browser.get(&format!("/auth/{PROVIDER}/login")).await;
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let cleared = set_cookies(&start)
        .into_iter()
        .find(|c| c.starts_with("authgate="))
        .expect("the session cookie is cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(browser.cookie("authgate").is_none());
    // The old session is gone server-side, not just forgotten by the browser.
    let replay = app.browser();
    replay.set_cookie("authgate", &old);
    assert_login_redirect(&replay.get("/app").await);
}

#[tokio::test]
async fn bcp55_tampered_truncated_garbage_and_oversized_cookies_are_no_session() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let good = browser.cookie("authgate").unwrap();
    let mut flipped = good.clone().into_bytes();
    flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let oversized = "A".repeat(4000);
    let candidates = [
        flipped.as_str(),
        &good[..42],
        &format!("{good}A"),
        "garbage",
        "%00%ff",
        oversized.as_str(),
        "",
    ];
    for value in candidates {
        let other = app.browser();
        other.set_cookie("authgate", value);
        let page = other.get("/app").await;
        assert_login_redirect(&page);
        let me = other.get_json("/auth/me").await;
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED, "value {value:.20}");
    }
    // The genuine cookie still works.
    assert_eq!(browser.get("/app").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn bcp52_an_https_deployment_uses_host_prefixed_secure_cookies() {
    use tower::ServiceExt as _;
    let app = App::start().await;
    let sessions = app.instance_at("https://app.example.com", Default::default());
    let request = http::Request::get(format!("/auth/{PROVIDER}/login"))
        .header("cookie", format!("__Host-authgate={}", "A".repeat(43)))
        .body(axum::body::Body::empty())
        .unwrap();
    let response = sessions.router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookies: Vec<&str> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    for cookie in cookies {
        assert!(cookie.starts_with("__Host-authgate"), "{cookie}");
        assert!(
            cookie.ends_with("; Secure") && cookie.contains("; Path=/;"),
            "{cookie}"
        );
        assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
    }
}
