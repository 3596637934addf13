//! Each provider's real token shapes, minted by the dev IdP and verified over loopback HTTP,
//! and their near misses (security.md §1.E, §1.F, §1.H).

use crate::support::{Fixture, kind};
use authgate::VerifyErrorKind::{
    Expired, InvalidClaim, KeysUnavailable, Malformed, MissingClaim, UnknownIssuer, WrongAudience,
    WrongIssuer, WrongTokenType,
};
use authgate_core::{Algorithm, SigningKey};
use authgate_devidp::{
    Auth0Dialect, DEV_TENANT, ENTRA_API_CLIENT_ID, ENTRA_CLIENT_APP_ID, Flavor, MSA_TENANT,
    MintRequest, OKTA_CLIENT_ID, SECOND_TENANT,
};
use std::time::Duration;

const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

// ---- Entra ----------------------------------------------------------------------------

#[tokio::test]
async fn entra_v2_user_token_is_accepted() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.entra(DEV_TENANT)]).await;
    let token = fx
        .idp()
        .mint(&MintRequest::new(Flavor::EntraV2).scopes(["access_as_user"]));
    let p = verifier.verify(&token).await.unwrap();
    assert_eq!(p.provider, "entra");
    assert_eq!(p.tenant.as_deref(), Some(DEV_TENANT));
    assert_eq!(p.client_id.as_deref(), Some(ENTRA_CLIENT_APP_ID));
    assert_eq!(p.scopes, ["access_as_user"]);
    assert!(!p.app_only);
}

#[tokio::test]
async fn entra_app_only_token_is_accepted_and_marked() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.entra(DEV_TENANT)]).await;
    let token = fx.idp().mint(
        &MintRequest::new(Flavor::EntraV2)
            .app_only()
            .roles(["Orders.Read.All"]),
    );
    let p = verifier.verify(&token).await.unwrap();
    assert!(p.app_only);
    assert_eq!(p.roles, ["Orders.Read.All"]);
    assert!(p.scopes.is_empty());
}

#[tokio::test]
async fn jwt_i09_v1_token_is_rejected_unless_v1_is_enabled() {
    let fx = Fixture::start().await;
    let v1 = fx
        .idp()
        .mint(&MintRequest::new(Flavor::EntraV1).scopes(["user_impersonation"]));
    let v2_only = fx.verifier([fx.entra(DEV_TENANT)]).await;
    assert_eq!(kind(v2_only.verify(&v1).await), UnknownIssuer);

    let mut both = fx.entra(DEV_TENANT);
    both.token_versions = vec![1, 2];
    let verifier = fx.verifier([both]).await;
    let p = verifier.verify(&v1).await.unwrap();
    assert_eq!(
        p.issuer,
        fx.idp().issuer_for_tenant(Flavor::EntraV1, DEV_TENANT)
    );
    assert_eq!(
        p.client_id.as_deref(),
        Some(ENTRA_CLIENT_APP_ID),
        "v1 names the client in appid"
    );
    let v2 = fx
        .idp()
        .mint(&MintRequest::new(Flavor::EntraV2).scopes(["access_as_user"]));
    assert!(
        verifier.verify(&v2).await.is_ok(),
        "the issuer picks the version"
    );
}

#[tokio::test]
async fn jwt_d09_microsoft_graph_tokens_are_refused_by_audience() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.entra(DEV_TENANT)]).await;
    for aud in [GRAPH_APP_ID, "https://graph.microsoft.com"] {
        let token = fx.idp().mint(
            &MintRequest::new(Flavor::EntraV2)
                .scopes(["User.Read"])
                .audience(aud),
        );
        assert_eq!(kind(verifier.verify(&token).await), WrongAudience, "{aud}");
    }
}

#[tokio::test]
async fn jwt_d08_only_configured_audience_forms_match() {
    let fx = Fixture::start().await;
    let mut p = fx.entra(DEV_TENANT);
    p.audiences = vec![ENTRA_API_CLIENT_ID.into()];
    let verifier = fx.verifier([p]).await;
    let bare = fx
        .idp()
        .mint(&MintRequest::new(Flavor::EntraV2).scopes(["access_as_user"]));
    assert!(verifier.verify(&bare).await.is_ok());
    let uri = MintRequest::new(Flavor::EntraV2)
        .scopes(["access_as_user"])
        .audience(format!("api://{ENTRA_API_CLIENT_ID}"));
    assert_eq!(
        kind(verifier.verify(&fx.idp().mint(&uri)).await),
        WrongAudience
    );
}

#[tokio::test]
async fn jwt_k01_entra_token_without_scp_or_roles_is_refused() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.entra(DEV_TENANT)]).await;
    let token = fx.idp().mint(&MintRequest::new(Flavor::EntraV2));
    assert_eq!(kind(verifier.verify(&token).await), WrongTokenType);
}

#[tokio::test]
async fn jwt_k01_entra_id_token_with_app_roles_is_refused() {
    // One app registration for the SPA and the API: the ID token's `aud` is the API's client
    // id. A user assigned app roles gets `roles` in it; no `nonce` was requested.
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.entra(DEV_TENANT)]).await;
    let id_token = MintRequest::new(Flavor::EntraV2)
        .id_token(None)
        .audience(ENTRA_API_CLIENT_ID)
        .claim("roles", serde_json::json!(["Orders.Admin"]));
    assert_eq!(
        kind(verifier.verify(&fx.idp().mint(&id_token)).await),
        WrongTokenType
    );
}

#[tokio::test]
async fn entra_app_only_without_idtyp_and_delegated_with_roles_are_accepted() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.entra(DEV_TENANT)]).await;
    // `idtyp` is an optional claim: without it, `sub == oid` marks the app-only token.
    let app = MintRequest::new(Flavor::EntraV2)
        .app_only()
        .roles(["Orders.Read.All"])
        .claim("idtyp", serde_json::Value::Null);
    let p = verifier.verify(&fx.idp().mint(&app)).await.unwrap();
    assert!(p.app_only);
    // providers.md §1.4.4(b): no role assignment required, no `roles`.
    let bare_app = MintRequest::new(Flavor::EntraV2)
        .app_only()
        .claim("idtyp", serde_json::Value::Null);
    assert!(verifier.verify(&fx.idp().mint(&bare_app)).await.is_ok());
    let delegated = MintRequest::new(Flavor::EntraV2)
        .scopes(["access_as_user"])
        .roles(["Admin"]);
    let p = verifier.verify(&fx.idp().mint(&delegated)).await.unwrap();
    assert_eq!(
        (p.roles.as_slice(), p.app_only),
        (&["Admin".to_owned()][..], false)
    );
}

#[tokio::test]
async fn entra_multi_tenant_accepts_allowed_tenants_only() {
    let fx = Fixture::start().await;
    let mut p = fx.entra("organizations");
    p.allowed_tenants = vec![DEV_TENANT.into()];
    let verifier = fx.verifier([p]).await;
    assert!(verifier.is_ready());
    let mint = |tenant: &str| {
        fx.idp().mint(
            &MintRequest::new(Flavor::EntraV2)
                .scopes(["access_as_user"])
                .tenant(tenant),
        )
    };
    let p = verifier.verify(&mint(DEV_TENANT)).await.unwrap();
    assert_eq!(p.tenant.as_deref(), Some(DEV_TENANT));
    // JWT-I08: a tenant that is not on the allow-list.
    assert_eq!(
        kind(verifier.verify(&mint(SECOND_TENANT)).await),
        WrongIssuer
    );
}

#[tokio::test]
async fn jwt_i07_multi_tenant_iss_and_tid_must_agree() {
    let fx = Fixture::start().await;
    let mut p = fx.entra("common");
    p.allowed_tenants = vec![DEV_TENANT.into(), SECOND_TENANT.into()];
    let verifier = fx.verifier([p]).await;
    let forged = MintRequest::new(Flavor::EntraV2)
        .scopes(["access_as_user"])
        .tenant(DEV_TENANT)
        .claim("tid", SECOND_TENANT);
    assert_eq!(
        kind(verifier.verify(&fx.idp().mint(&forged)).await),
        WrongIssuer
    );
    let second = MintRequest::new(Flavor::EntraV2)
        .scopes(["access_as_user"])
        .tenant(SECOND_TENANT);
    assert!(verifier.verify(&fx.idp().mint(&second)).await.is_ok());
}

#[tokio::test]
async fn entra_v1_multi_tenant_uses_the_common_v1_document() {
    let fx = Fixture::start().await;
    let mut p = fx.entra("organizations");
    p.allowed_tenants = vec![DEV_TENANT.into()];
    p.token_versions = vec![1, 2];
    let verifier = fx.verifier([p]).await;
    assert!(verifier.is_ready(), "{:?}", verifier.key_status());
    let v1 = |tenant: &str| {
        fx.idp().mint(
            &MintRequest::new(Flavor::EntraV1)
                .scopes(["user_impersonation"])
                .tenant(tenant),
        )
    };
    assert!(verifier.verify(&v1(DEV_TENANT)).await.is_ok());
    let other = verifier.verify(&v1(SECOND_TENANT)).await;
    assert_eq!(kind(other), WrongIssuer, "JWT-I08 for v1 too");
}

#[tokio::test]
async fn entra_consumers_accepts_the_microsoft_account_tenant_only() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.entra("consumers")]).await;
    assert!(verifier.is_ready(), "{:?}", verifier.key_status());
    let msa = MintRequest::new(Flavor::EntraV2)
        .scopes(["access_as_user"])
        .tenant(MSA_TENANT);
    assert!(verifier.verify(&fx.idp().mint(&msa)).await.is_ok());
    let work = MintRequest::new(Flavor::EntraV2).scopes(["access_as_user"]);
    assert_eq!(
        kind(verifier.verify(&fx.idp().mint(&work)).await),
        UnknownIssuer
    );
}

/// JWT-S07: a guest of the tenant (B2B: `idp` names the home tenant; `acct = 1`) is refused
/// unless the provider opts in with `allow_guests`.
#[tokio::test]
async fn jwt_s07_entra_guests_are_refused_unless_allowed() {
    let fx = Fixture::start().await;
    let home = "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/";
    let user = || MintRequest::new(Flavor::EntraV2).scopes(["access_as_user"]);
    let guest = fx.idp().mint(&user().claim("idp", home));
    let flagged = fx.idp().mint(&user().claim("acct", 1));
    let member = fx.idp().mint(&user().claim("acct", 0));
    let strict = fx.verifier([fx.entra(authgate_devidp::DEV_TENANT)]).await;
    assert_eq!(kind(strict.verify(&guest).await), InvalidClaim);
    assert_eq!(kind(strict.verify(&flagged).await), InvalidClaim);
    assert!(strict.verify(&member).await.is_ok());
    let mut p = fx.entra(authgate_devidp::DEV_TENANT);
    p.allow_guests = true;
    let open = fx.verifier([p]).await;
    assert!(open.verify(&guest).await.is_ok());
    assert!(open.verify(&flagged).await.is_ok());
}

// ---- Google ---------------------------------------------------------------------------

#[tokio::test]
async fn google_id_token_is_accepted() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.google()]).await;
    let p = verifier
        .verify(&fx.idp().mint(&MintRequest::new(Flavor::Google)))
        .await
        .unwrap();
    assert_eq!(p.provider, "google");
    assert_eq!(p.issuer, fx.idp().issuer(Flavor::Google));
}

#[tokio::test]
async fn jwt_i11_the_legacy_spelling_is_only_for_the_real_google_issuer() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.google()]).await;
    let schemeless = fx.idp().issuer(Flavor::Google).replacen("http://", "", 1);
    let token = fx
        .idp()
        .mint(&MintRequest::new(Flavor::Google).claim("iss", schemeless));
    assert_eq!(kind(verifier.verify(&token).await), UnknownIssuer);
}

#[tokio::test]
async fn google_opaque_access_tokens_are_rejected() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.google()]).await;
    let opaque = "ya29.a0AfH6SMBx3kQpLwR7nV0o2cYt8uPq1sZ9dK4mF6hJ2gL5eW7rT3yU0iO";
    assert_eq!(kind(verifier.verify(opaque).await), Malformed);
}

#[tokio::test]
async fn jwt_s08_google_hosted_domain_is_checked_on_hd() {
    let fx = Fixture::start().await;
    let mut p = fx.google();
    p.hosted_domain = Some("example.com".into());
    let verifier = fx.verifier([p]).await;
    let with_hd = |hd: &str| {
        fx.idp()
            .mint(&MintRequest::new(Flavor::Google).claim("hd", hd))
    };
    assert!(verifier.verify(&with_hd("example.com")).await.is_ok());
    let evil = verifier.verify(&with_hd("evil-example.com")).await;
    assert_eq!(kind(evil), InvalidClaim);
    // The e-mail domain is never a substitute for hd.
    let no_hd = fx.idp().mint(&MintRequest::new(Flavor::Google));
    assert_eq!(kind(verifier.verify(&no_hd).await), MissingClaim);
}

/// Google's hybrid apps (providers.md §2.3): the Android client's ID token names the web
/// client (this API) as `aud` and itself as `azp`. Accepted only when that presenter is
/// configured, and the presenter is never an audience.
#[tokio::test]
async fn google_authorized_parties_accept_the_configured_presenter_only() {
    let fx = Fixture::start().await;
    let android = "1234987819200-android.apps.googleusercontent.com";
    let presented = fx
        .idp()
        .mint(&MintRequest::new(Flavor::Google).claim("azp", android));
    let plain = fx.verifier([fx.google()]).await;
    assert_eq!(kind(plain.verify(&presented).await), WrongAudience);
    let mut p = fx.google();
    p.authorized_parties = vec![android.into()];
    let verifier = fx.verifier([p]).await;
    assert!(verifier.verify(&presented).await.is_ok());
    let other = fx
        .idp()
        .mint(&MintRequest::new(Flavor::Google).claim("azp", "someone-else"));
    assert_eq!(kind(verifier.verify(&other).await), WrongAudience);
    let for_android = fx.idp().mint(
        &MintRequest::new(Flavor::Google)
            .audience(android)
            .claim("azp", android),
    );
    assert_eq!(kind(verifier.verify(&for_android).await), WrongAudience);
}

// ---- Okta, Auth0, generic OIDC --------------------------------------------------------

#[tokio::test]
async fn okta_scp_array_and_cid_are_read() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.okta()]).await;
    let token = fx
        .idp()
        .mint(&MintRequest::new(Flavor::Okta).scopes(["orders.read", "orders.write"]));
    let p = verifier.verify(&token).await.unwrap();
    assert_eq!(p.scopes, ["orders.read", "orders.write"]);
    assert_eq!(p.client_id.as_deref(), Some(OKTA_CLIENT_ID));
}

#[tokio::test]
async fn auth0_both_dialects_and_permissions_as_roles() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.auth0()]).await;
    for dialect in [Auth0Dialect::Rfc9068, Auth0Dialect::Auth0] {
        let mut req = MintRequest::new(Flavor::Auth0)
            .scopes(["read:orders"])
            .roles(["read:orders", "write:orders"]);
        req.auth0_dialect = dialect;
        let p = verifier.verify(&fx.idp().mint(&req)).await.unwrap();
        assert_eq!(p.roles, ["read:orders", "write:orders"], "{dialect:?}");
        assert_eq!(p.scopes, ["read:orders"]);
    }
}

#[tokio::test]
async fn jwt_i03_auth0_issuer_without_its_trailing_slash_is_rejected() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.auth0()]).await;
    let issuer = fx.idp().issuer(Flavor::Auth0);
    let token = fx
        .idp()
        .mint(&MintRequest::new(Flavor::Auth0).claim("iss", issuer.trim_end_matches('/')));
    assert_eq!(kind(verifier.verify(&token).await), UnknownIssuer);
}

#[tokio::test]
async fn jwt_k02_rfc9068_issuer_requires_at_jwt() {
    let fx = Fixture::start().await;
    let mut p = fx.oidc();
    p.require_at_jwt = true;
    let verifier = fx.verifier([p]).await;
    assert!(
        verifier
            .verify(&fx.idp().mint(&MintRequest::new(Flavor::Oidc)))
            .await
            .is_ok()
    );
    let plain = MintRequest::new(Flavor::Oidc).header("typ", "JWT");
    assert_eq!(
        kind(verifier.verify(&fx.idp().mint(&plain)).await),
        WrongTokenType
    );
}

// ---- routing, key sources, caching ----------------------------------------------------

#[tokio::test]
async fn jwt_r02_unknown_issuers_cause_no_fetch() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc(), fx.okta()]).await;
    let (jwks, discovery) = (fx.idp().jwks_hits(), fx.idp().discovery_hits());
    for iss in [
        "https://attacker.example/",
        &format!("{}/oidc2", fx.idp().base_url()),
    ] {
        let token = fx
            .idp()
            .mint(&MintRequest::new(Flavor::Oidc).claim("iss", iss));
        assert_eq!(kind(verifier.verify(&token).await), UnknownIssuer);
    }
    assert_eq!(
        (fx.idp().jwks_hits(), fx.idp().discovery_hits()),
        (jwks, discovery)
    );
}

#[tokio::test]
async fn jwt_a17_jku_x5u_and_jwk_headers_are_never_fetched_or_trusted() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc()]).await;
    let attacker = SigningKey::generate(Algorithm::RS256, fx.idp().active_kid());
    let jwks_url = fx.idp().jwks_url(Flavor::Oidc);
    let hits = fx.idp().jwks_hits();
    let req = MintRequest::new(Flavor::Oidc)
        .header("jku", jwks_url.clone())
        .header("x5u", jwks_url)
        .header("jwk", attacker.public_jwk().unwrap());
    assert!(
        verifier
            .verify(&fx.idp().mint_with_key(&req, &attacker))
            .await
            .is_err()
    );
    assert_eq!(
        fx.idp().jwks_hits(),
        hits,
        "no outbound request for jku/x5u"
    );
}

#[tokio::test]
async fn discovery_through_rfc8414_and_jwks_uri_override() {
    let fx = Fixture::start().await;
    let mut via_8414 = fx.okta();
    via_8414.discovery = fx.idp().oauth_metadata_url(Flavor::Okta);
    let mut direct = fx.oidc();
    direct.jwks_uri = Some(fx.idp().jwks_url(Flavor::Oidc));
    let verifier = fx.verifier([via_8414, direct]).await;
    assert!(verifier.is_ready(), "{:?}", verifier.key_status());
    assert_eq!(verifier.provider_ids(), ["okta", "oidc"]);
    assert!(
        verifier
            .verify(&fx.idp().mint(&MintRequest::new(Flavor::Okta)))
            .await
            .is_ok()
    );
    assert!(
        verifier
            .verify(&fx.idp().mint(&MintRequest::new(Flavor::Oidc)))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn verify_for_restricts_providers_even_for_cached_tokens() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc(), fx.okta()]).await;
    let token = fx.idp().mint(&MintRequest::new(Flavor::Oidc));
    assert!(verifier.verify(&token).await.is_ok());
    assert_eq!(
        kind(verifier.verify_for(&token, &["okta".into()]).await),
        UnknownIssuer
    );
    assert!(verifier.verify_for(&token, &["oidc".into()]).await.is_ok());
}

#[tokio::test]
async fn cached_tokens_still_expire_by_the_clock() {
    let fx = Fixture::start().await;
    let verifier = fx.verifier([fx.oidc()]).await;
    let token = fx
        .idp()
        .mint(&MintRequest::new(Flavor::Oidc).lifetime(Duration::from_secs(600)));
    assert!(verifier.verify(&token).await.is_ok());
    fx.clock.advance(Duration::from_secs(600 + 61));
    assert_eq!(kind(verifier.verify(&token).await), Expired);
}

#[tokio::test]
async fn key_status_reports_each_issuer() {
    let fx = Fixture::start().await;
    let mut entra = fx.entra(DEV_TENANT);
    entra.token_versions = vec![1, 2];
    let verifier = fx.verifier([entra, fx.google()]).await;
    let status = verifier.key_status();
    assert_eq!(status.len(), 3, "entra v2, entra v1, google");
    assert!(
        status
            .iter()
            .all(|s| s.ready && !s.stale && s.keys >= 1 && s.last_error.is_none()),
        "{status:?}"
    );
    assert_eq!(
        status[1].issuer,
        fx.idp().issuer_for_tenant(Flavor::EntraV1, DEV_TENANT)
    );
}

#[tokio::test]
async fn invalid_configuration_fails_the_build_with_every_problem() {
    let fx = Fixture::start().await;
    let mut multi = fx.entra("organizations");
    multi.allowed_tenants.clear();
    let mut auth0 = fx.auth0();
    auth0.issuer = auth0.issuer.map(|i| i.trim_end_matches('/').to_owned());
    let err = authgate::Verifier::builder()
        .provider(multi)
        .provider(auth0)
        .build()
        .await
        .unwrap_err();
    assert!(err.0.contains("providers[0].allowed_tenants"), "{err}");
    assert!(err.0.contains("providers[1].issuer"), "{err}");
}

#[tokio::test]
async fn a_provider_whose_keys_never_loaded_answers_keys_unavailable() {
    let fx = Fixture::start().await;
    fx.idp()
        .set_fault_for(Flavor::Okta, authgate_devidp::Fault::Status(503));
    let verifier = fx.verifier([fx.oidc(), fx.okta()]).await;
    assert!(!verifier.is_ready());
    assert_eq!(
        kind(
            verifier
                .verify(&fx.idp().mint(&MintRequest::new(Flavor::Okta)))
                .await
        ),
        KeysUnavailable
    );
    assert!(
        verifier
            .verify(&fx.idp().mint(&MintRequest::new(Flavor::Oidc)))
            .await
            .is_ok()
    );
}
