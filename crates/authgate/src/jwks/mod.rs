//! The per-issuer signing-key cache (security.md §5.2).
//!
//! - Readers never lock: the current key set sits in an [`ArcSwapOption`]. (One rare reader
//!   does, briefly: a cache hit that relies on another provider's unknown-`kid` refusal.)
//! - One fetch at a time per issuer (single-flight): a fetch runs as its own task and every
//!   caller that needs it awaits the same shared result; no lock is held across I/O, and a
//!   caller that gives up does not cancel the fetch.
//! - A background task refreshes at about 80% of the soft TTL, and retries failures with
//!   exponential backoff and full jitter (1 s → 5 min), honouring `Retry-After`.
//! - An unknown `kid` forces a refresh at most once per cooldown; the cooldown is stamped
//!   *before* the fetch, so within the window every unknown `kid` is rejected from memory.
//! - A failed fetch (error status, timeout, oversized, HTML, `{"keys":[]}`, ...) never replaces
//!   good keys; they stay usable up to `max_stale` past their TTL (or only the TTL in strict
//!   mode). A key missing from a successful fetch, or changed under the same id, stops working
//!   at once.
//!
//! TTLs use the monotonic [`tokio::time::Instant`]; claim times use the injected `Clock`.

mod refresh;
mod timing;

use crate::config::JwksConfig;
use crate::http_client::{FetchError, HttpClient};
use crate::provider::{KeySource, discovery};
use arc_swap::ArcSwapOption;
use authgate_core::{KeySet, KeySetError, VerifyError, VerifyErrorKind};
use futures_util::future::{BoxFuture, FutureExt, Shared};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// The state of one issuer's key set, for readiness probes, metrics and `doctor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySetStatus {
    /// The provider id.
    pub provider: String,
    /// The issuer (or issuer template) the keys belong to.
    pub issuer: String,
    /// Whether tokens can be verified now.
    pub ready: bool,
    /// Time since the last successful fetch.
    pub age: Option<Duration>,
    /// Older than its soft TTL (refreshes are failing).
    pub stale: bool,
    /// How many usable keys the set holds.
    pub keys: usize,
    /// The last fetch failure, cleared by a success.
    pub last_error: Option<String>,
    /// Fetches completed since start (successful or not).
    pub fetches: u64,
    /// Failed fetches since start.
    pub fetch_failures: u64,
    /// Fetches forced by an unknown `kid` since start.
    pub forced_refreshes: u64,
}

/// A successfully fetched key set.
#[derive(Debug)]
pub(crate) struct Loaded {
    /// The keys.
    pub(crate) keys: Arc<KeySet>,
    /// Bumped whenever a fetch removes a key or replaces one under the same id, so cached
    /// verifications made with it expire.
    /// (A refusal remembered for a rival provider is tied to the `Loaded` itself instead:
    /// an added key may turn it into an acceptance.)
    pub(crate) generation: u64,
    fetched_at: Instant,
    ttl: Duration,
}

#[cfg(test)]
impl Loaded {
    /// An empty key set, for tests that only compare key sets by identity.
    pub(crate) fn for_tests() -> Self {
        Loaded {
            keys: Arc::new(KeySet::default()),
            generation: 0,
            fetched_at: Instant::now(),
            ttl: Duration::ZERO,
        }
    }
}

/// One issuer's key cache. Cheap to clone.
#[derive(Clone)]
pub(crate) struct KeyCache {
    inner: Arc<Inner>,
}

struct Inner {
    issuer: String,
    source: KeySource,
    http: HttpClient,
    allow_http: bool,
    cfg: JwksConfig,
    current: ArcSwapOption<Loaded>,
    control: Mutex<Control>,
}

type SharedFetch = Shared<BoxFuture<'static, bool>>;

#[derive(Default)]
struct Control {
    inflight: Option<SharedFetch>,
    jwks_uri: Option<String>,
    last_forced: Option<Instant>,
    not_before: Option<Instant>,
    failures: u32,
    last_error: Option<String>,
    generation: u64,
    fetches: u64,
    fetch_failures: u64,
    forced_refreshes: u64,
}

/// What one download produced.
struct Downloaded {
    keys: KeySet,
    max_age: Option<Duration>,
    jwks_uri: String,
}

impl KeyCache {
    /// An empty cache for `issuer` (a label for logs and status).
    pub(crate) fn new(
        issuer: String,
        source: KeySource,
        http: HttpClient,
        allow_http: bool,
        cfg: JwksConfig,
    ) -> Self {
        let inner = Inner {
            issuer,
            source,
            http,
            allow_http,
            cfg,
            current: ArcSwapOption::empty(),
            control: Mutex::new(Control::default()),
        };
        KeyCache {
            inner: Arc::new(inner),
        }
    }

    /// Fetches once (or joins the fetch in flight). `true` when keys were loaded.
    pub(crate) async fn fetch(&self) -> bool {
        let fetch = self.inner.start(&mut self.inner.lock(), true);
        fetch.await
    }

    /// Takes `previous`'s current key set when this cache has none and both fetch from the
    /// same source under the same rule for plain HTTP (a reload whose own fetch failed): the
    /// last good keys stay in use, within their stale window counted from when they were
    /// fetched, instead of no keys at all. `true` when a key set was taken over.
    pub(crate) fn take_keys_of(&self, previous: &KeyCache) -> bool {
        let (new, old) = (&self.inner, &previous.inner);
        if new.source != old.source || new.allow_http != old.allow_http {
            return false;
        }
        let Some(loaded) = old.current.load_full() else {
            return false;
        };
        let jwks_uri = old.lock().jwks_uri.clone();
        // Checked under the lock every key publication takes: a fetch of this cache that
        // succeeded meanwhile is never overwritten.
        let mut c = new.lock();
        if new.current.load().is_some() {
            return false;
        }
        (c.generation, c.jwks_uri) = (loaded.generation, jwks_uri);
        new.current.store(Some(loaded));
        true
    }

    /// Starts the background refresh task; it stops when the cache is dropped.
    pub(crate) fn spawn_refresher(&self) -> tokio::task::AbortHandle {
        let due = Instant::now() + self.inner.next_delay();
        tokio::spawn(refresh::run(Arc::downgrade(&self.inner), due)).abort_handle()
    }

    /// The current keys if they may be used now; `KeysUnavailable` otherwise.
    pub(crate) fn usable(&self) -> Result<Arc<Loaded>, VerifyError> {
        let Some(loaded) = self.inner.current.load_full() else {
            return Err(unavailable("signing keys not loaded yet"));
        };
        if !self.fresh_enough(&loaded) {
            return Err(unavailable(
                "signing keys are stale beyond the allowed bound",
            ));
        }
        Ok(loaded)
    }

    /// [`KeyCache::usable`] without the reason (nothing allocated when there are none), for
    /// comparing key sets.
    pub(crate) fn usable_now(&self) -> Option<Arc<Loaded>> {
        self.inner
            .current
            .load_full()
            .filter(|loaded| self.fresh_enough(loaded))
    }

    /// The generation of the current keys when [`KeyCache::usable`] would give them, without
    /// taking a reference to them (the verified-token cache asks on every hit).
    pub(crate) fn usable_generation(&self) -> Option<u64> {
        let current = self.inner.current.load();
        let loaded = current.as_deref()?;
        self.fresh_enough(loaded).then_some(loaded.generation)
    }

    fn fresh_enough(&self, loaded: &Loaded) -> bool {
        loaded.fetched_at.elapsed() <= timing::usable_for(&self.inner.cfg, loaded.ttl)
    }

    /// Whether a token whose `kid` was unknown in `keys` would be refused again now without
    /// any change: `keys` are still the current set, no fetch is in flight (one would be
    /// joined) and [`KeyCache::refresh_for_unknown_kid`] may not start one (cooldown or
    /// `Retry-After`). Checked under the lock every publication of keys takes, so the answer
    /// holds at one moment.
    pub(crate) fn refuses_unknown_kid_again(&self, keys: &Arc<Loaded>) -> bool {
        let now = Instant::now();
        let c = self.inner.lock();
        let current = self.inner.current.load();
        let unchanged = current.as_ref().is_some_and(|held| Arc::ptr_eq(held, keys));
        unchanged && c.inflight.is_none() && !self.inner.may_force(&c, now)
    }

    /// A token named a key we do not have: refresh unless the cooldown (or `Retry-After`)
    /// forbids it. `true` when a fetch completed and replaced the keys.
    pub(crate) async fn refresh_for_unknown_kid(&self) -> bool {
        let fetch = {
            let now = Instant::now();
            let mut c = self.inner.lock();
            if c.inflight.is_none() && !self.inner.may_force(&c, now) {
                return false;
            }
            if c.inflight.is_none() {
                // Stamped before the fetch: a slow or failing IdP is not asked again per request.
                c.last_forced = Some(now);
                c.forced_refreshes += 1;
            }
            self.inner.start(&mut c, false)
        };
        fetch.await
    }

    /// The status of this key set.
    pub(crate) fn status(&self, provider: &str) -> KeySetStatus {
        let loaded = self.inner.current.load_full();
        let age = loaded.as_ref().map(|l| l.fetched_at.elapsed());
        let c = self.inner.lock();
        KeySetStatus {
            provider: provider.to_owned(),
            issuer: self.inner.issuer.clone(),
            ready: self.usable().is_ok(),
            age,
            stale: loaded.as_ref().zip(age).is_some_and(|(l, age)| age > l.ttl),
            keys: loaded.as_ref().map_or(0, |l| l.keys.keys().len()),
            last_error: c.last_error.clone(),
            fetches: c.fetches,
            fetch_failures: c.fetch_failures,
            forced_refreshes: c.forced_refreshes,
        }
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, Control> {
        self.control.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn may_force(&self, c: &Control, now: Instant) -> bool {
        let cooled = c
            .last_forced
            .is_none_or(|t| now >= t + self.cfg.refresh_cooldown);
        cooled && c.not_before.is_none_or(|t| now >= t)
    }

    /// The fetch in flight, or a new one. Called with the control lock held; the fetch runs
    /// in its own task and takes the lock again only to publish its result. `rediscover`
    /// re-reads the metadata document first (scheduled refreshes do, so a moved `jwks_uri` is
    /// picked up); forced refreshes reuse the known JWKS URL.
    fn start(self: &Arc<Self>, c: &mut Control, rediscover: bool) -> SharedFetch {
        if let Some(fetch) = &c.inflight {
            return fetch.clone();
        }
        let jwks_uri = if rediscover { None } else { c.jwks_uri.clone() };
        let task = tokio::spawn(Arc::clone(self).run_fetch(jwks_uri));
        let cache = Arc::downgrade(self);
        let fetch = async move {
            task.await.unwrap_or_else(|_| {
                // The task died before publishing: free the slot so the next caller fetches.
                if let Some(inner) = cache.upgrade() {
                    inner.lock().inflight = None;
                }
                false
            })
        };
        let fetch = fetch.boxed().shared();
        c.inflight = Some(fetch.clone());
        fetch
    }

    async fn run_fetch(self: Arc<Self>, jwks_uri: Option<String>) -> bool {
        let result = self.download(jwks_uri).await;
        self.publish(result)
    }

    async fn download(&self, jwks_uri: Option<String>) -> Result<Downloaded, FetchError> {
        let jwks_uri = match jwks_uri {
            Some(uri) => uri,
            None => discovery::jwks_uri(&self.http, &self.source, self.allow_http).await?,
        };
        let fetched = self.http.get(&jwks_uri, self.allow_http).await?;
        let keys = KeySet::from_jwks_json(&fetched.body).map_err(|e| {
            if let KeySetError::NoUsableKeys { private, .. } = e {
                self.alert_private_keys(private);
            }
            FetchError::Invalid(e.to_string())
        })?;
        self.alert_private_keys(keys.private_keys_skipped());
        Ok(Downloaded {
            keys,
            max_age: fetched.max_age,
            jwks_uri,
        })
    }

    fn publish(&self, result: Result<Downloaded, FetchError>) -> bool {
        let now = Instant::now();
        let mut c = self.lock();
        c.inflight = None;
        c.fetches += 1;
        match result {
            Ok(downloaded) => self.publish_keys(&mut c, downloaded, now),
            Err(e) => self.record_failure(&mut c, e, now),
        }
        c.failures == 0
    }

    /// JWT-C16: a key set publishing private key material is skipped key by key, and also
    /// worth an alert (the identity provider may have leaked a signing key).
    fn alert_private_keys(&self, count: usize) {
        if count > 0 {
            tracing::error!(
                issuer = %self.issuer,
                keys = count,
                "the key set publishes private key material: those keys are ignored, but the \
                 identity provider may have leaked a signing key (JWT-C16)"
            );
        }
    }

    /// A good document replaces the keys; a key it lacks (or holds other material under the
    /// same id) stops working at once, cached verifications made with it included.
    fn publish_keys(&self, c: &mut Control, d: Downloaded, now: Instant) {
        let old = self.current.load_full();
        if old.is_some_and(|old| removed_any(&old.keys, &d.keys)) {
            c.generation += 1;
        }
        let ttl = timing::soft_ttl(&self.cfg, d.max_age);
        let loaded = Loaded {
            keys: Arc::new(d.keys),
            generation: c.generation,
            fetched_at: now,
            ttl,
        };
        self.current.store(Some(Arc::new(loaded)));
        (c.jwks_uri, c.failures, c.last_error) = (Some(d.jwks_uri), 0, None);
        tracing::debug!(issuer = %self.issuer, ttl_secs = ttl.as_secs(), "signing keys loaded");
    }

    /// A failure never touches the keys; `Retry-After` blocks fetches until it passes.
    fn record_failure(&self, c: &mut Control, e: FetchError, now: Instant) {
        c.failures = c.failures.saturating_add(1);
        c.fetch_failures += 1;
        if let FetchError::RateLimited(after) = e {
            c.not_before = Some(now + after);
        }
        // Re-discover next time: the metadata may have moved the JWKS.
        c.jwks_uri = None;
        tracing::warn!(issuer = %self.issuer, error = %e, "signing-key fetch failed; keeping the last good keys");
        c.last_error = Some(e.to_string());
    }

    /// How long the background task waits before its next fetch.
    fn next_delay(&self) -> Duration {
        let now = Instant::now();
        let c = self.lock();
        let jitter = rand::random::<f64>();
        let base = match (self.current.load().as_ref(), c.failures) {
            (Some(loaded), 0) => timing::refresh_delay(loaded.ttl, jitter),
            (_, failures) => timing::backoff(failures.max(1), jitter),
        };
        let blocked = c
            .not_before
            .map_or(Duration::ZERO, |t| t.saturating_duration_since(now));
        base.max(blocked)
    }
}

/// Whether `new` lacks a key of `old`: no key with the same `kid`, `x5t`, public key, `alg`
/// pin and (Entra) `issuer` — a key changed under the same id counts as removed. A key
/// without any id always counts as removed (conservative: every fetch then expires the
/// cached verifications).
fn removed_any(old: &KeySet, new: &KeySet) -> bool {
    old.keys().iter().any(|was| {
        (was.kid.is_none() && was.x5t.is_none())
            || !new.keys().iter().any(|now| {
                now.kid == was.kid
                    && now.x5t == was.x5t
                    && now.alg == was.alg
                    && now.issuer == was.issuer
                    && now.key.same_public_key(&was.key)
            })
    })
}

fn unavailable(detail: &str) -> VerifyError {
    VerifyError::new(VerifyErrorKind::KeysUnavailable, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use authgate_core::{Algorithm, SigningKey};

    /// A key set of `keys`' public halves.
    fn set(keys: &[&SigningKey]) -> KeySet {
        let jwks: Vec<serde_json::Value> = keys.iter().map(|k| k.public_jwk().unwrap()).collect();
        KeySet::from_jwks_json(serde_json::json!({ "keys": jwks }).to_string().as_bytes()).unwrap()
    }

    #[test]
    fn r09_a_missing_kid_counts_as_removed_an_added_one_does_not() {
        let a = SigningKey::generate(Algorithm::ES256, "a");
        let b = SigningKey::generate(Algorithm::ES256, "b");
        assert!(!removed_any(&set(&[&a]), &set(&[&a, &b])));
        assert!(removed_any(&set(&[&a, &b]), &set(&[&b])));
        assert!(!removed_any(&set(&[&a]), &set(&[&a])));
    }

    #[test]
    fn r09_a_key_replaced_under_the_same_kid_counts_as_removed() {
        let a = SigningKey::generate(Algorithm::ES256, "a");
        let a_again = SigningKey::generate(Algorithm::ES256, "a");
        let a_rsa = SigningKey::generate(Algorithm::RS256, "a");
        assert!(removed_any(&set(&[&a]), &set(&[&a_again])));
        assert!(removed_any(&set(&[&a]), &set(&[&a_rsa])));
        assert!(!removed_any(&set(&[&a_rsa]), &set(&[&a_rsa])));
    }

    #[test]
    fn r09_one_of_two_keys_under_one_kid_dropped_counts_as_removed() {
        let first = SigningKey::generate(Algorithm::ES256, "a");
        let second = SigningKey::generate(Algorithm::ES256, "a");
        assert!(removed_any(&set(&[&first, &second]), &set(&[&first])));
        assert!(!removed_any(&set(&[&first]), &set(&[&second, &first])));
    }

    #[test]
    fn r09_a_changed_alg_pin_counts_as_removed() {
        let key = SigningKey::generate(Algorithm::RS256, "a");
        let mut pinned = key.public_jwk().unwrap();
        pinned["alg"] = "PS256".into();
        let pinned = serde_json::json!({ "keys": [pinned] }).to_string();
        let pinned = KeySet::from_jwks_json(pinned.as_bytes()).unwrap();
        assert!(removed_any(&set(&[&key]), &pinned));
    }

    #[tokio::test]
    async fn an_empty_cache_is_keys_unavailable_without_fetching() {
        let http = HttpClient::new().unwrap();
        let source = KeySource::Jwks("http://127.0.0.1:9/never".into());
        let cache = KeyCache::new("test".into(), source, http, false, JwksConfig::default());
        let err = cache.usable().unwrap_err();
        assert_eq!(err.kind(), VerifyErrorKind::KeysUnavailable);
        let status = cache.status("p");
        assert!(
            !status.ready && status.age.is_none() && status.fetches == 0,
            "{status:?}"
        );
    }
}
