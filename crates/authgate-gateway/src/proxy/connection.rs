//! What the proxy keeps for one client connection, so that a client sending request after
//! request on a keep-alive connection (the usual API client) costs the least per request:
//! its address as an `X-Forwarded-For` value, the bearer token it presented last
//! ([`ConnectionMemo`]) and the identity headers of the principal that token verified to.

use super::headers::{self, IdentityHeaders};
use authgate::{ConnectionMemo, Principal};
use http::HeaderValue;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// One client connection's state (one per accepted connection; the router's fallback, which
/// sees no connection, makes one per request).
#[derive(Debug)]
pub(crate) struct ClientConnection {
    /// The TCP peer.
    pub(crate) peer: SocketAddr,
    /// The peer's address as a header value.
    pub(crate) peer_value: HeaderValue,
    /// The bearer token this connection presented last.
    pub(crate) memo: ConnectionMemo,
    /// The identity headers of the principal last sent upstream, built once for it.
    identity: Mutex<Option<(Arc<Principal>, Arc<IdentityHeaders>)>>,
}

impl ClientConnection {
    /// The state of a new connection from `peer`.
    pub(crate) fn new(peer: SocketAddr) -> Self {
        ClientConnection {
            peer,
            peer_value: headers::peer_value(peer.ip()),
            memo: ConnectionMemo::default(),
            identity: Mutex::new(None),
        }
    }

    /// The identity headers of `principal`: built the first time this connection sends it
    /// upstream, reused while the same verification (the same shared principal) comes back.
    pub(crate) fn identity_headers(&self, principal: &Arc<Principal>) -> Arc<IdentityHeaders> {
        // Every critical section is one read or one assignment: nothing is left half-written.
        let mut last = self.identity.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((known, values)) = last.as_ref()
            && Arc::ptr_eq(known, principal)
        {
            return values.clone();
        }
        let values = Arc::new(headers::identity_values(principal));
        *last = Some((principal.clone(), values.clone()));
        values
    }
}
