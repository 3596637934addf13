//! The validated phase: the raw sections become [`Config`], every problem recorded with its
//! path. Defaults are the ones documented in [`super::raw`].

use super::parse::Parsed;
use super::problems::Problems;
use super::raw::{RawRateLimit, RawServer, RawTelemetry, RawTls};
use super::route::{self, RouteContext};
use super::signin;
use super::{
    Config, LogFormat, RateLimitSettings, ServerSettings, Sources, TelemetrySettings, TlsSettings,
};
use authgate::{AuthConfig, Policies};
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The only format version this build reads.
const VERSION: u32 = 1;
/// The most serving threads `server.workers` may ask for.
const MAX_WORKERS: usize = 256;

/// `server.shutdown_grace` default.
const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// `server.tls.hsts_max_age` default: one year.
const DEFAULT_HSTS_MAX_AGE: Duration = Duration::from_secs(365 * 24 * 3600);
/// `[rate_limit]` defaults.
pub(crate) const DEFAULT_RATE_LIMIT: RateLimitSettings = RateLimitSettings {
    failed_auth_per_minute: 60,
    burst: 20,
    auth_endpoints_per_minute: 600,
};

/// Checks every section; `None` when a required section is missing or malformed (its problem
/// is already recorded).
pub(crate) fn validate(
    parsed: Parsed,
    sources: &Sources<'_>,
    problems: &mut Problems,
) -> Option<Config> {
    if parsed.version.is_some_and(|v| v != VERSION) {
        problems.push(
            "version",
            format!("must be {VERSION} (the only version this authgate reads)"),
        );
    }
    let server = parsed.server.as_ref().map(|s| server(s, sources, problems));
    let telemetry = parsed.telemetry.as_ref().map(|t| telemetry(t, problems));
    let rate_limit = rate_limit(
        parsed.rate_limit.as_ref(),
        &DEFAULT_RATE_LIMIT,
        "rate_limit",
        problems,
    );
    let (auth, policies) = auth(&parsed, problems);
    let sign_in = auth.providers.iter().any(|p| p.login);
    let session = parsed.session.clone().unwrap_or_default();
    if sign_in && let (Some(server), Some(raw)) = (&server, &parsed.server) {
        signin::check_public_url(
            server.public_url.as_ref(),
            raw.public_url.is_some(),
            session.insecure_http_cookies,
            problems,
        );
    }
    let context = RouteContext {
        sign_in,
        provider_ids: &parsed.provider_ids,
        policies: &policies,
        policy_names: parsed.policies.keys().map(String::as_str).collect(),
        rate_limit,
    };
    let routes = route::routes(&parsed.routes, &context, problems);
    Some(Config {
        source: None,
        server: server?,
        telemetry: telemetry?,
        rate_limit,
        forward_auth: parsed
            .forward_auth
            .as_ref()
            .and_then(|f| f.enabled)
            .unwrap_or(true),
        auth,
        policies,
        routes,
        insecure: parsed.insecure,
        store: signin::store(parsed.store.as_ref(), problems),
        secrets: signin::secrets(parsed.secrets.as_ref(), sign_in, problems),
        login: parsed.login.unwrap_or_default(),
        session,
        sign_in,
    })
}

fn server(raw: &RawServer, sources: &Sources<'_>, problems: &mut Problems) -> ServerSettings {
    let listen = socket_addr(&raw.listen, "server.listen", problems);
    let redirect_http_listen = raw
        .redirect_http_listen
        .as_deref()
        .and_then(|a| socket_addr(a, "server.redirect_http_listen", problems));
    if redirect_http_listen.is_some() && raw.tls.is_none() {
        problems.push(
            "server.redirect_http_listen",
            "only applies with [server.tls]",
        );
    }
    if redirect_http_listen.is_some() && redirect_http_listen == listen {
        problems.push(
            "server.redirect_http_listen",
            "must differ from server.listen",
        );
    }
    ServerSettings {
        listen: listen.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0))),
        public_url: raw
            .public_url
            .as_deref()
            .and_then(|u| public_url(u, problems)),
        trusted_proxies: trusted_proxies(
            &raw.trusted_proxies,
            raw.insecure_trust_any_proxy,
            problems,
        ),
        tls: raw.tls.as_ref().map(|t| tls(t, sources, problems)),
        redirect_http_listen,
        shutdown_grace: raw.shutdown_grace.unwrap_or(DEFAULT_SHUTDOWN_GRACE),
        security_headers: raw.security_headers.unwrap_or(true),
        workers: workers(raw.workers, problems),
    }
}

/// `server.workers`: 1..=MAX_WORKERS, default one per CPU.
fn workers(raw: Option<usize>, problems: &mut Problems) -> usize {
    match raw {
        None => std::thread::available_parallelism().map_or(1, usize::from),
        Some(n @ 1..=MAX_WORKERS) => n,
        Some(_) => {
            problems.push(
                "server.workers",
                format!("must be between 1 and {MAX_WORKERS}"),
            );
            1
        }
    }
}

fn socket_addr(text: &str, path: &str, problems: &mut Problems) -> Option<SocketAddr> {
    let parsed = text.parse().ok();
    if parsed.is_none() {
        problems.push(path, "not a socket address (e.g. 127.0.0.1:8000)");
    }
    parsed
}

fn public_url(text: &str, problems: &mut Problems) -> Option<url::Url> {
    let url = match url::Url::parse(text) {
        Ok(url) => url,
        Err(e) => {
            problems.push("server.public_url", format!("not a URL: {e}"));
            return None;
        }
    };
    let problem = if !matches!(url.scheme(), "http" | "https") {
        Some("must be http or https")
    } else if url.host_str().is_none_or(str::is_empty) {
        Some("must name a host")
    } else if url.query().is_some() || url.fragment().is_some() {
        Some("must not have a query or fragment")
    } else {
        None
    };
    match problem {
        Some(why) => {
            problems.push("server.public_url", why);
            None
        }
        None => Some(url),
    }
}

/// CIDRs; a bare address means that one host. A `/0` network trusts every client to
/// describe its own address and, for forward-auth, the request (BCP-71): refused unless
/// `insecure_trust_any_proxy`.
fn trusted_proxies(list: &[String], any_allowed: bool, problems: &mut Problems) -> Vec<IpNet> {
    let mut nets = Vec::new();
    for (i, text) in list.iter().enumerate() {
        let net = text
            .parse::<IpNet>()
            .ok()
            .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from));
        match net {
            Some(net) if net.prefix_len() == 0 && !any_allowed => problems.push(
                format!("server.trusted_proxies[{i}]"),
                "trusts every address: any client could then set X-Forwarded-* and describe \
                 forward-auth requests; list your proxies (or set \
                 server.insecure_trust_any_proxy = true)",
            ),
            Some(net) => nets.push(net),
            None => problems.push(
                format!("server.trusted_proxies[{i}]"),
                "not a CIDR (e.g. 10.0.0.0/8) or IP address",
            ),
        }
    }
    nets
}

fn tls(raw: &RawTls, sources: &Sources<'_>, problems: &mut Problems) -> TlsSettings {
    let cert_file = sources.resolve_path(&raw.cert_file);
    let key_file = sources.resolve_path(&raw.key_file);
    for (field, file) in [("cert_file", &cert_file), ("key_file", &key_file)] {
        if !file.is_file() {
            problems.push(
                format!("server.tls.{field}"),
                format!("no such file: {}", file.display()),
            );
        }
    }
    TlsSettings {
        cert_file,
        key_file,
        hsts_max_age: raw.hsts_max_age.unwrap_or(DEFAULT_HSTS_MAX_AGE),
    }
}

fn telemetry(raw: &RawTelemetry, problems: &mut Problems) -> TelemetrySettings {
    let log_format = match raw.log_format.as_deref() {
        None | Some("json") => LogFormat::Json,
        Some("text") => LogFormat::Text,
        Some(_) => {
            problems.push("telemetry.log_format", "must be \"json\" or \"text\"");
            LogFormat::Json
        }
    };
    let log_level = raw.log_level.clone().unwrap_or_else(|| "info".to_owned());
    if let Err(e) = tracing_subscriber::EnvFilter::try_new(&log_level) {
        problems.push(
            "telemetry.log_level",
            format!("not a log filter directive: {e}"),
        );
    }
    TelemetrySettings {
        log_format,
        log_level,
        metrics: raw.metrics.unwrap_or(true),
    }
}

/// `raw` over `defaults`; a limit needs a burst of at least 1.
pub(crate) fn rate_limit(
    raw: Option<&RawRateLimit>,
    defaults: &RateLimitSettings,
    path: &str,
    problems: &mut Problems,
) -> RateLimitSettings {
    let settings = RateLimitSettings {
        failed_auth_per_minute: raw
            .and_then(|r| r.failed_auth_per_minute)
            .unwrap_or(defaults.failed_auth_per_minute),
        burst: raw.and_then(|r| r.burst).unwrap_or(defaults.burst),
        auth_endpoints_per_minute: raw
            .and_then(|r| r.auth_endpoints_per_minute)
            .unwrap_or(defaults.auth_endpoints_per_minute),
    };
    if settings.burst == 0 {
        problems.push(format!("{path}.burst"), "must be at least 1");
    }
    settings
}

/// The library's own checks of providers and policies (their problems already carry paths
/// like `providers[1].issuer`), and the compiled named policies.
fn auth(parsed: &Parsed, problems: &mut Problems) -> (AuthConfig, Policies) {
    let config = AuthConfig {
        providers: parsed.providers.iter().flatten().cloned().collect(),
        policies: parsed
            .policies
            .iter()
            .filter_map(|(name, spec)| Some((name.clone(), spec.clone()?)))
            .collect(),
    };
    // Entries that failed to deserialize are left out, so the paths of the library's problems
    // would shift: providers are checked only when every entry deserialized.
    let complete = parsed.providers.iter().all(Option::is_some);
    let checked = if complete {
        config.validate()
    } else {
        AuthConfig {
            providers: Vec::new(),
            policies: config.policies.clone(),
        }
        .validate()
    };
    for p in checked.err().map(|e| e.problems).unwrap_or_default() {
        problems.push(p.path, p.message);
    }
    let policies = Policies::compile(&config.policies).unwrap_or_else(|_| compile_valid(&config));
    (config, policies)
}

/// The policies that compile (the others are reported by [`AuthConfig::validate`]).
fn compile_valid(config: &AuthConfig) -> Policies {
    let mut policies = Policies::new();
    for (name, spec) in &config.policies {
        if let Ok(policy) = spec.compile() {
            policies.add(name.clone(), policy);
        }
    }
    policies
}
