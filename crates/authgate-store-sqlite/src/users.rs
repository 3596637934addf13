//! `UserStore` over SQLite.

use crate::SqliteStore;
use crate::error::{read, write};
use crate::rows::{self, identity_columns, user_columns};
use async_trait::async_trait;
use authgate_core::UnixTime;
use authgate_core::store::{
    Identity, NewIdentity, NewUser, Page, StoreError, StoreResult, User, UserId, UserStore,
};
use sqlx::sqlite::SqliteRow;

fn users(rows: &[SqliteRow]) -> StoreResult<Vec<User>> {
    rows.iter().map(rows::user).collect()
}

async fn insert_identity<'e, E>(
    exec: E,
    user: &UserId,
    identity: &NewIdentity,
    now: UnixTime,
) -> StoreResult<Identity>
where
    E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
{
    sqlx::query(
        "INSERT INTO identities (issuer, subject, user_id, provider, tenant, email, \
         email_verified, created_at, last_login_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&identity.issuer)
    .bind(&identity.subject)
    .bind(&user.0)
    .bind(&identity.provider)
    .bind(&identity.tenant)
    .bind(&identity.email)
    .bind(identity.email_verified)
    .bind(now.0)
    .bind(now.0)
    .execute(exec)
    .await
    .map_err(write("link identity", "identity"))?;
    Ok(Identity {
        identity: identity.clone(),
        user_id: user.clone(),
        created_at: now,
        last_login_at: now,
    })
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn create_user(
        &self,
        user: &NewUser,
        identity: &NewIdentity,
        now: UnixTime,
    ) -> StoreResult<User> {
        let created = User {
            id: UserId::random(),
            display_name: user.display_name.clone(),
            email: user.email.clone(),
            disabled: false,
            created_at: now,
        };
        let mut tx = self.pool.begin().await.map_err(read("begin"))?;
        sqlx::query(
            "INSERT INTO users (id, display_name, email, disabled, created_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&created.id.0)
        .bind(&created.display_name)
        .bind(&created.email)
        .bind(false)
        .bind(now.0)
        .execute(&mut *tx)
        .await
        .map_err(write("create user", "user"))?;
        // On error `tx` is dropped, which rolls the user row back: no orphan user.
        insert_identity(&mut *tx, &created.id, identity, now).await?;
        tx.commit().await.map_err(read("commit"))?;
        Ok(created)
    }

    async fn user(&self, id: &UserId) -> StoreResult<Option<User>> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users u WHERE u.id = ?");
        let row = sqlx::query(sql)
            .bind(&id.0)
            .fetch_optional(&self.pool)
            .await;
        row.map_err(read("user"))?
            .as_ref()
            .map(rows::user)
            .transpose()
    }

    async fn user_by_identity(
        &self,
        issuer: &str,
        subject: &str,
    ) -> StoreResult<Option<(User, Identity)>> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            ", ",
            identity_columns!(),
            " FROM identities i JOIN users u ON u.id = i.user_id \
             WHERE i.issuer = ? AND i.subject = ?"
        );
        let query = sqlx::query(sql).bind(issuer).bind(subject);
        let row = query
            .fetch_optional(&self.pool)
            .await
            .map_err(read("user by identity"))?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some((rows::user(&row)?, rows::identity(&row)?)))
    }

    async fn users_by_verified_email(&self, email: &str) -> StoreResult<Vec<User>> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u WHERE u.id IN (SELECT i.user_id FROM identities i \
             WHERE i.email_verified AND lower(i.email) = lower(?)) ORDER BY u.id"
        );
        let found = sqlx::query(sql).bind(email).fetch_all(&self.pool).await;
        users(&found.map_err(read("users by verified email"))?)
    }

    async fn users_by_email(&self, email: &str) -> StoreResult<Vec<User>> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u WHERE lower(u.email) = lower(?) ORDER BY u.created_at, u.id"
        );
        let found = sqlx::query(sql).bind(email).fetch_all(&self.pool).await;
        users(&found.map_err(read("users by email"))?)
    }

    async fn link_identity(
        &self,
        user: &UserId,
        identity: &NewIdentity,
        now: UnixTime,
    ) -> StoreResult<Identity> {
        // One statement: the primary key refuses a linked identity (Conflict), the foreign key
        // an unknown user (NotFound).
        insert_identity(&self.pool, user, identity, now).await
    }

    async fn identities(&self, user: &UserId) -> StoreResult<Vec<Identity>> {
        let sql = concat!(
            "SELECT ",
            identity_columns!(),
            " FROM identities i WHERE i.user_id = ? ORDER BY i.created_at, i.issuer, i.subject"
        );
        let found = sqlx::query(sql).bind(&user.0).fetch_all(&self.pool).await;
        let found = found.map_err(read("identities"))?;
        found.iter().map(rows::identity).collect()
    }

    async fn record_login(&self, identity: &NewIdentity, now: UnixTime) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE identities SET last_login_at = ?, email = ?, email_verified = ?, tenant = ? \
             WHERE issuer = ? AND subject = ?",
        )
        .bind(now.0)
        .bind(&identity.email)
        .bind(identity.email_verified)
        .bind(&identity.tenant)
        .bind(&identity.issuer)
        .bind(&identity.subject)
        .execute(&self.pool)
        .await
        .map_err(read("record login"))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("identity".into()));
        }
        Ok(())
    }

    async fn list_users(&self, page: Page) -> StoreResult<Vec<User>> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u ORDER BY u.created_at, u.id LIMIT ? OFFSET ?"
        );
        let query = sqlx::query(sql)
            .bind(i64::from(page.limit))
            .bind(i64::from(page.offset));
        users(
            &query
                .fetch_all(&self.pool)
                .await
                .map_err(read("list users"))?,
        )
    }

    async fn set_disabled(&self, id: &UserId, disabled: bool) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE users SET disabled = ? WHERE id = ?")
            .bind(disabled)
            .bind(&id.0)
            .execute(&self.pool)
            .await
            .map_err(read("set disabled"))?;
        Ok(done.rows_affected() > 0)
    }

    async fn grant_role(&self, id: &UserId, role: &str, now: UnixTime) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO role_grants (user_id, role, granted_at) VALUES (?, ?, ?) \
             ON CONFLICT (user_id, role) DO NOTHING",
        )
        .bind(&id.0)
        .bind(role)
        .bind(now.0)
        .execute(&self.pool)
        .await
        .map_err(write("grant role", "role grant"))?;
        Ok(done.rows_affected() > 0)
    }

    async fn revoke_role(&self, id: &UserId, role: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM role_grants WHERE user_id = ? AND role = ?")
            .bind(&id.0)
            .bind(role)
            .execute(&self.pool)
            .await
            .map_err(read("revoke role"))?;
        Ok(done.rows_affected() > 0)
    }

    async fn roles(&self, id: &UserId) -> StoreResult<Vec<String>> {
        let sql = "SELECT role FROM role_grants WHERE user_id = ? ORDER BY role";
        let found = sqlx::query_scalar(sql)
            .bind(&id.0)
            .fetch_all(&self.pool)
            .await;
        found.map_err(read("roles"))
    }

    async fn delete_user(&self, id: &UserId) -> StoreResult<bool> {
        // Identities, role grants and sessions go with it (ON DELETE CASCADE).
        let done = sqlx::query("DELETE FROM users WHERE id = ?")
            .bind(&id.0)
            .execute(&self.pool)
            .await
            .map_err(read("delete user"))?;
        Ok(done.rows_affected() > 0)
    }
}
