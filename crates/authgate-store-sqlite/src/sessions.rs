//! `SessionStore` over SQLite, including the refresh lease.

use crate::SqliteStore;
use crate::error::{read, write};
use crate::rows::{self, session_columns};
use async_trait::async_trait;
use authgate_core::UnixTime;
use authgate_core::store::{Session, SessionStore, StoreResult, TokenHash, UserId};

impl SqliteStore {
    async fn delete_sessions(
        &self,
        op: &'static str,
        sql: &'static str,
        a: &str,
        b: &str,
    ) -> StoreResult<u64> {
        let done = sqlx::query(sql).bind(a).bind(b).execute(&self.pool).await;
        Ok(done.map_err(read(op))?.rows_affected())
    }
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn create_session(&self, session: &Session) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (key_hash, user_id, provider, issuer, subject, sid, claims, \
             created_at, last_seen_at, idle_expires_at, absolute_expires_at, tokens, \
             tokens_expire_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(session.key.to_hex())
        .bind(&session.user_id.0)
        .bind(&session.provider)
        .bind(&session.issuer)
        .bind(&session.subject)
        .bind(&session.sid)
        .bind(rows::claims_text(&session.claims)?)
        .bind(session.created_at.0)
        .bind(session.last_seen_at.0)
        .bind(session.idle_expires_at.0)
        .bind(session.absolute_expires_at.0)
        .bind(&session.tokens)
        .bind(session.tokens_expire_at.map(|t| t.0))
        .execute(&self.pool)
        .await
        .map_err(write("create session", "session"))?;
        Ok(())
    }

    async fn session(&self, key: &TokenHash, now: UnixTime) -> StoreResult<Option<Session>> {
        let sql = concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.key_hash = ? \
             AND s.idle_expires_at > ? AND s.absolute_expires_at > ? AND NOT u.disabled"
        );
        let query = sqlx::query(sql).bind(key.to_hex()).bind(now.0).bind(now.0);
        let row = query
            .fetch_optional(&self.pool)
            .await
            .map_err(read("session"))?;
        row.as_ref().map(rows::session).transpose()
    }

    async fn touch_session(
        &self,
        key: &TokenHash,
        now: UnixTime,
        idle_expires_at: UnixTime,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE sessions SET last_seen_at = ?, \
             idle_expires_at = min(?, absolute_expires_at) \
             WHERE key_hash = ? AND idle_expires_at > ? AND absolute_expires_at > ?",
        )
        .bind(now.0)
        .bind(idle_expires_at.0)
        .bind(key.to_hex())
        .bind(now.0)
        .bind(now.0)
        .execute(&self.pool)
        .await
        .map_err(read("touch session"))?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_session(&self, key: &TokenHash) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM sessions WHERE key_hash = ?")
            .bind(key.to_hex())
            .execute(&self.pool)
            .await
            .map_err(read("delete session"))?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_user_sessions(&self, user: &UserId) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(&user.0)
            .execute(&self.pool)
            .await
            .map_err(read("delete user sessions"))?;
        Ok(done.rows_affected())
    }

    async fn delete_sessions_by_sid(&self, issuer: &str, sid: &str) -> StoreResult<u64> {
        let sql = "DELETE FROM sessions WHERE issuer = ? AND sid = ?";
        self.delete_sessions("delete sessions by sid", sql, issuer, sid)
            .await
    }

    async fn delete_sessions_by_subject(&self, issuer: &str, subject: &str) -> StoreResult<u64> {
        let sql = "DELETE FROM sessions WHERE issuer = ? AND subject = ?";
        self.delete_sessions("delete sessions by subject", sql, issuer, subject)
            .await
    }

    async fn user_sessions(&self, user: &UserId, now: UnixTime) -> StoreResult<Vec<Session>> {
        let sql = concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions s WHERE s.user_id = ? AND s.idle_expires_at > ? \
             AND s.absolute_expires_at > ? ORDER BY s.created_at DESC, s.key_hash"
        );
        let query = sqlx::query(sql).bind(&user.0).bind(now.0).bind(now.0);
        let found = query
            .fetch_all(&self.pool)
            .await
            .map_err(read("user sessions"))?;
        found.iter().map(rows::session).collect()
    }

    async fn try_lease_refresh(
        &self,
        key: &TokenHash,
        holder: &str,
        now: UnixTime,
        until: UnixTime,
    ) -> StoreResult<bool> {
        // One conditional statement: concurrent callers serialize on the row and only one
        // finds the lease free.
        let done = sqlx::query(
            "UPDATE sessions SET lease_holder = ?, lease_until = ? WHERE key_hash = ? \
             AND (lease_holder IS NULL OR lease_until <= ? OR lease_holder = ?)",
        )
        .bind(holder)
        .bind(until.0)
        .bind(key.to_hex())
        .bind(now.0)
        .bind(holder)
        .execute(&self.pool)
        .await
        .map_err(read("lease refresh"))?;
        Ok(done.rows_affected() > 0)
    }

    async fn store_refreshed_tokens(
        &self,
        key: &TokenHash,
        holder: &str,
        now: UnixTime,
        tokens: &[u8],
        tokens_expire_at: Option<UnixTime>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE sessions SET tokens = ?, tokens_expire_at = ?, lease_holder = NULL, \
             lease_until = NULL WHERE key_hash = ? AND lease_holder = ? AND lease_until > ?",
        )
        .bind(tokens)
        .bind(tokens_expire_at.map(|t| t.0))
        .bind(key.to_hex())
        .bind(holder)
        .bind(now.0)
        .execute(&self.pool)
        .await
        .map_err(read("store refreshed tokens"))?;
        Ok(done.rows_affected() > 0)
    }

    async fn release_refresh_lease(&self, key: &TokenHash, holder: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE sessions SET lease_holder = NULL, lease_until = NULL \
             WHERE key_hash = ? AND lease_holder = ?",
        )
        .bind(key.to_hex())
        .bind(holder)
        .execute(&self.pool)
        .await
        .map_err(read("release refresh lease"))?;
        Ok(())
    }

    async fn sweep_sessions(&self, now: UnixTime) -> StoreResult<u64> {
        let done = sqlx::query(
            "DELETE FROM sessions WHERE idle_expires_at <= ? OR absolute_expires_at <= ?",
        )
        .bind(now.0)
        .bind(now.0)
        .execute(&self.pool)
        .await
        .map_err(read("sweep sessions"))?;
        Ok(done.rows_affected())
    }
}
