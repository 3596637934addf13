//! Shared fixtures: a dev IdP, a real upstream echo server, a WebSocket echo upstream,
//! configuration from TOML text and a running gateway, all on loopback.

#![allow(dead_code)]

use authgate_devidp::{DevIdp, Flavor, MintRequest, RunningIdp};
use authgate_gateway::app::{Gateway, SharedGateway};
use authgate_gateway::config::Config;
use authgate_gateway::server::serve_on;
use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Starts a dev IdP on loopback.
pub(crate) async fn start_idp() -> RunningIdp {
    DevIdp::start_loopback().await.unwrap()
}

/// A token of the dev IdP's generic OIDC flavor with `scopes` (audience `orders-api`).
pub(crate) fn token(idp: &RunningIdp, scopes: &[&str]) -> String {
    idp.idp
        .mint(&MintRequest::new(Flavor::Oidc).scopes(scopes.iter().copied()))
}

/// `version`, `[server]` (with `trusted_proxies`) and the dev IdP's OIDC provider as TOML.
pub(crate) fn base_toml(idp: &RunningIdp, trusted_proxies: &[&str]) -> String {
    let trusted: Vec<String> = trusted_proxies.iter().map(|t| format!("\"{t}\"")).collect();
    format!(
        r#"version = 1
[server]
listen = "127.0.0.1:0"
trusted_proxies = [{trusted}]

[[providers]]
id = "oidc"
kind = "oidc"
issuer = "{issuer}"
audiences = ["{aud}"]
"#,
        trusted = trusted.join(", "),
        issuer = idp.idp.issuer(Flavor::Oidc),
        aud = authgate_devidp::OIDC_AUDIENCE,
    )
}

/// A validated configuration from TOML text (no environment).
pub(crate) fn config(toml: &str) -> Config {
    match Config::from_toml(toml, &|_| None) {
        Ok(config) => config,
        Err(e) => panic!("test configuration refused:\n{e}\n{toml}"),
    }
}

/// A gateway serving on `127.0.0.1:0` with the peer address available to handlers.
pub(crate) struct RunningGateway {
    pub(crate) addr: SocketAddr,
    pub(crate) state: SharedGateway,
}

impl RunningGateway {
    /// `http://127.0.0.1:{port}{path}`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// Builds the gateway for `config` and serves it.
pub(crate) async fn start_gateway(config: Config) -> RunningGateway {
    start_gateway_with(Gateway::build(config).await.unwrap()).await
}

/// Serves an already built gateway (tests that replace a part, e.g. the upstream client) the
/// way `authgate serve` does ([`serve_on`]: the per-connection gateway service), on this test's
/// runtime (`server.workers = 0`) so that its clock and tasks are the test's.
pub(crate) async fn start_gateway_with(mut gateway: Gateway) -> RunningGateway {
    Arc::make_mut(&mut gateway.config).server.workers = 0;
    let state = gateway.shared();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serving = serve_on(listener, state.clone(), std::future::pending())
        .await
        .unwrap();
    tokio::spawn(serving.wait());
    RunningGateway { addr, state }
}

/// A reqwest client without redirects or proxies.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

/// A real upstream on loopback. Every path echoes the request as JSON
/// (`{"method","path","query","headers":{name:[values]},"body"}`), except paths ending in:
/// - `/__count`: counts the streamed request body without storing it and checks the
///   [`pattern_byte`] sequence; answers `{"bytes":N,"pattern_ok":bool}`;
/// - `/__stream` with `?bytes=N`: streams N bytes of the pattern;
/// - `/__slow`: answers after 3 seconds.
pub(crate) struct Upstream {
    pub(crate) addr: SocketAddr,
}

impl Upstream {
    /// `http://127.0.0.1:{port}`.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Starts the echo upstream.
pub(crate) async fn start_upstream() -> Upstream {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(upstream_handler);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Upstream { addr }
}

async fn upstream_handler(request: Request) -> Response {
    let path = request.uri().path().to_owned();
    if path.ends_with("/__count") {
        return count_body(request.into_body()).await;
    }
    if path.ends_with("/__stream") {
        let bytes = query_bytes(request.uri().query());
        return Body::from_stream(pattern_stream(bytes)).into_response();
    }
    if path.ends_with("/__slow") {
        tokio::time::sleep(Duration::from_secs(3)).await;
        return "slow".into_response();
    }
    echo(request).await
}

async fn echo(request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let mut headers = serde_json::Map::new();
    for name in parts.headers.keys() {
        let values: Vec<String> = parts
            .headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        headers.insert(name.as_str().to_owned(), values.into());
    }
    let body = body.collect().await.unwrap().to_bytes();
    let json = serde_json::json!({
        "method": parts.method.as_str(),
        "version": format!("{:?}", parts.version),
        "path": parts.uri.path(),
        "query": parts.uri.query(),
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    });
    axum::Json(json).into_response()
}

/// The byte at `offset` of the test pattern: `offset mod 251`.
pub(crate) fn pattern_byte(offset: u64) -> u8 {
    (offset % 251) as u8
}

const CHUNK: usize = 64 * 1024;

/// `total` bytes of the pattern in 64 KiB chunks, sharing one buffer (no allocation per chunk).
pub(crate) fn pattern_stream(
    total: u64,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let buffer: Bytes = (0..(CHUNK + 251) as u64)
        .map(pattern_byte)
        .collect::<Vec<u8>>()
        .into();
    futures_util::stream::unfold(0u64, move |sent| {
        let buffer = buffer.clone();
        async move {
            if sent >= total {
                return None;
            }
            let len = (total - sent).min(CHUNK as u64) as usize;
            let start = (sent % 251) as usize;
            Some((Ok(buffer.slice(start..start + len)), sent + len as u64))
        }
    })
}

/// Checks one received frame against the pattern at `offset` (first and last byte).
pub(crate) fn frame_matches(offset: u64, frame: &[u8]) -> bool {
    match (frame.first(), frame.last()) {
        (Some(first), Some(last)) => {
            *first == pattern_byte(offset) && *last == pattern_byte(offset + frame.len() as u64 - 1)
        }
        _ => true,
    }
}

async fn count_body(body: Body) -> Response {
    let mut stream = body.into_data_stream();
    let (mut bytes, mut pattern_ok) = (0u64, true);
    while let Some(frame) = stream.next().await {
        let frame = match frame {
            Ok(frame) => frame,
            Err(_) => return (http::StatusCode::BAD_REQUEST, "body error").into_response(),
        };
        pattern_ok &= frame_matches(bytes, &frame);
        bytes += frame.len() as u64;
    }
    axum::Json(serde_json::json!({ "bytes": bytes, "pattern_ok": pattern_ok })).into_response()
}

fn query_bytes(query: Option<&str>) -> u64 {
    query
        .and_then(|q| q.strip_prefix("bytes="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// A WebSocket upstream that echoes every text and binary message; returns its base URL
/// (`http://127.0.0.1:{port}`, for a route's `upstream`).
pub(crate) async fn start_ws_upstream() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                    return;
                };
                while let Some(Ok(message)) = ws.next().await {
                    if message.is_text() || message.is_binary() {
                        let _ = ws.send(message).await;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

/// The resident set size of this process, in KiB (`VmRSS` of `/proc/self/status`).
pub(crate) fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// The echo upstream over TLS (HTTP/2 and HTTP/1.1 offered by ALPN) for `localhost`, and the
/// root certificate that signed its certificate.
pub(crate) async fn start_tls_upstream() -> (String, rustls::pki_types::CertificateDer<'static>) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf_params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca).unwrap();
    let tls = axum_server::tls_rustls::RustlsConfig::from_pem(
        leaf.pem().into_bytes(),
        leaf_key.serialize_pem().into_bytes(),
    )
    .await
    .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new().fallback(upstream_handler);
    let server = axum_server::from_tcp_rustls(listener, tls).unwrap();
    tokio::spawn(server.serve(app.into_make_service()));
    (format!("https://localhost:{port}"), ca.der().clone())
}
