//! Explicit account linking: `GET /auth/{p}/link` confirms, `POST /auth/{p}/link` (session,
//! CSRF token, same origin) starts a linking transaction, and its callback links the
//! identity to the session's user, only in that user's session.

use crate::browser::{Browser, location, set_cookies};
use crate::support::{App, PROVIDER};
use authgate::session::SessionConfig;
use authgate::{ClientSecret, ProviderConfig, ProviderKind};
use authgate_core::store::UserId;
use authgate_devidp::{DEV_CLIENT_SECRET, DevIdp, Flavor};
use reqwest::{Response, StatusCode};
use serde_json::Value;

/// The second sign-in provider: the dev IdP's Google flavor.
const GOOGLE: &str = "google";

/// The app with the `oidc` and `google` sign-in providers.
async fn start() -> App {
    App::start_providers(SessionConfig::default(), |idp, providers| {
        providers.push(google(idp));
    })
    .await
}

fn google(idp: &DevIdp) -> ProviderConfig {
    let mut p = ProviderConfig::new(GOOGLE, ProviderKind::Google);
    p.issuer = Some(idp.issuer(Flavor::Google));
    p.accept_id_tokens = true;
    p.client_id = Some(Flavor::Google.client_id().to_owned());
    p.client_secret = Some(ClientSecret::new(DEV_CLIENT_SECRET));
    p.login = true;
    p
}

/// The `csrf` hidden field of a page.
fn csrf_of(html: &str) -> String {
    let (_, rest) = html.split_once("name=\"csrf\" value=\"").unwrap();
    rest.split_once('"').unwrap().0.to_owned()
}

/// `GET /auth/google/link`, then the confirmation form's `POST` (same origin); returns the
/// `POST` response.
async fn post_link(app: &App, browser: &Browser) -> Response {
    let confirm = browser.get("/auth/google/link?return_to=%2Fapp").await;
    assert_eq!(confirm.status(), StatusCode::OK);
    let html = confirm.text().await.unwrap();
    assert!(html.contains("action=\"/auth/google/link\""), "{html}");
    let csrf = csrf_of(&html);
    let form = [("csrf", csrf.as_str()), ("return_to", "/app")];
    browser
        .post_form("/auth/google/link", &form, &[("origin", &app.base)])
        .await
}

/// The provider approves as `user`; returns the response of our callback.
async fn approve(app: &App, browser: &Browser, at_provider: &str, user: &str) -> Response {
    let mut url = url::Url::parse(at_provider).unwrap();
    url.query_pairs_mut().append_pair("login_hint", user);
    let approved = browser.get(url.as_str()).await;
    let callback = location(&approved);
    assert!(callback.starts_with(&app.base), "{callback}");
    browser.get(&callback).await
}

/// Signs in with `provider` as `user` (a browser without a session).
async fn sign_in_with(app: &App, browser: &Browser, provider: &str, user: &str) {
    let start = format!("/auth/{provider}/login?return_to=%2Fapp");
    let callback = app.authorize(browser, &start, user).await;
    let back = browser.get(&callback).await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER, "sign-in failed");
}

async fn me(browser: &Browser) -> Value {
    let response = browser.get_json("/auth/me").await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn user_of(me: &Value) -> UserId {
    UserId(me["user_id"].as_str().unwrap().to_owned())
}

async fn identity_count(app: &App, user: &UserId) -> usize {
    app.stores.users.identities(user).await.unwrap().len()
}

#[tokio::test]
async fn explicit_link_adds_the_identity_and_either_sign_in_lands_on_the_user() {
    let app = start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let before = me(&browser).await;
    assert_eq!(before["identities"].as_array().unwrap().len(), 1);
    let linking = post_link(&app, &browser).await;
    assert_eq!(linking.status(), StatusCode::SEE_OTHER);
    let back = approve(&app, &browser, &location(&linking), "alice").await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&back), "/app");
    let after = me(&browser).await;
    assert_eq!(user_of(&after), user_of(&before));
    let identities = after["identities"].as_array().unwrap();
    let mut providers: Vec<&str> = identities
        .iter()
        .map(|i| i["provider"].as_str().unwrap())
        .collect();
    providers.sort_unstable();
    assert_eq!(providers, [GOOGLE, PROVIDER]);
    let linked = identities.iter().find(|i| i["provider"] == GOOGLE).unwrap();
    assert_eq!(linked["subject"], "alice");
    assert_eq!(linked["issuer"], app.idp().issuer(Flavor::Google));
    for provider in [GOOGLE, PROVIDER] {
        let other = app.browser();
        sign_in_with(&app, &other, provider, "alice").await;
        assert_eq!(user_of(&me(&other).await), user_of(&before), "{provider}");
    }
    let users = app.stores.users.list_users(Default::default()).await;
    assert_eq!(users.unwrap().len(), 1);
}

#[tokio::test]
async fn explicit_link_of_an_identity_of_another_user_is_refused_and_changes_nothing() {
    let app = start().await;
    let bob = app.browser();
    sign_in_with(&app, &bob, GOOGLE, "bob").await;
    let bob_id = user_of(&me(&bob).await);
    let alice = app.browser();
    app.sign_in(&alice, "alice").await;
    let alice_id = user_of(&me(&alice).await);
    let linking = post_link(&app, &alice).await;
    let refused = approve(&app, &alice, &location(&linking), "bob").await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert_eq!(identity_count(&app, &alice_id).await, 1);
    assert_eq!(identity_count(&app, &bob_id).await, 1);
    // Alice's session is untouched; bob's identity still signs in as bob.
    assert_eq!(user_of(&me(&alice).await), alice_id);
    let again = app.browser();
    sign_in_with(&app, &again, GOOGLE, "bob").await;
    assert_eq!(user_of(&me(&again).await), bob_id);
}

#[tokio::test]
async fn explicit_link_cross_site_get_starts_nothing() {
    let app = start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let hits = app.idp().token_grant_hits(None, "authorization_code");
    let cross = browser
        .send(
            reqwest::Client::new()
                .get(format!("{}/auth/google/link", app.base))
                .header("sec-fetch-site", "cross-site"),
        )
        .await;
    // Only the confirmation page: no redirect to the provider, no binding cookie.
    assert_eq!(cross.status(), StatusCode::OK);
    assert!(set_cookies(&cross).is_empty());
    assert!(cross.text().await.unwrap().contains("method=\"post\""));
    // A cross-site POST, even with the right token, is refused.
    let html = browser.get("/auth/google/link").await.text().await.unwrap();
    let form = [("csrf", csrf_of(&html))];
    let form: Vec<(&str, &str)> = form.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let evil = [("origin", "https://evil.example")];
    let refused = browser.post_form("/auth/google/link", &form, &evil).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(set_cookies(&refused).is_empty());
    assert_eq!(app.idp().token_grant_hits(None, "authorization_code"), hits);
    assert_eq!(
        me(&browser).await["identities"].as_array().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn explicit_link_post_without_or_with_wrong_csrf_is_refused() {
    let app = start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let other = app.browser();
    app.sign_in(&other, "bob").await;
    let foreign = me(&other).await["csrf_token"].as_str().unwrap().to_owned();
    let origin = [("origin", app.base.as_str())];
    for form in [
        vec![],
        vec![("csrf", "wrong")],
        vec![("csrf", foreign.as_str())],
    ] {
        let refused = browser.post_form("/auth/google/link", &form, &origin).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{form:?}");
        assert!(set_cookies(&refused).is_empty(), "{form:?}");
    }
}

#[tokio::test]
async fn explicit_link_without_a_session_requires_login() {
    let app = start().await;
    let browser = app.browser();
    let page = browser.get("/auth/google/link").await;
    crate::browser::assert_login_redirect(&page);
    let origin = [("origin", app.base.as_str())];
    let form = [("csrf", "x")];
    let posted = browser.post_form("/auth/google/link", &form, &origin).await;
    crate::browser::assert_login_redirect(&posted);
    let api = [
        ("origin", app.base.as_str()),
        ("accept", "application/json"),
    ];
    let json = browser.post_form("/auth/google/link", &form, &api).await;
    assert_eq!(json.status(), StatusCode::UNAUTHORIZED);
    let body: Value = json.json().await.unwrap();
    assert_eq!(body["error"], "login_required");
}

#[tokio::test]
async fn explicit_link_callback_in_a_browser_whose_session_changed_is_refused() {
    let app = start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let alice_id = user_of(&me(&browser).await);
    let linking = post_link(&app, &browser).await;
    let at_provider = location(&linking);
    // Before the provider answers, the browser's session becomes bob's.
    sign_in_with(&app, &browser, PROVIDER, "bob").await;
    let bob_id = user_of(&me(&browser).await);
    assert_ne!(alice_id, bob_id);
    let hits = app.idp().token_grant_hits(None, "authorization_code");
    let refused = approve(&app, &browser, &at_provider, "carol").await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    // Refused before the code was redeemed; nothing linked anywhere.
    assert_eq!(app.idp().token_grant_hits(None, "authorization_code"), hits);
    assert_eq!(identity_count(&app, &alice_id).await, 1);
    assert_eq!(identity_count(&app, &bob_id).await, 1);
    let google = app.idp().issuer(Flavor::Google);
    let found = app.stores.users.user_by_identity(&google, "carol").await;
    assert!(found.unwrap().is_none());
    assert_eq!(user_of(&me(&browser).await), bob_id);
}
