//! `authgate dev-idp`: the development identity provider on loopback, and `dev-idp mint`,
//! which asks a running one for a token and prints only the token (for `curl -H`).

use anyhow::{Context, bail};
use authgate_devidp::{DevIdp, Flavor};
use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

/// How long `mint` waits for the dev IdP.
const MINT_TIMEOUT: Duration = Duration::from_secs(10);

/// `authgate dev-idp [--listen ADDR] | dev-idp mint ...`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct DevIdpArgs {
    #[command(subcommand)]
    command: Option<DevIdpCommand>,
    /// Loopback address to serve on (port 0 picks a free port; the first line printed is
    /// "dev IdP listening on http://ADDR").
    #[arg(long, default_value = "127.0.0.1:9999")]
    listen: SocketAddr,
}

#[derive(Debug, Subcommand)]
enum DevIdpCommand {
    /// Mint a token from a running dev IdP and print it.
    Mint(MintArgs),
}

/// `authgate dev-idp mint`.
#[derive(Debug, Args)]
struct MintArgs {
    /// Base URL of the running dev IdP.
    #[arg(long, default_value = "http://127.0.0.1:9999")]
    url: String,
    /// Token shape: entra (the same as entra-v2), entra-v1, entra-v2, google, okta, auth0 or
    /// oidc.
    #[arg(long, default_value = "entra-v2", value_parser = parse_flavor)]
    flavor: Flavor,
    /// A scope (repeat for several).
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
    /// An app role (repeat for several).
    #[arg(long = "role", value_name = "ROLE")]
    roles: Vec<String>,
    /// The audience (default: the flavor's demo API).
    #[arg(long)]
    audience: Option<String>,
    /// The subject (default: the demo user, or the client for --app-only).
    #[arg(long)]
    subject: Option<String>,
    /// Entra tenant GUID (default: the dev tenant).
    #[arg(long)]
    tenant: Option<String>,
    /// A client-credentials (app-only) token.
    #[arg(long)]
    app_only: bool,
    /// Lifetime, e.g. 1h or 15m (at most 7 days).
    #[arg(long, value_parser = humantime::parse_duration)]
    lifetime: Option<Duration>,
    /// An extra claim as name=value; the value is read as JSON when it is JSON (repeatable).
    #[arg(long = "claim", value_name = "NAME=VALUE", value_parser = parse_claim)]
    claims: Vec<(String, Value)>,
    /// Signature algorithm (default RS256).
    #[arg(long)]
    alg: Option<String>,
}

/// A flavor by its name; `entra` alone is Entra's current token version, `entra-v2`.
fn parse_flavor(text: &str) -> Result<Flavor, String> {
    if text == "entra" {
        return Ok(Flavor::EntraV2);
    }
    text.parse()
        .map_err(|e: authgate_devidp::UnknownFlavor| e.to_string())
}

fn parse_claim(text: &str) -> Result<(String, Value), String> {
    let (name, value) = text.split_once('=').ok_or("expected NAME=VALUE")?;
    if name.is_empty() {
        return Err("the claim name is empty".to_owned());
    }
    let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
    Ok((name.to_owned(), value))
}

/// Serves, or mints with the `mint` subcommand.
pub(crate) async fn run(args: DevIdpArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        Some(DevIdpCommand::Mint(mint_args)) => mint(mint_args).await,
        None => serve(args.listen).await,
    }
}

/// Serves the dev IdP until Ctrl-C or SIGTERM. Refuses non-loopback addresses: anyone who
/// can reach it can mint tokens its issuers sign.
async fn serve(listen: SocketAddr) -> anyhow::Result<ExitCode> {
    if !listen.ip().is_loopback() {
        bail!(
            "the dev IdP mints tokens for anyone who can reach it: listen on a loopback address (127.0.0.1, ::1)"
        );
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let idp = DevIdp::new(&format!("http://{addr}"));
    print!("{}", banner(&idp));
    idp.serve(listener, shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// What the dev IdP serves, starting with its address.
fn banner(idp: &DevIdp) -> String {
    let base = idp.base_url();
    let mut out = format!("dev IdP listening on {base}\n");
    out.push_str("development only: never trust these issuers in production\n");
    out.push_str(&format!(
        "mint a token: authgate dev-idp mint --url {base} --flavor entra-v2 --scope read_data\n"
    ));
    out.push_str(&format!(
        "entra instance (for kind = \"entra\" providers): {}\n",
        idp.entra_instance()
    ));
    out.push_str("issuers:\n");
    for flavor in Flavor::ALL {
        out.push_str(&format!(
            "  {:<9} {}  (audience {}, jwks {})\n",
            flavor.name(),
            idp.issuer(flavor),
            flavor.default_audience(),
            idp.jwks_url(flavor)
        ));
    }
    out
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let terminated = async move {
        match term.as_mut() {
            Some(term) => {
                term.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminated => {}
    }
}

/// `POST {url}/_dev/mint`; prints only the token.
async fn mint(args: MintArgs) -> anyhow::Result<ExitCode> {
    let endpoint = format!("{}/_dev/mint", args.url.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(MINT_TIMEOUT)
        .build()?;
    let response = client
        .post(&endpoint)
        .json(&mint_body(&args))
        .send()
        .await
        .with_context(|| {
            format!("cannot reach the dev IdP at {endpoint} (is `authgate dev-idp` running?)")
        })?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .context("the dev IdP answered with something other than JSON")?;
    if !status.is_success() {
        let why = body
            .get("error_description")
            .and_then(Value::as_str)
            .unwrap_or("no description");
        bail!("the dev IdP refused to mint ({status}): {why}");
    }
    let token = body
        .get("access_token")
        .and_then(Value::as_str)
        .context("no access_token in the answer")?;
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

/// The JSON body the mint endpoint reads.
fn mint_body(args: &MintArgs) -> Value {
    let mut body = Map::new();
    body.insert("flavor".into(), json!(args.flavor.name()));
    body.insert("app_only".into(), json!(args.app_only));
    let optional = [
        ("audience", &args.audience),
        ("subject", &args.subject),
        ("tenant", &args.tenant),
        ("alg", &args.alg),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            body.insert(key.into(), json!(value));
        }
    }
    if !args.scopes.is_empty() {
        body.insert("scopes".into(), json!(args.scopes));
    }
    if !args.roles.is_empty() {
        body.insert("roles".into(), json!(args.roles));
    }
    if let Some(lifetime) = args.lifetime {
        body.insert("lifetime_secs".into(), json!(lifetime.as_secs()));
    }
    if !args.claims.is_empty() {
        body.insert(
            "claims".into(),
            Value::Object(args.claims.iter().cloned().collect()),
        );
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entra_alone_is_entra_v2_and_other_names_are_exact() {
        assert_eq!(parse_flavor("entra"), Ok(Flavor::EntraV2));
        assert_eq!(parse_flavor("entra-v1"), Ok(Flavor::EntraV1));
        assert!(parse_flavor("Entra").is_err());
        assert!(parse_flavor("entra-v3").is_err());
    }

    #[test]
    fn claims_are_json_when_they_parse() {
        assert_eq!(parse_claim("n=5").unwrap(), ("n".to_owned(), json!(5)));
        assert_eq!(
            parse_claim("s=hello").unwrap(),
            ("s".to_owned(), json!("hello"))
        );
        assert_eq!(
            parse_claim("a=[\"x\"]").unwrap(),
            ("a".to_owned(), json!(["x"]))
        );
        assert!(parse_claim("novalue").is_err());
        assert!(parse_claim("=1").is_err());
    }
}
