//! Minted tokens verify against the served JWKS and carry each flavor's claim shape.

use crate::common::{key_set, raw_header, start, verify};
use authgate_core::{Algorithm, Clock, FixedClock, Jws, SigningKey, VerifyErrorKind};
use authgate_devidp::{
    AUTH0_AUDIENCE, AUTH0_CLIENT_ID, Auth0Dialect, DEV_TENANT, ENTRA_API_CLIENT_ID,
    ENTRA_CLIENT_APP_ID, ENTRA_V1_AUDIENCE, Flavor, GOOGLE_CLIENT_ID, MintRequest, OKTA_CLIENT_ID,
    SECOND_TENANT,
};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn every_flavor_token_verifies_against_its_own_jwks() {
    let (running, http) = start().await;
    let idp = &running.idp;
    for flavor in Flavor::ALL {
        let token = idp.mint(&MintRequest::new(flavor).scopes(["read"]));
        let (header, claims) = verify(&token, &key_set(&http, idp, flavor).await);
        assert_eq!(header.alg, Algorithm::RS256, "{flavor}");
        assert_eq!(claims["iss"], idp.issuer(flavor), "{flavor}");
        assert_eq!(claims["aud"], flavor.default_audience(), "{flavor}");
    }
}

#[tokio::test]
async fn times_come_from_the_injected_clock() {
    let (running, _) = start().await;
    let clock = FixedClock::at_system_now();
    clock.rewind(Duration::from_secs(7200));
    running.idp.set_clock(Arc::new(clock.clone()));
    let token = running
        .idp
        .mint(&MintRequest::new(Flavor::EntraV2).lifetime(Duration::from_secs(600)));
    let claims = Jws::parse(&token).unwrap().claims().clone();
    let now = clock.now().0;
    assert_eq!(claims.get("iat"), Some(&json!(now)));
    assert_eq!(claims.get("nbf"), Some(&json!(now)));
    assert_eq!(claims.get("exp"), Some(&json!(now + 600)));
}

#[tokio::test]
async fn entra_v2_delegated_token_has_the_v2_shape() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let req = MintRequest::new(Flavor::EntraV2)
        .scopes(["access_as_user", "Orders.Read"])
        .roles(["Admin"]);
    let token = idp.mint(&req);
    let (header, c) = verify(&token, &key_set(&http, idp, Flavor::EntraV2).await);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    assert_eq!(header.kid.as_deref(), Some(idp.active_kid().as_str()));
    assert_eq!(c["ver"], "2.0");
    assert_eq!(c["aud"], ENTRA_API_CLIENT_ID);
    assert_eq!(c["azp"], ENTRA_CLIENT_APP_ID);
    assert_eq!(c["azpacr"], "0");
    assert_eq!(c["scp"], "access_as_user Orders.Read");
    assert_eq!(c["roles"], json!(["Admin"]));
    assert_eq!(c["tid"], DEV_TENANT);
    for claim in [
        "oid",
        "sub",
        "name",
        "preferred_username",
        "uti",
        "rh",
        "aio",
        "nbf",
    ] {
        assert!(c.contains_key(claim), "missing {claim}");
    }
    for absent in ["appid", "upn", "unique_name", "idtyp"] {
        assert!(!c.contains_key(absent), "unexpected {absent}");
    }
}

#[tokio::test]
async fn entra_v1_delegated_token_has_the_v1_shape_and_x5t_header() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let token = idp.mint(&MintRequest::new(Flavor::EntraV1).scopes(["user_impersonation"]));
    let (header, c) = verify(&token, &key_set(&http, idp, Flavor::EntraV1).await);
    assert_eq!(header.x5t, header.kid);
    assert_eq!(c["ver"], "1.0");
    assert_eq!(c["aud"], ENTRA_V1_AUDIENCE);
    assert_eq!(
        c["iss"],
        format!("{}/sts/{DEV_TENANT}/", running.base_url())
    );
    assert_eq!(c["appid"], ENTRA_CLIENT_APP_ID);
    assert_eq!(c["appidacr"], "0");
    assert_eq!(c["scp"], "user_impersonation");
    assert_eq!(c["upn"], c["unique_name"]);
    assert!(!c.contains_key("azp"));
}

#[tokio::test]
async fn entra_app_only_tokens_have_roles_no_scp_and_sub_equal_to_oid() {
    let (running, http) = start().await;
    let idp = &running.idp;
    for flavor in [Flavor::EntraV1, Flavor::EntraV2] {
        let req = MintRequest::new(flavor)
            .app_only()
            .roles(["Orders.Read.All"])
            .scopes(["ignored"]);
        let (_, c) = verify(&idp.mint(&req), &key_set(&http, idp, flavor).await);
        assert_eq!(c["idtyp"], "app", "{flavor}");
        assert_eq!(c["roles"], json!(["Orders.Read.All"]), "{flavor}");
        assert_eq!(c["sub"], c["oid"], "{flavor}");
        assert!(!c.contains_key("scp"), "{flavor}");
        assert!(
            !c.contains_key("name") && !c.contains_key("upn"),
            "{flavor}"
        );
    }
}

#[tokio::test]
async fn entra_second_tenant_token_matches_the_common_key_issuer_template() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let token = idp.mint(
        &MintRequest::new(Flavor::EntraV2)
            .tenant(SECOND_TENANT)
            .scopes(["access_as_user"]),
    );
    let url = idp.jwks_url_for_tenant(Flavor::EntraV2, "common");
    let bytes = http.get(url).send().await.unwrap().bytes().await.unwrap();
    let keys = authgate_core::KeySet::from_jwks_json(&bytes).unwrap();
    let (header, c) = verify(&token, &keys);
    assert_eq!(c["tid"], SECOND_TENANT);
    assert_eq!(
        c["iss"],
        idp.issuer_for_tenant(Flavor::EntraV2, SECOND_TENANT)
    );
    let key = keys.candidates(&header).unwrap()[0];
    let template = key.issuer.as_deref().unwrap();
    assert_eq!(
        template.replace("{tenantid}", SECOND_TENANT),
        c["iss"].as_str().unwrap()
    );
}

#[tokio::test]
async fn google_id_token_has_the_google_shape() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let token = idp.mint(&MintRequest::new(Flavor::Google).claim("hd", "example.com"));
    let (header, c) = verify(&token, &key_set(&http, idp, Flavor::Google).await);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    assert_eq!(c["aud"], GOOGLE_CLIENT_ID);
    assert_eq!(c["azp"], GOOGLE_CLIENT_ID);
    assert_eq!(c["email_verified"], true);
    assert_eq!(c["hd"], "example.com");
    for claim in ["sub", "email", "at_hash", "iat", "exp"] {
        assert!(c.contains_key(claim), "missing {claim}");
    }
    let legacy = idp.mint(&MintRequest::new(Flavor::Google).claim("iss", "accounts.google.com"));
    assert_eq!(
        verify(&legacy, &key_set(&http, idp, Flavor::Google).await).1["iss"],
        "accounts.google.com"
    );
}

#[tokio::test]
async fn okta_tokens_have_integer_ver_scp_array_and_no_typ() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let keys = key_set(&http, idp, Flavor::Okta).await;
    let (header, user) = verify(
        &idp.mint(&MintRequest::new(Flavor::Okta).scopes(["openid", "orders.read"])),
        &keys,
    );
    assert_eq!(header.typ, None);
    assert_eq!(user["ver"], 1);
    assert_eq!(user["scp"], json!(["openid", "orders.read"]));
    assert_eq!(user["aud"], "api://default");
    assert_eq!(user["cid"], OKTA_CLIENT_ID);
    assert!(user["jti"].as_str().unwrap().starts_with("AT."));
    assert!(
        user["sub"].as_str().unwrap().contains('@'),
        "user tokens carry the login in sub"
    );
    assert!(user.contains_key("uid"));
    let (_, app) = verify(
        &idp.mint(
            &MintRequest::new(Flavor::Okta)
                .app_only()
                .scopes(["orders.read"]),
        ),
        &keys,
    );
    assert_eq!(app["sub"], OKTA_CLIENT_ID);
    assert!(!app.contains_key("uid"));
}

#[tokio::test]
async fn auth0_defaults_to_the_rfc9068_dialect() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let token = idp.mint(
        &MintRequest::new(Flavor::Auth0)
            .scopes(["read:orders"])
            .roles(["read:orders"]),
    );
    let (header, c) = verify(&token, &key_set(&http, idp, Flavor::Auth0).await);
    assert!(header.typ_is("at+jwt"));
    assert_eq!(c["iss"], format!("{}/auth0/", running.base_url()));
    assert_eq!(c["aud"], AUTH0_AUDIENCE);
    assert_eq!(c["client_id"], AUTH0_CLIENT_ID);
    assert_eq!(c["scope"], "read:orders");
    assert_eq!(c["permissions"], json!(["read:orders"]));
    assert!(c.contains_key("jti"));
    assert!(!c.contains_key("azp") && !c.contains_key("gty"));
}

#[tokio::test]
async fn auth0_openid_scope_makes_aud_an_array_with_userinfo() {
    let (running, _) = start().await;
    let token = running
        .idp
        .mint(&MintRequest::new(Flavor::Auth0).scopes(["openid", "profile"]));
    let aud = Jws::parse(&token)
        .unwrap()
        .claims()
        .get("aud")
        .cloned()
        .unwrap();
    assert_eq!(
        aud,
        json!([
            AUTH0_AUDIENCE,
            format!("{}/auth0/userinfo", running.base_url())
        ])
    );
}

#[tokio::test]
async fn auth0_profile_dialect_app_only_token_has_gty_and_clients_subject() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let mut req = MintRequest::new(Flavor::Auth0).app_only();
    req.auth0_dialect = Auth0Dialect::Auth0;
    let (header, c) = verify(&idp.mint(&req), &key_set(&http, idp, Flavor::Auth0).await);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    assert_eq!(c["gty"], "client-credentials");
    assert_eq!(c["azp"], AUTH0_CLIENT_ID);
    assert_eq!(c["sub"], format!("{AUTH0_CLIENT_ID}@clients"));
    assert!(!c.contains_key("scope") && !c.contains_key("jti"));
}

#[tokio::test]
async fn oidc_token_follows_rfc9068() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let (header, c) = verify(
        &idp.mint(&MintRequest::new(Flavor::Oidc).scopes(["read_data"])),
        &key_set(&http, idp, Flavor::Oidc).await,
    );
    assert!(header.typ_is("at+jwt"));
    for claim in ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"] {
        assert!(c.contains_key(claim), "RFC 9068 §2.2 requires {claim}");
    }
    assert_eq!(c["scope"], "read_data");
}

#[tokio::test]
async fn oidc_can_sign_with_es256_and_eddsa_keys_published_on_first_use() {
    let (running, http) = start().await;
    let idp = &running.idp;
    for alg in [Algorithm::ES256, Algorithm::EdDSA] {
        let token = idp.mint(&MintRequest::new(Flavor::Oidc).alg(alg));
        let (header, _) = verify(&token, &key_set(&http, idp, Flavor::Oidc).await);
        assert_eq!(header.alg, alg);
    }
    assert_eq!(key_set(&http, idp, Flavor::Oidc).await.keys().len(), 3);
    // The RSA key still signs RS256 tokens.
    let rs = idp.mint(&MintRequest::new(Flavor::Oidc));
    assert_eq!(
        Jws::parse(&rs).unwrap().header().kid.as_deref(),
        Some(idp.active_kid().as_str())
    );
}

#[tokio::test]
async fn extra_claims_and_header_override_and_null_removes() {
    let (running, _) = start().await;
    let req = MintRequest::new(Flavor::Oidc)
        .claim("sub", "someone-else")
        .claim("jti", Value::Null)
        .header("typ", "JWT");
    let token = running.idp.mint(&req);
    let jws = Jws::parse(&token).unwrap();
    assert_eq!(jws.claims().get_str("sub"), Some("someone-else"));
    assert!(!jws.claims().contains("jti"));
    assert_eq!(jws.header().typ.as_deref(), Some("JWT"));
}

#[tokio::test]
async fn mint_with_key_signs_with_an_unpublished_key() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let stranger = SigningKey::generate(Algorithm::RS256, "not-published");
    let token = idp.mint_with_key(&MintRequest::new(Flavor::Okta), &stranger);
    let jws = Jws::parse(&token).unwrap();
    let keys = key_set(&http, idp, Flavor::Okta).await;
    let err = keys.candidates(jws.header()).unwrap_err();
    assert_eq!(err.kind(), VerifyErrorKind::UnknownKey);
}

#[tokio::test]
async fn sign_raw_gives_hostile_tests_the_whole_header() {
    let (running, _) = start().await;
    let header = json!({"kid": null, "jku": "http://evil.example/jwks", "typ": "JWT"});
    let token = running
        .idp
        .sign_raw(header.as_object().unwrap(), &json!({"sub": "x"}));
    let raw = raw_header(&token);
    assert_eq!(raw.get("alg"), Some(&json!("RS256")));
    assert!(!raw.contains_key("kid"));
    assert_eq!(raw.get("jku"), Some(&json!("http://evil.example/jwks")));
    let duplicate = running
        .idp
        .sign_segments(br#"{"alg":"RS256"}"#, br#"{"sub":"a","sub":"b"}"#);
    assert!(
        Jws::parse(&duplicate).is_err(),
        "duplicate claim names must be refused by the parser"
    );
}

#[tokio::test]
async fn legacy_entra_v1_token_names_its_key_by_x5t_only() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let req = MintRequest::new(Flavor::EntraV1)
        .app_only()
        .header("kid", Value::Null);
    let token = idp.mint(&req);
    let (header, _) = verify(&token, &key_set(&http, idp, Flavor::EntraV1).await);
    assert_eq!(header.kid, None);
    assert_eq!(header.x5t.as_deref(), Some(idp.active_kid().as_str()));
}
