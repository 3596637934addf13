//! Explicit account linking at the library level: `Login::begin_link`, then `complete` (or
//! `complete_in_session`) links the identity to the transaction's user, or refuses.

use crate::support::Rp;
use authgate::login::{CompletedLogin, LoginConfig, LoginError};
use authgate_core::store::UserId;

/// A linking transaction for `user` at `provider`, approved as `as_user`; the completion
/// through `complete_in_session(session)` when given, else `complete`.
async fn link(
    rp: &Rp,
    user: &UserId,
    provider: &str,
    as_user: &str,
    session: Option<Option<&UserId>>,
) -> Result<CompletedLogin, LoginError> {
    let begin = rp
        .login
        .begin_link(provider, Some("/home"), None, user)
        .await
        .unwrap();
    let query = rp.follow(&begin, provider, Some(as_user)).await;
    let binding = begin.browser_binding.expose_secret().to_owned();
    match session {
        None => rp.login.complete(provider, &query, Some(&binding)).await,
        Some(current) => {
            let done = rp
                .login
                .complete_in_session(provider, &query, Some(&binding), current);
            done.await
        }
    }
}

#[tokio::test]
async fn explicit_link_links_a_new_identity_then_signs_in_with_it() {
    let rp = Rp::start().await;
    let alice = rp.sign_in("oidc", Some("alice")).await.unwrap();
    assert!(!alice.linked);
    let done = link(
        &rp,
        &alice.user.id,
        "okta",
        "alice",
        Some(Some(&alice.user.id)),
    )
    .await;
    let done = done.unwrap();
    assert!(done.linked);
    assert_eq!(done.user.id, alice.user.id);
    assert_eq!(done.return_to, "/home");
    // Linking it again is a sign-in with it; a plain sign-in with it finds alice.
    let again = link(&rp, &alice.user.id, "okta", "alice", None)
        .await
        .unwrap();
    assert!(!again.linked);
    let signed_in = rp.sign_in("okta", Some("alice")).await.unwrap();
    assert_eq!(signed_in.user.id, alice.user.id);
    assert!(!signed_in.linked);
    let ids = rp.stores.users.identities(&alice.user.id).await.unwrap();
    assert_eq!(ids.len(), 2);
}

#[tokio::test]
async fn explicit_link_of_another_users_identity_is_identity_taken() {
    let rp = Rp::start().await;
    let alice = rp.sign_in("oidc", Some("alice")).await.unwrap();
    let bob = rp.sign_in("okta", Some("bob")).await.unwrap();
    let err = link(&rp, &alice.user.id, "okta", "bob", None)
        .await
        .unwrap_err();
    assert_eq!(err, LoginError::IdentityTaken);
    assert_eq!(
        rp.stores
            .users
            .identities(&alice.user.id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        rp.stores
            .users
            .identities(&bob.user.id)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn explicit_link_to_a_disabled_user_is_refused() {
    let rp = Rp::start().await;
    let alice = rp.sign_in("oidc", Some("alice")).await.unwrap();
    rp.stores
        .users
        .set_disabled(&alice.user.id, true)
        .await
        .unwrap();
    let err = link(&rp, &alice.user.id, "okta", "alice", None)
        .await
        .unwrap_err();
    assert_eq!(err, LoginError::UserDisabled);
    let found = rp.stores.users.identities(&alice.user.id).await.unwrap();
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn explicit_link_never_links_by_verified_email() {
    let config = LoginConfig {
        link_by_verified_email: true,
        ..LoginConfig::default()
    };
    let rp = Rp::start_with(config, |_| {}).await;
    // Alice and bob both exist; bob links Auth0's alice (alice's verified email): it goes to
    // bob, the transaction's user, not to the user with that email.
    let alice = rp.sign_in("oidc", Some("alice")).await.unwrap();
    let bob = rp.sign_in("okta", Some("bob")).await.unwrap();
    let done = link(&rp, &bob.user.id, "auth0", "alice", None)
        .await
        .unwrap();
    assert!(done.linked);
    assert_eq!(done.user.id, bob.user.id);
    assert_eq!(
        rp.stores
            .users
            .identities(&alice.user.id)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn explicit_link_in_another_users_session_is_refused_before_redemption() {
    let rp = Rp::start().await;
    let alice = rp.sign_in("oidc", Some("alice")).await.unwrap();
    let bob = rp.sign_in("oidc", Some("bob")).await.unwrap();
    for session in [Some(&bob.user.id), None] {
        let redeemed = rp.code_redemptions();
        let err = link(&rp, &alice.user.id, "okta", "alice", Some(session)).await;
        assert!(
            matches!(err, Err(LoginError::InvalidCallback(_))),
            "{err:?}"
        );
        assert_eq!(rp.code_redemptions(), redeemed);
    }
    assert_eq!(
        rp.stores
            .users
            .identities(&alice.user.id)
            .await
            .unwrap()
            .len(),
        1
    );
    // A plain sign-in transaction ignores the session.
    let round = rp.authorize("okta", Some("carol"), None).await;
    let done = rp
        .login
        .complete_in_session(
            "okta",
            &round.query,
            Some(&round.binding()),
            Some(&bob.user.id),
        )
        .await
        .unwrap();
    assert_ne!(done.user.id, bob.user.id);
}
