//! Configuration of sign-in and sessions: `[store]`, `[secrets]`, `[login]`, `[session]`, the
//! `session`/`any` routes and the public URL rules, each problem with its path.

use authgate_gateway::config::{AuthMode, Config, ConfigErrors, StoreKind};

/// 32 zero bytes in base64: a well-formed (test-only) master key.
pub(crate) const TEST_KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/// A file with one sign-in provider; `extra` is appended.
fn signin_toml(public_url: &str, extra: &str) -> String {
    format!(
        r#"version = 1
[server]
listen = "127.0.0.1:0"
public_url = "{public_url}"

[[providers]]
id = "corp"
kind = "oidc"
issuer = "https://idp.example.com"
audiences = ["orders-api"]
client_id = "gateway"
client_secret = "s3cret"
login = true

{extra}"#
    )
}

fn load(text: &str) -> Result<Config, ConfigErrors> {
    Config::from_toml(text, &|name| {
        (name == "AUTHGATE_SECRET_KEY").then(|| TEST_KEY.to_owned())
    })
}

/// Every problem as `path: message`.
fn problems(text: &str) -> Vec<String> {
    match load(text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => {
            e.0.iter()
                .map(|p| format!("{}: {}", p.path, p.message))
                .collect()
        }
    }
}

fn has(problems: &[String], path: &str, words: &str) -> bool {
    problems
        .iter()
        .any(|p| p.starts_with(&format!("{path}: ")) && p.contains(words))
}

const ROUTES: &str = r#"
[[routes]]
path = "/app/{*rest}"
upstream = "http://127.0.0.1:9000"
auth = "session"

[[routes]]
path = "/api/{*rest}"
upstream = "http://127.0.0.1:9000"
auth = "any"
"#;

#[test]
fn a_sign_in_configuration_loads_with_its_defaults() {
    let text = signin_toml(
        "https://gw.example.com",
        &format!("[secrets]\nkey = \"env:AUTHGATE_SECRET_KEY\"\n{ROUTES}"),
    );
    let config = load(&text).unwrap();
    assert!(config.sign_in);
    assert!(config.secrets.is_some());
    assert_eq!(config.secrets.as_ref().unwrap().current_kid(), "k1");
    assert_eq!(config.store.kind, StoreKind::Sqlite);
    assert_eq!(config.store.url.expose_secret(), "sqlite://authgate.db");
    assert_eq!(config.routes[0].auth, AuthMode::Session);
    assert_eq!(config.routes[1].auth, AuthMode::Any);
    assert_eq!(config.login.default_return_to, "/");
    assert_eq!(config.session.idle_timeout.as_secs(), 8 * 3600);
}

#[test]
fn session_and_any_routes_need_a_sign_in_provider() {
    let text = format!(
        "version = 1\n[server]\nlisten = \"127.0.0.1:0\"\n\
         [[providers]]\nid = \"corp\"\nkind = \"oidc\"\nissuer = \"https://idp.example.com\"\naudiences = [\"a\"]\n{ROUTES}"
    );
    let found = problems(&text);
    assert!(has(&found, "routes[0].auth", "login = true"), "{found:?}");
    assert!(has(&found, "routes[1].auth", "login = true"), "{found:?}");
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn sign_in_needs_a_master_key() {
    let found = problems(&signin_toml("https://gw.example.com", ROUTES));
    assert!(has(&found, "secrets.key", "required"), "{found:?}");
}

#[test]
fn bad_keys_are_reported_with_their_paths_and_never_printed() {
    let text = signin_toml(
        "https://gw.example.com",
        r#"[secrets]
key = "bm90LTMyLWJ5dGVz"
key_id = ""
previous_keys = [
  { id = "old", key = "also-not-base64!" },
  { id = "old", key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" },
]
"#,
    );
    let found = problems(&text);
    assert!(has(&found, "secrets.key_id", "key id"), "{found:?}");
    assert!(
        has(&found, "secrets.previous_keys[0].key", "base64"),
        "{found:?}"
    );
    assert!(
        has(&found, "secrets.previous_keys[1].id", "another key"),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|p| p.contains("also-not-base64")),
        "{found:?}"
    );
    let text = signin_toml(
        "https://gw.example.com",
        &format!(
            "[secrets]\nkey = \"{TEST_KEY}\"\nprevious_keys = [{{ id = \"k0\", key = \"{TEST_KEY}\", extra = 1 }}]\n"
        ),
    );
    let found = problems(&text);
    assert!(
        has(&found, "secrets.previous_keys[0].extra", "unknown field"),
        "{found:?}"
    );
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn a_short_key_is_refused() {
    let text = signin_toml(
        "https://gw.example.com",
        "[secrets]\nkey = \"bm90LTMyLWJ5dGVz\"\n",
    );
    let found = problems(&text);
    assert!(has(&found, "secrets.key", "32 random bytes"), "{found:?}");
}

#[test]
fn previous_keys_rotate_under_their_ids() {
    let text = signin_toml(
        "https://gw.example.com",
        &format!(
            "[secrets]\nkey = \"{TEST_KEY}\"\nkey_id = \"k2\"\nprevious_keys = [{{ id = \"k1\", key = \"{TEST_KEY}\" }}]\n"
        ),
    );
    let config = load(&text).unwrap();
    let keys = config.secrets.unwrap();
    assert_eq!(keys.current_kid(), "k2");
    let old = authgate_core::MasterKeys::new("k1", TEST_KEY).unwrap();
    let sealed = old.seal(b"tokens", b"row");
    assert_eq!(
        keys.open(&sealed, b"row").unwrap().expose_secret(),
        b"tokens"
    );
}

#[test]
fn store_urls_other_than_sqlite_and_postgres_are_refused_without_printing_them() {
    let text = signin_toml(
        "https://gw.example.com",
        &format!(
            "[secrets]\nkey = \"{TEST_KEY}\"\n[store]\nurl = \"mysql://root:hunter2@db/auth\"\n"
        ),
    );
    let found = problems(&text);
    assert!(has(&found, "store.url", "sqlite:"), "{found:?}");
    assert!(!found.iter().any(|p| p.contains("hunter2")), "{found:?}");
    for ok in [
        "postgres://u@h/db",
        "postgresql://u@h/db",
        "sqlite::memory:",
    ] {
        let text = signin_toml(
            "https://gw.example.com",
            &format!("[secrets]\nkey = \"{TEST_KEY}\"\n[store]\nurl = \"{ok}\"\n"),
        );
        assert!(load(&text).is_ok(), "{ok}");
    }
}

#[test]
fn a_postgres_password_never_shows_in_the_display_url() {
    let text = signin_toml(
        "https://gw.example.com",
        &format!(
            "[secrets]\nkey = \"{TEST_KEY}\"\n[store]\nurl = \"postgres://gw:hunter2@db/auth\"\n"
        ),
    );
    let config = load(&text).unwrap();
    assert_eq!(config.store.kind, StoreKind::Postgres);
    assert!(!config.store.display_url().contains("hunter2"));
    assert!(!format!("{config:?}").contains("hunter2"));
}

#[test]
fn sign_in_needs_a_public_url() {
    let text = signin_toml(
        "https://gw.example.com",
        &format!("[secrets]\nkey = \"{TEST_KEY}\"\n"),
    )
    .replace("public_url = \"https://gw.example.com\"\n", "");
    let found = problems(&text);
    assert!(has(&found, "server.public_url", "required"), "{found:?}");
}

#[test]
fn plain_http_on_a_public_host_is_refused_unless_insecure_http_cookies() {
    let secrets = format!("[secrets]\nkey = \"{TEST_KEY}\"\n");
    let found = problems(&signin_toml("http://gw.example.com", &secrets));
    assert!(has(&found, "server.public_url", "https"), "{found:?}");
    for loopback in [
        "http://localhost:8000",
        "http://127.0.0.1:8000",
        "http://[::1]:8000",
    ] {
        assert!(load(&signin_toml(loopback, &secrets)).is_ok(), "{loopback}");
    }
    let insecure = format!("{secrets}[session]\ninsecure_http_cookies = true\n");
    let config = load(&signin_toml("http://gw.example.com", &insecure)).unwrap();
    assert_eq!(config.insecure, ["session.insecure_http_cookies"]);
}

#[test]
fn a_public_url_with_a_path_is_refused_with_sign_in() {
    let secrets = format!("[secrets]\nkey = \"{TEST_KEY}\"\n");
    let found = problems(&signin_toml("https://gw.example.com/gateway", &secrets));
    assert!(has(&found, "server.public_url", "path"), "{found:?}");
}

#[test]
fn unknown_keys_and_bad_values_in_the_new_sections_are_reported_at_once() {
    let text = signin_toml(
        "https://gw.example.com",
        r#"[secrets]
kee = "x"
[store]
url = "sqlite://a.db"
pool = 5
[login]
state_ttl = "soon"
[session]
idle_timout = "1h"
[[routes]]
path = "/app"
upstream = "http://127.0.0.1:9000"
auth = "session"
providers = ["corp"]
"#,
    );
    let found = problems(&text);
    for path in [
        "secrets.kee",
        "store.pool",
        "login.state_ttl",
        "session.idle_timout",
        "routes[0].providers",
    ] {
        assert!(
            found.iter().any(|p| p.starts_with(&format!("{path}: "))),
            "{path} missing in {found:?}"
        );
    }
}

#[test]
fn without_sign_in_no_key_or_public_url_is_needed() {
    let text = "version = 1\n[server]\nlisten = \"127.0.0.1:0\"\n\
                [[providers]]\nid = \"corp\"\nkind = \"oidc\"\nissuer = \"https://idp.example.com\"\naudiences = [\"a\"]\n";
    let config = load(text).unwrap();
    assert!(!config.sign_in);
    assert!(config.secrets.is_none());
}
