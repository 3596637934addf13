//! PKCE support detection (security.md BCP-01, BCP-04), public clients, and metadata outages.

use crate::support::{Rp, invalid_token};
use authgate::login::LoginError;
use authgate_devidp::{Fault, Flavor};
use axum::Router;
use axum::routing::get;

/// Serves the oidc flavor's discovery document with `code_challenge_methods_supported`
/// replaced, on its own loopback port; returns its URL.
async fn discovery_without_s256(rp: &Rp) -> String {
    let real = reqwest::get(rp.idp().discovery_url(Flavor::Oidc))
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let mut doc = real;
    doc["code_challenge_methods_supported"] = serde_json::json!(["plain"]);
    let app = Router::new().route(
        "/.well-known/openid-configuration",
        get(move || {
            let doc = doc.clone();
            async move { axum::Json(doc) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/.well-known/openid-configuration")
}

/// A relying party whose oidc provider's metadata lacks S256, and the IdP it signs in at
/// (kept alive with it).
async fn rp_without_s256(public: bool) -> (Rp, Rp) {
    let donor = Rp::start().await;
    let url = discovery_without_s256(&donor).await;
    // The donor's IdP keeps serving; a second RP points its oidc provider at the edited copy.
    let rp = Rp::start_with(Default::default(), |providers| {
        let oidc = providers.iter_mut().find(|p| p.id == "oidc").unwrap();
        oidc.issuer = Some(donor.idp().issuer(Flavor::Oidc));
        oidc.discovery = Some(url);
        if public {
            oidc.public_client = true;
            oidc.client_secret = None;
        }
    })
    .await;
    (rp, donor)
}

#[tokio::test]
async fn bcp04_no_s256_refuses_a_public_client() {
    let (rp, _idp) = rp_without_s256(true).await;
    let err = rp.login.begin("oidc", None).await.unwrap_err();
    assert!(
        matches!(err, LoginError::Unavailable(ref why) if why.contains("S256")),
        "{err:?}"
    );
}

#[tokio::test]
async fn bcp04_no_s256_falls_back_for_a_confidential_client() {
    let (rp, _idp) = rp_without_s256(false).await;
    let round = rp.authorize("oidc", None, None).await;
    let names: Vec<String> = round
        .begin
        .redirect_to
        .query_pairs()
        .map(|(n, _)| n.into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with("code_challenge")),
        "{names:?}"
    );
    assert!(names.contains(&"nonce".to_owned()) && names.contains(&"state".to_owned()));
    // State and nonce still bind the sign-in; it completes.
    let done = rp
        .login
        .complete("oidc", &round.query, Some(&round.binding()))
        .await
        .unwrap();
    assert_eq!(done.subject, "dev-user-1");
}

#[tokio::test]
async fn public_client_signs_in_with_pkce_only() {
    let rp = Rp::start_with(Default::default(), |providers| {
        let oidc = providers.iter_mut().find(|p| p.id == "oidc").unwrap();
        oidc.public_client = true;
        oidc.client_secret = None;
    })
    .await;
    let done = rp.sign_in("oidc", None).await.unwrap();
    assert_eq!(done.subject, "dev-user-1");
}

#[tokio::test]
async fn bcp31_injected_code_fails_pkce() {
    let rp = Rp::start().await;
    // The attacker's own transaction yields a code bound to the attacker's verifier.
    let attacker = rp.authorize("oidc", None, None).await;
    let victim = rp.authorize("oidc", None, None).await;
    let injected = victim.with("code", Some(&attacker.param("code").unwrap()));
    let why = invalid_token(
        rp.login
            .complete("oidc", &injected, Some(&victim.binding()))
            .await,
    );
    assert!(why.contains("invalid_grant"), "{why}");
}

#[tokio::test]
async fn metadata_outage_is_unavailable_then_recovers() {
    let rp = Rp::start().await;
    rp.idp().set_fault_for(Flavor::Okta, Fault::Status(503));
    let err = rp.login.begin("okta", None).await.unwrap_err();
    assert!(matches!(err, LoginError::Unavailable(_)), "{err:?}");
    rp.idp().set_fault_for(Flavor::Okta, Fault::None);
    // Within the first backoff (1 s) the failure stands without a new fetch.
    let err = rp.login.begin("okta", None).await.unwrap_err();
    assert!(matches!(err, LoginError::Unavailable(_)), "{err:?}");
    rp.clock.advance(std::time::Duration::from_secs(1));
    rp.login.begin("okta", None).await.unwrap();
}
