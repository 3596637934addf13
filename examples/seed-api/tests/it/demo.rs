//! `seed-api demo`: one command, offline, prints working tokens and serves.

use reqwest::StatusCode;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

/// Kills the demo process when the test ends, however it ends.
struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads the demo's stdout up to the end of its instructions: the API URL and each token.
fn read_instructions(stdout: ChildStdout) -> (String, Vec<(String, String)>) {
    let stdout = BufReader::new(stdout);
    let mut base = String::new();
    let mut tokens = Vec::new();
    for line in stdout.lines() {
        let line = line.unwrap();
        if let Some(url) = line.trim().strip_prefix("seed API: ") {
            base = url.to_owned();
        }
        if let Some((var, token)) = line
            .strip_prefix("export ")
            .and_then(|l| l.split_once("='"))
        {
            tokens.push((var.to_owned(), token.trim_end_matches('\'').to_owned()));
        }
        if line.starts_with("curl -s -X POST") {
            break;
        }
    }
    (base, tokens)
}

#[tokio::test]
async fn demo_prints_tokens_that_work() {
    let child = Command::new(env!("CARGO_BIN_EXE_seed-api"))
        .args(["demo", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut demo = Demo(child);
    let stdout = demo.0.stdout.take().unwrap();
    let (base, tokens) = tokio::task::spawn_blocking(move || read_instructions(stdout))
        .await
        .unwrap();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let entra = &tokens
        .iter()
        .find(|(var, _)| var == "ENTRA_TOKEN")
        .unwrap()
        .1;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    for path in ["/data", "/azure-protected-data"] {
        let response = client
            .get(format!("{base}{path}"))
            .bearer_auth(entra)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    let response = client.get(format!("{base}/data")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    drop(demo);
}
