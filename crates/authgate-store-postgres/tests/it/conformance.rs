//! The conformance suite, one test per invariant, each in its own schema.

use crate::Scratch;
use authgate_core::store::Stores;
use authgate_store_postgres::PostgresStore;

struct Postgres {
    scratch: Scratch,
    store: PostgresStore,
}

impl authgate_store_tests::Backend for Postgres {
    async fn fresh() -> Option<Self> {
        let scratch = Scratch::new().await?;
        let store = scratch.open().await;
        Some(Postgres { scratch, store })
    }

    fn stores(&self) -> Stores {
        self.store.clone().into_stores()
    }

    async fn teardown(self) {
        self.store.close().await;
        self.scratch.remove().await;
    }
}

authgate_store_tests::conformance_tests!(Postgres);
