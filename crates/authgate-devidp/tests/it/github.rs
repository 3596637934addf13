//! The github flavor: plain OAuth 2.0 with GitHub's quirks (200 errors, `bearer`, comma
//! scopes, `User-Agent` required, e-mails behind `user:email`).

use crate::flow::{REDIRECT, VERIFIER, challenge, no_redirects};
use authgate_devidp::{DEV_CLIENT_SECRET, DevIdp};
use serde_json::Value;
use std::collections::HashMap;

const CLIENT: &str = "Iv1.devgithubclient";

async fn authorize(idp: &DevIdp, extra: &[(&str, &str)]) -> HashMap<String, String> {
    let challenge = challenge(VERIFIER);
    let mut query = vec![
        ("client_id", CLIENT),
        ("redirect_uri", REDIRECT),
        ("scope", "read:user user:email"),
        ("state", "gh-state"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    query.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    query.extend_from_slice(extra);
    let response = no_redirects()
        .get(idp.github_authorize_url())
        .query(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.starts_with(REDIRECT));
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

fn exchange_form<'a>(code: &'a str, verifier: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("client_id", CLIENT),
        ("client_secret", DEV_CLIENT_SECRET),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier),
    ]
}

async fn exchange_json(idp: &DevIdp, form: &[(&str, &str)]) -> Value {
    let response = no_redirects()
        .post(idp.github_token_url())
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "GitHub answers 200 even for errors");
    response.json().await.unwrap()
}

async fn api(idp: &DevIdp, path: &str, token: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = no_redirects()
        .get(format!("{}{path}", idp.github_user_api_url()))
        .header("user-agent", "authgate-test")
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.json().await.unwrap())
}

#[tokio::test]
async fn github_code_flow_user_and_verified_primary_email() {
    let running = DevIdp::start_loopback().await.unwrap();
    let idp = &running.idp;
    let answer = authorize(idp, &[("login", "alice")]).await;
    assert_eq!(answer["state"], "gh-state");
    assert!(!answer.contains_key("iss"), "GitHub sends no iss");
    let token = exchange_json(idp, &exchange_form(&answer["code"], VERIFIER)).await;
    assert_eq!(token["token_type"], "bearer");
    assert_eq!(token["scope"], "read:user,user:email");
    let access = token["access_token"].as_str().unwrap();
    assert!(access.starts_with("gho_"));
    let (status, headers, user) = api(idp, "", access).await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-oauth-scopes"], "read:user, user:email");
    assert_eq!(user["id"], 5_820_002);
    assert_eq!(user["login"], "alice");
    assert_eq!(user["name"], "Alice Admin");
    assert_eq!(user["email"], "alice@example.com");
    let (status, _, emails) = api(idp, "/emails", access).await;
    assert_eq!(status, 200);
    let primary = emails
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["primary"] == true)
        .unwrap();
    assert_eq!(primary["email"], "alice@example.com");
    assert_eq!(primary["verified"], true);
    assert_eq!(idp.github_token_hits(), 1);
    assert_eq!(idp.github_api_hits(), 2);
}

#[tokio::test]
async fn github_answers_form_encoded_without_accept_json() {
    let running = DevIdp::start_loopback().await.unwrap();
    let idp = &running.idp;
    let answer = authorize(idp, &[]).await;
    let response = no_redirects()
        .post(idp.github_token_url())
        .form(&exchange_form(&answer["code"], VERIFIER))
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/x-www-form-urlencoded")
    );
    let body = response.text().await.unwrap();
    let fields: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(fields["token_type"], "bearer");
    let (_, _, user) = api(idp, "", &fields["access_token"]).await;
    assert_eq!(user["login"], "devuser");
}

#[tokio::test]
async fn github_token_errors_come_with_status_200() {
    let running = DevIdp::start_loopback().await.unwrap();
    let idp = &running.idp;
    let answer = authorize(idp, &[]).await;
    let code = answer["code"].as_str();
    let wrong_verifier = exchange_json(idp, &exchange_form(code, "x".repeat(43).as_str())).await;
    assert_eq!(wrong_verifier["error"], "bad_verification_code");
    let reused = exchange_json(idp, &exchange_form(code, VERIFIER)).await;
    assert_eq!(
        reused["error"], "bad_verification_code",
        "codes are single-use"
    );
    let answer = authorize(idp, &[]).await;
    let mut form = exchange_form(&answer["code"], VERIFIER);
    form[1].1 = "wrong-secret";
    assert_eq!(
        exchange_json(idp, &form).await["error"],
        "incorrect_client_credentials"
    );
    let answer = authorize(idp, &[]).await;
    let mut form = exchange_form(&answer["code"], VERIFIER);
    form[3].1 = "http://127.0.0.1:1/elsewhere";
    assert_eq!(
        exchange_json(idp, &form).await["error"],
        "redirect_uri_mismatch"
    );
    // HTTP Basic client authentication works too.
    let answer = authorize(idp, &[]).await;
    let response = no_redirects()
        .post(idp.github_token_url())
        .header("accept", "application/json")
        .basic_auth(CLIENT, Some(DEV_CLIENT_SECRET))
        .form(&[
            ("code", answer["code"].as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert!(body["access_token"].is_string(), "{body}");
}

#[tokio::test]
async fn github_api_needs_a_user_agent_a_valid_token_and_the_email_scope() {
    let running = DevIdp::start_loopback().await.unwrap();
    let idp = &running.idp;
    let no_agent = no_redirects()
        .get(idp.github_user_api_url())
        .bearer_auth("x")
        .send()
        .await
        .unwrap();
    assert_eq!(no_agent.status(), 403);
    let (status, _, body) = api(idp, "", "gho_forged").await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("Bad credentials"))
    );
    let answer = authorize(idp, &[("scope", "read:user"), ("login", "bob")]).await;
    let token = exchange_json(idp, &exchange_form(&answer["code"], VERIFIER)).await;
    let access = token["access_token"].as_str().unwrap();
    let (_, _, user) = api(idp, "", access).await;
    assert!(user["email"].is_null(), "bob's e-mail is private");
    let (status, headers, _) = api(idp, "/emails", access).await;
    assert_eq!(status, 404);
    assert_eq!(headers["x-accepted-oauth-scopes"], "user, user:email");
}

#[tokio::test]
async fn github_carol_has_an_unverified_primary_email() {
    let running = DevIdp::start_loopback().await.unwrap();
    let idp = &running.idp;
    let answer = authorize(idp, &[("login", "carol")]).await;
    let token = exchange_json(idp, &exchange_form(&answer["code"], VERIFIER)).await;
    let (_, _, emails) = api(idp, "/emails", token["access_token"].as_str().unwrap()).await;
    assert_eq!(emails[0]["primary"], true);
    assert_eq!(emails[0]["verified"], false);
    let unknown = no_redirects()
        .get(idp.github_authorize_url())
        .query(&[
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("login", "nobody"),
        ])
        .send()
        .await
        .unwrap();
    let location = unknown.headers()["location"].to_str().unwrap();
    assert!(location.contains("error=access_denied"), "{location}");
}
