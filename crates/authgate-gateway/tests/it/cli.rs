//! The real `authgate` binary: check-config, print-example-config, version, and the dev IdP
//! served and minted from end to end.

use authgate_devidp::{DEV_TENANT, ENTRA_API_CLIENT_ID};
use base64::Engine;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

const AUTHGATE: &str = env!("CARGO_BIN_EXE_authgate");

fn authgate(args: &[&str]) -> Command {
    let mut command = Command::new(AUTHGATE);
    command.args(args).env_remove("AUTHGATE_CONFIG");
    command
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Writes `text` to a fresh file.
fn write_config(text: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("authgate-cli-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("authgate.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn check_config(path: &Path, env: &[(&str, &str)]) -> Output {
    let mut command = authgate(&["check-config", "--config", path.to_str().unwrap()]);
    command.envs(env.iter().copied());
    command.output().unwrap()
}

#[test]
fn printed_example_config_passes_check_config() {
    let printed = authgate(&["print-example-config"]).output().unwrap();
    assert!(printed.status.success());
    let example = stdout(&printed);
    assert_eq!(
        example,
        include_str!("../../../../config/authgate.example.toml")
    );
    let path = write_config(&example);
    let key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let checked = check_config(
        &path,
        &[
            ("ENTRA_CLIENT_SECRET", "s3cret-value"),
            ("AUTHGATE_SECRET_KEY", key),
        ],
    );
    assert_eq!(checked.status.code(), Some(0), "{}", stderr(&checked));
    let out = stdout(&checked);
    assert!(out.starts_with("configuration OK\n"), "{out}");
    assert!(
        out.contains("entra (entra)") && out.contains("corp (oidc)"),
        "{out}"
    );
    assert!(out.contains("routes (7, first match wins)"), "{out}");
    assert!(
        out.contains("sign-in: entra (store sqlite://authgate.db)"),
        "{out}"
    );
    assert!(!out.contains("s3cret-value"), "{out}");
}

#[test]
fn check_config_lists_every_problem_one_per_line_and_exits_1() {
    let path = write_config(
        "version = 1\n[server]\nlisten = \"nowhere\"\n\
         [[providers]]\nid = \"corp\"\nkind = \"oidc\"\nissuer = \"https://idp.example.com\"\naudiences = [\"a\"]\n\
         [[routes]]\npath = \"/a\"\nupstream = \"ftp://x\"\n\
         [[routes]]\npath = \"/b\"\nupstream = \"http://b\"\npolicy = \"Missing\"\n",
    );
    let checked = check_config(&path, &[]);
    assert_eq!(checked.status.code(), Some(1));
    assert_eq!(stdout(&checked), "");
    let err = stderr(&checked);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[..3],
        [
            "server.listen: not a socket address (e.g. 127.0.0.1:8000)",
            "routes[0].upstream: must be http or https",
            "routes[1].policy: no policy named \"Missing\" in [policies]",
        ]
    );
    assert!(lines[3].ends_with("3 problems"), "{err}");
}

#[test]
fn check_config_applies_environment_overrides_and_references() {
    let path = write_config(
        "version = 1\n[server]\nlisten = \"env:LISTEN_AT\"\n[[routes]]\npath = \"/a\"\nupstream = \"http://a\"\nauth = \"none\"\n",
    );
    let ok = check_config(&path, &[("LISTEN_AT", "127.0.0.1:7001")]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("listen: 127.0.0.1:7001"));
    let overridden = check_config(
        &path,
        &[
            ("LISTEN_AT", "127.0.0.1:7001"),
            ("AUTHGATE__SERVER__LISTEN", "127.0.0.1:7002"),
        ],
    );
    assert!(
        stdout(&overridden).contains("listen: 127.0.0.1:7002"),
        "{}",
        stderr(&overridden)
    );
    let bad = check_config(&path, &[("AUTHGATE__ROUTES__0__UPSTREAM", "gopher://a")]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("variable LISTEN_AT is not set"),
        "{}",
        stderr(&bad)
    );
    assert!(
        stderr(&bad).contains("routes[0].upstream: must be http or https"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn syntax_errors_are_reported_with_line_and_column() {
    let path = write_config("version = 1\n[server\nlisten = \"x\"\n");
    let checked = check_config(&path, &[]);
    assert_eq!(checked.status.code(), Some(1));
    assert!(
        stderr(&checked).starts_with("line 2, column "),
        "{}",
        stderr(&checked)
    );
}

#[test]
fn version_prints_the_crate_version() {
    let out = authgate(&["version"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        format!("authgate {}\n", env!("CARGO_PKG_VERSION"))
    );
}

/// A running `authgate dev-idp`, killed when dropped.
struct DevIdpProcess {
    child: Child,
    base_url: String,
}

impl DevIdpProcess {
    fn start() -> DevIdpProcess {
        let mut child = authgate(&["dev-idp", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let base_url = first
            .trim()
            .strip_prefix("dev IdP listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_owned();
        DevIdpProcess { child, base_url }
    }

    fn mint(&self, extra: &[&str]) -> Output {
        let mut args = vec!["dev-idp", "mint", "--url", &self.base_url];
        args.extend_from_slice(extra);
        authgate(&args).output().unwrap()
    }
}

impl Drop for DevIdpProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn claims_of(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn dev_idp_serves_and_mint_prints_only_a_token_with_the_requested_claims() {
    let idp = DevIdpProcess::start();
    // `entra` (the spelling of the issue and the README) is entra-v2.
    let minted = idp.mint(&[
        "--flavor",
        "entra",
        "--scope",
        "read_data",
        "--role",
        "Admin",
        "--lifetime",
        "1h",
        "--claim",
        "department=finance",
        "--claim",
        "level=3",
    ]);
    assert!(minted.status.success(), "{}", stderr(&minted));
    let out = stdout(&minted);
    let token = out.strip_suffix('\n').unwrap();
    assert_eq!(token.lines().count(), 1);
    let claims = claims_of(token);
    assert_eq!(
        claims["iss"],
        format!("{}/entra/{DEV_TENANT}/v2.0", idp.base_url)
    );
    assert_eq!(claims["aud"], ENTRA_API_CLIENT_ID);
    assert_eq!(claims["scp"], "read_data");
    assert_eq!(claims["roles"], serde_json::json!(["Admin"]));
    assert_eq!(claims["department"], "finance");
    assert_eq!(claims["level"], 3);
    let lifetime = claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap();
    assert_eq!(lifetime, 3600);

    let refused = idp.mint(&["--flavor", "oidc", "--alg", "HS256"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("alg must be asymmetric"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn dev_idp_refuses_to_listen_beyond_loopback() {
    let out = authgate(&["dev-idp", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("loopback"), "{}", stderr(&out));
}

#[test]
fn doctor_exit_status_follows_the_verdict_and_reads_the_token_from_stdin() {
    let idp = DevIdpProcess::start();
    let config = write_config(&format!(
        "version = 1\n[server]\nlisten = \"127.0.0.1:0\"\n\
         [[providers]]\nid = \"entra\"\nkind = \"entra\"\ntenant = \"{DEV_TENANT}\"\n\
         client_id = \"{ENTRA_API_CLIENT_ID}\"\ninstance = \"{}/entra/\"\n\
         [[routes]]\npath = \"/api/{{*rest}}\"\nupstream = \"http://127.0.0.1:9\"\nrequire = {{ scopes = [\"read_data\"] }}\n",
        idp.base_url
    ));
    let good = stdout(&idp.mint(&["--scope", "read_data"]));
    let config = config.to_str().unwrap();
    let accepted = authgate(&[
        "doctor",
        "--config",
        config,
        "--token",
        good.trim(),
        "--route",
        "GET /api/x",
    ])
    .output()
    .unwrap();
    assert_eq!(
        accepted.status.code(),
        Some(0),
        "{}{}",
        stdout(&accepted),
        stderr(&accepted)
    );

    let other = stdout(&idp.mint(&["--scope", "write_data"]));
    let mut child = authgate(&[
        "doctor",
        "--config",
        config,
        "--token",
        "-",
        "--route",
        "GET /api/x",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .spawn()
    .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), other.as_bytes()).unwrap();
    let refused = child.wait_with_output().unwrap();
    assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
}

/// A loopback port nobody listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` over a fresh connection; the status code, or `None` while nothing listens.
fn http_status(port: u16, path: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.split(' ').nth(1)?.parse().ok()
}

/// Kills a child left running by a failed assertion.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_runs_the_gateway_and_stops_cleanly_on_sigterm() {
    let port = free_port();
    let path = write_config(&format!(
        "version = 1\n[server]\nlisten = \"127.0.0.1:{port}\"\nshutdown_grace = \"2s\"\n\
         [telemetry]\nlog_format = \"text\"\n"
    ));
    let child = authgate(&["serve", "--config", path.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = KillOnDrop(child);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        // Waits for the process to bind its port, not for any time-based claim.
        match http_status(port, "/healthz") {
            Some(status) => break status,
            None if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50))
            }
            None => panic!("authgate serve did not start listening on {port}"),
        }
    };
    assert_eq!(status, 200);
    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let exit = server.0.wait().unwrap();
    assert_eq!(exit.code(), Some(0));
}

#[test]
fn serve_with_a_bad_config_prints_the_problems_and_exits_1() {
    let path = write_config("version = 1\n[server]\nlisten = \"nowhere\"\n");
    let out = authgate(&["serve", "--config", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("server.listen: not a socket address"),
        "{}",
        stderr(&out)
    );
}
