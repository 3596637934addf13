//! Configuration parsing and validation tests.

use super::*;

const GUID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

fn parse(toml_text: &str) -> AuthConfig {
    toml::from_str(toml_text).unwrap()
}

fn paths(err: &ConfigError) -> Vec<&str> {
    err.problems.iter().map(|p| p.path.as_str()).collect()
}

#[test]
fn design_md_provider_example_parses_and_validates() {
    let config = parse(&format!(
        r#"
        [[providers]]
        id = "entra"
        kind = "entra"
        tenant = "organizations"
        allowed_tenants = ["{GUID}"]
        client_id = "6e74172b-be56-4843-9ff4-e66a39bb12e3"
        client_secret = "s3cr3t-value"
        audiences = ["api://6e74172b-be56-4843-9ff4-e66a39bb12e3", "6e74172b-be56-4843-9ff4-e66a39bb12e3"]

        [[providers]]
        id = "corp"
        kind = "oidc"
        issuer = "https://idp.example.com"
        audiences = ["orders-api"]
        algorithms = ["RS256", "ES256"]
        leeway = "60s"

        [providers.jwks]
        max_stale = "24h"
        strict = true
        refresh_cooldown = "30s"
        "#
    ));
    assert_eq!(config.providers.len(), 2);
    let corp = &config.providers[1];
    assert_eq!(corp.leeway, Some(Duration::from_secs(60)));
    assert!(corp.jwks.strict);
    assert_eq!(corp.jwks.max_stale, Duration::from_secs(24 * 3600));
    assert_eq!(
        corp.jwks.min_ttl,
        Duration::from_secs(300),
        "unset members keep their defaults"
    );
    config.validate().unwrap();
}

#[test]
fn unknown_keys_are_rejected() {
    let err = toml::from_str::<AuthConfig>(
        "[[providers]]\nid = \"a\"\nkind = \"oidc\"\nissuer = \"https://x\"\naudience = [\"typo\"]\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("audience"), "{err}");
    assert!(toml::from_str::<AuthConfig>("[[providers]]\nid = \"a\"\nkind = \"saml\"\n").is_err());
}

#[test]
fn every_problem_is_reported_at_once_with_its_path() {
    let config = parse(
        r#"
        [[providers]]
        id = "corp"
        kind = "oidc"
        issuer = "https://idp.example.com"
        audiences = ["orders-api"]

        [[providers]]
        id = "corp"
        kind = "oidc"
        issuer = "http://idp.example.com"
        audiences = []
        algorithms = ["HS256", "none"]
        leeway = "10m"
        "#,
    );
    let err = config.validate().unwrap_err();
    let found = paths(&err);
    for expected in [
        "providers[1].id",
        "providers[1].issuer",
        "providers[1].algorithms[0]",
        "providers[1].algorithms[1]",
        "providers[1].leeway",
        "providers[1].audiences",
    ] {
        assert!(found.contains(&expected), "missing {expected} in {err}");
    }
    assert!(
        err.to_string()
            .contains("providers[1].issuer: must be https"),
        "{err}"
    );
}

#[test]
fn loopback_http_is_allowed_and_insecure_http_needs_the_flag() {
    let mut p = ProviderConfig::new("dev", ProviderKind::Oidc);
    p.audiences = vec!["api".into()];
    for issuer in [
        "http://127.0.0.1:8080/oidc",
        "http://localhost/oidc",
        "http://[::1]:9/x",
    ] {
        p.issuer = Some(issuer.into());
        p.validate().unwrap();
    }
    p.issuer = Some("http://idp.internal/oidc".into());
    assert_eq!(paths(&p.validate().unwrap_err()), ["dev.issuer"]);
    p.insecure_allow_http = true;
    p.validate().unwrap();
}

#[test]
fn multi_tenant_entra_needs_an_explicit_tenant_list() {
    let mut p = ProviderConfig::new("entra", ProviderKind::Entra);
    p.tenant = Some("common".into());
    p.client_id = Some("app".into());
    let err = p.validate().unwrap_err();
    assert_eq!(paths(&err), ["entra.allowed_tenants"]);
    p.allowed_tenants = vec!["*".into()];
    p.validate().unwrap();
    p.allowed_tenants = vec!["contoso.com".into()];
    assert_eq!(
        paths(&p.validate().unwrap_err()),
        ["entra.allowed_tenants[0]"]
    );
}

#[test]
fn fields_of_other_kinds_are_reported() {
    let mut p = ProviderConfig::new("okta", ProviderKind::Okta);
    p.issuer = Some("https://dev-1.okta.com/oauth2/default".into());
    p.audiences = vec!["api://default".into()];
    p.tenant = Some(GUID.into());
    p.hosted_domain = Some("example.com".into());
    let err = p.validate().unwrap_err();
    assert_eq!(paths(&err), ["okta.tenant", "okta.hosted_domain"]);
    assert!(
        err.to_string().contains("only applies to kind = entra"),
        "{err}"
    );
}

#[test]
fn jwks_bounds_are_checked() {
    let mut p = ProviderConfig::new("corp", ProviderKind::Oidc);
    p.issuer = Some("https://idp.example.com".into());
    p.audiences = vec!["api".into()];
    p.jwks.min_ttl = Duration::from_secs(48 * 3600);
    p.jwks.refresh_cooldown = Duration::ZERO;
    assert_eq!(
        paths(&p.validate().unwrap_err()),
        ["corp.jwks.max_ttl", "corp.jwks.refresh_cooldown"]
    );
}

#[test]
fn client_secret_never_prints() {
    let config = parse(
        "[[providers]]\nid = \"g\"\nkind = \"google\"\nclient_id = \"c\"\nclient_secret = \"hunter2\"\naccept_id_tokens = true\n",
    );
    let printed = format!("{config:?}");
    assert!(!printed.contains("hunter2"), "{printed}");
    assert!(printed.contains("ClientSecret([redacted])"));
    let secret = config.providers[0].client_secret.as_ref().unwrap();
    assert_eq!(secret.expose_secret(), "hunter2");
}
