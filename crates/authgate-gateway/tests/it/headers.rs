//! Header hygiene through the running gateway (security.md BCP-70, BCP-71).

use crate::support::*;
use serde_json::Value;

/// Spoofed identity headers in several spellings (case, underscores).
const SPOOFED: &[&str] = &[
    "X-Auth-Subject",
    "x-auth-email",
    "X_Auth_Subject",
    "X-Auth-Request-User",
    "x_auth_request_email",
    "X-Forwarded-User",
    "X_Forwarded_Email",
    "X-Forwarded-Preferred-Username",
    "X-Forwarded-Groups",
    "X-Forwarded-Access-Token",
    "X-User-Id",
    "x_user_id",
    "X-Remote-User",
    "Remote-User",
    "REMOTE_USER",
    "X-User",
    "X-Email",
    "OIDC_CLAIM_email",
    "Oidc-Claim-Sub",
];

/// Header names the upstream saw, lower-cased.
fn seen(echo: &Value) -> Vec<String> {
    echo["headers"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

/// Names the gateway itself sets (with the verified caller's values) on bearer routes.
const SET_BY_GATEWAY: &[&str] = &["x-auth-subject", "x-auth-email"];

fn assert_no_spoofed(echo: &Value) {
    let names = seen(echo);
    for name in SPOOFED {
        let folded = name.to_ascii_lowercase();
        if SET_BY_GATEWAY.contains(&folded.as_str()) {
            continue;
        }
        assert!(
            !names.contains(&name.to_ascii_lowercase()),
            "{name} reached the upstream"
        );
    }
    for (name, values) in echo["headers"].as_object().unwrap() {
        let joined = values.to_string();
        assert!(!joined.contains("attacker"), "{name}: {joined}");
    }
}

fn with_spoofed(mut request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    for name in SPOOFED {
        request = request.header(*name, "attacker");
    }
    request
}

struct Fixture {
    idp: authgate_devidp::RunningIdp,
    _upstream: Upstream,
    gw: RunningGateway,
}

/// Routes: `/open/{*rest}` (none), `/api/{*rest}` (bearer, identity headers),
/// `/fwd/{*rest}` (bearer, forwards Authorization), `/quiet/{*rest}` (no identity headers).
async fn fixture(trusted: &[&str]) -> Fixture {
    let idp = start_idp().await;
    let upstream = start_upstream().await;
    let toml = format!(
        r#"{base}
[[routes]]
path = "/open/{{*rest}}"
upstream = "{up}"
auth = "none"

[[routes]]
path = "/api/{{*rest}}"
upstream = "{up}"

[[routes]]
path = "/fwd/{{*rest}}"
upstream = "{up}"
forward = {{ authorization = true }}

[[routes]]
path = "/quiet/{{*rest}}"
upstream = "{up}"
forward = {{ identity_headers = false }}
"#,
        base = base_toml(&idp, trusted),
        up = upstream.url()
    );
    let gw = start_gateway(config(&toml)).await;
    Fixture {
        idp,
        _upstream: upstream,
        gw,
    }
}

async fn json(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn bcp_70_spoofed_identity_headers_are_stripped_on_bearer_routes() {
    let f = fixture(&[]).await;
    let t = token(&f.idp, &["read_data"]);
    let echo = json(with_spoofed(
        client().get(f.gw.url("/api/x")).bearer_auth(&t),
    ))
    .await;
    assert_no_spoofed(&echo);
    // The real identity replaced the spoofed one.
    assert_eq!(echo["headers"]["x-auth-provider"][0], "oidc");
}

#[tokio::test]
async fn bcp_70_spoofed_identity_headers_are_stripped_on_unauthenticated_routes() {
    let f = fixture(&[]).await;
    let echo = json(with_spoofed(client().get(f.gw.url("/open/x")))).await;
    assert_no_spoofed(&echo);
    assert!(!seen(&echo).iter().any(|n| n.starts_with("x-auth-")));
}

#[tokio::test]
async fn bcp_70_spoofed_identity_headers_are_stripped_on_passed_through_options() {
    // A preflight-shaped request on a route without CORS is proxied like any other request.
    let f = fixture(&[]).await;
    let request = client()
        .request(reqwest::Method::OPTIONS, f.gw.url("/open/x"))
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "GET");
    let echo = json(with_spoofed(request)).await;
    assert_eq!(echo["method"], "OPTIONS");
    assert_no_spoofed(&echo);
}

#[tokio::test]
async fn identity_headers_describe_the_verified_caller() {
    let f = fixture(&[]).await;
    let t = f.idp.idp.mint(
        &authgate_devidp::MintRequest::new(authgate_devidp::Flavor::Oidc)
            .subject("user-42")
            .scopes(["read_data", "write_data"])
            .roles(["Admin", "Reader"]),
    );
    let echo = json(client().get(f.gw.url("/api/me")).bearer_auth(&t)).await;
    let h = &echo["headers"];
    assert_eq!(h["x-auth-subject"][0], "user-42");
    assert_eq!(h["x-auth-scopes"][0], "read_data write_data");
    assert_eq!(h["x-auth-roles"][0], "Admin,Reader");
    assert_eq!(h["x-auth-provider"][0], "oidc");
    assert_eq!(h["x-auth-client"][0], authgate_devidp::OIDC_CLIENT_ID);
    // Not forwarded by default.
    assert!(h.get("authorization").is_none(), "{h}");
}

#[tokio::test]
async fn authorization_is_forwarded_only_when_configured() {
    let f = fixture(&[]).await;
    let t = token(&f.idp, &[]);
    let echo = json(client().get(f.gw.url("/fwd/x")).bearer_auth(&t)).await;
    assert_eq!(echo["headers"]["authorization"][0], format!("Bearer {t}"));
    let quiet = json(client().get(f.gw.url("/quiet/x")).bearer_auth(&t)).await;
    assert!(!seen(&quiet).iter().any(|n| n.starts_with("x-auth-")));
    assert!(quiet["headers"].get("authorization").is_none());
}

#[tokio::test]
async fn bcp_71_forwarded_headers_from_an_untrusted_peer_are_replaced() {
    let f = fixture(&["10.99.0.0/16"]).await;
    let request = client()
        .get(f.gw.url("/open/x"))
        .header("x-forwarded-for", "203.0.113.7")
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", "evil.example")
        .header("x_forwarded_for", "203.0.113.8")
        .header("forwarded", "for=203.0.113.9")
        .header("x-real-ip", "203.0.113.10");
    let echo = json(request).await;
    let h = &echo["headers"];
    assert_eq!(h["x-forwarded-for"], serde_json::json!(["127.0.0.1"]));
    assert_eq!(h["x-forwarded-proto"], serde_json::json!(["http"]));
    assert_eq!(
        h["x-forwarded-host"],
        serde_json::json!([f.gw.addr.to_string()])
    );
    for gone in ["x_forwarded_for", "forwarded", "x-real-ip"] {
        assert!(h.get(gone).is_none(), "{gone}: {h}");
    }
}

#[tokio::test]
async fn bcp_71_forwarded_headers_from_a_trusted_proxy_are_honoured() {
    let f = fixture(&["127.0.0.1/32"]).await;
    let request = client()
        .get(f.gw.url("/open/x"))
        .header("x-forwarded-for", "203.0.113.7")
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", "api.example.com");
    let echo = json(request).await;
    let h = &echo["headers"];
    assert_eq!(
        h["x-forwarded-for"],
        serde_json::json!(["203.0.113.7, 127.0.0.1"])
    );
    assert_eq!(h["x-forwarded-proto"], serde_json::json!(["https"]));
    assert_eq!(
        h["x-forwarded-host"],
        serde_json::json!(["api.example.com"])
    );
}

#[tokio::test]
async fn hop_by_hop_headers_do_not_reach_the_upstream() {
    let f = fixture(&[]).await;
    let request = client()
        .get(f.gw.url("/open/x"))
        .header("connection", "x-private")
        .header("x-private", "1")
        .header("keep-alive", "timeout=5")
        .header("proxy-authorization", "Basic eDp5")
        .header("te", "trailers")
        .header("x-kept", "yes");
    let echo = json(request).await;
    let names = seen(&echo);
    for gone in ["x-private", "keep-alive", "proxy-authorization", "te"] {
        assert!(!names.contains(&gone.to_owned()), "{gone}");
    }
    assert_eq!(echo["headers"]["x-kept"][0], "yes");
}

#[tokio::test]
async fn security_headers_on_proxied_and_gateway_responses() {
    let f = fixture(&[]).await;
    for (path, status) in [
        ("/open/x", 200),
        ("/api/x", 401),
        ("/none", 404),
        ("/healthz", 200),
    ] {
        let response = client().get(f.gw.url(path)).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        let h = response.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
    }
}
