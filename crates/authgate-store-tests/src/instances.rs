//! Two store values over one database, as two gateway instances hold them.

use crate::fixtures::{at, login_state, session, user_with};
use authgate_core::store::Stores;
use std::future::Future;

async fn one_winner<F, Fut>(a: &Stores, b: &Stores, attempt: F) -> usize
where
    F: Fn(Stores, usize) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let stores = if n % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(attempt(stores, n))
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        if task.await.expect("join") {
            winners += 1;
        }
    }
    winners
}

/// With `a` and `b` over the same database (two instances): what one writes the other reads,
/// and of concurrent refresh leases, login-state takes and first uses split across both,
/// exactly one wins each.
pub async fn two_instances_share_state_and_race_fairly(a: &Stores, b: &Stores) {
    let user = user_with(a, "https://idp.example/", "two").await;
    let s = session(&user.id, "two-instances", 0);
    a.sessions.create_session(&s).await.expect("create");
    let seen = b.sessions.session(&s.key, at(1)).await.expect("get");
    assert_eq!(seen, Some(s.clone()));
    let key = s.key;
    let leases = one_winner(a, b, |st, n| async move {
        let holder = format!("instance-{n}");
        let won = st
            .sessions
            .try_lease_refresh(&key, &holder, at(1), at(31))
            .await;
        won.expect("lease")
    });
    assert_eq!(leases.await, 1, "refresh lease");
    let state = login_state("two-instances", 600);
    a.login_states.put_login_state(&state).await.expect("put");
    let (key, browser) = (state.key, state.browser);
    let takes = one_winner(a, b, |st, _| async move {
        let taken = st
            .login_states
            .take_login_state(&key, &browser, at(1))
            .await;
        taken.expect("take").is_some()
    });
    assert_eq!(takes.await, 1, "login state");
    let uses = one_winner(a, b, |st, _| async move {
        let first = st
            .replays
            .first_use("logout", "jti-two", at(300), at(1))
            .await;
        first.expect("first_use")
    });
    assert_eq!(uses.await, 1, "replay");
}
