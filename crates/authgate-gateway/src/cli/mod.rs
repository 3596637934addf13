//! The command line: `serve`, `check-config`, `migrate`, `users`, `doctor`, `dev-idp`,
//! `print-example-config`, `version`. Each command is a small function over the library; errors become one line on
//! stderr and exit status 1.

mod check;
mod dev_idp;
mod doctor;
mod users;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// The commented example configuration, as shipped in `config/authgate.example.toml`.
pub(crate) const EXAMPLE_CONFIG: &str = include_str!("../../../../config/authgate.example.toml");

/// `authgate`: an authenticating reverse proxy and forward-auth endpoint for APIs.
#[derive(Debug, Parser)]
#[command(name = "authgate", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gateway (SIGTERM: graceful shutdown; SIGHUP: reload the configuration).
    Serve(ConfigArg),
    /// Check a configuration file and list every problem in it (exit status 1 on any).
    CheckConfig(ConfigArg),
    /// Apply the store's pending migrations (`serve` also does at start) and print them.
    Migrate(ConfigArg),
    /// Manage users: list, show, disable, roles, sessions.
    Users(users::UsersArgs),
    /// Explain, step by step, whether a token would be accepted and why.
    Doctor(doctor::DoctorArgs),
    /// Run the development identity provider, or mint a token from a running one.
    DevIdp(dev_idp::DevIdpArgs),
    /// Print the fully commented example configuration.
    PrintExampleConfig,
    /// Print the version.
    Version,
}

/// `--config FILE`.
#[derive(Debug, Args)]
pub(crate) struct ConfigArg {
    /// The configuration file (TOML).
    #[arg(long, short, env = "AUTHGATE_CONFIG", value_name = "FILE")]
    pub(crate) config: PathBuf,
}

/// Runs the parsed command line.
pub(crate) async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(&args).await,
        Command::CheckConfig(args) => Ok(check::check_config(&args.config)),
        Command::Migrate(args) => users::migrate(&args).await,
        Command::Users(args) => users::run(args).await,
        Command::Doctor(args) => doctor::run(args).await,
        Command::DevIdp(args) => dev_idp::run(args).await,
        Command::PrintExampleConfig => {
            print!("{EXAMPLE_CONFIG}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Version => {
            println!("authgate {}", env!("CARGO_PKG_VERSION"));
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn serve(args: &ConfigArg) -> anyhow::Result<ExitCode> {
    let Some(config) = check::load_or_report(&args.config) else {
        return Ok(ExitCode::FAILURE);
    };
    authgate_gateway::server::run(config).await?;
    Ok(ExitCode::SUCCESS)
}
