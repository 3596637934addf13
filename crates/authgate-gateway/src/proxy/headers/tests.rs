use super::*;

fn map(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    headers
}

#[test]
fn bcp_70_identity_headers_are_recognised_in_every_spelling() {
    for name in [
        "X-Auth-Subject",
        "x_auth_subject",
        "X-AUTH-REQUEST-USER",
        "x_auth_request_email",
        "X_Forwarded_Email",
        "x-forwarded-user",
        "X-Forwarded-Preferred-Username",
        "x-forwarded-groups",
        "X-Forwarded-Access-Token",
        "X-User-Id",
        "x_user_id",
        "X-Remote-User",
        "Remote-User",
        "remote_user",
        "X-User",
        "X-Email",
        "OIDC_CLAIM_email",
        "oidc-claim-sub",
    ] {
        let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
        assert!(is_identity_header(&name), "{name}");
    }
    for name in [
        "x-forwarded-for",
        "x-user-agent",
        "authorization",
        "x-authorization",
        "user",
    ] {
        let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
        assert!(!is_identity_header(&name), "{name}");
    }
}

#[test]
fn hop_by_hop_headers_and_connection_listed_ones_go() {
    let mut h = map(&[
        ("connection", "keep-alive, x-secret"),
        ("keep-alive", "timeout=5"),
        ("te", "trailers"),
        ("trailer", "x"),
        ("transfer-encoding", "chunked"),
        ("upgrade", "h2c"),
        ("proxy-authorization", "Basic x"),
        ("proxy-connection", "keep-alive"),
        ("x-secret", "1"),
        ("accept", "*/*"),
    ]);
    remove_hop_by_hop(&mut h);
    assert_eq!(h.len(), 1, "{h:?}");
    assert!(h.contains_key("accept"));
}

#[test]
fn websocket_upgrade_needs_both_headers() {
    assert!(is_websocket_upgrade(&map(&[
        ("connection", "keep-alive, Upgrade"),
        ("upgrade", "WebSocket")
    ])));
    assert!(!is_websocket_upgrade(&map(&[("upgrade", "websocket")])));
    assert!(!is_websocket_upgrade(&map(&[
        ("connection", "upgrade"),
        ("upgrade", "h2c")
    ])));
}

fn forwarding(trusted: bool) -> Forwarding {
    Forwarding {
        peer: "10.0.0.9".parse().unwrap(),
        peer_value: peer_value("10.0.0.9".parse().unwrap()),
        trusted,
        proto: "http",
        host: Some(HeaderValue::from_static("gw.example.com")),
    }
}

#[test]
fn bcp_71_untrusted_peer_forwarding_headers_are_replaced() {
    let mut h = map(&[
        ("x-forwarded-for", "1.2.3.4"),
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "evil.example"),
        ("x_forwarded_for", "5.6.7.8"),
        ("forwarded", "for=1.2.3.4"),
        ("x-real-ip", "1.2.3.4"),
        ("x-forwarded-uri", "/admin"),
    ]);
    set_forwarded(&mut h, &forwarding(false));
    assert_eq!(h["x-forwarded-for"], "10.0.0.9");
    assert_eq!(h["x-forwarded-proto"], "http");
    assert_eq!(h["x-forwarded-host"], "gw.example.com");
    assert_eq!(h.len(), 3, "{h:?}");
}

#[test]
fn bcp_71_trusted_peer_chain_is_extended() {
    let mut h = map(&[
        ("x-forwarded-for", "1.2.3.4"),
        ("x-forwarded-for", "5.6.7.8"),
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "api.example.com"),
        ("x_forwarded_for", "6.6.6.6"),
    ]);
    set_forwarded(&mut h, &forwarding(true));
    assert_eq!(h["x-forwarded-for"], "1.2.3.4, 5.6.7.8, 10.0.0.9");
    assert_eq!(h["x-forwarded-proto"], "https");
    assert_eq!(h["x-forwarded-host"], "api.example.com");
    assert!(!h.contains_key("x_forwarded_for"));
}

#[test]
fn security_headers_keep_the_upstream_frame_policy() {
    let mut h = map(&[("x-frame-options", "SAMEORIGIN")]);
    security_headers(&mut h);
    assert_eq!(h["x-frame-options"], "SAMEORIGIN");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    let mut empty = HeaderMap::new();
    security_headers(&mut empty);
    assert_eq!(empty["x-frame-options"], "DENY");
}

fn principal(claims: serde_json::Value) -> Principal {
    let serde_json::Value::Object(map) = claims else {
        panic!("claims must be an object");
    };
    let claims = authgate_core::Claims::new(map);
    Principal::from_claims("oidc", claims, &authgate_core::ClaimMapping::default())
}

#[test]
fn identity_values_that_cannot_be_header_values_are_omitted_not_truncated() {
    let p = principal(serde_json::json!({
        "iss": "https://idp.example.com",
        "sub": "user-1",
        "name": "Eve\r\nX-Auth-Subject: admin",
        "email": "eve@example.com",
        "scope": "read write",
        "roles": ["A", "B"],
    }));
    let mut h = HeaderMap::new();
    inject_identity(&mut h, &p);
    assert_eq!(h["x-auth-subject"], "user-1");
    assert!(h.get("x-auth-name").is_none(), "{h:?}");
    assert_eq!(h["x-auth-email"], "eve@example.com");
    assert_eq!(h["x-auth-scopes"], "read write");
    assert_eq!(h["x-auth-roles"], "A,B");
    assert_eq!(h["x-auth-provider"], "oidc");
    assert_eq!(h.get_all("x-auth-subject").iter().count(), 1);
}

#[test]
fn the_gateway_cookies_never_reach_the_upstream() {
    let mut h = HeaderMap::new();
    h.append(
        "cookie",
        HeaderValue::from_static("a=1; __Host-authgate=secret; b=2"),
    );
    h.append(
        "cookie",
        HeaderValue::from_static("authgate=s; authgate-login=x"),
    );
    h.append("cookie", HeaderValue::from_static("authgate_other=keep"));
    strip_gateway_cookies(&mut h);
    let values: Vec<&str> = h
        .get_all("cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(values, ["a=1; b=2", "authgate_other=keep"]);
}

/// Names every hygiene rule looks at, in several spellings, and some it must keep.
const NAMES: &[&str] = &[
    "host",
    "authorization",
    "connection",
    "keep-alive",
    "keep_alive",
    "te",
    "trailer",
    "upgrade",
    "proxy-authorization",
    "proxy_connection",
    "x-auth-subject",
    "x_auth_request_user",
    "remote-user",
    "oidc_claim_sub",
    "x-forwarded-for",
    "x_forwarded_for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "forwarded",
    "x-real-ip",
    "x_original_uri",
    "accept",
    "cookie",
    "x-request-id",
    "x-secret",
    "x_forwarded_proto",
    "x-forwarded_host",
    "proxy_authorization",
    "x_auth_subject",
    "oidc-claim_email",
    "x-original_url",
];

/// Values, including `Connection` lists naming other headers in any case.
const VALUES: &[&str] = &[
    "1",
    "keep-alive",
    "close, X-Secret",
    "Accept, x-request-id",
    "upgrade",
    "10.1.1.1",
    "Close, X-SECRET",
    "KEEP-ALIVE, Accept",
    "x_secret",
    " , ,",
];

/// The hygiene as it was written before the one-pass rewrite (session 3, verbatim in
/// substance), kept as the reference the rewrite is held to: it shares no helper with it.
mod reference {
    use super::super::{FORWARDING_NAMES, Forwarding, HOP_BY_HOP, IDENTITY_NAMES};
    use super::super::{IDENTITY_PREFIXES, X_FORWARDED_FOR, X_FORWARDED_HOST, X_FORWARDED_PROTO};
    use http::header::{self, HeaderMap, HeaderName, HeaderValue};
    use std::borrow::Cow;

    fn folded(name: &HeaderName) -> Cow<'_, str> {
        let name = name.as_str();
        if name.contains('_') {
            Cow::Owned(name.replace('_', "-"))
        } else {
            Cow::Borrowed(name)
        }
    }

    fn remove_where(headers: &mut HeaderMap, pred: impl Fn(&HeaderName) -> bool) {
        let doomed: Vec<HeaderName> = headers.keys().filter(|n| pred(n)).cloned().collect();
        for name in doomed {
            headers.remove(&name);
        }
    }

    fn is_identity_header(name: &HeaderName) -> bool {
        let name = folded(name);
        IDENTITY_NAMES.contains(&&*name) || IDENTITY_PREFIXES.iter().any(|p| name.starts_with(p))
    }

    fn remove_hop_by_hop(headers: &mut HeaderMap) {
        let listed: Vec<String> = headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .collect();
        remove_where(headers, |name| {
            if HOP_BY_HOP.contains(name) || listed.iter().any(|t| t == name.as_str()) {
                return true;
            }
            let name = folded(name);
            name == "keep-alive" || name.starts_with("proxy-")
        });
    }

    fn set_forwarded(headers: &mut HeaderMap, fwd: &Forwarding) {
        let trusted = fwd.trusted;
        remove_where(headers, |n| {
            let f = folded(n);
            let forwarding = f.starts_with("x-forwarded-") || FORWARDING_NAMES.contains(&&*f);
            forwarding && (!trusted || n.as_str().contains('_'))
        });
        let parts: Vec<&str> = headers
            .get_all(X_FORWARDED_FOR)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect();
        let xff = if parts.is_empty() {
            fwd.peer.to_string()
        } else {
            format!("{}, {}", parts.join(", "), fwd.peer)
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

    /// The request hygiene of session 3's `prepare_request_headers`, in its order.
    pub(super) fn prepare(headers: &mut HeaderMap, fwd: &Forwarding, keep_authorization: bool) {
        remove_hop_by_hop(headers);
        remove_where(headers, is_identity_header);
        set_forwarded(headers, fwd);
        headers.remove(header::HOST);
        if !keep_authorization {
            headers.remove(header::AUTHORIZATION);
        }
    }
}

proptest::proptest! {
    #[test]
    fn one_pass_hygiene_equals_the_hygiene_before_it(
        pairs in proptest::collection::vec((0..NAMES.len(), 0..VALUES.len()), 0..12),
        trusted: bool,
        keep_authorization: bool,
    ) {
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|&(n, v)| (NAMES[n], VALUES[v])).collect();
        let fwd = forwarding(trusted);
        let mut separate = map(&pairs);
        reference::prepare(&mut separate, &fwd, keep_authorization);
        let mut one_pass = map(&pairs);
        clean_request(&mut one_pass, trusted, keep_authorization);
        add_forwarded(&mut one_pass, &fwd);
        proptest::prop_assert_eq!(one_pass, separate);
    }
}

#[test]
fn clean_request_keeps_what_the_upstream_may_see() {
    let mut h = map(&[
        ("host", "gw.example.com"),
        ("authorization", "Bearer t"),
        ("connection", "close, x-secret"),
        ("x-secret", "1"),
        ("x_auth_subject", "admin"),
        ("x-forwarded-for", "6.6.6.6"),
        ("accept", "*/*"),
        ("cookie", "a=1"),
    ]);
    clean_request(&mut h, false, false);
    let mut names: Vec<&str> = h.keys().map(HeaderName::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["accept", "cookie"]);
    let mut kept = map(&[("authorization", "Bearer t")]);
    clean_request(&mut kept, false, true);
    assert_eq!(kept["authorization"], "Bearer t");
}

#[test]
fn every_connection_header_counts_in_any_case() {
    let mut h = map(&[
        ("connection", "X-One"),
        ("connection", "x-two, Keep-Alive"),
        ("x-one", "1"),
        ("x-two", "2"),
        ("keep-alive", "timeout=5"),
        ("x-three", "3"),
    ]);
    remove_hop_by_hop(&mut h);
    let names: Vec<&str> = h.keys().map(HeaderName::as_str).collect();
    assert_eq!(names, ["x-three"]);
}

/// The nginx forward-auth example clears every identity header name the gateway's own proxy
/// removes (nginx cannot remove by prefix; `X-Auth-*` names are each set there).
#[test]
fn the_nginx_example_clears_every_identity_header_the_proxy_removes() {
    let snippet = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/forward-auth-nginx/authgate-locations.conf"
    ))
    .to_ascii_lowercase();
    for name in super::IDENTITY_NAMES {
        let cleared = format!("proxy_set_header {name} \"\";");
        assert!(snippet.contains(&cleared), "{name} is not cleared");
    }
}
