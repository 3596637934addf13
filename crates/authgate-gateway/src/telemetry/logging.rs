//! The process-wide `tracing` subscriber: JSON (one object per line) or text, filtered by the
//! `[telemetry] log_level` directive.

use crate::config::{LogFormat, TelemetrySettings};
use std::io::IsTerminal;
use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;

/// The log settings cannot be applied.
#[derive(Debug, thiserror::Error)]
#[error("telemetry.log_level: {0}")]
pub struct LoggingError(String);

/// A subscriber for `settings` that writes to `writer`. [`init_logging`] installs one on
/// standard error; tests pass a buffer to inspect what is logged.
pub fn subscriber<W>(
    settings: &TelemetrySettings,
    writer: W,
) -> Result<Box<dyn Subscriber + Send + Sync>, LoggingError>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_new(&settings.log_level).map_err(|e| LoggingError(e.to_string()))?;
    // A log line that cannot be written (a closed pipe) is dropped: the default would print
    // to standard error with `eprintln!`, which panics in the task that logged (and a panic in
    // the shutdown task would keep the process alive after SIGTERM).
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .log_internal_errors(false);
    Ok(match settings.log_format {
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(false)
                .finish(),
        ),
        LogFormat::Text => Box::new(builder.with_ansi(std::io::stderr().is_terminal()).finish()),
    })
}

/// Installs the process-wide subscriber for `settings` (logs go to standard error).
///
/// Idempotent: when a global subscriber is already installed (a second gateway in the same
/// process, a test harness), that one is kept and this returns `Ok`. Fails only on an invalid
/// `log_level` directive.
pub fn init_logging(settings: &TelemetrySettings) -> Result<(), LoggingError> {
    let subscriber = subscriber(settings, std::io::stderr)?;
    if subscriber.try_init().is_err() {
        tracing::debug!("a global subscriber is already installed; keeping it");
    }
    Ok(())
}
