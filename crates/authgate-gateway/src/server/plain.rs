//! The gateway's plain-HTTP listener, on hyper's HTTP/1.1 connection directly.
//!
//! axum-server (which still serves TLS, the redirect listener and any router) wraps every
//! connection in services and shutdown watchers it polls on every wake-up and adds an
//! extension to every request; on the proxy path that cost about a tenth of the gateway's
//! instructions per request (BENCHMARKS.md). This loop does what the gateway needs and no
//! more: accept, `TCP_NODELAY`, HTTP/1.1 with upgrades (WebSocket) and
//! [`REQUEST_HEAD_TIMEOUT`] on every request head (the first one included, so a silent
//! connection is closed too), and the graceful shutdown of [`Stop`]. Cleartext HTTP/2 is not
//! offered: plain upstreams are reached over HTTP/1.1, so nothing that needs HTTP/2 end to
//! end could pass through anyway; HTTPS listeners negotiate HTTP/2 by ALPN.

use super::REQUEST_HEAD_TIMEOUT;
use crate::service::{GatewayMakeService, GatewayService};
use axum_server::Handle;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Stops every listener of one [`super::Serving`] gracefully: axum-server's through their
/// shared handle, the plain gateway listeners through a channel carrying the grace period.
#[derive(Clone, Debug)]
pub(super) struct Stop {
    /// axum-server's listeners.
    pub(super) handle: Handle<SocketAddr>,
    /// `None` while serving; the grace period once shutdown began.
    grace: watch::Sender<Option<Duration>>,
}

impl Stop {
    pub(super) fn new() -> Stop {
        Stop {
            handle: Handle::new(),
            grace: watch::Sender::new(None),
        }
    }

    /// Stops accepting; requests in flight may finish within `grace`.
    pub(super) fn graceful_shutdown(&self, grace: Duration) {
        self.handle.graceful_shutdown(Some(grace));
        self.grace.send_replace(Some(grace));
    }

    fn subscribe(&self) -> watch::Receiver<Option<Duration>> {
        self.grace.subscribe()
    }
}

/// Serves the gateway on `listener` until `stop` shuts it down, then waits for the
/// connections in flight for the grace period and drops those still open.
pub(super) async fn serve(
    listener: std::net::TcpListener,
    make: GatewayMakeService,
    stop: Stop,
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let listener = TcpListener::from_std(listener)?;
    let mut stopping = stop.subscribe();
    let mut connections = JoinSet::new();
    // The sender lives as long as `Serving`; should it be gone, nothing can stop this loop.
    let mut stoppable = true;
    let mut last_logged: Option<Instant> = None;
    let grace = loop {
        if let Some(grace) = *stopping.borrow_and_update() {
            break grace;
        }
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let service = make.service_for(peer);
                    connections.spawn(connection(stream, service, stop.subscribe()));
                }
                Err(error) => accept_failed(&error, &mut last_logged).await,
            },
            changed = stopping.changed(), if stoppable => stoppable = changed.is_ok(),
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    };
    drop(listener);
    let drained = async { while connections.join_next().await.is_some() {} };
    // Past the grace period, dropping the set aborts the connections still open.
    let _ = tokio::time::timeout(grace, drained).await;
    Ok(())
}

/// One connection to its end (or until shutdown lets its request in flight finish).
async fn connection(
    stream: TcpStream,
    service: GatewayService,
    mut stopping: watch::Receiver<Option<Duration>>,
) {
    // TCP_NODELAY: a response head and body written apart must not wait for an ACK.
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "cannot set TCP_NODELAY");
    }
    let serving = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(REQUEST_HEAD_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(serving);
    let shutdown = async {
        while stopping.borrow_and_update().is_none() {
            if stopping.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = serving.as_mut() => return,
        () = shutdown => serving.as_mut().graceful_shutdown(),
    }
    // Finishes the request in flight, if any, then closes.
    let _ = serving.await;
}

/// An accept that failed: a connection reset before it was accepted is the client's
/// business; anything else (out of file descriptors) is logged, at most once a second, and
/// retried after a pause instead of spinning.
async fn accept_failed(error: &io::Error, last_logged: &mut Option<Instant>) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    if last_logged.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
        tracing::warn!(%error, "accepting connections fails; retrying");
        *last_logged = Some(Instant::now());
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
}
