//! Starting listeners: the main listener plain (the gateway's own hyper loop, or axum-server
//! for any other router) or TLS (axum-server with rustls), the redirect listener, each on the
//! serving threads or the calling runtime, all sharing one shutdown control.

use super::plain::{self, Stop};
use super::{REQUEST_HEAD_TIMEOUT, ServeError, redirect, workers};
use crate::service::GatewayMakeService;
use axum::Router;
use axum_server::accept::NoDelayAcceptor;
use axum_server::tls_rustls::RustlsConfig;
use axum_server::{Address, Handle, Server, from_tcp};
use futures_util::future::Either;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// What the main listener serves: any router, or the gateway's own per-connection service
/// ([`GatewayMakeService`], the gateway's router behind it).
#[derive(Clone)]
pub(super) enum App {
    Router(Router),
    Gateway(GatewayMakeService),
}

impl App {
    pub(super) fn into_router(self) -> Router {
        match self {
            App::Router(router) => router,
            App::Gateway(service) => service.into_router(),
        }
    }
}

/// Starts listeners that share one shutdown control.
pub(super) struct Spawner {
    /// Serving threads for the main listener (0: the calling runtime).
    workers: usize,
    pub(super) stop: Stop,
    /// Held by every listener task until it stops.
    running: mpsc::Sender<()>,
    pub(super) servers: Vec<JoinHandle<io::Result<()>>>,
}

impl Spawner {
    pub(super) fn new(workers: usize) -> (Spawner, mpsc::Receiver<()>) {
        let (running, stopped) = mpsc::channel(1);
        (
            Spawner {
                workers,
                stop: Stop::new(),
                running,
                servers: Vec::new(),
            },
            stopped,
        )
    }

    pub(super) fn plain(
        &mut self,
        listener: TcpListener,
        app: App,
    ) -> Result<SocketAddr, ServeError> {
        let listener = listener.into_std()?;
        let addr = listener.local_addr()?;
        for (worker, listener) in self.clones(&listener)?.into_iter().enumerate() {
            let (app, stop) = (app.clone(), self.stop.clone());
            self.spawn_on(worker, move || {
                Ok(match app {
                    App::Router(router) => {
                        // TCP_NODELAY: a response head and body written apart must not wait
                        // for an ACK.
                        let server = from_tcp(listener)?.acceptor(NoDelayAcceptor::new());
                        let server = harden(server.handle(stop.handle));
                        let app = router.into_make_service_with_connect_info::<SocketAddr>();
                        Either::Left(server.serve(app))
                    }
                    App::Gateway(service) => Either::Right(plain::serve(listener, service, stop)),
                })
            })?;
        }
        Ok(addr)
    }

    pub(super) fn tls(
        &mut self,
        listener: TcpListener,
        app: Router,
        config: RustlsConfig,
    ) -> Result<SocketAddr, ServeError> {
        let listener = listener.into_std()?;
        let addr = listener.local_addr()?;
        for (worker, listener) in self.clones(&listener)?.into_iter().enumerate() {
            let (app, handle, config) = (app.clone(), self.stop.handle.clone(), config.clone());
            self.spawn_on(worker, move || {
                let server = axum_server::from_tcp_rustls(listener, config)?.handle(handle);
                let server = harden(server);
                Ok(server.serve(app.into_make_service_with_connect_info::<SocketAddr>()))
            })?;
        }
        Ok(addr)
    }

    pub(super) fn redirect(
        &mut self,
        listener: TcpListener,
        target: redirect::Target,
    ) -> Result<SocketAddr, ServeError> {
        let listener = listener.into_std()?;
        let addr = listener.local_addr()?;
        let control = self.stop.handle.control();
        let server = from_tcp(listener)?.handle(Handle::with_control(control));
        let server = harden(server);
        self.spawn(server.serve(redirect::router(target).into_make_service()));
        Ok(addr)
    }

    /// One handle of the listening socket per serving thread, all made before any thread
    /// starts (a failure leaves nothing running).
    fn clones(&self, listener: &std::net::TcpListener) -> io::Result<Vec<std::net::TcpListener>> {
        (0..self.workers.max(1))
            .map(|_| listener.try_clone())
            .collect()
    }

    /// Serves on serving thread `index` ([`workers`]), or on the calling runtime when
    /// `workers` is 0.
    fn spawn_on<F>(
        &mut self,
        index: usize,
        make: impl FnOnce() -> io::Result<F> + Send + 'static,
    ) -> io::Result<()>
    where
        F: Future<Output = io::Result<()>> + Send + 'static,
    {
        if self.workers == 0 {
            self.spawn(make()?);
            return Ok(());
        }
        let task = workers::spawn(format!("authgate-worker-{index}"), make);
        self.spawn(async move { task.await.unwrap_or_else(|e| Err(io::Error::other(e))) });
        Ok(())
    }

    fn spawn(&mut self, serve: impl Future<Output = io::Result<()>> + Send + 'static) {
        let running = self.running.clone();
        self.servers.push(tokio::spawn(async move {
            let result = serve.await;
            drop(running);
            result
        }));
    }
}

/// Bounds how long a client may take to send a request head ([`REQUEST_HEAD_TIMEOUT`]):
/// axum-server disables hyper's header timeout by default.
fn harden<A: Address, Acc>(mut server: Server<A, Acc>) -> Server<A, Acc> {
    server
        .http_builder()
        .http1()
        .header_read_timeout(REQUEST_HEAD_TIMEOUT);
    server.first_request_timeout(REQUEST_HEAD_TIMEOUT)
}
