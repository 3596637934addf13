//! The server: listeners (plain or TLS with HSTS, plus an optional plain-HTTP redirect
//! listener), graceful shutdown on SIGTERM/SIGINT and configuration reload on SIGHUP.
//!
//! [`run`] is what `authgate serve` calls. Tests and embedders use [`serve_on`] with
//! pre-bound listeners and their own shutdown future, and [`reload`] instead of a signal.
//!
//! # Protocols
//! A plain listener serving the gateway speaks HTTP/1.1 (`plain`: hyper directly; WebSocket
//! upgrades pass); a TLS listener negotiates HTTP/2 or HTTP/1.1 by ALPN; [`serve_app`]'s
//! plain listeners also accept cleartext HTTP/2 with prior knowledge.
//!
//! # Shutdown
//! When the shutdown future completes the listeners stop accepting, idle keep-alive
//! connections are closed, and requests in flight may finish for up to
//! `server.shutdown_grace`; connections still open after that are dropped.

mod plain;
mod redirect;
mod reload;
mod spawner;
mod tls;
mod workers;

pub use self::reload::{ReloadError, reload};
pub use self::tls::TlsError;

use self::plain::Stop;
use self::spawner::{App, Spawner};
use crate::app::{BuildError, Gateway, SharedGateway};
use crate::config::{Config, ServerSettings};
use crate::service::GatewayMakeService;
use crate::telemetry::{self, LoggingError};
use axum::Router;
use axum_server::tls_rustls::RustlsConfig;
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, StreamExt};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How often limiter state of quiet client IPs is dropped and histograms are drained.
const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(60);

/// A connection must send its first complete request within this time, and every HTTP/1
/// request head within this time (slowloris).
pub const REQUEST_HEAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The log settings cannot be applied.
    #[error(transparent)]
    Logging(#[from] LoggingError),
    /// A listener cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// The TLS certificate or key cannot be used.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The gateway cannot be built.
    #[error("cannot build the gateway: {0}")]
    Build(#[from] BuildError),
    /// Signal handlers cannot be installed.
    #[error("cannot install signal handlers: {0}")]
    Signals(io::Error),
    /// A listener failed while serving.
    #[error("server error: {0}")]
    Io(#[from] io::Error),
}

/// The bound sockets: the main listener and, with TLS, the plain-HTTP redirect listener.
#[derive(Debug)]
pub struct Listeners {
    /// Serves the gateway (TLS when `server.tls` is set).
    pub main: TcpListener,
    /// Answers every request with a redirect to https (ignored without TLS).
    pub redirect: Option<TcpListener>,
}

impl From<TcpListener> for Listeners {
    fn from(main: TcpListener) -> Self {
        Listeners {
            main,
            redirect: None,
        }
    }
}

impl Listeners {
    /// Binds `server.listen` and, with TLS, `server.redirect_http_listen`.
    pub async fn bind(server: &ServerSettings) -> Result<Listeners, ServeError> {
        let main = bind(server.listen).await?;
        let redirect = match (server.redirect_http_listen, &server.tls) {
            (Some(addr), Some(_)) => Some(bind(addr).await?),
            _ => None,
        };
        Ok(Listeners { main, redirect })
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, ServeError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })
}

/// Running listeners, returned by [`serve_on`] and [`serve_app`].
#[derive(Debug)]
pub struct Serving {
    local_addr: SocketAddr,
    redirect_addr: Option<SocketAddr>,
    tls: Option<RustlsConfig>,
    servers: Vec<JoinHandle<io::Result<()>>>,
    background: Vec<JoinHandle<()>>,
    /// The listeners' shutdown control, for [`Serving::wait`] when one of them fails.
    stop: Stop,
    grace: Duration,
}

impl Serving {
    /// The main listener's address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The redirect listener's address, when one runs.
    pub fn redirect_addr(&self) -> Option<SocketAddr> {
        self.redirect_addr
    }

    /// Whether the main listener serves TLS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Waits until every listener has stopped (after the shutdown future completed and
    /// in-flight requests finished or the grace period ran out). A listener or serving thread
    /// that fails (or panics) stops the others the same graceful way, and the error is
    /// returned: a process serving with part of its threads gone is not left running.
    pub async fn wait(self) -> Result<(), ServeError> {
        let mut running: FuturesUnordered<_> = self.servers.into_iter().collect();
        let mut result = Ok(());
        while let Some(outcome) = running.next().await {
            if let Err(error) = outcome.unwrap_or_else(|e| Err(io::Error::other(e))) {
                tracing::error!(%error, "listener failed: stopping the others");
                self.stop.graceful_shutdown(self.grace);
                result = Err(ServeError::Io(error));
            }
        }
        for task in self.background {
            task.abort();
        }
        result
    }
}

/// Runs the gateway for `config` until SIGTERM or SIGINT: logging, warnings for every
/// `insecure_*` setting, listeners, the gateway, and reloads on SIGHUP.
pub async fn run(config: Config) -> Result<(), ServeError> {
    telemetry::init_logging(&config.telemetry)?;
    telemetry::install_metrics();
    warn_insecure(&config);
    let terminate = terminate_signal()?;
    let hangup = signal(SignalKind::hangup()).map_err(ServeError::Signals)?;
    let listeners = Listeners::bind(&config.server).await?;
    let source = config.source.clone();
    let state = Gateway::build(config).await?.shared();
    let serving = serve_on(listeners, Arc::clone(&state), terminate).await?;
    tracing::info!(addr = %serving.local_addr, tls = serving.is_tls(), "authgate listening");
    let reloader = tokio::spawn(reload::reload_on_hangup(
        state,
        source,
        serving.tls.clone(),
        hangup,
    ));
    let result = serving.wait().await;
    reloader.abort();
    tracing::info!("authgate stopped");
    result
}

/// Logs a warning for each `insecure_*` setting in effect.
pub fn warn_insecure(config: &Config) {
    for setting in &config.insecure {
        tracing::warn!(setting = %setting, "insecure setting in effect: never use it in production");
    }
}

/// Completes on the first SIGTERM or SIGINT. Installed before serving, so an early signal
/// is not lost to the default handler.
fn terminate_signal() -> Result<impl Future<Output = ()> + Send + 'static, ServeError> {
    let mut terminate = signal(SignalKind::terminate()).map_err(ServeError::Signals)?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(ServeError::Signals)?;
    Ok(async move {
        let name = tokio::select! {
            _ = terminate.recv() => "SIGTERM",
            _ = interrupt.recv() => "SIGINT",
        };
        tracing::info!(signal = name, "shutting down");
    })
}

/// Serves `state` on `listeners` until `shutdown` completes, with the server settings of the
/// gateway in `state` at this moment: plain HTTP through the per-connection
/// [`GatewayMakeService`] (the proxy path directly, the gateway's own endpoints through
/// [`crate::app::router`]), TLS through the router with HSTS. Also runs
/// the periodic maintenance (rate-limiter cleanup, histogram upkeep) of whichever gateway is
/// current.
pub async fn serve_on(
    listeners: impl Into<Listeners>,
    state: SharedGateway,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<Serving, ServeError> {
    let settings = state.load().config.server.clone();
    let app = App::Gateway(GatewayMakeService::new(Arc::clone(&state)));
    let mut serving = serve_with(listeners.into(), app, &settings, shutdown)?;
    serving.background.push(tokio::spawn(maintenance(state)));
    Ok(serving)
}

async fn maintenance(state: SharedGateway) {
    let mut ticks = tokio::time::interval(MAINTENANCE_INTERVAL);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        state.load().limiters.retain_recent();
        telemetry::run_upkeep();
    }
}

/// Serves any `app` on `listeners` with `settings` (TLS and HSTS, redirect listener,
/// shutdown grace) until `shutdown` completes. The app is served with
/// `ConnectInfo<SocketAddr>`.
pub fn serve_app(
    listeners: Listeners,
    app: Router,
    settings: &ServerSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<Serving, ServeError> {
    serve_with(listeners, App::Router(app), settings, shutdown)
}

fn serve_with(
    listeners: Listeners,
    app: App,
    settings: &ServerSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<Serving, ServeError> {
    let tls = match &settings.tls {
        Some(tls_settings) => Some(RustlsConfig::from_config(tls::server_config(tls_settings)?)),
        None => None,
    };
    let (mut spawner, stopped) = Spawner::new(settings.workers);
    let local_addr = match (&tls, &settings.tls) {
        (Some(config), Some(tls_settings)) => {
            let app = tls::with_hsts(app.into_router(), tls_settings.hsts_max_age);
            spawner.tls(listeners.main, app, config.clone())?
        }
        _ => spawner.plain(listeners.main, app)?,
    };
    let redirect_addr = match (listeners.redirect, &tls) {
        (Some(listener), Some(_)) => {
            let target = redirect::Target::new(settings.public_url.as_ref(), local_addr.port());
            Some(spawner.redirect(listener, target)?)
        }
        _ => None,
    };
    let Spawner { stop, servers, .. } = spawner;
    let grace = settings.shutdown_grace;
    let background = vec![tokio::spawn(shut_down_when(
        shutdown,
        stop.clone(),
        grace,
        stopped,
    ))];
    Ok(Serving {
        local_addr,
        redirect_addr,
        tls,
        servers,
        background,
        stop,
        grace,
    })
}

/// Starts the graceful shutdown of every listener sharing `stop` once `shutdown`
/// completes. The request is repeated until they have all stopped: a listener that had not
/// started waiting for it yet would otherwise miss it.
async fn shut_down_when(
    shutdown: impl Future<Output = ()>,
    stop: Stop,
    grace: Duration,
    mut stopped: mpsc::Receiver<()>,
) {
    // A shutdown future that panics still shuts down (and never leaves the process running).
    let _ = AssertUnwindSafe(shutdown).catch_unwind().await;
    tracing::info!(grace = ?grace, "no longer accepting connections; waiting for requests in flight");
    loop {
        stop.graceful_shutdown(grace);
        if tokio::time::timeout(Duration::from_millis(100), stopped.recv())
            .await
            .is_ok()
        {
            return;
        }
    }
}
