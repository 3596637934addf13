//! The conformance suite against `authgate_core::store::MemoryStore`.

use authgate_core::store::Stores;

/// A fresh in-memory store per test.
struct Memory(Stores);

impl authgate_store_tests::Backend for Memory {
    async fn fresh() -> Option<Self> {
        Some(Memory(Stores::memory()))
    }

    fn stores(&self) -> Stores {
        self.0.clone()
    }
}

authgate_store_tests::conformance_tests!(Memory);

/// Two handles on one `MemoryStore` behave as two instances sharing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_handles_share_state_and_race_fairly() {
    let stores = Stores::memory();
    authgate_store_tests::two_instances_share_state_and_race_fairly(&stores, &stores.clone()).await;
}
