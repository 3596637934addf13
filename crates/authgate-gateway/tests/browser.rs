//! Browser sign-in through the gateway in a real headless Chromium, end to end over loopback:
//! the dev IdP in interactive mode (its login page), an echo upstream, the gateway in-process
//! with a SQLite store, and `tests/browser/signin.mjs` (Playwright driving `/usr/bin/chromium`)
//! clicking through the chooser, the IdP's login page and the logout confirmation.
//!
//! Chromium and the node packages come from `scripts/browser-setup.sh`; when they are missing
//! this test fails saying so (CI installs them). `AUTHGATE_SKIP_BROWSER=1` skips it.

use authgate_devidp::{DevIdp, Flavor, RunningIdp};
use authgate_gateway::app::{Gateway, router};
use authgate_gateway::config::Config;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tokio::net::TcpListener;

/// A literal master key for the test (`[secrets] key`), 32 zero bytes.
const TEST_KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/// Where Debian's Chromium lives (scripts/browser-setup.sh installs it).
const CHROMIUM: &str = "/usr/bin/chromium";

/// The workspace root (two levels above this crate).
fn workspace_root() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir.ancestors().nth(2).unwrap().to_path_buf()
}

/// `None` when Chromium and playwright-core are installed, else what is missing.
fn missing_prerequisite(root: &Path) -> Option<String> {
    if !Path::new(CHROMIUM).is_file() {
        return Some(format!("{CHROMIUM} is missing"));
    }
    let playwright = root.join("tests/browser/node_modules/playwright-core/package.json");
    if !playwright.is_file() {
        return Some(format!("{} is missing", playwright.display()));
    }
    None
}

/// Starts an upstream that answers every request with its method, path, query and headers
/// as JSON.
async fn start_echo_upstream() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(echo);
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

async fn echo(request: Request) -> Response {
    let mut headers = serde_json::Map::new();
    for name in request.headers().keys() {
        let values: Vec<String> = request
            .headers()
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        headers.insert(name.as_str().to_owned(), values.into());
    }
    axum::Json(serde_json::json!({
        "method": request.method().as_str(),
        "path": request.uri().path(),
        "query": request.uri().query(),
        "headers": headers,
    }))
    .into_response()
}

/// A fresh SQLite file in a per-process temp directory.
fn sqlite_url() -> String {
    let dir = std::env::temp_dir().join(format!("authgate-browser-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("authgate.db");
    let _ = std::fs::remove_file(&path);
    format!("sqlite://{}", path.display())
}

/// The gateway's configuration: the dev IdP's `oidc` flavor with sign-in and one session
/// route `/app/{*rest}` to the echo upstream.
fn config(idp: &RunningIdp, upstream: SocketAddr, public_url: &str) -> Config {
    let text = format!(
        r#"version = 1
[server]
listen = "127.0.0.1:0"
public_url = "{public_url}"

[store]
url = "{store}"

[secrets]
key = "{TEST_KEY}"

[[providers]]
id = "oidc"
kind = "oidc"
issuer = "{issuer}"
audiences = ["{aud}"]
client_id = "gateway-app"
client_secret = "{secret}"
login = true

[[routes]]
name = "app"
path = "/app/{{*rest}}"
upstream = "http://{upstream}"
auth = "session"
"#,
        store = sqlite_url(),
        issuer = idp.idp.issuer(Flavor::Oidc),
        aud = authgate_devidp::OIDC_AUDIENCE,
        secret = authgate_devidp::DEV_CLIENT_SECRET,
    );
    match Config::from_toml(&text, &|_| None) {
        Ok(config) => config,
        Err(e) => panic!("test configuration refused:\n{e}\n{text}"),
    }
}

/// Starts the gateway on a loopback port; returns its base URL.
async fn start_gateway(idp: &RunningIdp, upstream: SocketAddr) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = Gateway::build(config(idp, upstream, &base))
        .await
        .unwrap()
        .shared();
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// Runs `node tests/browser/signin.mjs` against the gateway (off the async runtime, so the
/// servers keep answering).
async fn run_signin(root: PathBuf, gateway: String) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(root.join("tests/browser/signin.mjs"))
            .args(["--gateway", &gateway])
            .args(["--protected", "/app/dashboard?tab=1"])
            .args(["--provider", "oidc"])
            .args(["--user", "alice", "--email", "alice@example.com"])
            .env("CHROMIUM_PATH", CHROMIUM)
            .output()
            .expect("run node (is Node.js installed?)")
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_signs_in_through_the_gateway_and_signs_out() {
    if std::env::var("AUTHGATE_SKIP_BROWSER").as_deref() == Ok("1") {
        println!("skipped: AUTHGATE_SKIP_BROWSER=1");
        return;
    }
    let root = workspace_root();
    if let Some(missing) = missing_prerequisite(&root) {
        panic!(
            "{missing}: run scripts/browser-setup.sh (as root) to install Chromium and tests/browser's node packages"
        );
    }
    if std::env::var_os("RUST_LOG").is_some() {
        // The gateway's own log lines (for diagnosing a failure): RUST_LOG=debug.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
    let idp = DevIdp::start_loopback().await.unwrap();
    idp.idp.set_interactive(true);
    let upstream = start_echo_upstream().await;
    let gateway = start_gateway(&idp, upstream).await;
    let output = run_signin(root, gateway).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "signin.mjs failed ({}):\n{stderr}\n{stdout}",
        output.status
    );
    let result: serde_json::Value = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| panic!("no JSON result from signin.mjs:\n{stdout}\n{stderr}"));
    println!("signin.mjs: {result}");
    assert_result(&result);
}

/// What the browser saw, step by step (see tests/browser/signin.mjs for the JSON's shape).
fn assert_result(result: &serde_json::Value) {
    let expect = |pointer: &str, value: serde_json::Value| {
        assert_eq!(
            result.pointer(pointer),
            Some(&value),
            "{pointer} in {result:#}"
        );
    };
    expect("/ok", true.into());
    // The upstream saw the identity, including the custom claim typed on the IdP's page.
    expect("/upstream/path", "/app/dashboard".into());
    expect("/upstream/query", "tab=1".into());
    expect("/upstream/subject", "alice".into());
    expect("/upstream/email", "alice@example.com".into());
    expect("/upstream/name", "Alice Browser".into());
    expect("/me/subject", "alice".into());
    expect("/me/name", "Alice Browser".into());
    // BCP-52 on plain-http loopback: `authgate`, HttpOnly, SameSite=Lax, Path=/, host-only.
    expect("/cookie/name", "authgate".into());
    expect("/cookie/httpOnly", true.into());
    expect("/cookie/secure", false.into());
    expect("/cookie/sameSite", "Lax".into());
    expect("/cookie/path", "/".into());
    expect("/cookie/domain", "127.0.0.1".into());
    // The sign-in binding cookie outlives the callback on purpose (it binds every sign-in the
    // browser has in flight, BCP-03) and expires with the transaction's Max-Age.
    expect("/binding_cookie_left", true.into());
    // BCP-61: another port (same site) and 127.0.0.2 (cross site) cannot sign the user out.
    expect("/cross_site_logout/session_survived", true.into());
    expect("/cross_site_logout/attempts/0/post_status", 403.into());
    expect("/cross_site_logout/attempts/1/post_status", 403.into());
    // Logout through the confirmation page, then the protected page asks to sign in again.
    expect("/logout/signed_out", true.into());
    expect("/logout/via_provider", true.into());
    expect("/logout/me_status", 401.into());
    expect("/logout/landed", "/auth/login".into());
    // BCP-58: the next sign-in gets a new session id.
    expect("/second_signin/subject", "bob".into());
    expect("/second_signin/new_session_id", true.into());
}
