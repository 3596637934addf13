//! The streaming proxy end to end: decisions with exact RFC 6750 answers, upstream failures,
//! streamed bodies with flat memory, WebSocket pass-through and CORS.

use crate::support::*;
use authgate_gateway::app::Gateway;
use authgate_gateway::proxy::UpstreamClient;
use axum::body::Body;
use futures_util::{SinkExt, StreamExt};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Routes to `upstream`: `/data/{*rest}` needs `read_data`; `/any/{*rest}` any token;
/// `/open/{*rest}` no auth; `/app/{*rest}` CORS for `https://app.example.com` with credentials.
fn routes(upstream: &str) -> String {
    format!(
        r#"
[[routes]]
name = "data"
path = "/data/{{*rest}}"
upstream = "{upstream}"
require = {{ scopes = ["read_data"] }}

[[routes]]
path = "/any/{{*rest}}"
upstream = "{upstream}"

[[routes]]
path = "/open/{{*rest}}"
upstream = "{upstream}"
auth = "none"

[[routes]]
name = "app"
path = "/app/{{*rest}}"
methods = ["GET", "PUT"]
upstream = "{upstream}"
[routes.cors]
allowed_origins = ["https://app.example.com"]
allowed_methods = ["GET", "PUT"]
allowed_headers = ["authorization", "content-type"]
expose_headers = ["x-request-id"]
allow_credentials = true
max_age = "10m"
"#
    )
}

async fn gateway() -> (RunningGateway, Upstream, authgate_devidp::RunningIdp) {
    let idp = start_idp().await;
    let upstream = start_upstream().await;
    let toml = format!("{}{}", base_toml(&idp, &[]), routes(&upstream.url()));
    (start_gateway(config(&toml)).await, upstream, idp)
}

fn challenge(response: &reqwest::Response) -> &str {
    response.headers()["www-authenticate"].to_str().unwrap()
}

#[tokio::test]
async fn allowed_and_denied_with_exact_rfc6750_answers() {
    let (gw, _upstream, idp) = gateway().await;
    let http = client();
    let none = http.get(gw.url("/data/1")).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(challenge(&none), "Bearer");

    let garbage = http
        .get(gw.url("/data/1"))
        .bearer_auth("abc.def.ghi")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 401);
    assert_eq!(challenge(&garbage), r#"Bearer error="invalid_token""#);
    assert_eq!(
        garbage.text().await.unwrap(),
        r#"{"error":"invalid_token"}"#
    );

    let other_aud = idp.idp.mint(
        &authgate_devidp::MintRequest::new(authgate_devidp::Flavor::Oidc)
            .audience("someone-else")
            .scopes(["read_data"]),
    );
    let wrong = http
        .get(gw.url("/data/1"))
        .bearer_auth(&other_aud)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(challenge(&wrong), r#"Bearer error="invalid_token""#);

    let weak = token(&idp, &["profile"]);
    let forbidden = http
        .get(gw.url("/data/1"))
        .bearer_auth(&weak)
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), 403);
    assert_eq!(
        challenge(&forbidden),
        r#"Bearer error="insufficient_scope", scope="read_data""#
    );

    let twice = http
        .get(gw.url("/data/1"))
        .header("authorization", format!("Bearer {weak}"))
        .header("authorization", format!("Bearer {weak}"))
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), 400);

    let good = token(&idp, &["read_data"]);
    let ok = http
        .get(gw.url("/data/1"))
        .bearer_auth(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let echo: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(echo["path"], "/data/1");
    // Any valid token passes a route without a policy; `none` needs nothing.
    let any = http
        .get(gw.url("/any/x"))
        .bearer_auth(&weak)
        .send()
        .await
        .unwrap();
    assert_eq!(any.status(), 200);
    assert_eq!(
        http.get(gw.url("/open/x")).send().await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn refused_upstream_is_a_502_json() {
    let idp = start_idp().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let toml = format!("{}{}", base_toml(&idp, &[]), routes(&dead));
    let gw = start_gateway(config(&toml)).await;
    let response = client().get(gw.url("/open/x")).send().await.unwrap();
    assert_eq!(response.status(), 502);
    assert_eq!(response.text().await.unwrap(), r#"{"error":"bad_gateway"}"#);
}

/// One open route to `upstream` with `timeouts.response = response`.
fn open_route_toml(idp: &authgate_devidp::RunningIdp, upstream: &str, response: &str) -> String {
    format!(
        r#"{base}
[[routes]]
path = "/{{*rest}}"
upstream = "{upstream}"
auth = "none"
timeouts = {{ response = "{response}" }}
"#,
        base = base_toml(idp, &[]),
    )
}

#[tokio::test]
async fn slow_upstream_is_a_504_json() {
    let idp = start_idp().await;
    let upstream = start_upstream().await;
    let toml = open_route_toml(&idp, &upstream.url(), "300ms");
    let gw = start_gateway(config(&toml)).await;
    let started = Instant::now();
    let response = client().get(gw.url("/x/__slow")).send().await.unwrap();
    assert_eq!(response.status(), 504);
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"error":"upstream_timeout"}"#
    );
}

/// A request body of `chunks` chunks of 1 KiB, each sent `gap` after the one before.
fn slow_body(chunks: u32, gap: std::time::Duration) -> Body {
    let stream = futures_util::stream::unfold(0, move |sent| async move {
        if sent == chunks {
            return None;
        }
        tokio::time::sleep(gap).await;
        Some((Ok::<_, std::io::Error>(vec![b'x'; 1024]), sent + 1))
    });
    Body::from_stream(stream)
}

/// `timeouts.response` bounds the time without progress, not the exchange: an upload that
/// takes longer than it still gets its answer, while a client that pauses longer than it
/// inside the body, or an upstream that stops reading it, ends in 504 (nothing hangs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_response_timeout_bounds_the_time_without_progress() {
    let idp = start_idp().await;
    let upstream = start_upstream().await;
    let toml = open_route_toml(&idp, &upstream.url(), "400ms");
    let gw = start_gateway(config(&toml)).await;
    let client: Client<_, Body> = Client::builder(TokioExecutor::new()).build_http();
    let post = |body| {
        let request = http::Request::post(gw.url("/upload/__count")).body(body);
        client.request(request.unwrap())
    };

    // 10 chunks 100 ms apart: a second in all, no pause as long as the timeout.
    let started = Instant::now();
    let response = post(slow_body(10, std::time::Duration::from_millis(100)))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= std::time::Duration::from_millis(900));
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap();
    let counted: serde_json::Value = serde_json::from_slice(&body.to_bytes()).unwrap();
    assert_eq!(counted["bytes"], 10 * 1024);

    // The client sends nothing for 1.5 s: cut off at the timeout.
    let started = Instant::now();
    let response = post(slow_body(2, std::time::Duration::from_millis(1500))).await;
    let status = response.map(|r| r.status().as_u16());
    let waited = started.elapsed();
    assert!(matches!(status, Ok(504)), "{status:?} after {waited:?}");
    assert!(
        waited < std::time::Duration::from_millis(1400),
        "{waited:?}"
    );

    // An upstream that accepts the connection and never reads: once the socket buffers are
    // full nothing moves, and the exchange ends at the timeout instead of hanging.
    let deaf = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let deaf_url = format!("http://{}", deaf.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = deaf.accept().await {
            held.push(socket);
        }
    });
    let toml = toml.replace(&upstream.url(), &deaf_url);
    let deaf_gw = start_gateway(config(&toml)).await;
    let big = Body::from(vec![b'x'; 64 << 20]);
    let request = http::Request::post(deaf_gw.url("/upload/x")).body(big);
    let started = Instant::now();
    let status = client.request(request.unwrap()).await.map(|r| r.status());
    let waited = started.elapsed();
    assert!(
        matches!(status, Ok(s) if s == 504),
        "{status:?} after {waited:?}"
    );
    assert!(waited < std::time::Duration::from_secs(5), "{waited:?}");
}

/// Bytes streamed by the large-body tests: `AUTHGATE_STREAM_TEST_BYTES`, default 3 GiB.
fn stream_test_bytes() -> u64 {
    std::env::var("AUTHGATE_STREAM_TEST_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3 << 30)
}

const MAX_RSS_GROWTH_KIB: u64 = 200 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_request_body_streams_upstream_with_flat_memory() {
    let (gw, _upstream, idp) = gateway().await;
    let total = stream_test_bytes();
    let t = token(&idp, &["read_data"]);
    let before = rss_kib();
    let client: Client<_, Body> = Client::builder(TokioExecutor::new()).build_http();
    let request = http::Request::post(gw.url("/data/upload/__count"))
        .header("authorization", format!("Bearer {t}"))
        .body(Body::from_stream(pattern_stream(total)))
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap();
    let counted: serde_json::Value = serde_json::from_slice(&body.to_bytes()).unwrap();
    let growth = rss_kib().saturating_sub(before);
    assert_eq!(counted["bytes"], total);
    assert_eq!(counted["pattern_ok"], true);
    assert!(
        growth < MAX_RSS_GROWTH_KIB,
        "RSS grew by {growth} KiB for {total} bytes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_response_body_streams_back_with_flat_memory() {
    let (gw, _upstream, _idp) = gateway().await;
    let total = stream_test_bytes();
    let before = rss_kib();
    let url = gw.url(&format!("/open/big/__stream?bytes={total}"));
    let mut response = client().get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let (mut received, mut pattern_ok) = (0u64, true);
    while let Some(chunk) = response.chunk().await.unwrap() {
        pattern_ok &= frame_matches(received, &chunk);
        received += chunk.len() as u64;
    }
    let growth = rss_kib().saturating_sub(before);
    assert_eq!(received, total);
    assert!(pattern_ok);
    assert!(
        growth < MAX_RSS_GROWTH_KIB,
        "RSS grew by {growth} KiB for {total} bytes"
    );
}

#[tokio::test]
async fn websocket_upgrade_passes_through_after_authentication() {
    let idp = start_idp().await;
    let ws_upstream = start_ws_upstream().await;
    let toml = format!(
        r#"{base}
[[routes]]
path = "/ws"
upstream = "{ws_upstream}"
"#,
        base = base_toml(&idp, &[])
    );
    let gw = start_gateway(config(&toml)).await;
    let url = format!("ws://{}/ws", gw.addr);

    let refused = tokio_tungstenite::connect_async(url.as_str()).await;
    assert!(
        refused.is_err(),
        "a WebSocket without a token must be refused"
    );

    let mut request = url.as_str().into_client_request().unwrap();
    let bearer = format!("Bearer {}", token(&idp, &[]));
    request
        .headers_mut()
        .insert("authorization", bearer.parse().unwrap());
    let (mut ws, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.status(), 101);
    for text in ["hello", "through the gateway"] {
        ws.send(Message::text(text)).await.unwrap();
        let echoed = ws.next().await.unwrap().unwrap();
        assert_eq!(echoed.into_text().unwrap().as_str(), text);
    }
    ws.send(Message::binary(vec![0u8, 1, 2, 255]))
        .await
        .unwrap();
    let echoed = ws.next().await.unwrap().unwrap();
    assert_eq!(echoed.into_data().as_ref(), &[0u8, 1, 2, 255]);
    ws.close(None).await.unwrap();
}

fn preflight(gw: &RunningGateway, origin: &str, method: &str) -> reqwest::RequestBuilder {
    client()
        .request(reqwest::Method::OPTIONS, gw.url("/app/items"))
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", "authorization")
}

#[tokio::test]
async fn cors_preflight_from_an_allowed_origin_is_answered_without_authentication() {
    let (gw, _upstream, _idp) = gateway().await;
    let response = preflight(&gw, "https://app.example.com", "PUT")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let h = response.headers();
    assert_eq!(h["access-control-allow-origin"], "https://app.example.com");
    assert_eq!(h["access-control-allow-methods"], "GET, PUT");
    assert_eq!(
        h["access-control-allow-headers"],
        "authorization, content-type"
    );
    assert_eq!(h["access-control-max-age"], "600");
    assert_eq!(h["access-control-allow-credentials"], "true");
    assert!(h.get_all("vary").iter().any(|v| v == "origin"));
    assert!(h.get("www-authenticate").is_none());
}

#[tokio::test]
async fn cors_preflight_from_another_origin_or_method_is_403_without_cors_headers() {
    let (gw, _upstream, _idp) = gateway().await;
    for (origin, method) in [
        ("https://evil.example.com", "GET"),
        ("https://app.example.com.evil.com", "GET"),
        ("http://app.example.com", "GET"),
        ("https://app.example.com", "DELETE"),
    ] {
        let response = preflight(&gw, origin, method).send().await.unwrap();
        assert_eq!(response.status(), 403, "{origin} {method}");
        let cors: Vec<_> = response
            .headers()
            .keys()
            .filter(|k| k.as_str().starts_with("access-control-"))
            .collect();
        assert!(cors.is_empty(), "{origin}: {cors:?}");
    }
}

#[tokio::test]
async fn cors_actual_requests_carry_the_allowed_origin() {
    let (gw, _upstream, idp) = gateway().await;
    let t = token(&idp, &[]);
    let allowed = client()
        .get(gw.url("/app/items"))
        .header("origin", "https://app.example.com")
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 200);
    let h = allowed.headers();
    assert_eq!(h["access-control-allow-origin"], "https://app.example.com");
    assert_eq!(h["access-control-allow-credentials"], "true");
    assert_eq!(h["access-control-expose-headers"], "x-request-id");
    assert!(h.get_all("vary").iter().any(|v| v == "origin"));
    // A refusal is readable by the allowed origin too; another origin gets no CORS headers.
    let unauthenticated = client()
        .get(gw.url("/app/items"))
        .header("origin", "https://app.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
    assert_eq!(
        unauthenticated.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    let other = client()
        .get(gw.url("/app/items"))
        .header("origin", "https://evil.example.com")
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn bcp_79_failed_authentications_are_rate_limited_per_client() {
    let idp = start_idp().await;
    let upstream = start_upstream().await;
    let toml = format!(
        r#"{base}
[[routes]]
path = "/{{*rest}}"
upstream = "{up}"
rate_limit = {{ failed_auth_per_minute = 1, burst = 2 }}
"#,
        base = base_toml(&idp, &[]),
        up = upstream.url()
    );
    let gw = start_gateway(config(&toml)).await;
    let http = client();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let r = http
            .get(gw.url("/x"))
            .bearer_auth("not.a.token")
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses[..2], [401, 401], "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    // While limited, even a valid token waits: the limiter runs before verification.
    let good = token(&idp, &[]);
    let limited = http
        .get(gw.url("/x"))
        .bearer_auth(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let body: serde_json::Value = limited.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({ "error": "rate_limited", "retry_after": retry })
    );
}

#[tokio::test]
async fn https_upstream_speaks_http2_and_checks_its_certificate() {
    let idp = start_idp().await;
    let (upstream, root) = start_tls_upstream().await;
    let toml = format!("{}{}", base_toml(&idp, &[]), routes(&upstream));
    let untrusting = start_gateway(config(&toml)).await;
    let refused = client()
        .get(untrusting.url("/open/x"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 502, "an unknown CA must not be trusted");

    let config = config(&toml);
    let verifier = authgate::Verifier::from_config(&config.auth).await.unwrap();
    let mut gateway = Gateway::with_verifier(config, verifier);
    let timeouts: Vec<_> = gateway
        .config
        .routes
        .iter()
        .map(|r| r.connect_timeout)
        .collect();
    gateway.upstream = UpstreamClient::with_extra_roots(timeouts, vec![root]);
    let gw = start_gateway_with(gateway).await;
    let t = token(&idp, &["read_data"]);
    let echo: serde_json::Value = client()
        .post(gw.url("/data/x?q=1"))
        .bearer_auth(&t)
        .body("over tls")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(echo["version"], "HTTP/2.0");
    assert_eq!(echo["path"], "/data/x");
    assert_eq!(echo["query"], "q=1");
    assert_eq!(echo["body"], "over tls");
    assert_eq!(echo["headers"]["x-auth-provider"][0], "oidc");
}

/// `GET path` with `token` on an HTTP/1.1 connection already open; status and upstream body.
async fn get_on(
    connection: &mut hyper::client::conn::http1::SendRequest<Body>,
    path: &str,
    token: &str,
) -> (u16, serde_json::Value) {
    let request = http::Request::get(path)
        .header("host", "gateway.test")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = connection.send_request(request).await.unwrap();
    let status = response.status().as_u16();
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    (status, serde_json::from_slice(&body).unwrap_or_default())
}

#[tokio::test]
async fn one_connection_switching_tokens_gets_each_ones_identity() {
    let (gw, _upstream, idp) = gateway().await;
    let mint = |subject: &str| {
        idp.idp.mint(
            &authgate_devidp::MintRequest::new(authgate_devidp::Flavor::Oidc)
                .subject(subject)
                .scopes(["read_data"]),
        )
    };
    let (alice, bob) = (mint("alice"), mint("bob"));
    let mut forged = alice.clone().into_bytes();
    let i = forged.len() - 10;
    forged[i] = if forged[i] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();

    let stream = tokio::net::TcpStream::connect(gw.addr).await.unwrap();
    let io = hyper_util::rt::TokioIo::new(stream);
    let (mut connection, driver) = hyper::client::conn::http1::handshake(io).await.unwrap();
    tokio::spawn(driver);
    for (token, expected) in [
        (&alice, Some("alice")),
        (&alice, Some("alice")),
        (&forged, None),
        (&bob, Some("bob")),
        (&alice, Some("alice")),
    ] {
        let (status, echo) = get_on(&mut connection, "/data/x", token).await;
        let subject = echo["headers"]["x-auth-subject"][0].as_str();
        match expected {
            Some(expected) => assert_eq!((status, subject), (200, Some(expected))),
            None => assert_eq!(status, 401),
        }
    }
    // The connection's last token is still refused in a forbidden transport.
    let (status, _) = get_on(&mut connection, "/data/x?access_token=x", &alice).await;
    assert_eq!(status, 400, "token in the header and the query");
    let twice = http::Request::get("/data/x")
        .header("host", "gateway.test")
        .header("authorization", format!("Bearer {alice}"))
        .header("authorization", format!("Bearer {alice}"))
        .body(Body::empty())
        .unwrap();
    let response = connection.send_request(twice).await.unwrap();
    assert_eq!(response.status(), 400, "two Authorization headers");
}
