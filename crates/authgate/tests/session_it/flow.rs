//! The sign-in round trip, the login-required answers, `/auth/me`, local roles, disabled
//! users, the `any` layer and the callback's failure page.

use crate::browser::{Browser, location, set_cookies};
use crate::support::{App, PROVIDER};
use authgate_core::store::UserId;
use authgate_devidp::{Flavor, MintRequest};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn browser_sign_in_returns_to_the_page_with_the_right_principal() {
    let app = App::start().await;
    let browser = app.browser();
    let page = app.sign_in(&browser, "alice").await;
    assert_eq!(page["provider"], PROVIDER);
    assert_eq!(page["subject"], "alice");
    assert_eq!(page["name"], "Alice Admin");
    assert_eq!(page["email"], "alice@example.com");
    // The principal is rebuilt from the stored claims on every request.
    let again: Value = browser.get("/app").await.json().await.unwrap();
    assert_eq!(again, page);
}

#[tokio::test]
async fn bcp48_bcp49_callback_redirects_to_a_clean_url_with_safe_headers_and_cookies() {
    let app = App::start().await;
    let browser = app.browser();
    let callback = app
        .authorize(
            &browser,
            &format!("/auth/{PROVIDER}/login?return_to=%2Fapp"),
            "bob",
        )
        .await;
    assert!(
        browser.cookie("authgate-login").is_some(),
        "binding cookie set at start"
    );
    let back = browser.get(&callback).await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&back), "/app");
    assert_eq!(back.headers()["cache-control"], "no-store");
    assert_eq!(back.headers()["referrer-policy"], "no-referrer");
    let cookies = set_cookies(&back);
    let session = cookies.iter().find(|c| c.starts_with("authgate=")).unwrap();
    for attribute in ["; Path=/", "; HttpOnly", "; SameSite=Lax"] {
        assert!(session.contains(attribute), "{session}");
    }
    assert!(!session.contains("Domain"), "{session}");
    assert!(
        !session.contains("Secure"),
        "plain http loopback: {session}"
    );
    let value = browser.cookie("authgate").unwrap();
    assert_eq!(value.len(), 43, "256 bits in base64url");
    // The binding cookie is left to expire (other tabs may still need it, BCP-03).
    assert!(
        !cookies.iter().any(|c| c.starts_with("authgate-login=")),
        "{cookies:?}"
    );
    // The store keeps only the hash of the cookie.
    let session = app.session_of(&browser).await.unwrap();
    assert_eq!(session.key, authgate_core::store::TokenHash::of(&value));
    assert_eq!(session.subject, "bob");
}

#[tokio::test]
async fn api_request_without_session_gets_401_json_with_the_login_url() {
    let app = App::start().await;
    let browser = app.browser();
    let response = browser.get_json("/app?x=1").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "login_required");
    assert_eq!(
        body["login_url"],
        format!("{}/auth/login?return_to=%2Fapp%3Fx%3D1", app.base)
    );
    let navigation = browser.get("/app?x=1").await;
    assert_eq!(navigation.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&navigation),
        format!("{}/auth/login?return_to=%2Fapp%3Fx%3D1", app.base)
    );
}

#[tokio::test]
async fn me_describes_the_session_and_401s_without_one() {
    let app = App::start().await;
    let browser = app.browser();
    let anonymous = browser.get_json("/auth/me").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    app.sign_in(&browser, "alice").await;
    let me = browser.get_json("/auth/me").await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(me.headers()["cache-control"], "no-store");
    let me: Value = me.json().await.unwrap();
    let session = app.session_of(&browser).await.unwrap();
    assert_eq!(me["user_id"], session.user_id.0);
    assert_eq!(me["provider"], PROVIDER);
    assert_eq!(me["subject"], "alice");
    assert_eq!(me["email"], "alice@example.com");
    assert_eq!(me["absolute_expires_at"], session.absolute_expires_at.0);
    assert!(me["roles"].is_array() && me["scopes"].is_array());
}

#[tokio::test]
async fn local_roles_are_merged_into_the_principal() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "bob").await;
    let user = app.session_of(&browser).await.unwrap().user_id;
    let now = app.clock_now();
    app.stores
        .users
        .grant_role(&user, "auditor", now)
        .await
        .unwrap();
    let page: Value = browser.get("/app").await.json().await.unwrap();
    let roles: Vec<&str> = page["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(roles.contains(&"auditor"), "{roles:?}");
}

#[tokio::test]
async fn a_disabled_users_session_stops_working() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let user: UserId = app.session_of(&browser).await.unwrap().user_id;
    assert!(app.stores.users.set_disabled(&user, true).await.unwrap());
    crate::browser::assert_login_redirect(&browser.get("/app").await);
    assert_eq!(
        browser.get_json("/auth/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn any_layer_takes_a_bearer_token_when_sent_and_the_session_otherwise() {
    let app = App::start().await;
    let browser = app.browser();
    let token = app.idp().mint(&MintRequest::new(Flavor::Oidc));
    let client = reqwest::Client::new();
    let url = format!("{}/api/any", app.base);
    let bearer = client.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(bearer.status(), StatusCode::OK);
    let bad = client
        .get(&url)
        .bearer_auth("not.a.token")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    assert!(
        bad.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    crate::browser::assert_login_redirect(&browser.get("/api/any").await);
    app.sign_in(&browser, "bob").await;
    let by_session: Value = browser.get("/api/any").await.json().await.unwrap();
    assert_eq!(by_session["subject"], "bob");
}

#[tokio::test]
async fn bcp13_a_failed_callback_shows_a_generic_page_and_reflects_nothing() {
    let app = App::start().await;
    let browser = app.browser();
    let state = "<script>alert(1)</script>";
    let encoded: String = url::form_urlencoded::byte_serialize(state.as_bytes()).collect();
    let response = browser
        .get(&format!(
            "/auth/{PROVIDER}/callback?code=abc&state={encoded}"
        ))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let headers = response.headers();
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["cache-control"], "no-store");
    let html = response.text().await.unwrap();
    assert!(!html.contains("script"), "{html}");
    assert!(html.contains("href=\"/auth/login\""), "a way to try again");
    assert!(browser.cookie("authgate").is_none());
}

#[tokio::test]
async fn bcp73_the_chooser_lists_providers_on_a_locked_down_page() {
    let app = App::start().await;
    let browser = Browser::new(&app.base);
    let response = browser
        .get("/auth/login?return_to=%2Fapp%3Fa%3D%22%3E")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    let html = response.text().await.unwrap();
    assert!(html.contains("Sign in with Dev OIDC"), "{html}");
    assert!(
        html.contains("/auth/oidc/login?return_to=%2Fapp%3Fa%3D%22%3E"),
        "return_to re-encoded, never raw: {html}"
    );
}

#[tokio::test]
async fn an_unknown_provider_is_a_404_page() {
    let app = App::start().await;
    let response = app.browser().get("/auth/nope/login").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_off_site_return_to_lands_on_the_default_page_instead() {
    let app = App::start().await;
    for evil in [
        "https%3A%2F%2Fevil.example%2F",
        "%2F%2Fevil.example",
        "%2F%5Cevil.example",
    ] {
        let browser = app.browser();
        let start = format!("/auth/{PROVIDER}/login?return_to={evil}");
        let callback = app.authorize(&browser, &start, "alice").await;
        let back = browser.get(&callback).await;
        assert_eq!(back.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&back), "/", "{evil}");
    }
}
