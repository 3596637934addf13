//! The server: TLS with a certificate generated at test time, HSTS, the redirect listener,
//! graceful shutdown and its grace period.

use authgate_gateway::config::{ServerSettings, TlsSettings};
use authgate_gateway::server::{Listeners, ServeError, Serving, serve_app};
use axum::Router;
use axum::routing::{get, post};
use http::{StatusCode, header};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};

/// A self-signed certificate for `localhost` written to a fresh directory.
pub(crate) struct TestCert {
    pub(crate) dir: PathBuf,
    pub(crate) pem: String,
}

impl TestCert {
    pub(crate) fn new() -> TestCert {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("authgate-tls-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let pem = generated.cert.pem();
        std::fs::write(dir.join("cert.pem"), &pem).unwrap();
        std::fs::write(dir.join("key.pem"), generated.signing_key.serialize_pem()).unwrap();
        TestCert { dir, pem }
    }

    pub(crate) fn settings(&self) -> TlsSettings {
        TlsSettings {
            cert_file: self.dir.join("cert.pem"),
            key_file: self.dir.join("key.pem"),
            hsts_max_age: Duration::from_secs(600),
        }
    }

    /// A client that trusts only this certificate and resolves `localhost` to `addr`.
    pub(crate) fn client(&self, addr: SocketAddr) -> reqwest::Client {
        let cert = reqwest::Certificate::from_pem(self.pem.as_bytes()).unwrap();
        reqwest::Client::builder()
            .tls_certs_only([cert])
            .resolve("localhost", addr)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap()
    }
}

impl Drop for TestCert {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(crate) fn server_settings(tls: Option<TlsSettings>) -> ServerSettings {
    ServerSettings {
        listen: "127.0.0.1:0".parse().unwrap(),
        public_url: None,
        trusted_proxies: Vec::new(),
        tls,
        redirect_http_listen: None,
        shutdown_grace: Duration::from_secs(5),
        security_headers: true,
        workers: 2,
    }
}

async fn loopback() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").await.unwrap()
}

fn hello_app() -> Router {
    Router::new().route("/hello", get(|| async { "hi" })).route(
        "/own-hsts",
        get(|| async { ([(header::STRICT_TRANSPORT_SECURITY, "max-age=5")], "own") }),
    )
}

/// Serves `app` until the returned sender fires (or is dropped).
fn start(
    listeners: Listeners,
    app: Router,
    settings: &ServerSettings,
) -> (Serving, oneshot::Sender<()>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = serve_app(listeners, app, settings, async move {
        let _ = stopped.await;
    })
    .unwrap();
    (serving, stop)
}

#[tokio::test]
async fn tls_serves_https_with_hsts_over_http2() {
    let cert = TestCert::new();
    let settings = server_settings(Some(cert.settings()));
    let (serving, stop) = start(loopback().await.into(), hello_app(), &settings);
    assert!(serving.is_tls());
    let client = cert.client(serving.local_addr());
    let url = format!("https://localhost:{}/hello", serving.local_addr().port());

    let response = client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.version(), http::Version::HTTP_2, "ALPN h2");
    assert_eq!(
        response.headers()[header::STRICT_TRANSPORT_SECURITY],
        "max-age=600; includeSubDomains"
    );
    assert_eq!(response.text().await.unwrap(), "hi");

    let url = format!("https://localhost:{}/own-hsts", serving.local_addr().port());
    let response = client.get(&url).send().await.unwrap();
    assert_eq!(
        response.headers()[header::STRICT_TRANSPORT_SECURITY],
        "max-age=5",
        "upstream's own policy kept"
    );

    stop.send(()).unwrap();
    serving.wait().await.unwrap();
}

#[tokio::test]
async fn tls_refuses_clients_that_do_not_trust_the_certificate() {
    let cert = TestCert::new();
    let settings = server_settings(Some(cert.settings()));
    let (serving, stop) = start(loopback().await.into(), hello_app(), &settings);
    let other = TestCert::new();
    let url = format!("https://localhost:{}/hello", serving.local_addr().port());
    let error = other
        .client(serving.local_addr())
        .get(&url)
        .send()
        .await
        .unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    stop.send(()).unwrap();
    serving.wait().await.unwrap();
}

#[tokio::test]
async fn plain_http_has_no_hsts() {
    let settings = server_settings(None);
    let (serving, stop) = start(loopback().await.into(), hello_app(), &settings);
    let response = reqwest::get(format!("http://{}/hello", serving.local_addr()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .headers()
            .get(header::STRICT_TRANSPORT_SECURITY)
            .is_none()
    );
    stop.send(()).unwrap();
    serving.wait().await.unwrap();
}

#[tokio::test]
async fn unreadable_or_mismatched_tls_files_are_reported_with_their_path() {
    let cert = TestCert::new();
    let mut tls = cert.settings();
    tls.cert_file = cert.dir.join("missing.pem");
    let error = serve_app(
        loopback().await.into(),
        hello_app(),
        &server_settings(Some(tls)),
        async {},
    )
    .unwrap_err();
    assert!(matches!(error, ServeError::Tls(_)), "{error:?}");
    assert!(error.to_string().contains("missing.pem"), "{error}");

    let other = TestCert::new();
    let mut tls = cert.settings();
    tls.key_file = other.settings().key_file;
    let error = serve_app(
        loopback().await.into(),
        hello_app(),
        &server_settings(Some(tls)),
        async {},
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("does not fit the certificate"),
        "{error}"
    );

    let mut tls = cert.settings();
    tls.key_file = cert.settings().cert_file;
    let error = serve_app(
        loopback().await.into(),
        hello_app(),
        &server_settings(Some(tls)),
        async {},
    )
    .unwrap_err();
    assert!(error.to_string().contains("no PRIVATE KEY"), "{error}");
}

async fn start_with_redirect(
    cert: &TestCert,
    public_url: Option<&str>,
) -> (Serving, oneshot::Sender<()>) {
    let mut settings = server_settings(Some(cert.settings()));
    settings.public_url = public_url.map(|u| u.parse().unwrap());
    let listeners = Listeners {
        main: loopback().await,
        redirect: Some(loopback().await),
    };
    let app = hello_app().route("/submit", post(|| async { "posted" }));
    start(listeners, app, &settings)
}

fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn redirect_listener_sends_get_to_https_keeping_path_and_query() {
    let cert = TestCert::new();
    let (serving, stop) = start_with_redirect(&cert, None).await;
    let redirect = serving.redirect_addr().unwrap();
    let tls_port = serving.local_addr().port();

    let response = plain_client()
        .get(format!("http://{redirect}/hello/../hello?a=1&b=%20"))
        .header(header::HOST, format!("localhost:{}", redirect.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
    let location = response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        location,
        format!("https://localhost:{tls_port}/hello?a=1&b=%20")
    );
    assert!(
        response
            .headers()
            .get(header::STRICT_TRANSPORT_SECURITY)
            .is_none(),
        "never over plain HTTP"
    );

    // Following it reaches the TLS listener.
    let followed = cert
        .client(serving.local_addr())
        .get(&location)
        .send()
        .await
        .unwrap();
    assert_eq!(followed.text().await.unwrap(), "hi");

    let response = plain_client()
        .post(format!("http://{redirect}/submit"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::PERMANENT_REDIRECT,
        "308 keeps method and body"
    );
    stop.send(()).unwrap();
    serving.wait().await.unwrap();
}

#[tokio::test]
async fn redirect_listener_uses_https_public_url_not_the_host_header() {
    let cert = TestCert::new();
    let (serving, stop) = start_with_redirect(&cert, Some("https://gw.example.com")).await;
    let redirect = serving.redirect_addr().unwrap();
    let response = plain_client()
        .get(format!("http://{redirect}/x?y=z"))
        .header(header::HOST, "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()[header::LOCATION],
        "https://gw.example.com/x?y=z"
    );
    stop.send(()).unwrap();
    serving.wait().await.unwrap();
}

#[tokio::test]
async fn redirect_listener_rejects_a_malformed_host() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let cert = TestCert::new();
    let (serving, stop) = start_with_redirect(&cert, None).await;
    let mut stream = tokio::net::TcpStream::connect(serving.redirect_addr().unwrap())
        .await
        .unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(
        !response.to_ascii_lowercase().contains("location:"),
        "{response}"
    );
    stop.send(()).unwrap();
    serving.wait().await.unwrap();
}

/// An app whose `/slow` handler signals `entered` and then waits for `release`.
fn slow_app(entered: Arc<Notify>, release: Arc<Notify>) -> Router {
    Router::new().route(
        "/slow",
        get(move || {
            let (entered, release) = (Arc::clone(&entered), Arc::clone(&release));
            async move {
                entered.notify_one();
                release.notified().await;
                "finished"
            }
        }),
    )
}

async fn connect_refused(addr: SocketAddr) -> bool {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn graceful_shutdown_lets_the_request_in_flight_finish() {
    let (entered, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let settings = server_settings(None);
    let (serving, stop) = start(
        loopback().await.into(),
        slow_app(entered.clone(), release.clone()),
        &settings,
    );
    let addr = serving.local_addr();
    let in_flight = tokio::spawn(async move { reqwest::get(format!("http://{addr}/slow")).await });
    tokio::time::timeout(Duration::from_secs(10), entered.notified())
        .await
        .expect("request entered");

    stop.send(()).unwrap();
    assert!(
        connect_refused(addr).await,
        "new connections are refused once shutdown starts"
    );
    release.notify_one();
    let response = in_flight.await.unwrap().unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "finished");
    serving.wait().await.unwrap();
}

#[tokio::test]
async fn requests_still_running_after_the_grace_period_are_dropped() {
    let (entered, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let mut settings = server_settings(None);
    settings.shutdown_grace = Duration::from_millis(200);
    let (serving, stop) = start(
        loopback().await.into(),
        slow_app(entered.clone(), release),
        &settings,
    );
    let addr = serving.local_addr();
    let in_flight = tokio::spawn(async move { reqwest::get(format!("http://{addr}/slow")).await });
    tokio::time::timeout(Duration::from_secs(10), entered.notified())
        .await
        .expect("request entered");

    stop.send(()).unwrap();
    stops_with_the_request_cut_off(serving, in_flight).await;
}

#[tokio::test]
async fn shutdown_right_after_start_is_not_lost() {
    let settings = server_settings(None);
    let serving = serve_app(loopback().await.into(), hello_app(), &settings, async {}).unwrap();
    tokio::time::timeout(Duration::from_secs(5), serving.wait())
        .await
        .expect("stopped")
        .unwrap();
}

// ---------------------------------------------------------------------------------------
// The whole gateway: `serve_on`, `reload`, and the `authgate serve` process with signals.

use crate::support::{self, Upstream};
use authgate_devidp::RunningIdp;
use authgate_gateway::app::{Gateway, SharedGateway};
use authgate_gateway::config::Config;
use authgate_gateway::health;
use authgate_gateway::server::{ReloadError, reload, serve_on};

/// A fresh directory for configuration files, removed on drop.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("authgate-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub(crate) fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The support configuration with one bearer route `name` at `/{name}/{*rest}`.
fn one_route_toml(idp: &RunningIdp, upstream: &str, name: &str) -> String {
    let base = support::base_toml(idp, &[]);
    format!(
        "{base}\n[[routes]]\nname = \"{name}\"\npath = \"/{name}/{{*rest}}\"\nupstream = \"{upstream}\"\n"
    )
}

/// A client without redirects or proxies that gives up after 10 s (a test never hangs).
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn until_ready(state: &SharedGateway) {
    for _ in 0..200 {
        if state.load().verifier.is_ready() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("provider keys never loaded");
}

async fn get_status(client: &reqwest::Client, url: &str, token: &str) -> StatusCode {
    client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn reload_swaps_a_good_config_and_keeps_the_running_one_on_a_bad_one() {
    let idp = support::start_idp().await;
    let upstream: Upstream = support::start_upstream().await;
    let dir = TempDir::new("reload");
    let path = dir.write(
        "authgate.toml",
        &one_route_toml(&idp, &upstream.url(), "v1"),
    );
    let state = Gateway::build(Config::load(&path).unwrap())
        .await
        .unwrap()
        .shared();
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = serve_on(loopback().await, state.clone(), async move {
        let _ = stopped.await;
    })
    .await
    .unwrap();
    until_ready(&state).await;
    let (client, token) = (client(), support::token(&idp, &[]));
    let url = |path: &str| format!("http://{}{path}", serving.local_addr());
    assert_eq!(
        get_status(&client, &url("/v1/x"), &token).await,
        StatusCode::OK
    );
    let readyz = client.get(url("/readyz")).send().await.unwrap();
    assert_eq!(readyz.status(), StatusCode::OK);
    let readyz: serde_json::Value = readyz.json().await.unwrap();
    assert_eq!(readyz["status"], "ready");

    dir.write(
        "authgate.toml",
        &one_route_toml(&idp, &upstream.url(), "v2"),
    );
    reload(&state, &path).await.unwrap();
    until_ready(&state).await;
    assert_eq!(
        get_status(&client, &url("/v2/x"), &token).await,
        StatusCode::OK
    );
    assert_eq!(
        get_status(&client, &url("/v1/x"), &token).await,
        StatusCode::NOT_FOUND
    );

    let broken = one_route_toml(&idp, "ftp://nowhere", "v3").replace("version = 1", "version = 7");
    dir.write("authgate.toml", &broken);
    let error = reload(&state, &path).await.unwrap_err();
    let ReloadError::Config(errors) = &error else {
        panic!("{error:?}")
    };
    assert!(errors.0.len() >= 2, "every problem is reported: {errors}");
    assert_eq!(
        get_status(&client, &url("/v2/x"), &token).await,
        StatusCode::OK,
        "old config kept"
    );
    assert_eq!(
        get_status(&client, &url("/v3/x"), &token).await,
        StatusCode::NOT_FOUND
    );

    // A good file while the identity provider is down: the new gateway starts with the
    // running keys (its own fetch fails), so it serves and stays ready.
    idp.idp.set_fault(authgate_devidp::Fault::Status(503));
    dir.write(
        "authgate.toml",
        &one_route_toml(&idp, &upstream.url(), "v4"),
    );
    reload(&state, &path).await.unwrap();
    assert_eq!(
        get_status(&client, &url("/v4/x"), &token).await,
        StatusCode::OK
    );
    let readyz = client.get(url("/readyz")).send().await.unwrap();
    assert_eq!(readyz.status(), StatusCode::OK);

    stop.send(()).unwrap();
    serving.wait().await.unwrap();
}

#[tokio::test]
async fn tls_gateway_proxies_bearer_requests_with_hsts() {
    let idp = support::start_idp().await;
    let upstream = support::start_upstream().await;
    let cert = TestCert::new();
    let tls = cert.settings();
    let toml = one_route_toml(&idp, &upstream.url(), "secure").replace(
        "[server]\n",
        &format!(
            "[server]\ntls = {{ cert_file = \"{}\", key_file = \"{}\", hsts_max_age = \"1h\" }}\n",
            tls.cert_file.display(),
            tls.key_file.display()
        ),
    );
    let state = Gateway::build(support::config(&toml))
        .await
        .unwrap()
        .shared();
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = serve_on(loopback().await, state.clone(), async move {
        let _ = stopped.await;
    })
    .await
    .unwrap();
    until_ready(&state).await;
    let client = cert.client(serving.local_addr());
    let url = format!("https://localhost:{}/secure/x", serving.local_addr().port());

    let response = client
        .get(&url)
        .bearer_auth(support::token(&idp, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::STRICT_TRANSPORT_SECURITY],
        "max-age=3600; includeSubDomains"
    );
    let denied = client
        .get(&url)
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), StatusCode::UNAUTHORIZED);
    assert!(
        denied
            .headers()
            .contains_key(header::STRICT_TRANSPORT_SECURITY),
        "on rejections too"
    );

    stop.send(()).unwrap();
    serving.wait().await.unwrap();
}

/// The `authgate serve` process; killed on drop. Its standard error is collected.
struct Process {
    child: std::process::Child,
    stderr: Arc<std::sync::Mutex<String>>,
}

impl Process {
    fn serve(config: &std::path::Path) -> Process {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_authgate"))
            .args(["serve", "--config"])
            .arg(config)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(std::sync::Mutex::new(String::new()));
        let (pipe, sink) = (child.stderr.take().unwrap(), Arc::clone(&stderr));
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut sink = sink.lock().unwrap();
                sink.push_str(&line);
                sink.push('\n');
            }
        });
        Process { child, stderr }
    }

    fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits (up to 10 s) until standard error contains `needle`.
    async fn logged(&self, needle: &str) {
        for _ in 0..400 {
            if self.stderr().contains(needle) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("never logged {needle:?}:\n{}", self.stderr());
    }

    /// Waits (up to 10 s) for the exit status.
    async fn exit(&mut self) -> std::process::ExitStatus {
        for _ in 0..400 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("still running:\n{}", self.stderr());
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port (bound and released; the process binds it next).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An upstream whose paths containing `/slow/` signal `entered` and wait for `release`
/// (answering "finished"); every other path answers "ok".
async fn start_slow_upstream(entered: Arc<Notify>, release: Arc<Notify>) -> SocketAddr {
    let app = Router::new().fallback(move |uri: http::Uri| {
        let (entered, release) = (Arc::clone(&entered), Arc::clone(&release));
        async move {
            if !uri.path().contains("/slow/") {
                return "ok";
            }
            entered.notify_one();
            release.notified().await;
            "finished"
        }
    });
    let listener = loopback().await;
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// `authgate serve` as a real process: insecure settings are warned about at start, SIGHUP
/// reloads (a bad file keeps the running configuration and logs why), SIGTERM lets the
/// request in flight finish, and no token reaches the logs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authgate_serve_reloads_on_sighup_and_drains_on_sigterm() {
    let idp = support::start_idp().await;
    let (entered, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let upstream = format!(
        "http://{}",
        start_slow_upstream(entered.clone(), release.clone()).await
    );
    let port = free_port();
    let config = |route: &str, log_level: &str| {
        one_route_toml(&idp, &upstream, route)
            .replace(
                "listen = \"127.0.0.1:0\"",
                &format!("listen = \"127.0.0.1:{port}\""),
            )
            .replace(
                "[[providers]]\n",
                "[[providers]]\ninsecure_allow_http = true\n",
            )
            .replace(
                "[server]\n",
                &format!("[telemetry]\nlog_level = \"{log_level}\"\n\n[server]\n"),
            )
    };
    let dir = TempDir::new("process");
    let path = dir.write("authgate.toml", &config("v1", "info"));
    let mut process = Process::serve(&path);
    process.logged("authgate listening").await;
    // The gateway's own warning, with the setting's path (the library also names the setting
    // when it builds the verifier, so the bare name would not show the gateway warned).
    process
        .logged("\"setting\":\"providers[0].insecure_allow_http\"")
        .await;
    let (client, token) = (client(), support::token(&idp, &[]));
    let url = |path: &str| format!("http://127.0.0.1:{port}{path}");
    assert_eq!(
        until_ok(&client, &url("/v1/x"), &token).await,
        StatusCode::OK
    );
    process.logged("\"route\":\"v1\"").await;

    // A good file: new routes, and the new log level silences the audit events.
    dir.write("authgate.toml", &config("v2", "info,authgate::audit=off"));
    process.signal("HUP");
    process.logged("configuration reloaded").await;
    assert_eq!(
        get_status(&client, &url("/v1/x"), &token).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        until_ok(&client, &url("/v2/x"), &token).await,
        StatusCode::OK
    );

    // A bad file: every problem is logged and the running configuration stays.
    dir.write(
        "authgate.toml",
        &config("v3", "info").replace("version = 1", "version = 9"),
    );
    process.signal("HUP");
    process.logged("keeping the running configuration").await;
    let logs = process.stderr();
    assert!(
        logs.contains("\"path\":\"version\""),
        "the problem is named:\n{logs}"
    );
    assert!(
        !logs.contains("\"route\":\"v2\""),
        "audit events were switched off:\n{logs}"
    );
    assert_eq!(
        until_ok(&client, &url("/v2/x"), &token).await,
        StatusCode::OK,
        "v2 still served"
    );

    // SIGTERM: no new connections, the request in flight finishes, exit status 0.
    let in_flight = {
        let (client, url, token) = (client.clone(), url("/v2/slow/x"), token.clone());
        tokio::spawn(async move { client.get(url).bearer_auth(token).send().await })
    };
    tokio::time::timeout(Duration::from_secs(10), entered.notified())
        .await
        .expect("the slow request reached the upstream");
    process.signal("TERM");
    process.logged("no longer accepting connections").await;
    release.notify_one();
    let response = tokio::time::timeout(Duration::from_secs(10), in_flight)
        .await
        .expect("the request in flight finished")
        .unwrap()
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "finished");
    assert!(process.exit().await.success(), "{}", process.stderr());
    let logs = process.stderr();
    for part in token.split('.') {
        assert!(!logs.contains(part), "a token segment was logged:\n{logs}");
    }
}

/// GETs `url` until it is 200 (a new verifier may still be fetching keys), up to 5 s.
async fn until_ok(client: &reqwest::Client, url: &str, token: &str) -> StatusCode {
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..200 {
        status = get_status(client, url, token).await;
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    status
}

/// Regression: with standard error closed (a log collector that died), logging must not
/// panic the task that handles SIGTERM; the process still drains and exits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authgate_serve_exits_on_sigterm_with_its_log_pipe_closed() {
    let port = free_port();
    let toml = format!(
        "version = 1\n[server]\nlisten = \"127.0.0.1:{port}\"\n\n[[routes]]\nname = \"open\"\npath = \"/open/{{*rest}}\"\nauth = \"none\"\nupstream = \"http://127.0.0.1:9\"\n"
    );
    let dir = TempDir::new("closed-pipe");
    let path = dir.write("authgate.toml", &toml);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_authgate"))
        .args(["serve", "--config"])
        .arg(&path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let client = client();
    let mut up = false;
    for _ in 0..400 {
        if client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .is_ok()
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(up, "the gateway never answered");
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let mut process = Process {
        child,
        stderr: Arc::default(),
    };
    assert!(process.exit().await.success());
}

#[tokio::test]
async fn readyz_waits_for_every_provider_and_names_the_missing_ones() {
    let idp = support::start_idp().await;
    let upstream = support::start_upstream().await;
    let ready_toml = one_route_toml(&idp, &upstream.url(), "r");
    let ready = Gateway::build(support::config(&ready_toml))
        .await
        .unwrap()
        .shared();
    until_ready(&ready).await;
    let response = health::readiness(&ready.load());
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        json_body(response).await,
        serde_json::json!({ "status": "ready" })
    );

    let unreachable = ready_toml.replace(idp.base_url(), "http://127.0.0.1:9");
    let waiting = Gateway::build(support::config(&unreachable)).await.unwrap();
    let response = health::readiness(&waiting);
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = json_body(response).await;
    assert_eq!(
        body,
        serde_json::json!({ "status": "not_ready", "waiting_for": ["oidc"] })
    );
    assert_eq!(health::healthz().await.status(), StatusCode::OK);
}

async fn json_body(response: axum::response::Response) -> serde_json::Value {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// SIGHUP also reads the TLS certificate and key again: new connections get the renewed
/// certificate without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authgate_serve_serves_a_renewed_certificate_after_sighup() {
    let idp = support::start_idp().await;
    let port = free_port();
    let (old, renewed) = (TestCert::new(), TestCert::new());
    let tls = old.settings();
    let toml = one_route_toml(&idp, "http://127.0.0.1:9", "v1")
        .replace(
            "listen = \"127.0.0.1:0\"",
            &format!("listen = \"127.0.0.1:{port}\""),
        )
        .replace(
            "[server]\n",
            &format!(
                "[server]\ntls = {{ cert_file = \"{}\", key_file = \"{}\" }}\n",
                tls.cert_file.display(),
                tls.key_file.display()
            ),
        );
    let dir = TempDir::new("renew");
    let path = dir.write("authgate.toml", &toml);
    let process = Process::serve(&path);
    process.logged("authgate listening").await;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let url = format!("https://localhost:{port}/healthz");
    let response = old.client(addr).get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .headers()
            .contains_key(header::STRICT_TRANSPORT_SECURITY)
    );
    assert!(renewed.client(addr).get(&url).send().await.is_err());

    std::fs::copy(renewed.settings().cert_file, &tls.cert_file).unwrap();
    std::fs::copy(renewed.settings().key_file, &tls.key_file).unwrap();
    process.signal("HUP");
    process.logged("configuration reloaded").await;
    assert_eq!(
        renewed
            .client(addr)
            .get(&url)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert!(
        old.client(addr).get(&url).send().await.is_err(),
        "the old certificate is gone"
    );
}

/// `server.workers` threads serve the main listener, each its own connections; the caller's
/// runtime serves none of them.
#[tokio::test]
async fn serving_threads_answer_every_connection() {
    let settings = ServerSettings {
        workers: 3,
        ..server_settings(None)
    };
    let app = Router::new().route(
        "/thread",
        get(|| async {
            std::thread::current()
                .name()
                .unwrap_or("unnamed")
                .to_owned()
        }),
    );
    let (serving, stop) = start(loopback().await.into(), app, &settings);
    let url = format!("http://{}/thread", serving.local_addr());
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..30 {
        // A new client each time: a new connection, accepted by whichever thread is free.
        let client = reqwest::Client::new();
        let name = client.get(&url).send().await.unwrap().text().await.unwrap();
        seen.insert(name);
    }
    let allowed = [
        "authgate-worker-0",
        "authgate-worker-1",
        "authgate-worker-2",
    ];
    assert!(
        seen.iter().all(|n| allowed.contains(&n.as_str())),
        "{seen:?}"
    );
    stop.send(()).unwrap();
    serving.wait().await.unwrap();
}

/// A silent connection and one whose request head for `path` never ends are both closed
/// after `REQUEST_HEAD_TIMEOUT` (on a paused clock), neither served.
async fn slow_clients_are_cut_off(addr: SocketAddr, path: &str) {
    use authgate_gateway::server::REQUEST_HEAD_TIMEOUT;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let started = tokio::time::Instant::now();
    let connect = || tokio::net::TcpStream::connect(addr);
    let (mut silent, mut partial) = (connect().await.unwrap(), connect().await.unwrap());
    let head = format!("GET {path} HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n");
    partial.write_all(head.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let cut_off = async {
        let _ = partial.read_to_end(&mut buf).await;
        let _ = silent.read_to_end(&mut buf).await;
    };
    tokio::time::timeout(REQUEST_HEAD_TIMEOUT * 3, cut_off)
        .await
        .expect("both connections were closed");
    let waited = started.elapsed();
    assert!(
        waited >= REQUEST_HEAD_TIMEOUT && waited < REQUEST_HEAD_TIMEOUT * 2,
        "{waited:?}"
    );
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));
}

/// Slowloris: a client that never finishes its request head is disconnected after
/// `REQUEST_HEAD_TIMEOUT` (time is paused and jumps forward while everything waits).
#[tokio::test(start_paused = true)]
async fn a_request_head_that_never_ends_is_cut_off() {
    // On this (paused) runtime: serving threads have clocks of their own.
    let settings = ServerSettings {
        workers: 0,
        ..server_settings(None)
    };
    let (serving, stop) = start(loopback().await.into(), hello_app(), &settings);
    slow_clients_are_cut_off(serving.local_addr(), "/hello").await;
    stop.send(()).unwrap();
    serving.wait().await.unwrap();
}

/// A gateway with one open route to `upstream`, serving on this test's runtime.
async fn open_gateway(upstream: &str, server_extra: &str) -> SharedGateway {
    let toml = format!(
        "version = 1\n[server]\nlisten = \"127.0.0.1:0\"\n{server_extra}\n\n[[routes]]\nname = \"open\"\npath = \"/open/{{*rest}}\"\nauth = \"none\"\nupstream = \"{upstream}\"\n"
    );
    let mut gateway = Gateway::build(support::config(&toml)).await.unwrap();
    Arc::make_mut(&mut gateway.config).server.workers = 0;
    gateway.shared()
}

/// Slowloris against the gateway's own plain listener (not axum-server's): a silent
/// connection and an unfinished request head are both closed after `REQUEST_HEAD_TIMEOUT`.
#[tokio::test(start_paused = true)]
async fn the_gateway_listener_cuts_off_a_request_head_that_never_ends() {
    let state = open_gateway("http://127.0.0.1:9", "").await;
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = serve_on(loopback().await, state, async move {
        let _ = stopped.await;
    })
    .await
    .unwrap();
    slow_clients_are_cut_off(serving.local_addr(), "/open/x").await;
    stop.send(()).unwrap();
    serving.wait().await.unwrap();
}

/// A gateway (with `server_extra` in `[server]`) in front of a slow upstream, one request in
/// flight when its shutdown starts, and new connections refused from then on: the listeners,
/// the request's task and what releases the upstream's answer.
/// Waits for `serving` to stop after its grace period and checks that the request still in
/// flight lost its connection.
async fn stops_with_the_request_cut_off(
    serving: authgate_gateway::server::Serving,
    in_flight: tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>,
) {
    tokio::time::timeout(Duration::from_secs(5), serving.wait())
        .await
        .expect("stopped after the grace")
        .unwrap();
    assert!(
        in_flight.await.unwrap().is_err(),
        "the connection was closed"
    );
}

async fn shut_down_with_a_request_in_flight(
    server_extra: &str,
) -> (
    authgate_gateway::server::Serving,
    tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>,
    Arc<Notify>,
) {
    let (entered, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let upstream = start_slow_upstream(entered.clone(), release.clone()).await;
    let state = open_gateway(&format!("http://{upstream}"), server_extra).await;
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = serve_on(loopback().await, state, async move {
        let _ = stopped.await;
    })
    .await
    .unwrap();
    let addr = serving.local_addr();
    let in_flight =
        tokio::spawn(async move { reqwest::get(format!("http://{addr}/open/slow/x")).await });
    tokio::time::timeout(Duration::from_secs(10), entered.notified())
        .await
        .expect("request entered");
    stop.send(()).unwrap();
    assert!(connect_refused(addr).await, "no new connections");
    (serving, in_flight, release)
}

/// Shutdown on the gateway's plain listener: a request still running after `shutdown_grace`
/// is dropped, and `wait` returns.
#[tokio::test]
async fn the_gateway_listener_drops_requests_running_past_the_grace_period() {
    let (serving, in_flight, _release) =
        shut_down_with_a_request_in_flight("shutdown_grace = \"200ms\"").await;
    stops_with_the_request_cut_off(serving, in_flight).await;
}

/// Shutdown on the gateway's plain listener lets the request in flight finish.
#[tokio::test]
async fn the_gateway_listener_lets_the_request_in_flight_finish() {
    let (serving, in_flight, release) = shut_down_with_a_request_in_flight("").await;
    release.notify_one();
    let response = in_flight.await.unwrap().unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "finished");
    tokio::time::timeout(Duration::from_secs(5), serving.wait())
        .await
        .expect("stopped")
        .unwrap();
}

/// The server's maintenance task forgets client IPs whose rate-limit budget refilled
/// (`retain_recent` every minute), so keyed state does not grow without bound.
#[tokio::test(start_paused = true)]
async fn maintenance_forgets_quiet_clients_every_minute() {
    let toml = "version = 1\n[server]\nlisten = \"127.0.0.1:0\"\n[rate_limit]\nfailed_auth_per_minute = 600\nburst = 1\n\n[[routes]]\nname = \"open\"\npath = \"/open/{*rest}\"\nauth = \"none\"\nupstream = \"http://127.0.0.1:9\"\n";
    let state = Gateway::build(support::config(toml))
        .await
        .unwrap()
        .shared();
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = serve_on(loopback().await, state.clone(), async move {
        let _ = stopped.await;
    })
    .await
    .unwrap();
    let settings = *state.load().limiters.defaults();
    for last in 1..=20 {
        state
            .load()
            .limiters
            .record_failed_auth(&settings, std::net::IpAddr::from([198, 51, 100, last]));
    }
    assert_eq!(state.load().limiters.tracked_ips(), 20);
    // The limiter runs on the real monotonic clock; governor forgets a key two refill
    // intervals (2 × 100 ms) after its last use.
    std::thread::sleep(Duration::from_millis(250));
    // Each round is one maintenance interval; a loaded machine may need a second one before
    // the task has run (it never needs more than a few).
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_secs(61)).await;
        if state.load().limiters.tracked_ips() == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(state.load().limiters.tracked_ips(), 0);
    stop.send(()).unwrap();
    serving.wait().await.unwrap();
}
