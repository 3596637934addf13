//! Fault injection on the discovery, JWKS, token, userinfo and revocation endpoints.

use crate::flavor::Flavor;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, StreamExt as _};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{PoisonError, RwLock};
use std::time::Duration;
use tokio::sync::watch;

/// An injected fault on the JWKS (and discovery) endpoints, or with
/// [`crate::DevIdp::set_endpoint_fault`] on the token, userinfo or revocation endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Normal operation.
    None,
    /// Respond with this status (e.g. 503).
    Status(u16),
    /// Respond 429 with `Retry-After: secs`.
    TooManyRequests {
        /// Seconds for `Retry-After`.
        retry_after: u64,
    },
    /// Wait this long before answering.
    Slow(Duration),
    /// Never answer (until the IdP shuts down; then 503).
    Hang,
    /// Answer 200 with this body instead of the JWKS (HTML, `{"keys":[]}`, truncated JSON).
    Body(String),
    /// Answer 200 with the real document, sending one byte of the body per interval
    /// (slowloris, security.md R-05).
    SlowBody(Duration),
    /// Answer 200 with a streamed, chunked JSON body of this many bytes (size caps, R-05).
    Oversized(usize),
    /// Token endpoint: answer normally, but with ID tokens whose `nonce` is this value
    /// (OIDC Core §3.1.3.7 step 11, BCP-11). Set with
    /// `set_endpoint_fault(Some(flavor), Endpoint::Token, ..)`.
    IdTokenNonce(String),
    /// Token endpoint: ID tokens whose `aud` is this single audience (another client's).
    IdTokenAudience(String),
    /// Token endpoint: ID tokens whose `azp` is this value (another presenter).
    IdTokenAzp(String),
    /// Token endpoint: ID tokens whose claim `name` is the string `value`, or lacks the claim
    /// when `value` is `None` (a changed `sub` or `iss` on refresh, BCP-46; a missing `nonce`).
    IdTokenClaim {
        /// The claim.
        name: String,
        /// Its new string value; `None` removes it.
        value: Option<String>,
    },
}

impl Fault {
    /// For the ID-token faults: the claim to override and its value (`Null` removes it).
    pub(crate) fn id_token_override(&self) -> Option<(String, serde_json::Value)> {
        let (name, value) = match self {
            Fault::IdTokenNonce(v) => ("nonce", Some(v)),
            Fault::IdTokenAudience(v) => ("aud", Some(v)),
            Fault::IdTokenAzp(v) => ("azp", Some(v)),
            Fault::IdTokenClaim { name, value } => (name.as_str(), value.as_ref()),
            _ => return None,
        };
        let value = value.map_or(serde_json::Value::Null, |v| v.as_str().into());
        Some((name.to_owned(), value))
    }
}

/// Which kind of metadata endpoint a fault or a hit concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `openid-configuration` and `oauth-authorization-server` documents.
    Discovery,
    /// The JWKS.
    Jwks,
    /// The token endpoint. Only faults set for this endpoint apply to it: a fault set with
    /// [`crate::DevIdp::set_fault`] or [`crate::DevIdp::set_fault_for`] leaves it alone.
    Token,
    /// The userinfo endpoint (like [`Endpoint::Token`], only endpoint-specific faults apply).
    UserInfo,
    /// The RFC 7009 revocation endpoint (only endpoint-specific faults apply).
    Revocation,
    /// The end-session (RP-initiated logout) endpoint: counted only, never faulted.
    EndSession,
}

impl Endpoint {
    /// Whether this is a metadata endpoint, which flavor-wide and global faults also hit.
    fn is_metadata(self) -> bool {
        matches!(self, Endpoint::Discovery | Endpoint::Jwks)
    }
}

/// Which requests a fault applies to: `None` means every flavor / every endpoint.
type Scope = (Option<Flavor>, Option<Endpoint>);

/// Faults keyed by scope.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    table: RwLock<HashMap<Scope, Fault>>,
}

impl Faults {
    /// Sets (or with [`Fault::None`] clears) the fault for this scope.
    pub(crate) fn set(&self, flavor: Option<Flavor>, endpoint: Option<Endpoint>, fault: Fault) {
        let mut table = self.table.write().unwrap_or_else(PoisonError::into_inner);
        if fault == Fault::None {
            table.remove(&(flavor, endpoint));
        } else {
            table.insert((flavor, endpoint), fault);
        }
    }

    /// Clears every fault.
    pub(crate) fn clear(&self) {
        self.table
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// The most specific fault set for this request: flavor and endpoint, then flavor, then
    /// endpoint, then global. Token and userinfo endpoints only have endpoint-specific faults.
    pub(crate) fn effective(&self, flavor: Flavor, endpoint: Endpoint) -> Fault {
        let table = self.table.read().unwrap_or_else(PoisonError::into_inner);
        let scopes: [Scope; 4] = [
            (Some(flavor), Some(endpoint)),
            (Some(flavor), None),
            (None, Some(endpoint)),
            (None, None),
        ];
        scopes
            .iter()
            .filter(|(_, e)| endpoint.is_metadata() || e.is_some())
            .find_map(|s| table.get(s).cloned())
            .unwrap_or(Fault::None)
    }
}

/// What a request does after its fault has been acted out.
pub(crate) enum Outcome {
    /// Answer with the real document.
    Answer,
    /// Answer with the real document, trickled one byte per interval.
    Trickle(Duration),
    /// Send this instead.
    Replace(Response),
}

/// Acts out `fault` (waiting where it says so) and says how to answer.
pub(crate) async fn act(fault: Fault, mut shutdown: watch::Receiver<bool>) -> Outcome {
    match fault {
        Fault::None
        | Fault::IdTokenNonce(_)
        | Fault::IdTokenAudience(_)
        | Fault::IdTokenAzp(_)
        | Fault::IdTokenClaim { .. } => Outcome::Answer,
        Fault::Slow(delay) => {
            tokio::select! {
                () = tokio::time::sleep(delay) => Outcome::Answer,
                _ = shutdown.wait_for(|stopped| *stopped) => Outcome::Replace(unavailable()),
            }
        }
        Fault::Hang => {
            // Resolves only when the IdP shuts down (or its shutdown sender is dropped).
            let _ = shutdown.wait_for(|stopped| *stopped).await;
            Outcome::Replace(unavailable())
        }
        Fault::Status(code) => Outcome::Replace(status_response(code)),
        Fault::TooManyRequests { retry_after } => Outcome::Replace(too_many(retry_after)),
        Fault::Body(body) => Outcome::Replace(json_body(Body::from(body))),
        Fault::SlowBody(interval) => Outcome::Trickle(interval),
        Fault::Oversized(len) => Outcome::Replace(json_body(oversized(len))),
    }
}

/// `body` sent one byte per `interval`; cut short when the IdP shuts down.
pub(crate) fn trickle(body: Vec<u8>, interval: Duration, shutdown: watch::Receiver<bool>) -> Body {
    let bytes = stream::iter(body).then(move |byte| {
        let mut shutdown = shutdown.clone();
        async move {
            tokio::select! {
                () = tokio::time::sleep(interval) => Some(Bytes::copy_from_slice(&[byte])),
                _ = shutdown.wait_for(|stopped| *stopped) => None,
            }
        }
    });
    let until_shutdown = bytes.take_while(|chunk| std::future::ready(chunk.is_some()));
    Body::from_stream(
        until_shutdown.filter_map(|chunk| std::future::ready(chunk.map(Ok::<_, Infallible>))),
    )
}

/// A JSON document of exactly `len` bytes (at least 11): a key set padded with spaces,
/// streamed in 64 KiB chunks.
fn oversized(len: usize) -> Body {
    const CHUNK: usize = 64 * 1024;
    let (open, close) = (&b"{\"keys\":["[..], &b"]}"[..]);
    let padding = len.saturating_sub(open.len() + close.len());
    let spaces = (0..padding.div_ceil(CHUNK)).map(move |i| {
        let n = CHUNK.min(padding - i * CHUNK);
        Bytes::from(vec![b' '; n])
    });
    let chunks = std::iter::once(Bytes::from_static(open))
        .chain(spaces)
        .chain(std::iter::once(Bytes::from_static(close)));
    Body::from_stream(stream::iter(chunks.map(Ok::<_, Infallible>)))
}

fn unavailable() -> Response {
    status_response(503)
}

fn status_response(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = format!(
        "{{\"error\":\"injected fault\",\"status\":{}}}",
        status.as_u16()
    );
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn too_many(retry_after: u64) -> Response {
    let mut response = status_response(429);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

fn json_body(body: Body) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_specific_fault_wins_and_none_clears() {
        let faults = Faults::default();
        faults.set(None, None, Fault::Status(503));
        faults.set(Some(Flavor::Google), Some(Endpoint::Jwks), Fault::Hang);
        assert_eq!(
            faults.effective(Flavor::Google, Endpoint::Jwks),
            Fault::Hang
        );
        assert_eq!(
            faults.effective(Flavor::Google, Endpoint::Discovery),
            Fault::Status(503)
        );
        assert_eq!(
            faults.effective(Flavor::Okta, Endpoint::Jwks),
            Fault::Status(503)
        );
        faults.set(None, None, Fault::None);
        assert_eq!(faults.effective(Flavor::Okta, Endpoint::Jwks), Fault::None);
        faults.clear();
        assert_eq!(
            faults.effective(Flavor::Google, Endpoint::Jwks),
            Fault::None
        );
    }
}
