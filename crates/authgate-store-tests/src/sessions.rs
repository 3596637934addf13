//! `SessionStore`: sessions, their expiry and their deletion.

use crate::fixtures::{at, session, stored, user_with};
use authgate_core::store::{Session, StoreError, Stores, TokenHash, UserId};

const ISS: &str = "https://idp.example/";

/// A created session reads back field for field; an absent one is `None`.
pub async fn session_round_trip(stores: &Stores) {
    let user = user_with(stores, ISS, "s").await;
    let s = stored(stores, &user.id, "round-trip", 0).await;
    assert_eq!(
        stores.sessions.session(&s.key, at(1)).await.expect("get"),
        Some(s.clone())
    );
    let mut bare = session(&user.id, "bare", 0);
    (bare.sid, bare.tokens, bare.tokens_expire_at) = (None, None, None);
    bare.claims = serde_json::json!({});
    stores
        .sessions
        .create_session(&bare)
        .await
        .expect("create bare");
    assert_eq!(
        stores
            .sessions
            .session(&bare.key, at(1))
            .await
            .expect("get"),
        Some(bare)
    );
    let absent = TokenHash::of("absent");
    assert_eq!(
        stores.sessions.session(&absent, at(1)).await.expect("get"),
        None
    );
}

/// A duplicate key is `Conflict`; an unknown user is `NotFound`.
pub async fn session_create_conflict_and_unknown_user(stores: &Stores) {
    let user = user_with(stores, ISS, "s").await;
    let s = stored(stores, &user.id, "dup", 0).await;
    let mut again = session(&user.id, "dup", 5);
    again.provider = "other".into();
    let dup = stores.sessions.create_session(&again).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "got {dup:?}");
    assert_eq!(
        stores.sessions.session(&s.key, at(1)).await.expect("get"),
        Some(s)
    );
    let orphan = session(&UserId::random(), "orphan", 0);
    let made = stores.sessions.create_session(&orphan).await;
    assert!(matches!(made, Err(StoreError::NotFound(_))), "got {made:?}");
    assert_eq!(
        stores
            .sessions
            .session(&orphan.key, at(1))
            .await
            .expect("get"),
        None
    );
}

/// A session is live strictly before its idle and its absolute expiry.
pub async fn session_expires_idle_and_absolute(stores: &Stores) {
    let user = user_with(stores, ISS, "s").await;
    let s = stored(stores, &user.id, "idle", 0).await;
    assert!(
        stores
            .sessions
            .session(&s.key, at(599))
            .await
            .expect("get")
            .is_some()
    );
    assert!(
        stores
            .sessions
            .session(&s.key, at(600))
            .await
            .expect("get")
            .is_none()
    );
    let mut long_idle = session(&user.id, "absolute", 0);
    long_idle.idle_expires_at = at(10_000);
    stores
        .sessions
        .create_session(&long_idle)
        .await
        .expect("create");
    assert!(
        stores
            .sessions
            .session(&long_idle.key, at(3599))
            .await
            .expect("g")
            .is_some()
    );
    assert!(
        stores
            .sessions
            .session(&long_idle.key, at(3600))
            .await
            .expect("g")
            .is_none()
    );
}

/// `touch_session` records use, moves the idle expiry, and never past the absolute expiry.
pub async fn touch_extends_idle_never_past_absolute(stores: &Stores) {
    let user = user_with(stores, ISS, "s").await;
    let s = stored(stores, &user.id, "touch", 0).await;
    assert!(
        stores
            .sessions
            .touch_session(&s.key, at(500), at(1100))
            .await
            .expect("touch")
    );
    let got = stores
        .sessions
        .session(&s.key, at(1000))
        .await
        .expect("get")
        .expect("live");
    assert_eq!((got.last_seen_at, got.idle_expires_at), (at(500), at(1100)));
    assert_eq!(got.absolute_expires_at, s.absolute_expires_at);
    assert!(
        stores
            .sessions
            .touch_session(&s.key, at(1050), at(9000))
            .await
            .expect("touch")
    );
    let got = stores
        .sessions
        .session(&s.key, at(3000))
        .await
        .expect("get")
        .expect("live");
    assert_eq!(
        (got.last_seen_at, got.idle_expires_at),
        (at(1050), at(3600))
    );
    assert!(
        stores
            .sessions
            .session(&s.key, at(3600))
            .await
            .expect("get")
            .is_none()
    );
}

/// Touching an expired or missing session is `false` and changes nothing.
pub async fn touch_of_expired_or_missing_is_false(stores: &Stores) {
    let user = user_with(stores, ISS, "s").await;
    let s = stored(stores, &user.id, "late", 0).await;
    assert!(
        !stores
            .sessions
            .touch_session(&s.key, at(600), at(1200))
            .await
            .expect("touch")
    );
    assert!(
        stores
            .sessions
            .session(&s.key, at(601))
            .await
            .expect("get")
            .is_none()
    );
    let absent = TokenHash::of("absent");
    assert!(
        !stores
            .sessions
            .touch_session(&absent, at(1), at(100))
            .await
            .expect("touch")
    );
}

/// `user_sessions` lists the user's live sessions, newest first.
pub async fn user_sessions_newest_first_and_live(stores: &Stores) {
    let user = user_with(stores, ISS, "s").await;
    let other = user_with(stores, ISS, "o").await;
    let old = stored(stores, &user.id, "old", 0).await;
    let new = stored(stores, &user.id, "new", 200).await;
    let mid = stored(stores, &user.id, "mid", 100).await;
    stored(stores, &other.id, "theirs", 150).await;
    let keys = |v: Vec<Session>| v.into_iter().map(|s| s.key).collect::<Vec<_>>();
    let live = stores
        .sessions
        .user_sessions(&user.id, at(300))
        .await
        .expect("list");
    assert_eq!(keys(live), vec![new.key, mid.key, old.key]);
    let later = stores
        .sessions
        .user_sessions(&user.id, at(650))
        .await
        .expect("list");
    assert_eq!(keys(later), vec![new.key, mid.key]);
    let full = stores
        .sessions
        .user_sessions(&user.id, at(300))
        .await
        .expect("list");
    assert_eq!(full.first(), Some(&new));
}
