//! Tests of the generic base and the registration match.

use super::*;
use crate::config::ProviderKind;

fn oidc(issuer: &str) -> ProviderConfig {
    let mut p = ProviderConfig::new("corp", ProviderKind::Oidc);
    p.issuer = Some(issuer.into());
    p.audiences = vec!["orders-api".into()];
    p
}

fn only_route(p: &ProviderConfig) -> RouteSpec {
    let mut routes = rules(p.kind).routes(p);
    assert_eq!(routes.len(), 1);
    routes.remove(0)
}

#[test]
fn oidc_tries_the_oidc_form_then_rfc8414() {
    let route = only_route(&oidc("https://idp.example.com/tenant1"));
    assert_eq!(
        route.source,
        KeySource::Discovery {
            urls: vec![
                "https://idp.example.com/tenant1/.well-known/openid-configuration".into(),
                "https://idp.example.com/.well-known/oauth-authorization-server/tenant1".into(),
            ],
            issuer: "https://idp.example.com/tenant1".into(),
        }
    );
    assert_eq!(
        route.validation.issuer,
        IssuerRule::Exact(vec!["https://idp.example.com/tenant1".into()])
    );
    assert_eq!(route.validation.algorithms, Algorithm::ASYMMETRIC.to_vec());
    assert_eq!(route.validation.kind, access_token(false));
}

#[test]
fn overrides_replace_discovery() {
    let mut p = oidc("https://idp.example.com");
    p.discovery = Some("https://meta.example.com/doc".into());
    p.require_at_jwt = true;
    p.algorithms = vec!["ES256".into()];
    p.leeway = Some(Duration::from_secs(5));
    let route = only_route(&p);
    let KeySource::Discovery { urls, .. } = &route.source else {
        panic!("{:?}", route.source)
    };
    assert_eq!(urls, &["https://meta.example.com/doc"]);
    assert_eq!(route.validation.kind, access_token(true));
    assert_eq!(route.validation.algorithms, vec![Algorithm::ES256]);
    assert_eq!(route.validation.leeway, Duration::from_secs(5));
    p.jwks_uri = Some("https://idp.example.com/keys".into());
    assert_eq!(
        only_route(&p).source,
        KeySource::Jwks("https://idp.example.com/keys".into())
    );
}

#[test]
fn okta_reads_metadata_appended_under_its_authorization_server() {
    let mut p = ProviderConfig::new("okta", ProviderKind::Okta);
    p.issuer = Some("https://dev-1.okta.com/oauth2/default".into());
    p.audiences = vec!["api://default".into()];
    p.validate().unwrap();
    let route = only_route(&p);
    let KeySource::Discovery { urls, .. } = &route.source else {
        panic!("{:?}", route.source)
    };
    assert_eq!(
        urls[1],
        "https://dev-1.okta.com/oauth2/default/.well-known/oauth-authorization-server"
    );
    assert_eq!(route.validation.algorithms, vec![Algorithm::RS256]);
    assert_eq!(route.mapping, ClaimMapping::default());
}

#[test]
fn jwt_i03_auth0_keeps_its_trailing_slash_and_maps_permissions() {
    let mut p = ProviderConfig::new("auth0", ProviderKind::Auth0);
    p.issuer = Some("https://tenant.us.auth0.com".into());
    p.audiences = vec!["https://api.example.com".into()];
    let err = p.validate().unwrap_err();
    assert_eq!(err.problems[0].path, "auth0.issuer");
    p.issuer = Some("https://tenant.us.auth0.com/".into());
    p.validate().unwrap();
    let route = only_route(&p);
    assert_eq!(
        route.validation.issuer,
        IssuerRule::Exact(vec!["https://tenant.us.auth0.com/".into()])
    );
    assert!(route.mapping.roles.contains(&"permissions".to_owned()));
    let KeySource::Discovery { urls, issuer } = &route.source else {
        panic!("{:?}", route.source)
    };
    assert_eq!(
        urls,
        &["https://tenant.us.auth0.com/.well-known/openid-configuration"]
    );
    assert_eq!(issuer, "https://tenant.us.auth0.com/");
}

#[test]
fn google_refuses_to_start_without_id_tokens() {
    let mut p = ProviderConfig::new("google", ProviderKind::Google);
    p.client_id = Some("c.apps.googleusercontent.com".into());
    let err = p.validate().unwrap_err();
    assert_eq!(err.problems[0].path, "google.accept_id_tokens");
    assert!(err.problems[0].message.contains("opaque"));
}
