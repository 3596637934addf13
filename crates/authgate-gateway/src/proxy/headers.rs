//! Header hygiene (security.md BCP-70, BCP-71): hop-by-hop headers, inbound identity headers,
//! `X-Forwarded-*`, identity headers for the upstream and the standard security headers.

use authgate::Principal;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use std::borrow::Cow;
use std::net::IpAddr;

/// Exact (lower-case, `_` read as `-`) names of identity headers a client must never send
/// upstream, whatever their case or spelling.
const IDENTITY_NAMES: &[&str] = &[
    "x-forwarded-user",
    "x-forwarded-email",
    "x-forwarded-preferred-username",
    "x-forwarded-groups",
    "x-forwarded-access-token",
    "x-user-id",
    "x-remote-user",
    "remote-user",
    "x-user",
    "x-email",
];

/// Prefixes of identity headers (`x-auth-` covers `x-auth-request-*`).
const IDENTITY_PREFIXES: &[&str] = &["x-auth-", "oidc-claim-"];

/// Headers that describe the client connection; only trusted proxies may send them.
const FORWARDING_NAMES: &[&str] = &[
    "forwarded",
    "x-real-ip",
    "x-client-ip",
    "x-original-uri",
    "x-original-url",
    "x-original-method",
];

/// Hop-by-hop headers (RFC 9110 §7.6.1), besides those `Connection` lists.
const HOP_BY_HOP: &[HeaderName] = &[
    header::CONNECTION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::PROXY_AUTHORIZATION,
    header::PROXY_AUTHENTICATE,
];

/// The name as a WSGI/PHP upstream would read it: lower case (as every `HeaderName` is),
/// `_` turned into `-`. Allocates only for names that contain `_`.
fn folded(name: &HeaderName) -> Cow<'_, str> {
    let name = name.as_str();
    if name.contains('_') {
        Cow::Owned(name.replace('_', "-"))
    } else {
        Cow::Borrowed(name)
    }
}

/// Whether `name` (in any case or underscore spelling) is an identity header the gateway
/// owns: `X-Auth-*`, `X-Auth-Request-*`, `X-Forwarded-User`/`-Email`/`-Preferred-Username`/
/// `-Groups`/`-Access-Token`, `X-User-Id`, `X-Remote-User`, `Remote-User`, `X-User`,
/// `X-Email`, `OIDC-Claim-*`.
pub fn is_identity_header(name: &HeaderName) -> bool {
    let name = folded(name);
    IDENTITY_NAMES.contains(&&*name) || IDENTITY_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Removes every inbound identity header (BCP-70). Call on every path, authenticated or not.
pub fn strip_identity_headers(headers: &mut HeaderMap) {
    remove_where(headers, is_identity_header);
}

/// The cookies of the gateway's own sign-in: the session and the sign-in binding cookie, in
/// their `__Host-` (https) and plain (http loopback) spellings.
const GATEWAY_COOKIES: [&str; 4] = [
    "__Host-authgate",
    "authgate",
    "__Host-authgate-login",
    "authgate-login",
];

/// Removes the gateway's own cookies from `Cookie` headers (the upstream never needs the
/// session's key); other cookies pass unchanged, a header left empty is dropped.
pub fn strip_gateway_cookies(headers: &mut HeaderMap) {
    let values: Vec<HeaderValue> = headers.get_all(header::COOKIE).iter().cloned().collect();
    if values.is_empty() {
        return;
    }
    headers.remove(header::COOKIE);
    for value in values {
        let Ok(text) = value.to_str() else {
            headers.append(header::COOKIE, value);
            continue;
        };
        let kept: Vec<&str> = text
            .split(';')
            .map(str::trim)
            .filter(|pair| {
                let name = pair.split('=').next().unwrap_or_default().trim();
                !pair.is_empty() && !GATEWAY_COOKIES.contains(&name)
            })
            .collect();
        if let Ok(value) = HeaderValue::from_str(&kept.join("; "))
            && !kept.is_empty()
        {
            headers.append(header::COOKIE, value);
        }
    }
}

/// Removes every header whose name satisfies `pred`.
fn remove_where(headers: &mut HeaderMap, pred: impl Fn(&HeaderName) -> bool) {
    let doomed: Vec<HeaderName> = headers.keys().filter(|n| pred(n)).cloned().collect();
    for name in doomed {
        headers.remove(&name);
    }
}

/// Whether the request asks for a WebSocket upgrade (`Connection: upgrade` +
/// `Upgrade: websocket`).
pub fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    let upgrade = headers
        .get_all(header::UPGRADE)
        .iter()
        .any(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"));
    upgrade && connection_tokens(headers).iter().any(|t| t == "upgrade")
}

/// The lower-case tokens of every `Connection` header.
fn connection_tokens(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Removes hop-by-hop headers: the fixed set, `Keep-Alive`, `Proxy-*` and whatever
/// `Connection` lists.
pub fn remove_hop_by_hop(headers: &mut HeaderMap) {
    let listed = connection_tokens(headers);
    remove_where(headers, |name| {
        if HOP_BY_HOP.contains(name) || listed.iter().any(|t| t == name.as_str()) {
            return true;
        }
        let name = folded(name);
        name == "keep-alive" || name.starts_with("proxy-")
    });
}

/// Restores the two headers a WebSocket upgrade needs after [`remove_hop_by_hop`].
pub fn set_websocket_upgrade(headers: &mut HeaderMap) {
    headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
}

/// The client connection as the gateway saw it.
#[derive(Debug, Clone)]
pub struct Forwarding {
    /// The TCP peer.
    pub peer: IpAddr,
    /// Whether the peer is in `trusted_proxies`.
    pub trusted: bool,
    /// `http` or `https`: how the gateway was reached.
    pub proto: &'static str,
    /// The inbound `Host` (or `:authority`).
    pub host: Option<HeaderValue>,
}

/// Whether a (folded) name describes the client connection.
fn is_forwarding(folded: &str) -> bool {
    folded.starts_with("x-forwarded-") || FORWARDING_NAMES.contains(&folded)
}

/// Sets `X-Forwarded-For`/`-Proto`/`-Host` (BCP-71). From a trusted peer the inbound chain is
/// kept and the peer appended, and inbound `-Proto`/`-Host` are honoured; from any other peer
/// every forwarding header is dropped and replaced by what the gateway saw. Underscore
/// spellings are dropped in both cases.
pub fn set_forwarded(headers: &mut HeaderMap, fwd: &Forwarding) {
    let trusted = fwd.trusted;
    remove_where(headers, |n| {
        let f = folded(n);
        is_forwarding(&f) && (!trusted || n.as_str().contains('_'))
    });
    let chain = inbound_chain(headers);
    let xff = match chain {
        Some(chain) => format!("{chain}, {}", fwd.peer),
        None => fwd.peer.to_string(),
    };
    if let Ok(value) = HeaderValue::from_str(&xff) {
        headers.insert(X_FORWARDED_FOR, value);
    }
    if !headers.contains_key(X_FORWARDED_PROTO) {
        headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static(fwd.proto));
    }
    if let Some(host) = &fwd.host
        && !headers.contains_key(X_FORWARDED_HOST)
    {
        headers.insert(X_FORWARDED_HOST, host.clone());
    }
}

/// The inbound `X-Forwarded-For` values joined (only present from trusted peers by now).
fn inbound_chain(headers: &HeaderMap) -> Option<String> {
    let parts: Vec<&str> = headers
        .get_all(X_FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// `X-Auth-Subject`.
pub const X_AUTH_SUBJECT: HeaderName = HeaderName::from_static("x-auth-subject");
/// `X-Auth-Email`.
pub const X_AUTH_EMAIL: HeaderName = HeaderName::from_static("x-auth-email");
/// `X-Auth-Name`.
pub const X_AUTH_NAME: HeaderName = HeaderName::from_static("x-auth-name");
/// `X-Auth-Tenant`.
pub const X_AUTH_TENANT: HeaderName = HeaderName::from_static("x-auth-tenant");
/// `X-Auth-Scopes` (space-separated).
pub const X_AUTH_SCOPES: HeaderName = HeaderName::from_static("x-auth-scopes");
/// `X-Auth-Roles` (comma-separated).
pub const X_AUTH_ROLES: HeaderName = HeaderName::from_static("x-auth-roles");
/// `X-Auth-Client`.
pub const X_AUTH_CLIENT: HeaderName = HeaderName::from_static("x-auth-client");
/// `X-Auth-Provider`.
pub const X_AUTH_PROVIDER: HeaderName = HeaderName::from_static("x-auth-provider");

/// Sets the `X-Auth-*` identity headers for `principal`. A value that is empty or not a valid
/// header value is omitted, never truncated or altered. Call after
/// [`strip_identity_headers`].
pub fn inject_identity(headers: &mut HeaderMap, principal: &Principal) {
    let joined_scopes = principal.scopes.join(" ");
    let joined_roles = principal.roles.join(",");
    let values: [(HeaderName, Option<&str>); 8] = [
        (X_AUTH_SUBJECT, Some(principal.subject.as_str())),
        (X_AUTH_EMAIL, principal.email.as_deref()),
        (X_AUTH_NAME, principal.name.as_deref()),
        (X_AUTH_TENANT, principal.tenant.as_deref()),
        (X_AUTH_SCOPES, Some(joined_scopes.as_str())),
        (X_AUTH_ROLES, Some(joined_roles.as_str())),
        (X_AUTH_CLIENT, principal.client_id.as_deref()),
        (X_AUTH_PROVIDER, Some(principal.provider.as_str())),
    ];
    for (name, value) in values {
        let valid = value
            .filter(|v| !v.is_empty())
            .and_then(|v| HeaderValue::from_str(v).ok());
        if let Some(value) = valid {
            headers.insert(name, value);
        }
    }
}

/// Adds the standard security headers: `X-Content-Type-Options: nosniff` always, and
/// `Referrer-Policy: no-referrer` and `X-Frame-Options: DENY` unless the response already
/// chose its own.
pub fn security_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !headers.contains_key(header::REFERRER_POLICY) {
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    if !headers.contains_key(header::X_FRAME_OPTIONS) {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
}

#[cfg(test)]
mod tests;
