//! `LoginStateStore` over SQLite.

use crate::SqliteStore;
use crate::error::{read, write};
use crate::rows;
use async_trait::async_trait;
use authgate_core::UnixTime;
use authgate_core::store::{LoginState, LoginStateStore, StoreResult, TokenHash};

#[async_trait]
impl LoginStateStore for SqliteStore {
    async fn put_login_state(&self, state: &LoginState) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO login_states (key_hash, browser_hash, provider, issuer, nonce, \
             pkce_verifier, return_to, link_user, created_at, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(state.key.to_hex())
        .bind(state.browser.to_hex())
        .bind(&state.provider)
        .bind(&state.issuer)
        .bind(state.nonce.expose_secret())
        .bind(state.pkce_verifier.expose_secret())
        .bind(&state.return_to)
        .bind(state.link_user.as_ref().map(|u| u.0.as_str()))
        .bind(state.created_at.0)
        .bind(state.expires_at.0)
        .execute(&self.pool)
        .await
        .map_err(write("put login state", "login state"))?;
        Ok(())
    }

    async fn take_login_state(
        &self,
        key: &TokenHash,
        browser: &TokenHash,
        now: UnixTime,
    ) -> StoreResult<Option<LoginState>> {
        // One statement: of concurrent takes exactly one deletes (and so returns) the row. A
        // live row of another browser stays; an expired row goes whoever asks.
        let row = sqlx::query(
            "DELETE FROM login_states WHERE key_hash = ? \
             AND (browser_hash = ? OR expires_at <= ?) RETURNING *",
        )
        .bind(key.to_hex())
        .bind(browser.to_hex())
        .bind(now.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(read("take login state"))?;
        let Some(row) = row else { return Ok(None) };
        let state = rows::login_state(&row)?;
        Ok((now < state.expires_at && &state.browser == browser).then_some(state))
    }

    async fn sweep_login_states(&self, now: UnixTime) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM login_states WHERE expires_at <= ?")
            .bind(now.0)
            .execute(&self.pool)
            .await
            .map_err(read("sweep login states"))?;
        Ok(done.rows_affected())
    }
}
