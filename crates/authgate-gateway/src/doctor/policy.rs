//! The route steps: which route `--route "GET /path"` reaches, and its policy decision.

use super::report::Check;
use crate::config::{AuthMode, Config, RouteSpec};
use crate::routes::{RouteTable, normalize_path};
use authgate_core::Principal;
use std::sync::Arc;

/// The route the gateway would pick for `method path`, or the failed step saying why none.
pub(super) fn locate(
    config: &Config,
    method: &http::Method,
    path: &str,
) -> Result<Arc<RouteSpec>, Check> {
    let normalized = normalize_path(path).map_err(|bad| {
        Check::fail(
            "route",
            format!(
                "{method} {path}: the gateway refuses this path with 400 ({})",
                bad.0
            ),
        )
    })?;
    let table = RouteTable::new(&config.routes);
    let Some(route) = table.find(method, &normalized) else {
        let known: Vec<String> = config.routes.iter().map(describe).collect();
        return Err(Check::fail("route", format!("no route matches {method} {normalized}: the gateway answers 404"))
            .note(format!("routes, tried in file order: {}", known.join("; ")))
            .note("check the method and the path pattern ({name} is one segment, a final {*rest} the rest)"));
    };
    Ok(Arc::clone(route))
}

/// A route as `GET /api/{*rest} (name)`.
fn describe(route: &RouteSpec) -> String {
    let methods = route.methods.as_ref().map_or_else(
        || "ANY".to_owned(),
        |m| {
            m.iter()
                .map(http::Method::as_str)
                .collect::<Vec<_>>()
                .join(",")
        },
    );
    format!("{methods} {} ({})", route.path, route.name)
}

/// The passed route step.
pub(super) fn found(method: &http::Method, path: &str, route: &RouteSpec) -> Check {
    let auth = match route.auth {
        AuthMode::Bearer => "bearer",
        AuthMode::Session => "session",
        AuthMode::Any => "any",
        AuthMode::None => "none",
    };
    let providers = if route.providers.is_empty() {
        "every provider".to_owned()
    } else {
        format!("providers {:?}", route.providers)
    };
    Check::pass(
        "route",
        format!(
            "{method} {path} → route \"{}\" ({}), auth = {auth}, trusts {providers}",
            route.name, route.path
        ),
    )
}

/// Whether the route takes bearer tokens at all.
pub(super) fn bearer_allowed(route: &RouteSpec) -> Result<(), Check> {
    match route.auth {
        AuthMode::Bearer | AuthMode::Any | AuthMode::None => Ok(()),
        AuthMode::Session => Err(Check::fail(
            "policy",
            format!(
                "route \"{}\" has auth = session: it takes a session cookie, not a bearer token",
                route.name
            ),
        )
        .note("use auth = \"any\" to accept both, or call a bearer route")),
    }
}

/// The route's policy over `principal` (verified, or read from unverified claims).
pub(super) fn evaluate(route: &RouteSpec, principal: &Principal, verified: bool) -> Check {
    let Some(policy) = &route.policy else {
        return Check::pass(
            "policy",
            "no policy on this route: any verified caller is allowed",
        );
    };
    let basis = if verified {
        ""
    } else {
        " (judged on the unverified claims)"
    };
    match policy.evaluate(principal) {
        Ok(()) => Check::pass("policy", format!("the route's policy is satisfied{basis}")),
        Err(denial) => {
            let mut missing = Vec::new();
            if !denial.missing_scopes.is_empty() {
                missing.push(format!("scopes {}", denial.missing_scopes.join(", ")));
            }
            if !denial.missing_roles.is_empty() {
                missing.push(format!("roles {}", denial.missing_roles.join(", ")));
            }
            let what = if missing.is_empty() {
                "see below".to_owned()
            } else {
                missing.join("; ")
            };
            Check::fail("policy", format!("the route's policy is not satisfied{basis}: missing {what}"))
                .notes(denial.reasons.iter().map(|r| format!("policy: {r}")))
                .note(format!("the token has scopes [{}] and roles [{}]", principal.scopes.join(", "), principal.roles.join(", ")))
                .note("the gateway answers 403 insufficient_scope: grant the missing scope to the client (Entra: API permissions + consent) or assign the app role to the user or application, then get a new token")
        }
    }
}
