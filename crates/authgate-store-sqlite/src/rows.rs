//! Rows to records. Column lists live here so every query selects the same shape.

use authgate_core::store::{
    Identity, LoginState, NewIdentity, Session, StoreError, TokenHash, User, UserId,
};
use authgate_core::{SecretString, UnixTime};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

/// The columns [`user`] reads, from `users u` (a macro so `concat!` builds `&'static str` SQL).
macro_rules! user_columns {
    () => {
        "u.id, u.display_name, u.email, u.disabled, u.created_at"
    };
}

/// The columns [`identity`] reads, from `identities i`.
macro_rules! identity_columns {
    () => {
        "i.issuer, i.subject, i.user_id, i.provider, i.tenant, i.email AS i_email, \
         i.email_verified, i.created_at AS i_created_at, i.last_login_at"
    };
}

/// The columns [`session`] reads, from `sessions s`.
macro_rules! session_columns {
    () => {
        "s.key_hash, s.user_id, s.provider, s.issuer, s.subject, s.sid, s.claims, \
         s.created_at, s.last_seen_at, s.idle_expires_at, s.absolute_expires_at, s.tokens, \
         s.tokens_expire_at"
    };
}

pub(crate) use {identity_columns, session_columns, user_columns};

fn corrupt(column: &str) -> StoreError {
    StoreError::Backend(format!("corrupt row: column {column}"))
}

fn get<'r, T>(row: &'r SqliteRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get(column).map_err(|_| corrupt(column))
}

fn time(row: &SqliteRow, column: &str) -> Result<UnixTime, StoreError> {
    get::<i64>(row, column).map(UnixTime)
}

fn hash(row: &SqliteRow, column: &str) -> Result<TokenHash, StoreError> {
    let hex: String = get(row, column)?;
    TokenHash::from_hex(&hex).ok_or_else(|| corrupt(column))
}

/// A user from [`user_columns`].
pub(crate) fn user(row: &SqliteRow) -> Result<User, StoreError> {
    Ok(User {
        id: UserId(get(row, "id")?),
        display_name: get(row, "display_name")?,
        email: get(row, "email")?,
        disabled: get(row, "disabled")?,
        created_at: time(row, "created_at")?,
    })
}

/// An identity from [`identity_columns`].
pub(crate) fn identity(row: &SqliteRow) -> Result<Identity, StoreError> {
    Ok(Identity {
        identity: NewIdentity {
            provider: get(row, "provider")?,
            issuer: get(row, "issuer")?,
            subject: get(row, "subject")?,
            tenant: get(row, "tenant")?,
            email: get(row, "i_email")?,
            email_verified: get(row, "email_verified")?,
        },
        user_id: UserId(get(row, "user_id")?),
        created_at: time(row, "i_created_at")?,
        last_login_at: time(row, "last_login_at")?,
    })
}

/// A login state from every column of `login_states`.
pub(crate) fn login_state(row: &SqliteRow) -> Result<LoginState, StoreError> {
    Ok(LoginState {
        key: hash(row, "key_hash")?,
        browser: hash(row, "browser_hash")?,
        provider: get(row, "provider")?,
        issuer: get(row, "issuer")?,
        nonce: SecretString::new(get(row, "nonce")?),
        pkce_verifier: SecretString::new(get(row, "pkce_verifier")?),
        return_to: get(row, "return_to")?,
        link_user: get::<Option<String>>(row, "link_user")?.map(UserId),
        created_at: time(row, "created_at")?,
        expires_at: time(row, "expires_at")?,
    })
}

/// A session from [`session_columns`].
pub(crate) fn session(row: &SqliteRow) -> Result<Session, StoreError> {
    let claims: String = get(row, "claims")?;
    Ok(Session {
        key: hash(row, "key_hash")?,
        user_id: UserId(get(row, "user_id")?),
        provider: get(row, "provider")?,
        issuer: get(row, "issuer")?,
        subject: get(row, "subject")?,
        sid: get(row, "sid")?,
        claims: serde_json::from_str(&claims).map_err(|_| corrupt("claims"))?,
        created_at: time(row, "created_at")?,
        last_seen_at: time(row, "last_seen_at")?,
        idle_expires_at: time(row, "idle_expires_at")?,
        absolute_expires_at: time(row, "absolute_expires_at")?,
        tokens: get(row, "tokens")?,
        tokens_expire_at: get::<Option<i64>>(row, "tokens_expire_at")?.map(UnixTime),
    })
}

/// Claims as the JSON text a session row keeps.
pub(crate) fn claims_text(claims: &serde_json::Value) -> Result<String, StoreError> {
    serde_json::to_string(claims).map_err(|_| StoreError::Backend("claims: not JSON".into()))
}
