//! The route layers: [`RequirePolicy`] and its shorthands [`RequireScope`] and [`RequireRole`].

use crate::authorize::policies::{Policies, PolicyError};
use crate::authorize::service::Authorize;
use authgate_core::Policy;
use std::sync::Arc;
use tower::Layer;

/// A layer that lets a request through only when its principal satisfies a [`Policy`].
///
/// ```
/// use authgate::{Policy, RequirePolicy};
///
/// let user_reader = RequirePolicy::new(Policy::All(vec![
///     Policy::UserOnly,
///     Policy::Scopes(vec!["read_data".into()]),
/// ]));
/// ```
#[derive(Debug, Clone)]
pub struct RequirePolicy {
    policy: Arc<Policy>,
}

impl RequirePolicy {
    /// Requires `policy`.
    pub fn new(policy: Policy) -> Self {
        RequirePolicy {
            policy: Arc::new(policy),
        }
    }

    /// Requires the policy registered as `name`; an unknown name is an error now, when the
    /// router is built, not a surprise at request time.
    pub fn named(policies: &Policies, name: &str) -> Result<Self, PolicyError> {
        let policy = policies
            .get_shared(name)
            .ok_or_else(|| PolicyError::unknown(name))?;
        Ok(RequirePolicy { policy })
    }

    /// The policy this layer enforces.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }
}

impl<S> Layer<S> for RequirePolicy {
    type Service = Authorize<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Authorize::new(inner, Arc::clone(&self.policy))
    }
}

/// Requires every listed scope (`scp`/`scope`); a denial answers 403 with
/// `scope="<the missing ones>"`.
///
/// ```
/// let layer = authgate::RequireScope::new(["read_data"]);
/// ```
#[derive(Debug, Clone)]
pub struct RequireScope(RequirePolicy);

impl RequireScope {
    /// Requires every scope in `scopes`.
    pub fn new<I, T>(scopes: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        RequireScope(RequirePolicy::new(Policy::Scopes(
            scopes.into_iter().map(Into::into).collect(),
        )))
    }
}

impl<S> Layer<S> for RequireScope {
    type Service = Authorize<S>;

    fn layer(&self, inner: S) -> Self::Service {
        self.0.layer(inner)
    }
}

/// Requires every listed role (`roles`, or what the provider maps to roles).
///
/// ```
/// let layer = authgate::RequireRole::new(["Orders.Admin"]);
/// ```
#[derive(Debug, Clone)]
pub struct RequireRole(RequirePolicy);

impl RequireRole {
    /// Requires every role in `roles`.
    pub fn new<I, T>(roles: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        RequireRole(RequirePolicy::new(Policy::Roles(
            roles.into_iter().map(Into::into).collect(),
        )))
    }
}

impl<S> Layer<S> for RequireRole {
    type Service = Authorize<S>;

    fn layer(&self, inner: S) -> Self::Service {
        self.0.layer(inner)
    }
}
