//! Per-thread HTTP/1.1 keep-alive connections to plain `http://` upstreams.
//!
//! The gateway serves on single-threaded worker runtimes (see `crate::server`), so a pool per
//! thread needs no locks and a request, its upstream connection's driver task and the task that
//! returns the connection all run on one thread: no cross-thread wake-ups, which is where a
//! shared pool spent most of its time (BENCHMARKS.md). On a multi-threaded runtime the pools
//! still work; a connection simply returns to the pool of whichever thread finished with it.
//!
//! A connection goes back to the pool only once hyper reports it ready for another request
//! (the response body was read to the end and the upstream kept it open); idle connections are
//! dropped after [`IDLE_TIMEOUT`] (a sweeper task per thread, started with its pool, closes them
//! even when no request comes), at most [`MAX_IDLE`] are kept per upstream and thread, and
//! each upstream client ([`PoolOwner`]: one per gateway) has pools of its own, closed once it is
//! gone (after a reload). New connections go through
//! hyper-util's `HttpConnector` (IPv6/IPv4 fallback, connect timeout).
//!
//! A request that could not be written on a pooled connection (the upstream had just closed it)
//! is retried once on a new connection; a request that was written is never retried.

use super::UpstreamError;
use super::client::connector;
use crate::fast_hash::FxHashMap;
use axum::body::Body;
use http::uri::{Authority, PathAndQuery};
use http::{HeaderValue, Request, Response, Uri};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// How long an idle connection is kept.
pub(super) const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// Idle connections kept per upstream authority and thread.
const MAX_IDLE: usize = 128;

/// How often each thread's sweeper closes connections idle for longer than [`IDLE_TIMEOUT`].
const SWEEP_INTERVAL: Duration = Duration::from_secs(15);

/// The pools of one upstream client: their connections are never handed to another client,
/// and are closed by the sweepers once the client is gone.
#[derive(Debug, Clone)]
pub(super) struct PoolOwner(Arc<u64>);

impl PoolOwner {
    /// A new owner with an id no other owner in this process has.
    pub(super) fn new() -> PoolOwner {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        PoolOwner(Arc::new(NEXT.fetch_add(1, Ordering::Relaxed)))
    }
}

/// Idle connections by owner id and upstream authority.
type Pools = FxHashMap<(u64, Authority), Vec<Idle>>;

thread_local! {
    static IDLE: RefCell<Pools> = RefCell::new(Pools::default());
    static SWEEPING: Cell<bool> = const { Cell::new(false) };
}

/// A pooled connection, when it became idle, and whether its owner still exists.
struct Idle {
    sender: SendRequest<Body>,
    since: Instant,
    owner: Weak<u64>,
}

impl Idle {
    /// Whether the connection may still be reused at `now`.
    fn usable(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.since) < IDLE_TIMEOUT
            && self.sender.is_ready()
            && self.owner.strong_count() > 0
    }
}

/// Sends `request` (absolute `http://` URI) over a pooled or new connection; waits at most
/// `response_timeout` for the response head (connecting included) and `connect_timeout` for a
/// new connection.
pub(super) async fn send(
    owner: &PoolOwner,
    request: Request<Body>,
    connect_timeout: Duration,
    response_timeout: Duration,
) -> Result<Response<Incoming>, UpstreamError> {
    let (authority, request) = to_origin_form(request)?;
    let exchange = exchange(owner, authority, request, connect_timeout);
    tokio::time::timeout(response_timeout, exchange)
        .await
        .unwrap_or(Err(UpstreamError::Timeout))
}

/// The request line in origin form (`GET /path?query`), `Host` set to the upstream authority.
fn to_origin_form(mut request: Request<Body>) -> Result<(Authority, Request<Body>), UpstreamError> {
    let uri = std::mem::take(request.uri_mut());
    let parts = uri.into_parts();
    let authority = parts.authority.ok_or(UpstreamError::Unreachable)?;
    // Credentials never reach the upstream's Host (the configuration refuses them anyway).
    if authority.as_str().contains('@') {
        return Err(UpstreamError::Unreachable);
    }
    let host = HeaderValue::from_str(authority.as_str()).map_err(|_| UpstreamError::Unreachable)?;
    let path = parts
        .path_and_query
        .unwrap_or_else(|| PathAndQuery::from_static("/"));
    *request.uri_mut() = Uri::from(path);
    request.headers_mut().insert(http::header::HOST, host);
    Ok((authority, request))
}

/// Sends on a pooled connection; on a new one when none is idle or the pooled one turned out
/// to be closed before the request was written.
async fn exchange(
    owner: &PoolOwner,
    authority: Authority,
    request: Request<Body>,
    connect_timeout: Duration,
) -> Result<Response<Incoming>, UpstreamError> {
    let key = (*owner.0, authority);
    let request = match checkout(&key) {
        Some(mut sender) => match sender.try_send_request(request).await {
            Ok(response) => return Ok(keep(owner, key, sender, response)),
            Err(mut error) => match error.take_message() {
                Some(unsent) => unsent,
                None => return Err(failed(error.error())),
            },
        },
        None => request,
    };
    let mut sender = connect(&key.1, connect_timeout).await?;
    match sender.send_request(request).await {
        Ok(response) => Ok(keep(owner, key, sender, response)),
        Err(error) => Err(failed(&error)),
    }
}

/// Returns the connection to this thread's pool once it can take another request.
fn keep(
    owner: &PoolOwner,
    key: (u64, Authority),
    mut sender: SendRequest<Body>,
    response: Response<Incoming>,
) -> Response<Incoming> {
    let owner = Arc::downgrade(&owner.0);
    tokio::spawn(async move {
        if sender.ready().await.is_ok() {
            give_back(key, owner, sender);
        }
    });
    response
}

/// The most recently used idle connection of `key` (owner, upstream) that is still open.
fn checkout(key: &(u64, Authority)) -> Option<SendRequest<Body>> {
    IDLE.with_borrow_mut(|pools| {
        let idle = pools.get_mut(key)?;
        let now = Instant::now();
        while let Some(entry) = idle.pop() {
            if entry.usable(now) {
                return Some(entry.sender);
            }
        }
        None
    })
}

/// Puts a ready connection back; drops the oldest idle ones past the timeout or the bound.
fn give_back(key: (u64, Authority), owner: Weak<u64>, sender: SendRequest<Body>) {
    let since = Instant::now();
    IDLE.with_borrow_mut(|pools| {
        let idle = pools.entry(key).or_default();
        let stale = idle.iter().take_while(|e| !e.usable(since)).count();
        let over = (idle.len() + 1).saturating_sub(MAX_IDLE);
        idle.drain(..stale.max(over).min(idle.len()));
        idle.push(Idle {
            sender,
            since,
            owner,
        });
    });
    start_sweeper();
}

/// Starts this thread's sweeper once: it closes idle connections past [`IDLE_TIMEOUT`] or of
/// a client that is gone, even when no request comes. (On a multi-threaded runtime the task
/// may run on another thread and sweep that one; the checks at checkout still apply.)
fn start_sweeper() {
    if SWEEPING.replace(true) {
        return;
    }
    tokio::spawn(async {
        let mut ticks = tokio::time::interval(SWEEP_INTERVAL);
        loop {
            ticks.tick().await;
            sweep();
        }
    });
}

/// Drops every idle connection that may not be reused any more, and empty upstreams.
fn sweep() {
    let now = Instant::now();
    IDLE.with_borrow_mut(|pools| {
        pools.retain(|_, idle| {
            idle.retain(|e| e.usable(now));
            !idle.is_empty()
        });
    });
}

/// A new HTTP/1.1 connection through hyper-util's connector (TCP_NODELAY, IPv6/IPv4
/// fallback, `connect_timeout`), its driver spawned on this thread's runtime.
async fn connect(
    authority: &Authority,
    connect_timeout: Duration,
) -> Result<SendRequest<Body>, UpstreamError> {
    let uri = Uri::builder()
        .scheme("http")
        .authority(authority.clone())
        .path_and_query("/")
        .build()
        .map_err(|_| UpstreamError::Unreachable)?;
    let connecting = connector(connect_timeout).oneshot(uri);
    let stream = match tokio::time::timeout(connect_timeout, connecting).await {
        Err(_) => return Err(UpstreamError::Timeout),
        Ok(Err(error)) if super::client::timed_out(&error) => return Err(UpstreamError::Timeout),
        Ok(Err(error)) => {
            let error = super::client::error_chain(&error);
            tracing::warn!(%error, upstream = %authority, "cannot connect to the upstream");
            return Err(UpstreamError::Unreachable);
        }
        Ok(Ok(stream)) => stream,
    };
    let (sender, connection) = http1::handshake(stream).await.map_err(|e| failed(&e))?;
    let upstream = authority.clone();
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(%error, %upstream, "upstream connection ended");
        }
    });
    Ok(sender)
}

/// A request that failed after a connection was established: 502, logged with its causes.
fn failed(error: &hyper::Error) -> UpstreamError {
    tracing::warn!(error = %super::client::error_chain(error), "upstream request failed");
    UpstreamError::Unreachable
}
