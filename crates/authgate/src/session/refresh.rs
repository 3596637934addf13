//! Refreshing the provider's tokens before they expire, one refresh per session at a time:
//! in process, a per-session async gate; across instances, the store's refresh lease
//! (security.md BCP-47). `invalid_grant` ends the session; a transient failure keeps it
//! until the access token expires, then fails closed (BCP-45).

use super::cookie::new_value;
use super::{SessionError, Sessions};
use crate::login::ProviderTokens;
use authgate_core::UnixTime;
use authgate_core::store::{Session, TokenHash};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// After a transient failure, a session whose access token is still valid is not refreshed
/// again for this long (no refresh storm against a provider that is down).
pub(super) const RETRY_AFTER: Duration = Duration::from_secs(30);

type Gate = Arc<tokio::sync::Mutex<()>>;

/// The in-process half of the single flight, and this instance's lease-holder id.
pub(crate) struct RefreshFlights {
    gates: Mutex<HashMap<TokenHash, Gate>>,
    /// Sessions whose last refresh failed transiently, and when to try again.
    retry_at: Mutex<HashMap<TokenHash, UnixTime>>,
    pub(super) holder: String,
}

impl Default for RefreshFlights {
    fn default() -> Self {
        RefreshFlights {
            gates: Mutex::new(HashMap::new()),
            retry_at: Mutex::new(HashMap::new()),
            holder: format!("instance-{}", new_value().expose_secret()),
        }
    }
}

impl RefreshFlights {
    /// The gate of session `key` (created on first use).
    fn gate(&self, key: &TokenHash) -> Gate {
        let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(gates.entry(*key).or_default())
    }

    /// Whether a refresh of `key` is held back after a recent transient failure.
    pub(super) fn backing_off(&self, key: &TokenHash, now: UnixTime) -> bool {
        let retry_at = self.retry_at.lock().unwrap_or_else(PoisonError::into_inner);
        retry_at.get(key).is_some_and(|at| now < *at)
    }

    /// Records the outcome of a refresh: a transient failure holds the next try back.
    pub(super) fn record(&self, key: &TokenHash, retry_at: Option<UnixTime>) {
        let mut map = self.retry_at.lock().unwrap_or_else(PoisonError::into_inner);
        match retry_at {
            Some(at) => map.insert(*key, at),
            None => map.remove(key),
        };
    }

    /// Forgets the gate of `key` when nobody else holds or waits on it.
    fn release(&self, key: &TokenHash, gate: Gate) {
        let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
        // Two references: the map's and `gate`.
        if Arc::strong_count(&gate) <= 2 {
            gates.remove(key);
        }
    }
}

impl Sessions {
    /// The session with tokens refreshed when due; `None` when the refresh ended it.
    pub(crate) async fn refresh_if_due(
        &self,
        session: Session,
        now: UnixTime,
    ) -> Result<Option<Session>, SessionError> {
        if !self.refresh_due(&session, now) || self.held_back(&session, now) {
            return Ok(Some(session));
        }
        // On its own task: a request dropped mid-refresh (client gone) must not lose the
        // rotated refresh token the provider already issued.
        let this = self.clone();
        tokio::spawn(async move { this.refresh_gated(session).await })
            .await
            .unwrap_or_else(|e| Err(SessionError::Store(format!("refresh task failed: {e}"))))
    }

    /// One refresh per session in this process; whoever waited re-reads the session first.
    async fn refresh_gated(&self, session: Session) -> Result<Option<Session>, SessionError> {
        let flights = &self.inner.flights;
        let gate = flights.gate(&session.key);
        let result = {
            let _turn = gate.lock().await;
            // Waiting for the gate took time: read the clock again.
            let now = self.inner.clock.now();
            // Whoever held the gate before us may have refreshed already: re-read.
            match self.inner.stores.sessions.session(&session.key, now).await {
                Ok(Some(fresh)) if self.held_back(&fresh, now) => Ok(Some(fresh)),
                Ok(Some(fresh)) if self.refresh_due(&fresh, now) => {
                    self.refresh_leased(fresh, now).await
                }
                Ok(other) => Ok(other),
                Err(e) => Err(e.into()),
            }
        };
        flights.release(&session.key, gate);
        result
    }

    /// Whether a refresh waits out a recent transient failure: only while the access token
    /// is still valid (once it has expired, every request tries, and fails closed).
    fn held_back(&self, session: &Session, now: UnixTime) -> bool {
        token_live(session, now) && self.inner.flights.backing_off(&session.key, now)
    }

    /// Whether the session's access token is within `refresh_before` of expiring.
    pub(super) fn refresh_due(&self, session: &Session, now: UnixTime) -> bool {
        let before = i64::try_from(self.inner.config.refresh_before.as_secs()).unwrap_or(i64::MAX);
        match (&session.tokens, session.tokens_expire_at) {
            (Some(_), Some(expires)) => now.0 >= expires.0.saturating_sub(before),
            _ => false,
        }
    }
}

/// The session while its access token has not expired, else `None` (fail closed).
pub(super) fn still_valid(session: Session, now: UnixTime) -> Option<Session> {
    token_live(&session, now).then_some(session)
}

/// Whether the session's access token (if it has one with an expiry) is unexpired at `now`.
pub(super) fn token_live(session: &Session, now: UnixTime) -> bool {
    session.tokens_expire_at.is_none_or(|expires| now < expires)
}

/// New tokens, keeping the old refresh and ID tokens when the provider sent none.
pub(super) fn merge(old: ProviderTokens, new: ProviderTokens) -> ProviderTokens {
    ProviderTokens {
        refresh_token: new.refresh_token.or(old.refresh_token),
        id_token: new.id_token.or(old.id_token),
        ..new
    }
}
