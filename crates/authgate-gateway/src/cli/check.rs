//! `authgate check-config`: "configuration OK" and a summary, or every problem, one per line.

use authgate_gateway::config::{Config, RouteSpec};
use std::path::Path;
use std::process::ExitCode;

/// Loads `path`, or prints every problem to stderr and returns `None`.
pub(crate) fn load_or_report(path: &Path) -> Option<Config> {
    match Config::load(path) {
        Ok(config) => Some(config),
        Err(errors) => {
            for p in &errors.0 {
                eprintln!("{}: {}", p.path, p.message);
            }
            let n = errors.0.len();
            eprintln!(
                "{}: {n} problem{}",
                path.display(),
                if n == 1 { "" } else { "s" }
            );
            None
        }
    }
}

/// Checks `path`; exit status 1 when anything is wrong.
pub(crate) fn check_config(path: &Path) -> ExitCode {
    match load_or_report(path) {
        Some(config) => {
            print!("{}", summary(&config));
            ExitCode::SUCCESS
        }
        None => ExitCode::FAILURE,
    }
}

/// "configuration OK", then providers, policies, routes (in matching order) and warnings.
fn summary(config: &Config) -> String {
    let mut out = String::from("configuration OK\n");
    out.push_str(&format!("listen: {}\n", config.server.listen));
    out.push_str(&format!("providers ({}):\n", config.auth.providers.len()));
    for p in &config.auth.providers {
        let kind = format!("{:?}", p.kind).to_lowercase();
        let issuer = p.issuer.as_deref().or(p.tenant.as_deref()).unwrap_or("");
        out.push_str(&format!("  {} ({kind}) {issuer}\n", p.id));
    }
    if config.sign_in {
        let ids: Vec<&str> = config
            .auth
            .providers
            .iter()
            .filter(|p| p.login)
            .map(|p| p.id.as_str())
            .collect();
        out.push_str(&format!(
            "sign-in: {} (store {})\n",
            ids.join(", "),
            config.store.display_url()
        ));
    }
    let names: Vec<&str> = config.policies.names().collect();
    out.push_str(&format!(
        "policies: {}\n",
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    ));
    out.push_str(&format!(
        "routes ({}, first match wins):\n",
        config.routes.len()
    ));
    for (i, route) in config.routes.iter().enumerate() {
        out.push_str(&format!("  [{i}] {}\n", describe(route)));
    }
    for setting in &config.insecure {
        out.push_str(&format!("warning: insecure setting in effect: {setting}\n"));
    }
    out
}

fn describe(route: &RouteSpec) -> String {
    let methods = route.methods.as_ref().map_or_else(
        || "*".to_owned(),
        |m| {
            m.iter()
                .map(http::Method::as_str)
                .collect::<Vec<_>>()
                .join(",")
        },
    );
    let auth = format!("{:?}", route.auth).to_lowercase();
    let mut line = format!(
        "{} {methods} {} -> {} auth={auth}",
        route.name, route.path, route.upstream
    );
    if route.policy.is_some() {
        line.push_str(" policy");
    }
    if !route.providers.is_empty() {
        line.push_str(&format!(" providers={}", route.providers.join(",")));
    }
    if route.cors.is_some() {
        line.push_str(" cors");
    }
    line
}
