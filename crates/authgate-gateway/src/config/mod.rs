//! Configuration in two phases: [`raw`] (serde, unknown keys rejected) becomes the validated
//! [`Config`] (parsed addresses, URLs, durations, compiled policies and routes). Every problem
//! is reported at once with its path (`routes[2].upstream: must be http or https`).
//!
//! Any string value may be `env:NAME` or `file:/path` (see [`Sources`]); any key may be
//! overridden by an `AUTHGATE__SECTION__KEY` environment variable.
//!
//! ```
//! use authgate_gateway::config::Config;
//!
//! let text = r#"
//!     version = 1
//!     [server]
//!     listen = "127.0.0.1:8000"
//!     [[routes]]
//!     path = "/healthz"
//!     upstream = "http://127.0.0.1:9000"
//!     auth = "none"
//! "#;
//! let config = Config::from_toml(text, &|_| None).unwrap();
//! assert_eq!(config.routes[0].name, "/healthz");
//! let broken = Config::from_toml("version = 1\n[server]\nlisten = \"nowhere\"\n", &|_| None);
//! assert_eq!(broken.unwrap_err().to_string(), "server.listen: not a socket address (e.g. 127.0.0.1:8000)\n");
//! ```

mod decode;
mod overrides;
mod parse;
mod problems;
pub mod raw;
mod route;
mod secret_ref;
mod signin;
mod validate;

use crate::proxy::UpstreamTarget;
use authgate::login::LoginConfig;
use authgate::session::SessionConfig;
use authgate::{AuthConfig, Policies};
use authgate_core::{MasterKeys, Policy, SecretString};
use ipnet::IpNet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use raw::AuthMode;
pub use signin::{DEFAULT_KEY_ID, DEFAULT_STORE_URL};

/// One problem in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where, e.g. `routes[2].upstream` or `server.listen`.
    pub path: String,
    /// What is wrong, in plain words.
    pub message: String,
}

/// Every problem found in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<Problem>);

impl std::fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for p in &self.0 {
            writeln!(f, "{}: {}", p.path, p.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it was loaded from (for SIGHUP reloads).
    pub source: Option<PathBuf>,
    /// `[server]`.
    pub server: ServerSettings,
    /// `[telemetry]`.
    pub telemetry: TelemetrySettings,
    /// `[rate_limit]` defaults.
    pub rate_limit: RateLimitSettings,
    /// Whether `GET /auth/verify` is served.
    pub forward_auth: bool,
    /// Providers and policy specs, for the library's `Verifier`.
    pub auth: AuthConfig,
    /// Compiled named policies.
    pub policies: Policies,
    /// Validated routes, in file order.
    pub routes: Vec<RouteSpec>,
    /// `insecure_*` settings in effect (each is logged as a warning at start).
    pub insecure: Vec<String>,
    /// `[store]`.
    pub store: StoreSettings,
    /// `[secrets]`: the master keys (always present when [`Config::sign_in`] is true).
    pub secrets: Option<Arc<MasterKeys>>,
    /// `[login]`.
    pub login: LoginConfig,
    /// `[session]`.
    pub session: SessionConfig,
    /// Whether sign-in is configured: at least one provider has `login = true`. Then the
    /// gateway opens the store, serves `/auth/*` and accepts `session`/`any` routes.
    pub sign_in: bool,
}

/// The backend `[store] url` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// `sqlite:...`.
    Sqlite,
    /// `postgres://...` or `postgresql://...`.
    Postgres,
}

/// `[store]`, validated.
#[derive(Debug, Clone)]
pub struct StoreSettings {
    /// The URL (redacted in Debug: a PostgreSQL URL may carry a password).
    pub url: SecretString,
    /// Which backend.
    pub kind: StoreKind,
}

impl StoreSettings {
    /// The URL without a password, for logs and messages.
    pub fn display_url(&self) -> String {
        let url = self.url.expose_secret();
        match url::Url::parse(url) {
            Ok(mut parsed) if parsed.password().is_some() => {
                let _ = parsed.set_password(Some("***"));
                parsed.to_string()
            }
            _ => url.to_owned(),
        }
    }
}

/// `[server]`, validated.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// Listen address.
    pub listen: SocketAddr,
    /// Public URL.
    pub public_url: Option<url::Url>,
    /// Peers whose `X-Forwarded-*` headers are honoured.
    pub trusted_proxies: Vec<IpNet>,
    /// TLS material.
    pub tls: Option<TlsSettings>,
    /// Plain-HTTP redirect listener.
    pub redirect_http_listen: Option<SocketAddr>,
    /// Grace period for in-flight requests at shutdown.
    pub shutdown_grace: Duration,
    /// Add standard security headers.
    pub security_headers: bool,
    /// Serving threads (`server.workers`, default one per CPU): each runs its own
    /// single-threaded runtime accepting from the shared listener. 0 (only programmatically;
    /// the configuration file asks for 1 to 256) serves on the calling runtime instead, for
    /// embedders and tests that pause or drive its clock.
    pub workers: usize,
}

/// TLS settings.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    /// PEM certificate chain file.
    pub cert_file: PathBuf,
    /// PEM private key file.
    pub key_file: PathBuf,
    /// HSTS max-age.
    pub hsts_max_age: Duration,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable.
    Text,
}

/// `[telemetry]`, validated.
#[derive(Debug, Clone)]
pub struct TelemetrySettings {
    /// Log format.
    pub log_format: LogFormat,
    /// `EnvFilter` directive.
    pub log_level: String,
    /// Serve `/metrics`.
    pub metrics: bool,
}

/// A rate-limit quota per client IP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitSettings {
    /// Failed authentications per minute (0: unlimited).
    pub failed_auth_per_minute: u32,
    /// Burst.
    pub burst: u32,
    /// Requests per minute to `/auth/*` endpoints (0: unlimited).
    pub auth_endpoints_per_minute: u32,
}

/// One validated route.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    /// Name for logs and metrics.
    pub name: String,
    /// The path pattern as written (validated by [`crate::routes::PathPattern::parse`]).
    pub path: String,
    /// Allowed methods; `None` means any.
    pub methods: Option<Vec<http::Method>>,
    /// The upstream base URL, prepared for requests.
    pub upstream: UpstreamTarget,
    /// Authentication mode.
    pub auth: AuthMode,
    /// The policy to enforce (`None`: any authenticated caller, or no auth with `AuthMode::None`).
    pub policy: Option<Arc<Policy>>,
    /// Trusted providers (empty: all).
    pub providers: Vec<String>,
    /// Send `X-Auth-*` headers upstream.
    pub identity_headers: bool,
    /// Pass the original `Authorization` header upstream.
    pub forward_authorization: bool,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Response-head timeout.
    pub response_timeout: Duration,
    /// CORS settings.
    pub cors: Option<CorsSettings>,
    /// Rate limits for this route.
    pub rate_limit: RateLimitSettings,
    /// Prefix removed before proxying.
    pub strip_prefix: Option<String>,
}

/// CORS settings of a route.
#[derive(Debug, Clone)]
pub struct CorsSettings {
    /// Exact origins, or `["*"]`.
    pub allowed_origins: Vec<String>,
    /// Allowed methods.
    pub allowed_methods: Vec<http::Method>,
    /// Allowed request headers (lowercase).
    pub allowed_headers: Vec<String>,
    /// Exposed response headers.
    pub expose_headers: Vec<String>,
    /// Allow credentials.
    pub allow_credentials: bool,
    /// Preflight cache lifetime.
    pub max_age: Duration,
}

pub use overrides::PREFIX as OVERRIDE_PREFIX;

/// Where values come from besides the TOML text.
pub struct Sources<'a> {
    /// Looks up environment variables for `env:NAME` references.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// `AUTHGATE__*` overrides as (variable name, value), applied in order.
    pub overrides: Vec<(String, String)>,
    /// Relative `file:` references and TLS file paths are resolved against this directory
    /// (the configuration file's); `None`: the working directory.
    pub base_dir: Option<PathBuf>,
}

impl std::fmt::Debug for Sources<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self
            .overrides
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        f.debug_struct("Sources")
            .field("overrides", &names)
            .field("base_dir", &self.base_dir)
            .finish_non_exhaustive()
    }
}

impl<'a> Sources<'a> {
    /// Only `env`: no overrides, paths relative to the working directory.
    pub fn env(env: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Sources {
            env,
            overrides: Vec::new(),
            base_dir: None,
        }
    }

    /// `path` resolved against [`Sources::base_dir`].
    pub fn resolve_path(&self, path: &str) -> PathBuf {
        match &self.base_dir {
            Some(dir) => dir.join(path),
            None => PathBuf::from(path),
        }
    }
}

/// Looks up a variable of the process environment.
fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The `AUTHGATE__*` variables of the process, sorted by name so the order is stable.
fn process_overrides() -> Vec<(String, String)> {
    // vars_os: a variable that is not UTF-8 must not abort the load (`vars` panics).
    let mut overrides: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
        .filter(|(name, _)| name.starts_with(OVERRIDE_PREFIX))
        .collect();
    overrides.sort();
    overrides
}

impl Config {
    /// Reads, resolves (`env:`/`file:`, `AUTHGATE__*` overrides from the process environment)
    /// and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigErrors(vec![Problem {
                path: path.display().to_string(),
                message: format!("cannot read the configuration file: {e}"),
            }])
        })?;
        let sources = Sources {
            env: &process_env,
            overrides: process_overrides(),
            base_dir: path.parent().map(Path::to_path_buf),
        };
        let mut config = Config::from_sources(&text, &sources)?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses and validates TOML text; `env` supplies environment variables (tests pass a map).
    pub fn from_toml(
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigErrors> {
        Config::from_sources(text, &Sources::env(env))
    }

    /// Parses and validates TOML text with explicit [`Sources`] (overrides, base directory).
    pub fn from_sources(text: &str, sources: &Sources<'_>) -> Result<Config, ConfigErrors> {
        let mut problems = problems::Problems::default();
        let parsed = parse::parse(text, sources, &mut problems);
        let config = validate::validate(parsed, sources, &mut problems);
        problems
            .finish(config)?
            .ok_or_else(|| ConfigErrors(Vec::new()))
    }
}

#[cfg(test)]
mod tests;
