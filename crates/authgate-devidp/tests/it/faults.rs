//! Fault injection on discovery and JWKS, and the hit counters (security.md §5.3).

use crate::common::{client, get_json, start};
use authgate_core::KeySet;
use authgate_devidp::{Endpoint, Fault, Flavor};
use std::time::{Duration, Instant};

#[tokio::test]
async fn status_fault_answers_that_status_on_jwks_and_discovery() {
    let (running, http) = start().await;
    let idp = &running.idp;
    idp.set_fault(Fault::Status(503));
    for url in [
        idp.jwks_url(Flavor::Okta),
        idp.discovery_url(Flavor::EntraV2),
    ] {
        assert_eq!(http.get(&url).send().await.unwrap().status(), 503, "{url}");
    }
    idp.set_fault(Fault::None);
    get_json(&http, &idp.jwks_url(Flavor::Okta)).await;
}

#[tokio::test]
async fn r14_too_many_requests_carries_retry_after() {
    let (running, http) = start().await;
    running
        .idp
        .set_fault(Fault::TooManyRequests { retry_after: 120 });
    let response = http
        .get(running.idp.jwks_url(Flavor::Google))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "120");
}

#[tokio::test]
async fn r10_body_fault_serves_a_200_that_is_no_key_set() {
    let (running, http) = start().await;
    for body in [
        r#"{"keys":[]}"#,
        "<html>oops</html>",
        r#"{"keys":[{"kty":"RSA""#,
    ] {
        running.idp.set_fault(Fault::Body(body.to_owned()));
        let response = http
            .get(running.idp.jwks_url(Flavor::Oidc))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let bytes = response.bytes().await.unwrap();
        assert_eq!(&bytes[..], body.as_bytes());
        assert!(KeySet::from_jwks_json(&bytes).is_err(), "{body}");
    }
}

#[tokio::test]
async fn slow_fault_delays_the_answer() {
    let (running, http) = start().await;
    running
        .idp
        .set_fault(Fault::Slow(Duration::from_millis(300)));
    let started = Instant::now();
    get_json(&http, &running.idp.jwks_url(Flavor::Auth0)).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn r04_hang_fault_never_answers() {
    let (running, _) = start().await;
    running.idp.set_fault(Fault::Hang);
    let impatient = client(Duration::from_millis(300));
    let err = impatient
        .get(running.idp.jwks_url(Flavor::EntraV2))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
}

#[tokio::test]
async fn dropping_the_idp_releases_hung_requests_and_refuses_connections() {
    let (running, http) = start().await;
    running.idp.set_fault(Fault::Hang);
    let url = running.idp.jwks_url(Flavor::Okta);
    let pending = tokio::spawn({
        let (http, url) = (http.clone(), url.clone());
        async move { http.get(url).send().await.map(|r| r.status()) }
    });
    // Drop only once the request is being held.
    for _ in 0..500 {
        if running.idp.jwks_hits_for(Flavor::Okta) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(running);
    let status = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.unwrap(), 503);
    // The listener closes as the server winds down.
    let fresh = client(Duration::from_millis(500));
    let mut refused = false;
    for _ in 0..50 {
        if fresh.get(&url).send().await.is_err_and(|e| e.is_connect()) {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        refused,
        "connections must be refused after the IdP is dropped"
    );
}

#[tokio::test]
async fn per_flavor_and_per_endpoint_faults_stay_in_their_scope() {
    let (running, http) = start().await;
    let idp = &running.idp;
    idp.set_fault_for(Flavor::Google, Fault::Status(500));
    idp.set_endpoint_fault(Some(Flavor::Okta), Endpoint::Jwks, Fault::Status(502));
    let status = |url: String| {
        let http = http.clone();
        async move { http.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status(idp.jwks_url(Flavor::Google)).await, 500);
    assert_eq!(status(idp.discovery_url(Flavor::Google)).await, 500);
    assert_eq!(status(idp.jwks_url(Flavor::Okta)).await, 502);
    assert_eq!(status(idp.discovery_url(Flavor::Okta)).await, 200);
    assert_eq!(status(idp.jwks_url(Flavor::Auth0)).await, 200);
    idp.clear_faults();
    assert_eq!(status(idp.jwks_url(Flavor::Google)).await, 200);
}

#[tokio::test]
async fn hit_counters_count_every_request_per_flavor() {
    let (running, http) = start().await;
    let idp = &running.idp;
    for _ in 0..3 {
        get_json(&http, &idp.jwks_url(Flavor::Okta)).await;
    }
    get_json(&http, &idp.jwks_url_for_tenant(Flavor::EntraV2, "common")).await;
    get_json(&http, &idp.discovery_url(Flavor::Okta)).await;
    get_json(&http, &idp.oauth_metadata_url(Flavor::Okta).unwrap()).await;
    idp.set_fault(Fault::Status(503));
    http.get(idp.jwks_url(Flavor::Okta)).send().await.unwrap();
    assert_eq!(
        idp.jwks_hits_for(Flavor::Okta),
        4,
        "faulted requests count too"
    );
    assert_eq!(idp.jwks_hits_for(Flavor::EntraV2), 1);
    assert_eq!(idp.jwks_hits(), 5);
    assert_eq!(idp.discovery_hits_for(Flavor::Okta), 2);
    assert_eq!(idp.discovery_hits(), 2);
}

#[tokio::test]
async fn r05_slow_body_sends_headers_then_trickles_the_document() {
    let (running, _) = start().await;
    let idp = &running.idp;
    idp.set_endpoint_fault(
        None,
        Endpoint::Jwks,
        Fault::SlowBody(Duration::from_millis(100)),
    );
    let impatient = client(Duration::from_secs(3));
    let response = impatient
        .get(idp.jwks_url(Flavor::Oidc))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.unwrap_err().is_timeout());
    idp.set_endpoint_fault(
        None,
        Endpoint::Jwks,
        Fault::SlowBody(Duration::from_micros(1)),
    );
    let bytes = client(Duration::from_secs(30))
        .get(idp.jwks_url(Flavor::Oidc))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(KeySet::from_jwks_json(&bytes).unwrap().keys().len(), 1);
}

#[tokio::test]
async fn r05_oversized_body_streams_exactly_that_many_bytes() {
    let (running, http) = start().await;
    running.idp.set_fault(Fault::Oversized(1_000_000));
    let response = http
        .get(running.idp.jwks_url(Flavor::Google))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers().get("content-length").is_none(),
        "streamed, so no length up front"
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(bytes.len(), 1_000_000);
    let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc, serde_json::json!({"keys": []}));
}
