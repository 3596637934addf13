//! The store named by `[store] url`: SQLite (one instance) or PostgreSQL (several), opened
//! behind the store traits of `authgate_core::store` so nothing else asks which it is.

use crate::config::{StoreKind, StoreSettings};
use authgate_core::store::{StoreError, Stores};

/// Why the store could not be opened or migrated. The message never carries the URL's
/// password.
#[derive(Debug, thiserror::Error)]
#[error("store {url}: {source}")]
pub struct StoreOpenError {
    /// The URL without its password.
    pub url: String,
    /// What failed.
    pub source: StoreError,
}

/// An opened backend, before it is wrapped into [`Stores`].
#[derive(Debug)]
pub enum Backend {
    /// SQLite.
    Sqlite(authgate_store_sqlite::SqliteStore),
    /// PostgreSQL.
    Postgres(authgate_store_postgres::PostgresStore),
}

impl Backend {
    /// Opens the store `settings` names (a SQLite file is created when missing).
    pub async fn open(settings: &StoreSettings) -> Result<Backend, StoreOpenError> {
        let url = settings.url.expose_secret();
        let opened = match settings.kind {
            StoreKind::Sqlite => authgate_store_sqlite::SqliteStore::open(url)
                .await
                .map(Backend::Sqlite),
            StoreKind::Postgres => authgate_store_postgres::PostgresStore::open(url)
                .await
                .map(Backend::Postgres),
        };
        opened.map_err(|source| StoreOpenError {
            url: settings.display_url(),
            source,
        })
    }

    /// Applies the migrations that have not run yet; returns `version description` of each
    /// applied one (empty when the schema was up to date).
    pub async fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let before = self.applied().await;
        match self {
            Backend::Sqlite(store) => store.migrate().await?,
            Backend::Postgres(store) => store.migrate().await?,
        }
        let after = self.applied().await;
        Ok(after
            .into_iter()
            .filter(|m| !before.contains(m))
            .map(|(version, description)| format!("{version} {description}"))
            .collect())
    }

    /// The migrations recorded as applied (none when the bookkeeping table does not exist).
    async fn applied(&self) -> Vec<(i64, String)> {
        const APPLIED: &str =
            "SELECT version, description FROM _sqlx_migrations WHERE success ORDER BY version";
        let rows = match self {
            Backend::Sqlite(store) => sqlx::query_as(APPLIED).fetch_all(store.pool()).await,
            Backend::Postgres(store) => sqlx::query_as(APPLIED).fetch_all(store.pool()).await,
        };
        rows.unwrap_or_default()
    }

    /// Every aggregate of this backend.
    pub fn into_stores(self) -> Stores {
        match self {
            Backend::Sqlite(store) => store.into_stores(),
            Backend::Postgres(store) => store.into_stores(),
        }
    }
}

/// Opens the store and applies pending migrations (what `serve` does at start).
pub async fn open_and_migrate(settings: &StoreSettings) -> Result<Stores, StoreOpenError> {
    let backend = Backend::open(settings).await?;
    let applied = backend.migrate().await.map_err(|source| StoreOpenError {
        url: settings.display_url(),
        source,
    })?;
    for migration in &applied {
        tracing::info!(migration = %migration, "store migration applied");
    }
    Ok(backend.into_stores())
}
