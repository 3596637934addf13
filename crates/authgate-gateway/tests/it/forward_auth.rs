//! `GET /auth/verify` over real loopback HTTP: the dev IdP mints tokens at test time, the
//! gateway runs in-process with the shipped `examples/forward-auth-nginx/authgate.toml`, and a
//! real upstream echoes what it received (for the proxy-parity checks).

use authgate_devidp::{DEV_TENANT, DevIdp, ENTRA_CLIENT_APP_ID, Flavor, MintRequest, RunningIdp};
use authgate_gateway::app::{Gateway, SharedGateway, router};
use authgate_gateway::config::{Config, CorsSettings};
use authgate_gateway::forward_auth;
use axum::extract::Request;
use axum::response::IntoResponse;
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::{Map, Value, json};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The example configuration shipped next to the nginx example.
pub(crate) const EXAMPLE_TOML: &str =
    include_str!("../../../../examples/forward-auth-nginx/authgate.toml");

/// The addresses the example file names, replaced by the test's own.
const EXAMPLE_IDP: &str = "http://127.0.0.1:9999";
const EXAMPLE_APP: &str = "http://127.0.0.1:9000";
const EXAMPLE_TRUSTED: &str = r#"trusted_proxies = ["127.0.0.1/32", "::1/128"]"#;

/// The example configuration pointed at `idp` and `app`, with `trusted` proxies.
pub(crate) fn example_config(idp: &str, app: SocketAddr, trusted: &str) -> Config {
    assert!(EXAMPLE_TOML.contains(EXAMPLE_IDP) && EXAMPLE_TOML.contains(EXAMPLE_TRUSTED));
    let text = EXAMPLE_TOML
        .replace(EXAMPLE_IDP, idp)
        .replace(EXAMPLE_APP, &format!("http://{app}"))
        .replace(EXAMPLE_TRUSTED, &format!("trusted_proxies = {trusted}"));
    Config::from_toml(&text, &|_| None).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// A real upstream on loopback answering every request with what it received:
/// `{"method", "path", "headers": {name: [values]}}`.
pub(crate) async fn start_echo_app() -> SocketAddr {
    let app = axum::Router::new().fallback(|request: Request| async move {
        let mut headers = Map::new();
        for (name, value) in request.headers() {
            let entry = headers.entry(name.as_str()).or_insert_with(|| json!([]));
            if let Value::Array(values) = entry {
                values.push(String::from_utf8_lossy(value.as_bytes()).into());
            }
        }
        let body = json!({
            "method": request.method().as_str(),
            "path": request.uri().to_string(),
            "headers": headers,
        });
        axum::Json(body).into_response()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// The gateway for `config`, serving on loopback once every provider's keys are loaded.
pub(crate) async fn start_gateway(config: Config) -> (SocketAddr, SharedGateway) {
    let shared = Gateway::build(config).await.unwrap().shared();
    for _ in 0..200 {
        if shared.load().verifier.is_ready() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        shared.load().verifier.is_ready(),
        "provider keys never loaded"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = router(shared.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    (addr, shared)
}

/// The subject every test token carries.
pub(crate) const SUBJECT: &str = "fwd-auth-alice";

/// An Entra v2 access token for the example's API with `scopes` and `roles`.
pub(crate) fn token(idp: &DevIdp, scopes: &[&str], roles: &[&str]) -> String {
    let req = MintRequest::new(Flavor::EntraV2)
        .subject(SUBJECT)
        .scopes(scopes.iter().copied())
        .roles(roles.iter().copied());
    idp.mint(&req)
}

/// A well-formed token whose signature does not verify.
pub(crate) fn tampered(token: &str) -> String {
    let (rest, signature) = token.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    format!("{rest}.{flipped}{}", &signature[1..])
}

/// Dev IdP, echo upstream and gateway with the example configuration.
struct Stack {
    running: RunningIdp,
    gateway: SocketAddr,
    shared: SharedGateway,
    http: reqwest::Client,
}

impl Stack {
    async fn start(trusted: &str) -> Stack {
        let running = DevIdp::start_loopback().await.unwrap();
        let app = start_echo_app().await;
        let config = example_config(running.base_url(), app, trusted);
        let (gateway, shared) = start_gateway(config).await;
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        Stack {
            running,
            gateway,
            shared,
            http,
        }
    }

    async fn trusted() -> Stack {
        Stack::start(r#"["127.0.0.1/32"]"#).await
    }

    fn idp(&self) -> &DevIdp {
        &self.running.idp
    }

    /// `GET /auth/verify` with `headers` (name, value) and an optional bearer token.
    async fn verify(&self, headers: &[(&str, &str)], token: Option<&str>) -> reqwest::Response {
        let mut request = self
            .http
            .get(format!("http://{}/auth/verify", self.gateway));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    /// nginx-style forward-auth request for `method target`.
    async fn nginx(&self, method: &str, target: &str, token: Option<&str>) -> reqwest::Response {
        let headers = [("X-Original-Method", method), ("X-Original-URI", target)];
        self.verify(&headers, token).await
    }
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

async fn error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["error"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn allowed_request_gets_200_with_identity_headers() {
    let stack = Stack::trusted().await;
    let token = token(stack.idp(), &["read_data"], &[]);
    let response = stack
        .nginx("GET", "/api/data/items?page=2", Some(&token))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "x-auth-subject"), Some(SUBJECT));
    assert_eq!(header(&response, "x-auth-tenant"), Some(DEV_TENANT));
    assert_eq!(header(&response, "x-auth-scopes"), Some("read_data"));
    assert_eq!(
        header(&response, "x-auth-client"),
        Some(ENTRA_CLIENT_APP_ID)
    );
    assert_eq!(header(&response, "cache-control"), Some("no-store"));
    assert!(header(&response, "www-authenticate").is_none());
}

#[tokio::test]
async fn roles_are_comma_separated() {
    let stack = Stack::trusted().await;
    let token = token(stack.idp(), &["read_data"], &["Admin", "Reader"]);
    let response = stack.nginx("GET", "/api/admin/users", Some(&token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "x-auth-roles"), Some("Admin,Reader"));
}

#[tokio::test]
async fn traefik_headers_are_honoured() {
    let stack = Stack::trusted().await;
    let token = token(stack.idp(), &["read_data"], &[]);
    let headers = [
        ("X-Forwarded-Method", "GET"),
        ("X-Forwarded-Uri", "/api/data/x"),
    ];
    let response = stack.verify(&headers, Some(&token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "x-auth-subject"), Some(SUBJECT));
    let weak = token_without_read(&stack);
    let response = stack.verify(&headers, Some(&weak)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

fn token_without_read(stack: &Stack) -> String {
    token(stack.idp(), &["other"], &[])
}

#[tokio::test]
async fn missing_token_is_401_with_a_bare_challenge() {
    let stack = Stack::trusted().await;
    let response = stack.nginx("GET", "/api/data/x", None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header(&response, "www-authenticate"), Some("Bearer"));
    assert!(header(&response, "x-auth-subject").is_none());
}

#[tokio::test]
async fn bad_token_is_401_invalid_token() {
    let stack = Stack::trusted().await;
    let bad = tampered(&token(stack.idp(), &["read_data"], &[]));
    let response = stack.nginx("GET", "/api/data/x", Some(&bad)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = header(&response, "www-authenticate").unwrap();
    assert_eq!(challenge, r#"Bearer error="invalid_token""#);
    assert!(header(&response, "x-auth-subject").is_none());
}

#[tokio::test]
async fn insufficient_scope_is_403_with_the_scope_hint() {
    let stack = Stack::trusted().await;
    let weak = token_without_read(&stack);
    let response = stack.nginx("GET", "/api/data/x", Some(&weak)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let challenge = header(&response, "www-authenticate").unwrap();
    assert!(
        challenge.contains(r#"error="insufficient_scope""#),
        "{challenge}"
    );
    assert!(challenge.contains(r#"scope="read_data""#), "{challenge}");
    assert!(header(&response, "x-auth-subject").is_none());
}

#[tokio::test]
async fn original_method_selects_the_route() {
    let stack = Stack::trusted().await;
    let weak = token_without_read(&stack);
    // GET /api/data/* needs read_data; any other method falls to /api/{*rest} (any token).
    let get = stack.nginx("GET", "/api/data/x", Some(&weak)).await;
    assert_eq!(get.status(), StatusCode::FORBIDDEN);
    let delete = stack.nginx("DELETE", "/api/data/x", Some(&weak)).await;
    assert_eq!(delete.status(), StatusCode::OK);
    // /public/* is GET/HEAD only: a POST there matches no route at all.
    let public_get = stack.nginx("GET", "/public/page", None).await;
    assert_eq!(public_get.status(), StatusCode::OK);
    let public_post = stack.nginx("POST", "/public/page", None).await;
    assert_eq!(public_post.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(public_post).await, "no_route");
}

#[tokio::test]
async fn no_route_is_403_without_a_challenge() {
    let stack = Stack::trusted().await;
    let token = token(stack.idp(), &["read_data"], &[]);
    let response = stack.nginx("GET", "/nowhere", Some(&token)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(header(&response, "www-authenticate").is_none());
    assert_eq!(error_code(response).await, "no_route");
}

#[tokio::test]
async fn auth_none_route_is_200_without_identity() {
    let stack = Stack::trusted().await;
    let token = token(stack.idp(), &["read_data"], &[]);
    let response = stack.nginx("GET", "/public/x", Some(&token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(&response, "x-auth-subject").is_none());
}

#[tokio::test]
async fn bcp71_untrusted_peer_cannot_describe_the_request() {
    // The gateway sees 127.0.0.1, which is not in this trusted list.
    let stack = Stack::start(r#"["10.0.0.0/8"]"#).await;
    let token = token(stack.idp(), &["read_data"], &[]);
    for headers in [
        vec![
            ("X-Original-Method", "GET"),
            ("X-Original-URI", "/public/x"),
        ],
        vec![
            ("X-Forwarded-Method", "GET"),
            ("X-Forwarded-Uri", "/api/data/x"),
        ],
        vec![],
    ] {
        let response = stack.verify(&headers, Some(&token)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
        assert!(header(&response, "x-auth-subject").is_none());
        assert_eq!(error_code(response).await, "untrusted_proxy");
    }
}

#[tokio::test]
async fn peer_trust_uses_the_cidr_list() {
    let stack = Stack::start(r#"["10.0.0.0/8", "::1/128"]"#).await;
    let gw = stack.shared.load_full();
    let mut headers = HeaderMap::new();
    headers.insert("x-original-method", HeaderValue::from_static("GET"));
    headers.insert("x-original-uri", HeaderValue::from_static("/public/x"));
    let cases: [(&str, StatusCode); 5] = [
        ("10.1.2.3", StatusCode::OK),
        ("::ffff:10.1.2.3", StatusCode::OK),
        ("::1", StatusCode::OK),
        ("11.0.0.1", StatusCode::FORBIDDEN),
        ("127.0.0.1", StatusCode::FORBIDDEN),
    ];
    for (peer, expected) in cases {
        let peer: IpAddr = peer.parse().unwrap();
        let response = forward_auth::verify(&gw, peer, &headers).await;
        assert_eq!(response.status(), expected, "{peer}");
    }
}

#[tokio::test]
async fn the_verify_url_itself_is_never_the_resource() {
    let stack = Stack::trusted().await;
    let token = token(stack.idp(), &["read_data"], &["Admin"]);
    let response = stack.verify(&[], Some(&token)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(header(&response, "x-auth-subject").is_none());
    let half = stack
        .verify(&[("X-Original-URI", "/api/data/x")], Some(&token))
        .await;
    assert_eq!(half.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn bcp71_both_header_pairs_are_refused() {
    let stack = Stack::trusted().await;
    let weak = token_without_read(&stack);
    // nginx describes /api/data/x; the client added Traefik's pair for a path it may reach.
    let headers = [
        ("X-Original-Method", "GET"),
        ("X-Original-URI", "/api/data/x"),
        ("X-Forwarded-Method", "DELETE"),
        ("X-Forwarded-Uri", "/api/data/x"),
    ];
    let response = stack.verify(&headers, Some(&weak)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(response).await, "invalid_request");
}

#[tokio::test]
async fn disabled_forward_auth_is_404() {
    let running = DevIdp::start_loopback().await.unwrap();
    let app = start_echo_app().await;
    let mut config = example_config(running.base_url(), app, r#"["127.0.0.1/32"]"#);
    config.forward_auth = false;
    let (gateway, _shared) = start_gateway(config).await;
    let response = reqwest::Client::new()
        .get(format!("http://{gateway}/auth/verify"))
        .header("X-Original-Method", "GET")
        .header("X-Original-URI", "/public/x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

/// A decision class both entry points share: forward-auth answers 403 `no_route` where the
/// proxy answers 404 `no_route`.
fn class(status: u16, error: &str) -> String {
    match (status, error) {
        (403 | 404, "no_route") => "no_route".into(),
        (200, _) => "allowed".into(),
        (status, error) => format!("{status} {error}"),
    }
}

/// One raw HTTP/1.1 request (no client-side path normalisation): status and `error` code.
async fn raw_get(addr: SocketAddr, target: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw);
    let status = text.split(' ').nth(1).unwrap().parse().unwrap();
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let error = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_default();
    (status, error)
}

/// Paths in normal form, and paths both refuse, are decided alike by forward-auth and the proxy.
#[tokio::test]
async fn path_checks_match_the_proxy() {
    let stack = Stack::trusted().await;
    let payloads = [
        "/public/x",
        "/public/..%2fapi/data/x",
        "/public/%2e%2e%2fapi/data/x",
        "/public/%5c..%5capi/data/x",
        "/public/x%00",
        "/PUBLIC/x",
        "/api/admin;x/users",
        "/api/admin%3Bx/users",
        "/api/data/x?access=/public/x",
    ];
    for target in payloads {
        let (proxy_status, proxy_error) = raw_get(stack.gateway, target).await;
        let response = stack.nginx("GET", target, None).await;
        let status = response.status().as_u16();
        let error = if status == 200 {
            String::new()
        } else {
            error_code(response).await
        };
        println!("{target}: forward-auth {status} {error}, proxy {proxy_status} {proxy_error}");
        assert_eq!(
            class(status, &error),
            class(proxy_status, &proxy_error),
            "{target}: forward-auth {status} {error}, proxy {proxy_status} {proxy_error}"
        );
    }
}

/// The proxy forwards the path it normalised, but the application behind nginx receives the
/// client's path as sent: forward-auth refuses a path that normalisation would change, so it
/// never decides `/api/data/%2e%2e/%2e%2e/public/x` as `/public/x` (auth none) for an
/// application that does not resolve dot segments and serves it from `/api/data`.
#[tokio::test]
async fn paths_not_in_normal_form_are_refused_even_with_a_good_token() {
    let stack = Stack::trusted().await;
    let good = token(stack.idp(), &["read_data"], &["Admin"]);
    for target in [
        "/api/data/%2e%2e/%2e%2e/public/x",
        "/api/admin/../data/x",
        "/api/admin/%2E%2E/data/x",
        "/public/./x",
        "/public//x",
        "/../../public/x",
        "/%70ublic/x",
        "/api/data/%7ex",
    ] {
        for token in [None, Some(good.as_str())] {
            let response = stack.nginx("GET", target, token).await;
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{target}");
            assert_eq!(error_code(response).await, "bad_path", "{target}");
        }
    }
    let response = stack.nginx("GET", "/api/data/x", Some(&good)).await;
    assert_eq!(response.status(), StatusCode::OK);
    // A fragment never belongs to a request target; the URI parser would drop it.
    let response = stack
        .nginx("GET", "/public/x#/../../api/admin/x", None)
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(response).await, "invalid_request");
}

#[tokio::test]
async fn failed_authentications_are_rate_limited_per_client() {
    let running = DevIdp::start_loopback().await.unwrap();
    let app = start_echo_app().await;
    let mut config = example_config(running.base_url(), app, r#"["127.0.0.1/32"]"#);
    for route in &mut config.routes {
        route.rate_limit.failed_auth_per_minute = 1;
        route.rate_limit.burst = 1;
    }
    let (_, shared) = start_gateway(config).await;
    let gw = shared.load_full();
    let peer: IpAddr = "127.0.0.1".parse().unwrap();
    let bad = tampered(&token(&running.idp, &["read_data"], &[]));
    let request = |client: &'static str| {
        let mut headers = HeaderMap::new();
        headers.insert("x-original-method", HeaderValue::from_static("GET"));
        headers.insert("x-original-uri", HeaderValue::from_static("/api/data/x"));
        headers.insert("x-forwarded-for", HeaderValue::from_static(client));
        let bearer = format!("Bearer {bad}");
        headers.insert("authorization", HeaderValue::from_str(&bearer).unwrap());
        headers
    };
    let first = forward_auth::verify(&gw, peer, &request("203.0.113.7")).await;
    assert_eq!(first.status(), StatusCode::UNAUTHORIZED);
    let second = forward_auth::verify(&gw, peer, &request("203.0.113.7")).await;
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(second.headers().contains_key("retry-after"));
    // Another client behind the same nginx is not affected.
    let other = forward_auth::verify(&gw, peer, &request("203.0.113.8")).await;
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn cors_preflight_is_decided_without_authentication() {
    let running = DevIdp::start_loopback().await.unwrap();
    let app = start_echo_app().await;
    let mut config = example_config(running.base_url(), app, r#"["127.0.0.1/32"]"#);
    let data = config
        .routes
        .iter_mut()
        .find(|r| r.name == "data-read")
        .unwrap();
    data.cors = Some(CorsSettings {
        allowed_origins: vec!["https://app.example.com".into()],
        allowed_methods: vec![http::Method::GET],
        allowed_headers: vec!["authorization".into()],
        expose_headers: Vec::new(),
        allow_credentials: false,
        max_age: Duration::from_secs(600),
    });
    let (gateway, _shared) = start_gateway(config).await;
    let preflight = |origin: &'static str, uri: &'static str| {
        reqwest::Client::new()
            .get(format!("http://{gateway}/auth/verify"))
            .header("X-Original-Method", "OPTIONS")
            .header("X-Original-URI", uri)
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .send()
    };
    let allowed = preflight("https://app.example.com", "/api/data/x")
        .await
        .unwrap();
    assert_eq!(allowed.status(), StatusCode::NO_CONTENT);
    assert!(header(&allowed, "x-auth-subject").is_none());
    let other_origin = preflight("https://evil.example", "/api/data/x")
        .await
        .unwrap();
    assert_eq!(other_origin.status(), StatusCode::FORBIDDEN);
    // The admin route has no CORS settings: an OPTIONS there needs a token like any request.
    let no_cors = preflight("https://app.example.com", "/api/admin/x")
        .await
        .unwrap();
    assert_eq!(no_cors.status(), StatusCode::UNAUTHORIZED);
}
