//! Unit tests of the two configuration phases: every problem at once with its path,
//! references, overrides and defaults.

use super::*;
use std::collections::HashMap;

const MINIMAL: &str = r#"
version = 1
[server]
listen = "127.0.0.1:8000"

[[providers]]
id = "corp"
kind = "oidc"
issuer = "https://idp.example.com"
audiences = ["orders-api"]

[policies.Read]
scopes = ["read_data"]

[[routes]]
path = "/api/{*rest}"
upstream = "http://127.0.0.1:9000"
policy = "Read"
"#;

fn no_env(_: &str) -> Option<String> {
    None
}

fn problems(text: &str) -> Vec<String> {
    problems_with(text, &Sources::env(&no_env))
}

fn problems_with(text: &str, sources: &Sources<'_>) -> Vec<String> {
    match Config::from_sources(text, sources) {
        Ok(_) => Vec::new(),
        Err(e) => {
            e.0.iter()
                .map(|p| format!("{}: {}", p.path, p.message))
                .collect()
        }
    }
}

fn assert_has(found: &[String], expected: &str) {
    assert!(
        found.iter().any(|p| p == expected),
        "{expected:?} not in {found:#?}"
    );
}

#[test]
fn minimal_file_gets_documented_defaults() {
    let config = Config::from_toml(MINIMAL, &no_env).unwrap();
    assert_eq!(config.server.listen, "127.0.0.1:8000".parse().unwrap());
    assert_eq!(config.server.shutdown_grace, Duration::from_secs(30));
    assert!(config.server.security_headers && config.server.tls.is_none());
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    assert_eq!(config.server.workers, cpus);
    assert_eq!(config.telemetry.log_format, LogFormat::Json);
    assert_eq!(config.telemetry.log_level, "info");
    assert!(config.telemetry.metrics && config.forward_auth);
    assert_eq!(config.rate_limit, validate::DEFAULT_RATE_LIMIT);
    let route = &config.routes[0];
    assert_eq!(route.name, "/api/{*rest}");
    assert_eq!(route.auth, AuthMode::Bearer);
    assert_eq!(route.methods, None);
    assert!(route.identity_headers && !route.forward_authorization);
    assert_eq!(route.connect_timeout, Duration::from_secs(5));
    assert_eq!(route.response_timeout, Duration::from_secs(60));
    assert_eq!(route.policy.as_deref(), config.policies.get("Read"));
    assert!(config.insecure.is_empty());
}

#[test]
fn every_problem_is_reported_at_once_with_its_path() {
    let text = r#"
version = 2
[server]
listen = "localhost"
public_url = "ftp://example.com"
trusted_proxies = ["10.0.0.0/8", "nonsense"]
redirect_http_listen = "127.0.0.1:80"

[telemetry]
log_format = "xml"

[[providers]]
id = "corp"
kind = "oidc"
issuer = "http://idp.example.com"
audiences = ["a"]

[[routes]]
path = "/a"
upstream = "ftp://files"
methods = ["GET", "G E T"]
policy = "Missing"
require = { scopes = ["x"] }

[[routes]]
path = "/b"
upstream = "http://b"
auth = "session"
providers = ["nope"]

[[routes]]
path = "/c/{*rest}"
upstream = "http://c"
strip_prefix = "/d"
cors = { allowed_origins = ["*"], allow_credentials = true }

[[routes]]
path = "/e"
upstream = "http://e"
cors = { allowed_origins = ["https://app.example.com/"] }
"#;
    let found = problems(text);
    for expected in [
        "version: must be 1 (the only version this authgate reads)",
        "server.listen: not a socket address (e.g. 127.0.0.1:8000)",
        "server.public_url: must be http or https",
        "server.trusted_proxies[1]: not a CIDR (e.g. 10.0.0.0/8) or IP address",
        "server.redirect_http_listen: only applies with [server.tls]",
        "telemetry.log_format: must be \"json\" or \"text\"",
        "routes[0].upstream: must be http or https",
        "routes[0].methods[1]: not an HTTP method",
        "routes[0].require: set either policy or require, not both",
        "routes[1].auth: needs sign-in: at least one [[providers]] entry with login = true",
        "routes[1].providers[0]: no provider with id \"nope\" in [[providers]]",
        "routes[2].strip_prefix: must be a prefix of the route's path \"/c/{*rest}\" (whole segments)",
        "routes[2].cors.allow_credentials: cannot be true with allowed_origins = [\"*\"] (list exact origins)",
    ] {
        assert_has(&found, expected);
    }
    assert!(
        found.iter().any(|p| p.starts_with("providers[0].issuer: ")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("routes[3].cors.allowed_origins[0]: must be an exact origin"))
    );
}

#[test]
fn unknown_keys_are_reported_with_their_path_in_every_entry() {
    let text = r#"
version = 1
colour = "blue"
[server]
listen = "127.0.0.1:8000"
listne = "x"
[[routes]]
path = "/a"
upstream = "http://a"
[[routes]]
path = "/b"
upstream = "http://b"
timeouts = { conect = "1s" }
[[routes]]
path = "/c"
upstrem = "http://c"
"#;
    let found = problems(text);
    assert_has(
        &found,
        "colour: unknown key (expected one of version, server, telemetry, rate_limit, forward_auth, providers, policies, routes, store, secrets, login, session)",
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("server.listne: unknown field `listne`")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("routes[1].timeouts.conect: unknown field `conect`")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("routes[2].upstrem: unknown field `upstrem`")),
        "{found:#?}"
    );
}

#[test]
fn workers_must_be_between_one_and_the_bound() {
    for bad in ["0", "257"] {
        let text = MINIMAL.replace("[server]\n", &format!("[server]\nworkers = {bad}\n"));
        assert_has(
            &problems(&text),
            "server.workers: must be between 1 and 256",
        );
    }
    let text = MINIMAL.replace("[server]\n", "[server]\nworkers = 3\n");
    assert_eq!(Config::from_toml(&text, &no_env).unwrap().server.workers, 3);
}

#[test]
fn wrong_types_and_missing_required_keys_have_paths() {
    let text = "[server]\nshutdown_grace = \"soon\"\n[telemetry]\n[[routes]]\npath = \"/a\"\n";
    let found = problems(text);
    assert_has(&found, "version: required");
    assert_has(
        &found,
        "server.shutdown_grace: invalid value: string \"soon\", expected a duration",
    );
    assert_has(&found, "routes[0]: missing field `upstream`");
    let found = problems("version = 1\n[server]\nsecurity_headers = \"yes\"\n");
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("server.security_headers: invalid type")),
        "{found:#?}"
    );
    let found = problems("version = 1\n[server]\n");
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("server: missing field `listen`")),
        "{found:#?}"
    );
}

#[test]
fn syntax_errors_give_line_and_column() {
    let found = problems("version = 1\n[server]\nlisten = \"127.0.0.1:8000\n");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].starts_with("line 3, column "), "{found:#?}");
    assert!(found[0].contains("TOML syntax error"), "{found:#?}");
}

#[test]
fn library_provider_and_policy_problems_are_merged() {
    let text = r#"
version = 1
[server]
listen = "127.0.0.1:8000"
[[providers]]
id = "a"
kind = "oidc"
issuer = "https://a.example.com"
audiences = ["x"]
[[providers]]
id = "b"
kind = "entra"
[policies.Bad]
principal_type = "robot"
"#;
    let found = problems(text);
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("providers[1].tenant: required")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|p| p.starts_with("policies.Bad")),
        "{found:#?}"
    );
}

#[test]
fn env_and_file_references_resolve_and_failures_never_print_the_secret() {
    let dir = std::env::temp_dir().join(format!("authgate-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("audience"), "orders-api\n").unwrap();
    let env = |name: &str| (name == "LISTEN").then(|| "127.0.0.1:9999".to_owned());
    let sources = Sources {
        env: &env,
        overrides: Vec::new(),
        base_dir: Some(dir.clone()),
    };
    let text = MINIMAL
        .replace("\"127.0.0.1:8000\"", "\"env:LISTEN\"")
        .replace("[\"orders-api\"]", "[\"file:audience\"]");
    let config = Config::from_sources(&text, &sources).unwrap();
    assert_eq!(config.server.listen.port(), 9999);
    assert_eq!(config.auth.providers[0].audiences, ["orders-api"]);

    let broken = text
        .replace("file:audience", "file:missing")
        .replace("env:LISTEN", "env:NOPE");
    let found = problems_with(&broken, &sources);
    assert_has(
        &found,
        "server.listen: environment variable NOPE is not set",
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("providers[0].audiences[0]: cannot read ")),
        "{found:#?}"
    );

    let secret_env = |name: &str| (name == "S").then(|| "hunter2-secret".to_owned());
    let leaky = MINIMAL.replace("version = 1", "version = \"env:S\"");
    let found = problems_with(&leaky, &Sources::env(&secret_env));
    assert!(
        found.iter().any(|p| p.starts_with("version: ")),
        "{found:#?}"
    );
    assert!(found.iter().all(|p| !p.contains("hunter2")), "{found:#?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_trusted_proxy_network_of_every_address_needs_the_insecure_opt_in() {
    let every = MINIMAL.replace(
        "[server]\n",
        "[server]\ntrusted_proxies = [\"10.0.0.0/8\", \"0.0.0.0/0\", \"::/0\"]\n",
    );
    let found = problems_with(&every, &Sources::env(&no_env));
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].starts_with("server.trusted_proxies[1]: trusts every address"));
    assert!(found[1].starts_with("server.trusted_proxies[2]: trusts every address"));
    let opted_in = every.replace("[server]\n", "[server]\ninsecure_trust_any_proxy = true\n");
    let config = Config::from_sources(&opted_in, &Sources::env(&no_env)).unwrap();
    assert_eq!(config.server.trusted_proxies.len(), 3);
    assert_eq!(config.insecure, ["server.insecure_trust_any_proxy"]);
}

#[test]
fn overrides_apply_before_validation() {
    let overrides = [
        ("AUTHGATE__SERVER__LISTEN", "0.0.0.0:8080"),
        ("AUTHGATE__ROUTES__0__UPSTREAM", "http://10.0.0.5:9000"),
        ("AUTHGATE__TELEMETRY__LOG_FORMAT", "text"),
        ("AUTHGATE__RATE_LIMIT__BURST", "5"),
    ];
    let sources = Sources {
        env: &no_env,
        overrides: overrides
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        base_dir: None,
    };
    let config = Config::from_sources(MINIMAL, &sources).unwrap();
    assert_eq!(config.server.listen, "0.0.0.0:8080".parse().unwrap());
    assert_eq!(
        config.routes[0].upstream.url().as_str(),
        "http://10.0.0.5:9000/"
    );
    assert_eq!(config.telemetry.log_format, LogFormat::Text);
    assert_eq!(config.rate_limit.burst, 5);
    assert_eq!(config.routes[0].rate_limit.burst, 5);

    // Variable names are upper case; an existing key is reached whatever its case.
    let policy = Sources {
        env: &no_env,
        overrides: vec![(
            "AUTHGATE__POLICIES__READ__SCOPES".into(),
            r#"["write_data"]"#.into(),
        )],
        base_dir: None,
    };
    let config = Config::from_sources(MINIMAL, &policy).unwrap();
    let read = config.policies.get("Read").unwrap();
    assert!(format!("{read:?}").contains("write_data"), "{read:?}");
    assert!(config.policies.get("read").is_none());
    let twice = MINIMAL.replace(
        "[policies.Read]",
        "[policies.READ]\nscopes = [\"x\"]\n\n[policies.Read]",
    );
    let found = problems_with(&twice, &policy);
    assert!(found.iter().any(|p| p.contains("names both")), "{found:#?}");

    let bad = Sources {
        env: &no_env,
        overrides: vec![("AUTHGATE__SERVER__LISTEN".into(), "nowhere".into())],
        base_dir: None,
    };
    assert_eq!(
        problems_with(MINIMAL, &bad),
        ["server.listen: not a socket address (e.g. 127.0.0.1:8000)"]
    );
}

#[test]
fn insecure_settings_in_effect_are_listed() {
    let text = MINIMAL.replace(
        "audiences = [\"orders-api\"]",
        "audiences = [\"orders-api\"]\ninsecure_allow_http = true",
    );
    let config = Config::from_toml(&text, &no_env).unwrap();
    assert_eq!(config.insecure, ["providers[0].insecure_allow_http"]);
}

#[test]
fn any_needs_sign_in_and_none_takes_no_policy() {
    let text = MINIMAL.replace("policy = \"Read\"", "auth = \"any\"");
    assert_eq!(
        problems(&text),
        ["routes[0].auth: needs sign-in: at least one [[providers]] entry with login = true"]
    );
    let text = MINIMAL.replace("policy = \"Read\"", "auth = \"none\"\npolicy = \"Read\"");
    assert_eq!(
        problems(&text),
        ["routes[0].policy: has no effect with auth = \"none\""]
    );
}

#[test]
fn route_names_are_unique_and_authenticated_routes_need_a_provider() {
    let text = MINIMAL.replace("[[routes]]", "[[routes]]\nname = \"api\"")
        + "[[routes]]\nname = \"api\"\npath = \"/b\"\nupstream = \"http://b\"\n";
    assert_eq!(
        problems(&text),
        ["routes[1].name: another route has this name"]
    );
    let no_providers = "version = 1\n[server]\nlisten = \"127.0.0.1:1\"\n\
                        [[routes]]\npath = \"/a\"\nupstream = \"http://a\"\n\
                        [[routes]]\npath = \"/b\"\nupstream = \"http://b\"\nauth = \"none\"\n";
    assert_eq!(
        problems(no_providers),
        ["routes[0].auth: needs at least one [[providers]] entry (or auth = \"none\")"]
    );
}

#[test]
fn cors_defaults_and_origin_rules() {
    let text = MINIMAL.replace(
        "policy = \"Read\"",
        "policy = \"Read\"\nmethods = [\"get\"]\ncors = { allowed_origins = [\"https://app.example.com\", \"http://localhost:3000\"] }",
    );
    let config = Config::from_toml(&text, &no_env).unwrap();
    let cors = config.routes[0].cors.as_ref().unwrap();
    assert_eq!(config.routes[0].methods, Some(vec![http::Method::GET]));
    assert_eq!(cors.allowed_methods, [http::Method::GET]);
    assert_eq!(cors.allowed_headers, ["authorization", "content-type"]);
    assert_eq!(cors.max_age, Duration::from_secs(600));
    for bad in [
        "https://app.example.com/",
        "https://app.example.com/x",
        "app.example.com",
        "HTTPS://APP.example.com",
    ] {
        let text = MINIMAL.replace(
            "policy = \"Read\"",
            &format!("cors = {{ allowed_origins = [\"{bad}\"] }}"),
        );
        let found = problems(&text);
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("routes[0].cors.allowed_origins[0]: ")),
            "{bad}: {found:#?}"
        );
    }
}

#[test]
fn tls_files_must_exist_relative_to_the_config_directory() {
    let text = MINIMAL.replace(
        "listen = \"127.0.0.1:8000\"",
        "listen = \"127.0.0.1:8443\"\ntls = { cert_file = \"nope/cert.pem\", key_file = \"nope/key.pem\" }",
    );
    let found = problems(&text);
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("server.tls.cert_file: no such file")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("server.tls.key_file: no such file")),
        "{found:#?}"
    );
}

#[test]
fn the_env_map_of_tests_works_as_a_closure() {
    let vars: HashMap<&str, &str> = HashMap::from([("L", "127.0.0.1:1234")]);
    let env = |name: &str| vars.get(name).map(|v| (*v).to_owned());
    let text = MINIMAL.replace("\"127.0.0.1:8000\"", "\"env:L\"");
    assert_eq!(
        Config::from_toml(&text, &env).unwrap().server.listen.port(),
        1234
    );
}
