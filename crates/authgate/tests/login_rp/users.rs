//! Users and identities: keyed by (issuer, subject), never by email; linking by verified
//! email only when configured; disabled users cannot sign in.

use crate::support::{Rp, invalid_token};
use authgate::login::{LoginConfig, LoginError};
use authgate_devidp::{Endpoint, Fault, Flavor};

fn linking() -> LoginConfig {
    LoginConfig {
        link_by_verified_email: true,
        ..LoginConfig::default()
    }
}

/// Auth0's ID tokens carry `email` = `value` (`None`: no email facts at all).
fn auth0_id_token_email(rp: &Rp, value: Option<&str>) {
    let claim = |name: &str, value: Option<&str>| Fault::IdTokenClaim {
        name: name.into(),
        value: value.map(str::to_owned),
    };
    rp.idp()
        .set_endpoint_fault(Some(Flavor::Auth0), Endpoint::Token, claim("email", value));
}

#[tokio::test]
async fn first_sign_in_creates_the_user_and_the_second_finds_it() {
    let rp = Rp::start().await;
    let first = rp.sign_in("oidc", None).await.unwrap();
    let second = rp.sign_in("oidc", None).await.unwrap();
    assert_eq!(first.user.id, second.user.id);
    assert_eq!(first.user.display_name.as_deref(), Some("Dev User"));
    let identities = rp.stores.users.identities(&first.user.id).await.unwrap();
    assert_eq!(identities.len(), 1);
    assert_eq!(identities[0].identity.subject, "dev-user-1");
    assert_eq!(
        rp.stores
            .users
            .list_users(Default::default())
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn two_issuers_with_the_same_subject_are_two_users() {
    let rp = Rp::start().await;
    let okta = rp.sign_in("okta", Some("same-subject")).await.unwrap();
    let oidc = rp.sign_in("oidc", Some("same-subject")).await.unwrap();
    assert_eq!(okta.subject, oidc.subject);
    assert_ne!(okta.issuer, oidc.issuer);
    assert_ne!(okta.user.id, oidc.user.id);
}

#[tokio::test]
async fn same_verified_email_is_not_linked_by_default() {
    let rp = Rp::start().await;
    let oidc = rp.sign_in("oidc", None).await.unwrap();
    let auth0 = rp.sign_in("auth0", None).await.unwrap();
    assert_eq!(oidc.user.email, auth0.user.email);
    assert_ne!(oidc.user.id, auth0.user.id);
}

#[tokio::test]
async fn verified_email_links_when_configured() {
    let config = LoginConfig {
        link_by_verified_email: true,
        ..LoginConfig::default()
    };
    let rp = Rp::start_with(config, |_| {}).await;
    let oidc = rp.sign_in("oidc", None).await.unwrap();
    let auth0 = rp.sign_in("auth0", None).await.unwrap();
    assert_eq!(oidc.user.id, auth0.user.id);
    let identities = rp.stores.users.identities(&oidc.user.id).await.unwrap();
    assert_eq!(identities.len(), 2);
    // The linked identity is found directly next time.
    let again = rp.sign_in("auth0", None).await.unwrap();
    assert_eq!(again.user.id, oidc.user.id);
}

#[tokio::test]
async fn unverified_email_never_links() {
    let config = LoginConfig {
        link_by_verified_email: true,
        ..LoginConfig::default()
    };
    let rp = Rp::start_with(config, |_| {}).await;
    let carol_oidc = rp.sign_in("oidc", Some("carol")).await.unwrap();
    let carol_okta = rp.sign_in("okta", Some("carol")).await.unwrap();
    assert_ne!(
        carol_oidc.claims.get("email_verified"),
        Some(&serde_json::json!(true))
    );
    assert_ne!(carol_oidc.user.id, carol_okta.user.id);
}

#[tokio::test]
async fn disabled_user_is_refused() {
    let rp = Rp::start().await;
    let first = rp.sign_in("oidc", None).await.unwrap();
    assert!(
        rp.stores
            .users
            .set_disabled(&first.user.id, true)
            .await
            .unwrap()
    );
    let err = rp.sign_in("oidc", None).await.unwrap_err();
    assert_eq!(err, LoginError::UserDisabled);
    rp.stores
        .users
        .set_disabled(&first.user.id, false)
        .await
        .unwrap();
    rp.sign_in("oidc", None).await.unwrap();
}

#[tokio::test]
async fn disabled_user_is_not_linked_into() {
    let config = LoginConfig {
        link_by_verified_email: true,
        ..LoginConfig::default()
    };
    let rp = Rp::start_with(config, |_| {}).await;
    let first = rp.sign_in("oidc", None).await.unwrap();
    rp.stores
        .users
        .set_disabled(&first.user.id, true)
        .await
        .unwrap();
    let err = rp.sign_in("auth0", None).await.unwrap_err();
    assert_eq!(err, LoginError::UserDisabled);
}

#[tokio::test]
async fn userinfo_claiming_a_verified_email_does_not_link() {
    let rp = Rp::start_with(linking(), |_| {}).await;
    let alice = rp.sign_in("oidc", Some("alice")).await.unwrap();
    // Auth0's signed ID token says nothing about the email; its (unsigned) userinfo claims
    // alice's address, verified.
    auth0_id_token_email(&rp, None);
    let body = r#"{"sub":"alice","email":"alice@example.com","email_verified":true}"#;
    rp.idp().set_endpoint_fault(
        Some(Flavor::Auth0),
        Endpoint::UserInfo,
        Fault::Body(body.into()),
    );
    let other = rp.sign_in("auth0", Some("alice")).await.unwrap();
    assert_ne!(other.user.id, alice.user.id, "userinfo email must not link");
    assert_eq!(other.user.email, None);
    // Shown (userinfo is authoritative for display once its sub matches), never an email fact.
    assert_eq!(other.claims["email"], "alice@example.com");
}

#[tokio::test]
async fn userinfo_sub_mismatch_is_refused() {
    let rp = Rp::start().await;
    let body = r#"{"sub":"someone-else","email":"x@example.com"}"#;
    rp.idp().set_endpoint_fault(
        Some(Flavor::Oidc),
        Endpoint::UserInfo,
        Fault::Body(body.into()),
    );
    let why = invalid_token(rp.sign_in("oidc", None).await);
    assert!(why.contains("userinfo sub"), "{why}");
    let users = rp
        .stores
        .users
        .list_users(Default::default())
        .await
        .unwrap();
    assert!(users.is_empty());
}

#[tokio::test]
async fn mixed_case_email_is_normalised_and_links() {
    let rp = Rp::start_with(linking(), |_| {}).await;
    auth0_id_token_email(&rp, Some("  ÄLICE@Example.COM "));
    let first = rp.sign_in("auth0", Some("alice")).await.unwrap();
    assert_eq!(first.user.email.as_deref(), Some("älice@example.com"));
    let identities = rp.stores.users.identities(&first.user.id).await.unwrap();
    assert_eq!(
        identities[0].identity.email.as_deref(),
        Some("älice@example.com")
    );
    let okta_email = Fault::IdTokenClaim {
        name: "email".into(),
        value: Some("älice@EXAMPLE.com".into()),
    };
    rp.idp()
        .set_endpoint_fault(Some(Flavor::Okta), Endpoint::Token, okta_email);
    let linked = rp.sign_in("okta", Some("alice")).await.unwrap();
    assert_eq!(linked.user.id, first.user.id);
}
