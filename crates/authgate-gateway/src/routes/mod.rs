//! The route table: method set + path pattern, matched against the normalised request path.
//!
//! # Matching order
//!
//! Routes are tried **in file order** and the **first** whose method set and pattern both
//! match wins; later routes are never consulted, even when they are more specific. Put narrow
//! routes (`/api/admin/{*rest}`) before broad ones (`/api/{*rest}`).
//!
//! The built-in endpoints `/healthz`, `/readyz`, `/metrics` and `/auth/verify` are answered by
//! the gateway before the route table is consulted.
//!
//! # Patterns
//!
//! A pattern is a `/`-separated list of segments:
//!
//! - a literal segment (`api`) matches exactly that segment (case-sensitive);
//! - `{name}` matches exactly one non-empty segment;
//! - a final `{*rest}` matches whatever remains, including nothing: `/api/{*rest}` matches
//!   `/api`, `/api/` and `/api/a/b`, but not `/apix`.
//!
//! # Normalisation
//!
//! The request path is normalised exactly once by [`normalize_path`], and both the route
//! match and the upstream request use that normalised path, so the upstream never sees a path
//! that differs from the one the gateway authorised.

mod normalize;
mod pattern;

pub use normalize::{BadPath, normalize_exact, normalize_path};
pub use pattern::PathPattern;

use crate::config::RouteSpec;
use std::sync::Arc;

/// The compiled routes.
#[derive(Debug, Clone)]
pub struct RouteTable {
    routes: Vec<(PathPattern, Arc<RouteSpec>)>,
}

impl RouteTable {
    /// Compiles validated routes. A pattern that does not parse (validation refuses those
    /// already) is logged and its route never matches.
    pub fn new(routes: &[RouteSpec]) -> Self {
        let routes = routes
            .iter()
            .filter_map(|spec| match PathPattern::parse(&spec.path) {
                Ok(pattern) => Some((pattern, Arc::new(spec.clone()))),
                Err(e) => {
                    tracing::error!(route = %spec.name, error = %e, "route pattern refused");
                    None
                }
            })
            .collect();
        RouteTable { routes }
    }

    /// The first route matching `method` and the normalised `path` (see the matching order).
    pub fn find(&self, method: &http::Method, path: &str) -> Option<&Arc<RouteSpec>> {
        self.routes
            .iter()
            .find(|(pattern, spec)| allows_method(spec, method) && pattern.matches(path))
            .map(|(_, spec)| spec)
    }

    /// The first route whose pattern matches `path`, whatever its methods (CORS preflights
    /// for a method the route does not allow are refused by that route's CORS settings).
    pub fn find_any_method(&self, path: &str) -> Option<&Arc<RouteSpec>> {
        self.routes
            .iter()
            .find(|(pattern, _)| pattern.matches(path))
            .map(|(_, spec)| spec)
    }

    /// The route whose CORS settings answer a preflight for `requested` on `path`: the route
    /// for that method, else the first route for the path whatever its methods (whose CORS
    /// settings then refuse the method). The proxy and forward-auth both decide with it.
    pub fn find_for_preflight(
        &self,
        requested: &http::Method,
        path: &str,
    ) -> Option<&Arc<RouteSpec>> {
        self.find(requested, path)
            .or_else(|| self.find_any_method(path))
    }

    /// Number of compiled routes.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether there are no routes.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}

/// Whether the route's method set contains `method` (`None`: every method).
fn allows_method(spec: &RouteSpec, method: &http::Method) -> bool {
    spec.methods.as_ref().is_none_or(|m| m.contains(method))
}

#[cfg(test)]
mod tests;
