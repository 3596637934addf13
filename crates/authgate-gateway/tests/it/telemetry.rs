//! Audit events, metrics text and log output.

use authgate::VerifyErrorKind;
use authgate_gateway::config::{LogFormat, TelemetrySettings};
use authgate_gateway::telemetry::{
    self, AuditEvent, Outcome, init_logging, record_upstream, record_verify_failure, render_metrics,
};
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing_subscriber::fmt::MakeWriter;

/// A `MakeWriter` that keeps everything written, to inspect log output.
#[derive(Clone, Default)]
pub(crate) struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }

    /// Every line parsed as JSON.
    pub(crate) fn json_lines(&self) -> Vec<serde_json::Value> {
        self.text()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

pub(crate) fn settings(log_format: LogFormat, log_level: &str) -> TelemetrySettings {
    TelemetrySettings {
        log_format,
        log_level: log_level.to_owned(),
        metrics: true,
    }
}

/// Installs a capturing subscriber for the current thread (use a current-thread runtime so
/// every task of the test logs through it).
pub(crate) fn capture(
    format: LogFormat,
    level: &str,
) -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let subscriber = telemetry::subscriber(&settings(format, level), captured.clone()).unwrap();
    let guard = tracing::subscriber::set_default(subscriber);
    (captured, guard)
}

/// The value of the series line that starts with `series` (name and labels), if present.
pub(crate) fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

#[test]
fn audit_event_is_json_with_every_field() {
    let (captured, _guard) = capture(LogFormat::Json, "info");
    telemetry::audit(&AuditEvent {
        route: "orders",
        subject: Some("user-1"),
        client: Some("app-1"),
        client_ip: std::net::IpAddr::from([192, 0, 2, 7]),
        outcome: Outcome::Forbidden,
        reason: "insufficient_scope",
    });
    let lines = captured.json_lines();
    assert_eq!(lines.len(), 1, "{}", captured.text());
    let event = &lines[0];
    assert_eq!(event["target"], "authgate::audit");
    assert_eq!(event["level"], "INFO");
    assert_eq!(event["route"], "orders");
    assert_eq!(event["subject"], "user-1");
    assert_eq!(event["client"], "app-1");
    assert_eq!(event["client_ip"], "192.0.2.7");
    assert_eq!(event["outcome"], "forbidden");
    assert_eq!(event["reason"], "insufficient_scope");
}

#[test]
fn audit_event_without_identity_omits_subject_and_client() {
    let (captured, _guard) = capture(LogFormat::Json, "info");
    telemetry::audit(&AuditEvent {
        route: "public",
        subject: None,
        client: None,
        client_ip: std::net::IpAddr::from([192, 0, 2, 7]),
        outcome: Outcome::Unauthenticated,
        reason: "missing_credentials",
    });
    let event = &captured.json_lines()[0];
    assert!(
        event.get("subject").is_none() && event.get("client").is_none(),
        "{event}"
    );
    assert_eq!(event["outcome"], "unauthenticated");
}

#[test]
fn jwt_a24_control_characters_in_logged_values_are_escaped() {
    let (captured, _guard) = capture(LogFormat::Text, "info");
    telemetry::audit(&AuditEvent {
        route: "r",
        subject: Some("evil\r\nINFO forged line"),
        client: None,
        client_ip: std::net::IpAddr::from([192, 0, 2, 7]),
        outcome: Outcome::Allowed,
        reason: "ok",
    });
    assert_eq!(captured.text().lines().count(), 1, "{}", captured.text());
    let (captured, _guard) = capture(LogFormat::Json, "info");
    telemetry::audit(&AuditEvent {
        route: "r",
        subject: Some("evil\r\n{\"forged\":1}"),
        client: None,
        client_ip: std::net::IpAddr::from([192, 0, 2, 7]),
        outcome: Outcome::Allowed,
        reason: "ok",
    });
    assert_eq!(
        captured.json_lines()[0]["subject"],
        "evil\r\n{\"forged\":1}"
    );
}

#[test]
fn log_level_filters_audit_events() {
    let (captured, _guard) = capture(LogFormat::Json, "warn");
    telemetry::audit(&AuditEvent {
        route: "r",
        subject: None,
        client: None,
        client_ip: std::net::IpAddr::from([192, 0, 2, 7]),
        outcome: Outcome::Allowed,
        reason: "ok",
    });
    assert_eq!(captured.text(), "");
    let (captured, _guard) = capture(LogFormat::Json, "warn,authgate::audit=info");
    telemetry::audit(&AuditEvent {
        route: "r",
        subject: None,
        client: None,
        client_ip: std::net::IpAddr::from([192, 0, 2, 7]),
        outcome: Outcome::Allowed,
        reason: "ok",
    });
    assert_eq!(captured.json_lines().len(), 1);
}

#[test]
fn invalid_log_level_is_an_error_and_init_is_idempotent() {
    let error = init_logging(&settings(LogFormat::Json, "info,=[")).unwrap_err();
    assert!(
        error.to_string().starts_with("telemetry.log_level"),
        "{error}"
    );
    init_logging(&settings(LogFormat::Json, "off")).unwrap();
    init_logging(&settings(LogFormat::Text, "off")).unwrap();
}

#[test]
fn audit_counts_requests_by_route_and_outcome() {
    for outcome in [Outcome::Allowed, Outcome::Allowed, Outcome::RateLimited] {
        telemetry::audit(&AuditEvent {
            route: "t-audit-count",
            subject: None,
            client: None,
            client_ip: std::net::IpAddr::from([192, 0, 2, 7]),
            outcome,
            reason: "ok",
        });
    }
    let text = render_metrics();
    let allowed = "authgate_requests_total{route=\"t-audit-count\",outcome=\"allowed\"}";
    let limited = "authgate_requests_total{route=\"t-audit-count\",outcome=\"rate_limited\"}";
    assert_eq!(sample(&text, allowed), Some(2.0), "{text}");
    assert_eq!(sample(&text, limited), Some(1.0));
    assert!(text.contains("# TYPE authgate_requests_total counter"));
}

#[test]
fn upstream_latency_is_a_histogram_with_buckets() {
    record_upstream("t-upstream", 200, Duration::from_millis(3));
    record_upstream("t-upstream", 502, Duration::from_millis(700));
    let text = render_metrics();
    let bucket = |le: &str| {
        format!("authgate_upstream_duration_seconds_bucket{{route=\"t-upstream\",le=\"{le}\"}}")
    };
    assert_eq!(sample(&text, &bucket("0.0025")), Some(0.0), "{text}");
    assert_eq!(sample(&text, &bucket("0.005")), Some(1.0));
    assert_eq!(sample(&text, &bucket("1")), Some(2.0));
    assert_eq!(sample(&text, &bucket("+Inf")), Some(2.0));
    assert_eq!(
        sample(
            &text,
            "authgate_upstream_duration_seconds_count{route=\"t-upstream\"}"
        ),
        Some(2.0)
    );
    assert!(text.contains("# TYPE authgate_upstream_duration_seconds histogram"));
    let class = |c: &str| {
        format!("authgate_upstream_responses_total{{route=\"t-upstream\",class=\"{c}\"}}")
    };
    assert_eq!(sample(&text, &class("2xx")), Some(1.0));
    assert_eq!(sample(&text, &class("5xx")), Some(1.0));
}

#[test]
fn verification_failures_are_counted_by_reason() {
    let series = "authgate_verification_failures_total{reason=\"not_yet_valid\"}";
    let before = sample(&render_metrics(), series).unwrap_or(0.0);
    record_verify_failure(VerifyErrorKind::NotYetValid);
    record_verify_failure(VerifyErrorKind::NotYetValid);
    let after = sample(&render_metrics(), series).unwrap();
    assert!(after >= before + 2.0, "{before} -> {after}");
}

// ---------------------------------------------------------------------------------------
// Through the whole gateway.

use crate::support;
use authgate_devidp::{Flavor, MintRequest};
use http::StatusCode;

/// The support configuration with one bearer route `name` at `/{name}/{*rest}` requiring
/// scope `read`.
fn scoped_route_toml(idp: &authgate_devidp::RunningIdp, upstream: &str, name: &str) -> String {
    let base = support::base_toml(idp, &[]);
    format!(
        "{base}\n[[routes]]\nname = \"{name}\"\npath = \"/{name}/{{*rest}}\"\nupstream = \"{upstream}\"\nrequire = {{ scopes = [\"read\"] }}\n"
    )
}

async fn until_ready(state: &authgate_gateway::app::SharedGateway) {
    for _ in 0..200 {
        if state.load().verifier.is_ready() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("provider keys never loaded");
}

/// A current-thread runtime runs the gateway's tasks on the test's thread, so the capturing
/// subscriber sees everything they log.
#[tokio::test(flavor = "current_thread")]
async fn bcp_51_tokens_and_cookies_are_never_logged() {
    let (captured, _guard) = capture(LogFormat::Json, "trace");
    let idp = support::start_idp().await;
    let upstream = support::start_upstream().await;
    let gateway = support::start_gateway(support::config(&scoped_route_toml(
        &idp,
        &upstream.url(),
        "logged",
    )))
    .await;
    until_ready(&gateway.state).await;
    let wrong_audience = idp
        .idp
        .mint(&MintRequest::new(Flavor::Oidc).audience("someone-else"));
    let no_scope = support::token(&idp, &[]);
    let allowed = support::token(&idp, &["read"]);
    let (_, signature) = allowed.rsplit_once('.').unwrap();
    let tampered = format!(
        "{}.{}",
        allowed.rsplit_once('.').unwrap().0,
        "A".repeat(signature.len())
    );
    let cookie = "session=s3cr3t-cookie-value";
    let client = support::client();
    let url = gateway.url("/logged/x");
    for (token, expected) in [
        (&wrong_audience, StatusCode::UNAUTHORIZED),
        (&tampered, StatusCode::UNAUTHORIZED),
        (&no_scope, StatusCode::FORBIDDEN),
        (&allowed, StatusCode::OK),
    ] {
        let response = client
            .get(&url)
            .bearer_auth(token)
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), expected);
    }

    let text = captured.text();
    let audits: Vec<_> = captured
        .json_lines()
        .into_iter()
        .filter(|l| l["target"] == "authgate::audit" && l["route"] == "logged")
        .collect();
    assert_eq!(audits.len(), 4, "one audit event per decision:\n{text}");
    for audit in &audits {
        assert_eq!(audit["client_ip"], "127.0.0.1", "{audit}");
    }
    for secret in [&wrong_audience, &tampered, &no_scope, &allowed] {
        for part in secret.split('.') {
            assert!(!text.contains(part), "a token segment was logged:\n{text}");
        }
    }
    assert!(
        !text.contains("s3cr3t-cookie-value"),
        "a cookie was logged:\n{text}"
    );
}

#[tokio::test]
async fn metrics_after_requests_have_requests_upstream_and_jwks_series() {
    let idp = support::start_idp().await;
    let upstream = support::start_upstream().await;
    let gateway = support::start_gateway(support::config(&scoped_route_toml(
        &idp,
        &upstream.url(),
        "metered",
    )))
    .await;
    until_ready(&gateway.state).await;
    let client = support::client();
    let url = gateway.url("/metered/x");
    for token in [
        support::token(&idp, &["read"]),
        support::token(&idp, &["read"]),
        "bad".to_owned(),
    ] {
        client.get(&url).bearer_auth(token).send().await.unwrap();
    }

    let response = client.get(gateway.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[http::header::CONTENT_TYPE]
        .to_str()
        .unwrap();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = response.text().await.unwrap();
    let requests = |outcome: &str| {
        format!("authgate_requests_total{{route=\"metered\",outcome=\"{outcome}\"}}")
    };
    assert_eq!(sample(&text, &requests("allowed")), Some(2.0), "{text}");
    assert_eq!(sample(&text, &requests("unauthenticated")), Some(1.0));
    assert_eq!(
        sample(
            &text,
            "authgate_upstream_duration_seconds_count{route=\"metered\"}"
        ),
        Some(2.0)
    );
    let malformed = "authgate_verification_failures_total{reason=\"malformed\"}";
    assert!(sample(&text, malformed).unwrap() >= 1.0, "{text}");
    let issuer = idp.idp.issuer(Flavor::Oidc);
    let labels = format!("{{provider=\"oidc\",issuer=\"{issuer}\"}}");
    assert!(
        sample(&text, &format!("authgate_jwks_fetches_total{labels}")).unwrap() >= 1.0,
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            &format!("authgate_jwks_fetch_failures_total{labels}")
        ),
        Some(0.0)
    );
    assert_eq!(
        sample(&text, &format!("authgate_jwks_ready{labels}")),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, &format!("authgate_jwks_stale{labels}")),
        Some(0.0)
    );
    assert!(sample(&text, &format!("authgate_jwks_key_set_age_seconds{labels}")).is_some());
}

#[tokio::test]
async fn metrics_endpoint_is_404_when_disabled() {
    let idp = support::start_idp().await;
    let upstream = support::start_upstream().await;
    let toml = scoped_route_toml(&idp, &upstream.url(), "quiet")
        .replace("[server]", "[telemetry]\nmetrics = false\n\n[server]");
    let gateway = support::start_gateway(support::config(&toml)).await;
    let response = support::client()
        .get(gateway.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
