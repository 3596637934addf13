//! A real, OpenID Certified provider for interoperability tests: `panva/oidc-provider` run by
//! Node from `tests/third-party-op/` (see its `server.mjs`).
//!
//! [`ThirdPartyOp::start`] installs the pinned packages once with `npm ci` when
//! `node_modules` is missing, spawns `node server.mjs` on a free loopback port, waits for its
//! `READY` line and kills it on drop. It returns `None` only when `node` is not installed and
//! `AUTHGATE_SKIP_THIRD_PARTY_OP=1` is set; without the variable a missing `node` fails.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, mpsc};
use std::time::Duration;

/// The account the OP signs in (`ACCOUNT` in `server.mjs`).
pub(crate) const SUBJECT: &str = "op-user-42";
/// Its e-mail (a userinfo claim).
pub(crate) const EMAIL: &str = "grace@op.example";
/// Its name.
pub(crate) const NAME: &str = "Grace Hopper";
/// The resource whose access tokens are RFC 9068 JWTs (`API` in `server.mjs`).
pub(crate) const API: &str = "urn:authgate:third-party-api";

/// How long the OP may take to start (first run includes nothing else: `npm ci` is separate).
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Serialises `npm ci` between tests of this binary.
static INSTALL: Mutex<()> = Mutex::new(());

/// A running OP, killed on drop.
pub(crate) struct ThirdPartyOp {
    child: Child,
    /// Its issuer, `http://127.0.0.1:{port}`.
    pub(crate) issuer: String,
}

impl Drop for ThirdPartyOp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `tests/third-party-op` at the workspace root.
fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/third-party-op")
}

/// Whether `node` runs here.
fn node_available() -> bool {
    Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The variable that lets a machine without Node.js skip these tests (`=1`).
pub(crate) const SKIP_VAR: &str = "AUTHGATE_SKIP_THIRD_PARTY_OP";

/// Without `node`: a failure, unless [`SKIP_VAR`] is `1` (then a printed skip), so a CI
/// runner that lost Node.js cannot pass these tests by running none of them.
fn skip_or_fail() {
    let skip = std::env::var(SKIP_VAR).is_ok_and(|v| v == "1");
    assert!(
        skip,
        "`node` is not installed; the third-party OP tests need Node.js 18+ \
         (set {SKIP_VAR}=1 to skip them)"
    );
    eprintln!("SKIPPED: `node` is not installed and {SKIP_VAR}=1; third-party OP test skipped");
}

/// `npm ci` once, when `node_modules` is missing.
fn install() {
    let _guard = INSTALL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = project_dir();
    if dir.join("node_modules/oidc-provider/package.json").exists() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .status()
        .expect("npm is needed to install tests/third-party-op");
    assert!(status.success(), "npm ci in {} failed", dir.display());
}

impl ThirdPartyOp {
    /// Starts the OP with one confidential client (`client_secret_basic`), or `None` when
    /// `node` is missing and `AUTHGATE_SKIP_THIRD_PARTY_OP=1` (without it, a missing `node`
    /// fails the test).
    pub(crate) fn start(client_id: &str, secret: &str, redirect_uri: &str) -> Option<Self> {
        Self::start_with(client_id, secret, redirect_uri, None)
    }

    /// [`ThirdPartyOp::start`], registering `backchannel_logout_uri` for the client when given.
    pub(crate) fn start_with(
        client_id: &str,
        secret: &str,
        redirect_uri: &str,
        backchannel_logout_uri: Option<&str>,
    ) -> Option<Self> {
        if !node_available() {
            skip_or_fail();
            return None;
        }
        install();
        let mut child = Command::new("node")
            .arg("server.mjs")
            .args([
                "--port",
                "0",
                "--client-id",
                client_id,
                "--client-secret",
                secret,
            ])
            .args(["--redirect-uri", redirect_uri])
            .args(
                backchannel_logout_uri
                    .map(|uri| ["--backchannel-logout-uri", uri])
                    .iter()
                    .flatten(),
            )
            .current_dir(project_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn node server.mjs");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(json) = line.strip_prefix("READY ") {
                    let _ = tx.send(json.to_owned());
                }
            }
        });
        let ready = rx.recv_timeout(READY_TIMEOUT);
        let mut op = ThirdPartyOp {
            child,
            issuer: String::new(),
        };
        let ready: serde_json::Value =
            serde_json::from_str(&ready.expect("the OP printed no READY line")).unwrap();
        op.issuer = ready["issuer"].as_str().unwrap().to_owned();
        Some(op)
    }
}

/// A browser for the OP: follows its redirects by hand, keeping its cookies, until the
/// redirect leaves the OP (the client's callback).
pub(crate) struct Browser {
    http: reqwest::Client,
    cookies: Vec<(String, String)>,
}

impl Browser {
    pub(crate) fn new() -> Self {
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Browser {
            http,
            cookies: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        pairs.join("; ")
    }

    /// GETs `url` with the cookies; returns status and body.
    pub(crate) async fn get(&mut self, url: &str) -> (u16, String) {
        let request = self.http.get(url).header("cookie", self.cookie_header());
        let response = request.send().await.unwrap();
        self.keep_cookies(response.headers());
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// POSTs `form` to `url` with the cookies; returns the status.
    pub(crate) async fn post_form(&mut self, url: &str, form: &[(&str, &str)]) -> u16 {
        let request = self.http.post(url).header("cookie", self.cookie_header());
        let response = request.form(form).send().await.unwrap();
        self.keep_cookies(response.headers());
        response.status().as_u16()
    }

    /// GETs `url` and follows redirects within `op_origin`; returns the first URL outside it.
    pub(crate) async fn follow(&mut self, url: &str, op_origin: &str) -> url::Url {
        let mut next = url::Url::parse(url).unwrap();
        for _ in 0..10 {
            let request = self
                .http
                .get(next.clone())
                .header("cookie", self.cookie_header());
            let response = request.send().await.unwrap();
            self.keep_cookies(response.headers());
            let status = response.status();
            assert!(status.is_redirection(), "{next}: {status}");
            let location = response.headers()["location"].to_str().unwrap();
            next = next.join(location).unwrap();
            if !next.as_str().starts_with(op_origin) {
                return next;
            }
        }
        panic!("too many redirects at the OP");
    }

    fn keep_cookies(&mut self, headers: &reqwest::header::HeaderMap) {
        for value in headers.get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.split_once('=') {
                self.cookies.retain(|(n, _)| n != name);
                if !value.is_empty() {
                    self.cookies.push((name.to_owned(), value.to_owned()));
                }
            }
        }
    }
}
