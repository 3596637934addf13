//! RFC 7009 revocation, per-grant-type token hit counters, and the ID-token faults (BCP-11,
//! BCP-46).

use crate::common::{get_json, start};
use crate::flow::{VERIFIER, authorize, no_redirects, redeem, token};
use authgate_core::Jws;
use authgate_devidp::{DEV_CLIENT_SECRET, DevIdp, Endpoint, Fault, Flavor};
use serde_json::{Map, Value};

/// Signs in and returns the token response.
async fn tokens(idp: &DevIdp, flavor: Flavor) -> Value {
    let answer = authorize(idp, flavor, &[]).await;
    let (status, tokens) = redeem(idp, flavor, &answer["code"], VERIFIER).await;
    assert_eq!(status, 200, "{flavor}: {tokens}");
    tokens
}

async fn refresh(idp: &DevIdp, flavor: Flavor, refresh_token: &str) -> (u16, Value) {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", flavor.client_id()),
    ];
    token(idp, flavor, &form).await
}

async fn revoke(endpoint: &str, client_id: &str, form: &[(&str, &str)]) -> (u16, String) {
    let response = no_redirects()
        .post(endpoint)
        .basic_auth(client_id, Some(DEV_CLIENT_SECRET))
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn id_claims(tokens: &Value) -> Map<String, Value> {
    let jws = Jws::parse(tokens["id_token"].as_str().unwrap()).unwrap();
    jws.claims().as_map().clone()
}

#[tokio::test]
async fn revoking_a_refresh_token_makes_the_next_refresh_fail_with_invalid_grant() {
    let (running, http) = start().await;
    let idp = &running.idp;
    for flavor in [Flavor::Google, Flavor::Okta, Flavor::Auth0, Flavor::Oidc] {
        let doc = get_json(&http, &idp.discovery_url(flavor)).await;
        let endpoint = doc["revocation_endpoint"].as_str().unwrap();
        let issued = tokens(idp, flavor).await;
        let refresh_token = issued["refresh_token"].as_str().unwrap();
        let form = [
            ("token", refresh_token),
            ("token_type_hint", "refresh_token"),
        ];
        assert_eq!(
            revoke(endpoint, flavor.client_id(), &form).await.0,
            200,
            "{flavor}"
        );
        let (status, error) = refresh(idp, flavor, refresh_token).await;
        assert_eq!(
            (status, error["error"].as_str()),
            (400, Some("invalid_grant")),
            "{flavor}"
        );
        assert_eq!(idp.revocation_hits(Some(flavor)), 1, "{flavor}");
    }
    assert_eq!(idp.revocation_hits(None), 4);
}

#[tokio::test]
async fn revocation_follows_rfc_7009_for_unknown_foreign_and_missing_tokens() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let endpoint = format!("{}/revoke", idp.issuer(Flavor::Oidc));
    let (status, _) = revoke(&endpoint, "dev-client", &[("token", "never-issued")]).await;
    assert_eq!(status, 200, "§2.2: unknown tokens are not an error");
    let (status, body) = revoke(&endpoint, "dev-client", &[]).await;
    assert_eq!(status, 400);
    assert!(body.contains("invalid_request"));
    let (status, body) = revoke(
        &endpoint,
        "dev-client",
        &[("token", "t"), ("token_type_hint", "id_token")],
    )
    .await;
    assert_eq!(
        (status, body.contains("unsupported_token_type")),
        (400, true)
    );
    let issued = tokens(idp, Flavor::Oidc).await;
    let refresh_token = issued["refresh_token"].as_str().unwrap();
    let (status, body) = revoke(&endpoint, "other-client", &[("token", refresh_token)]).await;
    assert_eq!((status, body.contains("unauthorized_client")), (400, true));
    assert_eq!(
        refresh(idp, Flavor::Oidc, refresh_token).await.0,
        200,
        "still live"
    );
    let wrong_secret = no_redirects()
        .post(&endpoint)
        .basic_auth("dev-client", Some("wrong"))
        .form(&[("token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_secret.status(), 401);
    // Revoking the access token closes userinfo.
    let issued = tokens(idp, Flavor::Oidc).await;
    let access = issued["access_token"].as_str().unwrap();
    assert_eq!(
        revoke(&endpoint, "dev-client", &[("token", access)])
            .await
            .0,
        200
    );
    let userinfo = http
        .get(format!("{}/userinfo", idp.issuer(Flavor::Oidc)))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 401);
}

#[tokio::test]
async fn revocation_faults_are_injectable() {
    let (running, _) = start().await;
    let idp = &running.idp;
    idp.set_endpoint_fault(None, Endpoint::Revocation, Fault::Status(503));
    let endpoint = format!("{}/revoke", idp.issuer(Flavor::Oidc));
    assert_eq!(
        revoke(&endpoint, "dev-client", &[("token", "x")]).await.0,
        503
    );
    assert_eq!(idp.revocation_hits(Some(Flavor::Oidc)), 1);
}

#[tokio::test]
async fn token_hits_count_per_grant_type() {
    let (running, _) = start().await;
    let idp = &running.idp;
    let issued = tokens(idp, Flavor::Okta).await;
    refresh(idp, Flavor::Okta, issued["refresh_token"].as_str().unwrap()).await;
    refresh(idp, Flavor::Okta, "spent-or-unknown").await;
    assert_eq!(
        idp.token_grant_hits(Some(Flavor::Okta), "authorization_code"),
        1
    );
    assert_eq!(idp.token_grant_hits(Some(Flavor::Okta), "refresh_token"), 2);
    assert_eq!(idp.token_grant_hits(None, "refresh_token"), 2);
    assert_eq!(idp.token_grant_hits(Some(Flavor::Oidc), "refresh_token"), 0);
    assert_eq!(idp.token_hits_for(Flavor::Okta), 3);
}

#[tokio::test]
async fn bcp11_nonce_fault_issues_an_id_token_with_the_wrong_nonce() {
    let (running, _) = start().await;
    let idp = &running.idp;
    let evil = Fault::IdTokenNonce("evil".into());
    idp.set_endpoint_fault(Some(Flavor::Oidc), Endpoint::Token, evil);
    let issued = tokens(idp, Flavor::Oidc).await;
    let id = id_claims(&issued);
    assert_eq!(id["nonce"], "evil");
    assert_eq!(
        id["aud"],
        Flavor::Oidc.client_id(),
        "only the nonce changes"
    );
    assert!(issued["access_token"].is_string());
    idp.clear_faults();
    assert_eq!(
        id_claims(&tokens(idp, Flavor::Oidc).await)["nonce"],
        "nonce-1"
    );
}

#[tokio::test]
async fn audience_azp_and_claim_faults_alter_only_the_id_token() {
    let (running, _) = start().await;
    let idp = &running.idp;
    let cases = [
        (
            Fault::IdTokenAudience("other-client".into()),
            "aud",
            Some("other-client"),
        ),
        (
            Fault::IdTokenAzp("other-client".into()),
            "azp",
            Some("other-client"),
        ),
        (
            Fault::IdTokenClaim {
                name: "sub".into(),
                value: Some("someone-else".into()),
            },
            "sub",
            Some("someone-else"),
        ),
        (
            Fault::IdTokenClaim {
                name: "nonce".into(),
                value: None,
            },
            "nonce",
            None,
        ),
    ];
    for (fault, claim, expected) in cases {
        idp.set_endpoint_fault(Some(Flavor::Auth0), Endpoint::Token, fault);
        let id = id_claims(&tokens(idp, Flavor::Auth0).await);
        assert_eq!(id.get(claim).and_then(Value::as_str), expected, "{claim}");
    }
    // A fault set after sign-in alters the refreshed ID token (BCP-46).
    idp.clear_faults();
    let issued = tokens(idp, Flavor::Auth0).await;
    let changed = Fault::IdTokenClaim {
        name: "sub".into(),
        value: Some("mallory".into()),
    };
    idp.set_endpoint_fault(Some(Flavor::Auth0), Endpoint::Token, changed);
    let (_, renewed) = refresh(
        idp,
        Flavor::Auth0,
        issued["refresh_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(id_claims(&renewed)["sub"], "mallory");
}
