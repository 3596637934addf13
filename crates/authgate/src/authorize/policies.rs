//! [`Policies`]: the named-policy registry, ASP.NET Core's `AddPolicy` compiled from
//! `[policies.NAME]` tables.

use crate::config::AuthConfig;
use authgate_core::{Policy, PolicySpec};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Named, compiled policies. Build it once at start-up from the configuration, add policies
/// written in code, then refer to them by name with
/// [`RequirePolicy::named`](crate::RequirePolicy::named).
///
/// ```
/// use authgate::{AuthConfig, Policies, Policy};
///
/// let config: AuthConfig = toml::from_str(r#"
///     [policies.RequireReadAccess]
///     scopes = ["read_data"]
///     [policies.Admin]
///     any = [{ roles = ["Admin"] }, { scopes = ["admin"] }]
/// "#).unwrap();
/// let mut policies = Policies::from_config(&config).unwrap();
/// policies.add("UsersOnly", Policy::UserOnly);
/// assert!(policies.get("RequireReadAccess").is_some());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Policies {
    by_name: BTreeMap<String, Arc<Policy>>,
}

impl Policies {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Compiles every `[policies.NAME]` of `config`.
    pub fn from_config(config: &AuthConfig) -> Result<Self, PolicyError> {
        Self::compile(&config.policies)
    }

    /// Compiles `specs`, reporting every bad policy at once (`policies.Admin: …`).
    pub fn compile(specs: &BTreeMap<String, PolicySpec>) -> Result<Self, PolicyError> {
        let mut policies = Policies::new();
        let mut problems = Vec::new();
        for (name, spec) in specs {
            match spec.compile() {
                Ok(policy) => policies.add(name.clone(), policy),
                Err(message) => problems.push(format!("policies.{name}: {message}")),
            }
        }
        if problems.is_empty() {
            Ok(policies)
        } else {
            Err(PolicyError { problems })
        }
    }

    /// Registers `policy` as `name`, replacing any policy of that name.
    pub fn add(&mut self, name: impl Into<String>, policy: Policy) {
        self.by_name.insert(name.into(), Arc::new(policy));
    }

    /// The policy registered as `name`.
    pub fn get(&self, name: &str) -> Option<&Policy> {
        self.by_name.get(name).map(AsRef::as_ref)
    }

    pub(crate) fn get_shared(&self, name: &str) -> Option<Arc<Policy>> {
        self.by_name.get(name).cloned()
    }

    /// The registered names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }
}

/// A policy that does not compile, or a name that is not registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    problems: Vec<String>,
}

impl PolicyError {
    pub(crate) fn unknown(name: &str) -> Self {
        PolicyError {
            problems: vec![format!(
                "policies.{name}: no policy with this name is defined"
            )],
        }
    }

    /// Every problem found, each prefixed with its path (`policies.Admin: …`).
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problems.join("; "))
    }
}

impl std::error::Error for PolicyError {}
