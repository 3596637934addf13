//! Provider token refresh: single flight in process and across instances (security.md
//! BCP-47), `invalid_grant` ends the session (BCP-45), transient failures fail closed only
//! once the access token has expired.

use crate::browser::assert_login_redirect;
use crate::support::App;
use authgate::session::SessionConfig;
use authgate_devidp::{Endpoint, Fault, Flavor};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, HeaderMap, HeaderValue};
use std::time::Duration;

/// Into the refresh window: the dev IdP's access tokens live an hour, refresh is due a
/// minute before.
const INTO_WINDOW: Duration = Duration::from_secs(3600 - 30);
/// Past the access token's expiry.
const PAST_EXPIRY: Duration = Duration::from_secs(3600 + 30);

fn slow_token_endpoint(app: &App) {
    app.idp().set_endpoint_fault(
        Some(Flavor::Oidc),
        Endpoint::Token,
        Fault::Slow(Duration::from_millis(300)),
    );
}

#[tokio::test]
async fn bcp47_two_tabs_refresh_once_against_a_rotating_idp() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let first_rt = app.refresh_token_of(&browser).await;
    let before = app.refreshes();
    app.clock.advance(INTO_WINDOW);
    slow_token_endpoint(&app);
    let (a, b) = tokio::join!(browser.get("/app"), browser.get("/app"));
    assert_eq!(a.status(), StatusCode::OK);
    assert_eq!(b.status(), StatusCode::OK);
    assert_eq!(
        app.refreshes() - before,
        1,
        "exactly one refresh reached the IdP"
    );
    app.idp().clear_faults();
    // The rotated refresh token was stored: the next refresh succeeds too.
    assert_ne!(app.refresh_token_of(&browser).await, first_rt);
    app.clock.advance(Duration::from_secs(3600));
    assert_eq!(browser.get("/app").await.status(), StatusCode::OK);
    assert_eq!(app.refreshes() - before, 2);
}

#[tokio::test]
async fn bcp47_two_instances_refresh_once_through_the_store_lease() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let second = app.instance(SessionConfig::default());
    let mut headers = HeaderMap::new();
    let cookie = format!("authgate={}", browser.cookie("authgate").unwrap());
    headers.insert(COOKIE, HeaderValue::from_str(&cookie).unwrap());
    let before = app.refreshes();
    // Past expiry, so the instance losing the lease must wait for the winner's tokens.
    app.clock.advance(PAST_EXPIRY);
    slow_token_endpoint(&app);
    let (a, b) = tokio::join!(
        app.sessions.authenticate(&headers),
        second.authenticate(&headers)
    );
    let (a, b) = (a.unwrap().unwrap(), b.unwrap().unwrap());
    assert_eq!(a.subject, "alice");
    assert_eq!(b.subject, "alice");
    assert_eq!(
        app.refreshes() - before,
        1,
        "exactly one refresh reached the IdP"
    );
    let session = app.session_of(&browser).await.unwrap();
    assert!(session.tokens_expire_at.unwrap() > app.clock_now());
}

#[tokio::test]
async fn bcp45_invalid_grant_on_refresh_ends_the_session() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let key = app.session_of(&browser).await.unwrap().key;
    // Someone else spent the refresh token: the IdP answers invalid_grant.
    app.spend_refresh_token(&app.refresh_token_of(&browser).await)
        .await;
    app.clock.advance(INTO_WINDOW);
    assert_login_redirect(&browser.get("/app").await);
    let signed_in = app.clock_now();
    let gone = app.stores.sessions.session(&key, signed_in).await.unwrap();
    assert!(gone.is_none(), "the session was deleted, not just skipped");
}

#[tokio::test]
async fn bcp45_a_transient_refresh_failure_keeps_the_session_until_the_token_expires() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    app.idp()
        .set_endpoint_fault(Some(Flavor::Oidc), Endpoint::Token, Fault::Status(503));
    let before = app.refreshes();
    app.clock.advance(INTO_WINDOW);
    assert_eq!(browser.get("/app").await.status(), StatusCode::OK);
    assert_eq!(app.refreshes() - before, 1);
    // No refresh storm: within the back-off the next requests do not call the IdP.
    for _ in 0..3 {
        assert_eq!(browser.get("/app").await.status(), StatusCode::OK);
    }
    assert_eq!(app.refreshes() - before, 1);
    app.clock.advance(PAST_EXPIRY - INTO_WINDOW);
    assert_login_redirect(&browser.get("/app").await);
    // Once the IdP recovers, the session (still stored) refreshes and works again.
    app.idp().clear_faults();
    assert_eq!(browser.get("/app").await.status(), StatusCode::OK);
}

/// Waits (real time, bounded) until a refresh has reached the IdP.
async fn until_refresh_reaches_the_idp(app: &App, before: u64) {
    for _ in 0..500 {
        if app.refreshes() > before {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no refresh reached the IdP");
}

#[tokio::test]
async fn bcp47_a_slow_refresh_holds_the_lease_until_it_stores() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let second = app.instance(SessionConfig::default());
    let mut headers = HeaderMap::new();
    let cookie = format!("authgate={}", browser.cookie("authgate").unwrap());
    headers.insert(COOKIE, HeaderValue::from_str(&cookie).unwrap());
    let before = app.refreshes();
    app.clock.advance(PAST_EXPIRY);
    app.idp().set_endpoint_fault(
        Some(Flavor::Oidc),
        Endpoint::Token,
        Fault::Slow(Duration::from_millis(1000)),
    );
    let first = app.sessions.clone();
    let first_headers = headers.clone();
    let a = tokio::spawn(async move { first.authenticate(&first_headers).await });
    until_refresh_reaches_the_idp(&app, before).await;
    // 40 s pass while the provider is slow: longer than the old fixed 30 s lease, well within
    // the configured one. The other instance must keep waiting, not refresh again with the
    // same (already spent) refresh token.
    app.clock.advance(Duration::from_secs(40));
    let b = second.authenticate(&headers).await.unwrap().unwrap();
    let a = a.await.unwrap().unwrap().unwrap();
    assert_eq!(a.subject, "alice");
    assert_eq!(b.subject, "alice");
    assert_eq!(app.refreshes() - before, 1, "one refresh reached the IdP");
    let session = app.session_of(&browser).await.unwrap();
    assert!(session.tokens_expire_at.unwrap() > app.clock_now());
}

#[tokio::test]
async fn without_a_refresh_token_no_refresh_is_ever_due() {
    let scopes = ["openid", "email", "profile"].map(String::from).to_vec();
    let app = App::start_custom(SessionConfig::default(), |p| p.login_scopes = scopes).await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let session = app.session_of(&browser).await.unwrap();
    assert!(session.tokens.is_some());
    assert_eq!(session.tokens_expire_at, None, "nothing to refresh with");
    // Another instance holds the lease: a request that tried to take it would wait for that
    // instance and then fail closed.
    let now = app.clock_now();
    let held = app
        .stores
        .sessions
        .try_lease_refresh(
            &session.key,
            "other",
            now,
            now.plus(Duration::from_secs(3600)),
        )
        .await
        .unwrap();
    assert!(held);
    app.clock.advance(PAST_EXPIRY);
    let before = app.refreshes();
    for _ in 0..3 {
        let started = std::time::Instant::now();
        assert_eq!(browser.get("/app").await.status(), StatusCode::OK);
        assert!(started.elapsed() < Duration::from_secs(1), "no lease wait");
    }
    assert_eq!(app.refreshes(), before);
}

#[tokio::test]
async fn a_session_stored_with_an_expiry_but_no_refresh_token_is_marked_never_due() {
    let scopes = ["openid", "email", "profile"].map(String::from).to_vec();
    let app = App::start_custom(SessionConfig::default(), |p| p.login_scopes = scopes).await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    // As a session stored before sign-in recorded "no refresh token" would look.
    let session = app.session_of(&browser).await.unwrap();
    let (store, now) = (&app.stores.sessions, app.clock_now());
    let expires = now.plus(Duration::from_secs(3600));
    let blob = session.tokens.clone().unwrap();
    assert!(
        store
            .try_lease_refresh(&session.key, "t", now, expires)
            .await
            .unwrap()
    );
    assert!(
        store
            .store_refreshed_tokens(&session.key, "t", now, &blob, Some(expires))
            .await
            .unwrap()
    );
    app.clock.advance(PAST_EXPIRY);
    assert_eq!(browser.get("/app").await.status(), StatusCode::OK);
    let session = app.session_of(&browser).await.unwrap();
    assert_eq!(session.tokens_expire_at, None, "never due from now on");
    assert_eq!(session.tokens.as_deref(), Some(blob.as_slice()));
    assert_eq!(browser.get("/app").await.status(), StatusCode::OK);
}
