//! Sign-in metadata lifetime against the real dev identity provider: refetched after its
//! `Cache-Control` max-age, the last good document kept through an outage with at most one
//! retry a minute, and one fetch for concurrent sign-ins. Time moves with a `FixedClock`; the
//! IdP's discovery hit counter is the witness.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[allow(dead_code)]
#[path = "login_rp/support.rs"]
mod support;

use authgate_devidp::{Endpoint, Fault, Flavor};
use std::time::Duration;
use support::Rp;

/// Discovery requests the `oidc` flavor has served.
fn hits(rp: &Rp) -> u64 {
    rp.idp().discovery_hits_for(Flavor::Oidc)
}

/// Starts a sign-in with the `oidc` provider and returns how many discovery requests it made.
async fn begin_fetches(rp: &Rp) -> u64 {
    let before = hits(rp);
    rp.login.begin("oidc", None).await.unwrap();
    hits(rp) - before
}

#[tokio::test]
async fn metadata_is_reused_within_its_max_age_and_refetched_after() {
    let rp = Rp::start().await;
    rp.idp().set_cache_max_age(Duration::from_secs(600));
    assert_eq!(begin_fetches(&rp).await, 1, "first use fetches");
    assert_eq!(begin_fetches(&rp).await, 0);
    rp.clock.advance(Duration::from_secs(599));
    assert_eq!(begin_fetches(&rp).await, 0, "still fresh");
    rp.clock.advance(Duration::from_secs(1));
    assert_eq!(begin_fetches(&rp).await, 1, "refetched once expired");
    assert_eq!(begin_fetches(&rp).await, 0);
}

#[tokio::test]
async fn a_tiny_max_age_is_raised_to_five_minutes() {
    let rp = Rp::start().await;
    rp.idp().set_cache_control(Some("no-store"));
    assert_eq!(begin_fetches(&rp).await, 1);
    rp.clock.advance(Duration::from_secs(299));
    assert_eq!(begin_fetches(&rp).await, 0);
    rp.clock.advance(Duration::from_secs(1));
    assert_eq!(begin_fetches(&rp).await, 1);
}

#[tokio::test]
async fn an_outage_keeps_the_last_good_metadata_and_retries_once_a_minute() {
    let rp = Rp::start().await;
    rp.idp().set_cache_max_age(Duration::from_secs(600));
    assert_eq!(begin_fetches(&rp).await, 1);
    rp.clock.advance(Duration::from_secs(600));
    let outage = Fault::Status(503);
    rp.idp()
        .set_endpoint_fault(Some(Flavor::Oidc), Endpoint::Discovery, outage);
    assert_eq!(begin_fetches(&rp).await, 1, "the refresh is tried");
    let done = rp.sign_in("oidc", None).await.unwrap();
    assert_eq!(
        done.provider, "oidc",
        "sign-in works on the last good document"
    );
    rp.clock.advance(Duration::from_secs(59));
    assert_eq!(begin_fetches(&rp).await, 0, "no retry within the minute");
    rp.clock.advance(Duration::from_secs(1));
    assert_eq!(begin_fetches(&rp).await, 1, "one retry after it");
    assert_eq!(begin_fetches(&rp).await, 0);
    rp.idp()
        .set_endpoint_fault(Some(Flavor::Oidc), Endpoint::Discovery, Fault::None);
    rp.clock.advance(Duration::from_secs(60));
    assert_eq!(begin_fetches(&rp).await, 1, "recovered");
    rp.clock.advance(Duration::from_secs(599));
    assert_eq!(
        begin_fetches(&rp).await,
        0,
        "fresh for a whole lifetime again"
    );
}

#[tokio::test]
async fn concurrent_sign_ins_fetch_metadata_once() {
    let rp = Rp::start().await;
    rp.idp().set_cache_max_age(Duration::from_secs(600));
    for round in 0..2 {
        let before = hits(&rp);
        let begins = (0..10).map(|_| rp.login.begin("oidc", None));
        for begun in futures_util::future::join_all(begins).await {
            begun.unwrap();
        }
        assert_eq!(hits(&rp) - before, 1, "round {round}: one fetch for all");
        rp.clock.advance(Duration::from_secs(600));
    }
}

#[tokio::test]
async fn a_cold_outage_is_fetched_once_per_backoff() {
    let rp = Rp::start().await;
    let outage = Fault::Status(503);
    rp.idp()
        .set_endpoint_fault(Some(Flavor::Oidc), Endpoint::Discovery, outage);
    let before = hits(&rp);
    for _ in 0..10 {
        assert!(rp.login.begin("oidc", None).await.is_err());
    }
    assert_eq!(hits(&rp) - before, 1, "ten sign-ins, one fetch");
    rp.clock.advance(Duration::from_secs(1));
    for _ in 0..10 {
        assert!(rp.login.begin("oidc", None).await.is_err());
    }
    assert_eq!(hits(&rp) - before, 2, "one more after the first backoff");
    rp.idp()
        .set_endpoint_fault(Some(Flavor::Oidc), Endpoint::Discovery, Fault::None);
    rp.clock.advance(Duration::from_secs(1));
    assert!(
        rp.login.begin("oidc", None).await.is_err(),
        "backoff doubled"
    );
    rp.clock.advance(Duration::from_secs(1));
    assert_eq!(
        begin_fetches(&rp).await,
        1,
        "recovered after the second backoff"
    );
    assert_eq!(begin_fetches(&rp).await, 0);
}
