//! The real binary's `migrate` and `users` commands against a temporary SQLite file.

use crate::signin_support::sqlite_url;
use authgate_core::UnixTime;
use authgate_core::store::{NewIdentity, NewUser, Session, Stores, TokenHash, User};
use authgate_gateway::config::Config;
use authgate_gateway::store::Backend;
use std::path::PathBuf;
use std::process::{Command, Output};

const AUTHGATE: &str = env!("CARGO_BIN_EXE_authgate");

/// A configuration file (no sign-in) whose store is `store`.
fn config_file(store: &str, db: &std::path::Path) -> PathBuf {
    let path = db.with_file_name("authgate.toml");
    let text =
        format!("version = 1\n[server]\nlisten = \"127.0.0.1:0\"\n[store]\nurl = \"{store}\"\n");
    std::fs::write(&path, text).unwrap();
    path
}

fn run(config: &std::path::Path, args: &[&str]) -> Output {
    Command::new(AUTHGATE)
        .env_remove("AUTHGATE_CONFIG")
        .args(args.iter().take(1))
        .arg("--config")
        .arg(config)
        .args(args.iter().skip(1))
        .output()
        .unwrap()
}

fn ok(output: &Output) -> String {
    let out = String::from_utf8(output.stdout.clone()).unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "stdout: {out}\nstderr: {err}");
    out
}

async fn stores(store: &str) -> Stores {
    let text =
        format!("version = 1\n[server]\nlisten = \"127.0.0.1:0\"\n[store]\nurl = \"{store}\"\n");
    let config = Config::from_toml(&text, &|_| None).unwrap();
    let backend = Backend::open(&config.store).await.unwrap();
    backend.migrate().await.unwrap();
    backend.into_stores()
}

async fn alice(stores: &Stores) -> User {
    let user = NewUser {
        display_name: Some("Alice".into()),
        email: Some("alice@example.com".into()),
    };
    let identity = NewIdentity {
        provider: "oidc".into(),
        issuer: "https://idp.example.com".into(),
        subject: "alice-sub".into(),
        tenant: None,
        email: Some("alice@example.com".into()),
        email_verified: true,
    };
    stores
        .users
        .create_user(&user, &identity, UnixTime(1_700_000_000))
        .await
        .unwrap()
}

fn session_of(user: &User) -> Session {
    Session {
        key: TokenHash::of("cookie-value"),
        user_id: user.id.clone(),
        provider: "oidc".into(),
        issuer: "https://idp.example.com".into(),
        subject: "alice-sub".into(),
        sid: None,
        claims: serde_json::json!({"sub": "alice-sub"}),
        created_at: UnixTime(1_700_000_000),
        last_seen_at: UnixTime(1_700_000_000),
        idle_expires_at: UnixTime(i64::from(i32::MAX) * 2),
        absolute_expires_at: UnixTime(i64::from(i32::MAX) * 2),
        tokens: None,
        tokens_expire_at: None,
    }
}

#[tokio::test]
async fn migrate_prints_what_ran_then_nothing() {
    let (store, db) = sqlite_url();
    let config = config_file(&store, &db);
    let first = ok(&run(&config, &["migrate"]));
    assert!(first.contains("applied"), "{first}");
    assert!(first.contains("init"), "{first}");
    let second = ok(&run(&config, &["migrate"]));
    assert!(second.contains("up to date"), "{second}");
}

#[tokio::test]
async fn users_list_show_roles_disable_and_sessions() {
    let (store, db) = sqlite_url();
    let config = config_file(&store, &db);
    let stores = stores(&store).await;
    let user = alice(&stores).await;
    let id = user.id.0.as_str();

    let listed = ok(&run(&config, &["users", "list"]));
    assert!(
        listed.contains(id) && listed.contains("alice@example.com"),
        "{listed}"
    );

    let shown = ok(&run(&config, &["users", "show", "ALICE@example.com"]));
    assert!(shown.contains(&format!("id:       {id}")), "{shown}");
    assert!(shown.contains("sub=alice-sub"), "{shown}");

    let granted = ok(&run(&config, &["users", "grant-role", id, "admin"]));
    assert!(granted.contains("granted role \"admin\""), "{granted}");
    let shown = ok(&run(&config, &["users", "show", id]));
    assert!(shown.contains("roles:    admin"), "{shown}");
    let revoked = ok(&run(&config, &["users", "revoke-role", id, "admin"]));
    assert!(revoked.contains("revoked role"), "{revoked}");

    let disabled = ok(&run(&config, &["users", "disable", id]));
    assert!(disabled.contains("disabled"), "{disabled}");
    assert!(ok(&run(&config, &["users", "list"])).contains("DISABLED"));
    let enabled = ok(&run(&config, &["users", "disable", id, "--enable"]));
    assert!(enabled.contains("enabled"), "{enabled}");

    stores
        .sessions
        .create_session(&session_of(&user))
        .await
        .unwrap();
    let sessions = ok(&run(&config, &["users", "sessions", id]));
    assert!(sessions.contains("1 live session(s)"), "{sessions}");
    assert!(
        !sessions.contains(&TokenHash::of("cookie-value").to_hex()),
        "{sessions}"
    );
    let ended = ok(&run(&config, &["users", "revoke-sessions", id]));
    assert!(ended.contains("ended 1 session(s)"), "{ended}");
    let sessions = ok(&run(&config, &["users", "sessions", id]));
    assert!(sessions.contains("0 live session(s)"), "{sessions}");
}

#[tokio::test]
async fn an_unknown_user_is_an_error_with_exit_status_1() {
    let (store, db) = sqlite_url();
    let config = config_file(&store, &db);
    for args in [
        &["users", "show", "nobody@example.com"][..],
        &["users", "disable", "no-such-id"],
        &["users", "grant-role", "no-such-id", "admin"],
        &["users", "sessions", "no-such-id"],
        &["users", "revoke-sessions", "no-such-id"],
    ] {
        let output = run(&config, args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(err.contains("no user"), "{args:?}: {err}");
    }
}
