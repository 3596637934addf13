//! [`MemoryStore`]: every store trait over one mutex-guarded map set. For a single process
//! (library tests, the demo); it passes the same conformance suite as the SQL backends.

use super::{
    Identity, LoginState, LoginStateStore, NewIdentity, NewUser, Page, ReplayStore, Session,
    SessionStore, StoreError, StoreResult, TokenHash, User, UserId, UserStore,
};
use crate::clock::UnixTime;
use async_trait::async_trait;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

/// Every aggregate in memory. No lock is held across an await.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    users: BTreeMap<UserId, User>,
    /// (issuer, subject) -> identity.
    identities: BTreeMap<(String, String), Identity>,
    roles: BTreeMap<UserId, BTreeSet<String>>,
    login_states: HashMap<TokenHash, LoginState>,
    sessions: HashMap<TokenHash, Leased>,
    replays: HashMap<(String, String), UnixTime>,
}

#[derive(Debug)]
struct Leased {
    session: Session,
    lease: Option<(String, UnixTime)>,
}

impl MemoryStore {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-applied change: every method
        // validates before it mutates.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Inner {
    fn user_disabled(&self, id: &UserId) -> bool {
        self.users.get(id).is_none_or(|u| u.disabled)
    }

    fn delete_sessions_where(&mut self, pred: impl Fn(&Session) -> bool) -> u64 {
        let before = self.sessions.len();
        self.sessions.retain(|_, s| !pred(&s.session));
        (before - self.sessions.len()) as u64
    }
}

fn same_email(a: Option<&String>, b: &str) -> bool {
    a.is_some_and(|a| a.eq_ignore_ascii_case(b))
}

#[async_trait]
impl UserStore for MemoryStore {
    async fn create_user(
        &self,
        user: &NewUser,
        identity: &NewIdentity,
        now: UnixTime,
    ) -> StoreResult<User> {
        let mut g = self.lock();
        let key = (identity.issuer.clone(), identity.subject.clone());
        if g.identities.contains_key(&key) {
            return Err(StoreError::Conflict("identity already linked".into()));
        }
        let created = User {
            id: UserId::random(),
            display_name: user.display_name.clone(),
            email: user.email.clone(),
            disabled: false,
            created_at: now,
        };
        let linked = Identity {
            identity: identity.clone(),
            user_id: created.id.clone(),
            created_at: now,
            last_login_at: now,
        };
        g.identities.insert(key, linked);
        g.users.insert(created.id.clone(), created.clone());
        Ok(created)
    }

    async fn user(&self, id: &UserId) -> StoreResult<Option<User>> {
        Ok(self.lock().users.get(id).cloned())
    }

    async fn user_by_identity(
        &self,
        issuer: &str,
        subject: &str,
    ) -> StoreResult<Option<(User, Identity)>> {
        let g = self.lock();
        let key = (issuer.to_owned(), subject.to_owned());
        let Some(identity) = g.identities.get(&key) else {
            return Ok(None);
        };
        let user = g.users.get(&identity.user_id).cloned();
        Ok(user.map(|u| (u, identity.clone())))
    }

    async fn users_by_verified_email(&self, email: &str) -> StoreResult<Vec<User>> {
        let g = self.lock();
        let ids: BTreeSet<&UserId> = g
            .identities
            .values()
            .filter(|i| i.identity.email_verified && same_email(i.identity.email.as_ref(), email))
            .map(|i| &i.user_id)
            .collect();
        Ok(ids
            .iter()
            .filter_map(|id| g.users.get(*id).cloned())
            .collect())
    }

    async fn users_by_email(&self, email: &str) -> StoreResult<Vec<User>> {
        let g = self.lock();
        let users = g.users.values();
        Ok(users
            .filter(|u| same_email(u.email.as_ref(), email))
            .cloned()
            .collect())
    }

    async fn link_identity(
        &self,
        user: &UserId,
        identity: &NewIdentity,
        now: UnixTime,
    ) -> StoreResult<Identity> {
        let mut g = self.lock();
        if !g.users.contains_key(user) {
            return Err(StoreError::NotFound("user".into()));
        }
        let key = (identity.issuer.clone(), identity.subject.clone());
        if g.identities.contains_key(&key) {
            return Err(StoreError::Conflict("identity already linked".into()));
        }
        let linked = Identity {
            identity: identity.clone(),
            user_id: user.clone(),
            created_at: now,
            last_login_at: now,
        };
        g.identities.insert(key, linked.clone());
        Ok(linked)
    }

    async fn identities(&self, user: &UserId) -> StoreResult<Vec<Identity>> {
        let g = self.lock();
        let mut found: Vec<Identity> = g
            .identities
            .values()
            .filter(|i| &i.user_id == user)
            .cloned()
            .collect();
        found.sort_by_key(|i| i.created_at);
        Ok(found)
    }

    async fn record_login(&self, identity: &NewIdentity, now: UnixTime) -> StoreResult<()> {
        let mut g = self.lock();
        let key = (identity.issuer.clone(), identity.subject.clone());
        let Some(stored) = g.identities.get_mut(&key) else {
            return Err(StoreError::NotFound("identity".into()));
        };
        stored.identity.email = identity.email.clone();
        stored.identity.email_verified = identity.email_verified;
        stored.identity.tenant = identity.tenant.clone();
        stored.last_login_at = now;
        Ok(())
    }

    async fn list_users(&self, page: Page) -> StoreResult<Vec<User>> {
        let g = self.lock();
        let mut users: Vec<User> = g.users.values().cloned().collect();
        users.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        let skip = page.offset as usize;
        Ok(users
            .into_iter()
            .skip(skip)
            .take(page.limit as usize)
            .collect())
    }

    async fn set_disabled(&self, id: &UserId, disabled: bool) -> StoreResult<bool> {
        let mut g = self.lock();
        Ok(g.users.get_mut(id).map(|u| u.disabled = disabled).is_some())
    }

    async fn grant_role(&self, id: &UserId, role: &str, _now: UnixTime) -> StoreResult<bool> {
        let mut g = self.lock();
        if !g.users.contains_key(id) {
            return Err(StoreError::NotFound("user".into()));
        }
        Ok(g.roles
            .entry(id.clone())
            .or_default()
            .insert(role.to_owned()))
    }

    async fn revoke_role(&self, id: &UserId, role: &str) -> StoreResult<bool> {
        let mut g = self.lock();
        Ok(g.roles.get_mut(id).is_some_and(|r| r.remove(role)))
    }

    async fn roles(&self, id: &UserId) -> StoreResult<Vec<String>> {
        let g = self.lock();
        Ok(g.roles
            .get(id)
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default())
    }

    async fn delete_user(&self, id: &UserId) -> StoreResult<bool> {
        let mut g = self.lock();
        if g.users.remove(id).is_none() {
            return Ok(false);
        }
        g.identities.retain(|_, i| &i.user_id != id);
        g.roles.remove(id);
        g.delete_sessions_where(|s| &s.user_id == id);
        Ok(true)
    }
}

#[async_trait]
impl LoginStateStore for MemoryStore {
    async fn put_login_state(&self, state: &LoginState) -> StoreResult<()> {
        let mut g = self.lock();
        if g.login_states.contains_key(&state.key) {
            return Err(StoreError::Conflict("login state exists".into()));
        }
        g.login_states.insert(state.key, state.clone());
        Ok(())
    }

    async fn take_login_state(
        &self,
        key: &TokenHash,
        browser: &TokenHash,
        now: UnixTime,
    ) -> StoreResult<Option<LoginState>> {
        let mut g = self.lock();
        let Some(state) = g.login_states.get(key) else {
            return Ok(None);
        };
        let expired = now >= state.expires_at;
        if !expired && &state.browser != browser {
            return Ok(None);
        }
        let taken = g.login_states.remove(key);
        Ok(taken.filter(|_| !expired))
    }

    async fn sweep_login_states(&self, now: UnixTime) -> StoreResult<u64> {
        let mut g = self.lock();
        let before = g.login_states.len();
        g.login_states.retain(|_, s| now < s.expires_at);
        Ok((before - g.login_states.len()) as u64)
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn create_session(&self, session: &Session) -> StoreResult<()> {
        let mut g = self.lock();
        if !g.users.contains_key(&session.user_id) {
            return Err(StoreError::NotFound("user".into()));
        }
        if g.sessions.contains_key(&session.key) {
            return Err(StoreError::Conflict("session exists".into()));
        }
        let leased = Leased {
            session: session.clone(),
            lease: None,
        };
        g.sessions.insert(session.key, leased);
        Ok(())
    }

    async fn session(&self, key: &TokenHash, now: UnixTime) -> StoreResult<Option<Session>> {
        let g = self.lock();
        let Some(found) = g.sessions.get(key) else {
            return Ok(None);
        };
        let usable = found.session.is_live(now) && !g.user_disabled(&found.session.user_id);
        Ok(usable.then(|| found.session.clone()))
    }

    async fn touch_session(
        &self,
        key: &TokenHash,
        now: UnixTime,
        idle_expires_at: UnixTime,
    ) -> StoreResult<bool> {
        let mut g = self.lock();
        let Some(found) = g.sessions.get_mut(key).filter(|s| s.session.is_live(now)) else {
            return Ok(false);
        };
        let s = &mut found.session;
        s.last_seen_at = now;
        s.idle_expires_at = idle_expires_at.min(s.absolute_expires_at);
        Ok(true)
    }

    async fn delete_session(&self, key: &TokenHash) -> StoreResult<bool> {
        Ok(self.lock().sessions.remove(key).is_some())
    }

    async fn delete_user_sessions(&self, user: &UserId) -> StoreResult<u64> {
        Ok(self.lock().delete_sessions_where(|s| &s.user_id == user))
    }

    async fn delete_sessions_by_sid(&self, issuer: &str, sid: &str) -> StoreResult<u64> {
        let mut g = self.lock();
        Ok(g.delete_sessions_where(|s| s.issuer == issuer && s.sid.as_deref() == Some(sid)))
    }

    async fn delete_sessions_by_subject(&self, issuer: &str, subject: &str) -> StoreResult<u64> {
        let mut g = self.lock();
        Ok(g.delete_sessions_where(|s| s.issuer == issuer && s.subject == subject))
    }

    async fn user_sessions(&self, user: &UserId, now: UnixTime) -> StoreResult<Vec<Session>> {
        let g = self.lock();
        let mut found: Vec<Session> = g
            .sessions
            .values()
            .map(|l| &l.session)
            .filter(|s| &s.user_id == user && s.is_live(now))
            .cloned()
            .collect();
        found.sort_by_key(|s| std::cmp::Reverse(s.created_at));
        Ok(found)
    }

    async fn try_lease_refresh(
        &self,
        key: &TokenHash,
        holder: &str,
        now: UnixTime,
        until: UnixTime,
    ) -> StoreResult<bool> {
        let mut g = self.lock();
        let Some(found) = g.sessions.get_mut(key) else {
            return Ok(false);
        };
        let free = match &found.lease {
            None => true,
            Some((who, expires)) => who == holder || *expires <= now,
        };
        if free {
            found.lease = Some((holder.to_owned(), until));
        }
        Ok(free)
    }

    async fn store_refreshed_tokens(
        &self,
        key: &TokenHash,
        holder: &str,
        now: UnixTime,
        tokens: &[u8],
        tokens_expire_at: Option<UnixTime>,
    ) -> StoreResult<bool> {
        let mut g = self.lock();
        let Some(found) = g.sessions.get_mut(key) else {
            return Ok(false);
        };
        let holds = matches!(&found.lease, Some((who, until)) if who == holder && now < *until);
        if holds {
            found.session.tokens = Some(tokens.to_vec());
            found.session.tokens_expire_at = tokens_expire_at;
            found.lease = None;
        }
        Ok(holds)
    }

    async fn release_refresh_lease(&self, key: &TokenHash, holder: &str) -> StoreResult<()> {
        let mut g = self.lock();
        if let Some(found) = g.sessions.get_mut(key)
            && matches!(&found.lease, Some((who, _)) if who == holder)
        {
            found.lease = None;
        }
        Ok(())
    }

    async fn sweep_sessions(&self, now: UnixTime) -> StoreResult<u64> {
        Ok(self.lock().delete_sessions_where(|s| !s.is_live(now)))
    }
}

#[async_trait]
impl ReplayStore for MemoryStore {
    async fn first_use(
        &self,
        namespace: &str,
        id: &str,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> StoreResult<bool> {
        let mut g = self.lock();
        let key = (namespace.to_owned(), id.to_owned());
        if g.replays.get(&key).is_some_and(|exp| now < *exp) {
            return Ok(false);
        }
        g.replays.insert(key, expires_at);
        Ok(true)
    }

    async fn sweep_replays(&self, now: UnixTime) -> StoreResult<u64> {
        let mut g = self.lock();
        let before = g.replays.len();
        g.replays.retain(|_, exp| now < *exp);
        Ok((before - g.replays.len()) as u64)
    }
}
