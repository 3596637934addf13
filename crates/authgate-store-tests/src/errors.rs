//! Errors name what went wrong, never the values involved.

use crate::fixtures::{T0, identity, login_state, session, user_with};
use authgate_core::store::{NewUser, StoreError, Stores, UserId};

fn assert_clean(err: &StoreError, secrets: &[&str]) {
    let shown = format!("{err} {err:?}");
    for secret in secrets {
        assert!(!shown.contains(secret), "error {shown:?} carries a value");
    }
}

/// `Conflict` and `NotFound` messages carry no key hash, secret, subject or user id.
pub async fn errors_carry_no_values(stores: &Stores) {
    let subject = "subject-value-7f3a";
    let user = user_with(stores, "https://idp.example/", subject).await;
    let new = NewUser {
        display_name: None,
        email: None,
    };
    let dup = identity("https://idp.example/", subject);
    let conflict = stores.users.create_user(&new, &dup, T0).await;
    assert_clean(&conflict.expect_err("conflict"), &[subject]);

    let s = session(&user.id, "session-secret-9c2e", 0);
    stores.sessions.create_session(&s).await.expect("create");
    let again = stores
        .sessions
        .create_session(&s)
        .await
        .expect_err("conflict");
    assert_clean(
        &again,
        &["session-secret-9c2e", &s.key.to_hex(), &user.id.0],
    );

    let state = login_state("state-secret-41d0", 600);
    stores
        .login_states
        .put_login_state(&state)
        .await
        .expect("put");
    let again = stores
        .login_states
        .put_login_state(&state)
        .await
        .expect_err("conflict");
    let nonce = state.nonce.expose_secret();
    assert_clean(&again, &["state-secret-41d0", &state.key.to_hex(), nonce]);

    let nobody = UserId::random();
    let orphan = session(&nobody, "orphan-secret-0b7d", 0);
    let missing = stores
        .sessions
        .create_session(&orphan)
        .await
        .expect_err("not found");
    assert_clean(&missing, &[&nobody.0, &orphan.key.to_hex()]);
}
