//! Idle and absolute expiry by a moved `FixedClock`, and the background sweep.

use crate::browser::assert_login_redirect;
use crate::support::App;
use authgate::session::SessionConfig;
use authgate_core::store::TokenHash;
use reqwest::StatusCode;
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn an_unused_session_ends_after_the_idle_timeout() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    app.clock.advance(8 * HOUR - Duration::from_secs(1));
    assert_eq!(browser.get_json("/auth/me").await.status(), StatusCode::OK);
    let quiet = app.browser();
    app.sign_in(&quiet, "bob").await;
    app.clock.advance(8 * HOUR + Duration::from_secs(1));
    assert_login_redirect(&quiet.get("/app").await);
}

#[tokio::test]
async fn use_extends_the_idle_timeout_up_to_the_absolute_one() {
    let config = SessionConfig {
        idle_timeout: 8 * HOUR,
        absolute_timeout: 20 * HOUR,
        ..SessionConfig::default()
    };
    let app = App::start_with(config).await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    for _ in 0..3 {
        // 6, 12 and 18 hours after sign-in: each use moves the idle expiry.
        app.clock.advance(6 * HOUR);
        assert_eq!(browser.get("/app").await.status(), StatusCode::OK);
    }
    let session = app.session_of(&browser).await.unwrap();
    assert_eq!(
        session.idle_expires_at, session.absolute_expires_at,
        "capped"
    );
    app.clock.advance(2 * HOUR);
    assert_login_redirect(&browser.get("/app").await);
}

#[tokio::test]
async fn touches_are_spared_within_a_minute() {
    let app = App::start().await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let first = app.session_of(&browser).await.unwrap();
    app.clock.advance(Duration::from_secs(30));
    browser.get("/app").await;
    let same = app.session_of(&browser).await.unwrap();
    assert_eq!(same.last_seen_at, first.last_seen_at);
    app.clock.advance(Duration::from_secs(31));
    browser.get("/app").await;
    let moved = app.session_of(&browser).await.unwrap();
    assert_eq!(moved.last_seen_at, app.clock_now());
    assert!(moved.idle_expires_at > first.idle_expires_at);
}

#[tokio::test]
async fn the_sweeper_deletes_expired_sessions() {
    let config = SessionConfig {
        sweep_interval: Duration::from_millis(20),
        ..SessionConfig::default()
    };
    let app = App::start_with(config).await;
    let browser = app.browser();
    app.sign_in(&browser, "alice").await;
    let key = TokenHash::of(&browser.cookie("authgate").unwrap());
    let signed_in = app.clock_now();
    app.clock.advance(9 * HOUR);
    let sweeper = app.sessions.spawn_sweeper();
    // Wait (bounded) for the background task; the clock it reads stands still.
    let mut swept = false;
    for _ in 0..100 {
        // Asked about a time when it was live, the store still finds the row until it is gone.
        if app
            .stores
            .sessions
            .session(&key, signed_in)
            .await
            .unwrap()
            .is_none()
        {
            swept = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    sweeper.abort();
    assert!(swept, "the expired session was swept");
}
