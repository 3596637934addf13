//! A reference point for the gateway's proxy hop (BENCHMARKS.md): the least a hyper proxy
//! can do with the gateway's threading and pooling, and nothing else. One single-threaded
//! runtime per serving thread accepting from the shared socket, and a per-thread pool of
//! HTTP/1.1 upstream connections whose drivers run on the same thread; no routing, header
//! hygiene, authentication, metrics or audit. Not a product: errors answer 502, and the
//! `Host` header is passed through unchanged.
//!
//! ```text
//! cargo run --release -p authgate-gateway --example minimal-proxy -- 127.0.0.1:18196 127.0.0.1:18190 2
//! ```
//!
//! Arguments: listen address, upstream address, serving threads (default 2).

use anyhow::Context;
use axum::body::Body;
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::server::conn::http1 as server;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::cell::RefCell;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::rc::Rc;
use tokio::net::{TcpListener, TcpStream};

/// Idle upstream connections of one serving thread.
type Pool = Rc<RefCell<Vec<SendRequest<Incoming>>>>;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let listen: SocketAddr = args.next().context("listen address")?.parse()?;
    let upstream: SocketAddr = args.next().context("upstream address")?.parse()?;
    let threads: usize = args.next().map_or(Ok(2), |n| n.parse())?;
    let listener = std::net::TcpListener::bind(listen)?;
    listener.set_nonblocking(true)?;
    let serving: Vec<_> = (0..threads)
        .map(|_| {
            let listener = listener.try_clone()?;
            Ok(std::thread::spawn(move || serve_thread(listener, upstream)))
        })
        .collect::<std::io::Result<_>>()?;
    for thread in serving {
        thread
            .join()
            .map_err(|_| anyhow::anyhow!("serving thread panicked"))??;
    }
    Ok(())
}

/// One serving thread: accepts and serves connections until the process ends.
fn serve_thread(listener: std::net::TcpListener, upstream: SocketAddr) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async move {
        let listener = TcpListener::from_std(listener)?;
        let pool = Pool::default();
        loop {
            let (stream, _) = listener.accept().await?;
            stream.set_nodelay(true)?;
            let pool = pool.clone();
            let service = service_fn(move |request| proxy(pool.clone(), upstream, request));
            tokio::task::spawn_local(async move {
                let io = TokioIo::new(stream);
                let _ = server::Builder::new().serve_connection(io, service).await;
            });
        }
    })
}

/// Sends `request` upstream on a pooled connection and returns the connection to the pool
/// once hyper says it can take another request.
async fn proxy(
    pool: Pool,
    upstream: SocketAddr,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Body>, Infallible> {
    let Ok(mut sender) = checkout(&pool, upstream).await else {
        return Ok(bad_gateway());
    };
    let response = sender.send_request(request).await;
    tokio::task::spawn_local(async move {
        if sender.ready().await.is_ok() {
            pool.borrow_mut().push(sender);
        }
    });
    Ok(response.map_or_else(|_| bad_gateway(), |r| r.map(Body::new)))
}

/// An idle connection that is still open, or a new one.
async fn checkout(pool: &Pool, upstream: SocketAddr) -> anyhow::Result<SendRequest<Incoming>> {
    loop {
        let idle = pool.borrow_mut().pop();
        match idle {
            Some(sender) if sender.is_ready() => return Ok(sender),
            Some(_) => continue,
            None => break,
        }
    }
    let stream = TcpStream::connect(upstream).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::task::spawn_local(connection);
    Ok(sender)
}

fn bad_gateway() -> hyper::Response<Body> {
    let mut response = hyper::Response::new(Body::empty());
    *response.status_mut() = hyper::StatusCode::BAD_GATEWAY;
    response
}
