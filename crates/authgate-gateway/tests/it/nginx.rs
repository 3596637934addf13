//! End to end against a real nginx (the Debian package): nginx `auth_request` asks the gateway's
//! `/auth/verify` with the shipped `examples/forward-auth-nginx/authgate-locations.conf`, then
//! proxies to a real upstream that echoes the headers it received.
//!
//! nginx is required: without it this test fails and says how to install it (`scripts/test`
//! installs it when run as root; CI does).

use crate::forward_auth::{
    SUBJECT, example_config, start_echo_app, start_gateway, tampered, token,
};
use authgate_devidp::DevIdp;
use http::StatusCode;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Where Debian installs nginx; `AUTHGATE_TEST_NGINX` overrides it.
const DEFAULT_NGINX: &str = "/usr/sbin/nginx";

/// The server-level snippet shipped in the example (included as is).
const LOCATIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/forward-auth-nginx/authgate-locations.conf"
);

/// The sign-in snippet shipped in the example (included as is, next to [`LOCATIONS`]).
const SIGNIN_LOCATIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/forward-auth-nginx/authgate-signin-locations.conf"
);

fn nginx_binary() -> PathBuf {
    let path = std::env::var_os("AUTHGATE_TEST_NGINX")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_NGINX));
    assert!(
        path.is_file(),
        "nginx is not installed at {}: this end-to-end test needs a real nginx. Run \
         scripts/test as root (it installs the Debian package), or `apt-get install -y \
         nginx-light`, or set AUTHGATE_TEST_NGINX to an nginx binary. CI installs it.",
        path.display()
    );
    path
}

/// A free loopback port (released just before nginx binds it).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// One nginx process in its own temporary prefix, stopped and removed on drop.
struct Nginx {
    child: Child,
    dir: PathBuf,
    addr: SocketAddr,
}

impl Nginx {
    /// Starts nginx in front of `app`, asking `gateway` (retries once if the port was taken).
    async fn start(gateway: SocketAddr, app: SocketAddr) -> Nginx {
        let binary = nginx_binary();
        for _ in 0..3 {
            let addr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
            if let Some(nginx) = Nginx::try_start(&binary, addr, gateway, app, &[LOCATIONS]).await {
                return nginx;
            }
        }
        panic!("nginx did not start (see the error logs above)");
    }

    async fn try_start(
        binary: &Path,
        addr: SocketAddr,
        gateway: SocketAddr,
        app: SocketAddr,
        includes: &[&str],
    ) -> Option<Nginx> {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("authgate-nginx-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, config(&dir, addr, gateway, app, includes)).unwrap();
        let child = Command::new(binary)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
        let mut nginx = Nginx { child, dir, addr };
        nginx.wait_ready().await.then_some(nginx)
    }

    /// Whether nginx accepts connections within 10 s; prints its error log if it exited.
    async fn wait_ready(&mut self) -> bool {
        for _ in 0..400 {
            if tokio::net::TcpStream::connect(self.addr).await.is_ok() {
                return true;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default();
                eprintln!("nginx exited with {status}:\n{log}");
                return false;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        false
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A self-contained nginx.conf: everything under `dir`, one process, the example's locations.
fn config(
    dir: &Path,
    listen: SocketAddr,
    gateway: SocketAddr,
    app: SocketAddr,
    includes: &[&str],
) -> String {
    let d = dir.display();
    let includes: String = includes
        .iter()
        .map(|file| format!("    include {file};\n"))
        .collect();
    format!(
        "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
         error_log {d}/error.log info;\n\
         events {{ worker_connections 128; }}\n\
         http {{\n  access_log off;\n\
           client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
           fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
           upstream authgate {{ server {gateway}; keepalive 8; }}\n\
           upstream app {{ server {app}; keepalive 8; }}\n\
           server {{\n    listen {listen};\n{includes}  }}\n}}\n"
    )
}

/// The header values the upstream app received under `name`.
fn seen(echo: &Value, name: &str) -> Vec<String> {
    echo["headers"][name]
        .as_array()
        .map(|values| {
            values
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn challenges(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn nginx_auth_request_end_to_end() {
    let binary = nginx_binary();
    let running = DevIdp::start_loopback().await.unwrap();
    let idp = &running.idp;
    let app = start_echo_app().await;
    let config = example_config(running.base_url(), app, r#"["127.0.0.1/32"]"#);
    let (gateway, _shared) = start_gateway(config).await;
    let nginx = Nginx::start(gateway, app).await;
    println!(
        "nginx {} ({}) -> gateway {gateway}, app {app}",
        nginx.addr,
        binary.display()
    );
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let get = |path: &str| http.get(nginx.url(path));

    // No token: 401 with the bare challenge relayed once.
    let response = get("/api/data/items").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(challenges(&response), ["Bearer"]);

    // A token whose signature does not verify: 401 invalid_token.
    let good = token(idp, &["read_data"], &[]);
    let response = get("/api/data/items")
        .bearer_auth(tampered(&good))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(challenges(&response), [r#"Bearer error="invalid_token""#]);

    // A valid token without the scope: 403 insufficient_scope, challenge relayed.
    let weak = token(idp, &["other"], &[]);
    let response = get("/api/data/items")
        .bearer_auth(&weak)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let challenge = challenges(&response);
    assert_eq!(challenge.len(), 1, "{challenge:?}");
    assert!(
        challenge[0].contains(r#"error="insufficient_scope""#),
        "{challenge:?}"
    );
    assert!(
        challenge[0].contains(r#"scope="read_data""#),
        "{challenge:?}"
    );

    // A valid token: the app is reached and sees the verified identity, not the client's.
    let response = get("/api/data/items?page=2")
        .bearer_auth(&good)
        .header("X-Auth-Subject", "mallory")
        .header("X-Auth-Roles", "Admin")
        .header("X-AUTH-TENANT", "evil-tenant")
        .header("X_Auth_Subject", "underscore-mallory")
        .header("X-Auth-Request-User", "mallory")
        .header("Remote-User", "mallory")
        .header("X-Forwarded-User", "mallory")
        .header("X-Forwarded-Email", "ceo@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let echo: Value = response.json().await.unwrap();
    for spoofed in [
        "x-auth-request-user",
        "remote-user",
        "x-forwarded-user",
        "x-forwarded-email",
    ] {
        assert!(seen(&echo, spoofed).is_empty(), "{spoofed}: {echo}");
    }
    assert_eq!(echo["path"], "/api/data/items?page=2");
    assert_eq!(seen(&echo, "x-auth-subject"), [SUBJECT]);
    assert_eq!(seen(&echo, "x-auth-scopes"), ["read_data"]);
    assert_eq!(seen(&echo, "x-auth-tenant"), [authgate_devidp::DEV_TENANT]);
    assert!(seen(&echo, "x-auth-roles").is_empty(), "{echo}");
    assert!(seen(&echo, "x_auth_subject").is_empty(), "{echo}");

    // A spoofed role does not open the admin route.
    let response = get("/api/admin/users")
        .bearer_auth(&good)
        .header("X-Auth-Roles", "Admin")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // A public route: allowed without a token, and no identity header reaches the app.
    let response = get("/public/page")
        .header("X-Auth-Subject", "mallory")
        .header("X-Auth-Email", "ceo@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let echo: Value = response.json().await.unwrap();
    assert!(seen(&echo, "x-auth-subject").is_empty(), "{echo}");
    assert!(seen(&echo, "x-auth-email").is_empty(), "{echo}");

    // The client cannot describe "the original request" itself (Traefik's header pair).
    let response = get("/api/data/items")
        .header("X-Forwarded-Method", "GET")
        .header("X-Forwarded-Uri", "/public/page")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // nginx sends the app the path as the client wrote it, so forward-auth refuses a path that
    // normalisation would change (400, which nginx answers with 500) instead of deciding it as
    // another path: the app never sees /api/data/%2e%2e/%2e%2e/public/x as "public".
    for target in [
        "/public/%2e%2e/api/data/items",
        "/api/data/%2e%2e/%2e%2e/public/x",
        "/api/admin/../data/x",
        "/public//x",
    ] {
        assert_eq!(raw_status(nginx.addr, target).await, 500, "{target}");
    }
    assert_eq!(raw_status(nginx.addr, "/public/x").await, 200);

    // The verify location is internal: clients cannot call it through nginx.
    let response = get("/_authgate/verify")
        .bearer_auth(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

/// The status of a raw HTTP/1.1 GET (no client-side path normalisation).
async fn raw_status(addr: SocketAddr, target: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw);
    text.split(' ').nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn nginx_signs_a_browser_in_with_the_signin_snippet() {
    use crate::signin_support::{Browser, sqlite_url};
    let binary = nginx_binary();
    let idp = DevIdp::start_loopback().await.unwrap();
    let app = start_echo_app().await;
    // nginx's address is the public URL, so it is chosen before the gateway is built.
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let (store, _) = sqlite_url();
    let text = format!(
        r#"version = 1
[server]
listen = "127.0.0.1:0"
public_url = "http://{addr}"
trusted_proxies = ["127.0.0.1/32"]
[store]
url = "{store}"
[secrets]
key = "{key}"
[[providers]]
id = "oidc"
kind = "oidc"
issuer = "{issuer}"
audiences = ["{aud}"]
client_id = "{client}"
client_secret = "{secret}"
login = true
[[routes]]
path = "/app/{{*rest}}"
upstream = "http://{app}"
auth = "session"
"#,
        key = crate::signin_config::TEST_KEY,
        issuer = idp.idp.issuer(authgate_devidp::Flavor::Oidc),
        aud = authgate_devidp::OIDC_AUDIENCE,
        client = authgate_devidp::OIDC_CLIENT_ID,
        secret = authgate_devidp::DEV_CLIENT_SECRET,
    );
    let config = authgate_gateway::config::Config::from_toml(&text, &|_| None).unwrap();
    let (gateway, _shared) = start_gateway(config).await;
    let includes = [LOCATIONS, SIGNIN_LOCATIONS];
    let nginx = Nginx::try_start(&binary, addr, gateway, app, &includes)
        .await
        .expect("nginx did not start");
    let origin = nginx.url("");
    let mut browser = Browser::default();

    // No session: nginx turns authgate's 401 into a redirect to the sign-in URL.
    let first = browser.send(&origin, &nginx.url("/app/page?x=1")).await;
    assert_eq!(first.status(), StatusCode::FOUND);
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.contains("/auth/login?return_to=%2Fapp%2Fpage%3Fx%3D1"),
        "{location}"
    );

    // The sign-in through nginx (the callback is nginx's /auth/oidc/callback).
    let start = nginx.url("/auth/oidc/login?return_to=%2Fapp%2Fpage%3Fx%3D1");
    let landed = browser.navigate_at(&origin, &start).await;
    assert_eq!(landed.status(), StatusCode::OK);
    let echo: Value = landed.json().await.unwrap();
    assert_eq!(echo["path"], "/app/page?x=1");
    assert_eq!(seen(&echo, "x-auth-provider"), ["oidc"]);
    assert_eq!(seen(&echo, "x-auth-subject").len(), 1, "{echo}");

    // The verify endpoint stays unreachable through nginx.
    let verify = browser.send(&origin, &nginx.url("/auth/verify")).await;
    assert_eq!(verify.status(), StatusCode::NOT_FOUND);
}
