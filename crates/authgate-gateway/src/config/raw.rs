//! The configuration file as written: serde structs that reject unknown keys.
//! `super::validate` turns them into the validated [`super::Config`].

use authgate::ProviderConfig;
use authgate::login::LoginConfig;
use authgate::session::SessionConfig;
use authgate_core::PolicySpec;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Format version; must be `1`.
    pub version: u32,
    /// `[server]`.
    pub server: RawServer,
    /// `[telemetry]`.
    #[serde(default)]
    pub telemetry: RawTelemetry,
    /// `[rate_limit]`: defaults for failed authentications and auth endpoints.
    #[serde(default)]
    pub rate_limit: RawRateLimit,
    /// `[forward_auth]`.
    #[serde(default)]
    pub forward_auth: RawForwardAuth,
    /// `[[providers]]`, shared with the library.
    #[serde(default)]
    pub providers: Vec<ProviderConfig>,
    /// `[policies.NAME]`, shared with the library.
    #[serde(default)]
    pub policies: BTreeMap<String, PolicySpec>,
    /// `[[routes]]`, matched in the documented order (see `routes`).
    #[serde(default)]
    pub routes: Vec<RawRoute>,
    /// `[store]`: where users and sessions live.
    #[serde(default)]
    pub store: RawStore,
    /// `[secrets]`: the master keys that encrypt provider tokens at rest.
    #[serde(default)]
    pub secrets: RawSecrets,
    /// `[login]`, the library's sign-in settings.
    #[serde(default)]
    pub login: LoginConfig,
    /// `[session]`, the library's session settings.
    #[serde(default)]
    pub session: SessionConfig,
}

/// `[store]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStore {
    /// `sqlite://path` (default `sqlite://authgate.db`), `postgres://` or `postgresql://`.
    #[serde(default)]
    pub url: Option<String>,
}

/// `[secrets]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSecrets {
    /// The current master key: 32 random bytes in standard base64 (usually `env:`/`file:`).
    #[serde(default)]
    pub key: Option<String>,
    /// The current key's id, stored with every sealed value (default `k1`).
    #[serde(default)]
    pub key_id: Option<String>,
    /// Retired keys that still decrypt what they sealed.
    #[serde(default)]
    pub previous_keys: Vec<RawPreviousKey>,
}

/// One entry of `[secrets] previous_keys`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPreviousKey {
    /// The key id it sealed under.
    pub id: String,
    /// The key: 32 bytes in standard base64.
    pub key: String,
}

/// `[server]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    /// Listen address, e.g. `127.0.0.1:8000`.
    pub listen: String,
    /// The public URL (scheme, host, port) clients use.
    #[serde(default)]
    pub public_url: Option<String>,
    /// CIDRs whose `X-Forwarded-*` headers are honoured.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// Allows a `/0` network (every address) in `trusted_proxies`. Default false.
    #[serde(default)]
    pub insecure_trust_any_proxy: bool,
    /// TLS from PEM files; HSTS is sent when set.
    #[serde(default)]
    pub tls: Option<RawTls>,
    /// A plain-HTTP listener that redirects to the TLS listener (only with `tls`).
    #[serde(default)]
    pub redirect_http_listen: Option<String>,
    /// How long in-flight requests may take to finish on SIGTERM. Default 30s.
    #[serde(default, with = "humantime_serde")]
    pub shutdown_grace: Option<Duration>,
    /// Security headers added to every response (default true).
    #[serde(default)]
    pub security_headers: Option<bool>,
    /// Serving threads, each with its own single-threaded runtime. Default: one per CPU.
    #[serde(default)]
    pub workers: Option<usize>,
}

/// `[server.tls]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTls {
    /// PEM certificate chain.
    pub cert_file: String,
    /// PEM private key.
    pub key_file: String,
    /// `Strict-Transport-Security: max-age`. Default 1 year.
    #[serde(default, with = "humantime_serde")]
    pub hsts_max_age: Option<Duration>,
}

/// `[telemetry]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTelemetry {
    /// `json` (default) or `text`.
    #[serde(default)]
    pub log_format: Option<String>,
    /// An `EnvFilter` directive, default `info`.
    #[serde(default)]
    pub log_level: Option<String>,
    /// Serve Prometheus metrics at `/metrics` (default true).
    #[serde(default)]
    pub metrics: Option<bool>,
}

/// `[rate_limit]` and per-route `rate_limit`: a GCRA quota per client IP.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRateLimit {
    /// Failed authentications allowed per minute per client IP (default 60; 0 disables).
    #[serde(default)]
    pub failed_auth_per_minute: Option<u32>,
    /// Burst size (default 20).
    #[serde(default)]
    pub burst: Option<u32>,
    /// Requests per minute per client IP for auth endpoints (`/auth/*`), default 600.
    #[serde(default)]
    pub auth_endpoints_per_minute: Option<u32>,
}

/// `[forward_auth]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawForwardAuth {
    /// Serve `GET /auth/verify` (default true).
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// `auth` of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// A bearer token is required.
    Bearer,
    /// A session cookie is required; browsers without one are sent to sign in.
    Session,
    /// A bearer token when an `Authorization` header is present, else a session cookie.
    Any,
    /// No authentication (identity headers are still stripped).
    None,
}

/// One `[[routes]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    /// Optional name for logs and metrics (default: the path pattern).
    #[serde(default)]
    pub name: Option<String>,
    /// Path pattern: literal segments, `{name}` for one segment, a final `{*rest}` for the rest.
    pub path: String,
    /// Methods (default: all).
    #[serde(default)]
    pub methods: Vec<String>,
    /// Upstream base URL (`http://` or `https://`).
    pub upstream: String,
    /// Authentication mode (default `bearer`; `session` and `any` need a sign-in provider).
    #[serde(default)]
    pub auth: Option<AuthMode>,
    /// A named policy.
    #[serde(default)]
    pub policy: Option<String>,
    /// An inline policy (instead of `policy`).
    #[serde(default)]
    pub require: Option<PolicySpec>,
    /// Only these providers are trusted on this route (default: all).
    #[serde(default)]
    pub providers: Vec<String>,
    /// What identity reaches the upstream.
    #[serde(default)]
    pub forward: RawForward,
    /// Upstream timeouts.
    #[serde(default)]
    pub timeouts: RawTimeouts,
    /// CORS for this route (preflights answered without authentication).
    #[serde(default)]
    pub cors: Option<RawCors>,
    /// Overrides `[rate_limit]` for this route.
    #[serde(default)]
    pub rate_limit: Option<RawRateLimit>,
    /// A path prefix removed before proxying.
    #[serde(default)]
    pub strip_prefix: Option<String>,
}

/// `forward` of a route.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawForward {
    /// Send `X-Auth-*` identity headers (default true).
    #[serde(default)]
    pub identity_headers: Option<bool>,
    /// Pass the original `Authorization` header through (default false).
    #[serde(default)]
    pub authorization: Option<bool>,
}

/// `timeouts` of a route.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTimeouts {
    /// TCP/TLS connect timeout (default 5s).
    #[serde(default, with = "humantime_serde")]
    pub connect: Option<Duration>,
    /// The longest the upstream exchange may go without progress: from the end of the request
    /// body to the response head, and between two chunks of the body (default 60s).
    #[serde(default, with = "humantime_serde")]
    pub response: Option<Duration>,
}

/// `cors` of a route.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCors {
    /// Exact origins (`https://app.example.com`); `"*"` only without credentials.
    pub allowed_origins: Vec<String>,
    /// Methods (default: the route's methods).
    #[serde(default)]
    pub allowed_methods: Vec<String>,
    /// Request headers (default `authorization, content-type`).
    #[serde(default)]
    pub allowed_headers: Vec<String>,
    /// Response headers exposed to scripts.
    #[serde(default)]
    pub expose_headers: Vec<String>,
    /// `Access-Control-Allow-Credentials: true`.
    #[serde(default)]
    pub allow_credentials: bool,
    /// `Access-Control-Max-Age` (default 10m).
    #[serde(default, with = "humantime_serde")]
    pub max_age: Option<Duration>,
}
