//! The verified-token cache: a repeated token costs a hash lookup plus the time checks.
//!
//! Keyed by the SHA-256 of the whole token (never the token itself, and never a part of it:
//! security.md JWT-F11). An entry lives until `min(exp + leeway, ttl)`; every time check that
//! depends on the clock (`exp`, `nbf`, `iat` not in the future, the remaining lifetime) is made
//! again with the injected clock on every hit, and the entry remembers which provider
//! and key-set generation verified it so a provider restriction or a removed key still applies.
//! When one issuer is configured under several providers, the entry also remembers what the
//! providers tried before the accepting one said, so a hit answers only where a fresh
//! verification would pick the same provider.

use crate::jwks::{KeyCache, Loaded};
use authgate_core::{Principal, UnixTime, VerifyError, VerifyErrorKind};
use moka::sync::Cache;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// Default entry lifetime bound.
pub(crate) const DEFAULT_TTL: Duration = Duration::from_secs(5 * 60);
/// Default number of entries.
pub(crate) const DEFAULT_CAPACITY: u64 = 10_000;

/// The cache key: SHA-256 of the token.
pub(crate) type TokenKey = [u8; 32];

/// Which route verified a token, with which keys, and what the routes before it said.
#[derive(Debug)]
pub(crate) struct Origin {
    /// Index of the route (provider issuer) that verified the token.
    pub(crate) route: usize,
    /// The key-set generation the token was verified with.
    pub(crate) generation: u64,
    /// The routes for the same issuer that come before `route` in configuration order (a
    /// fresh verification tries them first): empty unless one issuer is configured under
    /// several providers.
    pub(crate) rivals: Box<[Rival]>,
}

/// A route tried (or skipped) before the one that verified a token.
#[derive(Debug)]
pub(crate) struct Rival {
    /// The route's index.
    pub(crate) route: usize,
    /// The key set it refused the token with for a reason that holds as long as it keeps
    /// this very key set (every successful fetch publishes a new one): audience, signature,
    /// algorithm, claims, ...; or an unknown `kid`, which holds only while, besides, a fresh
    /// try would not fetch (see `unknown_kid`). `None` when it was not tried (a provider
    /// restriction), refused for a reason the clock may change (time claims) or for want of
    /// keys, or its key set changed during the try.
    refused_with: Option<Weak<Loaded>>,
    /// The refusal was an unknown `kid`: it holds only while no fetch is in flight and the
    /// forced-refresh cooldown (or `Retry-After`) forbids one.
    unknown_kid: bool,
}

impl Rival {
    /// `route`, not tried: the request did not trust its provider.
    pub(crate) fn untried(route: usize) -> Self {
        Rival {
            route,
            refused_with: None,
            unknown_kid: false,
        }
    }

    /// `route`, which refused with `error`; `before` and `after` are its usable key set
    /// around the try.
    pub(crate) fn refused(
        route: usize,
        error: &VerifyError,
        before: Option<&Arc<Loaded>>,
        after: Option<&Arc<Loaded>>,
    ) -> Self {
        use VerifyErrorKind::{
            BadSignature, DisallowedAlg, InvalidClaim, Malformed, MissingClaim, UnknownKey,
            WrongAudience, WrongIssuer, WrongTokenType,
        };
        let unknown_kid = error.kind() == UnknownKey;
        let lasting = unknown_kid
            || matches!(
                error.kind(),
                Malformed
                    | DisallowedAlg
                    | BadSignature
                    | WrongTokenType
                    | WrongIssuer
                    | WrongAudience
                    | MissingClaim
                    | InvalidClaim
            );
        let refused_with = match (before, after) {
            (Some(b), Some(a)) if lasting && Arc::ptr_eq(b, a) => Some(Arc::downgrade(b)),
            _ => None,
        };
        Rival {
            route,
            refused_with,
            unknown_kid,
        }
    }

    /// Whether a fresh verification would be refused by the route now, given its key cache:
    /// certainly when it has no usable keys (it refuses at once, whatever it said before);
    /// when it refused with this very key set for a lasting reason; for an unknown `kid`,
    /// only while a fresh try would not fetch. `false` means "not known": try it.
    pub(crate) fn still_refuses(&self, keys: &KeyCache) -> bool {
        self.refuses_given(keys.usable_now().as_ref(), |current| {
            keys.refuses_unknown_kid_again(current)
        })
    }

    /// [`Rival::still_refuses`] given the route's usable key set `keys` and whether an
    /// unknown `kid` would be refused again with them
    /// ([`KeyCache::refuses_unknown_kid_again`]).
    fn refuses_given(
        &self,
        keys: Option<&Arc<Loaded>>,
        unknown_kid_again: impl FnOnce(&Arc<Loaded>) -> bool,
    ) -> bool {
        let Some(keys) = keys else {
            return true;
        };
        let same_keys = self
            .refused_with
            .as_ref()
            .is_some_and(|refused_with| std::ptr::eq(refused_with.as_ptr(), Arc::as_ptr(keys)));
        same_keys && (!self.unknown_kid || unknown_kid_again(keys))
    }
}

/// A verification result worth remembering.
#[derive(Debug)]
pub(crate) struct Entry {
    /// Where the verification came from.
    pub(crate) origin: Origin,
    /// The verified principal, shared with every hit (a hit clones no string).
    pub(crate) principal: Arc<Principal>,
    /// `nbf` and `iat` as numbers, read once at insertion (`None` when absent).
    not_before: Option<f64>,
    issued_at: Option<f64>,
    leeway: Duration,
    /// The route's maximum token lifetime (the remaining lifetime is checked against it).
    max_lifetime: Duration,
    lifetime: Duration,
    /// When the entry stops being used (insertion time + `lifetime`), on the verifier's clock
    /// and on the monotonic clock (the cache itself expires on the latter), for copies kept
    /// outside the cache ([`crate::ConnectionMemo`]).
    until: UnixTime,
    deadline: Instant,
}

/// A bounded cache of verified tokens (disabled when its TTL is zero).
pub(crate) struct TokenCache {
    cache: Option<Cache<TokenKey, Arc<Entry>>>,
    ttl: Duration,
}

struct PerEntryExpiry;

impl moka::Expiry<TokenKey, Arc<Entry>> for PerEntryExpiry {
    fn expire_after_create(
        &self,
        _: &TokenKey,
        entry: &Arc<Entry>,
        _: Instant,
    ) -> Option<Duration> {
        Some(entry.lifetime)
    }
}

impl TokenCache {
    /// A cache of at most `capacity` entries living at most `ttl`.
    pub(crate) fn new(capacity: u64, ttl: Duration) -> Self {
        let cache = (!ttl.is_zero() && capacity > 0).then(|| {
            Cache::builder()
                .max_capacity(capacity)
                .expire_after(PerEntryExpiry)
                .build()
        });
        TokenCache { cache, ttl }
    }

    /// The key of `token`.
    pub(crate) fn key(token: &str) -> TokenKey {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
        let mut key = [0u8; 32];
        key.copy_from_slice(digest.as_ref());
        key
    }

    /// The entry for `key`, if any (time checks are the caller's, see [`check_times`]).
    pub(crate) fn get(&self, key: &TokenKey) -> Option<Arc<Entry>> {
        self.cache.as_ref()?.get(key)
    }

    /// Forgets `key`.
    pub(crate) fn remove(&self, key: &TokenKey) {
        if let Some(cache) = &self.cache {
            cache.invalidate(key);
        }
    }

    /// Remembers a successful verification; the entry, unless the cache is disabled or the
    /// token expires now.
    pub(crate) fn insert(
        &self,
        key: TokenKey,
        origin: Origin,
        principal: Arc<Principal>,
        times: &TimeRules,
        now: UnixTime,
    ) -> Option<Arc<Entry>> {
        let leeway = times.leeway;
        let cache = self.cache.as_ref()?;
        let lifetime = self.lifetime(principal.expires_at, leeway, now);
        if lifetime.is_zero() {
            return None;
        }
        let entry = Arc::new(Entry {
            origin,
            not_before: principal.claims.not_before(),
            issued_at: principal.claims.issued_at(),
            principal,
            leeway,
            max_lifetime: times.max_lifetime,
            lifetime,
            until: UnixTime(now.0.saturating_add(secs(lifetime))),
            deadline: Instant::now() + lifetime,
        });
        cache.insert(key, entry.clone());
        Some(entry)
    }

    fn lifetime(&self, exp: Option<i64>, leeway: Duration, now: UnixTime) -> Duration {
        let Some(exp) = exp else {
            return Duration::ZERO;
        };
        let left = exp.saturating_add(secs(leeway)).saturating_sub(now.0);
        Duration::from_secs(u64::try_from(left).unwrap_or(0)).min(self.ttl)
    }
}

/// Whether the entry has outlived its cache lifetime at `now` (the cache itself drops it then;
/// a copy kept elsewhere asks).
pub(crate) fn outlived(entry: &Entry, now: UnixTime) -> bool {
    now.0 >= entry.until.0 || Instant::now() >= entry.deadline
}

/// The time rules of the route that verified a token, which its hits are held to again.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimeRules {
    /// The clock-skew leeway.
    pub(crate) leeway: Duration,
    /// The maximum token lifetime.
    pub(crate) max_lifetime: Duration,
}

/// The clock-dependent time checks of verification again at `now` (the clock may have moved,
/// even backwards, since): RFC 7519 §4.1.4/§4.1.5 `exp` and `nbf`, `iat` not in the future
/// (JWT-T12), the remaining lifetime within the maximum (JWT-T07), each with the leeway.
pub(crate) fn check_times(entry: &Entry, now: UnixTime) -> Result<(), VerifyError> {
    let leeway = secs(entry.leeway);
    if entry
        .principal
        .expires_at
        .is_none_or(|exp| now.0 >= exp.saturating_add(leeway))
    {
        return Err(VerifyError::new(
            VerifyErrorKind::Expired,
            "token expired (cached)",
        ));
    }
    if entry
        .not_before
        .is_some_and(|nbf| nbf > (now.0.saturating_add(leeway)) as f64)
    {
        return Err(VerifyError::new(
            VerifyErrorKind::NotYetValid,
            "token not yet valid (cached)",
        ));
    }
    check_issued(entry, now)
}

/// The `iat` and remaining-lifetime part of [`check_times`].
#[allow(clippy::cast_precision_loss)] // exact for every time before the year 285 million
fn check_issued(entry: &Entry, now: UnixTime) -> Result<(), VerifyError> {
    let (now, leeway) = (now.0 as f64, entry.leeway.as_secs_f64());
    let in_future = entry.issued_at.is_some_and(|iat| iat > now + leeway);
    let max = entry.max_lifetime.as_secs_f64() + leeway;
    let too_long = entry
        .principal
        .expires_at
        .is_some_and(|exp| exp as f64 - now > max);
    if in_future || too_long {
        return Err(VerifyError::new(
            VerifyErrorKind::InvalidTimes,
            "iat is in the future or exp beyond the maximum lifetime (cached)",
        ));
    }
    Ok(())
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests;
