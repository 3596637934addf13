//! `ReplayStore`: one-time identifiers.

use crate::fixtures::at;
use authgate_core::store::Stores;

/// `first_use` is `true` once per (namespace, id) and `false` while it is remembered.
pub async fn replay_first_use_once(stores: &Stores) {
    let r = &stores.replays;
    assert!(
        r.first_use("logout", "jti-1", at(300), at(1))
            .await
            .expect("first")
    );
    assert!(
        !r.first_use("logout", "jti-1", at(300), at(2))
            .await
            .expect("second")
    );
    assert!(
        !r.first_use("logout", "jti-1", at(900), at(299))
            .await
            .expect("third")
    );
    assert!(
        r.first_use("logout", "jti-2", at(300), at(2))
            .await
            .expect("other id")
    );
    assert!(
        r.first_use("other", "jti-1", at(300), at(2))
            .await
            .expect("other namespace")
    );
}

/// Once expired at `now`, an identifier is new again (and remembered again).
pub async fn replay_first_use_again_after_expiry(stores: &Stores) {
    let r = &stores.replays;
    assert!(
        r.first_use("logout", "jti", at(300), at(1))
            .await
            .expect("first")
    );
    assert!(
        r.first_use("logout", "jti", at(600), at(300))
            .await
            .expect("after expiry")
    );
    assert!(
        !r.first_use("logout", "jti", at(900), at(599))
            .await
            .expect("remembered")
    );
    assert!(
        r.first_use("logout", "jti", at(900), at(600))
            .await
            .expect("expired again")
    );
}

/// Of 8 concurrent first uses of one identifier exactly one is `true`.
pub async fn replay_concurrent_first_use_one_wins(stores: &Stores) {
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let r = stores.replays.clone();
            tokio::spawn(async move { r.first_use("logout", "race", at(300), at(1)).await })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        if task.await.expect("join").expect("first_use") {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}

/// `sweep_replays` forgets exactly the expired identifiers.
pub async fn replay_sweep_removes_only_expired(stores: &Stores) {
    let r = &stores.replays;
    for (id, expires) in [("a", 100), ("b", 200), ("c", 201)] {
        assert!(
            r.first_use("ns", id, at(expires), at(0))
                .await
                .expect("use")
        );
    }
    assert_eq!(r.sweep_replays(at(50)).await.expect("sweep"), 0);
    assert_eq!(r.sweep_replays(at(200)).await.expect("sweep"), 2);
    assert_eq!(r.sweep_replays(at(200)).await.expect("sweep"), 0);
    assert!(
        !r.first_use("ns", "c", at(400), at(200))
            .await
            .expect("kept")
    );
}
