//! Authorization policies: all/any/not over scopes, roles, groups, tenants and claim values.

use crate::principal::Principal;
use serde::Deserialize;

/// A compiled policy.
#[derive(Debug, Clone, PartialEq)]
pub enum Policy {
    /// Every listed scope.
    Scopes(Vec<String>),
    /// Every listed role.
    Roles(Vec<String>),
    /// Every listed group.
    Groups(Vec<String>),
    /// The tenant is one of these.
    Tenants(Vec<String>),
    /// The claim equals one of the values (or, for an array claim, contains one).
    Claim {
        /// Claim name.
        name: String,
        /// Accepted values.
        values: Vec<serde_json::Value>,
    },
    /// A user (not app-only) token.
    UserOnly,
    /// An app-only token.
    AppOnly,
    /// All of these.
    All(Vec<Policy>),
    /// At least one of these.
    Any(Vec<Policy>),
    /// Not this.
    Not(Box<Policy>),
    /// Always allows (any authenticated caller).
    Authenticated,
}

/// The configuration form of a policy, as in `[policies.NAME]` of DESIGN.md. Members present
/// are combined with "all".
///
/// ```toml
/// [policies.Admin]
/// any = [{ roles = ["Admin"] }, { scopes = ["admin"] }]
/// ```
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// All of these scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// All of these roles.
    #[serde(default)]
    pub roles: Vec<String>,
    /// All of these groups.
    #[serde(default)]
    pub groups: Vec<String>,
    /// One of these tenants.
    #[serde(default)]
    pub tenants: Vec<String>,
    /// Claim name to accepted values.
    #[serde(default)]
    pub claims: std::collections::BTreeMap<String, Vec<serde_json::Value>>,
    /// `"user"` or `"app"`.
    #[serde(default)]
    pub principal_type: Option<String>,
    /// All of these sub-policies.
    #[serde(default)]
    pub all: Vec<PolicySpec>,
    /// At least one of these sub-policies.
    #[serde(default)]
    pub any: Vec<PolicySpec>,
    /// None of this sub-policy.
    #[serde(default)]
    pub not: Option<Box<PolicySpec>>,
}

/// What a denied principal lacked: for the 403 `scope=` hint and for logs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Denial {
    /// Scopes that would have satisfied the policy (space-joined into `scope=`).
    pub missing_scopes: Vec<String>,
    /// Roles that were missing.
    pub missing_roles: Vec<String>,
    /// Human-readable reasons, one per failed leaf.
    pub reasons: Vec<String>,
}

impl PolicySpec {
    /// Compiles the spec; fails with a message naming the bad member by its path
    /// (`any[1].principal_type: must be "user" or "app"`).
    ///
    /// The members present combine with "all"; an empty spec compiles to
    /// [`Policy::Authenticated`] (any verified caller).
    ///
    /// ```
    /// use authgate_core::{ClaimMapping, Claims, PolicySpec, Principal};
    /// use serde_json::json;
    ///
    /// let spec: PolicySpec = serde_json::from_value(json!({
    ///     "any": [{ "roles": ["Admin"] }, { "scopes": ["admin"] }],
    /// }))?;
    /// let policy = spec.compile()?;
    ///
    /// let claims = json!({ "iss": "https://idp", "sub": "bob", "scp": "read" });
    /// let claims = Claims::new(serde_json::from_value(claims)?);
    /// let bob = Principal::from_claims("idp", claims, &ClaimMapping::default());
    /// let denial = policy.evaluate(&bob).unwrap_err();
    /// assert_eq!(denial.missing_scopes, ["admin"]);
    /// assert_eq!(denial.missing_roles, ["Admin"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compile(&self) -> Result<Policy, String> {
        self.compile_at("")
    }

    fn compile_at(&self, path: &str) -> Result<Policy, String> {
        let mut members = self.leaves(path)?;
        if let Some(kind) = principal_type(path, self.principal_type.as_deref())? {
            members.push(kind);
        }
        if !self.all.is_empty() {
            members.push(Policy::All(compile_each(path, "all", &self.all)?));
        }
        if !self.any.is_empty() {
            members.push(Policy::Any(compile_each(path, "any", &self.any)?));
        }
        if let Some(not) = &self.not {
            members.push(Policy::Not(Box::new(
                not.compile_negated(&format!("{path}not."))?,
            )));
        }
        if members.len() > 1 {
            return Ok(Policy::All(members));
        }
        Ok(members.pop().unwrap_or(Policy::Authenticated))
    }

    /// `not = {}` would deny everyone; that is a configuration mistake, not a policy.
    fn compile_negated(&self, path: &str) -> Result<Policy, String> {
        match self.compile_at(path)? {
            Policy::Authenticated => {
                let path = path.trim_end_matches('.');
                Err(format!("{path}: an empty policy under not denies everyone"))
            }
            policy => Ok(policy),
        }
    }

    /// The scope, role, group, tenant and claim members.
    fn leaves(&self, path: &str) -> Result<Vec<Policy>, String> {
        check_names(path, "scopes", &self.scopes, is_scope_token)?;
        for (member, names) in [
            ("roles", &self.roles),
            ("groups", &self.groups),
            ("tenants", &self.tenants),
        ] {
            check_names(path, member, names, |n| !n.trim().is_empty())?;
        }
        let mut leaves: Vec<Policy> = [
            (!self.scopes.is_empty()).then(|| Policy::Scopes(self.scopes.clone())),
            (!self.roles.is_empty()).then(|| Policy::Roles(self.roles.clone())),
            (!self.groups.is_empty()).then(|| Policy::Groups(self.groups.clone())),
            (!self.tenants.is_empty()).then(|| Policy::Tenants(self.tenants.clone())),
        ]
        .into_iter()
        .flatten()
        .collect();
        for (name, values) in &self.claims {
            if values.is_empty() {
                return Err(format!(
                    "{path}claims.{name}: needs at least one accepted value"
                ));
            }
            let (name, values) = (name.clone(), values.clone());
            leaves.push(Policy::Claim { name, values });
        }
        Ok(leaves)
    }
}

/// Compiles the sub-policies of `all` or `any`, naming each by its index.
fn compile_each(path: &str, member: &str, specs: &[PolicySpec]) -> Result<Vec<Policy>, String> {
    specs
        .iter()
        .enumerate()
        .map(|(i, spec)| spec.compile_at(&format!("{path}{member}[{i}].")))
        .collect()
}

/// `principal_type = "user" | "app"` (security.md JWT-K07).
fn principal_type(path: &str, value: Option<&str>) -> Result<Option<Policy>, String> {
    match value {
        None => Ok(None),
        Some("user") => Ok(Some(Policy::UserOnly)),
        Some("app") => Ok(Some(Policy::AppOnly)),
        Some(_) => Err(format!("{path}principal_type: must be \"user\" or \"app\"")),
    }
}

/// Every name satisfies `valid`, else an error naming the first bad one by index.
fn check_names(
    path: &str,
    member: &str,
    names: &[String],
    valid: impl Fn(&str) -> bool,
) -> Result<(), String> {
    match names.iter().position(|n| !valid(n)) {
        Some(i) => Err(format!("{path}{member}[{i}]: not a valid value")),
        None => Ok(()),
    }
}

/// RFC 6749 §3.3 `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`: also what may appear inside
/// the `scope="..."` of a 403 challenge (RFC 6750 §3).
fn is_scope_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

impl Policy {
    /// Evaluates the policy; on denial says what was missing.
    ///
    /// Allowing costs no allocation: the tree is walked once with string comparisons; only a
    /// denial walks it again to collect what was missing.
    pub fn evaluate(&self, principal: &Principal) -> Result<(), Denial> {
        if self.allows(principal) {
            return Ok(());
        }
        let mut denial = Denial::default();
        self.explain(principal, &mut denial);
        Err(denial)
    }

    /// Whether the principal satisfies the policy.
    fn allows(&self, p: &Principal) -> bool {
        match self {
            Policy::Scopes(scopes) => scopes.iter().all(|s| contains(&p.scopes, s)),
            Policy::Roles(roles) => roles.iter().all(|r| contains(&p.roles, r)),
            Policy::Groups(groups) => groups.iter().all(|g| contains(&p.groups, g)),
            Policy::Tenants(tenants) => p
                .tenant
                .as_deref()
                .is_some_and(|tid| tenants.iter().any(|t| t.eq_ignore_ascii_case(tid))),
            Policy::Claim { name, values } => {
                p.claims.get(name).is_some_and(|v| claim_matches(v, values))
            }
            Policy::UserOnly => !p.app_only,
            Policy::AppOnly => p.app_only,
            Policy::All(policies) => policies.iter().all(|policy| policy.allows(p)),
            Policy::Any(policies) => policies.iter().any(|policy| policy.allows(p)),
            Policy::Not(policy) => !policy.allows(p),
            Policy::Authenticated => true,
        }
    }

    /// Records why a policy that does not allow `p` failed. For `Any`, every alternative
    /// failed, so the scopes and roles of each alternative are listed.
    fn explain(&self, p: &Principal, d: &mut Denial) {
        match self {
            Policy::Scopes(scopes) => {
                let missing = missing(scopes, &p.scopes);
                d.reasons
                    .push(format!("missing scopes: {}", missing.join(" ")));
                extend_unique(&mut d.missing_scopes, missing);
            }
            Policy::Roles(roles) => {
                let missing = missing(roles, &p.roles);
                d.reasons
                    .push(format!("missing roles: {}", missing.join(", ")));
                extend_unique(&mut d.missing_roles, missing);
            }
            Policy::Groups(groups) => {
                d.reasons.push(format!(
                    "missing groups: {}",
                    missing(groups, &p.groups).join(", ")
                ));
            }
            Policy::Tenants(_) => d.reasons.push("tenant is not allowed".to_owned()),
            Policy::Claim { name, .. } => {
                d.reasons
                    .push(format!("claim {name} does not have an accepted value"));
            }
            Policy::UserOnly => d
                .reasons
                .push("requires a user, not an app-only token".to_owned()),
            Policy::AppOnly => d.reasons.push("requires an app-only token".to_owned()),
            Policy::All(policies) | Policy::Any(policies) => {
                for policy in policies.iter().filter(|policy| !policy.allows(p)) {
                    policy.explain(p, d);
                }
            }
            Policy::Not(_) => d.reasons.push("excluded by a not rule".to_owned()),
            Policy::Authenticated => {}
        }
    }
}

fn contains(have: &[String], wanted: &str) -> bool {
    have.iter().any(|h| h == wanted)
}

/// The wanted values that are not in `have`, in order.
fn missing<'a>(wanted: &'a [String], have: &[String]) -> Vec<&'a str> {
    wanted
        .iter()
        .map(String::as_str)
        .filter(|w| !contains(have, w))
        .collect()
}

fn extend_unique(into: &mut Vec<String>, values: Vec<&str>) {
    for value in values {
        if !contains(into, value) {
            into.push(value.to_owned());
        }
    }
}

/// A claim equals an accepted value, or (an array claim) contains one.
fn claim_matches(claim: &serde_json::Value, accepted: &[serde_json::Value]) -> bool {
    match claim {
        serde_json::Value::Array(items) => items.iter().any(|item| accepted.contains(item)),
        value => accepted.contains(value),
    }
}
