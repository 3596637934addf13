//! `POST /_dev/mint` and `GET /`.

use crate::common::{get_json, key_set, start, verify};
use authgate_devidp::{DEV_TENANT, Flavor, SECOND_TENANT};
use serde_json::{Value, json};

#[tokio::test]
async fn mint_endpoint_returns_a_verifiable_token() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let body = json!({"flavor": "entra-v2", "scopes": "access_as_user read_data", "roles": ["Admin"],
        "tenant": SECOND_TENANT, "lifetime_secs": 600, "claims": {"xms_cc": ["cp1"]}});
    let response = http
        .post(format!("{}/_dev/mint", running.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let out: Value = response.json().await.unwrap();
    assert_eq!(out["token_type"], "Bearer");
    assert_eq!(out["expires_in"], 600);
    let token = out["access_token"].as_str().unwrap();
    let (_, c) = verify(token, &key_set(&http, idp, Flavor::EntraV2).await);
    assert_eq!(c["scp"], "access_as_user read_data");
    assert_eq!(c["tid"], SECOND_TENANT);
    assert_eq!(c["xms_cc"], json!(["cp1"]));
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 600);
}

#[tokio::test]
async fn mint_endpoint_refuses_bad_requests() {
    let (running, http) = start().await;
    let url = format!("{}/_dev/mint", running.base_url());
    for body in [
        json!({"flavor": "keycloak"}),
        json!({"flavor": "oidc", "alg": "none"}),
        json!({"flavor": "oidc", "bogus": 1}),
    ] {
        let response = http.post(&url).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let out: Value = response.json().await.unwrap();
        assert_eq!(out["error"], "invalid_request", "{body}");
    }
}

#[tokio::test]
async fn index_lists_every_flavor_with_its_issuer() {
    let (running, http) = start().await;
    let index = get_json(&http, &format!("{}/", running.base_url())).await;
    assert_eq!(index["dev_tenant"], DEV_TENANT);
    assert_eq!(index["entra_instance"], running.idp.entra_instance());
    let flavors = index["flavors"].as_array().unwrap();
    assert_eq!(flavors.len(), Flavor::ALL.len());
    for (entry, flavor) in flavors.iter().zip(Flavor::ALL) {
        assert_eq!(entry["flavor"], flavor.name());
        assert_eq!(entry["issuer"], running.idp.issuer(flavor));
        assert_eq!(entry["jwks_uri"], running.idp.jwks_url(flavor));
    }
}
