//! `SessionStore`: the refresh lease that lets one instance refresh a session's tokens.

use crate::fixtures::{at, session, user_with};
use authgate_core::store::{Session, Stores, TokenHash};

async fn leased_session(stores: &Stores) -> Session {
    let user = user_with(stores, "https://idp.example/", "lease").await;
    let s = session(&user.id, "lease", 0);
    stores
        .sessions
        .create_session(&s)
        .await
        .expect("create_session");
    s
}

async fn tokens_of(stores: &Stores, key: &TokenHash) -> Option<Vec<u8>> {
    let s = stores
        .sessions
        .session(key, at(1))
        .await
        .expect("get")
        .expect("live");
    s.tokens
}

/// Of 8 concurrent holders asking for a free lease, exactly one wins.
pub async fn refresh_lease_concurrent_one_wins(stores: &Stores) {
    let s = leased_session(stores).await;
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let store = stores.sessions.clone();
            let key = s.key;
            let holder = format!("instance-{n}");
            tokio::spawn(async move { store.try_lease_refresh(&key, &holder, at(1), at(31)).await })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        if task.await.expect("join").expect("lease") {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}

/// The holder may take its own lease again (renew); others still lose while it is held.
pub async fn refresh_lease_same_holder_renews(stores: &Stores) {
    let s = leased_session(stores).await;
    assert!(
        stores
            .sessions
            .try_lease_refresh(&s.key, "a", at(1), at(31))
            .await
            .expect("l")
    );
    assert!(
        stores
            .sessions
            .try_lease_refresh(&s.key, "a", at(20), at(50))
            .await
            .expect("l")
    );
    assert!(
        !stores
            .sessions
            .try_lease_refresh(&s.key, "b", at(40), at(70))
            .await
            .expect("l")
    );
    assert!(
        stores
            .sessions
            .try_lease_refresh(&s.key, "b", at(50), at(80))
            .await
            .expect("l")
    );
}

/// A lease expired at `now` can be taken over by another holder.
pub async fn refresh_lease_expired_is_taken_over(stores: &Stores) {
    let s = leased_session(stores).await;
    assert!(
        stores
            .sessions
            .try_lease_refresh(&s.key, "a", at(1), at(31))
            .await
            .expect("l")
    );
    assert!(
        !stores
            .sessions
            .try_lease_refresh(&s.key, "b", at(30), at(60))
            .await
            .expect("l")
    );
    assert!(
        stores
            .sessions
            .try_lease_refresh(&s.key, "b", at(31), at(61))
            .await
            .expect("l")
    );
    assert!(
        !stores
            .sessions
            .try_lease_refresh(&s.key, "a", at(32), at(62))
            .await
            .expect("l")
    );
}

/// Only the current holder stores refreshed tokens; doing so writes them and frees the lease.
pub async fn refreshed_tokens_only_by_holder_and_release(stores: &Stores) {
    let s = leased_session(stores).await;
    let store = &stores.sessions;
    let not_leased = store
        .store_refreshed_tokens(&s.key, "a", at(1), b"x", None)
        .await;
    assert!(!not_leased.expect("store"));
    assert!(
        store
            .try_lease_refresh(&s.key, "a", at(1), at(31))
            .await
            .expect("l")
    );
    let intruder = store
        .store_refreshed_tokens(&s.key, "b", at(2), b"evil", Some(at(9)))
        .await;
    assert!(!intruder.expect("store"));
    assert_eq!(tokens_of(stores, &s.key).await, s.tokens);
    let fresh: &[u8] = &[9, 8, 7, 0, 255];
    let stored = store
        .store_refreshed_tokens(&s.key, "a", at(3), fresh, Some(at(900)))
        .await;
    assert!(stored.expect("store"));
    let got = store
        .session(&s.key, at(4))
        .await
        .expect("get")
        .expect("live");
    assert_eq!(
        (got.tokens.as_deref(), got.tokens_expire_at),
        (Some(fresh), Some(at(900)))
    );
    let twice = store
        .store_refreshed_tokens(&s.key, "a", at(4), b"again", None)
        .await;
    assert!(!twice.expect("store"), "storing released the lease");
    assert!(
        store
            .try_lease_refresh(&s.key, "b", at(4), at(34))
            .await
            .expect("l")
    );
    let cleared = store
        .store_refreshed_tokens(&s.key, "b", at(5), fresh, None)
        .await;
    assert!(cleared.expect("store"));
    let got = store
        .session(&s.key, at(6))
        .await
        .expect("get")
        .expect("live");
    assert_eq!(got.tokens_expire_at, None);
}

/// A holder whose lease expired and was taken over writes nothing.
pub async fn stale_holder_after_takeover_writes_nothing(stores: &Stores) {
    let s = leased_session(stores).await;
    let store = &stores.sessions;
    assert!(
        store
            .try_lease_refresh(&s.key, "a", at(1), at(31))
            .await
            .expect("l")
    );
    let expired = store
        .store_refreshed_tokens(&s.key, "a", at(31), b"late", None)
        .await;
    assert!(
        !expired.expect("store"),
        "a lease is not held at its expiry"
    );
    assert!(
        store
            .try_lease_refresh(&s.key, "b", at(40), at(70))
            .await
            .expect("l")
    );
    let stale = store
        .store_refreshed_tokens(&s.key, "a", at(41), b"stale", None)
        .await;
    assert!(!stale.expect("store"));
    assert_eq!(tokens_of(stores, &s.key).await, s.tokens);
    store
        .release_refresh_lease(&s.key, "a")
        .await
        .expect("release");
    assert!(
        !store
            .try_lease_refresh(&s.key, "c", at(42), at(72))
            .await
            .expect("l")
    );
    let current = store
        .store_refreshed_tokens(&s.key, "b", at(42), b"new", None)
        .await;
    assert!(current.expect("store"));
    assert_eq!(tokens_of(stores, &s.key).await, Some(b"new".to_vec()));
}

/// `release_refresh_lease` frees the lease only when called by its holder.
pub async fn release_refresh_lease_only_by_holder(stores: &Stores) {
    let s = leased_session(stores).await;
    let store = &stores.sessions;
    assert!(
        store
            .try_lease_refresh(&s.key, "a", at(1), at(31))
            .await
            .expect("l")
    );
    store
        .release_refresh_lease(&s.key, "b")
        .await
        .expect("release");
    assert!(
        !store
            .try_lease_refresh(&s.key, "b", at(2), at(32))
            .await
            .expect("l")
    );
    store
        .release_refresh_lease(&s.key, "a")
        .await
        .expect("release");
    assert!(
        store
            .try_lease_refresh(&s.key, "b", at(3), at(33))
            .await
            .expect("l")
    );
    let absent = TokenHash::of("absent");
    store
        .release_refresh_lease(&absent, "a")
        .await
        .expect("release of nothing");
}

/// Leasing or storing tokens for a session that does not exist is `false`.
pub async fn refresh_lease_of_missing_session_is_false(stores: &Stores) {
    let absent = TokenHash::of("absent");
    let store = &stores.sessions;
    assert!(
        !store
            .try_lease_refresh(&absent, "a", at(1), at(31))
            .await
            .expect("lease")
    );
    let stored = store
        .store_refreshed_tokens(&absent, "a", at(1), b"x", None)
        .await;
    assert!(!stored.expect("store"));
}
