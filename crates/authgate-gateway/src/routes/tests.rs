use super::*;

#[test]
fn traversal_payloads_are_resolved_or_refused() {
    let cases: &[(&str, Result<&str, ()>)] = &[
        ("/api/../admin", Ok("/admin")),
        ("/api/%2e%2e/admin", Ok("/admin")),
        ("/api/%2E%2e/admin", Ok("/admin")),
        ("/api/.%2e/admin", Ok("/admin")),
        ("/api/%2fadmin", Err(())),
        ("/api/%2Fadmin", Err(())),
        ("/api/%5cadmin", Err(())),
        ("/api\\admin", Err(())),
        ("/api/%00", Err(())),
        ("/api/%0a", Err(())),
        ("/api/\u{1}", Err(())),
        ("//admin", Ok("/admin")),
        ("/api/./x", Ok("/api/x")),
        ("/api//x///y", Ok("/api/x/y")),
        ("/../../etc/passwd", Ok("/etc/passwd")),
        ("/api/x/..", Ok("/api/")),
        ("/api/x/.", Ok("/api/x/")),
        ("/api/x/", Ok("/api/x/")),
        ("/", Ok("/")),
        ("/..", Ok("/")),
        ("/api/%252e%252e/admin", Ok("/api/%252e%252e/admin")),
        ("/a%7eb%41", Ok("/a~bA")),
        ("/a%20b", Ok("/a%20b")),
        ("/a%zz", Err(())),
        ("/a%4", Err(())),
        ("/api/admin;x/users", Err(())),
        ("/api/admin%3bx/users", Err(())),
        ("/api/admin%3B/users", Err(())),
        ("/;", Err(())),
        ("api", Err(())),
        ("", Err(())),
    ];
    for (raw, want) in cases {
        let got = normalize_path(raw).map_err(|_| ());
        assert_eq!(got.as_deref(), want.as_ref().map(|s| *s), "{raw:?}");
    }
}

#[test]
fn forward_auth_takes_only_paths_already_in_normal_form() {
    for normal in [
        "/",
        "/api/data/x",
        "/api/x/",
        "/a%20b",
        "/a~b",
        "/api/%252e",
    ] {
        assert_eq!(normalize_exact(normal).as_deref(), Ok(normal), "{normal}");
    }
    for changed in [
        "/api/data/%2e%2e/%2e%2e/public/x",
        "/api/admin/../data/x",
        "/api/./x",
        "/api//x",
        "//api/x",
        "/api/x/..",
        "/%61pi/x",
        "/a%2eb/",
        "/api/%2e%2e",
    ] {
        assert!(normalize_path(changed).is_ok(), "{changed}");
        assert!(normalize_exact(changed).is_err(), "{changed}");
    }
    assert!(normalize_exact("/api/%2fx").is_err());
    // Lower-case hex is the same escape (the same bytes once decoded).
    assert_eq!(
        normalize_exact("/caf%c3%a9/a%3ab").as_deref(),
        Ok("/caf%C3%A9/a%3Ab")
    );
}

#[test]
fn normalisation_is_idempotent() {
    for raw in [
        "/api/../admin",
        "/a%7eb",
        "/x//y/./z/..",
        "/a%20b",
        "/api/%252e",
    ] {
        let once = normalize_path(raw).unwrap();
        assert_eq!(normalize_path(&once).unwrap(), once, "{raw}");
    }
}

#[test]
fn patterns_match_literals_params_and_rest() {
    let p = PathPattern::parse("/api/{id}/items/{*rest}").unwrap();
    assert!(p.matches("/api/7/items"));
    assert!(p.matches("/api/7/items/"));
    assert!(p.matches("/api/7/items/a/b"));
    assert!(!p.matches("/api//items/a"));
    assert!(!p.matches("/api/7/itemsx"));
    assert!(!p.matches("/api/7"));
    let exact = PathPattern::parse("/api/{id}").unwrap();
    assert!(exact.matches("/api/7"));
    assert!(!exact.matches("/api/7/"));
    assert!(!exact.matches("/api/7/8"));
    assert!(!exact.matches("/api/"));
    let root = PathPattern::parse("/").unwrap();
    assert!(root.matches("/"));
    assert!(!root.matches("/a"));
    let all = PathPattern::parse("/{*rest}").unwrap();
    assert!(all.matches("/") && all.matches("/a/b"));
}

#[test]
fn bad_patterns_say_why() {
    for bad in [
        "api",
        "/a/{*rest}/b",
        "/a//b",
        "/a/{}",
        "/a/x{id}",
        "/a/..",
        "/a/%2e",
        "/a/{i-d}",
    ] {
        assert!(PathPattern::parse(bad).is_err(), "{bad}");
    }
}
