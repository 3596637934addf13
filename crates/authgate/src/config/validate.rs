//! Configuration checks: every problem at once, each with its path.

use super::{AuthConfig, JwksConfig, ProviderConfig, ProviderKind};
use crate::http_client::check_url;
use crate::provider;
use authgate_core::Algorithm;
use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

/// The largest leeway accepted for time claims (security.md JWT-T14).
const MAX_LEEWAY: Duration = Duration::from_secs(5 * 60);

/// One configuration problem: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// Path of the offending value, e.g. `providers[1].issuer`.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

/// Every problem found in a configuration (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The problems, in file order.
    pub problems: Vec<ConfigProblem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect();
        f.write_str(&lines.join("\n"))
    }
}

impl std::error::Error for ConfigError {}

/// Collects problems under a path prefix (`providers[0]`).
#[derive(Debug)]
pub(crate) struct Problems {
    prefix: String,
    list: Vec<ConfigProblem>,
}

impl Problems {
    fn new(prefix: String) -> Self {
        Problems {
            prefix,
            list: Vec::new(),
        }
    }

    /// Records that `field` (relative to the prefix) is wrong.
    pub(crate) fn push(&mut self, field: &str, message: impl Into<String>) {
        let path = if field.is_empty() {
            self.prefix.clone()
        } else {
            format!("{}.{field}", self.prefix)
        };
        self.list.push(ConfigProblem {
            path,
            message: message.into(),
        });
    }

    /// Checks that the URL in `field`, when set, passes the fetch rules (https, or loopback
    /// http, or http with `insecure_allow_http`).
    pub(crate) fn url(&mut self, field: &str, value: Option<&str>, allow_http: bool) {
        if let Some(Err(why)) = value.map(|v| check_url(v, allow_http)) {
            self.push(field, why);
        }
    }

    /// Requires `value` to be set and non-empty.
    pub(crate) fn require(&mut self, field: &str, value: Option<&str>, why: &str) {
        if value.is_none_or(str::is_empty) {
            self.push(field, format!("required {why}"));
        }
    }
}

impl AuthConfig {
    /// Checks the whole configuration and reports every problem at once.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = check_providers(&self.providers);
        for (name, spec) in &self.policies {
            if let Err(why) = spec.compile() {
                problems.push(ConfigProblem {
                    path: format!("policies.{name}"),
                    message: why,
                });
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError { problems })
        }
    }
}

impl ProviderConfig {
    /// Checks this one entry (paths are relative to it).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut out = Problems::new(self.id.clone());
        check_provider(self, &mut out);
        if out.list.is_empty() {
            Ok(())
        } else {
            Err(ConfigError { problems: out.list })
        }
    }
}

/// Checks a list of providers, with paths `providers[i]....`.
pub(crate) fn check_providers(providers: &[ProviderConfig]) -> Vec<ConfigProblem> {
    let mut all = Vec::new();
    let mut seen = HashSet::new();
    for (i, p) in providers.iter().enumerate() {
        let mut out = Problems::new(format!("providers[{i}]"));
        if !seen.insert(p.id.as_str()) {
            out.push("id", format!("duplicate provider id {:?}", p.id));
        }
        check_provider(p, &mut out);
        all.append(&mut out.list);
    }
    all
}

fn check_provider(p: &ProviderConfig, out: &mut Problems) {
    check_id(&p.id, out);
    out.url("issuer", p.issuer.as_deref(), p.insecure_allow_http);
    out.url("discovery", p.discovery.as_deref(), p.insecure_allow_http);
    out.url("jwks_uri", p.jwks_uri.as_deref(), p.insecure_allow_http);
    check_algorithms(&p.algorithms, out);
    if p.leeway.is_some_and(|l| l > MAX_LEEWAY) {
        out.push("leeway", "must be at most 5m");
    }
    if p.max_token_lifetime
        .is_some_and(|d| d < Duration::from_secs(60))
    {
        out.push("max_token_lifetime", "must be at least 1m");
    }
    check_jwks(&p.jwks, out);
    check_applicable(p, out);
    check_login(p, out);
    provider::rules(p.kind).check(p, out);
}

/// Sign-in needs a client: its id, and its secret unless it is a public client.
fn check_login(p: &ProviderConfig, out: &mut Problems) {
    out.url(
        "authorization_endpoint",
        p.authorization_endpoint.as_deref(),
        p.insecure_allow_http,
    );
    out.url(
        "token_endpoint",
        p.token_endpoint.as_deref(),
        p.insecure_allow_http,
    );
    out.url("user_api", p.user_api.as_deref(), p.insecure_allow_http);
    for (i, scope) in p.login_scopes.iter().enumerate() {
        if scope.is_empty()
            || scope
                .chars()
                .any(|c| c.is_whitespace() || c == '"' || c == '\\')
        {
            out.push(
                &format!("login_scopes[{i}]"),
                "must be one scope token without spaces",
            );
        }
    }
    if p.display_name
        .as_deref()
        .is_some_and(|d| d.trim().is_empty())
    {
        out.push("display_name", "must not be empty");
    }
    if !p.login {
        return;
    }
    if p.kind == ProviderKind::Entra
        && !p.token_versions.is_empty()
        && !p.token_versions.contains(&2)
    {
        out.push(
            "token_versions",
            "sign-in uses the v2.0 endpoints, whose ID tokens are v2: include 2",
        );
    }
    out.require("client_id", p.client_id.as_deref(), "for login = true");
    let secret = p.client_secret.as_ref().map(|s| s.expose_secret());
    if !p.public_client {
        out.require(
            "client_secret",
            secret,
            "for login = true (a confidential client); set public_client = true for a public oidc client",
        );
    }
}

fn check_id(id: &str, out: &mut Problems) {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if id.is_empty() || !id.chars().all(ok_char) {
        out.push(
            "id",
            "must be non-empty and use only letters, digits, '-', '_' and '.'",
        );
    }
}

fn check_algorithms(names: &[String], out: &mut Problems) {
    for (i, name) in names.iter().enumerate() {
        match name.parse::<Algorithm>() {
            Ok(alg) if alg.is_hmac() => out.push(
                &format!("algorithms[{i}]"),
                format!("{alg} is a shared-secret algorithm and never allowed for a JWKS issuer"),
            ),
            Ok(_) => {}
            Err(_) => out.push(
                &format!("algorithms[{i}]"),
                format!("unknown algorithm {name:?}"),
            ),
        }
    }
}

fn check_jwks(j: &JwksConfig, out: &mut Problems) {
    if j.min_ttl < Duration::from_secs(1) {
        out.push("jwks.min_ttl", "must be at least 1s");
    }
    if j.min_ttl > j.max_ttl {
        out.push("jwks.max_ttl", "must not be less than jwks.min_ttl");
    }
    if j.refresh_cooldown < Duration::from_secs(1) {
        out.push("jwks.refresh_cooldown", "must be at least 1s");
    }
}

/// Fields that only some kinds read: setting them elsewhere is a mistake worth reporting.
fn check_applicable(p: &ProviderConfig, out: &mut Problems) {
    use ProviderKind::{Auth0, Entra, Github, Google, Oidc};
    let fields: [(&str, bool, &[ProviderKind]); 12] = [
        ("tenant", p.tenant.is_some(), &[Entra]),
        ("allowed_tenants", !p.allowed_tenants.is_empty(), &[Entra]),
        ("instance", p.instance.is_some(), &[Entra]),
        ("v1_issuer_base", p.v1_issuer_base.is_some(), &[Entra]),
        ("token_versions", !p.token_versions.is_empty(), &[Entra]),
        ("allow_guests", p.allow_guests, &[Entra]),
        ("accept_id_tokens", p.accept_id_tokens, &[Google]),
        ("hosted_domain", p.hosted_domain.is_some(), &[Google]),
        (
            "authorized_parties",
            !p.authorized_parties.is_empty(),
            &[Google],
        ),
        ("require_at_jwt", p.require_at_jwt, &[Oidc, Auth0]),
        ("user_api", p.user_api.is_some(), &[Github]),
        ("public_client", p.public_client, &[Oidc]),
    ];
    for (field, set, kinds) in fields {
        if set && !kinds.contains(&p.kind) {
            let names: Vec<String> = kinds
                .iter()
                .map(|k| format!("{k:?}").to_lowercase())
                .collect();
            out.push(
                field,
                format!("only applies to kind = {}", names.join(" | ")),
            );
        }
    }
}
