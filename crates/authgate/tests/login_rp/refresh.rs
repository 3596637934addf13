//! Refreshing and revoking provider tokens (security.md BCP-45, BCP-46; RFC 7009).

use crate::support::Rp;
use authgate::login::RefreshError;
use authgate_devidp::{Endpoint, Fault, Flavor};

#[tokio::test]
async fn refresh_rotates_and_keeps_the_subject() {
    let rp = Rp::start().await;
    let done = rp.sign_in("oidc", None).await.unwrap();
    let fresh = rp.login.refresh("oidc", &done.tokens).await.unwrap();
    let old_rt = done.tokens.refresh_token.as_ref().unwrap().expose_secret();
    let new_rt = fresh.refresh_token.as_ref().unwrap().expose_secret();
    assert_ne!(old_rt, new_rt);
    assert_ne!(
        done.tokens.access_token.expose_secret(),
        fresh.access_token.expose_secret()
    );
    assert!(fresh.id_token.is_some());
    assert_eq!(
        rp.idp()
            .token_grant_hits(Some(Flavor::Oidc), "refresh_token"),
        1
    );
    // bcp45: the spent refresh token is refused for good.
    let err = rp.login.refresh("oidc", &done.tokens).await.unwrap_err();
    assert!(matches!(err, RefreshError::Fatal(_)), "{err:?}");
}

#[tokio::test]
async fn bcp45_outage_is_transient() {
    let rp = Rp::start().await;
    let done = rp.sign_in("okta", None).await.unwrap();
    rp.idp()
        .set_endpoint_fault(Some(Flavor::Okta), Endpoint::Token, Fault::Status(503));
    let err = rp.login.refresh("okta", &done.tokens).await.unwrap_err();
    assert!(matches!(err, RefreshError::Transient(_)), "{err:?}");
    rp.idp()
        .set_endpoint_fault(Some(Flavor::Okta), Endpoint::Token, Fault::None);
    rp.login.refresh("okta", &done.tokens).await.unwrap();
}

#[tokio::test]
async fn bcp46_refreshed_id_token_with_another_subject_is_refused() {
    let rp = Rp::start().await;
    let done = rp.sign_in("oidc", None).await.unwrap();
    let other = Fault::IdTokenClaim {
        name: "sub".into(),
        value: Some("someone-else".into()),
    };
    rp.idp()
        .set_endpoint_fault(Some(Flavor::Oidc), Endpoint::Token, other);
    let err = rp.login.refresh("oidc", &done.tokens).await.unwrap_err();
    assert!(matches!(err, RefreshError::Fatal(_)), "{err:?}");
}

#[tokio::test]
async fn bcp45_client_errors_are_transient() {
    let rp = Rp::start().await;
    let done = rp.sign_in("okta", None).await.unwrap();
    let token = Endpoint::Token;
    for fault in [
        Fault::Body(r#"{"error":"invalid_client"}"#.into()),
        Fault::Body(r#"{"error":"unauthorized_client"}"#.into()),
        Fault::Body(r#"{"error":"temporarily_unavailable"}"#.into()),
        Fault::Status(401),
        Fault::Status(403),
    ] {
        rp.idp()
            .set_endpoint_fault(Some(Flavor::Okta), token, fault);
        let err = rp.login.refresh("okta", &done.tokens).await.unwrap_err();
        assert!(matches!(err, RefreshError::Transient(_)), "{err:?}");
    }
    rp.idp()
        .set_endpoint_fault(Some(Flavor::Okta), token, Fault::None);
    rp.login.refresh("okta", &done.tokens).await.unwrap();
}

async fn refused_with(fault: Fault) {
    let rp = Rp::start().await;
    let done = rp.sign_in("oidc", None).await.unwrap();
    rp.idp()
        .set_endpoint_fault(Some(Flavor::Oidc), Endpoint::Token, fault);
    let err = rp.login.refresh("oidc", &done.tokens).await.unwrap_err();
    assert!(matches!(err, RefreshError::Fatal(_)), "{err:?}");
}

#[tokio::test]
async fn bcp46_refreshed_id_token_with_another_issuer_is_refused() {
    refused_with(Fault::IdTokenClaim {
        name: "iss".into(),
        value: Some("https://evil.example.com".into()),
    })
    .await;
}

#[tokio::test]
async fn bcp46_refreshed_id_token_for_another_audience_is_refused() {
    refused_with(Fault::IdTokenAudience("another-client".into())).await;
}

#[tokio::test]
async fn bcp46_refreshed_id_token_with_a_new_azp_is_refused() {
    refused_with(Fault::IdTokenAzp(Flavor::Oidc.client_id().to_owned())).await;
}

#[tokio::test]
async fn refresh_without_a_refresh_token_is_fatal() {
    let rp = Rp::start().await;
    let mut done = rp.sign_in("oidc", None).await.unwrap();
    done.tokens.refresh_token = None;
    let err = rp.login.refresh("oidc", &done.tokens).await.unwrap_err();
    assert!(matches!(err, RefreshError::Fatal(_)), "{err:?}");
}

#[tokio::test]
async fn revoke_ends_the_refresh_token() {
    let rp = Rp::start().await;
    let done = rp.sign_in("auth0", None).await.unwrap();
    rp.login.revoke("auth0", &done.tokens).await;
    assert_eq!(rp.idp().revocation_hits(Some(Flavor::Auth0)), 1);
    let err = rp.login.refresh("auth0", &done.tokens).await.unwrap_err();
    assert!(matches!(err, RefreshError::Fatal(_)), "{err:?}");
}

#[tokio::test]
async fn revoke_failures_are_only_logged() {
    let rp = Rp::start().await;
    let done = rp.sign_in("oidc", None).await.unwrap();
    rp.idp()
        .set_endpoint_fault(Some(Flavor::Oidc), Endpoint::Revocation, Fault::Status(500));
    rp.login.revoke("oidc", &done.tokens).await;
    rp.login.revoke("nope", &done.tokens).await;
}

#[tokio::test]
async fn bcp62_end_session_url_names_hint_redirect_and_client() {
    let rp = Rp::start().await;
    let done = rp.sign_in("okta", None).await.unwrap();
    let url = rp
        .login
        .end_session_url("okta", done.tokens.id_token.as_ref())
        .await
        .unwrap();
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(
        q["id_token_hint"],
        done.tokens.id_token.as_ref().unwrap().expose_secret()
    );
    assert_eq!(
        q["post_logout_redirect_uri"],
        "http://127.0.0.1:18080/auth/logged-out"
    );
    assert_eq!(q["client_id"], authgate_devidp::OKTA_CLIENT_ID);
    assert!(
        url.as_str()
            .starts_with(&format!("{}/v1/logout", rp.idp().issuer(Flavor::Okta)))
    );
    // Google advertises no end_session_endpoint; GitHub has none either.
    assert!(rp.login.end_session_url("google", None).await.is_none());
    assert!(rp.login.end_session_url("github", None).await.is_none());
}
