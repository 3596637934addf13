//! Per-thread HTTP/1.1 keep-alive connections to plain `http://` upstreams.
//!
//! The gateway serves on single-threaded worker runtimes (see `crate::server`), so a pool per
//! thread needs no locks and a request and its upstream connection's driver task run on one
//! thread: no cross-thread wake-ups, which is where a shared pool spent most of its time
//! (BENCHMARKS.md). On a multi-threaded runtime the pools still work; a connection simply
//! joins the pool of whichever thread received its response.
//!
//! A connection goes back to its pool as soon as the response head arrives, but is taken out
//! again only once hyper reports it ready for another request (the response body was read to
//! the end and the upstream kept it open); until then it is busy and skipped, and once busy
//! for over a second (a long download, a stream of events) it waits off the pool, in a task
//! of its own, and comes back when its response ends. Closed
//! connections are dropped when met; idle ones after [`IDLE_TIMEOUT`] (a sweeper task per
//! thread, started with its pool, closes them even when no request comes); at most
//! [`MAX_IDLE`] idle ones are kept per upstream and thread (busy ones are never dropped: each
//! carries a response to a client); and each upstream client ([`PoolOwner`]: one per gateway)
//! has pools of its own, closed once it is gone (after a reload). New connections go through
//! hyper-util's `HttpConnector` (IPv6/IPv4 fallback, connect timeout).
//!
//! A request that could not be written on a pooled connection (the upstream had just closed it)
//! is retried once on a new connection; a request that was written is never retried.

use super::UpstreamError;
use super::client::connector;
use super::target::UpstreamTarget;
use crate::fast_hash::FxHashMap;
use axum::body::Body;
use http::uri::Authority;
use http::{Request, Response, Uri};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// How long an idle connection is kept.
pub(super) const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// Idle connections kept per upstream and thread.
const MAX_IDLE: usize = 128;

/// A pooled connection still busy this long after its response head is moved out of the way
/// ([`park`]).
const BUSY_PARK_AFTER: Duration = Duration::from_secs(1);

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

/// Pooled connections by [`Key`].
type Pools = FxHashMap<Key, Vec<Pooled>>;

/// The owner's id and the upstream's [`UpstreamTarget::pool_id`]: two integers, so a lookup
/// neither hashes nor compares the authority.
type Key = (u64, u64);

thread_local! {
    static IDLE: RefCell<Pools> = RefCell::new(Pools::default());
    static SWEEPING: Cell<bool> = const { Cell::new(false) };
}

/// A pooled connection (idle, or still reading its last response), when it was last handed
/// back, and whether its owner still exists.
struct Pooled {
    sender: SendRequest<Body>,
    since: Instant,
    owner: Weak<u64>,
}

impl Pooled {
    /// Whether the connection may never be used again at `now`: closed, its client gone, or
    /// idle (ready, not busy) and handed back longer than [`IDLE_TIMEOUT`] ago. A busy one is
    /// never spent by age: dropping it mid-response gains nothing.
    fn spent(&self, now: Instant) -> bool {
        self.sender.is_closed()
            || self.owner.strong_count() == 0
            || (now.saturating_duration_since(self.since) >= IDLE_TIMEOUT && self.sender.is_ready())
    }
}

/// Sends `request` (origin-form URI) to `target`, an `http://` upstream, over a pooled or new
/// connection; gives up when `response_timeout` passes without progress (connecting, each
/// chunk of the request body, the response head; [`super::upload`]) and waits at most
/// `connect_timeout` for a new connection.
pub(super) async fn send(
    owner: &PoolOwner,
    target: &UpstreamTarget,
    mut request: Request<Body>,
    connect_timeout: Duration,
    response_timeout: Duration,
) -> Result<Response<Incoming>, UpstreamError> {
    request
        .headers_mut()
        .insert(http::header::HOST, target.host().clone());
    let (request, sent) = super::upload::watch(request, response_timeout);
    let exchange = exchange(owner, target, request, connect_timeout);
    super::upload::within(exchange, sent, response_timeout).await
}

/// Sends on a pooled connection; on a new one when none is idle or the pooled one turned out
/// to be closed before the request was written.
async fn exchange(
    owner: &PoolOwner,
    target: &UpstreamTarget,
    request: Request<Body>,
    connect_timeout: Duration,
) -> Result<Response<Incoming>, UpstreamError> {
    let key = (*owner.0, target.pool_id());
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
    let mut sender = connect(target.authority(), connect_timeout).await?;
    match sender.send_request(request).await {
        Ok(response) => Ok(keep(owner, key, sender, response)),
        Err(error) => Err(failed(&error)),
    }
}

/// Returns the connection to this thread's pool at once, while its response is still being
/// read: [`checkout`] takes it again only once hyper reports it ready for another request.
/// (Waiting for that in a task of its own cost a spawn per request.)
fn keep(
    owner: &PoolOwner,
    key: Key,
    sender: SendRequest<Body>,
    response: Response<Incoming>,
) -> Response<Incoming> {
    give_back(key, Arc::downgrade(&owner.0), sender);
    response
}

/// The most recently used connection of `key` (owner, upstream) that can take a request now,
/// searched from the most recent: spent ones met on the way go, busy ones stay — unless busy
/// for longer than [`BUSY_PARK_AFTER`] (a long download, a stream of events), which wait for
/// the end of their response off the pool ([`park`]). So the search only ever passes the
/// responses of the last moment, however many long ones are open.
fn checkout(key: &Key) -> Option<SendRequest<Body>> {
    IDLE.with_borrow_mut(|pools| {
        let pooled = pools.get_mut(key)?;
        let now = Instant::now();
        let mut at = pooled.len();
        while let Some(before) = at.checked_sub(1) {
            at = before;
            let Some(entry) = pooled.get(at) else { break };
            if entry.spent(now) {
                pooled.remove(at);
            } else if entry.sender.is_ready() {
                return Some(pooled.remove(at).sender);
            } else if now.saturating_duration_since(entry.since) >= BUSY_PARK_AFTER {
                park(*key, pooled.remove(at));
            }
        }
        None
    })
}

/// Waits, in a task of its own, until a connection's response has ended, then puts it back.
fn park(key: Key, entry: Pooled) {
    let Pooled {
        mut sender, owner, ..
    } = entry;
    tokio::spawn(async move {
        if sender.ready().await.is_ok() {
            give_back(key, owner, sender);
        }
    });
}

/// Puts a connection back (on top: the next to be tried). A full pool first loses its spent
/// connections and its long busy ones (parked), then its oldest idle ones; busy ones are never
/// dropped (each is carrying a response to a client).
fn give_back(key: Key, owner: Weak<u64>, sender: SendRequest<Body>) {
    let since = Instant::now();
    IDLE.with_borrow_mut(|pools| {
        let pooled = pools.entry(key).or_default();
        if pooled.len() >= MAX_IDLE {
            trim(key, pooled, since);
        }
        pooled.push(Pooled {
            sender,
            since,
            owner,
        });
    });
    start_sweeper();
}

/// Makes room for one more in a full pool: drops the spent connections and parks the long
/// busy ones (as [`checkout`] does), then drops as many of the oldest idle ones as needed.
fn trim(key: Key, pooled: &mut Vec<Pooled>, now: Instant) {
    let (keep, long_busy): (Vec<Pooled>, Vec<Pooled>) = std::mem::take(pooled)
        .into_iter()
        .filter(|entry| !entry.spent(now))
        .partition(|entry| {
            entry.sender.is_ready() || now.saturating_duration_since(entry.since) < BUSY_PARK_AFTER
        });
    *pooled = keep;
    for entry in long_busy {
        park(key, entry);
    }
    let mut over = (pooled.len() + 1).saturating_sub(MAX_IDLE);
    pooled.retain(|entry| {
        let drop = over > 0 && entry.sender.is_ready();
        over -= usize::from(drop);
        !drop
    });
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
        pools.retain(|_, pooled| {
            pooled.retain(|e| !e.spent(now));
            !pooled.is_empty()
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
    if super::client::timed_out(error) {
        return UpstreamError::Timeout;
    }
    tracing::warn!(error = %super::client::error_chain(error), "upstream request failed");
    UpstreamError::Unreachable
}
