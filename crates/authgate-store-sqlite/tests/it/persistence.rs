//! What survives a restart, and migrations that run twice.

use crate::Scratch;
use authgate_store_sqlite::SqliteStore;
use authgate_store_tests::{at, session, user_with};

/// A gateway restart (the store reopened from the same file) loses no session, user or role.
#[tokio::test]
async fn reopened_file_keeps_sessions() {
    let scratch = Scratch::new();
    let first = scratch.open().await;
    let stores = first.clone().into_stores();
    let user = user_with(&stores, "https://idp.example/", "restart").await;
    stores
        .users
        .grant_role(&user.id, "admin", at(0))
        .await
        .expect("grant");
    let s = session(&user.id, "survives-restart", 0);
    stores.sessions.create_session(&s).await.expect("create");
    drop(stores);
    first.close().await;

    let second = scratch.open().await.into_stores();
    assert_eq!(
        second.sessions.session(&s.key, at(1)).await.expect("get"),
        Some(s)
    );
    assert_eq!(
        second.users.user(&user.id).await.expect("user"),
        Some(user.clone())
    );
    assert_eq!(
        second.users.roles(&user.id).await.expect("roles"),
        vec!["admin"]
    );
    scratch.remove();
}

/// Running the migrations again is a no-op: data stays, no migration is recorded twice.
#[tokio::test]
async fn migrate_twice_is_a_no_op() {
    let scratch = Scratch::new();
    let store = scratch.open().await;
    let stores = store.clone().into_stores();
    let user = user_with(&stores, "https://idp.example/", "twice").await;
    let applied = |store: SqliteStore| async move {
        let sql = "SELECT count(*) FROM _sqlx_migrations";
        let n: i64 = sqlx::query_scalar(sql)
            .fetch_one(store.pool())
            .await
            .expect("count");
        n
    };
    let before = applied(store.clone()).await;
    assert!(before >= 1);
    store.migrate().await.expect("second migrate");
    assert_eq!(applied(store.clone()).await, before);
    assert_eq!(stores.users.user(&user.id).await.expect("user"), Some(user));
    store.close().await;
    scratch.remove();
}

/// `sqlite::memory:` is one private database that keeps its data while the store lives.
#[tokio::test]
async fn memory_url_is_one_database() {
    let store = SqliteStore::open("sqlite::memory:").await.expect("open");
    store.migrate().await.expect("migrate");
    let stores = store.into_stores();
    let user = user_with(&stores, "https://idp.example/", "mem").await;
    let s = session(&user.id, "mem", 0);
    stores.sessions.create_session(&s).await.expect("create");
    assert_eq!(
        stores.sessions.session(&s.key, at(1)).await.expect("get"),
        Some(s)
    );
}

/// A malformed URL is a clear `Backend` error, not a panic.
#[tokio::test]
async fn bad_url_is_an_error() {
    let opened = SqliteStore::open("sqlite::memory:?mode=bogus").await;
    let err = opened.expect_err("refused");
    assert!(err.to_string().contains("invalid SQLite URL"), "{err}");
}

/// Two stores on one file (two processes sharing it) see each other's writes, and their
/// concurrent leases, takes and first uses have exactly one winner.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_file() {
    let scratch = Scratch::new();
    let (a, b) = (scratch.open().await, scratch.open().await);
    let (sa, sb) = (a.clone().into_stores(), b.clone().into_stores());
    authgate_store_tests::two_instances_share_state_and_race_fairly(&sa, &sb).await;
    a.close().await;
    b.close().await;
    scratch.remove();
}
