//! The refresh under the store's lease (security.md BCP-47): take the lease, call the
//! provider within it, store the rotated tokens while still holding it, or wait for the
//! instance that holds it. Every store call reads the clock afresh: a refresh takes real time,
//! and a lease checked against the time the request started would never expire.

use super::config::LEASE_MARGIN;
use super::refresh::{RETRY_AFTER, merge, still_valid, token_live};
use super::{SessionError, Sessions, tokens};
use crate::login::{ProviderTokens, RefreshError};
use authgate_core::UnixTime;
use authgate_core::store::{Session, TokenHash};
use std::time::Duration;

/// How often, and how many times, a request whose access token has expired re-reads a
/// session another instance is refreshing.
const WAIT_STEP: Duration = Duration::from_millis(100);
const WAIT_STEPS: u32 = 50;

impl Sessions {
    /// The current time (never reuse a `now` across a provider call or a wait).
    fn now(&self) -> UnixTime {
        self.inner.clock.now()
    }

    /// Refreshes under the store lease; a request that loses the lease to another instance
    /// waits for that instance's result.
    pub(super) async fn refresh_leased(
        &self,
        session: Session,
        now: UnixTime,
    ) -> Result<Option<Session>, SessionError> {
        let store = &self.inner.stores.sessions;
        let holder = &self.inner.flights.holder;
        let lease = self.inner.config.refresh_lease;
        if !store
            .try_lease_refresh(&session.key, holder, now, now.plus(lease))
            .await?
        {
            return self.await_other_instance(session).await;
        }
        let old = session
            .tokens
            .as_deref()
            .and_then(|blob| tokens::open(&self.inner.keys, &session.key, blob));
        let Some(old) = old else {
            tracing::warn!(session = ?session.key, "the sealed provider tokens do not open; ending the session");
            store.delete_session(&session.key).await?;
            return Ok(None);
        };
        if old.refresh_token.is_none() {
            return self.never_due(session).await;
        }
        // The provider call must end before the lease does, leaving time to store.
        let budget = lease.saturating_sub(LEASE_MARGIN);
        let call = self.inner.login.refresh(&session.provider, &old);
        let outcome = tokio::time::timeout(budget, call)
            .await
            .unwrap_or_else(|_| Err(RefreshError::Transient("refresh timed out".into())));
        self.settle(session, old, outcome).await
    }

    /// A session without a refresh token (stored before that was recorded at sign-in): mark
    /// it as never due (`tokens_expire_at = None`), so later requests take no lease.
    async fn never_due(&self, mut session: Session) -> Result<Option<Session>, SessionError> {
        let store = &self.inner.stores.sessions;
        let holder = &self.inner.flights.holder;
        let blob = session.tokens.clone().unwrap_or_default();
        if !store
            .store_refreshed_tokens(&session.key, holder, self.now(), &blob, None)
            .await?
        {
            store.release_refresh_lease(&session.key, holder).await?;
        }
        session.tokens_expire_at = None;
        Ok(Some(session))
    }

    /// Stores refreshed tokens, or ends or keeps the session after a failure.
    async fn settle(
        &self,
        session: Session,
        old: ProviderTokens,
        outcome: Result<ProviderTokens, RefreshError>,
    ) -> Result<Option<Session>, SessionError> {
        let store = &self.inner.stores.sessions;
        let flights = &self.inner.flights;
        let transient = matches!(outcome, Err(RefreshError::Transient(_)));
        flights.record(
            &session.key,
            transient.then(|| self.now().plus(RETRY_AFTER)),
        );
        match outcome {
            Ok(new) => {
                let new = merge(old, new);
                let blob = tokens::seal(&self.inner.keys, &session.key, &new);
                self.store_rotated(&session.key, &blob, new.expires_at)
                    .await?;
                Ok(store.session(&session.key, self.now()).await?)
            }
            Err(RefreshError::Fatal(why)) => {
                tracing::info!(session = ?session.key, provider = %session.provider, why = %why, "provider refused the refresh; ending the session");
                store.delete_session(&session.key).await?;
                Ok(None)
            }
            Err(RefreshError::Transient(why)) => {
                tracing::warn!(session = ?session.key, provider = %session.provider, why = %why, "token refresh failed; will retry");
                store
                    .release_refresh_lease(&session.key, &flights.holder)
                    .await?;
                Ok(still_valid(session, self.now()))
            }
        }
    }

    /// Writes the tokens the provider just rotated. The old refresh token is spent, so a lost
    /// write means the next refresh reuses it (the provider may then revoke the whole
    /// grant): logged at error level, and tried once more (retaking the lease if it lapsed
    /// and nobody else took it).
    async fn store_rotated(
        &self,
        key: &TokenHash,
        blob: &[u8],
        expires_at: Option<UnixTime>,
    ) -> Result<bool, SessionError> {
        let store = &self.inner.stores.sessions;
        let holder = &self.inner.flights.holder;
        match store
            .store_refreshed_tokens(key, holder, self.now(), blob, expires_at)
            .await
        {
            Ok(true) => return Ok(true),
            Ok(false) => {
                tracing::error!(session = ?key, "refresh lease lost before the rotated tokens were stored (likely refresh-token reuse next); retrying once");
            }
            Err(e) => {
                tracing::error!(session = ?key, error = %e, "storing the rotated tokens failed (likely refresh-token reuse next); retrying once");
            }
        }
        let now = self.now();
        let lease = self.inner.config.refresh_lease;
        let stored = store
            .try_lease_refresh(key, holder, now, now.plus(lease))
            .await?
            && store
                .store_refreshed_tokens(key, holder, now, blob, expires_at)
                .await?;
        if !stored {
            tracing::error!(session = ?key, "the rotated provider tokens were not stored; the next refresh will likely be refused");
        }
        Ok(stored)
    }

    /// Another instance holds the lease. While the access token is valid the session is used
    /// as is; once it has expired, wait (bounded) for the other instance to store new tokens.
    async fn await_other_instance(
        &self,
        session: Session,
    ) -> Result<Option<Session>, SessionError> {
        let mut current = session;
        for _ in 0..WAIT_STEPS {
            if token_live(&current, self.now()) {
                return Ok(Some(current));
            }
            tokio::time::sleep(WAIT_STEP).await;
            let now = self.now();
            match self
                .inner
                .stores
                .sessions
                .session(&current.key, now)
                .await?
            {
                Some(s) => current = s,
                None => return Ok(None),
            }
        }
        Ok(still_valid(current, self.now()))
    }
}
