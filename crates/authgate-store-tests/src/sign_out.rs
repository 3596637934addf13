//! `SessionStore`: signing out (one session, everywhere, back-channel) and sweeping.

use crate::fixtures::{at, session, stored, user_with};
use authgate_core::store::Stores;

const ISS: &str = "https://idp.example/";

/// `delete_session` removes one session: `true` once, then `false`.
pub async fn delete_session_by_key(stores: &Stores) {
    let user = user_with(stores, ISS, "s").await;
    let a = stored(stores, &user.id, "a", 0).await;
    let b = stored(stores, &user.id, "b", 0).await;
    assert!(
        stores
            .sessions
            .delete_session(&a.key)
            .await
            .expect("delete")
    );
    assert!(
        !stores
            .sessions
            .delete_session(&a.key)
            .await
            .expect("delete again")
    );
    assert!(
        stores
            .sessions
            .session(&a.key, at(1))
            .await
            .expect("get")
            .is_none()
    );
    assert_eq!(
        stores.sessions.session(&b.key, at(1)).await.expect("get"),
        Some(b)
    );
}

/// "Sign out everywhere" deletes every session of that user and no other.
pub async fn delete_user_sessions_only_that_user(stores: &Stores) {
    let user = user_with(stores, ISS, "s").await;
    let other = user_with(stores, ISS, "o").await;
    for n in 0..3 {
        stored(stores, &user.id, &format!("mine-{n}"), n).await;
    }
    let theirs = stored(stores, &other.id, "theirs", 0).await;
    assert_eq!(
        stores
            .sessions
            .delete_user_sessions(&user.id)
            .await
            .expect("delete"),
        3
    );
    assert_eq!(
        stores
            .sessions
            .delete_user_sessions(&user.id)
            .await
            .expect("delete"),
        0
    );
    assert!(
        stores
            .sessions
            .user_sessions(&user.id, at(1))
            .await
            .expect("s")
            .is_empty()
    );
    assert_eq!(
        stores
            .sessions
            .session(&theirs.key, at(1))
            .await
            .expect("g"),
        Some(theirs)
    );
}

/// Back-channel `sid`: deletes sessions with that issuer and sid only.
pub async fn delete_sessions_by_sid_matches_issuer(stores: &Stores) {
    let user = user_with(stores, ISS, "s").await;
    let a = stored(stores, &user.id, "a", 0).await;
    let b = stored(stores, &user.id, "b", 0).await;
    let mut other_iss = session(&user.id, "c", 0);
    other_iss.issuer = "https://other.example/".into();
    stores.sessions.create_session(&other_iss).await.expect("c");
    let mut other_sid = session(&user.id, "d", 0);
    other_sid.sid = Some("sid-2".into());
    stores.sessions.create_session(&other_sid).await.expect("d");
    let mut no_sid = session(&user.id, "e", 0);
    no_sid.sid = None;
    stores.sessions.create_session(&no_sid).await.expect("e");
    assert_eq!(
        stores
            .sessions
            .delete_sessions_by_sid(ISS, "sid-1")
            .await
            .expect("del"),
        2
    );
    for gone in [a.key, b.key] {
        assert!(
            stores
                .sessions
                .session(&gone, at(1))
                .await
                .expect("g")
                .is_none()
        );
    }
    for kept in [other_iss.key, other_sid.key, no_sid.key] {
        assert!(
            stores
                .sessions
                .session(&kept, at(1))
                .await
                .expect("g")
                .is_some()
        );
    }
    assert_eq!(
        stores
            .sessions
            .delete_sessions_by_sid(ISS, "sid-1")
            .await
            .expect("del"),
        0
    );
}

/// Back-channel `sub`: deletes sessions with that issuer and subject only.
pub async fn delete_sessions_by_subject_matches_issuer(stores: &Stores) {
    let user = user_with(stores, ISS, "s").await;
    let a = stored(stores, &user.id, "a", 0).await;
    let mut other_iss = session(&user.id, "b", 0);
    other_iss.issuer = "https://other.example/".into();
    stores.sessions.create_session(&other_iss).await.expect("b");
    let mut other_sub = session(&user.id, "c", 0);
    other_sub.subject = "subject-2".into();
    stores.sessions.create_session(&other_sub).await.expect("c");
    let by_sub = stores
        .sessions
        .delete_sessions_by_subject(ISS, "subject-1")
        .await;
    assert_eq!(by_sub.expect("delete"), 1);
    assert!(
        stores
            .sessions
            .session(&a.key, at(1))
            .await
            .expect("g")
            .is_none()
    );
    for kept in [other_iss.key, other_sub.key] {
        assert!(
            stores
                .sessions
                .session(&kept, at(1))
                .await
                .expect("g")
                .is_some()
        );
    }
}

/// `sweep_sessions` deletes sessions expired (idle or absolute) and keeps live ones.
pub async fn session_sweep_removes_only_expired(stores: &Stores) {
    let user = user_with(stores, ISS, "s").await;
    stored(stores, &user.id, "idle-gone", 0).await;
    let mut absolute_gone = session(&user.id, "absolute-gone", 0);
    (
        absolute_gone.idle_expires_at,
        absolute_gone.absolute_expires_at,
    ) = (at(5000), at(700));
    stores
        .sessions
        .create_session(&absolute_gone)
        .await
        .expect("create");
    let kept = stored(stores, &user.id, "kept", 500).await;
    assert_eq!(
        stores
            .sessions
            .sweep_sessions(at(100))
            .await
            .expect("sweep"),
        0
    );
    assert_eq!(
        stores
            .sessions
            .sweep_sessions(at(700))
            .await
            .expect("sweep"),
        2
    );
    assert_eq!(
        stores
            .sessions
            .sweep_sessions(at(700))
            .await
            .expect("sweep"),
        0
    );
    assert!(
        !stores
            .sessions
            .delete_session(&absolute_gone.key)
            .await
            .expect("gone")
    );
    assert_eq!(
        stores
            .sessions
            .session(&kept.key, at(700))
            .await
            .expect("g"),
        Some(kept)
    );
}
