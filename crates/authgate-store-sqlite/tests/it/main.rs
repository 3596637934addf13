//! Integration tests of the SQLite store: the conformance suite on a fresh file per test,
//! persistence across reopening, and idempotent migrations.

mod conformance;
mod persistence;

use authgate_store_sqlite::SqliteStore;
use std::path::PathBuf;

/// A fresh database file in the temporary directory, deleted by [`Scratch::remove`].
pub(crate) struct Scratch {
    pub(crate) path: PathBuf,
}

impl Scratch {
    pub(crate) fn new() -> Self {
        let name = format!("{}.db", authgate_store_tests::scratch_name());
        Scratch {
            path: std::env::temp_dir().join(name),
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }

    /// Opens and migrates the database.
    pub(crate) async fn open(&self) -> SqliteStore {
        let store = SqliteStore::open(&self.url()).await.expect("open");
        store.migrate().await.expect("migrate");
        store
    }

    pub(crate) fn remove(&self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = self.path.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }
}
