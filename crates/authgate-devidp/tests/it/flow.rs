//! The authorization code flow with PKCE, refresh rotation and client credentials, driven
//! through the endpoints each discovery document advertises.

use crate::common::{get_json, key_set, start, verify};
use authgate_devidp::{DEV_CLIENT_SECRET, DevIdp, Endpoint, Fault, Flavor};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use std::collections::HashMap;

pub(crate) const REDIRECT: &str = "http://127.0.0.1:1/callback";
pub(crate) const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

pub(crate) fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub(crate) fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        verifier.as_bytes(),
    ))
}

/// GETs the authorization endpoint and returns the redirect's query parameters.
pub(crate) async fn authorize(
    idp: &DevIdp,
    flavor: Flavor,
    extra: &[(&str, &str)],
) -> HashMap<String, String> {
    let http = no_redirects();
    let doc = get_json(&http, &idp.discovery_url(flavor)).await;
    let challenge = challenge(VERIFIER);
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", flavor.client_id()),
        ("redirect_uri", REDIRECT),
        ("scope", "openid offline_access orders.read"),
        ("state", "st-1"),
        ("nonce", "nonce-1"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    query.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    query.extend_from_slice(extra);
    let endpoint = doc["authorization_endpoint"].as_str().unwrap();
    let response = http.get(endpoint).query(&query).send().await.unwrap();
    assert_eq!(response.status(), 302, "{flavor}");
    let location = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    assert!(location.as_str().starts_with(REDIRECT), "{flavor}");
    location.query_pairs().into_owned().collect()
}

/// POSTs `form` to the token endpoint.
pub(crate) async fn token(idp: &DevIdp, flavor: Flavor, form: &[(&str, &str)]) -> (u16, Value) {
    let http = no_redirects();
    let doc = get_json(&http, &idp.discovery_url(flavor)).await;
    let response = http
        .post(doc["token_endpoint"].as_str().unwrap())
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
    (response.status().as_u16(), response.json().await.unwrap())
}

pub(crate) async fn redeem(
    idp: &DevIdp,
    flavor: Flavor,
    code: &str,
    verifier: &str,
) -> (u16, Value) {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("client_id", flavor.client_id()),
        ("code_verifier", verifier),
    ];
    token(idp, flavor, &form).await
}

#[tokio::test]
async fn every_flavor_runs_the_code_flow_with_pkce_and_refresh_rotation() {
    let (running, http) = start().await;
    let idp = &running.idp;
    for flavor in Flavor::ALL {
        let answer = authorize(idp, flavor, &[]).await;
        assert_eq!(answer["state"], "st-1", "{flavor}");
        // RFC 9207: only the provider that advertises it adds `iss`.
        assert_eq!(
            answer.get("iss").cloned(),
            (flavor == Flavor::Oidc).then(|| idp.issuer(flavor))
        );
        let (status, tokens) = redeem(idp, flavor, &answer["code"], VERIFIER).await;
        assert_eq!(status, 200, "{flavor}: {tokens}");
        let keys = key_set(&http, idp, flavor).await;
        let (_, id) = verify(tokens["id_token"].as_str().unwrap(), &keys);
        assert_eq!(id["nonce"], "nonce-1", "{flavor}");
        assert_eq!(id["aud"], flavor.client_id(), "{flavor}");
        let access = tokens["access_token"].as_str().unwrap();
        if flavor == Flavor::Google {
            assert!(
                access.starts_with("ya29."),
                "Google access tokens are opaque"
            );
        } else {
            assert_eq!(
                verify(access, &keys).1["iss"],
                idp.issuer(flavor),
                "{flavor}"
            );
        }
        let (reused, error) = redeem(idp, flavor, &answer["code"], VERIFIER).await;
        assert_eq!(
            (reused, error["error"].as_str()),
            (400, Some("invalid_grant")),
            "{flavor}: code reuse"
        );
        let refresh = tokens["refresh_token"].as_str().unwrap();
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", flavor.client_id()),
        ];
        let (status, renewed) = token(idp, flavor, &form).await;
        assert_eq!(status, 200, "{flavor}");
        assert_ne!(
            renewed["refresh_token"], tokens["refresh_token"],
            "{flavor}: rotated"
        );
        let (replayed, _) = token(idp, flavor, &form).await;
        assert_eq!(replayed, 400, "{flavor}: a spent refresh token is refused");
    }
}

#[tokio::test]
async fn entra_flow_strips_oidc_scopes_from_scp_and_names_the_tenant() {
    let (running, _) = start().await;
    let idp = &running.idp;
    let answer = authorize(
        idp,
        Flavor::EntraV2,
        &[("scope", "openid access_as_user"), ("login_hint", "alice")],
    )
    .await;
    let (_, tokens) = redeem(idp, Flavor::EntraV2, &answer["code"], VERIFIER).await;
    let access = authgate_core::Jws::parse(tokens["access_token"].as_str().unwrap())
        .unwrap()
        .claims()
        .clone();
    assert_eq!(access.get_str("scp"), Some("access_as_user"));
    assert_eq!(access.get_str("sub"), Some("alice"));
    assert_eq!(access.get_str("tid"), Some(authgate_devidp::DEV_TENANT));
    assert!(
        tokens.get("refresh_token").is_none(),
        "no offline_access, no refresh token"
    );
}

#[tokio::test]
async fn a_wrong_verifier_or_a_missing_one_is_refused() {
    let (running, _) = start().await;
    let idp = &running.idp;
    let answer = authorize(idp, Flavor::Oidc, &[]).await;
    let (status, error) = redeem(
        idp,
        Flavor::Oidc,
        &answer["code"],
        "wrong-verifier-wrong-verifier-wrong-verifier",
    )
    .await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let answer = authorize(idp, Flavor::Oidc, &[]).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &answer["code"]),
        ("redirect_uri", REDIRECT),
        ("client_id", "dev-client"),
    ];
    assert_eq!(token(idp, Flavor::Oidc, &form).await.0, 400);
}

#[tokio::test]
async fn a_public_client_without_pkce_is_refused_and_a_confidential_one_accepted() {
    let (running, _) = start().await;
    let idp = &running.idp;
    let answer = authorize_without_pkce(idp).await;
    let base = [
        ("grant_type", "authorization_code"),
        ("code", answer.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", "dev-client"),
    ];
    let (status, error) = token(idp, Flavor::Oidc, &base).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let answer = authorize_without_pkce(idp).await;
    let mut form = base.to_vec();
    form[1].1 = answer.as_str();
    form.push(("client_secret", DEV_CLIENT_SECRET));
    assert_eq!(token(idp, Flavor::Oidc, &form).await.0, 200);
}

async fn authorize_without_pkce(idp: &DevIdp) -> String {
    let http = no_redirects();
    let query = [
        ("response_type", "code"),
        ("client_id", "dev-client"),
        ("redirect_uri", REDIRECT),
        ("scope", "openid"),
    ];
    let response = http
        .get(format!("{}/authorize", idp.issuer(Flavor::Oidc)))
        .query(&query)
        .send()
        .await
        .unwrap();
    let location = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned()
}

#[tokio::test]
async fn authorization_errors_redirect_only_to_a_valid_redirect_uri() {
    let (running, _) = start().await;
    let idp = &running.idp;
    let unsupported = authorize(idp, Flavor::Auth0, &[("response_type", "token")]).await;
    assert_eq!(unsupported["error"], "unsupported_response_type");
    assert_eq!(unsupported["state"], "st-1");
    let plain = authorize(idp, Flavor::Auth0, &[("code_challenge_method", "plain")]).await;
    assert_eq!(plain["error"], "invalid_request");
    let http = no_redirects();
    for bad in [
        "javascript:alert(1)",
        "/relative",
        "http://127.0.0.1:1/cb#frag",
    ] {
        let query = [
            ("response_type", "code"),
            ("client_id", "dev-client"),
            ("redirect_uri", bad),
        ];
        let response = http
            .get(format!("{}/authorize", idp.issuer(Flavor::Oidc)))
            .query(&query)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{bad}");
    }
}

#[tokio::test]
async fn client_credentials_needs_the_client_secret() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let url = format!("{}/v1/token", idp.issuer(Flavor::Okta));
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", "orders.read"),
    ];
    let response = no_redirects()
        .post(&url)
        .basic_auth(Flavor::Okta.client_id(), Some(DEV_CLIENT_SECRET))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let (_, claims) = verify(
        body["access_token"].as_str().unwrap(),
        &key_set(&http, idp, Flavor::Okta).await,
    );
    assert_eq!(claims["sub"], claims["cid"]);
    assert!(!claims.contains_key("uid"));
    let wrong = no_redirects()
        .post(&url)
        .basic_auth("x", Some("wrong"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().contains_key("www-authenticate"));
    let both = [
        ("grant_type", "client_credentials"),
        ("client_secret", DEV_CLIENT_SECRET),
    ];
    let twice = no_redirects()
        .post(&url)
        .basic_auth("x", Some(DEV_CLIENT_SECRET))
        .form(&both)
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), 400, "two client authentication methods");
}

#[tokio::test]
async fn token_endpoint_faults_are_separate_from_metadata_faults() {
    let (running, _) = start().await;
    let idp = &running.idp;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "dev-client"),
        ("client_secret", DEV_CLIENT_SECRET),
    ];
    idp.set_fault(Fault::Status(503));
    let http = no_redirects();
    let url = format!("{}/token", idp.issuer(Flavor::Oidc));
    assert_eq!(
        http.post(&url).form(&form).send().await.unwrap().status(),
        200
    );
    idp.set_endpoint_fault(Some(Flavor::Oidc), Endpoint::Token, Fault::Status(502));
    assert_eq!(
        http.post(&url).form(&form).send().await.unwrap().status(),
        502
    );
    assert_eq!(idp.token_hits_for(Flavor::Oidc), 2);
}

#[tokio::test]
async fn userinfo_answers_for_issued_access_tokens_with_the_id_token_subject() {
    let (running, http) = start().await;
    let idp = &running.idp;
    for flavor in Flavor::ALL {
        let answer = authorize(idp, flavor, &[]).await;
        let (_, tokens) = redeem(idp, flavor, &answer["code"], VERIFIER).await;
        let id = authgate_core::Jws::parse(tokens["id_token"].as_str().unwrap())
            .unwrap()
            .claims()
            .clone();
        let discovery = get_json(&http, &idp.discovery_url(flavor)).await;
        let endpoint = discovery["userinfo_endpoint"].as_str().unwrap();
        let access = tokens["access_token"].as_str().unwrap();
        let info: Value = http
            .get(endpoint)
            .bearer_auth(access)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(info["sub"].as_str(), id.get_str("sub"), "{flavor}");
        let bare = http.get(endpoint).send().await.unwrap();
        assert_eq!(bare.status(), 401, "{flavor}");
        assert_eq!(bare.headers()["www-authenticate"], "Bearer", "{flavor}");
        let bad = http
            .get(endpoint)
            .bearer_auth("forged")
            .send()
            .await
            .unwrap();
        assert_eq!(
            bad.headers()["www-authenticate"],
            "Bearer error=\"invalid_token\"",
            "{flavor}"
        );
    }
}

#[tokio::test]
async fn r18_userinfo_faults_are_injectable() {
    let (running, http) = start().await;
    let idp = &running.idp;
    idp.set_endpoint_fault(None, Endpoint::UserInfo, Fault::Status(503));
    let url = format!("{}/userinfo", idp.issuer(Flavor::Oidc));
    assert_eq!(http.get(url).send().await.unwrap().status(), 503);
}

#[tokio::test]
async fn end_session_sends_the_browser_back_with_state() {
    let (running, _) = start().await;
    let idp = &running.idp;
    let http = no_redirects();
    let doc = get_json(&http, &idp.discovery_url(Flavor::Okta)).await;
    let endpoint = doc["end_session_endpoint"].as_str().unwrap();
    let query = [
        ("post_logout_redirect_uri", "http://127.0.0.1:1/bye"),
        ("state", "s9"),
    ];
    let response = http.get(endpoint).query(&query).send().await.unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()["location"],
        "http://127.0.0.1:1/bye?state=s9"
    );
    assert_eq!(http.get(endpoint).send().await.unwrap().status(), 200);
}
