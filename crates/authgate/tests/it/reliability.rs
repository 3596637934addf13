//! security.md §5.3: the key cache under IdP outages, rotation, slow and hostile responses.
//! Faults are injected into the dev IdP; monotonic time is moved with `support::advance`.

use crate::support::{Fixture, advance, eventually, kind};
use authgate::VerifyErrorKind::{BadSignature, KeysUnavailable, UnknownKey};
use authgate_core::{Algorithm, SigningKey};
use authgate_devidp::{Endpoint, Fault, Flavor, MintRequest};
use std::time::{Duration, Instant};

const HOUR: Duration = Duration::from_secs(3600);
/// Past the default forced-refresh cooldown (30 s).
const COOLDOWN: Duration = Duration::from_secs(31);

fn jwks_fault(fx: &Fixture, fault: Fault) {
    fx.idp().set_endpoint_fault(None, Endpoint::Jwks, fault);
}

/// A user token with a distinct subject, so the verified-token cache never answers for it.
fn token(fx: &Fixture, n: usize) -> String {
    fx.idp()
        .mint(&MintRequest::new(Flavor::Oidc).subject(format!("user-{n}")))
}

/// A token signed by a key the IdP never published, with key id `kid`.
fn unknown_kid_token(fx: &Fixture, key: &SigningKey, kid: &str) -> String {
    fx.idp()
        .mint_with_key(&MintRequest::new(Flavor::Oidc).header("kid", kid), key)
}

fn attacker() -> SigningKey {
    SigningKey::generate(Algorithm::ES256, "attacker")
}

#[tokio::test]
async fn r01_warm_cache_serves_through_an_outage_without_a_fetch_storm() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc()]).await;
    fx.idp().set_fault(Fault::Status(503));
    advance(2 * HOUR).await; // past the 1 h TTL: the background refresh fails
    eventually(|| verifier.key_status()[0].last_error.is_some()).await;
    let hits = fx.idp().jwks_hits();
    for n in 0..50 {
        verifier.verify(&token(&fx, n)).await.unwrap();
    }
    // Known keys never trigger a fetch; at most the background retry ran meanwhile.
    assert!(
        fx.idp().jwks_hits() <= hits + 1,
        "fetch storm: {} fetches",
        fx.idp().jwks_hits() - hits
    );
    let status = &verifier.key_status()[0];
    assert!(status.stale && status.ready, "{status:?}");
}

#[tokio::test]
async fn r01_strict_mode_fails_closed_at_the_ttl() {
    let fx = Fixture::start().await;
    let mut p = fx.oidc();
    p.jwks.strict = true;
    let verifier = fx.verifier([p]).await;
    fx.idp().set_fault(Fault::Status(503));
    advance(HOUR - Duration::from_secs(60)).await;
    assert!(
        verifier.verify(&token(&fx, 1)).await.is_ok(),
        "within the TTL"
    );
    advance(Duration::from_secs(61)).await;
    assert_eq!(kind(verifier.verify(&token(&fx, 2)).await), KeysUnavailable);
    assert!(!verifier.is_ready());
}

#[tokio::test]
async fn r02_outage_past_max_stale_fails_closed_then_recovers() {
    let fx = Fixture::start().await;
    let mut p = fx.oidc();
    p.jwks.max_stale = HOUR;
    let verifier = fx.verifier([p]).await;
    let cached = token(&fx, 0);
    verifier.verify(&cached).await.unwrap();
    fx.idp().set_fault(Fault::Status(503));
    advance(2 * HOUR + Duration::from_secs(1)).await;
    assert_eq!(kind(verifier.verify(&token(&fx, 1)).await), KeysUnavailable);
    assert_eq!(
        kind(verifier.verify(&cached).await),
        KeysUnavailable,
        "cached results expire with the keys"
    );
    assert!(!verifier.is_ready());
    fx.idp().clear_faults();
    advance(Duration::from_secs(5 * 60)).await; // the longest backoff
    eventually(|| verifier.is_ready()).await;
    assert!(verifier.verify(&token(&fx, 2)).await.is_ok());
}

#[tokio::test]
async fn r03_cold_start_is_not_ready_until_the_first_success() {
    let fx = Fixture::start().await;
    fx.idp().set_fault(Fault::Status(503));
    let verifier = fx.verifier([fx.oidc()]).await;
    assert!(!verifier.is_ready());
    assert_eq!(kind(verifier.verify(&token(&fx, 0)).await), KeysUnavailable);
    fx.idp().clear_faults();
    advance(Duration::from_secs(2)).await; // the first retry waits at most 1 s
    eventually(|| verifier.is_ready()).await;
    assert!(verifier.verify(&token(&fx, 1)).await.is_ok());
}

#[tokio::test]
async fn r04_a_hanging_jwks_does_not_delay_requests_with_known_keys() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc()]).await;
    let known = token(&fx, 0);
    fx.idp().rotate_keys();
    let rotated = token(&fx, 1);
    jwks_fault(&fx, Fault::Hang);
    let forced = tokio::spawn({
        let verifier = verifier.clone();
        async move { verifier.verify(&rotated).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await; // the forced fetch is now hanging
    let started = Instant::now();
    verifier.verify(&known).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        kind(forced.await.unwrap()),
        UnknownKey,
        "aborted at the timeout"
    );
    assert!(verifier.is_ready());
}

#[tokio::test]
async fn r05_slow_or_oversized_jwks_keeps_the_old_keys() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc()]).await;
    let key = attacker();
    jwks_fault(&fx, Fault::Slow(Duration::from_secs(10)));
    assert_eq!(
        kind(verifier.verify(&unknown_kid_token(&fx, &key, "k1")).await),
        UnknownKey
    );
    assert!(
        verifier.key_status()[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("timed out")
    );
    advance(COOLDOWN).await;
    jwks_fault(
        &fx,
        Fault::Body(format!(
            "{{\"keys\":[],\"pad\":\"{}\"}}",
            "x".repeat(300 * 1024)
        )),
    );
    assert_eq!(
        kind(verifier.verify(&unknown_kid_token(&fx, &key, "k2")).await),
        UnknownKey
    );
    assert!(
        verifier.key_status()[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("size cap")
    );
    assert!(verifier.verify(&token(&fx, 0)).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r06_concurrent_requests_with_one_unknown_kid_fetch_once() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc()]).await;
    fx.idp().rotate_keys();
    let tokens: Vec<String> = (0..300).map(|n| token(&fx, n)).collect();
    let hits = fx.idp().jwks_hits();
    let tasks: Vec<_> = tokens
        .into_iter()
        .map(|t| {
            let verifier = verifier.clone();
            tokio::spawn(async move { verifier.verify(&t).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(fx.idp().jwks_hits(), hits + 1);
}

#[tokio::test]
async fn r07_random_unknown_kids_fetch_at_most_once_per_cooldown() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc()]).await;
    let key = attacker();
    let hits = fx.idp().jwks_hits();
    for n in 0..100 {
        let t = unknown_kid_token(&fx, &key, &format!("random-{n}"));
        assert_eq!(kind(verifier.verify(&t).await), UnknownKey);
    }
    assert_eq!(
        fx.idp().jwks_hits(),
        hits + 1,
        "one forced fetch, then negative results"
    );
    advance(COOLDOWN).await;
    let t = unknown_kid_token(&fx, &key, "after-the-window");
    assert_eq!(kind(verifier.verify(&t).await), UnknownKey);
    assert_eq!(fx.idp().jwks_hits(), hits + 2);
}

#[tokio::test]
async fn r08_a_rotated_key_is_accepted_after_one_forced_refresh() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc()]).await;
    let old = token(&fx, 0);
    fx.idp().rotate_keys();
    let hits = fx.idp().jwks_hits();
    assert!(verifier.verify(&token(&fx, 1)).await.is_ok());
    assert_eq!(fx.idp().jwks_hits(), hits + 1);
    assert!(
        verifier.verify(&old).await.is_ok(),
        "the old key is still published"
    );
}

#[tokio::test]
async fn r09_a_removed_key_stops_working_after_the_next_fetch() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc()]).await;
    let compromised = token(&fx, 0);
    verifier.verify(&compromised).await.unwrap(); // now in the verified-token cache
    assert!(fx.idp().remove_key(&fx.idp().active_kid()));
    assert!(
        verifier.verify(&token(&fx, 1)).await.is_ok(),
        "the replacement key triggers a fetch"
    );
    assert_eq!(kind(verifier.verify(&compromised).await), UnknownKey);
}

/// R-09 when the IdP replaces a key's material under the same `kid`: the old key counts as
/// removed, so a token it signed stops working at once, from the verified-token cache too.
#[tokio::test]
async fn r09_a_key_replaced_under_the_same_kid_stops_working_after_the_next_fetch() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc()]).await;
    let compromised = token(&fx, 0);
    verifier.verify(&compromised).await.unwrap(); // now in the verified-token cache
    let kid = fx.idp().active_kid();
    let replacement = SigningKey::generate(Algorithm::RS256, &kid);
    let next = SigningKey::generate(Algorithm::RS256, "next");
    let jwks = serde_json::json!({
        "keys": [replacement.public_jwk().unwrap(), next.public_jwk().unwrap()]
    });
    jwks_fault(&fx, Fault::Body(jwks.to_string()));
    let signed_by_next = unknown_kid_token(&fx, &next, "next");
    assert!(
        verifier.verify(&signed_by_next).await.is_ok(),
        "the new kid triggers a fetch"
    );
    assert_eq!(kind(verifier.verify(&compromised).await), BadSignature);
}

#[tokio::test]
async fn r10_bad_documents_never_replace_good_keys() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc()]).await;
    let key = attacker();
    let bodies = [
        "{\"keys\":[]}",
        "<html><body>Sign in</body></html>",
        "{\"error\":\"server_error\"}",
        "{\"keys\":[{\"kty\":\"RSA\"",
    ];
    for (n, body) in bodies.into_iter().enumerate() {
        jwks_fault(&fx, Fault::Body(body.to_owned()));
        let t = unknown_kid_token(&fx, &key, &format!("k{n}"));
        assert_eq!(kind(verifier.verify(&t).await), UnknownKey, "{body}");
        assert!(verifier.key_status()[0].last_error.is_some(), "{body}");
        assert!(
            verifier.verify(&token(&fx, n)).await.is_ok(),
            "good keys survive {body}"
        );
        advance(COOLDOWN).await;
    }
}

#[tokio::test]
async fn r11_malformed_keys_are_skipped_and_good_ones_used() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc()]).await;
    let key = SigningKey::generate(Algorithm::ES256, "fresh");
    let jwks = serde_json::json!({"keys": [
        {"kty": "AKP", "kid": "pq", "alg": "ML-DSA-44", "pub": "AAAA"},
        {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
        key.public_jwk().unwrap(),
    ]});
    jwks_fault(&fx, Fault::Body(jwks.to_string()));
    let t = fx
        .idp()
        .mint_with_key(&MintRequest::new(Flavor::Oidc), &key);
    assert!(
        verifier.verify(&t).await.is_ok(),
        "{:?}",
        verifier.key_status()
    );
}

#[tokio::test]
async fn r13_http_jwks_uri_on_a_public_host_is_refused() {
    let fx = Fixture::start().await;
    let doc = serde_json::json!({"issuer": fx.idp().issuer(Flavor::Oidc), "jwks_uri": "http://192.0.2.1/jwks"});
    fx.idp().set_endpoint_fault(
        Some(Flavor::Oidc),
        Endpoint::Discovery,
        Fault::Body(doc.to_string()),
    );
    let verifier = fx.verifier([fx.oidc()]).await;
    assert!(!verifier.is_ready());
    assert!(
        verifier.key_status()[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("https")
    );
    assert_eq!(fx.idp().jwks_hits(), 0);
}

#[tokio::test]
async fn jwt_i12_a_discovery_issuer_mismatch_keeps_the_provider_down() {
    let fx = Fixture::start().await;
    let doc = serde_json::json!({
        "issuer": format!("{}/", fx.idp().issuer(Flavor::Oidc)),
        "jwks_uri": fx.idp().jwks_url(Flavor::Oidc),
    });
    fx.idp().set_endpoint_fault(
        Some(Flavor::Oidc),
        Endpoint::Discovery,
        Fault::Body(doc.to_string()),
    );
    let verifier = fx.verifier([fx.oidc()]).await;
    assert!(!verifier.is_ready());
    assert!(
        verifier.key_status()[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("does not equal")
    );
}

#[tokio::test]
async fn r14_retry_after_is_honoured() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc()]).await;
    let key = attacker();
    jwks_fault(&fx, Fault::TooManyRequests { retry_after: 120 });
    let hits = fx.idp().jwks_hits();
    assert_eq!(
        kind(verifier.verify(&unknown_kid_token(&fx, &key, "a")).await),
        UnknownKey
    );
    assert_eq!(fx.idp().jwks_hits(), hits + 1);
    fx.idp().clear_faults();
    advance(Duration::from_secs(61)).await; // past the cooldown, not past Retry-After
    assert_eq!(
        kind(verifier.verify(&unknown_kid_token(&fx, &key, "b")).await),
        UnknownKey
    );
    assert_eq!(
        fx.idp().jwks_hits(),
        hits + 1,
        "no fetch before Retry-After elapsed"
    );
    advance(Duration::from_secs(60)).await;
    assert_eq!(
        kind(verifier.verify(&unknown_kid_token(&fx, &key, "c")).await),
        UnknownKey
    );
    assert_eq!(fx.idp().jwks_hits(), hits + 2);
}

#[tokio::test]
async fn r12_a_moved_jwks_uri_is_picked_up_on_the_scheduled_refresh() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc()]).await;
    let moved = serde_json::json!({
        "issuer": fx.idp().issuer(Flavor::Oidc),
        "jwks_uri": fx.idp().jwks_url(Flavor::Okta),
    });
    fx.idp().set_endpoint_fault(
        Some(Flavor::Oidc),
        Endpoint::Discovery,
        Fault::Body(moved.to_string()),
    );
    let (old_uri, new_uri) = (
        fx.idp().jwks_hits_for(Flavor::Oidc),
        fx.idp().jwks_hits_for(Flavor::Okta),
    );
    advance(HOUR).await;
    eventually(|| fx.idp().jwks_hits_for(Flavor::Okta) > new_uri).await;
    assert_eq!(
        fx.idp().jwks_hits_for(Flavor::Oidc),
        old_uri,
        "the old URI is no longer used"
    );
    assert!(verifier.verify(&token(&fx, 0)).await.is_ok());
    assert!(verifier.key_status()[0].last_error.is_none());
}

#[tokio::test]
async fn r12_an_issuer_change_on_refresh_is_a_failure_that_keeps_the_keys() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc()]).await;
    let changed = serde_json::json!({
        "issuer": fx.idp().issuer(Flavor::Okta),
        "jwks_uri": fx.idp().jwks_url(Flavor::Oidc),
    });
    fx.idp().set_endpoint_fault(
        Some(Flavor::Oidc),
        Endpoint::Discovery,
        Fault::Body(changed.to_string()),
    );
    advance(HOUR).await;
    eventually(|| verifier.key_status()[0].fetch_failures > 0).await;
    assert!(
        verifier.key_status()[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("does not equal")
    );
    assert!(verifier.verify(&token(&fx, 0)).await.is_ok());
}

#[tokio::test]
async fn r15_a_rebuild_during_an_outage_keeps_the_running_keys() {
    let fx = Fixture::start().await;
    let mut p = fx.oidc();
    p.jwks.max_stale = HOUR;
    let running = fx.verifier([p.clone()]).await;
    fx.idp().set_fault(Fault::Status(503));

    // Built from scratch during the outage, the issuer has no keys.
    let cold = fx.builder([p.clone()]).build().await.unwrap();
    assert!(!cold.is_ready());
    assert_eq!(kind(cold.verify(&token(&fx, 0)).await), KeysUnavailable);

    // A rebuild (a reload) starts with the running key set.
    let rebuilt = fx
        .builder([p.clone()])
        .keys_from(&running)
        .build()
        .await
        .unwrap();
    assert!(rebuilt.is_ready());
    rebuilt.verify(&token(&fx, 1)).await.unwrap();
    assert!(
        rebuilt.key_status()[0].last_error.is_some(),
        "it did try to fetch"
    );

    // A changed key source (a fixed JWKS URL instead of discovery) or rule for plain HTTP
    // takes nothing over.
    let mut moved = p.clone();
    moved.jwks_uri = Some(fx.idp().jwks_url(Flavor::Oidc));
    let mut rule = p.clone();
    rule.insecure_allow_http = !p.insecure_allow_http;
    for (n, changed) in [moved, rule].into_iter().enumerate() {
        let rebuilt = fx.builder([changed]).keys_from(&running).build().await;
        let verified = rebuilt.unwrap().verify(&token(&fx, 10 + n)).await;
        assert_eq!(kind(verified), KeysUnavailable, "change {n}");
    }

    // The taken-over keys age from their own fetch: past TTL + max_stale they fail closed.
    advance(2 * HOUR + Duration::from_secs(1)).await;
    assert_eq!(kind(rebuilt.verify(&token(&fx, 3)).await), KeysUnavailable);
}
