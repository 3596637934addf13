//! `authgate migrate` and `authgate users`: the store's schema and its users, from the
//! command line. Both open the store named by `[store] url` of the configuration file.

use super::ConfigArg;
use super::check::load_or_report;
use anyhow::{Context, bail};
use authgate_core::store::{Page, Session, Stores, User, UserId};
use authgate_core::{Clock, SystemClock, UnixTime};
use authgate_gateway::config::Config;
use authgate_gateway::store::Backend;
use clap::{Args, Subcommand};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// `authgate users --config FILE <command>`.
#[derive(Debug, Args)]
pub(crate) struct UsersArgs {
    /// The configuration file (TOML); its `[store] url` names the store.
    #[arg(long, short, env = "AUTHGATE_CONFIG", value_name = "FILE")]
    config: PathBuf,
    #[command(subcommand)]
    command: UsersCommand,
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// List users, oldest first.
    List {
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Skip this many.
        #[arg(long, default_value_t = 0)]
        offset: u32,
    },
    /// Show one user (by id or email) with identities, roles and session count.
    Show {
        /// The user's id, or an email address.
        user: String,
    },
    /// Disable a user (sign-in refused, sessions stop working); --enable re-enables.
    Disable {
        /// The user's id.
        id: String,
        /// Re-enable instead.
        #[arg(long)]
        enable: bool,
    },
    /// Grant a local role (merged into the user's roles for policies).
    GrantRole {
        /// The user's id.
        id: String,
        /// The role.
        role: String,
    },
    /// Revoke a local role.
    RevokeRole {
        /// The user's id.
        id: String,
        /// The role.
        role: String,
    },
    /// List the user's live sessions, newest first.
    Sessions {
        /// The user's id.
        id: String,
    },
    /// End every session of the user ("sign out everywhere").
    RevokeSessions {
        /// The user's id.
        id: String,
    },
}

/// `authgate migrate`: applies pending migrations and prints what ran.
pub(crate) async fn migrate(args: &ConfigArg) -> anyhow::Result<ExitCode> {
    let Some(config) = load_or_report(&args.config) else {
        return Ok(ExitCode::FAILURE);
    };
    let backend = Backend::open(&config.store).await?;
    let applied = backend
        .migrate()
        .await
        .with_context(|| format!("cannot migrate {}", config.store.display_url()))?;
    let url = config.store.display_url();
    if applied.is_empty() {
        println!("{url}: schema up to date (no migration to apply)");
    } else {
        println!("{url}: applied {} migration(s):", applied.len());
        for migration in applied {
            println!("  {migration}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `authgate users ...`: one store operation, its result on stdout.
pub(crate) async fn run(args: UsersArgs) -> anyhow::Result<ExitCode> {
    let Some(config) = load_or_report(&args.config) else {
        return Ok(ExitCode::FAILURE);
    };
    let stores = open(&config).await?;
    let now = SystemClock.now();
    let out = match args.command {
        UsersCommand::List { limit, offset } => list(&stores, Page { offset, limit }).await?,
        UsersCommand::Show { user } => show(&stores, &user, now).await?,
        UsersCommand::Disable { id, enable } => disable(&stores, &id, !enable).await?,
        UsersCommand::GrantRole { id, role } => {
            let user = find(&stores, &id).await?;
            let new = stores.users.grant_role(&user.id, &role, now).await?;
            let verb = if new { "granted" } else { "already had" };
            format!("{}: {verb} role {role:?}\n", user.id)
        }
        UsersCommand::RevokeRole { id, role } => {
            let user = find(&stores, &id).await?;
            let had = stores.users.revoke_role(&user.id, &role).await?;
            let verb = if had { "revoked" } else { "did not have" };
            format!("{}: {verb} role {role:?}\n", user.id)
        }
        UsersCommand::Sessions { id } => sessions(&stores, &id, now).await?,
        UsersCommand::RevokeSessions { id } => {
            let user = find(&stores, &id).await?;
            let ended = stores.sessions.delete_user_sessions(&user.id).await?;
            format!("{}: ended {ended} session(s)\n", user.id)
        }
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// The store with its schema up to date.
async fn open(config: &Config) -> anyhow::Result<Stores> {
    let backend = Backend::open(&config.store).await?;
    backend
        .migrate()
        .await
        .with_context(|| format!("cannot migrate {}", config.store.display_url()))?;
    Ok(backend.into_stores())
}

/// The user with this id; an error naming it otherwise.
async fn find(stores: &Stores, id: &str) -> anyhow::Result<User> {
    match stores.users.user(&UserId(id.to_owned())).await? {
        Some(user) => Ok(user),
        None => bail!("no user with id {id:?} (see `authgate users list`)"),
    }
}

/// By id, else by email (exactly one user must have it).
async fn find_by_id_or_email(stores: &Stores, key: &str) -> anyhow::Result<User> {
    if let Some(user) = stores.users.user(&UserId(key.to_owned())).await? {
        return Ok(user);
    }
    let mut found = stores.users.users_by_email(key).await?;
    match found.len() {
        0 => bail!("no user with id or email {key:?} (see `authgate users list`)"),
        1 => Ok(found.remove(0)),
        n => {
            let ids: Vec<String> = found.iter().map(|u| u.id.0.clone()).collect();
            bail!(
                "{n} users have the email {key:?}; use an id: {}",
                ids.join(", ")
            )
        }
    }
}

async fn list(stores: &Stores, page: Page) -> anyhow::Result<String> {
    let users = stores.users.list_users(page).await?;
    let mut out = String::new();
    if users.is_empty() {
        out.push_str("no users\n");
    }
    for user in users {
        let _ = writeln!(out, "{}", line(&user));
    }
    Ok(out)
}

/// `id  email  name  [disabled]  created`.
fn line(user: &User) -> String {
    format!(
        "{}  {}  {}  {}created {}",
        user.id,
        user.email.as_deref().unwrap_or("-"),
        user.display_name.as_deref().unwrap_or("-"),
        if user.disabled { "DISABLED  " } else { "" },
        time(user.created_at),
    )
}

async fn show(stores: &Stores, key: &str, now: UnixTime) -> anyhow::Result<String> {
    let user = find_by_id_or_email(stores, key).await?;
    let identities = stores.users.identities(&user.id).await?;
    let roles = stores.users.roles(&user.id).await?;
    let live = stores.sessions.user_sessions(&user.id, now).await?;
    let mut out = String::new();
    let _ = writeln!(out, "id:       {}", user.id);
    let _ = writeln!(
        out,
        "name:     {}",
        user.display_name.as_deref().unwrap_or("-")
    );
    let _ = writeln!(out, "email:    {}", user.email.as_deref().unwrap_or("-"));
    let _ = writeln!(out, "disabled: {}", user.disabled);
    let _ = writeln!(out, "created:  {}", time(user.created_at));
    let roles = if roles.is_empty() {
        "-".to_owned()
    } else {
        roles.join(", ")
    };
    let _ = writeln!(out, "roles:    {roles}");
    let _ = writeln!(out, "sessions: {} live", live.len());
    let _ = writeln!(out, "identities ({}):", identities.len());
    for identity in identities {
        let facts = &identity.identity;
        let verified = if facts.email_verified {
            " (verified)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {} {} sub={} email={}{verified} last sign-in {}",
            facts.provider,
            facts.issuer,
            facts.subject,
            facts.email.as_deref().unwrap_or("-"),
            time(identity.last_login_at),
        );
    }
    Ok(out)
}

async fn disable(stores: &Stores, id: &str, disabled: bool) -> anyhow::Result<String> {
    let user = find(stores, id).await?;
    stores.users.set_disabled(&user.id, disabled).await?;
    let state = if disabled { "disabled" } else { "enabled" };
    Ok(format!("{}: {state}\n", user.id))
}

async fn sessions(stores: &Stores, id: &str, now: UnixTime) -> anyhow::Result<String> {
    let user = find(stores, id).await?;
    let live = stores.sessions.user_sessions(&user.id, now).await?;
    let mut out = format!("{}: {} live session(s)\n", user.id, live.len());
    for session in &live {
        let _ = writeln!(out, "  {}", session_line(session));
    }
    Ok(out)
}

/// One session, without anything that would let someone use it (the key hash is shortened
/// by its Debug form).
fn session_line(s: &Session) -> String {
    format!(
        "{:?} provider={} created {} last seen {} idle until {} ends {}",
        s.key,
        s.provider,
        time(s.created_at),
        time(s.last_seen_at),
        time(s.idle_expires_at),
        time(s.absolute_expires_at),
    )
}

/// RFC 3339 in UTC, to the second.
fn time(t: UnixTime) -> String {
    let secs = u64::try_from(t.0).unwrap_or(0);
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    humantime::format_rfc3339_seconds(at).to_string()
}
