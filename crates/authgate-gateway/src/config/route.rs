//! `[[routes]]` entries: path pattern, methods, upstream, authentication, policy, providers,
//! CORS, timeouts, rate limits and prefix stripping, each checked with its path
//! (`routes[2].upstream: must be http or https`).

use super::problems::Problems;
use super::raw::{AuthMode, RawCors, RawRoute};
use super::validate::rate_limit;
use super::{CorsSettings, RateLimitSettings, RouteSpec};
use crate::proxy::UpstreamTarget;
use crate::routes::PathPattern;
use authgate::Policies;
use authgate_core::Policy;
use http::Method;
use std::sync::Arc;
use std::time::Duration;

/// Upstream connect timeout default.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Upstream response-head timeout default.
const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);
/// CORS preflight cache default.
const DEFAULT_CORS_MAX_AGE: Duration = Duration::from_secs(600);
/// CORS methods when neither the CORS block nor the route lists any.
const DEFAULT_CORS_METHODS: [Method; 6] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];
/// CORS request headers default.
const DEFAULT_CORS_HEADERS: [&str; 2] = ["authorization", "content-type"];

/// What routes are checked against.
#[derive(Debug)]
pub(crate) struct RouteContext<'a> {
    /// Whether a provider has `login = true` (`session` and `any` need one).
    pub(crate) sign_in: bool,
    /// Every provider id in the file.
    pub(crate) provider_ids: &'a [String],
    /// Compiled named policies.
    pub(crate) policies: &'a Policies,
    /// Every policy name in the file (compiled or not).
    pub(crate) policy_names: Vec<&'a str>,
    /// `[rate_limit]`, the default of each route.
    pub(crate) rate_limit: RateLimitSettings,
}

/// Checks every route; entries that did not deserialize are skipped (already reported).
pub(crate) fn routes(
    raw: &[Option<RawRoute>],
    cx: &RouteContext<'_>,
    problems: &mut Problems,
) -> Vec<RouteSpec> {
    check_unique_names(raw, problems);
    raw.iter()
        .enumerate()
        .filter_map(|(i, r)| route(r.as_ref()?, &format!("routes[{i}]"), cx, problems))
        .collect()
}

/// Names label logs and metrics, so two routes may not share one.
fn check_unique_names(raw: &[Option<RawRoute>], problems: &mut Problems) {
    let mut seen = std::collections::HashSet::new();
    for (i, route) in raw.iter().enumerate() {
        let name = route.as_ref().and_then(|r| r.name.as_deref());
        if name.is_some_and(|n| !seen.insert(n)) {
            problems.push(format!("routes[{i}].name"), "another route has this name");
        }
    }
}

fn route(
    raw: &RawRoute,
    at: &str,
    cx: &RouteContext<'_>,
    problems: &mut Problems,
) -> Option<RouteSpec> {
    if let Err(why) = PathPattern::parse(&raw.path) {
        problems.push(format!("{at}.path"), why);
    }
    let auth = auth_mode(raw, at, cx, problems);
    let methods = methods(&raw.methods, &format!("{at}.methods"), problems);
    check_providers(raw, at, cx, problems);
    if let Some(prefix) = &raw.strip_prefix {
        check_strip_prefix(prefix, &raw.path, &format!("{at}.strip_prefix"), problems);
    }
    // Not `?` yet: the fields before it in the struct still report their problems.
    let upstream = upstream(&raw.upstream, &format!("{at}.upstream"), problems);
    Some(RouteSpec {
        name: raw.name.clone().unwrap_or_else(|| raw.path.clone()),
        path: raw.path.clone(),
        policy: policy(raw, at, cx, problems),
        cors: raw
            .cors
            .as_ref()
            .map(|c| cors(c, methods.as_deref(), &format!("{at}.cors"), problems)),
        rate_limit: rate_limit(
            raw.rate_limit.as_ref(),
            &cx.rate_limit,
            &format!("{at}.rate_limit"),
            problems,
        ),
        connect_timeout: timeout(
            raw.timeouts.connect,
            DEFAULT_CONNECT_TIMEOUT,
            &format!("{at}.timeouts.connect"),
            problems,
        ),
        response_timeout: timeout(
            raw.timeouts.response,
            DEFAULT_RESPONSE_TIMEOUT,
            &format!("{at}.timeouts.response"),
            problems,
        ),
        methods,
        upstream: upstream?,
        auth,
        providers: raw.providers.clone(),
        identity_headers: raw.forward.identity_headers.unwrap_or(true),
        forward_authorization: raw.forward.authorization.unwrap_or(false),
        strip_prefix: raw.strip_prefix.clone(),
    })
}

/// `bearer` by default. `session` and `any` need a provider with `login = true`.
fn auth_mode(raw: &RawRoute, at: &str, cx: &RouteContext<'_>, problems: &mut Problems) -> AuthMode {
    let auth = raw.auth.unwrap_or(AuthMode::Bearer);
    if auth != AuthMode::None && cx.provider_ids.is_empty() {
        problems.push(
            format!("{at}.auth"),
            "needs at least one [[providers]] entry (or auth = \"none\")",
        );
    }
    if matches!(auth, AuthMode::Session | AuthMode::Any) && !cx.sign_in {
        problems.push(
            format!("{at}.auth"),
            "needs sign-in: at least one [[providers]] entry with login = true",
        );
    }
    if auth == AuthMode::None {
        let unused = [
            ("policy", raw.policy.is_some()),
            ("require", raw.require.is_some()),
            ("providers", !raw.providers.is_empty()),
        ];
        for (field, _) in unused.iter().filter(|(_, set)| *set) {
            problems.push(
                format!("{at}.{field}"),
                "has no effect with auth = \"none\"",
            );
        }
    }
    if auth == AuthMode::Session && !raw.providers.is_empty() {
        problems.push(
            format!("{at}.providers"),
            "has no effect with auth = \"session\" (restrict sessions with a policy)",
        );
    }
    auth
}

/// Methods, upper-cased; an empty list means any method (`None`).
fn methods(raw: &[String], at: &str, problems: &mut Problems) -> Option<Vec<Method>> {
    if raw.is_empty() {
        return None;
    }
    let mut parsed: Vec<Method> = Vec::new();
    for (i, name) in raw.iter().enumerate() {
        match Method::from_bytes(name.to_ascii_uppercase().as_bytes()) {
            Ok(m) if parsed.contains(&m) => {
                problems.push(format!("{at}[{i}]"), format!("{m} is listed twice"))
            }
            Ok(m) => parsed.push(m),
            Err(_) => problems.push(format!("{at}[{i}]"), "not an HTTP method"),
        }
    }
    Some(parsed)
}

/// The upstream URL `text`, checked and prepared for requests.
fn upstream(text: &str, at: &str, problems: &mut Problems) -> Option<UpstreamTarget> {
    let url = url::Url::parse(text)
        .map_err(|e| problems.push(at, format!("not a URL: {e}")))
        .ok()?;
    let why = if !matches!(url.scheme(), "http" | "https") {
        Some("must be http or https")
    } else if url.host_str().is_none_or(str::is_empty) {
        Some("must name a host")
    } else if url.query().is_some() || url.fragment().is_some() {
        Some("must not have a query or fragment")
    } else if !url.username().is_empty() || url.password().is_some() {
        Some("must not carry credentials")
    } else {
        None
    };
    if let Some(why) = why {
        problems.push(at, why);
        return None;
    }
    let target = UpstreamTarget::new(&url);
    if target.is_none() {
        problems.push(at, "the host is not valid in an HTTP authority");
    }
    target
}

fn check_providers(raw: &RawRoute, at: &str, cx: &RouteContext<'_>, problems: &mut Problems) {
    for (j, id) in raw.providers.iter().enumerate() {
        if !cx.provider_ids.contains(id) {
            problems.push(
                format!("{at}.providers[{j}]"),
                format!("no provider with id {id:?} in [[providers]]"),
            );
        }
    }
}

/// A named policy or an inline `require`, never both.
fn policy(
    raw: &RawRoute,
    at: &str,
    cx: &RouteContext<'_>,
    problems: &mut Problems,
) -> Option<Arc<Policy>> {
    match (&raw.policy, &raw.require) {
        (Some(_), Some(_)) => {
            problems.push(
                format!("{at}.require"),
                "set either policy or require, not both",
            );
            None
        }
        (Some(name), None) => {
            if !cx.policy_names.contains(&name.as_str()) {
                problems.push(
                    format!("{at}.policy"),
                    format!("no policy named {name:?} in [policies]"),
                );
            }
            cx.policies.get(name).cloned().map(Arc::new)
        }
        (None, Some(spec)) => match spec.compile() {
            Ok(policy) => Some(Arc::new(policy)),
            Err(why) => {
                problems.push(format!("{at}.require"), why);
                None
            }
        },
        (None, None) => None,
    }
}

fn timeout(
    value: Option<Duration>,
    default: Duration,
    at: &str,
    problems: &mut Problems,
) -> Duration {
    let value = value.unwrap_or(default);
    if value.is_zero() {
        problems.push(at, "must be more than 0s");
    }
    value
}

/// The prefix must be literal, start with `/`, and be a whole-segment prefix of the pattern.
fn check_strip_prefix(prefix: &str, pattern: &str, at: &str, problems: &mut Problems) {
    let well_formed = prefix.len() > 1
        && prefix.starts_with('/')
        && !prefix.ends_with('/')
        && !prefix.contains(['{', '}']);
    let is_prefix = pattern
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    if !well_formed {
        problems.push(
            at,
            "must be a literal path like /api (starting with /, no trailing /)",
        );
    } else if !is_prefix {
        problems.push(
            at,
            format!("must be a prefix of the route's path {pattern:?} (whole segments)"),
        );
    }
}

fn cors(
    raw: &RawCors,
    route_methods: Option<&[Method]>,
    at: &str,
    problems: &mut Problems,
) -> CorsSettings {
    check_origins(raw, at, problems);
    let allowed_methods = if raw.allowed_methods.is_empty() {
        route_methods.map_or_else(|| DEFAULT_CORS_METHODS.to_vec(), <[Method]>::to_vec)
    } else {
        methods(
            &raw.allowed_methods,
            &format!("{at}.allowed_methods"),
            problems,
        )
        .unwrap_or_default()
    };
    let allowed_headers = if raw.allowed_headers.is_empty() {
        DEFAULT_CORS_HEADERS.map(str::to_owned).to_vec()
    } else {
        header_names(
            &raw.allowed_headers,
            &format!("{at}.allowed_headers"),
            problems,
        )
    };
    CorsSettings {
        allowed_origins: raw.allowed_origins.clone(),
        allowed_methods,
        allowed_headers,
        expose_headers: header_names(
            &raw.expose_headers,
            &format!("{at}.expose_headers"),
            problems,
        ),
        allow_credentials: raw.allow_credentials,
        max_age: raw.max_age.unwrap_or(DEFAULT_CORS_MAX_AGE),
    }
}

/// Origins are compared exactly, so each must be written as browsers send it.
fn check_origins(raw: &RawCors, at: &str, problems: &mut Problems) {
    let origins = &raw.allowed_origins;
    if origins.is_empty() {
        problems.push(
            format!("{at}.allowed_origins"),
            "must list at least one origin",
        );
    }
    let wildcard = origins.iter().any(|o| o == "*");
    if wildcard && origins.len() > 1 {
        problems.push(
            format!("{at}.allowed_origins"),
            "\"*\" must be the only entry",
        );
    }
    if wildcard && raw.allow_credentials {
        problems.push(
            format!("{at}.allow_credentials"),
            "cannot be true with allowed_origins = [\"*\"] (list exact origins)",
        );
    }
    for (i, origin) in origins.iter().enumerate().filter(|(_, o)| *o != "*") {
        if !is_exact_origin(origin) {
            problems.push(
                format!("{at}.allowed_origins[{i}]"),
                "must be an exact origin like https://app.example.com (scheme, host and optional port; no path, no trailing slash)",
            );
        }
    }
}

fn is_exact_origin(origin: &str) -> bool {
    url::Url::parse(origin).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.origin().ascii_serialization() == origin
    })
}

/// Header names, lowercased.
fn header_names(raw: &[String], at: &str, problems: &mut Problems) -> Vec<String> {
    let mut names = Vec::new();
    for (i, name) in raw.iter().enumerate() {
        match http::HeaderName::from_bytes(name.as_bytes()) {
            Ok(h) => names.push(h.as_str().to_owned()),
            Err(_) => problems.push(format!("{at}[{i}]"), "not a header name"),
        }
    }
    names
}
