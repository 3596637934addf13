//! GCRA limiters: failed-authentication budgets, auth endpoints, Retry-After, cleanup.
//! Time is moved with governor's `FakeRelativeClock`, never slept.

use authgate_gateway::config::RateLimitSettings;
use authgate_gateway::ratelimit::{Limiters, retry_after_secs, too_many_requests};
use governor::clock::FakeRelativeClock;
use http::StatusCode;
use std::net::IpAddr;
use std::time::Duration;

fn settings(
    failed_auth_per_minute: u32,
    burst: u32,
    auth_endpoints_per_minute: u32,
) -> RateLimitSettings {
    RateLimitSettings {
        failed_auth_per_minute,
        burst,
        auth_endpoints_per_minute,
    }
}

fn ip(last: u8) -> IpAddr {
    IpAddr::from([192, 0, 2, last])
}

fn limiters(defaults: RateLimitSettings) -> (Limiters<FakeRelativeClock>, FakeRelativeClock) {
    let clock = FakeRelativeClock::default();
    (Limiters::with_clock(defaults, clock.clone()), clock)
}

#[test]
fn failed_auth_budget_is_burst_failures_then_blocked() {
    let route = settings(6, 3, 0); // one unit every 10 s, 3 in a row
    let (limiters, _clock) = limiters(route);
    for attempt in 1..=3 {
        assert_eq!(
            limiters.check_failed_auth(&route, ip(1)),
            Ok(()),
            "attempt {attempt}"
        );
        limiters.record_failed_auth(&route, ip(1));
    }
    let wait = limiters.check_failed_auth(&route, ip(1)).unwrap_err();
    assert!(
        wait > Duration::ZERO && wait <= Duration::from_secs(10),
        "{wait:?}"
    );
    assert_eq!(retry_after_secs(wait), 10);
}

#[test]
fn checking_spends_nothing_and_successes_are_free() {
    let route = settings(6, 2, 0);
    let (limiters, _clock) = limiters(route);
    for _ in 0..100 {
        assert_eq!(limiters.check_failed_auth(&route, ip(1)), Ok(()));
    }
    limiters.record_failed_auth(&route, ip(1));
    assert_eq!(limiters.check_failed_auth(&route, ip(1)), Ok(()));
    limiters.record_failed_auth(&route, ip(1));
    assert!(limiters.check_failed_auth(&route, ip(1)).is_err());
}

#[test]
fn blocked_ip_recovers_one_attempt_per_refill_interval() {
    let route = settings(6, 2, 0);
    let (limiters, clock) = limiters(route);
    limiters.record_failed_auth(&route, ip(1));
    limiters.record_failed_auth(&route, ip(1));
    let wait = limiters.check_failed_auth(&route, ip(1)).unwrap_err();

    clock.advance(wait - Duration::from_millis(1));
    assert_eq!(
        limiters.check_failed_auth(&route, ip(1)),
        Err(Duration::from_millis(1))
    );
    clock.advance(Duration::from_millis(1));
    assert_eq!(limiters.check_failed_auth(&route, ip(1)), Ok(()));
    // One unit refilled: the next failure empties the budget again for a full interval.
    limiters.record_failed_auth(&route, ip(1));
    assert_eq!(
        limiters.check_failed_auth(&route, ip(1)),
        Err(Duration::from_secs(10))
    );
    clock.advance(Duration::from_secs(20));
    limiters.record_failed_auth(&route, ip(1));
    assert_eq!(
        limiters.check_failed_auth(&route, ip(1)),
        Ok(()),
        "two units refilled in 20 s"
    );
}

#[test]
fn ips_have_separate_budgets() {
    let route = settings(6, 1, 0);
    let (limiters, _clock) = limiters(route);
    limiters.record_failed_auth(&route, ip(1));
    assert!(limiters.check_failed_auth(&route, ip(1)).is_err());
    assert_eq!(limiters.check_failed_auth(&route, ip(2)), Ok(()));
    let v6: IpAddr = "2001:db8::1".parse().unwrap();
    assert_eq!(limiters.check_failed_auth(&route, v6), Ok(()));
}

#[test]
fn route_overrides_have_their_own_budgets() {
    let defaults = settings(6, 1, 0);
    let strict = settings(1, 1, 0);
    let (limiters, _clock) = limiters(defaults);
    limiters.record_failed_auth(&strict, ip(1));
    let wait = limiters.check_failed_auth(&strict, ip(1)).unwrap_err();
    assert_eq!(retry_after_secs(wait), 60, "1 per minute refills in 60 s");
    assert_eq!(
        limiters.check_failed_auth(&defaults, ip(1)),
        Ok(()),
        "default budget untouched"
    );
}

#[test]
fn zero_disables_the_failed_auth_limit() {
    let off = settings(0, 1, 0);
    let (limiters, _clock) = limiters(off);
    for _ in 0..1000 {
        limiters.record_failed_auth(&off, ip(1));
    }
    assert_eq!(limiters.check_failed_auth(&off, ip(1)), Ok(()));
    assert_eq!(limiters.tracked_ips(), 0);
}

#[test]
fn concurrent_failures_past_the_check_extend_the_block() {
    let route = settings(6, 1, 0);
    let (limiters, _clock) = limiters(route);
    // Three requests passed the check before any failure was recorded.
    for _ in 0..3 {
        limiters.record_failed_auth(&route, ip(1));
    }
    assert!(limiters.check_failed_auth(&route, ip(1)).is_err());
}

#[test]
fn auth_endpoints_allow_burst_then_429_until_refill() {
    let defaults = settings(0, 2, 60); // one per second, 2 in a row
    let (limiters, clock) = limiters(defaults);
    assert_eq!(limiters.check_auth_endpoint(ip(1)), Ok(()));
    assert_eq!(limiters.check_auth_endpoint(ip(1)), Ok(()));
    assert_eq!(
        limiters.check_auth_endpoint(ip(1)),
        Err(Duration::from_secs(1))
    );
    assert_eq!(
        limiters.check_auth_endpoint(ip(2)),
        Ok(()),
        "another client"
    );
    clock.advance(Duration::from_secs(1));
    assert_eq!(limiters.check_auth_endpoint(ip(1)), Ok(()));
}

#[test]
fn zero_disables_the_auth_endpoint_limit() {
    let (limiters, _clock) = limiters(settings(0, 1, 0));
    for _ in 0..1000 {
        assert_eq!(limiters.check_auth_endpoint(ip(1)), Ok(()));
    }
}

#[test]
fn retain_recent_forgets_ips_whose_budget_refilled() {
    let route = settings(60, 2, 60);
    let (limiters, clock) = limiters(route);
    for last in 1..=50 {
        limiters.record_failed_auth(&route, ip(last));
        let _ = limiters.check_auth_endpoint(ip(last));
    }
    assert_eq!(limiters.tracked_ips(), 100);
    limiters.retain_recent();
    assert_eq!(limiters.tracked_ips(), 100, "budgets still spent");
    clock.advance(Duration::from_secs(2));
    limiters.retain_recent();
    assert_eq!(limiters.tracked_ips(), 0);
}

#[tokio::test]
async fn too_many_requests_has_retry_after_in_whole_seconds() {
    let response = too_many_requests(Duration::from_millis(1500));
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()[http::header::RETRY_AFTER], "2");
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        json,
        serde_json::json!({ "error": "rate_limited", "retry_after": 2 })
    );
}

// ---------------------------------------------------------------------------------------
// Through the whole gateway.

use crate::support;

#[tokio::test]
async fn failed_authentications_over_http_end_in_429_with_retry_after() {
    let idp = support::start_idp().await;
    let upstream = support::start_upstream().await;
    let base = support::base_toml(&idp, &[]);
    let url = upstream.url();
    let toml = format!(
        "{base}
[[routes]]
name = \"guarded\"
path = \"/guarded/{{*rest}}\"
upstream = \"{url}\"
rate_limit = {{ failed_auth_per_minute = 1, burst = 2 }}

[[routes]]
name = \"other\"
path = \"/other/{{*rest}}\"
upstream = \"{url}\"
"
    );
    let gateway = support::start_gateway(support::config(&toml)).await;
    let client = support::client();
    let good = support::token(&idp, &[]);
    for _ in 0..200 {
        if gateway.state.load().verifier.is_ready() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let get = |path: &str, token: &str| {
        client
            .get(gateway.url(path))
            .bearer_auth(token.to_owned())
            .send()
    };

    assert_eq!(
        get("/guarded/x", "bad-1").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get("/guarded/x", "bad-2").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let limited = get("/guarded/x", "bad-3").await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = limited.headers()[http::header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let blocked = get("/guarded/x", &good).await.unwrap();
    assert_eq!(
        blocked.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "blocked before the credential is looked at"
    );
    assert_eq!(
        get("/other/x", &good).await.unwrap().status(),
        StatusCode::OK,
        "default budget untouched"
    );
}

#[test]
fn ipv6_clients_share_a_budget_per_64_network() {
    let route = settings(6, 1, 0);
    let (limiters, _clock) = limiters(route);
    let first: IpAddr = "2001:db8:1:2::1".parse().unwrap();
    let same_64: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap();
    let other_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
    limiters.record_failed_auth(&route, first);
    assert!(
        limiters.check_failed_auth(&route, same_64).is_err(),
        "a host owns its whole /64"
    );
    assert_eq!(limiters.check_failed_auth(&route, other_64), Ok(()));
}

#[test]
fn ipv4_mapped_ipv6_counts_as_the_ipv4_address() {
    let route = settings(6, 1, 0);
    let (limiters, _clock) = limiters(route);
    limiters.record_failed_auth(&route, "::ffff:192.0.2.7".parse().unwrap());
    assert!(limiters.check_failed_auth(&route, ip(7)).is_err());
    assert_eq!(limiters.check_failed_auth(&route, ip(8)), Ok(()));
}

/// A configuration with `[rate_limit] burst = {burst}` and one open route (no providers).
fn config_with_burst(burst: u32) -> authgate_gateway::config::Config {
    let toml = format!(
        r#"version = 1

[server]
listen = "127.0.0.1:0"

[rate_limit]
failed_auth_per_minute = 1
burst = {burst}

[[routes]]
path = "/{{*rest}}"
upstream = "http://127.0.0.1:9"
auth = "none"
"#
    );
    authgate_gateway::config::Config::from_toml(&toml, &|_| None).unwrap()
}

#[tokio::test]
async fn a_reload_keeps_the_budgets_unless_the_default_limits_change() {
    use authgate_gateway::app::Gateway;
    let running = Gateway::build(config_with_burst(1)).await.unwrap();
    let route = running.config.rate_limit;
    running.limiters.record_failed_auth(&route, ip(1));
    assert!(running.limiters.check_failed_auth(&route, ip(1)).is_err());

    let same = Gateway::rebuild(config_with_burst(1), &running)
        .await
        .unwrap();
    assert!(
        same.limiters.check_failed_auth(&route, ip(1)).is_err(),
        "a reload must not refill the budget"
    );

    let changed = Gateway::rebuild(config_with_burst(2), &running)
        .await
        .unwrap();
    let route = changed.config.rate_limit;
    assert_eq!(changed.limiters.check_failed_auth(&route, ip(1)), Ok(()));
}
