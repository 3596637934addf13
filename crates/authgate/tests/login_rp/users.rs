//! Users and identities: keyed by (issuer, subject), never by email; linking by verified
//! email only when configured; disabled users cannot sign in.

use crate::support::Rp;
use authgate::login::{LoginConfig, LoginError};

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
