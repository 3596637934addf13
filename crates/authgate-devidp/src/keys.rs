//! The signing keys of one dev IdP: one RSA key shared by every flavor until a test rotates,
//! plus keys for other algorithms generated the first time a token asks for them.

use crate::ids;
use authgate_core::{Algorithm, SigningKey};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Published keys and the one RS256 tokens are signed with.
pub(crate) struct KeyRing {
    state: RwLock<RingState>,
}

struct RingState {
    /// Every key served in the JWKS, oldest first.
    published: Vec<Arc<SigningKey>>,
    /// The RS256 key new tokens are signed with (always also in `published`).
    active: Arc<SigningKey>,
}

impl KeyRing {
    /// A ring with one fresh RS256 key.
    pub(crate) fn new() -> Self {
        let active = Arc::new(generate(Algorithm::RS256));
        let state = RingState {
            published: vec![Arc::clone(&active)],
            active,
        };
        KeyRing {
            state: RwLock::new(state),
        }
    }

    /// The key that signs `alg` tokens: the active RSA key for RS256; for any other algorithm the
    /// newest published key of that algorithm, generated (and published) on first use.
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
        state.published.push(Arc::clone(&fresh));
        fresh
    }

    /// Adds a new RS256 key and signs with it from now on; the old keys stay published.
    pub(crate) fn rotate(&self) -> String {
        let fresh = Arc::new(generate(Algorithm::RS256));
        let kid = kid_of(&fresh);
        let mut state = self.write();
        state.published.push(Arc::clone(&fresh));
        state.active = fresh;
        kid
    }

    /// Unpublishes the key `kid` (emergency rotation). When it was the active key, the newest
    /// remaining RS256 key becomes active, or a fresh one is generated. Returns whether a key
    /// was removed.
    pub(crate) fn remove(&self, kid: &str) -> bool {
        // Generate a replacement outside the lock, and only when one will be needed.
        let fresh = self
            .read()
            .needs_replacement(kid)
            .then(|| Arc::new(generate(Algorithm::RS256)));
        let mut state = self.write();
        let before = state.published.len();
        state.published.retain(|k| k.kid() != Some(kid));
        let removed = state.published.len() != before;
        if state.active.kid() == Some(kid) {
            let next = state
                .newest_rs256()
                .or(fresh)
                .unwrap_or_else(|| Arc::new(generate(Algorithm::RS256)));
            if !state.published.iter().any(|k| Arc::ptr_eq(k, &next)) {
                state.published.push(Arc::clone(&next));
            }
            state.active = next;
        }
        removed
    }

    /// The published keys, oldest first.
    pub(crate) fn published(&self) -> Vec<Arc<SigningKey>> {
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
        self.published
            .iter()
            .rev()
            .find(|k| k.algorithm() == alg)
            .cloned()
    }

    /// Whether removing `kid` leaves no RS256 key to sign with.
    fn needs_replacement(&self, kid: &str) -> bool {
        self.active.kid() == Some(kid)
            && !self
                .published
                .iter()
                .any(|k| k.algorithm() == Algorithm::RS256 && k.kid() != Some(kid))
    }

    fn newest_rs256(&self) -> Option<Arc<SigningKey>> {
        self.published
            .iter()
            .rev()
            .find(|k| k.algorithm() == Algorithm::RS256)
            .cloned()
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
