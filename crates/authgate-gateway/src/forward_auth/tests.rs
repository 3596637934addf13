use super::*;

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

fn nets(cidrs: &[&str]) -> Vec<IpNet> {
    cidrs.iter().map(|c| c.parse().unwrap()).collect()
}

#[test]
fn nginx_pair_is_read() {
    let h = headers(&[
        ("X-Original-Method", "POST"),
        ("X-Original-URI", "/api/x?a=1"),
    ]);
    let original = OriginalRequest::from_headers(&h).unwrap();
    assert_eq!(original.method, Method::POST);
    assert_eq!(original.uri.path(), "/api/x");
    assert_eq!(original.uri.query(), Some("a=1"));
}

#[test]
fn traefik_pair_is_read() {
    let h = headers(&[
        ("X-Forwarded-Method", "DELETE"),
        ("X-Forwarded-Uri", "/a/b"),
    ]);
    let original = OriginalRequest::from_headers(&h).unwrap();
    assert_eq!(original.method, Method::DELETE);
    assert_eq!(original.uri.path(), "/a/b");
}

#[test]
fn absolute_target_uses_its_path() {
    let h = headers(&[
        ("X-Original-Method", "GET"),
        ("X-Original-URI", "http://h/p/q"),
    ]);
    assert_eq!(
        OriginalRequest::from_headers(&h).unwrap().uri.path(),
        "/p/q"
    );
}

#[test]
fn bcp71_both_pairs_are_refused() {
    // A client behind nginx adds X-Forwarded-Uri for a public path; nginx sets X-Original-URI.
    let h = headers(&[
        ("X-Original-Method", "GET"),
        ("X-Original-URI", "/admin"),
        ("X-Forwarded-Uri", "/public"),
    ]);
    assert!(OriginalRequest::from_headers(&h).is_err());
}

#[test]
fn missing_or_half_pairs_are_refused() {
    for h in [
        headers(&[]),
        headers(&[("X-Original-URI", "/a")]),
        headers(&[("X-Original-Method", "GET")]),
        headers(&[("X-Forwarded-Uri", "/a")]),
        headers(&[("X-Forwarded-Method", "GET")]),
    ] {
        assert!(OriginalRequest::from_headers(&h).is_err(), "{h:?}");
    }
}

#[test]
fn repeated_headers_are_refused() {
    let h = headers(&[
        ("X-Original-Method", "GET"),
        ("X-Original-URI", "/a"),
        ("X-Original-URI", "/b"),
    ]);
    assert!(OriginalRequest::from_headers(&h).is_err());
    let h = headers(&[
        ("X-Original-Method", "GET"),
        ("X-Original-Method", "POST"),
        ("X-Original-URI", "/a"),
    ]);
    assert!(OriginalRequest::from_headers(&h).is_err());
}

#[test]
fn targets_without_a_leading_slash_are_refused() {
    for uri in ["*", "a/b", "example.com:443"] {
        let h = headers(&[("X-Original-Method", "GET"), ("X-Original-URI", uri)]);
        assert!(OriginalRequest::from_headers(&h).is_err(), "{uri}");
    }
}

#[test]
fn bad_method_is_refused() {
    let h = headers(&[("X-Original-Method", "GE T"), ("X-Original-URI", "/a")]);
    assert!(OriginalRequest::from_headers(&h).is_err());
}

#[test]
fn trust_covers_v4_mapped_v6() {
    let trusted = nets(&["127.0.0.1/32", "10.0.0.0/8"]);
    assert!(is_trusted(&trusted, "127.0.0.1".parse().unwrap()));
    assert!(is_trusted(&trusted, "::ffff:10.1.2.3".parse().unwrap()));
    assert!(!is_trusted(&trusted, "127.0.0.2".parse().unwrap()));
    assert!(!is_trusted(&[], "127.0.0.1".parse().unwrap()));
}

#[test]
fn client_ip_is_rightmost_untrusted_hop() {
    let trusted = nets(&["127.0.0.1/32", "10.0.0.0/8"]);
    let peer: IpAddr = "127.0.0.1".parse().unwrap();
    let h = headers(&[("X-Forwarded-For", "6.6.6.6, 203.0.113.9, 10.0.0.5")]);
    assert_eq!(
        client_ip(&trusted, peer, &h),
        "203.0.113.9".parse::<IpAddr>().unwrap()
    );
    let h = headers(&[
        ("X-Forwarded-For", "6.6.6.6"),
        ("X-Forwarded-For", "203.0.113.9"),
    ]);
    assert_eq!(
        client_ip(&trusted, peer, &h),
        "203.0.113.9".parse::<IpAddr>().unwrap()
    );
}

#[test]
fn client_ip_falls_back_to_peer_or_stops_at_garbage() {
    let trusted = nets(&["127.0.0.1/32"]);
    let peer: IpAddr = "127.0.0.1".parse().unwrap();
    assert_eq!(client_ip(&trusted, peer, &HeaderMap::new()), peer);
    let h = headers(&[("X-Forwarded-For", "203.0.113.9, not-an-ip, 127.0.0.1")]);
    assert_eq!(client_ip(&trusted, peer, &h), peer);
}
