//! `[session]`: timeouts and the cookie's transport policy.

use crate::config::{ConfigError, ConfigProblem};
use serde::Deserialize;
use std::time::Duration;

/// The least `refresh_lease`: 3 × the default HTTP total timeout (5 s) plus [`LEASE_MARGIN`].
pub(crate) const MIN_REFRESH_LEASE: Duration = Duration::from_secs(20);
/// How long before the lease ends a refresh's provider call is abandoned, leaving time to
/// store the result.
pub(crate) const LEASE_MARGIN: Duration = Duration::from_secs(5);

/// `[session]`: how long sessions live and when provider tokens are refreshed.
///
/// ```toml
/// [session]
/// idle_timeout = "8h"
/// absolute_timeout = "7d"
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    /// A session unused this long ends. Defaults to 8 hours.
    #[serde(with = "humantime_serde")]
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, however active. Defaults to 7 days.
    #[serde(with = "humantime_serde")]
    pub absolute_timeout: Duration,
    /// Provider tokens are refreshed this long before the access token expires. Defaults to
    /// 60 seconds.
    #[serde(with = "humantime_serde")]
    pub refresh_before: Duration,
    /// How long one refresh may hold the session's refresh lease (across instances). Must
    /// cover the whole refresh: up to three provider calls (metadata, token endpoint, JWKS),
    /// so at least 3 × the HTTP client's total timeout plus a margin; the provider call is cut
    /// off 5 seconds before the lease ends so the new tokens are stored while it is still
    /// held. Defaults to 60 seconds; at least 20 seconds.
    #[serde(with = "humantime_serde")]
    pub refresh_lease: Duration,
    /// How often expired sessions, sign-in transactions and replay entries are swept.
    /// Defaults to 5 minutes.
    #[serde(with = "humantime_serde")]
    pub sweep_interval: Duration,
    /// Send the cookies without `Secure` on a plain-http `public_url` that is not loopback.
    /// Anyone on the network can then steal sessions. Defaults to `false`; never enable it in
    /// production.
    pub insecure_http_cookies: bool,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            idle_timeout: Duration::from_secs(8 * 3600),
            absolute_timeout: Duration::from_secs(7 * 24 * 3600),
            refresh_before: Duration::from_secs(60),
            refresh_lease: Duration::from_secs(60),
            sweep_interval: Duration::from_secs(300),
            insecure_http_cookies: false,
        }
    }
}

impl SessionConfig {
    /// Every problem with this configuration for the application at `public_url`.
    pub(crate) fn validate(&self, public_url: &url::Url) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        let mut push = |path: &str, message: &str| {
            problems.push(ConfigProblem {
                path: path.to_owned(),
                message: message.to_owned(),
            });
        };
        if self.idle_timeout.is_zero() {
            push("session.idle_timeout", "must be more than zero");
        }
        if self.absolute_timeout.is_zero() {
            push("session.absolute_timeout", "must be more than zero");
        }
        if self.refresh_lease < MIN_REFRESH_LEASE {
            push(
                "session.refresh_lease",
                "must be at least 20s (3 × the HTTP total timeout plus a margin)",
            );
        }
        if self.sweep_interval.is_zero() {
            push("session.sweep_interval", "must be more than zero");
        }
        match public_url.scheme() {
            "https" => {}
            "http" if is_loopback(public_url) || self.insecure_http_cookies => {}
            "http" => push(
                "public_url",
                "must be https for session cookies (plain http is allowed on loopback, or with \
                 session.insecure_http_cookies = true)",
            ),
            _ => push("public_url", "must be an http(s) URL"),
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError { problems })
        }
    }
}

/// Whether the URL's host is loopback (`localhost`, `127.0.0.0/8`, `[::1]`).
pub(crate) fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str, insecure: bool) -> Result<(), ConfigError> {
        let config = SessionConfig {
            insecure_http_cookies: insecure,
            ..SessionConfig::default()
        };
        config.validate(&url::Url::parse(url).unwrap())
    }

    #[test]
    fn https_and_loopback_http_are_accepted() {
        assert!(check("https://app.example.com", false).is_ok());
        assert!(check("http://localhost:8000", false).is_ok());
        assert!(check("http://127.0.0.1:8000", false).is_ok());
        assert!(check("http://[::1]:8000", false).is_ok());
    }

    #[test]
    fn plain_http_elsewhere_needs_the_insecure_flag() {
        let error = check("http://app.example.com", false).unwrap_err();
        assert_eq!(error.problems[0].path, "public_url");
        assert!(check("http://app.example.com", true).is_ok());
    }

    #[test]
    fn durations_parse_with_humantime_and_unknown_keys_are_refused() {
        let c: SessionConfig = toml::from_str("idle_timeout = \"30m\"").unwrap();
        assert_eq!(c.idle_timeout, Duration::from_secs(1800));
        assert_eq!(c.absolute_timeout, Duration::from_secs(7 * 24 * 3600));
        assert!(toml::from_str::<SessionConfig>("idle = \"30m\"").is_err());
    }

    #[test]
    fn a_short_refresh_lease_is_refused() {
        let config = SessionConfig {
            refresh_lease: Duration::from_secs(5),
            ..SessionConfig::default()
        };
        let error = config
            .validate(&url::Url::parse("https://a.example").unwrap())
            .unwrap_err();
        assert_eq!(error.problems[0].path, "session.refresh_lease");
        let c: SessionConfig = toml::from_str("refresh_lease = \"2m\"").unwrap();
        assert_eq!(c.refresh_lease, Duration::from_secs(120));
    }

    #[test]
    fn zero_timeouts_are_refused() {
        let config = SessionConfig {
            idle_timeout: Duration::ZERO,
            ..SessionConfig::default()
        };
        let error = config
            .validate(&url::Url::parse("https://a.example").unwrap())
            .unwrap_err();
        assert_eq!(error.problems[0].path, "session.idle_timeout");
    }
}
