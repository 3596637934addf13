//! Back-channel logout tokens (OIDC Back-Channel Logout 1.0 §2.6, security.md BCP-64).

use crate::support::Rp;
use authgate::login::LoginError;
use authgate_core::Algorithm;
use authgate_devidp::{Flavor, LogoutTokenSpec};

async fn refused(rp: &Rp, spec: LogoutTokenSpec) -> String {
    let token = rp.idp().mint_logout_token(Flavor::Oidc, &spec);
    match rp.login.logout_token(&token).await {
        Err(LoginError::InvalidToken(why)) => why,
        other => panic!("expected InvalidToken, got {other:?}"),
    }
}

#[tokio::test]
async fn bcp64_logout_token_valid() {
    let rp = Rp::start().await;
    let token = rp
        .idp()
        .mint_logout_token(Flavor::Oidc, &LogoutTokenSpec::new().sid("s-1"));
    let logout = rp.login.logout_token(&token).await.unwrap();
    assert_eq!(logout.issuer, rp.idp().issuer(Flavor::Oidc));
    assert_eq!(logout.sid.as_deref(), Some("s-1"));
    assert_eq!(logout.subject.as_deref(), Some("dev-user-1"));
    let only_sid = LogoutTokenSpec::new().sid("s-2").without("sub");
    let token = rp.idp().mint_logout_token(Flavor::Oidc, &only_sid);
    let logout = rp.login.logout_token(&token).await.unwrap();
    assert_eq!(logout.subject, None);
}

#[tokio::test]
async fn bcp64_logout_token_replayed_jti() {
    let rp = Rp::start().await;
    let token = rp
        .idp()
        .mint_logout_token(Flavor::Oidc, &LogoutTokenSpec::new());
    rp.login.logout_token(&token).await.unwrap();
    let err = rp.login.logout_token(&token).await.unwrap_err();
    assert!(
        matches!(err, LoginError::InvalidToken(ref why) if why.contains("replayed")),
        "{err:?}"
    );
}

#[tokio::test]
async fn bcp64_logout_token_alg_none_and_unexpected_alg() {
    let rp = Rp::start().await;
    let token = rp
        .idp()
        .mint_logout_token(Flavor::Oidc, &LogoutTokenSpec::new());
    let mut parts: Vec<&str> = token.split('.').collect();
    let none_header = "eyJhbGciOiJub25lIiwidHlwIjoibG9nb3V0K2p3dCJ9";
    parts[0] = none_header;
    parts[2] = "";
    let unsigned = parts.join(".");
    assert!(rp.login.logout_token(&unsigned).await.is_err());
    // Okta allows RS256 only.
    let es256 = rp
        .idp()
        .mint_logout_token(Flavor::Okta, &LogoutTokenSpec::new().alg(Algorithm::ES256));
    assert!(rp.login.logout_token(&es256).await.is_err());
}

#[tokio::test]
async fn bcp64_logout_token_wrong_iss() {
    let rp = Rp::start().await;
    refused(
        &rp,
        LogoutTokenSpec::new().claim("iss", "https://evil.example"),
    )
    .await;
    let trailing = format!("{}/", rp.idp().issuer(Flavor::Oidc));
    refused(&rp, LogoutTokenSpec::new().claim("iss", trailing)).await;
    refused(&rp, LogoutTokenSpec::new().without("iss")).await;
}

#[tokio::test]
async fn bcp64_logout_token_wrong_aud() {
    let rp = Rp::start().await;
    let why = refused(&rp, LogoutTokenSpec::new().audience("another-client")).await;
    assert!(why.contains("aud"), "{why}");
    refused(&rp, LogoutTokenSpec::new().without("aud")).await;
}

#[tokio::test]
async fn bcp64_logout_token_events() {
    let rp = Rp::start().await;
    refused(&rp, LogoutTokenSpec::new().without("events")).await;
    let wrong = serde_json::json!({"http://schemas.openid.net/event/backchannel-logout-x": {}});
    refused(&rp, LogoutTokenSpec::new().claim("events", wrong)).await;
    refused(
        &rp,
        LogoutTokenSpec::new().claim("events", serde_json::json!([])),
    )
    .await;
}

#[tokio::test]
async fn bcp64_logout_token_nonce() {
    let rp = Rp::start().await;
    let why = refused(&rp, LogoutTokenSpec::new().claim("nonce", "n")).await;
    assert!(why.contains("nonce"), "{why}");
}

#[tokio::test]
async fn bcp64_logout_token_no_sub_no_sid() {
    let rp = Rp::start().await;
    refused(&rp, LogoutTokenSpec::new().without("sub")).await;
}

#[tokio::test]
async fn bcp64_logout_token_missing_iat_or_jti() {
    let rp = Rp::start().await;
    let why = refused(&rp, LogoutTokenSpec::new().without("iat")).await;
    assert!(why.contains("iat"), "{why}");
    let why = refused(&rp, LogoutTokenSpec::new().without("jti")).await;
    assert!(why.contains("jti"), "{why}");
}

#[tokio::test]
async fn bcp64_logout_token_typ() {
    let rp = Rp::start().await;
    let why = refused(&rp, LogoutTokenSpec::new().header("typ", "JWT")).await;
    assert!(why.contains("typ"), "{why}");
    // No typ at all is allowed (§2.6 does not require it).
    let untyped = LogoutTokenSpec::new().header("typ", serde_json::Value::Null);
    let token = rp.idp().mint_logout_token(Flavor::Oidc, &untyped);
    rp.login.logout_token(&token).await.unwrap();
}

#[tokio::test]
async fn bcp64_logout_token_expired() {
    let rp = Rp::start().await;
    let token = rp
        .idp()
        .mint_logout_token(Flavor::Oidc, &LogoutTokenSpec::new());
    rp.clock.advance(std::time::Duration::from_secs(600));
    assert!(rp.login.logout_token(&token).await.is_err());
}

#[tokio::test]
async fn bcp64_logout_token_garbage() {
    let rp = Rp::start().await;
    for garbage in ["", "a.b.c", "not a jwt", &"x".repeat(20_000)] {
        assert!(rp.login.logout_token(garbage).await.is_err());
    }
}
