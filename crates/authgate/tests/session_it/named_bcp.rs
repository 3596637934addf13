//! Callback and authorization-request rules named in security.md §3: only the exact callback
//! path is a callback (BCP-16), an attacker's code or authorization URL completed in the
//! victim's browser creates no session and reaches no token endpoint (BCP-12, BCP-60), and
//! the app only ever asks for the authorization code flow (BCP-34).

use crate::browser::{Browser, assert_login_redirect, location, set_cookies};
use crate::support::{App, PROVIDER};
use authgate_devidp::Flavor;
use reqwest::StatusCode;
use serde_json::Value;

/// The binding cookie of a sign-in transaction (plain http on loopback: no `__Host-`).
const BINDING: &str = "authgate-login";

/// Token endpoint requests the provider has seen.
fn token_requests(app: &App) -> u64 {
    app.idp().token_hits_for(Flavor::Oidc)
}

/// The query of a callback URL the provider sent the browser to.
fn query_of(callback: &str) -> &str {
    callback
        .split_once('?')
        .expect("the callback has a query")
        .1
}

/// Asserts a refused callback left `browser` without a session and set no session cookie.
async fn assert_no_session(app: &App, browser: &Browser, response: &reqwest::Response) {
    assert!(
        !set_cookies(response)
            .iter()
            .any(|c| c.starts_with("authgate=")),
        "no session cookie set"
    );
    assert!(browser.cookie(app.cookie_name()).is_none(), "no session");
    assert!(app.session_of(browser).await.is_none());
    assert_login_redirect(&browser.get("/app").await);
}

#[tokio::test]
async fn bcp16_variant_callback_paths_are_not_callbacks() {
    let app = App::start().await;
    let browser = app.browser();
    let start = format!("/auth/{PROVIDER}/login?return_to=%2Fapp");
    let callback = app.authorize(&browser, &start, "alice").await;
    let query = query_of(&callback).to_owned();
    let binding = browser.cookie(BINDING).expect("a binding cookie");
    let before = token_requests(&app);
    let variants = [
        format!("/auth/{PROVIDER}/callback/"),
        format!("/auth/{PROVIDER}/CALLBACK"),
        format!("/auth/{PROVIDER}/callback;x"),
        format!("/auth/{PROVIDER}/callback/..%2f"),
        format!("/AUTH/{PROVIDER}/callback"),
    ];
    for path in &variants {
        let response = browser.get(&format!("{path}?{query}")).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_no_session(&app, &browser, &response).await;
        assert_eq!(
            token_requests(&app),
            before,
            "{path} reached the token endpoint"
        );
        assert_eq!(browser.cookie(BINDING).as_deref(), Some(binding.as_str()));
    }
    // The transaction was not consumed: the exact path still completes it.
    let back = browser.get(&callback).await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&back), "/app");
    assert_eq!(token_requests(&app), before + 1);
    let page: Value = browser.get("/app").await.json().await.unwrap();
    assert_eq!(page["subject"], "alice");
}

#[tokio::test]
async fn bcp12_login_csrf_attackers_code_in_victims_browser_creates_no_session() {
    let app = App::start().await;
    let attacker = app.browser();
    let start = format!("/auth/{PROVIDER}/login?return_to=%2Fapp");
    // The attacker authorizes as themselves and keeps the callback URL instead of opening it.
    let planted = app.authorize(&attacker, &start, "mallory").await;
    let before = token_requests(&app);

    // A victim browser with no transaction of its own.
    let victim = app.browser();
    let response = victim.get(&planted).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_no_session(&app, &victim, &response).await;
    assert_eq!(token_requests(&app), before, "no token request");

    // A victim browser in the middle of its own, different sign-in.
    let busy = app.browser();
    let own = app.authorize(&busy, &start, "alice").await;
    assert_ne!(query_of(&own), query_of(&planted));
    let before = token_requests(&app);
    let response = busy.get(&planted).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_no_session(&app, &busy, &response).await;
    assert_eq!(token_requests(&app), before, "no token request");
    // The victim's own sign-in still completes, as the victim.
    let back = busy.get(&own).await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    let page: Value = busy.get("/app").await.json().await.unwrap();
    assert_eq!(page["subject"], "alice");
}

#[tokio::test]
async fn bcp60_authorization_url_started_by_attacker_completed_by_victim_fails() {
    let app = App::start().await;
    let attacker = app.browser();
    let begin = attacker
        .get(&format!("/auth/{PROVIDER}/login?return_to=%2Fapp"))
        .await;
    assert_eq!(begin.status(), StatusCode::SEE_OTHER);
    let provider_url = location(&begin);
    assert!(
        provider_url.starts_with(app.idp().base_url()),
        "{provider_url}"
    );
    assert!(
        attacker.cookie(BINDING).is_some(),
        "the attacker holds the binding"
    );
    let before = token_requests(&app);

    // The victim follows the attacker's link, approves as themselves, lands on our callback.
    let victim = app.browser();
    let mut at_provider = url::Url::parse(&provider_url).unwrap();
    at_provider
        .query_pairs_mut()
        .append_pair("login_hint", "alice");
    let approved = victim.get(at_provider.as_str()).await;
    let callback = location(&approved);
    assert!(callback.starts_with(&app.base), "{callback}");
    let response = victim.get(&callback).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_no_session(&app, &victim, &response).await;
    assert_eq!(token_requests(&app), before, "no token request");
}

/// Asserts `url` is an authorization request to the dev IdP for the code flow only.
fn assert_code_flow(app: &App, url: &str) {
    assert!(url.starts_with(app.idp().base_url()), "{url}");
    let parsed = url::Url::parse(url).unwrap();
    let types: Vec<String> = parsed
        .query_pairs()
        .filter(|(k, _)| k == "response_type")
        .map(|(_, v)| v.into_owned())
        .collect();
    // Exactly one `response_type`, and it is `code`: never `token`, `id_token` or a hybrid.
    assert_eq!(types, ["code"], "{url}");
}

#[tokio::test]
async fn bcp34_only_the_code_flow_is_ever_requested() {
    let app = App::start().await;
    // Straight to the provider's start, with and without a return path.
    for start in [
        format!("/auth/{PROVIDER}/login"),
        format!("/auth/{PROVIDER}/login?return_to=%2Fapp"),
        format!("/auth/{PROVIDER}/login?return_to=https%3A%2F%2Fevil.example%2F"),
    ] {
        let browser = app.browser();
        let begin = browser.get(&start).await;
        assert_eq!(begin.status(), StatusCode::SEE_OTHER, "{start}");
        assert_code_flow(&app, &location(&begin));
    }
    // Through the protected page and the chooser.
    let browser = app.browser();
    let page = browser.get("/app").await;
    let chooser = browser.get(&location(&page)).await;
    let html = chooser.text().await.unwrap();
    let href = format!("/auth/{PROVIDER}/login?return_to=%2Fapp");
    assert!(html.contains(&href), "{html}");
    let begin = browser.get(&href).await;
    assert_code_flow(&app, &location(&begin));
    let signed_in = app.browser();
    app.sign_in(&signed_in, "alice").await;
    // Linking an identity to the signed-in user starts an authorization request too.
    let confirm = signed_in.get(&format!("/auth/{PROVIDER}/link")).await;
    assert_eq!(confirm.status(), StatusCode::OK);
    let html = confirm.text().await.unwrap();
    let (_, rest) = html.split_once("name=\"csrf\" value=\"").unwrap();
    let csrf = rest.split_once('"').unwrap().0;
    let form = [("csrf", csrf), ("return_to", "/app")];
    let link = signed_in
        .post_form(
            &format!("/auth/{PROVIDER}/link"),
            &form,
            &[("origin", &app.base)],
        )
        .await;
    assert_eq!(link.status(), StatusCode::SEE_OTHER);
    assert_code_flow(&app, &location(&link));
    // A browser that is already signed in starting a sign-in again.
    let again = app.browser();
    app.sign_in(&again, "bob").await;
    let begin = again.get(&format!("/auth/{PROVIDER}/login")).await;
    assert_eq!(begin.status(), StatusCode::SEE_OTHER);
    assert_code_flow(&app, &location(&begin));
}
