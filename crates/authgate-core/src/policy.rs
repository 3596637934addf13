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
    /// Compiles the spec; fails with a message naming the bad member.
    pub fn compile(&self) -> Result<Policy, String> {
        todo!("{self:?}")
    }
}

impl Policy {
    /// Evaluates the policy; on denial says what was missing.
    pub fn evaluate(&self, principal: &Principal) -> Result<(), Denial> {
        todo!("{self:?} {principal:?}")
    }
}
