//! Configuration reloads (SIGHUP): load, validate and build a new gateway, then swap it in.
//! Any error keeps the running gateway and is logged problem by problem.

use super::tls::{self, TlsError};
use crate::app::{BuildError, Gateway, SharedGateway};
use crate::config::{Config, ConfigErrors};
use axum_server::tls_rustls::RustlsConfig;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::signal::unix::Signal;

/// Why a reload was refused (the running gateway is kept).
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The running configuration was not loaded from a file.
    #[error("the running configuration has no source file to reload")]
    NoSource,
    /// The new file is invalid.
    #[error("invalid configuration:\n{0}")]
    Config(ConfigErrors),
    /// The new TLS certificate or key cannot be used.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The new gateway cannot be built.
    #[error("cannot build the gateway: {0}")]
    Build(#[from] BuildError),
}

/// Loads the configuration at `path`, builds a gateway from it and swaps it into `state`.
/// Requests in flight finish on the gateway they started with. On any error `state` is left
/// untouched. A new `telemetry.log_level` applies to the subscriber installed by
/// [`crate::telemetry::init_logging`]. Settings bound at start (listen addresses, TLS on or
/// off, log format, shutdown grace, the store URL) need a restart: a change to them is logged
/// as a warning and otherwise ignored. The running store is kept (it is opened at start, or at
/// the first reload that turns sign-in on), and so is every issuer's key set whose source is
/// unchanged: an identity provider unreachable during the reload leaves the keys in use.
pub async fn reload(state: &SharedGateway, path: &Path) -> Result<(), ReloadError> {
    reload_with_tls(state, path, None).await
}

/// [`reload`], and when `tls` is given, the certificate and key files are read again (so a
/// renewed certificate is served to new connections).
pub(crate) async fn reload_with_tls(
    state: &SharedGateway,
    path: &Path,
    tls: Option<&RustlsConfig>,
) -> Result<(), ReloadError> {
    let config = Config::load(path).map_err(ReloadError::Config)?;
    warn_restart_needed(&state.load().config, &config);
    let certificate = match (&config.server.tls, tls) {
        (Some(settings), Some(_)) => Some(tls::server_config(settings)?),
        _ => None,
    };
    // The running store is kept (a changed [store] url needs a restart), and so are the
    // running key sets where their source is unchanged.
    let gateway = Gateway::rebuild(config, &state.load_full()).await?;
    super::warn_insecure(&gateway.config);
    if let (Some(certificate), Some(tls)) = (certificate, tls) {
        tls.reload_from_config(certificate);
    }
    let log_level = gateway.config.telemetry.log_level.clone();
    state.store(Arc::new(gateway));
    if let Err(error) = crate::telemetry::set_log_level(&log_level) {
        tracing::warn!(%error, "keeping the previous log level");
    }
    tracing::info!(path = %path.display(), "configuration reloaded");
    Ok(())
}

/// Reloads on every SIGHUP until the signal stream ends.
pub(crate) async fn reload_on_hangup(
    state: SharedGateway,
    source: Option<PathBuf>,
    tls: Option<RustlsConfig>,
    mut hangup: Signal,
) {
    while hangup.recv().await.is_some() {
        tracing::info!("SIGHUP received: reloading the configuration");
        let result = match &source {
            Some(path) => reload_with_tls(&state, path, tls.as_ref()).await,
            None => Err(ReloadError::NoSource),
        };
        if let Err(error) = result {
            log_reload_error(&error);
        }
    }
}

/// Logs every problem of a refused reload, then that the running gateway is kept.
pub(crate) fn log_reload_error(error: &ReloadError) {
    match error {
        ReloadError::Config(errors) => {
            for problem in &errors.0 {
                tracing::error!(path = %problem.path, problem = %problem.message, "configuration problem");
            }
        }
        other => tracing::error!(error = %other, "reload failed"),
    }
    tracing::error!("reload refused: keeping the running configuration");
}

fn warn_restart_needed(running: &Config, new: &Config) {
    let (old, next) = (&running.server, &new.server);
    let changed = [
        ("server.listen", old.listen != next.listen),
        (
            "server.redirect_http_listen",
            old.redirect_http_listen != next.redirect_http_listen,
        ),
        ("server.tls", old.tls.is_some() != next.tls.is_some()),
        (
            "store.url",
            running.sign_in && running.store.url.expose_secret() != new.store.url.expose_secret(),
        ),
        (
            "server.shutdown_grace",
            old.shutdown_grace != next.shutdown_grace,
        ),
        (
            "telemetry.log_format",
            running.telemetry.log_format != new.telemetry.log_format,
        ),
    ];
    for (setting, _) in changed.iter().filter(|(_, changed)| *changed) {
        tracing::warn!(setting, "changed setting takes effect only after a restart");
    }
}
