//! The floor of a hyper-based HTTP/1.1 proxy, for `bench/gateway-vs-nginx.sh`: the least a
//! proxy built on hyper can do per request. Not a product and not safe to expose: no
//! routing, no authentication, no header hygiene, no timeouts, no metrics, no logs.
//!
//! Same serving model as the gateway (one single-threaded runtime per thread, all accepting
//! from one listening socket); each client connection gets its own upstream connection for
//! its whole life, so there is not even a pool lookup.
//!
//!     bare_hyper_proxy LISTEN UPSTREAM [THREADS]     e.g. 127.0.0.1:18095 127.0.0.1:18090 2

use hyper::body::Incoming;
use hyper::client::conn::http1 as client;
use hyper::server::conn::http1 as server;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;

type Upstream = Arc<Mutex<client::SendRequest<Incoming>>>;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(listen), Some(upstream)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: bare_hyper_proxy LISTEN UPSTREAM [THREADS]");
        std::process::exit(2);
    };
    let listen: SocketAddr = listen.parse().map_err(std::io::Error::other)?;
    let upstream: SocketAddr = upstream.parse().map_err(std::io::Error::other)?;
    let threads: usize = args.get(3).and_then(|t| t.parse().ok()).unwrap_or(2);
    let listener = std::net::TcpListener::bind(listen)?;
    listener.set_nonblocking(true)?;
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let listener = listener.try_clone()?;
            Ok(std::thread::spawn(move || serve_thread(listener, upstream)))
        })
        .collect::<std::io::Result<_>>()?;
    for worker in workers {
        worker
            .join()
            .map_err(|_| std::io::Error::other("thread panicked"))??;
    }
    Ok(())
}

fn serve_thread(listener: std::net::TcpListener, upstream: SocketAddr) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = TcpListener::from_std(listener)?;
        loop {
            let (stream, _) = listener.accept().await?;
            tokio::spawn(serve_connection(stream, upstream));
        }
    })
}

async fn serve_connection(stream: TcpStream, upstream: SocketAddr) {
    let _ = stream.set_nodelay(true);
    let Ok(to_upstream) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = to_upstream.set_nodelay(true);
    let Ok((sender, connection)) = client::handshake(TokioIo::new(to_upstream)).await else {
        return;
    };
    tokio::spawn(connection);
    let sender: Upstream = Arc::new(Mutex::new(sender));
    let service = service_fn(move |request| forward(sender.clone(), request));
    let _ = server::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn forward(
    upstream: Upstream,
    request: Request<Incoming>,
) -> Result<Response<Incoming>, hyper::Error> {
    let response = {
        let mut sender = upstream.lock().await;
        sender.ready().await?;
        sender.send_request(request)
    };
    response.await
}
