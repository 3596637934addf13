//! The sign-in configuration: provider fields, their validation with paths, and `Login::new`.

use crate::support::PUBLIC_URL;
use authgate::login::{Login, LoginConfig};
use authgate::{
    AuthConfig, ClientSecret, FixedClock, HttpClient, ProviderConfig, ProviderKind, Verifier,
};
use authgate_core::store::Stores;
use std::sync::Arc;

fn paths(p: &ProviderConfig) -> Vec<String> {
    match p.validate() {
        Ok(()) => Vec::new(),
        Err(e) => e.problems.into_iter().map(|p| p.path).collect(),
    }
}

fn oidc() -> ProviderConfig {
    let mut p = ProviderConfig::new("corp", ProviderKind::Oidc);
    p.issuer = Some("https://idp.example.com".into());
    p.audiences = vec!["api".into()];
    p
}

#[test]
fn login_needs_a_client_id_and_a_secret() {
    let mut p = oidc();
    p.login = true;
    assert_eq!(paths(&p), ["corp.client_id", "corp.client_secret"]);
    p.client_id = Some("c".into());
    p.client_secret = Some(ClientSecret::new("s"));
    assert!(paths(&p).is_empty());
}

#[test]
fn a_public_oidc_client_needs_no_secret_and_only_oidc_may_be_public() {
    let mut p = oidc();
    p.login = true;
    p.client_id = Some("c".into());
    p.public_client = true;
    assert!(paths(&p).is_empty());
    let mut okta = ProviderConfig::new("okta", ProviderKind::Okta);
    okta.issuer = Some("https://dev-1.okta.com/oauth2/default".into());
    okta.audiences = vec!["api://default".into()];
    okta.public_client = true;
    assert_eq!(paths(&okta), ["okta.public_client"]);
}

#[test]
fn github_only_signs_in_and_takes_no_issuer() {
    let mut p = ProviderConfig::new("gh", ProviderKind::Github);
    p.issuer = Some("https://github.com".into());
    assert_eq!(paths(&p), ["gh.login", "gh.issuer"],);
    let mut oidc = oidc();
    oidc.user_api = Some("https://api.example.com/user".into());
    assert_eq!(paths(&oidc), ["corp.user_api"]);
}

#[test]
fn login_endpoints_follow_the_url_rules() {
    let mut p = oidc();
    p.authorization_endpoint = Some("http://idp.example.com/authorize".into());
    p.token_endpoint = Some("not a url".into());
    p.login_scopes = vec!["openid".into(), "two words".into()];
    assert_eq!(
        paths(&p),
        [
            "corp.authorization_endpoint",
            "corp.token_endpoint",
            "corp.login_scopes[1]"
        ]
    );
}

#[test]
fn entra_sign_in_needs_v2_tokens() {
    let mut p = ProviderConfig::new("entra", ProviderKind::Entra);
    p.tenant = Some("8c2d1a4e-5b6f-4c7d-9e8f-0a1b2c3d4e5f".into());
    p.client_id = Some("2a0b4c6d-8e1f-4a3b-9c5d-7e9f1a3b5c7d".into());
    p.client_secret = Some(ClientSecret::new("s"));
    p.login = true;
    p.token_versions = vec![1];
    assert_eq!(paths(&p), ["entra.token_versions"]);
}

#[test]
fn toml_names_the_login_fields() {
    let auth: AuthConfig = toml::from_str(
        r#"
        [[providers]]
        id = "github"
        kind = "github"
        login = true
        client_id = "Iv1.abc"
        client_secret = "s"
        display_name = "GitHub"
        login_scopes = ["read:user"]
        "#,
    )
    .unwrap();
    auth.validate().unwrap();
    assert_eq!(auth.providers[0].kind, ProviderKind::Github);
    assert_eq!(auth.providers[0].display_name.as_deref(), Some("GitHub"));
}

#[tokio::test]
async fn verifier_skips_github_and_login_new_checks_its_settings() {
    let mut gh = ProviderConfig::new("github", ProviderKind::Github);
    gh.login = true;
    gh.client_id = Some("c".into());
    gh.client_secret = Some(ClientSecret::new("s"));
    let mut corp = oidc();
    corp.login = true;
    corp.client_id = Some("c".into());
    corp.client_secret = Some(ClientSecret::new("s"));
    corp.jwks_uri = Some("http://127.0.0.1:9/keys".into());
    let verifier = Verifier::builder()
        .provider(gh.clone())
        .build()
        .await
        .unwrap();
    assert!(verifier.provider_ids().is_empty());
    let auth = AuthConfig {
        providers: vec![gh, corp],
        ..AuthConfig::default()
    };
    let config = LoginConfig {
        default_return_to: "https://evil.example/".into(),
        allowed_return_origins: vec!["https://app.example.com/path".into()],
        ..LoginConfig::default()
    };
    let err = Login::new(
        &auth,
        config,
        url::Url::parse(PUBLIC_URL).unwrap(),
        verifier,
        Stores::memory(),
        HttpClient::new().unwrap(),
        Arc::new(FixedClock::at_system_now()),
    )
    .unwrap_err();
    let paths: Vec<&str> = err.problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "login.default_return_to",
            "login.allowed_return_origins[0]",
            "providers[1]"
        ]
    );
}
