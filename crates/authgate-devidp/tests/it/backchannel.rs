//! Back-channel logout (Back-Channel Logout 1.0): `sid` per login, delivery of logout tokens
//! on end-session and `POST /_dev/logout`, registration, and minted negative tokens.

use crate::common::{get_json, key_set, raw_header, start, verify};
use crate::flow::{VERIFIER, authorize, no_redirects, redeem};
use authgate_devidp::{DevIdp, Flavor, LogoutTokenSpec, MintRequest};
use axum::extract::State;
use axum::routing::post;
use axum::{Form, Router};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// A loopback RP that records the logout tokens POSTed to `/bc`.
struct Receiver {
    url: String,
    tokens: Arc<Mutex<Vec<String>>>,
}

impl Receiver {
    async fn start() -> Receiver {
        let tokens = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .route(
                "/bc",
                post(
                    |State(seen): State<Arc<Mutex<Vec<String>>>>,
                     Form(form): Form<HashMap<String, String>>| async move {
                        seen.lock().unwrap().push(form["logout_token"].clone());
                        "ok"
                    },
                ),
            )
            .with_state(Arc::clone(&tokens));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/bc", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, tokens }
    }

    fn received(&self) -> Vec<String> {
        self.tokens.lock().unwrap().clone()
    }
}

/// Signs in at `flavor` and returns the ID token's claims and the raw ID token.
async fn sign_in(
    idp: &DevIdp,
    flavor: Flavor,
    hint: &[(&str, &str)],
) -> (Map<String, Value>, String) {
    let answer = authorize(idp, flavor, hint).await;
    let (status, tokens) = redeem(idp, flavor, &answer["code"], VERIFIER).await;
    assert_eq!(status, 200, "{tokens}");
    let id_token = tokens["id_token"].as_str().unwrap().to_owned();
    let claims = authgate_core::Jws::parse(&id_token)
        .unwrap()
        .claims()
        .as_map()
        .clone();
    (claims, id_token)
}

#[tokio::test]
async fn every_login_gets_its_own_sid() {
    let (running, _) = start().await;
    let idp = &running.idp;
    let (first, _) = sign_in(idp, Flavor::Oidc, &[]).await;
    let (second, _) = sign_in(idp, Flavor::Oidc, &[]).await;
    let sid = first["sid"].as_str().unwrap();
    assert!(sid.len() >= 16);
    assert_ne!(first["sid"], second["sid"]);
}

#[tokio::test]
async fn end_session_with_id_token_hint_delivers_a_logout_token() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let rp = Receiver::start().await;
    assert!(idp.register_backchannel_logout(Flavor::Oidc.client_id(), &rp.url));
    let (id, id_token) = sign_in(idp, Flavor::Oidc, &[("login_hint", "alice")]).await;
    let doc = get_json(&http, &idp.discovery_url(Flavor::Oidc)).await;
    assert_eq!(doc["backchannel_logout_supported"], true);
    assert_eq!(doc["backchannel_logout_session_supported"], true);
    let response = no_redirects()
        .get(doc["end_session_endpoint"].as_str().unwrap())
        .query(&[
            ("id_token_hint", id_token.as_str()),
            ("post_logout_redirect_uri", "http://127.0.0.1:1/bye"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(idp.end_session_hits(Some(Flavor::Oidc)), 1);
    let received = rp.received();
    assert_eq!(received.len(), 1, "delivered before the redirect");
    let header = raw_header(&received[0]);
    assert_eq!(header["typ"], "logout+jwt");
    let (_, claims) = verify(&received[0], &key_set(&http, idp, Flavor::Oidc).await);
    assert_eq!(claims["iss"], idp.issuer(Flavor::Oidc));
    assert_eq!(claims["aud"], Flavor::Oidc.client_id());
    assert_eq!(claims["sid"], id["sid"]);
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["events"], json!({ EVENT: {} }));
    assert!(claims["jti"].is_string() && claims["iat"].is_i64() && claims["exp"].is_i64());
    assert!(!claims.contains_key("nonce"));
    let deliveries = idp.backchannel_deliveries();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].status, Some(200));
    assert_eq!(deliveries[0].uri, rp.url);
    assert!(
        !format!("{:?}", deliveries[0]).contains(&received[0]),
        "Debug hides the token"
    );
    // The session is over: a second end-session notifies nobody.
    let again = no_redirects()
        .get(doc["end_session_endpoint"].as_str().unwrap())
        .query(&[("id_token_hint", id_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(
        rp.received().len(),
        2,
        "unknown sid: every registered client hears it"
    );
}

#[tokio::test]
async fn a_hint_the_idp_did_not_sign_ends_nothing() {
    let (running, _) = start().await;
    let idp = &running.idp;
    let rp = Receiver::start().await;
    idp.register_backchannel_logout(Flavor::Okta.client_id(), &rp.url);
    sign_in(idp, Flavor::Okta, &[]).await;
    let unpublished = authgate_core::SigningKey::generate(authgate_core::Algorithm::RS256, "rogue");
    let forged = idp.mint_with_key(&MintRequest::new(Flavor::Okta).id_token(None), &unpublished);
    let url = format!("{}/v1/logout", idp.issuer(Flavor::Okta));
    let response = no_redirects()
        .get(url)
        .query(&[("id_token_hint", forged.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(rp.received().is_empty());
}

#[tokio::test]
async fn dev_logout_by_sub_or_sid_over_http() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let rp = Receiver::start().await;
    let registration = json!({ "client_id": "dev-client", "backchannel_logout_uri": rp.url });
    let created = http
        .post(format!("{}/_dev/clients", idp.base_url()))
        .json(&registration)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    sign_in(idp, Flavor::Oidc, &[("login_hint", "bob")]).await;
    sign_in(idp, Flavor::Oidc, &[("login_hint", "bob")]).await;
    let by_sub: Value = http
        .post(format!("{}/_dev/logout", idp.base_url()))
        .json(&json!({ "sub": "bob" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        by_sub["deliveries"].as_array().unwrap().len(),
        2,
        "two sessions"
    );
    assert_eq!(by_sub["deliveries"][0]["status"], 200);
    let by_sid = http
        .post(format!("{}/_dev/logout", idp.base_url()))
        .json(&json!({ "sid": "no-such-session" }))
        .send()
        .await
        .unwrap();
    assert_eq!(by_sid.status(), 200);
    let last = rp.received().pop().unwrap();
    let claims = authgate_core::Jws::parse(&last)
        .unwrap()
        .claims()
        .as_map()
        .clone();
    assert_eq!(claims["sid"], "no-such-session");
    assert!(!claims.contains_key("sub"), "sid-only token");
    for bad in [
        json!({}),
        json!({"sid": "a", "sub": "b"}),
        json!({"user": "x"}),
    ] {
        let response = http
            .post(format!("{}/_dev/logout", idp.base_url()))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{bad}");
    }
    let bad_registration = http
        .post(format!("{}/_dev/clients", idp.base_url()))
        .json(&json!({ "client_id": "x", "backchannel_logout_uri": "not a url" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_registration.status(), 400);
}

#[tokio::test]
async fn logout_user_reaches_only_the_clients_of_that_users_sessions() {
    let (running, _) = start().await;
    let idp = &running.idp;
    let okta_rp = Receiver::start().await;
    let auth0_rp = Receiver::start().await;
    idp.register_backchannel_logout(Flavor::Okta.client_id(), &okta_rp.url);
    idp.register_backchannel_logout(Flavor::Auth0.client_id(), &auth0_rp.url);
    sign_in(idp, Flavor::Okta, &[("login_hint", "alice")]).await;
    let deliveries = idp.logout_user("alice").await;
    assert_eq!(deliveries.len(), 1);
    assert_eq!(okta_rp.received().len(), 1);
    assert!(auth0_rp.received().is_empty());
    let unreachable = idp.register_backchannel_logout("dev-client", "http://127.0.0.1:1/down");
    assert!(unreachable);
    let (id, _) = sign_in(idp, Flavor::Oidc, &[]).await;
    let deliveries = idp.logout_session(id["sid"].as_str().unwrap()).await;
    assert_eq!(deliveries.len(), 1);
    assert_eq!(
        deliveries[0].status, None,
        "connection refused is reported, not fatal"
    );
    assert!(!idp.register_backchannel_logout("dev-client", "ftp://x/"));
}

#[tokio::test]
async fn mint_logout_token_drops_or_corrupts_any_member() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let keys = key_set(&http, idp, Flavor::Auth0).await;
    let good = idp.mint_logout_token(Flavor::Auth0, &LogoutTokenSpec::new().sid("s-1"));
    let (_, claims) = verify(&good, &keys);
    assert_eq!(raw_header(&good)["typ"], "logout+jwt");
    assert_eq!(claims["sid"], "s-1");
    assert_eq!(claims["aud"], Flavor::Auth0.client_id());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        120
    );
    let spec = LogoutTokenSpec::new()
        .without("jti")
        .without("sub")
        .claim("nonce", "n")
        .claim("events", json!([EVENT]))
        .header("typ", "JWT")
        .audience("someone-else");
    let bad = idp.mint_logout_token(Flavor::Auth0, &spec);
    let (_, claims) = verify(&bad, &keys);
    assert!(!claims.contains_key("jti") && !claims.contains_key("sub"));
    assert!(!claims.contains_key("sid"));
    assert_eq!(claims["nonce"], "n");
    assert!(claims["events"].is_array());
    assert_eq!(claims["aud"], "someone-else");
    assert_eq!(raw_header(&bad)["typ"], "JWT");
}
