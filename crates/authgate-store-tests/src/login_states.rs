//! `LoginStateStore`: single-use sign-in transactions.

use crate::fixtures::{at, login_state};
use authgate_core::store::{LoginState, StoreError, Stores, TokenHash, UserId};

fn assert_same(got: &LoginState, want: &LoginState) {
    assert_eq!(got.key, want.key);
    assert_eq!(got.browser, want.browser);
    assert_eq!(got.provider, want.provider);
    assert_eq!(got.issuer, want.issuer);
    assert_eq!(got.nonce.expose_secret(), want.nonce.expose_secret());
    assert_eq!(
        got.pkce_verifier.expose_secret(),
        want.pkce_verifier.expose_secret()
    );
    assert_eq!(got.return_to, want.return_to);
    assert_eq!(got.link_user, want.link_user);
    assert_eq!(
        (got.created_at, got.expires_at),
        (want.created_at, want.expires_at)
    );
}

/// A stored transaction comes back field for field.
pub async fn login_state_round_trip(stores: &Stores) {
    let state = login_state("round-trip", 600);
    stores
        .login_states
        .put_login_state(&state)
        .await
        .expect("put");
    let taken = stores
        .login_states
        .take_login_state(&state.key, &state.browser, at(10))
        .await
        .expect("take");
    assert_same(&taken.expect("some"), &state);
}

/// An account-linking transaction keeps the user it links to.
pub async fn login_state_with_link_user_round_trips(stores: &Stores) {
    let mut state = login_state("link", 600);
    state.link_user = Some(UserId::random());
    stores
        .login_states
        .put_login_state(&state)
        .await
        .expect("put");
    let taken = stores
        .login_states
        .take_login_state(&state.key, &state.browser, at(10))
        .await
        .expect("take");
    let taken = taken.expect("some");
    assert_same(&taken, &state);
    assert!(taken.link_user.is_some());
}

/// A transaction is usable once: the second take is `None`.
pub async fn login_state_is_single_use(stores: &Stores) {
    let state = login_state("once", 600);
    stores
        .login_states
        .put_login_state(&state)
        .await
        .expect("put");
    let first = stores
        .login_states
        .take_login_state(&state.key, &state.browser, at(1))
        .await
        .expect("take");
    assert!(first.is_some());
    let second = stores
        .login_states
        .take_login_state(&state.key, &state.browser, at(1))
        .await
        .expect("take");
    assert!(second.is_none());
    let never = TokenHash::of("never-stored");
    assert!(
        stores
            .login_states
            .take_login_state(&never, &state.browser, at(1))
            .await
            .expect("t")
            .is_none()
    );
}

/// Putting a key twice is `Conflict` and keeps the first transaction.
pub async fn login_state_put_twice_conflicts(stores: &Stores) {
    let state = login_state("twice", 600);
    stores
        .login_states
        .put_login_state(&state)
        .await
        .expect("put");
    let mut other = login_state("twice", 900);
    other.return_to = "/elsewhere".into();
    let again = stores.login_states.put_login_state(&other).await;
    assert!(
        matches!(again, Err(StoreError::Conflict(_))),
        "got {again:?}"
    );
    let taken = stores
        .login_states
        .take_login_state(&state.key, &state.browser, at(1))
        .await
        .expect("take");
    assert_same(&taken.expect("some"), &state);
}

/// At or after `expires_at` a take is `None` and removes the transaction.
pub async fn login_state_expired_take_is_none_and_removes(stores: &Stores) {
    let state = login_state("expired", 600);
    stores
        .login_states
        .put_login_state(&state)
        .await
        .expect("put");
    let late = stores
        .login_states
        .take_login_state(&state.key, &state.browser, at(600))
        .await
        .expect("take");
    assert!(late.is_none());
    let early = stores
        .login_states
        .take_login_state(&state.key, &state.browser, at(1))
        .await
        .expect("take");
    assert!(
        early.is_none(),
        "an expired take must remove the transaction"
    );
    let last = login_state("last-second", 600);
    stores
        .login_states
        .put_login_state(&last)
        .await
        .expect("put");
    let ok = stores
        .login_states
        .take_login_state(&last.key, &last.browser, at(599))
        .await
        .expect("take");
    assert!(ok.is_some());
}

/// Of 8 concurrent takes of one transaction exactly one gets it.
pub async fn login_state_concurrent_takes_one_wins(stores: &Stores) {
    let state = login_state("race", 600);
    stores
        .login_states
        .put_login_state(&state)
        .await
        .expect("put");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = stores.login_states.clone();
            let (key, browser) = (state.key, state.browser);
            tokio::spawn(async move { store.take_login_state(&key, &browser, at(1)).await })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        if task.await.expect("join").expect("take").is_some() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}

/// `sweep_login_states` deletes exactly the expired transactions.
pub async fn login_state_sweep_removes_only_expired(stores: &Stores) {
    for (secret, expires) in [("a", 100), ("b", 200), ("c", 300), ("d", 301)] {
        stores
            .login_states
            .put_login_state(&login_state(secret, expires))
            .await
            .expect("put");
    }
    assert_eq!(
        stores
            .login_states
            .sweep_login_states(at(50))
            .await
            .expect("sweep"),
        0
    );
    assert_eq!(
        stores
            .login_states
            .sweep_login_states(at(300))
            .await
            .expect("sweep"),
        3
    );
    assert_eq!(
        stores
            .login_states
            .sweep_login_states(at(300))
            .await
            .expect("sweep"),
        0
    );
    let kept = login_state("d", 301);
    assert!(
        stores
            .login_states
            .take_login_state(&kept.key, &kept.browser, at(300))
            .await
            .expect("t")
            .is_some()
    );
}

/// A take with another browser's binding gets `None` and leaves the transaction in place,
/// still takeable by the browser it was issued to (a stranger holding the `state` cannot burn
/// it). An expired transaction is removed whichever browser asks.
pub async fn login_state_wrong_browser_leaves_it_for_the_right_one(stores: &Stores) {
    let state = login_state("bound", 600);
    stores
        .login_states
        .put_login_state(&state)
        .await
        .expect("put");
    let stranger = TokenHash::of("browser-stranger");
    for _ in 0..2 {
        let wrong = stores
            .login_states
            .take_login_state(&state.key, &stranger, at(1))
            .await
            .expect("take");
        assert!(wrong.is_none(), "a foreign browser must not get it");
    }
    let right = stores
        .login_states
        .take_login_state(&state.key, &state.browser, at(2))
        .await
        .expect("take");
    assert_same(&right.expect("the issuing browser still gets it"), &state);
    let old = login_state("bound-expired", 600);
    stores
        .login_states
        .put_login_state(&old)
        .await
        .expect("put");
    let late = stores
        .login_states
        .take_login_state(&old.key, &stranger, at(600))
        .await
        .expect("take");
    assert!(late.is_none());
    let after = stores
        .login_states
        .take_login_state(&old.key, &old.browser, at(1))
        .await
        .expect("take");
    assert!(after.is_none(), "an expired take removes the row");
}
