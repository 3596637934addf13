//! Sign-in with every flavor: begin → the provider → callback → `CompletedLogin`.

use crate::support::{PUBLIC_URL, Rp};
use authgate_devidp::{DEV_TENANT, Flavor};

fn query(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn bcp01_authorization_request_carries_s256_state_nonce_and_exact_redirect_uri() {
    let rp = Rp::start().await;
    let a = rp.login.begin("oidc", None).await.unwrap();
    let b = rp.login.begin("oidc", None).await.unwrap();
    let url = &a.redirect_to;
    assert_eq!(query(url, "response_type").as_deref(), Some("code"));
    assert_eq!(query(url, "code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(query(url, "code_challenge").unwrap().len(), 43);
    assert_eq!(
        query(url, "redirect_uri").unwrap(),
        format!("{PUBLIC_URL}/auth/oidc/callback")
    );
    assert!(query(url, "scope").unwrap().contains("offline_access"));
    // BCP-03: every transaction has its own state, nonce and challenge.
    for name in ["state", "nonce", "code_challenge"] {
        assert_ne!(query(url, name), query(&b.redirect_to, name), "{name}");
        assert_eq!(query(url, name).unwrap().len(), 43, "{name}");
    }
    assert_ne!(
        a.browser_binding.expose_secret(),
        b.browser_binding.expose_secret()
    );
}

#[tokio::test]
async fn oidc_sign_in_completes_with_userinfo_merged() {
    let rp = Rp::start().await;
    let done = rp.sign_in("oidc", None).await.unwrap();
    assert_eq!(done.provider, "oidc");
    assert_eq!(done.issuer, rp.idp().issuer(Flavor::Oidc));
    assert_eq!(done.subject, "dev-user-1");
    assert_eq!(done.return_to, "/home");
    assert_eq!(done.claims["sub"], "dev-user-1");
    assert_eq!(done.claims["email_verified"], true);
    assert!(done.sid.is_some());
    assert!(done.tokens.refresh_token.is_some());
    assert!(done.tokens.id_token.is_some());
    assert!(done.tokens.expires_at.is_some());
    assert_eq!(done.user.email.as_deref(), Some("dev.user@example.com"));
    assert!(!done.user.disabled);
}

#[tokio::test]
async fn entra_v2_sign_in_keys_the_identity_on_tenant_issuer_and_oid() {
    let rp = Rp::start().await;
    let done = rp.sign_in("entra", None).await.unwrap();
    assert_eq!(
        done.issuer,
        rp.idp().issuer_for_tenant(Flavor::EntraV2, DEV_TENANT)
    );
    assert_eq!(done.claims["tid"], DEV_TENANT);
    assert_eq!(done.subject, done.claims["oid"].as_str().unwrap());
    assert_ne!(done.subject, done.claims["sub"].as_str().unwrap());
    let url = rp.login.begin("entra", None).await.unwrap().redirect_to;
    assert!(
        url.path().ends_with("/organizations/oauth2/v2.0/authorize"),
        "{url}"
    );
}

#[tokio::test]
async fn google_sign_in_asks_for_offline_access_with_consent() {
    let rp = Rp::start().await;
    let url = rp.login.begin("google", None).await.unwrap().redirect_to;
    assert_eq!(query(&url, "access_type").as_deref(), Some("offline"));
    assert_eq!(query(&url, "prompt").as_deref(), Some("consent"));
    assert!(!query(&url, "scope").unwrap().contains("offline_access"));
    let done = rp.sign_in("google", None).await.unwrap();
    assert_eq!(done.issuer, rp.idp().issuer(Flavor::Google));
    assert_eq!(done.subject, "110169484474386276334");
}

#[tokio::test]
async fn google_hosted_domain_is_requested_and_enforced() {
    let rp = Rp::start_with(Default::default(), |providers| {
        let google = providers.iter_mut().find(|p| p.id == "google").unwrap();
        google.hosted_domain = Some("example.com".into());
    })
    .await;
    let url = rp.login.begin("google", None).await.unwrap().redirect_to;
    assert_eq!(query(&url, "hd").as_deref(), Some("example.com"));
    // The dev IdP's Google ID tokens carry no `hd`: refused.
    let err = rp.sign_in("google", None).await.unwrap_err();
    assert!(
        matches!(err, authgate::login::LoginError::InvalidToken(_)),
        "{err:?}"
    );
}

#[tokio::test]
async fn okta_and_auth0_sign_in() {
    let rp = Rp::start().await;
    let okta = rp.sign_in("okta", None).await.unwrap();
    assert_eq!(okta.issuer, rp.idp().issuer(Flavor::Okta));
    let auth0 = rp.sign_in("auth0", None).await.unwrap();
    assert_eq!(auth0.issuer, rp.idp().issuer(Flavor::Auth0));
    assert!(auth0.issuer.ends_with('/'));
    assert_ne!(okta.user.id, auth0.user.id);
}

#[tokio::test]
async fn demo_users_sign_in_by_login_hint() {
    let rp = Rp::start().await;
    let alice = rp.sign_in("oidc", Some("alice")).await.unwrap();
    let bob = rp.sign_in("oidc", Some("bob")).await.unwrap();
    assert_eq!(alice.subject, "alice");
    assert_eq!(bob.subject, "bob");
    assert_ne!(alice.user.id, bob.user.id);
}

#[tokio::test]
async fn github_sign_in_reads_the_user_api() {
    let rp = Rp::start().await;
    let url = rp.login.begin("github", None).await.unwrap().redirect_to;
    assert!(query(&url, "nonce").is_none());
    let done = rp.sign_in("github", Some("alice")).await.unwrap();
    assert_eq!(done.subject, "5820002");
    assert_eq!(done.issuer, format!("{}/github/api", rp.idp().base_url()));
    assert_eq!(done.claims["login"], "alice");
    assert!(done.tokens.id_token.is_none());
}

#[tokio::test]
async fn github_unverified_email_is_not_verified() {
    let rp = Rp::start().await;
    let carol = rp.sign_in("github", Some("carol")).await.unwrap();
    assert_eq!(carol.subject, "5820004");
    assert_ne!(
        carol.claims.get("email_verified"),
        Some(&serde_json::json!(true))
    );
}

#[tokio::test]
async fn providers_are_listed_in_configuration_order() {
    let rp = Rp::start().await;
    let ids: Vec<String> = rp.login.providers().into_iter().map(|p| p.id).collect();
    assert_eq!(ids, ["entra", "google", "okta", "auth0", "oidc", "github"]);
    let err = rp.login.begin("nope", None).await.unwrap_err();
    assert!(matches!(
        err,
        authgate::login::LoginError::UnknownProvider(_)
    ));
}

#[tokio::test]
async fn entra_single_tenant_sign_in() {
    let rp = Rp::start_with(Default::default(), |providers| {
        let entra = providers.iter_mut().find(|p| p.id == "entra").unwrap();
        entra.tenant = Some(DEV_TENANT.into());
        entra.allowed_tenants.clear();
    })
    .await;
    let done = rp.sign_in("entra", None).await.unwrap();
    assert_eq!(done.claims["tid"], DEV_TENANT);
}

#[tokio::test]
async fn entra_tenant_not_allowed_is_refused() {
    let rp = Rp::start_with(Default::default(), |providers| {
        let entra = providers.iter_mut().find(|p| p.id == "entra").unwrap();
        entra.allowed_tenants = vec![authgate_devidp::SECOND_TENANT.into()];
    })
    .await;
    let err = rp.sign_in("entra", None).await.unwrap_err();
    assert!(
        matches!(err, authgate::login::LoginError::InvalidToken(_)),
        "{err:?}"
    );
}

#[tokio::test]
async fn bcp03_two_tabs_complete_independently() {
    let rp = Rp::start().await;
    let first = rp.authorize("oidc", Some("alice"), Some("/one")).await;
    let second = rp.authorize("oidc", Some("alice"), Some("/two")).await;
    let b = rp
        .login
        .complete("oidc", &second.query, Some(&second.binding()))
        .await
        .unwrap();
    let a = rp
        .login
        .complete("oidc", &first.query, Some(&first.binding()))
        .await
        .unwrap();
    assert_eq!(
        (a.return_to.as_str(), b.return_to.as_str()),
        ("/one", "/two")
    );
    assert_eq!(a.user.id, b.user.id);
}

#[tokio::test]
async fn bcp51_debug_output_carries_no_secret() {
    let rp = Rp::start().await;
    let round = rp.authorize("oidc", None, None).await;
    let done = rp
        .login
        .complete("oidc", &round.query, Some(&round.binding()))
        .await
        .unwrap();
    // The authorization URL carries the state by design; the binding cookie value must not
    // show, nor anything of the completed sign-in.
    let printed = format!("{:?} {done:?} {:?}", round.begin.browser_binding, rp.login);
    let secrets = [
        done.tokens.access_token.expose_secret().to_owned(),
        done.tokens
            .refresh_token
            .as_ref()
            .unwrap()
            .expose_secret()
            .to_owned(),
        done.tokens
            .id_token
            .as_ref()
            .unwrap()
            .expose_secret()
            .to_owned(),
        round.binding(),
        round.param("code").unwrap(),
        round.param("state").unwrap(),
    ];
    for secret in secrets {
        assert!(!printed.contains(&secret));
    }
}

#[tokio::test]
async fn bcp03_two_tabs_share_the_binding_and_both_complete() {
    let rp = Rp::start().await;
    let first = rp.login.begin_in_browser("oidc", None, None).await.unwrap();
    let binding = first.browser_binding.expose_secret().to_owned();
    let second = rp
        .login
        .begin_in_browser("oidc", None, Some(&binding))
        .await
        .unwrap();
    assert_eq!(second.browser_binding.expose_secret(), binding);
    assert_ne!(
        query(&first.redirect_to, "state"),
        query(&second.redirect_to, "state")
    );
    let q1 = rp.follow(&first, "oidc", None).await;
    let q2 = rp.follow(&second, "oidc", None).await;
    // The second tab finishes first; the first tab still completes with the same cookie.
    rp.login
        .complete("oidc", &q2, Some(&binding))
        .await
        .unwrap();
    rp.login
        .complete("oidc", &q1, Some(&binding))
        .await
        .unwrap();
    assert_eq!(rp.code_redemptions(), 2);
}

#[tokio::test]
async fn bcp03_malformed_existing_binding_is_replaced() {
    let rp = Rp::start().await;
    let long = "a".repeat(44);
    for bad in [
        "",
        "short",
        "a+b/c=",
        long.as_str(),
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.",
    ] {
        let begin = rp
            .login
            .begin_in_browser("oidc", None, Some(bad))
            .await
            .unwrap();
        let fresh = begin.browser_binding.expose_secret();
        assert_ne!(fresh, bad);
        assert_eq!(fresh.len(), 43, "{bad}");
    }
}
