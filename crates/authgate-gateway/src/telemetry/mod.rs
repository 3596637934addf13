//! Logs (JSON or text through `tracing`), audit events and Prometheus metrics (`authgate_*`).
//!
//! - [`init_logging`] installs the process-wide subscriber from `[telemetry]`.
//! - [`audit`] logs one decision (target `authgate::audit`) and counts it.
//! - [`record_upstream`], [`record_verify_failure`] feed the other series.
//! - [`render_metrics`] / [`render_metrics_with`] produce the `/metrics` text; the JWKS series
//!   are read from the [`authgate::Verifier`] at scrape time.
//!
//! # Security
//! No function here takes a token, cookie or secret: audit events carry the route, the
//! verified subject and client id, the outcome and a reason chosen by the gateway.

mod audit;
mod endpoint;
mod logging;
mod metrics;
mod series;

pub use self::audit::{AuditEvent, Outcome, audit, record_verify_failure, verify_failure_reason};
pub use self::endpoint::{metrics_endpoint, metrics_response};
pub use self::logging::{LoggingError, init_logging, set_log_level, subscriber};
pub use self::metrics::{
    install_metrics, record_upstream, render_metrics, render_metrics_with, run_upkeep,
};
