//! Store traits, one per aggregate (DESIGN.md "Data model"), and the records they keep.
//!
//! Backends (`authgate-store-sqlite`, `authgate-store-postgres`, and [`MemoryStore`] here)
//! implement every trait and pass the one conformance suite in `authgate-store-tests`. Every
//! method that depends on time takes `now` explicitly, so tests move a clock instead of
//! sleeping, and every multi-row change is atomic: a failed write leaves the store as it was.

mod memory;
mod model;

use crate::clock::UnixTime;
use async_trait::async_trait;
use std::sync::Arc;

pub use self::memory::MemoryStore;
pub use self::model::{
    Identity, LoginState, NewIdentity, NewUser, Page, Session, TokenHash, User, UserId,
};

/// Why a store operation failed. Messages never carry secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken (for example the identity is already linked).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The referenced row does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The backend failed (connection, I/O, corrupt row).
    #[error("store backend: {0}")]
    Backend(String),
}

/// The result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// Users, their identities and their local role grants.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates a user and its first identity in one transaction. `Conflict` when the
    /// identity's (issuer, subject) is already linked.
    async fn create_user(
        &self,
        user: &NewUser,
        identity: &NewIdentity,
        now: UnixTime,
    ) -> StoreResult<User>;
    /// The user with this id.
    async fn user(&self, id: &UserId) -> StoreResult<Option<User>>;
    /// The identity with this (issuer, subject) and its user.
    async fn user_by_identity(
        &self,
        issuer: &str,
        subject: &str,
    ) -> StoreResult<Option<(User, Identity)>>;
    /// Users with this email (case-insensitive) on at least one identity whose email is
    /// verified. For linking by verified email, when configured.
    async fn users_by_verified_email(&self, email: &str) -> StoreResult<Vec<User>>;
    /// Users whose email equals `email` (case-insensitive), for the admin CLI.
    async fn users_by_email(&self, email: &str) -> StoreResult<Vec<User>>;
    /// Links another identity to an existing user. `Conflict` when (issuer, subject) is
    /// already linked (to anyone), `NotFound` when the user does not exist.
    async fn link_identity(
        &self,
        user: &UserId,
        identity: &NewIdentity,
        now: UnixTime,
    ) -> StoreResult<Identity>;
    /// Every identity of a user, oldest first; ties by issuer, then subject (byte order).
    async fn identities(&self, user: &UserId) -> StoreResult<Vec<Identity>>;
    /// Records a sign-in with an identity: stamps `last_login_at` and refreshes the identity's
    /// email facts. `NotFound` when the identity does not exist.
    async fn record_login(&self, identity: &NewIdentity, now: UnixTime) -> StoreResult<()>;
    /// Users ordered by creation time, then id.
    async fn list_users(&self, page: Page) -> StoreResult<Vec<User>>;
    /// Disables or re-enables a user. `false` when there is no such user.
    async fn set_disabled(&self, id: &UserId, disabled: bool) -> StoreResult<bool>;
    /// Grants a local role. `true` when it was not granted before; `NotFound` for no user.
    async fn grant_role(&self, id: &UserId, role: &str, now: UnixTime) -> StoreResult<bool>;
    /// Revokes a local role. `true` when it was granted.
    async fn revoke_role(&self, id: &UserId, role: &str) -> StoreResult<bool>;
    /// The user's local roles, sorted.
    async fn roles(&self, id: &UserId) -> StoreResult<Vec<String>>;
    /// Deletes a user with its identities, role grants and sessions. `false` for no user.
    async fn delete_user(&self, id: &UserId) -> StoreResult<bool>;
}

/// Sign-in transactions in flight. Each is usable once.
#[async_trait]
pub trait LoginStateStore: Send + Sync {
    /// Stores a new transaction. `Conflict` when the key exists.
    async fn put_login_state(&self, state: &LoginState) -> StoreResult<()>;
    /// Removes the transaction and returns it when it exists, was issued to `browser` (its
    /// `browser` hash equals the given one) and has not expired at `now`. A transaction of
    /// another browser is left in place untouched (a stranger holding the `state` cannot burn
    /// it), and `None` returned. Atomic: of two concurrent calls with the same key at most one
    /// gets `Some`. An expired transaction is removed (whatever `browser`) and `None` returned.
    async fn take_login_state(
        &self,
        key: &TokenHash,
        browser: &TokenHash,
        now: UnixTime,
    ) -> StoreResult<Option<LoginState>>;
    /// Deletes transactions expired at `now`; returns how many.
    async fn sweep_login_states(&self, now: UnixTime) -> StoreResult<u64>;
}

/// Server-side sessions.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session. `Conflict` when the key exists; `NotFound` when the user does not.
    async fn create_session(&self, session: &Session) -> StoreResult<()>;
    /// The session when it is live at `now` (before both expiries) and its user is not
    /// disabled; `None` otherwise.
    async fn session(&self, key: &TokenHash, now: UnixTime) -> StoreResult<Option<Session>>;
    /// Records use at `now`: `last_seen_at = now`, idle expiry moved to `idle_expires_at`
    /// (capped at the absolute expiry). `false` when the session is gone or not live.
    async fn touch_session(
        &self,
        key: &TokenHash,
        now: UnixTime,
        idle_expires_at: UnixTime,
    ) -> StoreResult<bool>;
    /// Deletes one session. `true` when it existed.
    async fn delete_session(&self, key: &TokenHash) -> StoreResult<bool>;
    /// Deletes every session of a user ("sign out everywhere"); returns how many.
    async fn delete_user_sessions(&self, user: &UserId) -> StoreResult<u64>;
    /// Deletes the sessions with this issuer and provider session id (back-channel `sid`).
    async fn delete_sessions_by_sid(&self, issuer: &str, sid: &str) -> StoreResult<u64>;
    /// Deletes the sessions with this issuer and subject (back-channel `sub`).
    async fn delete_sessions_by_subject(&self, issuer: &str, subject: &str) -> StoreResult<u64>;
    /// The user's live sessions at `now`, newest first.
    async fn user_sessions(&self, user: &UserId, now: UnixTime) -> StoreResult<Vec<Session>>;
    /// Takes the refresh lease of a session until `until` for `holder`. Succeeds when no lease
    /// is held, the held lease expired at `now`, or `holder` already holds it. Of concurrent
    /// callers (on any instance) exactly one wins. `false` when lost or the session is gone.
    async fn try_lease_refresh(
        &self,
        key: &TokenHash,
        holder: &str,
        now: UnixTime,
        until: UnixTime,
    ) -> StoreResult<bool>;
    /// Stores refreshed provider tokens and releases the lease, only if `holder` still holds
    /// it at `now`. `false` otherwise (nothing written).
    async fn store_refreshed_tokens(
        &self,
        key: &TokenHash,
        holder: &str,
        now: UnixTime,
        tokens: &[u8],
        tokens_expire_at: Option<UnixTime>,
    ) -> StoreResult<bool>;
    /// Releases the lease if `holder` holds it.
    async fn release_refresh_lease(&self, key: &TokenHash, holder: &str) -> StoreResult<()>;
    /// Deletes sessions expired (idle or absolute) at `now`; returns how many.
    async fn sweep_sessions(&self, now: UnixTime) -> StoreResult<u64>;
}

/// One-time identifiers (a back-channel logout token's `jti`), remembered until they expire.
#[async_trait]
pub trait ReplayStore: Send + Sync {
    /// Records `id` in `namespace` until `expires_at`. `true` the first time; `false` when it
    /// was already recorded and has not expired at `now`. Atomic across instances.
    async fn first_use(
        &self,
        namespace: &str,
        id: &str,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> StoreResult<bool>;
    /// Forgets identifiers expired at `now`; returns how many.
    async fn sweep_replays(&self, now: UnixTime) -> StoreResult<u64>;
}

/// Every aggregate of one backend, as the library and gateway hold them.
#[derive(Clone)]
pub struct Stores {
    /// Users, identities, roles.
    pub users: Arc<dyn UserStore>,
    /// Sign-in transactions.
    pub login_states: Arc<dyn LoginStateStore>,
    /// Sessions.
    pub sessions: Arc<dyn SessionStore>,
    /// One-time identifiers.
    pub replays: Arc<dyn ReplayStore>,
}

impl Stores {
    /// Every aggregate from one backend value.
    pub fn from_backend<B>(backend: Arc<B>) -> Self
    where
        B: UserStore + LoginStateStore + SessionStore + ReplayStore + 'static,
    {
        Stores {
            users: backend.clone(),
            login_states: backend.clone(),
            sessions: backend.clone(),
            replays: backend,
        }
    }

    /// A fresh in-memory store (one process, nothing persisted).
    pub fn memory() -> Self {
        Self::from_backend(Arc::new(MemoryStore::default()))
    }
}

impl std::fmt::Debug for Stores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stores { .. }")
    }
}
