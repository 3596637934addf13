//! `ReplayStore` over SQLite.

use crate::SqliteStore;
use crate::error::read;
use async_trait::async_trait;
use authgate_core::UnixTime;
use authgate_core::store::{ReplayStore, StoreResult};

#[async_trait]
impl ReplayStore for SqliteStore {
    async fn first_use(
        &self,
        namespace: &str,
        id: &str,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> StoreResult<bool> {
        // One statement: a new id inserts; a remembered one is overwritten only when it has
        // expired at `now`. A row is written exactly when this is the first use.
        let done = sqlx::query(
            "INSERT INTO replays (namespace, id, expires_at) VALUES (?, ?, ?) \
             ON CONFLICT (namespace, id) DO UPDATE SET expires_at = excluded.expires_at \
             WHERE replays.expires_at <= ?",
        )
        .bind(namespace)
        .bind(id)
        .bind(expires_at.0)
        .bind(now.0)
        .execute(&self.pool)
        .await
        .map_err(read("first use"))?;
        Ok(done.rows_affected() > 0)
    }

    async fn sweep_replays(&self, now: UnixTime) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM replays WHERE expires_at <= ?")
            .bind(now.0)
            .execute(&self.pool)
            .await
            .map_err(read("sweep replays"))?;
        Ok(done.rows_affected())
    }
}
