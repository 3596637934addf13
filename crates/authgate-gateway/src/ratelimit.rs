//! GCRA rate limiting per client IP: failed authentications and `/auth/*` endpoints.

use crate::config::RateLimitSettings;
use std::net::IpAddr;
use std::time::Duration;

/// The gateway's rate limiters.
pub struct Limiters {
    #[allow(dead_code)]
    defaults: RateLimitSettings,
}

impl Limiters {
    /// Limiters with the `[rate_limit]` defaults.
    pub fn new(defaults: RateLimitSettings) -> Self {
        Limiters { defaults }
    }

    /// Whether `ip` may attempt authentication on a route with `settings` now; `Err` carries
    /// the `Retry-After` delay. Call before verifying; record failures with
    /// [`Limiters::record_failed_auth`].
    pub fn check_failed_auth(&self, settings: &RateLimitSettings, ip: IpAddr) -> Result<(), Duration> {
        todo!("{settings:?} {ip}")
    }

    /// Records a failed authentication by `ip`.
    pub fn record_failed_auth(&self, settings: &RateLimitSettings, ip: IpAddr) {
        todo!("{settings:?} {ip}")
    }

    /// Whether `ip` may call an `/auth/*` endpoint now.
    pub fn check_auth_endpoint(&self, ip: IpAddr) -> Result<(), Duration> {
        todo!("{ip}")
    }
}
