//! Entra configuration and route tests.

use super::*;
use crate::config::ProviderKind;
use crate::provider::KeySource;

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT: &str = "6e74172b-be56-4843-9ff4-e66a39bb12e3";

fn entra(tenant: &str) -> ProviderConfig {
    let mut p = ProviderConfig::new("entra", ProviderKind::Entra);
    p.tenant = Some(tenant.into());
    p.client_id = Some(CLIENT.into());
    p
}

fn problems(p: &ProviderConfig) -> Vec<String> {
    p.validate().map_or_else(
        |e| e.problems.into_iter().map(|p| p.path).collect(),
        |()| Vec::new(),
    )
}

#[test]
fn single_tenant_v2_only_by_default() {
    let p = entra(TENANT);
    assert!(problems(&p).is_empty());
    let routes = Entra.routes(&p);
    assert_eq!(routes.len(), 1, "v1 is off unless configured (JWT-I09)");
    let v = &routes[0].validation;
    assert_eq!(
        v.issuer,
        IssuerRule::Exact(vec![format!(
            "https://login.microsoftonline.com/{TENANT}/v2.0"
        )])
    );
    assert_eq!(
        v.audiences,
        vec![format!("api://{CLIENT}"), CLIENT.to_owned()]
    );
    assert_eq!(v.algorithms, vec![Algorithm::RS256]);
    assert_eq!(
        v.kind,
        TokenKind::AccessToken {
            require_at_jwt: false,
            require_entra_shape: true
        }
    );
    assert_eq!(
        routes[0].source,
        KeySource::Discovery {
            urls: vec![format!(
                "https://login.microsoftonline.com/{TENANT}/v2.0/.well-known/openid-configuration"
            )],
            issuer: format!("https://login.microsoftonline.com/{TENANT}/v2.0"),
        }
    );
}

#[test]
fn v1_route_uses_the_sts_issuer_with_its_trailing_slash() {
    let mut p = entra(TENANT);
    p.token_versions = vec![1, 2];
    let routes = Entra.routes(&p);
    assert_eq!(routes.len(), 2);
    assert_eq!(
        routes[1].validation.issuer,
        IssuerRule::Exact(vec![format!("https://sts.windows.net/{TENANT}/")])
    );
    let KeySource::Discovery { urls, .. } = &routes[1].source else {
        panic!()
    };
    assert_eq!(
        urls,
        &[format!(
            "https://login.microsoftonline.com/{TENANT}/.well-known/openid-configuration"
        )]
    );
}

#[test]
fn multi_tenant_routes_use_the_template_and_the_allow_list() {
    let mut p = entra("organizations");
    p.token_versions = vec![1, 2];
    p.allowed_tenants = vec![TENANT.to_uppercase()];
    assert!(problems(&p).is_empty());
    let routes = Entra.routes(&p);
    assert_eq!(
        routes[0].validation.issuer,
        IssuerRule::EntraTemplate {
            templates: vec!["https://login.microsoftonline.com/{tenantid}/v2.0".into()],
            allowed_tenants: Some(vec![TENANT.to_owned()]),
        }
    );
    let KeySource::Discovery { urls, .. } = &routes[1].source else {
        panic!()
    };
    assert_eq!(
        urls,
        &["https://login.microsoftonline.com/common/.well-known/openid-configuration"]
    );
    p.allowed_tenants = vec!["*".into()];
    let IssuerRule::EntraTemplate {
        allowed_tenants, ..
    } = &Entra.routes(&p)[0].validation.issuer
    else {
        panic!()
    };
    assert_eq!(allowed_tenants, &None, "any tenant only by explicit opt-in");
}

#[test]
fn consumers_is_the_msa_tenant_and_v2_only() {
    let mut p = entra("consumers");
    let routes = Entra.routes(&p);
    assert_eq!(
        routes[0].validation.issuer,
        IssuerRule::Exact(vec![format!(
            "https://login.microsoftonline.com/{CONSUMERS_TENANT}/v2.0"
        )])
    );
    p.token_versions = vec![1];
    assert_eq!(problems(&p), ["entra.token_versions"]);
}

#[test]
fn configuration_mistakes_are_reported() {
    assert_eq!(
        problems(&entra("contoso.onmicrosoft.com")),
        ["entra.tenant"]
    );
    let mut p = entra(TENANT);
    p.token_versions = vec![1, 3];
    p.instance = Some("https://login.microsoftonline.us".into());
    p.issuer = Some("https://login.microsoftonline.com/x/v2.0".into());
    assert_eq!(
        problems(&p),
        [
            "entra.issuer",
            "entra.token_versions",
            "entra.v1_issuer_base",
            "entra.instance"
        ]
    );
    let mut p = entra(TENANT);
    p.allowed_tenants = vec![TENANT.into()];
    assert_eq!(problems(&p), ["entra.allowed_tenants"]);
    let mut p = ProviderConfig::new("entra", ProviderKind::Entra);
    p.tenant = Some("common".into());
    p.allowed_tenants = vec!["*".into(), TENANT.into()];
    assert_eq!(problems(&p), ["entra.client_id", "entra.allowed_tenants"]);
}

#[test]
fn national_cloud_instance_needs_an_explicit_v1_base() {
    let mut p = entra(TENANT);
    p.instance = Some("http://127.0.0.1:9/entra/".into());
    p.token_versions = vec![1, 2];
    assert_eq!(problems(&p), ["entra.v1_issuer_base"]);
    p.v1_issuer_base = Some("http://127.0.0.1:9/sts/".into());
    assert!(problems(&p).is_empty());
    let routes = Entra.routes(&p);
    assert_eq!(
        routes[1].validation.issuer,
        IssuerRule::Exact(vec![format!("http://127.0.0.1:9/sts/{TENANT}/")])
    );
}

#[test]
fn guid_shape() {
    assert!(is_guid(TENANT));
    assert!(is_guid(&TENANT.to_uppercase()));
    assert!(!is_guid("72f988bf-86f1-41af-91ab-2d7cd011db4"));
    assert!(!is_guid("72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"));
    assert!(!is_guid("g2f988bf-86f1-41af-91ab-2d7cd011db47"));
}
