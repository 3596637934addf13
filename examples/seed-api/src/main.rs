//! `seed-api`: serve the seed API from a configuration file, or run the offline demo.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use seed_api::{SeedConfig, build_app, demo_config, demo_tokens, instructions, serve, start_idp};
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

/// The seed API, protected by authgate.
#[derive(Debug, Parser)]
#[command(
    version,
    about,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Cli {
    /// The configuration file (`[server]`, `[[providers]]`, `[policies.*]`).
    #[arg(long, value_name = "FILE", required = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the dev identity provider in-process, print tokens and curl commands, and serve.
    Demo {
        /// Where the seed API listens (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:8000")]
        listen: SocketAddr,
        /// Where the dev identity provider listens (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:0")]
        idp_listen: SocketAddr,
        /// Also write the generated configuration to this file.
        #[arg(long, value_name = "FILE")]
        write_config: Option<PathBuf>,
        /// Verify every token in full, even a repeated one (for benchmarks).
        #[arg(long)]
        no_token_cache: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match (cli.command, cli.config) {
        (
            Some(Command::Demo {
                listen,
                idp_listen,
                write_config,
                no_token_cache,
            }),
            _,
        ) => demo(listen, idp_listen, write_config, !no_token_cache).await,
        (None, Some(path)) => run(&path).await,
        (None, None) => anyhow::bail!("--config FILE is required (or run `seed-api demo`)"),
    }
}

/// `seed-api --config FILE`.
async fn run(path: &std::path::Path) -> anyhow::Result<()> {
    let config = SeedConfig::load(path)?;
    let app = build_app(&config).await?;
    let listener = TcpListener::bind(config.server.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.server.listen))?;
    tracing::info!(addr = %listener.local_addr()?, "seed API listening");
    serve(listener, app, shutdown_signal()).await?;
    Ok(())
}

/// `seed-api demo`.
async fn demo(
    listen: SocketAddr,
    idp_listen: SocketAddr,
    write_config: Option<PathBuf>,
    token_cache: bool,
) -> anyhow::Result<()> {
    let idp = start_idp(idp_listen)
        .await
        .with_context(|| format!("cannot start the dev IdP on {idp_listen}"))?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let api = listener.local_addr()?;
    if let Some(path) = write_config {
        std::fs::write(&path, seed_api::demo_config_toml(&idp.idp, api))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut config = demo_config(&idp.idp, api)?;
    config.server.token_cache = token_cache;
    let app = build_app(&config).await?;
    // Not println!: it panics when stdout is closed early (`seed-api demo | head`).
    let _ = writeln!(
        std::io::stdout(),
        "{}",
        instructions(api, &idp, &demo_tokens(&idp.idp))
    );
    serve(listener, app, shutdown_signal()).await?;
    Ok(())
}

/// Resolves on Ctrl-C.
async fn shutdown_signal() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}
