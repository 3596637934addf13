//! Integration tests of the PostgreSQL store: the conformance suite in a fresh schema per
//! test, persistence across reopening, and idempotent migrations.
//!
//! They run only when `AUTHGATE_TEST_POSTGRES_URL` is set (for example
//! `postgres://postgres@127.0.0.1:5432/test`); otherwise each passes vacuously after printing
//! why.

mod conformance;
mod persistence;

use authgate_store_postgres::PostgresStore;
use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use std::str::FromStr;
use std::sync::Once;

const URL_VAR: &str = "AUTHGATE_TEST_POSTGRES_URL";

/// A fresh schema in the test database, dropped by [`Scratch::remove`].
pub(crate) struct Scratch {
    url: String,
    schema: String,
}

impl Scratch {
    /// Creates the schema, or `None` (after saying so once) when no database is configured.
    pub(crate) async fn new() -> Option<Self> {
        let Ok(url) = std::env::var(URL_VAR) else {
            static NOTICE: Once = Once::new();
            NOTICE.call_once(|| {
                authgate_store_tests::skip_notice(
                    "skipped: set AUTHGATE_TEST_POSTGRES_URL to run the PostgreSQL store tests",
                );
            });
            return None;
        };
        let schema = authgate_store_tests::scratch_name();
        let scratch = Scratch { url, schema };
        scratch
            .admin(&format!("CREATE SCHEMA {}", scratch.schema))
            .await;
        Some(scratch)
    }

    async fn admin(&self, sql: &str) {
        let mut conn = PgConnection::connect(&self.url).await.expect("connect");
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .expect("admin statement");
        let _ = conn.close().await;
    }

    /// Opens the store on the schema and migrates it.
    pub(crate) async fn open(&self) -> PostgresStore {
        let options = PgConnectOptions::from_str(&self.url).expect("url");
        let options = options.options([("search_path", self.schema.as_str())]);
        let store = PostgresStore::connect(options).await.expect("connect");
        store.migrate().await.expect("migrate");
        store
    }

    /// Drops the schema and everything in it.
    pub(crate) async fn remove(&self) {
        self.admin(&format!("DROP SCHEMA {} CASCADE", self.schema))
            .await;
    }
}
