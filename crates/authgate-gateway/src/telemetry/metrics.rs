//! The Prometheus recorder (installed once per process) and the `/metrics` text.
//!
//! Counters and histograms go through the `metrics` facade into one global
//! `metrics-exporter-prometheus` recorder. The JWKS series are not recorded as events: they
//! are read from [`Verifier::key_status`] when the text is rendered, so a reload that replaces
//! the verifier never leaves series of removed issuers behind.

use authgate::{KeySetStatus, Verifier};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::fmt::Write as _;
use std::sync::OnceLock;
use std::time::Duration;

pub(super) const REQUESTS: &str = "authgate_requests_total";
pub(super) const VERIFICATION_FAILURES: &str = "authgate_verification_failures_total";
const UPSTREAM_DURATION: &str = "authgate_upstream_duration_seconds";
const UPSTREAM_RESPONSES: &str = "authgate_upstream_responses_total";

/// Upstream latency buckets, in seconds: 1 ms to 60 s.
const UPSTREAM_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// The process-wide recorder handle; `None` when another global recorder was installed first.
static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the Prometheus recorder as the global `metrics` recorder, once per process.
/// Every recording function calls it, so calling it explicitly is only needed to make the
/// series descriptions appear before the first event. Later calls do nothing.
pub fn install_metrics() {
    handle();
}

fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE.get_or_init(install).as_ref()
}

fn install() -> Option<PrometheusHandle> {
    let installed = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(UPSTREAM_DURATION.to_owned()),
            UPSTREAM_BUCKETS,
        )
        .and_then(PrometheusBuilder::install_recorder);
    match installed {
        Ok(handle) => {
            describe();
            Some(handle)
        }
        Err(error) => {
            tracing::error!(%error, "cannot install the Prometheus recorder; /metrics will be empty");
            None
        }
    }
}

fn describe() {
    metrics::describe_counter!(
        REQUESTS,
        "Requests by route and outcome (one per audit event)."
    );
    metrics::describe_counter!(
        VERIFICATION_FAILURES,
        "Rejected bearer tokens by the verification step that failed."
    );
    metrics::describe_histogram!(
        UPSTREAM_DURATION,
        metrics::Unit::Seconds,
        "Time from sending a request upstream to its response head, by route."
    );
    metrics::describe_counter!(
        UPSTREAM_RESPONSES,
        "Upstream responses by route and status class."
    );
}

/// Records the time to the upstream's response head in
/// `authgate_upstream_duration_seconds{route}` (a histogram with buckets from 1 ms to 60 s)
/// and counts the response in `authgate_upstream_responses_total{route,class}` (`2xx`...).
pub fn record_upstream(route: &str, status: u16, elapsed: Duration) {
    install_metrics();
    super::series::observe(UPSTREAM_DURATION, route, elapsed.as_secs_f64());
    super::series::count(UPSTREAM_RESPONSES, route, "class", status_class(status));
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        500..=599 => "5xx",
        _ => "other",
    }
}

/// Drains histogram samples into their buckets. Rendering does this too; the server calls it
/// periodically so memory stays flat when nothing scrapes.
pub fn run_upkeep() {
    if let Some(handle) = handle() {
        handle.run_upkeep();
    }
}

/// The Prometheus text of every recorded `authgate_*` series (no JWKS series: see
/// [`render_metrics_with`]).
pub fn render_metrics() -> String {
    handle().map(PrometheusHandle::render).unwrap_or_default()
}

/// [`render_metrics`] followed by the key-set series of `verifier`:
/// `authgate_jwks_fetches_total`, `authgate_jwks_fetch_failures_total`,
/// `authgate_jwks_forced_refreshes_total`, `authgate_jwks_key_set_age_seconds`,
/// `authgate_jwks_stale`, `authgate_jwks_ready` and `authgate_jwks_keys`, each labelled with
/// `provider` and `issuer`. The counters restart from zero when a reload builds a new verifier.
pub fn render_metrics_with(verifier: &Verifier) -> String {
    let mut text = render_metrics();
    render_key_sets(&mut text, &verifier.key_status());
    text
}

/// One JWKS series: name, type, help, and the value of one key set (`None`: no sample).
struct KeySetSeries {
    name: &'static str,
    kind: &'static str,
    help: &'static str,
    value: fn(&KeySetStatus) -> Option<f64>,
}

const KEY_SET_SERIES: &[KeySetSeries] = &[
    KeySetSeries {
        name: "authgate_jwks_fetches_total",
        kind: "counter",
        help: "Key-set fetches completed (successful or not) since the verifier was built.",
        value: |s| Some(s.fetches as f64),
    },
    KeySetSeries {
        name: "authgate_jwks_fetch_failures_total",
        kind: "counter",
        help: "Failed key-set fetches since the verifier was built.",
        value: |s| Some(s.fetch_failures as f64),
    },
    KeySetSeries {
        name: "authgate_jwks_forced_refreshes_total",
        kind: "counter",
        help: "Key-set fetches forced by an unknown kid since the verifier was built.",
        value: |s| Some(s.forced_refreshes as f64),
    },
    KeySetSeries {
        name: "authgate_jwks_key_set_age_seconds",
        kind: "gauge",
        help: "Seconds since the key set was last fetched successfully.",
        value: |s| s.age.map(|a| a.as_secs_f64()),
    },
    KeySetSeries {
        name: "authgate_jwks_stale",
        kind: "gauge",
        help: "1 when the key set is older than its refresh interval (refreshes are failing).",
        value: |s| Some(f64::from(u8::from(s.stale))),
    },
    KeySetSeries {
        name: "authgate_jwks_ready",
        kind: "gauge",
        help: "1 when tokens of this issuer can be verified now.",
        value: |s| Some(f64::from(u8::from(s.ready))),
    },
    KeySetSeries {
        name: "authgate_jwks_keys",
        kind: "gauge",
        help: "Usable keys in the key set.",
        value: |s| Some(s.keys as f64),
    },
];

fn render_key_sets(out: &mut String, sets: &[KeySetStatus]) {
    if sets.is_empty() {
        return;
    }
    for series in KEY_SET_SERIES {
        let _ = writeln!(out, "# HELP {} {}", series.name, series.help);
        let _ = writeln!(out, "# TYPE {} {}", series.name, series.kind);
        for set in sets {
            if let Some(value) = (series.value)(set) {
                let provider = escape_label(&set.provider);
                let issuer = escape_label(&set.issuer);
                let _ = writeln!(
                    out,
                    "{}{{provider=\"{provider}\",issuer=\"{issuer}\"}} {value}",
                    series.name
                );
            }
        }
        out.push('\n');
    }
}

/// Escapes a label value for the Prometheus text format (backslash, quote, newline).
fn escape_label(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn key_set_series_carry_provider_and_issuer() {
        let status = KeySetStatus {
            provider: "entra".into(),
            issuer: "https://login.microsoftonline.com/{tenantid}/v2.0".into(),
            ready: true,
            age: Some(Duration::from_secs(12)),
            stale: false,
            keys: 2,
            last_error: None,
            fetches: 3,
            fetch_failures: 1,
            forced_refreshes: 0,
        };
        let mut out = String::new();
        render_key_sets(&mut out, &[status]);
        let labels =
            "{provider=\"entra\",issuer=\"https://login.microsoftonline.com/{tenantid}/v2.0\"}";
        assert!(
            out.contains(&format!("authgate_jwks_fetches_total{labels} 3\n")),
            "{out}"
        );
        assert!(out.contains(&format!("authgate_jwks_fetch_failures_total{labels} 1\n")));
        assert!(out.contains(&format!("authgate_jwks_key_set_age_seconds{labels} 12\n")));
        assert!(out.contains(&format!("authgate_jwks_stale{labels} 0\n")));
        assert!(out.contains("# TYPE authgate_jwks_fetches_total counter\n"));
    }

    #[test]
    fn status_classes() {
        assert_eq!(status_class(204), "2xx");
        assert_eq!(status_class(504), "5xx");
        assert_eq!(status_class(42), "other");
    }
}
