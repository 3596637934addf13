//! The conformance suite, one test per invariant, each on its own database file.

use crate::Scratch;
use authgate_core::store::Stores;
use authgate_store_sqlite::SqliteStore;

struct Sqlite {
    scratch: Scratch,
    store: SqliteStore,
}

impl authgate_store_tests::Backend for Sqlite {
    async fn fresh() -> Option<Self> {
        let scratch = Scratch::new();
        let store = scratch.open().await;
        Some(Sqlite { scratch, store })
    }

    fn stores(&self) -> Stores {
        self.store.clone().into_stores()
    }

    async fn teardown(self) {
        self.store.close().await;
        self.scratch.remove();
    }
}

authgate_store_tests::conformance_tests!(Sqlite);
