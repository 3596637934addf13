//! The callback's defences (security.md §3.2, §3.5, §3.6), each named after its BCP id. Every
//! refused callback is also checked to have reached no token endpoint.

use crate::support::{Rp, invalid_callback, invalid_token};
use authgate::login::LoginError;
use authgate_devidp::{Endpoint, Fault, Flavor};
use std::time::Duration;

#[tokio::test]
async fn bcp07_missing_state() {
    let rp = Rp::start().await;
    let round = rp.authorize("oidc", None, None).await;
    let query = round.with("state", None);
    invalid_callback(
        rp.login
            .complete("oidc", &query, Some(&round.binding()))
            .await,
    );
    let empty = round.with("state", Some(""));
    invalid_callback(
        rp.login
            .complete("oidc", &empty, Some(&round.binding()))
            .await,
    );
    assert_eq!(rp.code_redemptions(), 0);
}

#[tokio::test]
async fn bcp08_foreign_state() {
    let rp = Rp::start().await;
    let mine = rp.authorize("oidc", None, None).await;
    let theirs = rp.authorize("oidc", None, None).await;
    // Their callback in my browser (my binding cookie): the state is not mine.
    let why = invalid_callback(
        rp.login
            .complete("oidc", &theirs.query, Some(&mine.binding()))
            .await,
    );
    assert!(why.contains("another browser"), "{why}");
    assert_eq!(rp.code_redemptions(), 0);
    // My attempt with their state did not burn their transaction: their browser completes it.
    rp.login
        .complete("oidc", &theirs.query, Some(&theirs.binding()))
        .await
        .unwrap();
    assert_eq!(rp.code_redemptions(), 1);
    // A state nobody issued.
    let forged = mine.with("state", Some("x".repeat(43).as_str()));
    invalid_callback(
        rp.login
            .complete("oidc", &forged, Some(&mine.binding()))
            .await,
    );
    assert_eq!(rp.code_redemptions(), 1);
}

#[tokio::test]
async fn bcp09_replayed_callback() {
    let rp = Rp::start().await;
    let round = rp.authorize("oidc", None, None).await;
    rp.login
        .complete("oidc", &round.query, Some(&round.binding()))
        .await
        .unwrap();
    let why = invalid_callback(
        rp.login
            .complete("oidc", &round.query, Some(&round.binding()))
            .await,
    );
    assert!(why.contains("state"), "{why}");
    assert_eq!(rp.code_redemptions(), 1);
}

#[tokio::test]
async fn bcp10_missing_binding_cookie() {
    let rp = Rp::start().await;
    let round = rp.authorize("oidc", None, None).await;
    invalid_callback(rp.login.complete("oidc", &round.query, None).await);
    invalid_callback(rp.login.complete("oidc", &round.query, Some("")).await);
    assert_eq!(rp.code_redemptions(), 0);
    // The transaction was not spent by the attempts without the cookie.
    rp.login
        .complete("oidc", &round.query, Some(&round.binding()))
        .await
        .unwrap();
}

#[tokio::test]
async fn bcp10_expired_transaction() {
    let rp = Rp::start().await;
    let round = rp.authorize("oidc", None, None).await;
    rp.clock.advance(Duration::from_secs(301));
    invalid_callback(
        rp.login
            .complete("oidc", &round.query, Some(&round.binding()))
            .await,
    );
    assert_eq!(rp.code_redemptions(), 0);
}

#[tokio::test]
async fn bcp11_wrong_nonce() {
    let rp = Rp::start().await;
    let token = Endpoint::Token;
    rp.idp().set_endpoint_fault(
        Some(Flavor::Oidc),
        token,
        Fault::IdTokenNonce("evil".into()),
    );
    let why = invalid_token(rp.sign_in("oidc", None).await);
    assert!(why.contains("nonce"), "{why}");
    // A missing nonce is as bad as a wrong one.
    let missing = Fault::IdTokenClaim {
        name: "nonce".into(),
        value: None,
    };
    rp.idp()
        .set_endpoint_fault(Some(Flavor::Oidc), token, missing);
    invalid_token(rp.sign_in("oidc", None).await);
    // No user was created from the discarded tokens.
    let users = rp
        .stores
        .users
        .list_users(Default::default())
        .await
        .unwrap();
    assert!(users.is_empty());
}

#[tokio::test]
async fn id_token_for_another_client_or_presenter_is_refused() {
    let rp = Rp::start().await;
    let token = Endpoint::Token;
    rp.idp().set_endpoint_fault(
        Some(Flavor::Okta),
        token,
        Fault::IdTokenAudience("other-client".into()),
    );
    invalid_token(rp.sign_in("okta", None).await);
    rp.idp().set_endpoint_fault(
        Some(Flavor::Okta),
        token,
        Fault::IdTokenAzp("other-client".into()),
    );
    invalid_token(rp.sign_in("okta", None).await);
}

#[tokio::test]
async fn bcp14_duplicate_parameters() {
    let rp = Rp::start().await;
    let round = rp.authorize("oidc", None, None).await;
    let state = round.param("state").unwrap();
    let code = round.param("code").unwrap();
    let iss = round.param("iss").unwrap();
    for extra in [
        format!("state={state}"),
        "state=other".to_owned(),
        format!("code={code}"),
        format!(
            "iss={}",
            url::form_urlencoded::byte_serialize(iss.as_bytes()).collect::<String>()
        ),
        "error=access_denied&error=x".to_owned(),
    ] {
        let query = format!("{}&{extra}", round.query);
        let why = invalid_callback(
            rp.login
                .complete("oidc", &query, Some(&round.binding()))
                .await,
        );
        assert!(why.contains("duplicated"), "{extra}: {why}");
    }
    assert_eq!(rp.code_redemptions(), 0);
}

#[tokio::test]
async fn bcp13_huge_or_html_state_is_refused_without_echo() {
    let rp = Rp::start().await;
    let round = rp.authorize("oidc", None, None).await;
    for state in ["<script>alert(1)</script>".to_owned(), "a".repeat(8192)] {
        let query = round.with("state", Some(&state));
        let why = invalid_callback(
            rp.login
                .complete("oidc", &query, Some(&round.binding()))
                .await,
        );
        assert!(!why.contains("<script>") && why.len() < 200, "{why}");
    }
}

#[tokio::test]
async fn bcp25_wrong_iss() {
    let rp = Rp::start().await;
    let round = rp.authorize("oidc", None, None).await;
    let query = round.with("iss", Some(&rp.idp().issuer(Flavor::Okta)));
    let why = invalid_callback(
        rp.login
            .complete("oidc", &query, Some(&round.binding()))
            .await,
    );
    assert!(why.contains("iss"), "{why}");
    assert_eq!(rp.code_redemptions(), 0);
}

#[tokio::test]
async fn bcp26_missing_iss() {
    let rp = Rp::start().await;
    let round = rp.authorize("oidc", None, None).await;
    let query = round.with("iss", None);
    let why = invalid_callback(
        rp.login
            .complete("oidc", &query, Some(&round.binding()))
            .await,
    );
    assert!(why.contains("iss"), "{why}");
    assert_eq!(rp.code_redemptions(), 0);
}

#[tokio::test]
async fn bcp26_providers_without_rfc9207_need_no_iss() {
    let rp = Rp::start().await;
    let round = rp.authorize("okta", None, None).await;
    assert!(round.param("iss").is_none());
    rp.login
        .complete("okta", &round.query, Some(&round.binding()))
        .await
        .unwrap();
}

#[tokio::test]
async fn bcp27_error_response_with_wrong_iss_is_a_mix_up() {
    let rp = Rp::start().await;
    let round = rp.authorize("oidc", None, None).await;
    let state = round.param("state").unwrap();
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let wrong = format!(
        "error=access_denied&state={state}&iss={}",
        enc("https://evil.example")
    );
    invalid_callback(
        rp.login
            .complete("oidc", &wrong, Some(&round.binding()))
            .await,
    );
    let round = rp.authorize("oidc", None, None).await;
    let state = round.param("state").unwrap();
    let right = format!(
        "error=access_denied&state={state}&iss={}",
        enc(&rp.idp().issuer(Flavor::Oidc))
    );
    let err = rp
        .login
        .complete("oidc", &right, Some(&round.binding()))
        .await
        .unwrap_err();
    assert_eq!(err, LoginError::ProviderDenied("access_denied".into()));
    assert_eq!(rp.code_redemptions(), 0);
}

#[tokio::test]
async fn bcp28_iss_variants() {
    let rp = Rp::start().await;
    let issuer = rp.idp().issuer(Flavor::Oidc);
    let variants = [
        format!("{issuer}/"),
        issuer.to_uppercase(),
        issuer.replacen("http://", "HTTP://", 1),
        issuer.replace("/oidc", "/%6fidc"),
        issuer.replace("127.0.0.1", "localhost"),
        format!(" {issuer}"),
    ];
    for variant in variants {
        let round = rp.authorize("oidc", None, None).await;
        let query = round.with("iss", Some(&variant));
        invalid_callback(
            rp.login
                .complete("oidc", &query, Some(&round.binding()))
                .await,
        );
    }
    assert_eq!(rp.code_redemptions(), 0);
}

#[tokio::test]
async fn bcp29_code_to_other_provider() {
    let rp = Rp::start().await;
    let okta = rp.authorize("okta", None, None).await;
    let oidc = rp.authorize("oidc", None, None).await;
    // Okta's response delivered to the oidc callback: the transaction is Okta's.
    let why = invalid_callback(
        rp.login
            .complete("oidc", &okta.query, Some(&okta.binding()))
            .await,
    );
    assert!(why.contains("provider"), "{why}");
    // Okta's transaction with the oidc provider's code: only Okta's token endpoint is asked.
    let okta = rp.authorize("okta", None, None).await;
    let injected = okta.with("code", Some(&oidc.param("code").unwrap()));
    invalid_token(
        rp.login
            .complete("okta", &injected, Some(&okta.binding()))
            .await,
    );
    assert_eq!(
        rp.idp()
            .token_grant_hits(Some(Flavor::Oidc), "authorization_code"),
        0
    );
    assert_eq!(
        rp.idp()
            .token_grant_hits(Some(Flavor::Okta), "authorization_code"),
        1
    );
}

#[tokio::test]
async fn bcp32_code_reuse() {
    let rp = Rp::start().await;
    let first = rp.authorize("oidc", None, None).await;
    rp.login
        .complete("oidc", &first.query, Some(&first.binding()))
        .await
        .unwrap();
    // A fresh transaction of the same browser, fed the spent code.
    let second = rp.authorize("oidc", None, None).await;
    let reused = second.with("code", Some(&first.param("code").unwrap()));
    let why = invalid_token(
        rp.login
            .complete("oidc", &reused, Some(&second.binding()))
            .await,
    );
    assert!(why.contains("invalid_grant"), "{why}");
}

#[tokio::test]
async fn provider_error_is_denied_without_a_token_call() {
    let rp = Rp::start().await;
    let round = rp.authorize("okta", None, None).await;
    let state = round.param("state").unwrap();
    let query = format!("error=access_denied&error_description=no&state={state}");
    let err = rp
        .login
        .complete("okta", &query, Some(&round.binding()))
        .await
        .unwrap_err();
    assert_eq!(err, LoginError::ProviderDenied("access_denied".into()));
    assert_eq!(rp.code_redemptions(), 0);
}

#[tokio::test]
async fn token_endpoint_outage_is_unavailable() {
    let rp = Rp::start().await;
    rp.idp()
        .set_endpoint_fault(Some(Flavor::Oidc), Endpoint::Token, Fault::Status(503));
    let err = rp.sign_in("oidc", None).await.unwrap_err();
    assert!(matches!(err, LoginError::Unavailable(_)), "{err:?}");
}
