//! Discovery documents match the provider facts of providers.md.

use crate::common::{get_json, start};
use authgate_devidp::{DEV_TENANT, DEV_TENANT_DOMAIN, Flavor};

#[tokio::test]
async fn every_discovery_document_names_its_issuer_and_jwks() {
    let (running, http) = start().await;
    let idp = &running.idp;
    for flavor in Flavor::ALL {
        let doc = get_json(&http, &idp.discovery_url(flavor)).await;
        assert_eq!(doc["issuer"], idp.issuer(flavor), "{flavor}");
        assert_eq!(doc["jwks_uri"], idp.jwks_url(flavor), "{flavor}");
    }
}

#[tokio::test]
async fn entra_v2_tenant_discovery_has_the_concrete_issuer_without_trailing_slash() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let url = format!(
        "{}{DEV_TENANT}/v2.0/.well-known/openid-configuration",
        idp.entra_instance()
    );
    let doc = get_json(&http, &url).await;
    assert_eq!(
        doc["issuer"],
        format!("{}/entra/{DEV_TENANT}/v2.0", running.base_url())
    );
    assert_eq!(
        doc["jwks_uri"],
        format!("{}{DEV_TENANT}/discovery/v2.0/keys", idp.entra_instance())
    );
    // Entra omits code_challenge_methods_supported although PKCE works (providers.md §1.1).
    assert!(doc.get("code_challenge_methods_supported").is_none());
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256"])
    );
}

#[tokio::test]
async fn entra_common_and_organizations_discovery_carry_the_tenantid_template() {
    let (running, http) = start().await;
    let idp = &running.idp;
    for alias in ["common", "organizations"] {
        let v2 = get_json(&http, &idp.discovery_url_for_tenant(Flavor::EntraV2, alias)).await;
        assert_eq!(
            v2["issuer"],
            format!("{}/entra/{{tenantid}}/v2.0", running.base_url())
        );
        assert_eq!(
            v2["jwks_uri"],
            idp.jwks_url_for_tenant(Flavor::EntraV2, alias)
        );
        assert!(
            v2["token_endpoint"]
                .as_str()
                .unwrap()
                .contains(&format!("/{alias}/oauth2/v2.0/token"))
        );
    }
    let v1 = get_json(
        &http,
        &idp.discovery_url_for_tenant(Flavor::EntraV1, "common"),
    )
    .await;
    assert_eq!(
        v1["issuer"],
        format!("{}/sts/{{tenantid}}/", running.base_url())
    );
}

#[tokio::test]
async fn entra_v1_discovery_issuer_has_a_trailing_slash() {
    let (running, http) = start().await;
    let doc = get_json(&http, &running.idp.discovery_url(Flavor::EntraV1)).await;
    assert_eq!(
        doc["issuer"],
        format!("{}/sts/{DEV_TENANT}/", running.base_url())
    );
    assert!(
        doc["jwks_uri"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/entra/{DEV_TENANT}/discovery/keys"))
    );
}

#[tokio::test]
async fn entra_resolves_the_verified_domain_and_refuses_unknown_tenants() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let by_domain = get_json(
        &http,
        &idp.discovery_url_for_tenant(Flavor::EntraV2, DEV_TENANT_DOMAIN),
    )
    .await;
    assert_eq!(by_domain["issuer"], idp.issuer(Flavor::EntraV2));
    for (flavor, tenant) in [
        (Flavor::EntraV2, "contoso.example"),
        (Flavor::EntraV1, "consumers"),
    ] {
        let response = http
            .get(idp.discovery_url_for_tenant(flavor, tenant))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{flavor} {tenant}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_tenant");
    }
}

#[tokio::test]
async fn rfc8414_metadata_is_served_only_where_the_provider_serves_it() {
    let (running, http) = start().await;
    let idp = &running.idp;
    for flavor in [Flavor::Okta, Flavor::Oidc] {
        let url = idp.oauth_metadata_url(flavor).unwrap();
        let doc = get_json(&http, &url).await;
        assert_eq!(doc["issuer"], idp.issuer(flavor), "{flavor}");
    }
    // Okta appends the segment to its authorization server path; the generic provider inserts it.
    let okta = idp.oauth_metadata_url(Flavor::Okta).unwrap();
    assert_eq!(
        okta,
        format!(
            "{}/.well-known/oauth-authorization-server",
            idp.issuer(Flavor::Okta)
        )
    );
    let oidc = idp.oauth_metadata_url(Flavor::Oidc).unwrap();
    assert_eq!(
        oidc,
        format!(
            "{}/.well-known/oauth-authorization-server/oidc",
            running.base_url()
        )
    );
    for flavor in [Flavor::EntraV2, Flavor::Google, Flavor::Auth0] {
        assert_eq!(idp.oauth_metadata_url(flavor), None);
        let appended = idp
            .discovery_url(flavor)
            .replace("openid-configuration", "oauth-authorization-server");
        let status = http.get(appended).send().await.unwrap().status();
        assert_eq!(status, 404, "{flavor}");
    }
}

#[tokio::test]
async fn okta_openid_configuration_adds_id_token_members() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let openid = get_json(&http, &idp.discovery_url(Flavor::Okta)).await;
    let oauth = get_json(&http, &idp.oauth_metadata_url(Flavor::Okta).unwrap()).await;
    assert_eq!(
        openid["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256"])
    );
    assert!(oauth.get("id_token_signing_alg_values_supported").is_none());
    assert!(
        oauth["claims_supported"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "cid")
    );
}

#[tokio::test]
async fn google_discovery_has_no_end_session_endpoint() {
    let (running, http) = start().await;
    let doc = get_json(&http, &running.idp.discovery_url(Flavor::Google)).await;
    assert_eq!(doc["issuer"], format!("{}/google", running.base_url()));
    assert!(doc.get("end_session_endpoint").is_none());
    assert!(doc.get("introspection_endpoint").is_none());
}

#[tokio::test]
async fn auth0_issuer_keeps_its_trailing_slash() {
    let (running, http) = start().await;
    let idp = &running.idp;
    assert_eq!(
        idp.discovery_url(Flavor::Auth0),
        format!(
            "{}/auth0/.well-known/openid-configuration",
            running.base_url()
        )
    );
    let doc = get_json(&http, &idp.discovery_url(Flavor::Auth0)).await;
    assert_eq!(doc["issuer"], format!("{}/auth0/", running.base_url()));
    assert_eq!(
        doc["jwks_uri"],
        format!("{}/auth0/.well-known/jwks.json", running.base_url())
    );
}
