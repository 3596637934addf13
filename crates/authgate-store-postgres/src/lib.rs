//! PostgreSQL store for authgate (many instances).
//!
//! [`PostgresStore`] implements every store trait of `authgate_core::store` over one
//! PostgreSQL database and passes the conformance suite in `authgate-store-tests`. Every
//! instance of the gateway may share it: single-use login states, refresh leases and replay
//! identifiers are decided by one conditional statement each, so of concurrent callers on any
//! instance exactly one wins.
//!
//! ```no_run
//! # async fn demo() -> Result<(), authgate_core::store::StoreError> {
//! use authgate_store_postgres::PostgresStore;
//!
//! let store = PostgresStore::open("postgres://authgate@db.internal/authgate").await?;
//! store.migrate().await?;
//! let stores = store.into_stores();
//! # let _ = stores;
//! # Ok(())
//! # }
//! ```
//!
//! The tables live in the connection's `search_path` (its first schema); put
//! `?options=-c%20search_path%3Dauthgate` in the URL for a dedicated schema. Every time is a
//! BIGINT of Unix seconds, token hashes are lower-case hex, claims are JSON text and the sealed
//! provider tokens BYTEA; the secrets themselves (session cookie, `state`) are never stored.
//!
//! Security: error messages name the operation, never a parameter value or the URL.

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
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// How long to wait for a free connection before failing.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections in the pool.
const MAX_CONNECTIONS: u32 = 10;

/// Every authgate store over one PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`).
    /// Run [`PostgresStore::migrate`] before first use.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        // The parse error may quote the URL, which may hold a password: not repeated here.
        let options = PgConnectOptions::from_str(url)
            .map_err(|_| StoreError::Backend("invalid PostgreSQL URL".into()))?;
        Self::connect(options).await
    }

    /// Connects with explicit options (for example a `search_path` set with
    /// [`PgConnectOptions::options`]).
    pub async fn connect(options: PgConnectOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| error::backend("connect", &e))?;
        Ok(Self::from_pool(pool))
    }

    /// A store over an existing pool.
    pub fn from_pool(pool: PgPool) -> Self {
        PostgresStore { pool }
    }

    /// The underlying pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Applies the embedded migrations that have not run yet; a no-op when up to date. Safe
    /// to run from several instances at once (the migrator takes an advisory lock).
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
