//! A connection's memory of the last bearer token it verified.
//!
//! An API client on a keep-alive connection sends the same token with every request. The
//! shared verified-token cache recognises it by a SHA-256 of the whole token (about a
//! microsecond for a 1.3 KB Entra token) plus a lookup; the connection can recognise it by
//! comparing bytes with the one it saw last. What it recalls is re-checked exactly like a
//! cache hit (the verifier's `recheck`): provider restriction, the provider a fresh
//! verification would pick (one issuer under several providers), key-set generation, `exp`,
//! `nbf`, `iat` and the remaining lifetime at the current time, and the cache lifetime. It
//! answers only the verifier that remembered it: another one (a configuration reload builds a
//! new verifier while connections stay open) verifies the token itself.

use crate::token_cache::Entry;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use zeroize::Zeroize;

/// What one client connection remembers of the last bearer token it presented, for
/// [`crate::Verifier::verify_on_connection`]. Create one per accepted connection and drop it
/// with the connection.
///
/// It keeps a copy of that one token while the connection lives (its receive buffers held the
/// token too), wiped when replaced or dropped; the shared cache keeps only digests. Keying on
/// the raw token is safe here (security.md JWT-F11 warns against it for revocation and replay
/// caches): the match is exact, in constant time, and only tokens that verified are kept, and
/// verification refuses non-canonical encodings. Nothing is
/// remembered when the verifier's cache is disabled (a zero TTL in
/// [`crate::VerifierBuilder::token_cache`]).
#[derive(Default)]
pub struct ConnectionMemo {
    last: Mutex<Option<Remembered>>,
}

struct Remembered {
    /// The verifier whose cache entry this is.
    verifier: VerifierId,
    token: Box<[u8]>,
    entry: Arc<Entry>,
}

/// Tells verifiers apart (unique for the process's life).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VerifierId(u64);

impl VerifierId {
    /// An id no verifier had before.
    pub(crate) fn next() -> VerifierId {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        VerifierId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

impl Drop for Remembered {
    fn drop(&mut self) {
        self.token.zeroize();
    }
}

impl fmt::Debug for ConnectionMemo {
    /// Never the token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionMemo").finish_non_exhaustive()
    }
}

impl ConnectionMemo {
    /// The verification `verifier` remembered for exactly these token bytes.
    pub(crate) fn recall(&self, verifier: VerifierId, token: &str) -> Option<Arc<Entry>> {
        let last = self.lock();
        let remembered = last.as_ref().filter(|r| r.verifier == verifier)?;
        same_bytes(&remembered.token, token.as_bytes()).then(|| remembered.entry.clone())
    }

    /// Whether `token` is exactly the token remembered (whatever its verification now gives).
    pub(crate) fn is_last(&self, token: &[u8]) -> bool {
        self.lock()
            .as_ref()
            .is_some_and(|r| same_bytes(&r.token, token))
    }

    /// Remembers `entry` as `verifier`'s verification of `token`, forgetting the previous one.
    pub(crate) fn remember(&self, verifier: VerifierId, token: &str, entry: Arc<Entry>) {
        let remembered = Remembered {
            verifier,
            token: token.as_bytes().into(),
            entry,
        };
        *self.lock() = Some(remembered);
    }

    /// Forgets the remembered token.
    pub(crate) fn forget(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> MutexGuard<'_, Option<Remembered>> {
        // Nothing can be left half-written: every critical section is one assignment or read.
        self.last.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Whether `a` and `b` are the same bytes, in a time that depends on their lengths only: a
/// connection shared by several clients (a proxy's keep-alive pool in front of the gateway)
/// must not learn how much of its token matches the one remembered.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |diff, (x, y)| diff | (x ^ y)) == 0
}
