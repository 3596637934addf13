//! Keeps fresh verifications, and answers from a remembered one — the connection's memo or
//! the verified-token cache — re-checked at the current time exactly as a fresh verification
//! would decide.

use super::{ConnectionMemo, Inner, Route, trusted};
use crate::token_cache::{self, Entry, Origin, TimeRules, TokenKey};
use authgate_core::{Principal, UnixTime, VerifyError};
use std::sync::Arc;

impl Inner {
    /// The connection's remembered verification of `token`, re-checked like a cache hit.
    /// `None` means "look further".
    pub(super) fn recalled(
        &self,
        memo: &ConnectionMemo,
        token: &str,
        only: Option<&[String]>,
        now: UnixTime,
    ) -> Option<Result<Arc<Principal>, VerifyError>> {
        let entry = memo.recall(self.id, token)?;
        match self.recheck(&entry, only, now) {
            Recheck::Valid => Some(Ok(entry.principal.clone())),
            Recheck::Miss => None,
            Recheck::Stale => {
                memo.forget();
                None
            }
            Recheck::Expired(e) => {
                memo.forget();
                Some(Err(e))
            }
        }
    }

    /// A cached verification, re-checked. `None` means "verify in full".
    pub(super) fn cached(
        &self,
        key: &TokenKey,
        only: Option<&[String]>,
        now: UnixTime,
    ) -> Option<Result<Arc<Entry>, VerifyError>> {
        let entry = self.cache.get(key)?;
        match self.recheck(&entry, only, now) {
            Recheck::Valid => Some(Ok(entry)),
            Recheck::Miss => None,
            Recheck::Stale => {
                self.cache.remove(key);
                None
            }
            Recheck::Expired(e) => {
                self.cache.remove(key);
                Some(Err(e))
            }
        }
    }

    /// A fresh verification's principal (by `route`), shared, after the cache (under `key`)
    /// and `memo` (if any, for `token`) keep it.
    #[allow(clippy::too_many_arguments)] // the verification's parts, each used once
    pub(super) fn keep_fresh(
        &self,
        route: &Route,
        key: TokenKey,
        origin: Origin,
        principal: Principal,
        memo: Option<&ConnectionMemo>,
        token: &str,
        now: UnixTime,
    ) -> Arc<Principal> {
        let principal = Arc::new(principal);
        let validation = &route.spec.validation;
        let times = TimeRules {
            leeway: validation.leeway,
            max_lifetime: validation.max_lifetime,
        };
        if let Some(entry) = self
            .cache
            .insert(key, origin, principal.clone(), &times, now)
        {
            self.remembered(memo, token, entry);
        }
        principal
    }

    /// `entry`'s principal, after `memo` (if any) remembers it for `token`.
    pub(super) fn remembered(
        &self,
        memo: Option<&ConnectionMemo>,
        token: &str,
        entry: Arc<Entry>,
    ) -> Arc<Principal> {
        let principal = entry.principal.clone();
        if let Some(memo) = memo {
            memo.remember(self.id, token, entry);
        }
        principal
    }

    /// Whether a remembered verification still holds at `now`: provider restriction, the
    /// route a fresh verification would pick, key set unchanged and usable, within its cache
    /// lifetime, the clock-dependent time checks ([`token_cache::check_times`]).
    fn recheck(&self, entry: &Entry, only: Option<&[String]>, now: UnixTime) -> Recheck {
        let origin = &entry.origin;
        let Some(route) = self.routes.get(origin.route) else {
            return Recheck::Miss;
        };
        if !trusted(route, only) || !self.first_to_accept(origin, only) {
            return Recheck::Miss;
        }
        if route.keys.usable_generation() != Some(origin.generation)
            || token_cache::outlived(entry, now)
        {
            return Recheck::Stale;
        }
        match token_cache::check_times(entry, now) {
            Ok(()) => Recheck::Valid,
            Err(e) => Recheck::Expired(e),
        }
    }

    /// Whether a fresh verification under `only` would again reach `origin`'s route: every
    /// route before it for the same issuer that `only` trusts has no usable keys now, or
    /// refused the token for a lasting reason with the key set it still has (an unknown
    /// `kid`: also while it may not refetch, [`crate::token_cache::Rival`]). (One issuer
    /// configured under two providers: a token verified for the second must not answer for
    /// the first, whose principal — id, role mapping — differs.)
    fn first_to_accept(&self, origin: &Origin, only: Option<&[String]>) -> bool {
        origin
            .rivals
            .iter()
            .all(|rival| match self.routes.get(rival.route) {
                Some(route) if trusted(route, only) => rival.still_refuses(&route.keys),
                _ => true,
            })
    }
}

/// What re-checking a remembered verification found.
enum Recheck {
    /// Still valid: answer with it.
    Valid,
    /// Not for this request (another provider's, under a provider restriction; or a provider
    /// tried first by a fresh verification might now accept it): verify in full, keep it.
    Miss,
    /// The key set changed or the entry outlived its lifetime: drop it, verify in full.
    Stale,
    /// The token expired or is not yet valid: drop it, answer with this error.
    Expired(VerifyError),
}
