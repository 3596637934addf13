//! SQLite store for authgate (the embedded default: one file, WAL).
//!
//! [`SqliteStore`] implements every store trait of `authgate_core::store` over one SQLite file
//! and passes the conformance suite in `authgate-store-tests`. It serves one gateway instance;
//! several instances share state through `authgate-store-postgres` instead.
//!
//! ```no_run
//! # async fn demo() -> Result<(), authgate_core::store::StoreError> {
//! use authgate_store_sqlite::SqliteStore;
//!
//! let store = SqliteStore::open("sqlite:///var/lib/authgate/authgate.db").await?;
//! store.migrate().await?;
//! let stores = store.into_stores();
//! # let _ = stores;
//! # Ok(())
//! # }
//! ```
//!
//! The file is created when missing and opened in WAL mode with foreign keys on and a busy
//! timeout, so concurrent writers wait instead of failing. Every time is an INTEGER of Unix
//! seconds, token hashes are lower-case hex, claims are JSON text and the sealed provider
//! tokens a BLOB; the secrets themselves (session cookie, `state`) are never stored.
//!
//! Security: error messages name the operation, never a parameter value.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod error;
mod login_states;
mod replays;
mod rows;
mod sessions;
mod users;

use authgate_core::store::{StoreError, Stores};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// How long a statement waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections in the pool of a file database.
const MAX_CONNECTIONS: u32 = 8;

/// Every authgate store over one SQLite database.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating when missing) the database at `url`: `sqlite://path/to/file.db`, or
    /// `sqlite::memory:` for a private in-memory database (one connection, lost on drop).
    /// Run [`SqliteStore::migrate`] before first use.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let parsed = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Backend(format!("invalid SQLite URL: {e}")))?;
        let options = parsed
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = if is_memory(url) {
            // Each connection to `:memory:` is its own database: keep exactly one, forever.
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await
        } else {
            let options = options
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal);
            SqlitePoolOptions::new()
                .max_connections(MAX_CONNECTIONS)
                .connect_with(options)
                .await
        };
        let pool = pool.map_err(|e| error::backend("open", &e))?;
        Ok(Self::from_pool(pool))
    }

    /// A store over an existing pool (its connections must have foreign keys on).
    pub fn from_pool(pool: SqlitePool) -> Self {
        SqliteStore { pool }
    }

    /// The underlying pool.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Applies the embedded migrations that have not run yet; a no-op when up to date.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!()
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Backend(format!("migrate: {e}")))
    }

    /// Every aggregate of this store, as the library and gateway hold them.
    pub fn into_stores(self) -> Stores {
        Stores::from_backend(Arc::new(self))
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn is_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}
