//! Route matching through the running gateway: file order, normalised paths, traversal.

use crate::support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `GET {path}` byte for byte (no client-side normalisation) and returns the status
/// and the body.
pub(crate) async fn raw_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// `/api/{*rest}` open, `/admin/{*rest}` behind a bearer token, both to `upstream`.
async fn traversal_gateway() -> (RunningGateway, Upstream, authgate_devidp::RunningIdp) {
    let idp = start_idp().await;
    let upstream = start_upstream().await;
    let toml = format!(
        r#"{base}
[[routes]]
name = "open"
path = "/api/{{*rest}}"
upstream = "{up}"
auth = "none"

[[routes]]
name = "admin"
path = "/admin/{{*rest}}"
upstream = "{up}"
auth = "bearer"
"#,
        base = base_toml(&idp, &[]),
        up = upstream.url()
    );
    (start_gateway(config(&toml)).await, upstream, idp)
}

#[tokio::test]
async fn traversal_payloads_never_reach_a_protected_path_unauthenticated() {
    let (gw, _upstream, _idp) = traversal_gateway().await;
    // Resolved to /admin: the admin route answers, and it wants a token.
    for path in [
        "/api/../admin",
        "/api/%2e%2e/admin",
        "/api/.%2E/admin/x",
        "//admin",
        "/api/../../admin",
    ] {
        let (status, _) = raw_get(gw.addr, path).await;
        assert_eq!(status, 401, "{path}");
    }
    // Encoded separators, backslashes and NUL are refused before routing.
    for path in [
        "/api/%2fadmin",
        "/api/%2Fadmin",
        "/api/%5cadmin",
        "/api/x%00",
        "/api/%0d%0ax",
    ] {
        let (status, body) = raw_get(gw.addr, path).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(body, r#"{"error":"bad_path"}"#, "{path}");
    }
}

#[tokio::test]
async fn upstream_receives_the_normalised_path() {
    let (gw, _upstream, _idp) = traversal_gateway().await;
    for (sent, seen) in [
        ("/api/./x", "/api/x"),
        ("/api//a///b", "/api/a/b"),
        ("/api/%7euser", "/api/~user"),
    ] {
        let (status, body) = raw_get(gw.addr, sent).await;
        assert_eq!(status, 200, "{sent}");
        let echo: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(echo["path"], seen, "{sent}");
    }
}

#[tokio::test]
async fn no_route_is_a_json_404() {
    let (gw, _upstream, _idp) = traversal_gateway().await;
    let response = client().get(gw.url("/nothing/here")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.text().await.unwrap(), r#"{"error":"no_route"}"#);
}

#[tokio::test]
async fn first_matching_route_in_file_order_wins() {
    let idp = start_idp().await;
    let upstream = start_upstream().await;
    let toml = format!(
        r#"{base}
[[routes]]
name = "admin"
path = "/api/admin/{{*rest}}"
upstream = "{up}"
require = {{ scopes = ["admin"] }}

[[routes]]
name = "api"
path = "/api/{{*rest}}"
upstream = "{up}"

[[routes]]
name = "shadowed"
path = "/api/public"
upstream = "{up}"
auth = "none"

[[routes]]
name = "posts-only"
path = "/items/{{id}}"
methods = ["POST"]
upstream = "{up}"
auth = "none"
"#,
        base = base_toml(&idp, &[]),
        up = upstream.url()
    );
    let gw = start_gateway(config(&toml)).await;
    let read = token(&idp, &["read_data"]);
    let http = client();
    let get = |path: &str| http.get(gw.url(path)).bearer_auth(&read).send();
    assert_eq!(get("/api/admin/users").await.unwrap().status(), 403);
    assert_eq!(get("/api/orders").await.unwrap().status(), 200);
    // `/api/public` is listed after `/api/{*rest}`, so the earlier bearer route decides.
    let anonymous = http.get(gw.url("/api/public")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    // The method set is part of the match.
    assert_eq!(
        http.post(gw.url("/items/7")).send().await.unwrap().status(),
        200
    );
    assert_eq!(
        http.get(gw.url("/items/7")).send().await.unwrap().status(),
        404
    );
    assert_eq!(
        http.post(gw.url("/items/7/x"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn strip_prefix_and_query_reach_the_upstream() {
    let idp = start_idp().await;
    let upstream = start_upstream().await;
    let toml = format!(
        r#"{base}
[[routes]]
path = "/svc/{{*rest}}"
upstream = "{up}/base"
auth = "none"
strip_prefix = "/svc"
"#,
        base = base_toml(&idp, &[]),
        up = upstream.url()
    );
    let gw = start_gateway(config(&toml)).await;
    let echo: serde_json::Value = client()
        .get(gw.url("/svc/a/b?x=1&y=%20z"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(echo["path"], "/base/a/b");
    assert_eq!(echo["query"], "x=1&y=%20z");
}
