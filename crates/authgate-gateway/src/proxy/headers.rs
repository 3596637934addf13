//! Header hygiene (security.md BCP-70, BCP-71): hop-by-hop headers, inbound identity headers,
//! `X-Forwarded-*`, identity headers for the upstream and the standard security headers.

use authgate::Principal;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
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

/// Whether the header name `name` (lower case, as every `HeaderName` is) equals `target`
/// (lower case, `-`-separated) when each `_` in `name` is read as `-`, the way a WSGI/PHP
/// upstream reads it.
fn eq_folded(name: &[u8], target: &str) -> bool {
    name.len() == target.len()
        && name
            .iter()
            .zip(target.as_bytes())
            .all(|(&n, &t)| n == t || (n == b'_' && t == b'-'))
}

/// [`eq_folded`] for a prefix.
fn starts_folded(name: &[u8], prefix: &str) -> bool {
    name.get(..prefix.len())
        .is_some_and(|head| eq_folded(head, prefix))
}

/// Whether `name` (in any case or underscore spelling) is an identity header the gateway
/// owns: `X-Auth-*`, `X-Auth-Request-*`, `X-Forwarded-User`/`-Email`/`-Preferred-Username`/
/// `-Groups`/`-Access-Token`, `X-User-Id`, `X-Remote-User`, `Remote-User`, `X-User`,
/// `X-Email`, `OIDC-Claim-*`.
pub fn is_identity_header(name: &HeaderName) -> bool {
    let name = name.as_str().as_bytes();
    IDENTITY_NAMES.iter().any(|n| eq_folded(name, n))
        || IDENTITY_PREFIXES.iter().any(|p| starts_folded(name, p))
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
    upgrade
        && headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
}

/// Removes hop-by-hop headers: the fixed set, `Keep-Alive`, `Proxy-*` and whatever
/// `Connection` lists.
pub fn remove_hop_by_hop(headers: &mut HeaderMap) {
    remove_connection_listed(headers);
    remove_where(headers, is_hop_by_hop);
}

/// Removes the `Connection` headers and every header they list.
fn remove_connection_listed(headers: &mut HeaderMap) {
    let mut values = headers.get_all(header::CONNECTION).iter();
    match (values.next(), values.next()) {
        (None, _) => {}
        // The usual case (an upstream's `keep-alive`): nothing to copy the value into.
        (Some(_), None) => {
            if let Some(value) = headers.remove(header::CONNECTION) {
                remove_listed(headers, &value);
            }
        }
        (Some(_), Some(_)) => {
            let listed: Vec<HeaderValue> = match headers.entry(header::CONNECTION) {
                header::Entry::Occupied(entry) => entry.remove_entry_mult().1.collect(),
                header::Entry::Vacant(_) => Vec::new(),
            };
            for value in &listed {
                remove_listed(headers, value);
            }
        }
    }
}

/// Removes the headers one `Connection` value lists.
fn remove_listed(headers: &mut HeaderMap, value: &HeaderValue) {
    let tokens = value.to_str().unwrap_or_default().split(',');
    for token in tokens.map(str::trim).filter(|t| !t.is_empty()) {
        // Looking a `&str` up lower-cases it; a token that is no header name names nothing
        // present.
        headers.remove(token);
    }
}

/// Whether `name` is hop-by-hop by itself: the fixed set, `Keep-Alive`, `Proxy-*` (with `_`
/// read as `-`).
fn is_hop_by_hop(name: &HeaderName) -> bool {
    let folded = name.as_str().as_bytes();
    HOP_BY_HOP.contains(name) || eq_folded(folded, "keep-alive") || starts_folded(folded, "proxy-")
}

/// Removes, in one pass over the names, everything an inbound request must not carry to the
/// upstream: hop-by-hop headers ([`remove_hop_by_hop`]), inbound identity headers
/// ([`strip_identity_headers`]), the client-connection headers an untrusted peer sent (and
/// their underscore spellings from anyone, as [`set_forwarded`] does), `Host`, and
/// `Authorization` unless `keep_authorization`. Then [`add_forwarded`] sets the forwarding
/// headers.
pub fn clean_request(headers: &mut HeaderMap, trusted_peer: bool, keep_authorization: bool) {
    remove_connection_listed(headers);
    remove_where(headers, |name| {
        is_hop_by_hop(name)
            || is_identity_header(name)
            || is_refused_forwarding(name, trusted_peer)
            || name == header::HOST
            || (name == header::AUTHORIZATION && !keep_authorization)
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
    /// `peer` as a header value ([`peer_value`]; a connection computes it once).
    pub peer_value: HeaderValue,
    /// Whether the peer is in `trusted_proxies`.
    pub trusted: bool,
    /// `http` or `https`: how the gateway was reached.
    pub proto: &'static str,
    /// The inbound `Host` (or `:authority`).
    pub host: Option<HeaderValue>,
}

/// `peer` as an `X-Forwarded-For` value.
pub fn peer_value(peer: IpAddr) -> HeaderValue {
    // An address's text is always a valid header value.
    HeaderValue::from_str(&peer.to_string()).unwrap_or(HeaderValue::from_static("unknown"))
}

/// Whether `name` is a client-connection header to drop: every one (`X-Forwarded-*`,
/// `Forwarded`, `X-Real-IP`, `X-Client-IP`, `X-Original-*`) from an untrusted peer, and their
/// underscore spellings from anyone.
fn is_refused_forwarding(name: &HeaderName, trusted_peer: bool) -> bool {
    let name = name.as_str().as_bytes();
    let forwarding =
        starts_folded(name, "x-forwarded-") || FORWARDING_NAMES.iter().any(|f| eq_folded(name, f));
    forwarding && (!trusted_peer || name.contains(&b'_'))
}

/// Sets `X-Forwarded-For`/`-Proto`/`-Host` (BCP-71). From a trusted peer the inbound chain is
/// kept and the peer appended, and inbound `-Proto`/`-Host` are honoured; from any other peer
/// every forwarding header is dropped and replaced by what the gateway saw. Underscore
/// spellings are dropped in both cases.
pub fn set_forwarded(headers: &mut HeaderMap, fwd: &Forwarding) {
    remove_where(headers, |name| is_refused_forwarding(name, fwd.trusted));
    add_forwarded(headers, fwd);
}

/// The second half of [`set_forwarded`], once the refused forwarding headers are gone (as
/// [`clean_request`] leaves them).
pub fn add_forwarded(headers: &mut HeaderMap, fwd: &Forwarding) {
    let chain = if fwd.trusted {
        inbound_chain(headers)
    } else {
        None
    };
    let xff = match chain {
        Some(chain) => HeaderValue::from_str(&format!("{chain}, {}", fwd.peer)).ok(),
        None => Some(fwd.peer_value.clone()),
    };
    if let Some(value) = xff {
        headers.insert(X_FORWARDED_FOR, value);
    }
    // From an untrusted peer none is left to honour: no lookup.
    let honoured = |headers: &HeaderMap, name| fwd.trusted && headers.contains_key(name);
    if !honoured(headers, X_FORWARDED_PROTO) {
        headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static(fwd.proto));
    }
    if let Some(host) = &fwd.host
        && !honoured(headers, X_FORWARDED_HOST)
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
    insert_identity(headers, &identity_values(principal));
}

/// The `X-Auth-*` headers of a principal, built once and inserted into each of its requests.
pub type IdentityHeaders = Vec<(HeaderName, HeaderValue)>;

/// The `X-Auth-*` headers [`inject_identity`] sets for `principal`.
pub fn identity_values(principal: &Principal) -> IdentityHeaders {
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
    values
        .into_iter()
        .filter_map(|(name, value)| {
            let value = value.filter(|v| !v.is_empty())?;
            Some((name, HeaderValue::from_str(value).ok()?))
        })
        .collect()
}

/// Sets the headers of [`identity_values`] (replacing any of the same name).
pub fn insert_identity(headers: &mut HeaderMap, identity: &IdentityHeaders) {
    for (name, value) in identity {
        headers.insert(name.clone(), value.clone());
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
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("no-referrer"));
    headers
        .entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
}

#[cfg(test)]
mod tests;
