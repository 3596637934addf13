//! ID tokens (JWT-K01: what an API must tell apart from access tokens).

use crate::common::{key_set, start, verify};
use authgate_devidp::{DEV_TENANT, Flavor, MintRequest, TokenUse};
use serde_json::{Value, json};

#[tokio::test]
async fn jwt_k01_id_tokens_name_the_client_and_carry_the_nonce() {
    let (running, http) = start().await;
    let idp = &running.idp;
    for flavor in Flavor::ALL {
        let req = MintRequest::new(flavor)
            .scopes(["ignored"])
            .roles(["Ignored"])
            .id_token(Some("n-0S6_WzA2Mj"));
        let (header, c) = verify(&idp.mint(&req), &key_set(&http, idp, flavor).await);
        assert!(!header.typ_is("at+jwt"), "{flavor}");
        assert_eq!(c["aud"], flavor.client_id(), "{flavor}");
        assert_eq!(c["nonce"], "n-0S6_WzA2Mj", "{flavor}");
        assert_eq!(c["iss"], idp.issuer(flavor), "{flavor}");
        for absent in ["scp", "scope", "roles", "permissions", "client_id"] {
            assert!(!c.contains_key(absent), "{flavor}: {absent}");
        }
        for present in ["sub", "iat", "exp"] {
            assert!(c.contains_key(present), "{flavor}: {present}");
        }
    }
}

#[tokio::test]
async fn entra_and_okta_id_tokens_have_their_provider_shape() {
    let (running, _) = start().await;
    let idp = &running.idp;
    let claims = |req: MintRequest| -> serde_json::Map<String, Value> {
        authgate_core::Jws::parse(&idp.mint(&req))
            .unwrap()
            .claims()
            .as_map()
            .clone()
    };
    let entra = claims(MintRequest::new(Flavor::EntraV2).id_token(None));
    assert_eq!(entra["ver"], "2.0");
    assert_eq!(entra["tid"], DEV_TENANT);
    assert!(
        entra.contains_key("oid")
            && entra.contains_key("preferred_username")
            && entra.contains_key("sid")
    );
    assert!(!entra.contains_key("nonce"));
    let okta = claims(MintRequest::new(Flavor::Okta).id_token(None));
    assert_eq!(okta["ver"], 1);
    assert!(
        okta["sub"].as_str().unwrap().starts_with("00u"),
        "Okta ID tokens carry the user id"
    );
    assert!(okta["jti"].as_str().unwrap().starts_with("ID."));
    assert_eq!(okta["amr"], json!(["pwd"]));
}

#[tokio::test]
async fn mint_endpoint_mints_id_tokens() {
    let (running, http) = start().await;
    let body = json!({"flavor": "oidc", "id_token": true, "nonce": "abc"});
    let out: Value = http
        .post(format!("{}/_dev/mint", running.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = out["id_token"].as_str().unwrap();
    let claims = authgate_core::Jws::parse(token).unwrap().claims().clone();
    assert_eq!(claims.get_str("nonce"), Some("abc"));
    assert!(out.get("access_token").is_none());
    let mut req = MintRequest::new(Flavor::Google);
    req.token_use = TokenUse::Id {
        nonce: Some("g".into()),
    };
    let google = authgate_core::Jws::parse(&running.idp.mint(&req))
        .unwrap()
        .claims()
        .clone();
    assert_eq!(google.get_str("nonce"), Some("g"));
}

#[tokio::test]
async fn logout_tokens_have_the_back_channel_shape() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let token = idp.mint(&MintRequest::new(Flavor::Oidc).logout_token(Some("sid-1")));
    let (header, c) = verify(&token, &key_set(&http, idp, Flavor::Oidc).await);
    assert!(header.typ_is("logout+jwt"));
    assert_eq!(
        c["events"],
        json!({"http://schemas.openid.net/event/backchannel-logout": {}})
    );
    assert_eq!(c["sid"], "sid-1");
    assert_eq!(c["aud"], Flavor::Oidc.client_id());
    assert!(
        c.contains_key("jti")
            && c.contains_key("sub")
            && c.contains_key("iat")
            && c.contains_key("exp")
    );
    assert!(!c.contains_key("nonce"));
}
