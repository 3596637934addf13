//! Configuration loading from files: the shipped example, `file:` references and TLS paths
//! relative to the configuration file, and the raw contract.

use authgate_gateway::config::raw::RawConfig;
use authgate_gateway::config::{AuthMode, Config};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// The shipped example configuration.
const EXAMPLE: &str = include_str!("../../../../config/authgate.example.toml");

/// A fresh directory for one test's files.
fn temp_dir(name: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "authgate-config-it-{name}-{}-{n}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_example_config_loads_and_validates() {
    let env = |name: &str| match name {
        "ENTRA_CLIENT_SECRET" => Some("example-secret".to_owned()),
        "AUTHGATE_SECRET_KEY" => Some(crate::signin_config::TEST_KEY.to_owned()),
        _ => None,
    };
    let config = Config::from_toml(EXAMPLE, &env).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = config
        .auth
        .providers
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(ids, ["entra", "corp"]);
    let secret = config.auth.providers[0].client_secret.as_ref().unwrap();
    assert_eq!(secret.expose_secret(), "example-secret");
    let names: Vec<&str> = config.routes.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "health",
            "data-read",
            "admin",
            "orders-write",
            "app",
            "reports",
            "api"
        ]
    );
    assert!(config.sign_in && config.secrets.is_some());
    assert_eq!(config.routes[4].auth, AuthMode::Session);
    assert_eq!(config.routes[5].auth, AuthMode::Any);
    assert_eq!(config.store.url.expose_secret(), "sqlite://authgate.db");
    assert_eq!(config.routes[0].auth, AuthMode::None);
    assert!(config.routes[1].cors.is_some() && config.routes[1].policy.is_some());
    assert_eq!(config.routes[2].strip_prefix.as_deref(), Some("/admin"));
    assert_eq!(config.routes[2].rate_limit.burst, 5);
    assert!(config.insecure.is_empty());
}

#[test]
fn the_example_config_without_its_secrets_names_the_variables_only() {
    let errors = Config::from_toml(EXAMPLE, &|_| None).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "providers[0].client_secret: environment variable ENTRA_CLIENT_SECRET is not set\n\
         secrets.key: environment variable AUTHGATE_SECRET_KEY is not set\n"
    );
}

#[test]
fn the_example_config_is_also_a_valid_raw_config() {
    let raw: RawConfig = toml::from_str(EXAMPLE).unwrap();
    assert_eq!(raw.version, 1);
    assert_eq!(raw.routes.len(), 7);
}

#[test]
fn load_resolves_files_relative_to_the_config_directory() {
    let dir = temp_dir("load");
    std::fs::write(dir.join("secret.txt"), "from-a-file\n").unwrap();
    std::fs::write(dir.join("cert.pem"), "not checked here").unwrap();
    std::fs::write(dir.join("key.pem"), "not checked here").unwrap();
    let text = r#"
version = 1
[server]
listen = "127.0.0.1:8443"
redirect_http_listen = "127.0.0.1:8080"
tls = { cert_file = "cert.pem", key_file = "key.pem" }

[[providers]]
id = "corp"
kind = "oidc"
issuer = "https://idp.example.com"
audiences = ["orders-api"]
client_secret = "file:secret.txt"

[[routes]]
path = "/{*rest}"
upstream = "http://127.0.0.1:9000"
"#;
    let path = dir.join("authgate.toml");
    std::fs::write(&path, text).unwrap();
    let config = Config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.source.as_deref(), Some(path.as_path()));
    let tls = config.server.tls.as_ref().unwrap();
    assert_eq!(tls.cert_file, dir.join("cert.pem"));
    assert_eq!(tls.hsts_max_age.as_secs(), 365 * 24 * 3600);
    let secret = config.auth.providers[0].client_secret.as_ref().unwrap();
    assert_eq!(secret.expose_secret(), "from-a-file");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn load_of_a_missing_file_is_one_problem_naming_it() {
    let path = temp_dir("missing").join("nope.toml");
    let errors = Config::load(&path).unwrap_err();
    assert_eq!(errors.0.len(), 1);
    assert_eq!(errors.0[0].path, path.display().to_string());
}
