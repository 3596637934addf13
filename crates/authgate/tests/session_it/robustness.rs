//! Sign-ins that must not break each other or end a session by accident: two tabs signing in
//! at once (security.md BCP-03), a sign-in start that fails keeps the session (BCP-59), a
//! Cookie header with non-ASCII bytes, and the post-logout landing (BCP-63).

use crate::browser::{Browser, NAVIGATE, location, set_cookies};
use crate::support::{App, PROVIDER};
use authgate_devidp::{Fault, Flavor};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, COOKIE, HeaderValue};
use serde_json::Value;

#[tokio::test]
async fn bcp03_two_tabs_signing_in_at_once_both_complete() {
    let app = App::start().await;
    let browser = app.browser();
    let start = |tab: &str| format!("/auth/{PROVIDER}/login?return_to=%2Fapp%3Ftab%3D{tab}");
    // Tab A starts, then tab B starts before A comes back from the provider.
    let callback_a = app.authorize(&browser, &start("a"), "alice").await;
    let binding = browser.cookie("authgate-login").unwrap();
    let callback_b = app.authorize(&browser, &start("b"), "alice").await;
    assert_eq!(
        browser.cookie("authgate-login").unwrap(),
        binding,
        "tab B reuses the browser's binding"
    );
    let back_a = browser.get(&callback_a).await;
    assert_eq!(back_a.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&back_a), "/app?tab=a");
    assert!(
        !set_cookies(&back_a)
            .iter()
            .any(|c| c.starts_with("authgate-login=")),
        "tab B still needs the binding cookie"
    );
    let back_b = browser.get(&callback_b).await;
    assert_eq!(back_b.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&back_b), "/app?tab=b");
    let page: Value = browser.get("/app").await.json().await.unwrap();
    assert_eq!(page["subject"], "alice");
    // Each transaction was single-use: replaying A's callback fails.
    assert_eq!(
        browser.get(&callback_a).await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn bcp59_an_unknown_provider_keeps_the_session() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    // A cross-site link to a provider that does not exist.
    let response = browser.get("/auth/nope/login?return_to=%2Fapp").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(set_cookies(&response).is_empty(), "no cookie touched");
    assert_eq!(browser.get("/app").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn bcp59_a_provider_outage_at_sign_in_start_keeps_the_session() {
    let app = App::start().await;
    let first = app.browser();
    app.sign_in(&first, "alice").await;
    // A second instance, whose sign-in metadata is not cached yet, while the IdP is down.
    let (base, server) = app.serve_instance().await;
    let browser = Browser::new(&base);
    browser.set_cookie("authgate", &first.cookie("authgate").unwrap());
    app.idp().set_fault_for(Flavor::Oidc, Fault::Status(503));
    let response = browser.get(&format!("/auth/{PROVIDER}/login")).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(set_cookies(&response).is_empty(), "no cookie touched");
    app.idp().clear_faults();
    assert_eq!(browser.get("/app").await.status(), StatusCode::OK);
    assert!(app.session_of(&first).await.is_some());
    server.abort();
}

#[tokio::test]
async fn bcp59_bcp61_a_cross_site_start_ends_the_session_only_once_the_sign_in_begins() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let old = app.session_of(&browser).await.unwrap();
    let cross_site = browser
        .send(
            reqwest::Client::new()
                .get(format!("{}/auth/{PROVIDER}/login", app.base))
                .header(ACCEPT, NAVIGATE)
                .header("sec-fetch-site", "cross-site"),
        )
        .await;
    assert_eq!(cross_site.status(), StatusCode::SEE_OTHER);
    let to = location(&cross_site);
    assert!(
        to.starts_with(app.idp().base_url()),
        "went to the provider: {to}"
    );
    assert!(
        set_cookies(&cross_site)
            .iter()
            .any(|c| c.starts_with("authgate-login=")),
        "the new transaction began"
    );
    let gone = app
        .stores
        .sessions
        .session(&old.key, app.clock_now())
        .await
        .unwrap();
    assert!(gone.is_none(), "the old session ended with it (BCP-59)");
}

#[tokio::test]
async fn a_non_ascii_cookie_does_not_hide_the_session_cookie() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let value = browser.cookie("authgate").unwrap();
    let mut raw = b"pref=caf\xe9\xff; authgate=".to_vec();
    raw.extend_from_slice(value.as_bytes());
    raw.extend_from_slice(b"; other=\x80\x81");
    let response = reqwest::Client::new()
        .get(format!("{}/app", app.base))
        .header(ACCEPT, NAVIGATE)
        .header(COOKIE, HeaderValue::from_bytes(&raw).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page: Value = response.json().await.unwrap();
    assert_eq!(page["subject"], "alice");
}

#[tokio::test]
async fn bcp63_the_post_logout_landing_ignores_state_and_touches_nothing() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    for query in ["", "?state=unknown", "?state=", "?state=a&state=b"] {
        let landing = browser.get(&format!("/auth/logged-out{query}")).await;
        assert_eq!(landing.status(), StatusCode::OK);
        assert!(set_cookies(&landing).is_empty(), "{query}");
    }
    assert_eq!(browser.get("/app").await.status(), StatusCode::OK);
}
