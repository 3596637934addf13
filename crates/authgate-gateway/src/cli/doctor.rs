//! `authgate doctor`: explain why a token would be accepted or refused.

use super::check::load_or_report;
use anyhow::{Context, bail};
use clap::Args;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

/// `authgate doctor --config FILE --token TOKEN [--route "GET /path"]`.
#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    /// The configuration file (TOML).
    #[arg(long, short, env = "AUTHGATE_CONFIG", value_name = "FILE")]
    config: PathBuf,
    /// The token to examine (without "Bearer "), or "-" to read it from stdin.
    #[arg(long, value_name = "TOKEN")]
    token: String,
    /// Also explain the decision of the route matching this request, e.g. "GET /api/data/1".
    #[arg(long, value_name = "METHOD PATH")]
    route: Option<String>,
}

/// Prints the report; exit status 0 only when the token would be accepted.
pub(crate) async fn run(args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let route = args.route.as_deref().map(parse_route).transpose()?;
    let token = read_token(&args.token)?;
    let Some(config) = load_or_report(&args.config) else {
        return Ok(ExitCode::FAILURE);
    };
    let report = authgate_gateway::doctor::run(&config, &token, route).await;
    print!("{report}");
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The token itself, from the argument or stdin (`-`), without whitespace or a `Bearer `.
fn read_token(arg: &str) -> anyhow::Result<String> {
    let raw = if arg == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the token from stdin")?;
        text
    } else {
        arg.to_owned()
    };
    let trimmed = raw.trim();
    let token = trimmed.strip_prefix("Bearer ").unwrap_or(trimmed).trim();
    if token.is_empty() {
        bail!("the token is empty");
    }
    Ok(token.to_owned())
}

/// `"GET /path"` (a bare `/path` means GET).
fn parse_route(text: &str) -> anyhow::Result<(http::Method, String)> {
    let (method, path) = match text.trim().split_once(char::is_whitespace) {
        Some((method, path)) => (method, path.trim()),
        None => ("GET", text.trim()),
    };
    let method = http::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
        .with_context(|| format!("--route: {method:?} is not an HTTP method"))?;
    if !path.starts_with('/') {
        bail!("--route must look like \"GET /path\"");
    }
    Ok((method, path.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_parse_with_or_without_a_method() {
        assert_eq!(
            parse_route("GET /a/b").unwrap(),
            (http::Method::GET, "/a/b".to_owned())
        );
        assert_eq!(
            parse_route("post  /x").unwrap(),
            (http::Method::POST, "/x".to_owned())
        );
        assert_eq!(
            parse_route("/x").unwrap(),
            (http::Method::GET, "/x".to_owned())
        );
        assert!(parse_route("GET x").is_err());
    }

    #[test]
    fn tokens_lose_whitespace_and_a_bearer_prefix() {
        assert_eq!(read_token(" Bearer abc.def.ghi\n").unwrap(), "abc.def.ghi");
        assert!(read_token("  ").is_err());
    }
}
