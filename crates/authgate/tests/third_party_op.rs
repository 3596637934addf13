//! Interoperability with a real, OpenID Certified provider (`panva/oidc-provider`, run by Node
//! from `tests/third-party-op/`): its discovery, JWKS and RFC 9068 access tokens verify through
//! [`authgate::Verifier`]; [`authgate::login::Login`] signs in against it end to end (PKCE,
//! RFC 9207 `iss`, userinfo merge, replay refusal), revokes its tokens (RFC 7009), and
//! validates the back-channel logout token it sends after RP-initiated logout (BCP-64).
//!
//! Needs `node` (without it the tests fail, unless `AUTHGATE_SKIP_THIRD_PARTY_OP=1` makes
//! them print a skip and pass) and the packages of
//! `tests/third-party-op` (installed with `npm ci` on first use when missing).

#[path = "third_party_op/op.rs"]
mod op;

use authgate::login::{CompletedLogin, Login, LoginConfig};
use authgate::{AuthConfig, ClientSecret, HttpClient, ProviderConfig, ProviderKind, Verifier};
use authgate_core::store::Stores;
use authgate_core::{SecretString, SystemClock};
use op::{API, Browser, EMAIL, NAME, SUBJECT, ThirdPartyOp};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

const CLIENT_ID: &str = "authgate-rp";
const CLIENT_SECRET: &str = "authgate-rp-secret-0123456789";
/// Nothing listens here: the browser stops at the callback redirect.
const PUBLIC_URL: &str = "http://127.0.0.1:9/";
const PROVIDER: &str = "certified";

fn redirect_uri() -> String {
    format!("http://127.0.0.1:9{}", Login::callback_path(PROVIDER))
}

fn provider(op: &ThirdPartyOp, audiences: &[&str]) -> ProviderConfig {
    let mut p = ProviderConfig::new(PROVIDER, ProviderKind::Oidc);
    p.issuer = Some(op.issuer.clone());
    p.audiences = audiences.iter().map(|a| (*a).to_owned()).collect();
    p.client_id = Some(CLIENT_ID.to_owned());
    p.client_secret = Some(ClientSecret::new(CLIENT_SECRET));
    p
}

async fn verifier(p: &ProviderConfig) -> Verifier {
    Verifier::builder()
        .provider(p.clone())
        .build()
        .await
        .expect("discovery and JWKS of the third-party OP")
}

/// BASE64URL(SHA-256(verifier)), RFC 7636 §4.2.
fn s256(verifier: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = String::new();
    for byte in digest.as_ref() {
        bits = (bits << 8) | u32::from(*byte);
        n += 8;
        while n >= 6 {
            n -= 6;
            out.push(char::from(ALPHABET[((bits >> n) & 63) as usize]));
        }
    }
    if n > 0 {
        out.push(char::from(ALPHABET[((bits << (6 - n)) & 63) as usize]));
    }
    out
}

/// Drives the code flow by hand with `resource=API` and returns the token response.
async fn tokens_for_api(op: &ThirdPartyOp) -> serde_json::Value {
    let verifier = "a-pkce-verifier-of-enough-length-0123456789abcdef";
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let discovery: serde_json::Value = http
        .get(format!("{}/.well-known/openid-configuration", op.issuer))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut authorize =
        url::Url::parse(discovery["authorization_endpoint"].as_str().unwrap()).unwrap();
    authorize
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", CLIENT_ID)
        .append_pair("redirect_uri", &redirect_uri())
        .append_pair("scope", "openid api:read")
        .append_pair("resource", API)
        .append_pair("state", "st")
        .append_pair("nonce", "nn")
        .append_pair("code_challenge", &s256(verifier))
        .append_pair("code_challenge_method", "S256");
    let callback = Browser::new().follow(authorize.as_str(), &op.issuer).await;
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no code in {callback}"));
    let response = http
        .post(discovery["token_endpoint"].as_str().unwrap())
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri().as_str()),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn certified_op_access_tokens_verify_through_its_discovery_and_jwks() {
    let Some(op) = ThirdPartyOp::start(CLIENT_ID, CLIENT_SECRET, &redirect_uri()) else {
        return;
    };
    let verifier = verifier(&provider(&op, &[API])).await;
    let tokens = tokens_for_api(&op).await;
    let access = tokens["access_token"].as_str().unwrap();
    let principal = verifier
        .verify(access)
        .await
        .expect("an RFC 9068 token of the OP");
    assert_eq!(principal.subject, SUBJECT);
    assert_eq!(principal.issuer, op.issuer);
    assert!(principal.scopes.iter().any(|s| s == "api:read"));
    // The ID token is not a bearer token (JWT confusion).
    let id_token = tokens["id_token"].as_str().unwrap();
    assert!(verifier.verify(id_token).await.is_err());
}

/// A `Login` with the OP as its only sign-in provider.
async fn login_for(op: &ThirdPartyOp) -> Login {
    let mut p = provider(op, &[API]);
    p.login = true;
    p.display_name = Some("Certified OP".to_owned());
    let auth = AuthConfig {
        providers: vec![p.clone()],
        ..AuthConfig::default()
    };
    Login::new(
        &auth,
        LoginConfig::default(),
        url::Url::parse(PUBLIC_URL).unwrap(),
        verifier(&p).await,
        Stores::memory(),
        HttpClient::new().unwrap(),
        Arc::new(SystemClock),
    )
    .unwrap()
}

/// begin → the OP (in `browser`) → callback → complete; also returns the callback query.
async fn sign_in(
    login: &Login,
    op: &ThirdPartyOp,
    browser: &mut Browser,
) -> (CompletedLogin, String, String) {
    let begun = login.begin(PROVIDER, Some("/orders")).await.unwrap();
    let callback = browser.follow(begun.redirect_to.as_str(), &op.issuer).await;
    assert_eq!(callback.path(), Login::callback_path(PROVIDER));
    let query = callback.query().unwrap_or("").to_owned();
    let binding = begun.browser_binding.expose_secret().to_owned();
    let done = login
        .complete(PROVIDER, &query, Some(&binding))
        .await
        .unwrap();
    (done, query, binding)
}

#[tokio::test]
async fn login_signs_in_against_a_certified_op() {
    let Some(op) = ThirdPartyOp::start(CLIENT_ID, CLIENT_SECRET, &redirect_uri()) else {
        return;
    };
    let login = login_for(&op).await;
    assert_eq!(login.providers().len(), 1);
    let (done, query, binding) = sign_in(&login, &op, &mut Browser::new()).await;
    assert_eq!(done.issuer, op.issuer);
    assert_eq!(done.subject, SUBJECT);
    assert_eq!(done.provider, PROVIDER);
    assert_eq!(done.return_to, "/orders");
    assert_eq!(done.claims["name"], NAME, "userinfo claims are merged");
    // This OP states the email in userinfo only: it reaches the session's claims (display,
    // identity headers) but not the user's email facts, which only a signed ID token sets.
    assert_eq!(done.claims["email"], EMAIL, "userinfo claims are merged");
    assert_eq!(done.user.email, None);
    assert!(done.tokens.id_token.is_some());
    // offline_access is sent with prompt=consent (OIDC Core §11), so a spec-strict OP issues a
    // refresh token, and a refresh against it keeps the identity (BCP-46).
    assert!(done.tokens.refresh_token.is_some(), "no refresh token");
    let refreshed = login.refresh(PROVIDER, &done.tokens).await.unwrap();
    assert_ne!(
        refreshed.access_token.expose_secret(),
        done.tokens.access_token.expose_secret()
    );
    // The callback cannot be replayed (BCP-09).
    let replay = login.complete(PROVIDER, &query, Some(&binding)).await;
    assert!(replay.is_err());
    // RFC 7009: revoking the access token closes the OP's userinfo to it.
    let userinfo = |token: String| {
        let url = format!("{}/me", op.issuer);
        async move {
            let http = reqwest::Client::builder().no_proxy().build().unwrap();
            let response = http.get(url).bearer_auth(token).send().await.unwrap();
            response.status().as_u16()
        }
    };
    let access = done.tokens.access_token.expose_secret().to_owned();
    assert_eq!(userinfo(access.clone()).await, 200);
    login.revoke(PROVIDER, &done.tokens).await;
    assert_eq!(userinfo(access).await, 401, "revoked at the OP");
    let hint: Option<&SecretString> = done.tokens.id_token.as_ref();
    let logout = login.end_session_url(PROVIDER, hint).await.unwrap();
    assert!(
        logout
            .as_str()
            .starts_with(&format!("{}/session/end", op.issuer)),
        "{logout}"
    );
}

/// A loopback back-channel logout endpoint handing each `logout_token` to the test.
async fn backchannel_receiver() -> (String, mpsc::UnboundedReceiver<String>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/auth/backchannel-logout",
        axum::routing::post(
            move |axum::Form(form): axum::Form<HashMap<String, String>>| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send(form.get("logout_token").cloned().unwrap_or_default());
                    "ok"
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/auth/backchannel-logout",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, rx)
}

/// The value of the first `name="{name}" value="..."` attribute pair in `html`.
fn form_value<'a>(html: &'a str, prefix: &str) -> &'a str {
    let start = html
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix} in {html}"))
        + prefix.len();
    let rest = &html[start..];
    &rest[..rest.find('"').unwrap()]
}

#[tokio::test]
async fn certified_op_back_channel_logout_tokens_validate_through_login() {
    let (uri, mut tokens) = backchannel_receiver().await;
    let started = ThirdPartyOp::start_with(CLIENT_ID, CLIENT_SECRET, &redirect_uri(), Some(&uri));
    let Some(op) = started else {
        return;
    };
    let login = login_for(&op).await;
    let mut browser = Browser::new();
    let (done, _, _) = sign_in(&login, &op, &mut browser).await;
    let sid = done.sid.clone().expect("the OP's ID token carries sid");
    // RP-initiated logout in the same browser: the OP asks to confirm, the form is POSTed.
    let hint = done.tokens.id_token.as_ref();
    let end_session = login.end_session_url(PROVIDER, hint).await.unwrap();
    let (status, page) = browser.get(end_session.as_str()).await;
    assert_eq!(status, 200, "{page}");
    let action = end_session.join(form_value(&page, "action=\"")).unwrap();
    let xsrf = form_value(&page, "name=\"xsrf\" value=\"").to_owned();
    let confirmed = browser
        .post_form(
            action.as_str(),
            &[("xsrf", xsrf.as_str()), ("logout", "yes")],
        )
        .await;
    assert!((300..400).contains(&confirmed), "{confirmed}");
    let token = tokio::time::timeout(Duration::from_secs(10), tokens.recv())
        .await
        .expect("the OP delivers a logout token")
        .unwrap();
    let logout = login
        .logout_token(&token)
        .await
        .expect("a valid OP logout token");
    assert_eq!(logout.issuer, op.issuer);
    assert_eq!(logout.sid.as_deref(), Some(sid.as_str()));
    assert_eq!(logout.subject.as_deref(), Some(SUBJECT));
    assert!(
        login.logout_token(&token).await.is_err(),
        "jti replay (BCP-64)"
    );
}
