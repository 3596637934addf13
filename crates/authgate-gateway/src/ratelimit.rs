//! GCRA rate limiting per client IP: failed authentications and `/auth/*` endpoints.
//!
//! # Failed authentications
//! Each client IP has a budget of `burst` failed authentications that refills at
//! `failed_auth_per_minute` (one unit every `60 / failed_auth_per_minute` seconds): the GCRA
//! of [`governor`]. [`Limiters::record_failed_auth`] spends one unit per rejected credential.
//! [`Limiters::check_failed_auth`] spends nothing: it fails while the IP's budget is empty,
//! with the time until one unit refills (the `Retry-After`). So an IP may fail `burst` times
//! in a row; the next request gets 429 without its credential being looked at, and from then
//! on it may try once per refill interval. Successful authentications cost nothing.
//!
//! Budgets are kept per quota (`failed_auth_per_minute`, `burst`): a route whose own
//! `rate_limit` differs from the defaults has its own budget, so failures there do not spend
//! the default budget and the reverse; routes with the same numbers share one (a failure
//! counts against the client on all of them). A reload keeps the budgets unless it changes
//! the default limits.
//!
//! # Auth endpoints
//! [`Limiters::check_auth_endpoint`] spends one unit of `auth_endpoints_per_minute` (same
//! `burst`) on every call, successful or not.
//!
//! # Client keys
//! IPv4 clients are limited per address. IPv6 clients are limited per /64 network: one host
//! usually holds a whole /64, so per-address limits would be trivial to sidestep. An
//! IPv4-mapped IPv6 address counts as its IPv4 address.
//!
//! A quota of 0 disables that limit. Keyed state grows with the number of client IPs seen;
//! [`Limiters::retain_recent`] (called every minute by the server) forgets IPs whose budget is
//! full again.

use crate::config::RateLimitSettings;
use axum::Json;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::{NoOpMiddleware, StateInformationMiddleware};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use http::{HeaderValue, StatusCode, header};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

/// A keyed GCRA limiter whose positive outcome reports the remaining budget.
type Keyed<C> = RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, C, StateInformationMiddleware>;

/// The quota parameters that identify one failed-authentication budget.
type QuotaKey = (u32, u32);

/// The gateway's rate limiters, generic over the clock so tests can move time
/// (`governor::clock::FakeRelativeClock`).
pub struct Limiters<C: Clock + Clone = DefaultClock> {
    defaults: RateLimitSettings,
    clock: C,
    failed_auth: RwLock<HashMap<QuotaKey, Arc<FailureBudget<C>>>>,
    auth_endpoints: Option<Keyed<C>>,
}

/// One failed-authentication budget per client IP, and the IPs whose budget is empty.
struct FailureBudget<C: Clock> {
    budget: Keyed<C>,
    /// IP → the instant its budget holds one unit again.
    exhausted: RwLock<HashMap<IpAddr, C::Instant>>,
}

impl Limiters {
    /// Limiters with the `[rate_limit]` defaults, on the monotonic clock.
    pub fn new(defaults: RateLimitSettings) -> Self {
        Limiters::with_clock(defaults, DefaultClock::default())
    }
}

impl<C: Clock + Clone> Limiters<C> {
    /// Limiters with the `[rate_limit]` defaults, on `clock`.
    pub fn with_clock(defaults: RateLimitSettings, clock: C) -> Self {
        let auth_endpoints = quota(defaults.auth_endpoints_per_minute, defaults.burst)
            .map(|q| keyed(q, clock.clone()));
        Limiters {
            defaults,
            clock,
            failed_auth: RwLock::default(),
            auth_endpoints,
        }
    }

    /// The `[rate_limit]` defaults.
    pub fn defaults(&self) -> &RateLimitSettings {
        &self.defaults
    }

    /// Whether `ip` may attempt authentication on a route with `settings` now; `Err` carries
    /// the `Retry-After` delay. Spends nothing: call before verifying, and record failures
    /// with [`Limiters::record_failed_auth`].
    pub fn check_failed_auth(
        &self,
        settings: &RateLimitSettings,
        ip: IpAddr,
    ) -> Result<(), Duration> {
        let Some(budget) = self.failure_budget(settings) else {
            return Ok(());
        };
        let now = self.clock.now();
        match read(&budget.exhausted).get(&client_key(ip)) {
            Some(until) if *until > now => Err(until.duration_since(now).into()),
            _ => Ok(()),
        }
    }

    /// Records a failed authentication by `ip` on a route with `settings`: spends one unit of
    /// the IP's budget, and marks the IP exhausted when none is left.
    pub fn record_failed_auth(&self, settings: &RateLimitSettings, ip: IpAddr) {
        let Some(budget) = self.failure_budget(settings) else {
            return;
        };
        let ip = client_key(ip);
        let refill = match budget.budget.check_key(&ip) {
            Ok(state) if state.remaining_burst_capacity() > 0 => return,
            // The unit just spent was the last one: ask when the next one refills. This
            // probe is refused (and so spends nothing) unless a unit refilled in between.
            Ok(_) => match budget.budget.check_key(&ip) {
                Ok(_) => return,
                Err(not_until) => not_until.earliest_possible(),
            },
            // Failures that passed the check before the IP was marked exhausted.
            Err(not_until) => not_until.earliest_possible(),
        };
        write(&budget.exhausted).insert(ip, refill);
    }

    /// Whether `ip` may call an `/auth/*` endpoint now (spends one unit); `Err` carries the
    /// `Retry-After` delay.
    pub fn check_auth_endpoint(&self, ip: IpAddr) -> Result<(), Duration> {
        let Some(limiter) = &self.auth_endpoints else {
            return Ok(());
        };
        limiter
            .check_key(&client_key(ip))
            .map(drop)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Forgets client IPs whose budgets are full again, so keyed state does not grow without
    /// bound. The server calls this every minute.
    pub fn retain_recent(&self) {
        let budgets: Vec<_> = read(&self.failed_auth).values().cloned().collect();
        let now = self.clock.now();
        for budget in budgets {
            budget.budget.retain_recent();
            write(&budget.exhausted).retain(|_, until| *until > now);
        }
        if let Some(limiter) = &self.auth_endpoints {
            limiter.retain_recent();
        }
    }

    /// How many client IPs the limiters currently hold state for (for tests and debugging).
    pub fn tracked_ips(&self) -> usize {
        let failed: usize = read(&self.failed_auth)
            .values()
            .map(|b| b.budget.len())
            .sum();
        failed + self.auth_endpoints.as_ref().map_or(0, RateLimiter::len)
    }

    /// The budget for `settings`, created on first use; `None` when the limit is disabled.
    fn failure_budget(&self, settings: &RateLimitSettings) -> Option<Arc<FailureBudget<C>>> {
        let key = (settings.failed_auth_per_minute, settings.burst);
        if let Some(budget) = read(&self.failed_auth).get(&key) {
            return Some(Arc::clone(budget));
        }
        let quota = quota(settings.failed_auth_per_minute, settings.burst)?;
        let mut budgets = write(&self.failed_auth);
        let budget = budgets.entry(key).or_insert_with(|| {
            Arc::new(FailureBudget {
                budget: keyed(quota, self.clock.clone()),
                exhausted: RwLock::default(),
            })
        });
        Some(Arc::clone(budget))
    }
}

/// The key `ip` is limited under: the address for IPv4, the /64 network for IPv6.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
    }
}

/// `per_minute` with a burst of `burst` (at least 1); `None` when `per_minute` is 0.
fn quota(per_minute: u32, burst: u32) -> Option<Quota> {
    let rate = NonZeroU32::new(per_minute)?;
    Some(Quota::per_minute(rate).allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN)))
}

fn keyed<C: Clock>(quota: Quota, clock: C) -> Keyed<C> {
    let limiter: RateLimiter<_, _, C, NoOpMiddleware<C::Instant>> =
        RateLimiter::new(quota, DefaultKeyedStateStore::default(), clock);
    limiter.with_middleware()
}

// A panic while holding these locks cannot leave the maps inconsistent (single inserts and
// removals), so a poisoned lock is used as is.
fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

/// `Retry-After` in whole seconds, rounded up, at least 1 (RFC 9110 §10.2.3).
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

/// The 429 response: `Retry-After` and a JSON body
/// `{"error":"rate_limited","retry_after":SECONDS}`.
pub fn too_many_requests(wait: Duration) -> Response {
    let secs = retry_after_secs(wait);
    let body = serde_json::json!({ "error": "rate_limited", "retry_after": secs });
    let retry_after = HeaderValue::from(secs);
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, retry_after)],
        Json(body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(2001)), 3);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
    }
}
