//! Shared helpers: start an IdP, fetch JSON, verify tokens with `authgate_core`.

use authgate_core::{Header, Jws, KeySet};
use authgate_devidp::{DevIdp, Flavor, RunningIdp};
use serde_json::{Map, Value};
use std::time::Duration;

/// A running IdP and an HTTP client that does not use proxies.
pub(crate) async fn start() -> (RunningIdp, reqwest::Client) {
    (
        DevIdp::start_loopback().await.unwrap(),
        client(Duration::from_secs(10)),
    )
}

/// An HTTP client with a total timeout, never going through a proxy.
pub(crate) fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .build()
        .unwrap()
}

/// GETs `url`, asserts 200 and returns the JSON body.
pub(crate) async fn get_json(http: &reqwest::Client, url: &str) -> Value {
    let response = http.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {url}");
    response.json().await.unwrap()
}

/// The key set served at `flavor`'s JWKS URL.
pub(crate) async fn key_set(http: &reqwest::Client, idp: &DevIdp, flavor: Flavor) -> KeySet {
    let bytes = http
        .get(idp.jwks_url(flavor))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    KeySet::from_jwks_json(&bytes).unwrap()
}

/// Parses `token`, checks its signature against `keys`, returns header and claims.
pub(crate) fn verify(token: &str, keys: &KeySet) -> (Header, Map<String, Value>) {
    let jws = Jws::parse(token).unwrap();
    let header = jws.header().clone();
    let candidates = keys.candidates(&header).unwrap();
    let verified = candidates.iter().any(|k| {
        k.key
            .verify(header.alg, jws.signing_input().as_bytes(), jws.signature())
            .is_ok()
    });
    assert!(verified, "no published key verifies the token");
    (header, jws.claims().as_map().clone())
}

/// The decoded header of `token` as raw JSON (to see members `Header` does not model).
pub(crate) fn raw_header(token: &str) -> Map<String, Value> {
    use base64::Engine as _;
    let segment = token.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}
