//! `seed-api demo`: one command, offline, prints working tokens and serves. Every curl
//! command it prints is run here and must answer the status its comment promises.

use reqwest::StatusCode;
use std::collections::HashMap;
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

/// One printed `curl -i URL [-H "Authorization: Bearer $VAR"]   # STATUS` line.
struct Check {
    url: String,
    var: Option<String>,
    status: Option<u16>,
}

impl Check {
    fn parse(line: &str) -> Option<Check> {
        let rest = line.strip_prefix("curl -i ")?;
        let (command, comment) = rest.split_once('#').unwrap_or((rest, ""));
        let url = command.split_whitespace().next()?.to_owned();
        let var = command
            .split_once("Bearer $")
            .map(|(_, v)| v.trim_end().trim_end_matches('"').to_owned());
        let status = comment.trim().get(..3).and_then(|s| s.parse().ok());
        Some(Check { url, var, status })
    }
}

/// Reads the demo's stdout up to the end of its instructions: the exported tokens and the
/// curl commands.
fn read_instructions(stdout: ChildStdout) -> (HashMap<String, String>, Vec<Check>) {
    let mut tokens = HashMap::new();
    let mut checks = Vec::new();
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some((var, token)) = line
            .strip_prefix("export ")
            .and_then(|l| l.split_once("='"))
        {
            tokens.insert(var.to_owned(), token.trim_end_matches('\'').to_owned());
        }
        checks.extend(Check::parse(&line));
        if line.starts_with("curl -s -X POST") {
            break;
        }
    }
    // Keep the pipe open and drained while the test runs, as a terminal would.
    std::thread::spawn(move || lines.for_each(drop));
    (tokens, checks)
}

#[tokio::test]
async fn demo_prints_curl_commands_that_do_what_they_say() {
    let child = Command::new(env!("CARGO_BIN_EXE_seed-api"))
        .args(["demo", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut demo = Demo(child);
    let stdout = demo.0.stdout.take().unwrap();
    let (tokens, checks) = tokio::task::spawn_blocking(move || read_instructions(stdout))
        .await
        .unwrap();
    assert!(tokens.contains_key("ENTRA_TOKEN"), "{:?}", tokens.keys());
    assert!(checks.len() >= 8, "only {} curl commands", checks.len());

    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    for check in checks.iter().filter(|c| c.status.is_some()) {
        let mut request = client.get(&check.url);
        if let Some(var) = &check.var {
            request = request.bearer_auth(&tokens[var]);
        }
        let response = request.send().await.unwrap();
        let expected = StatusCode::from_u16(check.status.unwrap()).unwrap();
        assert_eq!(
            response.status(),
            expected,
            "{} with {:?}",
            check.url,
            check.var
        );
    }
    drop(demo);
}
