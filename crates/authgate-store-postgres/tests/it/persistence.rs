//! What survives a restart, and migrations that run twice.

use crate::Scratch;
use authgate_store_postgres::PostgresStore;
use authgate_store_tests::{at, session, user_with};

/// A gateway restart (a new pool on the same schema) loses no session, user or role.
#[tokio::test]
async fn reopened_schema_keeps_sessions() {
    let Some(scratch) = Scratch::new().await else {
        return;
    };
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

    let reopened = scratch.open().await;
    let second = reopened.clone().into_stores();
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
    reopened.close().await;
    scratch.remove().await;
}

/// Running the migrations again is a no-op: data stays, no migration is recorded twice.
#[tokio::test]
async fn migrate_twice_is_a_no_op() {
    let Some(scratch) = Scratch::new().await else {
        return;
    };
    let store = scratch.open().await;
    let stores = store.clone().into_stores();
    let user = user_with(&stores, "https://idp.example/", "twice").await;
    let applied = |store: PostgresStore| async move {
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
    scratch.remove().await;
}

/// A malformed URL is a clear error that does not repeat the URL (it may hold a password).
#[tokio::test]
async fn bad_url_is_an_error_without_the_url() {
    let opened = PostgresStore::open("postgres://user:hunter2@[::1").await;
    let err = opened.expect_err("refused").to_string();
    assert!(err.contains("invalid PostgreSQL URL"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

/// Two pools on one schema (two gateway instances) see each other's writes, and their
/// concurrent leases, takes and first uses have exactly one winner.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_schema() {
    let Some(scratch) = Scratch::new().await else {
        return;
    };
    let (a, b) = (scratch.open().await, scratch.open().await);
    let (sa, sb) = (a.clone().into_stores(), b.clone().into_stores());
    authgate_store_tests::two_instances_share_state_and_race_fairly(&sa, &sb).await;
    a.close().await;
    b.close().await;
    scratch.remove().await;
}

/// The store's `Debug` never shows the URL's password.
#[tokio::test]
async fn debug_does_not_show_the_password() {
    let Ok(url) = std::env::var("AUTHGATE_TEST_POSTGRES_URL") else {
        return;
    };
    let Some(rest) = url.strip_prefix("postgres://").filter(|r| r.contains('@')) else {
        return; // no user part to put a password on
    };
    // The test server trusts loopback, so the password is accepted and ignored.
    let user_end = rest.find(['@', ':']).unwrap_or(0);
    let (user, host) = rest.split_at(user_end);
    let host = host.trim_start_matches(|c| c != '@');
    let with_password = format!("postgres://{user}:pw-5e1f9a{host}");
    let store = PostgresStore::open(&with_password).await.expect("open");
    let shown = format!("{store:?}");
    assert!(!shown.contains("pw-5e1f9a"), "{shown}");
    store.close().await;
}

/// `sslmode=require` in the URL gives a TLS connection (rustls), not a silent plain one.
#[tokio::test]
async fn sslmode_require_connects_over_tls() {
    let Ok(url) = std::env::var("AUTHGATE_TEST_POSTGRES_URL") else {
        return;
    };
    let sep = if url.contains('?') { '&' } else { '?' };
    let store = PostgresStore::open(&format!("{url}{sep}sslmode=require"))
        .await
        .expect("TLS connection");
    let ssl: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(store.pool())
        .await
        .expect("pg_stat_ssl");
    assert!(ssl, "the connection is not encrypted");
    store.close().await;
}
