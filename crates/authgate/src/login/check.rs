//! The checks [`super::Login::new`] adds to the provider validation: the `[login]` settings
//! and their relation to the providers and the verifier, each problem with its path.

use super::{LoginConfig, return_to};
use crate::config::{AuthConfig, ConfigError, ConfigProblem, ProviderKind};
use crate::verifier::Verifier;
use url::Url;

pub(super) fn problem(path: &str, message: impl Into<String>) -> ConfigProblem {
    ConfigProblem {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// The `[login]` settings and their relation to the providers and the verifier.
pub(super) fn check(
    auth: &AuthConfig,
    config: &LoginConfig,
    public_url: &Url,
    verifier: &Verifier,
) -> Result<(), ConfigError> {
    let mut problems = Vec::new();
    if !matches!(public_url.scheme(), "http" | "https") || !public_url.has_host() {
        problems.push(problem(
            "server.public_url",
            "must be an absolute http(s) URL",
        ));
    }
    if return_to::validate(&config.default_return_to, public_url, &[]).is_none() {
        problems.push(problem(
            "login.default_return_to",
            "must be a local path starting with a single '/'",
        ));
    }
    for (i, origin) in config.allowed_return_origins.iter().enumerate() {
        let ok = Url::parse(origin).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https")
                && u.origin().ascii_serialization() == origin.trim_end_matches('/')
        });
        if !ok {
            problems.push(problem(
                &format!("login.allowed_return_origins[{i}]"),
                "must be an origin such as https://app.example.com (no path)",
            ));
        }
    }
    if let Some(uri) = &config.post_logout_redirect
        && Url::parse(uri).is_err()
    {
        problems.push(problem(
            "login.post_logout_redirect",
            "must be an absolute URL",
        ));
    }
    if config.state_ttl.as_secs() < 30 || config.state_ttl.as_secs() > 3600 {
        problems.push(problem("login.state_ttl", "must be between 30s and 1h"));
    }
    let known = verifier.provider_ids();
    for (i, p) in auth.providers.iter().enumerate() {
        if p.login && p.kind != ProviderKind::Github && !known.contains(&p.id) {
            problems.push(problem(
                &format!("providers[{i}]"),
                "sign-in needs this provider in the Verifier (its keys check ID tokens)",
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ConfigError { problems })
    }
}
