//! JWKS documents parse with `authgate_core` and carry each provider's key members.

use crate::common::{get_json, start};
use authgate_core::KeySet;
use authgate_devidp::{DEV_TENANT, Flavor};
use std::time::Duration;

#[tokio::test]
async fn every_flavor_publishes_a_parseable_jwks() {
    let (running, http) = start().await;
    for flavor in Flavor::ALL {
        let bytes = http
            .get(running.idp.jwks_url(flavor))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let keys = KeySet::from_jwks_json(&bytes).unwrap();
        assert_eq!(keys.keys().len(), 1, "{flavor}");
        assert_eq!(keys.skipped(), 0, "{flavor}");
    }
}

#[tokio::test]
async fn entra_v2_keys_have_no_alg_mirror_kid_in_x5t_and_name_their_issuer() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let tenant = get_json(&http, &idp.jwks_url(Flavor::EntraV2)).await;
    let key = &tenant["keys"][0];
    assert!(key.get("alg").is_none());
    assert_eq!(key["use"], "sig");
    assert_eq!(key["x5t"], key["kid"]);
    assert_eq!(
        key["issuer"],
        format!("{}/entra/{DEV_TENANT}/v2.0", running.base_url())
    );
    let common = get_json(&http, &idp.jwks_url_for_tenant(Flavor::EntraV2, "common")).await;
    assert_eq!(
        common["keys"][0]["issuer"],
        format!("{}/entra/{{tenantid}}/v2.0", running.base_url())
    );
    let parsed = KeySet::from_jwks_json(common.to_string().as_bytes()).unwrap();
    assert_eq!(
        parsed.keys()[0].issuer.as_deref(),
        common["keys"][0]["issuer"].as_str()
    );
}

#[tokio::test]
async fn entra_v1_keys_have_no_issuer_member() {
    let (running, http) = start().await;
    let v1 = get_json(&http, &running.idp.jwks_url(Flavor::EntraV1)).await;
    let key = &v1["keys"][0];
    assert!(key.get("issuer").is_none());
    assert!(key.get("alg").is_none());
    assert_eq!(key["x5t"], key["kid"]);
}

#[tokio::test]
async fn google_okta_auth0_and_oidc_keys_carry_alg() {
    let (running, http) = start().await;
    for flavor in [Flavor::Google, Flavor::Okta, Flavor::Auth0, Flavor::Oidc] {
        let doc = get_json(&http, &running.idp.jwks_url(flavor)).await;
        let key = &doc["keys"][0];
        assert_eq!(key["alg"], "RS256", "{flavor}");
        assert_eq!(key["kty"], "RSA", "{flavor}");
        assert_eq!(key["kid"], running.idp.active_kid(), "{flavor}");
        assert!(key.get("d").is_none(), "{flavor}: private member published");
    }
}

#[tokio::test]
async fn cache_control_is_configurable() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let url = idp.jwks_url(Flavor::Google);
    let cache_control = |r: &reqwest::Response| {
        r.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let first = http.get(&url).send().await.unwrap();
    assert_eq!(
        cache_control(&first).as_deref(),
        Some("public, max-age=3600")
    );
    idp.set_cache_max_age(Duration::from_secs(19204));
    let second = http.get(&url).send().await.unwrap();
    assert_eq!(
        cache_control(&second).as_deref(),
        Some("public, max-age=19204")
    );
    idp.set_cache_control(None);
    let third = http
        .get(idp.discovery_url(Flavor::Google))
        .send()
        .await
        .unwrap();
    assert_eq!(cache_control(&third), None);
}
