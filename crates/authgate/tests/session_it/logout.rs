//! Logout: CSRF (security.md BCP-61), RP-initiated logout (BCP-62), back-channel logout
//! (BCP-64), sign out everywhere.

use crate::browser::{Browser, assert_login_redirect, location, set_cookies};
use crate::support::App;
use authgate_devidp::{Endpoint, Fault, Flavor, LogoutTokenSpec};
use reqwest::StatusCode;
use serde_json::Value;

/// The CSRF token from the confirmation page's form.
async fn csrf_from_page(browser: &Browser) -> String {
    let page = browser.get("/auth/logout").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let start = html.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    html[start..start + 43].to_owned()
}

#[tokio::test]
async fn bcp61_a_cross_site_get_never_logs_out() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let page = browser.get("/auth/logout").await;
    assert_eq!(
        page.status(),
        StatusCode::OK,
        "a confirmation page, not a logout"
    );
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let html = page.text().await.unwrap();
    assert!(html.contains("method=\"post\""), "{html}");
    assert_eq!(browser.get("/app").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn bcp61_a_post_without_the_csrf_token_is_refused() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    for form in [vec![], vec![("csrf", "x".repeat(43))]] {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = browser.post_form("/auth/logout", &form, &[]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(browser.get("/app").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn bcp61_a_cross_origin_post_is_refused_even_with_the_token() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let csrf = csrf_from_page(&browser).await;
    for headers in [
        [("origin", "https://evil.example")],
        [("sec-fetch-site", "cross-site")],
        [("origin", "null")],
    ] {
        let response = browser
            .post_form("/auth/logout", &[("csrf", &csrf)], &headers)
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(browser.get("/app").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn bcp62_logout_ends_the_session_clears_the_cookie_and_revokes() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let cookie = browser.cookie("authgate").unwrap();
    let csrf = csrf_from_page(&browser).await;
    let revoked_before = app.idp().revocation_hits(None);
    let origin = app.base.clone();
    let response = browser
        .post_form(
            "/auth/logout",
            &[("csrf", &csrf)],
            &[("origin", &origin), ("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cleared = set_cookies(&response)
        .into_iter()
        .find(|c| c.starts_with("authgate="))
        .unwrap();
    assert!(
        cleared.contains("Max-Age=0") && cleared.contains("Path=/") && cleared.contains("HttpOnly")
    );
    let target = location(&response);
    assert!(
        target.starts_with(app.idp().base_url()) || target.ends_with("/auth/logged-out"),
        "{target}"
    );
    if target.starts_with(app.idp().base_url()) {
        let end = url::Url::parse(&target).unwrap();
        let params: Vec<(String, String)> = end.query_pairs().into_owned().collect();
        assert!(params.iter().any(|(k, _)| k == "id_token_hint"), "{target}");
    }
    // Revocation runs after the response, in the background.
    until_revoked(&app, revoked_before).await;
    // Server-side: replaying the old cookie finds nothing.
    let replay = app.browser();
    replay.set_cookie("authgate", &cookie);
    assert_login_redirect(&replay.get("/app").await);
    let landing = browser.get("/auth/logged-out?state=whatever").await;
    assert_eq!(landing.status(), StatusCode::OK);
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session_of_the_user_only() {
    let app = App::start().await;
    let laptop = app.browser();
    let phone = app.browser();
    let other_user = app.browser();
    app.sign_in(&laptop, "alice").await;
    app.sign_in(&phone, "alice").await;
    app.sign_in(&other_user, "bob").await;
    let csrf = csrf_from_page(&laptop).await;
    let response = laptop
        .post_form("/auth/logout", &[("csrf", &csrf), ("everywhere", "1")], &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_login_redirect(&laptop.get("/app").await);
    assert_login_redirect(&phone.get("/app").await);
    assert_eq!(other_user.get("/app").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn sign_out_everywhere_api_counts_the_ended_sessions() {
    let app = App::start().await;
    let a = app.browser();
    let b = app.browser();
    app.sign_in(&a, "alice").await;
    app.sign_in(&b, "alice").await;
    let user = app.session_of(&a).await.unwrap().user_id;
    assert_eq!(app.sessions.sign_out_everywhere(&user).await.unwrap(), 2);
    assert_login_redirect(&b.get("/app").await);
}

#[tokio::test]
async fn backchannel_logout_from_the_idp_ends_the_session_by_sid() {
    let app = App::start().await;
    let endpoint = format!("{}/auth/backchannel-logout", app.base);
    assert!(
        app.idp()
            .register_backchannel_logout(Flavor::Oidc.client_id(), &endpoint)
    );
    let alice = app.browser();
    let bob = app.browser();
    app.sign_in(&alice, "alice").await;
    app.sign_in(&bob, "bob").await;
    let sid = app
        .session_of(&alice)
        .await
        .unwrap()
        .sid
        .expect("the ID token carried a sid");
    let deliveries = app.idp().logout_session(&sid).await;
    assert!(!deliveries.is_empty());
    assert_login_redirect(&alice.get("/app").await);
    assert_eq!(bob.get("/app").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn bcp64_backchannel_answers_200_no_store_then_400_on_replay_or_garbage() {
    let app = App::start().await;
    let alice = app.browser();
    app.sign_in(&alice, "alice").await;
    let session = app.session_of(&alice).await.unwrap();
    let spec = LogoutTokenSpec::new()
        .sid(session.sid.clone().unwrap())
        .subject(session.subject.clone());
    let token = app.idp().mint_logout_token(Flavor::Oidc, &spec);
    let client = reqwest::Client::new();
    let url = format!("{}/auth/backchannel-logout", app.base);
    let post = |body: Vec<(&'static str, String)>| client.post(&url).form(&body).send();
    let ok = post(vec![("logout_token", token.clone())]).await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.headers()["cache-control"], "no-store");
    assert_login_redirect(&alice.get("/app").await);
    let replay = post(vec![("logout_token", token.clone())]).await.unwrap();
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    let with_nonce = app.idp().mint_logout_token(
        Flavor::Oidc,
        &LogoutTokenSpec::new().sid("x").claim("nonce", "n"),
    );
    for body in [
        vec![("logout_token", "garbage".to_owned())],
        vec![],
        vec![("logout_token", with_nonce)],
        vec![("logout_token", token.clone()), ("logout_token", token)],
    ] {
        let refused = post(body).await.unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        assert_eq!(refused.headers()["cache-control"], "no-store");
        let _: Value = refused.json().await.unwrap();
    }
}

/// Waits (real time, bounded) until a revocation has reached the IdP.
async fn until_revoked(app: &App, before: u64) {
    for _ in 0..500 {
        if app.idp().revocation_hits(None) > before {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("provider tokens were not revoked");
}

#[tokio::test]
async fn a_hanging_revocation_endpoint_does_not_delay_the_logout() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let csrf = csrf_from_page(&browser).await;
    app.idp()
        .set_endpoint_fault(Some(Flavor::Oidc), Endpoint::Revocation, Fault::Hang);
    let before = app.idp().revocation_hits(None);
    let origin = app.base.clone();
    let form = [("csrf", csrf.as_str())];
    let headers = [
        ("origin", origin.as_str()),
        ("sec-fetch-site", "same-origin"),
    ];
    let logout = browser.post_form("/auth/logout", &form, &headers);
    // The HTTP client's total timeout is 2 s: a logout that waited for the revocation would
    // take that long.
    let response = tokio::time::timeout(std::time::Duration::from_millis(1500), logout)
        .await
        .expect("the 303 does not wait for the revocation");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(browser.cookie("authgate").is_none());
    until_revoked(&app, before).await;
    assert_login_redirect(&browser.get("/app").await);
}
