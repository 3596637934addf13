//! How long sign-in metadata is trusted, and how it is refreshed.
//!
//! A document lives for its `Cache-Control` max-age clamped to [5 min, 24 h] (24 h without
//! one). The first use after expiry refreshes it; callers arriving meanwhile wait for that one
//! fetch and share its outcome (single-flight). A failed refresh keeps serving the last good
//! document, logs a warning and is retried no sooner than a minute later (or the provider's
//! longer `Retry-After`). With no document yet a failure is returned, and uses during a
//! backoff (1 s, doubling to 60 s, plus up to a quarter of jitter, capped at 60 s; or the
//! provider's longer `Retry-After`) get that failure again without a fetch.

use super::Metadata;
use crate::http_client::FetchError;
use authgate_core::{Clock, UnixTime};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Lifetime of a document without a usable `Cache-Control` max-age, and the longest one.
const MAX_TTL: Duration = Duration::from_secs(24 * 3600);
/// The shortest lifetime, whatever the provider says (`no-store` included).
const MIN_TTL: Duration = Duration::from_secs(5 * 60);
/// Between failed refreshes while a stale document is served.
const RETRY_INTERVAL: Duration = Duration::from_secs(60);
/// The first backoff after a failed fetch with no document; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF_SECS: u64 = 1;
/// The longest backoff after failed fetches with no document (jitter included).
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// One provider's metadata with its expiry.
#[derive(Default)]
pub(crate) struct MetadataCache {
    state: Mutex<State>,
    /// Held by the one caller fetching.
    flight: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    /// The last good document and when it expires.
    current: Option<(Arc<Metadata>, UnixTime)>,
    /// After a failed refresh: no new attempt before this instant.
    retry_at: Option<UnixTime>,
    /// Completed fetches, so a caller that waited for one takes its outcome.
    fetches: u64,
    /// The last fetch's error when there was no document to fall back on.
    cold_error: Option<FetchError>,
    /// Failed fetches in a row with no document (the backoff's exponent).
    cold_failures: u32,
}

impl State {
    /// The document to serve without fetching: fresh, or stale while a retry is not yet due.
    fn usable(&self, now: UnixTime) -> Option<Arc<Metadata>> {
        let (md, expires) = self.current.as_ref()?;
        let fresh = now < *expires;
        let waiting = self.retry_at.is_some_and(|at| now < at);
        (fresh || waiting).then(|| Arc::clone(md))
    }

    /// With no document, during the backoff after a failure: that failure, without a fetch.
    fn backing_off(&self, now: UnixTime) -> Option<FetchError> {
        if self.current.is_some() || self.retry_at.is_none_or(|at| now >= at) {
            return None;
        }
        self.cold_error.clone()
    }
}

/// The backoff after the `failures`-th failed fetch in a row with no document: 1 s doubling,
/// plus up to a quarter of jitter, at most [`MAX_BACKOFF`]; a longer `Retry-After` wins.
fn cold_backoff(failures: u32, e: &FetchError) -> Duration {
    let exponent = failures.saturating_sub(1).min(6);
    let base = FIRST_BACKOFF_SECS.saturating_mul(1 << exponent);
    let jitter = rand::random_range(0..=base / 4);
    let wait = Duration::from_secs(base.saturating_add(jitter)).min(MAX_BACKOFF);
    match e {
        FetchError::RateLimited(after) => wait.max(*after),
        _ => wait,
    }
}

/// The lifetime of a document sent with `max_age`.
fn ttl(max_age: Option<Duration>) -> Duration {
    max_age.map_or(MAX_TTL, |d| d.clamp(MIN_TTL, MAX_TTL))
}

impl MetadataCache {
    /// The metadata, calling `load` (document and its max-age) when there is none or it
    /// expired. `provider` names the provider in the log.
    pub(crate) async fn get<F, Fut>(
        &self,
        provider: &str,
        clock: &dyn Clock,
        load: F,
    ) -> Result<Arc<Metadata>, FetchError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(Metadata, Option<Duration>), FetchError>>,
    {
        let seen = {
            let state = self.lock();
            if let Some(md) = state.usable(clock.now()) {
                return Ok(md);
            }
            if let Some(e) = state.backing_off(clock.now()) {
                return Err(e);
            }
            state.fetches
        };
        let _flight = self.flight.lock().await;
        {
            let state = self.lock();
            if let Some(md) = state.usable(clock.now()) {
                return Ok(md);
            }
            if let Some(e) = state.backing_off(clock.now()) {
                return Err(e);
            }
            if state.fetches != seen
                && let Some(e) = &state.cold_error
            {
                return Err(e.clone());
            }
        }
        let outcome = load().await;
        self.settle(provider, clock.now(), outcome)
    }

    /// Records a fetch's outcome and answers with the document to use.
    fn settle(
        &self,
        provider: &str,
        now: UnixTime,
        outcome: Result<(Metadata, Option<Duration>), FetchError>,
    ) -> Result<Arc<Metadata>, FetchError> {
        let mut state = self.lock();
        state.fetches = state.fetches.wrapping_add(1);
        match outcome {
            Ok((md, max_age)) => {
                let md = Arc::new(md);
                state.current = Some((Arc::clone(&md), now.plus(ttl(max_age))));
                state.retry_at = None;
                state.cold_error = None;
                state.cold_failures = 0;
                tracing::debug!(provider, "sign-in metadata loaded");
                Ok(md)
            }
            Err(e) => {
                let Some((md, _)) = &state.current else {
                    state.cold_failures = state.cold_failures.saturating_add(1);
                    let wait = cold_backoff(state.cold_failures, &e);
                    tracing::warn!(
                        provider,
                        error = %e,
                        retry_in_secs = wait.as_secs(),
                        "sign-in metadata unavailable; backing off"
                    );
                    state.retry_at = Some(now.plus(wait));
                    state.cold_error = Some(e.clone());
                    return Err(e);
                };
                let md = Arc::clone(md);
                let wait = match e {
                    FetchError::RateLimited(after) => after.max(RETRY_INTERVAL),
                    _ => RETRY_INTERVAL,
                };
                tracing::warn!(
                    provider,
                    error = %e,
                    retry_in_secs = wait.as_secs(),
                    "sign-in metadata refresh failed; keeping the last good document"
                );
                state.retry_at = Some(now.plus(wait));
                Ok(md)
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
