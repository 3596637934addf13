//! Fixtures for sign-in tests: a gateway with sign-in over the dev IdP, a SQLite file, a
//! browser simulated by a client that follows redirects and keeps cookies by hand, and
//! `authgate serve` as a child process.

use crate::signin_config::TEST_KEY;
use crate::support::{Upstream, client};
use authgate_devidp::{Flavor, RunningIdp};
use authgate_gateway::app::{Gateway, SharedGateway, router};
use authgate_gateway::config::Config;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A running gateway with sign-in; dropping it stops the server.
pub(crate) struct SignInGateway {
    pub(crate) addr: SocketAddr,
    pub(crate) state: SharedGateway,
    server: JoinHandle<()>,
}

impl SignInGateway {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for SignInGateway {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A fresh SQLite URL in the temp directory.
pub(crate) fn sqlite_url() -> (String, PathBuf) {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("authgate-sessions-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("authgate.db");
    let _ = std::fs::remove_file(&path);
    (format!("sqlite://{}", path.display()), path)
}

/// The configuration: the dev IdP's `oidc` flavor with sign-in, an `app` session route, an
/// `any` route and a session route with a policy, all to `upstream`.
pub(crate) fn signin_toml(
    idp: &RunningIdp,
    upstream: &Upstream,
    public_url: &str,
    store: &str,
) -> String {
    format!(
        r#"version = 1
[server]
listen = "127.0.0.1:0"
public_url = "{public_url}"
trusted_proxies = ["127.0.0.1/32"]

[store]
url = "{store}"

[secrets]
key = "{TEST_KEY}"

[[providers]]
id = "oidc"
kind = "oidc"
issuer = "{issuer}"
audiences = ["{aud}"]
client_id = "{client_id}"
client_secret = "{client_secret}"
login = true

[[routes]]
name = "app"
path = "/app/{{*rest}}"
upstream = "{upstream}"
auth = "session"

[[routes]]
name = "mixed"
path = "/mixed/{{*rest}}"
upstream = "{upstream}"
auth = "any"

[[routes]]
name = "admin"
path = "/admin/{{*rest}}"
upstream = "{upstream}"
auth = "session"
require = {{ roles = ["gw-admin"] }}
"#,
        issuer = idp.idp.issuer(Flavor::Oidc),
        aud = authgate_devidp::OIDC_AUDIENCE,
        upstream = upstream.url(),
        client_id = authgate_devidp::OIDC_CLIENT_ID,
        client_secret = authgate_devidp::DEV_CLIENT_SECRET,
    )
}

/// Binds a port, builds the gateway for its public URL over `store`, serves it.
pub(crate) async fn start(idp: &RunningIdp, upstream: &Upstream, store: &str) -> SignInGateway {
    start_with(idp, upstream, store, "").await
}

/// [`start`] with `extra` TOML appended to the configuration.
pub(crate) async fn start_with(
    idp: &RunningIdp,
    upstream: &Upstream,
    store: &str,
    extra: &str,
) -> SignInGateway {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let text = signin_toml(idp, upstream, &format!("http://{addr}"), store) + extra;
    let config = Config::from_toml(&text, &|_| None).unwrap();
    let state = Gateway::build(config).await.unwrap().shared();
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    SignInGateway {
        addr,
        state,
        server,
    }
}

/// A browser: cookies by name (one host is enough here), redirects followed by hand.
#[derive(Default)]
pub(crate) struct Browser {
    pub(crate) cookies: BTreeMap<String, String>,
}

impl Browser {
    pub(crate) fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn remember(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let expired = text.to_ascii_lowercase().contains("max-age=0") || value.is_empty();
            if expired {
                self.cookies.remove(name.trim());
            } else {
                self.cookies
                    .insert(name.trim().to_owned(), value.to_owned());
            }
        }
    }

    /// One GET as a page navigation; cookies are sent to the gateway only.
    pub(crate) async fn get(&mut self, gw: &SignInGateway, url: &str) -> reqwest::Response {
        self.send(&gw.url(""), url).await
    }

    /// One GET as a page navigation; cookies are sent to `origin` only.
    pub(crate) async fn send(&mut self, origin: &str, url: &str) -> reqwest::Response {
        let mut request = client()
            .get(url)
            .header("accept", "text/html,application/xhtml+xml");
        if url.starts_with(origin) && !self.cookies.is_empty() {
            request = request.header("cookie", self.cookie_header());
        }
        let response = request.send().await.unwrap();
        self.remember(&response);
        response
    }

    /// Follows redirects from `url` until a non-redirect answer (at most 10 hops).
    pub(crate) async fn navigate(&mut self, gw: &SignInGateway, url: &str) -> reqwest::Response {
        self.navigate_at(&gw.url(""), url).await
    }

    /// [`Browser::navigate`] with cookies for `origin`.
    pub(crate) async fn navigate_at(&mut self, origin: &str, url: &str) -> reqwest::Response {
        let mut url = url.to_owned();
        for _ in 0..10 {
            let response = self.send(origin, &url).await;
            if !response.status().is_redirection() {
                return response;
            }
            let location = response.headers()["location"].to_str().unwrap();
            url = reqwest::Url::parse(&url)
                .unwrap()
                .join(location)
                .unwrap()
                .to_string();
        }
        panic!("too many redirects");
    }

    /// The session cookie's value.
    pub(crate) fn session(&self) -> Option<&str> {
        self.cookies.get("authgate").map(String::as_str)
    }
}

/// Signs in by visiting `path` as a browser; returns the final (upstream) answer as JSON.
pub(crate) async fn sign_in(
    browser: &mut Browser,
    gw: &SignInGateway,
    path: &str,
) -> serde_json::Value {
    let first = browser.get(gw, &gw.url(path)).await;
    assert!(first.status().is_redirection(), "{}", first.status());
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("/auth/login"), "{location}");
    // The chooser page lists the provider; start its sign-in with the same return_to.
    let start = gw.url(&format!("/auth/oidc/login?return_to={}", urlencode(path)));
    let landed = browser.navigate(gw, &start).await;
    if landed.status() != 200 {
        let status = landed.status();
        panic!(
            "sign-in ended with {status}: {}",
            landed.text().await.unwrap()
        );
    }
    assert!(browser.session().is_some(), "{:?}", browser.cookies);
    landed.json().await.unwrap()
}

pub(crate) fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

pub(crate) fn header<'a>(echo: &'a serde_json::Value, name: &str) -> Option<&'a str> {
    echo["headers"][name][0].as_str()
}

/// `authgate serve` as a child process; killed on drop.
pub(crate) struct ServeProcess(std::process::Child);

impl ServeProcess {
    pub(crate) async fn start(config: &std::path::Path, port: u16) -> ServeProcess {
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_authgate"))
            .env_remove("AUTHGATE_CONFIG")
            .args(["serve", "--config"])
            .arg(config)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let process = ServeProcess(child);
        // Waits for the process to listen, not for any time-based claim.
        for _ in 0..400 {
            let health = client()
                .get(format!("http://127.0.0.1:{port}/healthz"))
                .send()
                .await;
            if health.is_ok() {
                return process;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("authgate serve did not start listening on {port}");
    }

    /// SIGTERM, then the exit status.
    pub(crate) fn stop(mut self) -> Option<i32> {
        let pid = self.0.id().to_string();
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(killed.success());
        self.0.wait().unwrap().code()
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
