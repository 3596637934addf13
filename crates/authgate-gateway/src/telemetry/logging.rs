//! The process-wide `tracing` subscriber: JSON (one object per line) or text, filtered by the
//! `[telemetry] log_level` directive. The filter can be replaced at run time (SIGHUP); the
//! format cannot.

use crate::config::{LogFormat, TelemetrySettings};
use std::io::IsTerminal;
use std::sync::OnceLock;
use tracing::Subscriber;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry, reload};

/// The log settings cannot be applied.
#[derive(Debug, thiserror::Error)]
#[error("telemetry.log_level: {0}")]
pub struct LoggingError(String);

type FilterHandle = reload::Handle<EnvFilter, Registry>;

/// The filter of the subscriber [`init_logging`] installed.
static FILTER: OnceLock<FilterHandle> = OnceLock::new();

/// A subscriber for `settings` that writes to `writer`. [`init_logging`] installs one on
/// standard error; tests pass a buffer to inspect what is logged.
pub fn subscriber<W>(
    settings: &TelemetrySettings,
    writer: W,
) -> Result<Box<dyn Subscriber + Send + Sync>, LoggingError>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    Ok(layered(settings, writer)?.0)
}

fn layered<W>(
    settings: &TelemetrySettings,
    writer: W,
) -> Result<(Box<dyn Subscriber + Send + Sync>, FilterHandle), LoggingError>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let (filter, handle) = reload::Layer::new(env_filter(&settings.log_level)?);
    let registry = Registry::default().with(filter);
    // A log line that cannot be written (a closed pipe) is dropped: the default would print
    // to standard error with `eprintln!`, which panics in the task that logged (and a panic in
    // the shutdown task would keep the process alive after SIGTERM).
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .log_internal_errors(false);
    let subscriber: Box<dyn Subscriber + Send + Sync> = match settings.log_format {
        LogFormat::Json => {
            Box::new(registry.with(fmt.json().flatten_event(true).with_current_span(false)))
        }
        LogFormat::Text => Box::new(registry.with(fmt.with_ansi(std::io::stderr().is_terminal()))),
    };
    Ok((subscriber, handle))
}

fn env_filter(directive: &str) -> Result<EnvFilter, LoggingError> {
    EnvFilter::try_new(directive).map_err(|e| LoggingError(e.to_string()))
}

/// Installs the process-wide subscriber for `settings` (logs go to standard error).
///
/// Idempotent: when a global subscriber is already installed (a second gateway in the same
/// process, a test harness), that one is kept and this returns `Ok`. Fails only on an invalid
/// `log_level` directive.
pub fn init_logging(settings: &TelemetrySettings) -> Result<(), LoggingError> {
    let (subscriber, handle) = layered(settings, std::io::stderr)?;
    if subscriber.try_init().is_ok() {
        let _ = FILTER.set(handle);
    } else {
        tracing::debug!("a global subscriber is already installed; keeping it");
    }
    Ok(())
}

/// Replaces the `log_level` filter of the subscriber installed by [`init_logging`] (a
/// SIGHUP reload). Does nothing when that subscriber is not the one in use.
pub fn set_log_level(directive: &str) -> Result<(), LoggingError> {
    let filter = env_filter(directive)?;
    match FILTER.get() {
        Some(handle) => handle
            .reload(filter)
            .map_err(|e| LoggingError(e.to_string())),
        None => Ok(()),
    }
}
