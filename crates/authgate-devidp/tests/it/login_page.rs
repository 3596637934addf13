//! The login page: `prompt=login` or interactive mode shows it; its form approves as the
//! chosen demo user with custom claims; everything is escaped.

use crate::flow::{REDIRECT, VERIFIER, challenge, no_redirects, redeem};
use authgate_core::Jws;
use authgate_devidp::{DevIdp, Flavor};
use serde_json::{Map, Value};
use std::collections::HashMap;

fn request(flavor: Flavor, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut query: Vec<(String, String)> = [
        ("response_type", "code"),
        ("client_id", flavor.client_id()),
        ("redirect_uri", REDIRECT),
        ("scope", "openid offline_access"),
        ("state", "st-page"),
        ("nonce", "nonce-page"),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    query.push(("code_challenge".into(), challenge(VERIFIER)));
    query.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    query.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    query
}

fn authorize_url(idp: &DevIdp, flavor: Flavor) -> String {
    match flavor {
        Flavor::EntraV2 => format!(
            "{}/entra/{}/oauth2/v2.0/authorize",
            idp.base_url(),
            authgate_devidp::DEV_TENANT
        ),
        _ => format!("{}/authorize", idp.issuer(Flavor::Oidc)),
    }
}

/// GETs the authorization endpoint: (status, content type, body, Location).
async fn get(idp: &DevIdp, flavor: Flavor, query: &[(String, String)]) -> Page {
    let response = no_redirects()
        .get(authorize_url(idp, flavor))
        .query(query)
        .send()
        .await
        .unwrap();
    Page::of(response).await
}

async fn post(idp: &DevIdp, flavor: Flavor, form: &[(String, String)]) -> Page {
    let response = no_redirects()
        .post(authorize_url(idp, flavor))
        .form(form)
        .send()
        .await
        .unwrap();
    Page::of(response).await
}

struct Page {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Page {
    async fn of(response: reqwest::Response) -> Page {
        Page {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    fn answer(&self) -> HashMap<String, String> {
        assert_eq!(self.status, 302, "{}", self.body);
        let location = self.headers["location"].to_str().unwrap();
        assert!(location.starts_with(REDIRECT), "{location}");
        url::Url::parse(location)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect()
    }
}

fn submitted(flavor: Flavor, user: &str, claims: &str, action: &str) -> Vec<(String, String)> {
    let mut form = request(flavor, &[("prompt", "login")]);
    form.push(("devidp_user".into(), user.into()));
    form.push(("devidp_claims".into(), claims.into()));
    form.push(("devidp_action".into(), action.into()));
    form
}

fn claims_of(token: &Value) -> Map<String, Value> {
    let jws = Jws::parse(token.as_str().unwrap()).unwrap();
    jws.claims().as_map().clone()
}

#[tokio::test]
async fn prompt_login_shows_a_self_contained_page_listing_the_demo_users() {
    let running = DevIdp::start_loopback().await.unwrap();
    let page = get(
        &running.idp,
        Flavor::Oidc,
        &request(Flavor::Oidc, &[("prompt", "login")]),
    )
    .await;
    assert_eq!(page.status, 200);
    assert_eq!(page.headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(page.headers["cache-control"], "no-store");
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    for user in ["value=\"dev\"", "value=\"alice\"", "value=\"bob\""] {
        assert!(page.body.contains(user), "{user}");
    }
    assert!(page.body.contains("name=\"devidp_claims\""));
    assert!(
        page.body
            .contains("<input type=\"hidden\" name=\"state\" value=\"st-page\">")
    );
    assert!(!page.body.contains("src=") && !page.body.contains("href="));
}

#[tokio::test]
async fn the_form_signs_in_the_chosen_user_with_custom_claims() {
    let running = DevIdp::start_loopback().await.unwrap();
    let idp = &running.idp;
    let claims = r#"{"department": "sales", "email": null}"#;
    let page = post(
        idp,
        Flavor::Oidc,
        &submitted(Flavor::Oidc, "alice", claims, "approve"),
    )
    .await;
    let answer = page.answer();
    assert_eq!(answer["state"], "st-page");
    let (status, tokens) = redeem(idp, Flavor::Oidc, &answer["code"], VERIFIER).await;
    assert_eq!(status, 200, "{tokens}");
    let id = claims_of(&tokens["id_token"]);
    assert_eq!(id["sub"], "alice");
    assert_eq!(id["name"], "Alice Admin");
    assert_eq!(id["department"], "sales");
    assert_eq!(id["nonce"], "nonce-page");
    assert!(!id.contains_key("email"), "null removes a claim");
    assert!(id["roles"].as_array().unwrap().contains(&"admin".into()));
    let access = claims_of(&tokens["access_token"]);
    assert_eq!(access["sub"], "alice");
    assert_eq!(access["department"], "sales");
    assert!(
        access["roles"]
            .as_array()
            .unwrap()
            .contains(&"admin".into())
    );
}

#[tokio::test]
async fn entra_users_differ_by_oid_and_bob_is_a_reader() {
    let running = DevIdp::start_loopback().await.unwrap();
    let idp = &running.idp;
    let page = post(
        idp,
        Flavor::EntraV2,
        &submitted(Flavor::EntraV2, "bob", "", "approve"),
    )
    .await;
    let answer = page.answer();
    let (_, tokens) = redeem(idp, Flavor::EntraV2, &answer["code"], VERIFIER).await;
    let id = claims_of(&tokens["id_token"]);
    assert_eq!(id["sub"], "bob");
    assert_eq!(id["oid"], "b0b00000-0000-4000-8000-000000000b0b");
    assert_eq!(id["roles"], serde_json::json!(["reader", "orders.read"]));
}

#[tokio::test]
async fn bad_custom_claims_show_the_page_again_with_a_clear_error() {
    let running = DevIdp::start_loopback().await.unwrap();
    let idp = &running.idp;
    for (claims, message) in [
        ("{oops", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ("\"text\"", "must be a JSON object"),
    ] {
        let page = post(
            idp,
            Flavor::Oidc,
            &submitted(Flavor::Oidc, "bob", claims, "approve"),
        )
        .await;
        assert_eq!(page.status, 400, "{claims}");
        assert!(page.body.contains(message), "{claims}: {}", page.body);
        assert!(page.body.contains("role=\"alert\""));
        assert!(
            page.body.contains("value=\"bob\" checked"),
            "the choice is kept"
        );
    }
    let page = post(
        idp,
        Flavor::Oidc,
        &submitted(Flavor::Oidc, "mallory", "", "approve"),
    )
    .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("Unknown user"));
}

#[tokio::test]
async fn deny_redirects_with_access_denied() {
    let running = DevIdp::start_loopback().await.unwrap();
    let page = post(
        &running.idp,
        Flavor::Oidc,
        &submitted(Flavor::Oidc, "dev", "", "deny"),
    )
    .await;
    let answer = page.answer();
    assert_eq!(answer["error"], "access_denied");
    assert_eq!(answer["state"], "st-page");
    assert!(!answer.contains_key("code"));
}

#[tokio::test]
async fn interactive_mode_shows_the_page_unless_login_hint_picks_the_user() {
    let running = DevIdp::start_loopback().await.unwrap();
    let idp = &running.idp;
    assert!(!idp.is_interactive());
    assert_eq!(
        get(idp, Flavor::Oidc, &request(Flavor::Oidc, &[]))
            .await
            .status,
        302
    );
    idp.set_interactive(true);
    assert_eq!(
        get(idp, Flavor::Oidc, &request(Flavor::Oidc, &[]))
            .await
            .status,
        200
    );
    let hinted = get(
        idp,
        Flavor::Oidc,
        &request(Flavor::Oidc, &[("login_hint", "bob")]),
    )
    .await;
    let (_, tokens) = redeem(idp, Flavor::Oidc, &hinted.answer()["code"], VERIFIER).await;
    assert_eq!(claims_of(&tokens["id_token"])["name"], "Bob Reader");
    idp.set_interactive(false);
    assert_eq!(
        get(idp, Flavor::Oidc, &request(Flavor::Oidc, &[]))
            .await
            .status,
        302
    );
}

#[tokio::test]
async fn the_page_escapes_hostile_request_values() {
    let running = DevIdp::start_loopback().await.unwrap();
    let hostile = "\"><script>alert(1)</script><img src=x onerror=alert(2)>";
    let query = request(
        Flavor::Oidc,
        &[
            ("prompt", "login"),
            ("state", hostile),
            ("client_id", hostile),
        ],
    );
    let page = get(&running.idp, Flavor::Oidc, &query).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("<script>"));
    assert!(!page.body.contains("<img"));
    assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let mut form = submitted(
        Flavor::Oidc,
        "dev",
        "</textarea><script>x</script>",
        "approve",
    );
    form.retain(|(k, _)| k != "state");
    let page = post(&running.idp, Flavor::Oidc, &form).await;
    assert_eq!(page.status, 400);
    assert!(!page.body.contains("<script>"));
}

#[tokio::test]
async fn page_checks_still_refuse_a_bad_redirect_uri() {
    let running = DevIdp::start_loopback().await.unwrap();
    let mut form = submitted(Flavor::Oidc, "alice", "", "approve");
    for (k, v) in &mut form {
        if k == "redirect_uri" {
            *v = "javascript:alert(1)".into();
        }
    }
    let page = post(&running.idp, Flavor::Oidc, &form).await;
    assert_eq!(page.status, 400);
    assert!(page.headers.get("location").is_none());
}
