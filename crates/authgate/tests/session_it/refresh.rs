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
