//! The signing keys of one dev IdP: one RSA key shared by every flavor until a test rotates,
//! keys for other algorithms generated the first time a token asks for them, and keys a test
//! publishes for one flavor or one Entra tenant only.

use crate::flavor::Flavor;
use crate::ids;
use authgate_core::{Algorithm, SigningKey};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Which JWKS documents list a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyScope {
    /// Every flavor's (the default).
    Shared,
    /// Only this flavor's.
    Flavor(Flavor),
    /// Only the Entra v2 JWKS of `common`/`organizations` and of this tenant, where the key's
    /// `issuer` member names this tenant (like Microsoft-account keys in the `common` JWKS).
    EntraTenant(String),
}

/// A published key and where it is published.
#[derive(Clone)]
pub(crate) struct PublishedKey {
    /// The key.
    pub(crate) key: Arc<SigningKey>,
    /// Where it is listed.
    pub(crate) scope: KeyScope,
}

/// Published keys and the one RS256 tokens are signed with.
pub(crate) struct KeyRing {
    state: RwLock<RingState>,
}

struct RingState {
    /// Every key served in some JWKS, oldest first.
    published: Vec<PublishedKey>,
    /// The shared RS256 key new tokens are signed with (always also in `published`).
    active: Arc<SigningKey>,
}

impl KeyRing {
    /// A ring with one fresh shared RS256 key.
    pub(crate) fn new() -> Self {
        let active = Arc::new(generate(Algorithm::RS256));
        let published = vec![shared(&active)];
        KeyRing {
            state: RwLock::new(RingState { published, active }),
        }
    }

    /// The key that signs `alg` tokens: the active RSA key for RS256; for any other algorithm
    /// the newest shared key of that algorithm, generated (and published) on first use.
    pub(crate) fn signer(&self, alg: Algorithm) -> Arc<SigningKey> {
        if let Some(key) = self.read().find(alg) {
            return key;
        }
        // Generate outside the lock: RSA key generation is slow.
        let fresh = Arc::new(generate(alg));
        let mut state = self.write();
        if let Some(key) = state.find(alg) {
            return key;
        }
        state.published.push(shared(&fresh));
        fresh
    }

    /// The published key with id `kid`.
    pub(crate) fn by_kid(&self, kid: &str) -> Option<Arc<SigningKey>> {
        let state = self.read();
        state
            .published
            .iter()
            .find(|p| p.key.kid() == Some(kid))
            .map(|p| Arc::clone(&p.key))
    }

    /// Publishes a new RS256 key in `scope` (it signs only when asked for by kid).
    pub(crate) fn add(&self, scope: KeyScope) -> String {
        let key = Arc::new(generate(Algorithm::RS256));
        let kid = kid_of(&key);
        self.write().published.push(PublishedKey { key, scope });
        kid
    }

    /// Adds a new shared RS256 key and signs with it from now on; old keys stay published.
    pub(crate) fn rotate(&self) -> String {
        let fresh = Arc::new(generate(Algorithm::RS256));
        let kid = kid_of(&fresh);
        let mut state = self.write();
        state.published.push(shared(&fresh));
        state.active = fresh;
        kid
    }

    /// Unpublishes the key `kid` (emergency rotation). When it was the active key, the newest
    /// remaining shared RS256 key becomes active, or a fresh one is generated. Returns whether
    /// a key was removed.
    pub(crate) fn remove(&self, kid: &str) -> bool {
        // Generate a replacement outside the lock, and only when one will be needed.
        let fresh = self
            .read()
            .needs_replacement(kid)
            .then(|| Arc::new(generate(Algorithm::RS256)));
        let mut state = self.write();
        let before = state.published.len();
        state.published.retain(|p| p.key.kid() != Some(kid));
        let removed = state.published.len() != before;
        if state.active.kid() == Some(kid) {
            let next = state
                .newest_shared_rs256()
                .or(fresh)
                .unwrap_or_else(|| Arc::new(generate(Algorithm::RS256)));
            if !state.published.iter().any(|p| Arc::ptr_eq(&p.key, &next)) {
                state.published.push(shared(&next));
            }
            state.active = next;
        }
        removed
    }

    /// The published keys, oldest first.
    pub(crate) fn published(&self) -> Vec<PublishedKey> {
        self.read().published.clone()
    }

    /// The key id of the active RS256 key.
    pub(crate) fn active_kid(&self) -> String {
        kid_of(&self.read().active)
    }

    fn read(&self) -> RwLockReadGuard<'_, RingState> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, RingState> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl RingState {
    fn find(&self, alg: Algorithm) -> Option<Arc<SigningKey>> {
        if alg == Algorithm::RS256 {
            return Some(Arc::clone(&self.active));
        }
        self.shared_keys()
            .rev()
            .find(|k| k.algorithm() == alg)
            .cloned()
    }

    /// Whether removing `kid` leaves no shared RS256 key to sign with.
    fn needs_replacement(&self, kid: &str) -> bool {
        self.active.kid() == Some(kid)
            && !self
                .shared_keys()
                .any(|k| k.algorithm() == Algorithm::RS256 && k.kid() != Some(kid))
    }

    fn newest_shared_rs256(&self) -> Option<Arc<SigningKey>> {
        self.shared_keys()
            .rev()
            .find(|k| k.algorithm() == Algorithm::RS256)
            .cloned()
    }

    fn shared_keys(&self) -> impl DoubleEndedIterator<Item = &Arc<SigningKey>> {
        self.published
            .iter()
            .filter(|p| p.scope == KeyScope::Shared)
            .map(|p| &p.key)
    }
}

fn shared(key: &Arc<SigningKey>) -> PublishedKey {
    PublishedKey {
        key: Arc::clone(key),
        scope: KeyScope::Shared,
    }
}

/// A fresh key for `alg` with an Entra-shaped random key id.
pub(crate) fn generate(alg: Algorithm) -> SigningKey {
    SigningKey::generate(alg, ids::new_kid())
}

/// The key id of a key this module generated (they all have one).
pub(crate) fn kid_of(key: &SigningKey) -> String {
    key.kid().unwrap_or_default().to_owned()
}
